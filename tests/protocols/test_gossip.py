"""Gossip: push, pull and push-pull rounds with the rounds and feedback stop rules, under
loss and crashes; integrity always holds, coverage usually but not surely."""

from __future__ import annotations

from engine.helpers import MS, S, by_kind, host, mesh, run, scen

from sandbox.trace.checks import run_checks

SEEDS = range(50)
IDS = [f"h{i}" for i in range(12)]


def _apps(events, name, at=None):
    return [e for e in by_kind(events, "app", at) if e.data["name"] == name]


def _gossip(mode="push_pull", stop="rounds", fanout=2, k=2, rounds=5, loss=0.0, rumours=2,
            faults=(), failures=None, ids=IDS, duration=2 * S):
    hosts = [host(h, "gossip", mode=mode, fanout=fanout, round=50 * MS, stop=stop, k=k,
                  rounds=rounds, rumours=rumours if h == "h0" else 0, start=50 * MS,
                  every=300 * MS, failures=failures) for h in ids]
    return scen(hosts, mesh(ids, dist="exponential", mean=5 * MS, loss=loss),
                duration=duration, faults=list(faults))


def _verdicts(scenario, seed):
    sim, events, _ = run(scenario, seed=seed)
    return {v.name: v for v in run_checks(sim.header(), events)}, events


def test_push_pull_spreads_every_rumour_to_every_host_in_most_runs_under_loss():
    covered = 0
    for seed in SEEDS:
        v, _ = _verdicts(_gossip(loss=0.1), seed)
        assert v["gossip.integrity"].ok and v["gossip.integrity"].promised, v["gossip.integrity"].reason()
        assert not v["gossip.coverage"].promised
        assert v["gossip.coverage"].checked == 2
        covered += v["gossip.coverage"].ok
    assert covered >= 45


def test_each_mode_and_stop_rule_keeps_integrity_and_infects_from_a_host_that_knew():
    for mode in ("push", "pull", "push_pull"):
        for stop in ("rounds", "feedback"):
            for seed in range(5):
                v, events = _verdicts(_gossip(mode, stop, loss=0.1), seed)
                assert v["gossip.integrity"].ok, (mode, stop, seed)
                knew = {(e.host, e.data["rumour"]): e.data.get("hops", 0)
                        for e in _apps(events, "gossip_start")}
                for e in _apps(events, "gossip_infected"):
                    d = e.data
                    assert (d["from"], d["rumour"]) in knew, (mode, stop, e)
                    assert d["hops"] == knew[(d["from"], d["rumour"])] + 1
                    assert d["round"] >= 1
                    knew[(e.host, d["rumour"])] = d["hops"]
                assert len(knew) > 2, (mode, stop, seed)


def test_a_small_feedback_budget_leaves_some_hosts_without_the_rumour():
    # Demers' residue: with fanout 1 and k=1, pushing stops while some hosts never heard it.
    misses = 0
    for seed in range(20):
        v, _ = _verdicts(_gossip("push", "feedback", fanout=1, k=1), seed)
        misses += not v["gossip.coverage"].ok
    assert misses >= 5


def test_every_hot_rumour_is_eventually_stopped_by_the_stop_rule():
    for stop in ("rounds", "feedback"):
        _, events = _verdicts(_gossip("push", stop), 4)
        learned = {(e.host, e.data["rumour"]) for e in _apps(events, "gossip_infected")}
        learned |= {(e.host, e.data["rumour"]) for e in _apps(events, "gossip_start")}
        stopped = [(e.host, e.data["rumour"]) for e in _apps(events, "gossip_stop")]
        assert len(stopped) == len(set(stopped))
        assert set(stopped) == learned, stop


def test_the_rounds_rule_spreads_a_rumour_for_that_many_rounds():
    _, events = _verdicts(_gossip("push", "rounds", rounds=3), 1)
    got = {(e.host, e.data["rumour"]): e.data["round"] for e in _apps(events, "gossip_infected")}
    for e in _apps(events, "gossip_stop"):
        key = (e.host, e.data["rumour"])
        if key in got:
            assert e.data["round"] == got[key] + 3


def test_a_crashed_host_is_not_owed_the_rumour():
    crash = [{"kind": "crash", "host": "h5", "at": "10ms"}]
    for seed in range(5):
        v, events = _verdicts(_gossip(faults=crash), seed)
        assert v["gossip.integrity"].ok
        assert not [e for e in _apps(events, "gossip_infected", "h5")]
        assert v["gossip.coverage"].ok, v["gossip.coverage"].reason()


def test_state_shows_infected_and_the_rumours_known():
    _, events = _verdicts(_gossip(), 2)
    for h in IDS:
        states = [e.data for e in by_kind(events, "state", h)]
        assert states[0]["infected"] is False and states[0]["known"] == 0
        known = [d["known"] for d in states if "known" in d]
        assert known == sorted(known) and known[-1] == 2
        flags = [d["infected"] for d in states if "infected" in d]
        assert flags == [False, True]
        assert any(d.get("hot", 0) > 0 for d in states)
