"""The checker framework: which guarantees a trace is checked for, verdicts, their lines, a
checker that raises, and checking while a run goes (CheckSink)."""

from __future__ import annotations

from sandbox.scenario.registry import QT_TRANSLATE_NOOP, behaviours
from sandbox.trace import TraceEvent
from sandbox.trace.checks import (
    Checker,
    CheckRun,
    CheckSink,
    checker,
    checker_names,
    format_verdict,
    run_checks,
)


class NoDrop(Checker):
    """A toy guarantee: no message is dropped."""

    name = "toy.no_drop"
    title = QT_TRANSLATE_NOOP("Check", "No drop")
    kinds = frozenset({"send", "drop"})

    def feed(self, ev):
        if ev.kind == "send":
            self.checked += 1
        else:
            self.fail(ev, QT_TRANSLATE_NOOP("Check", "message m{msg} was dropped ({why})"),
                      related=(self.ctx.now,), msg=ev.msg, why=(ev.data or {}).get("reason"))


class Broken(Checker):
    name = "toy.broken"

    def feed(self, ev):
        if ev.kind == "drop":
            raise ZeroDivisionError("oops")


class NeverPromised(NoDrop):
    name = "toy.never_promised"

    @classmethod
    def promised(cls, ctx):
        return False


HEADER = {"scenario": {"hosts": [{"id": "a", "behaviour": {"name": "idle"}},
                                 {"id": "b", "behaviour": {"name": "idle"}}],
                       "run": {"duration": 100}}}


def _events(drop: bool):
    evs = [TraceEvent(0, 1, "send", "a", 1, 1, "b", {"size": 1}),
           TraceEvent(1, 2, "send", "a", 2, 2, "b", {"size": 1})]
    if drop:
        evs.append(TraceEvent(2, 5, "drop", "a", 5, 2, "b", {"reason": "loss"}))
    else:
        evs.append(TraceEvent(2, 5, "deliver", "b", 5, 2, "a", {}))
    return evs


def test_a_verdict_names_the_first_breaking_event_and_its_reason():
    run = CheckRun(HEADER, classes=[NoDrop])
    for ev in _events(drop=True):
        run.feed(ev)
    (v,) = run.finish()
    assert (v.ok, v.seq, v.t, v.checked) == (False, 2, 5, 2)
    assert v.reason() == "message m2 was dropped (loss)"
    assert format_verdict(v) == "FAIL toy.no_drop at event 2: message m2 was dropped (loss)"
    assert v.to_dict()["reason"] == v.reason() and v.to_dict()["seq"] == 2


def test_a_guarantee_that_holds_passes_and_says_how_much_it_checked():
    (v,) = CheckRun(HEADER, classes=[NoDrop]).finish()
    assert v.ok and v.checked == 0
    run = CheckRun(HEADER, classes=[NoDrop])
    for ev in _events(drop=False):
        run.feed(ev)
    (v,) = run.finish()
    assert v.ok and v.checked == 2 and format_verdict(v) == "PASS toy.no_drop"


def test_a_guarantee_the_configuration_does_not_promise_is_checked_and_marked():
    run = CheckRun(HEADER, classes=[NeverPromised])
    for ev in _events(drop=True):
        run.feed(ev)
    (v,) = run.finish()
    assert not v.ok and not v.promised
    assert format_verdict(v).endswith("(not promised by this configuration)")


def test_a_checker_that_raises_is_stopped_and_the_others_go_on():
    run = CheckRun(HEADER, classes=[Broken, NoDrop])
    for ev in _events(drop=True):
        run.feed(ev)
    broken, nodrop = run.finish()
    assert broken.error and not broken.ok and broken.seq == 2
    assert "ZeroDivisionError: oops" in format_verdict(broken)
    assert format_verdict(broken).startswith("ERROR toy.broken at event 2")
    assert not nodrop.ok and not nodrop.error


def test_the_translation_hook_translates_the_templates():
    run = CheckRun(HEADER, classes=[NoDrop])
    for ev in _events(drop=True):
        run.feed(ev)
    (v,) = run.finish()
    fr = {"FAIL {name} at event {seq}: {reason}": "ÉCHEC {name} à {seq} : {reason}",
          "message m{msg} was dropped ({why})": "m{msg} perdu ({why})"}
    assert format_verdict(v, lambda s: fr.get(s, s)) == "ÉCHEC toy.no_drop à 2 : m2 perdu (loss)"


def test_a_trace_of_behaviours_without_guarantees_checks_nothing():
    assert run_checks(HEADER, _events(drop=True)) == []
    assert run_checks({}, []) == [] and run_checks({"scenario": "junk"}, []) == []
    assert not CheckRun(None)


def test_the_sink_checks_as_the_run_goes():
    sink = CheckSink()
    sink.open(HEADER)
    for ev in _events(drop=True):
        sink.write(ev)
    sink.close()
    assert sink.verdicts == []  # idle declares no guarantee


def test_every_guarantee_a_record_names_has_a_checker_with_a_title_and_description():
    named = {g for info in behaviours() for g in info.guarantees}
    assert named <= set(checker_names()), named - set(checker_names())
    for name in checker_names():
        cls = checker(name)
        assert cls.title and cls.description, name
        assert name.count(".") == 1, name


def test_the_context_reads_hosts_params_and_crashes():
    run = CheckRun({"scenario": {"hosts": [
        {"id": "c", "behaviour": {"name": "rr_client", "params": {"server": "s"}},
         "failures": {"state_on_crash": "kept"}},
        {"id": "s", "behaviour": {"name": "rr_server", "params": {"service_time": "junk"}}}]}},
        classes=[NoDrop])
    ctx = run.ctx
    assert ctx.running("rr_client") == ["c"] and ctx.behaviour_of("s") == "rr_server"
    assert ctx.params_of("c").timeout == 50_000_000  # a default filled in
    assert ctx.params_of("s") is None  # invalid parameters: nothing to read
    assert ctx.state_kept("c") and not ctx.state_kept("s")
    run.feed(TraceEvent(0, 3, "crash", "s", 3, data={}))
    assert ctx.down == {"s"} and not ctx.correct("s") and ctx.correct("c")
    run.feed(TraceEvent(1, 4, "recover", "s", 4, data={}))
    assert ctx.down == set() and not ctx.correct("s") and ctx.now == 4


def test_every_checker_has_hand_made_traces_in_tests_checks():
    """Each registered checker is exercised by name on hand-made traces (a failing and a
    passing one, see tests/checks/)."""
    from pathlib import Path

    text = "\n".join(p.read_text(encoding="utf-8")
                     for p in (Path(__file__).parent / "checks").glob("test_*.py"))
    missing = [name for name in checker_names() if f'"{name}"' not in text]
    assert missing == []
