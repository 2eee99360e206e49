"""Single-decree Paxos: duelling proposers, loss and crashes of a minority; agreement and
validity, the choice of value and the state reports. Expectations come from Paxos's
definition (Lamport, "Paxos made simple")."""

from __future__ import annotations

import random

import pytest
from engine.helpers import MS, S, by_kind, host, mesh, run, scen

from sandbox.trace.checks import run_checks

KEPT = {"state_on_crash": "kept"}
IDS = [f"h{i}" for i in range(5)]


def group(n: int = 5, loss: float = 0.0, faults=(), duration: int = S, hosts=None, **params):
    ids = [f"h{i}" for i in range(n)]
    hosts = hosts or [host(i, "paxos", failures=KEPT, **params) for i in range(n)]
    return scen(hosts, mesh(ids, mean=3 * MS, dist="normal", spread=MS, loss=loss),
                duration=duration, faults=list(faults))


def apps(events, name, h=None):
    return [e for e in by_kind(events, "app", h) if e.data["name"] == name]


def assert_holds(sim, events):
    verdicts = run_checks(sim.header(), events)
    assert {v.name for v in verdicts} == {"consensus.paxos_agreement", "consensus.paxos_validity"}
    for v in verdicts:
        assert v.ok and v.promised and v.checked > 0, (v.name, v.reason())


def test_a_lone_proposer_gets_its_value_chosen_in_one_ballot():
    hosts = [host(0, "paxos", failures=KEPT, value="apple")]
    hosts += [host(i, "paxos", failures=KEPT, proposer=False) for i in range(1, 5)]
    sim, events, _ = run(group(hosts=hosts), seed=1)
    learnt = apps(events, "paxos_learn")
    assert sorted(e.host for e in learnt) == IDS
    assert {e.data["value"] for e in learnt} == {"apple"}
    assert {tuple(e.data["ballot"]) for e in learnt} == {(1, "h0")}
    assert len(apps(events, "paxos_propose")) == 1
    assert not by_kind(events, "timer")  # no retry was needed
    assert_holds(sim, events)


def _duel(seed: int):
    """Five proposers starting within 5 ms of each other, 10-20 % loss, two hosts (a minority)
    crashing at random times; one of them recovers with its state."""
    r = random.Random(seed)
    a, b = r.sample(IDS, 2)
    faults = [{"kind": "crash", "host": a, "at": r.randrange(1, 60) * MS},
              {"kind": "recover", "host": a, "at": r.randrange(200, 400) * MS},
              {"kind": "crash", "host": b, "at": r.randrange(1, 200) * MS}]
    sc = group(loss=r.choice([0.1, 0.2]), faults=faults, duration=S, delay_max=5 * MS,
               timeout=30 * MS, backoff=30 * MS)
    sim, events, _ = run(sc, seed=seed)
    return sim, events, b


@pytest.mark.parametrize("seed", range(50))
def test_agreement_with_duelling_proposers_loss_and_minority_crashes(seed):
    sim, events, dead = _duel(seed)
    assert_holds(sim, events)
    learnt = apps(events, "paxos_learn")
    # every host up at the end is a proposer, so it retries until it learns
    assert {e.host for e in learnt} >= set(IDS) - {dead}
    (value,) = {e.data["value"] for e in learnt}
    chosen = min(tuple(e.data["ballot"]) for e in learnt)
    # P2: once a value is chosen at a ballot, every higher ballot accepted carries it
    for e in apps(events, "paxos_accept"):
        if tuple(e.data["ballot"]) >= chosen:
            assert e.data["value"] == value, e


def test_duelling_proposers_retry_with_higher_ballots():
    retried = 0
    for seed in range(10):
        sim, events, _ = _duel(seed)
        retried += len([e for e in by_kind(events, "timer") if e.data["name"] == "paxos_retry"])
        rounds = [e.data["ballot"][0] for e in apps(events, "paxos_accept")]
        assert rounds
    assert retried > 0


def test_state_reports():
    sim, events, _ = run(group(delay_max=5 * MS), seed=2)
    last: dict[str, dict] = {h: {} for h in IDS}
    phases = set()
    for e in by_kind(events, "state"):
        assert set(e.data) <= {"phase", "promised", "accepted", "chosen"}
        last[e.host].update(e.data)
        phases.add(e.data.get("phase"))
    (value,) = {e.data["value"] for e in apps(events, "paxos_learn")}
    for h in IDS:
        assert last[h]["phase"] == "learnt"
        assert last[h]["chosen"] == value
        assert last[h]["promised"] >= 1
    assert {"waiting", "prepare", "learnt"} <= phases
    # an acceptor shows the value it accepted
    for e in apps(events, "paxos_accept"):
        shown = [s for s in by_kind(events, "state", e.host)
                 if s.seq > e.seq and "accepted" in s.data]
        assert shown and shown[0].data["accepted"] == e.data["value"]


def test_non_proposers_show_the_acceptor_phase():
    hosts = [host(0, "paxos", failures=KEPT)]
    hosts += [host(i, "paxos", failures=KEPT, proposer=False) for i in range(1, 3)]
    sim, events, _ = run(group(n=3, hosts=hosts), seed=1)
    first = {}
    for e in by_kind(events, "state"):
        first.setdefault(e.host, e.data)
    assert first["h1"]["phase"] == "acceptor" and first["h0"]["phase"] == "waiting"


def test_a_majority_crashed_chooses_nothing():
    faults = [{"kind": "crash", "host": h, "at": 0} for h in IDS[2:]]
    sim, events, _ = run(group(faults=faults), seed=3)
    assert not apps(events, "paxos_learn") and not apps(events, "paxos_accept")
    assert len([e for e in by_kind(events, "timer")]) >= 2  # the two proposers keep trying


def test_lost_acceptor_state_is_not_promised():
    faults = [{"kind": "crash", "host": "h1", "at": 10 * MS},
              {"kind": "recover", "host": "h1", "at": 50 * MS}]
    hosts = [host(i, "paxos") for i in range(5)]
    sim, events, _ = run(group(hosts=hosts, faults=faults), seed=1)
    assert all(not v.promised for v in run_checks(sim.header(), events))


def test_odd_messages_are_ignored():
    from sandbox.engine import Simulation
    from sandbox.trace import MemorySink

    mem = MemorySink()
    sim = Simulation(group(n=3, delay_min=20 * MS, delay_max=30 * MS), mem, seed=4)
    sim.start()
    sim.advance(10 * MS)
    odd = [{"type": "paxos_prepare"}, {"type": "paxos_prepare", "ballot": [True, "h0"]},
           {"type": "paxos_prepare", "ballot": [-1, "h0"]}, {"type": "paxos_promise",
                                                              "ballot": "b"},
           {"type": "paxos_accepted", "ballot": [1, 2]}, {"type": "paxos_nack", "ballot": [1]},
           {"type": "paxos_accept_req", "ballot": None, "value": "x"}, [], "x"]
    for payload in odd:
        for src in IDS[:3]:
            for dst in IDS[:3]:
                if src != dst:
                    sim.send(src, dst, payload)
    sim.advance(S)
    sim.finish()
    assert sim.errors == []
    assert len(apps(mem.events, "paxos_learn")) == 3
    assert_holds(sim, mem.events)
