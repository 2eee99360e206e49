"""The events of a big trace kept compactly (numpy columns and the serialised details) and
read back as TraceEvent tuples on access; how much memory opening a trace needs.

A :class:`Timeline` opened from a file does not keep a million
:class:`~sandbox.trace.events.TraceEvent` tuples with a dict each (about
eight times the file size). :func:`build_columns` takes the events in one
pass and keeps, per event, its fields as numpy columns and its ``data`` as
bytes (``marshal``, which gives back exactly the values it was given), in
one buffer per few thousand events, plus what the timeline's index reads
from the details (message flags, channels, drop reasons, memory accesses,
clock adjustments). :class:`EventStore` is the read-only sequence built on
that: ``store[i]``, slices and iteration give the same TraceEvent tuples,
a block at a time.

:func:`check_memory` refuses a trace the machine cannot hold before it is
read, from its size and the memory available (:func:`available_memory`).
"""

from __future__ import annotations

import marshal
import operator
import os
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice, repeat
from typing import Any, TypeGuard, overload

import numpy as np

from ..scenario.files import file_limit
from .events import KINDS, TraceEvent
from .sinks import TraceFormatError

__all__ = [
    "MEMORY_PER_FILE_BYTE",
    "EventStore",
    "TraceColumns",
    "TraceTooLarge",
    "available_memory",
    "build_columns",
    "check_memory",
    "memory_needed",
]

#: Events per build chunk and per buffer of details.
CHUNK = 8192
#: Events rebuilt together on a random access (divides CHUNK) ...
BLOCK = 64
#: ... and how many such blocks are kept for the next accesses.
CACHE_BLOCKS = 64
#: Events rebuilt at a time while iterating (divides CHUNK).
_ITER_STEP = 1024

#: Bytes of memory that opening a trace in the GUI needs per byte of the file (an upper
#: bound of what the playback benchmark measures, with room for the views).
MEMORY_PER_FILE_BYTE = 3.0
#: Memory that opening any trace needs besides (the views, the scenario, the run's arrays).
MEMORY_BASE = 64 << 20

_MB = 1_000_000

# Bits of TraceColumns.detail_bits (the first three are the FLAG_* of message_index).
BIT_CORRUPTED = 1
BIT_BYZ = 2
BIT_LATE = 4
#: A send or duplicate whose details have a ``path``; a deliver or drop with a ``link``.
BIT_PATH = 16
BIT_LINK = 32

_SEND, _DELIVER, _DROP, _DUP = (KINDS.index(k) for k in ("send", "deliver", "drop", "duplicate"))
_MEM, _CLOCK_ADJUST = KINDS.index("mem"), KINDS.index("clock_adjust")
# The detail keys the index reads from an event that creates a message, and one that ends it.
_CREATOR_KEYS = frozenset({"channel", "byz", "late", "of", "path"})
_END_KEYS = frozenset({"reason", "corrupted", "byz", "late", "dup", "link"})
_INT64 = (-(1 << 63), (1 << 63) - 1)


# -- memory -----------------------------------------------------------------------------------


class TraceTooLarge(TraceFormatError):
    """A trace that this machine cannot hold in memory; the message says the sizes and why."""


def _read_int(path: str) -> int | None:
    try:
        with open(path, encoding="ascii") as fh:
            text = fh.read().strip()
    except (OSError, ValueError):
        return None
    return int(text) if text.isdigit() else None


def _cgroup_headroom() -> int | None:
    """What the process's control group still lets it use (None without a limit)."""
    try:
        with open("/proc/self/cgroup", encoding="ascii") as fh:
            lines = fh.read().splitlines()
    except (OSError, ValueError):
        return None
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        rel = parts[2].lstrip("/")
        if parts[0] == "0" and parts[1] == "":  # cgroup v2
            base = os.path.join("/sys/fs/cgroup", rel)
            limit, used = _read_int(os.path.join(base, "memory.max")), \
                _read_int(os.path.join(base, "memory.current"))
        elif "memory" in parts[1].split(","):  # cgroup v1
            base = os.path.join("/sys/fs/cgroup/memory", rel)
            limit, used = _read_int(os.path.join(base, "memory.limit_in_bytes")), \
                _read_int(os.path.join(base, "memory.usage_in_bytes"))
        else:
            continue
        if limit is not None and used is not None and limit < 1 << 60:
            return max(0, limit - used)
    return None


def available_memory() -> int | None:
    """Bytes of memory the program can still take: the system's ``MemAvailable`` (from
    /proc/meminfo), lowered by a control-group limit; None when it cannot be told."""
    found: list[int] = []
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
                    break
    except (OSError, ValueError, IndexError):
        pass
    if not found:
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (AttributeError, ValueError, OSError):
            pass
    headroom = _cgroup_headroom()
    if headroom is not None:
        found.append(headroom)
    return min(found) if found else None


def memory_needed(file_size: int) -> int:
    """About how many bytes opening a trace file of ``file_size`` bytes in the GUI takes."""
    return int(file_size * MEMORY_PER_FILE_BYTE) + MEMORY_BASE


def check_memory(path: str | os.PathLike, file_size: int, available: int | None = None) -> None:
    """Refuse, before reading it, a trace file that would not fit in memory.

    ``available`` is the memory free for it (:func:`available_memory` when
    None; no check when that cannot be told). Raises :class:`TraceTooLarge`
    naming the file, its size, what it needs and what is available.
    """
    if available is None:
        available = available_memory()
    needed = memory_needed(file_size)
    if available is None or needed <= available:
        return
    raise TraceTooLarge(
        f"{os.fspath(path)}: this trace is {file_size / _MB:,.0f} MB; opening it needs about "
        f"{needed / _MB:,.0f} MB of memory and only {available / _MB:,.0f} MB is available. "
        f"Close other programs and open it again, or open a shorter trace (traces over "
        f"{file_limit('trace') >> 20:,} MiB are refused in any case; set DS_SANDBOX_MAX_TRACE_MB "
        f"to change that limit).")


# -- the store --------------------------------------------------------------------------------


class EventStore(Sequence[TraceEvent]):
    """The events of a trace as a read-only sequence of TraceEvent, built on access.

    Made by :func:`build_columns`; the columns are shared with the
    timeline. ``store[i]`` rebuilds the :data:`BLOCK` events around ``i``
    (their details decoded from their bytes) and keeps the last
    :data:`CACHE_BLOCKS` blocks, so reading nearby events or events in
    order costs well under a microsecond each; a slice or an iteration
    rebuilds a thousand at a time. Details dicts may be shared between
    accesses, as in a list of events: do not change them.
    """

    def __init__(self, cols: TraceColumns, buffers: list[bytes], starts: np.ndarray,
                 odd: dict[int, TraceEvent]) -> None:
        self._n = len(cols.t)
        self._seq, self._t, self._local, self._msg = cols.seq, cols.t, cols.local, cols.msg
        self._kind, self._host, self._peer = cols.kind_code, cols.host_code, cols.peer_code
        self._kinds = cols.kinds
        self._hosts = cols.hosts + [""]  # code -1 -> ""
        self._peers = cols.hosts + [None]  # code -1 -> None
        self._buffers = buffers
        self._starts = starts
        self._odd = odd  # events the columns cannot give back exactly, kept whole
        self._odd_pos = np.array(sorted(odd), dtype=np.int64)
        self._cache: OrderedDict[int, list[TraceEvent]] = OrderedDict()

    def __len__(self) -> int:
        return self._n

    @property
    def data_bytes(self) -> int:
        """The bytes that the events' details take."""
        return sum(map(len, self._buffers))

    def _end(self, i: int) -> int:
        """Where the details of event ``i`` end in its buffer."""
        j = i + 1
        return self._starts.item(j) if j < self._n and j % CHUNK else \
            len(self._buffers[i // CHUNK])

    def _details(self, a: int, b: int) -> list[Any]:
        """The details of events ``a`` to ``b - 1``, all in one buffer (None for none)."""
        view = memoryview(self._buffers[a // CHUNK])
        bounds = self._starts[a:b].tolist()
        bounds.append(self._end(b - 1))
        loads = marshal.loads
        return [loads(view[s:e]) if e > s else None
                for s, e in zip(bounds, bounds[1:], strict=False)]

    def _events(self, a: int, b: int) -> list[TraceEvent]:
        """Events ``a`` to ``b - 1`` (in one buffer) rebuilt from the columns and details."""
        kinds, hosts, peers = self._kinds, self._hosts, self._peers
        msgs = [None if m == -1 else m for m in self._msg[a:b].tolist()]
        rows = zip(self._seq[a:b].tolist(), self._t[a:b].tolist(),
                   map(kinds.__getitem__, self._kind[a:b].tolist()),
                   map(hosts.__getitem__, self._host[a:b].tolist()),
                   self._local[a:b].tolist(), msgs,
                   map(peers.__getitem__, self._peer[a:b].tolist()),
                   self._details(a, b), strict=True)
        out: list[TraceEvent] = list(map(tuple.__new__, repeat(TraceEvent), rows))
        if len(self._odd_pos):
            lo, hi = np.searchsorted(self._odd_pos, (a, b)).tolist()
            for p in self._odd_pos[lo:hi].tolist():
                out[p - a] = self._odd[p]
        return out

    @overload
    def __getitem__(self, i: int) -> TraceEvent: ...

    @overload
    def __getitem__(self, i: slice) -> list[TraceEvent]: ...

    def __getitem__(self, i: int | slice) -> TraceEvent | list[TraceEvent]:
        if isinstance(i, slice):
            a, b, step = i.indices(self._n)
            if step != 1:
                return [self[j] for j in range(a, b, step)]
            out: list[TraceEvent] = []
            while a < b:
                c = min(b, (a // CHUNK + 1) * CHUNK)
                out += self._events(a, c)
                a = c
            return out
        i = operator.index(i)
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError("event index out of range")
        k = i // BLOCK
        cache = self._cache
        block = cache.get(k)
        if block is None:
            block = cache[k] = self._events(k * BLOCK, min(self._n, (k + 1) * BLOCK))
            if len(cache) > CACHE_BLOCKS:
                cache.popitem(last=False)
        else:
            cache.move_to_end(k)
        return block[i - k * BLOCK]

    def __iter__(self) -> Iterator[TraceEvent]:
        for a in range(0, self._n, _ITER_STEP):
            yield from self._events(a, min(self._n, a + _ITER_STEP))


# -- building ---------------------------------------------------------------------------------


@dataclass
class TraceColumns:
    """A trace as numpy columns, with what the timeline's index reads from the details.

    Host codes index ``hosts`` (-1: none), kind codes ``kinds``; ``msg`` is
    -1 for an event without a message. ``detail_bits`` holds, per event,
    the corrupted, Byzantine and late bits of a creating or ending message
    event whose details the index reads; ``detail_code`` its channel (an
    index of ``channels``, for a send or duplicate) or its drop reason (an
    index of ``reasons``, in order of first appearance among events), -1 for
    none; ``ref_pos``/``ref_val`` the events with an ``of`` or ``dup``
    message id. ``mem_*`` describe the memory accesses and ``adjusts`` the
    clock adjustments by host. ``store`` holds the events when they were kept.
    """

    seq: np.ndarray
    t: np.ndarray
    local: np.ndarray
    msg: np.ndarray
    kind_code: np.ndarray
    kinds: list[str]
    host_code: np.ndarray
    peer_code: np.ndarray
    hosts: list[str]
    detail_bits: np.ndarray
    detail_code: np.ndarray
    channels: list[str]
    reasons: list[str]
    ref_pos: np.ndarray
    ref_val: np.ndarray
    mem_pos: np.ndarray
    mem_page: np.ndarray
    mem_remote: np.ndarray
    mem_cost: np.ndarray
    mem_home: np.ndarray
    adjusts: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)
    store: EventStore | None = None


def _in_int64(v: Any) -> TypeGuard[int]:
    """Whether ``v`` is an int (not a bool) that fits in an int64."""
    return isinstance(v, int) and not isinstance(v, bool) and _INT64[0] <= v <= _INT64[1]


def _int_or(v: Any, default: int) -> int:
    """``v`` as an int64 when it is an int (a bool counts), else ``default``."""
    return int(v) if isinstance(v, int) and _INT64[0] <= v <= _INT64[1] else default


class _Builder:
    """Accumulates the columns of a trace chunk by chunk (see :func:`build_columns`)."""

    def __init__(self, hosts: Sequence[str], keep: bool) -> None:
        self.keep = keep
        self.n = 0
        self.kinds: list[Any] = list(KINDS)
        self.kmap: dict[Any, int] = {k: i for i, k in enumerate(KINDS)}
        self.hosts: list[Any] = list(hosts)
        self.n_known = len(self.hosts)
        self.hmap: dict[Any, int] = {h: i for i, h in enumerate(self.hosts)}
        self.hmap[""] = self.hmap[None] = -1
        self.parts: dict[str, list[np.ndarray]] = {}
        self.channels = ["app", "mem", "sys"]
        self.chmap = {c: i for i, c in enumerate(self.channels)}
        self.reasons: list[str] = []
        self.rmap: dict[str, int] = {}
        self.refs: list[tuple[int, int]] = []
        self.homes: dict[str, int] = {}
        self.adjusts: dict[str, list[tuple[int, int, str]]] = {}
        self.buffers: list[bytes] = []
        self.starts: list[np.ndarray] = []
        self.odd: dict[int, TraceEvent] = {}

    def _put(self, name: str, arr: np.ndarray) -> None:
        self.parts.setdefault(name, []).append(arr)

    def _ints(self, name: str, values: Sequence[Any], odd: set[int]) -> np.ndarray:
        """An int64 column; a bool is taken as its value (the event is kept whole)."""
        if not set(map(type, values)) <= {int}:
            for j, v in enumerate(values):
                if type(v) is not int:
                    if not isinstance(v, int):
                        raise ValueError(f"event {self.n + j + 1}: {name} is {v!r}, "
                                         f"not a whole number")
                    odd.add(j)
            values = [int(v) for v in values]
        try:
            return np.array(values, dtype=np.int64)
        except OverflowError:
            j = next(j for j, v in enumerate(values) if not _INT64[0] <= v <= _INT64[1])
            raise ValueError(f"event {self.n + j + 1}: {name} {values[j]} is out of "
                             f"range") from None

    def _names(self, values: tuple[Any, ...], table: dict[Any, int], names: list[Any],
               odd: set[int], ambiguous: Any, np_type: Any) -> np.ndarray:
        """Codes of host or kind names; a new name gets the next (provisional) code.

        A value the codes cannot give back (``ambiguous``: a host None, which
        reads back as "", a peer "", which reads back as None; anything not
        a string) marks its event to be kept whole; a non-string is coded
        as its text.
        """
        try:
            names_seen = set(values)
        except TypeError:  # an unhashable value
            names_seen = None
        if names_seen is None or ambiguous in names_seen or \
                not all(type(v) is str or v is None for v in names_seen):
            fixed = []
            for j, v in enumerate(values):
                if type(v) is str or v is None:
                    if v == ambiguous:
                        odd.add(j)
                    if v not in table and v is None:
                        v = "None"
                else:
                    odd.add(j)
                    v = str(v)
                fixed.append(v)
            values = tuple(fixed)
            names_seen = set(values)
        for name in names_seen - table.keys():
            table[name] = len(names)
            names.append(name)
        return np.fromiter(map(table.__getitem__, values), np_type, len(values))

    def add(self, chunk: list[TraceEvent]) -> None:
        """Take the next events (a chunk of CHUNK events, the last one maybe shorter)."""
        m = len(chunk)
        if not m:
            return
        seq, t, kind, host, local, msg, peer, data = zip(*chunk, strict=True)
        odd: set[int] = set()
        self._put("seq", self._ints("seq", seq, odd))
        t_arr = self._ints("t", t, odd)
        self._put("t", t_arr)
        self._put("local", self._ints("local", local, odd))
        if -1 in msg:
            odd.update(j for j, v in enumerate(msg) if v is not None and v == -1)
        m_arr = self._ints("msg", [-1 if v is None else v for v in msg], odd)
        self._put("msg", m_arr)
        kc = self._names(kind, self.kmap, self.kinds, odd, None, np.int16)
        hc = self._names(host, self.hmap, self.hosts, odd, None, np.int32)
        self._put("kind", kc)
        self._put("host", hc)
        self._put("peer", self._names(peer, self.hmap, self.hosts, odd, "", np.int32))
        bits, codes = bytearray(m), np.full(m, -1, dtype=np.int16)
        self._messages(kc, m_arr, data, bits, codes)
        self._put("bits", np.frombuffer(bytes(bits), dtype=np.uint8))
        self._put("code", codes)
        self._memory(kc, data)
        for j in np.flatnonzero(kc == _CLOCK_ADJUST).tolist():
            d = data[j] if type(data[j]) is dict else {}
            try:
                delta = int(d.get("delta", 0) or 0)
            except (TypeError, ValueError, OverflowError):
                delta = 0
            h = int(hc[j])
            self.adjusts.setdefault(self.hosts[h] if h >= 0 else "", []).append(
                (int(t_arr[j]), delta, str(d.get("mode", "step"))))
        if self.keep:
            self._keep(chunk, data, odd)
        self.n += m

    def _messages(self, kc: np.ndarray, msg: np.ndarray, data: tuple[Any, ...],
                  bits: bytearray, codes: np.ndarray) -> None:
        """What the message index reads from the details of sends, duplicates and their ends."""
        base = self.n
        has_msg = msg >= 0
        for j in np.flatnonzero(((kc == _SEND) | (kc == _DUP)) & has_msg).tolist():
            d = data[j]
            if not d or type(d) is not dict or d.keys().isdisjoint(_CREATOR_KEYS):
                continue
            ch = d.get("channel")
            if ch is not None:
                ch = ch if type(ch) is str else str(ch)
                code = self.chmap.get(ch)
                if code is None:
                    code = self.chmap[ch] = len(self.channels)
                    self.channels.append(ch)
                codes[j] = code
            bits[j] = (BIT_BYZ if d.get("byz") else 0) | (BIT_LATE if d.get("late") else 0) | \
                (BIT_PATH if "path" in d else 0)
            of = d.get("of")
            if _in_int64(of):
                self.refs.append((base + j, of))
        for j in np.flatnonzero(((kc == _DELIVER) | (kc == _DROP)) & has_msg).tolist():
            d = data[j]
            if not d or type(d) is not dict or d.keys().isdisjoint(_END_KEYS):
                continue
            b = BIT_LINK if "link" in d else 0
            if len(d) >= 2 or "reason" in d:
                if "reason" in d:
                    r = str(d["reason"])
                    code = self.rmap.get(r)
                    if code is None:
                        code = self.rmap[r] = len(self.reasons)
                        self.reasons.append(r)
                    codes[j] = code
                b |= (BIT_CORRUPTED if d.get("corrupted") else 0) | \
                    (BIT_BYZ if d.get("byz") else 0) | (BIT_LATE if d.get("late") else 0)
                dup = d.get("dup")
                if _in_int64(dup):
                    self.refs.append((base + j, dup))
            bits[j] = b

    def _memory(self, kc: np.ndarray, data: tuple[Any, ...]) -> None:
        """The page, remote flag, cost and home host of every memory access."""
        pos = np.flatnonzero(kc == _MEM)
        if not len(pos):
            return
        k = len(pos)
        page, cost, home = [-1] * k, [0] * k, [-1] * k
        remote = bytearray(k)
        homes = self.homes
        for i, j in enumerate(pos.tolist()):
            d = data[j]
            if not d or type(d) is not dict:
                continue
            page[i] = _int_or(d.get("page"), -1)
            remote[i] = bool(d.get("remote"))
            cost[i] = _int_or(d.get("cost"), 0)
            h = d.get("home")
            if type(h) is str:
                home[i] = homes.setdefault(h, len(homes))
        self._put("mem_pos", pos + self.n)
        self._put("mem_page", np.array(page, dtype=np.int64))
        self._put("mem_remote", np.frombuffer(bytes(remote), dtype=np.uint8))
        self._put("mem_cost", np.array(cost, dtype=np.int64))
        self._put("mem_home", np.array(home, dtype=np.int32))

    def _keep(self, chunk: list[TraceEvent], data: tuple[Any, ...], odd: set[int]) -> None:
        """The details as bytes, one buffer per chunk; the odd events kept whole."""
        dumps = marshal.dumps
        try:
            blobs = [dumps(d) if d else b"" for d in data]
        except ValueError:  # a value marshal does not take: that event is kept whole
            blobs = []
            for j, d in enumerate(data):
                try:
                    blobs.append(dumps(d) if d else b"")
                except ValueError:
                    blobs.append(b"")
                    odd.add(j)
        lengths = np.fromiter(map(len, blobs), np.int64, len(blobs))
        self.starts.append(np.cumsum(lengths) - lengths)
        self.buffers.append(b"".join(blobs))
        for j in odd:
            self.odd[self.n + j] = chunk[j]

    def _column(self, name: str, dtype: Any) -> np.ndarray:
        parts = self.parts.pop(name, [])
        return np.concatenate(parts).astype(dtype, copy=False) if parts else \
            np.zeros(0, dtype=dtype)

    def finish(self) -> TraceColumns:
        """The columns, with the names of extra kinds and hosts in sorted order."""
        kind = self._column("kind", np.int16)
        kinds = list(KINDS) + sorted(self.kinds[len(KINDS):])
        if len(kinds) > len(KINDS):
            kind = np.array([kinds.index(k) for k in self.kinds], dtype=np.int16)[kind]
        extra_hosts = self.hosts[self.n_known:]
        hosts = self.hosts[:self.n_known] + sorted(extra_hosts)
        host, peer = self._column("host", np.int32), self._column("peer", np.int32)
        final = {h: i for i, h in enumerate(hosts)}
        if extra_hosts:  # the last entry maps code -1 to itself
            remap = np.array([final[h] for h in self.hosts] + [-1], dtype=np.int32)
            host, peer = remap[host], remap[peer]
        home_code = np.array([final.get(name, -1) for name in self.homes] + [-1], np.int32)
        refs = np.array(sorted(self.refs), dtype=np.int64).reshape(len(self.refs), 2)
        cols = TraceColumns(
            seq=self._column("seq", np.int64), t=self._column("t", np.int64),
            local=self._column("local", np.int64), msg=self._column("msg", np.int64),
            kind_code=kind, kinds=kinds, host_code=host, peer_code=peer, hosts=hosts,
            detail_bits=self._column("bits", np.uint8),
            detail_code=self._column("code", np.int16),
            channels=self.channels, reasons=self.reasons,
            ref_pos=refs[:, 0].copy(), ref_val=refs[:, 1].copy(),
            mem_pos=self._column("mem_pos", np.int64),
            mem_page=self._column("mem_page", np.int64),
            mem_remote=self._column("mem_remote", np.uint8).astype(bool),
            mem_cost=self._column("mem_cost", np.int64),
            mem_home=home_code[self._column("mem_home", np.int32)],
            adjusts=self.adjusts)
        if self.keep:
            starts = np.concatenate(self.starts) if self.starts else np.zeros(0, np.int64)
            cols.store = EventStore(cols, self.buffers, starts, self.odd)
        return cols


def build_columns(events: Iterable[TraceEvent], hosts: Sequence[str],
                  keep: bool = False) -> TraceColumns:
    """The columns of a trace from its events, in one pass (they may come from a stream).

    ``hosts`` are the scenario's host ids, which come first in
    :attr:`TraceColumns.hosts` (any other host of the trace follows, sorted).
    With ``keep`` the events themselves are kept compactly in
    :attr:`TraceColumns.store`. Raises ValueError for a field that is not
    a whole number in range (seq, t, local, msg).
    """
    builder = _Builder(hosts, keep)
    if isinstance(events, list):
        for a in range(0, len(events), CHUNK):
            builder.add(events[a:a + CHUNK])
    else:
        it = iter(events)
        while chunk := list(islice(it, CHUNK)):
            builder.add(chunk)
    return builder.finish()
