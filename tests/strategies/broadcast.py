"""Parameter strategies of the broadcast and gossip behaviours."""

from __future__ import annotations

from hypothesis import strategies as st

from .common import MS, durations, hosts, params_for


@params_for("broadcast")
def _broadcast(draw, ids):
    some, one = hosts(ids)
    return {
        "mode": draw(st.sampled_from(["best_effort", "reliable"])),
        "ordering": draw(st.sampled_from(
            ["none", "fifo", "causal", "total_sequencer", "total_lamport"])),
        "peers": draw(some),
        "count": draw(st.integers(0, 5)),
        "interval": draw(durations(MS, 100 * MS)),
        "retransmit": draw(durations(MS, 50 * MS)),
    }
