"""File handling of the main window: new, open, save, recent files, presets, autosave and recovery.

:class:`FileController` owns what happens to the document's file: File >
New and Open replace the document's scenario (after the dirty guard,
:meth:`FileController.maybe_save`), Save writes it, the recent files live in
the window's settings, unsaved work is written to an autosave file every
:data:`AUTOSAVE_INTERVAL_MS` and offered back after a crash. Every question
and message goes through :class:`Prompts`, callables the window gives (tests
replace the window's ``_ask_*`` and ``_show_*`` methods); the dialogs
themselves are the functions of this module.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QSettings, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..presets import list_presets
from ..scenario import io
from ..scenario.files import FileRefused
from ..scenario.io import ScenarioError
from ..scenario.model import Scenario
from ..scenario.user_files import rebased
from ..trace.sinks import TraceFormatError
from ..trace.timeline import Timeline
from ..trace.timeline import open_trace as open_timeline
from .document import Document

__all__ = [
    "AUTOSAVE_INTERVAL_MS",
    "CANCEL",
    "DISCARD",
    "MAX_RECENT",
    "SAVE",
    "FileController",
    "ProblemsDialog",
    "Prompts",
    "default_autosave_dir",
    "failure_reason",
]

translate = QCoreApplication.translate
log = logging.getLogger("sandbox.gui")

#: How many files File > Open Recent remembers.
MAX_RECENT = 8
#: Milliseconds between autosaves of a document with unsaved changes.
AUTOSAVE_INTERVAL_MS = 30_000

#: Answers of the "save changes?" question.
SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


def default_autosave_dir() -> Path:
    """Where autosaves go: ``autosave`` under the application's data folder."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    if not base:
        base = os.path.join(os.path.expanduser("~"), ".ds-sandbox")
    return Path(base) / "autosave"


def failure_reason(exc: BaseException) -> str:
    """Why a file could not be read or written, in words for the user (never a traceback)."""
    if isinstance(exc, FileRefused):  # its reason follows the file's name: "is a folder; ..."
        reason = exc.reason.removeprefix("cannot be saved: ")
        return "it " + reason if reason.startswith("is ") else reason
    if isinstance(exc, UnicodeEncodeError):
        return translate("MainWindow", "the scenario holds a character that is not valid "
                                       "Unicode (a lone surrogate), so it cannot be written as "
                                       "UTF-8; remove it from the text it is in")
    if isinstance(exc, UnicodeDecodeError):
        return translate("MainWindow", "it is not a UTF-8 text file")
    if isinstance(exc, IsADirectoryError):
        return translate("MainWindow", "it is a folder")
    if isinstance(exc, PermissionError):
        return translate("MainWindow", "permission denied")
    if isinstance(exc, OSError):
        return exc.strerror or str(exc) or type(exc).__name__
    if isinstance(exc, RecursionError):
        return translate("MainWindow", "it is nested too deeply")
    if isinstance(exc, MemoryError):
        return translate("MainWindow", "there is not enough memory")
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _expected(exc: BaseException) -> bool:
    """Whether ``exc`` is a usual reason for a file to fail (else its traceback is logged)."""
    return isinstance(exc, (OSError, UnicodeError, ScenarioError, TraceFormatError))


class ProblemsDialog(QDialog):
    """Lists the problems of a scenario file that could not be opened, each with its path."""

    def __init__(self, error: ScenarioError, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Cannot open scenario"))
        self.resize(620, 320)
        layout = QVBoxLayout(self)
        source = error.source or self.tr("the scenario")
        heading = QLabel(self.tr("<b>{source}</b> could not be opened. Nothing was changed.")
                         .format(source=Path(source).name if error.source else source), self)
        heading.setWordWrap(True)
        heading.setToolTip(source)
        icon = QLabel(self)
        icon.setPixmap(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(32, 32))
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addWidget(heading, 1)
        layout.addLayout(top)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels([self.tr("Where"), self.tr("Problem")])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setWordWrap(True)
        for path, message in error.problems:
            item = QTreeWidgetItem([path or self.tr("(file)"), message])
            item.setToolTip(1, message)
            self.tree.addTopLevelItem(item)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.tree, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)

    def problems(self) -> list[tuple[str, str]]:
        """The (path, message) rows shown."""
        return [(self.tree.topLevelItem(i).text(0), self.tree.topLevelItem(i).text(1))
                for i in range(self.tree.topLevelItemCount())]


# -- the dialogs ----------------------------------------------------------------------------------


def ask_save_changes(parent: QWidget, name: str) -> str:
    """Ask whether to save unsaved changes to ``name``: :data:`SAVE`, :data:`DISCARD` or
    :data:`CANCEL`."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(translate("MainWindow", "Unsaved changes"))
    box.setText(translate("MainWindow", "Save the changes to {name}?").format(name=name))
    box.setInformativeText(translate("MainWindow",
                                     "Your changes are lost if you don't save them."))
    box.setStandardButtons(QMessageBox.StandardButton.Save
                           | QMessageBox.StandardButton.Discard
                           | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    answer = box.exec()
    if answer == QMessageBox.StandardButton.Save:
        return SAVE
    if answer == QMessageBox.StandardButton.Discard:
        return DISCARD
    return CANCEL


def ask_open_path(parent: QWidget, document: Document) -> str | None:
    """Ask for a scenario file to open (None if cancelled)."""
    start = str(document.path.parent) if document.path else ""
    path, _filter = QFileDialog.getOpenFileName(
        parent, translate("MainWindow", "Open Scenario"), start,
        translate("MainWindow", "Scenarios (*.json);;All files (*)"))
    return path or None


def ask_save_path(parent: QWidget, document: Document, title: str = "", suffix: str = ".json",
                  filters: str = "") -> str | None:
    """Ask for a file name to save to, beside the document's file (None if cancelled)."""
    doc_path = document.path
    stem = doc_path.stem if doc_path else (document.scenario.title or "scenario")
    folder = doc_path.parent if doc_path else Path.home()
    path, _filter = QFileDialog.getSaveFileName(
        parent, title or translate("MainWindow", "Save Scenario"), str(folder / f"{stem}{suffix}"),
        filters or translate("MainWindow", "Scenarios (*.json);;All files (*)"))
    if not path:
        return None
    return path if Path(path).suffix else path + suffix


def ask_recover(parent: QWidget, name: str) -> bool:
    """Ask whether to recover the unsaved work to ``name`` found in an autosave file."""
    answer = QMessageBox.question(
        parent, translate("MainWindow", "Recover unsaved work?"),
        translate("MainWindow", "DS Sandbox found unsaved changes to {name} from a session that "
                                "did not end normally. Recover them?").format(name=name),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes)
    return answer == QMessageBox.StandardButton.Yes


def ask_trace_path(parent: QWidget, document: Document) -> str | None:
    """Ask for a trace file to open (None if cancelled)."""
    start = str(document.path.parent) if document.path else ""
    path, _filter = QFileDialog.getOpenFileName(
        parent, translate("MainWindow", "Open Trace"), start,
        translate("MainWindow", "DS Sandbox traces (*.jsonl);;All files (*)"))
    return path or None


@dataclass
class Prompts:
    """The questions and messages of file handling, as callables (the window's seams)."""

    ask_save_changes: Callable[[], str]
    ask_open_path: Callable[[], str | None]
    ask_save_path: Callable[..., str | None]
    ask_recover: Callable[[Path], bool]
    ask_trace_path: Callable[[], str | None]
    show_problems: Callable[[ScenarioError], None]
    show_error: Callable[[str, str], None]
    show_message: Callable[..., None]


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


class FileController(QObject):
    """New, open, save, recent files, presets, autosave and crash recovery of one document.

    ``settings`` keeps the recent files; ``autosave_dir`` is where unsaved
    work goes; ``fit_view`` is called when another scenario is shown;
    ``shown_run`` (a :class:`~sandbox.gui.shown_run.ShownRun`) shows a trace
    that File > Open Trace opened.
    """

    #: A file was opened (its path), for whoever keeps a list.
    file_opened = Signal(object)
    #: Unsaved work was recovered from an autosave (the window title changes).
    recovered = Signal()

    def __init__(self, document: Document, settings: QSettings, autosave_dir: Path,
                 prompts: Prompts, fit_view: Callable[[], Any], shown_run: Any,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.settings = settings
        self.autosave_dir = autosave_dir
        self.prompts = prompts
        self.shown_run = shown_run
        self._fit_view = fit_view
        self._autosaved: Path | None = None
        self._autosave_problem: str | None = None
        #: Writes the autosave every :data:`AUTOSAVE_INTERVAL_MS` (stopped on close).
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_INTERVAL_MS)
        self.autosave_timer.timeout.connect(self.autosave)

    # -- the dirty guard, new, open ----------------------------------------------------------------

    def maybe_save(self) -> bool:
        """The dirty guard: True when it is fine to drop the document (saved or discarded)."""
        if not self.document.is_dirty:
            return True
        choice = self.prompts.ask_save_changes()
        if choice == SAVE:
            return self.save()
        return choice == DISCARD

    def new_file(self) -> bool:
        """Start an empty scenario (after the dirty guard)."""
        if not self.maybe_save():
            return False
        self.remove_autosave()
        self.document.set_scenario(Scenario(), None)
        self._fit_view()
        return True

    def load_scenario(self, scenario: Scenario, path: str | Path | None = None) -> None:
        """Show ``scenario`` (from ``path``) without any question; the view fits it."""
        self.document.set_scenario(scenario, path)
        self._fit_view()

    def open_file(self, path: str | Path | None = None) -> bool:
        """Open a scenario file (asking for one if ``path`` is None), after the dirty guard.

        A file that cannot be loaded shows its problems and leaves the current
        document as it was. Returns whether a file was opened.
        """
        if path is None:
            path = self.prompts.ask_open_path()
            if path is None:
                return False
        scenario = self._replacement(path)
        if scenario is None:
            return False
        self.load_scenario(scenario, path)
        self.add_recent_file(path)
        self.file_opened.emit(Path(path))
        self.prompts.show_message(
            translate("MainWindow", "Opened {name}").format(name=Path(path).name), 4000)
        self.offer_recovery()
        return True

    def open_preset(self, path: str | Path) -> bool:
        """Open a bundled preset as a new, untitled scenario (Save asks for a file)."""
        scenario = self._replacement(path)
        if scenario is None:
            return False
        self.load_scenario(scenario, None)
        return True

    def _cannot(self, title: str, template: str, path: str | Path, exc: BaseException) -> None:
        """Show why ``path`` failed: ``template`` has ``{path}`` and ``{reason}``."""
        if not _expected(exc):
            log.warning("%s: %s", path, type(exc).__name__, exc_info=exc)
        self.prompts.show_error(title, template.format(path=path, reason=failure_reason(exc)))

    def _replacement(self, path: str | Path) -> Scenario | None:
        """The scenario in ``path`` if it may replace the document now: a bad file shows its
        problems, unsaved changes are offered for saving first. None leaves all as it was."""
        try:
            scenario = io.load(path)
        except ScenarioError as exc:
            self.prompts.show_problems(exc)
            return None
        except Exception as exc:  # noqa: BLE001 - whatever stops a file opening is a message
            self._cannot(translate("MainWindow", "Cannot open scenario"),
                         translate("MainWindow", "{path} could not be opened: {reason}"),
                         path, exc)
            return None
        if not self.maybe_save():
            return None
        self.remove_autosave()
        return scenario

    def open_trace(self, path: str | Path | None = None) -> bool:
        """Replay a JSONL trace: its scenario becomes a new, untitled document and the player
        plays the trace. Returns whether it was opened."""
        if path is None:
            path = self.prompts.ask_trace_path()
            if path is None:
                return False
        title = translate("MainWindow", "Cannot open trace")
        try:
            tl = self._read_trace(path)
        except TraceFormatError as exc:
            self.prompts.show_error(title, str(exc))
            return False
        except Exception as exc:  # noqa: BLE001 - whatever stops a trace opening is a message
            self._cannot(title, translate("MainWindow", "{path} could not be opened: {reason}"),
                         path, exc)
            return False
        try:
            scenario = io.scenario_from_dict(tl.header.get("scenario") or {}, str(path))
        except ScenarioError as exc:
            self.prompts.show_problems(exc)
            return False
        except Exception as exc:  # noqa: BLE001 - a header that is not a scenario is a message
            self._cannot(title, translate("MainWindow", "{path}: the scenario in its header "
                                                        "cannot be read: {reason}"), path, exc)
            return False
        if not self.maybe_save():
            return False
        self.remove_autosave()
        self.shown_run.show_trace(tl, scenario, path)
        self.add_recent_file(path, trace=True)
        self.prompts.show_message(
            translate("MainWindow", "Opened trace {name}").format(name=Path(path).name), 4000)
        return True

    @staticmethod
    def _read_trace(path: str | Path) -> Timeline:
        """Load and index a JSONL trace; a bad file raises TraceFormatError saying why."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return open_timeline(path)  # every problem is a TraceFormatError naming the file
        finally:
            QApplication.restoreOverrideCursor()

    # -- save --------------------------------------------------------------------------------------

    def save(self) -> bool:
        """Save to the document's file (Save As when it has none). Returns success."""
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self, path: str | Path | None = None) -> bool:
        """Save to a new file (asking for one if ``path`` is None). Returns success."""
        if path is None:
            path = self.prompts.ask_save_path()
            if path is None:
                return False
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        """Save through :func:`sandbox.scenario.io.save`; a failure shows why and keeps the
        document as it is (still unsaved). The paths of the scenario's behaviour files are
        made relative to the folder it is saved in (one undoable edit when they change)."""
        if self.document.scenario.behaviour_files:
            old = self.document.path.parent if self.document.path is not None else None
            files = rebased(self.document.scenario, old, path.parent)
            if files != list(self.document.scenario.behaviour_files):
                self.document.edits.set_behaviour_files(
                    files, translate("MainWindow", "Behaviour file paths relative to the scenario"))
        try:
            io.save(self.document.scenario, path)
        except Exception as exc:  # noqa: BLE001 - whatever stops a save is a message
            self._cannot(translate("MainWindow", "Cannot save"),
                         translate("MainWindow", "{path} could not be saved: {reason}"),
                         path, exc)
            return False
        self.remove_autosave()
        self.document.mark_saved(path)
        self.add_recent_file(path)
        self.prompts.show_message(
            translate("MainWindow", "Saved {name}").format(name=path.name), 4000)
        return True

    # -- recent files and presets ------------------------------------------------------------------

    def recent_files(self) -> list[str]:
        """The recently opened or saved files (scenarios and traces), most recent first."""
        return self._paths("recent_files")

    def recent_traces(self) -> list[str]:
        """Which of :meth:`recent_files` are traces (File > Open Trace opened them)."""
        return self._paths("recent_traces")

    def _paths(self, key: str) -> list[str]:
        value = self.settings.value(key, [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def add_recent_file(self, path: str | Path, trace: bool = False) -> None:
        """Put ``path`` first in the recent files, as a trace if ``trace`` (reopened with
        File > Open Trace) or else as a scenario."""
        path = str(Path(path).resolve())
        files = ([path] + [f for f in self.recent_files() if f != path])[:MAX_RECENT]
        traces = [f for f in self.recent_traces() if f != path and f in files]
        if trace:
            traces.insert(0, path)
        self.settings.setValue("recent_files", files)
        self.settings.setValue("recent_traces", traces)

    def remove_recent_file(self, path: str | Path) -> None:
        """Take ``path`` off the recent files."""
        path = str(path)
        self.settings.setValue("recent_files", [f for f in self.recent_files() if f != path])
        self.settings.setValue("recent_traces", [f for f in self.recent_traces() if f != path])

    def clear_recent_files(self) -> None:
        """Forget every recent file (Open Recent > Clear Menu)."""
        self.settings.setValue("recent_files", [])
        self.settings.setValue("recent_traces", [])

    def open_recent(self, path: str | Path) -> bool:
        """Open a recent file the way it was opened: a trace is replayed, a scenario opened.

        A file that is no longer there is taken off the list, and the user is told.
        Returns whether the file was opened.
        """
        if not Path(path).exists():
            self.remove_recent_file(path)
            self.prompts.show_error(
                translate("MainWindow", "File not found"),
                translate("MainWindow", "{path} is no longer there (moved, renamed or "
                                        "deleted); it was taken off Open Recent.").format(
                                            path=path))
            return False
        if str(path) in self.recent_traces():
            return self.open_trace(path)
        return self.open_file(path)

    def fill_recent_menu(self, menu: QMenu) -> None:
        """Fill File > Open Recent (before it shows): one entry per file (a trace says so),
        then Clear Menu."""
        menu.clear()
        files = self.recent_files()
        traces = set(self.recent_traces())
        for i, name in enumerate(files):
            text = f"&{i + 1} {Path(name).name}"
            if name in traces:
                text = translate("MainWindow", "{entry} (trace)").format(entry=text)
            action = menu.addAction(text)
            action.setToolTip(name)
            action.setStatusTip(name)
            action.setData(name)
            action.triggered.connect(lambda _c=False, n=name: self.open_recent(n))
        if not files:
            empty = menu.addAction(translate("MainWindow", "No recent files"))
            empty.setEnabled(False)
        else:
            menu.addSeparator()
            clear = menu.addAction(translate("MainWindow", "Clear Menu"))
            clear.triggered.connect(self.clear_recent_files)

    def fill_presets_menu(self, menu: QMenu) -> None:
        """Fill File > Presets: one entry per bundled preset, by its title."""
        menu.clear()
        for path, title in list_presets():
            action = menu.addAction(title)
            action.setData(str(path))
            action.setToolTip(translate("MainWindow", "Open the preset {name}")
                              .format(name=path.name))
            action.triggered.connect(lambda _c=False, p=path: self.open_preset(p))
        if menu.isEmpty():
            menu.addAction(translate("MainWindow", "No presets found")).setEnabled(False)

    # -- autosave and recovery ---------------------------------------------------------------------

    def autosave_path(self, path: str | Path | None = None) -> Path:
        """The autosave file of a document's file (of the current document by default)."""
        if path is None:
            path = self.document.path
        if path is None:
            return self.autosave_dir / "untitled.json"
        # fsencode: a file name that is not UTF-8 (surrogate-escaped) still gets a digest
        digest = hashlib.sha1(os.fsencode(Path(path).resolve())).hexdigest()[:10]
        return self.autosave_dir / f"{Path(path).stem}-{digest}.json"

    def autosave(self) -> Path | None:
        """Write the scenario to its autosave file if it has unsaved changes.

        A failure is said once in the status bar (again only when the reason
        changes, or after an autosave that worked), not at every interval.
        """
        if not self.document.is_dirty:
            return None
        target = self.autosave_path()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            io.save(self.document.scenario, target)
        except Exception as exc:  # noqa: BLE001 - an autosave never interrupts the work
            reason = failure_reason(exc)
            if reason != self._autosave_problem:
                self._autosave_problem = reason
                if not _expected(exc):
                    log.warning("autosave to %s failed", target, exc_info=exc)
                self.prompts.show_message(translate(
                    "MainWindow", "Autosave to {path} failed: {reason}. Your changes are not "
                                  "autosaved until this is fixed.").format(path=target,
                                                                            reason=reason), 15000)
            return None
        self._autosave_problem = None
        if self._autosaved is not None and self._autosaved != target:
            _remove(self._autosaved)
        self._autosaved = target
        return target

    def remove_autosave(self) -> None:
        """Delete the autosave of the current document (after a save, a close or a discard)."""
        _remove(self.autosave_path())
        if self._autosaved is not None:
            _remove(self._autosaved)
            self._autosaved = None

    def offer_recovery(self) -> bool:
        """If an autosave newer than the document's file exists, offer to recover it.

        A recovered scenario replaces the document's and counts as unsaved.
        Returns whether one was recovered.
        """
        autosave = self.autosave_path()
        if not autosave.is_file():
            return False
        path = self.document.path
        if path is not None:
            try:
                if autosave.stat().st_mtime <= Path(path).stat().st_mtime:
                    _remove(autosave)
                    return False
            except OSError:
                pass
        try:
            scenario = io.load(autosave)
        except ScenarioError:
            _remove(autosave)
            return False
        except Exception as exc:  # noqa: BLE001 - an unreadable autosave is kept and said
            self.prompts.show_message(translate(
                "MainWindow", "The autosave {path} could not be read: {reason}").format(
                    path=autosave, reason=failure_reason(exc)), 15000)
            return False
        if not self.prompts.ask_recover(autosave):
            _remove(autosave)
            return False
        self.document.set_scenario(scenario, path)
        # The recovered work is not saved anywhere but in the autosave: mark it unsaved.
        self.document.undo_stack.resetClean()
        self._autosaved = autosave
        self.recovered.emit()
        self._fit_view()
        self.prompts.show_message(translate("MainWindow", "Recovered unsaved work"), 6000)
        return True
