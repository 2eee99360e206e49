"""Gossip (rumour mongering): push, pull or push-pull rounds spread rumours through a group.

Every ``round`` a host contacts ``fanout`` random members:

- push: it sends them the rumours it is still spreading (its *hot* rumours) in a
  ``gossip_push`` (rumours: a list of [id, hops]); the receiver answers ``gossip_ack``
  (known: the ids it already knew);
- pull: it sends them a ``gossip_pull`` (known: the ids it knows); they answer with a
  ``gossip_reply`` of their hot rumours it lacks (rumours: [id, hops]);
- push_pull: both, in one round.

A rumour stays hot at a host until the stop rule cools it: ``rounds`` (spread it for
``rounds`` rounds after learning it, blind) or ``feedback`` (stop after ``k`` contacts
that already knew it: acks naming it, or pulls that list it). A host starts
``rumours`` rumours of its own, the first at ``start`` and then every ``every``.

App events:

- ``gossip_start`` (rumour): this host starts a rumour;
- ``gossip_infected`` (rumour, from, round, hops): this host learns a rumour from host
  ``from`` in its local round ``round``; ``hops`` is the rumour's distance from its origin;
- ``gossip_stop`` (rumour, round): this host stops spreading a rumour (the stop rule).

State: ``infected`` (flag: it knows a rumour), ``known`` and ``hot`` (numbers of rumours
known and still spread).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from sandbox.scenario.builtin.gossip import GossipParams

from ..network import Message
from ..node import Node
from ._common import kind


def _rumours(value: Any) -> list[tuple[str, int]]:
    """The [id, hops] pairs of a message, the malformed ones left out."""
    out: list[tuple[str, int]] = []
    if isinstance(value, list):
        for item in value:
            if (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)
                    and type(item[1]) is int):
                out.append((item[0], item[1]))
    return out


def _ids(value: Any) -> set[str]:
    return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()


def gossip(node: Node, params: GossipParams) -> Generator:
    """Rumour mongering by push, pull or push-pull rounds with a stop rule."""
    group = sorted(p for p in (params.peers or node.peers) if p != node.id)
    #: rumour id -> hops from its origin (everything this host knows).
    known: dict[str, int] = node.state.setdefault("gossip_known", {})
    #: rumour id -> rounds left (rule rounds) or contacts left (rule feedback).
    hot: dict[str, int] = node.state.setdefault("gossip_hot", {})
    push = params.mode in ("push", "push_pull")
    pull = params.mode in ("pull", "push_pull")
    budget = params.rounds if params.stop == "rounds" else params.k
    rnd = [node.state.get("gossip_round", 0)]

    def show() -> None:
        node.report_state(infected=bool(known), known=len(known), hot=len(hot))

    def learn(rumours: list[tuple[str, int]], src: str) -> None:
        new = False
        for rid, hops in rumours:
            if rid in known:
                continue
            known[rid] = hops + 1
            hot[rid] = budget
            new = True
            node.app("gossip_infected", rumour=rid, **{"from": src}, round=rnd[0], hops=hops + 1)
        if new:
            show()

    def cool(rid: str) -> None:
        if rid in hot:
            del hot[rid]
            node.app("gossip_stop", rumour=rid, round=rnd[0])

    def already_knew(ids: set[str]) -> None:
        """Feedback: contacts that already knew a hot rumour use up its budget."""
        if params.stop != "feedback":
            return
        changed = False
        for rid in sorted(ids):
            if rid in hot:
                hot[rid] -= 1
                if hot[rid] <= 0:
                    cool(rid)
                    changed = True
        if changed:
            show()

    def hot_list(exclude: set[str] | None = None) -> list[list[Any]]:
        return [[rid, known[rid]] for rid in sorted(hot) if not exclude or rid not in exclude]

    def originate() -> Generator:
        done = node.state.get("gossip_started", 0)
        if done == 0:
            yield from node.sleep(params.start)
        for i in range(done, params.rumours):
            if i > done:
                yield from node.sleep(params.every)
            node.state["gossip_started"] = i + 1
            rid = f"{node.id}:{i + 1}"
            if rid not in known:
                known[rid] = 0
                hot[rid] = budget
                node.app("gossip_start", rumour=rid)
                show()

    def rounds() -> Generator:
        # A random phase, so the hosts' rounds are not in lockstep.
        yield from node.sleep(1 + node.rng.randrange(params.round))
        while True:
            rnd[0] += 1
            node.state["gossip_round"] = rnd[0]
            targets = node.rng.sample(group, min(params.fanout, len(group))) if group else []
            if push and hot:
                rumours = hot_list()
                for p in targets:
                    node.send(p, {"type": "gossip_push", "rumours": rumours})
            if pull:
                digest = sorted(known)
                for p in targets:
                    node.send(p, {"type": "gossip_pull", "known": digest}, 32 + 8 * len(digest))
            if params.stop == "rounds" and hot:
                for rid in sorted(hot):
                    hot[rid] -= 1
                    if hot[rid] <= 0:
                        cool(rid)
                show()
            yield from node.sleep(params.round)

    def on_message(msg: Message) -> None:
        k = kind(msg)
        p = msg.payload if isinstance(msg.payload, dict) else {}
        if k == "gossip_push":
            rumours = _rumours(p.get("rumours"))
            node.send(msg.src, {"type": "gossip_ack",
                                "known": sorted(r for r, _ in rumours if r in known)}, 32)
            learn(rumours, msg.src)
        elif k == "gossip_ack":
            already_knew(_ids(p.get("known")))
        elif k == "gossip_pull":
            theirs = _ids(p.get("known"))
            missing = hot_list(theirs)
            if missing:
                node.send(msg.src, {"type": "gossip_reply", "rumours": missing})
            already_knew({rid for rid in hot if rid in theirs})
        elif k == "gossip_reply":
            learn(_rumours(p.get("rumours")), msg.src)

    show()
    if params.rumours:
        node.spawn(originate())
    node.spawn(rounds())
    while True:
        msg = yield from node.receive()
        if msg is not None and not msg.corrupted:
            on_message(msg)
