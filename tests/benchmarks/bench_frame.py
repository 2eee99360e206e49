"""Benchmark of a playback frame: canvas animation plus space-time diagram, 200 hosts, 2,000 messages.

Run: ``QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_frame.py [--frames N]``.

A trace is synthesised for 200 hosts on a grid (neighbour links and a few
long ones): sends at about 1,000 a second with latencies of 1 to 3 seconds,
so that about 2,000 messages are in flight at any moment, with losses,
corrupted, late and duplicated messages, and hosts that crash and recover.
It is shown on a CanvasScene + CanvasView (1280 x 800) with a
CanvasAnimator (when :mod:`sandbox.gui.canvas.animation` exists) and on a
SpaceTimeView (1280 x 360). Each frame seeks a Player one sixtieth of a
second further (1x at 60 frames a second) and gives its time to the
animator and the diagram (``set_time``), as the main window does, then
repaints the canvas viewport and the diagram (``repaint()``: painted now,
whole). Each frame is timed with ``time.perf_counter`` (wall) and
``time.process_time`` (CPU of this process: the machine may be shared);
the space-time part of the frame is also timed on its own.

The space-time diagram is measured twice: with the whole run in view (a
density strip per host) and zoomed to a 2 s window that follows the cursor
(every message drawn). Also printed: how many frames had to draw the
diagram again (the window moved) and what such a frame costs.

Baseline, measured in the same run: a repaint of an empty canvas view and
an empty space-time view of the same sizes. Target: 16 ms a frame.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import QtMsgType, qInstallMessageHandler  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from sandbox.gui.canvas import CanvasScene, CanvasView  # noqa: E402
from sandbox.gui.document import Document  # noqa: E402
from sandbox.gui.player import Player  # noqa: E402
from sandbox.gui.spacetime import SpaceTimeView  # noqa: E402
from sandbox.scenario import Host, Link, Scenario  # noqa: E402
from sandbox.trace import TraceEvent  # noqa: E402
from sandbox.trace.timeline import Timeline  # noqa: E402

try:  # the canvas animation may not be there yet
    from sandbox.gui.canvas.animation import CanvasAnimator  # noqa: E402
except ImportError:  # pragma: no cover
    CanvasAnimator = None

HOSTS = 200
COLUMNS = 20
SEND_RATE = 1_000  # sends per second of simulated time
LATENCY_NS = (1_000_000_000, 3_000_000_000)  # mean 2 s: 2,000 messages in flight
RUN_NS = 14_000_000_000
START_NS = 6_000_000_000
FRAME_NS = 1_000_000_000 // 60  # a frame at 1x and 60 frames a second
FRAMES = 120
TARGET_MS = 16.0
CANVAS_SIZE = (1280, 800)
DIAGRAM_SIZE = (1280, 360)


def build_scenario(rng: random.Random) -> Scenario:
    """200 hosts on a 20 x 10 grid: links to the right and below, and ten long links."""
    hosts = [Host(id=f"n{i}", x=(i % COLUMNS) * 220.0, y=(i // COLUMNS) * 180.0,
                  clock={"offset": rng.randint(-3_000_000, 3_000_000),
                         "drift_ppm": rng.uniform(-60.0, 60.0)})
             for i in range(HOSTS)]
    pairs = set()
    for i in range(HOSTS):
        if i % COLUMNS < COLUMNS - 1:
            pairs.add((i, i + 1))
        if i + COLUMNS < HOSTS:
            pairs.add((i, i + COLUMNS))
    while len(pairs) < 370 + 10:
        a, b = sorted(rng.sample(range(HOSTS), 2))
        pairs.add((a, b))
    links = [Link(a=f"n{a}", b=f"n{b}") for a, b in sorted(pairs)]
    return Scenario(title="Frame benchmark", hosts=hosts, links=links,
                    run={"duration": RUN_NS})


def build_trace(scenario: Scenario, rng: random.Random) -> Timeline:
    """Messages along the links with long latencies, and a few crashes; as a Timeline."""
    pairs = [(link.a, link.b) for link in scenario.links]
    rows: list[tuple[int, int, str, str, int | None, str | None, dict | None]] = []
    t, msg = 0, 0
    while True:
        t += max(1, int(rng.expovariate(SEND_RATE / 1e9)))
        if t >= RUN_NS:
            break
        src, dst = rng.choice(pairs)
        if rng.random() < 0.5:
            src, dst = dst, src
        msg += 1
        latency = rng.randint(*LATENCY_NS)
        late = rng.random() < 0.01
        send = {"size": 128, "late": True} if late else {"size": 128}
        rows.append((t, 0, "send", src, msg, dst, send))
        fate = rng.random()
        if fate < 0.04:
            rows.append((t + latency, 2, "drop", src, msg, dst, {"reason": "loss"}))
            continue
        delivered = {"latency": latency}
        if late:
            delivered["late"] = True
        if fate < 0.06:
            rows.append((t + latency, 1, "corrupt", dst, msg, src, None))
            delivered["corrupted"] = True
        rows.append((t + latency, 2, "deliver", dst, msg, src, delivered))
        if fate > 0.985:  # the network delivers a second copy a little later
            msg += 1
            rows.append((t, 1, "duplicate", src, msg, dst, {"of": msg - 1}))
            rows.append((t + latency + 20_000_000, 2, "deliver", dst, msg, src,
                         {"latency": latency + 20_000_000, "dup": msg - 1}))
    for _ in range(12):
        host = f"n{rng.randrange(HOSTS)}"
        down = rng.randrange(RUN_NS // 2)
        rows.append((down, 0, "crash", host, None, None, {"mode": "fail_silent"}))
        rows.append((down + rng.randrange(1_000_000_000, 5_000_000_000), 0, "recover", host,
                     None, None, None))
    rows.sort(key=lambda r: (r[0], r[1]))
    events = [TraceEvent(seq, t, kind, host, t, m, peer, data)
              for seq, (t, _order, kind, host, m, peer, data) in enumerate(rows)]
    return Timeline({"scenario": scenario.model_dump(mode="json")}, events)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def p90_ms(samples: list[float]) -> float:
    return sorted(samples)[int(0.9 * (len(samples) - 1))] * 1000


def baseline(app: QApplication, frames: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of repainting an empty canvas view and an empty space-time view."""
    document = Document(Scenario(title="Empty"))
    scene = CanvasScene(document)  # kept referenced: the view does not own it
    view = CanvasView(scene)
    view.resize(*CANVAS_SIZE)
    view.show()
    diagram = SpaceTimeView()
    diagram.resize(*DIAGRAM_SIZE)
    diagram.show()
    app.processEvents()
    wall, cpu = [], []
    for _ in range(frames):
        w0, c0 = time.perf_counter(), time.process_time()
        view.viewport().repaint()
        diagram.canvas.repaint()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    view.close()
    diagram.close()
    del scene, document
    return wall, cpu


def play(app: QApplication, player: Player, animator, view: CanvasView,
         diagram: SpaceTimeView, frames: int) -> tuple[list[float], list[float], list[float], int]:
    """Play ``frames`` frames from START_NS: wall and CPU seconds of each frame, wall seconds
    of its space-time part, and how many frames drew the diagram again (not only its cursor)."""
    player.seek(START_NS - FRAME_NS)
    if animator is not None:
        animator.set_time(player.time)
    diagram.set_time(player.time)
    view.viewport().repaint()
    diagram.canvas.repaint()
    app.processEvents()
    wall, cpu, part = [], [], []
    redrawn = 0
    for k in range(frames):
        cached = diagram._static
        w0, c0 = time.perf_counter(), time.process_time()
        player.seek(START_NS + k * FRAME_NS)
        if animator is not None:
            animator.set_time(player.time)
        view.viewport().repaint()
        w1 = time.perf_counter()
        diagram.set_time(player.time)
        diagram.canvas.repaint()
        w2 = time.perf_counter()
        wall.append(w2 - w0)
        cpu.append(time.process_time() - c0)
        part.append(w2 - w1)
        redrawn += diagram._static is not cached
    app.processEvents()
    return wall, cpu, part, redrawn


def full_redraw(diagram: SpaceTimeView, times: int = 5) -> float:
    """Median milliseconds of drawing the diagram from scratch (what a moved window costs)."""
    samples = []
    for _ in range(times):
        diagram._invalidate()
        t0 = time.perf_counter()
        diagram.canvas.repaint()
        samples.append(time.perf_counter() - t0)
    return median_ms(samples)


def main() -> None:
    """Build the trace and the views, play the frames, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=FRAMES)
    args = parser.parse_args()
    qInstallMessageHandler(lambda kind, _ctx, text: None if kind == QtMsgType.QtWarningMsg
                           and "propagateSizeHints" in text else print(text, file=sys.stderr))
    app = QApplication.instance() or QApplication(sys.argv)
    rng = random.Random(2024)
    t0 = time.perf_counter()
    scenario = build_scenario(rng)
    tl = build_trace(scenario, rng)
    print(f"trace: {len(scenario.hosts)} hosts, {len(scenario.links)} links, {len(tl):,} events, "
          f"{len(tl.msg_id):,} messages (built in {time.perf_counter() - t0:.2f} s); "
          f"in flight at {START_NS / 1e9:g} s: {len(tl.message_indices(START_NS)):,}")

    base_wall, base_cpu = baseline(app, max(20, args.frames // 2))
    base = median_ms(base_wall)

    document = Document(scenario)
    scene = CanvasScene(document)
    view = CanvasView(scene)
    view.resize(*CANVAS_SIZE)
    view.show()
    view.fit()
    diagram = SpaceTimeView()
    diagram.resize(*DIAGRAM_SIZE)
    diagram.show()
    diagram.set_timeline(tl)
    player = Player(tl)
    animator = CanvasAnimator(scene, tl) if CanvasAnimator is not None else None
    if animator is None:
        print("no canvas animation (sandbox.gui.canvas.animation is missing): canvas repaint only")
    app.processEvents()

    what = "animation + space-time" if animator is not None else "canvas + space-time"
    worst = 0.0
    for name in ("whole run in view", "2 s window following the cursor"):
        if name.startswith("2 s"):
            diagram.set_follow(True)
            diagram.set_window(START_NS - 200_000_000, START_NS + 1_800_000_000)
        else:
            diagram.zoom_to_fit()
        play(app, player, animator, view, diagram, 10)  # warm up
        wall, cpu, part, redrawn = play(app, player, animator, view, diagram, args.frames)
        med = median_ms(wall)
        worst = max(worst, med)
        lay = diagram._compute_layout()
        shown = "density strips" if lay is not None and not lay.detail else \
            f"{len(lay.msgs):,} message lines" if lay is not None else "nothing"
        print(f"[space-time: {name}, {shown}]")
        print(f"  median frame, {what}: {med:.2f} ms (CPU {median_ms(cpu):.2f} ms); "
              f"p90 {p90_ms(wall):.2f} ms, max {max(wall) * 1000:.2f} ms over {len(wall)} frames; "
              f"space-time part: median {median_ms(part):.2f} ms")
        print(f"  diagram drawn again in {redrawn} of {len(wall)} frames; "
              f"a full redraw of the diagram costs {full_redraw(diagram):.2f} ms")
        print(f"  baseline (repaint of an empty canvas view and an empty space-time view): "
              f"{base:.2f} ms (CPU {median_ms(base_cpu):.2f} ms); ratio {med / base:.1f}")
    verdict = "met" if worst <= TARGET_MS else "missed"
    print(f"target: {TARGET_MS:g} ms a frame, {verdict} (worst median {worst:.2f} ms)")


if __name__ == "__main__":
    main()
