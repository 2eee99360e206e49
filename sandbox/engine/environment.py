"""The engine's SimPy environment: SimPy's own, with simulated time typed as integer ns."""

from __future__ import annotations

from typing import TYPE_CHECKING

import simpy


class Environment(simpy.Environment):
    """SimPy's environment whose time is a whole number of nanoseconds.

    SimPy types time as ``int | float``. This engine starts at 0, schedules only
    integer delays (every duration of a scenario is integer ns) and runs to
    integer ``until`` times, so ``now`` is always an ``int`` (the trace writes it
    as one, and the fingerprint tests would see a float). The class changes
    nothing at run time; it states that invariant to the type checker, once.
    """

    if TYPE_CHECKING:
        _now: int

        @property
        def now(self) -> int:
            """The current simulated time (ns)."""
            ...
