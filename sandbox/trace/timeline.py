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
import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ..scenario.files import file_limit
from ..scenario.model import SLEW_PPM
from .causality import causal_future, causal_past, lamport_clocks
from .clock_model import ClockSegments
from .event_store import TraceColumns, TraceTooLarge, build_columns, check_memory
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
from .series import Columns
from .sinks import TraceFormatError, iter_jsonl

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
    "TraceTooLarge",
    "open_trace",
]

#: Kinds of event that change the state reported by :meth:`Timeline.host_states`.
STATE_KINDS: tuple[str, ...] = (
    "crash", "recover", "pause", "resume", "byzantine", "suspect", "unsuspect",
    "partition", "heal", "link_cut", "link_heal", "state",
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
        if not isinstance(events, Sequence):
            events = list(events)
        # The build makes few long-lived objects but walks a million; the cyclic
        # garbage collector would rescan every event many times over.
        collecting = gc.isenabled()
        gc.disable()
        try:
            cols = build_columns(events, _scenario_hosts(header))
            self._setup(header, cols, events)
        finally:
            if collecting:
                gc.enable()

    @classmethod
    def from_columns(cls, header: Mapping[str, Any] | None, cols: TraceColumns) -> Timeline:
        """The timeline of columns built with ``keep`` (:func:`build_columns`): its events are
        the compact :attr:`TraceColumns.store`. Raises ValueError like the constructor."""
        if cols.store is None:
            raise ValueError("the columns were built without their events")
        tl = cls.__new__(cls)
        collecting = gc.isenabled()
        gc.disable()
        try:
            tl._setup(header, cols, cols.store)
        finally:
            if collecting:
                gc.enable()
        return tl

    # -- building ----------------------------------------------------------------------
    def _setup(self, header: Mapping[str, Any] | None, cols: TraceColumns,
               events: Sequence[TraceEvent]) -> None:
        self.header: dict[str, Any] = dict(header or {})
        scenario = self.header.get("scenario") or {}
        self.scenario: dict[str, Any] = scenario if isinstance(scenario, dict) else {}
        #: The events, in time order: the list given, or a compact store for an opened trace.
        self.events: Sequence[TraceEvent] = events
        n = len(cols.t)
        self.t: np.ndarray = cols.t
        if n > 1 and bool((np.diff(self.t) < 0).any()):
            raise ValueError("trace events are not in time order")
        self.seq: np.ndarray = cols.seq
        self._seq_is_position = bool(n == 0 or (self.seq[0] == 0 and self.seq[-1] == n - 1
                                                and (np.diff(self.seq) == 1).all()))
        self.local: np.ndarray = cols.local
        #: Every kind name; ``kind_code`` indexes it.
        self.kinds: list[str] = cols.kinds
        self.kind_code: np.ndarray = cols.kind_code
        #: Host ids: the scenario's in order, then any other host of the trace.
        self.hosts: list[str] = cols.hosts
        #: Host id -> its index in :attr:`hosts`.
        self.host_index: dict[str, int] = {h: i for i, h in enumerate(self.hosts)}
        self.host_code: np.ndarray = cols.host_code
        self.peer_code: np.ndarray = cols.peer_code
        self.msg: np.ndarray = cols.msg
        run = self.scenario.get("run") or {}
        last = int(self.t[-1]) if n else 0
        duration = run.get("duration") if isinstance(run, dict) else None
        #: The end of the run: its duration, or the last event if that is later.
        self.end: int = max(last, int(duration) if isinstance(duration, int) else 0)
        self._build_messages(cols)
        self._build_states(events)
        self._build_clocks(cols)
        self._build_memory(cols)
        self._lamport: np.ndarray | None = None
        self._causal_cache: dict[tuple[str, int], set[int]] = {}

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
        #: (host, field) -> its periods [t0, t1, value, seq] (t1 None while open).
        shown: dict[tuple[str, str], list[list[Any]]] = {}
        fields: dict[str, None] = {}
        for count, p in enumerate(self._state_pos.tolist(), start=1):
            ev = events[p]
            if ev.kind == "state" or ev.kind == "crash":
                self._note_protocol(ev, shown, fields)
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
        self._protocol = {key: [(a, self.end if b is None else b, v, q) for a, b, v, q in spans]
                          for key, spans in shown.items()}
        #: The protocol state fields the trace reports, in the order they first appear.
        self.state_fields: list[str] = list(fields)

    @staticmethod
    def _note_protocol(ev: TraceEvent, shown: dict[tuple[str, str], list[list[Any]]],
                       fields: dict[str, None]) -> None:
        """Close and open the periods of protocol state fields at a state event or a crash."""
        t = int(ev.t)
        if ev.kind == "crash":  # a crash ends every field of the host (see StateReplay)
            for (host, _), spans in shown.items():
                if host == ev.host and spans and spans[-1][1] is None:
                    spans[-1][1] = t
            return
        for name, value in (ev.data or {}).items():
            fields.setdefault(name, None)
            spans = shown.setdefault((ev.host, name), [])
            if spans and spans[-1][1] is None:
                spans[-1][1] = t
            if value is not None:
                spans.append([t, None, value, int(ev.seq)])

    def _build_clocks(self, cols: TraceColumns) -> None:
        specs: dict[str, Mapping[str, Any]] = {}
        for h in self.scenario.get("hosts") or []:
            if isinstance(h, dict) and isinstance(h.get("clock"), dict):
                specs[str(h.get("id"))] = h["clock"]
        adjusts = cols.adjusts
        self._clocks = {h: ClockSegments.from_spec(specs.get(h, {}), adjusts.get(h, ()))
                        for h in self.hosts}

    def _build_memory(self, cols: TraceColumns) -> None:
        #: Memory accesses: event positions, times, pages, remote flags, costs, home hosts.
        self.mem_pos: np.ndarray = cols.mem_pos
        self.mem_t: np.ndarray = self.t[cols.mem_pos]
        self.mem_page: np.ndarray = cols.mem_page
        self.mem_remote: np.ndarray = cols.mem_remote
        self.mem_cost: np.ndarray = cols.mem_cost
        self.mem_home: np.ndarray = cols.mem_home

    # -- events ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.t)

    def series_columns(self) -> Columns:
        """The columns the plot series read (:class:`~sandbox.trace.series.Columns`), taken
        from the timeline's own: pass them as ``cols`` to save the passes over the events."""
        known = len(KINDS)  # the timeline's first kinds are KINDS, in order
        kind = np.where(self.kind_code < known, self.kind_code, -1).astype(np.int16)
        return Columns(self.t, kind, self.msg)

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

    def state_intervals(self, host: str, field: str) -> list[tuple[int, int, Any, int]]:
        """The periods ``(t0, t1, value, seq)`` in which ``host`` reported protocol state
        ``field`` as ``value`` (``seq``: the state event that set it), in order. A period
        ends when the value changes, is cleared, or the host crashes; one still open at
        the end of the trace ends at :attr:`end`."""
        return list(self._protocol.get((host, field), ()))

    def state_values(self, field: str) -> list[Any]:
        """Every value protocol state ``field`` takes in the trace, in order of first
        appearance (hashable ones: lists become tuples)."""
        seen: dict[Any, None] = {}
        for (_, name), spans in self._protocol.items():
            if name == field:
                for _, _, value, _ in spans:
                    seen.setdefault(tuple(value) if isinstance(value, list) else value, None)
        return list(seen)

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


def _scenario_hosts(header: Mapping[str, Any] | None) -> list[str]:
    """The host ids of the scenario in a trace header, in order."""
    scenario = (header or {}).get("scenario")
    hosts = scenario.get("hosts") if isinstance(scenario, dict) else None
    if not isinstance(hosts, list):
        return []
    return [str(h.get("id")) for h in hosts if isinstance(h, dict) and h.get("id")]


def open_trace(path: str | os.PathLike) -> Timeline:
    """Open a JSONL trace for playback: its timeline, with the events kept compactly.

    The file is read once, as :func:`~sandbox.trace.sinks.iter_jsonl` gives
    its events, into numpy columns and the serialised details of each event
    (:mod:`~sandbox.trace.event_store`): less memory than the file takes,
    where a list of events takes eight times that. Before reading, a trace
    the machine cannot hold (its size against the memory available,
    :func:`~sandbox.trace.event_store.check_memory`) is refused with
    :class:`~sandbox.trace.event_store.TraceTooLarge`, as is one that runs
    out of memory all the same.

    Every problem of the file is a
    :class:`~sandbox.trace.sinks.TraceFormatError` whose message names the
    file (see ``iter_jsonl``): a damaged line and its number, a file that
    cannot be read, is not regular or is over the size limit, events out of
    time order, a field that does not fit its column.
    """
    try:
        st = os.stat(path)
        size = st.st_size if stat.S_ISREG(st.st_mode) else 0
    except (OSError, ValueError):
        size = 0  # iter_jsonl says what is wrong with the path
    if size <= file_limit("trace"):  # a larger file is refused by iter_jsonl, with its limit
        check_memory(path, size)
    name = os.fspath(path)
    header, stream = iter_jsonl(path)
    # the chunk of events being taken holds thousands of young dicts: the cyclic garbage
    # collector would scan them again and again (nothing of the build makes cycles)
    collecting = gc.isenabled()
    gc.disable()
    try:
        cols = build_columns(stream, _scenario_hosts(header), keep=True)
    except MemoryError:
        raise TraceTooLarge(
            f"{name}: the memory ran out while opening this trace of {size / 1e6:,.0f} MB. "
            f"Close other programs and open it again, or open a shorter trace.") from None
    except UnicodeDecodeError as exc:
        raise TraceFormatError(f"{name}: not a UTF-8 text file ({exc.reason}); a JSONL "
                               f"trace is UTF-8 text") from None
    except ValueError as exc:
        raise TraceFormatError(f"{name}: {exc}") from None
    finally:
        if collecting:
            gc.enable()
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    back = np.flatnonzero(np.diff(cols.t) < 0)
    if len(back):
        k = int(back[0]) + 1
        raise TraceFormatError(
            f"{name}: event {k + 1} (seq {int(cols.seq[k])}) happens at {int(cols.t[k])} ns, "
            f"before the event ahead of it ({int(cols.t[k - 1])} ns); the events of a trace "
            f"must be in time order")
    try:
        return Timeline.from_columns(header, cols)
    except MemoryError:
        raise TraceTooLarge(
            f"{name}: the memory ran out while indexing this trace of {size / 1e6:,.0f} MB. "
            f"Close other programs and open it again, or open a shorter trace.") from None
