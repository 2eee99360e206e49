"""Exporters: write a trace as JSONL, CSV, a ShiViz log or a Chrome / Perfetto trace.

Every writer takes the trace header, the events (any iterable, in trace
order) and a target (a path or an open text stream). JSONL, CSV and Chrome
stream in one pass; the ShiViz writer needs two passes (it must know which
messages are later dropped), so an iterator is first read into a list.

* ``jsonl``: the native format, read back by :func:`~sandbox.trace.sinks.read_jsonl`.
* ``csv``: one row per event, columns :data:`CSV_COLUMNS`, details as compact JSON.
* ``shiviz``: a log for ShiViz (https://bestchai.bitbucket.io/shiviz/), to
  upload as a file: line 1 is the parser regular expression
  (:data:`SHIVIZ_REGEX`), line 2 the (empty) multiple-executions delimiter,
  then one line per event that has a host, with its vector clock. ShiViz
  refuses a log with no events, so an empty trace gives a file it cannot show.
* ``chrome``: Trace Event JSON for Perfetto (https://ui.perfetto.dev) and
  chrome://tracing: hosts are processes, events are short slices, messages
  are flow arrows from the send to the delivery (or to the drop).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO

from .causality import iter_vector_clocks
from .describe import describe_event
from .events import TraceEvent
from .sinks import JsonlSink

__all__ = [
    "CHROME_SLICE_DUR_US",
    "CSV_COLUMNS",
    "FORMATS",
    "SHIVIZ_REGEX",
    "check_shiviz_clocks",
    "describe_event",
    "export",
    "write_chrome",
    "write_csv",
    "write_jsonl",
    "write_shiviz",
]

#: The export formats, by the name :func:`export` takes.
FORMATS: tuple[str, ...] = ("jsonl", "csv", "shiviz", "chrome")

#: The columns of the CSV export, in order.
CSV_COLUMNS: tuple[str, ...] = ("seq", "t_ns", "kind", "host", "local_ns", "msg", "peer", "data")

#: The ShiViz parser regular expression (JavaScript syntax: ``(?<name>...)``
#: groups). ShiViz wraps the first line of an uploaded file in ``^...$`` and
#: applies it in multi-line mode. Fields: host, vector clock, real and local
#: time in nanoseconds, and the event text.
SHIVIZ_REGEX = (
    r"(?<host>\S+) (?<clock>\{[^}]*\}) t=(?<t_ns>-?\d+) local=(?<local_ns>-?\d+) (?<event>.*)"
)

#: Duration of the slice of one event in the Chrome export, in microseconds
#: (1 ns). Simulation events take no time; a slice this short is still drawn
#: and clicked in Perfetto and chrome://tracing, and events of one host at the
#: same instant nest instead of overlapping.
CHROME_SLICE_DUR_US = 0.001

_Target = str | os.PathLike | TextIO


@contextlib.contextmanager
def _open_text(target: _Target, newline: str | None = "\n") -> Iterator[TextIO]:
    if isinstance(target, (str, os.PathLike)):
        with open(target, "w", encoding="utf-8", newline=newline) as fh:
            yield fh
    else:
        yield target
        target.flush()


_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_compact_sorted = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


def _one_line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


# -- JSONL and CSV ----------------------------------------------------------------------------


def write_jsonl(header: dict[str, Any], events: Iterable[TraceEvent], out: _Target) -> None:
    """Write the native JSONL trace (header line, then one event per line)."""
    sink = JsonlSink(out)  # type: ignore[arg-type]
    sink.open(header)
    try:
        for ev in events:
            sink.write(ev)
    finally:  # also when the events fail to read: the file is closed
        sink.close()


def write_csv(header: dict[str, Any], events: Iterable[TraceEvent], out: _Target) -> None:
    """Write one CSV row per event under a header row of :data:`CSV_COLUMNS`.

    ``msg`` and ``peer`` are empty when absent; ``data`` is the details as
    compact JSON (empty when there are none). ``header`` is not written.
    """
    with _open_text(out, newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        for ev in events:
            w.writerow((
                ev.seq, ev.t, ev.kind, ev.host, ev.local,
                "" if ev.msg is None else ev.msg,
                "" if ev.peer is None else ev.peer,
                _compact(ev.data) if ev.data else "",
            ))


# -- ShiViz -----------------------------------------------------------------------------------


def _lost_messages(events: Iterable[TraceEvent]) -> dict[int, str]:
    lost: dict[int, str] = {}
    for ev in events:
        if ev.kind == "drop" and ev.msg is not None and ev.msg not in lost:
            lost[ev.msg] = str((ev.data or {}).get("reason", "unknown"))
    return lost


def write_shiviz(header: dict[str, Any], events: Iterable[TraceEvent], out: _Target) -> None:
    """Write a ShiViz log: regex line, empty delimiter line, one line per event with a host.

    Each line is ``host {vector clock} t=<ns> local=<ns> text``; the clocks
    follow :func:`~sandbox.trace.causality.vector_clocks`, which obey
    ShiViz's rules (own entry from 1, up by one per event of the host). The
    send of a message that is later dropped says ``[LOST: reason]``; drops
    with a host appear as events of that host. ``header`` is not written.
    """
    events = events if isinstance(events, Sequence) else list(events)
    lost = _lost_messages(events)
    send_t: dict[int, int] = {}
    with _open_text(out) as fh:
        fh.write(SHIVIZ_REGEX + "\n\n")
        lines: list[str] = []
        for ev, vc in zip(events, iter_vector_clocks(events), strict=True):
            latency = None
            if ev.kind == "send" and ev.msg is not None:
                send_t[ev.msg] = ev.t
            elif ev.kind == "duplicate" and ev.msg is not None and ev.data:
                of_t = send_t.get(ev.data.get("of"))
                if of_t is not None:
                    send_t[ev.msg] = of_t
            elif ev.kind == "deliver" and ev.msg is not None and ev.msg in send_t:
                latency = ev.t - send_t[ev.msg]
            if vc is None:
                continue
            marks_loss = ev.kind in ("send", "duplicate") and ev.msg is not None
            text = describe_event(ev, lost=lost.get(ev.msg) if marks_loss else None,
                                  latency=latency)
            lines.append(f"{ev.host} {_compact_sorted(vc)} t={ev.t} local={ev.local} {text}")
            if len(lines) >= 4096:
                fh.write("\n".join(lines) + "\n")
                lines.clear()
        if lines:
            fh.write("\n".join(lines) + "\n")


def _python_regex(js_regex: str) -> str:
    return re.sub(r"\(\?<(?![=!])(\w+)>", r"(?P<\1>", js_regex)


def check_shiviz_clocks(path: str | os.PathLike) -> list[str]:
    """Check a ShiViz log file the way ShiViz does; return the problems (empty if none).

    The rules: the first line is a regex with the named groups ``host``,
    ``clock`` and ``event``; every log line matches it (wrapped in ``^...$``);
    each clock is a JSON object of host -> positive integer that includes its
    own host; the own entries of each host are exactly 1, 2, ..., n; an entry
    for another host names a host of the log and one of its events; and each
    clock is exactly the element-wise maximum of the previous clock of its
    host and the clocks of the events it newly learns of (so no entry exceeds
    what causality permits and the order has no cycle).
    """
    problems: list[str] = []
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    lines = text.split("\n")
    if len(lines) < 2:
        return ["the file needs a regex line and a delimiter line"]
    try:
        regex = re.compile("^" + _python_regex(lines[0]) + "$")
    except re.error as exc:
        return [f"line 1: the regex does not compile ({exc})"]
    missing = {"host", "clock", "event"} - set(regex.groupindex)
    if missing:
        return [f"line 1: the regex lacks the named groups {sorted(missing)}"]
    if lines[1].strip():
        problems.append("line 2: a multiple-executions delimiter is set; only one execution is checked")

    # (line number, host, clock)
    entries: list[tuple[int, str, dict[str, int]]] = []
    for lineno, line in enumerate(lines[2:], start=3):
        if not line.strip():
            continue
        m = regex.match(line)
        if not m:
            problems.append(f"line {lineno}: does not match the parser regex")
            continue
        host = m.group("host")
        try:
            raw = json.loads(m.group("clock"))
        except json.JSONDecodeError as exc:
            problems.append(f"line {lineno}: the clock is not JSON ({exc.msg})")
            continue
        if not isinstance(raw, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in raw.values()
        ):
            problems.append(f"line {lineno}: the clock is not an object of host -> integer")
            continue
        if host not in raw:
            problems.append(f"line {lineno}: the clock lacks the own host {host!r}")
            continue
        if any(v < 0 for v in raw.values()):
            problems.append(f"line {lineno}: the clock has a negative entry")
            continue
        entries.append((lineno, host, {h: v for h, v in raw.items() if v != 0}))
    if not entries:
        problems.append("the log has no events (ShiViz refuses an empty log)")
        return problems

    by_host: dict[str, list[tuple[int, str, dict[str, int]]]] = {}
    for entry in entries:
        by_host.setdefault(entry[1], []).append(entry)
    timeline: dict[str, list[dict[str, int]]] = {}
    ok = True
    for host, evs in by_host.items():
        evs.sort(key=lambda e: e[2].get(host, 0))
        for k, (lineno, _h, clock) in enumerate(evs, start=1):
            own = clock.get(host, 0)
            if own != k:
                ok = False
                if k == 1:
                    problems.append(
                        f"line {lineno}: the clock of host {host!r} must start at 1, not {own}")
                else:
                    problems.append(
                        f"line {lineno}: the clock of host {host!r} goes from {k - 1} to {own} "
                        "(it must increase by exactly 1)")
                break
        timeline[host] = [e[2] for e in evs]
    if not ok:
        return problems

    for host, evs in by_host.items():
        prev: dict[str, int] = {}
        for k, (lineno, _h, clock) in enumerate(evs, start=1):
            expected = dict(prev)
            bad = False
            for other, value in clock.items():
                if other == host:
                    continue
                if other not in timeline:
                    problems.append(f"line {lineno}: the clock names an unknown host {other!r}")
                    bad = True
                    continue
                if value > len(timeline[other]):
                    problems.append(
                        f"line {lineno}: the clock gives host {other!r} the value {value} "
                        f"but it has only {len(timeline[other])} events")
                    bad = True
                    continue
                if value > prev.get(other, 0):
                    parent = timeline[other][value - 1]
                    if parent.get(host, 0) >= k:
                        problems.append(
                            f"line {lineno}: a cycle: event {other}:{value} already knows "
                            f"{host}:{parent.get(host)}")
                        bad = True
                        continue
                    for h, c in parent.items():
                        if expected.get(h, 0) < c:
                            expected[h] = c
            if not bad:
                expected[host] = k
                if expected != clock:
                    problems.append(
                        f"line {lineno}: impermissible vector clock {_compact_sorted(clock)}; "
                        f"causality gives {_compact_sorted(expected)}")
            prev = clock
    return problems


# -- Chrome / Perfetto ------------------------------------------------------------------------

_INSTANT_KINDS = frozenset({"crash", "recover", "pause", "resume", "suspect", "unsuspect"})
_CATEGORY = {
    "send": "message", "deliver": "message", "drop": "message", "corrupt": "message",
    "duplicate": "message", "crash": "failure", "recover": "failure", "pause": "failure",
    "resume": "failure", "byzantine": "failure", "suspect": "detector",
    "unsuspect": "detector", "clock_adjust": "clock", "mem": "memory", "timer": "timer",
    "app": "app",
}
_FLOW_NAME = "message"
_FLOW_CAT = "message"
#: An open flow: the pid and ts of its send slice, and the host it is going to.
_Flow = tuple[int, float, str | None]


def _chrome_name(ev: TraceEvent) -> str:
    d = ev.data or {}
    if ev.kind in ("send", "deliver", "drop", "corrupt", "duplicate") and ev.msg is not None:
        return f"{ev.kind} m{ev.msg}"
    if ev.kind in ("suspect", "unsuspect"):
        return f"{ev.kind} {d.get('target', ev.peer or '?')}"
    if ev.kind in ("timer", "app", "mem") and d.get("name" if ev.kind != "mem" else "op"):
        return f"{ev.kind} {d.get('name' if ev.kind != 'mem' else 'op')}"
    return ev.kind


def _host_ids(header: dict[str, Any]) -> list[str]:
    scenario = header.get("scenario")
    hosts = scenario.get("hosts") if isinstance(scenario, dict) else None
    if not isinstance(hosts, list):
        return []
    out = []
    for h in hosts:
        hid = h.get("id") if isinstance(h, dict) else getattr(h, "id", None)
        if hid:
            out.append(str(hid))
    return out


def write_chrome(header: dict[str, Any], events: Iterable[TraceEvent], out: _Target) -> None:
    """Write Chrome Trace Event JSON (for Perfetto and chrome://tracing), streaming.

    The object is ``{"traceEvents": [...], "displayTimeUnit": "ns", "otherData":
    {...}}`` with the header (less the scenario) in ``otherData``. Host number
    ``i`` of the scenario is process ``i + 1`` (named by ``M`` metadata) with
    one thread ``main``; hosts not in the scenario get the next numbers. Each
    event is a complete slice ``X`` of :data:`CHROME_SLICE_DUR_US` at ``t``
    (microseconds), except crashes, recoveries, pauses and suspicions, which
    are process-scoped instants ``i``; events of the whole network are global
    instants (on a process 0 named ``network``). ``args`` carry the details and seq, t_ns, local_ns, msg, peer.
    A message is a flow: ``s`` at its send slice, ``f`` (``"bp": "e"``) at
    its delivery slice or, when it is dropped on a host, at the drop slice; a
    duplicated copy's flow starts at the original send. Flows always come in
    pairs, one ``s`` and one ``f`` per id: a message dropped by the network
    ends at its own send slice (the drop is an instant of the network), and a
    message still in flight at the end of the trace ends at a slice named
    ``m<id> in flight at end`` on its destination at the time of the last
    event. A flow is started only once per message at a time.
    """
    pids: dict[str, int] = {}
    meta: list[dict[str, Any]] = []

    def add_process(host: str) -> int:
        pid = sum(1 for p in pids.values() if p > 0) + 1
        pids[host] = pid
        meta.append({"name": "process_name", "ph": "M", "pid": pid, "tid": 1,
                     "args": {"name": host}})
        meta.append({"name": "process_sort_index", "ph": "M", "pid": pid, "tid": 1,
                     "args": {"sort_index": pid}})
        meta.append({"name": "thread_name", "ph": "M", "pid": pid, "tid": 1,
                     "args": {"name": "main"}})
        return pid

    for host in _host_ids(header):
        if host not in pids:
            add_process(host)

    other = {k: v for k, v in header.items() if k != "scenario"}
    scenario = header.get("scenario") or {}
    if isinstance(scenario, dict) and scenario.get("title"):
        other["title"] = scenario["title"]

    open_flows: dict[int, _Flow] = {}  # msg -> its send slice and destination
    first = True
    last_ts = 0.0

    with _open_text(out) as fh:
        fh.write('{"traceEvents":[\n')

        def emit(obj: dict[str, Any]) -> None:
            nonlocal first
            fh.write(("" if first else ",\n") + _compact(obj))
            first = False

        for m in meta:
            emit(m)
        meta.clear()

        for ev in events:
            ts = last_ts = ev.t / 1000
            args: dict[str, Any] = dict(ev.data) if ev.data else {}
            args.update(seq=ev.seq, t_ns=ev.t, local_ns=ev.local)
            if ev.msg is not None:
                args["msg"] = ev.msg
            if ev.peer is not None:
                args["peer"] = ev.peer
            name = _chrome_name(ev)
            if not ev.host:
                if "" not in pids:
                    pids[""] = 0  # a named process for the network, so pid 0 is not anonymous
                    emit({"name": "process_name", "ph": "M", "pid": 0, "tid": 0,
                          "args": {"name": "network"}})
                emit({"name": name, "cat": "network", "ph": "i", "s": "g", "ts": ts,
                      "pid": 0, "tid": 0, "args": args})
                if ev.kind == "duplicate" and ev.msg is not None and ev.data:
                    _copy_flow(ev, open_flows, emit)
                elif ev.kind in ("deliver", "drop") and ev.msg is not None:
                    flow = open_flows.pop(ev.msg, None)
                    if flow is not None:  # no slice of the network to end at: end at the send
                        _end_flow(ev.msg, flow[0], flow[1], emit)
                continue
            pid = pids.get(ev.host)
            if pid is None:
                pid = add_process(ev.host)
                for m in meta:
                    emit(m)
                meta.clear()
            cat = _CATEGORY.get(ev.kind, ev.kind)
            if ev.kind in _INSTANT_KINDS:
                emit({"name": name, "cat": cat, "ph": "i", "s": "p", "ts": ts,
                      "pid": pid, "tid": 1, "args": args})
                continue
            emit({"name": name, "cat": cat, "ph": "X", "ts": ts, "dur": CHROME_SLICE_DUR_US,
                  "pid": pid, "tid": 1, "args": args})
            if ev.msg is None:
                continue
            if ev.kind == "send":
                if ev.msg not in open_flows:
                    open_flows[ev.msg] = (pid, ts, ev.peer)
                    emit({"name": _FLOW_NAME, "cat": _FLOW_CAT, "ph": "s", "id": ev.msg,
                          "ts": ts, "pid": pid, "tid": 1})
            elif ev.kind in ("deliver", "drop"):
                if open_flows.pop(ev.msg, None) is not None:
                    _end_flow(ev.msg, pid, ts, emit)
            elif ev.kind == "duplicate" and ev.data:
                _copy_flow(ev, open_flows, emit)

        for msg, (pid, _ts, peer) in open_flows.items():  # still in flight at the end
            if peer and peer not in pids:
                add_process(peer)
                for m in meta:
                    emit(m)
                meta.clear()
            dest = pids.get(peer or "", 0) or pid
            emit({"name": f"m{msg} in flight at end", "cat": _FLOW_CAT, "ph": "X",
                  "ts": last_ts, "dur": CHROME_SLICE_DUR_US, "pid": dest, "tid": 1,
                  "args": {"msg": msg, "in_flight": True}})
            _end_flow(msg, dest, last_ts, emit)
        fh.write('\n],"displayTimeUnit":"ns","otherData":' + _compact(other) + "}\n")


def _end_flow(msg: int, pid: int, ts: float, emit: Any) -> None:
    """The finish of a message's flow, bound to the slice at ``ts`` on process ``pid``."""
    emit({"name": _FLOW_NAME, "cat": _FLOW_CAT, "ph": "f", "bp": "e", "id": msg, "ts": ts,
          "pid": pid, "tid": 1})


def _copy_flow(ev: TraceEvent, open_flows: dict[int, _Flow], emit: Any) -> None:
    """Start the flow of a duplicated copy at the slice of the original send."""
    of = (ev.data or {}).get("of")
    origin = open_flows.get(of) if type(of) is int else None
    if origin is None or ev.msg is None or ev.msg in open_flows:
        return
    pid, ts, _peer = origin
    open_flows[ev.msg] = (pid, ts, ev.peer or _peer)
    emit({"name": _FLOW_NAME, "cat": _FLOW_CAT, "ph": "s", "id": ev.msg, "ts": ts,
          "pid": pid, "tid": 1})


# -- dispatch ---------------------------------------------------------------------------------

_WRITERS = {"jsonl": write_jsonl, "csv": write_csv, "shiviz": write_shiviz, "chrome": write_chrome}


def export(header: dict[str, Any], events: Iterable[TraceEvent], fmt: str,
           out_path: str | os.PathLike | io.TextIOBase) -> None:
    """Write the trace in format ``fmt`` (one of :data:`FORMATS`) to ``out_path``."""
    try:
        writer = _WRITERS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown export format {fmt!r} (use one of {', '.join(FORMATS)})") from None
    writer(header, events, out_path)  # type: ignore[arg-type]
