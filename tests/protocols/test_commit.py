"""Two-phase commit: runs of scenarios, atomicity and commit termination checked on the trace,
the phases the canvas shows, and 2PC blocking when its coordinator crashes."""

from __future__ import annotations

from engine.helpers import MS, S, by_kind, host, mesh, run, scen

from sandbox.trace.checks import run_checks

IDS = ["h0", "h1", "h2", "h3"]


def tpc(duration=S, faults=(), coord=None, part=None, links=None, failures=None):
    c = {"count": 5, "interval": 50 * MS, **(coord or {})}
    p = {"yes_probability": 0.8, **(part or {})}
    hosts = [host(0, "tpc_coordinator", **c)]
    hosts += [host(i, "tpc_participant", failures=failures, **p) for i in range(1, 4)]
    return scen(hosts, mesh(IDS, **(links or {})), duration=duration, faults=list(faults))


def verdicts(sim, events):
    return {v.name: v for v in run_checks(sim.header(), events)}


def apps(events, name, h=None):
    return [e for e in by_kind(events, "app", h) if e.data["name"] == name]


def final_state(events):
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


def test_atomicity_holds_over_50_seeds_with_loss_and_participant_crashes():
    decisions = set()
    for seed in range(50):
        victim = f"h{1 + seed % 3}"
        faults = [{"kind": "crash", "host": victim, "at": (60 + 37 * seed % 400) * MS}]
        failures = None
        if seed % 2:  # half the runs: the participant comes back, with its state
            faults.append({"kind": "recover", "host": victim, "at": (500 + seed) * MS})
            failures = {"state_on_crash": "kept"}
        s = tpc(duration=S, faults=faults, failures=failures,
                links={"dist": "uniform", "mean": 2 * MS, "spread": MS, "loss": 0.15})
        sim, ev, _ = run(s, seed=seed)
        v = verdicts(sim, ev)["coordination.atomicity"]
        assert v.ok and v.promised and v.checked >= 5, (seed, v.reason())
        decisions |= {e.data["decision"] for e in apps(ev, "tpc_decide")}
    assert decisions == {"commit", "abort"}  # both outcomes were exercised


def test_two_phase_commit_blocks_when_the_coordinator_crashes_after_the_votes():
    # constant 1 ms links: the prepare leaves at 50 ms, the votes are in at 52 ms, and the
    # decision would be sent once logged, at 52 + 20 ms; the coordinator crashes at 60 ms
    s = tpc(duration=S, coord={"count": 1, "log_time": 20 * MS},
            part={"yes_probability": 1.0, "ask_interval": 50 * MS},
            faults=[{"kind": "crash", "host": "h0", "at": 60 * MS}])
    sim, ev, _ = run(s, seed=1)
    votes = apps(ev, "tpc_vote")
    assert len(votes) == 3 and all(e.data["vote"] == "yes" and e.t < 60 * MS for e in votes)
    assert not apps(ev, "tpc_decide") and not apps(ev, "tpc_outcome")
    end = final_state(ev)
    assert all(end[h]["phase"] == "prepared" for h in ("h1", "h2", "h3"))
    # blocked, the participants keep asking the crashed coordinator
    asks = [e for e in by_kind(ev, "send") if e.data["payload"].get("type") == "tpc_ask"]
    assert {e.host for e in asks} == {"h1", "h2", "h3"} and {e.peer for e in asks} == {"h0"}
    assert max(e.t for e in asks) > 900 * MS
    v = verdicts(sim, ev)
    term = v["coordination.commit_termination"]
    assert not term.ok and not term.promised
    assert ev[term.seq] in votes
    assert v["coordination.atomicity"].ok and v["coordination.atomicity"].promised


def test_without_the_crash_every_participant_commits_and_the_phases_are_shown():
    s = tpc(duration=S, coord={"count": 3, "log_time": 20 * MS}, part={"yes_probability": 1.0})
    sim, ev, _ = run(s, seed=1)
    assert [e.data["decision"] for e in apps(ev, "tpc_decide")] == ["commit"] * 3
    assert len(apps(ev, "tpc_outcome")) == 9
    assert all(e.data["outcome"] == "commit" for e in apps(ev, "tpc_outcome"))
    v = verdicts(sim, ev)
    assert v["coordination.commit_termination"].ok and v["coordination.atomicity"].ok
    phases = {h: [e.data["phase"] for e in by_kind(ev, "state", h) if "phase" in e.data]
              for h in IDS}
    assert phases["h0"] == ["idle"] + ["voting", "committed"] * 3
    assert phases["h1"] == ["idle"] + ["prepared", "committed"] * 3
    assert final_state(ev)["h2"] == {"phase": "committed", "tx": 3}


def test_a_no_vote_aborts_the_transaction_everywhere():
    s = tpc(duration=S, coord={"count": 2}, part={"yes_probability": 0.0})
    sim, ev, _ = run(s, seed=1)
    assert [e.data["decision"] for e in apps(ev, "tpc_decide")] == ["abort", "abort"]
    assert all(e.data["reason"] == "votes" for e in apps(ev, "tpc_decide"))
    assert {e.data["outcome"] for e in apps(ev, "tpc_outcome")} == {"abort"}
    assert verdicts(sim, ev)["coordination.atomicity"].ok


def test_a_missing_vote_aborts_after_the_vote_timeout():
    s = tpc(duration=S, coord={"count": 1, "vote_timeout": 100 * MS},
            part={"yes_probability": 1.0}, faults=[{"kind": "crash", "host": "h3", "at": 10 * MS}])
    sim, ev, _ = run(s, seed=1)
    [d] = apps(ev, "tpc_decide")
    assert d.data["decision"] == "abort" and d.data["reason"] == "timeout"
    assert d.t >= 150 * MS  # began at 50 ms, waited the whole vote timeout
    assert {e.data["outcome"] for e in apps(ev, "tpc_outcome")} == {"abort"}
    v = verdicts(sim, ev)
    assert v["coordination.atomicity"].ok and v["coordination.commit_termination"].ok


def test_a_coordinator_that_keeps_its_state_aborts_its_open_transaction_on_recovery():
    hosts = [host(0, "tpc_coordinator", failures={"state_on_crash": "kept"}, count=1,
                  interval=50 * MS, log_time=20 * MS)]
    hosts += [host(i, "tpc_participant", yes_probability=1.0) for i in range(1, 4)]
    s = scen(hosts, mesh(IDS), duration=S,
             faults=[{"kind": "crash", "host": "h0", "at": 60 * MS},
                     {"kind": "recover", "host": "h0", "at": 300 * MS}])
    sim, ev, _ = run(s, seed=1)
    [d] = apps(ev, "tpc_decide")
    assert d.t >= 300 * MS and d.data["decision"] == "abort" and d.data["reason"] == "recovery"
    assert [e.data["outcome"] for e in apps(ev, "tpc_outcome")] == ["abort"] * 3
    assert len(apps(ev, "tpc_begin")) == 1  # the count survived the crash
    v = verdicts(sim, ev)
    assert v["coordination.atomicity"].ok and v["coordination.commit_termination"].ok
