"""Engine throughput against bare SimPy on the same message-passing workload.

The workload: N hosts (100), each sending to a random peer at exponential
intervals, over links of exponential latency (a full mesh, so every message
takes one direct link). It runs twice in this process:

(a) bare SimPy: per host one process that sleeps an exponential interval,
    picks a peer and draws a latency, and a delivery scheduled with
    ``env.timeout(latency)`` whose callback counts it (three random draws per
    message, as the engine makes);
(b) the sandbox engine: the built-in ``ping`` behaviour on every host, a
    synchronous model whose bound never clips (so a delay is the link's
    exponential draw), with full tracing to a JsonlSink in a temporary folder.

Both run until about the same number of deliveries. Prints messages per
second of each and ``engine/simpy throughput ratio: X`` (target >= 0.5).

    python tests/benchmarks/bench_engine.py [--hosts 100] [--messages 200000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path

import simpy

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sandbox.engine import Simulation  # noqa: E402
from sandbox.scenario import scenario_from_dict  # noqa: E402
from sandbox.trace import JsonlSink  # noqa: E402

MS = 1_000_000
S = 1_000 * MS
INTERVAL = 10 * MS  # mean time between two sends of one host
LATENCY = 2 * MS  # mean one-way latency


def bare_simpy(hosts: int, messages: int, seed: int = 1) -> tuple[int, float]:
    """The workload in plain SimPy; returns (deliveries, wall seconds)."""
    env = simpy.Environment()
    rng = random.Random(seed)
    delivered = [0]
    rate = 1.0 / INTERVAL
    lat_rate = 1.0 / LATENCY
    peers = [[p for p in range(hosts) if p != h] for h in range(hosts)]

    def on_deliver(_ev: simpy.Event) -> None:
        delivered[0] += 1

    def host(h: int):
        mine = peers[h]
        while True:
            yield env.timeout(int(rng.expovariate(rate)))
            rng.choice(mine)  # the destination (one link each way: no routing to do)
            ev = env.timeout(int(rng.expovariate(lat_rate)), h)
            ev.callbacks.append(on_deliver)

    for h in range(hosts):
        env.process(host(h))
    until = int(messages * INTERVAL / hosts)
    t0 = time.perf_counter()
    env.run(until=until)
    return delivered[0], time.perf_counter() - t0


def scenario(hosts: int, messages: int, seed: int = 1):
    ids = [f"h{i}" for i in range(hosts)]
    lat = {"dist": "exponential", "mean": LATENCY}
    return scenario_from_dict({
        "title": "benchmark: ping over a full mesh",
        "hosts": [{"id": h, "behaviour": {"name": "ping", "params": {"interval": INTERVAL}}}
                  for h in ids],
        "links": [{"a": a, "b": b, "latency": lat}
                  for i, a in enumerate(ids) for b in ids[i + 1:]],
        "model": {"synchrony": "synchronous", "delivery_bound": 3600 * S},
        "run": {"seed": seed, "duration": int(messages * INTERVAL / hosts)},
    })


class CountingJsonlSink(JsonlSink):
    """A JsonlSink that also counts deliveries (one comparison per event)."""

    def __init__(self, path) -> None:
        super().__init__(path)
        self.delivered = 0
        self._write_line = super().write

    def write(self, ev) -> None:
        if ev.kind == "deliver":
            self.delivered += 1
        self._write_line(ev)


def engine(hosts: int, messages: int, folder: str, profile: bool = False,
           seed: int = 1) -> tuple[int, float, float, int, int]:
    """The workload through the engine.

    Returns (deliveries, wall s from Simulation() to the closed trace, of which the
    preparation: Simulation() and start() with the trace header, events, trace bytes).
    """
    s = scenario(hosts, messages, seed)
    path = os.path.join(folder, "bench.jsonl")
    sink = CountingJsonlSink(path)
    prof = cProfile.Profile() if profile else None
    t0 = time.perf_counter()
    if prof:
        prof.enable()
    sim = Simulation(s, sink)
    sim.start()
    prepared = time.perf_counter() - t0
    sim.advance(sim.until)
    events = sim.finish()
    if prof:
        prof.disable()
    wall = time.perf_counter() - t0
    if prof:
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats("tottime").print_stats(25)
        print(out.getvalue())
    return sink.delivered, wall, prepared, events, os.path.getsize(path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hosts", type=int, default=100)
    p.add_argument("--messages", type=int, default=200_000)
    p.add_argument("--profile", action="store_true", help="cProfile the engine run")
    args = p.parse_args(argv)

    n_simpy, t_simpy = bare_simpy(args.hosts, args.messages)
    with tempfile.TemporaryDirectory() as folder:
        n_engine, t_engine, t_prep, events, size = engine(args.hosts, args.messages, folder,
                                                          args.profile)
    simpy_rate = n_simpy / t_simpy
    engine_rate = n_engine / t_engine
    print(f"workload: {args.hosts} hosts, random peers, exponential intervals "
          f"(mean {INTERVAL / MS:g} ms) and latency (mean {LATENCY / MS:g} ms)")
    print(f"bare simpy: {n_simpy} messages delivered in {t_simpy:.2f} s "
          f"= {simpy_rate:,.0f} messages/s")
    print(f"engine:     {n_engine} messages delivered in {t_engine:.2f} s "
          f"= {engine_rate:,.0f} messages/s ({events} events, JSONL {size / 1e6:.1f} MB)")
    print(f"            of which {t_prep:.2f} s preparing (channels, streams, trace header); "
          f"run alone: {n_engine / (t_engine - t_prep):,.0f} messages/s, ratio "
          f"{n_engine / (t_engine - t_prep) / simpy_rate:.2f}")
    print(f"engine/simpy throughput ratio: {engine_rate / simpy_rate:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
