"""Parameter strategies of the failure_detection behaviours."""

from __future__ import annotations

from hypothesis import strategies as st

from .common import MS, durations, hosts, params_for


@params_for("adaptive_heartbeat")
def _adaptive_heartbeat(draw, ids):
    some, one = hosts(ids)
    return {
        "peers": draw(some),
        "interval": draw(durations(MS, 50 * MS)),
        "estimator": draw(st.sampled_from(["phi", "chen"])),
        "threshold": draw(st.floats(0.5, 15.0)),
        "min_std": draw(durations(0, 20 * MS)),
        "margin": draw(durations(0, 100 * MS)),
        "window": draw(st.integers(2, 100)),
        "max_timeout": draw(durations(MS, 300 * MS)),
    }
