"""A host's physical clock during a run: the shared clock model plus the jitter of a reading."""

from __future__ import annotations

import random

from sandbox.scenario.model import ClockSpec
from sandbox.trace.clock_model import ClockModel


class HostClock(ClockModel):
    """The local clock of one host (:class:`~sandbox.trace.clock_model.ClockModel`: offset,
    drift, resolution, steps and slews) with the random error of a software reading.

    ``true_reading(t)`` is the clock's value without reading error (what the
    trace records); ``read(t)`` adds the jitter of a reading by software.
    Both are quantised to the resolution. Times are integer nanoseconds and
    ``t`` never goes backwards between calls.
    """

    __slots__ = ("jitter", "rng")

    def __init__(self, spec: ClockSpec, rng: random.Random | None) -> None:
        super().__init__(spec.offset, spec.drift_ppm, spec.resolution)
        self.jitter = spec.jitter
        self.rng = rng

    def true_reading(self, t: int) -> int:
        """The clock's value at real time ``t``, quantised to its resolution."""
        if self.slew_end is None:  # the common case, inline (the trace reads it per event)
            v = self.base_local + int((t - self.base_t) * self.rate)
        else:
            v = self.raw(t)
        r = self.resolution
        return v - v % r if r > 1 else v

    def read(self, t: int) -> int:
        """What software reading the clock at ``t`` sees: the value plus jitter."""
        v = self.raw(t)
        if self.jitter:
            v += round(self.rng.uniform(-self.jitter, self.jitter))  # type: ignore[union-attr]
        r = self.resolution
        return v - v % r if r > 1 else v

    def offset(self, t: int) -> int:
        """How far the clock is ahead of real time at ``t`` (negative: behind)."""
        return self.raw(t) - t
