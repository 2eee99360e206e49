"""Start the desktop editor (``sandbox [SCENARIO]``) or render it to a PNG (``sandbox screenshot``)."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QCoreApplication, QSettings, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ..presets import default_preset
from ..scenario import io
from ..scenario.io import ScenarioError
from ..scenario.model import Scenario
from .main_window import APPLICATION, ORGANIZATION, MainWindow
from .theme import THEMES, apply_theme, current_theme

__all__ = ["ExceptionDialogs", "exception_box", "exception_summary", "main", "screenshot",
           "settle"]

log = logging.getLogger("sandbox.gui")

translate = QCoreApplication.translate

#: The longest error text the dialog shows in its summary (the details have all of it).
SUMMARY_CHARS = 300


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


# -- unexpected errors: a dialog, never the end of the program ---------------------------------


def exception_summary(exc: BaseException, tb: TracebackType | None = None) -> str:
    """One sentence for the user: what was raised, and in which file and line of the program."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if len(text) > SUMMARY_CHARS:
        text = text[:SUMMARY_CHARS] + "\u2026"
    what = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    frames = traceback.extract_tb(tb) if tb is not None else []
    if frames:
        last = frames[-1]
        where = Path(last.filename)
        shown = "/".join(where.parts[-2:]) if len(where.parts) > 1 else where.name
        return translate("app", "{what} (in {file}, line {line}).").format(
            what=what, file=shown, line=last.lineno)
    return translate("app", "{what}.").format(what=what)


def exception_box(parent: QWidget | None, summary: str, details: str) -> QMessageBox:
    """The dialog of an unexpected error: what went wrong, that the document is kept, and the
    traceback under "Show Details..." for a bug report."""
    box = QMessageBox(parent)
    box.setObjectName("exceptionBox")
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(translate("app", "Unexpected error"))
    box.setText(translate("app", "The last action stopped with an error: {summary}")
                .format(summary=summary))
    box.setInformativeText(translate(
        "app", "Your scenario is kept and DS Sandbox goes on running. Save your work (under a "
               "new name to be safe), and please report this error with the details below."))
    box.setDetailedText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.setDefaultButton(QMessageBox.StandardButton.Close)
    return box


class ExceptionDialogs:
    """A ``sys.excepthook`` that turns an uncaught exception into a dialog and a log record.

    PySide6 hands an exception raised in a slot, or in a Python override of a
    virtual method called by the event loop (``paintEvent``, ...), to
    ``sys.excepthook`` and goes on with the event loop; so with this hook
    installed no exception ends the program or goes unseen. ``show(summary,
    details)`` shows the dialog (the main window's ``_show_exception``; tests
    replace it). Every exception is logged with its traceback on the
    ``sandbox.gui`` logger. One dialog is shown at a time, and an error seen
    before (same kind, text and line) is only logged, so an error in a paint
    event does not open a dialog per frame. ``KeyboardInterrupt`` goes to the
    previous hook.
    """

    def __init__(self, show: Callable[[str, str], object]) -> None:
        self.show = show
        #: How many exceptions reached the hook (shown or not).
        self.count = 0
        self._seen: set[tuple[str, str, str, int]] = set()
        self._showing = False
        self._previous: Callable[..., object] | None = None

    def __call__(self, exc_type: type[BaseException], exc: BaseException,
                 tb: TracebackType | None) -> None:
        """Log the exception and show it (unless a dialog is open or it was shown before)."""
        if issubclass(exc_type, KeyboardInterrupt):
            (self._previous or sys.__excepthook__)(exc_type, exc, tb)
            return
        self.count += 1
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("Unexpected error in the GUI:\n%s", details.rstrip())
        frames = traceback.extract_tb(tb) if tb is not None else []
        last = frames[-1] if frames else None
        key = (exc_type.__name__, str(exc), last.filename if last else "",
               (last.lineno or 0) if last else 0)
        if self._showing or key in self._seen:
            return
        self._seen.add(key)
        self._showing = True
        try:
            self.show(exception_summary(exc, tb), details)
        except Exception:  # noqa: BLE001 - the hook itself must never fail
            log.exception("The error dialog could not be shown")
        finally:
            self._showing = False

    def install(self) -> None:
        """Make this the ``sys.excepthook`` (the previous hook is kept for :meth:`uninstall`)."""
        if sys.excepthook is not self:
            self._previous = sys.excepthook
            sys.excepthook = self

    def uninstall(self) -> None:
        """Put the previous ``sys.excepthook`` back."""
        if sys.excepthook is self:
            sys.excepthook = self._previous or sys.__excepthook__
        self._previous = None


def _load_argument(path: str) -> tuple[Scenario | None, ScenarioError | None, str]:
    """The scenario of the command-line argument, or the problems (a ScenarioError) or the
    reason (any other failure to read it) that it could not be opened."""
    from .file_controller import failure_reason

    try:
        return io.load(path), None, ""
    except ScenarioError as exc:
        return None, exc, ""
    except Exception as exc:  # noqa: BLE001 - any failure to read it is a message, not the end
        log.warning("%s could not be opened", path, exc_info=True)
        return None, None, failure_reason(exc)


def main(path: str | None = None) -> int:
    """Open the editor on ``path`` (the default preset when None) and run until it closes.

    A file that cannot be opened shows its problems (or why it could not be
    read) and the editor starts on the default preset. While the editor runs,
    an exception in any slot is shown in a dialog (:class:`ExceptionDialogs`)
    and the program goes on. Returns the exit code of the event loop.
    """
    app = _application(sys.argv[:1])
    settings = QSettings(ORGANIZATION, APPLICATION)
    theme = str(settings.value("view/theme", "light"))
    apply_theme(app, theme if theme in THEMES else "light")
    error: ScenarioError | None = None
    reason = ""
    scenario, file = None, None
    if path is not None:
        scenario, error, reason = _load_argument(path)
        file = Path(path) if scenario is not None else None
    if scenario is None:
        scenario = _default_scenario()
    window = MainWindow(scenario, file, settings=settings)
    hook = ExceptionDialogs(window._late("_show_exception"))
    hook.install()
    try:
        window.show()
        QTimer.singleShot(0, window.view.fit)
        if error is not None:
            QTimer.singleShot(0, lambda: window._show_problems(error))
        elif reason:
            QTimer.singleShot(0, lambda: window._show_error(
                translate("app", "Cannot open scenario"),
                translate("app", "{path} could not be opened: {reason}").format(
                    path=path, reason=reason)))
        else:
            QTimer.singleShot(0, window.offer_recovery)
        return app.exec()
    finally:
        hook.uninstall()


#: The docks ``screenshot(show=...)`` can bring to the front, by name.
SHOWABLE = {"diagram": "spacetime_dock", "log": "event_log_dock", "checks": "checks_dock"}


def screenshot(scenario_path: str, out_png: str, size: tuple[int, int] = (1280, 800),
               theme: str = "light", at: int | None = None, show: Sequence[str] = (),
               plot: str | None = None, user_code: Any = None) -> int:
    """Render the main window with a scenario offscreen, fitted to view, into a PNG.

    Sets ``QT_QPA_PLATFORM=offscreen`` when no QApplication exists yet. The
    user's settings are not read or changed. With ``at`` (a simulated time
    in ns) the scenario is run first, synchronously and with its own seed,
    and the window shows the run with the player at ``at``: messages in
    flight on the canvas, the space-time diagram, the event log and the
    plots. ``show`` names docks to bring to the front (:data:`SHOWABLE`),
    ``plot`` the plot page to show; ``user_code`` the scenario's behaviour files, loaded
    (consent given) by the caller. Returns 0, or 2 with a message on stderr
    when the scenario cannot be loaded, ``at`` is negative or a name is
    unknown (1 when the PNG cannot be written).
    """
    unknown = [name for name in show if name not in SHOWABLE]
    if unknown:
        print(f"error: cannot show {unknown[0]!r} (one of {', '.join(SHOWABLE)})",
              file=sys.stderr)
        return 2
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
        return _screenshot(scenario, scenario_path, out_png, size, theme, at, show, plot,
                           user_code)
    finally:
        qInstallMessageHandler(previous_handler)


def _show_run(app: QApplication, window: MainWindow, scenario: Scenario, at: int,
              user_code: Any = None) -> None:
    """Run ``scenario`` in this thread and show the run with the player at ``at`` ns."""
    from .run_controller import run_scenario

    result = run_scenario(scenario, user_code=user_code)
    window.load_run(result.header, result.events, scenario=scenario, seed=result.seed,
                    until=result.until, verdicts=result.verdicts)
    if at > window.player.duration:
        print(f"warning: --at is after the end of the run ({window.player.duration} ns); "
              "showing the end", file=sys.stderr)
    settle(app)
    window.player.seek(at)
    settle(app)


def _screenshot(scenario: Scenario, scenario_path: str, out_png: str, size: tuple[int, int],
                theme: str, at: int | None = None, show: Sequence[str] = (),
                plot: str | None = None, user_code: Any = None) -> int:
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
                    _show_run(app, window, scenario, at, user_code)
                for name in show:
                    getattr(window, SHOWABLE[name]).raise_()
                if plot is not None:
                    if plot not in window.plots.plot_names():
                        print(f"error: no plot page {plot!r} (one of "
                              f"{', '.join(window.plots.plot_names())})", file=sys.stderr)
                        return 2
                    window.plots.show_plot(plot)
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
