"""Parameter strategies of the clocks behaviours."""

from __future__ import annotations

from hypothesis import strategies as st

from .common import MS, durations, hosts, params_for


def _logical(draw, ids):
    some, one = hosts(ids)
    return {
        "peers": draw(some),
        "interval": draw(durations(MS, 50 * MS)),
        "count": draw(st.integers(0, 50)),
        "send_ratio": draw(st.floats(0, 1)),
    }


@params_for("lamport")
def _lamport(draw, ids):
    return _logical(draw, ids)


@params_for("vector_clock")
def _vector_clock(draw, ids):
    return _logical(draw, ids)
