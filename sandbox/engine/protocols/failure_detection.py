"""Failure detection: a heartbeat detector with a fixed timeout."""

from __future__ import annotations

from collections.abc import Generator

from sandbox.scenario import behaviours as P

from ..node import Node
from ._common import kind


def heartbeat(node: Node, params: P.HeartbeatParams) -> Generator:
    """Send heartbeats every interval; suspect a peer silent for longer than the timeout."""
    peers = [p for p in (params.peers or node.peers) if p != node.id]
    last = {p: node.now for p in peers}

    def beat() -> Generator:
        while True:
            node.broadcast({"type": "heartbeat"}, peers, 32)
            yield from node.sleep(params.interval)

    node.spawn(beat())
    check = max(1, params.interval // 2)
    while True:
        msg = yield from node.receive(timeout=check)
        now = node.now
        if msg is not None and not msg.corrupted:
            k = kind(msg)
            if k == "heartbeat" and msg.src in last:
                last[msg.src] = now
                node.unsuspect(msg.src)
            elif k == "crash_notice" and msg.payload.get("host") in last:
                node.suspect(msg.payload["host"])
                last[msg.payload["host"]] = -(10**18)
        for p in peers:
            if now - last[p] > params.timeout:
                node.suspect(p)
