"""Leader election (bully, ring): runs of scenarios, the one_leader guarantee checked on the
trace, and the role and leader the canvas shows."""

from __future__ import annotations

import pytest
from engine.helpers import MS, S, by_kind, host, mesh, run, scen

from sandbox.trace.checks import run_checks

IDS = [f"h{i}" for i in range(5)]
#: The model the algorithms assume: every message arrives within a bound under the timeouts.
SYNC = {"synchrony": "synchronous", "delivery_bound": 10 * MS}


def group(algorithm: str, n: int = 5, duration: int = S, faults=(), latency=None, **params):
    ids = [f"h{i}" for i in range(n)]
    lat = latency or {"dist": "uniform", "mean": 2 * MS, "spread": MS}
    return scen([host(i, "election", algorithm=algorithm, **params) for i in range(n)],
                mesh(ids, **lat), duration=duration, faults=list(faults), model=SYNC)


def verdict(sim, events):
    [v] = [v for v in run_checks(sim.header(), events) if v.name == "coordination.one_leader"]
    return v


def shown(events, until=None):
    """Each host's shown state (at ``until``, or the end): state events applied, a crash
    clearing them."""
    out: dict[str, dict] = {}
    for e in events:
        if until is not None and e.t > until:
            break
        if e.kind == "crash":
            out[e.host] = {}
        elif e.kind == "state":
            d = out.setdefault(e.host, {})
            for k, v in e.data.items():
                if v is None:
                    d.pop(k, None)
                else:
                    d[k] = v
    return out


def elected(events):
    return [e for e in by_kind(events, "app") if e.data["name"] == "elected"]


@pytest.mark.parametrize("algorithm", ["bully", "ring"])
def test_the_highest_host_leads_and_after_its_crash_the_next_one_does(algorithm):
    dists = [{"dist": "uniform", "mean": 2 * MS, "spread": MS},
             {"dist": "exponential", "mean": 2 * MS},
             {"dist": "constant", "mean": 3 * MS}]
    for seed in range(50):
        n = 3 + seed % 3
        top, nxt = f"h{n - 1}", f"h{n - 2}"
        crash_at = 400 * MS
        s = group(algorithm, n=n, duration=S, latency=dists[seed % 3],
                  faults=[{"kind": "crash", "host": top, "at": crash_at}])
        sim, ev, _ = run(s, seed=seed)
        v = verdict(sim, ev)
        assert v.ok and v.promised and v.checked >= 2, (seed, v.reason())
        before = shown(ev, crash_at - 1)
        assert all(d.get("leader") == top for d in before.values()), (seed, before)
        after = shown(ev)
        assert after[top] == {}
        live = [f"h{i}" for i in range(n - 1)]
        assert all(after[h].get("leader") == nxt for h in live), (seed, after)
        assert after[nxt]["role"] == "leader"
        assert all(after[h]["role"] == "follower" for h in live if h != nxt)
        wins = elected(ev)
        assert {e.host for e in wins} == {top, nxt}
        assert all(e.data["leader"] == e.host for e in wins)
        late = [e for e in wins if e.host == nxt]
        assert late[0].t > crash_at + 200 * MS  # the default leader timeout went by first
        # epochs grow from one election to the next
        assert max(e.data["epoch"] for e in wins if e.host == top) \
            < min(e.data["epoch"] for e in late)


def test_bully_elects_a_leader_on_each_side_of_a_partition():
    s = group("bully", duration=S, faults=[
        {"kind": "partition", "sides": [["h0", "h1", "h2"], ["h3", "h4"]], "start": 300 * MS}])
    sim, ev, _ = run(s, seed=1)
    v = verdict(sim, ev)
    assert not v.ok and not v.promised
    assert ev[v.seq].host == "h2" and ev[v.seq].data["role"] == "leader"
    assert ev[v.seq].t > 300 * MS
    end = shown(ev)
    assert end["h4"]["role"] == "leader" and end["h2"]["role"] == "leader"
    assert {end[h]["leader"] for h in ("h0", "h1")} == {"h2"}
    assert end["h3"]["leader"] == "h4"


def test_roles_and_leader_are_reported_and_a_candidate_shows_no_leader():
    s = group("bully", duration=S, faults=[{"kind": "crash", "host": "h4", "at": 300 * MS}])
    sim, ev, _ = run(s, seed=2)
    states = by_kind(ev, "state")
    roles = {e.data["role"] for e in states if "role" in e.data}
    assert roles == {"leader", "follower", "candidate"}
    now: dict[str, dict] = {}
    for e in states:  # while a host is a candidate, the canvas shows no leader for it
        d = now.setdefault(e.host, {})
        d.update(e.data)
        if d.get("role") == "candidate":
            assert d.get("leader") is None, e
    assert {"role", "leader", "epoch"} <= set().union(*(e.data for e in states))
    # the followers' detectors suspected the crashed leader
    assert {e.host for e in by_kind(ev, "suspect") if e.data["target"] == "h4"} \
        == {"h0", "h1", "h2", "h3"}


def test_members_rank_lowest_to_highest_and_others_take_no_part():
    s = scen([host(i, "election", members=["h3", "h0", "h1"]) for i in range(4)]
             + [host(4, "idle")], mesh(IDS), duration=500 * MS, model=SYNC)
    sim, ev, _ = run(s, seed=1)
    assert {e.host for e in elected(ev)} == {"h1"}
    end = shown(ev)
    assert "h2" not in end and all(end[h]["leader"] == "h1" for h in ("h0", "h1", "h3"))
    assert verdict(sim, ev).ok


def test_one_leader_is_not_promised_when_timeouts_can_be_wrong():
    s = scen([host(i, "election") for i in range(3)], mesh(IDS[:3]), duration=300 * MS)
    sim, ev, _ = run(s, seed=1)  # the asynchronous model: a message may come after any timeout
    assert not verdict(sim, ev).promised
