"""Sweep speed-up: 200 short runs of a small preset in two worker processes against one.

The same sweep (``sandbox sweep PRESET --set ... --seeds N``: the cartesian
product of two crash probabilities times N seeds) runs first with
``--workers 1`` (in this process, one run after another) and then with
``--workers 2`` (two worker processes started by "spawn", their start-up
included in the time), alternately, several rounds. Printed: the seconds of
each (the median round) and ``sweep speed-up: X``, workers-1 time over
workers-2 time. The rows of both are checked to be equal. Target on two cores:
at least 1.8, on a machine that other programs leave idle (the load average is
printed: with the cores already busy, a second worker has no core to run on).

    python tests/benchmarks/bench_sweep.py [--preset crash_heartbeat] [--runs 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sandbox.presets import preset_path  # noqa: E402
from sandbox.scenario import load  # noqa: E402
from sandbox.sweep.execute import iter_rows  # noqa: E402
from sandbox.sweep.spec import SweepSpec  # noqa: E402


def timed(spec: SweepSpec, workers: int) -> tuple[float, list[dict]]:
    """Wall seconds of the whole sweep on ``workers`` and its rows in run order."""
    start = time.perf_counter()
    rows = list(iter_rows(spec, workers=workers))
    return time.perf_counter() - start, sorted(rows, key=lambda r: r["run"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="crash_heartbeat")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    scenario = load(preset_path(args.preset)).model_dump(mode="json")
    spec = SweepSpec(scenario, {"hosts[*].failures.crash_probability": [0.1, 0.5]},
                     list(range(args.runs // 2)))
    load_avg = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{args.runs} runs of {args.preset}, {os.cpu_count()} CPUs (load average "
          f"{load_avg}: other programs share them), {args.rounds} rounds")
    ones, twos = [], []
    for _ in range(args.rounds):
        t1, rows1 = timed(spec, 1)
        t2, rows2 = timed(spec, 2)
        assert rows1 == rows2, "two workers gave other rows than one"
        ones.append(t1)
        twos.append(t2)
    one, two = statistics.median(ones), statistics.median(twos)
    print("rounds (workers 1 / workers 2, s): " + ", ".join(
        f"{a:.2f}/{b:.2f}" for a, b in zip(ones, twos, strict=True))
        + " (the first round's second worker pays for starting the fork server)")
    print(f"--workers 1: {one:.2f} s ({args.runs / one:.0f} runs/s)")
    print(f"--workers 2: {two:.2f} s ({args.runs / two:.0f} runs/s, start-up included)")
    print(f"sweep speed-up: {one / two:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
