"""The gossip checkers on hand-made traces: one that breaks each guarantee and one that keeps it."""

from __future__ import annotations

import json

from sandbox.trace import TraceEvent
from sandbox.trace.checks import run_checks

MS = 1_000_000
DURATION = 10_000 * MS


def _header(hosts=("a", "b", "c"), links=(("a", "b"), ("b", "c"))):
    return {"scenario": {
        "hosts": [{"id": h, "behaviour": {"name": "gossip", "params": {}}} for h in hosts],
        "links": [{"a": a, "b": b} for a, b in links], "run": {"duration": DURATION}}}


def _trace(rows) -> list[TraceEvent]:
    evs = []
    for i, (t, h, name, values) in enumerate(rows):
        if name == "crash":
            evs.append(TraceEvent(i, t * MS, name, h, t * MS))
        else:
            evs.append(TraceEvent(i, t * MS, "app", h, t * MS, None, None,
                                  {"name": name, **values}))
    return [TraceEvent.from_dict(json.loads(json.dumps(e.to_dict()))) for e in evs]


def _verdicts(rows, **kw):
    return {v.name: v for v in run_checks(_header(**kw), _trace(rows))}


START = (1, "a", "gossip_start", {"rumour": "a:1"})


def infected(t, h, src, rumour="a:1"):
    return (t, h, "gossip_infected", {"rumour": rumour, "from": src, "round": 1, "hops": 1})


def test_learning_a_rumour_twice_breaks_integrity():
    v = _verdicts([START, infected(2, "b", "a"), infected(3, "b", "a")])
    i = v["gossip.integrity"]
    assert not i.ok and i.promised and i.seq == 2 and i.related == (1,)
    assert "second time" in i.reason()


def test_learning_a_rumour_no_one_started_breaks_integrity():
    i = _verdicts([START, infected(2, "b", "a", rumour="z:9")])["gossip.integrity"]
    assert not i.ok and "z:9" in i.reason()


def test_learning_each_rumour_once_keeps_integrity_and_a_crash_that_loses_state_resets():
    rows = [START, infected(2, "b", "a"), (3, "b", "crash", {}), infected(4, "b", "c"),
            infected(5, "c", "a")]
    i = _verdicts(rows)["gossip.integrity"]
    assert i.ok and i.checked == 3


def test_a_reachable_host_that_never_learns_breaks_coverage_which_is_never_promised():
    c = _verdicts([START, infected(2, "b", "a")])["gossip.coverage"]
    assert not c.ok and not c.promised and c.seq == 0
    assert "c" in c.reason() and "a:1" in c.reason()


def test_every_host_learning_keeps_coverage_and_unreachable_or_crashed_ones_are_not_owed():
    assert _verdicts([START, infected(2, "b", "a"), infected(3, "c", "b")])["gossip.coverage"].ok
    # c has no link: it cannot be reached.
    assert _verdicts([START, infected(2, "b", "a")], links=(("a", "b"),))["gossip.coverage"].ok
    assert _verdicts([START, infected(2, "b", "a"), (3, "c", "crash", {})])["gossip.coverage"].ok


def test_a_rumour_started_near_the_end_is_not_judged():
    c = _verdicts([(9_900, "a", "gossip_start", {"rumour": "a:1"})])["gossip.coverage"]
    assert c.ok and c.checked == 0
