"""Logical clocks: Lamport's scalar clock and vector clocks.

Each host makes events at exponential intervals (mean ``interval``), up to
``count`` of them (0: no limit): with probability ``send_ratio`` an event is
the send of a message to a random peer, otherwise a local event. Every
message carries the clock in its payload; its delivery is a receive event.
The clock lives in ``node.state``, so whether it survives a crash follows the
host's ``failures.state_on_crash``.

Lamport: each event sets ``L = L + 1``; a receive sets ``L = max(L, ts) + 1``
where ``ts`` is the message's timestamp. Vector: each event adds one to the
host's own entry; a receive first takes the entry-wise maximum with the
message's vector. A vector is a dict host -> count (missing entries are 0);
on screen it is a list in the scenario's order of the group's hosts.

Message payloads: ``{"type": "lamport_msg", "ts": L}``,
``{"type": "vector_msg", "vector": {host: count}}``. A corrupted message, or
one whose clock is not well formed, is discarded (it is no receive event).

App events (written before the send an event makes, so the trace's own order
puts a send event after it):

- ``lamport_event``: ``kind`` (local | send | receive), ``ts`` (the event's
  Lamport timestamp), ``peer`` (destination of a send, source of a receive;
  None for a local event);
- ``vector_event``: ``kind``, ``vector`` (the event's timestamp, host ->
  count), ``peer``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from sandbox.scenario.builtin import clocks as P

from ..network import Message
from ..node import Node


def _group(node: Node, peers: list[str]) -> list[str]:
    """The host and its peers (the given ones, or all), in scenario order."""
    members = set(peers or node.peers) | {node.id}
    return [h for h in node.hosts if h in members]


def _events(node: Node, params: Any, step: Any) -> Generator:
    """Make the host's own events: ``step(peer)`` with a peer (a send) or None (local)."""
    peers = [p for p in (params.peers or node.peers) if p != node.id]
    rate = 1.0 / params.interval
    made = node.state.get("made", 0)
    while params.count == 0 or made < params.count:
        yield from node.sleep(int(node.rng.expovariate(rate)))
        made += 1
        node.state["made"] = made
        if peers and node.rng.random() < params.send_ratio:
            step(node.rng.choice(peers))
        else:
            step(None)


def lamport(node: Node, params: P.LamportParams) -> Generator:
    """Lamport clocks: local events and messages to random peers, each with its timestamp."""
    state = node.state
    state.setdefault("lamport", 0)
    node.report_state(clock=state["lamport"])

    def step(peer: str | None) -> None:
        state["lamport"] += 1
        ts = state["lamport"]
        node.app("lamport_event", kind="local" if peer is None else "send", ts=ts, peer=peer)
        if peer is not None:
            node.send(peer, {"type": "lamport_msg", "ts": ts}, 32)
        node.report_state(clock=ts)

    def on_message(msg: Message) -> None:
        ts = msg.payload.get("ts") if isinstance(msg.payload, dict) else None
        if msg.corrupted or not isinstance(ts, int) or isinstance(ts, bool):
            return
        state["lamport"] = max(state["lamport"], ts) + 1
        node.app("lamport_event", kind="receive", ts=state["lamport"], peer=msg.src)
        node.report_state(clock=state["lamport"])

    node.on_message("lamport_msg", on_message)
    node.handler = lambda msg: None
    yield from _events(node, params, step)


def _vector_of(value: Any) -> dict[str, int] | None:
    if not isinstance(value, dict):
        return None
    for k, v in value.items():
        if not isinstance(k, str) or not isinstance(v, int) or isinstance(v, bool) or v < 0:
            return None
    return value


def vector_clock(node: Node, params: P.VectorClockParams) -> Generator:
    """Vector clocks: local events and messages to random peers, each with its vector."""
    state = node.state
    vector: dict[str, int] = state.setdefault("vector", {})
    group = _group(node, params.peers)

    def show() -> None:
        node.report_state(vector=[vector.get(h, 0) for h in group])

    def stamp() -> dict[str, int]:
        return {h: vector[h] for h in sorted(vector)}

    def step(peer: str | None) -> None:
        vector[node.id] = vector.get(node.id, 0) + 1
        ts = stamp()
        node.app("vector_event", kind="local" if peer is None else "send", vector=ts, peer=peer)
        if peer is not None:
            node.send(peer, {"type": "vector_msg", "vector": ts}, 16 + 16 * len(ts))
        show()

    def on_message(msg: Message) -> None:
        other = _vector_of(msg.payload.get("vector")) if isinstance(msg.payload, dict) else None
        if msg.corrupted or other is None:
            return
        for h in sorted(other):
            if other[h] > vector.get(h, 0):
                vector[h] = other[h]
        vector[node.id] = vector.get(node.id, 0) + 1
        node.app("vector_event", kind="receive", vector=stamp(), peer=msg.src)
        show()

    show()
    node.on_message("vector_msg", on_message)
    node.handler = lambda msg: None
    yield from _events(node, params, step)

