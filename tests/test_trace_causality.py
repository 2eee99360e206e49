"""Lamport and vector clocks, causal past and future, on hand-made traces with known answers."""

from __future__ import annotations

import random

import pytest

from sandbox.trace import (
    TraceEvent,
    causal_future,
    causal_past,
    happened_before,
    iter_vector_clocks,
    lamport_clocks,
    message_links,
    vector_clocks,
)

MS = 1_000_000


def ev(seq, t, kind, host, msg=None, peer=None, data=None):
    return TraceEvent(seq, t, kind, host, t, msg, peer, data)


@pytest.fixture
def chain():
    """a sends m1 to b, b forwards m2 to c; a local event of each host; a partition."""
    return [
        ev(0, 0, "send", "a", 1, "b"),
        ev(1, 1 * MS, "app", "b", data={"name": "tick"}),
        ev(2, 5 * MS, "deliver", "b", 1, "a"),
        ev(3, 6 * MS, "send", "b", 2, "c"),
        ev(4, 7 * MS, "app", "a", data={"name": "tock"}),
        ev(5, 8 * MS, "partition", "", data={"sides": [["a"], ["b", "c"]]}),
        ev(6, 10 * MS, "deliver", "c", 2, "b"),
        ev(7, 11 * MS, "app", "c"),
    ]


def test_lamport_clocks_of_a_chain(chain):
    assert lamport_clocks(chain) == [1, 1, 2, 3, 2, None, 4, 5]


def test_lamport_clocks_accept_an_iterator(chain):
    assert lamport_clocks(iter(chain)) == [1, 1, 2, 3, 2, None, 4, 5]


def test_vector_clocks_of_a_chain(chain):
    assert vector_clocks(chain) == [
        {"a": 1},
        {"b": 1},
        {"a": 1, "b": 2},
        {"a": 1, "b": 3},
        {"a": 2},
        None,
        {"a": 1, "b": 3, "c": 1},
        {"a": 1, "b": 3, "c": 2},
    ]


def test_vector_clocks_are_independent_objects(chain):
    clocks = list(iter_vector_clocks(chain))
    clocks[0]["a"] = 99
    assert clocks[2] == {"a": 1, "b": 2}


def test_causal_past_of_a_chain(chain):
    assert causal_past(chain, 6) == {0, 1, 2, 3}
    assert causal_past(chain, 7) == {0, 1, 2, 3, 6}
    assert causal_past(chain, 4) == {0}
    assert causal_past(chain, 2) == {0, 1}
    assert causal_past(chain, 0) == set()


def test_causal_future_of_a_chain(chain):
    assert causal_future(chain, 0) == {2, 3, 4, 6, 7}
    assert causal_future(chain, 1) == {2, 3, 6, 7}
    assert causal_future(chain, 3) == {6, 7}
    assert causal_future(chain, 4) == set()
    assert causal_future(chain, 7) == set()


def test_network_events_have_no_clock_and_no_causality(chain):
    assert causal_past(chain, 5) == set()
    assert causal_future(chain, 5) == set()
    assert all(5 not in causal_past(chain, i) for i in range(len(chain)))


def test_duplicate_copy_follows_the_original_send():
    events = [
        ev(0, 0, "send", "a", 1, "b"),
        ev(1, 1, "app", "a"),
        ev(2, 2, "duplicate", "", 2, data={"of": 1}),
        ev(3, 5, "deliver", "b", 1, "a"),
        ev(4, 6, "deliver", "b", 2, "a", data={"dup": True}),
    ]
    assert message_links(events) == {3: 0, 4: 0}
    assert lamport_clocks(events) == [1, 2, None, 2, 3]
    # the copy carries a's clock at the send (a:1), not a's later event (a:2)
    assert vector_clocks(events)[4] == {"a": 1, "b": 2}
    assert causal_past(events, 4) == {0, 3}
    assert causal_future(events, 0) == {1, 3, 4}
    assert causal_future(events, 1) == set()


def test_copy_delivered_elsewhere_infects_that_host():
    events = [
        ev(0, 0, "send", "a", 1, "b"),
        ev(1, 1, "duplicate", "a", 7, data={"of": 1}),
        ev(2, 5, "deliver", "c", 7, "a"),
        ev(3, 6, "app", "c"),
    ]
    assert vector_clocks(events)[2] == {"a": 1, "c": 1}
    assert causal_past(events, 3) == {0, 2}
    assert causal_future(events, 0) == {1, 2, 3}
    # the duplicate event itself is a's second event, not a predecessor of the copy
    assert causal_future(events, 1) == set()


def test_happened_before():
    assert happened_before({"a": 1}, {"a": 1, "b": 1})
    assert happened_before({"a": 1, "b": 2}, {"a": 2, "b": 2})
    assert not happened_before({"a": 1}, {"a": 1})
    assert not happened_before({"a": 1}, {"b": 1})
    assert not happened_before({"b": 1}, {"a": 1})
    assert not happened_before({"a": 2}, {"a": 1, "b": 5})
    assert not happened_before(None, {"a": 1})
    assert not happened_before({"a": 1}, None)


def random_trace(n, hosts, seed):
    rng = random.Random(seed)
    events = []
    in_flight = []
    next_msg = 1
    for seq in range(n):
        host = rng.choice(hosts)
        r = rng.random()
        if r < 0.35:
            peer = rng.choice([h for h in hosts if h != host])
            events.append(ev(seq, seq, "send", host, next_msg, peer))
            in_flight.append((next_msg, host, peer))
            next_msg += 1
        elif r < 0.7 and in_flight:
            msg, src, dst = in_flight.pop(rng.randrange(len(in_flight)))
            events.append(ev(seq, seq, "deliver", dst, msg, src))
        elif r < 0.75 and in_flight:
            msg, src, dst = rng.choice(in_flight)
            events.append(ev(seq, seq, "duplicate", "", next_msg, data={"of": msg}))
            in_flight.append((next_msg, src, dst))
            next_msg += 1
        elif r < 0.8:
            events.append(ev(seq, seq, "heal", ""))
        else:
            events.append(ev(seq, seq, "app", host))
    return events


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_past_and_future_agree_with_vector_clocks(seed):
    events = random_trace(300, ["a", "b", "c", "d"], seed)
    clocks = vector_clocks(events)
    lamport = lamport_clocks(events)
    for i in range(0, len(events), 7):
        past = causal_past(events, i)
        future = causal_future(events, i)
        expected_past = {j for j in range(len(events)) if happened_before(clocks[j], clocks[i])}
        expected_future = {j for j in range(len(events)) if happened_before(clocks[i], clocks[j])}
        assert past == expected_past
        assert future == expected_future
        for j in past:
            assert lamport[j] < lamport[i]


def test_own_entries_count_the_events_of_each_host():
    events = random_trace(500, ["a", "b", "c"], 9)
    seen: dict[str, int] = {}
    for e, vc in zip(events, vector_clocks(events), strict=True):
        if not e.host:
            assert vc is None
            continue
        seen[e.host] = seen.get(e.host, 0) + 1
        assert vc[e.host] == seen[e.host]


def test_large_trace_runs():
    events = random_trace(100_000, [f"h{i}" for i in range(8)], 4)
    assert len(lamport_clocks(events)) == len(events)
    assert len(causal_future(events, 10)) > 0
    last = max(i for i, e in enumerate(events) if e.host)
    assert len(causal_past(events, last)) > 0
