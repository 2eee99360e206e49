"""Timeline: an index over a whole trace for playback, seeking and drawing (Qt-free).

A :class:`Timeline` is built once from a trace header and its events (in
time order) and then answers, at any real time ``t``, what a view must show:

* which events have happened (:meth:`Timeline.index_at`, a bisection);
* which messages are in flight (:meth:`Timeline.messages`), from per-message
  records (send or duplicate paired with its deliver or drop) kept in an
  interval index bucketed by duration class, so a seek costs
  O(classes * log n + answer) even for a million events;
* the state of every host and of the network (:meth:`Timeline.host_states`):
  up, crashed or paused, who suspects whom, Byzantine hosts, active
  partitions and cut links, replayed from a snapshot taken every few hundred
  state changes;
* every host's local clock (:meth:`Timeline.local_time`), from the clock
  specification in the scenario and the host's ``clock_adjust`` events;
* the heat of DSM pages over a window (:meth:`Timeline.mem_heat`).

Time convention: the state "at ``t``" is the state after every event with
time ``<= t`` has happened. A message is in flight at ``t`` when
``t_send <= t < t_end``: at the time of its delivery it has arrived.

The columns of the trace are kept in numpy arrays (``t``, ``kind_code``,
``host_code``, ``peer_code``, ``msg``, ``local``) that views may read
directly; events themselves stay in :attr:`Timeline.events`. Building costs
one pass over the events for the columns plus one pass over the events that
carry details the index needs (message flags, drop reasons, memory pages).
"""

from __future__ import annotations

import copy
import gc
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ..scenario.model import SLEW_PPM
from .causality import causal_future, causal_past, lamport_clocks
from .clock_model import ClockSegments
from .events import KINDS, TraceEvent
from .message_index import (
    END_DELIVER,
    END_DROP,
    END_NONE,
    FLAG_BYZ,
    FLAG_CORRUPTED,
    FLAG_DUP,
    FLAG_LATE,
    NEVER,
    MessageIndex,
)
from .records import HostStates, MessageRecord, Partition, StateReplay
from .sinks import iter_jsonl, read_header

__all__ = [
    "END_DELIVER",
    "END_DROP",
    "END_NONE",
    "FLAG_BYZ",
    "FLAG_CORRUPTED",
    "FLAG_DUP",
    "FLAG_LATE",
    "NEVER",
    "SLEW_PPM",
    "STATE_KINDS",
    "HostStates",
    "MessageRecord",
    "Partition",
    "Timeline",
    "open_trace",
]

#: Kinds of event that change the state reported by :meth:`Timeline.host_states`.
STATE_KINDS: tuple[str, ...] = (
    "crash", "recover", "pause", "resume", "byzantine", "suspect", "unsuspect",
    "partition", "heal", "link_cut", "link_heal",
)

#: How many state-changing events lie between two snapshots of the host states.
_SNAPSHOT_EVERY = 256


class Timeline(MessageIndex):
    """An index over a whole trace for playback, seeking and drawing.

    ``Timeline(header, events)`` takes the trace header (its ``scenario``
    gives the hosts, their clocks and initial Byzantine hosts) and every
    event in time order (a list, as :func:`~sandbox.trace.sinks.read_jsonl`
    or a :class:`~sandbox.trace.sinks.MemorySink` gives). Event ids are
    positions in ``events``; in a trace written by the engine they equal
    ``seq``. Raises ValueError if the events are not in time order.
    """

    def __init__(self, header: Mapping[str, Any] | None,
                 events: Sequence[TraceEvent] | Iterable[TraceEvent]) -> None:
        self.header: dict[str, Any] = dict(header or {})
        if not isinstance(events, Sequence):
            events = list(events)
        self.events: Sequence[TraceEvent] = events
        scenario = self.header.get("scenario") or {}
        self.scenario: dict[str, Any] = scenario if isinstance(scenario, dict) else {}
        n = len(events)
        # The build makes few long-lived objects but walks a million; the cyclic
        # garbage collector would rescan every event many times over.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._build_columns(events, n)
            self._build_messages(events)
            self._build_states(events)
            self._build_clocks(events)
            self._build_memory(events)
            del self._data_col
        finally:
            if collecting:
                gc.enable()
        self._lamport: np.ndarray | None = None
        self._causal_cache: dict[tuple[str, int], set[int]] = {}

    # -- building ----------------------------------------------------------------------
    def _build_columns(self, events: Sequence[TraceEvent], n: int) -> None:
        if n:
            seq, t, kind, host, local, msg, peer, data = zip(*events, strict=True)
        else:
            seq = t = kind = host = local = msg = peer = data = ()
        self._data_col: Sequence[Any] = data  # the details column, while building
        self.t: np.ndarray = np.array(t, dtype=np.int64).reshape(n)
        if n > 1 and bool((np.diff(self.t) < 0).any()):
            raise ValueError("trace events are not in time order")
        self.seq: np.ndarray = np.array(seq, dtype=np.int64).reshape(n)
        self._seq_is_position = bool(n == 0 or (self.seq[0] == 0 and self.seq[-1] == n - 1
                                                and (np.diff(self.seq) == 1).all()))
        self.local: np.ndarray = np.array(local, dtype=np.int64).reshape(n)

        kinds = list(KINDS)
        kmap = {k: i for i, k in enumerate(kinds)}
        for k in sorted(set(kind) - set(kmap)):
            kmap[k] = len(kinds)
            kinds.append(k)
        #: Every kind name; ``kind_code`` indexes it.
        self.kinds: list[str] = kinds
        self.kind_code: np.ndarray = np.fromiter(map(kmap.__getitem__, kind), np.int16, n)

        hosts = [str(h.get("id")) for h in self.scenario.get("hosts") or []
                 if isinstance(h, dict) and h.get("id")]
        seen = set(hosts)
        extra = (set(host) | set(peer)) - seen - {"", None}
        hosts += sorted(str(h) for h in extra)
        #: Host ids: the scenario's in order, then any other host of the trace.
        self.hosts: list[str] = hosts
        #: Host id -> its index in :attr:`hosts`.
        self.host_index: dict[str, int] = {h: i for i, h in enumerate(hosts)}
        hmap: dict[Any, int] = dict(self.host_index)
        hmap[""] = -1
        hmap[None] = -1
        self.host_code: np.ndarray = np.fromiter(map(hmap.__getitem__, host), np.int32, n)
        self.peer_code: np.ndarray = np.fromiter(map(hmap.__getitem__, peer), np.int32, n)
        self.msg: np.ndarray = np.fromiter((-1 if m is None else m for m in msg), np.int64, n)
        run = self.scenario.get("run") or {}
        last = int(self.t[-1]) if n else 0
        duration = run.get("duration") if isinstance(run, dict) else None
        #: The end of the run: its duration, or the last event if that is later.
        self.end: int = max(last, int(duration) if isinstance(duration, int) else 0)

    def _code(self, kind: str) -> int:
        try:
            return self.kinds.index(kind)
        except ValueError:
            return -999

    def _build_states(self, events: Sequence[TraceEvent]) -> None:
        codes = [self._code(k) for k in STATE_KINDS]
        self._state_pos = np.flatnonzero(np.isin(self.kind_code, codes))
        byz0 = []
        for h in self.scenario.get("hosts") or []:
            f = h.get("failures") if isinstance(h, dict) else None
            if isinstance(f, dict) and f.get("byzantine_probability", 0):
                byz0.append(str(h.get("id")))
        state = StateReplay(self.hosts, byz0)
        self._snapshots: list[StateReplay] = [copy.deepcopy(state)]
        intervals: dict[str, list[list[Any]]] = {h: [] for h in self.hosts}
        for count, p in enumerate(self._state_pos.tolist(), start=1):
            ev = events[p]
            before = state.status.get(ev.host)
            state.apply(ev)
            after = state.status.get(ev.host)
            if before != after and ev.host in intervals:
                spans = intervals[ev.host]
                if spans and spans[-1][1] is None:
                    spans[-1][1] = int(ev.t)
                if after != "up":
                    spans.append([int(ev.t), None, after])
            if count % _SNAPSHOT_EVERY == 0:
                self._snapshots.append(copy.deepcopy(state))
        self._intervals = {
            h: [(a, self.end if b is None else b, s) for a, b, s in spans]
            for h, spans in intervals.items()
        }

    def _build_clocks(self, events: Sequence[TraceEvent]) -> None:
        specs: dict[str, Mapping[str, Any]] = {}
        for h in self.scenario.get("hosts") or []:
            if isinstance(h, dict) and isinstance(h.get("clock"), dict):
                specs[str(h.get("id"))] = h["clock"]
        adjusts: dict[str, list[tuple[int, int, str]]] = {}
        for p in np.flatnonzero(self.kind_code == self._code("clock_adjust")).tolist():
            ev = events[p]
            d = ev.data or {}
            adjusts.setdefault(ev.host, []).append(
                (int(ev.t), int(d.get("delta", 0) or 0), str(d.get("mode", "step"))))
        self._clocks = {h: ClockSegments.from_spec(specs.get(h, {}), adjusts.get(h, ()))
                        for h in self.hosts}

    def _build_memory(self, events: Sequence[TraceEvent]) -> None:
        pos = np.flatnonzero(self.kind_code == self._code("mem"))
        k = len(pos)
        page = np.full(k, -1, dtype=np.int64)
        remote = np.zeros(k, dtype=bool)
        cost = np.zeros(k, dtype=np.int64)
        home = np.full(k, -1, dtype=np.int32)
        hidx = self.host_index
        for i, d in enumerate(map(self._data_col.__getitem__, pos.tolist())):
            if not d:
                continue
            pg = d.get("page")
            if isinstance(pg, int):
                page[i] = pg
            remote[i] = bool(d.get("remote"))
            c = d.get("cost")
            if isinstance(c, int):
                cost[i] = c
            home[i] = hidx.get(d.get("home"), -1)
        #: Memory accesses: event positions, times, pages, remote flags, costs, home hosts.
        self.mem_pos: np.ndarray = pos
        self.mem_t: np.ndarray = self.t[pos]
        self.mem_page: np.ndarray = page
        self.mem_remote: np.ndarray = remote
        self.mem_cost: np.ndarray = cost
        self.mem_home: np.ndarray = home

    # -- events ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.t)

    @property
    def duration(self) -> int:
        """The length of the run in ns (same as :attr:`end`)."""
        return self.end

    def index_at(self, t: int) -> int:
        """The number of events with time ``<= t``: the events that have happened at ``t``."""
        return int(np.searchsorted(self.t, t, side="right"))

    def event_ids_between(self, t0: int, t1: int) -> range:
        """Positions of the events with ``t0 < t <= t1``: what happens going from t0 to t1."""
        return range(self.index_at(t0), max(self.index_at(t0), self.index_at(t1)))

    def next_event_time(self, t: int) -> int | None:
        """The time of the first event after ``t``, or None when there is none."""
        i = self.index_at(t)
        return int(self.t[i]) if i < len(self.t) else None

    def prev_event_time(self, t: int) -> int | None:
        """The time of the last event before ``t``, or None when there is none."""
        i = int(np.searchsorted(self.t, t, side="left")) - 1
        return int(self.t[i]) if i >= 0 else None

    def position(self, seq: int) -> int:
        """The position in :attr:`events` of the event numbered ``seq`` (-1 if absent)."""
        if self._seq_is_position:
            return seq if 0 <= seq < len(self.t) else -1
        hits = np.flatnonzero(self.seq == seq)
        return int(hits[0]) if len(hits) else -1

    def host_name(self, code: int) -> str:
        """The host id of a host code (``""`` for -1)."""
        return self.hosts[code] if 0 <= code < len(self.hosts) else ""

    # -- hosts -------------------------------------------------------------------------
    def host_states(self, t: int) -> HostStates:
        """The state of every host and of the network at ``t`` (see :class:`HostStates`)."""
        k = self.index_at(t)
        c = int(np.searchsorted(self._state_pos, k, side="left"))
        s = c // _SNAPSHOT_EVERY
        state = copy.deepcopy(self._snapshots[s])
        events = self.events
        for p in self._state_pos[s * _SNAPSHOT_EVERY:c].tolist():
            state.apply(events[p])
        return state.frozen()

    def status_intervals(self, host: str) -> list[tuple[int, int, str]]:
        """The periods ``(t0, t1, status)`` when ``host`` was crashed or paused, in order.

        A period still open at the end of the trace ends at :attr:`end`.
        """
        return list(self._intervals.get(host, ()))

    # -- clocks ------------------------------------------------------------------------
    def local_time(self, host: str, t: int | Sequence[int] | np.ndarray) -> Any:
        """The local clock of ``host`` at real time ``t`` (an int, or an array for an array).

        The clock follows the scenario's clock specification (offset, drift in
        ppm, resolution) and the host's ``clock_adjust`` events: steps jump at
        the event; slews are modelled as the engine does (running
        :data:`SLEW_PPM` fast or slow until the correction is absorbed).
        Reading jitter is not part of the clock. An unknown host reads real time.
        """
        clock = self._clocks.get(host)
        scalar = np.ndim(t) == 0
        ts = np.atleast_1d(np.asarray(t, dtype=np.int64))
        out = ts.copy() if clock is None else clock.at(ts)
        return int(out[0]) if scalar else out

    def skew_series(self, host: str, ts: Sequence[int] | np.ndarray) -> np.ndarray:
        """How far ``host``'s clock is ahead of real time (ns, negative: behind) at each of ``ts``."""
        ts = np.asarray(ts, dtype=np.int64)
        return self.local_time(host, ts) - ts

    def real_span_for_local(self, host: str, a0: int, a1: int) -> tuple[int, int] | None:
        """A real-time interval containing every ``t`` where ``host``'s clock reads in [a0, a1].

        Useful to cull events when a view's axis is a host's local clock;
        None when the clock never shows a value in that range.
        """
        clock = self._clocks.get(host)
        if clock is None:
            return (int(a0), int(a1))
        return clock.real_span(float(a0), float(a1), self.end)

    # -- memory ------------------------------------------------------------------------
    def mem_heat(self, t: int, window: int) -> dict[int, int]:
        """Accesses per page in ``(t - window, t]``: a dict page -> count (pages with none left out)."""
        lo = int(np.searchsorted(self.mem_t, t - window, side="right"))
        hi = int(np.searchsorted(self.mem_t, t, side="right"))
        pages = self.mem_page[lo:hi]
        pages = pages[pages >= 0]
        if not len(pages):
            return {}
        u, c = np.unique(pages, return_counts=True)
        return dict(zip(u.tolist(), c.tolist(), strict=True))

    def mem_between(self, t0: int, t1: int) -> slice:
        """The slice of the ``mem_*`` arrays for the accesses with ``t0 < t <= t1``."""
        lo = int(np.searchsorted(self.mem_t, t0, side="right"))
        hi = int(np.searchsorted(self.mem_t, t1, side="right"))
        return slice(lo, max(lo, hi))

    # -- causality ---------------------------------------------------------------------
    def lamport_clock(self, i: int) -> int | None:
        """The Lamport clock of the event at position ``i`` (None for network events).

        The clocks of the whole trace are computed on the first call and kept.
        """
        if self._lamport is None:
            clocks = lamport_clocks(self.events)
            self._lamport = np.array([-1 if c is None else c for c in clocks], dtype=np.int64)
        c = int(self._lamport[i])
        return None if c < 0 else c

    def causal_past(self, i: int) -> set[int]:
        """Positions of the events that happened before event ``i`` (the last answers are kept)."""
        return self._causal("past", i)

    def causal_future(self, i: int) -> set[int]:
        """Positions of the events that event ``i`` happened before (the last answers are kept)."""
        return self._causal("future", i)

    def _causal(self, which: str, i: int) -> set[int]:
        key = (which, i)
        hit = self._causal_cache.get(key)
        if hit is None:
            fn = causal_past if which == "past" else causal_future
            hit = fn(self.events, i)
            if len(self._causal_cache) >= 8:
                self._causal_cache.pop(next(iter(self._causal_cache)))
            self._causal_cache[key] = hit
        return hit

    def vector_clock(self, i: int) -> dict[str, int] | None:
        """The vector clock of the event at position ``i`` (None for network events).

        Entry h counts the events of host h in the causal past of ``i``
        (``i`` itself included): the same clock as
        :func:`~sandbox.trace.causality.vector_clocks` gives, for one event.
        """
        if self.host_code[i] < 0:
            return None
        past = self.causal_past(i)
        codes = self.host_code[np.fromiter(past, np.int64, len(past))] if past else \
            np.empty(0, dtype=np.int32)
        counts = np.bincount(codes[codes >= 0], minlength=len(self.hosts))
        counts[self.host_code[i]] += 1
        return {self.hosts[h]: int(c) for h, c in enumerate(counts.tolist()) if c}


def open_trace(path: str | os.PathLike) -> Timeline:
    """Load a JSONL trace and index it: the fast way to open a large trace for playback.

    It gives what ``Timeline(*read_jsonl(path))`` gives, faster: the events
    are parsed in one call of the JSON decoder, with the cyclic garbage
    collector paused (it would otherwise walk every event already loaded
    again and again). What was loaded is then moved out of the collector's
    reach with ``gc.freeze()``, so that later full collections do not walk a
    million events (a pause of about a second each). Garbage is collected
    first, so nothing dead is frozen; nothing in the program unfreezes (a
    later unfreeze could have Qt wrappers collected after Qt deleted their
    objects). Events hold no reference cycles, so they are still freed when
    the timeline is dropped. A damaged file raises
    :class:`~sandbox.trace.sinks.TraceFormatError` naming the bad line, as
    ``read_jsonl`` does.
    """
    gc.collect()
    collecting = gc.isenabled()
    gc.disable()
    try:
        header = read_header(path)
        with open(path, encoding="utf-8") as fh:
            fh.readline()
            body = fh.read().strip()
        try:
            rows = json.loads("[" + body.replace("\n", ",") + "]") if body else []
            new, cls = tuple.__new__, TraceEvent  # skips the named tuple's Python __new__
            events = [new(cls, (d["seq"], d["t"], d["kind"], d["host"], d["local"], d.get("msg"),
                                d.get("peer"), d.get("data") or None)) for d in rows]
        except (json.JSONDecodeError, KeyError, TypeError):
            # blank or damaged lines: the line-by-line reader skips the first, names the second
            del body
            _header, stream = iter_jsonl(path)
            events = list(stream)
        else:
            del body, rows
        timeline = Timeline(header, events)
    finally:
        if collecting:
            gc.enable()
    gc.freeze()
    return timeline
