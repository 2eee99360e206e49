"""Helpers shared by the playback tests (player, space-time diagram, event log).

Imported by those test modules, not collected by pytest itself: a fake wall
clock, a small hand-made trace whose numbers are easy to follow, and the
timelines of real preset runs (each run once per session).
"""

from __future__ import annotations

from functools import cache

from sandbox.engine import Simulation
from sandbox.presets import preset_path
from sandbox.scenario.io import load
from sandbox.trace import MemorySink, TraceEvent
from sandbox.trace.timeline import Timeline

MS = 1_000_000


class FakeClock:
    """A wall clock for the player: returns ``now`` seconds, moving ``step`` further on each call."""

    def __init__(self, start: float = 100.0, step: float = 0.0) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> float:
        value = self.now
        self.now += self.step
        return value

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of wall time pass."""
        self.now += seconds


def small_events() -> list[TraceEvent]:
    """A 100 ms run of three hosts: a, b, c (events at whole milliseconds, local = t + skew)."""
    skew = {"a": 5 * MS, "b": 0, "c": 0, "": 0}

    def ev(t_ms, kind, host, msg=None, peer=None, data=None):
        t = t_ms * MS
        local = t + skew[host] + (t // 10 if host == "a" else 0)
        return TraceEvent(0, t, kind, host, local if host else t, msg, peer, data)

    events = [
        ev(0, "send", "a", 1, "b", {"size": 64}),
        ev(10, "deliver", "b", 1, "a", {"latency": 10 * MS}),
        ev(20, "send", "b", 2, "c", {"size": 64}),
        ev(30, "corrupt", "c", 2, "b"),
        ev(30, "deliver", "c", 2, "b", {"latency": 10 * MS, "corrupted": True}),
        ev(40, "send", "c", 3, "a", {"size": 64}),
        ev(45, "drop", "c", 3, "a", {"reason": "loss", "link": ["c", "a"]}),
        ev(50, "crash", "b", data={"mode": "fail_silent", "state": "lost", "cause": "scheduled"}),
        ev(55, "suspect", "a", data={"target": "b"}),
        ev(60, "send", "a", 4, "c", {"size": 64}),
        ev(70, "deliver", "c", 4, "a", {"latency": 10 * MS}),
        ev(80, "recover", "b", data={"cause": "scheduled"}),
        ev(90, "timer", "c", data={"name": "tick"}),
    ]
    return [e._replace(seq=i) for i, e in enumerate(events)]


SMALL_HEADER = {
    "scenario": {
        "hosts": [
            {"id": "a", "clock": {"offset": 5 * MS, "drift_ppm": 100_000.0, "resolution": 1}},
            {"id": "b"},
            {"id": "c"},
        ],
        "run": {"duration": 100 * MS},
    }
}


def small_timeline() -> Timeline:
    """The timeline of :func:`small_events` (host a's clock: +5 ms and 10 % fast)."""
    return Timeline(SMALL_HEADER, small_events())


@cache
def preset_run(name: str) -> tuple[dict, tuple[TraceEvent, ...]]:
    """The header and events of a preset run with its own seed (computed once)."""
    sink = MemorySink()
    Simulation(load(preset_path(name)), sink).run()
    return sink.header, tuple(sink.events)


def preset_timeline(name: str) -> Timeline:
    """A fresh timeline of a preset run."""
    header, events = preset_run(name)
    return Timeline(header, list(events))


def synthetic_events(n: int, hosts: int = 20, seed: int = 1) -> list[TraceEvent]:
    """About ``n`` events of ping traffic between ``hosts`` hosts (sends, deliveries, drops)."""
    import heapq
    import random

    rng = random.Random(seed)
    names = [f"h{i}" for i in range(hosts)]
    out: list[TraceEvent] = []
    pending: list[tuple[int, int, str, str, bool]] = []
    t = 0
    mid = 0
    while len(out) < n:
        t += rng.randrange(1, 20_000)
        while pending and pending[0][0] <= t:
            te, m, s, d, ok = heapq.heappop(pending)
            if ok:
                out.append(TraceEvent(len(out), te, "deliver", d, te, m, s, {"latency": 1}))
            else:
                out.append(TraceEvent(len(out), te, "drop", s, te, m, d, {"reason": "loss"}))
        s, d = rng.sample(names, 2)
        mid += 1
        out.append(TraceEvent(len(out), t, "send", s, t, mid, d, {"size": 64}))
        heapq.heappush(pending, (t + rng.randrange(1_000_000, 40_000_000), mid, s, d,
                                 rng.random() > 0.05))
    return out
