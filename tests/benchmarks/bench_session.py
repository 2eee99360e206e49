"""Benchmark of a long editing session: memory stays flat over 100 open-run-seek-edit-clear cycles.

Run: ``QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_session.py [--cycles N]
[--preset NAME] [--no-tracemalloc]``.

One offscreen main window, in one process, does this ``--cycles`` times (100
by default): open a preset (File > Presets), run it (waiting for the run
controller), seek the player to ten times across the run, edit (move a host,
change a host's field, each undone), and clear the run. After each cycle
the garbage collector runs and deferred deletions are processed; the
resident set size (from ``/proc/self/statm``, or ``resource`` elsewhere) is
read. Printed: the RSS after the first cycle (the baseline: caches, fonts
and the first run are in it), after the last, the growth between them
against the target of :data:`TARGET_MB`, the growth over the last half of
the cycles, and the ten places whose traced Python allocations grew most
from the first cycle to the last (``tracemalloc``). Exits 1 when the growth
is over the target.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import (  # noqa: E402
    QCoreApplication,
    QEvent,
    QEventLoop,
    QSettings,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication  # noqa: E402

from sandbox.gui.main_window import MainWindow  # noqa: E402
from sandbox.presets import list_presets  # noqa: E402

#: The most the resident set may grow from the first cycle to the last (MB).
TARGET_MB = 50.0
CYCLES = 100
SEEKS = 10


def rss_mb() -> float:
    """The resident set size of this process now, in MB (10**6 bytes)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # peak, in KB on Linux


def _quiet(mode: QtMsgType, _context: object, message: str) -> None:
    """Drop the offscreen platform's size-hint notice; print other Qt warnings."""
    if mode != QtMsgType.QtDebugMsg and "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def settle(app: QApplication) -> None:
    """Run pending events and deferred deletions, then collect garbage."""
    for _ in range(3):
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        app.processEvents()
    gc.collect()


def run_and_wait(window: MainWindow, timeout_s: float = 300.0) -> None:
    """Start Run > Run and wait (in an event loop) until the run controller is done and the
    run is shown."""
    loop = QEventLoop()
    window.shown_run.run_ended.connect(loop.quit)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    try:
        if not window.run():
            raise SystemExit("error: the preset has nothing to run")
        timer.start(int(timeout_s * 1000))
        if window.run_controller.is_running():
            loop.exec()
    finally:
        window.shown_run.run_ended.disconnect(loop.quit)
        timer.stop()
    if window.run_controller.is_running() or window.timeline is None:
        raise SystemExit(f"error: the run did not finish within {timeout_s:.0f} s")


def cycle(app: QApplication, window: MainWindow, preset: Path) -> None:
    """One cycle: open, run, seek, edit (and undo), clear."""
    if not window.open_preset(preset):
        raise SystemExit(f"error: {preset}: the preset could not be opened")
    run_and_wait(window)
    player = window.player
    for k in range(SEEKS + 1):
        player.seek(player.duration * k // SEEKS)
        app.processEvents()
    doc = window.document
    host = doc.scenario.hosts[0]
    doc.move_hosts({host.id: (host.x + 40.0, host.y + 30.0)})
    doc.set_host_fields([host.id], "cores", host.cores + 1)
    app.processEvents()
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    window.clear_run()
    settle(app)


def main(argv: list[str] | None = None) -> int:
    """Run the session and print the memory growth; 1 when it is over the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=CYCLES)
    parser.add_argument("--preset", default="dsm_numa.json",
                        help="file name of a bundled preset")
    parser.add_argument("--no-tracemalloc", action="store_true",
                        help="skip the Python allocation report (faster)")
    args = parser.parse_args(argv)
    presets = {path.name: path for path, _title in list_presets()}
    if args.preset not in presets:
        parser.error(f"unknown preset {args.preset!r} (use one of {', '.join(presets)})")
    preset = presets[args.preset]
    qInstallMessageHandler(_quiet)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="ds-sandbox-session-") as tmp:
        settings = QSettings(os.path.join(tmp, "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, autosave_dir=Path(tmp) / "autosave")
        window._ask_save_changes = lambda: "discard"
        window.autosave_timer.stop()
        window.autoplay = False
        window.resize(1280, 800)
        window.show()
        settle(app)
        start = time.perf_counter()
        cycle(app, window, preset)
        first = rss_mb()
        events = len(window.run_controller.last_result.events) \
            if window.run_controller.last_result is not None else 0
        if not args.no_tracemalloc:
            tracemalloc.start(8)
            before = tracemalloc.take_snapshot()
        half = first
        for i in range(2, args.cycles + 1):
            cycle(app, window, preset)
            if i == (args.cycles + 1) // 2:
                half = rss_mb()
            if i % 10 == 0:
                print(f"  cycle {i}: RSS {rss_mb():.1f} MB", flush=True)
        last = rss_mb()
        elapsed = time.perf_counter() - start
        print(f"session: {args.cycles} cycles of {preset.name} ({events:,} events a run) "
              f"in {elapsed:.1f} s, offscreen, one process")
        print(f"RSS after cycle 1: {first:.1f} MB; after cycle {args.cycles}: {last:.1f} MB")
        growth = last - first
        print(f"growth after the first cycle: {growth:+.1f} MB (target: under {TARGET_MB:.0f} "
              f"MB) {'ok' if growth < TARGET_MB else 'OVER TARGET'}")
        print(f"growth over the second half: {last - half:+.1f} MB "
              f"({(last - half) / max(1, args.cycles - (args.cycles + 1) // 2) * 1000:+.0f} "
              "kB a cycle)")
        if not args.no_tracemalloc:
            after = tracemalloc.take_snapshot()
            tracemalloc.stop()
            stats = after.compare_to(before, "lineno")
            total = sum(s.size_diff for s in stats)
            print(f"traced Python allocations grew by {total / 1e6:+.2f} MB; the top ten:")
            for stat in stats[:10]:
                frame = stat.traceback[0]
                name = "/".join(Path(frame.filename).parts[-3:])
                print(f"  {stat.size_diff / 1e3:+9.1f} kB  {stat.count_diff:+7d} blocks  "
                      f"{name}:{frame.lineno}")
        window.close()
        window.deleteLater()
        settle(app)
    QCoreApplication.processEvents()
    return 0 if growth < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
