"""The consensus checkers on hand-made traces: each fails on a trace that breaks its guarantee
(at the event that breaks it) and passes on one that keeps it."""

from __future__ import annotations

from sandbox.trace import TraceEvent
from sandbox.trace.checks import run_checks


def header(behaviour: str, hosts=("a", "b", "c"), kept: bool = True, faults=()) -> dict:
    failures = {"state_on_crash": "kept" if kept else "lost"}
    return {"scenario": {
        "hosts": [{"id": h, "behaviour": {"name": behaviour, "params": {}},
                   "failures": failures} for h in hosts],
        "faults": list(faults), "run": {"duration": 10_000}}}


def trace(*rows) -> list[TraceEvent]:
    """Events from (host, kind or app name, data) rows, one per time unit."""
    out = []
    for i, (h, what, data) in enumerate(rows):
        if what in ("crash", "recover"):
            out.append(TraceEvent(i, i * 10, what, h, i * 10, None, None, dict(data)))
        else:
            out.append(TraceEvent(i, i * 10, "app", h, i * 10, None, None,
                                  {"name": what, **data}))
    return out


def verdict(header_, events, name):
    (v,) = [v for v in run_checks(header_, events) if v.name == name]
    return v


def ap(h, index, term, command):
    return (h, "raft_append", {"index": index, "term": term, "command": command})


# -- Raft --------------------------------------------------------------------------------------

def test_election_safety_fails_on_two_leaders_of_a_term():
    ev = trace(("a", "raft_leader", {"term": 1}), ("b", "raft_leader", {"term": 2}),
               ("c", "raft_leader", {"term": 2}))
    v = verdict(header("raft"), ev, "consensus.election_safety")
    assert not v.ok and v.promised and v.seq == 2 and v.related == (1,)
    assert "term 2" in v.reason() and "b" in v.reason()


def test_election_safety_holds_with_one_leader_per_term():
    ev = trace(("a", "raft_leader", {"term": 1}), ("b", "raft_leader", {"term": 2}),
               ("b", "raft_leader", {"term": 2}), ("c", "raft_leader", {"term": 3}))
    v = verdict(header("raft"), ev, "consensus.election_safety")
    assert v.ok and v.checked == 4


def test_election_safety_keeps_clusters_apart():
    h = header("raft", hosts=("a", "b", "c", "d"))
    for spec in h["scenario"]["hosts"]:
        spec["behaviour"]["params"] = {"members": ["a", "b"] if spec["id"] in "ab" else ["c", "d"]}
    ev = trace(("a", "raft_leader", {"term": 1}), ("c", "raft_leader", {"term": 1}))
    assert verdict(h, ev, "consensus.election_safety").ok


def test_log_matching_fails_when_same_index_and_term_have_different_prefixes():
    ev = trace(ap("a", 1, 1, "x"), ap("b", 1, 1, "x"),
               ap("a", 2, 2, "y"),
               ap("c", 1, 1, "z"),  # c's entry 1 differs (index 1 term 1: already a failure)
               )
    v = verdict(header("raft"), ev, "consensus.log_matching")
    assert not v.ok and v.seq == 3 and v.related == (0,)


def test_log_matching_fails_on_a_different_prefix_only():
    # c holds (2, term 2) like a, but its entry 1 is of another term: a gap in the prefix
    ev = trace(ap("a", 1, 1, "x"), ap("a", 2, 2, "y"),
               ap("c", 1, 3, "w"), ap("c", 2, 2, "y"))
    v = verdict(header("raft"), ev, "consensus.log_matching")
    assert not v.ok and v.seq == 3 and v.related == (1,)
    assert "index 2" in v.reason()


def test_log_matching_holds_after_a_truncation():
    ev = trace(ap("a", 1, 1, "x"), ap("b", 1, 1, "x"), ap("b", 2, 1, "lost"),
               ap("a", 2, 2, "y"),
               ("b", "raft_truncate", {"index": 2}), ap("b", 2, 2, "y"), ap("c", 1, 1, "x"),
               ap("c", 2, 2, "y"))
    v = verdict(header("raft"), ev, "consensus.log_matching")
    assert v.ok and v.checked == 7


def test_log_matching_a_crash_that_loses_state_empties_the_log():
    ev = trace(ap("a", 1, 1, "x"), ("a", "crash", {"state": "lost"}), ap("a", 1, 2, "q"),
               ap("a", 2, 2, "r"), ap("b", 1, 2, "q"), ap("b", 2, 2, "r"))
    v = verdict(header("raft", kept=False), ev, "consensus.log_matching")
    assert v.ok
    # kept: the log keeps entry 1 of term 1, so a's (2, term 2) differs from b's
    ev = trace(ap("a", 1, 1, "x"), ("a", "crash", {"state": "kept"}), ap("a", 2, 2, "r"),
               ap("b", 1, 2, "q"), ap("b", 2, 2, "r"))
    v = verdict(header("raft"), ev, "consensus.log_matching")
    assert not v.ok and v.seq == 4


def test_leader_completeness_fails_when_a_new_leader_lacks_a_committed_entry():
    ev = trace(("a", "raft_leader", {"term": 1}), ap("a", 1, 1, "x"), ap("b", 1, 1, "x"),
               ("a", "raft_commit", {"index": 1, "term": 1}),
               ("c", "raft_leader", {"term": 2}))
    v = verdict(header("raft"), ev, "consensus.leader_completeness")
    assert not v.ok and v.seq == 4 and v.related == (3,)
    assert "index 1" in v.reason()


def test_leader_completeness_holds_when_the_new_leader_has_it():
    ev = trace(("a", "raft_leader", {"term": 1}), ap("a", 1, 1, "x"), ap("b", 1, 1, "x"),
               ap("a", 2, 1, "uncommitted"),
               ("a", "raft_commit", {"index": 1, "term": 1}),
               ("b", "raft_leader", {"term": 2}))
    v = verdict(header("raft"), ev, "consensus.leader_completeness")
    assert v.ok and v.checked == 1


def test_state_machine_safety_fails_on_different_commands_at_an_index():
    ev = trace(("a", "raft_apply", {"index": 1, "term": 1, "command": "x"}),
               ("b", "raft_apply", {"index": 1, "term": 1, "command": "x"}),
               ("c", "raft_apply", {"index": 1, "term": 2, "command": "y"}))
    v = verdict(header("raft"), ev, "consensus.state_machine_safety")
    assert not v.ok and v.seq == 2 and v.related == (0,)


def test_state_machine_safety_holds_when_commands_agree():
    ev = trace(("a", "raft_apply", {"index": 1, "term": 1, "command": "x"}),
               ("b", "raft_apply", {"index": 1, "term": 1, "command": "x"}),
               ("b", "raft_apply", {"index": 2, "term": 1, "command": "y"}),
               ("a", "raft_apply", {"index": 1, "term": 1, "command": "x"}))
    v = verdict(header("raft"), ev, "consensus.state_machine_safety")
    assert v.ok and v.checked == 4


def test_raft_promised_only_if_no_server_returns_without_its_state():
    lost = header("raft", kept=False, faults=[{"kind": "recover", "host": "a", "at": 5}])
    assert all(not v.promised for v in run_checks(lost, []))
    crash_stop = header("raft", kept=False, faults=[{"kind": "crash", "host": "a", "at": 5}])
    assert all(v.promised for v in run_checks(crash_stop, []))
    byz = header("raft", faults=[{"kind": "byzantine", "host": "a", "at": 5}])
    assert all(not v.promised for v in run_checks(byz, []))


# -- Paxos -------------------------------------------------------------------------------------

def test_paxos_agreement_fails_on_two_values():
    ev = trace(("a", "paxos_propose", {"value": "va", "ballot": [1, "a"]}),
               ("b", "paxos_propose", {"value": "vb", "ballot": [1, "b"]}),
               ("a", "paxos_learn", {"value": "va", "ballot": [1, "a"]}),
               ("c", "paxos_learn", {"value": "vb", "ballot": [1, "b"]}))
    v = verdict(header("paxos"), ev, "consensus.paxos_agreement")
    assert not v.ok and v.seq == 3 and v.related == (2,)


def test_paxos_agreement_holds_on_one_value():
    ev = trace(("a", "paxos_propose", {"value": "va", "ballot": [1, "a"]}),
               ("a", "paxos_learn", {"value": "va", "ballot": [1, "a"]}),
               ("c", "paxos_learn", {"value": "va", "ballot": [2, "b"]}))
    v = verdict(header("paxos"), ev, "consensus.paxos_agreement")
    assert v.ok and v.checked == 2


def test_paxos_validity_fails_on_a_value_never_proposed():
    ev = trace(("a", "paxos_propose", {"value": "va", "ballot": [1, "a"]}),
               ("b", "paxos_learn", {"value": "forged", "ballot": [1, "a"]}))
    v = verdict(header("paxos"), ev, "consensus.paxos_validity")
    assert not v.ok and v.seq == 1 and "forged" in v.reason()


def test_paxos_validity_holds_on_a_proposed_value():
    ev = trace(("b", "paxos_propose", {"value": "vb", "ballot": [1, "b"]}),
               ("a", "paxos_learn", {"value": "vb", "ballot": [1, "b"]}))
    v = verdict(header("paxos"), ev, "consensus.paxos_validity")
    assert v.ok and v.checked == 1
