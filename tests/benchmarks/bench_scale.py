"""Scale: 10,000 hosts and 1,000,000 delivered messages streamed to a JSONL trace.

Topology: a ring plus a random perfect matching (about three links per host,
exponential latency); every host runs ``ping`` with its link neighbours as
peers, so each message takes one direct link. The trace streams to a JSONL
file in a temporary folder. Prints the wall time (building the scenario,
preparing the run and running it) and the peak memory: ``ru_maxrss`` of the
process (what counts) and tracemalloc's peak of Python allocations when
``--tracemalloc`` is given (it slows the run down, so it is off by default).
Targets: under 60 s and under 1.5 GB on a 2-core machine.

    python tests/benchmarks/bench_scale.py [--hosts 10000] [--messages 1000000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sandbox.engine import Simulation  # noqa: E402
from sandbox.scenario import scenario_from_dict  # noqa: E402
from sandbox.trace import JsonlSink  # noqa: E402

MS = 1_000_000
S = 1_000 * MS
INTERVAL = 100 * MS  # mean time between two sends of one host
LATENCY = 5 * MS


def topology(hosts: int, seed: int = 1) -> tuple[list[str], list[tuple[str, str]]]:
    """A ring plus a random perfect matching of the hosts (no self or repeated links)."""
    ids = [f"n{i:05d}" for i in range(hosts)]
    pairs = {(i, (i + 1) % hosts) if i < (i + 1) % hosts else ((i + 1) % hosts, i)
             for i in range(hosts)}
    rng = random.Random(seed)
    order = list(range(hosts))
    rng.shuffle(order)
    for a, b in zip(order[0::2], order[1::2], strict=False):
        key = (min(a, b), max(a, b))
        if key not in pairs:
            pairs.add(key)
    return ids, [(ids[a], ids[b]) for a, b in sorted(pairs)]


def scenario(hosts: int, messages: int, seed: int = 1):
    ids, links = topology(hosts, seed)
    neighbours: dict[str, list[str]] = {h: [] for h in ids}
    for a, b in links:
        neighbours[a].append(b)
        neighbours[b].append(a)
    lat = {"dist": "exponential", "mean": LATENCY}
    duration = int(messages * INTERVAL / hosts)
    return scenario_from_dict({
        "title": f"scale: {hosts} hosts",
        "hosts": [{"id": h, "behaviour": {"name": "ping",
                                          "params": {"interval": INTERVAL,
                                                     "peers": neighbours[h]}}}
                  for h in ids],
        "links": [{"a": a, "b": b, "latency": lat} for a, b in links],
        "model": {"synchrony": "synchronous", "delivery_bound": 3600 * S},
        "run": {"seed": seed, "duration": duration},
    }), len(links)


class CountingJsonlSink(JsonlSink):
    """A JsonlSink that also counts deliveries."""

    def __init__(self, path) -> None:
        super().__init__(path)
        self.delivered = 0
        self._write_line = super().write

    def write(self, ev) -> None:
        if ev.kind == "deliver":
            self.delivered += 1
        self._write_line(ev)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hosts", type=int, default=10_000)
    p.add_argument("--messages", type=int, default=1_000_000)
    p.add_argument("--profile", action="store_true", help="cProfile the whole run")
    p.add_argument("--tracemalloc", action="store_true",
                   help="also report tracemalloc's peak of Python allocations")
    args = p.parse_args(argv)

    if args.tracemalloc:
        tracemalloc.start()
    prof = cProfile.Profile() if args.profile else None
    if prof:
        prof.enable()
    t0 = time.perf_counter()
    s, n_links = scenario(args.hosts, args.messages)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "scale.jsonl")
        sink = CountingJsonlSink(path)
        sim = Simulation(s, sink)
        t2 = time.perf_counter()
        rss_prepared = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        events = sim.run(freeze_gc=True)  # as `sandbox run` does
        t3 = time.perf_counter()
        size = os.path.getsize(path)
    if prof:
        prof.disable()
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    traced = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None

    print(f"scale: {args.hosts} hosts, {n_links} links, ping to link neighbours, "
          f"simulated {s.run.duration / S:g} s")
    print(f"delivered: {sink.delivered} messages, {events} events, JSONL {size / 1e6:.0f} MB")
    print(f"wall time: {t3 - t0:.1f} s (scenario {t1 - t0:.1f} s, prepare {t2 - t1:.1f} s, "
          f"run {t3 - t2:.1f} s) = {sink.delivered / (t3 - t2):,.0f} deliveries/s in the run")
    print(f"peak memory (ru_maxrss): {peak_rss / 1024:.0f} MB "
          f"(after preparing the run: {rss_prepared / 1024:.0f} MB)")
    if traced is not None:
        print(f"peak Python allocations (tracemalloc): {traced / 2**20:.0f} MB")
    wall_ok = t3 - t0 < 60
    mem_ok = peak_rss * 1024 < 1.5e9
    print(f"targets: wall < 60 s {'met' if wall_ok else 'MISSED'}, "
          f"memory < 1.5 GB {'met' if mem_ok else 'MISSED'}")
    if prof:
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(25)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
