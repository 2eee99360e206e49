"""Raft: leader election and log replication (Ongaro and Ousterhout, 2014).

Every host that runs ``raft`` is a server of one cluster: the hosts named in
the ``members`` parameter (this host is always one of them) or, when it is
empty, this host and all its peers (the node API cannot tell which peers run
raft, so a scenario with other hosts names the members).

A server is a follower, a candidate or a leader. A follower that hears no
leader for a randomised election timeout (drawn from ``node.rng`` between
``election_min`` and ``election_max``) becomes a candidate: it raises its term,
votes for itself and asks the others for their votes (RequestVote); a server
grants one vote per term, to a candidate whose log is at least as up to date as
its own. A candidate with the votes of a majority leads the term. The leader
sends AppendEntries to every follower: heartbeats (empty) every ``heartbeat``
and the entries a follower lacks, each request carrying the index and term of
the entry before them (the log consistency check: a follower whose log does not
hold that entry refuses, and the leader retries from further back). An entry of
the leader's current term is committed once a majority of the servers hold it
(their match index); earlier entries are committed with it. Every server
applies its committed entries in index order.

Commands: the leader makes one command every ``command_interval`` (0: none),
named ``<leader>#<n>``.

Persistent state, as Raft assumes it (currentTerm, votedFor, the log), lives in
``node.state``: it survives a crash only when the host keeps its state
(``failures.state_on_crash = kept``), which is what Raft assumes. A server
that recovers without it starts empty, as a new server with the same name, and
the safety guarantees are then no longer promised. The commit index and what
was applied are volatile: after a recovery a server learns the commit index
from the leader and applies its log again from index 1.

Messages (payload ``type``): ``raft_vote_req`` (term, last_index, last_term),
``raft_vote`` (term, granted), ``raft_append`` (term, prev_index, prev_term,
entries as [term, command] lists, commit), ``raft_append_ok`` (term, success,
match: the last index known to match, or the follower's log length on a
refusal).

App events:

- ``raft_leader`` (term): this host became the leader of ``term``;
- ``raft_append`` (index, term, command): an entry was stored in this host's
  log at ``index`` (made by the leader, or copied from it by a follower);
- ``raft_truncate`` (index): this host removed its entries from ``index`` on
  (they conflicted with the leader's);
- ``raft_commit`` (index, term): the leader of ``term`` advanced its commit
  index to ``index`` (every entry up to it is committed);
- ``raft_apply`` (index, term, command): this host applied the entry at
  ``index`` (of term ``term``) to its state machine.

State reported: role (follower | candidate | leader), term, leader (the leader
this host knows of, or None), commit_index, log_length, voted_for.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from ..network import Message
from ..node import Node
from ._common import kind


def _int(v: Any, default: int = -1) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else default


def _entries(v: Any) -> list[list[Any]] | None:
    """A list of [term, command] entries from a payload, or None when it is malformed."""
    if not isinstance(v, list):
        return None
    out = []
    for e in v:
        if not (isinstance(e, list) and len(e) == 2 and _int(e[0]) >= 0):
            return None
        out.append([e[0], e[1]])
    return out


def raft(node: Node, params: Any) -> Generator:
    """A Raft server: elections with randomised timeouts, log replication, commit, apply."""
    members = list(params.members) or [node.id, *node.peers]
    if node.id not in members:
        members.append(node.id)
    others = [m for m in members if m != node.id]
    majority = len(members) // 2 + 1
    st = node.state
    st.setdefault("term", 0)
    st.setdefault("voted_for", None)
    st.setdefault("log", [])
    st.setdefault("made", 0)
    log: list[list[Any]] = st["log"]

    role = "follower"
    leader: str | None = None
    commit = 0
    applied = 0
    votes: set[str] = set()
    next_index: dict[str, int] = {}
    match_index: dict[str, int] = {}
    per_request = params.max_entries

    def election_deadline() -> int:
        return node.now + node.rng.randint(params.election_min, params.election_max)

    deadline = election_deadline()
    next_beat = 0
    next_command = 0

    def show() -> None:
        node.report_state(role=role, term=st["term"], leader=leader, commit_index=commit,
                          log_length=len(log), voted_for=st["voted_for"])

    def last_term() -> int:
        return log[-1][0] if log else 0

    def step_down(term: int) -> None:
        nonlocal role, leader
        if term > st["term"]:
            st["term"] = term
            st["voted_for"] = None
            leader = None
        role = "follower"

    def send_append(p: str) -> None:
        nxt = next_index.get(p, len(log) + 1)
        prev = nxt - 1
        entries = log[prev:prev + per_request]
        node.send(p, {"type": "raft_append", "term": st["term"], "prev_index": prev,
                      "prev_term": log[prev - 1][0] if prev > 0 else 0,
                      "entries": [list(e) for e in entries], "commit": commit},
                  64 + 32 * len(entries))

    def apply_committed() -> None:
        nonlocal applied
        while applied < commit:
            applied += 1
            e = log[applied - 1]
            node.app("raft_apply", index=applied, term=e[0], command=e[1])

    def advance_commit() -> None:
        nonlocal commit
        for n in range(len(log), commit, -1):
            if log[n - 1][0] != st["term"]:
                break  # only entries of the current term are counted directly
            count = 1 + sum(1 for p in others if match_index.get(p, 0) >= n)
            if count >= majority:
                commit = n
                node.app("raft_commit", index=n, term=st["term"])
                apply_committed()
                return

    def become_leader() -> None:
        nonlocal role, leader, next_beat, next_command
        role, leader = "leader", node.id
        node.app("raft_leader", term=st["term"])
        for p in others:
            next_index[p] = len(log) + 1
            match_index[p] = 0
        for p in others:
            send_append(p)
        next_beat = node.now + params.heartbeat
        next_command = node.now + (params.command_interval or 0)
        if len(members) == 1:
            advance_commit()

    def start_election() -> None:
        nonlocal role, leader, deadline
        node.timer("raft_election")
        role, leader = "candidate", None
        st["term"] += 1
        st["voted_for"] = node.id
        votes.clear()
        votes.add(node.id)
        deadline = election_deadline()
        node.broadcast({"type": "raft_vote_req", "term": st["term"], "last_index": len(log),
                        "last_term": last_term()}, others, 48)
        if len(votes) >= majority:
            become_leader()

    def on_vote_req(msg: Message, p: dict) -> None:
        nonlocal deadline
        term = _int(p.get("term"))
        if term < 0:
            return
        if term > st["term"]:
            step_down(term)
        granted = False
        if term == st["term"] and st["voted_for"] in (None, msg.src):
            li, lt = _int(p.get("last_index")), _int(p.get("last_term"))
            if lt > last_term() or (lt == last_term() and li >= len(log)):
                granted = True
                st["voted_for"] = msg.src
                deadline = election_deadline()
        node.send(msg.src, {"type": "raft_vote", "term": st["term"], "granted": granted}, 32)

    def on_vote(msg: Message, p: dict) -> None:
        term = _int(p.get("term"))
        if term > st["term"]:
            step_down(term)
            return
        if role == "candidate" and term == st["term"] and p.get("granted") is True:
            votes.add(msg.src)
            if len(votes) >= majority:
                become_leader()

    def on_append(msg: Message, p: dict) -> None:
        nonlocal deadline, leader, commit
        term = _int(p.get("term"))
        prev, prev_term = _int(p.get("prev_index")), _int(p.get("prev_term"))
        entries = _entries(p.get("entries"))
        lc = _int(p.get("commit"))
        if term < 0 or prev < 0 or prev_term < 0 or entries is None or lc < 0:
            return
        if term < st["term"]:
            node.send(msg.src, {"type": "raft_append_ok", "term": st["term"], "success": False,
                                "match": len(log)}, 32)
            return
        step_down(term)
        leader = msg.src
        deadline = election_deadline()
        if prev > len(log) or (prev > 0 and log[prev - 1][0] != prev_term):
            node.send(msg.src, {"type": "raft_append_ok", "term": st["term"], "success": False,
                                "match": min(len(log), prev - 1)}, 32)
            return
        for i, e in enumerate(entries):
            index = prev + 1 + i
            if index <= len(log):
                if log[index - 1][0] == e[0]:
                    continue
                del log[index - 1:]
                node.app("raft_truncate", index=index)
            log.append(e)
            node.app("raft_append", index=index, term=e[0], command=e[1])
        last_new = prev + len(entries)
        if lc > commit:
            commit = max(commit, min(lc, last_new))
            apply_committed()
        node.send(msg.src, {"type": "raft_append_ok", "term": st["term"], "success": True,
                            "match": last_new}, 32)

    def on_append_ok(msg: Message, p: dict) -> None:
        term = _int(p.get("term"))
        if term > st["term"]:
            step_down(term)
            return
        if role != "leader" or term != st["term"] or msg.src not in next_index:
            return
        m = _int(p.get("match"))
        if m < 0:
            return
        if p.get("success") is True:
            m = min(m, len(log))
            if m > match_index[msg.src]:
                match_index[msg.src] = m
            next_index[msg.src] = max(next_index[msg.src], m + 1)
            advance_commit()
            if next_index[msg.src] <= len(log):
                send_append(msg.src)
        else:
            next_index[msg.src] = max(1, min(next_index[msg.src] - 1, m + 1))
            send_append(msg.src)

    handlers = {"raft_vote_req": on_vote_req, "raft_vote": on_vote,
                "raft_append": on_append, "raft_append_ok": on_append_ok}
    show()
    while True:
        if role == "leader":
            wake = next_beat if not params.command_interval else min(next_beat, next_command)
        else:
            wake = deadline
        msg = yield from node.receive(timeout=max(0, wake - node.now))
        now = node.now
        if msg is not None:
            p = msg.payload
            fn = handlers.get(kind(msg))
            if fn is not None and not msg.corrupted and msg.src in others and isinstance(p, dict):
                fn(msg, p)
        if role == "leader":
            if params.command_interval and now >= next_command:
                next_command = now + params.command_interval
                if params.commands == 0 or st["made"] < params.commands:
                    st["made"] += 1
                    log.append([st["term"], f"{node.id}#{st['made']}"])
                    node.app("raft_append", index=len(log), term=st["term"],
                             command=log[-1][1])
                    if len(members) == 1:
                        advance_commit()
                    for q in others:
                        if next_index[q] == len(log):
                            send_append(q)
            if now >= next_beat:
                next_beat = now + params.heartbeat
                for q in others:
                    send_append(q)
        elif now >= deadline:
            start_election()
        show()
