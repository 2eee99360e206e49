"""Clocks: Lamport and vector clocks (their conditions over many seeds under loss,
duplication, reordering and crashes) and NTP-like synchronisation."""

from __future__ import annotations

from engine.helpers import MS, S, by_kind, host, link, mesh, run, scen

from sandbox.trace.checks import run_checks

SEEDS = range(50)
IDS = ["h1", "h2", "h3", "h4"]


def _apps(events, name, at=None):
    return [e for e in by_kind(events, "app", at) if e.data["name"] == name]


def _logical(behaviour: str, failures=None, faults=(), duration: int = S // 2):
    hosts = [host(i, behaviour, interval=10 * MS, failures=failures) for i in IDS]
    links = mesh(IDS, dist="exponential", mean=3 * MS, loss=0.1, duplication=0.1,
                 reordering=0.3, corruption=0.05)
    return scen(hosts, links, duration=duration, faults=list(faults))


_CRASH = [{"kind": "crash", "host": "h2", "at": 150 * MS},
          {"kind": "recover", "host": "h2", "at": 200 * MS}]


def _verdict(scenario, seed, name):
    sim, events, _ = run(scenario, seed=seed)
    return {v.name: v for v in run_checks(sim.header(), events)}[name], events


def test_lamport_condition_holds_over_50_seeds_under_faults_and_a_crash_that_keeps_state():
    for seed in SEEDS:
        v, _ = _verdict(_logical("lamport", {"state_on_crash": "kept"}, _CRASH), seed,
                        "clocks.lamport_condition")
        assert v.ok and v.promised, (seed, v.reason())
        assert v.checked > 100


def test_vector_condition_holds_over_50_seeds_under_faults_and_a_crash_that_keeps_state():
    for seed in SEEDS:
        v, _ = _verdict(_logical("vector_clock", {"state_on_crash": "kept"}, _CRASH), seed,
                        "clocks.vector_condition")
        assert v.ok and v.promised, (seed, v.reason())
        assert v.checked > 100


def test_a_crash_that_loses_the_clock_breaks_both_conditions():
    for behaviour, name in (("lamport", "clocks.lamport_condition"),
                            ("vector_clock", "clocks.vector_condition")):
        v, events = _verdict(_logical(behaviour, {"state_on_crash": "lost"}, _CRASH), 1, name)
        assert not v.promised
        assert not v.ok
        assert events[v.seq].host == "h2" and events[v.seq].t >= 200 * MS


def test_lamport_rules_and_state_reports():
    _, events, _ = run(_logical("lamport"), seed=4)
    sent_ts = {}
    for e in events:
        if e.kind == "send":
            sent_ts[e.msg] = e.data["payload"]["ts"]
        elif e.kind == "duplicate":
            sent_ts[e.msg] = sent_ts[e.data["of"]]
    for h in IDS:
        mine = _apps(events, "lamport_event", h)
        stamps = [e.data["ts"] for e in mine]
        assert stamps == sorted(set(stamps)) and stamps[0] == 1
        shown = [e.data["clock"] for e in by_kind(events, "state", h)]
        assert shown[0] == 0 and shown[1:] == stamps
        kinds = {e.data["kind"] for e in mine}
        assert kinds == {"local", "send", "receive"}
    # a receive takes max(own, message) + 1: pair each delivery with the receive after it
    last = {h: 0 for h in IDS}
    pending = {}
    for e in events:
        if e.kind == "deliver" and e.msg in sent_ts and not (e.data or {}).get("corrupted"):
            pending[e.host] = sent_ts[e.msg]
        elif e.kind == "app" and e.data["name"] == "lamport_event":
            if e.data["kind"] == "receive":
                assert e.data["ts"] == max(last[e.host], pending.pop(e.host)) + 1
            else:
                assert e.data["ts"] == last[e.host] + 1
            last[e.host] = e.data["ts"]


def test_vector_state_is_the_vector_in_host_order():
    _, events, _ = run(_logical("vector_clock"), seed=5)
    for h in IDS:
        mine = _apps(events, "vector_event", h)
        shown = [e.data["vector"] for e in by_kind(events, "state", h)]
        assert shown[0] == [0, 0, 0, 0]
        assert shown[1:] == [[e.data["vector"].get(x, 0) for x in IDS] for e in mine]
        own = [e.data["vector"][h] for e in mine]
        assert own == list(range(1, len(own) + 1))


def test_the_vector_on_screen_follows_the_scenario_order_of_the_hosts():
    ids = ["h10", "b", "h2", "a"]  # neither sorted nor naturally sorted
    hosts = [host(i, "vector_clock", interval=10 * MS) for i in ids]
    _, events, _ = run(scen(hosts, mesh(ids), duration=S // 5), seed=3)
    for h in ids:
        mine = _apps(events, "vector_event", h)
        shown = [e.data["vector"] for e in by_kind(events, "state", h)]
        assert mine and shown[1:] == [[e.data["vector"].get(x, 0) for x in ids] for e in mine]


# -- NTP ------------------------------------------------------------------------------------


#: What the drift and the slew move the clock during one exchange (microseconds), with room.
US_SLACK = 50_000


def _ntp(mode="slew", server="ntp_server", offset=50 * MS, duration=4 * S, loss=0.1, **params):
    hosts = [host("s", server),
             host("c", "ntp", server="s", interval=200 * MS, timeout=100 * MS, mode=mode,
                  clock={"offset": offset, "drift_ppm": 50}, **params)]
    return scen(hosts, [link("s", "c", dist="lognormal", mean=5 * MS, loss=loss)],
                duration=duration)


def test_ntp_slewing_keeps_clocks_monotonic_over_50_seeds():
    for seed in SEEDS:
        v, events = _verdict(_ntp("slew", duration=2 * S), seed, "clocks.monotonic")
        assert v.ok and v.promised, (seed, v.reason())
        adjusts = by_kind(events, "clock_adjust", "c")
        assert adjusts and v.checked == len(adjusts)
        assert all(e.data["mode"] == "slew" for e in adjusts)


def test_each_sample_is_within_half_its_delay_of_the_true_offset():
    # the server's clock is real time; the client's offset from it is local - t
    for server in ("ntp_server", "time_server"):
        _, events, _ = run(_ntp("slew", server=server), seed=3)
        samples = _apps(events, "ntp_sample", "c")
        assert len(samples) > 10
        for e in samples:
            d = e.data
            assert d["offset"] == ((d["t2"] - d["t1"]) + (d["t3"] - d["t4"])) // 2
            assert d["delay"] == (d["t4"] - d["t1"]) - (d["t3"] - d["t2"]) >= 0
            assert abs(d["offset"] + (e.local - e.t)) <= d["delay"] / 2 + US_SLACK
            assert (d["t3"] > d["t2"]) == (server == "ntp_server")


def test_the_filter_uses_the_least_delay_of_the_last_samples_and_state_shows_it():
    _, events, _ = run(_ntp("slew", filter=4), seed=5)
    samples = _apps(events, "ntp_sample", "c")
    delays = [e.data["delay"] for e in samples]
    for i, e in enumerate(samples):
        assert e.data["chosen_delay"] == min(delays[max(0, i - 3): i + 1])
    shown: dict = {}
    for e in by_kind(events, "state", "c"):
        shown.update(e.data)
    assert shown["offset"] == samples[-1].data["estimate"]
    assert shown["delay"] == samples[-1].data["chosen_delay"]


def test_stepping_corrects_at_once_and_a_backward_step_breaks_monotonic():
    for mode in ("step", "auto"):
        v, events = _verdict(_ntp(mode, offset=300 * MS, loss=0.0), 1, "clocks.monotonic")
        assert not v.ok and not v.promised
        bad = events[v.seq]
        assert bad.kind == "clock_adjust" and bad.data["mode"] == "step" and bad.data["delta"] < 0
        last = events[-1] if events[-1].host == "c" else by_kind(events, "clock_adjust", "c")[-1]
        assert abs(last.local - last.t) < 5 * MS  # 300 ms off at the start, a few ms after
    # auto slews small offsets: after the first step it never steps again
    _, events, _ = run(_ntp("auto", offset=300 * MS, loss=0.0), seed=1)
    modes = [e.data["mode"] for e in by_kind(events, "clock_adjust", "c")]
    assert modes[0] == "step" and set(modes[1:]) == {"slew"}
