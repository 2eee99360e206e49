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
