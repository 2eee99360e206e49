"""Run summary computed while the trace streams: messages, latency, failures, skew, memory.

:class:`StatsSink` is a sink like any other (put it beside a JSONL sink with
a :class:`~sandbox.trace.sinks.TeeSink`). It keeps counters, the send time of
each message still in flight, the down intervals in progress and one
integer per delivered message (the latency samples, in an ``array('q')``),
so a long run costs little memory. :meth:`StatsSink.summary` returns a flat
dict of numbers that sweeps can tabulate; :func:`format_summary` turns it into
text for the command line.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Callable
from typing import Any

from ..scenario.registry import QT_TRANSLATE_NOOP
from ..scenario.units import format_duration
from .events import TraceEvent
from .sinks import Sink

__all__ = ["StatsSink", "format_summary", "percentile"]


def percentile(sorted_values: Any, p: float) -> int | None:
    """The nearest-rank ``p``-th percentile (0 < p <= 100) of ascending values; None if empty.

    It is the smallest value such that at least ``p`` percent of the values
    are at most it, so it is always one of the values.
    """
    n = len(sorted_values)
    if n == 0:
        return None
    rank = max(1, math.ceil(p / 100 * n))
    return int(sorted_values[min(rank, n) - 1])


class StatsSink(Sink):
    """A streaming sink that computes the summary of a run in bounded memory.

    Counted: messages sent, delivered, dropped (by reason), corrupted,
    duplicated and late; delivery latency (deliver time minus send time of
    the message; a duplicated copy counts from the original send);
    crashes, recoveries and availability; suspicions and false suspicions;
    local and remote memory accesses and their mean cost; the largest clock
    skew seen; application events.

    Clock skew is estimated from the events themselves: an event of host h
    at real time t with local reading l says h's offset is l - t. The sink
    keeps the latest offset of every host that has had an event and, after
    each event, the spread (largest minus smallest offset); the maximum
    spread is reported. It is approximate: a clock is only sampled when its
    host has an event, and a host's reading jitter adds to the spread.
    """

    def __init__(self) -> None:
        self.header: dict[str, Any] = {}
        self.hosts: list[str] = []
        self.events = 0
        self.sent = 0
        self.delivered = 0
        self.dropped = 0
        self.dropped_by_reason: Counter[str] = Counter()
        self.corrupted = 0
        self.duplicated = 0
        self.late = 0
        self.latencies = array("q")
        self.crashes = 0
        self.recoveries = 0
        self.suspicions = 0
        self.false_suspicions = 0
        self.mem_local = 0
        self.mem_remote = 0
        self.mem_local_cost = 0
        self.mem_remote_cost = 0
        self.app_events = 0
        self.max_skew = 0
        self.last_t = 0
        self._send_t: dict[int, int] = {}
        self._corrupt_in_flight: set[int] = set()
        self._down_since: dict[str, int] = {}
        self._downtime: dict[str, int] = {}
        self._offset: dict[str, int] = {}
        self._hi = self._lo = 0
        self._hi_host: str | None = None
        self._lo_host: str | None = None

    # -- Sink ----------------------------------------------------------------------------

    def open(self, header: dict[str, Any]) -> None:
        """Take the host list from the scenario in the header."""
        self.header = header
        hosts = (header.get("scenario") or {}).get("hosts") or []
        self.hosts = [str(h["id"] if isinstance(h, dict) else h.id) for h in hosts]

    def write(self, ev: TraceEvent) -> None:
        """Count one event."""
        self.events += 1
        t = ev.t
        if t > self.last_t:
            self.last_t = t
        kind = ev.kind
        d = ev.data or {}
        msg = ev.msg
        if kind == "send":
            self.sent += 1
            if msg is not None:
                self._send_t[msg] = t
        elif kind == "deliver":
            self.delivered += 1
            sent_at = self._send_t.pop(msg, None) if msg is not None else None
            if sent_at is not None:
                self.latencies.append(t - sent_at)
            elif isinstance(d.get("latency"), int):
                self.latencies.append(d["latency"])
            if d.get("late"):
                self.late += 1
            if msg in self._corrupt_in_flight:
                self._corrupt_in_flight.discard(msg)
            elif d.get("corrupted"):
                self.corrupted += 1
        elif kind == "drop":
            self.dropped += 1
            self.dropped_by_reason[str(d.get("reason", "unknown"))] += 1
            if msg is not None:
                self._send_t.pop(msg, None)
                self._corrupt_in_flight.discard(msg)
        elif kind == "corrupt":
            self.corrupted += 1
            if msg is not None:
                self._corrupt_in_flight.add(msg)
        elif kind == "duplicate":
            self.duplicated += 1
            of = d.get("of")
            if msg is not None and of in self._send_t:
                self._send_t[msg] = self._send_t[of]
        elif kind == "crash":
            self.crashes += 1
            if ev.host and ev.host not in self._down_since:
                self._down_since[ev.host] = t
        elif kind == "recover":
            self.recoveries += 1
            since = self._down_since.pop(ev.host, None)
            if since is not None:
                self._downtime[ev.host] = self._downtime.get(ev.host, 0) + t - since
        elif kind == "suspect":
            self.suspicions += 1
            if d.get("target", ev.peer) not in self._down_since:
                self.false_suspicions += 1
        elif kind == "mem":
            cost = d.get("cost", 0)
            cost = cost if isinstance(cost, int) else 0
            if d.get("remote"):
                self.mem_remote += 1
                self.mem_remote_cost += cost
            else:
                self.mem_local += 1
                self.mem_local_cost += cost
        elif kind == "app":
            self.app_events += 1
        if ev.host:
            offset = ev.local - t
            offsets = self._offset
            old = offsets.get(ev.host)
            if old != offset:
                self._update_offset(ev.host, old, offset)

    def _update_offset(self, host: str, old: int | None, offset: int) -> None:
        """Track the largest and smallest offset; a full scan only when an extreme moves inward."""
        offsets = self._offset
        offsets[host] = offset
        if self._hi_host is None or offset > self._hi:
            self._hi, self._hi_host = offset, host
        elif host == self._hi_host and offset < self._hi:
            self._hi_host = max(offsets, key=offsets.__getitem__)
            self._hi = offsets[self._hi_host]
        if self._lo_host is None or offset < self._lo:
            self._lo, self._lo_host = offset, host
        elif host == self._lo_host and offset > self._lo:
            self._lo_host = min(offsets, key=offsets.__getitem__)
            self._lo = offsets[self._lo_host]
        if len(offsets) > 1 and self._hi - self._lo > self.max_skew:
            self.max_skew = self._hi - self._lo

    def close(self) -> None:
        """Nothing to flush; :meth:`summary` may be called before or after."""

    # -- results -------------------------------------------------------------------------

    def run_end(self) -> int:
        """The end of the run: the scenario's run duration, or the last event time if later."""
        scenario = self.header.get("scenario") or {}
        duration = (scenario.get("run") or {}).get("duration") if isinstance(scenario, dict) else None
        end = duration if isinstance(duration, int) else 0
        return max(end, self.last_t)

    def availability(self, end_t: int) -> float | None:
        """Fraction of host-time up over [0, end_t]; None with no hosts or an empty run.

        A host is down from its crash to its recovery (or to ``end_t``). Hosts
        are those of the scenario plus any other host that crashed.
        """
        hosts = set(self.hosts) | set(self._downtime) | set(self._down_since)
        if not hosts or end_t <= 0:
            return None
        down = sum(min(v, end_t) for v in self._downtime.values())
        down += sum(max(0, end_t - since) for since in self._down_since.values())
        return max(0.0, 1.0 - down / (len(hosts) * end_t))

    def summary(self, end_t: int | None = None) -> dict[str, Any]:
        """The run summary as a flat dict (times in ns; None where there is no data).

        ``end_t`` is the end of the run for availability; by default
        :meth:`run_end`.
        """
        end = self.run_end() if end_t is None else end_t
        lat = sorted(self.latencies)
        mean = (sum(lat) / len(lat)) if lat else None
        return {
            "events": self.events,
            "end_t": end,
            "hosts": len(self.hosts),
            "sent": self.sent,
            "delivered": self.delivered,
            "dropped": self.dropped,
            "dropped_by_reason": dict(sorted(self.dropped_by_reason.items())),
            "corrupted": self.corrupted,
            "duplicated": self.duplicated,
            "late": self.late,
            "in_flight": len(self._send_t),
            "latency_count": len(lat),
            "latency_mean": mean,
            "latency_p50": percentile(lat, 50),
            "latency_p90": percentile(lat, 90),
            "latency_p99": percentile(lat, 99),
            "latency_max": lat[-1] if lat else None,
            "crashes": self.crashes,
            "recoveries": self.recoveries,
            "availability": self.availability(end),
            "suspicions": self.suspicions,
            "false_suspicions": self.false_suspicions,
            "mem_local": self.mem_local,
            "mem_remote": self.mem_remote,
            "mem_local_mean_cost": self.mem_local_cost / self.mem_local if self.mem_local else None,
            "mem_remote_mean_cost": (
                self.mem_remote_cost / self.mem_remote if self.mem_remote else None),
            "max_clock_skew": self.max_skew,
            "app_events": self.app_events,
        }


def _dur(v: Any) -> str:
    return "-" if v is None else format_duration(round(v))


def _n(text: str) -> str:
    return QT_TRANSLATE_NOOP("Summary", text)


#: The lines of the command line's summary, as whole templates with named fields.
SUMMARY_TEMPLATES: dict[str, str] = {
    "run": _n("Run: {events} events over {end}, {hosts} hosts"),
    "messages": _n("Messages: {sent} sent, {delivered} delivered, {dropped} dropped{reasons}, "
                   "{corrupted} corrupted, {duplicated} duplicated, {late} late"),
    "reasons": _n(" ({list})"),
    "latency": _n("Latency: p50 {p50}, p90 {p90}, p99 {p99}, max {max} (mean {mean}, "
                  "{count} samples)"),
    "no_latency": _n("Latency: no message delivered"),
    "failures": _n("Failures: {crashes} crashes, {recoveries} recoveries, availability "
                   "{availability}"),
    "detector": _n("Failure detector: {suspicions} suspicions, {false} false"),
    "memory": _n("Memory: {local} local accesses (mean {local_cost}), {remote} remote "
                 "(mean {remote_cost})"),
    "clocks": _n("Clocks: max skew {skew}"),
    "app": _n("Application events: {app}"),
    "errors": _n("Behaviour errors: {errors}"),
}


def format_summary(summary: dict[str, Any], tr: Callable[[str], str] = lambda t: t) -> str:
    """A human multi-line text of a run summary, for the command line (``tr`` translates
    each template)."""
    s = summary

    def line(key: str, **fields: Any) -> str:
        return tr(SUMMARY_TEMPLATES[key]).format(**fields)

    reasons = s.get("dropped_by_reason") or {}
    lines = [line("run", events=s.get("events", 0), end=_dur(s.get("end_t")),
                  hosts=s.get("hosts", 0)),
             line("messages", sent=s.get("sent", 0), delivered=s.get("delivered", 0),
                  dropped=s.get("dropped", 0),
                  reasons=line("reasons", list=", ".join(f"{k} {v}" for k, v in reasons.items()))
                  if reasons else "",
                  corrupted=s.get("corrupted", 0), duplicated=s.get("duplicated", 0),
                  late=s.get("late", 0))]
    if s.get("latency_count"):
        lines.append(line("latency", p50=_dur(s.get("latency_p50")), p90=_dur(s.get("latency_p90")),
                          p99=_dur(s.get("latency_p99")), max=_dur(s.get("latency_max")),
                          mean=_dur(s.get("latency_mean")), count=s["latency_count"]))
    else:
        lines.append(line("no_latency"))
    avail = s.get("availability")
    lines.append(line("failures", crashes=s.get("crashes", 0), recoveries=s.get("recoveries", 0),
                      availability="-" if avail is None else f"{avail * 100:.3f}%"))
    lines.append(line("detector", suspicions=s.get("suspicions", 0),
                      false=s.get("false_suspicions", 0)))
    if s.get("mem_local") or s.get("mem_remote"):
        lines.append(line("memory", local=s.get("mem_local", 0),
                          local_cost=_dur(s.get("mem_local_mean_cost")),
                          remote=s.get("mem_remote", 0),
                          remote_cost=_dur(s.get("mem_remote_mean_cost"))))
    lines.append(line("clocks", skew=_dur(s.get("max_clock_skew"))))
    lines.append(line("app", app=s.get("app_events", 0)))
    if s.get("behaviour_errors"):
        lines.append(line("errors", errors=s["behaviour_errors"]))
    return "\n".join(lines)
