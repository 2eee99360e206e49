"""Benchmark of playback: open a 1,000,000-event trace and seek to random times.

Run: ``QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_playback.py [--synthetic]``.

The trace comes from the engine: 50 hosts pinging each other over a full
mesh of lossy links (one crash and recovery), streamed to JSONL in a
temporary folder until it holds a million events (``--synthetic`` writes a
synthetic ping trace of the same size instead, faster). Then it prints:

* ``open 1M-event trace: X s``: ``open_trace`` (reading the JSONL with the
  garbage collector paused + the ``Timeline`` build) + the event log model
  and the space-time diagram given the timeline, with each part beside it.
  Target: under 10 s. The baseline beside it is the plain way measured in
  the same run: ``read_jsonl`` then ``Timeline``.
* ``median seek: Y ms`` over 100 random times: ``Timeline.messages`` +
  ``Timeline.host_states`` + ``SpaceTimeView.set_time`` with a forced
  repaint + ``EventLog.set_time`` (dimming and following) with a forced
  repaint, once with the whole run in the diagram and once zoomed to 50 ms
  that follow the cursor. Target: under 100 ms. The baseline beside it is a
  forced repaint of the same two widgets with the cursor standing still.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtWidgets import QApplication  # noqa: E402

from sandbox.engine import Simulation  # noqa: E402
from sandbox.gui.event_log import EventLog  # noqa: E402
from sandbox.gui.spacetime import SpaceTimeView  # noqa: E402
from sandbox.scenario.model import (  # noqa: E402
    BehaviourSpec,
    CrashFault,
    Host,
    LatencySpec,
    Link,
    RecoverFault,
    RunSpec,
    Scenario,
)
from sandbox.trace import JsonlSink, TraceEvent, make_header, read_jsonl  # noqa: E402
from sandbox.trace.timeline import Timeline, open_trace  # noqa: E402

EVENTS = 1_000_000
SEEKS = 100
OPEN_TARGET_S = 10.0
SEEK_TARGET_MS = 100.0


def ping_scenario(duration_ns: int, hosts: int = 50) -> Scenario:
    """``hosts`` hosts sending a ping every 0.5 ms on average over a lossy full mesh."""
    hs = [Host(id=f"h{i}", behaviour=BehaviourSpec(name="ping", params={"interval": "500us"}))
          for i in range(hosts)]
    latency = LatencySpec(dist="lognormal", mean=2_000_000, shape=0.5)
    links = [Link(a=f"h{i}", b=f"h{j}", loss=0.02, corruption=0.005, latency=latency)
             for i in range(hosts) for j in range(i + 1, hosts)]
    faults = [CrashFault(host="h3", at=duration_ns * 3 // 10),
              RecoverFault(host="h3", at=duration_ns * 6 // 10)]
    return Scenario(title="Playback benchmark", hosts=hs, links=links, faults=faults,
                    run=RunSpec(seed=1, duration=duration_ns))


class _Limit(JsonlSink):
    """A JSONL sink that stops taking events after ``limit``."""

    def __init__(self, path: Path, limit: int) -> None:
        super().__init__(path)
        self.limit = limit
        self.count = 0

    def write(self, ev: TraceEvent) -> None:
        if self.count < self.limit:
            super().write(ev)
            self.count += 1


def engine_trace(path: Path, events: int) -> int:
    """Run the ping scenario, streaming its first ``events`` events to ``path``."""
    duration = int(events / 200_000 * 1.1 * 1e9)  # about 200,000 events per simulated second
    sink = _Limit(path, events)
    sim = Simulation(ping_scenario(duration), sink)
    sim.start()
    t, step = 0, duration // 100
    while t < duration and sink.count < events:
        t += step
        sim.advance(t)
    sim.finish()
    return sink.count


def synthetic_trace(path: Path, events: int, hosts: int = 50) -> int:
    """Write a synthetic ping trace (sends, deliveries, 2 % drops) of ``events`` events."""
    import heapq

    rng = random.Random(1)
    names = [f"h{i}" for i in range(hosts)]
    scenario = Scenario(hosts=[Host(id=h) for h in names], run=RunSpec(duration=1))
    sink = JsonlSink(path)
    header = make_header(scenario.model_dump(mode="json"), 1, "", "bench")
    pending: list[tuple[int, int, str, str, bool]] = []
    t = mid = n = 0
    sink.open(header)
    while n < events:
        t += rng.randrange(1, 10_000)
        while pending and pending[0][0] <= t and n < events:
            te, m, s, d, ok = heapq.heappop(pending)
            if ok:
                sink.write(TraceEvent(n, te, "deliver", d, te, m, s, {"latency": te}))
            else:
                sink.write(TraceEvent(n, te, "drop", s, te, m, d, {"reason": "loss"}))
            n += 1
        if n >= events:
            break
        s, d = rng.sample(names, 2)
        mid += 1
        sink.write(TraceEvent(n, t, "send", s, t, mid, d,
                              {"size": 64, "payload": {"type": "ping", "n": mid}}))
        n += 1
        heapq.heappush(pending, (t + rng.randrange(1_000_000, 5_000_000), mid, s, d,
                                 rng.random() > 0.02))
    sink.close()
    return n


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", action="store_true", help="synthesise the trace")
    parser.add_argument("--events", type=int, default=EVENTS)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "trace.jsonl"
        t0 = time.perf_counter()
        n = (synthetic_trace if args.synthetic else engine_trace)(path, args.events)
        made = time.perf_counter() - t0
        size = path.stat().st_size / 1e6
        print(f"trace: {n:,} events, {size:.0f} MB of JSONL "
              f"({'synthetic' if args.synthetic else 'engine'}, made in {made:.1f} s)")

        gc.collect()
        c0 = time.process_time()
        t0 = time.perf_counter()
        header, events = read_jsonl(path)
        Timeline(header, events)
        plain = time.perf_counter() - t0
        plain_cpu = time.process_time() - c0
        del header, events
        gc.collect()

        c0 = time.process_time()
        t0 = time.perf_counter()
        tl = open_trace(path)
        t2 = time.perf_counter()
        log = EventLog()
        log.resize(1000, 400)
        log.set_timeline(tl)
        t3 = time.perf_counter()
        view = SpaceTimeView()
        view.resize(1200, 500)
        view.set_timeline(tl)
        t4 = time.perf_counter()
        cpu = time.process_time() - c0
        total = t4 - t0
    print(f"open 1M-event trace: {total:.2f} s (target {OPEN_TARGET_S:.0f} s: "
          f"{'met' if total < OPEN_TARGET_S else 'MISSED'}; {cpu:.2f} s of CPU)")
    print(f"  open_trace {t2 - t0:.2f} s, event log model {t3 - t2:.2f} s, "
          f"space-time view {t4 - t3:.2f} s; baseline read_jsonl + Timeline {plain:.2f} s "
          f"({plain_cpu:.2f} s of CPU), "
          f"ratio {total / plain:.2f}")

    log.show()
    view.show()
    app.processEvents()
    rng = random.Random(7)
    times = [rng.randrange(0, tl.end) for _ in range(SEEKS)]

    def repaint() -> None:
        view.canvas.repaint()
        log.table.viewport().repaint()

    def seek(t: int) -> int:
        answer = len(tl.messages(t))
        tl.host_states(t)
        view.set_time(t)
        log.set_time(t)
        repaint()
        return answer

    baseline = []
    for _ in range(20):
        s = time.perf_counter()
        repaint()
        baseline.append(time.perf_counter() - s)
    base = median_ms(baseline)
    for label, window in (("whole run in view", None), ("50 ms in view", 50_000_000)):
        view.zoom_to_fit()
        if window is not None:
            view.set_window(0, window)
        app.processEvents()
        seek(times[0])
        samples, in_flight = [], []
        for t in times:
            s = time.perf_counter()
            in_flight.append(seek(t))
            samples.append(time.perf_counter() - s)
        med = median_ms(samples)
        print(f"median seek: {med:.1f} ms ({label}; target {SEEK_TARGET_MS:.0f} ms: "
              f"{'met' if med < SEEK_TARGET_MS else 'MISSED'}; max {max(samples) * 1000:.1f} ms; "
              f"baseline repaint {base:.1f} ms, ratio {med / base:.1f}x; "
              f"median {statistics.median(in_flight):.0f} messages in flight)")


if __name__ == "__main__":
    main()
