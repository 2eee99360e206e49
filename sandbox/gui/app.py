"""Start the desktop editor (``sandbox [SCENARIO]``) or render it to a PNG (``sandbox screenshot``)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from ..presets import default_preset
from ..scenario import io
from ..scenario.io import ScenarioError
from ..scenario.model import Scenario
from .main_window import APPLICATION, ORGANIZATION, MainWindow
from .theme import THEMES, apply_theme, current_theme


def _application(argv: list[str] | None = None) -> QApplication:
    """The QApplication, created (with names and the Fusion style) if there is none yet."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else [sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("DS Sandbox")
    app.setStyle("Fusion")
    return app


def settle(app: QApplication, rounds: int = 12) -> None:
    """Let pending layout and paint events run (layouts may take a few rounds to settle)."""
    for _ in range(rounds):
        app.sendPostedEvents()
        app.processEvents()


def _quiet_offscreen(mode: QtMsgType, _context: object, message: str) -> None:
    """Drop the offscreen platform's harmless size-hint notice; print other Qt messages."""
    if "propagateSizeHints" in message:
        return
    if mode != QtMsgType.QtDebugMsg:
        print(message, file=sys.stderr)


def _default_scenario() -> Scenario:
    try:
        return io.load(default_preset())
    except (ScenarioError, FileNotFoundError):
        return Scenario(title=QCoreApplication.translate("app", "Untitled"))


def main(path: str | None = None) -> int:
    """Open the editor on ``path`` (the default preset when None) and run until it closes.

    A file that cannot be opened shows its problems and the editor starts on
    the default preset. Returns the exit code of the event loop.
    """
    app = _application(sys.argv[:1])
    settings = QSettings(ORGANIZATION, APPLICATION)
    theme = str(settings.value("view/theme", "light"))
    apply_theme(app, theme if theme in THEMES else "light")
    error: ScenarioError | None = None
    scenario, file = None, None
    if path is not None:
        try:
            scenario, file = io.load(path), Path(path)
        except ScenarioError as exc:
            error = exc
    if scenario is None:
        scenario = _default_scenario()
    window = MainWindow(scenario, file, settings=settings)
    window.show()
    QTimer.singleShot(0, window.view.fit)
    if error is not None:
        QTimer.singleShot(0, lambda: window._show_problems(error))
    else:
        QTimer.singleShot(0, window.offer_recovery)
    return app.exec()


def screenshot(scenario_path: str, out_png: str, size: tuple[int, int] = (1280, 800),
               theme: str = "light", at: int | None = None) -> int:
    """Render the main window with a scenario offscreen, fitted to view, into a PNG.

    Sets ``QT_QPA_PLATFORM=offscreen`` when no QApplication exists yet. The
    user's settings are not read or changed. With ``at`` (a simulated time
    in ns) the scenario is run first, synchronously and with its own seed,
    and the window shows the run with the player at ``at``: messages in
    flight on the canvas, the space-time diagram, the event log and the
    plots. Returns 0, or 2 with a message on stderr when the scenario cannot
    be loaded or ``at`` is negative (1 when the PNG cannot be written).
    """
    if at is not None and at < 0:
        print(f"error: --at {at} ns: the time must not be negative", file=sys.stderr)
        return 2
    if theme not in THEMES:
        print(f"error: unknown theme {theme!r} (use light or dark)", file=sys.stderr)
        return 2
    try:
        scenario = io.load(scenario_path)
    except ScenarioError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        return 2
    if QApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    previous_handler = qInstallMessageHandler(_quiet_offscreen)
    try:
        return _screenshot(scenario, scenario_path, out_png, size, theme, at)
    finally:
        qInstallMessageHandler(previous_handler)


def _show_run(app: QApplication, window: MainWindow, scenario: Scenario, at: int) -> None:
    """Run ``scenario`` in this thread and show the run with the player at ``at`` ns."""
    from .run_controller import run_scenario

    result = run_scenario(scenario)
    window.load_run(result.header, result.events, scenario=scenario, seed=result.seed,
                    until=result.until)
    if at > window.player.duration:
        print(f"warning: --at is after the end of the run ({window.player.duration} ns); "
              "showing the end", file=sys.stderr)
    settle(app)
    window.player.seek(at)
    settle(app)


def _screenshot(scenario: Scenario, scenario_path: str, out_png: str, size: tuple[int, int],
                theme: str, at: int | None = None) -> int:
    app = _application()
    previous_theme = current_theme(app)
    previous_palette = app.palette()
    apply_theme(app, theme)
    try:
        with tempfile.TemporaryDirectory(prefix="ds-sandbox-shot-") as tmp:
            settings = QSettings(os.path.join(tmp, "settings.ini"), QSettings.Format.IniFormat)
            window = MainWindow(scenario, scenario_path, settings=settings,
                                autosave_dir=Path(tmp) / "autosave")
            try:
                window.autosave_timer.stop()
                window.autoplay = False
                window.resize(*size)
                window.show()
                settle(app)
                if at is not None:
                    _show_run(app, window, scenario, at)
                window.view.fit()
                if scenario.hosts:
                    window.scene.select(host_ids=[scenario.hosts[0].id])
                settle(app)
                image = window.grab()
                ok = image.save(str(out_png), "PNG")
            finally:
                window.hide()
                window.deleteLater()
                app.processEvents()
    finally:
        apply_theme(app, previous_theme)
        if previous_theme == "light" and theme == "light":
            app.setPalette(previous_palette)
    if not ok:
        print(f"error: {out_png}: could not write the PNG", file=sys.stderr)
        return 1
    return 0
