"""Benchmark of the canvas animation: 200 hosts, about 2,000 messages in flight at once.

Run: ``QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_animation.py``.

A synthetic trace (long latencies so that ~2,000 messages are in flight at
every moment, with drops, corrupted, Byzantine, late and duplicated messages,
crashes, recoveries, a partition and drifting clocks) is played on a
CanvasScene + CanvasView + CanvasAnimator. Each of 120 frames (60 frames a
second at 1x) is ``set_time`` followed by a forced repaint of the viewport.
Printed: the median frame time (wall and CPU) at the fit-to-view zoom and at
100 %, beside a baseline measured in the same run (a repaint of the same view
with nothing changing). When the space-time diagram exists, a frame that
also moves its cursor (``SpaceTimeView.set_time``) and repaints it is timed
too. Target: 16 ms.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtWidgets import QApplication  # noqa: E402

from sandbox.gui.canvas import CanvasScene, CanvasView  # noqa: E402
from sandbox.gui.canvas.animation import CanvasAnimator  # noqa: E402
from sandbox.gui.document import Document  # noqa: E402
from sandbox.scenario import Host, Link, Scenario  # noqa: E402
from sandbox.trace import TraceEvent  # noqa: E402
from sandbox.trace.timeline import Timeline  # noqa: E402

try:  # the space-time diagram is built by another part of the project
    from sandbox.gui.spacetime import SpaceTimeView  # noqa: E402
except ImportError:  # pragma: no cover
    SpaceTimeView = None

HOSTS = 200
COLS = 20
IN_FLIGHT = 2000
DURATION = 20_000_000_000  # 20 s
LATENCY = (1_000_000_000, 3_000_000_000)  # 1 to 3 s: ~2,000 in flight at 1,000 sends a second
FRAMES = 120
FRAME_NS = 16_666_667  # one frame at 60 fps and 1x
START = 8_000_000_000
TARGET_MS = 16.0


def scenario() -> Scenario:
    """200 hosts on a 20 x 10 grid, each linked to its right and lower neighbours."""
    rng = random.Random(7)
    hosts = []
    for i in range(HOSTS):
        r, c = divmod(i, COLS)
        hosts.append(Host(id=f"h{i}", x=c * 240.0, y=r * 200.0,
                          clock={"drift_ppm": rng.choice([0.0, 25.0, -40.0, 80.0]),
                                 "offset": rng.randrange(-2_000_000, 2_000_000)}))
    links = []
    for i in range(HOSTS):
        r, c = divmod(i, COLS)
        if c + 1 < COLS:
            links.append(Link(a=f"h{i}", b=f"h{i + 1}"))
        if i + COLS < HOSTS:
            links.append(Link(a=f"h{i}", b=f"h{i + COLS}"))
    return Scenario(title="Animation benchmark", hosts=hosts, links=links)


def trace(s: Scenario) -> Timeline:
    """Messages along the links, ~2,000 in flight at any time, plus faults and state changes."""
    rng = random.Random(11)
    pairs = [(lk.a, lk.b) for lk in s.links]
    rate = IN_FLIGHT / ((LATENCY[0] + LATENCY[1]) / 2)  # sends per ns
    items: list[tuple[int, int, str, str, int | None, str | None, dict | None]] = []
    t = 0
    mid = 0
    while t < DURATION:
        t += int(rng.expovariate(rate))
        a, b = rng.choice(pairs)
        if rng.random() < 0.5:
            a, b = b, a
        mid += 1
        lat = rng.randint(*LATENCY)
        data: dict = {"size": 64}
        r = rng.random()
        if r < 0.02:
            data["byz"] = "corrupt"
        if r > 0.97:
            data["late"] = True
        items.append((t, 0, "send", a, mid, b, data))
        if rng.random() < 0.03:
            mid += 1
            items.append((t, 1, "duplicate", a, mid, b, {"of": mid - 1}))
            items.append((t + lat + 1000, 2, "deliver", b, mid, a, {"latency": lat, "dup": mid - 1}))
        end = t + lat
        k = rng.random()
        if k < 0.05:
            items.append((end, 2, "drop", a, mid, b, {"reason": "loss", "link": [a, b]}))
        elif k < 0.08:
            items.append((end, 2, "corrupt", b, mid, a, None))
            items.append((end, 3, "deliver", b, mid, a, {"latency": lat, "corrupted": True}))
        else:
            items.append((end, 2, "deliver", b, mid, a, {"latency": lat}))
    for _ in range(20):
        h = f"h{rng.randrange(HOSTS)}"
        t0 = rng.randrange(DURATION // 2)
        items.append((t0, 0, "crash", h, None, None, {"mode": "fail_silent"}))
        items.append((t0 + rng.randrange(2_000_000_000, 8_000_000_000), 0, "recover", h,
                      None, None, None))
        w = f"h{rng.randrange(HOSTS)}"
        items.append((t0 + 500_000_000, 1, "suspect", w, None, None, {"target": h}))
    # A network split down the middle of the grid: the west half from the east half.
    side = [f"h{i}" for i in range(HOSTS) if i % COLS < COLS // 2]
    other = [f"h{i}" for i in range(HOSTS) if i % COLS >= COLS // 2]
    items.append((START + 300_000_000, 0, "partition", "", None, None,
                  {"sides": [side, other], "one_way": False}))
    items.append((START + 1_500_000_000, 0, "heal", "", None, None,
                  {"sides": [side, other], "one_way": False}))
    items.sort(key=lambda e: (e[0], e[1]))
    events = [TraceEvent(seq, t, kind, host, t, msg, peer, data)
              for seq, (t, _, kind, host, msg, peer, data) in enumerate(items)]
    header = {"scenario": s.model_dump(mode="json")}
    return Timeline(header, events)


def frames(app: QApplication, anim: CanvasAnimator, view: CanvasView, st=None
           ) -> tuple[list[float], list[float]]:
    """Play FRAMES frames from START; wall and CPU milliseconds of each."""
    wall, cpu = [], []
    for k in range(FRAMES):
        t = START + k * FRAME_NS
        w0, c0 = time.perf_counter(), time.thread_time()
        anim.set_time(t)
        view.viewport().repaint()
        if st is not None:
            st.set_time(t)
            st.canvas.repaint()
        wall.append((time.perf_counter() - w0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
    app.processEvents()
    return wall, cpu


ZOOMS = (("fit to view", None), ("100 % zoom", 1.0))


def show(app: QApplication, view: CanvasView, scene: CanvasScene, zoom: float | None) -> None:
    """Fit the view, or zoom to ``zoom`` centred on a host of the grid."""
    if zoom is None:
        view.fit()
    else:
        view.set_zoom(zoom)
        view.centerOn(scene.host_item("h70").pos())
    app.processEvents()


def baseline(view: CanvasView) -> float:
    """Median ms of a plain repaint of the same view (nothing changes)."""
    times = []
    for _ in range(FRAMES // 2):
        t0 = time.perf_counter()
        view.viewport().repaint()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    """Build the canvas, play the frames and print the figures."""
    app = QApplication.instance() or QApplication(sys.argv)
    s = scenario()
    t0 = time.perf_counter()
    tl = trace(s)
    print(f"trace: {len(tl)} events, {len(tl.msg_id)} messages, built in "
          f"{time.perf_counter() - t0:.2f} s")
    doc = Document(s)
    scene = CanvasScene(doc)
    view = CanvasView(scene)
    view.resize(1280, 800)
    view.show()
    view.fit()
    app.processEvents()
    # Baselines, before the animator exists: a plain repaint of the editor's canvas.
    bases = {}
    for name, zoom in ZOOMS:
        show(app, view, scene, zoom)
        bases[name] = baseline(view)
    anim = CanvasAnimator(scene, tl)
    anim.set_time(START)
    print(f"scenario: {len(s.hosts)} hosts, {len(s.links)} links; "
          f"messages in flight at {START / 1e9:g} s: {len(tl.message_indices(START))}")
    st = None
    if SpaceTimeView is not None:
        st = SpaceTimeView()
        st.resize(1280, 500)
        st.show()
        st.set_timeline(tl)
        app.processEvents()
    worst = worst_both = 0.0
    for name, zoom in ZOOMS:
        show(app, view, scene, zoom)
        anim.set_time(START)
        frames(app, anim, view)  # warm up
        wall, cpu = frames(app, anim, view)
        med = statistics.median(wall)
        worst = max(worst, med)
        base = bases[name]
        print(f"[{name}, zoom {view.zoom():.2f}] median animation frame: {med:.2f} ms "
              f"(CPU {statistics.median(cpu):.2f} ms; p90 {sorted(wall)[int(0.9 * len(wall))]:.2f}"
              f" ms; {len(anim.frame.ids)} dots, {len(anim.frame.cross_ids)} crosses); "
              f"baseline repaint without animation: {base:.2f} ms, ratio {med / base:.2f}")
        if st is not None:
            wall, cpu = frames(app, anim, view, st)
            med2 = statistics.median(wall)
            worst_both = max(worst_both, med2)
            print(f"[{name}] median frame, animation + space-time: {med2:.2f} ms "
                  f"(CPU {statistics.median(cpu):.2f} ms)")
    verdict = "met" if worst <= TARGET_MS else "missed"
    print(f"target {TARGET_MS:g} ms: animation {verdict} (worst median {worst:.2f} ms)", end="")
    if st is not None:
        verdict = "met" if worst_both <= TARGET_MS else "missed"
        print(f"; animation + space-time {verdict} (worst median {worst_both:.2f} ms)", end="")
    print()


if __name__ == "__main__":
    main()
