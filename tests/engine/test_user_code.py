"""Behaviours written by the user: loading with consent, isolation, budgets, determinism."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from sandbox.engine import (
    CodeNotAllowed,
    Limits,
    Reporter,
    RunCancelled,
    Simulation,
    UserCodeError,
    load_file,
    load_files,
    run,
)
from sandbox.engine.limits import RunRefused
from sandbox.scenario import registry
from sandbox.scenario.io import ScenarioError
from sandbox.scenario.user_files import declared_behaviours
from sandbox.trace import JsonlSink
from sandbox.trace.checks.base import checker_names, run_checks

from .helpers import MS, host, link, mesh, scen

DATA = Path(__file__).resolve().parent.parent / "data" / "user"


def line_of(name: str, mark: str) -> int:
    """The line of ``name`` (in tests/data/user) that carries the comment ``mark``."""
    for i, text in enumerate((DATA / name).read_text().splitlines(), 1):
        if mark in text:
            return i
    raise AssertionError(f"{mark} not in {name}")


def user_scenario(fname: str, hosts: list[dict], *, duration: int = 200 * MS, **kw):
    """A scenario naming one behaviour file of tests/data/user and the names it declares."""
    names = [d.name for d in declared_behaviours((DATA / fname).read_text())]
    return scen(hosts, mesh([h["id"] for h in hosts]), duration=duration,
                behaviour_files=[{"path": fname, "behaviours": names}], **kw)


@pytest.fixture
def loaded():
    """Loads a scenario's files (consent given) and unloads them after the test."""
    done = []

    def load(scenario, base=DATA):
        files = load_files(scenario, base, allow=True)
        done.append(files)
        return files

    yield load
    for files in done:
        files.unload()


def test_a_behaviour_that_raises_crashes_its_host_with_the_traceback_and_others_go_on(loaded):
    s = user_scenario("raises.py", [host(1, "boom"), host(2, "ping", count=50, interval=MS)])
    files = loaded(s)
    result = run(s, user_code=files, keep_events=True)
    errors = [e for e in result.events if e.kind == "app" and e.data["name"] == "behaviour_error"]
    assert len(errors) == 1 and errors[0].host == "h1"
    err = errors[0]
    assert err.t == 5 * MS
    assert err.data["frames"] == [f"raises.py:{line_of('raises.py', 'divide(1, 0)')} in boom",
                                  f"raises.py:{line_of('raises.py', 'RAISE-LINE')} in divide"]
    assert "ZeroDivisionError" in err.data["error"]
    crashes = [e for e in result.events if e.kind == "crash"]
    assert [(c.host, c.t, c.data["cause"]) for c in crashes] == [("h1", 5 * MS, "behaviour_error")]
    assert crashes[0].seq > err.seq
    # h2 goes on sending after h1 failed.
    assert any(e.kind == "send" and e.host == "h2" and e.t > 5 * MS for e in result.events)
    assert result.summary["behaviour_errors"] == 1
    assert result.errors[0].startswith("h1: ZeroDivisionError")


BROKEN = """from sandbox.api import behaviour

@behaviour
def broken(node):
    yield from node.sleep(1)
    x = )
"""


def test_a_syntax_error_is_reported_with_line_and_column_before_any_run(tmp_path):
    # written here, not kept in tests/data: the linter would refuse the tree
    (tmp_path / "syntax_error.py").write_text(BROKEN)
    s = scen([host(1)], behaviour_files=[{"path": "syntax_error.py"}])
    with pytest.raises(UserCodeError) as info:
        load_files(s, tmp_path, allow=True)
    err = info.value
    assert (err.line, err.column) == (6, 9)
    assert str(err) == f"{tmp_path / 'syntax_error.py'}:6:9: syntax error: unmatched ')'"
    assert "broken" not in registry.names()


def test_a_loop_without_yield_is_stopped_by_the_line_budget_naming_host_and_line(loaded):
    s = user_scenario("spin.py", [host(1, "spin"), host(2, "ping", count=20, interval=MS)])
    files = loaded(s)
    started = time.monotonic()
    result = run(s, user_code=files, keep_events=True)  # the default budget: 5 million lines
    assert time.monotonic() - started < 60
    err = next(e for e in result.events if e.kind == "app" and e.data["name"] == "behaviour_error")
    assert err.host == "h1" and err.t == MS
    text = err.data["error"]
    assert text.startswith("h1 stopped: ran more than 5,000,000 lines")
    assert text.endswith(f"at spin.py:{line_of('spin.py', 'n += 1')} in spin") or \
        text.endswith(f"at spin.py:{line_of('spin.py', 'SPIN-LINE')} in spin")
    assert any(e.kind == "crash" and e.host == "h1" for e in result.events)
    assert any(e.kind == "send" and e.host == "h2" and e.t > MS for e in result.events)


def test_the_budget_is_not_swallowed_by_except_exception(loaded):
    s = user_scenario("spin.py", [host(1, "stubborn"), host(2)])
    files = loaded(s)
    result = run(s, user_code=files, keep_events=True, limits=Limits(user_lines_per_step=20_000))
    names = [e.data["name"] for e in result.events if e.kind == "app"]
    assert names == ["behaviour_error"]
    assert "20,000 lines" in result.errors[0]


def test_a_flood_is_stopped_by_the_send_budget(loaded):
    s = user_scenario("spin.py", [host(1, "flood"), host(2)])
    files = loaded(s)
    result = run(s, user_code=files, keep_events=True, limits=Limits(user_sends_per_step=500))
    sends = [e for e in result.events if e.kind == "send"]
    assert len(sends) == 500
    assert result.errors == [f"h1 stopped: sent more than 500 messages without yielding (a flood?)"
                             f" at spin.py:{line_of('spin.py', 'FLOOD-LINE')} in flood"]


def test_a_run_stuck_in_user_code_is_cancelled_from_the_trace_function(loaded):
    s = user_scenario("spin.py", [host(1, "spin"), host(2)])
    files = loaded(s)
    asked = threading.Event()

    class Cancel(Reporter):
        calls = 0

        def cancelled(self) -> bool:
            self.calls += 1
            # the checks between chunks say no; the first check from inside the loop says yes
            if self.calls > 3:
                asked.set()
                return True
            return False

    with pytest.raises(RunCancelled):
        run(s, user_code=files, reporter=Cancel(), chunks=1,
            limits=Limits(user_lines_per_step=10 ** 12))
    assert asked.is_set()


def test_global_random_and_wall_clock_are_warned(loaded):
    s = user_scenario("nondeterministic.py", [host(1, "noisy")])
    files = loaded(s)
    line = line_of("nondeterministic.py", "RANDOM-LINE")
    assert files.warnings[0] == (f"nondeterministic.py:{line}: uses random.randint (the global "
                                 "random generator); use node.clock() for time and node.rng for "
                                 "randomness")
    text = "\n".join(files.warnings)
    assert "uses time.time (wall-clock time)" in text
    assert "uses datetime.datetime.now (wall-clock time)" in text
    assert "uses random.choice" in text
    assert "node.rng.randint" not in text and f":{line + 2}:" not in text
    clean = load_file(DATA / "basic.py", allow=True)
    try:
        assert clean.warnings == []
    finally:
        clean.unload()


def test_without_consent_nothing_is_executed(tmp_path):
    shutil.copy(DATA / "marker.py", tmp_path / "marker.py")
    s = scen([host(1, "marked")], behaviour_files=[{"path": "marker.py",
                                                    "behaviours": ["marked"]}])
    with pytest.raises(CodeNotAllowed) as info:
        load_files(s, tmp_path)
    assert "marker.py" in str(info.value) and "--allow-code" in str(info.value)
    assert info.value.sha256s[0] is not None and info.value.sha256s[0] in str(info.value)
    with pytest.raises(CodeNotAllowed):
        load_file(tmp_path / "marker.py")
    assert not (tmp_path / "IMPORTED.marker").exists()
    assert "marked" not in registry.names()
    # with consent it runs (so the marker test above can fail)
    files = load_files(s, tmp_path, allow=True)
    try:
        assert (tmp_path / "IMPORTED.marker").exists()
    finally:
        files.unload()


def test_the_same_user_run_twice_gives_byte_identical_traces(tmp_path):
    s = user_scenario("basic.py", [host(1, "echo", count=4), host(2, "echo"),
                                   host(3, "pinger", count=3)])
    outs = []
    for i in range(2):
        files = load_files(s, DATA, allow=True)
        try:
            path = tmp_path / f"run{i}.jsonl"
            run(s, JsonlSink(path), user_code=files)
            outs.append(path.read_bytes())
        finally:
            files.unload()
    assert outs[0] == outs[1]
    assert b'"behaviour_files": [{"path": "basic.py", "sha256": "' in outs[0].split(b"\n")[0] \
        or b'"behaviour_files":[{"path":"basic.py","sha256":"' in outs[0].split(b"\n")[0]
    assert outs[0].count(b'"kind": "send"') + outs[0].count(b'"kind":"send"') > 5


def test_params_from_defaults_and_from_a_model_and_bad_params_refused(loaded):
    s = user_scenario("basic.py", [host(1, "echo", count=2, interval=3 * MS),
                                   host(2, "pinger", count=2, target="h1")])
    files = loaded(s)
    assert files.names == ["echo", "pinger"]
    info = registry.behaviour("pinger")
    assert info.origin == str(DATA / "basic.py")
    assert info.summary == "Sends count pings to a target (default: the first peer)."
    assert set(info.params.model_fields) == {"interval", "count", "target"}
    assert registry.behaviour("echo").title == "Echo"
    result = run(s, user_code=files, keep_events=True)
    pings = [e for e in result.events if e.kind == "send" and e.host == "h2"]
    assert len(pings) == 2 and {e.peer for e in pings} == {"h1"}
    assert [e.data for e in result.events if e.kind == "state" and e.host == "h1"] == \
        [{"sent": 1}, {"sent": 2}]
    files.unload()
    bad = user_scenario("basic.py", [host(1, "echo", count=-1), host(2, "pinger", count="x")])
    with pytest.raises(ScenarioError) as info_err:
        load_files(bad, DATA, allow=True)
    paths = [p for p, _ in info_err.value.problems]
    assert "hosts[0].behaviour.params.count" in paths
    assert "hosts[1].behaviour.params.count" in paths
    assert "echo" not in registry.names()  # a failed load leaves nothing registered
    unknown = user_scenario("basic.py", [host(1, "echo", colour="red")])
    with pytest.raises(ScenarioError) as info_err:
        load_files(unknown, DATA, allow=True)
    assert [p for p, _ in info_err.value.problems] == ["hosts[0].behaviour.params.colour"]


def test_a_user_checker_runs_in_run_checks_and_unload_removes_everything(loaded):
    s = user_scenario("basic.py", [host(1, "echo"), host(2, "echo")])
    files = loaded(s)
    assert files.checkers == ["user.echo_answered"]
    result = run(s, user_code=files, keep_events=True)
    verdicts = run_checks(result.header, result.events)
    assert [(v.name, v.ok) for v in verdicts] == [("user.echo_answered", True)]
    assert verdicts[0].checked > 0
    files.unload()
    assert "echo" not in registry.names() and "pinger" not in registry.names()
    assert "user.echo_answered" not in checker_names()
    assert registry.user_names() == ()


def test_loading_a_file_again_replaces_its_records(loaded):
    s = user_scenario("basic.py", [host(1, "echo")])
    loaded(s)
    again = loaded(s)  # no "registered twice"
    assert again.names == ["echo", "pinger"]
    assert registry.user_names() == ("echo", "pinger")


def test_reading_node_now_is_refused(loaded):
    s = user_scenario("reads_now.py", [host(1, "peeker"), host(2)])
    files = loaded(s)
    result = run(s, user_code=files)
    line = line_of("reads_now.py", "NOW-LINE")
    assert len(result.errors) == 1
    assert "node.now is real time" in result.errors[0] and "node.clock()" in result.errors[0]
    assert result.errors[0].endswith(f"reads_now.py:{line} in peeker")


def test_a_user_behaviour_uses_rpc_ordered_broadcast_and_the_detector(loaded):
    s = user_scenario("layers.py", [host(1, "layered"), host(2, "layered"), host(3, "layered")],
                      faults=[{"kind": "crash", "host": "h3", "at": 60 * MS}])
    files = loaded(s)
    result = run(s, user_code=files, keep_events=True)
    assert result.errors == []
    app = [e for e in result.events if e.kind == "app"]
    called = [e.data for e in app if e.data["name"] == "called" and e.host in ("h1", "h2")]
    assert len(called) == 6 and all(d["ok"] for d in called)
    # total order: h1 and h2 deliver the same values in the same order
    order = {h: [e.data["value"] for e in app if e.host == h and e.data["name"] == "got"]
             for h in ("h1", "h2")}
    assert order["h1"] and order["h1"] == order["h2"][:len(order["h1"])]
    suspects = [e for e in result.events if e.kind == "suspect"]
    assert {(e.host, e.data["target"]) for e in suspects} >= {("h1", "h3"), ("h2", "h3")}
    assert all(e.t > 60 * MS for e in suspects)


def test_builtin_runs_have_no_header_entry_and_no_trace_function():
    import sys

    seen = []
    s = scen([host(1, "ping", count=3, interval=MS), host(2)], mesh(["h1", "h2"]))
    before = sys.gettrace()

    class Look(Reporter):
        def progress(self, now, until):
            seen.append(sys.gettrace())

    result = run(s, reporter=Look())
    assert "behaviour_files" not in result.header
    assert set(seen) == {before}
    assert Simulation(s).guard is None


def test_a_user_behaviour_without_its_files_is_refused_clearly(loaded):
    s = user_scenario("basic.py", [host(1, "echo")])
    files = loaded(s)
    with pytest.raises(RunRefused, match="not loaded: load them first, with consent"):
        run(s)
    files.unload()
    with pytest.raises(RunRefused, match="not loaded: echo"):  # nothing registered at all
        run(s, user_code=files)


@pytest.mark.parametrize("name", ["picky", "bad_handler"])
def test_errors_in_a_match_or_a_message_callback_crash_only_that_host(loaded, name):
    s = user_scenario("raises.py", [host(1, name), host(2, "ping", count=5, interval=MS,
                                                         peers=["h1"]), host(3)])
    files = loaded(s)
    result = run(s, user_code=files, keep_events=True)
    assert len(result.errors) == 1 and result.errors[0].startswith("h1: KeyError")
    crashes = [e for e in result.events if e.kind == "crash"]
    assert [(c.host, c.data["cause"]) for c in crashes] == [("h1", "behaviour_error")]
    first_delivery = next(e.t for e in result.events if e.kind == "deliver" and e.host == "h1")
    assert crashes[0].t == first_delivery
    assert sum(e.kind == "send" and e.host == "h2" for e in result.events) == 5
    if name == "bad_handler":
        line = line_of("raises.py", "HANDLER-LINE")
        assert result.errors[0].endswith(f"raises.py:{line} in on_ping")


def test_a_crash_notice_sent_by_a_behaviour_is_not_taken_for_the_engines():
    """Only the engine announces a fail-stop crash (on its own channel): detectors ignore an
    app message dressed as a notice."""
    from sandbox.engine.network import Message
    from sandbox.engine.protocols._common import crash_notice

    forged = Message(1, "h1", "h2", {"type": "crash_notice", "host": "h3"}, 16, 0, "app")
    real = Message(-1, "h3", "h2", {"type": "crash_notice", "host": "h3"}, 0, 0, "sys")
    assert crash_notice(forged) is None and crash_notice(real) == "h3"


def test_a_file_whose_top_level_loops_forever_is_stopped_while_it_loads(tmp_path):
    from sandbox.engine import UserCodeError, load_file

    path = tmp_path / "toplevel.py"
    path.write_text("from sandbox.api import behaviour\nn = 0\nwhile True:\n    n += 1\n",
                    encoding="utf-8")
    with pytest.raises(UserCodeError, match="top level ran more than") as info:
        load_file(path, allow=True)
    assert info.value.line in (3, 4)


def test_no_attribute_of_a_users_node_leads_into_the_engine():
    """Not even a private or name-mangled one: the engine's objects are kept outside it."""
    import simpy

    from sandbox.engine import Simulation
    from sandbox.engine.host import HostRuntime
    from sandbox.engine.user_code import Guard, UserNode

    sim = Simulation(scen([host(1), host(2)], [link("h1", "h2")]))
    guard = Guard(sim, {}, 1000, 1000)
    node = UserNode(sim.nodes["h1"], guard)
    inside = (Simulation, HostRuntime, Guard, simpy.Environment)
    seen = []
    for name in dir(node):
        if name in ("now", "__class__", "__init_subclass__", "__subclasshook__"):
            continue
        try:
            value = getattr(node, name)
        except AttributeError:
            continue
        seen.append((name, value))
    assert not [name for name, value in seen if isinstance(value, inside)]
    assert not any("host" in name.lower() and name.startswith("_") for name, _ in seen)
    assert node.id == "h1" and list(node.peers) == ["h2"]


SWALLOWERS = ["bare_except", "base_exception", "finally_return", "suppressed", "comprehension",
              "then_yields", "recursion", "flood_swallowed"]


@pytest.mark.parametrize("name", SWALLOWERS)
def test_a_stop_the_code_swallows_still_stops_it_and_the_run_goes_on(loaded, name):
    s = user_scenario("swallow.py", [host(1, name), host(2, "ping", count=10, interval=MS)])
    files = loaded(s)
    done = threading.Event()
    out: list = []

    def go() -> None:
        out.append(run(s, user_code=files, keep_events=True,
                       limits=Limits(user_lines_per_step=20_000, user_sends_per_step=300)))
        done.set()

    worker = threading.Thread(target=go, daemon=True)
    worker.start()
    # bounded: a swallowed stop that looped on would never finish (the thread is a daemon,
    # so a failure here does not hang the suite)
    assert done.wait(120), f"{name} was not stopped"
    result = out[0]
    assert len(result.errors) == 1 and result.errors[0].startswith("h1 stopped: "), result.errors
    assert "swallow.py:" in result.errors[0]
    assert [e.host for e in result.events if e.kind == "crash"] == ["h1"]
    assert not any(e.kind == "app" and e.data.get("name") == "went on" for e in result.events)
    assert any(e.kind == "send" and e.host == "h2" and e.t > 2 * MS for e in result.events)


def test_checkpoints_keep_the_users_line_numbers_and_docstrings(loaded, tmp_path):
    path = tmp_path / "doc.py"
    path.write_text('from sandbox.api import behaviour\n\n\n@behaviour\ndef documented(node):\n'
                    '    """Its docstring."""\n    yield from node.sleep(1)\n'
                    '    raise ValueError("line 8")\n')
    files = load_file(path, allow=True)
    try:
        assert registry.behaviour("documented").summary.startswith("Its docstring")
        s = scen([host(1, "documented")], [], duration=10 * MS,
                 behaviour_files=[{"path": str(path), "behaviours": ["documented"]}])
        result = run(s, user_code=files)
        assert result.errors == ["h1: ValueError: line 8 at doc.py:8 in documented"] or \
            result.errors[0].endswith(":8 in documented"), result.errors
    finally:
        files.unload()
