"""Mutual exclusion (central, token ring, Ricart-Agrawala): runs of scenarios, their guarantees
checked on the trace, and the state the canvas shows."""

from __future__ import annotations

import pytest
from engine.helpers import MS, S, by_kind, host, mesh, run, scen

from sandbox.trace.checks import run_checks

ALGORITHMS = ["central", "token_ring", "ricart_agrawala"]
IDS = [f"h{i}" for i in range(4)]


def group(algorithm: str, n: int = 4, duration: int = S, faults=(), latency=None, **params):
    ids = [f"h{i}" for i in range(n)]
    kw = {"interval": 40 * MS, "hold": 5 * MS, **params}
    lat = latency or {"dist": "uniform", "mean": 2 * MS, "spread": 2 * MS}
    return scen([host(i, "mutex", algorithm=algorithm, **kw) for i in range(n)],
                mesh(ids, **lat), duration=duration, faults=list(faults))


def verdicts(sim, events):
    return {v.name: v for v in run_checks(sim.header(), events)}


def apps(events, name, h=None):
    return [e for e in by_kind(events, "app", h) if e.data["name"] == name]


def final_state(events):
    """Each host's shown state at the end: state events applied, a crash clearing them."""
    shown: dict[str, dict] = {}
    for e in events:
        if e.kind == "crash":
            shown[e.host] = {}
        elif e.kind == "state":
            d = shown.setdefault(e.host, {})
            for k, v in e.data.items():
                if v is None:
                    d.pop(k, None)
                else:
                    d[k] = v
    return shown


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_mutual_exclusion_and_no_starvation_hold_over_50_seeds(algorithm):
    dists = [{"dist": "uniform", "mean": 2 * MS, "spread": 2 * MS},
             {"dist": "exponential", "mean": 3 * MS},
             {"dist": "lognormal", "mean": 2 * MS, "shape": 0.5}]
    entered = 0
    for seed in range(50):
        s = group(algorithm, n=3 + seed % 3, duration=600 * MS, latency=dists[seed % 3])
        sim, ev, _ = run(s, seed=seed)
        v = verdicts(sim, ev)
        for name in ("coordination.mutual_exclusion", "coordination.no_starvation"):
            assert v[name].ok and v[name].promised, (seed, v[name].reason())
        entered += v["coordination.mutual_exclusion"].checked
    assert entered > 50 * 5  # many sections were checked, not a PASS over nothing


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_sections_never_overlap_and_every_request_is_served(algorithm):
    s = group(algorithm, duration=S)
    sim, ev, _ = run(s, seed=3)
    # from the events themselves: at most one host between cs_enter and cs_exit
    inside = None
    for e in by_kind(ev, "app"):
        if e.data["name"] == "cs_enter":
            assert inside is None, (inside, e)
            inside = e.host
        elif e.data["name"] == "cs_exit":
            assert inside == e.host
            inside = None
    requests = apps(ev, "cs_request")
    enters = {(e.host, e.data["req"]) for e in apps(ev, "cs_enter")}
    early = [e for e in requests if e.t < 700 * MS]
    assert early and all((e.host, e.data["req"]) in enters for e in early)
    # the central coordinator makes no requests of its own
    if algorithm == "central":
        assert not apps(ev, "cs_request", "h0")


def test_state_reports_follow_the_sections_and_the_token():
    sim, ev, _ = run(group("token_ring", duration=500 * MS), seed=1)
    shown: dict[str, dict] = {}
    for e in ev:
        if e.kind == "state":
            shown.setdefault(e.host, {}).update(e.data)
            holders = [h for h, d in shown.items() if d.get("token")]
            assert len(holders) <= 1, (e, holders)  # one token on the canvas at a time
    # in_cs is shown exactly between cs_enter and cs_exit, with the role
    for e in ev:
        if e.kind == "state" and "in_cs" in e.data and e.data["in_cs"]:
            assert e.data.get("role") == "in_cs"
    flags = [e for e in by_kind(ev, "state") if e.data.get("in_cs") is True]
    assert len(flags) == len(apps(ev, "cs_enter"))
    s = group("central", duration=500 * MS)
    sim, ev, _ = run(s, seed=1)
    coord = by_kind(ev, "state", "h0")
    assert coord[0].data["role"] == "coordinator"
    assert any(e.data.get("waiting", 0) > 0 for e in coord)
    assert any(e.data.get("queue") for e in coord)


def test_a_token_ring_loses_its_token_when_the_holder_crashes():
    base = group("token_ring", duration=3 * S, hold=200 * MS, interval=100 * MS)
    _, ev0, _ = run(base, seed=5)
    first = apps(ev0, "cs_enter")[0]
    crash_at = first.t + 100 * MS  # in the middle of its section: it holds the token
    s = group("token_ring", duration=3 * S, hold=200 * MS, interval=100 * MS,
              faults=[{"kind": "crash", "host": first.host, "at": crash_at}])
    sim, ev, _ = run(s, seed=5)
    assert [e for e in by_kind(ev, "crash")][0].t == crash_at
    assert not [e for e in apps(ev, "cs_enter") if e.t > crash_at]
    v = verdicts(sim, ev)
    assert v["coordination.mutual_exclusion"].ok
    ns = v["coordination.no_starvation"]
    assert not ns.ok and not ns.promised
    starved = ev[ns.seq]
    assert starved.data["name"] == "cs_request" and starved.host != first.host
    assert not any(d.get("token") for d in final_state(ev).values())


def test_a_crashed_coordinator_stops_every_grant():
    s = group("central", duration=S, faults=[{"kind": "crash", "host": "h0", "at": 200 * MS}])
    sim, ev, _ = run(s, seed=2)
    assert not [e for e in apps(ev, "cs_enter") if e.t > 200 * MS + 10 * MS]
    v = verdicts(sim, ev)
    assert v["coordination.mutual_exclusion"].ok
    assert not v["coordination.no_starvation"].ok


def test_ricart_agrawala_blocks_when_a_member_crashes():
    s = group("ricart_agrawala", duration=S, faults=[{"kind": "crash", "host": "h3", "at": 100 * MS}])
    sim, ev, _ = run(s, seed=4)
    late = [e for e in apps(ev, "cs_enter") if e.t > 300 * MS]
    assert not late
    assert not verdicts(sim, ev)["coordination.no_starvation"].ok


def test_members_and_coordinator_and_count_are_obeyed():
    s = scen([host(i, "mutex", algorithm="central", members=["h1", "h2", "h3"],
                   coordinator=["h2"], interval=20 * MS, hold=MS, count=3) for i in range(4)],
             mesh(IDS), duration=S)
    sim, ev, _ = run(s, seed=1)
    assert not apps(ev, "cs_request", "h0") and not apps(ev, "cs_request", "h2")
    for h in ("h1", "h3"):
        assert len(apps(ev, "cs_enter", h)) == 3
    assert verdicts(sim, ev)["coordination.no_starvation"].ok
