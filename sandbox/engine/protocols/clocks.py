"""Clock synchronisation: a time server, Cristian's algorithm and the Berkeley algorithm."""

from __future__ import annotations

from collections.abc import Generator

from sandbox.scenario import behaviours as P

from ..network import Message
from ..node import Node
from ._common import kind


def time_server(node: Node, params: P.TimeServerParams) -> Generator:
    """Answer clock requests with the local time; apply corrections a Berkeley leader sends."""
    while True:
        msg = yield from node.receive()
        if msg is None or msg.corrupted:
            continue
        k = kind(msg)
        if k in ("time_req", "clock_poll"):
            node.send(msg.src, {"type": "time_rep", "req": msg.payload.get("req"),
                                "time": node.clock()}, 48)
        elif k == "clock_adj":
            node.adjust_clock(int(msg.payload.get("delta", 0)), msg.payload.get("mode", "step"),
                              reason=f"berkeley from {msg.src}")


def cristian(node: Node, params: P.CristianParams) -> Generator:
    """Cristian's algorithm: set the clock to the server's time plus half the round trip."""
    n = 0
    while True:
        n += 1
        t0 = node.clock()
        node.send(params.server, {"type": "time_req", "req": n}, 48)

        def match(m: Message, n: int = n) -> bool:
            return kind(m) == "time_rep" and m.payload.get("req") == n and not m.corrupted

        rep = yield from node.receive(timeout=params.timeout, match=match)
        if rep is not None:
            t1 = node.clock()
            estimate = int(rep.payload["time"]) + (t1 - t0) // 2
            node.adjust_clock(estimate - t1, params.mode, reason=f"cristian rtt={t1 - t0}")
        else:
            node.timer("cristian timeout")
        yield from node.sleep(params.interval)


def berkeley(node: Node, params: P.BerkeleyParams) -> Generator:
    """Berkeley algorithm leader: poll, average the clocks (own included), send corrections."""
    peers = [p for p in (params.peers or node.peers) if p != node.id]
    n = 0
    while True:
        yield from node.sleep(params.interval)
        n += 1
        sent_at = node.clock()
        for p in peers:
            node.send(p, {"type": "clock_poll", "req": n}, 32)
        estimates: dict[str, int] = {}
        deadline = node.now + params.timeout

        def is_reply(m: Message, n: int = n) -> bool:
            return kind(m) == "time_rep" and m.payload.get("req") == n

        while len(estimates) < len(peers) and node.now < deadline:
            rep = yield from node.receive(timeout=deadline - node.now, match=is_reply)
            if rep is None:
                break
            if rep.corrupted:
                continue
            now_local = node.clock()
            # The peer's clock now, minus ours: its reading plus half the round trip.
            estimates[rep.src] = int(rep.payload["time"]) + (now_local - sent_at) // 2 - now_local
        if not estimates:
            continue
        avg = sum(estimates.values()) // (len(estimates) + 1)  # own difference is 0
        for p, diff in estimates.items():
            node.send(p, {"type": "clock_adj", "delta": avg - diff, "mode": params.mode}, 32)
        node.adjust_clock(avg, params.mode, reason="berkeley leader")
