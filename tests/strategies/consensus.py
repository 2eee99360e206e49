"""Parameter strategies of the consensus behaviours."""

from __future__ import annotations

from hypothesis import strategies as st

from .common import MS, durations, hosts, params_for


@params_for("raft")
def _raft(draw, ids):
    some, one = hosts(ids)
    lo = draw(durations(MS, 100 * MS))
    return {
        "members": draw(some),
        "election_min": lo,
        "election_max": draw(durations(lo, 3 * lo)),
        "heartbeat": draw(durations(MS, 50 * MS)),
        "command_interval": draw(st.sampled_from([0, draw(durations(MS, 100 * MS))])),
        "commands": draw(st.integers(0, 20)),
        "max_entries": draw(st.integers(1, 8)),
    }


@params_for("paxos")
def _paxos(draw, ids):
    some, one = hosts(ids)
    lo = draw(durations(0, 50 * MS))
    return {
        "members": draw(some),
        "proposer": draw(st.booleans()),
        "value": draw(st.sampled_from(["", "apple", "pear", "v1"])),
        "delay_min": lo,
        "delay_max": draw(durations(lo, lo + 50 * MS)),
        "timeout": draw(durations(MS, 100 * MS)),
        "backoff": draw(durations(0, 100 * MS)),
    }
