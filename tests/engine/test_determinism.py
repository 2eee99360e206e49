"""The engine is deterministic: the same seed gives the same trace, across processes,
in chunks, and whatever other hosts draw."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from sandbox.engine import Simulation
from sandbox.scenario import Scenario, save, scenario_from_dict
from sandbox.trace import MemorySink

from .helpers import (
    MS,
    PRESETS,
    REPO,
    host,
    link,
    mesh,
    run,
    scen,
)

# -- determinism across processes -----------------------------------------------------------


def rich_message_passing() -> Scenario:
    """Many features at once: random crashes with repair, loss, duplication, reordering,
    corruption, Byzantine hosts, partitions, pauses, clock sync, detector, broadcast, RPC."""
    ids = [f"h{i}" for i in range(7)]
    hosts = [
        host("h0", "rr_server", failures={"mttf": "400ms", "mttr": "100ms"},
             service_time="2ms"),
        host("h1", "rr_client", server="h0", interval="20ms", timeout="30ms", retries=2,
             failures={"byzantine_probability": 0.3, "byzantine_behaviour": "corrupt",
                       "send_omission": 0.05}),
        host("h2", "heartbeat", interval="30ms", timeout="100ms",
             clock={"offset": "3ms", "drift_ppm": 80, "jitter": "20us"},
             failures={"crash_probability": 0.5, "crash_period": "1s", "mttr": "200ms",
                       "crash_mode": "fail_stop", "receive_omission": 0.05}),
        host("h3", "broadcast", mode="reliable", count=5, interval="50ms", retransmit="20ms"),
        host("h4", "cristian", server="h5", interval="100ms",
             clock={"drift_ppm": -300, "resolution": "1us"},
             failures={"timing_probability": 0.1, "timing_slowdown": 5}),
        host("h5", "time_server", failures={"byzantine_probability": 0.2,
                                            "byzantine_behaviour": "forge_clock"}),
        host("h6", "workload_client", servers=["h0"], timeout="200ms",
             failures={"byzantine_probability": 0.2, "byzantine_behaviour": "replay"}),
    ]
    hosts[0]["cores"] = 2
    links = []
    dists = ["constant", "uniform", "normal", "exponential", "lognormal", "pareto"]
    k = 0
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            lat = {"dist": dists[k % 6], "mean": 2 * MS, "spread": MS, "shape": 2.5}
            links.append({"a": a, "b": b, "latency": lat, "loss": 0.05, "duplication": 0.05,
                          "corruption": 0.03, "reordering": 0.2 if k % 2 else 0.0,
                          "bandwidth": 1e7 if k % 3 == 0 else None,
                          "timing_probability": 0.02})
            k += 1
    faults = [
        {"kind": "partition", "sides": [["h0", "h1"], ["h3", "h4"]], "start": "300ms",
         "end": "500ms"},
        {"kind": "partition", "sides": [["h5"], ["h4", "h6"]], "start": "600ms", "end": "700ms",
         "one_way": True},
        {"kind": "pause", "host": "h3", "at": "100ms", "duration": "150ms"},
        {"kind": "crash", "host": "h5", "at": "800ms"},
        {"kind": "recover", "host": "h5", "at": "900ms"},
        {"kind": "byzantine", "host": "h3", "at": "400ms", "behaviour": "equivocate",
         "probability": 0.5},
        {"kind": "clock_jump", "host": "h6", "at": "250ms", "delta": "-7ms"},
        {"kind": "loss_burst", "a": "h0", "b": "h6", "start": "200ms", "end": "400ms"},
        {"kind": "link_cut", "a": "h1", "b": "h0", "start": "650ms", "end": "750ms"},
        {"kind": "drop_message", "msg": 10, "at": 0},
    ]
    return scen(hosts, links, duration=1200 * MS, faults=faults,
                model={"synchrony": "partially_synchronous", "gst": "600ms", "async_tail": 1.5},
                workload={"profile": "black_friday", "base_rate": 20, "peak_rate": 200,
                          "spike_at": "300ms", "spike_length": "300ms"})


def rich_dsm() -> Scenario:
    hosts = [
        host("m0", "dsm_worker", pattern="random", operations=0, write_ratio=0.4,
             think_time="2ms", failures={"mttf": "300ms", "mttr": "50ms"}),
        host("m1", "dsm_worker", pattern="hot_spot", operations=0, think_time="1ms"),
        host("m2", "dsm_worker", pattern="sequential", operations=0, think_time="3ms",
             failures={"crash_probability": 0.3, "crash_period": "500ms", "mttr": "100ms",
                       "state_on_crash": "kept"}),
        host("m3", "dsm_worker", pattern="local", operations=0, think_time="1ms"),
    ]
    for i, h in enumerate(hosts):
        h["memory_pages"] = 4 * (i + 1)
    ids = [h["id"] for h in hosts]
    links = mesh(ids, dist="exponential", mean=MS, loss=0.05, duplication=0.02,
                 corruption=0.02)
    return scen(hosts, links, duration=800 * MS,
                model={"communication": "dsm"},
                memory={"pages": 24, "placement": "by_capacity", "coherence": "migrate_on_write",
                        "timeout": "10ms", "retries": 2},
                faults=[{"kind": "partition", "sides": [["m0"], ["m1", "m2"]], "start": "200ms",
                         "end": "300ms"},
                        {"kind": "crash", "host": "m3", "at": "400ms"}])


def rich_replication() -> Scenario:
    s = rich_dsm()
    data = s.model_dump(mode="json")
    data["memory"]["coherence"] = "read_replication"
    data["memory"]["placement"] = "round_robin"
    return scenario_from_dict(data)


RICH = {"rich_message_passing": rich_message_passing, "rich_dsm": rich_dsm,
        "rich_replication": rich_replication}


def cli_run(path: Path, out: Path, hashseed: str, *extra: str) -> None:
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = hashseed
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, "-m", "sandbox", "run", str(path), "--out", str(out), "--quiet",
         *extra],
        capture_output=True, text=True, timeout=300, env=env, cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


def scenario_files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, make in RICH.items():
        path = tmp_path / f"{name}.json"
        save(make(), path)
        out[name] = path
    for p in PRESETS:
        out[f"preset:{p.stem}"] = p
    return out


def test_rich_scenarios_exercise_their_features():
    """The determinism test is only worth something if these runs do many things."""
    _, ev, su = run(rich_message_passing())
    kinds = Counter(e.kind for e in ev)
    for kind in ("send", "deliver", "drop", "duplicate", "corrupt", "crash", "recover", "pause",
                 "resume", "suspect", "clock_adjust", "partition", "heal", "app", "timer",
                 "byzantine", "link_cut", "link_heal"):
        assert kinds[kind] > 0, kind
    reasons = su["dropped_by_reason"]
    for reason in ("loss", "partition", "crashed", "omission", "link_cut"):
        assert reasons.get(reason, 0) > 0, (reason, reasons)
    assert any((e.data or {}).get("byz") for e in ev if e.kind == "send")
    assert any((e.data or {}).get("late") for e in ev if e.kind == "deliver")
    _, ev, su = run(rich_dsm())
    assert su["mem_remote"] > 50 and su["mem_local"] > 50
    assert su["crashes"] > 0
    assert any(e.kind == "app" and e.data["name"] == "page_migrated" for e in ev)
    _, ev, su = run(rich_replication())
    assert su["mem_remote"] > 50 and su["mem_local"] > 50


@pytest.mark.slow
def test_same_seed_gives_byte_identical_jsonl_across_processes(tmp_path):
    files = scenario_files(tmp_path)
    for name, path in files.items():
        a, b = tmp_path / f"{name}.a.jsonl", tmp_path / f"{name}.b.jsonl"
        extra = ("--until", "2s") if name.startswith("preset:") else ()
        cli_run(path, a, "1", *extra)
        cli_run(path, b, "12345", *extra)
        da, db = a.read_bytes(), b.read_bytes()
        assert da.count(b"\n") > 20, name
        assert da == db, f"{name}: traces differ between PYTHONHASHSEED=1 and 12345"


@pytest.mark.slow
def test_different_seeds_give_different_traces(tmp_path):
    files = scenario_files(tmp_path)
    for name in RICH:
        a, b = tmp_path / f"{name}.s1.jsonl", tmp_path / f"{name}.s2.jsonl"
        cli_run(files[name], a, "0", "--seed", "1")
        cli_run(files[name], b, "0", "--seed", "2")
        la = a.read_text(encoding="utf-8").splitlines()
        lb = b.read_text(encoding="utf-8").splitlines()
        assert json.loads(la[0])["seed"] == 1 and json.loads(lb[0])["seed"] == 2
        assert la[1:] != lb[1:], name


def test_same_seed_same_events_in_process():
    for make in RICH.values():
        _, a, _ = run(make())
        _, b, _ = run(make())
        assert a == b


def test_chunked_run_equals_whole_run():
    s = rich_message_passing()
    _, whole, _ = run(s)
    sink = MemorySink()
    sim = Simulation(s, sink)
    sim.start()
    t = 0
    while t < s.run.duration:
        t += 37 * MS
        sim.advance(t)
    sim.finish()
    assert sink.events == whole


def test_adding_a_host_does_not_change_another_hosts_draws():
    """Named streams: an extra idle, unlinked host leaves the other draws alone."""
    base = [host(0, "ping", interval="5ms", peers=["h1"]), host(1)]
    links = [link("h0", "h1", dist="exponential", mean=2 * MS, loss=0.1)]
    _, a, _ = run(scen(base, links, duration=300 * MS))
    _, b, _ = run(scen(base + [host(2)], links, duration=300 * MS))
    assert [(e.t, e.kind, e.host, e.msg) for e in a] == [(e.t, e.kind, e.host, e.msg) for e in b]
