"""Raft: one leader per term, log replication, commit by majority, under crashes of the leader
and partitions; the state it reports. Expectations come from the Raft paper's definitions."""

from __future__ import annotations

import random

import pytest
from engine.helpers import MS, REPO, S, by_kind, host, mesh, run, scen

from sandbox.engine import Simulation
from sandbox.scenario import load
from sandbox.trace import MemorySink
from sandbox.trace.checks import run_checks

KEPT = {"state_on_crash": "kept"}
IDS = [f"h{i}" for i in range(5)]


def cluster(n: int = 5, failures: dict | None = KEPT, duration: int = 2 * S, faults=(),
            **params) -> object:
    ids = [f"h{i}" for i in range(n)]
    return scen([host(i, "raft", failures=failures, **params) for i in range(n)],
                mesh(ids, mean=5 * MS, dist="normal", spread=2 * MS), duration=duration,
                faults=list(faults))


def apps(events, name, h=None):
    return [e for e in by_kind(events, "app", h) if e.data["name"] == name]


def leaders(events):
    return [(e.t, e.host, e.data["term"]) for e in apps(events, "raft_leader")]


def assert_all_hold(sim, events):
    verdicts = run_checks(sim.header(), events)
    names = {v.name for v in verdicts}
    assert names == {"consensus.election_safety", "consensus.log_matching",
                     "consensus.leader_completeness", "consensus.state_machine_safety"}
    for v in verdicts:
        assert v.ok and v.promised, (v.name, v.reason())
        # leader completeness is judged at each election after the first
        if v.name != "consensus.leader_completeness" or len(leaders(events)) > 1:
            assert v.checked > 0, v.name
    return verdicts


def test_one_leader_and_every_server_applies_the_same_commands_in_order():
    sim, events, _ = run(cluster(), seed=3)
    got = leaders(events)
    assert len(got) == 1, got
    lead = got[0][1]
    commands = [e.data["command"] for e in apps(events, "raft_append", lead)]
    assert len(commands) >= 5
    assert all(c.startswith(f"{lead}#") for c in commands)
    for h in IDS:
        applied = apps(events, "raft_apply", h)
        # applied in index order, from 1, with no gap
        assert [e.data["index"] for e in applied] == list(range(1, len(applied) + 1))
        assert [e.data["command"] for e in applied] == commands[:len(applied)]
        assert len(applied) >= len(commands) - 2  # the last one or two may be in flight
    # a commit needs a majority: the entry was stored by two followers before it
    stored: dict[int, list[int]] = {}
    for e in apps(events, "raft_append"):
        if e.host != lead:
            stored.setdefault(e.data["index"], []).append(e.t)
    for c in apps(events, "raft_commit", lead):
        assert len([t for t in stored.get(c.data["index"], []) if t < c.t]) >= 2, c
    assert_all_hold(sim, events)


def test_state_reports():
    sim, events, _ = run(cluster(duration=S), seed=4)
    (t, lead, term), = leaders(events)
    last: dict[str, dict] = {h: {} for h in IDS}
    for e in by_kind(events, "state"):
        last[e.host].update(e.data)
        assert set(e.data) <= {"role", "term", "leader", "commit_index", "log_length",
                               "voted_for"}
    assert last[lead]["role"] == "leader"
    for h in IDS:
        assert last[h]["term"] == term == 1
        assert last[h]["leader"] == lead
        if h != lead:
            assert last[h]["role"] == "follower"
            assert last[h]["voted_for"] == lead
    # the leader reported its log growing and its commit index advancing to its last commit
    commits = apps(events, "raft_commit", lead)
    assert last[lead]["commit_index"] == commits[-1].data["index"]
    assert last[lead]["log_length"] == len(apps(events, "raft_append", lead))
    # before the first election every server reports itself a follower of term 0
    first = {}
    for e in by_kind(events, "state"):
        first.setdefault(e.host, e.data)
    assert all(first[h]["role"] == "follower" and first[h]["term"] == 0 for h in IDS)
    # a candidate is shown as one
    assert any(e.data.get("role") == "candidate" for e in by_kind(events, "state", lead))


def test_lone_server_leads_and_commits_alone():
    sim, events, _ = run(scen([host(0, "raft", command_interval=50 * MS)], duration=S), seed=1)
    assert len(leaders(events)) == 1
    assert len(apps(events, "raft_apply")) >= 10


def _chaos(seed: int, duration: int = 3 * S):
    """A run of five servers whose current leader is crashed at 0.6 s and 1.4 s (each
    recovers 0.6 s later), with a partition of two servers from the others at a random time.
    Returns (sim, events, [(crash time, leader, its term, its commit index)])."""
    r = random.Random(seed)
    cut = r.sample(IDS, 2)
    start = r.randrange(2100, 2400) * MS
    faults = [{"kind": "partition", "sides": [cut, [h for h in IDS if h not in cut]],
               "start": start, "end": start + 400 * MS}]
    mem = MemorySink()
    sim = Simulation(cluster(duration=duration, faults=faults, command_interval=100 * MS),
                     mem, seed=seed)
    sim.start()
    crashes = []
    plan = {600 * MS: "crash", 1200 * MS: "recover", 1400 * MS: "crash", 2000 * MS: "recover"}
    victim = None
    for t in sorted(plan):
        sim.advance(t)
        if plan[t] == "crash":
            lead = [h for h in IDS if sim.nodes[h].shown.get("role") == "leader"]
            assert len(lead) <= 1
            if lead:
                victim = lead[0]
                shown = sim.nodes[victim].shown
                crashes.append((sim.env.now, victim, shown["term"], shown["commit_index"]))
                sim.crash(victim, "injected")
        elif victim is not None:
            sim.recover(victim, "injected")
            victim = None
    sim.advance(duration)
    sim.finish()
    assert sim.errors == []
    return sim, mem.events, crashes


@pytest.mark.parametrize("seed", range(50))
def test_safety_and_reelection_under_leader_crashes_and_partitions(seed):
    sim, events, crashes = _chaos(seed)
    assert_all_hold(sim, events)
    assert len(crashes) == 2, crashes  # there was a leader to crash both times
    elected = leaders(events)
    for t, victim, term, commit in crashes:
        # another server is elected, in a later term, before the crashed one recovers
        after = [(lt, h, tm) for lt, h, tm in elected if t < lt < t + 600 * MS]
        assert any(h != victim and tm > term for _, h, tm in after), (t, victim, elected)
        # committed entries survive: every server applies them by the end of the run
        for h in IDS:
            applied = {e.data["index"] for e in apps(events, "raft_apply", h)}
            assert set(range(1, commit + 1)) <= applied, (h, commit)


def test_committed_entries_survive_the_leader_crash_with_the_same_commands():
    sim, events, crashes = _chaos(11)
    t, victim, term, commit = crashes[0]
    assert commit >= 3
    before = {e.data["index"]: e.data["command"] for e in apps(events, "raft_apply", victim)
              if e.t <= t}
    assert len(before) == commit
    new = next(h for lt, h, tm in leaders(events) if lt > t)
    after = {e.data["index"]: e.data["command"] for e in apps(events, "raft_apply", new)
             if e.t > t}
    assert {i: after[i] for i in before if i in after} == before
    assert set(before) <= set(after) | {e.data["index"] for e in apps(events, "raft_apply", new)
                                        if e.t <= t}


def test_minority_side_elects_no_leader_and_majority_goes_on():
    faults = [{"kind": "partition", "sides": [["h0", "h1"], ["h2", "h3", "h4"]],
               "start": 0, "end": None}]
    sim, events, _ = run(cluster(faults=faults), seed=2)
    got = leaders(events)
    assert got and all(h in ("h2", "h3", "h4") for _, h, _ in got)
    assert {e.host for e in apps(events, "raft_apply")} == {"h2", "h3", "h4"}
    # the cut-off servers keep trying: their terms rise
    terms = [e.data["term"] for e in by_kind(events, "state", "h0") if "term" in e.data]
    assert max(terms) > 3
    assert_all_hold(sim, events)


def test_lost_state_is_not_promised():
    faults = [{"kind": "crash", "host": "h1", "at": S // 2},
              {"kind": "recover", "host": "h1", "at": S}]
    sim, events, _ = run(cluster(failures=None, faults=faults), seed=1)
    verdicts = run_checks(sim.header(), events)
    assert verdicts and not any(v.promised for v in verdicts)


def test_odd_messages_are_ignored():
    """Malformed raft messages, from a member or a stranger, neither raise nor disturb it."""
    hosts = [host(i, "raft", failures=KEPT, members=IDS[:3]) for i in range(3)]
    hosts.append(host(3, "idle"))
    mem = MemorySink()
    sim = Simulation(scen(hosts, mesh(IDS[:4], mean=2 * MS), duration=S), mem, seed=5)
    sim.start()
    sim.advance(500 * MS)
    odd = [{"type": "raft_append", "term": "x"}, {"type": "raft_append"},
           {"type": "raft_append", "term": 1, "prev_index": 0, "prev_term": 0,
            "entries": [[1]], "commit": 0},
           {"type": "raft_append", "term": 1, "prev_index": 0, "prev_term": 0,
            "entries": "no", "commit": 0},
           {"type": "raft_vote_req", "term": None}, {"type": "raft_vote", "granted": True},
           {"type": "raft_append_ok", "term": 1, "success": True, "match": "all"},
           {"type": "raft_append_ok", "term": 1, "success": True}, "not a dict", None]
    for payload in odd:
        for src in ("h3", "h0", "h1"):
            for dst in IDS[:3]:
                if src != dst:
                    sim.send(src, dst, payload)
    sim.advance(S)
    sim.finish()
    assert sim.errors == []
    assert len(leaders(mem.events)) == 1
    assert_all_hold(sim, mem.events)


def test_preset_crashes_the_first_leader_and_a_new_one_is_elected():
    sc = load(REPO / "sandbox/presets/raft_leader_crash.json")
    sim, events, _ = run(sc)
    crash, = by_kind(events, "crash")
    first, *later = leaders(events)
    assert first[1] == crash.host and first[0] < crash.t  # the first leader is the one crashed
    assert later and later[0][1] != crash.host and later[0][0] - crash.t < 600 * MS
    assert len(events) < 5000
    assert_all_hold(sim, events)


def test_checks_give_the_same_verdicts_on_the_trace_read_back_from_jsonl(tmp_path):
    from sandbox.trace import JsonlSink, TeeSink
    from sandbox.trace.sinks import read_jsonl

    path = tmp_path / "raft.jsonl"
    mem = MemorySink()
    sim = Simulation(cluster(faults=[{"kind": "crash", "host": "h1", "at": S // 2}]),
                     TeeSink(mem, JsonlSink(path)), seed=6)
    sim.run()
    header, events = read_jsonl(path)
    live = [v.to_dict() for v in run_checks(sim.header(), mem.events)]
    assert [v.to_dict() for v in run_checks(header, events)] == live
    assert all(v["ok"] and v["checked"] for v in live if v["name"] != "consensus.leader_completeness")
