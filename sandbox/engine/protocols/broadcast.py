"""Broadcast: best-effort, or reliable (relay on first receipt, retransmit until acknowledged)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from sandbox.scenario import behaviours as P

from ..node import Node
from ._common import kind


def broadcast(node: Node, params: P.BroadcastParams) -> Generator:
    """Best-effort broadcast, or reliable: relay on first receipt, retransmit until acked."""
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
