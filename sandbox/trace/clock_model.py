"""The one model of a host's physical clock, run by the engine and replayed by the trace views.

A clock is piecewise linear in real time: it starts at its ``offset`` and runs
at ``1 + drift_ppm * 1e-6``. A **step** jumps the reading by ``delta`` at once
(and ends any slew in progress). A **slew** restarts from the current reading
and runs :data:`~sandbox.scenario.model.SLEW_PPM` faster (or slower) than its
nominal rate until ``delta`` is absorbed, then at the nominal rate again.
Readings are quantised to the clock's resolution. All arithmetic is in
integer nanoseconds exactly as the engine does it, so a replay gives the
``local`` reading of every event of the trace.

:class:`ClockModel` is the scalar state machine (the engine's
:class:`~sandbox.engine.clock.HostClock` extends it with reading jitter);
:class:`ClockSegments` replays a clock's adjustments through it into arrays,
for evaluating many times at once (timeline, plots).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from sandbox.scenario.model import SLEW_PPM

__all__ = ["SLEW_PPM", "ClockModel", "ClockSegments"]

#: How much faster or slower a slewing clock runs (a fraction, not ppm).
_SLEW_SPEED = SLEW_PPM * 1e-6


class ClockModel:
    """A clock's state: it reads ``base_local`` at real time ``base_t`` and runs at ``rate``;
    while slewing, ``slew_end`` is when the nominal rate comes back."""

    __slots__ = ("base_local", "base_t", "nominal_rate", "rate", "resolution", "slew_end")

    def __init__(self, offset: int = 0, drift_ppm: float = 0.0, resolution: int = 1) -> None:
        self.base_t = 0
        self.base_local = int(offset)
        self.nominal_rate = 1.0 + drift_ppm * 1e-6
        self.rate = self.nominal_rate
        self.resolution = max(1, int(resolution))
        self.slew_end: int | None = None

    def settle(self, t: int) -> bool:
        """End a slew that is over by real time ``t``; True when one ended (a new segment)."""
        end = self.slew_end
        if end is None or t < end:
            return False
        self.base_local += int((end - self.base_t) * self.rate)
        self.base_t = end
        self.rate = self.nominal_rate
        self.slew_end = None
        return True

    def raw(self, t: int) -> int:
        """The unquantised reading at real time ``t`` (``t`` never goes backwards)."""
        if self.slew_end is not None:
            self.settle(t)
        return self.base_local + int((t - self.base_t) * self.rate)

    def value(self, t: int) -> int:
        """The reading at real time ``t``, quantised to the resolution."""
        v = self.raw(t)
        r = self.resolution
        return v - v % r if r > 1 else v

    def step(self, t: int, delta: int) -> None:
        """Jump the clock by ``delta`` at ``t`` (cancels any slew in progress)."""
        self.base_local = self.raw(t) + delta
        self.base_t = t
        self.rate = self.nominal_rate
        self.slew_end = None

    def slew(self, t: int, delta: int) -> None:
        """Correct the clock by ``delta`` gradually from ``t`` on, at the slew rate."""
        self.base_local = self.raw(t)
        self.base_t = t
        if delta == 0:
            self.rate = self.nominal_rate
            self.slew_end = None
            return
        self.rate = self.nominal_rate + (_SLEW_SPEED if delta > 0 else -_SLEW_SPEED)
        self.slew_end = t + int(abs(delta) / _SLEW_SPEED)

    def adjust(self, t: int, delta: int, mode: str) -> None:
        """A step (``mode == "step"``, the default for anything else) or a slew."""
        if mode == "slew":
            self.slew(t, delta)
        else:
            self.step(t, delta)


class ClockSegments:
    """A clock's whole history as segments (start, reading at start, rate), evaluated with numpy."""

    __slots__ = ("bases", "rates", "resolution", "starts")

    def __init__(self, starts: list[int], bases: list[int], rates: list[float],
                 resolution: int) -> None:
        self.starts = np.asarray(starts, dtype=np.int64)
        self.bases = np.asarray(bases, dtype=np.int64)
        self.rates = np.asarray(rates, dtype=np.float64)
        self.resolution = max(1, int(resolution))

    @classmethod
    def replay(cls, offset: int, drift_ppm: float, resolution: int,
               adjusts: Iterable[tuple[int, int, str]]) -> ClockSegments:
        """Replay ``(t, delta, mode)`` adjustments, in time order, through :class:`ClockModel`."""
        clock = ClockModel(offset, drift_ppm, resolution)
        starts, bases, rates = [0], [clock.base_local], [clock.rate]

        def push() -> None:
            if starts[-1] == clock.base_t:  # two changes at one instant: the later one holds
                starts.pop()
                bases.pop()
                rates.pop()
            starts.append(clock.base_t)
            bases.append(clock.base_local)
            rates.append(clock.rate)

        for t, delta, mode in adjusts:
            if clock.settle(t):
                push()
            clock.adjust(t, delta, mode)
            push()
        if clock.slew_end is not None:
            clock.settle(clock.slew_end)
            push()
        return cls(starts, bases, rates, clock.resolution)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any],
                  adjusts: Iterable[tuple[int, int, str]]) -> ClockSegments:
        """Replay from a clock spec as a trace header stores it (``offset``, ``drift_ppm``,
        ``resolution``; missing fields take their defaults)."""
        return cls.replay(int(spec.get("offset", 0) or 0), float(spec.get("drift_ppm", 0.0) or 0.0),
                          int(spec.get("resolution", 1) or 1), adjusts)

    @property
    def changes(self) -> np.ndarray:
        """The real times at which the clock's rate or reading changes (after time 0)."""
        return self.starts[1:]

    def at(self, ts: np.ndarray, quantise: bool = True) -> np.ndarray:
        """Readings at the real times ``ts`` (int64 array); quantised to the resolution unless
        ``quantise`` is false."""
        k = np.searchsorted(self.starts, ts, side="right") - 1
        np.maximum(k, 0, out=k)
        elapsed = (ts - self.starts[k]).astype(np.float64)
        v = self.bases[k] + np.trunc(elapsed * self.rates[k]).astype(np.int64)
        r = self.resolution
        if quantise and r > 1:
            v -= np.mod(v, r)
        return v

    def real_span(self, a0: float, a1: float, t_max: int) -> tuple[int, int] | None:
        """The smallest real-time interval outside which the reading never lies in [a0, a1]."""
        starts = self.starts.astype(np.float64)
        ends = np.append(starts[1:], float(max(t_max, int(self.starts[-1]) + 1)))
        lo_local = self.bases.astype(np.float64)
        hi_local = lo_local + (ends - starts) * self.rates
        slop = float(self.resolution)
        lo = np.maximum(lo_local, a0)
        hi = np.minimum(hi_local, a1 + slop)
        ok = lo <= hi
        if not ok.any():
            return None
        t_lo = starts[ok] + (lo[ok] - lo_local[ok]) / self.rates[ok]
        t_hi = starts[ok] + (hi[ok] - lo_local[ok]) / self.rates[ok]
        return int(math.floor(t_lo.min())), int(math.ceil(t_hi.max()))
