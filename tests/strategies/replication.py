"""Parameter strategies of the replication behaviours."""

from __future__ import annotations

from hypothesis import strategies as st

from .common import MS, durations, params_for


def _replicas(ids):
    return st.lists(st.sampled_from(ids), min_size=1, max_size=min(len(ids), 5), unique=True)


@params_for("primary_backup")
def _primary_backup(draw, ids):
    return {
        "replicas": draw(_replicas(ids)),
        "interval": draw(durations(MS, 50 * MS)),
        "timeout": draw(durations(MS, 150 * MS)),
    }


@params_for("quorum_replica")
def _quorum_replica(draw, ids):
    return {}


@params_for("kv_client")
def _kv_client(draw, ids):
    replicas = draw(_replicas(ids))
    n = len(replicas)
    return {
        "replicas": replicas,
        "protocol": draw(st.sampled_from(["quorum", "primary_backup"])),
        # R and W up to N + 1: a quorum larger than N is read as N.
        "r": draw(st.integers(1, n + 1)),
        "w": draw(st.integers(1, n + 1)),
        "read_repair": draw(st.booleans()),
        "read_ratio": draw(st.floats(0, 1)),
        "keys": draw(st.integers(1, 5)),
        "interval": draw(durations(MS, 100 * MS)),
        "timeout": draw(durations(MS, 100 * MS)),
        "retries": draw(st.integers(0, 3)),
        "count": draw(st.integers(0, 30)),
    }
