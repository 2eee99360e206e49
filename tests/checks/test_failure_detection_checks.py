"""The failure detection checkers on hand-made traces: one that breaks each guarantee and one
that keeps it, for the fixed-timeout heartbeat and the adaptive detector alike."""

from __future__ import annotations

import json

from sandbox.trace import TraceEvent
from sandbox.trace.checks import CheckContext, checker

MS = 1_000_000


def _header(behaviour="heartbeat", synchrony="asynchronous", loss=0.0, **params) -> dict:
    hosts = [{"id": h, "behaviour": {"name": behaviour, "params": dict(params)}}
             for h in ("a", "b", "c")]
    return {"scenario": {"hosts": hosts, "links": [{"a": "a", "b": "b", "loss": loss}],
                         "model": {"synchrony": synchrony, "delivery_bound": 10 * MS,
                                   "step_bound": MS},
                         "run": {"duration": 2000 * MS}}}


def _trace(rows) -> list[TraceEvent]:
    """Events from (t in ms, kind, host, data), read back from JSON as a trace file is."""
    evs = [TraceEvent(i, t * MS, kind, h, t * MS, None, None, data)
           for i, (t, kind, h, data) in enumerate(rows)]
    return [TraceEvent.from_dict(json.loads(json.dumps(e.to_dict()))) for e in evs]


def _verdict(header, rows, name):
    ctx = CheckContext(header)
    cls = checker(name)
    c = cls(ctx)
    for ev in _trace(rows):
        ctx._see(ev)
        if c.kinds is None or ev.kind in c.kinds:
            c.feed(ev)
    c.finish()
    return c.verdict(cls.promised(ctx))


HB = {"interval": 100 * MS, "timeout": 300 * MS}  # grace: 300 + 2 * 100 ms
CRASH = (100, "crash", "c", {"mode": "fail_silent"})
SUSPECT_A = (400, "suspect", "a", {"target": "c"})
SUSPECT_B = (420, "suspect", "b", {"target": "c"})
END = (1000, "timer", "a", {"name": "tick"})


def test_a_monitor_that_never_suspects_a_crashed_host_breaks_completeness():
    v = _verdict(_header(**HB), [CRASH, SUSPECT_A, END], "failure_detection.completeness")
    assert not v.ok and v.promised and v.seq == 0
    assert "b" in v.reason() and "c" in v.reason()


def test_suspicion_by_every_monitor_keeps_completeness():
    v = _verdict(_header(**HB), [CRASH, SUSPECT_A, SUSPECT_B, END],
                 "failure_detection.completeness")
    assert v.ok and v.checked == 2


def test_a_suspicion_withdrawn_before_the_end_breaks_completeness():
    rows = [CRASH, SUSPECT_A, SUSPECT_B, (500, "unsuspect", "b", {"target": "c"}), END]
    v = _verdict(_header("adaptive_heartbeat", interval=100 * MS, max_timeout=300 * MS), rows,
                 "failure_detection.completeness")
    assert not v.ok


def test_a_crash_within_the_grace_window_or_followed_by_a_recovery_is_not_judged():
    late = (800, "crash", "c", {"mode": "fail_silent"})
    v = _verdict(_header(**HB), [late, END], "failure_detection.completeness")
    assert v.ok and v.checked == 0
    back = (200, "recover", "c", {"cause": "scheduled"})
    v = _verdict(_header(**HB), [CRASH, back, END], "failure_detection.completeness")
    assert v.ok and v.checked == 0


def test_suspecting_a_host_that_is_up_breaks_accuracy():
    rows = [(50, "suspect", "a", {"target": "c"}), CRASH, SUSPECT_A]
    v = _verdict(_header(synchrony="synchronous", **HB), rows, "failure_detection.accuracy")
    assert not v.ok and v.promised and v.seq == 0
    assert v.reason() == "a suspects c, which is up"


def test_suspecting_only_crashed_hosts_keeps_accuracy():
    v = _verdict(_header(synchrony="synchronous", **HB), [CRASH, SUSPECT_A, SUSPECT_B],
                 "failure_detection.accuracy")
    assert v.ok and v.promised and v.checked == 2


def test_accuracy_is_promised_only_in_the_synchronous_model_with_enough_timeout_and_no_loss():
    rows = [CRASH, SUSPECT_A]
    name = "failure_detection.accuracy"
    assert not _verdict(_header(**HB), rows, name).promised
    assert not _verdict(_header(synchrony="synchronous", loss=0.1, **HB), rows, name).promised
    short = {"interval": 100 * MS, "timeout": 105 * MS}
    assert not _verdict(_header(synchrony="synchronous", **short), rows, name).promised
    assert not _verdict(_header("adaptive_heartbeat", synchrony="synchronous"), rows,
                        name).promised
