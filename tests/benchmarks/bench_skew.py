"""The clock-skew sampler: a run of idle hosts whose clocks drift, against the same hosts without drift.

Every host runs ``idle`` (no events), so the run's cost is the engine's own
work: preparing the run and sampling the spread of the clocks 200 times. The
drifting hosts get drifts of -50 to +50 ppm (and offsets), so every clock is
sampled; the baseline has the same hosts with perfect clocks (one offset of
zero per sample). Both run in this process, alternately, several rounds; the
ratio printed is the median of drifting / baseline wall time. With
``--reference`` the sampler as it was before the fix (a set of the moving
hosts rebuilt for every host: quadratic) runs too, and its ratio is printed.
Target: a ratio under 3 (the fix took it from quadratic to linear).

    python tests/benchmarks/bench_skew.py [--hosts 20000] [--duration 1s] [--rounds 3] [--reference]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sandbox.engine import Simulation  # noqa: E402
from sandbox.scenario import scenario_from_dict  # noqa: E402
from sandbox.scenario.units import parse_duration  # noqa: E402
from tests.engine.test_limits import reference_sampler as old_sampler  # noqa: E402


def scenario(hosts: int, duration: int, drift: bool):
    """``hosts`` idle hosts, with drifting clocks when ``drift``, no links."""
    specs = []
    for i in range(hosts):
        spec: dict = {"id": f"h{i}", "behaviour": {"name": "idle", "params": {}}}
        if drift:
            spec["clock"] = {"drift_ppm": (i % 101) - 50, "offset": (i % 7) * 1000}
        specs.append(spec)
    return scenario_from_dict({"hosts": specs, "links": [],
                               "run": {"duration": duration, "seed": 1}})


def timed(sc, sampler=None) -> tuple[float, int]:
    """Wall seconds of one run of ``sc`` (with ``sampler`` in place of the engine's), its skew."""
    started = time.perf_counter()
    sim = Simulation(sc)
    if sampler is not None:
        sim._skew_sampler = sampler.__get__(sim)  # type: ignore[method-assign]
    sim.run()
    return time.perf_counter() - started, sim.max_skew


def main() -> int:
    """Run the benchmark and print the timings and ratios."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hosts", type=int, default=20_000)
    p.add_argument("--duration", default="1s")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--reference", action="store_true",
                   help="also time the quadratic sampler from before the fix")
    args = p.parse_args()
    duration = parse_duration(args.duration, default_unit="s")
    idle = scenario(args.hosts, duration, drift=False)
    drifting = scenario(args.hosts, duration, drift=True)
    base, new, old = [], [], []
    skews = set()
    for _ in range(args.rounds):
        t, _skew = timed(idle)
        base.append(t)
        t, skew = timed(drifting)
        new.append(t)
        skews.add(skew)
        if args.reference:
            t, skew = timed(drifting, old_sampler)
            old.append(t)
            skews.add(skew)
    print(f"{args.hosts} idle hosts, {args.duration} simulated, {args.rounds} rounds")
    print(f"  perfect clocks (baseline): {statistics.median(base):.3f} s")
    print(f"  drifting clocks:           {statistics.median(new):.3f} s"
          f"  ratio {statistics.median(n / b for n, b in zip(new, base, strict=True)):.2f}")
    if old:
        print(f"  drifting, old sampler:     {statistics.median(old):.3f} s"
              f"  ratio {statistics.median(o / b for o, b in zip(old, base, strict=True)):.2f}")
    print(f"  max clock skew: {sorted(skews)} ns (one value: the samplers agree)")
    return 0 if len(skews) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
