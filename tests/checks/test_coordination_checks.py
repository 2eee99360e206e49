"""The coordination checkers on hand-made traces: each one failing where its guarantee is
broken and passing where it holds, and what each configuration promises."""

from __future__ import annotations

import json

from sandbox.trace import TraceEvent
from sandbox.trace.checks import run_checks

MS = 1_000_000
S = 1_000_000_000


def header(hosts: dict[str, tuple[str, dict]], faults=(), duration=S, **host_extra) -> dict:
    """A trace header whose scenario has these hosts (id -> (behaviour, params))."""
    out = []
    for h, (name, params) in hosts.items():
        d = {"id": h, "behaviour": {"name": name, "params": params}}
        d.update(host_extra.get(h, {}))
        out.append(d)
    # read back as from a JSONL file: lists, plain ints
    return json.loads(json.dumps({"scenario": {"hosts": out, "links": [], "faults": list(faults),
                                               "run": {"duration": duration, "seed": 1}}}))


class Trace:
    """Events appended in order, seq and time counted for the test."""

    def __init__(self) -> None:
        self.events: list[TraceEvent] = []

    def add(self, t: int, kind: str, host: str, data: dict | None = None) -> TraceEvent:
        e = TraceEvent(len(self.events), t, kind, host, t, None, None, data)
        self.events.append(e)
        return e

    def app(self, t: int, at: str, name: str, **values) -> TraceEvent:
        return self.add(t, "app", at, {"name": name, **values})


def verdict(hdr, events, name):
    [v] = [v for v in run_checks(hdr, events) if v.name == name]
    return v


# -- mutual exclusion ----------------------------------------------------------------------

def mutex_hosts(algorithm="token_ring", n=3):
    return {f"h{i}": ("mutex", {"algorithm": algorithm}) for i in range(n)}


def section(tr: Trace, host: str, req: int, start: int, length: int = 10 * MS) -> None:
    tr.app(start, host, "cs_request", host=host, req=req)
    tr.app(start + MS, host, "cs_enter", host=host, req=req)
    tr.app(start + MS + length, host, "cs_exit", host=host, req=req)


def test_mutual_exclusion_passes_on_sections_one_after_the_other():
    tr = Trace()
    section(tr, "h0", 1, 0)
    section(tr, "h1", 1, 20 * MS)
    section(tr, "h2", 1, 40 * MS)
    v = verdict(header(mutex_hosts()), tr.events, "coordination.mutual_exclusion")
    assert v.ok and v.promised and v.checked == 3


def test_mutual_exclusion_fails_when_two_sections_overlap():
    tr = Trace()
    tr.app(0, "h0", "cs_request", host="h0", req=1)
    first = tr.app(MS, "h0", "cs_enter", host="h0", req=1)
    tr.app(2 * MS, "h1", "cs_request", host="h1", req=1)
    second = tr.app(3 * MS, "h1", "cs_enter", host="h1", req=1)
    tr.app(4 * MS, "h0", "cs_exit", host="h0", req=1)
    v = verdict(header(mutex_hosts()), tr.events, "coordination.mutual_exclusion")
    assert not v.ok and v.seq == second.seq and v.related == (first.seq,)
    assert "h1" in v.reason() and "h0" in v.reason()


def test_a_crash_of_the_holder_ends_its_section():
    tr = Trace()
    tr.app(MS, "h0", "cs_enter", host="h0", req=1)
    tr.add(2 * MS, "crash", "h0")
    tr.app(3 * MS, "h1", "cs_enter", host="h1", req=1)
    hdr = header(mutex_hosts(), faults=[{"kind": "crash", "host": "h0", "at": 2 * MS}])
    assert verdict(hdr, tr.events, "coordination.mutual_exclusion").ok


def test_mutual_exclusion_is_not_promised_for_a_ring_whose_hosts_recover():
    hdr = header(mutex_hosts(), faults=[{"kind": "crash", "host": "h0", "at": MS},
                                        {"kind": "recover", "host": "h0", "at": 2 * MS}])
    assert not verdict(hdr, [], "coordination.mutual_exclusion").promised
    hdr = header(mutex_hosts("ricart_agrawala"),
                 faults=[{"kind": "crash", "host": "h0", "at": MS},
                         {"kind": "recover", "host": "h0", "at": 2 * MS}])
    assert verdict(hdr, [], "coordination.mutual_exclusion").promised


def test_no_starvation_fails_on_a_request_never_granted():
    tr = Trace()
    section(tr, "h0", 1, 0)
    starved = tr.app(100 * MS, "h1", "cs_request", host="h1", req=1)
    tr.app(900 * MS, "h2", "cs_request", host="h2", req=1)  # too near the end to count
    v = verdict(header(mutex_hosts()), tr.events, "coordination.no_starvation")
    assert not v.ok and v.promised and v.seq == starved.seq and "h1" in v.reason()
    assert v.checked == 2


def test_no_starvation_passes_when_every_early_request_is_granted():
    tr = Trace()
    section(tr, "h0", 1, 0)
    section(tr, "h1", 1, 100 * MS)
    tr.app(950 * MS, "h2", "cs_request", host="h2", req=1)  # in the grace window
    v = verdict(header(mutex_hosts()), tr.events, "coordination.no_starvation")
    assert v.ok and v.checked == 2


def test_no_starvation_excuses_a_host_that_crashes_and_is_not_promised_with_crashes():
    tr = Trace()
    tr.app(100 * MS, "h1", "cs_request", host="h1", req=1)
    tr.add(200 * MS, "crash", "h1")
    hdr = header(mutex_hosts(), faults=[{"kind": "crash", "host": "h1", "at": 200 * MS}])
    v = verdict(hdr, tr.events, "coordination.no_starvation")
    assert v.ok and not v.promised
    hdr = header(mutex_hosts(), h0={"failures": {"crash_probability": 0.5}})
    assert not verdict(hdr, [], "coordination.no_starvation").promised


# -- leader election -----------------------------------------------------------------------

SYNC = {"synchrony": "synchronous", "delivery_bound": 10 * MS}


def election_header(faults=()):
    hdr = header({f"h{i}": ("election", {}) for i in range(3)}, faults=faults)
    hdr["scenario"]["model"] = SYNC
    return hdr


def test_one_leader_fails_when_two_hosts_lead_at_once():
    tr = Trace()
    first = tr.add(MS, "state", "h2", {"role": "leader", "leader": "h2", "epoch": 1})
    tr.add(2 * MS, "state", "h0", {"role": "follower", "leader": "h2", "epoch": 1})
    second = tr.add(3 * MS, "state", "h1", {"role": "leader", "leader": "h1", "epoch": 2})
    v = verdict(election_header(), tr.events, "coordination.one_leader")
    assert not v.ok and v.promised and v.seq == second.seq and v.related == (first.seq,)
    assert "h1" in v.reason() and "h2" in v.reason()


def test_one_leader_passes_when_the_old_leader_crashed_or_stepped_down():
    tr = Trace()
    tr.add(MS, "state", "h2", {"role": "leader", "leader": "h2", "epoch": 1})
    tr.add(2 * MS, "crash", "h2")
    tr.add(3 * MS, "state", "h1", {"role": "leader", "leader": "h1", "epoch": 2})
    tr.add(4 * MS, "state", "h1", {"role": "follower", "leader": "h0", "epoch": 3})
    tr.add(5 * MS, "state", "h0", {"role": "leader", "leader": "h0", "epoch": 3})
    tr.add(6 * MS, "state", "h0", {"epoch": 4})  # no role: not a change of leadership
    v = verdict(election_header([{"kind": "crash", "host": "h2", "at": 2 * MS}]), tr.events,
                "coordination.one_leader")
    assert v.ok and v.promised and v.checked == 3


def test_one_leader_is_not_promised_across_partitions_or_without_synchrony():
    part = [{"kind": "partition", "sides": [["h0"], ["h1", "h2"]], "start": MS}]
    assert not verdict(election_header(part), [], "coordination.one_leader").promised
    hdr = header({f"h{i}": ("election", {}) for i in range(3)})
    assert not verdict(hdr, [], "coordination.one_leader").promised
    hdr = election_header()
    hdr["scenario"]["model"]["delivery_bound"] = 40 * MS  # 2 x 40 ms > the 50 ms answer timeout
    assert not verdict(hdr, [], "coordination.one_leader").promised


# -- two-phase commit ----------------------------------------------------------------------

TX = "h0/1/1"


def tpc_header(faults=(), **host_extra):
    hosts = {"h0": ("tpc_coordinator", {}), "h1": ("tpc_participant", {}),
             "h2": ("tpc_participant", {})}
    return header(hosts, faults=faults, **host_extra)


def begin(tr: Trace, t: int = 0) -> TraceEvent:
    return tr.app(t, "h0", "tpc_begin", tx=1, txid=TX, participants=["h1", "h2"])


def vote(tr: Trace, t: int, h: str, v: str = "yes") -> TraceEvent:
    return tr.app(t, h, "tpc_vote", tx=1, txid=TX, coordinator="h0", vote=v)


def outcome(tr: Trace, t: int, h: str, o: str) -> TraceEvent:
    return tr.app(t, h, "tpc_outcome", tx=1, txid=TX, coordinator="h0", outcome=o)


def test_atomicity_passes_when_all_voted_yes_and_all_commit():
    tr = Trace()
    begin(tr)
    vote(tr, MS, "h1")
    vote(tr, MS, "h2")
    tr.app(2 * MS, "h0", "tpc_decide", tx=1, txid=TX, decision="commit", reason="votes")
    outcome(tr, 3 * MS, "h1", "commit")
    outcome(tr, 3 * MS, "h2", "commit")
    v = verdict(tpc_header(), tr.events, "coordination.atomicity")
    assert v.ok and v.promised and v.checked == 3


def test_atomicity_fails_on_a_commit_at_one_participant_and_an_abort_at_another():
    tr = Trace()
    begin(tr)
    vote(tr, MS, "h1")
    vote(tr, MS, "h2")
    first = outcome(tr, 3 * MS, "h1", "commit")
    second = outcome(tr, 3 * MS, "h2", "abort")
    v = verdict(tpc_header(), tr.events, "coordination.atomicity")
    assert not v.ok and v.seq == second.seq and v.related == (first.seq,)
    assert "abort at h2" in v.reason() and "commit at h1" in v.reason()


def test_atomicity_fails_on_a_commit_without_every_yes():
    tr = Trace()
    begin(tr)
    no = vote(tr, MS, "h1", "no")
    vote(tr, MS, "h2")
    decide = tr.app(2 * MS, "h0", "tpc_decide", tx=1, txid=TX, decision="commit", reason="votes")
    v = verdict(tpc_header(), tr.events, "coordination.atomicity")
    assert not v.ok and v.seq == decide.seq and v.related == (no.seq,)
    tr = Trace()
    b = begin(tr)
    vote(tr, MS, "h2")
    decide = tr.app(2 * MS, "h0", "tpc_decide", tx=1, txid=TX, decision="commit", reason="votes")
    v = verdict(tpc_header(), tr.events, "coordination.atomicity")
    assert not v.ok and v.seq == decide.seq and v.related == (b.seq,) and "h1" in v.reason()


def test_atomicity_is_not_promised_when_a_participant_recovers_without_its_state():
    faults = [{"kind": "crash", "host": "h1", "at": MS}, {"kind": "recover", "host": "h1",
                                                         "at": 2 * MS}]
    assert not verdict(tpc_header(faults), [], "coordination.atomicity").promised
    kept = {"failures": {"state_on_crash": "kept"}}
    assert verdict(tpc_header(faults, h1=kept, h2=kept), [], "coordination.atomicity").promised


def test_commit_termination_fails_on_a_yes_voter_left_uncertain():
    tr = Trace()
    begin(tr)
    vote(tr, MS, "h1", "no")
    blocked = vote(tr, MS, "h2")
    outcome(tr, 2 * MS, "h1", "abort")
    tr.add(3 * MS, "crash", "h0")
    v = verdict(tpc_header([{"kind": "crash", "host": "h0", "at": 3 * MS}]), tr.events,
                "coordination.commit_termination")
    assert not v.ok and not v.promised and v.seq == blocked.seq and "h2" in v.reason()


def test_commit_termination_passes_when_every_yes_voter_learns_the_outcome():
    tr = Trace()
    begin(tr)
    vote(tr, MS, "h1")
    vote(tr, MS, "h2")
    outcome(tr, 3 * MS, "h1", "commit")
    outcome(tr, 3 * MS, "h2", "commit")
    vote_late = tr.app(950 * MS, "h1", "tpc_vote", tx=2, txid="h0/1/2", coordinator="h0",
                       vote="yes")  # in the grace window: not judged
    v = verdict(tpc_header(), tr.events, "coordination.commit_termination")
    assert v.ok and v.checked == 2 and vote_late.seq == 5
