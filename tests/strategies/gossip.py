"""Parameter strategies of the gossip behaviours."""

from __future__ import annotations

from hypothesis import strategies as st

from .common import MS, durations, hosts, params_for


@params_for("gossip")
def _gossip(draw, ids):
    some, one = hosts(ids)
    return {
        "mode": draw(st.sampled_from(["push", "pull", "push_pull"])),
        "fanout": draw(st.integers(1, 4)),
        "round": draw(durations(MS, 100 * MS)),
        "rumours": draw(st.integers(0, 3)),
        "start": draw(durations(0, 100 * MS)),
        "every": draw(durations(MS, 200 * MS)),
        "stop": draw(st.sampled_from(["rounds", "feedback"])),
        "rounds": draw(st.integers(1, 6)),
        "k": draw(st.integers(1, 4)),
        "peers": draw(some),
    }
