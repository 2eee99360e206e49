"""Checkers of the rpc protocols' guarantees (see the base module).

They read the RPC layer's app events (:mod:`sandbox.engine.layers.rpc`):
``rpc_execute`` at a server (``id``, ``client``, ``method``) and ``rpc_return``
at a client (``id``, ``ok``, ...).
"""

from __future__ import annotations

from typing import Any

from ...scenario.registry import QT_TRANSLATE_NOOP
from ..events import TraceEvent
from .base import CheckContext, Checker, register_checker


def _app(ev: TraceEvent) -> tuple[str, dict[str, Any]]:
    data = ev.data or {}
    name = data.get("name")
    return (name if isinstance(name, str) else ""), data


def _key(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


@register_checker
class AtMostOnce(Checker):
    """No request id is executed twice by a server."""

    name = "rpc.at_most_once"
    title = QT_TRANSLATE_NOOP("Check", "RPC at most once")
    description = QT_TRANSLATE_NOOP(
        "Check", "No server executes a request (a call's id) more than once, whatever the "
                 "retries and duplicates. Promised when every RPC server's semantics is "
                 "at_most_once.")
    kinds = frozenset({"app"})

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self._first: dict[tuple[str, str], int] = {}

    @classmethod
    def promised(cls, ctx: CheckContext) -> bool:
        servers = ctx.running("rpc_server")
        return bool(servers) and all(
            getattr(ctx.params_of(h), "semantics", None) == "at_most_once" for h in servers)

    def feed(self, ev: TraceEvent) -> None:
        name, data = _app(ev)
        if name != "rpc_execute":
            return
        self.checked += 1
        key = (ev.host, _key(data.get("id")))
        first = self._first.get(key)
        if first is not None:
            self.fail(ev, QT_TRANSLATE_NOOP(
                "Check", "{host} executes request {id} of {client} a second time"),
                related=(first,), host=ev.host, id=key[1], client=data.get("client"))
            return
        self._first[key] = ev.seq


@register_checker
class AtLeastOnce(Checker):
    """Every call that returned ok was executed at least once."""

    name = "rpc.at_least_once"
    title = QT_TRANSLATE_NOOP("Check", "RPC at least once")
    description = QT_TRANSLATE_NOOP(
        "Check", "Every call that returned success was executed by a server at least once "
                 "before it returned. A call that returned failure (no reply after its "
                 "retries) may or may not have been executed: nothing is claimed of it.")
    kinds = frozenset({"app"})

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self._executed: set[str] = set()

    def feed(self, ev: TraceEvent) -> None:
        name, data = _app(ev)
        if name == "rpc_execute":
            self._executed.add(_key(data.get("id")))
        elif name == "rpc_return" and data.get("ok") is True:
            self.checked += 1
            rid = _key(data.get("id"))
            if rid not in self._executed:
                self.fail(ev, QT_TRANSLATE_NOOP(
                    "Check", "call {id} of {host} returned success but no server executed it"),
                    host=ev.host, id=rid)
