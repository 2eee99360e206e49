"""Builders and checks shared by the engine tests: hosts, links, scenarios, a run, and the
rules every trace obeys.

Expectations come from the scenario's configuration and the documented
semantics (CONCEPTS.md, the issue, the docstrings), never from a previous
run's output.
"""

from __future__ import annotations

import json
from pathlib import Path

from sandbox.engine import Simulation
from sandbox.presets import list_presets
from sandbox.scenario import Scenario, scenario_from_dict
from sandbox.trace import KINDS, MemorySink, StatsSink, TeeSink, TraceEvent

US, MS, S = 1_000, 1_000_000, 1_000_000_000
#: The source tree (the working directory of command-line runs).
REPO = Path(__file__).resolve().parent.parent.parent
#: The bundled presets' files.
PRESETS = [path for path, _title in list_presets()]

# -- helpers --------------------------------------------------------------------------------


def host(i: int | str, behaviour: str = "idle", *, failures: dict | None = None,
         clock: dict | None = None, **params) -> dict:
    """A host spec: id ``h<i>`` (or ``i`` itself), a behaviour with ``params``, failures, clock."""
    d: dict = {"id": i if isinstance(i, str) else f"h{i}",
               "behaviour": {"name": behaviour, "params": params}}
    if failures:
        d["failures"] = failures
    if clock:
        d["clock"] = clock
    return d


def link(a: str, b: str, dist: str = "constant", mean: int = MS, spread: int = 0,
         shape: float = 1.5, **kw) -> dict:
    """A link spec between ``a`` and ``b`` with the given latency; ``kw`` adds link fields."""
    d = {"a": a, "b": b, "latency": {"dist": dist, "mean": mean, "spread": spread,
                                     "shape": shape}}
    d.update(kw)
    return d


def mesh(ids: list[str], **kw) -> list[dict]:
    """A link between every pair of ``ids``, each built by :func:`link` with ``kw``."""
    return [link(a, b, **kw) for i, a in enumerate(ids) for b in ids[i + 1:]]


#: A synchronous model whose bound never clips: latencies are exactly the link's draws.
UNBOUNDED_SYNC = {"synchrony": "synchronous", "delivery_bound": 3600 * S}


def scen(hosts: list[dict], links: list[dict] = (), duration: int = S, **kw) -> Scenario:
    """A validated scenario of ``hosts`` and ``links`` (seed 7); ``kw`` adds top-level sections."""
    data = {"hosts": hosts, "links": list(links), "run": {"duration": duration, "seed": 7}}
    data.update(kw)
    return scenario_from_dict(data)


def run(scenario: Scenario, until: int | None = None, seed: int | None = None):
    """Run; return (simulation, events, summary)."""
    mem, stats = MemorySink(), StatsSink()
    sim = Simulation(scenario, TeeSink(mem, stats), seed=seed)
    sim.run(until=until)
    assert sim.errors == [], sim.errors
    return sim, mem.events, stats.summary(sim.until)


def by_kind(events: list[TraceEvent], kind: str, host: str | None = None) -> list[TraceEvent]:
    """The events of ``kind`` (at ``host`` if given)."""
    return [e for e in events if e.kind == kind and (host is None or e.host == host)]


def sends(events, src=None, dst=None, channel="app"):
    """The send events on ``channel``, from ``src`` and to ``dst`` if given."""
    out = []
    for e in events:
        if e.kind != "send" or (src is not None and e.host != src):
            continue
        if dst is not None and e.peer != dst:
            continue
        if (e.data or {}).get("channel", "app") != channel:
            continue
        out.append(e)
    return out


def fate(events) -> dict[int, TraceEvent]:
    """Message id -> its deliver or drop event."""
    out = {}
    for e in events:
        if e.kind in ("deliver", "drop") and e.msg is not None:
            assert e.msg not in out, f"message {e.msg} has two fates"
            out[e.msg] = e
    return out


# -- trace invariants (used by the random scenarios too) ------------------------------------


def check_trace(scenario: Scenario, events: list[TraceEvent], until: int) -> None:
    """Rules every trace obeys, whatever the scenario."""
    ids = set(scenario.host_ids())
    sent: dict[int, TraceEvent] = {}
    ended: set[int] = set()
    down: set[str] = set()
    prev_t = 0
    for i, e in enumerate(events):
        assert e.seq == i
        assert e.kind in KINDS, e
        assert e.t >= prev_t, ("time goes backwards", e)
        assert 0 <= e.t <= until, e
        prev_t = e.t
        assert e.host in ids or (e.host == "" and e.kind in (
            "partition", "heal", "link_cut", "link_heal", "app")), e
        if e.host == "":
            assert e.local == e.t
        if e.data is not None:
            json.dumps(e.data)
        if e.kind == "crash":
            assert e.host not in down, ("crash of a crashed host", e)
            down.add(e.host)
        elif e.kind == "recover":
            assert e.host in down, ("recovery of a running host", e)
            down.discard(e.host)
        elif e.kind in ("send", "duplicate"):
            assert e.host not in down, ("a crashed host sends", e)
            assert e.msg is not None and e.msg not in sent, e
            assert e.peer in ids
            if e.kind == "duplicate":
                assert e.data["of"] in sent
            sent[e.msg] = e
        elif e.kind in ("deliver", "drop"):
            assert e.msg in sent, ("fate of an unknown message", e)
            assert e.msg not in ended, ("message ends twice", e)
            ended.add(e.msg)
            s = sent[e.msg]
            if e.kind == "deliver":
                assert e.host == s.peer and e.peer == s.host, (s, e)
                assert e.host not in down, ("delivery to a crashed host", e)
                assert e.t >= s.t
            else:
                assert e.host == s.host and e.peer == s.peer, (s, e)
        elif e.kind == "corrupt":
            assert e.msg in sent and e.msg not in ended
        elif e.kind == "mem":
            d = e.data
            assert d["op"] in ("read", "write") and isinstance(d["ok"], bool)
            assert d["cost"] >= 0
        elif e.kind == "suspect":
            assert e.data["target"] in ids
