"""Remote procedure call: a counter service whose double execution shows, and a client that
calls it with timeouts and retries, both on the RPC layer (:mod:`sandbox.engine.layers.rpc`).

``rpc_server`` serves two methods on a counter kept in ``node.state``:
``increment`` (args ``{"amount": n}``, returns the new value) and ``read``
(returns the value); each takes the service time. Its semantics is
at-least-once (every request that arrives is executed) or at-most-once (a
table of executed request ids answers retries).

``rpc_client`` calls the server every interval, ``read`` with probability
``read_ratio`` and ``increment`` by 1 otherwise, each call with its timeout and
retries; calls run concurrently.

App events, besides the layer's ``rpc_call``, ``rpc_return``, ``rpc_execute``
and ``rpc_duplicate`` (see the layer):

- ``request_done`` (client, a reply came): ``req`` (the request id),
  ``latency`` (ns), ``tries``, ``ok``;
- ``request_failed`` (client, no reply after the last try): ``req``,
  ``latency``, ``tries``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from sandbox.scenario.builtin import rpc as P

from ..layers.rpc import Rpc
from ..node import Node


def rpc_server(node: Node, params: P.RpcServerParams) -> Generator:
    """A counter served by RPC, at least once or at most once."""
    rpc = Rpc(node)
    state = node.state
    state.setdefault("counter", 0)
    state.setdefault("executed", 0)

    def service() -> Generator:
        d = params.service_time
        if node.step_bound is not None:
            d = min(d, node.step_bound)
        if d:
            yield from node.sleep(d)

    def show() -> None:
        node.report_state(value=state["counter"], executed=state["executed"],
                          table=len(state.get("rpc_table", {})))

    def increment(args: Any) -> Generator:
        amount = args.get("amount", 1) if isinstance(args, dict) else 1
        if not isinstance(amount, int) or isinstance(amount, bool):
            amount = 1
        state["executed"] += 1
        yield from service()
        state["counter"] += amount
        show()
        return state["counter"]

    def read(args: Any) -> Generator:
        state["executed"] += 1
        yield from service()
        show()
        return state["counter"]

    rpc.serve({"increment": increment, "read": read}, semantics=params.semantics)
    show()
    node.handler = lambda msg: None  # anything else that arrives is read and forgotten
    return
    yield


def rpc_client(node: Node, params: P.RpcClientParams) -> Generator:
    """Call the server every interval (read or increment), with timeout and retries."""
    rpc = Rpc(node)
    counts = {"done": 0, "failed": 0}
    node.handler = lambda msg: None

    def show() -> None:
        node.report_state(in_flight=rpc.in_flight, done=counts["done"], failed=counts["failed"])

    def one(method: str, args: Any) -> Generator:
        result = yield from rpc.call(params.server, method, args, timeout=params.timeout,
                                     retries=params.retries)
        if result.error == "timeout":
            counts["failed"] += 1
            node.app("request_failed", req=result.id, latency=result.latency,
                     tries=result.tries)
        else:
            counts["done"] += 1
            node.app("request_done", req=result.id, latency=result.latency,
                     tries=result.tries, ok=result.ok)
        show()

    n = node.state.get("sent", 0)
    show()
    while params.count == 0 or n < params.count:
        n += 1
        node.state["sent"] = n
        if node.rng.random() < params.read_ratio:
            method, args = "read", None
        else:
            method, args = "increment", {"amount": 1}
        node.spawn(one(method, args))
        yield from node.sleep(0)  # the call has begun
        show()
        yield from node.sleep(params.interval)
