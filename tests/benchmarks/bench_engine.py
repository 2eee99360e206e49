"""Engine throughput against bare SimPy on the same message-passing workload.

The workload: N hosts (100), each sending to a random peer at exponential
intervals, over links of exponential latency (a full mesh, so every message
takes one direct link), and each host receiving what it is sent. It runs in
this process, alternately, several rounds:

(a) bare SimPy, written the way a SimPy user models message passing: a
    message object (source, destination, payload, send time), per host a
    sending process that sleeps an exponential interval, picks a peer and
    draws a latency, a delivery scheduled with ``env.timeout(latency)`` whose
    callback puts the message in the destination's ``simpy.Store`` inbox, and
    per host a receiving process that takes messages out of its inbox;
(b) the sandbox engine: the built-in ``ping`` behaviour on every host, a
    synchronous model whose bound never clips (so a delay is the link's
    exponential draw), with full tracing (every send and delivery) streamed to
    a JsonlSink in a temporary folder.

Also printed, for reference, a leaner SimPy model that only counts deliveries
in a callback (no message, no inbox, no receiver). Throughput is deliveries
per second of CPU time of this process (the machines are shared, so CPU time
is steadier than wall time); the ratio is the median over the rounds of
engine / bare SimPy (a). Target: at least 0.5.

    python tests/benchmarks/bench_engine.py [--hosts 100] [--messages 200000] [--rounds 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
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


class Msg:
    """A message of the bare SimPy model."""

    __slots__ = ("src", "dst", "payload", "sent")

    def __init__(self, src: int, dst: int, payload: dict, sent: int) -> None:
        self.src, self.dst, self.payload, self.sent = src, dst, payload, sent


def bare_simpy(hosts: int, messages: int, seed: int = 1) -> tuple[int, float]:
    """The workload in idiomatic SimPy (inboxes, receivers); returns (deliveries, CPU s)."""
    env = simpy.Environment()
    rng = random.Random(seed)
    received = [0]
    rate = 1.0 / INTERVAL
    lat_rate = 1.0 / LATENCY
    peers = [[p for p in range(hosts) if p != h] for h in range(hosts)]
    inbox = [simpy.Store(env) for _ in range(hosts)]

    def arrive(ev: simpy.Event) -> None:
        msg = ev.value
        inbox[msg.dst].put(msg)

    def sender(h: int):
        mine = peers[h]
        n = 0
        while True:
            yield env.timeout(int(rng.expovariate(rate)))
            n += 1
            msg = Msg(h, rng.choice(mine), {"type": "ping", "n": n}, env.now)
            ev = env.timeout(int(rng.expovariate(lat_rate)), msg)
            ev.callbacks.append(arrive)

    def receiver(h: int):
        box = inbox[h]
        while True:
            yield box.get()
            received[0] += 1

    for h in range(hosts):
        env.process(sender(h))
        env.process(receiver(h))
    until = int(messages * INTERVAL / hosts)
    t0 = time.process_time()
    env.run(until=until)
    return received[0], time.process_time() - t0


def bare_simpy_counting(hosts: int, messages: int, seed: int = 1) -> tuple[int, float]:
    """A leaner model for reference: deliveries only counted in a callback."""
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
            rng.choice(mine)
            ev = env.timeout(int(rng.expovariate(lat_rate)), h)
            ev.callbacks.append(on_deliver)

    for h in range(hosts):
        env.process(host(h))
    until = int(messages * INTERVAL / hosts)
    t0 = time.process_time()
    env.run(until=until)
    return delivered[0], time.process_time() - t0


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


def count_deliveries(path: str) -> int:
    """Deliveries in a JSONL trace (counted after the timing)."""
    with open(path, encoding="utf-8") as fh:
        return sum(1 for line in fh if '"kind":"deliver"' in line)


def engine(hosts: int, messages: int, folder: str, profile: bool = False,
           seed: int = 1) -> tuple[int, float, float, int, int]:
    """The workload through the engine.

    Returns (deliveries, CPU s from Simulation() to the closed trace, of which the
    preparation: Simulation(), events, trace bytes).
    """
    s = scenario(hosts, messages, seed)
    path = os.path.join(folder, "bench.jsonl")
    sink = JsonlSink(path)
    prof = cProfile.Profile() if profile else None
    t0 = time.process_time()
    if prof:
        prof.enable()
    sim = Simulation(s, sink)
    prepared = time.process_time() - t0
    events = sim.run()
    if prof:
        prof.disable()
    cpu = time.process_time() - t0
    if prof:
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats("tottime").print_stats(25)
        print(out.getvalue())
    return count_deliveries(path), cpu, prepared, events, os.path.getsize(path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hosts", type=int, default=100)
    p.add_argument("--messages", type=int, default=200_000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--profile", action="store_true", help="cProfile the engine run")
    args = p.parse_args(argv)

    print(f"workload: {args.hosts} hosts, random peers, exponential intervals "
          f"(mean {INTERVAL / MS:g} ms) and latency (mean {LATENCY / MS:g} ms)")
    ratios, runs = [], []
    for r in range(args.rounds):
        n_simpy, t_simpy = bare_simpy(args.hosts, args.messages)
        n_count, t_count = bare_simpy_counting(args.hosts, args.messages)
        with tempfile.TemporaryDirectory() as folder:
            n_engine, t_engine, t_prep, events, size = engine(
                args.hosts, args.messages, folder, args.profile and r == 0)
        simpy_rate, count_rate = n_simpy / t_simpy, n_count / t_count
        engine_rate = n_engine / t_engine
        ratios.append(engine_rate / simpy_rate)
        runs.append((simpy_rate, count_rate, engine_rate))
        print(f"round {r + 1}: bare simpy {n_simpy} deliveries in {t_simpy:.2f} s CPU "
              f"= {simpy_rate:,.0f}/s; counting-only simpy {count_rate:,.0f}/s; engine "
              f"{n_engine} deliveries in {t_engine:.2f} s CPU (of which {t_prep:.2f} s "
              f"preparing; {events} events, JSONL {size / 1e6:.1f} MB) = {engine_rate:,.0f}/s; "
              f"ratio {engine_rate / simpy_rate:.2f}")
    ratio = statistics.median(ratios)
    lean = statistics.median(e / c for _, c, e in runs)
    print(f"engine/counting-only simpy ratio (reference): {lean:.2f}")
    print(f"engine/simpy throughput ratio: {ratio:.2f} (target 0.5: "
          f"{'met' if ratio >= 0.5 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
