"""Single-decree Paxos (Lamport, "Paxos made simple"): the hosts agree on one value.

Every host that runs ``paxos`` is an acceptor and a learner of one group: the
hosts named in ``members`` (this host is always one) or, when it is empty, this
host and all its peers. A host with ``proposer`` on is also a proposer: after a
random delay (``delay_min`` to ``delay_max``, from ``node.rng``) it proposes its
value (``value``, or its host id when empty).

A ballot is a pair (round, proposer id), compared round first, so two
proposers never use the same ballot. Phase 1: the proposer sends
``paxos_prepare`` (ballot) to every acceptor; an acceptor that has promised no
higher ballot promises this one (``paxos_promise``: ballot, and the ballot and
value it last accepted, if any), and refuses otherwise (``paxos_nack``: ballot,
the ballot it promised). With promises from a majority the proposer asks for
the value of the highest ballot accepted among them, or its own value when
none was (phase 2: ``paxos_accept_req``: ballot, value). An acceptor that has
promised no higher ballot accepts it and tells every learner
(``paxos_accepted``: ballot, value). A learner learns the value once a majority
of the acceptors have accepted the same ballot. A proposer that is refused, or
hears too little within ``timeout``, waits a random backoff (up to
``backoff``) and tries again with a higher round, until it learns the value.

An acceptor's promise and accepted ballot and value, the highest round seen and
the value learnt live in ``node.state``: they survive a crash when the host
keeps its state, which Paxos assumes of its acceptors.

App events:

- ``paxos_propose`` (value, ballot): this host proposes ``value`` (its own
  input; once per host, at its first ballot);
- ``paxos_accept`` (value, ballot): this acceptor accepted ``value`` at ``ballot``;
- ``paxos_learn`` (value, ballot): this host learnt that ``value`` is chosen,
  accepted by a majority at ``ballot``.

Ballots in events and messages are [round, host] lists. State reported: phase
(acceptor | waiting | prepare | accept | learnt), promised (the round of the
ballot promised), accepted (the value accepted), chosen (the value learnt).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from ..node import Node
from ._common import kind

Ballot = tuple[int, str]
_NONE: Ballot = (0, "")


def _ballot(v: Any) -> Ballot | None:
    """A ballot from a [round, host] list, or None when it is malformed."""
    if (isinstance(v, list | tuple) and len(v) == 2 and isinstance(v[0], int)
            and not isinstance(v[0], bool) and v[0] >= 0 and isinstance(v[1], str)):
        return (v[0], v[1])
    return None


def paxos(node: Node, params: Any) -> Generator:
    """A Paxos acceptor and learner, and a proposer when ``proposer`` is on."""
    members = list(params.members) or [node.id, *node.peers]
    if node.id not in members:
        members.append(node.id)
    others = [m for m in members if m != node.id]
    majority = len(members) // 2 + 1
    st = node.state
    st.setdefault("promised", [0, ""])
    st.setdefault("accepted", None)  # [ballot, value]
    st.setdefault("round", 0)
    st.setdefault("chosen", None)  # [value, ballot]
    st.setdefault("proposed", False)
    my_value = params.value or node.id

    phase = "acceptor"
    deadline: int | None = None
    ballot: Ballot = _NONE
    promises: dict[str, tuple[Ballot, Any]] = {}
    votes: dict[Ballot, set[str]] = {}

    def promised() -> Ballot:
        return _ballot(st["promised"]) or _NONE

    def show() -> None:
        acc = st["accepted"]
        ch = st["chosen"]
        node.report_state(phase=phase, promised=promised()[0],
                          accepted=None if acc is None else str(acc[1]),
                          chosen=None if ch is None else str(ch[0]))

    def seen(b: Ballot) -> None:
        if b[0] > st["round"]:
            st["round"] = b[0]

    def wait(lo: int, hi: int) -> None:
        nonlocal phase, deadline
        phase = "waiting"
        deadline = node.now + node.rng.randint(lo, hi)

    def learnt(value: Any, b: Ballot) -> None:
        nonlocal phase, deadline
        if st["chosen"] is None:
            st["chosen"] = [value, list(b)]
            node.app("paxos_learn", value=value, ballot=list(b))
        phase, deadline = "learnt", None

    # -- acceptor --------------------------------------------------------------------------
    def on_prepare(src: str, b: Ballot) -> dict:
        seen(b)
        if b >= promised():
            st["promised"] = list(b)
            acc = st["accepted"]
            return {"type": "paxos_promise", "ballot": list(b),
                    "accepted_ballot": None if acc is None else acc[0],
                    "accepted_value": None if acc is None else acc[1]}
        return {"type": "paxos_nack", "ballot": list(b), "promised": list(promised())}

    def on_accept_req(src: str, b: Ballot, value: Any) -> dict | None:
        seen(b)
        if b >= promised():
            st["promised"] = list(b)
            st["accepted"] = [list(b), value]
            node.app("paxos_accept", value=value, ballot=list(b))
            out = {"type": "paxos_accepted", "ballot": list(b), "value": value}
            node.broadcast(out, others, 48)
            on_accepted(node.id, b, value)
            return None
        return {"type": "paxos_nack", "ballot": list(b), "promised": list(promised())}

    # -- learner ---------------------------------------------------------------------------
    def on_accepted(src: str, b: Ballot, value: Any) -> None:
        got = votes.setdefault(b, set())
        got.add(src)
        if len(got) >= majority:
            learnt(value, b)

    # -- proposer --------------------------------------------------------------------------
    def start_round() -> None:
        nonlocal phase, deadline, ballot
        st["round"] += 1
        ballot = (st["round"], node.id)
        if not st["proposed"]:
            st["proposed"] = True
            node.app("paxos_propose", value=my_value, ballot=list(ballot))
        phase = "prepare"
        deadline = node.now + params.timeout
        promises.clear()
        node.broadcast({"type": "paxos_prepare", "ballot": list(ballot)}, others, 32)
        on_promise_reply(node.id, on_prepare(node.id, ballot))

    def on_promise_reply(src: str, reply: dict) -> None:
        nonlocal phase, deadline
        if phase != "prepare" or _ballot(reply.get("ballot")) != ballot:
            return
        if reply["type"] == "paxos_nack":
            back_off(reply)
            return
        acc_b = _ballot(reply.get("accepted_ballot"))
        promises[src] = (acc_b or _NONE, reply.get("accepted_value"))
        if len(promises) >= majority:
            best = max(promises.values(), key=lambda p: p[0])
            value = best[1] if best[0] != _NONE else my_value
            phase = "accept"
            deadline = node.now + params.timeout
            node.broadcast({"type": "paxos_accept_req", "ballot": list(ballot), "value": value},
                           others, 48)
            reply2 = on_accept_req(node.id, ballot, value)
            if reply2 is not None:
                back_off(reply2)

    def back_off(nack: dict) -> None:
        b = _ballot(nack.get("promised"))
        if b is not None:
            seen(b)
        node.timer("paxos_retry")
        wait(0, params.backoff)

    if st["chosen"] is not None:
        phase = "learnt"
    elif params.proposer:
        wait(params.delay_min, params.delay_max)
    show()
    while True:
        timeout = None if deadline is None else max(0, deadline - node.now)
        msg = yield from node.receive(timeout=timeout)
        if msg is not None:
            p = msg.payload
            k = kind(msg)
            if not msg.corrupted and isinstance(p, dict) and msg.src in others:
                b = _ballot(p.get("ballot"))
                if b is not None:
                    if k == "paxos_prepare":
                        node.send(msg.src, on_prepare(msg.src, b), 48)
                    elif k == "paxos_accept_req":
                        r = on_accept_req(msg.src, b, p.get("value"))
                        if r is not None:
                            node.send(msg.src, r, 48)
                    elif k == "paxos_accepted":
                        on_accepted(msg.src, b, p.get("value"))
                    elif k in ("paxos_promise", "paxos_nack"):
                        if phase == "prepare":
                            on_promise_reply(msg.src, p)
                        elif phase == "accept" and k == "paxos_nack" and b == ballot:
                            back_off(p)
        if deadline is not None and node.now >= deadline and st["chosen"] is None:
            if phase == "waiting":
                start_round()
            else:
                node.timer("paxos_timeout")
                wait(0, params.backoff)
        show()
