"""Parameter strategies of the rpc behaviours."""

from __future__ import annotations

from hypothesis import strategies as st

from .common import MS, durations, hosts, params_for


@params_for("rpc_server")
def _rpc_server(draw, ids):
    return {
        "semantics": draw(st.sampled_from(["at_least_once", "at_most_once"])),
        "service_time": draw(durations(0, 5 * MS)),
    }


@params_for("rpc_client")
def _rpc_client(draw, ids):
    some, one = hosts(ids)
    return {
        "server": draw(one),
        "read_ratio": draw(st.floats(0, 1)),
        "interval": draw(durations(MS, 100 * MS)),
        "timeout": draw(durations(MS, 100 * MS)),
        "retries": draw(st.integers(0, 3)),
        "count": draw(st.integers(0, 20)),
    }
