"""Parameter strategies of the coordination behaviours (mutual exclusion, leader election,
two-phase commit)."""

from __future__ import annotations

from hypothesis import strategies as st

from .common import MS, durations, hosts, params_for


@params_for("mutex")
def _mutex(draw, ids):
    some, one = hosts(ids)
    return {
        "algorithm": draw(st.sampled_from(["central", "token_ring", "ricart_agrawala"])),
        "members": draw(some),
        "coordinator": draw(st.lists(one, max_size=1)),
        "interval": draw(durations(MS, 100 * MS)),
        "hold": draw(durations(0, 20 * MS)),
        "count": draw(st.integers(0, 20)),
        "pass_delay": draw(durations(MS, 10 * MS)),
    }


@params_for("election")
def _election(draw, ids):
    some, one = hosts(ids)
    return {
        "algorithm": draw(st.sampled_from(["bully", "ring"])),
        "members": draw(some),
        "heartbeat": draw(durations(MS, 50 * MS)),
        "timeout": draw(durations(MS, 200 * MS)),
        "answer_timeout": draw(durations(MS, 50 * MS)),
        "start_delay": draw(durations(0, 50 * MS)),
    }


@params_for("tpc_coordinator")
def _tpc_coordinator(draw, ids):
    some, one = hosts(ids)
    return {
        "participants": draw(some),
        "count": draw(st.integers(0, 10)),
        "interval": draw(durations(MS, 100 * MS)),
        "vote_timeout": draw(durations(MS, 100 * MS)),
        "retransmit": draw(durations(MS, 50 * MS)),
        "log_time": draw(durations(0, 10 * MS)),
    }


@params_for("tpc_participant")
def _tpc_participant(draw, ids):
    return {
        "yes_probability": draw(st.floats(0, 1)),
        "ask_interval": draw(durations(MS, 100 * MS)),
    }
