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
in a callback (no message, no inbox, no receiver). The models run side by
side in interleaved slices of simulated time, so load from elsewhere on a
shared machine falls on all of them alike. Throughput is deliveries per second
of CPU time of this process; the ratio is the median over the rounds of
engine / bare SimPy (a). Target: at least 0.5.

    python tests/benchmarks/bench_engine.py [--hosts 100] [--messages 200000] [--rounds 3] [--slices 20] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
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


def bare_simpy(hosts: int, seed: int = 1) -> tuple[simpy.Environment, list[int]]:
    """The workload in idiomatic SimPy (inboxes, receivers): the environment and its counter."""
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
    return env, received


def bare_simpy_counting(hosts: int, seed: int = 1) -> tuple[simpy.Environment, list[int]]:
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
    return env, delivered


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


def one_round(hosts: int, messages: int, folder: str, slices: int,
              profile: bool = False) -> dict[str, float]:
    """Run the three models side by side, in interleaved slices of simulated time.

    Each model advances by 1/slices of the run in turn and the CPU time of each
    slice is added to its model, so a burst of load on a shared machine falls
    on all of them alike. Returns deliveries per CPU second of each, the
    engine's preparation time and its trace size.
    """
    until = int(messages * INTERVAL / hosts)
    env_b, got_b = bare_simpy(hosts)
    env_c, got_c = bare_simpy_counting(hosts)
    path = os.path.join(folder, "bench.jsonl")
    t0 = time.process_time()
    sim = Simulation(scenario(hosts, messages), JsonlSink(path))
    sim.start()
    prep = time.process_time() - t0
    cpu = {"bare": 0.0, "counting": 0.0, "engine": prep}
    prof = cProfile.Profile() if profile else None
    gc.freeze()  # as `sandbox run` does; the SimPy models profit from it alike
    try:
        for k in range(1, slices + 1):
            t = until * k // slices
            for name, step in (("bare", env_b.run), ("counting", env_c.run),
                               ("engine", sim.advance)):
                if prof and name == "engine":
                    prof.enable()
                start = time.process_time()
                step(until=t) if name != "engine" else step(t)
                cpu[name] += time.process_time() - start
                if prof and name == "engine":
                    prof.disable()
        start = time.process_time()
        events = sim.finish()
        cpu["engine"] += time.process_time() - start
    finally:
        gc.unfreeze()
    if prof:
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(25)
        print(out.getvalue())
    delivered = count_deliveries(path)
    return {"bare": got_b[0] / cpu["bare"], "counting": got_c[0] / cpu["counting"],
            "engine": delivered / cpu["engine"], "bare_n": got_b[0], "engine_n": delivered,
            "prep": prep, "events": events, "size": os.path.getsize(path)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hosts", type=int, default=100)
    p.add_argument("--messages", type=int, default=200_000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--slices", type=int, default=20)
    p.add_argument("--profile", action="store_true", help="cProfile the engine in round 1")
    args = p.parse_args(argv)

    print(f"workload: {args.hosts} hosts, random peers, exponential intervals "
          f"(mean {INTERVAL / MS:g} ms) and latency (mean {LATENCY / MS:g} ms); "
          f"{args.slices} interleaved slices per round")
    ratios, leans = [], []
    for r in range(args.rounds):
        with tempfile.TemporaryDirectory() as folder:
            res = one_round(args.hosts, args.messages, folder, args.slices,
                            args.profile and r == 0)
        ratio = res["engine"] / res["bare"]
        ratios.append(ratio)
        leans.append(res["engine"] / res["counting"])
        print(f"round {r + 1}: bare simpy {res['bare_n']} deliveries = {res['bare']:,.0f}/s CPU; "
              f"counting-only simpy {res['counting']:,.0f}/s; engine {res['engine_n']} deliveries "
              f"= {res['engine']:,.0f}/s (preparing {res['prep']:.2f} s; {res['events']} events, "
              f"JSONL {res['size'] / 1e6:.1f} MB); ratio {ratio:.2f}")
    ratio = statistics.median(ratios)
    print(f"engine/counting-only simpy ratio (reference): {statistics.median(leans):.2f}")
    print(f"engine/simpy throughput ratio: {ratio:.2f} (target 0.5: "
          f"{'met' if ratio >= 0.5 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
