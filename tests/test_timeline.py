"""The trace timeline on hand-made traces (answers worked out by hand) and on real preset runs."""

from __future__ import annotations

import random

import numpy as np
import pytest

from sandbox.engine import Simulation
from sandbox.engine.clock import HostClock
from sandbox.presets import preset_path
from sandbox.scenario.io import load
from sandbox.scenario.model import ClockSpec
from sandbox.trace import MemorySink, TraceEvent, lamport_clocks, vector_clocks
from sandbox.trace.timeline import HostStates, Partition, Timeline


def ev(seq, t, kind, host, msg=None, peer=None, data=None):
    return TraceEvent(seq, t, kind, host, t, msg, peer, data)


HEADER = {
    "scenario": {
        "hosts": [
            {"id": "a", "clock": {"offset": 1000, "drift_ppm": 100.0, "resolution": 1}},
            {"id": "b", "clock": {"offset": -500, "drift_ppm": 0.0, "resolution": 10}},
            {"id": "c", "failures": {"byzantine_probability": 0.5}},
        ],
        "run": {"duration": 1000},
    }
}

EVENTS = [
    ev(0, 0, "send", "a", 1, "b", {"size": 64}),
    ev(1, 5, "send", "b", 2, "c", {"size": 64, "byz": "corrupt"}),
    ev(2, 5, "duplicate", "a", 3, "b", {"of": 1}),
    ev(3, 10, "deliver", "b", 1, "a", {"latency": 10}),
    ev(4, 12, "corrupt", "c", 2, "b"),
    ev(5, 12, "deliver", "c", 2, "b", {"latency": 7, "corrupted": True, "byz": "corrupt"}),
    ev(6, 20, "crash", "c", data={"mode": "fail_silent"}),
    ev(7, 20, "send", "a", 4, "c", {"size": 64, "path": ["a", "b", "c"]}),
    ev(8, 25, "suspect", "a", data={"target": "c"}),
    ev(9, 30, "drop", "a", 4, "c", {"reason": "crashed"}),
    ev(10, 30, "drop", "a", 3, "b", {"reason": "loss", "link": ["a", "b"]}),
    ev(11, 40, "partition", "", data={"sides": [["a"], ["b", "c"]], "one_way": False}),
    ev(12, 40, "link_cut", "", data={"link": ["c", "a"]}),
    ev(13, 50, "send", "b", 5, "a", {"size": 64, "channel": "mem"}),
    ev(14, 60, "recover", "c"),
    ev(15, 60, "unsuspect", "a", data={"target": "c"}),
    ev(16, 70, "heal", "", data={"sides": [["a"], ["b", "c"]], "one_way": False}),
    ev(17, 70, "link_heal", "", data={"link": ["c", "a"]}),
    ev(18, 80, "pause", "b"),
    ev(19, 90, "resume", "b"),
    ev(20, 95, "clock_adjust", "a", data={"delta": 500, "mode": "step"}),
    ev(21, 100, "mem", "a", data={"op": "read", "page": 3, "remote": False, "cost": 100}),
    ev(22, 100, "mem", "b", data={"op": "write", "page": 3, "remote": True, "cost": 900}),
    ev(23, 110, "mem", "a", data={"op": "read", "page": 4, "remote": True, "cost": 800}),
]


@pytest.fixture
def tl():
    return Timeline(HEADER, EVENTS)


def ids(records):
    return [r.msg for r in records]


# -- events ------------------------------------------------------------------------------
def test_index_at_counts_events_at_or_before(tl):
    assert tl.index_at(-1) == 0
    assert tl.index_at(0) == 1
    assert tl.index_at(4) == 1
    assert tl.index_at(5) == 3
    assert tl.index_at(1000) == len(EVENTS)
    assert tl.end == 1000 and tl.duration == 1000


def test_stepping_between_event_times(tl):
    assert tl.next_event_time(-5) == 0
    assert tl.next_event_time(0) == 5
    assert tl.next_event_time(5) == 10
    assert tl.next_event_time(110) is None
    assert tl.prev_event_time(10) == 5
    assert tl.prev_event_time(5) == 0
    assert tl.prev_event_time(0) is None
    assert tl.prev_event_time(1000) == 110


def test_event_ids_between_is_half_open(tl):
    assert list(tl.event_ids_between(5, 12)) == [3, 4, 5]
    assert list(tl.event_ids_between(-1, 0)) == [0]
    assert list(tl.event_ids_between(12, 5)) == []


def test_columns_and_hosts(tl):
    assert tl.hosts == ["a", "b", "c"]
    assert tl.host_code.tolist()[:3] == [0, 1, 0]
    assert tl.host_code[11] == -1  # the partition belongs to no host
    assert tl.kinds[tl.kind_code[6]] == "crash"
    assert tl.msg[6] == -1 and tl.msg[7] == 4
    assert tl.position(7) == 7 and tl.position(99) == -1


def test_events_out_of_time_order_are_refused():
    with pytest.raises(ValueError, match="time order"):
        Timeline({}, [ev(0, 10, "timer", "a"), ev(1, 5, "timer", "a")])


def test_empty_trace():
    tl = Timeline({}, [])
    assert tl.index_at(10) == 0
    assert tl.messages(0) == []
    assert tl.host_states(0) == HostStates(status={})
    assert tl.next_event_time(0) is None and tl.prev_event_time(0) is None
    assert tl.mem_heat(0, 10) == {}


# -- messages ----------------------------------------------------------------------------
@pytest.mark.parametrize("t, expected", [
    (-1, []),
    (0, [1]),
    (5, [1, 2, 3]),
    (10, [2, 3]),     # m1 is delivered at 10: arrived, not in flight
    (12, [3]),
    (20, [3, 4]),
    (29, [3, 4]),
    (30, []),
    (49, []),
    (50, [5]),
    (1000, [5]),      # m5 never ends
])
def test_messages_in_flight(tl, t, expected):
    assert ids(tl.messages(t)) == expected


def test_message_records(tl):
    by_id = {r.msg: r for r in tl.messages(5)}
    m1, m2, m3 = by_id[1], by_id[2], by_id[3]
    assert (m1.src, m1.dst, m1.t_send, m1.t_end, m1.end_kind) == ("a", "b", 0, 10, "deliver")
    assert not (m1.corrupted or m1.late) and m1.byz is None and m1.dup_of is None
    assert m1.send_seq == 0 and m1.end_seq == 3 and m1.channel == "app"
    assert m2.corrupted and m2.byz == "corrupt" and m2.end_seq == 5
    assert (m3.dup_of, m3.end_kind, m3.reason, m3.link, m3.t_end) == (1, "drop", "loss", ("a", "b"), 30)
    m4 = tl.messages(20)[1]
    assert (m4.msg, m4.reason, m4.link, m4.path) == (4, "crashed", None, ("a", "b", "c"))
    m5 = tl.messages(60)[0]
    assert (m5.t_end, m5.end_kind, m5.end_seq, m5.channel) == (None, None, None, "mem")


def test_linger_keeps_messages_that_just_ended(tl):
    assert ids(tl.messages(31, linger=5)) == [3, 4]
    assert ids(tl.messages(36, linger=5)) == []
    assert ids(tl.messages(10, linger=1)) == [1, 2, 3]


def test_messages_overlapping_a_window(tl):
    assert tl.msg_id[tl.messages_overlapping(0, 4)].tolist() == [1]
    assert tl.msg_id[tl.messages_overlapping(30, 30)].tolist() == [3, 4]
    assert tl.msg_id[tl.messages_overlapping(31, 49)].tolist() == []
    assert tl.msg_id[tl.messages_overlapping(0, 1000)].tolist() == [1, 2, 3, 4, 5]


def test_message_index_by_id(tl):
    assert tl.message_index(3) == 2
    assert tl.message_index(42) == -1


def test_zero_length_message_is_never_in_flight_but_overlaps_its_instant():
    events = [ev(0, 7, "send", "a", 1, "b"), ev(1, 7, "drop", "a", 1, "b", {"reason": "omission"})]
    tl = Timeline({}, events)
    assert tl.messages(7) == []
    assert tl.msg_id[tl.messages_overlapping(7, 7)].tolist() == [1]
    assert ids(tl.messages(7, linger=1)) == [1]


def test_messages_of_every_duration_match_a_brute_force_scan():
    rng = random.Random(4)
    events, pending, t = [], [], 0
    for mid in range(1, 600):
        t += rng.randrange(0, 50)
        dur = rng.choice([0, 1, 2, 3, 64, 65, 1000, rng.randrange(1, 1 << 20)])
        events.append(ev(0, t, "send", "a", mid, "b"))
        if rng.random() < 0.9:
            pending.append((t + dur, mid))
    for te, mid in pending:
        events.append(ev(0, te, "deliver", "b", mid, "a"))
    events.sort(key=lambda e: e.t)
    events = [e._replace(seq=i) for i, e in enumerate(events)]
    tl = Timeline({}, events)
    t0, t1 = tl.msg_t_send, tl.msg_t_end
    for q in [rng.randrange(-5, t + (1 << 20)) for _ in range(300)]:
        expected = np.flatnonzero((t0 <= q) & (q < t1))
        assert tl.message_indices(q).tolist() == expected.tolist()
        q2 = q + rng.randrange(0, 5000)
        expected = np.flatnonzero((t0 <= q2) & (t1 >= q))
        assert tl.messages_overlapping(q, q2).tolist() == expected.tolist()


# -- host states -------------------------------------------------------------------------
def test_host_states_over_time(tl):
    s = tl.host_states(19)
    assert s.status == {"a": "up", "b": "up", "c": "up"}
    assert s.byzantine == {"c"} and s.suspects == {} and s.partitions == ()
    s = tl.host_states(25)
    assert s.status["c"] == "crashed" and s.suspects == {"a": {"c"}} and s.suspected() == {"c"}
    s = tl.host_states(40)
    assert s.partitions == (Partition((("a",), ("b", "c")), False),)
    assert s.cut_links == {("a", "c")} and s.is_cut("c", "a")
    assert s.blocked("a", "b") and s.blocked("c", "a") and not s.blocked("b", "c")
    s = tl.host_states(60)
    assert s.status["c"] == "up" and s.suspects == {}
    s = tl.host_states(70)
    assert s.partitions == () and s.cut_links == frozenset()
    assert tl.host_states(85).status["b"] == "paused"
    assert tl.host_states(90).status["b"] == "up"


def test_crash_clears_the_crashed_hosts_own_suspicions():
    events = [ev(0, 1, "suspect", "a", data={"target": "b"}), ev(1, 2, "crash", "a")]
    tl = Timeline({}, events)
    assert tl.host_states(1).suspects == {"a": {"b"}}
    assert tl.host_states(2).suspects == {}


def test_status_intervals(tl):
    assert tl.status_intervals("c") == [(20, 60, "crashed")]
    assert tl.status_intervals("b") == [(80, 90, "paused")]
    assert tl.status_intervals("a") == []


def test_host_states_across_many_snapshots_match_a_replay():
    rng = random.Random(9)
    hosts = ["h0", "h1", "h2"]
    events = []
    for i in range(2000):
        kind = rng.choice(["crash", "recover", "suspect", "unsuspect", "timer"])
        h = rng.choice(hosts)
        data = {"target": rng.choice(hosts)} if "suspect" in kind else None
        events.append(ev(i, i * 3, kind, h, data=data))
    tl = Timeline({"scenario": {"hosts": [{"id": h} for h in hosts]}}, events)
    for q in [rng.randrange(-1, 6100) for _ in range(100)]:
        status = dict.fromkeys(hosts, "up")
        suspects = {}
        for e in events[:tl.index_at(q)]:
            if e.kind == "crash":
                status[e.host] = "crashed"
                suspects.pop(e.host, None)
            elif e.kind == "recover":
                status[e.host] = "up"
            elif e.kind == "suspect":
                suspects.setdefault(e.host, set()).add(e.data["target"])
            elif e.kind == "unsuspect":
                suspects.get(e.host, set()).discard(e.data["target"])
        got = tl.host_states(q)
        assert got.status == status
        assert got.suspects == {h: s for h, s in suspects.items() if s}


# -- clocks ------------------------------------------------------------------------------
def test_local_time_from_offset_drift_resolution_and_steps(tl):
    assert tl.local_time("a", 0) == 1000
    assert tl.local_time("a", 10) == 1010          # 10 * 1.0001 = 10.001 -> 10
    assert tl.local_time("a", 94) == 1094
    assert tl.local_time("a", 95) == 1595          # stepped by +500 at 95
    assert tl.local_time("a", 1000) == 2500        # 1595 + int(905 * 1.0001)
    assert tl.local_time("b", 7) == -500           # -493 quantised down to the 10 ns resolution
    assert tl.local_time("b", 1000) == 500
    assert tl.local_time("c", 123) == 123          # no clock spec: real time
    assert tl.local_time("unknown", 5) == 5
    out = tl.local_time("a", np.array([0, 94, 10_000]))
    assert out.tolist() == [1000, 1094, 11_500]    # 1595 + int(9905 * 1.0001)
    assert tl.skew_series("a", [0, 95, 1000]).tolist() == [1000, 1500, 1500]


def test_a_host_without_events_still_drifts():
    header = {"scenario": {"hosts": [{"id": "q", "clock": {"drift_ppm": 50.0}}]}}
    tl = Timeline(header, [])
    assert tl.local_time("q", 1_000_000_000) == 1_000_050_000


def test_slew_runs_500ppm_fast_until_absorbed():
    header = {"scenario": {"hosts": [{"id": "h", "clock": {}}]}}
    tl = Timeline(header, [ev(0, 1000, "clock_adjust", "h", data={"delta": 1000, "mode": "slew"})])
    assert tl.local_time("h", 1000) == 1000
    assert tl.local_time("h", 1_001_000) == 1_001_500       # half way: 500 of 1000 absorbed
    assert tl.local_time("h", 2_001_000) == 2_002_000       # all absorbed: 1000 ahead
    assert tl.local_time("h", 3_001_000) == 3_002_000       # back at the nominal rate


def test_local_time_equals_the_engines_clock_through_steps_and_slews():
    rng = random.Random(2)
    spec = ClockSpec(offset=-3_000, drift_ppm=-70.0, resolution=100)
    clock = HostClock(spec, random.Random(0))
    events, t, samples = [], 0, []
    for i in range(60):
        t += rng.randrange(1, 5_000_000)
        samples.append((t, clock.true_reading(t)))
        if i % 3 == 0:
            delta, mode = rng.randrange(-2_000, 2_000), rng.choice(["step", "slew"])
            (clock.slew if mode == "slew" else clock.step)(t, delta)
            events.append(ev(len(events), t, "clock_adjust", "h",
                             data={"delta": delta, "mode": mode}))
            samples.append((t, clock.true_reading(t)))
    header = {"scenario": {"hosts": [{"id": "h", "clock": spec.model_dump()}]}}
    tl = Timeline(header, events)
    # at the instant of an adjustment the timeline shows the clock after it
    after = {}
    for t, v in samples:
        after[t] = v
    for t, v in after.items():
        assert tl.local_time("h", t) == v


def test_real_span_for_local_bounds_the_times_a_clock_shows_a_range(tl):
    t0, t1 = tl.real_span_for_local("a", 1050, 1700)
    assert t0 <= 50 and t1 >= 199                  # 1050 at t=50, 1700 at about t=200
    assert all(not 1050 <= tl.local_time("a", t) <= 1700 for t in range(0, 1000)
               if not t0 <= t <= t1)
    assert tl.real_span_for_local("a", 1100, 1200) is None    # stepped over at t=95
    assert tl.real_span_for_local("a", -10_000, -5_000) is None


# -- memory and causality ----------------------------------------------------------------
def test_mem_heat_counts_accesses_per_page_in_a_window(tl):
    assert tl.mem_heat(100, 10) == {3: 2}
    assert tl.mem_heat(110, 10) == {4: 1}
    assert tl.mem_heat(110, 11) == {3: 2, 4: 1}
    assert tl.mem_heat(50, 40) == {}
    assert tl.mem_remote.tolist() == [False, True, True]
    assert tl.mem_t[tl.mem_between(99, 100)].tolist() == [100, 100]


def test_lamport_and_vector_clocks_agree_with_causality(tl):
    lamport = lamport_clocks(EVENTS)
    vectors = vector_clocks(EVENTS)
    for i in range(len(EVENTS)):
        assert tl.lamport_clock(i) == lamport[i]
        assert tl.vector_clock(i) == vectors[i]
    assert tl.vector_clock(5) == {"b": 1, "c": 2}
    assert 1 in tl.causal_past(5) and 5 in tl.causal_future(1)


# -- a real run --------------------------------------------------------------------------
def run_preset(name):
    scenario = load(preset_path(name))
    sink = MemorySink()
    Simulation(scenario, sink).run()
    return sink.header, sink.events


@pytest.mark.parametrize("name", ["crash_heartbeat", "lossy_reliable_broadcast",
                                  "clock_sync_cristian", "dsm_numa"])
def test_timeline_of_a_real_run(name):
    header, events = run_preset(name)
    tl = Timeline(header, events)
    assert len(tl) == len(events) and tl.end == header["scenario"]["run"]["duration"]
    # every event's local reading, except one taken just before its host's clock was adjusted
    adjusted = {(e.host, e.t) for e in events if e.kind == "clock_adjust"}
    for e in events:
        if e.host and ((e.host, e.t) not in adjusted or e.kind == "clock_adjust"):
            assert tl.local_time(e.host, e.t) == e.local, e
    # messages in flight: a brute-force pairing of sends and their ends
    start, end = {}, {}
    for e in events:
        if e.kind in ("send", "duplicate") and e.msg is not None:
            start[e.msg] = e.t
        elif e.kind in ("deliver", "drop") and e.msg is not None:
            end.setdefault(e.msg, e.t)
    rng = random.Random(1)
    for q in [rng.randrange(0, tl.end + 1) for _ in range(50)]:
        expected = sorted(m for m, t0 in start.items() if t0 <= q < end.get(m, 1 << 62))
        assert sorted(ids(tl.messages(q))) == expected
    assert sum(1 for r in tl.messages(tl.end, linger=tl.end + 1)) == len(start)


def test_crash_heartbeat_states():
    header, events = run_preset("crash_heartbeat")
    tl = Timeline(header, events)
    s = tl.host_states(2_500_000_000)
    assert s.status["p1"] == "crashed" and s.status["p0"] == "up"
    s = tl.host_states(4_500_000_000)
    assert s.status["p3"] == "crashed"
    assert all("p3" in s.suspects.get(h, ()) for h in ("p0", "p2", "p4"))
    s = tl.host_states(6_000_000_000)
    assert s.status["p1"] == "up" and s.status["p3"] == "crashed"
    assert tl.status_intervals("p3") == [(3_000_000_000, tl.end, "crashed")]


def test_open_trace_reads_a_jsonl_file_into_the_same_timeline(tmp_path):
    from sandbox.trace import JsonlSink, read_jsonl
    from sandbox.trace.timeline import open_trace

    path = tmp_path / "run.jsonl"
    Simulation(load(preset_path("lossy_reliable_broadcast")), JsonlSink(path)).run()
    tl = open_trace(path)
    header, events = read_jsonl(path)
    assert tl.header == header and list(tl.events) == events
    other = Timeline(header, events)
    assert tl.msg_flags.tolist() == other.msg_flags.tolist()
    assert tl.messages(1_000_000_000) == other.messages(1_000_000_000)


def test_open_trace_skips_blank_lines_and_names_a_damaged_one(tmp_path):
    from sandbox.trace import JsonlSink, TraceFormatError
    from sandbox.trace.timeline import open_trace

    path = tmp_path / "run.jsonl"
    Simulation(load(preset_path("message_passing_basics")), JsonlSink(path)).run()
    lines = path.read_text(encoding="utf-8").splitlines()
    blank = tmp_path / "blank.jsonl"
    blank.write_text("\n".join(lines[:5] + [""] + lines[5:]) + "\n", encoding="utf-8")
    assert len(open_trace(blank)) == len(lines) - 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines[:3] + ['{"seq": oops'] + lines[3:]) + "\n", encoding="utf-8")
    with pytest.raises(TraceFormatError, match="line 4"):
        open_trace(bad)
    assert len(open_trace(path)) == len(lines) - 1
