"""What is in flight at a time of a run: messages on their links and routes, drops, host marks, clocks.

Headless (no Qt): the canvas animation draws what :class:`InFlight` works
out, and a test or another view can ask the same questions without a screen.

``InFlight(timeline, card_size)``; then, for a real time ``t`` and an
*effect window* (how long, in simulated ns, a drop cross, a pulse or a flash
stays visible):

* :meth:`InFlight.frame` gives a :class:`Frame`: every message in flight
  placed on its link (or its routed path) between the host cards, given the
  hosts' centres, with its direction and its style (normal, corrupted from
  :data:`CORRUPT_FROM` of its way on, Byzantine, a system notice, a
  memory-channel message binned by the cost of the access it serves; late
  and duplicate flags); every message dropped in the last while, where it
  ended (on the hop where it was lost, at the start of a cut hop, next to
  a destination that was down, or by its source) and how faded its cross is;
  the local memory accesses that pulse in their host; the crash, recovery and
  clock-adjust flashes;
* :meth:`InFlight.host_marks` gives each host's mark (up, crashed, paused,
  suspected, Byzantine), who suspects whom, and which links are cut;
* :meth:`InFlight.clock_reading` gives a host's local time and skew;
  :meth:`InFlight.memory_heat` the heat of the DSM pages.

Positions are in the coordinates of the hosts' centres given (the canvas's
scene); host arrays are indexed by the timeline's host code, with one more
entry at the end (NaN) for code -1.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .timeline import (
    END_DROP,
    FLAG_BYZ,
    FLAG_CORRUPTED,
    FLAG_DUP,
    FLAG_LATE,
    NEVER,
    STATE_KINDS,
    HostStates,
    Timeline,
)

__all__ = [
    "ARRIVAL_AT", "BLOCKED_AT", "CORRUPT_FROM", "COST_BINS", "FLASH_KINDS", "LATE_OFFSET",
    "LOSS_AT", "N_BASE", "PULSES_PER_HOST", "SOURCE_AT", "STYLE_BYZANTINE", "STYLE_CORRUPTED",
    "STYLE_MEMORY", "STYLE_NAMES", "STYLE_NORMAL", "STYLE_SYSTEM", "Frame", "HostMarks",
    "InFlight", "clip_ends", "clock_digits", "cost_fraction",
]

#: Where along its last hop a message lost on a link ends (0 start .. 1 end).
LOSS_AT = 0.72
#: Where a message stopped at the start of a cut or partitioned hop ends.
BLOCKED_AT = 0.16
#: Where a message dropped on arrival (destination down, partition, omission) ends.
ARRIVAL_AT = 0.9
#: Where a message dropped as it was sent (send omission, no route) ends.
SOURCE_AT = 0.1
#: Fraction of its flight after which a corrupted message shows corrupted.
CORRUPT_FROM = 0.35
#: How many cost bins colour memory-channel messages and pulses.
COST_BINS = 8
#: Local memory pulses shown per host at once (the most recent).
PULSES_PER_HOST = 3
#: Event kinds that flash around their host for an effect window.
FLASH_KINDS = ("crash", "recover", "clock_adjust")

# Message styles: a base style, plus LATE_OFFSET for a late message.
STYLE_NORMAL, STYLE_CORRUPTED, STYLE_BYZANTINE, STYLE_SYSTEM = 0, 1, 2, 3
#: The first memory style: STYLE_MEMORY + k is cost bin k; + COST_BINS is "cost unknown".
STYLE_MEMORY = 4
#: How many base styles there are (the last memory bin: cost unknown, e.g. invalidations).
N_BASE = STYLE_MEMORY + COST_BINS + 1
#: Added to a base style for a late message (timing failure).
LATE_OFFSET = N_BASE
#: Names of the base styles, by style number.
STYLE_NAMES = ("normal", "corrupted", "byzantine", "system") + ("memory",) * (COST_BINS + 1)

_SERIAL = itertools.count(1)


def clip_ends(ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray,
              half_width: float, half_height: float
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where the segments between card centres (a, b) leave card a and enter card b.

    Cards are ``2 * half_width`` x ``2 * half_height``; cards that overlap
    meet half way.
    """
    dx, dy = bx - ax, by - ay
    with np.errstate(divide="ignore", invalid="ignore"):
        tx = np.where(dx != 0, half_width / np.abs(dx), np.inf)
        ty = np.where(dy != 0, half_height / np.abs(dy), np.inf)
    s = np.minimum(np.minimum(tx, ty), 0.5)
    return ax + dx * s, ay + dy * s, bx - dx * s, by - dy * s


def clock_digits(duration: int, speed: float = 1.0) -> int:
    """Decimals of a second worth showing: enough for the run's length (3, 6 or 9) and
    for the readout to move at the playback speed (its last digit about 30 times a second)."""
    by_length = 3 if duration >= 1_000_000_000 else 6 if duration >= 1_000_000 else 9
    by_speed = math.ceil(-math.log10(max(speed, 1e-9) / 30.0))
    return max(by_length, min(9, by_speed))


def cost_fraction(cost: float, lo: float = 1.0, hi: float = 10.0) -> float:
    """Where a memory access of ``cost`` ns lies between ``lo`` and ``hi`` (log scale, 0..1)."""
    if not cost or cost <= 0 or not math.isfinite(cost):
        return 0.0
    return min(1.0, max(0.0, math.log(cost / lo) / math.log(hi / lo)))


class Frame:
    """What one time shows: messages in flight, drop crosses, pulses and flashes.

    Message arrays (one entry per message in flight): ``ids``, position
    ``x``, ``y`` on the line between the cards, ``nx``, ``ny`` the unit
    normal on the right-hand side of the direction of travel, ``style`` (a
    style number, see :data:`STYLE_NAMES` and :data:`LATE_OFFSET`), ``dup``
    (a duplicate). Drop arrays: ``cross_ids``, ``cross_x``, ``cross_y``,
    ``cross_ux``, ``cross_uy`` (the direction the message was travelling),
    ``cross_alpha`` (1 fresh .. 0 gone) and ``cross_reason`` (the drop
    reason's name, empty when unknown).
    """

    __slots__ = ("ids", "x", "y", "nx", "ny", "style", "dup", "cross_ids", "cross_x",
                 "cross_y", "cross_alpha", "cross_reason", "cross_ux", "cross_uy", "pulses",
                 "flashes", "serial")

    def __init__(self) -> None:
        empty_f = np.empty(0, dtype=np.float64)
        self.ids = np.empty(0, dtype=np.int64)
        self.x = self.y = self.nx = self.ny = empty_f
        self.style = np.empty(0, dtype=np.int16)
        self.dup = np.empty(0, dtype=bool)
        self.cross_ids = np.empty(0, dtype=np.int64)
        self.cross_x = self.cross_y = self.cross_alpha = empty_f
        self.cross_reason: list[str] = []
        #: The direction each dropped message was travelling (unit vectors).
        self.cross_ux = self.cross_uy = empty_f
        #: (host x, host y, age 0..1, cost ns) of local memory accesses.
        self.pulses: list[tuple[float, float, float, float]] = []
        #: (host x, host y, age 0..1, event kind) of state flashes.
        self.flashes: list[tuple[float, float, float, str]] = []
        #: A number that changes with every frame built (caches key on it).
        self.serial = next(_SERIAL)


@dataclass(frozen=True)
class HostMarks:
    """The hosts' marks at a time: ``status`` (up, crashed, paused, suspected, byzantine)
    of every host of the trace, and ``suspecters`` (host -> the sorted ids of the hosts
    that suspect it)."""

    status: dict[str, str]
    suspecters: dict[str, list[str]]
    states: HostStates
    known: Mapping[str, int]

    def link_cut(self, a: str, b: str) -> bool:
        """Whether a link between ``a`` and ``b`` is shown cut: a link-cut fault, or an
        active partition that blocks either way (False for a host the trace does not know)."""
        states = self.states
        return a in self.known and b in self.known and (
            states.is_cut(a, b) or states.blocked(a, b) or states.blocked(b, a))


class InFlight:
    """Answers "what is in flight at time t" for one timeline (see the module documentation).

    ``card_size`` is the width and height of a host card: a message leaves
    its source's card and enters its destination's at their edges.
    """

    def __init__(self, timeline: Timeline, card_size: tuple[float, float]) -> None:
        self._tl = timeline
        self._half = (card_size[0] / 2, card_size[1] / 2)
        self._prepare(timeline)

    @property
    def timeline(self) -> Timeline:
        """The timeline this answers for."""
        return self._tl

    # -- preparing a timeline ------------------------------------------------------------
    def _prepare(self, tl: Timeline) -> None:
        n = len(tl.msg_id)
        #: Per message, computed the first time it is shown: the fraction of its last
        #: hop where it ends (NaN: not yet known) and the cost of its memory access.
        self._end_at = np.full(n, np.nan)
        self._cost = np.full(n, np.nan)
        self._routes: dict[int, tuple[tuple[int, int], ...]] = {}
        self._ch_mem = tl.channels.index("mem") if "mem" in tl.channels else -99
        self._ch_sys = tl.channels.index("sys") if "sys" in tl.channels else -99
        codes = [tl.kinds.index(k) for k in STATE_KINDS if k in tl.kinds]
        self._state_t = tl.t[np.isin(tl.kind_code, codes)]
        flash_codes = [tl.kinds.index(k) for k in FLASH_KINDS if k in tl.kinds]
        fpos = np.flatnonzero(np.isin(tl.kind_code, flash_codes))
        self._flash_t = tl.t[fpos]
        self._flash_host = tl.host_code[fpos]
        self._flash_kind = tl.kind_code[fpos]
        # Memory accesses: local ones pulse; remote ones give the cost of their messages.
        local = ~tl.mem_remote
        self._local_t = tl.mem_t[local]
        self._local_host = tl.host_code[tl.mem_pos[local]]
        self._local_cost = tl.mem_cost[local]
        remote = tl.mem_remote
        rhost = tl.host_code[tl.mem_pos[remote]]
        order = np.lexsort((tl.mem_t[remote], rhost))
        self._remote_host = rhost[order]
        self._remote_t = tl.mem_t[remote][order]
        self._remote_cost = tl.mem_cost[remote][order]
        self._remote_page = tl.mem_page[remote][order]
        self._req_cost: dict[int, float] = {}
        costs = tl.mem_cost[tl.mem_cost > 0]
        spec = (tl.scenario.get("memory") or {}) if isinstance(tl.scenario, dict) else {}
        lo = spec.get("local_cost") if isinstance(spec, dict) else None
        if not isinstance(lo, int) or lo <= 0:
            lo = int(costs.min()) if len(costs) else 1
        hi = int(costs.max()) if len(costs) else lo * 10
        self._cost_lo = float(max(1, lo))
        self._cost_hi = float(max(hi, self._cost_lo * 10))

    def cost_fraction(self, cost: float) -> float:
        """Where an access of ``cost`` ns lies between the run's cheapest (local) and its
        dearest access (log scale, 0..1)."""
        return cost_fraction(cost, self._cost_lo, self._cost_hi)

    def _learn(self, idx: np.ndarray) -> None:
        """Work out where each of these messages ends (and what it costs) the first time."""
        tl = self._tl
        events = tl.events
        hidx = tl.host_index
        for i in idx.tolist():
            src, dst = int(tl.msg_src[i]), int(tl.msg_dst[i])
            d = events[int(tl.msg_send_pos[i])].data or {}
            path = d.get("path")
            hops: list[tuple[int, int]]
            if isinstance(path, list) and len(path) > 2:
                codes = [hidx.get(h, -1) for h in path]
                hops = list(zip(codes, codes[1:], strict=False))
            else:
                hops = [(src, dst)]
            end_at = 1.0
            end_pos = int(tl.msg_end_pos[i])
            if end_pos >= 0 and tl.msg_end_kind[i] == END_DROP:
                r = int(tl.msg_reason[i])
                reason = tl.drop_reasons[r] if r >= 0 else ""
                link = (events[end_pos].data or {}).get("link")
                k = None
                if isinstance(link, list) and len(link) == 2:
                    pair = (hidx.get(link[0], -2), hidx.get(link[1], -2))
                    k = next((j for j, hop in enumerate(hops) if hop == pair), len(hops) - 1)
                if k is not None:
                    hops = hops[:k + 1]
                    end_at = BLOCKED_AT if reason in ("link_cut", "partition") else LOSS_AT
                elif tl.msg_t_end[i] == tl.msg_t_send[i]:
                    hops = hops[:1]
                    end_at = SOURCE_AT
                else:
                    end_at = ARRIVAL_AT
            self._end_at[i] = end_at
            if len(hops) > 1:
                self._routes[i] = tuple(hops)
            if tl.msg_channel[i] == self._ch_mem:
                self._cost[i] = self._memory_cost(i, d)

    def _memory_cost(self, i: int, send_data: dict[str, Any]) -> float:
        """The cost of the access a memory-channel message serves (NaN when none)."""
        tl = self._tl
        payload = send_data.get("payload")
        if not isinstance(payload, dict):
            return math.nan
        kind = payload.get("type")
        req = payload.get("req")
        if kind == "mem_req":
            host, page = int(tl.msg_src[i]), payload.get("page")
        elif kind == "mem_rep":
            if isinstance(req, int) and req in self._req_cost:
                return self._req_cost[req]
            host, page = int(tl.msg_dst[i]), None
        else:
            return math.nan
        t0 = int(tl.msg_t_send[i])
        lo = int(np.searchsorted(self._remote_host, host, side="left"))
        hi = int(np.searchsorted(self._remote_host, host, side="right"))
        j = lo + int(np.searchsorted(self._remote_t[lo:hi], t0, side="left"))
        cost = math.nan
        for k in range(j, min(hi, j + 8)):
            if page is None or int(self._remote_page[k]) == page:
                cost = float(self._remote_cost[k])
                break
        if isinstance(req, int) and kind == "mem_req":
            self._req_cost[req] = cost
        return cost

    # -- a frame -------------------------------------------------------------------------
    def frame(self, t: int, window: int, hx: np.ndarray, hy: np.ndarray) -> Frame:
        """What time ``t`` shows, with effects lasting ``window`` ns and the hosts' centres
        at (``hx``, ``hy``) by host code (NaN: a host not shown; its messages are left out).

        A drop cross lingers for its message's flight time, at least one window
        and at most four.
        """
        tl = self._tl
        frame = Frame()
        w = window
        idx = tl.message_indices(t, linger=4 * w)
        t0 = tl.msg_t_send[idx]
        t1 = tl.msg_t_end[idx]
        ended = t1 <= t
        dropped = tl.msg_end_kind[idx] == END_DROP
        if ended.any():
            flight = (t1 - t0).astype(np.float64)
            linger = np.clip(flight, w, 4 * w)
            keep = ~ended | (dropped & ((t - t1) < linger))
            idx, t0, t1, ended = idx[keep], t0[keep], t1[keep], ended[keep]
        unknown = idx[np.isnan(self._end_at[idx])]
        if len(unknown):
            self._learn(unknown)
        src = tl.msg_src[idx]
        dst = tl.msg_dst[idx]
        ok = np.isfinite(hx[src]) & np.isfinite(hx[dst]) & (src != dst)
        idx, t0, t1, ended, src, dst = idx[ok], t0[ok], t1[ok], ended[ok], src[ok], dst[ok]
        n = len(idx)
        if not n:
            self._add_effects(frame, t, w, hx, hy)
            return frame
        span = np.where(t1 == NEVER, np.maximum(tl.end - t0, 1) * 1.1, t1 - t0).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(span > 0, (t - t0) / span, 1.0)
        frac = np.clip(np.where(ended, 1.0, frac), 0.0, 1.0)
        end_at = self._end_at[idx]
        ax, ay, bx, by = clip_ends(hx[src], hy[src], hx[dst], hy[dst], *self._half)
        s = frac * end_at
        x = ax + (bx - ax) * s
        y = ay + (by - ay) * s
        dxs, dys = bx - ax, by - ay
        if self._routes:
            for k in np.flatnonzero([i in self._routes for i in idx.tolist()]).tolist():
                hops = self._routes[int(idx[k])]
                pos = self._along_route(hops, float(frac[k]), float(end_at[k]), hx, hy)
                if pos is None:
                    continue
                x[k], y[k], dxs[k], dys[k] = pos
        length = np.hypot(dxs, dys)
        length[length == 0] = 1.0
        flags = tl.msg_flags[idx]
        dup = (flags & FLAG_DUP) != 0
        # The right-hand side of each direction (its lane).
        nx = -dys / length
        ny = dxs / length
        chan = tl.msg_channel[idx]
        style = np.full(n, STYLE_NORMAL, dtype=np.int16)
        style[chan == self._ch_sys] = STYLE_SYSTEM
        style[((flags & FLAG_CORRUPTED) != 0) & (frac >= CORRUPT_FROM)] = STYLE_CORRUPTED
        style[(flags & FLAG_BYZ) != 0] = STYLE_BYZANTINE
        mem = chan == self._ch_mem
        if mem.any():
            cost = self._cost[idx[mem]]
            bins = np.full(len(cost), COST_BINS, dtype=np.int16)
            known = np.isfinite(cost) & (cost > 0)
            if known.any():
                f = np.log(cost[known] / self._cost_lo) / math.log(self._cost_hi / self._cost_lo)
                bins[known] = np.clip((f * COST_BINS).astype(np.int16), 0, COST_BINS - 1)
            style[mem] = STYLE_MEMORY + bins
        style[(flags & FLAG_LATE) != 0] += LATE_OFFSET
        flying = ~ended
        frame.ids = tl.msg_id[idx][flying]
        frame.x, frame.y = x[flying], y[flying]
        frame.nx, frame.ny = nx[flying], ny[flying]
        frame.style, frame.dup = style[flying], dup[flying]
        if ended.any():
            age = (t - t1[ended]).astype(np.float64)
            flight = (t1[ended] - t0[ended]).astype(np.float64)
            linger = np.clip(flight, w, 4 * w)
            frame.cross_ids = tl.msg_id[idx][ended]
            frame.cross_x, frame.cross_y = x[ended], y[ended]
            frame.cross_ux, frame.cross_uy = (dxs / length)[ended], (dys / length)[ended]
            frame.cross_alpha = np.clip(1.0 - age / linger, 0.0, 1.0) ** 0.7
            reasons = tl.msg_reason[idx][ended].tolist()
            frame.cross_reason = [tl.drop_reasons[r] if r >= 0 else "" for r in reasons]
        self._add_effects(frame, t, w, hx, hy)
        return frame

    def _along_route(self, hops: tuple[tuple[int, int], ...], frac: float, end_at: float,
                     hx: np.ndarray, hy: np.ndarray) -> tuple[float, float, float, float] | None:
        """Position and direction ``frac`` of the way along a routed message's hops."""
        a = np.array([h[0] for h in hops])
        b = np.array([h[1] for h in hops])
        if not (np.isfinite(hx[a]).all() and np.isfinite(hx[b]).all()):
            return None
        ax, ay, bx, by = clip_ends(hx[a], hy[a], hx[b], hy[b], *self._half)
        lengths = np.hypot(bx - ax, by - ay)
        lengths[-1] *= end_at
        total = float(lengths.sum())
        goal = frac * total
        k = 0
        while k < len(hops) - 1 and goal > lengths[k]:
            goal -= lengths[k]
            k += 1
        full = math.hypot(bx[k] - ax[k], by[k] - ay[k]) or 1.0
        s = min(1.0, goal / full)
        return (ax[k] + (bx[k] - ax[k]) * s, ay[k] + (by[k] - ay[k]) * s,
                bx[k] - ax[k], by[k] - ay[k])

    def _add_effects(self, frame: Frame, t: int, w: int, hx: np.ndarray,
                     hy: np.ndarray) -> None:
        """Local memory pulses and state flashes of the last effect window."""
        tl = self._tl
        lo = int(np.searchsorted(self._local_t, t - w, side="right"))
        hi = int(np.searchsorted(self._local_t, t, side="right"))
        if hi > lo:
            hosts = self._local_host[lo:hi]
            times = self._local_t[lo:hi]
            order = np.lexsort((-times, hosts))
            hs = hosts[order]
            first = np.searchsorted(hs, hs, side="left")
            rank = np.arange(len(hs)) - first
            pick = order[rank < PULSES_PER_HOST]
            for j in pick.tolist():
                h = int(hosts[j])
                if h < 0 or not math.isfinite(hx[h]):
                    continue
                age = (t - int(times[j])) / w
                cost = float(self._local_cost[lo + j])
                frame.pulses.append((float(hx[h]), float(hy[h]), min(1.0, age), cost))
        lo = int(np.searchsorted(self._flash_t, t - w, side="right"))
        hi = int(np.searchsorted(self._flash_t, t, side="right"))
        for j in range(max(lo, hi - 200), hi):
            h = int(self._flash_host[j])
            if h < 0 or not math.isfinite(hx[h]):
                continue
            age = (t - int(self._flash_t[j])) / w
            frame.flashes.append((float(hx[h]), float(hy[h]), min(1.0, age),
                                  tl.kinds[int(self._flash_kind[j])]))

    # -- hosts, clocks, memory -----------------------------------------------------------
    def state_epoch(self, t: int) -> int:
        """How many host- or link-state events happened by ``t``: the marks change only
        when this number does."""
        return int(np.searchsorted(self._state_t, t, side="right"))

    def host_marks(self, t: int) -> HostMarks:
        """Every host's mark at ``t``: its status, or suspected (by a failure detector) or
        Byzantine when it is up; who suspects whom; which links are cut."""
        tl = self._tl
        states = tl.host_states(t)
        suspected = states.suspected()
        status: dict[str, str] = {}
        for h in tl.hosts:
            state = states.status.get(h, "up")
            if state == "up":
                if h in suspected:
                    state = "suspected"
                elif h in states.byzantine:
                    state = "byzantine"
            status[h] = state
        who: dict[str, list[str]] = {}
        for watcher, targets in states.suspects.items():
            for target in targets:
                who.setdefault(target, []).append(watcher)
        return HostMarks(status, {h: sorted(v) for h, v in who.items()}, states,
                         tl.host_index)

    def clock_reading(self, host_id: str, t: int) -> tuple[int, int] | None:
        """``host_id``'s local clock at real time ``t`` and its skew (local - real), in ns;
        None for a host the trace does not know."""
        tl = self._tl
        if host_id not in tl.host_index:
            return None
        local = int(tl.local_time(host_id, t))
        return local, local - t

    def memory_heat(self, t: int, window: int) -> dict[int, float]:
        """Heat of the DSM pages at ``t``: page -> 0..1.

        Every access (local or remote) heats its page; heat decays with the
        effect ``window`` and is relative to the hottest page at that time.
        """
        tl = self._tl
        if not len(tl.mem_t):
            return {}
        w = window
        sl = tl.mem_between(t - 3 * w, t)
        pages = tl.mem_page[sl]
        ok = pages >= 0
        if not ok.any():
            return {}
        age = (t - tl.mem_t[sl][ok]).astype(np.float64)
        weight = np.exp(-age / w)
        p = pages[ok]
        sums = np.bincount(p, weights=weight)
        nz = np.flatnonzero(sums > 0)
        top = float(sums[nz].max())
        heat = (sums[nz] / max(top, 1.0)) ** 0.6
        keep = heat >= 0.02
        return dict(zip(nz[keep].tolist(), heat[keep].round(4).tolist(), strict=True))
