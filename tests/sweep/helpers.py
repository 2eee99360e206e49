"""Small scenarios for the sweep tests: they run in milliseconds."""

from __future__ import annotations

from typing import Any


def crash_scenario(p: float = 0.3, hosts: int = 1, duration: int = 1_000_000_000) -> dict[str, Any]:
    """``hosts`` idle hosts (x1, x2...) each crashing with probability ``p`` during the run."""
    ids = [f"x{i + 1}" for i in range(hosts)]
    return {
        "title": "crashes",
        "hosts": [{"id": h, "label": f"Node {h}", "x": 100.0 * i, "group": "rack1",
                   "failures": {"crash_probability": p, "crash_period": duration}}
                  for i, h in enumerate(ids)],
        "groups": [{"id": "rack1"}],
        "links": [{"a": a, "b": b} for i, a in enumerate(ids) for b in ids[i + 1:]],
        "run": {"duration": duration, "seed": 1},
    }


def heartbeat_scenario() -> dict[str, Any]:
    """Three hosts watching each other (explicit peer lists), a client calling one of them,
    and a partition that puts a on its own side."""
    def hb(peers: list[str]) -> dict[str, Any]:
        return {"name": "heartbeat", "params": {"peers": peers}}

    return {
        "hosts": [{"id": "a", "label": "Alpha", "behaviour": hb(["b", "c"])},
                  {"id": "b", "behaviour": hb(["a", "c"])},
                  {"id": "c", "behaviour": hb(["a", "b"])},
                  {"id": "srv", "behaviour": {"name": "rr_server"}},
                  {"id": "cl", "behaviour": {"name": "rr_client", "params": {"server": "srv"}}}],
        "links": [{"a": "a", "b": "b"}, {"a": "b", "b": "c"}, {"a": "c", "b": "a"},
                  {"a": "cl", "b": "srv", "directed": True}, {"a": "srv", "b": "cl"},
                  {"a": "a", "b": "srv"}],
        "faults": [{"kind": "partition", "sides": [["a"], ["b", "c"]], "start": 100_000_000,
                    "end": 200_000_000},
                   {"kind": "crash", "host": "a", "at": 300_000_000}],
        "run": {"duration": 500_000_000, "seed": 2},
    }
