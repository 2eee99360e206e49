"""A host's physical clock: offset, drift, resolution and jitter; stepped or slewed by sync."""

from __future__ import annotations

import random

from sandbox.scenario.model import SLEW_PPM, ClockSpec


class HostClock:
    """The local clock of one host, a piecewise-linear function of real time.

    ``true_reading(t)`` is the clock's value without reading error (what the
    trace records); ``read(t)`` adds the jitter of a reading by software.
    Both are quantised to the resolution. Times are integer nanoseconds and
    ``t`` never goes backwards between calls.
    """

    __slots__ = ("base_t", "base_local", "rate", "nominal_rate", "resolution", "jitter",
                 "rng", "slew_end")

    def __init__(self, spec: ClockSpec, rng: random.Random | None) -> None:
        self.base_t = 0
        self.base_local = spec.offset
        self.nominal_rate = 1.0 + spec.drift_ppm * 1e-6
        self.rate = self.nominal_rate
        self.resolution = spec.resolution
        self.jitter = spec.jitter
        self.rng = rng
        self.slew_end: int | None = None

    def _raw(self, t: int) -> int:
        if self.slew_end is not None and t >= self.slew_end:
            end = self.slew_end
            self.base_local += int((end - self.base_t) * self.rate)
            self.base_t = end
            self.rate = self.nominal_rate
            self.slew_end = None
        return self.base_local + int((t - self.base_t) * self.rate)

    def true_reading(self, t: int) -> int:
        """The clock's value at real time ``t``, quantised to its resolution."""
        if self.slew_end is None:
            v = self.base_local + int((t - self.base_t) * self.rate)
        else:
            v = self._raw(t)
        r = self.resolution
        return v - v % r if r > 1 else v

    def read(self, t: int) -> int:
        """What software reading the clock at ``t`` sees: the value plus jitter."""
        v = self._raw(t)
        if self.jitter:
            v += round(self.rng.uniform(-self.jitter, self.jitter))
        r = self.resolution
        return v - v % r if r > 1 else v

    def offset(self, t: int) -> int:
        """How far the clock is ahead of real time at ``t`` (negative: behind)."""
        return self._raw(t) - t

    def step(self, t: int, delta: int) -> None:
        """Jump the clock by ``delta`` at ``t`` (cancels any slew in progress)."""
        self.base_local = self._raw(t) + delta
        self.base_t = t
        self.rate = self.nominal_rate
        self.slew_end = None

    def slew(self, t: int, delta: int) -> None:
        """Correct the clock by ``delta`` gradually, running faster or slower at SLEW_PPM."""
        self.base_local = self._raw(t)
        self.base_t = t
        if delta == 0:
            self.rate = self.nominal_rate
            self.slew_end = None
            return
        speed = SLEW_PPM * 1e-6
        self.rate = self.nominal_rate + (speed if delta > 0 else -speed)
        self.slew_end = t + int(abs(delta) / speed)
