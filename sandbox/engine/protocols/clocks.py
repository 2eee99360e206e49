"""Clock synchronisation: a time server, Cristian's algorithm, the Berkeley algorithm, and an
NTP-like client and server.

``ntp`` polls its server every interval. An exchange has four timestamps:
t1 (request sent, client clock), t2 (request received, server clock), t3
(reply sent, server clock), t4 (reply received, client clock); its offset is
((t2 - t1) + (t3 - t4)) / 2 and its delay (t4 - t1) - (t3 - t2). The last
``filter`` samples are kept and the one of least delay is used, its offset
less the corrections applied since it was taken. The clock is then corrected
by slewing (``mode: slew``), stepping (``mode: step``), or stepping only when
the offset is larger than ``step_threshold`` (``mode: auto``). Its server is
an ``ntp_server`` (t2 and t3 apart by its service time) or a ``time_server``
(one reading: t2 = t3).

App events (ntp): ``ntp_sample`` with ``t1``, ``t2``, ``t3``, ``t4``,
``offset`` and ``delay`` of the exchange, and ``estimate`` and
``chosen_delay`` of the sample the filter chose.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from typing import Any

from sandbox.scenario import behaviours as P
from sandbox.scenario.builtin import clocks as C
from sandbox.scenario.model import SLEW_PPM

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


def ntp_server(node: Node, params: C.NtpServerParams) -> Generator:
    """An NTP-like server: answers a clock request with the time it arrived (t2) and the time
    the reply leaves (t3), ``service_time`` later."""

    def answer(msg: Message, t2: int) -> Generator:
        if params.service_time:
            yield from node.sleep(params.service_time)
        t3 = node.clock()
        node.send(msg.src, {"type": "time_rep", "req": msg.payload.get("req"), "time": t3,
                            "t2": t2, "t3": t3}, 64)

    while True:
        msg = yield from node.receive()
        if msg is None or msg.corrupted or kind(msg) != "time_req":
            continue
        node.spawn(answer(msg, node.clock()))


_SLEW_SPEED = SLEW_PPM * 1e-6


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def ntp(node: Node, params: C.NtpParams) -> Generator:
    """NTP-like synchronisation: four timestamps per exchange, the least-delay sample of the
    last few, and a correction by slewing, or stepping when the offset is large."""
    samples: deque[tuple[int, int, int]] = deque(maxlen=params.filter)  # offset, delay, applied
    # The corrections applied before the current slew, the slew's delta and its local start.
    slew = [0, 0, 0]

    def applied() -> int:
        """The correction the clock has taken so far (a slew is taken at the slew rate)."""
        base, delta, start = slew
        if delta == 0:
            return base
        done = min(abs(delta), int(max(0, node.clock() - start) * _SLEW_SPEED))
        return base + (done if delta > 0 else -done)

    n = 0
    while True:
        n += 1
        t1 = node.clock()
        node.send(params.server, {"type": "time_req", "req": n}, 48)

        def match(m: Message, n: int = n) -> bool:
            return (kind(m) == "time_rep" and m.payload.get("req") == n
                    and m.src == params.server)

        rep = yield from node.receive(timeout=params.timeout, match=match)
        t4 = node.clock()
        if rep is None:
            node.timer("ntp timeout")
        elif not rep.corrupted:
            p = rep.payload
            t2 = _int(p.get("t2", p.get("time")))
            t3 = _int(p.get("t3", p.get("time")))
            if t2 is not None and t3 is not None and t3 >= t2:
                offset = ((t2 - t1) + (t3 - t4)) // 2
                delay = (t4 - t1) - (t3 - t2)
                if delay >= 0:
                    now_applied = applied()
                    samples.append((offset, delay, now_applied))
                    best = min(samples, key=lambda s: s[1])
                    # the chosen sample's offset, less what the clock was corrected since
                    estimate = best[0] - (now_applied - best[2])
                    node.app("ntp_sample", t1=t1, t2=t2, t3=t3, t4=t4, offset=offset,
                             delay=delay, estimate=estimate, chosen_delay=best[1])
                    step = params.mode == "step" or (
                        params.mode == "auto" and abs(estimate) > params.step_threshold)
                    if step:
                        node.adjust_clock(estimate, "step", reason=f"ntp delay={best[1]}")
                        slew[:] = [now_applied + estimate, 0, 0]
                    else:
                        node.adjust_clock(estimate, "slew", reason=f"ntp delay={best[1]}")
                        slew[:] = [now_applied, estimate, node.clock()]
                    node.report_state(offset=estimate, delay=best[1])
        yield from node.sleep(params.interval)
