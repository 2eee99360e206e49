"""The broadcast checkers on hand-made traces: one that breaks each guarantee and one that
keeps it, and which configurations promise what."""

from __future__ import annotations

import json

from sandbox.trace import TraceEvent
from sandbox.trace.checks import run_checks

MS = 1_000_000
DURATION = 10_000 * MS


def _header(ordering="none", mode="reliable", hosts=("a", "b", "c"), faults=()):
    return {"scenario": {"hosts": [
        {"id": h, "behaviour": {"name": "broadcast",
                                "params": {"mode": mode, "ordering": ordering}}}
        for h in hosts], "run": {"duration": DURATION}, "faults": list(faults)}}


def _trace(rows) -> list[TraceEvent]:
    """Events from (t in ms, host, kind or app name, values); read back from JSON."""
    evs = []
    for i, (t, h, name, values) in enumerate(rows):
        if name in ("crash", "recover"):
            evs.append(TraceEvent(i, t * MS, name, h, t * MS))
        else:
            evs.append(TraceEvent(i, t * MS, "app", h, t * MS, None, None,
                                  {"name": name, **values}))
    return [TraceEvent.from_dict(json.loads(json.dumps(e.to_dict()))) for e in evs]


def _verdicts(rows, **kw):
    return {v.name: v for v in run_checks(_header(**kw), _trace(rows))}


def send(t, origin, n, value=0):
    return (t, origin, "bcast_send", {"id": f"{origin}#{n}", "origin": origin, "value": value})


def dlv(t, h, origin, n, value=0):
    return (t, h, "bcast_deliver", {"id": f"{origin}#{n}", "origin": origin, "value": value})


# -- integrity ----------------------------------------------------------------------------


def test_a_second_delivery_breaks_integrity():
    v = _verdicts([dlv(1, "a", "a", 1), dlv(2, "b", "a", 1), dlv(3, "b", "a", 1)])
    i = v["broadcast.integrity"]
    assert not i.ok and i.promised and i.seq == 2 and i.related == (1,)
    assert "second time" in i.reason()


def test_a_delivery_of_what_was_never_broadcast_breaks_integrity():
    v = _verdicts([dlv(1, "a", "a", 1), dlv(2, "b", "c", 1)])
    assert not v["broadcast.integrity"].ok and "never broadcast" in v["broadcast.integrity"].reason()
    v = _verdicts([dlv(1, "a", "a", 1, value=5), dlv(2, "b", "a", 1, value=6)])
    assert not v["broadcast.integrity"].ok and "value 6" in v["broadcast.integrity"].reason()


def test_deliveries_once_each_keep_integrity_and_a_crash_that_loses_state_starts_afresh():
    v = _verdicts([dlv(1, "a", "a", 1), dlv(2, "b", "a", 1), (3, "b", "crash", {}),
                   (4, "b", "recover", {}), dlv(5, "b", "a", 1), dlv(6, "c", "a", 1)])
    assert v["broadcast.integrity"].ok and v["broadcast.integrity"].checked == 4


# -- fifo ---------------------------------------------------------------------------------


def test_a_later_message_of_an_origin_delivered_first_breaks_fifo():
    rows = [send(1, "a", 1), send(2, "a", 2), dlv(3, "a", "a", 1), dlv(4, "a", "a", 2),
            dlv(5, "b", "a", 2), dlv(6, "b", "a", 1)]
    v = _verdicts(rows, ordering="fifo")
    f = v["broadcast.fifo_order"]
    assert not f.ok and f.promised and f.seq == 4 and f.related == (0, 1)
    assert "a#1" in f.reason() and "a#2" in f.reason()


def test_deliveries_in_broadcast_order_keep_fifo_and_none_does_not_promise_it():
    rows = [send(1, "a", 1), send(2, "a", 2), dlv(3, "a", "a", 1), dlv(4, "a", "a", 2),
            dlv(5, "b", "a", 1), dlv(6, "b", "a", 2)]
    v = _verdicts(rows, ordering="fifo")
    assert v["broadcast.fifo_order"].ok and v["broadcast.fifo_order"].checked == 4
    assert not _verdicts(rows, ordering="none")["broadcast.fifo_order"].promised
    assert _verdicts(rows, ordering="causal")["broadcast.fifo_order"].promised


def test_fifo_with_ordering_none_reads_the_origins_own_delivery_as_its_broadcast():
    rows = [dlv(1, "a", "a", 1), dlv(2, "a", "a", 2), dlv(3, "b", "a", 2), dlv(4, "b", "a", 1)]
    f = _verdicts(rows)["broadcast.fifo_order"]
    assert not f.ok and not f.promised and f.seq == 2


# -- causal -------------------------------------------------------------------------------


def test_a_reply_delivered_before_its_cause_breaks_causal_order():
    # b delivers a#1, then broadcasts b#1; c delivers b#1 before a#1.
    rows = [send(1, "a", 1), dlv(1, "a", "a", 1), dlv(2, "b", "a", 1), send(3, "b", 1),
            dlv(3, "b", "b", 1), dlv(4, "c", "b", 1), dlv(5, "c", "a", 1)]
    v = _verdicts(rows, ordering="causal")
    c = v["broadcast.causal_order"]
    assert not c.ok and c.promised and c.seq == 5 and c.related == (0, 3)
    assert "a#1" in c.reason() and "b#1" in c.reason()
    assert v["broadcast.fifo_order"].ok  # one message per origin: FIFO holds


def test_causes_delivered_first_keep_causal_order_and_fifo_does_not_promise_it():
    rows = [send(1, "a", 1), dlv(1, "a", "a", 1), dlv(2, "b", "a", 1), send(3, "b", 1),
            dlv(3, "b", "b", 1), dlv(4, "c", "a", 1), dlv(5, "c", "b", 1), dlv(6, "a", "b", 1)]
    c = _verdicts(rows, ordering="causal")["broadcast.causal_order"]
    assert c.ok and c.checked == 6
    assert not _verdicts(rows, ordering="fifo")["broadcast.causal_order"].promised
    assert _verdicts(rows, ordering="total_lamport")["broadcast.causal_order"].promised


def test_concurrent_messages_in_any_order_keep_causal_order():
    rows = [send(1, "a", 1), dlv(1, "a", "a", 1), send(1, "b", 1), dlv(1, "b", "b", 1),
            dlv(2, "c", "b", 1), dlv(3, "c", "a", 1), dlv(4, "a", "b", 1), dlv(4, "b", "a", 1)]
    assert _verdicts(rows, ordering="causal")["broadcast.causal_order"].ok


# -- total --------------------------------------------------------------------------------


def test_two_hosts_delivering_in_opposite_orders_break_total_order():
    rows = [send(1, "a", 1), send(1, "b", 1), dlv(2, "a", "a", 1), dlv(3, "a", "b", 1),
            dlv(2, "b", "b", 1), dlv(3, "b", "a", 1)]
    rows.sort(key=lambda r: r[0])
    v = _verdicts(rows, ordering="total_sequencer")
    t = v["broadcast.total_order"]
    assert not t.ok and t.promised
    assert "a#1" in t.reason() and "b#1" in t.reason()
    assert not _verdicts(rows, ordering="causal")["broadcast.total_order"].promised


def test_the_same_relative_order_keeps_total_order_even_with_gaps():
    rows = [send(1, "a", 1), send(1, "b", 1), send(1, "c", 1), dlv(2, "a", "a", 1),
            dlv(3, "a", "b", 1), dlv(4, "a", "c", 1), dlv(5, "b", "a", 1), dlv(6, "b", "c", 1),
            dlv(7, "c", "b", 1), dlv(8, "c", "c", 1)]
    t = _verdicts(rows, ordering="total_lamport")["broadcast.total_order"]
    assert t.ok and t.checked == 2 + 2 + 1


# -- agreement and validity ----------------------------------------------------------------


def test_a_message_some_correct_host_never_delivers_breaks_agreement_and_validity():
    rows = [dlv(1, "a", "a", 1), dlv(2, "b", "a", 1)]
    v = _verdicts(rows)
    a, val = v["broadcast.agreement"], v["broadcast.validity"]
    assert not a.ok and a.promised and a.seq == 0 and "c never delivers a#1" in a.reason()
    assert not val.ok and val.promised and val.seq == 0
    assert not _verdicts(rows, mode="best_effort")["broadcast.agreement"].promised


def test_everyone_delivering_keeps_agreement_and_late_or_crashed_ones_are_not_judged():
    rows = [dlv(1, "a", "a", 1), dlv(2, "b", "a", 1), dlv(3, "c", "a", 1),
            dlv(9_900, "b", "b", 1), (9_950, "c", "crash", {})]
    v = _verdicts(rows)
    assert v["broadcast.agreement"].ok and v["broadcast.agreement"].checked == 1
    assert v["broadcast.validity"].ok and v["broadcast.validity"].checked == 1


def test_a_crashed_origins_message_must_reach_all_once_one_correct_host_has_it():
    rows = [dlv(1, "a", "a", 1), dlv(2, "b", "a", 1), (3, "a", "crash", {})]
    v = _verdicts(rows)
    assert v["broadcast.validity"].ok  # the origin is not correct
    a = v["broadcast.agreement"]
    assert not a.ok and a.seq == 1 and "c never delivers" in a.reason()


def test_a_total_order_promises_agreement_only_when_no_host_can_crash():
    rows = [dlv(1, "a", "a", 1)]
    assert _verdicts(rows, ordering="total_sequencer")["broadcast.agreement"].promised
    crash = [{"kind": "crash", "host": "c", "at": 5 * MS}]
    v = _verdicts(rows, ordering="total_sequencer", faults=crash)
    assert not v["broadcast.agreement"].promised and not v["broadcast.validity"].promised
    assert _verdicts(rows, ordering="causal", faults=crash)["broadcast.agreement"].promised
