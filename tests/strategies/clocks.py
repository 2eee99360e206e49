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


@params_for("ntp_server")
def _ntp_server(draw, ids):
    return {"service_time": draw(durations(0, 5 * MS))}


@params_for("ntp")
def _ntp(draw, ids):
    some, one = hosts(ids)
    return {
        "server": draw(one),
        "interval": draw(durations(MS, 100 * MS)),
        "timeout": draw(durations(MS, 100 * MS)),
        "filter": draw(st.integers(1, 10)),
        "mode": draw(st.sampled_from(["slew", "step", "auto"])),
        "step_threshold": draw(durations(0, 200 * MS)),
    }
