"""Checkers of the broadcast protocols' guarantees (see the base module).

They read the ``app`` events of the broadcast behaviour (module
:mod:`sandbox.engine.protocols.broadcast`): ``bcast_send`` (a host broadcasts ``id``;
written with an ordering on) and ``bcast_deliver`` (a host delivers ``id`` from ``origin``
with ``value``). With ordering none there is no ``bcast_send``: the origin's own delivery,
which comes at once, marks the broadcast. Hosts are *correct* while they have never
crashed; order guarantees are judged on the deliveries of correct hosts.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ...scenario.registry import QT_TRANSLATE_NOOP
from ..events import TraceEvent
from .base import CheckContext, Checker, register_checker

__all__ = ["AgreementChecker", "CausalOrderChecker", "FifoOrderChecker", "IntegrityChecker",
           "TotalOrderChecker", "ValidityChecker"]

_BEHAVIOUR = "broadcast"
S = 1_000_000_000


def _params(ctx: CheckContext) -> list[Any]:
    """The parameters of every host that runs the broadcast behaviour (None: invalid)."""
    return [ctx.params_of(h) for h in ctx.running(_BEHAVIOUR)]


def _all_orderings(ctx: CheckContext, orderings: tuple[str, ...]) -> bool:
    ps = _params(ctx)
    return bool(ps) and all(p is not None and p.ordering in orderings for p in ps)


def _may_crash(ctx: CheckContext) -> bool:
    """Whether the configuration can crash a host (a crash fault or random failures)."""
    faults = ctx.scenario.get("faults")
    if isinstance(faults, list) and any(isinstance(f, dict) and f.get("kind") == "crash"
                                        for f in faults):
        return True
    for h in ctx.hosts:
        f = ctx.host_spec(h).get("failures")
        if isinstance(f, dict) and (f.get("mttf") is not None or (f.get("crash_probability") or 0) > 0):
            return True
    return False


def _reliable_promise(ctx: CheckContext) -> bool:
    """Validity and agreement: reliable mode everywhere; a total order blocks while a member
    is down, so with one it is promised only when no host can crash."""
    ps = _params(ctx)
    if not ps or any(p is None or p.mode != "reliable" for p in ps):
        return False
    if any(p.ordering.startswith("total") for p in ps):
        return not _may_crash(ctx)
    return True


def _grace(ctx: CheckContext) -> int:
    """The end of the run in which a broadcast need not have reached everyone yet."""
    retransmit = max((p.retransmit for p in _params(ctx) if p is not None), default=0)
    return min(ctx.duration // 4, max(2 * S, 20 * retransmit))


class _Broadcasts(Checker):
    """Common reading of the broadcast events: who broadcast what, when; who delivered what."""

    kinds: ClassVar[frozenset[str] | None] = frozenset({"app", "crash"})

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        #: id -> (origin, seq, t) of its (first) broadcast.
        self.sent: dict[str, tuple[str, int, int]] = {}
        #: origin -> ids in the order it broadcast them.
        self.by_origin: dict[str, list[str]] = {}
        #: id -> values it was broadcast with.
        self.values: dict[str, list[Any]] = {}
        self._group: dict[str, list[str]] = {}
        self._announced: set[str] = set()

    def members(self, origin: str) -> list[str]:
        """The hosts that should deliver what ``origin`` broadcasts: those in its group that
        run the broadcast behaviour (the origin included)."""
        if origin not in self._group:
            p = self.ctx.params_of(origin)
            group = set(p.peers) if p is not None and p.peers else set(self.ctx.hosts)
            group.add(origin)
            self._group[origin] = [h for h in self.ctx.running(_BEHAVIOUR) if h in group]
        return self._group[origin]

    def feed(self, ev: TraceEvent) -> None:
        if ev.kind == "crash":
            self.crashed(ev)
            return
        d = ev.data or {}
        name, bid = d.get("name"), d.get("id")
        if name not in ("bcast_send", "bcast_deliver") or not isinstance(bid, str):
            return
        origin = d.get("origin")
        origin = origin if isinstance(origin, str) else ""
        if name == "bcast_send":
            self._announced.add(bid)
            if ev.host == origin:
                self._record(ev, bid, origin, d.get("value"))
            return
        if ev.host == origin and bid not in self._announced:
            self._record(ev, bid, origin, d.get("value"))  # ordering none: own delivery
        self.delivered(ev, bid, origin, d.get("value"))

    def _record(self, ev: TraceEvent, bid: str, origin: str, value: Any) -> None:
        if bid not in self.sent:
            self.sent[bid] = (origin, ev.seq, ev.t)
            self.by_origin.setdefault(origin, []).append(bid)
            self.broadcast(ev, bid, origin)
        self.values.setdefault(bid, []).append(value)

    def broadcast(self, ev: TraceEvent, bid: str, origin: str) -> None:
        """``origin`` broadcast ``bid`` at ``ev``."""

    def delivered(self, ev: TraceEvent, bid: str, origin: str, value: Any) -> None:
        """``ev.host`` delivered ``bid``."""

    def crashed(self, ev: TraceEvent) -> None:
        """``ev.host`` crashed."""


@register_checker
class IntegrityChecker(_Broadcasts):
    name = "broadcast.integrity"
    title = QT_TRANSLATE_NOOP("Check", "Broadcast integrity")
    description = QT_TRANSLATE_NOOP(
        "Check", "No host delivers a message twice, and every delivered message was broadcast "
        "by its origin with that value. A host that lost its state in a crash starts afresh.")

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self._got: dict[str, dict[str, int]] = {}

    def crashed(self, ev: TraceEvent) -> None:
        if not self.ctx.state_kept(ev.host):
            self._got.pop(ev.host, None)

    def delivered(self, ev: TraceEvent, bid: str, origin: str, value: Any) -> None:
        self.checked += 1
        got = self._got.setdefault(ev.host, {})
        if bid in got:
            self.fail(ev, QT_TRANSLATE_NOOP("Check", "{host} delivers {id} a second time"),
                      related=(got[bid],), host=ev.host, id=bid)
        elif bid not in self.sent or self.sent[bid][0] != origin:
            self.fail(ev, QT_TRANSLATE_NOOP(
                "Check", "{host} delivers {id} from {origin}, which {origin} never broadcast"),
                host=ev.host, id=bid, origin=origin)
        elif value not in self.values.get(bid, []):
            self.fail(ev, QT_TRANSLATE_NOOP(
                "Check", "{host} delivers {id} with value {value}, which was not broadcast"),
                related=(self.sent[bid][1],), host=ev.host, id=bid, value=value)
        got[bid] = ev.seq


@register_checker
class FifoOrderChecker(_Broadcasts):
    name = "broadcast.fifo_order"
    title = QT_TRANSLATE_NOOP("Check", "FIFO order")
    description = QT_TRANSLATE_NOOP(
        "Check", "A correct host delivers the messages of one origin in the order that origin "
        "broadcast them, with none skipped. Promised by the fifo, causal and total_lamport "
        "orderings.")

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self._pos: dict[str, int] = {}
        self._got: dict[tuple[str, str], set[int]] = {}
        self._prefix: dict[tuple[str, str], int] = {}

    @classmethod
    def promised(cls, ctx: CheckContext) -> bool:
        return _all_orderings(ctx, ("fifo", "causal", "total_lamport"))

    def broadcast(self, ev: TraceEvent, bid: str, origin: str) -> None:
        self._pos[bid] = len(self.by_origin[origin])

    def delivered(self, ev: TraceEvent, bid: str, origin: str, value: Any) -> None:
        pos = self._pos.get(bid)
        if pos is None or self.sent[bid][0] != origin or not self.ctx.correct(ev.host):
            return
        self.checked += 1
        key = (ev.host, origin)
        got = self._got.setdefault(key, set())
        prefix = self._prefix.get(key, 0)
        if prefix < pos - 1:
            missing = self.by_origin[origin][prefix]
            self.fail(ev, QT_TRANSLATE_NOOP(
                "Check", "{host} delivers {id} before {missing}, which {origin} broadcast "
                "earlier"), related=(self.sent[missing][1], self.sent[bid][1]),
                host=ev.host, id=bid, missing=missing, origin=origin)
        got.add(pos)
        while prefix + 1 in got:
            prefix += 1
        self._prefix[key] = prefix


@register_checker
class CausalOrderChecker(_Broadcasts):
    name = "broadcast.causal_order"
    title = QT_TRANSLATE_NOOP("Check", "Causal order")
    description = QT_TRANSLATE_NOOP(
        "Check", "If the origin of m2 had delivered or broadcast m1 before broadcasting m2, "
        "every correct host that delivers m2 has delivered m1 before. Promised by the causal "
        "and total_lamport orderings.")

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self._known: dict[str, dict[str, None]] = {}
        self._deps: dict[str, tuple[str, ...]] = {}
        self._got: dict[str, set[str]] = {}

    @classmethod
    def promised(cls, ctx: CheckContext) -> bool:
        return _all_orderings(ctx, ("causal", "total_lamport"))

    def broadcast(self, ev: TraceEvent, bid: str, origin: str) -> None:
        known = self._known.setdefault(origin, {})
        self._deps[bid] = tuple(known)
        known[bid] = None

    def delivered(self, ev: TraceEvent, bid: str, origin: str, value: Any) -> None:
        self._known.setdefault(ev.host, {})[bid] = None
        deps = self._deps.get(bid)
        if deps is None or not self.ctx.correct(ev.host):
            return
        self.checked += 1
        got = self._got.setdefault(ev.host, set())
        for m1 in deps:
            if m1 not in got:
                self.fail(ev, QT_TRANSLATE_NOOP(
                    "Check", "{host} delivers {id} before {missing}, which {origin} had seen "
                    "before broadcasting {id}"), related=(self.sent[m1][1], self.sent[bid][1]),
                    host=ev.host, id=bid, missing=m1, origin=origin)
                break
        got.add(bid)


@register_checker
class TotalOrderChecker(_Broadcasts):
    name = "broadcast.total_order"
    title = QT_TRANSLATE_NOOP("Check", "Total order")
    description = QT_TRANSLATE_NOOP(
        "Check", "Any two correct hosts deliver the messages they both deliver in the same "
        "relative order. Promised by the total_sequencer and total_lamport orderings.")

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self._order: dict[str, dict[str, tuple[int, int, int]]] = {}

    @classmethod
    def promised(cls, ctx: CheckContext) -> bool:
        return _all_orderings(ctx, ("total_sequencer", "total_lamport"))

    def delivered(self, ev: TraceEvent, bid: str, origin: str, value: Any) -> None:
        if self.ctx.correct(ev.host):
            order = self._order.setdefault(ev.host, {})
            order.setdefault(bid, (len(order), ev.seq, ev.t))

    def finish(self) -> None:
        hosts = [h for h in self.ctx.hosts if h in self._order and self.ctx.correct(h)]
        for i, a in enumerate(hosts):
            oa = self._order[a]
            for b in hosts[i + 1:]:
                ob = self._order[b]
                best: tuple[int, str] | None = None
                for bid in sorted((m for m in oa if m in ob), key=lambda m: oa[m][0]):
                    self.checked += 1
                    pos = ob[bid][0]
                    if best is not None and pos < best[0]:
                        prev = best[1]
                        self.fail(ob[bid][1:], QT_TRANSLATE_NOOP(
                            "Check", "{b} delivers {id} before {prev}, but {a} delivered "
                            "{prev} first"), related=(oa[prev][1], oa[bid][1], ob[prev][1]),
                            a=a, b=b, id=bid, prev=prev)
                        return
                    if best is None or pos > best[0]:
                        best = (pos, bid)


@register_checker
class AgreementChecker(_Broadcasts):
    name = "broadcast.agreement"
    title = QT_TRANSLATE_NOOP("Check", "Agreement")
    description = QT_TRANSLATE_NOOP(
        "Check", "If a correct host delivers a message, every correct host of its group "
        "delivers it (messages first delivered near the end of the run are not judged). "
        "Promised in reliable mode (with a total order, only when no host can crash).")

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self._who: dict[str, dict[str, tuple[int, int]]] = {}

    @classmethod
    def promised(cls, ctx: CheckContext) -> bool:
        return _reliable_promise(ctx)

    def delivered(self, ev: TraceEvent, bid: str, origin: str, value: Any) -> None:
        if bid in self.sent:
            self._who.setdefault(bid, {}).setdefault(ev.host, (ev.seq, ev.t))

    def finish(self) -> None:
        deadline = self.ctx.duration - _grace(self.ctx)
        for bid, who in self._who.items():
            by_correct = [(s, t) for h, (s, t) in who.items() if self.ctx.correct(h)]
            if not by_correct or min(by_correct)[1] > deadline:
                continue
            self.checked += 1
            first = min(by_correct)
            origin = self.sent[bid][0]
            for h in self.members(origin):
                if self.ctx.correct(h) and h not in who:
                    self.fail(first, QT_TRANSLATE_NOOP(
                        "Check", "{host} never delivers {id}, which a correct host delivered "
                        "here"), host=h, id=bid)
                    return


@register_checker
class ValidityChecker(_Broadcasts):
    name = "broadcast.validity"
    title = QT_TRANSLATE_NOOP("Check", "Validity")
    description = QT_TRANSLATE_NOOP(
        "Check", "Every message a correct host broadcasts is delivered by every correct host "
        "of its group (broadcasts near the end of the run are not judged). Promised in "
        "reliable mode (with a total order, only when no host can crash).")

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self._who: dict[str, set[str]] = {}

    @classmethod
    def promised(cls, ctx: CheckContext) -> bool:
        return _reliable_promise(ctx)

    def delivered(self, ev: TraceEvent, bid: str, origin: str, value: Any) -> None:
        self._who.setdefault(bid, set()).add(ev.host)

    def finish(self) -> None:
        deadline = self.ctx.duration - _grace(self.ctx)
        for bid, (origin, seq, t) in self.sent.items():
            if t > deadline or not self.ctx.correct(origin):
                continue
            self.checked += 1
            who = self._who.get(bid, set())
            for h in self.members(origin):
                if self.ctx.correct(h) and h not in who:
                    self.fail((seq, t), QT_TRANSLATE_NOOP(
                        "Check", "{host} never delivers {id}, broadcast here by {origin}"),
                        host=h, id=bid, origin=origin)
                    return
