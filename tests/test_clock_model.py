"""The one clock model: the engine's running clock and the replay the trace views use agree."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.engine.clock import HostClock
from sandbox.scenario.model import SLEW_PPM, ClockSpec
from sandbox.trace.clock_model import ClockModel, ClockSegments

MS = 1_000_000

adjustments = st.lists(
    st.tuples(st.integers(1, 400) , st.integers(-50 * MS, 50 * MS),
              st.sampled_from(["step", "slew"])),
    max_size=8)


@settings(max_examples=150, deadline=None)
@given(offset=st.integers(-10**9, 10**9), drift=st.floats(-500, 500), resolution=st.sampled_from([1, 7, 1000]),
       adjusts=adjustments, probes=st.lists(st.integers(0, 10**12), min_size=1, max_size=10))
def test_replay_gives_the_engine_clock_readings(offset, drift, resolution, adjusts, probes):
    """Run a HostClock through adjustments at rising times; at any time between them the
    replayed segments read what the engine's clock reads."""
    spec = ClockSpec(offset=offset, drift_ppm=drift, resolution=resolution)
    t, timed = 0, []
    for gap, delta, mode in adjusts:
        t += gap * 10 * MS
        timed.append((t, delta, mode))
    segments = ClockSegments.replay(offset, drift, resolution, timed)
    end = t + 10**12
    samples = sorted({*(p % end for p in probes), *(a[0] for a in timed)})
    clock = HostClock(spec, None)
    pending = list(timed)
    for s in samples:
        while pending and pending[0][0] <= s:
            at, delta, mode = pending.pop(0)
            clock.adjust(at, delta, mode)
        assert clock.true_reading(s) == segments.at(np.array([s]))[0], (s, timed)


def test_a_slew_runs_at_the_slew_rate_until_the_correction_is_absorbed():
    clock = ClockModel()
    clock.slew(0, 1 * MS)
    end = clock.slew_end
    assert end == round(1 * MS / (SLEW_PPM * 1e-6))
    assert abs(clock.raw(end) - (end + 1 * MS)) <= 1
    assert clock.raw(end + 5 * MS) - clock.raw(end) == 5 * MS  # nominal rate again


def test_a_step_ends_a_slew_in_progress():
    clock = ClockModel(offset=0)
    clock.slew(0, 10 * MS)
    clock.step(1 * MS, 3 * MS)
    assert clock.slew_end is None and clock.rate == clock.nominal_rate
    segs = ClockSegments.replay(0, 0.0, 1, [(0, 10 * MS, "slew"), (1 * MS, 3 * MS, "step")])
    assert list(segs.changes) == [1 * MS]  # the slew's end never comes
    assert segs.at(np.array([2 * MS]))[0] == clock.raw(2 * MS)
