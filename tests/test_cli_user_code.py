"""The command line and the user's behaviour files: ``validate`` reads them (never runs them),
``run`` runs them only with ``--allow-code``, ``behaviours --behaviours PATH`` lists them and
``check --allow-code`` runs their checkers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from test_cli import ok, sandbox_cmd, usage_error

GOSSIP = '''
from sandbox.api import behaviour, Params, Field, StateField, Duration, MS, Checker, guarantee
from sandbox.api import QT_TRANSLATE_NOOP


class PushParams(Params):
    fanout: int = Field(1, ge=1, le=10, description="Peers told each round")
    round: Duration = Field(10 * MS, ge=1, description="Time between rounds")


@behaviour(params=PushParams, title="Push gossip", summary="Tell fanout peers each round",
           category="gossip", state=[StateField("infected", "Knows the rumour", kind="flag",
                                                badge=True)],
           guarantees=["push.everyone"])
def push(node, params):
    knows = node.id == node.hosts[0]
    node.report_state(infected=knows)
    if knows:
        node.app("infected")
    while True:
        if knows:
            for peer in node.rng.sample(list(node.peers), min(params.fanout, len(node.peers))):
                node.send(peer, {"type": "rumour"})
        msg = yield from node.receive(timeout=params.round)
        if msg is not None and not knows:
            knows = True
            node.app("infected")
            node.report_state(infected=True)


@guarantee
class Everyone(Checker):
    name = "push.everyone"
    title = QT_TRANSLATE_NOOP("Check", "Everyone hears it")
    description = QT_TRANSLATE_NOOP("Check", "Every host learns the rumour.")
    kinds = frozenset({"app"})

    def __init__(self, ctx):
        super().__init__(ctx)
        self.seen = set()
        self.last = (0, 0)

    def feed(self, ev):
        self.last = (ev.seq, ev.t)
        if (ev.data or {}).get("name") == "infected":
            self.checked += 1
            self.seen.add(ev.host)

    def finish(self):
        missing = [h for h in self.ctx.hosts if h not in self.seen]
        if missing:
            self.fail(self.last, QT_TRANSLATE_NOOP("Check", "{hosts} never heard it"),
                      hosts=", ".join(missing))
'''

#: A file whose import would leave a marker file: validate and the listing never import it.
MARKER_FILE = GOSSIP + '''
import pathlib
pathlib.Path(__file__).with_name("MARKER").write_text("the file ran")
'''


def write_scenario(folder: Path, source: str = GOSSIP, *, name: str = "push.py",
                   record: str | None = None, behaviours: tuple[str, ...] = ("push",),
                   fanout: int = 1, duration: str = "300ms") -> Path:
    """A scenario of three hosts running ``push`` from ``folder/name`` (its hash recorded)."""
    (folder / name).write_text(source, encoding="utf-8")
    digest = record or hashlib.sha256(source.encode()).hexdigest()
    hosts = [{"id": h, "behaviour": {"name": "push", "params": {"fanout": fanout}}}
             for h in ("a", "b", "c")]
    data = {"title": "Push", "hosts": hosts,
            "links": [{"a": "a", "b": "b"}, {"a": "b", "b": "c"}, {"a": "c", "b": "a"}],
            "run": {"duration": duration, "seed": 3},
            "behaviour_files": [{"path": name, "sha256": digest,
                                 "behaviours": list(behaviours)}]}
    path = folder / "push.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# -- validate -------------------------------------------------------------------------------


def test_validate_names_the_file_its_hash_and_what_it_defines_without_running_it(tmp_path):
    path = write_scenario(tmp_path, MARKER_FILE)
    digest = hashlib.sha256(MARKER_FILE.encode()).hexdigest()
    proc = ok(sandbox_cmd("validate", str(path)))
    lines = proc.stdout.splitlines()
    assert lines[0] == f"ok: {path}"
    assert lines[1] == (f"{path}: behaviour file push.py: sha256 {digest}, unchanged; "
                        "defines push (recorded: push)")
    assert not (tmp_path / "MARKER").exists()


def test_validate_says_a_file_changed_since_it_was_recorded(tmp_path):
    path = write_scenario(tmp_path, record="0" * 64)
    proc = ok(sandbox_cmd("validate", str(path)))
    assert f"changed since it was recorded (was {'0' * 64})" in proc.stdout


def test_validate_refuses_a_missing_file_a_syntax_error_and_a_name_no_longer_defined(tmp_path):
    path = write_scenario(tmp_path)
    (tmp_path / "push.py").unlink()
    (line,) = usage_error(sandbox_cmd("validate", str(path)))
    assert line == f"error: {path}: behaviour file push.py: no such file"

    path = write_scenario(tmp_path, "def push(node, params:\n    pass\n")
    (line,) = usage_error(sandbox_cmd("validate", str(path)))
    assert "behaviour file push.py" in line and "syntax error at line 1, column" in line

    path = write_scenario(tmp_path, GOSSIP.replace("def push(", "def other("),
                          behaviours=("push",))
    (line,) = usage_error(sandbox_cmd("validate", str(path)))
    assert line.endswith("defines other (recorded: push); it no longer defines push")


# -- run ------------------------------------------------------------------------------------


def test_run_refuses_code_without_allow_code_naming_the_files_and_hashes(tmp_path):
    path = write_scenario(tmp_path, MARKER_FILE)
    digest = hashlib.sha256(MARKER_FILE.encode()).hexdigest()
    (line,) = usage_error(sandbox_cmd("run", str(path), "-q"))
    assert line == (f"error: {path} names behaviour files that run code: push.py (sha256 "
                    f"{digest}); add --allow-code to run them")
    assert not (tmp_path / "MARKER").exists()


def test_run_with_allow_code_runs_the_file_relative_to_the_scenario_and_its_checker(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    write_scenario(folder)
    # From another folder: the file is found beside the scenario, not in the working folder.
    proc = ok(sandbox_cmd("run", "work/push.json", "--allow-code", "-q", cwd=tmp_path))
    lines = proc.stdout.splitlines()
    assert lines[lines.index("Guarantees:") + 1].strip() == "PASS push.everyone"
    assert proc.stderr == ""


def test_run_warns_of_the_global_random_on_stderr(tmp_path):
    source = GOSSIP.replace("node.rng.sample(", "__import__('random').sample(").replace(
        "from sandbox.api import QT_TRANSLATE_NOOP", "from sandbox.api import QT_TRANSLATE_NOOP\n"
        "import random\nrandom.random()")
    path = write_scenario(tmp_path, source)
    proc = ok(sandbox_cmd("run", str(path), "--allow-code", "-q"))
    warnings = [ln for ln in proc.stderr.splitlines() if ln.startswith("warning: ")]
    assert any(ln.startswith("warning: push.py:") and "random.random" in ln for ln in warnings), \
        proc.stderr


def test_run_reports_a_syntax_error_with_file_line_and_column(tmp_path):
    path = write_scenario(tmp_path, GOSSIP.replace("def push(node, params):",
                                                   "def push(node, params:"))
    (line,) = usage_error(sandbox_cmd("run", str(path), "--allow-code", "-q"))
    assert line.startswith(f"error: {tmp_path / 'push.py'}:"), line
    where, _, message = line.removeprefix("error: ").rpartition(": syntax error")
    assert where.count(":") >= 2 and message, line  # path:line:col


def test_run_refuses_a_bad_parameter_of_a_user_behaviour_naming_the_host(tmp_path):
    path = write_scenario(tmp_path, fanout=99)
    lines = usage_error(sandbox_cmd("run", str(path), "--allow-code", "-q"))
    assert any("hosts[0].behaviour.params.fanout" in ln for ln in lines), lines


def test_a_behaviour_that_raises_crashes_its_host_and_the_run_goes_on(tmp_path):
    source = GOSSIP.replace("        if msg is not None and not knows:",
                            "        if node.id == 'c':\n            raise KeyError('oops')\n"
                            "        if msg is not None and not knows:")
    path = write_scenario(tmp_path, source)
    proc = ok(sandbox_cmd("run", str(path), "--allow-code", "-q"))
    assert "FAIL push.everyone" in proc.stdout  # c never hears it: it crashed
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("warning: behaviour error")]
    assert len(errors) == 1 and "c: KeyError" in errors[0] and "push.py:" in errors[0], \
        proc.stderr


# -- behaviours and check -------------------------------------------------------------------


def test_behaviours_lists_a_files_names_by_reading_it_and_in_full_with_allow_code(tmp_path):
    write_scenario(tmp_path, MARKER_FILE)
    py = tmp_path / "push.py"
    proc = ok(sandbox_cmd("behaviours", "--behaviours", str(py)))
    assert proc.stdout.splitlines()[-1].startswith(f"{py}: defines push (found by reading it; "
                                                   "add --allow-code")
    assert not (tmp_path / "MARKER").exists()
    proc = ok(sandbox_cmd("behaviours", "--behaviours", str(py), "--allow-code"))
    (line,) = [ln for ln in proc.stdout.splitlines() if ln.startswith("push ")]
    assert "Push gossip: Tell fanout peers each round [Gossip]" in line
    assert line.endswith(f"(from {py})")
    assert "raft " in proc.stdout  # the built-ins too
    assert (tmp_path / "MARKER").exists()  # consent given: it ran


def test_check_runs_a_files_checkers_only_with_allow_code(tmp_path):
    path = write_scenario(tmp_path)
    trace = tmp_path / "push.jsonl"
    ok(sandbox_cmd("run", str(path), "--allow-code", "-q", "--out", str(trace)))
    header = json.loads(trace.read_text(encoding="utf-8").splitlines()[0])
    digest = hashlib.sha256(GOSSIP.encode()).hexdigest()
    assert header["behaviour_files"] == [{"path": "push.py", "sha256": digest}]

    proc = ok(sandbox_cmd("check", str(trace)))
    assert proc.stdout.strip() == "no guarantee to check: no protocol of this trace declares one"
    assert "add --allow-code" in proc.stderr and "push.py" in proc.stderr

    proc = ok(sandbox_cmd("check", str(trace), "--allow-code"))
    assert proc.stdout.splitlines() == ["PASS push.everyone"]
    proc = ok(sandbox_cmd("check", str(trace), "--allow-code", "--only", "push.everyone"))
    assert proc.stdout.splitlines() == ["PASS push.everyone"]

    moved = tmp_path / "traces"
    moved.mkdir()
    trace.rename(moved / "push.jsonl")
    (line,) = usage_error(sandbox_cmd("check", str(moved / "push.jsonl"), "--allow-code"))
    assert "push.py" in line
    proc = ok(sandbox_cmd("check", str(moved / "push.jsonl"), "--allow-code",
                          "--base", str(tmp_path)))
    assert proc.stdout.splitlines() == ["PASS push.everyone"]
