"""Remote procedure call over the node API: a client that retries after a timeout and a server
that executes requests at least once or at most once.

Client side, from any behaviour's code::

    rpc = Rpc(node)
    result = yield from rpc.call("h2", "increment", {"amount": 1}, timeout=50 * MS, retries=2)
    if result.ok:
        ...  # result.value; result.tries says how many requests were sent

``call`` never raises on a timeout: after the last try it returns a result
with ``ok=False`` and ``error="timeout"``. Every try of a call carries the same
request id, so a server can tell a retry from a new call.

Server side::

    rpc = Rpc(node)
    rpc.serve({"read": lambda args: value, "slow": slow_method}, semantics="at_most_once")

A method is a function of ``args`` that returns the result, or a generator
function (it may ``yield from node.sleep(...)``; its return value is the
result). Semantics:

- ``at_least_once``: every request that arrives is executed, retries and
  network duplicates included;
- ``at_most_once``: the server keeps a table of the request ids it has
  executed, with their results, in ``node.state["rpc_table"]``; a retry of an
  executed request is answered from the table, a retry of one still running
  is ignored (its reply comes when it ends). Whether the table survives a crash
  follows the host's ``failures.state_on_crash``; a request whose execution a
  crash cut short (state kept) is answered ``ok=False, error="interrupted"``.

The layer takes its own message types, ``rpc_req`` and ``rpc_rep``, with
``node.on_message``, so the behaviour's ``receive`` never sees them.
Corrupted messages are discarded.

App events it writes:

- ``rpc_call`` (client): ``id``, ``server``, ``method``, ``try`` (1, 2, ...);
- ``rpc_return`` (client): ``id``, ``server``, ``method``, ``ok``, ``value``,
  ``error`` (None, "timeout", "interrupted", "no_such_method"), ``tries``,
  ``latency`` (ns from the first try);
- ``rpc_execute`` (server, when it starts executing a request): ``id``,
  ``client``, ``method``;
- ``rpc_duplicate`` (server, a request it does not execute again): ``id``,
  ``client``, ``method``, ``answered`` (whether it replied from its table).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import simpy

from ..network import Message
from ..node import Node

__all__ = ["Method", "Rpc", "RpcResult"]

#: A server method: ``fn(args)`` returning the result, or a generator function whose return
#: value is the result.
Method = Callable[[Any], Any]

REQUEST = "rpc_req"
REPLY = "rpc_rep"


@dataclass(frozen=True)
class RpcResult:
    """The outcome of one call: ``ok`` (a reply saying it succeeded came), the ``value``,
    how many requests were sent (``tries``), why it failed (``error``), its latency (ns) and
    its request ``id``."""

    ok: bool
    value: Any = None
    tries: int = 0
    error: str | None = None
    latency: int = 0
    id: str = ""


class Rpc:
    """Remote procedure calls for one host (client side, server side or both)."""

    def __init__(self, node: Node, size: int = 64) -> None:
        self.node = node
        self.size = size
        self._boot = node.rng.getrandbits(24)
        self._next = 0
        self._waiting: dict[str, simpy.Process] = {}
        self._replies: dict[str, dict[str, Any]] = {}
        self._running: set[str] = set()
        self._methods: dict[str, Method] = {}
        self._semantics = "at_least_once"
        #: Calls started and not yet returned (client side).
        self.in_flight = 0
        #: Requests this incarnation has executed (server side).
        self.executed = 0
        node.on_message(REPLY, self._on_reply)

    # -- client ----------------------------------------------------------------------
    def new_id(self) -> str:
        """A request id unique to this host and this incarnation of it."""
        self._next += 1
        return f"{self.node.id}-{self._boot:06x}-{self._next}"

    def call(self, server: str, method: str, args: Any = None, timeout: int = 50_000_000,
             retries: int = 0) -> Generator[simpy.Event, Any, RpcResult]:
        """Call ``method`` on ``server``: send, wait ``timeout`` ns for the reply, retry up to
        ``retries`` times with the same request id (``yield from rpc.call(...)``)."""
        node = self.node
        rid = self.new_id()
        start = node.now
        self.in_flight += 1
        try:
            for attempt in range(1, retries + 2):
                node.app("rpc_call", id=rid, server=server, method=method, **{"try": attempt})
                node.send(server, {"type": REQUEST, "id": rid, "method": method, "args": args,
                                   "try": attempt}, self.size)
                reply = yield from self._await(rid, max(1, int(timeout)))
                if reply is not None:
                    ok = reply.get("ok") is True
                    error = None if ok else str(reply.get("error") or "failed")
                    return self._returned(rid, server, method, ok, reply.get("value") if ok
                                          else None, error, attempt, start)
                node.timer(f"rpc timeout {rid}")
            return self._returned(rid, server, method, False, None, "timeout", retries + 1,
                                  start)
        finally:
            self.in_flight -= 1

    def _returned(self, rid: str, server: str, method: str, ok: bool, value: Any,
                  error: str | None, tries: int, start: int) -> RpcResult:
        latency = self.node.now - start
        self.node.app("rpc_return", id=rid, server=server, method=method, ok=ok, value=value,
                      error=error, tries=tries, latency=latency)
        return RpcResult(ok, value, tries, error, latency, rid)

    def _await(self, rid: str, timeout: int) -> Generator[simpy.Event, Any, dict | None]:
        if rid not in self._replies:
            waiter = self.node.spawn(self._sleep(timeout))
            self._waiting[rid] = waiter
            try:
                yield waiter
            except simpy.Interrupt as exc:  # the waiter interrupted before it began to run
                if exc.cause != "reply":
                    raise
            finally:
                self._waiting.pop(rid, None)
        return self._replies.pop(rid, None)

    def _sleep(self, timeout: int) -> Generator:
        yield from self.node.sleep(timeout)

    def _on_reply(self, msg: Message) -> None:
        if msg.corrupted or not isinstance(msg.payload, dict):
            return
        rid = msg.payload.get("id")
        if not isinstance(rid, str):
            return
        waiter = self._waiting.get(rid)
        if waiter is None or rid in self._replies:
            return  # a late reply, a duplicate, or one for a call that is over
        self._replies[rid] = msg.payload
        if waiter.is_alive:
            waiter.interrupt("reply")

    # -- server ----------------------------------------------------------------------
    def serve(self, methods: Mapping[str, Method],
              semantics: Literal["at_least_once", "at_most_once"] = "at_least_once") -> None:
        """Serve ``methods`` (name -> function of args) with the given semantics."""
        self._methods = dict(methods)
        self._semantics = semantics
        self.node.on_message(REQUEST, self._on_request)

    def table(self) -> dict[str, dict[str, Any]]:
        """The at-most-once table: request id -> {"done": bool, "ok": bool, "value": ...}."""
        table: dict[str, dict[str, Any]] = self.node.state.setdefault("rpc_table", {})
        return table

    def _on_request(self, msg: Message) -> None:
        p = msg.payload
        if msg.corrupted or not isinstance(p, dict):
            return
        rid, method = p.get("id"), p.get("method")
        if not isinstance(rid, str):
            return
        node = self.node
        name = method if isinstance(method, str) else repr(method)
        if self._semantics == "at_most_once":
            table = self.table()
            entry = table.get(rid)
            if entry is not None:
                answered = False
                if entry.get("done"):
                    self._reply(msg.src, rid, bool(entry.get("ok")), entry.get("value"),
                                entry.get("error"))
                    answered = True
                elif rid not in self._running:  # cut short by a crash (state kept)
                    self._reply(msg.src, rid, False, None, "interrupted")
                    answered = True
                node.app("rpc_duplicate", id=rid, client=msg.src, method=name,
                         answered=answered)
                return
            table[rid] = {"done": False}
        fn = self._methods.get(method) if isinstance(method, str) else None
        if fn is None:
            self._finish(msg.src, rid, False, None, "no_such_method")
            return
        node.app("rpc_execute", id=rid, client=msg.src, method=name)
        self.executed += 1
        self._running.add(rid)
        node.spawn(self._execute(fn, p.get("args"), msg.src, rid))

    def _execute(self, fn: Method, args: Any, client: str, rid: str) -> Generator:
        if inspect.isgeneratorfunction(fn):
            value = yield from fn(args)
        else:
            value = fn(args)
        self._running.discard(rid)
        self._finish(client, rid, True, value, None)

    def _finish(self, client: str, rid: str, ok: bool, value: Any, error: str | None) -> None:
        if self._semantics == "at_most_once":
            self.table()[rid] = {"done": True, "ok": ok, "value": value, "error": error}
        self._reply(client, rid, ok, value, error)

    def _reply(self, client: str, rid: str, ok: bool, value: Any, error: str | None) -> None:
        self.node.send(client, {"type": REPLY, "id": rid, "ok": ok, "value": value,
                                "error": error}, self.size)
