"""Benchmark of the editor canvas: open a 500-host, 2,000-link scenario and drag 50 hosts.

Run: ``QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_editor.py``.
Prints the open time and the median frame time of dragging 50 selected hosts
(60 mouse moves, each followed by a forced repaint of the viewport), at the
fit-to-view zoom and at 100 %, beside a baseline measured in the same run: a
repaint of the same view with nothing moving. Targets: open under 2 s, frame
under 16 ms.
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

from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from sandbox.gui.canvas import CanvasScene, CanvasView  # noqa: E402
from sandbox.gui.document import Document  # noqa: E402
from sandbox.scenario import Group, Host, LatencySpec, Link, Scenario, dumps, loads  # noqa: E402

HOSTS = 500
LINKS = 2000
SELECTED = 50
STEPS = 60
OPEN_TARGET_S = 2.0
FRAME_TARGET_MS = 16.0


def big_scenario(seed: int = 1) -> Scenario:
    """500 hosts in 25 racks of 20 (5 data centres), 2,000 distinct random links.

    Nine links in ten join hosts at most 20 apart (same or next rack), one in
    ten joins any two hosts.
    """
    rng = random.Random(seed)
    groups, hosts = [], []
    cols, rows = 5, 5
    for d in range(5):
        groups.append(Group(id=f"dc{d}", kind="datacenter", x=d * 1400 - 40, y=-80,
                            width=1340, height=rows * 1000 + 40))
    for r in range(cols * rows):
        dc, k = divmod(r, rows)
        gx, gy = dc * 1400, k * 1000
        groups.append(Group(id=f"rack{r}", kind="rack", parent=f"dc{dc}", x=gx, y=gy,
                            width=1260, height=920))
        for i in range(HOSTS // (cols * rows)):
            hx = gx + 100 + (i % 5) * 240
            hy = gy + 100 + (i // 5) * 200
            kind = ("machine", "vm", "container")[i % 3]
            hosts.append(Host(id=f"h{len(hosts)}", kind=kind, x=hx, y=hy, group=f"rack{r}",
                              clock={"drift_ppm": rng.choice([0, 0, 20, -35])}))
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < LINKS:
        a = rng.randrange(HOSTS)
        # Mostly hosts of the same or the next rack, one in ten anywhere: drawn
        # topologies are mostly short lines with a few long ones.
        b = (a + rng.randint(1, 20)) % HOSTS if rng.random() < 0.9 else rng.randrange(HOSTS)
        if a != b and (a, b) not in pairs and (b, a) not in pairs:
            pairs.add((a, b))
    links = []
    for a, b in sorted(pairs):
        latency = LatencySpec(mean=rng.choice([1, 2, 5, 20]) * 1_000_000) \
            if rng.random() < 0.5 else None
        links.append(Link(a=f"h{a}", b=f"h{b}", latency=latency,
                          loss=rng.choice([0.0, 0.0, 0.01, 0.05])))
    return Scenario(title="Benchmark", hosts=hosts, links=links, groups=groups)


def open_canvas(app: QApplication, text: str) -> tuple[float, Document, CanvasScene, CanvasView]:
    """Parse the scenario text and build document, scene and view up to the first paint."""
    t0 = time.perf_counter()
    scenario = loads(text)
    doc = Document(scenario)
    scene = CanvasScene(doc)
    view = CanvasView(scene)
    view.resize(1280, 800)
    view.show()
    view.fit()
    view.viewport().repaint()
    app.processEvents()
    return time.perf_counter() - t0, doc, scene, view


def drag_frames(view: CanvasView, scene: CanvasScene, anchor: str,
                cpu: list[float] | None = None) -> list[float]:
    """Drag the selection by its ``anchor`` host in STEPS moves; time each move + repaint.

    Returns wall-clock times; the CPU time of this thread per frame is appended
    to ``cpu`` (it is steadier on a busy machine).
    """
    viewport = view.viewport()
    start = view.mapFromScene(scene.host_item(anchor).pos())
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    times = []
    for k in range(1, STEPS + 1):
        p = start + QPoint(k * 3, k * 2)
        t0, c0 = time.perf_counter(), time.thread_time()
        QTest.mouseMove(viewport, p)
        viewport.repaint()
        times.append(time.perf_counter() - t0)
        if cpu is not None:
            cpu.append(time.thread_time() - c0)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       start + QPoint(STEPS * 3, STEPS * 2))
    return times


def repaint_frames(view: CanvasView) -> list[float]:
    """Baseline: the same number of forced repaints with nothing moving."""
    times = []
    for _ in range(STEPS):
        t0 = time.perf_counter()
        view.viewport().repaint()
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    """Run the benchmark and print the figures."""
    app = QApplication.instance() or QApplication(sys.argv)
    text = dumps(big_scenario())
    open_canvas(app, dumps(Scenario()))  # warm up Qt and the imports
    open_s, doc, scene, view = open_canvas(app, text)
    print(f"scenario: {len(doc.scenario.hosts)} hosts, {len(doc.scenario.links)} links, "
          f"{len(doc.scenario.groups)} groups")
    print(f"open time: {open_s:.3f} s (target: under {OPEN_TARGET_S:g} s)")
    ids = [f"h{i}" for i in range(SELECTED)]
    results = {}
    for name, zoom in (("fit to view", None), ("100 % zoom", 1.0)):
        if zoom is None:
            view.fit()
        else:
            view.set_zoom(zoom)
            view.centerOn(scene.host_item(ids[0]).pos())
        app.processEvents()
        base = statistics.median(repaint_frames(view)) * 1000
        scene.select(host_ids=ids)
        before = doc.undo_stack.count()
        cpu: list[float] = []
        frames = drag_frames(view, scene, ids[0], cpu)
        assert doc.undo_stack.count() == before + 1, "a drag must be one undo step"
        med = statistics.median(frames) * 1000
        results[name] = med
        print(f"[{name}, zoom {view.zoom():.2f}] median drag frame: {med:.2f} ms "
              f"(p90 {sorted(frames)[int(0.9 * len(frames))] * 1000:.2f} ms, "
              f"CPU {statistics.median(cpu) * 1000:.2f} ms; "
              f"baseline repaint {base:.2f} ms, ratio {med / base:.2f}x; "
              f"target: under {FRAME_TARGET_MS:g} ms)")
    worst = max(results.values())
    print(f"median drag frame: {worst:.2f} ms (worst of the two zooms; target: under "
          f"{FRAME_TARGET_MS:g} ms)")
    ok = open_s < OPEN_TARGET_S and worst < FRAME_TARGET_MS
    print("targets met" if ok else "TARGETS MISSED")


if __name__ == "__main__":
    main()
