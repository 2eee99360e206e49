"""The built-in behaviours (protocols), written against the node API of ``node.py``.

Each is a generator function ``(node, params)``; ``params`` is the validated
parameter model from ``sandbox.scenario.behaviours``. Corrupted messages are
treated as failing their checksum: protocols discard them.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

from sandbox.scenario import behaviours as P

from .network import Message
from .node import Node
from .workload import NS_PER_S, max_rate, rate_function

Behaviour = Callable[[Node, Any], Generator]


def _kind(msg: Message) -> Any:
    p = msg.payload
    return p.get("type") if isinstance(p, dict) else None


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


# -- request / reply ---------------------------------------------------------------------

def rr_server(node: Node, params: P.ServerParams) -> Generator:
    """Serve requests on the host's cores; refuse when the queue is full."""
    cores = simpy.Resource(node.env, capacity=node.spec.cores)
    step_bound = node.sim.step_bound

    def serve(msg: Message) -> Generator:
        with cores.request() as req:
            yield req
            if params.service_dist == "exponential":
                d = int(node.rng.expovariate(1.0 / params.service_time))
            else:
                d = params.service_time
            if step_bound is not None:
                d = min(d, step_bound)
            yield from node.sleep(d)
        node.send(msg.src, {"type": "reply", "req": msg.payload.get("req"), "ok": True})

    while True:
        msg = yield from node.receive()
        if msg is None or msg.corrupted or _kind(msg) != "request":
            continue
        if len(cores.queue) >= params.queue_limit:
            node.send(msg.src, {"type": "reply", "req": msg.payload.get("req"), "ok": False,
                                "busy": True})
            node.app("refused", req=msg.payload.get("req"))
            continue
        node.spawn(serve(msg))


def _request(node: Node, server: str, rid: Any, timeout: int, retries: int,
             size: int = 64) -> Generator:
    """One request with retries; returns the reply payload or None; logs the outcome."""
    start = node.now
    for attempt in range(retries + 1):
        node.send(server, {"type": "request", "req": rid, "try": attempt}, size)

        def match(m: Message, rid: Any = rid) -> bool:
            return _kind(m) == "reply" and m.payload.get("req") == rid and not m.corrupted

        reply = yield from node.receive(timeout=timeout, match=match)
        if reply is not None:
            node.app("request_done", req=rid, latency=node.now - start, tries=attempt + 1,
                     ok=bool(reply.payload.get("ok")))
            return reply.payload
        node.timer(f"timeout r{rid}")
    node.app("request_failed", req=rid, latency=node.now - start, tries=retries + 1)
    return None


def rr_client(node: Node, params: P.ClientParams) -> Generator:
    """Send a request every interval and wait for its reply, with timeout and retries."""
    n = node.state.get("sent", 0)
    while params.count == 0 or n < params.count:
        n += 1
        node.state["sent"] = n
        node.spawn(_request(node, params.server, f"{node.id}-{n}", params.timeout,
                            params.retries, params.size))
        yield from node.sleep(params.interval)


def workload_client(node: Node, params: P.WorkloadClientParams) -> Generator:
    """Send requests at the scenario workload's rate (a non-homogeneous Poisson process)."""
    spec = node.sim.scenario.workload
    rate = rate_function(spec)
    top = max_rate(spec) * params.share
    if top <= 0:
        return
    n = 0
    while True:
        wait = node.rng.expovariate(top) * NS_PER_S
        if wait > node.sim.until:  # a rate so low that nothing more arrives in this run
            return
        yield from node.sleep(int(wait))
        if node.rng.random() * top <= rate(node.now) * params.share:
            n += 1
            server = params.servers[n % len(params.servers)]
            node.spawn(_request(node, server, f"{node.id}-{n}", params.timeout, 0))


# -- failure detection -----------------------------------------------------------------

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
            k = _kind(msg)
            if k == "heartbeat" and msg.src in last:
                last[msg.src] = now
                node.unsuspect(msg.src)
            elif k == "crash_notice" and msg.payload.get("host") in last:
                node.suspect(msg.payload["host"])
                last[msg.payload["host"]] = -(10**18)
        for p in peers:
            if now - last[p] > params.timeout:
                node.suspect(p)


# -- clock synchronisation -------------------------------------------------------------

def time_server(node: Node, params: P.TimeServerParams) -> Generator:
    """Answer clock requests with the local time; apply corrections a Berkeley leader sends."""
    while True:
        msg = yield from node.receive()
        if msg is None or msg.corrupted:
            continue
        k = _kind(msg)
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
            return _kind(m) == "time_rep" and m.payload.get("req") == n and not m.corrupted

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
        while len(estimates) < len(peers) and node.now < deadline:
            rep = yield from node.receive(
                timeout=deadline - node.now,
                match=lambda m, n=n: _kind(m) == "time_rep" and m.payload.get("req") == n)
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


# -- broadcast -------------------------------------------------------------------------

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
        k = _kind(msg)
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


# -- distributed shared memory ------------------------------------------------------------

def dsm_worker(node: Node, params: P.DsmWorkerParams) -> Generator:
    """Read and write the shared address space with an access pattern and think time."""
    mem = node.sim.memory
    pages, page_size = mem.pages, mem.page_size
    hot = max(1, int(pages * params.hot_fraction))
    mine = [p for p in range(pages) if mem.home and mem.home[p] == node.id] or list(range(pages))
    i = node.state.get("done", 0)
    while params.operations == 0 or i < params.operations:
        rng = node.rng
        if params.pattern == "sequential":
            page = i % pages
        elif params.pattern == "random":
            page = rng.randrange(pages)
        elif params.pattern == "hot_spot":
            page = rng.randrange(hot) if rng.random() < 0.9 else rng.randrange(pages)
        else:
            page = mine[i % len(mine)]
        addr = page * page_size + rng.randrange(max(1, page_size // 8)) * 8 % page_size
        if rng.random() < params.write_ratio:
            yield from node.write(addr, rng.randrange(1 << 30))
        else:
            yield from node.read(addr)
        i += 1
        node.state["done"] = i
        if params.think_time:
            yield from node.sleep(params.think_time)


#: Built-in behaviours by name (the same names as ``sandbox.scenario.behaviours.BEHAVIOURS``).
REGISTRY: dict[str, Behaviour] = {
    "idle": idle,
    "ping": ping,
    "rr_server": rr_server,
    "rr_client": rr_client,
    "workload_client": workload_client,
    "heartbeat": heartbeat,
    "time_server": time_server,
    "cristian": cristian,
    "berkeley": berkeley,
    "broadcast": broadcast,
    "dsm_worker": dsm_worker,
}
