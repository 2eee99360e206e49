"""Request/reply: a server on the host's cores, a client with timeouts and retries, and a
client that follows the scenario's workload rate profile."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from sandbox.scenario import behaviours as P

from ..network import Message
from ..node import Node
from ..workload import NS_PER_S, max_rate, rate_function
from ._common import kind


def rr_server(node: Node, params: P.ServerParams) -> Generator:
    """Serve requests on the host's cores; refuse when the queue is full."""
    cores = node.resource(node.cores)
    step_bound = node.step_bound

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
        if msg is None or msg.corrupted or kind(msg) != "request":
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
            return kind(m) == "reply" and m.payload.get("req") == rid and not m.corrupted

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
    spec = node.workload
    rate = rate_function(spec)
    top = max_rate(spec) * params.share
    if top <= 0:
        return
    n = 0
    while True:
        wait = node.rng.expovariate(top) * NS_PER_S
        if wait > node.run_end:  # a rate so low that nothing more arrives in this run
            return
        yield from node.sleep(int(wait))
        if node.rng.random() * top <= rate(node.now) * params.share:
            n += 1
            server = params.servers[n % len(params.servers)]
            node.spawn(_request(node, server, f"{node.id}-{n}", params.timeout, 0))
