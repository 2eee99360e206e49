"""Plot series computed from a trace: clock skew, latency, throughput, availability, memory cost.

Every function takes the trace header (the dict of a JSONL header line, with
the scenario) and/or the events (a sequence of
:class:`~sandbox.trace.events.TraceEvent`, in trace order) and returns numpy
arrays ready to draw. Times are integer nanoseconds in and float nanoseconds
out (``float64`` holds every time below about 104 days exactly); a view
divides by 1e9 for seconds. Results are named tuples, so they unpack like
plain tuples and their fields have names.

Binned series share one layout: ``t`` holds the start of each bin, bins are
``bin_ns`` wide and cover ``[0, end)`` where ``end`` is the run duration
of the header (or the last event time when that is later); the last bin may
be shorter than the others, and rates are divided by its real width. A mean
over an empty bin is NaN, so a curve drawn with ``connect="finite"`` shows
a gap there.

Every function scans only the events it needs, found through the
:class:`Columns` of the trace (its times, kinds and message ids as numpy
arrays); build them once with :func:`columns` and pass them as ``cols`` to
several functions to save the pass over the events.

No Qt here: this module is used by the plots of the GUI and can be used by
notebooks and sweeps alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any, NamedTuple

import numpy as np

from ..scenario.units import parse_duration
from .clock_model import SLEW_PPM, ClockSegments
from .events import KINDS, TraceEvent

__all__ = [
    "NS_PER_S",
    "SLEW_PPM",
    "Availability",
    "ClockSkew",
    "Columns",
    "LatencyHistogram",
    "MemoryCosts",
    "OfferedLoad",
    "Requests",
    "StateSeries",
    "Throughput",
    "availability",
    "bin_starts",
    "clock_skew",
    "columns",
    "latencies",
    "latency_histogram",
    "memory_costs",
    "nice_bin",
    "offered_load",
    "requests",
    "state_series",
    "run_end",
    "scenario_hosts",
    "throughput",
]

#: Nanoseconds in a second.
NS_PER_S = 1_000_000_000



# -- results ----------------------------------------------------------------------------------


class ClockSkew(NamedTuple):
    """Clock offsets over time: ``offsets[host][i]`` is local minus real time at ``t[i]`` (ns)."""

    t: np.ndarray
    offsets: dict[str, np.ndarray]


class LatencyHistogram(NamedTuple):
    """A histogram of message latencies: ``counts[i]`` samples in ``[edges[i], edges[i+1])``."""

    edges: np.ndarray
    counts: np.ndarray
    samples: np.ndarray


class Throughput(NamedTuple):
    """Messages delivered and sent per second in each bin."""

    t: np.ndarray
    delivered: np.ndarray
    sent: np.ndarray


class OfferedLoad(NamedTuple):
    """Client requests issued per second in each bin (first tries only, retries excluded)."""

    t: np.ndarray
    rate: np.ndarray


class Availability(NamedTuple):
    """Fraction of hosts up in each bin (time-weighted) and crashes so far at each bin's end."""

    t: np.ndarray
    up: np.ndarray
    failures: np.ndarray
    hosts: int


class MemoryCosts(NamedTuple):
    """Mean cost (ns) of local and remote memory accesses in each bin, and their counts."""

    t: np.ndarray
    local_mean: np.ndarray
    remote_mean: np.ndarray
    local_count: np.ndarray
    remote_count: np.ndarray


class Requests(NamedTuple):
    """Client request outcomes: per-bin mean latency, completions and failures, and every sample.

    ``mean_latency`` / ``max_latency`` are over the requests that completed
    in the bin (NaN when none did); ``done`` and ``failed`` are counts per
    bin; ``done_t`` / ``done_latency`` are the completion time and latency of
    every completed request, for a scatter plot.
    """

    t: np.ndarray
    mean_latency: np.ndarray
    max_latency: np.ndarray
    done: np.ndarray
    failed: np.ndarray
    done_t: np.ndarray
    done_latency: np.ndarray


# -- helpers ----------------------------------------------------------------------------------


def _scenario(header: Mapping[str, Any] | None) -> dict[str, Any]:
    scenario = (header or {}).get("scenario") or {}
    return scenario if isinstance(scenario, dict) else {}


def _ns(value: Any, default: int = 0) -> int:
    if value is None:
        return default
    try:
        return int(parse_duration(value))
    except (TypeError, ValueError):
        return default


def scenario_hosts(header: Mapping[str, Any] | None) -> list[str]:
    """The host ids of the scenario in the header, in scenario order."""
    hosts = _scenario(header).get("hosts") or []
    return [str(h["id"]) if isinstance(h, dict) else str(h) for h in hosts]


def run_end(header: Mapping[str, Any] | None, events: Sequence[TraceEvent]) -> int:
    """The end of the run: the scenario's run duration, or the last event time if later."""
    end = _ns((_scenario(header).get("run") or {}).get("duration"))
    if events:
        end = max(end, events[-1].t)
    return end


def nice_bin(end: int, n_bins: int = 100) -> int:
    """A round bin width (1, 2 or 5 times a power of ten ns) giving about ``n_bins`` bins."""
    if end <= 0 or n_bins <= 0:
        return 1
    raw = end / n_bins
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for step in (1, 2, 5, 10):
        if step * power >= raw:
            return int(step * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def bin_starts(end: int, bin_ns: int) -> np.ndarray:
    """The starts of the bins covering ``[0, end)`` (at least one bin)."""
    if bin_ns <= 0:
        raise ValueError(f"bin width must be positive, not {bin_ns}")
    n = max(1, -(-end // bin_ns))
    return np.arange(n, dtype=np.float64) * bin_ns


def _bin_widths(starts: np.ndarray, end: int, bin_ns: int) -> np.ndarray:
    widths = np.full(len(starts), float(bin_ns))
    if end > 0:
        widths[-1] = max(1.0, min(float(bin_ns), end - starts[-1]))
    return widths


def _bin_index(times: np.ndarray, bin_ns: int, n: int) -> np.ndarray:
    return np.clip(times // bin_ns, 0, n - 1).astype(np.intp)


def _counts(times: Sequence[int] | np.ndarray, bin_ns: int, n: int) -> np.ndarray:
    arr = np.asarray(times, dtype=np.int64)
    if arr.size == 0:
        return np.zeros(n, dtype=np.int64)
    return np.bincount(_bin_index(arr, bin_ns, n), minlength=n)[:n].astype(np.int64)


def _means(times: Sequence[int], values: Sequence[float], bin_ns: int,
           n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-bin mean of ``values`` (NaN for an empty bin) and per-bin count."""
    t = np.asarray(times, dtype=np.int64)
    if t.size == 0:
        return np.full(n, np.nan), np.zeros(n, dtype=np.int64)
    idx = _bin_index(t, bin_ns, n)
    count = np.bincount(idx, minlength=n)[:n]
    total = np.bincount(idx, weights=np.asarray(values, dtype=np.float64), minlength=n)[:n]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return mean, count.astype(np.int64)


# -- columns --------------------------------------------------------------------------------


class Columns(NamedTuple):
    """The trace as columns, built once and shared by the series functions.

    ``t`` times (int64 ns); ``kind`` the index of each event's kind in
    :data:`~sandbox.trace.events.KINDS` (-1 for an unknown kind); ``msg``
    the message id (-1 when none).
    """

    t: np.ndarray
    kind: np.ndarray
    msg: np.ndarray

    def where(self, kind: str) -> np.ndarray:
        """The positions of the events of one kind, in trace order."""
        return np.flatnonzero(self.kind == _KIND_CODE.get(kind, -2))


class _Codes(dict):
    """Kind name -> index in KINDS; -1 for a kind this version does not know."""

    def __missing__(self, key: str) -> int:
        return -1


_KIND_CODE = _Codes((k, i) for i, k in enumerate(KINDS))


def columns(events: Sequence[TraceEvent]) -> Columns:
    """The :class:`Columns` of a trace (one pass over the events per column, in C loops)."""
    n = len(events)
    t = np.fromiter(map(itemgetter(1), events), dtype=np.int64, count=n)
    kind = np.fromiter(map(_KIND_CODE.__getitem__, map(itemgetter(2), events)),
                       dtype=np.int16, count=n)
    # None becomes NaN in a float array; message ids stay exact below 2**53
    msg = np.array(list(map(itemgetter(5), events)), dtype=np.float64)
    msg = np.where(np.isnan(msg), -1, msg).astype(np.int64) if n else np.zeros(0, np.int64)
    return Columns(t, kind, msg)


def _columns(events: Sequence[TraceEvent], cols: Columns | None) -> Columns:
    if cols is not None and len(cols.t) == len(events):
        return cols
    return columns(events)


_EMPTY: dict[str, Any] = {}


def _number(value: Any) -> float:
    """A number of an event's details as a float to plot; 0 for anything else (text, an
    integer too large for a float, infinity, NaN)."""
    if not isinstance(value, (int, float)):
        return 0.0
    try:
        number = float(value)
    except OverflowError:
        return 0.0
    return number if math.isfinite(number) else 0.0


def _last_t(events: Sequence[TraceEvent]) -> int:
    return events[-1].t if events else 0


# -- clocks -----------------------------------------------------------------------------------


def clock_skew(header: Mapping[str, Any] | None, events: Sequence[TraceEvent],
               n_points: int = 400, cols: Columns | None = None) -> ClockSkew:
    """Every host's clock offset (local minus real time, ns) over the run.

    The curve of a host follows its scenario clock (initial ``offset`` and
    ``drift_ppm``) and every ``clock_adjust`` event of the trace (steps and
    slews), so each host of the scenario has a curve even when it has no
    event. The times are ``n_points`` evenly spaced over ``[0, end]`` plus,
    for every adjustment, the instant just before it and the instant itself,
    so a step shows as an upright jump. Resolution and reading jitter are
    left out (they are far below what a plot shows).
    """
    scenario = _scenario(header)
    specs: dict[str, tuple[int, float]] = {}
    for h in scenario.get("hosts") or []:
        if not isinstance(h, dict):
            continue
        clock = h.get("clock") or {}
        specs[str(h["id"])] = (_ns(clock.get("offset")), float(clock.get("drift_ppm") or 0.0))
    adjusts: dict[str, list[tuple[int, int, str]]] = {}
    for i in _columns(events, cols).where("clock_adjust").tolist():
        ev = events[i]
        if ev.host:
            d = ev.data or {}
            delta = d.get("delta", 0)
            adjusts.setdefault(ev.host, []).append(
                (ev.t, int(delta) if isinstance(delta, (int, float)) else 0,
                 str(d.get("mode", "step"))))
    for host in adjusts:
        specs.setdefault(host, (0, 0.0))

    end = run_end(header, events)
    grid = np.linspace(0.0, float(end), max(2, n_points)) if end > 0 else np.zeros(1)
    marks: list[int] = []
    segments = {}
    for host, (offset, drift) in specs.items():
        segs = ClockSegments.replay(offset, drift, 1, adjusts.get(host, ()))
        segments[host] = segs
        for start in segs.changes.tolist():
            marks.append(start)
            if start > 0:
                marks.append(start - 1)
    ts = np.unique(np.concatenate([grid, np.asarray(marks, dtype=np.float64)]))
    ts = ts[(ts >= 0) & (ts <= max(end, 0))] if end > 0 else ts
    ts_ns = ts.astype(np.int64)
    return ClockSkew(ts, {host: (segs.at(ts_ns, quantise=False) - ts_ns).astype(np.float64)
                          for host, segs in segments.items()})


# -- messages ---------------------------------------------------------------------------------


def latencies(events: Sequence[TraceEvent], cols: Columns | None = None) -> np.ndarray:
    """The latency (ns) of every delivered message, in delivery order.

    Latency is the delivery time minus the send time of the message; a
    duplicated copy counts from the original send (as in
    :class:`~sandbox.trace.stats.StatsSink`). A delivery whose send is not in
    the trace uses the ``latency`` of its data when there is one.
    """
    c = _columns(events, cols)
    sends = c.where("send")
    keys = [c.msg[sends]]
    times = [c.t[sends]]
    dups = c.where("duplicate")
    if dups.size:
        sent_at = dict(zip(keys[0].tolist(), times[0].tolist(), strict=True))
        copy_ids, copy_times = [], []
        for i in dups.tolist():
            ev = events[i]
            origin = sent_at.get((ev.data or {}).get("of"))
            if ev.msg is not None and origin is not None:
                sent_at[ev.msg] = origin
                copy_ids.append(ev.msg)
                copy_times.append(origin)
        keys.append(np.asarray(copy_ids, dtype=np.int64))
        times.append(np.asarray(copy_times, dtype=np.int64))
    key = np.concatenate(keys)
    val = np.concatenate(times)
    order = np.argsort(key, kind="stable")
    key, val = key[order], val[order]
    delivers = c.where("deliver")
    d_msg = c.msg[delivers]
    pos = np.searchsorted(key, d_msg)
    pos_ok = np.minimum(pos, max(len(key) - 1, 0))
    found = (pos < len(key)) & (d_msg >= 0)
    if len(key):
        found &= key[pos_ok] == d_msg
    out = np.zeros(len(delivers), dtype=np.int64)
    if len(key):
        out[found] = c.t[delivers][found] - val[pos_ok[found]]
    keep = found.copy()
    for j in np.flatnonzero(~found).tolist():
        lat = (events[int(delivers[j])].data or {}).get("latency")
        if isinstance(lat, int):
            out[j] = lat
            keep[j] = True
    return out[keep]


def latency_histogram(events: Sequence[TraceEvent],
                      bins: int | str | Sequence[float] | np.ndarray = "auto",
                      cols: Columns | None = None) -> LatencyHistogram:
    """A histogram of message latencies (see :func:`latencies`).

    ``bins`` is a number of equal bins from 0 to the largest latency, the
    bin edges (ns), or ``"auto"``: the Rice rule (twice the cube root of the
    number of samples) kept between 10 and 60 bins. With no delivered
    message the histogram has one empty bin ``[0, 1)``.
    """
    samples = latencies(events, cols)
    if isinstance(bins, str):
        if bins != "auto":
            raise ValueError(f"bins must be a number, edges or 'auto', not {bins!r}")
        bins = int(min(60, max(10, round(2 * samples.size ** (1 / 3)))))
    if isinstance(bins, (int, np.integer)):
        if samples.size == 0:
            return LatencyHistogram(np.array([0.0, 1.0]), np.zeros(1, dtype=np.int64), samples)
        top = float(samples.max())
        edges = np.linspace(0.0, top if top > 0 else 1.0, int(bins) + 1)
    else:
        edges = np.asarray(bins, dtype=np.float64)
    counts, edges = np.histogram(samples, bins=edges)
    return LatencyHistogram(edges, counts.astype(np.int64), samples)


def throughput(events: Sequence[TraceEvent], bin_ns: int, end: int | None = None,
               cols: Columns | None = None) -> Throughput:
    """Messages delivered and sent per second in bins of ``bin_ns`` over ``[0, end)``.

    ``end`` defaults to the last event time. Every message counts, whatever
    its channel (application, memory or system traffic).
    """
    end = _last_t(events) if end is None else end
    t = bin_starts(end, bin_ns)
    n = len(t)
    c = _columns(events, cols)
    sent = c.t[c.where("send")]
    delivered = c.t[c.where("deliver")]
    per_s = NS_PER_S / _bin_widths(t, end, bin_ns)
    return Throughput(t, _counts(delivered, bin_ns, n) * per_s, _counts(sent, bin_ns, n) * per_s)


def _first_request(payload: Any) -> bool:
    return (payload.__class__ is dict and payload.get("type") == "request"
            and payload.get("try", 0) in (0, None))


def offered_load(header: Mapping[str, Any] | None, events: Sequence[TraceEvent],
                 bin_ns: int, cols: Columns | None = None) -> OfferedLoad:
    """Client requests issued per second in each bin: the load offered to the servers.

    Counted from the trace: every ``send`` whose payload is a request on its
    first try (retries are not new load). The configured workload profile is
    the expectation of this curve for ``workload_client`` hosts.
    """
    end = run_end(header, events)
    t = bin_starts(end, bin_ns)
    c = _columns(events, cols)
    sends = c.where("send")
    n = len(sends)
    # one payload at a time: a list of every send's payload would hold them all at once
    first = np.fromiter((_first_request((events[i][7] or _EMPTY).get("payload"))
                         for i in sends.tolist()), dtype=bool, count=n)
    issued = c.t[sends][first] if n else np.zeros(0, np.int64)
    return OfferedLoad(t, _counts(issued, bin_ns, len(t)) * NS_PER_S / _bin_widths(t, end, bin_ns))


# -- failures ---------------------------------------------------------------------------------


def _down_time_before(x: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Total down time in ``[0, x)`` of the intervals ``[starts[i], ends[i])``, for each x.

    sum_i clip(x - a_i, 0, b_i - a_i) = sum_{a_i < x}(x - a_i) - sum_{b_i < x}(x - b_i),
    computed with sorted cumulative sums.
    """
    a = np.sort(starts)
    b = np.sort(ends)
    ca = np.concatenate([[0.0], np.cumsum(a)])
    cb = np.concatenate([[0.0], np.cumsum(b)])
    na = np.searchsorted(a, x, side="left")
    nb = np.searchsorted(b, x, side="left")
    return (na * x - ca[na]) - (nb * x - cb[nb])


def availability(header: Mapping[str, Any] | None, events: Sequence[TraceEvent],
                 bin_ns: int, cols: Columns | None = None) -> Availability:
    """The fraction of hosts up in each bin and the number of crashes so far.

    A host is down from its ``crash`` to its ``recover`` (or to the end of
    the run); a pause does not count as down. ``up[i]`` is the time-weighted
    mean over bin i of (hosts up) / (hosts), and ``failures[i]`` the number
    of crashes before the end of bin i. Hosts are those of the scenario plus
    any other host that crashed.
    """
    end = run_end(header, events)
    t = bin_starts(end, bin_ns)
    hosts = scenario_hosts(header)
    known = set(hosts)
    down_since: dict[str, int] = {}
    starts: list[int] = []
    ends: list[int] = []
    crash_t: list[int] = []
    c = _columns(events, cols)
    changes = np.flatnonzero((c.kind == _KIND_CODE["crash"]) | (c.kind == _KIND_CODE["recover"]))
    for ev in map(events.__getitem__, changes.tolist()):
        if ev.kind == "crash":
            crash_t.append(ev.t)
            if ev.host not in known:
                known.add(ev.host)
            down_since.setdefault(ev.host, ev.t)
        elif ev.kind == "recover":
            since = down_since.pop(ev.host, None)
            if since is not None:
                starts.append(since)
                ends.append(ev.t)
    for since in down_since.values():
        starts.append(since)
        ends.append(max(end, since))
    n_hosts = len(known)
    edges = np.append(t, float(end if end > 0 else bin_ns))
    widths = np.diff(edges)
    widths[widths <= 0] = 1.0
    if starts:
        down = np.diff(_down_time_before(edges, np.asarray(starts, np.float64),
                                         np.asarray(ends, np.float64)))
    else:
        down = np.zeros(len(t))
    up = 1.0 - down / (widths * n_hosts) if n_hosts else np.full(len(t), np.nan)
    crashes = np.sort(np.asarray(crash_t, dtype=np.float64))
    failures = np.searchsorted(crashes, edges[1:], side="left").astype(np.int64)
    return Availability(t, np.clip(up, 0.0, 1.0), failures, n_hosts)


# -- memory -----------------------------------------------------------------------------------


def memory_costs(events: Sequence[TraceEvent], bin_ns: int, end: int | None = None,
                 cols: Columns | None = None) -> MemoryCosts:
    """Mean cost of local and remote memory accesses (``mem`` events) in each bin.

    ``end`` defaults to the last event time. A bin with no access of a kind
    has a NaN mean and a zero count for that kind.
    """
    end = _last_t(events) if end is None else end
    t = bin_starts(end, bin_ns)
    n = len(t)
    c = _columns(events, cols)
    mem = c.where("mem")
    datas = [d or _EMPTY for d in map(itemgetter(7), map(events.__getitem__, mem.tolist()))]
    remote = np.fromiter((bool(d.get("remote")) for d in datas), dtype=bool, count=len(datas))
    costs = np.fromiter((_number(d.get("cost")) for d in datas), dtype=np.float64,
                        count=len(datas))
    times = c.t[mem]
    local_mean, local_count = _means(times[~remote], costs[~remote], bin_ns, n)
    remote_mean, remote_count = _means(times[remote], costs[remote], bin_ns, n)
    return MemoryCosts(t, local_mean, remote_mean, local_count, remote_count)


# -- requests ---------------------------------------------------------------------------------


def requests(events: Sequence[TraceEvent], bin_ns: int, end: int | None = None,
             cols: Columns | None = None) -> Requests:
    """Client request latency over time, from ``app`` events ``request_done`` / ``request_failed``.

    The latency of a request (its ``latency`` value: from its first try to
    the reply, retries included) is put in the bin where it completed.
    ``end`` defaults to the last event time.
    """
    end = _last_t(events) if end is None else end
    t = bin_starts(end, bin_ns)
    n = len(t)
    done_t: list[int] = []
    done_lat: list[float] = []
    failed_t: list[int] = []
    for ev in map(events.__getitem__, _columns(events, cols).where("app").tolist()):
        if not ev.data:
            continue
        name = ev.data.get("name")
        if name == "request_done":
            lat = ev.data.get("latency")
            if isinstance(lat, (int, float)):
                done_t.append(ev.t)
                done_lat.append(float(lat))
        elif name == "request_failed":
            failed_t.append(ev.t)
    mean, done = _means(done_t, done_lat, bin_ns, n)
    top = np.full(n, np.nan)
    if done_t:
        idx = _bin_index(np.asarray(done_t, dtype=np.int64), bin_ns, n)
        top = np.full(n, -np.inf)
        np.maximum.at(top, idx, np.asarray(done_lat))
        top[np.isinf(top)] = np.nan
    return Requests(t, mean, top, done, _counts(failed_t, bin_ns, n),
                    np.asarray(done_t, dtype=np.float64), np.asarray(done_lat, dtype=np.float64))


#: The largest protocol state value plotted (about the largest exact float integer).
_STATE_LIMIT = 2.0 ** 53


class StateSeries(NamedTuple):
    """Numeric protocol state over time (``node.report_state``: term, commit index, ...).

    ``fields`` are the fields whose every value is a number, in order of first
    appearance; ``values[field][host]`` is ``(t, y)``: the times (ns) at which
    the host's value changed and the value from then on (NaN from a crash, or
    when the field was cleared, until it is reported again; NaN too for a value
    beyond 2**53, which no protocol reaches and no axis can show).
    """

    fields: list[str]
    values: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]


def state_series(events: Sequence[TraceEvent], cols: Columns | None = None) -> StateSeries:
    """The numeric protocol state of every host over the trace (see :class:`StateSeries`)."""
    cols = _columns(events, cols)
    pos = np.flatnonzero((cols.kind == _KIND_CODE["state"]) | (cols.kind == _KIND_CODE["crash"]))
    points: dict[str, dict[str, tuple[list[int], list[float]]]] = {}
    numeric: dict[str, bool] = {}
    for p in pos.tolist():
        ev = events[p]
        if ev.kind == "crash":
            for by_host in points.values():
                series = by_host.get(ev.host)
                if series is not None and series[1] and not math.isnan(series[1][-1]):
                    series[0].append(ev.t)
                    series[1].append(math.nan)
            continue
        for name, value in (ev.data or {}).items():
            is_number = value is None or (isinstance(value, (int, float))
                                          and not isinstance(value, bool))
            numeric[name] = numeric.get(name, True) and is_number
            if not is_number:
                continue
            ts, ys = points.setdefault(name, {}).setdefault(ev.host, ([], []))
            y = math.nan if value is None else _number(value)
            if abs(y) > _STATE_LIMIT:  # no protocol counts that far: not drawn (axes overflow)
                y = math.nan
            if ts and ts[-1] == ev.t:  # two reports at one instant: the last one stands
                ys[-1] = y
            else:
                ts.append(ev.t)
                ys.append(y)
    fields = [f for f, ok in numeric.items() if ok and f in points]
    values = {f: {h: (np.asarray(ts, dtype=np.int64), np.asarray(ys, dtype=np.float64))
                  for h, (ts, ys) in points[f].items()} for f in fields}
    return StateSeries(fields, values)
