"""The clocks checkers on hand-made traces: one that breaks each guarantee and one that keeps
it (happened-before comes from the trace: host order and send -> deliver)."""

from __future__ import annotations

import json

from sandbox.trace import TraceEvent
from sandbox.trace.checks import run_checks


def _header(behaviour: str, hosts=("h1", "h2"), byzantine: bool = False, **params) -> dict:
    specs = []
    for h in hosts:
        spec = {"id": h, "behaviour": {"name": behaviour, "params": params}}
        if byzantine:
            spec["failures"] = {"byzantine_probability": 0.1}
        specs.append(spec)
    return {"scenario": {"hosts": specs, "run": {"duration": 1000}}}


def _trace(rows) -> list[TraceEvent]:
    """Events from (t, kind, host, msg, peer, data), read back from JSON as a file is."""
    evs = [TraceEvent(i, t, kind, h, t, msg, peer, data)
           for i, (t, kind, h, msg, peer, data) in enumerate(rows)]
    return [TraceEvent.from_dict(json.loads(json.dumps(e.to_dict()))) for e in evs]


def _verdict(header, rows, name):
    return {v.name: v for v in run_checks(header, _trace(rows))}[name]


def _lamport(host, kind, ts, t):
    return (t, "app", host, None, None, {"name": "lamport_event", "kind": kind, "ts": ts})


def _lamport_exchange(receive_ts, corrupted=False):
    deliver = {"latency": 5}
    if corrupted:
        deliver["corrupted"] = True
    return [
        _lamport("h1", "local", 1, 1),
        _lamport("h1", "send", 5, 2),
        (2, "send", "h1", 1, "h2", {"size": 32, "payload": {"type": "lamport_msg", "ts": 5}}),
        _lamport("h2", "local", 1, 3),
        (7, "deliver", "h2", 1, "h1", deliver),
        _lamport("h2", "receive", receive_ts, 7),
    ]


def test_a_receive_not_after_its_send_breaks_the_lamport_condition():
    v = _verdict(_header("lamport"), _lamport_exchange(3), "clocks.lamport_condition")
    assert not v.ok and v.promised and v.seq == 5 and v.related == (1,)
    assert "5" in v.reason() and "3" in v.reason()


def test_timestamps_that_follow_lamports_rule_keep_the_condition():
    v = _verdict(_header("lamport"), _lamport_exchange(6), "clocks.lamport_condition")
    assert v.ok and v.checked == 4


def test_a_corrupted_delivery_links_nothing():
    v = _verdict(_header("lamport"), _lamport_exchange(2, corrupted=True),
                 "clocks.lamport_condition")
    assert v.ok


def test_a_clock_that_does_not_grow_on_one_host_breaks_the_lamport_condition():
    rows = [_lamport("h1", "local", 2, 1), _lamport("h1", "local", 2, 2)]
    v = _verdict(_header("lamport"), rows, "clocks.lamport_condition")
    assert not v.ok and v.seq == 1


def test_the_logical_conditions_are_not_promised_with_byzantine_hosts():
    v = _verdict(_header("lamport", byzantine=True), _lamport_exchange(3),
                 "clocks.lamport_condition")
    assert not v.ok and not v.promised


def _vec(host, kind, vector, t):
    return (t, "app", host, None, None, {"name": "vector_event", "kind": kind,
                                          "vector": vector})


def _vector_exchange(receive_vector, h2_local):
    return [
        _vec("h1", "send", {"h1": 1}, 1),
        (1, "send", "h1", 1, "h2", {"size": 32, "payload": {"type": "vector_msg",
                                                            "vector": {"h1": 1}}}),
        _vec("h2", "local", h2_local, 2),
        (6, "deliver", "h2", 1, "h1", {"latency": 5}),
        _vec("h2", "receive", receive_vector, 6),
        _vec("h1", "local", {"h1": 2}, 7),
    ]


def test_vectors_of_the_algorithm_keep_the_vector_condition():
    v = _verdict(_header("vector_clock"), _vector_exchange({"h1": 1, "h2": 2}, {"h2": 1}),
                 "clocks.vector_condition")
    assert v.ok and v.promised and v.checked == 4


def test_a_receive_whose_vector_misses_its_send_breaks_the_vector_condition():
    v = _verdict(_header("vector_clock"), _vector_exchange({"h2": 2}, {"h2": 1}),
                 "clocks.vector_condition")
    assert not v.ok and v.seq == 4 and v.related == (0,)
    assert "happened before" in v.reason()


def test_ordered_vectors_of_concurrent_events_break_the_vector_condition():
    # h2's local event is concurrent with h1's send, yet its vector claims to follow it
    v = _verdict(_header("vector_clock"), _vector_exchange({"h1": 1, "h2": 2},
                                                           {"h1": 1, "h2": 1}),
                 "clocks.vector_condition")
    assert not v.ok and v.seq == 2 and v.related == (0,)
    assert "concurrent" in v.reason()


def _adjust(t, host, delta, mode, reason="ntp"):
    return (t, "clock_adjust", host, None, None, {"delta": delta, "mode": mode,
                                                   "reason": reason})


def test_a_backward_step_breaks_monotonic():
    rows = [_adjust(1, "h1", 5_000, "step"), _adjust(2, "h2", -3_000, "slew"),
            _adjust(3, "h2", -7_000, "step")]
    v = _verdict(_header("ntp", server="h1", mode="step"), rows, "clocks.monotonic")
    assert not v.ok and not v.promised and v.seq == 2
    assert v.reason() == "the clock of h2 is stepped back by 7000 ns (ntp)"


def test_slews_and_forward_steps_keep_monotonic_and_slew_mode_promises_it():
    rows = [_adjust(1, "h1", 5_000, "step"), _adjust(2, "h2", -3_000, "slew")]
    v = _verdict(_header("ntp", server="h1", mode="slew"), rows, "clocks.monotonic")
    assert v.ok and v.promised and v.checked == 2
