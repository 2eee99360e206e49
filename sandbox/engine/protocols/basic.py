"""Basic behaviours: a host that runs nothing, and ping (the benchmark workload)."""

from __future__ import annotations

from collections.abc import Generator

from sandbox.scenario import behaviours as P

from ..node import Node


def idle(node: Node, params: P.IdleParams) -> Generator:
    """Do nothing; messages that arrive are read and forgotten."""
    node.handler = lambda msg: None
    return
    yield


def ping(node: Node, params: P.PingParams) -> Generator:
    """Send to random peers at exponential intervals; arriving messages are consumed."""
    node.handler = lambda msg: None
    peers = [p for p in (params.peers or node.peers) if p != node.id]
    if not peers:
        return
    rate = 1.0 / params.interval
    sent = 0
    while params.count == 0 or sent < params.count:
        yield from node.sleep(int(node.rng.expovariate(rate)))
        node.send(node.rng.choice(peers), {"type": "ping", "n": sent})
        sent += 1
