"""Workload rate profiles: how many requests per second arrive at each moment."""

from __future__ import annotations

import math
from collections.abc import Callable

from sandbox.scenario.model import WorkloadSpec

NS_PER_S = 1_000_000_000


def rate_function(spec: WorkloadSpec) -> Callable[[int], float]:
    """A function ``t (ns) -> rate (requests per second)`` for a workload profile.

    constant: ``base_rate``. diurnal: a day-long wave from ``base_rate`` at
    midnight to ``peak_rate`` at noon. lunch_peak: ``base_rate`` with a
    bell-shaped peak around 12:30 about an hour wide. black_friday:
    ``base_rate``, and ``peak_rate`` from ``spike_at`` for ``spike_length``.
    custom: straight lines between the points, flat before the first and
    after the last. A "day" is ``period`` long, so it can be compressed.
    """
    base, peak, period = spec.base_rate, spec.peak_rate, spec.period
    if spec.profile == "constant":
        return lambda t: base
    if spec.profile == "diurnal":
        return lambda t: base + (peak - base) * (1 - math.cos(2 * math.pi * (t % period) / period)) / 2
    if spec.profile == "lunch_peak":
        centre, width = 12.5 / 24, 0.5 / 24

        def lunch(t: int) -> float:
            x = (t % period) / period - centre
            return base + (peak - base) * math.exp(-0.5 * (x / width) ** 2)

        return lunch
    if spec.profile == "black_friday":
        start, end = spec.spike_at, spec.spike_at + spec.spike_length
        return lambda t: peak if start <= t < end else base
    points = [(p.t, p.rate) for p in spec.points]

    def custom(t: int) -> float:
        if t <= points[0][0]:
            return points[0][1]
        for (t0, r0), (t1, r1) in zip(points, points[1:], strict=False):
            if t <= t1:
                return r0 if t1 == t0 else r0 + (r1 - r0) * (t - t0) / (t1 - t0)
        return points[-1][1]

    return custom


def max_rate(spec: WorkloadSpec) -> float:
    """An upper bound of the profile's rate (for thinning)."""
    if spec.profile == "custom":
        return max(p.rate for p in spec.points)
    if spec.profile == "constant":
        return spec.base_rate
    return max(spec.base_rate, spec.peak_rate)
