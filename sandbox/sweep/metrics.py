"""The typed run summary of a sweep row: every metric with its unit, kind and meaning.

:data:`METRICS` names what one run measures (message counts, latency, requests,
availability, failures, clocks, memory, failure detection, behaviour errors and
the protocol metrics the built-in behaviours declare); :func:`metrics_of` turns
a :class:`~sandbox.engine.runner.RunResult` into a flat row of numbers. Besides
those, each guarantee checked on the run adds ``check:<name>`` (1 held, 0
broken, None when its checker failed), and a user's behaviour adds the
``app:...`` metrics it declares.

Times stay integer nanoseconds in rows; the views format them with
:mod:`sandbox.scenario.units`. A metric with no data in a run (the latency of a
run that delivered nothing) is None.

Protocol metrics are named as the behaviour records declare them
(:class:`sandbox.scenario.registry.Metric`): ``app:NAME`` counts the ``app``
events named NAME, ``app:NAME.FIELD`` is the mean of their numeric FIELD.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.scenario import behaviours as _builtin  # noqa: F401 - registers the built-ins
from sandbox.scenario import registry
from sandbox.scenario.registry import QT_TRANSLATE_NOOP
from sandbox.trace.events import TraceEvent
from sandbox.trace.sinks import Sink
from sandbox.trace.stats import percentile

if TYPE_CHECKING:
    from sandbox.engine.runner import RunResult

__all__ = ["KINDS", "METRICS", "MetricInfo", "MetricSink", "check_metric", "metric_info",
           "metric_names", "metrics_of"]

#: What a metric is: a count, a time (ns), a ratio (a fraction that is not a 0/1 outcome),
#: a proportion (a 0/1 outcome per run: its mean is a probability) or a rate (per second).
KINDS = ("count", "time", "ratio", "proportion", "rate")


@dataclass(frozen=True)
class MetricInfo:
    """A metric of a run: its key in rows, unit (``ns``, ``1``, ``msg``, ``req/s``...),
    kind (one of :data:`KINDS`) and a translatable description (context "Metrics")."""

    name: str
    unit: str
    kind: str
    description: str


def _m(name: str, unit: str, kind: str, description: str) -> tuple[str, MetricInfo]:
    return name, MetricInfo(name, unit, kind, description)


#: The reasons of ``drop`` events that have a metric of their own (``dropped_<reason>``).
DROP_REASONS = ("loss", "partition", "link_cut", "crashed", "omission", "no_route", "injected")

_N = QT_TRANSLATE_NOOP

#: Every metric of a run, in the order of a row's columns.
METRICS: dict[str, MetricInfo] = dict([
    _m("events", "1", "count", _N("Metrics", "Trace events of the run")),
    _m("sent", "msg", "count", _N("Metrics", "Messages sent")),
    _m("delivered", "msg", "count", _N("Metrics", "Messages delivered")),
    _m("dropped", "msg", "count", _N("Metrics", "Messages dropped, for any reason")),
    _m("dropped_loss", "msg", "count", _N("Metrics", "Messages lost on a link")),
    _m("dropped_partition", "msg", "count", _N("Metrics", "Messages stopped by a partition")),
    _m("dropped_link_cut", "msg", "count", _N("Metrics", "Messages on a cut link")),
    _m("dropped_crashed", "msg", "count", _N("Metrics", "Messages to or from a crashed host")),
    _m("dropped_omission", "msg", "count", _N("Metrics", "Messages omitted by a host")),
    _m("dropped_no_route", "msg", "count", _N("Metrics", "Messages with no route")),
    _m("dropped_injected", "msg", "count", _N("Metrics", "Messages dropped by a click")),
    _m("corrupted", "msg", "count", _N("Metrics", "Messages corrupted")),
    _m("duplicated", "msg", "count", _N("Metrics", "Messages duplicated")),
    _m("late", "msg", "count", _N("Metrics", "Messages later than their time bound")),
    _m("latency_mean", "ns", "time", _N("Metrics", "Mean delivery latency")),
    _m("latency_p50", "ns", "time", _N("Metrics", "Median delivery latency")),
    _m("latency_p99", "ns", "time", _N("Metrics", "99th percentile of delivery latency")),
    _m("latency_max", "ns", "time", _N("Metrics", "Largest delivery latency")),
    _m("requests", "req", "count", _N("Metrics", "Client requests that ended (answered or "
                                                 "given up)")),
    _m("requests_done", "req", "count", _N("Metrics", "Client requests answered")),
    _m("throughput", "req/s", "rate", _N("Metrics", "Requests answered per second of the "
                                                    "run")),
    _m("request_latency_mean", "ns", "time", _N("Metrics", "Mean time from a request to its "
                                                           "reply, retries included")),
    _m("request_latency_p99", "ns", "time", _N("Metrics", "99th percentile of the request "
                                                          "latency")),
    _m("request_timeouts", "1", "count", _N("Metrics", "Tries of a request that timed out")),
    _m("requests_failed", "req", "count", _N("Metrics", "Requests that got no reply after "
                                                        "every try")),
    _m("request_refusals", "req", "count", _N("Metrics", "Requests a server refused (queue "
                                                         "full)")),
    _m("availability", "1", "ratio", _N("Metrics", "Fraction of host-time up")),
    _m("crashes", "1", "count", _N("Metrics", "Host crashes")),
    _m("recoveries", "1", "count", _N("Metrics", "Host recoveries")),
    _m("hosts_failed", "hosts", "count", _N("Metrics", "Hosts that crashed at least once")),
    _m("any_failed", "1", "proportion", _N("Metrics", "Some host crashed during the run "
                                                      "(its mean is P(some host failed))")),
    _m("max_clock_skew", "ns", "time", _N("Metrics", "Largest spread of the hosts' clocks")),
    _m("mem_local", "1", "count", _N("Metrics", "Local memory accesses")),
    _m("mem_remote", "1", "count", _N("Metrics", "Remote memory accesses")),
    _m("mem_local_mean_cost", "ns", "time", _N("Metrics", "Mean cost of a local access")),
    _m("mem_remote_mean_cost", "ns", "time", _N("Metrics", "Mean cost of a remote access")),
    _m("suspicions", "1", "count", _N("Metrics", "Times a peer was suspected")),
    _m("false_suspicions", "1", "count", _N("Metrics", "Suspicions of a host that was up")),
    _m("behaviour_errors", "1", "count", _N("Metrics", "Exceptions raised by behaviours")),
])


def _protocol_metric(m: registry.Metric) -> MetricInfo:
    """A behaviour record's ``app:`` metric: a count, or the mean of a field (a time in ns)."""
    unit = m.unit or "1"
    kind = "time" if unit == "ns" else "count"
    return MetricInfo(m.key, unit, kind, m.description)


def _add_builtin_protocol_metrics() -> None:
    for info in registry.behaviours():
        for m in info.metrics:
            if m.key.startswith("app:") and m.key not in METRICS:
                METRICS[m.key] = _protocol_metric(m)


_add_builtin_protocol_metrics()

#: The prefix of the metric of a guarantee checker: ``check:broadcast.agreement``.
CHECK_PREFIX = "check:"
#: What the metric of a guarantee means (its checker's name follows).
CHECK_DESCRIPTION = _N("Metrics", "The guarantee held (1) or was broken (0)")


def check_metric(name: str) -> str:
    """The row key of the guarantee ``name``: ``check:<name>``."""
    return CHECK_PREFIX + name


def metric_info(name: str) -> MetricInfo | None:
    """The description of a metric key, also for ``check:*`` and declared ``app:*`` keys;
    None for a name that is no metric."""
    if name in METRICS:
        return METRICS[name]
    if name.startswith(CHECK_PREFIX) and len(name) > len(CHECK_PREFIX):
        return MetricInfo(name, "1", "proportion", CHECK_DESCRIPTION)
    for info in registry.behaviours():
        for m in info.metrics:
            if m.key == name:
                return _protocol_metric(m)
    return None


def _declared(scenario: Mapping[str, Any]) -> list[str]:
    """The ``app:`` metrics that the scenario's behaviours declare and METRICS lacks."""
    out: list[str] = []
    for h in scenario.get("hosts") or ():
        name = ((h.get("behaviour") or {}).get("name") if isinstance(h, dict) else None) or ""
        if not registry.is_registered(name):
            continue
        for m in registry.behaviour(name).metrics:
            if m.key.startswith("app:") and m.key not in METRICS and m.key not in out:
                out.append(m.key)
    return out


def metric_names(scenario: Mapping[str, Any]) -> list[str]:
    """The metric keys of a run of ``scenario`` (a JSON dict), in column order: METRICS, the
    ``app:`` metrics its (user's) behaviours declare, then one ``check:*`` per guarantee."""
    from sandbox.trace.checks import guarantees_of

    return [*METRICS, *_declared(scenario), *(check_metric(g) for g in guarantees_of(scenario))]


class MetricSink(Sink):
    """What the run summary does not count, counted as the trace streams: app events by
    name (and the sums of their numeric fields), requests, and the hosts that crashed."""

    def __init__(self) -> None:
        self.app: Counter[str] = Counter()
        self.sums: dict[tuple[str, str], list[float]] = {}
        self.request_latencies = array("q")
        self.requests_ok = 0
        self.requests_failed = 0
        self.timeouts = 0
        self.crashed: set[str] = set()

    def write(self, ev: TraceEvent, /) -> None:
        kind = ev.kind
        if kind == "crash":
            self.crashed.add(ev.host)
        elif kind == "app":
            d = ev.data
            if not d:
                return
            name = str(d.get("name", ""))
            self.app[name] += 1
            for key, value in d.items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    acc = self.sums.get((name, key))
                    if acc is None:
                        self.sums[(name, key)] = [float(value), 1.0]
                    else:
                        acc[0] += value
                        acc[1] += 1
            if name == "request_done":
                lat = d.get("latency")
                if isinstance(lat, int):
                    self.request_latencies.append(lat)
                if d.get("ok", True):
                    self.requests_ok += 1
                tries = d.get("tries")
                if isinstance(tries, int):
                    self.timeouts += max(0, tries - 1)
            elif name == "request_failed":
                self.requests_failed += 1
                tries = d.get("tries")
                self.timeouts += tries if isinstance(tries, int) else 1

    def app_metric(self, key: str) -> float | int | None:
        """The value of an ``app:NAME`` (count) or ``app:NAME.FIELD`` (mean) metric."""
        body = key.removeprefix("app:")
        name, dot, fieldname = body.partition(".")
        if not dot:
            return self.app.get(name, 0)
        acc = self.sums.get((name, fieldname))
        return None if acc is None or not acc[1] else acc[0] / acc[1]


def _time(v: Any) -> int | None:
    return None if v is None else int(round(v))


def _number(v: Any) -> float | int | None:
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def metrics_of(result: RunResult, counted: MetricSink | None = None,
               extra: Iterable[str] = ()) -> dict[str, float | int | None]:
    """The metrics of a run: every key of :data:`METRICS`, then the ``app:`` metrics its
    behaviours declare, then ``check:<name>`` per verdict.

    ``counted`` is a :class:`MetricSink` that saw the run's events (pass it to
    :func:`~sandbox.engine.runner.run` as ``sink``); without it the events kept in
    ``result`` (``keep_events=True``) are counted, and a run that kept none has no
    request or app metrics (0 and None). ``extra`` names more ``app:`` keys to fill.
    """
    if counted is None:
        counted = MetricSink()
        for ev in result.events:
            counted.write(ev)
    s = result.summary
    reasons = s.get("dropped_by_reason") or {}
    end = s.get("end_t") or result.until or 0
    lat = sorted(counted.request_latencies)
    done = len(lat)
    row: dict[str, float | int | None] = {}
    for name, info in METRICS.items():
        value: Any
        if name.startswith("dropped_"):
            value = int(reasons.get(name.removeprefix("dropped_"), 0))
        elif name == "requests":
            value = done + counted.requests_failed
        elif name == "requests_done":
            value = counted.requests_ok
        elif name == "throughput":
            value = counted.requests_ok / (end / 1e9) if end > 0 else None
        elif name == "request_latency_mean":
            value = sum(lat) / done if done else None
        elif name == "request_latency_p99":
            value = percentile(lat, 99)
        elif name == "request_timeouts":
            value = counted.timeouts
        elif name == "requests_failed":
            value = counted.requests_failed
        elif name == "request_refusals":
            value = counted.app.get("refused", 0)
        elif name == "hosts_failed":
            value = len(counted.crashed)
        elif name == "any_failed":
            value = int(bool(counted.crashed) or bool(s.get("crashes")))
        elif name.startswith("app:"):
            value = counted.app_metric(name)
        else:
            value = s.get(name)
        value = _number(value)
        row[name] = _time(value) if info.kind == "time" else value
    for key in (*_declared(result.scenario_json), *extra):
        if key not in row:
            row[key] = _number(counted.app_metric(key))
    for v in result.verdicts:
        row[check_metric(v.name)] = None if getattr(v, "error", False) else int(bool(v.ok))
    return row
