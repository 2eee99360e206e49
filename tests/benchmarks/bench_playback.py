"""Benchmark of playback: open a 1,000,000-event trace, the memory it takes, and seeking.

Run: ``QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_playback.py [--synthetic]
[--trace FILE] [--no-memory]``.

The trace comes from the engine: 50 hosts pinging each other over a full
mesh of lossy links (one crash and recovery), streamed to JSONL in a
temporary folder until it holds a million events (``--synthetic`` writes a
synthetic ping trace of the same size instead, faster; ``--trace`` opens a
trace file already made). Then it prints:

* ``memory to open``: the peak of the memory allocated while opening the
  trace (``tracemalloc``, which counts numpy's arrays too) as a ratio to
  the file size, for ``open_trace`` alone, then with the event log model
  and the space-time diagram given the timeline, then with the plots panel
  given its events as the main window does. Target: under 3 times the file
  size. The baseline beside it, measured in the same run, is the plain way:
  ``read_jsonl`` then ``Timeline`` on the list of events (what opening a
  trace cost before the events were kept compactly). Then the peak growth
  of the resident memory (the high-water mark ``VmHWM`` against ``VmRSS``
  read just before opening) of both ways, each in a fresh process so that
  neither reuses memory the other freed. The estimate that refuses a trace too big for
  the machine is printed beside them.
* ``open 1M-event trace: X s``: ``open_trace`` (reading the JSONL with
  ``iter_jsonl`` + building the columns and the ``Timeline``) + the event
  log model and the space-time diagram given the timeline, with each part
  beside it and the time ``iter_jsonl`` alone takes to read the file.
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
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
from sandbox.trace import JsonlSink, TraceEvent, iter_jsonl, make_header, read_jsonl  # noqa: E402
from sandbox.trace.timeline import Timeline, open_trace  # noqa: E402

try:  # the memory estimate that refuses a trace too big (absent in older versions)
    from sandbox.trace.event_store import available_memory, memory_needed  # noqa: E402
except ImportError:  # pragma: no cover
    available_memory = memory_needed = None  # type: ignore[assignment]

EVENTS = 1_000_000
SEEKS = 100
OPEN_TARGET_S = 10.0
SEEK_TARGET_MS = 100.0
MEMORY_TARGET = 3.0  # times the file size
MB = 1e6


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


def plain_open(path: Path) -> Timeline:
    """The baseline: every event read into a list, then indexed."""
    header, events = read_jsonl(path)
    return Timeline(header, events)


def views_of(tl: Timeline) -> tuple[EventLog, SpaceTimeView]:
    """The event log model and the space-time diagram given the timeline."""
    log = EventLog()
    log.resize(1000, 400)
    log.set_timeline(tl)
    view = SpaceTimeView()
    view.resize(1200, 500)
    view.set_timeline(tl)
    return log, view


def traced(step: Callable[[], Any]) -> tuple[Any, int]:
    """Run ``step`` under tracemalloc (already started): its result and the peak it reached."""
    tracemalloc.reset_peak()
    result = step()
    return result, tracemalloc.get_traced_memory()[1]


def warm_up(path: Path) -> None:
    """Open the first thousand events of the trace both ways, so that what is done once per
    process (imports, the first widgets) is not counted."""
    from sandbox.gui.plots.panel import PlotsPanel

    with open(path, encoding="utf-8") as fh:
        head = "".join(line for _, line in zip(range(1001), fh, strict=False))
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "head.jsonl"
        small.write_text(head, encoding="utf-8")
        tl = open_trace(small)
        log, view = views_of(tl)
        panel = PlotsPanel()
        panel.set_trace(tl.header, tl.events)
        plain_open(small)
        for widget in (log, view, panel):
            widget.deleteLater()
    QApplication.processEvents()
    gc.collect()


def memory_of_opening(path: Path, size: int) -> None:
    """Print the peak memory of both ways of opening ``path`` (tracemalloc, then fresh processes)."""
    from sandbox.gui.plots.panel import PlotsPanel

    warm_up(path)

    def ratio(b: int) -> str:
        return f"{b / MB:,.0f} MB = {b / size:.2f}x"

    def compact_way() -> tuple[int, int, int, int, int]:
        gc.collect()
        tracemalloc.start()
        tl, after_open = traced(lambda: open_trace(path))
        held_open = tracemalloc.get_traced_memory()[0]
        widgets, after_views = traced(lambda: views_of(tl))
        panel = PlotsPanel()
        _, after_plots = traced(lambda: panel.set_trace(tl.header, tl.events))
        held_all = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        widgets[0].deleteLater()
        widgets[1].deleteLater()
        panel.deleteLater()
        return after_open, held_open, after_views, after_plots, held_all

    def plain_way() -> tuple[int, int]:
        gc.collect()
        tracemalloc.start()
        _tl, before = traced(lambda: plain_open(path))
        held_before = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        return before, held_before

    after_open, held_open, after_views, after_plots, held_all = compact_way()
    gc.collect()
    before, held_before = plain_way()
    gc.collect()
    peak = max(after_open, after_views)
    print(f"memory to open (tracemalloc peak over the file size of {size / MB:,.0f} MB; "
          f"target {MEMORY_TARGET:.0f}x):")
    print(f"  open_trace {ratio(after_open)} (held after: {ratio(held_open)}); with the event "
          f"log and the space-time view {ratio(peak)} "
          f"({'met' if peak < MEMORY_TARGET * size else 'MISSED'}); "
          f"then the plots panel given the events {ratio(after_plots)} "
          f"(held after all: {ratio(held_all)})")
    print(f"  baseline read_jsonl + Timeline (the events in a list) {ratio(before)} "
          f"(held after: {ratio(held_before)}); ratio {peak / before:.2f}")
    rss = {way: rss_in_child(path, way) for way in ("open", "gui", "plain")}
    line = (f"peak RSS growth while opening, fresh process each: open_trace + views "
            f"{ratio(rss['open'])} (and the plots panel given the events {ratio(rss['gui'])}); "
            f"baseline read_jsonl + Timeline {ratio(rss['plain'])}; "
            f"ratio {rss['open'] / rss['plain']:.2f}")
    if memory_needed is not None and available_memory is not None:
        avail = available_memory()
        line += (f"; estimate to refuse a trace: {memory_needed(size) / MB:,.0f} MB needed, "
                 f"{(avail or 0) / MB:,.0f} MB available")
    print(line)


def _status_kb(field: str) -> int:
    """A memory figure of this process from /proc/self/status (VmRSS, VmHWM), in KiB."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def rss_in_child(path: Path, way: str) -> int:
    """The peak growth of the resident memory (bytes) of opening ``path`` in a new process."""
    out = subprocess.run([sys.executable, __file__, "--rss-child", way, str(path)],
                         check=True, capture_output=True, text=True).stdout
    return int(json.loads(out.strip().splitlines()[-1])["growth"])


def rss_child(way: str, path: Path) -> None:
    """In the child: open the trace one way and print the growth of the peak RSS."""
    app = QApplication.instance() or QApplication([])  # noqa: F841 - the views need it
    warm_up(path)
    base = _status_kb("VmRSS")
    if way in ("open", "gui"):
        from sandbox.gui.plots.panel import PlotsPanel

        tl = open_trace(path)
        keep = views_of(tl)  # noqa: F841
        if way == "gui":
            panel = PlotsPanel()
            panel.set_trace(tl.header, tl.events)
    else:
        tl = plain_open(path)
    # the high-water mark of this process's memory (ru_maxrss would count the parent's
    # memory too: the kernel keeps it across the fork and exec that started this process)
    peak = _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"growth": (peak - base) * 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", action="store_true", help="synthesise the trace")
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--trace", type=Path, help="a trace file to open instead of making one")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory figures")
    parser.add_argument("--rss-child", nargs=2, metavar=("WAY", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rss_child[0], Path(args.rss_child[1]))
        return
    app = QApplication.instance() or QApplication([])

    with tempfile.TemporaryDirectory() as tmp:
        if args.trace is not None:
            path = args.trace
            n = sum(1 for _ in iter_jsonl(path)[1])
            source, made = "given", 0.0
        else:
            path = Path(tmp) / "trace.jsonl"
            t0 = time.perf_counter()
            n = (synthetic_trace if args.synthetic else engine_trace)(path, args.events)
            made = time.perf_counter() - t0
            source = "synthetic" if args.synthetic else "engine"
        size = path.stat().st_size
        print(f"trace: {n:,} events, {size / MB:.0f} MB of JSONL ({source}, made in {made:.1f} s)")
        if not args.no_memory:
            memory_of_opening(path, size)

        gc.collect()
        c0 = time.process_time()
        t0 = time.perf_counter()
        plain_open(path)
        plain = time.perf_counter() - t0
        plain_cpu = time.process_time() - c0
        gc.collect()

        t0 = time.perf_counter()
        for _ in iter_jsonl(path)[1]:
            pass
        reading = time.perf_counter() - t0
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
    print(f"  open_trace {t2 - t0:.2f} s (iter_jsonl alone reads the file in {reading:.2f} s), "
          f"event log model {t3 - t2:.2f} s, "
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
