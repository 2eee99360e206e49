"""Broadcast: best-effort, or reliable (relay on first receipt, retransmit until acknowledged),
with an ordering layer (:mod:`sandbox.engine.layers.broadcast`) above it.

With ``ordering`` none the behaviour runs its own dissemination (messages ``bcast``: id,
value, origin, retry; ``bcast_ack``: id) and delivers on first receipt; an origin delivers
its own broadcast at once. With an ordering on, it broadcasts through an
:class:`~sandbox.engine.layers.broadcast.OrderedBroadcast` (its messages are described
there) and reports its state.

App events:

- ``bcast_send`` (id, origin, value, and the ordering's fields: ``seq`` for fifo and
  causal, ``deps`` for causal, ``ts`` for total_lamport): a host broadcasts a value (only
  with an ordering on; with none, the origin's own ``bcast_deliver`` marks the broadcast);
- ``bcast_deliver`` (id, origin, value; with an ordering on also ``seq`` (fifo, causal),
  ``order`` (total_sequencer: the sequence number) or ``ts`` (total_lamport)): a host
  delivers a value.

State (with an ordering on): ``delivered`` and ``held_back`` (numbers); for
total_sequencer ``sequencer`` (text) and ``next_seq`` (number).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from sandbox.scenario import behaviours as P

from ..layers.broadcast import OrderedBroadcast
from ..node import Node
from ._common import kind


def broadcast(node: Node, params: P.BroadcastParams) -> Generator:
    """Best-effort broadcast, or reliable: relay on first receipt, retransmit until acked;
    with an ordering on, through the ordering layer."""
    if params.ordering != "none":
        yield from _ordered(node, params)
        return
    peers = [p for p in (params.peers or node.peers) if p != node.id]
    delivered: set[Any] = node.state.setdefault("delivered", set())
    unacked: dict[tuple[Any, str], int] = {}
    reliable = params.mode == "reliable"

    def transmit(bid: Any, value: Any, origin: str, to: list[str]) -> None:
        for p in to:
            node.send(p, {"type": "bcast", "id": bid, "value": value, "origin": origin})
            if reliable:
                unacked[(bid, p)] = 0

    def deliver(bid: Any, value: Any, origin: str) -> None:
        delivered.add(bid)
        node.app("bcast_deliver", id=bid, origin=origin, value=value)

    def originate() -> Generator:
        for i in range(node.state.get("originated", 0), params.count):
            yield from node.sleep(params.interval)
            node.state["originated"] = i + 1
            bid = f"{node.id}#{i + 1}"
            value = node.rng.randrange(1000)
            values[bid] = (value, node.id)  # so that its own copies are retransmitted too
            deliver(bid, value, node.id)
            transmit(bid, value, node.id, peers)

    def retransmit() -> Generator:
        while True:
            yield from node.sleep(params.retransmit)
            for (bid, p), tries in list(unacked.items()):
                if tries >= 50:
                    del unacked[(bid, p)]
                    continue
                unacked[(bid, p)] = tries + 1
                info = values.get(bid)
                if info is not None:
                    node.send(p, {"type": "bcast", "id": bid, "value": info[0],
                                  "origin": info[1], "retry": tries + 1})

    values: dict[Any, tuple[Any, str]] = {}
    if params.count:
        node.spawn(originate())
    if reliable:
        node.spawn(retransmit())
    while True:
        msg = yield from node.receive()
        if msg is None or msg.corrupted:
            continue
        k = kind(msg)
        if k == "bcast_ack":
            unacked.pop((msg.payload.get("id"), msg.src), None)
        elif k == "bcast":
            bid, value, origin = msg.payload.get("id"), msg.payload.get("value"), msg.payload.get("origin")
            if reliable:
                node.send(msg.src, {"type": "bcast_ack", "id": bid}, 16)
            if bid in delivered:
                continue
            values[bid] = (value, origin)
            deliver(bid, value, origin)
            if reliable:
                transmit(bid, value, origin, [p for p in peers if p not in (msg.src, origin)])


def _ordered(node: Node, params: P.BroadcastParams) -> Generator:
    """The broadcast behaviour with an ordering layer above its dissemination."""
    total_seq = params.ordering == "total_sequencer"

    def deliver(bid: str, origin: str, value: Any, info: dict[str, Any]) -> None:
        node.app("bcast_deliver", id=bid, origin=origin, value=value, **info)

    def announce(bid: str, value: Any, fields: dict[str, Any]) -> None:
        node.app("bcast_send", id=bid, origin=node.id, value=value, **fields)

    def show() -> None:
        fields: dict[str, Any] = {"delivered": layer.delivered, "held_back": layer.held_back}
        if total_seq:
            fields["sequencer"] = layer.sequencer
            fields["next_seq"] = layer.next_seq
        node.report_state(**fields)

    layer = OrderedBroadcast(
        node, deliver, ordering=params.ordering, mode=params.mode, members=list(params.peers),
        retransmit=params.retransmit, store=node.state.setdefault("ordered", {}), on_send=announce,
        on_change=show)
    show()

    def originate() -> Generator:
        for i in range(node.state.get("originated", 0), params.count):
            yield from node.sleep(params.interval)
            node.state["originated"] = i + 1
            layer.broadcast(node.rng.randrange(1000))

    if params.count:
        node.spawn(originate())
    while True:  # the layer takes its messages; anything else is not for this behaviour
        yield from node.receive()
