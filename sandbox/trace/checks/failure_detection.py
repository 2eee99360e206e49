"""Checkers of the failure_detection protocols' guarantees (see the base module).

They read the engine's ``suspect`` / ``unsuspect`` events (``data.target``) and
the crashes and recoveries, so they judge any failure detector whose hosts
call ``node.suspect``. A *monitor* is a host running a detector
(``heartbeat`` or ``adaptive_heartbeat``); it monitors the hosts of its
``peers`` parameter (empty: every other host).
"""

from __future__ import annotations

from typing import Any

from ...scenario.registry import QT_TRANSLATE_NOOP
from ..events import TraceEvent
from .base import CheckContext, Checker, register_checker

#: The detectors these checkers know: behaviour name -> how to read its parameters.
DETECTORS = ("heartbeat", "adaptive_heartbeat")


def _num(value: Any) -> float:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def _monitored(ctx: CheckContext, monitor: str) -> list[str]:
    params = ctx.params_of(monitor)
    peers = list(getattr(params, "peers", None) or ctx.hosts)
    return [h for h in peers if h != monitor and h in ctx.hosts]


def _grace(ctx: CheckContext, monitor: str) -> int | None:
    """How long after a crash ``monitor`` may take to suspect: its longest allowed silence
    plus two heartbeat intervals (None when its parameters are unknown)."""
    params = ctx.params_of(monitor)
    if params is None:
        return None
    silence = getattr(params, "timeout", None) or getattr(params, "max_timeout", None)
    interval = getattr(params, "interval", None)
    if not isinstance(silence, int) or not isinstance(interval, int):
        return None
    return silence + 2 * interval


@register_checker
class Completeness(Checker):
    """Every host that crashed and stays down is eventually suspected by every monitor."""

    name = "failure_detection.completeness"
    title = QT_TRANSLATE_NOOP("Check", "Failure detector completeness")
    description = QT_TRANSLATE_NOOP(
        "Check", "Every monitored host that crashed and stays down is suspected, until the "
                 "end, by every monitor that is up. Only crashes older than the monitor's "
                 "grace window (its longest allowed silence plus two heartbeat intervals) at "
                 "the end of the trace count, and only monitors up for that long.")
    kinds = frozenset({"crash", "recover", "suspect", "unsuspect"})

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self._monitors = ctx.running(*DETECTORS)
        self._crash: dict[str, TraceEvent] = {}  # host -> its crash, while it is down
        self._up_since: dict[str, int] = {h: 0 for h in ctx.hosts}
        self._suspects: dict[str, dict[str, int]] = {m: {} for m in self._monitors}

    def feed(self, ev: TraceEvent) -> None:
        if ev.kind == "crash":
            self._crash[ev.host] = ev
            self._suspects.get(ev.host, {}).clear()  # a crash clears the monitor's suspicions
        elif ev.kind == "recover":
            self._crash.pop(ev.host, None)
            self._up_since[ev.host] = ev.t
        elif ev.host in self._suspects:
            target = (ev.data or {}).get("target")
            if not isinstance(target, str):
                return
            if ev.kind == "suspect":
                self._suspects[ev.host].setdefault(target, ev.seq)
            else:
                self._suspects[ev.host].pop(target, None)

    def finish(self) -> None:
        end = self.ctx.now
        for host in sorted(self._crash, key=lambda h: self._crash[h].seq):
            crash = self._crash[host]
            for m in self._monitors:
                grace = _grace(self.ctx, m)
                if (grace is None or m in self._crash or host not in _monitored(self.ctx, m)
                        or crash.t + grace > end or self._up_since.get(m, 0) + grace > end):
                    continue
                self.checked += 1
                if host not in self._suspects[m]:
                    self.fail(crash, QT_TRANSLATE_NOOP(
                        "Check", "{host} crashed here and stayed down, but {monitor} does not "
                                 "suspect it at the end, {late} ns later"),
                        host=host, monitor=m, late=end - crash.t)
                    return


def _loses_messages(ctx: CheckContext) -> bool:
    links = ctx.scenario.get("links")
    for link in links if isinstance(links, list) else ():
        if isinstance(link, dict) and (_num(link.get("loss")) > 0
                                       or _num(link.get("timing_probability")) > 0):
            return True
    for h in ctx.hosts:
        f = ctx.host_spec(h).get("failures")
        if isinstance(f, dict) and any(_num(f.get(k)) > 0 for k in (
                "send_omission", "receive_omission", "timing_probability")):
            return True
    faults = ctx.scenario.get("faults")
    return isinstance(faults, list) and any(
        isinstance(f, dict) and f.get("kind") in ("partition", "loss_burst", "link_cut",
                                                  "pause", "drop_message")
        for f in faults)


@register_checker
class Accuracy(Checker):
    """No host is suspected while it is up."""

    name = "failure_detection.accuracy"
    title = QT_TRANSLATE_NOOP("Check", "Failure detector accuracy")
    description = QT_TRANSLATE_NOOP(
        "Check", "No host is suspected while it is up. Promised only in the synchronous model, "
                 "when every monitor is a fixed-timeout heartbeat whose timeout covers an "
                 "interval plus the delivery and step bounds, and nothing loses or delays "
                 "messages beyond the bound (no loss, omission, timing failure, partition, "
                 "pause or cut link).")
    kinds = frozenset({"suspect"})

    @classmethod
    def promised(cls, ctx: CheckContext) -> bool:
        model = ctx.scenario.get("model")
        if not isinstance(model, dict) or model.get("synchrony") != "synchronous":
            return False
        bound = _num(model.get("delivery_bound")) + _num(model.get("step_bound"))
        for m in ctx.running(*DETECTORS):
            params = ctx.params_of(m)
            if ctx.behaviour_of(m) != "heartbeat" or params is None \
                    or params.timeout < params.interval + bound:
                return False
        return not _loses_messages(ctx)

    def feed(self, ev: TraceEvent) -> None:
        target = (ev.data or {}).get("target")
        self.checked += 1
        if target not in self.ctx.down:
            self.fail(ev, QT_TRANSLATE_NOOP(
                "Check", "{host} suspects {target}, which is up"), host=ev.host, target=target)
