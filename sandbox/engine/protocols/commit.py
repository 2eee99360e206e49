"""Two-phase commit: a coordinator (``tpc_coordinator``) and its participants
(``tpc_participant``).

For each transaction the coordinator sends ``tpc_prepare`` to every
participant (again each ``retransmit`` to those that have not voted) and waits
up to ``vote_timeout`` for their votes (``tpc_vote_msg``). It commits only if
every participant voted yes; a no or a missing vote aborts. It forces the
decision to its log (``log_time``; kept in ``node.state``), then sends
``tpc_decision`` to every participant until each acknowledges
(``tpc_ack``), and answers a participant's ``tpc_ask`` with the decision once
it has one.

A participant votes yes with ``yes_probability``. A no vote aborts the
transaction at once (a participant may abort on its own until it votes yes). A
yes vote makes it *prepared*: from then on it may neither commit nor abort on
its own and waits, blocked, for the decision, asking the coordinator again
every ``ask_interval``. If the coordinator crashes after the votes and before
its decision reaches them, the prepared participants stay blocked: 2PC is a
blocking protocol. Prepared transactions are kept in ``node.state``, so a
participant that keeps its state across a crash is still prepared after its
recovery; a coordinator that keeps its state aborts, when it restarts, the
transactions it had begun and not decided.

Transaction ids (``txid``) are ``"<coordinator>/<incarnation>/<n>"``, the
incarnation a random number drawn when the coordinator starts without its
state, so ids are never reused.

App events (``node.app``):

``tpc_begin``    tx, txid, participants: the coordinator starts a transaction (number tx)
``tpc_vote``     tx, txid, coordinator, vote (yes | no): a participant votes
``tpc_decide``   tx, txid, decision (commit | abort), reason (votes | no_vote | timeout |
                 recovery): the coordinator's decision
``tpc_outcome``  tx, txid, coordinator, outcome (commit | abort): the outcome at a participant

State (``node.report_state``): ``phase`` (coordinator: idle | voting | committed |
aborted; participant: idle | prepared | committed | aborted) and ``tx`` (the
transaction's number).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from sandbox.scenario.builtin import coordination as C

from ..network import Message
from ..node import Node
from ._common import kind

_DONE = {"commit": "committed", "abort": "aborted"}


def tpc_coordinator(node: Node, params: C.TpcCoordinatorParams) -> Generator:
    """Run transactions by two-phase commit over the participants (see the module docstring)."""
    parts: list[str] = []
    for h in params.participants or list(node.peers):
        if h != node.id and h not in parts:
            parts.append(h)
    st = node.state
    log: dict[str, str] = st.setdefault("tpc_log", {})  # txid -> decision
    open_tx: dict[str, int] = st.setdefault("tpc_open", {})  # txid -> tx, begun, not decided
    unacked: dict[tuple[str, str], str] = {}  # (txid, participant) -> decision
    inc = st.get("tpc_inc")
    if inc is None:
        inc = st["tpc_inc"] = node.rng.getrandbits(32)

    def decide(tx: int, txid: str, decision: str, reason: str, to: list[str]) -> None:
        log[txid] = decision
        open_tx.pop(txid, None)
        node.app("tpc_decide", tx=tx, txid=txid, decision=decision, reason=reason)
        node.report_state(phase=_DONE[decision], tx=tx)
        for p in to:
            unacked[(txid, p)] = decision
            node.send(p, {"type": "tpc_decision", "txid": txid, "tx": tx,
                          "decision": decision}, 32)

    def on_ask(msg: Message) -> None:
        txid = msg.payload.get("txid")
        if msg.corrupted or not isinstance(txid, str) or txid not in log:
            return  # no decision yet (or forgotten): the participant stays blocked
        node.send(msg.src, {"type": "tpc_decision", "txid": txid, "tx": msg.payload.get("tx"),
                            "decision": log[txid]}, 32)

    def on_ack(msg: Message) -> None:
        if not msg.corrupted:
            unacked.pop((msg.payload.get("txid"), msg.src), None)

    def resend() -> Generator:
        while True:
            yield from node.sleep(params.retransmit)
            for (txid, p), decision in sorted(unacked.items()):
                node.send(p, {"type": "tpc_decision", "txid": txid, "decision": decision}, 32)

    node.on_message("tpc_ask", on_ask)
    node.on_message("tpc_ack", on_ack)
    node.spawn(resend())
    node.report_state(phase="idle")
    for txid, tx in sorted(open_tx.items()):  # begun before a crash, never decided: abort
        decide(tx, txid, "abort", "recovery", parts)
    done = st.get("tpc_count", 0)
    while params.count == 0 or done < params.count:
        yield from node.sleep(params.interval)
        done = st["tpc_count"] = done + 1
        tx = done
        txid = f"{node.id}/{inc}/{tx}"
        open_tx[txid] = tx
        node.app("tpc_begin", tx=tx, txid=txid, participants=list(parts))
        node.report_state(phase="voting", tx=tx)
        votes: dict[str, bool] = {}
        prepare = {"type": "tpc_prepare", "txid": txid, "tx": tx}
        node.broadcast(prepare, parts, 32)
        deadline = node.now + params.vote_timeout
        next_retx = node.now + params.retransmit

        def is_vote(m: Message, txid: str = txid) -> bool:
            return not m.corrupted and kind(m) == "tpc_vote_msg" and m.payload.get("txid") == txid

        no = False
        while len(votes) < len(parts) and not no and node.now < deadline:
            wait = max(1, min(deadline, next_retx) - node.now)
            msg = yield from node.receive(timeout=wait, match=is_vote)
            if msg is None:
                if node.now >= next_retx:
                    node.broadcast(prepare, [p for p in parts if p not in votes], 32)
                    next_retx = node.now + params.retransmit
                continue
            if msg.src in parts and msg.src not in votes:
                votes[msg.src] = msg.payload.get("vote") == "yes"
                no = not votes[msg.src]
        commit = len(votes) == len(parts) and all(votes.values())
        reason = "votes" if commit or no else ("timeout" if votes else "no_vote")
        if params.log_time:
            yield from node.sleep(params.log_time)  # force the decision to the log
        decide(tx, txid, "commit" if commit else "abort", reason, parts)
    while True:
        yield from node.receive(match=lambda m: False)


def tpc_participant(node: Node, params: C.TpcParticipantParams) -> Generator:
    """Vote on each transaction; once prepared, block until the decision is known."""
    st = node.state
    prepared: dict[str, tuple[str, Any]] = st.setdefault("tpc_prepared", {})  # txid -> (coord, tx)
    voted: dict[str, str] = st.setdefault("tpc_voted", {})  # txid -> vote
    outcome: dict[str, str] = st.setdefault("tpc_outcome", {})  # txid -> outcome

    def show(phase: str, tx: Any) -> None:
        node.report_state(phase=phase, tx=tx if isinstance(tx, int) else None)

    if prepared:  # recovered with its state: still uncertain
        show("prepared", prepared[list(prepared)[-1]][1])
    else:
        show("idle", None)
    while True:
        msg = yield from node.receive(timeout=params.ask_interval if prepared else None)
        if msg is None:
            for open_id, (coord, open_tx) in sorted(prepared.items()):
                node.send(coord, {"type": "tpc_ask", "txid": open_id, "tx": open_tx}, 32)
            continue
        if msg.corrupted or not isinstance(msg.payload, dict):
            continue
        k, p = kind(msg), msg.payload
        txid, tx = p.get("txid"), p.get("tx")
        if not isinstance(txid, str):
            continue
        if k == "tpc_prepare":
            if txid in outcome and txid not in voted:
                continue
            vote = voted.get(txid)
            if vote is None:
                vote = voted[txid] = "yes" if node.rng.random() < params.yes_probability else "no"
                node.app("tpc_vote", tx=tx, txid=txid, coordinator=msg.src, vote=vote)
                if vote == "yes":
                    prepared[txid] = (msg.src, tx)
                    show("prepared", tx)
                else:  # may still abort on its own
                    outcome[txid] = "abort"
                    node.app("tpc_outcome", tx=tx, txid=txid, coordinator=msg.src,
                             outcome="abort")
                    show("aborted", tx)
            node.send(msg.src, {"type": "tpc_vote_msg", "txid": txid, "tx": tx, "vote": vote}, 32)
        elif k == "tpc_decision":
            decision = p.get("decision")
            if decision not in _DONE:
                continue
            if txid in prepared:
                coord, tx0 = prepared.pop(txid)
                outcome[txid] = decision
                node.app("tpc_outcome", tx=tx0, txid=txid, coordinator=coord, outcome=decision)
                if prepared:
                    show("prepared", prepared[list(prepared)[-1]][1])
                else:
                    show(_DONE[decision], tx0)
            node.send(msg.src, {"type": "tpc_ack", "txid": txid}, 16)
