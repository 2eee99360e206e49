"""Checkers of the clocks protocols' guarantees (see the base module).

Logical clocks: happened-before is computed from the trace itself, among the
events of the hosts running the behaviour: each host's events in trace order,
and the send of a clock message (payload ``type`` ``lamport_msg`` or
``vector_msg``, duplicates included) before its delivery (a delivery flagged
corrupted is discarded by the protocol and links nothing). The events judged
are the behaviour's app events (``lamport_event`` with ``ts``,
``vector_event`` with ``vector``).

Physical clocks: ``clocks.monotonic`` reads the ``clock_adjust`` events.
"""

from __future__ import annotations

from typing import Any

from ...scenario.registry import QT_TRANSLATE_NOOP
from ..events import TraceEvent
from .base import CheckContext, Checker, register_checker

#: How many earlier timestamped events each one is compared with (vector condition).
WINDOW = 400


def _num(value: Any) -> float:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def _byzantine(ctx: CheckContext) -> bool:
    for h in ctx.hosts:
        f = ctx.host_spec(h).get("failures")
        if isinstance(f, dict) and _num(f.get("byzantine_probability")) > 0:
            return True
    faults = ctx.scenario.get("faults")
    return isinstance(faults, list) and any(
        isinstance(f, dict) and f.get("kind") == "byzantine" for f in faults)


def _may_lose_state(ctx: CheckContext, host: str) -> bool:
    """Whether ``host`` may crash and lose its state, as the scenario says."""
    if ctx.state_kept(host):
        return False
    f = ctx.host_spec(host).get("failures")
    if isinstance(f, dict) and (_num(f.get("crash_probability")) > 0
                                or f.get("mttf") is not None):
        return True
    faults = ctx.scenario.get("faults")
    return isinstance(faults, list) and any(
        isinstance(x, dict) and x.get("kind") == "crash" and x.get("host") == host
        for x in faults)


def _logical_promise(ctx: CheckContext, behaviour: str) -> bool:
    hosts = ctx.running(behaviour)
    return not _byzantine(ctx) and not any(_may_lose_state(ctx, h) for h in hosts)


class _Causality(Checker):
    """Happened-before among the events of one logical-clock behaviour, from the trace."""

    behaviour = ""
    message_type = ""
    event_name = ""
    kinds = frozenset({"send", "duplicate", "deliver", "app"})

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self._hosts = set(ctx.running(self.behaviour))
        self._sent: dict[int, Any] = {}

    def feed(self, ev: TraceEvent) -> None:
        if ev.host not in self._hosts:
            return
        data = ev.data or {}
        if ev.kind == "send":
            payload = data.get("payload")
            if (ev.msg is not None and isinstance(payload, dict)
                    and payload.get("type") == self.message_type):
                self._sent[ev.msg] = self.snapshot(ev.host)
        elif ev.kind == "duplicate":
            of = data.get("of")
            if ev.msg is not None and isinstance(of, int) and of in self._sent:
                self._sent[ev.msg] = self._sent[of]
        elif ev.kind == "deliver":
            if ev.msg in self._sent and not data.get("corrupted"):
                self.merge(ev.host, self._sent[ev.msg])
        elif data.get("name") == self.event_name:
            self.event(ev, data)

    def snapshot(self, host: str) -> Any:
        raise NotImplementedError

    def merge(self, host: str, snap: Any) -> None:
        raise NotImplementedError

    def event(self, ev: TraceEvent, data: dict[str, Any]) -> None:
        raise NotImplementedError


@register_checker
class LamportCondition(_Causality):
    """If a happened before b, L(a) < L(b)."""

    name = "clocks.lamport_condition"
    title = QT_TRANSLATE_NOOP("Check", "Lamport clock condition")
    description = QT_TRANSLATE_NOOP(
        "Check", "If event a happened before event b (same host, earlier; or through a "
                 "message), a's Lamport timestamp is less than b's. Promised when no host is "
                 "Byzantine and no host running the clock may crash and lose its state.")
    behaviour = "lamport"
    message_type = "lamport_msg"
    event_name = "lamport_event"

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        # host -> (largest timestamp of an event that happened before now, its seq)
        self._front: dict[str, tuple[float, int]] = {}

    @classmethod
    def promised(cls, ctx: CheckContext) -> bool:
        return _logical_promise(ctx, cls.behaviour)

    def snapshot(self, host: str) -> Any:
        return self._front.get(host)

    def merge(self, host: str, snap: Any) -> None:
        mine = self._front.get(host)
        if snap is not None and (mine is None or snap[0] > mine[0]):
            self._front[host] = snap

    def event(self, ev: TraceEvent, data: dict[str, Any]) -> None:
        ts = data.get("ts")
        if not isinstance(ts, (int, float)) or isinstance(ts, bool):
            return
        self.checked += 1
        before = self._front.get(ev.host)
        if before is not None and ts <= before[0]:
            self.fail(ev, QT_TRANSLATE_NOOP(
                "Check", "event {before} happened before this event on {host}, but its "
                         "timestamp {a} is not less than {b}"),
                related=(before[1],), before=before[1], host=ev.host, a=before[0], b=ts)
        if before is None or ts > before[0]:
            self._front[ev.host] = (ts, ev.seq)


def _vector(value: Any) -> dict[str, int] | None:
    if not isinstance(value, dict):
        return None
    out = {}
    for k, v in value.items():
        if not isinstance(k, str) or not isinstance(v, int) or isinstance(v, bool):
            return None
        if v:
            out[k] = v
    return out


def _below(a: dict[str, int], b: dict[str, int]) -> bool:
    """a < b: every entry of a at most b's, and they differ."""
    return a != b and all(v <= b.get(k, 0) for k, v in a.items())


def _text(v: dict[str, int]) -> str:
    return "[" + ", ".join(f"{k}:{v[k]}" for k in sorted(v)) + "]"


@register_checker
class VectorCondition(_Causality):
    """V(a) < V(b) exactly when a happened before b."""

    name = "clocks.vector_condition"
    title = QT_TRANSLATE_NOOP("Check", "Vector clock condition")
    description = QT_TRANSLATE_NOOP(
        "Check", "Event a happened before event b exactly when a's vector is less than b's "
                 "(no entry greater, one smaller): causally related events are ordered, "
                 "concurrent ones are not. Each event is compared with the 400 before it. "
                 "Promised when no host is Byzantine and no host running the clock may crash "
                 "and lose its state.")
    behaviour = "vector_clock"
    message_type = "vector_msg"
    event_name = "vector_event"

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        # host -> the true vector (timestamped events per host that happened before now)
        self._tv: dict[str, dict[str, int]] = {}
        self._recent: list[tuple[int, str, dict[str, int], dict[str, int]]] = []

    @classmethod
    def promised(cls, ctx: CheckContext) -> bool:
        return _logical_promise(ctx, cls.behaviour)

    def snapshot(self, host: str) -> Any:
        return dict(self._tv.get(host, {}))

    def merge(self, host: str, snap: Any) -> None:
        mine = self._tv.setdefault(host, {})
        for k, v in snap.items():
            if v > mine.get(k, 0):
                mine[k] = v

    def event(self, ev: TraceEvent, data: dict[str, Any]) -> None:
        v = _vector(data.get("vector"))
        if v is None:
            return
        self.checked += 1
        tv = self._tv.setdefault(ev.host, {})
        tv[ev.host] = tv.get(ev.host, 0) + 1
        true = dict(tv)
        for seq, host, atrue, av in reversed(self._recent):
            hb = atrue[host] <= true.get(host, 0)  # a happened before this event
            if hb and not _below(av, v):
                self.fail(ev, QT_TRANSLATE_NOOP(
                    "Check", "event {before} happened before this event on {host}, but its "
                             "vector {a} is not less than {b}"),
                    related=(seq,), before=seq, host=ev.host, a=_text(av), b=_text(v))
                break
            if not hb and (_below(av, v) or _below(v, av)):
                self.fail(ev, QT_TRANSLATE_NOOP(
                    "Check", "event {before} and this event on {host} are concurrent, but "
                             "their vectors {a} and {b} are ordered"),
                    related=(seq,), before=seq, host=ev.host, a=_text(av), b=_text(v))
                break
        self._recent.append((ev.seq, ev.host, true, v))
        if len(self._recent) > WINDOW:
            del self._recent[0]


#: Behaviours that adjust clocks, by their ``mode`` parameter.
ADJUSTERS = ("ntp", "cristian", "berkeley")


@register_checker
class Monotonic(Checker):
    """No host's clock steps backwards."""

    name = "clocks.monotonic"
    title = QT_TRANSLATE_NOOP("Check", "Monotonic clocks")
    description = QT_TRANSLATE_NOOP(
        "Check", "No host's clock is stepped backwards (a slew only makes it run slower). "
                 "Promised when every clock-synchronising host slews only (mode slew), no host "
                 "is Byzantine and no clock jump goes backwards.")
    kinds = frozenset({"clock_adjust"})

    @classmethod
    def promised(cls, ctx: CheckContext) -> bool:
        if _byzantine(ctx):
            return False
        for h in ctx.running(*ADJUSTERS):
            if getattr(ctx.params_of(h), "mode", None) != "slew":
                return False
        faults = ctx.scenario.get("faults")
        return not (isinstance(faults, list) and any(
            isinstance(f, dict) and f.get("kind") == "clock_jump" and _num(f.get("delta")) < 0
            for f in faults))

    def feed(self, ev: TraceEvent) -> None:
        data = ev.data or {}
        self.checked += 1
        delta = _num(data.get("delta"))
        if data.get("mode") != "slew" and delta < 0:
            self.fail(ev, QT_TRANSLATE_NOOP(
                "Check", "the clock of {host} is stepped back by {back} ns ({reason})"),
                host=ev.host, back=-delta, reason=data.get("reason") or "")
