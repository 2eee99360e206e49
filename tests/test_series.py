"""Plot series on hand-made traces whose values are worked out by hand, and on real runs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sandbox.trace import TraceEvent, make_header
from sandbox.trace import series as S
from sandbox.trace.clock_model import ClockModel, ClockSegments

MS = 1_000_000
US = 1_000
S_ = 1_000_000_000


def ev(seq, t, kind, host="a", msg=None, peer=None, data=None, local=None):
    return TraceEvent(seq, t, kind, host, t if local is None else local, msg, peer, data)


def header(hosts, duration, clocks=None):
    clocks = clocks or {}
    return make_header(
        {"hosts": [{"id": h, "clock": clocks.get(h, {"offset": 0, "drift_ppm": 0.0})}
                   for h in hosts],
         "run": {"duration": duration}},
        1, "0" * 64, "0.1.0")


# -- bins ---------------------------------------------------------------------------------------


def test_nice_bin_is_round_and_gives_about_the_asked_number_of_bins():
    assert S.nice_bin(10 * S_, 100) == 100 * MS
    assert S.nice_bin(5 * S_, 100) == 50 * MS
    assert S.nice_bin(3 * S_, 100) == 50 * MS      # 30ms rounds up to 50ms
    assert S.nice_bin(2 * S_, 100) == 20 * MS
    assert S.nice_bin(0, 100) == 1


def test_bin_starts_cover_the_run_with_a_short_last_bin():
    assert S.bin_starts(25, 10).tolist() == [0, 10, 20]
    assert S.bin_starts(30, 10).tolist() == [0, 10, 20]
    assert S.bin_starts(0, 10).tolist() == [0]
    with pytest.raises(ValueError, match="positive"):
        S.bin_starts(10, 0)


def test_run_end_is_the_duration_or_the_last_event():
    h = header(["a"], 100)
    assert S.run_end(h, []) == 100
    assert S.run_end(h, [ev(0, 150, "timer")]) == 150


# -- clocks -------------------------------------------------------------------------------------


def test_clock_skew_follows_offset_and_drift_for_hosts_without_events():
    # a: offset +2ms, drift +100ppm -> offset(t) = 2ms + 1e-4 t; at 10 s: 2ms + 1ms = 3ms
    # b: offset 0, no drift
    h = header(["a", "b"], 10 * S_, {"a": {"offset": 2 * MS, "drift_ppm": 100.0},
                                    "b": {"offset": 0, "drift_ppm": 0.0}})
    ts, off = S.clock_skew(h, [], n_points=11)
    assert ts.tolist() == [i * S_ for i in range(11)]
    assert off["a"][0] == pytest.approx(2 * MS)
    assert off["a"][5] == pytest.approx(2.5 * MS)
    assert off["a"][10] == pytest.approx(3 * MS)
    assert off["b"].tolist() == [0.0] * 11


def test_clock_skew_applies_steps_as_upright_jumps():
    # a drifts +100ppm from 0; at 4 s it is 0.4ms fast and is stepped back by 0.4ms
    h = header(["a"], 10 * S_, {"a": {"offset": 0, "drift_ppm": 100.0}})
    events = [ev(0, 4 * S_, "clock_adjust", "a", data={"delta": -400 * US, "mode": "step"})]
    ts, off = S.clock_skew(h, events, n_points=11)
    a = dict(zip(ts.tolist(), off["a"].tolist(), strict=True))
    assert 4 * S_ - 1 in a                               # the instant before the step is sampled
    assert a[4 * S_ - 1] == pytest.approx(400 * US, abs=1)
    assert a[4 * S_] == pytest.approx(0.0, abs=1e-6)
    assert a[10 * S_] == pytest.approx(600 * US)        # drifting again from 4 s: 6 s x 100ppm


def test_clock_skew_slews_at_the_slew_rate_then_drifts_again():
    # no drift; at 1 s a slew of -1ms: the clock runs 500ppm slow for 2 s (1ms / 500ppm)
    h = header(["a"], 10 * S_, {"a": {"offset": 1 * MS, "drift_ppm": 0.0}})
    events = [ev(0, 1 * S_, "clock_adjust", "a", data={"delta": -1 * MS, "mode": "slew"})]
    ts, off = S.clock_skew(h, events, n_points=11)
    a = dict(zip(ts.tolist(), off["a"].tolist(), strict=True))
    assert a[1 * S_] == pytest.approx(1 * MS)
    assert a[2 * S_] == pytest.approx(0.5 * MS)
    assert a[3 * S_] == pytest.approx(0.0, abs=1e-3)
    assert a[7 * S_] == pytest.approx(0.0, abs=1e-3)


def test_clock_skew_gives_a_curve_to_a_host_known_only_from_its_events():
    h = header(["a"], 10 * S_)
    events = [ev(0, 5 * S_, "clock_adjust", "z", data={"delta": 3 * MS, "mode": "step"})]
    _, off = S.clock_skew(h, events, n_points=3)
    assert set(off) == {"a", "z"}
    assert off["z"][-1] == pytest.approx(3 * MS)


def test_the_engine_clock_is_the_shared_clock_model():
    from sandbox.engine.clock import HostClock

    assert issubclass(HostClock, ClockModel)


@pytest.mark.parametrize("mode", ["step", "slew"])
def test_clock_skew_matches_the_local_readings_of_a_real_run(mode):
    """Every event's local reading lies on its host's reconstructed clock curve."""
    from sandbox.engine import Simulation
    from sandbox.presets import preset_path
    from sandbox.scenario import load
    from sandbox.trace import MemorySink

    scenario = load(preset_path("clock_sync_cristian"))
    for host in scenario.hosts:
        if host.behaviour.name == "cristian":
            host.behaviour.params["mode"] = mode
    sink = MemorySink()
    Simulation(scenario, sink).run()
    events = sink.events
    assert any(e.kind == "clock_adjust" for e in events)
    ts, off = S.clock_skew(sink.header, events, n_points=2)
    resolution = {h.id: h.clock.resolution for h in scenario.hosts}
    for e in events:
        if not e.host:
            continue
        segs = ClockSegments.replay(
            scenario.host(e.host).clock.offset, scenario.host(e.host).clock.drift_ppm, 1,
            [(x.t, x.data["delta"], x.data["mode"]) for x in events
             if x.kind == "clock_adjust" and x.host == e.host and x.seq <= e.seq])
        expected = segs.at(np.array([e.t]), quantise=False)[0] - e.t
        assert abs((e.local - e.t) - expected) <= resolution[e.host] + 2, e


# -- latency and throughput ------------------------------------------------------------------------

MESSAGES = [
    ev(0, 0, "send", "a", 1, "b"),
    ev(1, 0, "send", "a", 2, "b"),
    ev(2, 1 * MS, "duplicate", "", 3, "b", {"of": 1}),
    ev(3, 2 * MS, "deliver", "b", 1, "a"),             # 2ms
    ev(4, 4 * MS, "deliver", "b", 3, "a"),             # copy of 1: 4ms from the original send
    ev(5, 5 * MS, "drop", "", 2, "b", {"reason": "loss"}),
    ev(6, 12 * MS, "send", "b", 4, "a"),
    ev(7, 18 * MS, "deliver", "a", 4, "b"),            # 6ms
    ev(8, 25 * MS, "deliver", "a", 9, "b", {"latency": 3 * MS}),  # send not in trace: 3ms
]


def test_latencies_match_send_times_and_duplicates_count_from_the_original():
    assert S.latencies(MESSAGES).tolist() == [2 * MS, 4 * MS, 6 * MS, 3 * MS]


def test_latency_histogram_with_equal_bins_up_to_the_largest():
    edges, counts, samples = S.latency_histogram(MESSAGES, bins=3)
    assert edges.tolist() == [0, 2 * MS, 4 * MS, 6 * MS]
    assert counts.tolist() == [0, 2, 2]          # [0,2): none; [2,4): 2, 3; [4,6]: 4, 6
    assert len(samples) == 4


def test_latency_histogram_auto_bins_follow_the_rice_rule_within_limits():
    assert len(S.latency_histogram(MESSAGES).counts) == 10           # 4 samples: at least 10
    many = [ev(i, i, "deliver", "b", i, "a", {"latency": i}) for i in range(1, 1001)]
    assert len(S.latency_histogram(many).counts) == 20               # 2 x cbrt(1000)
    with pytest.raises(ValueError, match="auto"):
        S.latency_histogram(MESSAGES, bins="rice")


def test_latency_histogram_with_given_edges_and_when_empty():
    edges, counts, _ = S.latency_histogram(MESSAGES, bins=[0, 5 * MS, 10 * MS])
    assert counts.tolist() == [3, 1]
    edges, counts, samples = S.latency_histogram([], bins=10)
    assert edges.tolist() == [0.0, 1.0] and counts.tolist() == [0] and samples.size == 0


def test_throughput_counts_per_second_in_each_bin():
    # bins of 10ms over [0, 30ms): sends 2, 1, 0; deliveries 2, 1, 1
    t, delivered, sent = S.throughput(MESSAGES, 10 * MS, end=30 * MS)
    assert t.tolist() == [0, 10 * MS, 20 * MS]
    assert sent.tolist() == [200.0, 100.0, 0.0]
    assert delivered.tolist() == [200.0, 100.0, 100.0]


def test_throughput_divides_the_short_last_bin_by_its_real_width():
    # bins [0,10ms) and [10ms,15ms): one send in the second, 5ms wide -> 200 per second
    _, _, sent = S.throughput([ev(0, 12 * MS, "send", "a", 1, "b")], 10 * MS, end=15 * MS)
    assert sent.tolist() == [0.0, 200.0]


def test_offered_load_counts_first_tries_of_requests_only():
    h = header(["c", "s"], 20 * MS)
    req = {"type": "request", "req": "c-1", "try": 0}
    events = [
        ev(0, 1 * MS, "send", "c", 1, "s", {"payload": req}),
        ev(1, 3 * MS, "send", "c", 2, "s", {"payload": {**req, "try": 1}}),   # a retry
        ev(2, 4 * MS, "send", "s", 3, "c", {"payload": {"type": "reply"}}),
        ev(3, 15 * MS, "send", "c", 4, "s", {"payload": {**req, "req": "c-2"}}),
        ev(4, 16 * MS, "send", "c", 5, "s", {"payload": "ping"}),
    ]
    t, rate = S.offered_load(h, events, 10 * MS)
    assert t.tolist() == [0, 10 * MS]
    assert rate.tolist() == [100.0, 100.0]


# -- availability -----------------------------------------------------------------------------


def test_availability_is_time_weighted_per_bin():
    # 4 hosts, bins of 10ms over 40ms. b down 5..25ms, c down 30ms..end, d crashes twice.
    h = header(["a", "b", "c", "d"], 40 * MS)
    events = [
        ev(0, 5 * MS, "crash", "b"),
        ev(1, 25 * MS, "recover", "b"),
        ev(2, 30 * MS, "crash", "c"),
        ev(3, 31 * MS, "crash", "c"),       # already down: a second crash event counts once as down
        ev(4, 32 * MS, "crash", "d"),
        ev(5, 34 * MS, "recover", "d"),
    ]
    t, up, failures, hosts = S.availability(h, events, 10 * MS)
    assert hosts == 4
    assert t.tolist() == [0, 10 * MS, 20 * MS, 30 * MS]
    # bin 0: b down 5ms of 40 host-ms -> 35/40; bin 1: b down 10ms -> 30/40
    # bin 2: b down 5ms -> 35/40; bin 3: c 10ms + d 2ms down -> 28/40
    assert up.tolist() == pytest.approx([35 / 40, 30 / 40, 35 / 40, 28 / 40])
    assert failures.tolist() == [1, 1, 1, 4]


def test_availability_of_a_run_without_crashes_is_one():
    t, up, failures, hosts = S.availability(header(["a", "b"], 25 * MS), [], 10 * MS)
    assert up.tolist() == [1.0, 1.0, 1.0] and failures.tolist() == [0, 0, 0] and hosts == 2


def test_availability_down_time_helper_against_a_direct_sum():
    rng = np.random.default_rng(1)
    a = rng.uniform(0, 100, 30)
    b = a + rng.uniform(0, 20, 30)
    x = np.linspace(0, 130, 50)
    direct = np.clip(x[:, None] - a[None, :], 0, (b - a)[None, :]).sum(axis=1)
    assert S._down_time_before(x, a, b) == pytest.approx(direct)


# -- memory and requests -----------------------------------------------------------------------


def test_memory_costs_mean_per_bin_and_nan_for_empty_bins():
    events = [
        ev(0, 1 * MS, "mem", "a", data={"remote": False, "cost": 100}),
        ev(1, 2 * MS, "mem", "a", data={"remote": False, "cost": 300}),
        ev(2, 3 * MS, "mem", "a", data={"remote": True, "cost": 5000}),
        ev(3, 15 * MS, "mem", "b", data={"remote": True, "cost": 7000}),
        ev(4, 16 * MS, "mem", "b", data={"remote": True, "cost": 9000}),
        ev(5, 17 * MS, "send", "b", 1, "a"),
    ]
    t, local_mean, remote_mean, local_count, remote_count = S.memory_costs(events, 10 * MS)
    assert t.tolist() == [0, 10 * MS]
    assert local_mean[0] == 200 and math.isnan(local_mean[1])
    assert remote_mean.tolist() == [5000, 8000]
    assert local_count.tolist() == [2, 0] and remote_count.tolist() == [1, 2]


def test_requests_latency_over_time():
    events = [
        ev(0, 5 * MS, "app", "c", data={"name": "request_done", "latency": 4 * MS}),
        ev(1, 8 * MS, "app", "c", data={"name": "request_done", "latency": 2 * MS}),
        ev(2, 9 * MS, "app", "c", data={"name": "request_failed", "latency": 9 * MS}),
        ev(3, 25 * MS, "app", "c", data={"name": "request_done", "latency": 10 * MS}),
        ev(4, 26 * MS, "app", "c", data={"name": "other"}),
    ]
    r = S.requests(events, 10 * MS, end=30 * MS)
    assert r.t.tolist() == [0, 10 * MS, 20 * MS]
    assert r.mean_latency[0] == 3 * MS and math.isnan(r.mean_latency[1])
    assert r.mean_latency[2] == 10 * MS
    assert r.max_latency[0] == 4 * MS and math.isnan(r.max_latency[1])
    assert r.done.tolist() == [2, 0, 1] and r.failed.tolist() == [1, 0, 0]
    assert r.done_t.tolist() == [5 * MS, 8 * MS, 25 * MS]
    assert r.done_latency.tolist() == [4 * MS, 2 * MS, 10 * MS]


def test_series_of_an_empty_trace_are_empty_but_well_formed():
    h = header([], 0)
    assert S.clock_skew(h, []).offsets == {}
    assert S.throughput([], 10).t.tolist() == [0]
    assert S.memory_costs([], 10).local_count.tolist() == [0]
    assert S.requests([], 10).done.tolist() == [0]
    av = S.availability(h, [], 10)
    assert av.hosts == 0 and np.isnan(av.up).all()


# -- columns and real runs -----------------------------------------------------------------------


def test_columns_hold_times_kinds_and_message_ids():
    cols = S.columns(MESSAGES[:3] + [ev(9, 30 * MS, "weird", "a")])
    assert cols.t.tolist() == [0, 0, 1 * MS, 30 * MS]
    assert cols.msg.tolist() == [1, 2, 3, -1]
    assert cols.where("send").tolist() == [0, 1]
    assert cols.where("duplicate").tolist() == [2]
    assert cols.kind[3] == -1 and cols.where("nothing").size == 0


@pytest.mark.parametrize("preset", ["lossy_reliable_broadcast", "message_passing_basics"])
def test_latencies_agree_with_the_run_summary(preset):
    """Duplicates, drops and corrupted messages: the same samples as the streaming stats."""
    from sandbox.engine import Simulation
    from sandbox.presets import preset_path
    from sandbox.scenario import load
    from sandbox.trace import MemorySink, StatsSink, TeeSink

    memory, stats = MemorySink(), StatsSink()
    Simulation(load(preset_path(preset)), TeeSink(memory, stats)).run()
    events = memory.events
    assert S.latencies(events).tolist() == list(stats.latencies)
    cols = S.columns(events)
    assert S.latencies(events, cols).tolist() == list(stats.latencies)
    end = S.run_end(memory.header, events)
    tp = S.throughput(events, S.nice_bin(end), end, cols=cols)
    assert tp.sent.sum() * S.nice_bin(end) / S.NS_PER_S == pytest.approx(stats.sent)


def test_a_timelines_own_columns_are_the_plots_columns():
    """The plots take an opened trace's columns from its timeline instead of passing over
    the events again: they must be the very columns the events give."""
    from sandbox.engine import run
    from sandbox.presets import preset_path
    from sandbox.scenario import load
    from sandbox.trace.timeline import Timeline

    result = run(load(preset_path("crash_heartbeat")), keep_events=True)
    tl = Timeline(result.header, result.events)
    mine, theirs = tl.series_columns(), S.columns(result.events)
    for a, b in zip(mine, theirs, strict=True):
        assert np.array_equal(a, b)


def test_plotted_numbers_of_damaged_details_are_zero_not_an_error():
    """A trace whose details hold an integer too large for a float (or infinity) still
    plots: such a value counts as 0 (it came from a damaged file)."""
    assert S._number(10**400) == 0.0 and S._number(float("inf")) == 0.0
    assert S._number(float("nan")) == 0.0 and S._number("12") == 0.0
    assert S._number(7) == 7.0 and S._number(2.5) == 2.5
