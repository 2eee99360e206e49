"""Checkers of the gossip protocols' guarantees (see the base module).

They read the ``app`` events of the gossip behaviour (:mod:`sandbox.engine.protocols.gossip`):
``gossip_start`` (a host starts ``rumour``) and ``gossip_infected`` (a host learns
``rumour`` from host ``from``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from ...scenario.registry import QT_TRANSLATE_NOOP
from ..events import TraceEvent
from .base import CheckContext, Checker, register_checker

__all__ = ["CoverageChecker", "GossipIntegrityChecker"]

_BEHAVIOUR = "gossip"
S = 1_000_000_000


class _Rumours(Checker):
    kinds: ClassVar[frozenset[str] | None] = frozenset({"app", "crash"})

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        #: rumour -> (origin, seq, t) of its start.
        self.started: dict[str, tuple[str, int, int]] = {}

    def feed(self, ev: TraceEvent) -> None:
        if ev.kind == "crash":
            self.crashed(ev)
            return
        d = ev.data or {}
        rid = d.get("rumour")
        if not isinstance(rid, str):
            return
        if d.get("name") == "gossip_start":
            self.started.setdefault(rid, (ev.host, ev.seq, ev.t))
            self.learned(ev, rid, None)
        elif d.get("name") == "gossip_infected":
            src = d.get("from")
            self.learned(ev, rid, src if isinstance(src, str) else "")

    def learned(self, ev: TraceEvent, rid: str, src: str | None) -> None:
        """``ev.host`` started (``src`` None) or learned ``rid``."""

    def crashed(self, ev: TraceEvent) -> None:
        """``ev.host`` crashed."""


@register_checker
class GossipIntegrityChecker(_Rumours):
    name = "gossip.integrity"
    title = QT_TRANSLATE_NOOP("Check", "Gossip integrity")
    description = QT_TRANSLATE_NOOP(
        "Check", "A host learns a rumour at most once, and only a rumour some host started. "
        "A host that lost its state in a crash starts afresh.")

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self._knows: dict[str, dict[str, int]] = {}

    def crashed(self, ev: TraceEvent) -> None:
        if not self.ctx.state_kept(ev.host):
            self._knows.pop(ev.host, None)

    def learned(self, ev: TraceEvent, rid: str, src: str | None) -> None:
        knows = self._knows.setdefault(ev.host, {})
        if src is not None:
            self.checked += 1
            if rid in knows:
                self.fail(ev, QT_TRANSLATE_NOOP("Check", "{host} learns {rumour} a second time"),
                          related=(knows[rid],), host=ev.host, rumour=rid)
            elif rid not in self.started:
                self.fail(ev, QT_TRANSLATE_NOOP(
                    "Check", "{host} learns {rumour}, which no host started"),
                    host=ev.host, rumour=rid)
        knows.setdefault(rid, ev.seq)


@register_checker
class CoverageChecker(_Rumours):
    name = "gossip.coverage"
    title = QT_TRANSLATE_NOOP("Check", "Gossip coverage")
    description = QT_TRANSLATE_NOOP(
        "Check", "Every correct member reachable from a rumour's origin over the links learns "
        "the rumour by the end of the run (rumours started near the end are not judged). "
        "Never promised: gossip spreads with high probability, not surely; a stop rule can "
        "cool a rumour before it reaches everyone.")

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self._who: dict[str, set[str]] = {}

    @classmethod
    def promised(cls, ctx: CheckContext) -> bool:
        return False

    def learned(self, ev: TraceEvent, rid: str, src: str | None) -> None:
        self._who.setdefault(rid, set()).add(ev.host)

    def _component(self, origin: str) -> set[str]:
        """The hosts joined to ``origin`` by links (any host relays)."""
        links = self.ctx.scenario.get("links")
        adj: dict[str, set[str]] = {}
        for ln in links if isinstance(links, list) else []:
            if isinstance(ln, dict) and isinstance(ln.get("a"), str) and isinstance(ln.get("b"), str):
                adj.setdefault(ln["a"], set()).add(ln["b"])
                adj.setdefault(ln["b"], set()).add(ln["a"])
        seen, todo = {origin}, [origin]
        while todo:
            for n in sorted(adj.get(todo.pop(), ())):
                if n not in seen:
                    seen.add(n)
                    todo.append(n)
        return seen

    def _members(self, origin: str) -> list[str]:
        p: Any = self.ctx.params_of(origin)
        group = set(p.peers) if p is not None and p.peers else set(self.ctx.hosts)
        reach = self._component(origin)
        return [h for h in self.ctx.running(_BEHAVIOUR) if h in group and h in reach]

    def finish(self) -> None:
        params = [self.ctx.params_of(h) for h in self.ctx.running(_BEHAVIOUR)]
        rnd = max((p.round for p in params if p is not None), default=0)
        deadline = self.ctx.duration - min(self.ctx.duration // 4, max(S, 20 * rnd))
        for rid, (origin, seq, t) in self.started.items():
            if t > deadline:
                continue
            self.checked += 1
            who = self._who.get(rid, set())
            missing = [h for h in self._members(origin) if self.ctx.correct(h) and h not in who]
            if missing:
                self.fail((seq, t), QT_TRANSLATE_NOOP(
                    "Check", "{count} correct hosts never learn {rumour}, started here "
                    "(first: {host})"), count=len(missing), rumour=rid, host=missing[0])
                return
