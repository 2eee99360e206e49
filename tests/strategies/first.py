"""Parameter strategies of the first behaviours (request/reply, heartbeat, Cristian,
Berkeley, the memory worker, ping)."""

from __future__ import annotations

from hypothesis import strategies as st

from .common import MS, US, durations, hosts, params_for


@params_for("idle")
def _idle(draw, ids):
    return {}


@params_for("rr_server")
def _rr_server(draw, ids):
    some, one = hosts(ids)
    return {
        "service_time": draw(durations(0, 5 * MS)),
        "service_dist": draw(st.sampled_from(["constant", "exponential"])),
        "queue_limit": draw(st.integers(1, 50)),
    }


@params_for("rr_client")
def _rr_client(draw, ids):
    some, one = hosts(ids)
    return {
        "server": draw(one),
        "interval": draw(durations(MS, 100 * MS)),
        "timeout": draw(durations(MS, 100 * MS)),
        "retries": draw(st.integers(0, 3)),
        "count": draw(st.integers(0, 20)),
        "size": draw(st.integers(1, 20_000)),
    }


@params_for("workload_client")
def _workload_client(draw, ids):
    some, one = hosts(ids)
    return {
        "servers": draw(st.lists(one, min_size=1, max_size=3)),
        "timeout": draw(durations(MS, 200 * MS)),
        "share": draw(st.floats(0.01, 1.0)),
    }


@params_for("heartbeat")
def _heartbeat(draw, ids):
    some, one = hosts(ids)
    return {
        "peers": draw(some),
        "interval": draw(durations(MS, 50 * MS)),
        "timeout": draw(durations(MS, 150 * MS)),
    }


@params_for("cristian")
def _cristian(draw, ids):
    some, one = hosts(ids)
    return {
        "server": draw(one),
        "interval": draw(durations(MS, 100 * MS)),
        "mode": draw(st.sampled_from(["step", "slew"])),
        "timeout": draw(durations(MS, 100 * MS)),
    }


@params_for("berkeley")
def _berkeley(draw, ids):
    some, one = hosts(ids)
    return {
        "peers": draw(some),
        "interval": draw(durations(MS, 100 * MS)),
        "mode": draw(st.sampled_from(["step", "slew"])),
        "timeout": draw(durations(MS, 100 * MS)),
    }


@params_for("dsm_worker")
def _dsm_worker(draw, ids):
    some, one = hosts(ids)
    return {
        "pattern": draw(st.sampled_from(["sequential", "random", "hot_spot", "local"])),
        "operations": draw(st.integers(0, 200)),
        "write_ratio": draw(st.floats(0, 1)),
        "think_time": draw(durations(100 * US, 10 * MS)),
        "hot_fraction": draw(st.floats(0, 1)),
    }


@params_for("ping")
def _ping(draw, ids):
    some, one = hosts(ids)
    return {
        "peers": draw(some),
        "interval": draw(durations(MS, 50 * MS)),
        "count": draw(st.integers(0, 50)),
    }


@params_for("time_server")
def _time_server(draw, ids):
    return {}
