"""The streaming run summary on a hand-made trace whose numbers are worked out by hand."""

from __future__ import annotations

import pytest

from sandbox.trace import MemorySink, StatsSink, TeeSink, TraceEvent, format_summary, make_header
from sandbox.trace.stats import percentile

MS = 1_000_000
US = 1_000

# clock offsets by host (local - t): a 0, b 3us (5us at one event), c -2us
OFFSET = {"a": 0, "b": 3 * US, "c": -2 * US, "": 0}


def ev(seq, t, kind, host, msg=None, peer=None, data=None, offset=None):
    off = OFFSET[host] if offset is None else offset
    return TraceEvent(seq, t, kind, host, t + off, msg, peer, data)


EVENTS = [
    ev(0, 0, "send", "a", 1, "b"),
    ev(1, 0, "send", "a", 2, "c"),
    ev(2, 2 * MS, "duplicate", "", 3, data={"of": 1}),
    ev(3, 5 * MS, "deliver", "b", 1, "a"),                        # latency 5ms
    ev(4, 7 * MS, "deliver", "b", 3, "a", {"dup": True}),         # copy: 7ms from the original send
    ev(5, 10 * MS, "drop", "", 2, "c", {"reason": "loss"}),
    ev(6, 10 * MS, "send", "a", 4, "c"),
    ev(7, 12 * MS, "drop", "a", 4, "c", {"reason": "partition"}),
    ev(8, 20 * MS, "send", "a", 5, "b"),
    ev(9, 30 * MS, "deliver", "b", 5, "a", {"late": True}),       # latency 10ms
    ev(10, 31 * MS, "send", "a", 6, "b"),
    ev(11, 32 * MS, "corrupt", "", 6),
    ev(12, 33 * MS, "deliver", "b", 6, "a", {"corrupted": True}, offset=5 * US),  # 2ms
    ev(13, 40 * MS, "crash", "c", data={"mode": "fail_silent"}),
    ev(14, 45 * MS, "suspect", "a", data={"target": "c"}),        # c is down: true suspicion
    ev(15, 50 * MS, "suspect", "a", data={"target": "b"}),        # b is up: false suspicion
    ev(16, 60 * MS, "recover", "c"),                               # c down 20ms
    ev(17, 61 * MS, "mem", "a", data={"op": "read", "remote": False, "cost": 100}),
    ev(18, 62 * MS, "mem", "a", data={"op": "write", "remote": False, "cost": 300}),
    ev(19, 63 * MS, "mem", "a", data={"op": "read", "remote": True, "cost": 5000}),
    ev(20, 70 * MS, "app", "b", data={"name": "x"}),
    ev(21, 71 * MS, "app", "b", data={"name": "y"}),
    ev(22, 80 * MS, "crash", "b"),                                 # b down 80ms..100ms
]


@pytest.fixture
def header():
    scenario = {"hosts": [{"id": "a"}, {"id": "b"}, {"id": "c"}], "run": {"duration": 100 * MS}}
    return make_header(scenario, 1, "0" * 64, "0.1.0")


@pytest.fixture
def summary(header):
    sink = StatsSink()
    sink.open(header)
    for e in EVENTS:
        sink.write(e)
    sink.close()
    return sink.summary()


def test_message_counts(summary):
    assert summary["sent"] == 5
    assert summary["delivered"] == 4
    assert summary["dropped"] == 2
    assert summary["dropped_by_reason"] == {"loss": 1, "partition": 1}
    assert summary["corrupted"] == 1  # one corrupt event and its flagged delivery: one message
    assert summary["duplicated"] == 1
    assert summary["late"] == 1
    assert summary["in_flight"] == 0


def test_latency_percentiles(summary):
    # latencies 5, 7, 10, 2 ms -> sorted 2, 5, 7, 10; nearest rank
    assert summary["latency_count"] == 4
    assert summary["latency_p50"] == 5 * MS
    assert summary["latency_p90"] == 10 * MS
    assert summary["latency_p99"] == 10 * MS
    assert summary["latency_max"] == 10 * MS
    assert summary["latency_mean"] == pytest.approx(6 * MS)


def test_failures_and_availability(summary):
    assert summary["crashes"] == 2
    assert summary["recoveries"] == 1
    # 3 hosts x 100ms; c down 20ms, b down the last 20ms
    assert summary["end_t"] == 100 * MS
    assert summary["availability"] == pytest.approx(1 - 40 / 300)


def test_availability_with_an_explicit_end(header):
    sink = StatsSink()
    sink.open(header)
    for e in EVENTS:
        sink.write(e)
    # at 90ms: c down 20ms, b down 10ms, over 3 x 90ms
    assert sink.summary(end_t=90 * MS)["availability"] == pytest.approx(1 - 30 / 270)


def test_suspicions(summary):
    assert summary["suspicions"] == 2
    assert summary["false_suspicions"] == 1


def test_memory_accesses(summary):
    assert summary["mem_local"] == 2
    assert summary["mem_remote"] == 1
    assert summary["mem_local_mean_cost"] == pytest.approx(200)
    assert summary["mem_remote_mean_cost"] == pytest.approx(5000)


def test_clock_skew_and_app_events(summary):
    # b reads 5us ahead at 33ms while a reads 0: 5us; then c (-2us) appears at 40ms while
    # b's latest offset is still 5us: 7us
    assert summary["max_clock_skew"] == 7 * US
    assert summary["app_events"] == 2
    assert summary["events"] == len(EVENTS)


def test_empty_run(header):
    sink = StatsSink()
    sink.open(header)
    sink.close()
    s = sink.summary()
    assert s["sent"] == 0 and s["latency_p50"] is None and s["latency_max"] is None
    assert s["availability"] == 1.0
    assert s["max_clock_skew"] == 0
    text = format_summary(s)
    assert "no message delivered" in text


def test_works_beside_another_sink(header):
    stats, memory = StatsSink(), MemorySink()
    tee = TeeSink(stats, memory)
    tee.open(header)
    for e in EVENTS:
        tee.write(e)
    tee.close()
    assert len(memory.events) == len(EVENTS)
    assert stats.summary()["delivered"] == 4


def test_format_summary(summary):
    text = format_summary(summary)
    assert "5 sent, 4 delivered, 2 dropped (loss 1, partition 1)" in text
    assert "p50 5ms" in text and "p90 10ms" in text and "max 10ms" in text
    assert "2 crashes, 1 recoveries" in text
    assert "86.667%" in text
    assert "2 suspicions, 1 false" in text
    assert "max skew 7us" in text
    assert len(text.splitlines()) >= 6


@pytest.mark.parametrize(("p", "expected"), [(50, 5), (90, 9), (99, 10), (100, 10), (10, 1)])
def test_percentile_nearest_rank(p, expected):
    assert percentile(list(range(1, 11)), p) == expected


def test_percentile_of_nothing():
    assert percentile([], 50) is None
