"""The editor's main window: canvas, docks, menus, files, autosave and the dirty guard.

The window owns one :class:`~sandbox.gui.document.Document`; File > New and
Open replace its scenario (``Document.set_scenario``), so the canvas, the
inspector, the settings panel and the memory map simply follow its ``reset``
signal. Everything that would block on a dialog goes through a small method
(``_ask_save_changes``, ``_ask_open_path``, ``_ask_save_path``,
``_ask_recover``, ``_show_problems``, ``_show_error``, ``_exec_menu``) that tests
replace.

Run > Run (F5) runs the scenario off the UI thread with a
:class:`~sandbox.gui.run_controller.RunController` and then plays the trace:
one :class:`~sandbox.gui.player.Player` is the time cursor of every view (the
canvas animation, the space-time diagram, the event log, the plots and the
memory map's heat), and one selection links them (an event picked in the
diagram or the log selects its host on the canvas and seeks there). A fault
chosen from the canvas's context menu while watching becomes an undoable
edit of the document's fault schedule and the run is recomputed from the same
seed, the player staying at the same time. Editing the scenario while a run is
shown marks the run stale until it is run again.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QByteArray,
    QCoreApplication,
    QEvent,
    QMimeData,
    QObject,
    QPoint,
    QPointF,
    QRectF,
    QSettings,
    QSize,
    QStandardPaths,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QColor,
    QContextMenuEvent,
    QGuiApplication,
    QIcon,
    QImage,
    QKeySequence,
    QPainter,
    QPixmap,
    QPolygonF,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSizePolicy,
    QStyle,
    QToolBar,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..presets import list_presets
from ..scenario import io
from ..scenario.io import ScenarioError
from ..scenario.model import Scenario
from ..trace.events import TraceEvent
from ..trace.sinks import TraceFormatError
from ..trace.timeline import NEVER, Timeline
from ..trace.timeline import open_trace as open_timeline
from . import export_dialogs, faults_menu, release_clipboard_at_exit
from .canvas.items import HostItem, LinkItem, LinkLabelItem, canvas_colours
from .canvas.palette import Palette
from .canvas.scene import CanvasScene
from .canvas.view import CanvasView
from .document import Document
from .event_log import EventLog
from .inspector import Inspector
from .memory_map import MemoryMapView
from .player import SPEED_MAX, SPEED_MIN, Player, PlayerBar
from .plots import PlotsPanel
from .run_controller import RunController, RunResult
from .run_controller import open_trace as read_trace
from .settings_panel import ScenarioSettings
from .spacetime import SpaceTimeView
from .theme import THEMES, apply_theme, current_theme, is_dark, line_icon

try:  # the canvas animation may be missing from a partial checkout: the window works without
    from .canvas.animation import CanvasAnimator
except Exception:  # noqa: BLE001 - any import problem only disables the animation
    CanvasAnimator = None  # type: ignore[assignment,misc]

#: QSettings organisation and application names.
ORGANIZATION = "DS Sandbox"
APPLICATION = "ds-sandbox"
#: MIME type of hosts, links and groups on the clipboard (JSON from ``copy_selection``).
SELECTION_MIME = "application/x-dssandbox-selection+json"
#: How many files File > Open Recent remembers.
MAX_RECENT = 8
#: Milliseconds between autosaves of a document with unsaved changes.
AUTOSAVE_INTERVAL_MS = 30_000
#: Bumped when the dock layout changes incompatibly (old saved layouts are then ignored).
STATE_VERSION = 2
#: Wall seconds a message of median latency takes on screen at the speed chosen for a new run.
MESSAGE_WALL_SECONDS = 0.6
#: Longest a new run plays at the speed chosen for it (wall seconds).
RUN_WALL_SECONDS = 90.0
#: Window of memory accesses that make the memory map's heat (ns of simulated time).
HEAT_WINDOW_NS = 50_000_000

#: Answers of the "save changes?" question.
SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


def _tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


def default_autosave_dir() -> Path:
    """Where autosaves go: ``autosave`` under the application's data folder."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    if not base:
        base = os.path.join(os.path.expanduser("~"), ".ds-sandbox")
    return Path(base) / "autosave"


def plural(n: int, one: str, many: str) -> str:
    """``one`` when ``n`` is 1, else ``many`` with ``{n}`` filled in (both already translated)."""
    return one if n == 1 else many.format(n=n)


def _format_time(ns: int) -> str:
    """A simulated time for menus and messages: ``1.234567 s``."""
    return f"{ns / 1e9:.6f} s"


def _simulated(scenario: Scenario) -> Any:
    """What the engine reads of a scenario: everything but where things are drawn."""
    data = scenario.model_dump(mode="json")
    for key in ("hosts", "groups"):
        for item in data.get(key) or []:
            for field in ("x", "y", "width", "height"):
                item.pop(field, None)
    return data


def suggested_speed(timeline: Timeline) -> float:
    """A playback speed for a new run: a typical message stays on screen for a moment
    (:data:`MESSAGE_WALL_SECONDS`) unless the run would then last longer than
    :data:`RUN_WALL_SECONDS`."""
    ended = timeline.msg_t_end < NEVER
    latencies = (timeline.msg_t_end - timeline.msg_t_send)[ended]
    latencies = latencies[latencies > 0]
    duration_s = max(timeline.duration, 1) / 1e9
    floor = duration_s / RUN_WALL_SECONDS
    if len(latencies):
        speed = float(np.median(latencies)) / 1e9 / MESSAGE_WALL_SECONDS
    else:
        speed = duration_s / 20.0
    return float(min(max(speed, floor, SPEED_MIN), SPEED_MAX))


def run_icon(kind: str, size: int = 20) -> QIcon:
    """The Run (a green triangle) or Stop (a red square) icon, with a grey disabled variant."""
    colours = {"run": QColor("#2f9e44"), "stop": QColor("#d1242f")}
    icon = QIcon()
    for mode, colour in ((QIcon.Mode.Normal, colours[kind]),
                         (QIcon.Mode.Disabled, QColor(150, 150, 150, 140))):
        for scale in (1, 2):
            pix = QPixmap(size * scale, size * scale)
            pix.setDevicePixelRatio(scale)
            pix.fill(Qt.GlobalColor.transparent)
            p = QPainter(pix)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(colour)
            s = float(size)
            if kind == "run":
                p.drawPolygon(QPolygonF([QPointF(s * 0.28, s * 0.18), QPointF(s * 0.82, s * 0.5),
                                         QPointF(s * 0.28, s * 0.82)]))
            else:
                p.drawRoundedRect(QRectF(s * 0.24, s * 0.24, s * 0.52, s * 0.52), 2, 2)
            p.end()
            icon.addPixmap(pix, mode)
    return icon


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


class MainWindow(QMainWindow):
    """The editor window: a canvas with palette, inspector, scenario and memory map docks.

    ``settings`` is where geometry, dock layout, recent files and the theme
    are kept (the application's QSettings by default; tests pass an INI file).
    ``autosave_dir`` is where unsaved work is written every
    ``AUTOSAVE_INTERVAL_MS`` (the application data folder by default).
    """

    #: A file was opened or saved (its path), for whoever keeps a list.
    file_opened = Signal(object)

    def __init__(self, scenario: Scenario | None = None, path: str | Path | None = None, *,
                 settings: QSettings | None = None, autosave_dir: str | Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.settings = settings if settings is not None else QSettings(ORGANIZATION, APPLICATION)
        self.autosave_dir = Path(autosave_dir) if autosave_dir is not None else \
            default_autosave_dir()
        self.document = Document(scenario, path, self)
        self.scene = CanvasScene(self.document, self)
        self.view = CanvasView(self.scene, self)
        self.view.setObjectName("Canvas")
        self.setCentralWidget(self.view)
        self._init_run_state()
        self._build_docks()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._connect()
        self._autosaved: Path | None = None
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_INTERVAL_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        self.setWindowIcon(QIcon(self._app_icon()))
        self.resize(1280, 800)
        self._update_title()
        self._update_counts()
        self._update_edit_actions()
        self._update_run_actions()
        self._restore_settings()

    # -- construction ----------------------------------------------------------------------------

    def _dock(self, title: str, name: str, widget: QWidget,
              area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        self.setDockNestingEnabled(True)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.palette_widget = Palette(self)
        self.inspector = Inspector(self.document, self)
        self.settings_panel = ScenarioSettings(self.document, self)
        self.memory_map = MemoryMapView(self)
        self.memory_map.set_document(self.document)
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        right = Qt.DockWidgetArea.RightDockWidgetArea
        self.palette_dock = self._dock(self.tr("Palette"), "PaletteDock", self.palette_widget,
                                       left)
        self.inspector_dock = self._dock(self.tr("Inspector"), "InspectorDock", self.inspector,
                                         right)
        self.settings_dock = self._dock(self.tr("Scenario"), "ScenarioDock",
                                        self.settings_panel, right)
        self.memory_dock = self._dock(self.tr("Memory map"), "MemoryMapDock", self.memory_map,
                                      right)
        self._build_run_docks()
        self.tabifyDockWidget(self.inspector_dock, self.settings_dock)
        self.tabifyDockWidget(self.settings_dock, self.memory_dock)
        self.inspector_dock.raise_()
        self._default_state = None

    def _build_run_docks(self) -> None:
        """The docks of a run, along the bottom from the palette to the right edge (only a run
        fills that area): the space-time diagram and the event log as tabs, the plots beside
        them."""
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, bottom)
        self.spacetime = SpaceTimeView(self)
        self.spacetime.setObjectName("SpaceTime")
        # The legend wraps onto a second line rather than widening the window off the screen.
        legend = self.spacetime.legend_label
        legend.setWordWrap(True)
        legend.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        legend.setMinimumWidth(160)
        legend.installEventFilter(self)
        self.event_log = EventLog(self)
        self.event_log.setObjectName("EventLog")
        self.plots = PlotsPanel(self)
        self.spacetime_dock = self._dock(self.tr("Space-time diagram"), "SpaceTimeDock",
                                         self.spacetime, bottom)
        self.event_log_dock = self._dock(self.tr("Event log"), "EventLogDock", self.event_log,
                                         bottom)
        self.plots_dock = self._dock(self.tr("Plots"), "PlotsDock", self.plots, bottom)
        self.splitDockWidget(self.spacetime_dock, self.plots_dock, Qt.Orientation.Horizontal)
        self.tabifyDockWidget(self.spacetime_dock, self.event_log_dock)
        self.spacetime_dock.raise_()
        #: The docks shown while a run is loaded (hidden while editing).
        self.run_docks = (self.spacetime_dock, self.event_log_dock, self.plots_dock)
        for dock in self.run_docks:
            dock.hide()

    def _action(self, text: str, slot: Any = None, shortcut: Any = None, tip: str = "",
                icon: str | None = None, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            if isinstance(shortcut, (list, tuple)):
                action.setShortcuts([QKeySequence(s) for s in shortcut])
            else:
                action.setShortcut(QKeySequence(shortcut))
        if tip:
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{tip} ({keys})" if keys else tip)
            action.setStatusTip(tip)
        if icon is not None:
            action.setIcon(line_icon(icon))
            self._icons[action] = icon
        action.setCheckable(checkable)
        if slot is not None:
            action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self._icons: dict[QAction, str] = {}
        self.new_action = self._action(self.tr("&New"), self.new_file, QKeySequence.StandardKey.New,
                                       self.tr("Start a new, empty scenario"), "new")
        self.open_action = self._action(self.tr("&Open\u2026"), lambda: self.open_file(),
                                        QKeySequence.StandardKey.Open,
                                        self.tr("Open a scenario file"), "open")
        self.save_action = self._action(self.tr("&Save"), self.save, QKeySequence.StandardKey.Save,
                                        self.tr("Save the scenario"), "save")
        self.save_as_action = self._action(self.tr("Save &As\u2026"), lambda: self.save_as(),
                                           QKeySequence("Ctrl+Shift+S"),
                                           self.tr("Save the scenario to a new file"))
        self.export_png_action = self._action(self.tr("Export Canvas as &PNG\u2026"),
                                              lambda: self.export_png(),
                                              tip=self.tr("Save a picture of the canvas"))
        self.export_svg_action = self._action(self.tr("Export Canvas as S&VG\u2026"),
                                              lambda: self.export_svg(),
                                              tip=self.tr("Save the canvas as a vector drawing"))
        self.quit_action = self._action(self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit,
                                        self.tr("Close the window"))
        stack = self.document.undo_stack
        self.undo_action = stack.createUndoAction(self, self.tr("&Undo"))
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.setIcon(line_icon("undo"))
        self._icons[self.undo_action] = "undo"
        self.undo_action.setToolTip(self.tr("Undo the last edit (Ctrl+Z)"))
        self.redo_action = stack.createRedoAction(self, self.tr("&Redo"))
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo_action.setIcon(line_icon("redo"))
        self._icons[self.redo_action] = "redo"
        self.redo_action.setToolTip(self.tr("Redo the edit undone last (Ctrl+Shift+Z)"))
        self.addAction(self.undo_action)
        self.addAction(self.redo_action)
        self.cut_action = self._action(self.tr("Cu&t"), self.cut, QKeySequence.StandardKey.Cut,
                                       self.tr("Copy the selection to the clipboard and delete it"))
        self.copy_action = self._action(self.tr("&Copy"), self.copy, QKeySequence.StandardKey.Copy,
                                        self.tr("Copy the selected hosts, links and groups"))
        self.paste_action = self._action(self.tr("&Paste"), self.paste,
                                         QKeySequence.StandardKey.Paste,
                                         self.tr("Paste hosts, links and groups"))
        self.duplicate_action = self._action(self.tr("D&uplicate"), self.duplicate,
                                             QKeySequence("Ctrl+D"),
                                             self.tr("Duplicate the selected hosts"))
        self.delete_action = self._action(self.tr("&Delete"), self.delete,
                                          QKeySequence.StandardKey.Delete,
                                          self.tr("Delete the selection (links go with hosts)"))
        self.select_all_action = self._action(self.tr("Select &All"), self.select_all,
                                              QKeySequence.StandardKey.SelectAll,
                                              self.tr("Select every host, link and group"))
        for action in (self.cut_action, self.copy_action, self.paste_action,
                       self.duplicate_action, self.delete_action, self.select_all_action):
            # In a text field these keys edit text: only the canvas takes them.
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.removeAction(action)
            self.view.addAction(action)
        self.fit_action = self._action(self.tr("&Fit to View"), self.view.fit, QKeySequence("F"),
                                       self.tr("Zoom to show the whole scenario"), "fit")
        self.fit_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.removeAction(self.fit_action)
        self.view.addAction(self.fit_action)
        self.zoom_in_action = self._action(self.tr("Zoom &In"), self.view.zoom_in,
                                           QKeySequence.StandardKey.ZoomIn,
                                           self.tr("Zoom in"), "zoom_in")
        self.zoom_out_action = self._action(self.tr("Zoom &Out"), self.view.zoom_out,
                                            QKeySequence.StandardKey.ZoomOut,
                                            self.tr("Zoom out"), "zoom_out")
        self.reset_zoom_action = self._action(self.tr("&Actual Size"), self.view.reset_zoom,
                                              QKeySequence("Ctrl+0"), self.tr("Zoom to 100 %"))
        self.dark_action = self._action(self.tr("&Dark Theme"), self._on_dark_toggled,
                                        tip=self.tr("Switch between the light and dark themes"),
                                        checkable=True)
        self.reset_layout_action = self._action(self.tr("&Reset Layout"), self.reset_layout,
                                                tip=self.tr("Put the panels back where they were"))
        self._build_run_actions()

    def _build_run_actions(self) -> None:
        self.run_action = self._action(self.tr("&Run"), lambda: self.run(), QKeySequence("F5"),
                                       self.tr("Run the scenario and watch it"))
        self.stop_action = self._action(self.tr("&Stop"), self.stop, QKeySequence("Shift+F5"),
                                        self.tr("Stop the run and return to editing"))
        for action, kind in ((self.run_action, "run"), (self.stop_action, "stop")):
            action.setIcon(run_icon(kind))
        self.open_trace_action = self._action(self.tr("Open &Trace\u2026"),
                                              lambda: self.open_trace(),
                                              QKeySequence("Ctrl+Shift+O"),
                                              self.tr("Replay a trace file (JSONL) of a run"))
        self.export_trace_action = self._action(
            self.tr("Export &Trace\u2026"), lambda: self.export_trace(),
            QKeySequence("Ctrl+Shift+E"),
            self.tr("Save the trace of the run shown (JSONL, CSV, ShiViz, Chrome / Perfetto)"))
        self.export_plot_action = self._action(
            self.tr("Export P&lot\u2026"), lambda: self.export_plot(),
            tip=self.tr("Save the plot shown as PNG or SVG, or its series as CSV"))
        self.export_spacetime_action = self._action(
            self.tr("Export Space-Time &Diagram\u2026"), lambda: self.export_spacetime(),
            tip=self.tr("Save the space-time diagram as PNG or SVG"))
        bar = self.player_bar
        self.play_action = bar.play_action
        self.step_back_action = bar.step_back_action
        self.step_forward_action = bar.step_forward_action
        self.rewind_action = self._action(self.tr("Go to &Start"), lambda: self.player.seek(0),
                                          QKeySequence("Home"),
                                          self.tr("Move the time cursor to the start of the run"))
        self.end_action = self._action(self.tr("Go to &End"),
                                       lambda: self.player.seek(self.player.duration),
                                       QKeySequence("End"),
                                       self.tr("Move the time cursor to the end of the run"))
        for action in (self.rewind_action, self.end_action):
            # Home and End move the cursor of text fields and tables: only the canvas takes them.
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.removeAction(action)
            self.view.addAction(action)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.open_action)
        file_menu.addAction(self.open_trace_action)
        self.recent_menu = file_menu.addMenu(self.tr("Open &Recent"))
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.presets_menu = file_menu.addMenu(self.tr("&Presets"))
        self.presets_menu.setToolTipsVisible(True)
        self._fill_presets_menu()
        file_menu.addSeparator()
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.save_as_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_png_action)
        file_menu.addAction(self.export_svg_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_trace_action)
        file_menu.addAction(self.export_plot_action)
        file_menu.addAction(self.export_spacetime_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu(self.tr("&Edit"))
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        for action in (self.cut_action, self.copy_action, self.paste_action,
                       self.duplicate_action, self.delete_action):
            edit_menu.addAction(action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.select_all_action)
        view_menu = bar.addMenu(self.tr("&View"))
        view_menu.addAction(self.fit_action)
        view_menu.addAction(self.zoom_in_action)
        view_menu.addAction(self.zoom_out_action)
        view_menu.addAction(self.reset_zoom_action)
        view_menu.addSeparator()
        panels = view_menu.addMenu(self.tr("&Panels"))
        for dock in (self.palette_dock, self.inspector_dock, self.settings_dock,
                     self.memory_dock, *self.run_docks):
            action = dock.toggleViewAction()
            action.setToolTip(self.tr("Show or hide the {name} panel").format(
                name=dock.windowTitle()))
            panels.addAction(action)
        panels.addSeparator()
        panels.addAction(self.reset_layout_action)
        self.toolbar_toggle_placeholder = view_menu.addSeparator()
        view_menu.addAction(self.dark_action)
        self.view_menu = view_menu
        run_menu = bar.addMenu(self.tr("&Run"))
        run_menu.addAction(self.run_action)
        run_menu.addAction(self.stop_action)
        run_menu.addSeparator()
        run_menu.addAction(self.play_action)
        run_menu.addAction(self.step_back_action)
        run_menu.addAction(self.step_forward_action)
        run_menu.addAction(self.rewind_action)
        run_menu.addAction(self.end_action)
        self.run_menu = run_menu

    def _build_toolbar(self) -> None:
        bar = QToolBar(self.tr("Main Toolbar"), self)
        bar.setObjectName("MainToolBar")
        bar.setIconSize(QSize(18, 18))
        bar.setMovable(False)
        bar.addAction(self.new_action)
        bar.addAction(self.open_action)
        bar.addAction(self.save_action)
        bar.addSeparator()
        bar.addAction(self.undo_action)
        bar.addAction(self.redo_action)
        bar.addSeparator()
        bar.addAction(self.zoom_out_action)
        bar.addAction(self.zoom_in_action)
        bar.addAction(self.fit_action)
        bar.addSeparator()
        bar.addAction(self.run_action)
        bar.addAction(self.stop_action)
        for action in (self.run_action, self.stop_action):
            button = bar.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.toolbar = bar
        self.view_menu.insertAction(self.toolbar_toggle_placeholder, bar.toggleViewAction())
        playback = QToolBar(self.tr("Playback"), self)
        playback.setObjectName("PlaybackToolBar")
        playback.setMovable(False)
        playback.addWidget(self.player_bar)
        self.addToolBar(Qt.ToolBarArea.BottomToolBarArea, playback)
        playback.hide()
        self.playback_toolbar = playback

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.counts_label = QLabel(self)
        self.counts_label.setToolTip(self.tr("Hosts, links and groups in the scenario"))
        self.zoom_label = QLabel(self)
        self.zoom_label.setToolTip(self.tr("Zoom (wheel, Ctrl+= and Ctrl+-; F fits)"))
        self.zoom_label.setMinimumWidth(52)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.stale_label = QLabel(self)
        self.stale_label.setObjectName("staleLabel")
        self.stale_label.setText(self.tr("\u26a0 Scenario changed \u2014 press "
                                         "<a href=\"run\">Run</a> to recompute"))
        self.stale_label.setToolTip(self.tr("The run shown is of the scenario before your edits"))
        self.stale_label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.stale_label.linkActivated.connect(lambda _link: self.run())
        self.stale_label.hide()
        self._style_stale_label()
        self.run_label = QLabel(self)
        self.run_label.setObjectName("runLabel")
        self.run_label.hide()
        self.run_progress = QProgressBar(self)
        self.run_progress.setObjectName("runProgress")
        self.run_progress.setRange(0, 100)
        self.run_progress.setMaximumWidth(180)
        self.run_progress.setMaximumHeight(16)
        self.run_progress.setFormat(self.tr("Running\u2026 %p%"))
        self.run_progress.setToolTip(self.tr("Simulated time computed so far"))
        self.run_progress.hide()
        self.cancel_run_button = QToolButton(self)
        self.cancel_run_button.setObjectName("cancelRunButton")
        self.cancel_run_button.setText(self.tr("Cancel"))
        self.cancel_run_button.setToolTip(self.tr("Stop computing the run"))
        self.cancel_run_button.setAutoRaise(True)
        self.cancel_run_button.clicked.connect(self.cancel_run)
        self.cancel_run_button.hide()
        status.addPermanentWidget(self.stale_label)
        status.addPermanentWidget(self.run_progress)
        status.addPermanentWidget(self.cancel_run_button)
        status.addPermanentWidget(self.run_label)
        status.addPermanentWidget(self.counts_label)
        status.addPermanentWidget(self.zoom_label)
        self._on_zoom(self.view.zoom())

    def _connect(self) -> None:
        doc = self.document
        doc.dirty_changed.connect(self._update_title)
        doc.path_changed.connect(self._update_title)
        doc.reset.connect(self._on_reset)
        doc.settings_changed.connect(self._on_settings_changed)
        for signal in (doc.host_added, doc.host_removed, doc.link_added, doc.link_removed,
                       doc.group_added, doc.group_removed):
            signal.connect(self._update_counts)
        self.scene.selection_changed.connect(self._on_selection_changed)
        self.scene.message.connect(self.show_message)
        self.inspector.message.connect(self.show_message)
        self.settings_panel.message.connect(self.show_message)
        self.view.zoom_changed.connect(self._on_zoom)
        self.palette_widget.link_tool_toggled.connect(self.scene.set_link_tool)
        self.scene.link_tool_changed.connect(self.palette_widget.set_link_tool)
        self.palette_widget.host_kind_activated.connect(self._add_host_at_centre)
        self.palette_widget.group_kind_activated.connect(self._add_group_at_centre)
        self.scene.host_activated.connect(self._on_host_activated)
        QGuiApplication.clipboard().dataChanged.connect(self._update_edit_actions)
        self._connect_run()

    @staticmethod
    def _app_icon() -> QIcon:
        from .canvas.items import kind_icon

        try:
            return kind_icon("machine")
        except Exception:  # noqa: BLE001 - an icon is never worth failing for
            return QIcon()

    # -- settings: geometry, layout, recent files, theme -------------------------------------------

    def _restore_settings(self) -> None:
        self._default_state = self.saveState(STATE_VERSION)
        self.resizeDocks([self.palette_dock], [150], Qt.Orientation.Horizontal)
        self.resizeDocks([self.inspector_dock], [360], Qt.Orientation.Horizontal)
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        restored = isinstance(state, QByteArray) and not state.isEmpty() \
            and self.restoreState(state, STATE_VERSION)
        # The run docks keep their place in the layout but are shown only with a run;
        # which of them the user keeps open with a run is remembered on its own.
        names = self.settings.value("window/run_docks")
        if isinstance(names, str):
            names = [names]
        if restored and isinstance(names, list):
            self._run_docks_shown = {dock: dock.objectName() in names for dock in self.run_docks}
        else:
            self._run_docks_shown = dict.fromkeys(self.run_docks, True)
        self._run_docks_sized = bool(restored)
        self._hide_run_views()
        self.dark_action.setChecked(current_theme() == "dark")

    def save_settings(self) -> None:
        """Remember the window geometry and the dock layout (the run docks' too)."""
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(STATE_VERSION))
        if self.timeline is not None:
            self._run_docks_shown = {dock: not dock.isHidden() for dock in self.run_docks}
        self.settings.setValue("window/run_docks", [dock.objectName() for dock, shown
                                                    in self._run_docks_shown.items() if shown])
        self.settings.sync()

    def reset_layout(self) -> None:
        """Put the docks back in their first layout."""
        if self._default_state is not None:
            self.restoreState(self._default_state, STATE_VERSION)
        for dock in (self.palette_dock, self.inspector_dock, self.settings_dock,
                     self.memory_dock):
            dock.show()
        self.inspector_dock.raise_()
        self.resizeDocks([self.palette_dock], [150], Qt.Orientation.Horizontal)
        self.resizeDocks([self.inspector_dock], [360], Qt.Orientation.Horizontal)
        self._run_docks_shown = dict.fromkeys(self.run_docks, True)
        self._run_docks_sized = False
        if self.timeline is not None:
            self._show_run_views()
        else:
            self._hide_run_views()

    def recent_files(self) -> list[str]:
        """The recently opened or saved files, most recent first."""
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def add_recent_file(self, path: str | Path) -> None:
        """Put ``path`` first in the recent files."""
        path = str(Path(path).resolve())
        files = [path] + [f for f in self.recent_files() if f != path]
        self.settings.setValue("recent_files", files[:MAX_RECENT])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        for i, name in enumerate(files):
            action = self.recent_menu.addAction(f"&{i + 1} {Path(name).name}")
            action.setToolTip(name)
            action.setData(name)
            action.triggered.connect(lambda _c=False, n=name: self.open_file(n))
        if not files:
            empty = self.recent_menu.addAction(self.tr("No recent files"))
            empty.setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            clear = self.recent_menu.addAction(self.tr("Clear Menu"))
            clear.triggered.connect(lambda: self.settings.setValue("recent_files", []))

    def _fill_presets_menu(self) -> None:
        self.presets_menu.clear()
        for path, title in list_presets():
            action = self.presets_menu.addAction(title)
            action.setData(str(path))
            action.setToolTip(self.tr("Open the preset {name}").format(name=path.name))
            action.triggered.connect(lambda _c=False, p=path: self.open_preset(p))
        if self.presets_menu.isEmpty():
            self.presets_menu.addAction(self.tr("No presets found")).setEnabled(False)

    def _on_dark_toggled(self, dark: bool) -> None:
        self.set_theme("dark" if dark else "light")

    def set_theme(self, theme: str) -> None:
        """Switch the application to the ``light`` or ``dark`` theme and remember it."""
        if theme not in THEMES:
            raise ValueError(theme)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, theme)
        self.settings.setValue("view/theme", theme)
        self.dark_action.setChecked(theme == "dark")
        for action, name in self._icons.items():
            action.setIcon(line_icon(name))
        self._style_stale_label()
        self.scene.setPalette(QApplication.palette())
        self.scene.update()
        self.view.resetCachedContent()
        self.view.viewport().update()

    # -- title, counts, status ---------------------------------------------------------------------

    def display_name(self) -> str:
        """The file name, or the scenario's title (or "Untitled") when it has no file."""
        path = self.document.path
        if path is not None:
            return path.name
        return self.document.scenario.title or self.tr("Untitled")

    def _update_title(self, *_args: Any) -> None:
        self.setWindowTitle(self.tr("{name}[*] \u2014 DS Sandbox").format(
            name=self.display_name()))
        self.setWindowModified(self.document.is_dirty)

    def _update_counts(self, *_args: Any) -> None:
        s = self.document.scenario
        self.counts_label.setText(self.tr("{hosts} \u00b7 {links} \u00b7 {groups}").format(
            hosts=plural(len(s.hosts), self.tr("1 host"), self.tr("{n} hosts")),
            links=plural(len(s.links), self.tr("1 link"), self.tr("{n} links")),
            groups=plural(len(s.groups), self.tr("1 group"), self.tr("{n} groups"))))

    def _on_zoom(self, zoom: float) -> None:
        self.zoom_label.setText(f"{zoom * 100:.0f} %")

    def show_message(self, message: str, timeout: int = 8000) -> None:
        """Show a message in the status bar for a while."""
        self.statusBar().showMessage(message, timeout)

    def _on_reset(self) -> None:
        self._update_title()
        self._update_counts()
        self._on_selection_changed()
        if not self._keep_run_on_reset and (self.timeline is not None
                                            or self.run_controller.is_running()):
            # another scenario: the run shown (or under way) is not of it
            self.clear_run()

    def _on_settings_changed(self, name: str) -> None:
        if name == "title":
            self._update_title()

    def _on_selection_changed(self) -> None:
        hosts = self.scene.selected_host_ids()
        self.inspector.set_selection(hosts, self.scene.selected_link_indices(),
                                     self.scene.selected_group_ids())
        self._update_edit_actions()
        self._set_selected_host(hosts[0] if hosts else None)

    def _on_host_activated(self, _host_id: str) -> None:
        self.inspector_dock.show()
        self.inspector_dock.raise_()

    def _update_edit_actions(self) -> None:
        scene = self.scene
        has_hosts = bool(scene.selected_host_ids())
        anything = has_hosts or bool(scene.selected_link_indices() or scene.selected_group_ids())
        self.copy_action.setEnabled(has_hosts or bool(scene.selected_group_ids()))
        self.cut_action.setEnabled(has_hosts or bool(scene.selected_group_ids()))
        self.duplicate_action.setEnabled(has_hosts)
        self.delete_action.setEnabled(anything)
        mime = QGuiApplication.clipboard().mimeData()
        self.paste_action.setEnabled(mime is not None and mime.hasFormat(SELECTION_MIME))

    def _view_centre(self) -> QPointF:
        return self.view.mapToScene(self.view.viewport().rect().center())

    def _add_host_at_centre(self, kind: str) -> None:
        self._guard(lambda: self.scene.drop_host(kind, self._view_centre()))

    def _add_group_at_centre(self, kind: str) -> None:
        from .canvas.scene import GROUP_SIZES

        w, h = GROUP_SIZES.get(kind, (300.0, 200.0))
        centre = self._view_centre()
        self._guard(lambda: self.scene.drop_group(kind, centre - QPointF(w / 2, h / 2)))

    def _guard(self, edit: Any) -> Any:
        """Run an edit; a refused one shows its message in the status bar."""
        try:
            return edit()
        except ValueError as exc:
            self.show_message(str(exc).splitlines()[0] if str(exc) else self.tr("Refused"))
            return None

    # -- edit menu ---------------------------------------------------------------------------------

    def copy(self) -> bool:
        """Put the selected hosts, links and groups on the clipboard; False if none."""
        data = self.scene.copy_selection()
        if not (data.get("hosts") or data.get("groups")):
            return False
        text = json.dumps(data, indent=2)
        mime = QMimeData()
        mime.setData(SELECTION_MIME, QByteArray(text.encode("utf-8")))
        mime.setText(text)
        QGuiApplication.clipboard().setMimeData(mime)
        release_clipboard_at_exit()
        self._update_edit_actions()
        return True

    def cut(self) -> None:
        """Copy the selection, then delete it (one undo step)."""
        if self.copy():
            self.delete()

    def paste(self) -> list[str]:
        """Paste hosts, links and groups from the clipboard; returns the new host ids."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None or not mime.hasFormat(SELECTION_MIME):
            return []
        try:
            data = json.loads(bytes(mime.data(SELECTION_MIME).data()).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            self.show_message(self.tr("The clipboard does not hold a valid selection"))
            return []
        if not isinstance(data, dict):
            return []
        return self._guard(lambda: self.scene.paste(data)) or []

    def duplicate(self) -> list[str]:
        """Duplicate the selected hosts and the links among them."""
        return self._guard(self.scene.duplicate_selection) or []

    def delete(self) -> None:
        """Delete the selection (one undo step)."""
        self._guard(self.scene.delete_selection)

    def select_all(self) -> None:
        """Select every host, link and group."""
        s = self.document.scenario
        self.scene.select([h.id for h in s.hosts], range(len(s.links)),
                          [g.id for g in s.groups])

    # -- runs: state and wiring ----------------------------------------------------------------

    def _init_run_state(self) -> None:
        self.run_controller = RunController(self)
        self.player = Player(parent=self)
        self.player_bar = PlayerBar(self.player, self)
        self.player_bar.setObjectName("PlayerBar")
        #: The canvas animation of the run shown (None without one, or without the module).
        self.animator: Any = None
        #: Whether a new run starts playing as soon as it is loaded (tests switch it off).
        self.autoplay = True
        self._timeline: Timeline | None = None
        self._run_scenario: Scenario | None = None
        self._run_key: Any = None
        self._run_seed: int | None = None
        self._run_until: int | None = None
        self._trace_path: Path | None = None
        self._stale = False
        self._pending: dict[str, Any] = {}
        self._keep_run_on_reset = False
        self._has_heat = False
        self._run_docks_shown: dict[QDockWidget, bool] = {}
        self._run_docks_sized = False

    def _connect_run(self) -> None:
        rc = self.run_controller
        rc.started.connect(self._on_run_started)
        rc.progress.connect(self.run_progress.setValue)
        rc.finished.connect(self._on_run_finished)
        rc.failed.connect(self._on_run_failed)
        rc.cancelled.connect(self._on_run_cancelled)
        self.player.time_changed.connect(self._on_time_changed)
        self.player.timeline_changed.connect(self._update_run_actions)
        self.player.speed_changed.connect(self._on_speed_changed)
        self.spacetime.event_selected.connect(self._on_spacetime_event)
        self.event_log.event_activated.connect(self._on_log_event)
        self.plots.seek_requested.connect(self.player.seek)
        self.memory_dock.visibilityChanged.connect(
            lambda visible: visible and self._update_heat(self.player.time))
        self.document.undo_stack.indexChanged.connect(self._check_stale)
        self.view.viewport().installEventFilter(self)

    @property
    def timeline(self) -> Timeline | None:
        """The timeline of the run shown (None while editing)."""
        return self._timeline

    @property
    def run_header(self) -> dict[str, Any] | None:
        """The trace header of the run shown."""
        return self._timeline.header if self._timeline is not None else None

    @property
    def run_events(self) -> list[TraceEvent]:
        """The trace events of the run shown (empty while editing)."""
        return list(self._timeline.events) if self._timeline is not None else []

    @property
    def run_seed(self) -> int | None:
        """The seed of the run shown."""
        return self._run_seed

    @property
    def is_stale(self) -> bool:
        """Whether the scenario was edited since the run shown was computed."""
        return self._stale

    def _update_run_actions(self, *_args: Any) -> None:
        running = self.run_controller.is_running()
        shown = self._timeline is not None
        self.stop_action.setEnabled(running or shown)
        self.stop_action.setText(self.tr("&Stop") if running or not shown
                                 else self.tr("&Clear Run"))
        self.stop_action.setToolTip(
            self.tr("Stop computing the run (Shift+F5)") if running
            else self.tr("Clear the run and return to editing (Shift+F5)"))
        for action in (self.export_trace_action, self.export_plot_action,
                       self.export_spacetime_action, self.rewind_action, self.end_action):
            action.setEnabled(shown)

    # -- runs: running -------------------------------------------------------------------------

    def run(self, seed: int | None = None, until: int | None = None,
            keep_time: bool | None = None) -> bool:
        """Run the document's scenario off the UI thread; the result is loaded when it is done.

        ``seed`` and ``until`` override the scenario's. With ``keep_time``
        (the default when a run is shown) the player stays at its time and
        goes on playing if it was. Returns False when there is nothing to run.
        """
        scenario = self.document.scenario
        if not scenario.hosts:
            self.show_message(self.tr("Add hosts to the scenario before running it"))
            return False
        if keep_time is None:
            keep_time = self._timeline is not None
        self._pending = {"keep_time": keep_time,
                         "resume": keep_time and (self.player.is_playing
                                                  or self._pending.get("resume", False)),
                         "scenario": scenario.model_copy(deep=True)}
        self.player.pause()
        self.run_controller.run(scenario, seed, until)
        return True

    def recompute(self) -> bool:
        """Run the edited scenario again with the seed of the run shown, at the same time."""
        return self.run(self._run_seed, self._run_until, keep_time=True)

    def cancel_run(self) -> None:
        """Stop computing the run under way (the run shown, if any, stays)."""
        self.run_controller.cancel()

    def stop(self) -> None:
        """Stop: cancel the run under way, or else clear the run shown and return to editing."""
        if self.run_controller.is_running():
            self.cancel_run()
        else:
            self.clear_run()

    def _on_run_started(self) -> None:
        self.run_progress.setValue(0)
        self.run_progress.show()
        self.cancel_run_button.show()
        self.stale_label.hide()
        self.show_message(self.tr("Running {name}\u2026").format(name=self.display_name()), 0)
        self._update_run_actions()

    def _run_ended(self) -> None:
        self.run_progress.hide()
        self.cancel_run_button.hide()
        self.statusBar().clearMessage()
        self._update_run_actions()
        self._set_stale(self._stale)

    def _on_run_finished(self, result: RunResult) -> None:
        self._run_ended()
        pending, self._pending = self._pending, {}
        self.load_run(result.header, result.events, scenario=pending.get("scenario"),
                      seed=result.seed, until=result.until,
                      keep_time=bool(pending.get("keep_time")))
        if pending.get("resume") or (self.autoplay and not pending.get("keep_time")):
            self.player.play()
        if result.errors:
            n = len(result.errors)
            text = self.tr("A behaviour raised an error: {error}") if n == 1 else \
                self.tr("{n} behaviour errors; the first: {error}")
            self.show_message(text.format(n=n, error=result.errors[0]), 12000)

    def _on_run_failed(self, message: str) -> None:
        self._run_ended()
        self._pending = {}
        self._show_error(self.tr("Run failed"), message)

    def _on_run_cancelled(self) -> None:
        self._run_ended()
        self._pending = {}
        self.show_message(self.tr("Run cancelled"), 4000)

    # -- runs: loading and clearing ----------------------------------------------------------

    def load_run(self, header: dict[str, Any], events: Any, *, timeline: Timeline | None = None,
                 scenario: Scenario | None = None, seed: int | None = None,
                 until: int | None = None, keep_time: bool = False,
                 source: str | Path | None = None) -> Timeline:
        """Show a run: its trace in every view, the player on it (at its time with ``keep_time``).

        ``scenario`` is what the run was computed from (the header's when
        None); the run turns stale when the document's scenario differs from
        it in anything the engine reads. ``source`` names a trace file.
        """
        tl = timeline if timeline is not None else Timeline(header, events)
        previous = self.spacetime.selected_event if keep_time else None
        first = self._timeline is None
        self._timeline = tl
        if scenario is None:
            try:
                scenario = io.scenario_from_dict(tl.header.get("scenario") or {})
            except ScenarioError:
                scenario = None
        self._run_scenario = scenario
        self._run_key = _simulated(scenario) if scenario is not None else None
        header_seed = tl.header.get("seed")
        self._run_seed = seed if seed is not None else (
            header_seed if isinstance(header_seed, int) else None)
        self._run_until = until
        self._trace_path = Path(source) if source is not None else None
        self.spacetime.set_timeline(tl)
        self.event_log.set_timeline(tl)
        self.plots.set_trace(tl.header, tl.events)
        if not keep_time:
            self.plots.show_plot(self.plots.suggested_plot())
            if len(getattr(tl, "mem_t", ())):
                self.memory_dock.raise_()  # the memory map shows the heat of the accesses
        self._has_heat = len(getattr(tl, "mem_t", ())) > 0
        if not self._has_heat:
            self.memory_map.set_heat(None)
        self._attach_animator(tl)
        self._show_run_views()
        self.player.set_timeline(tl, keep_time=keep_time)
        if first or not keep_time:
            self.player.set_speed(suggested_speed(tl))
        if previous is not None and previous < len(tl) and previous < tl.index_at(self.player.time):
            self.spacetime.select_event(previous)
            self.event_log.select_event(previous)
        self._set_selected_host(self.player_bar.selected_host or self._first_selected_host())
        self._update_run_label()
        self._check_stale()
        self._update_run_actions()
        return tl

    def clear_run(self) -> None:
        """Forget the run shown (cancelling one under way) and return the canvas to editing."""
        if self.run_controller.is_running():
            self.run_controller.cancel()
        if self._timeline is not None:
            self._run_docks_shown = {dock: not dock.isHidden() for dock in self.run_docks}
        self.player.pause()
        self._timeline = None
        self._run_scenario = self._run_key = None
        self._run_seed = self._run_until = None
        self._trace_path = None
        self._pending = {}
        if self.animator is not None:
            self.animator.set_timeline(None)
        self.player.seek(0)  # the player bar reads the old time against no run
        self.player.set_timeline(None)
        self.spacetime.set_timeline(None)
        self.event_log.set_timeline(None)
        self.plots.clear()
        self.memory_map.set_heat(None)
        self._hide_run_views()
        self._set_stale(False)
        self._update_run_label()
        self._update_run_actions()

    def _attach_animator(self, timeline: Timeline) -> None:
        if CanvasAnimator is None:
            return
        try:
            if self.animator is None:
                self.animator = CanvasAnimator(self.scene, timeline, self)
            else:
                self.animator.set_timeline(timeline)
            if hasattr(self.animator, "set_speed"):
                self.animator.set_speed(self.player.speed)
        except Exception as exc:  # noqa: BLE001 - a broken animation must not lose the run
            self.animator = None
            self.show_message(self.tr("The canvas cannot animate this run: {error}")
                              .format(error=exc), 12000)

    def _show_run_views(self) -> None:
        appearing = self.playback_toolbar.isHidden()
        for dock in self.run_docks:
            dock.setVisible(self._run_docks_shown.get(dock, True))
        self.playback_toolbar.show()
        self.run_label.show()
        if not self._run_docks_sized and self.isVisible():
            self._run_docks_sized = True
            self.resize_run_docks()
        if appearing:
            # the docks take room from the canvas: keep the scenario in view
            QTimer.singleShot(0, self._keep_scenario_in_view)

    def _keep_scenario_in_view(self) -> None:
        shown = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        if not shown.contains(self.scene.itemsBoundingRect()):
            self.view.fit()

    def resize_run_docks(self) -> None:
        """Give the run docks their first sizes: a good third of the height, the diagram
        wider than the plots."""
        height = max(220, int(self.height() * 0.38))
        self.resizeDocks([self.spacetime_dock, self.plots_dock], [height, height],
                         Qt.Orientation.Vertical)
        width = self.width() - self.palette_dock.width()
        self.resizeDocks([self.spacetime_dock, self.plots_dock],
                         [int(width * 0.52), int(width * 0.48)], Qt.Orientation.Horizontal)

    def _hide_run_views(self) -> None:
        for dock in self.run_docks:
            dock.hide()
        self.playback_toolbar.hide()
        self.run_label.hide()

    def _update_run_label(self) -> None:
        tl = self._timeline
        if tl is None:
            self.run_label.clear()
            return
        events = plural(len(tl), self.tr("1 event"), self.tr("{n} events").replace(
            "{n}", f"{len(tl):,}"))
        if self._trace_path is not None:
            text = self.tr("Trace {name} \u00b7 {events}").format(name=self._trace_path.name,
                                                                 events=events)
        else:
            text = self.tr("Run \u00b7 seed {seed} \u00b7 {events}").format(
                seed=self._run_seed, events=events)
        self.run_label.setText(text)

    # -- runs: stale ------------------------------------------------------------------------------

    def _check_stale(self, *_args: Any) -> None:
        if self._timeline is None or self._run_key is None:
            self._set_stale(False)
            return
        self._set_stale(_simulated(self.document.scenario) != self._run_key)

    def _set_stale(self, stale: bool) -> None:
        self._stale = stale
        # while a run is being computed the progress bar says enough
        self.stale_label.setVisible(stale and not self.run_controller.is_running())

    def _style_stale_label(self) -> None:
        colour = "#e3b341" if is_dark() else "#9a6700"
        self.stale_label.setStyleSheet(f"QLabel#staleLabel {{ color: {colour}; }}")

    # -- runs: one time cursor, one selection -------------------------------------------------------

    def _on_time_changed(self, t: int) -> None:
        if self._timeline is None:
            return
        if self.animator is not None:
            self.animator.set_time(t)
        self.spacetime.set_time(t)
        self.plots.set_time(t)
        self.event_log.set_time(t)
        self._update_heat(t)

    def _on_speed_changed(self, speed: float) -> None:
        if self.animator is not None and hasattr(self.animator, "set_speed"):
            self.animator.set_speed(speed)

    def _update_heat(self, t: int) -> None:
        tl = self._timeline
        if tl is None or not self._has_heat or not self.memory_map.isVisible():
            return
        if self.animator is not None and hasattr(self.animator, "memory_heat"):
            heat = self.animator.memory_heat(t)
        else:
            counts = tl.mem_heat(t, HEAT_WINDOW_NS)
            top = max(counts.values(), default=0)
            heat = {page: n / top for page, n in counts.items()} if top else {}
        self.memory_map.set_heat(heat)

    def _first_selected_host(self) -> str | None:
        hosts = self.scene.selected_host_ids()
        return hosts[0] if hosts else None

    def _set_selected_host(self, host: str | None) -> None:
        if self._timeline is not None and host not in self._timeline.host_index:
            host = None
        self.player_bar.set_selected_host(host)
        if self.animator is not None:
            try:
                self.animator.selected_host = host
            except AttributeError:
                pass

    def _on_spacetime_event(self, seq: int) -> None:
        tl = self._timeline
        if tl is None or not 0 <= seq < len(tl):
            return
        self.event_log.select_event(seq)
        self._select_event_host(seq)
        self.player.seek(int(tl.t[seq]))

    def _on_log_event(self, seq: int, t: int) -> None:
        tl = self._timeline
        if tl is None or not 0 <= seq < len(tl):
            return
        self.player.seek(int(t))
        self.spacetime.select_event(seq)
        self.spacetime.reveal_event(seq)
        self._select_event_host(seq)

    def _select_event_host(self, seq: int) -> None:
        tl = self._timeline
        host = tl.host_name(int(tl.host_code[seq])) if tl is not None else ""
        if host and self.scene.host_item(host) is not None \
                and self.scene.selected_host_ids() != [host]:
            self.scene.select(host_ids=[host])

    # -- runs: interactive faults ---------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """A right-click on the canvas while a run is shown opens the fault menus; the
        space-time diagram's legend gets the height its wrapped lines need."""
        if event.type() == QEvent.Type.Resize and watched is self.spacetime.legend_label:
            legend = self.spacetime.legend_label
            need = legend.heightForWidth(legend.width())
            if need > 0 and need != legend.minimumHeight():
                legend.setMinimumHeight(need)
            return False
        if event.type() == QEvent.Type.ContextMenu and self._timeline is not None \
                and watched is self.view.viewport() and isinstance(event, QContextMenuEvent):
            menu = self.fault_menu_at(self.view.mapToScene(event.pos()))
            if menu is not None:
                self._exec_menu(menu, event.globalPos())
                menu.deleteLater()
                return True
        return super().eventFilter(watched, event)

    def _exec_menu(self, menu: QMenu, global_pos: QPoint) -> None:
        """Pop up a context menu and wait for the choice (tests replace this)."""
        menu.exec(global_pos)

    def _canvas_item_at(self, pos: QPointF) -> HostItem | LinkItem | None:
        for item in self.scene.items(pos, Qt.ItemSelectionMode.IntersectsItemShape,
                                     Qt.SortOrder.DescendingOrder):
            if isinstance(item, LinkLabelItem):
                return item.link_item
            if isinstance(item, (HostItem, LinkItem)):
                return item
        return None

    def fault_menu_at(self, scene_pos: QPointF) -> QMenu | None:
        """The fault menu for what is at a canvas point at the player's time, or None.

        A message dot in flight offers to drop it; a host to crash, recover,
        pause or make it Byzantine; a link to cut or heal it. The chosen fault
        goes to :meth:`apply_fault` (or :meth:`replace_fault`).
        """
        tl = self._timeline
        if tl is None:
            return None
        t = self.player.time
        when = self.tr("at {time}").format(time=_format_time(t))
        msg = None
        if self.animator is not None and hasattr(self.animator, "message_at"):
            msg = self.animator.message_at(scene_pos)
        if msg is not None:
            menu = faults_menu.message_menu(self, int(msg), t, self.apply_fault)
            title = self.tr("Message m{msg} {when}").format(msg=msg, when=when)
        else:
            item = self._canvas_item_at(scene_pos)
            states = tl.host_states(t)
            if isinstance(item, HostItem):
                self.scene.select(host_ids=[item.host_id])
                menu = faults_menu.host_menu(self, item.host_id, t, self.apply_fault, states)
                title = self.tr("{host} {when}").format(host=item.host_id, when=when)
            elif isinstance(item, LinkItem):
                a, b = item.link.a, item.link.b
                menu = faults_menu.link_menu(self, self.document.scenario, a, b, t,
                                             self.apply_fault, self.replace_fault, states)
                title = self.tr("Link {a}\u2013{b} {when}").format(a=a, b=b, when=when)
            else:
                return None
        actions = menu.actions()
        if actions:
            menu.insertSection(actions[0], title)
        return menu

    def apply_fault(self, fault: Any) -> bool:
        """Add ``fault`` to the scenario's fault schedule (undoable) and recompute the run."""
        try:
            self.document.add_fault(fault)
        except ValueError as exc:
            self.show_message(str(exc).splitlines()[0] if str(exc) else self.tr("Refused"))
            return False
        self._after_fault_edit()
        return True

    def replace_fault(self, index: int, fault: Any) -> bool:
        """Put ``fault`` at ``index`` of the fault schedule (undoable) and recompute the run."""
        faults = list(self.document.scenario.faults)
        if not 0 <= index < len(faults):
            return False
        faults[index] = fault
        try:
            self.document.set_setting("faults", faults)
        except ValueError as exc:
            self.show_message(str(exc).splitlines()[0] if str(exc) else self.tr("Refused"))
            return False
        self._after_fault_edit()
        return True

    def _after_fault_edit(self) -> None:
        if self._timeline is not None:
            self.recompute()
            self.show_message(self.tr("Fault added at {time}; recomputing the run (Ctrl+Z "
                                      "undoes it)\u2026").format(
                time=_format_time(self.player.time)), 6000)

    # -- runs: traces and exports ---------------------------------------------------------------------

    def _ask_trace_path(self) -> str | None:
        """Ask for a trace file to open (None if cancelled)."""
        start = str(self.document.path.parent) if self.document.path else ""
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Open Trace"), start,
            self.tr("DS Sandbox traces (*.jsonl);;All files (*)"))
        return path or None

    def open_trace(self, path: str | Path | None = None) -> bool:
        """Replay a JSONL trace: its scenario becomes a new, untitled document and the player
        plays the trace. Returns whether it was opened."""
        if path is None:
            path = self._ask_trace_path()
            if path is None:
                return False
        try:
            tl = self._read_trace(path)
        except TraceFormatError as exc:
            self._show_error(self.tr("Cannot open trace"), str(exc))
            return False
        try:
            scenario = io.scenario_from_dict(tl.header.get("scenario") or {}, str(path))
        except ScenarioError as exc:
            self._show_problems(exc)
            return False
        if not self.maybe_save():
            return False
        self.remove_autosave()
        self._keep_run_on_reset = True
        try:
            self.clear_run()
            self.document.set_scenario(scenario, None)
        finally:
            self._keep_run_on_reset = False
        self.view.fit()
        self.load_run(tl.header, tl.events, timeline=tl, scenario=scenario, source=path)
        self.show_message(self.tr("Opened trace {name}").format(name=Path(path).name), 4000)
        return True

    def _read_trace(self, path: str | Path) -> Timeline:
        """Load and index a JSONL trace; a bad file raises TraceFormatError saying why."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            try:
                return open_timeline(path)
            except (OSError, ValueError, UnicodeDecodeError):
                pass
            read_trace(path)  # raises with the file (and the line) of the problem
            raise TraceFormatError(self.tr("{path}: not a DS Sandbox trace").format(path=path))
        finally:
            QApplication.restoreOverrideCursor()

    def _export_error(self, _parent: Any, title: str, text: str) -> None:
        self._show_error(title, text)

    def export_trace(self, path: str | Path | None = None, fmt: str | None = None) -> Path | None:
        """Save the trace of the run shown (asking where when ``path`` is None)."""
        tl = self._timeline
        if tl is None:
            return None
        target = export_dialogs.export_trace(self, tl.header, tl.events, path, fmt,
                                             show_error=self._export_error)
        if target is not None:
            self.show_message(self.tr("Exported {name}").format(name=target.name), 4000)
        return target

    def export_plot(self, path: str | Path | None = None, fmt: str | None = None) -> Path | None:
        """Save the plot shown (PNG, SVG) or plot series (CSV)."""
        if self._timeline is None:
            return None
        target = export_dialogs.export_plot(self, self.plots, path, fmt,
                                            show_error=self._export_error)
        if target is not None:
            self.show_message(self.tr("Exported {name}").format(name=target.name), 4000)
        return target

    def export_spacetime(self, path: str | Path | None = None,
                         fmt: str | None = None) -> Path | None:
        """Save the space-time diagram as PNG or SVG."""
        if self._timeline is None:
            return None
        target = export_dialogs.export_spacetime(self, self.spacetime, path, fmt,
                                                 show_error=self._export_error)
        if target is not None:
            self.show_message(self.tr("Exported {name}").format(name=target.name), 4000)
        return target

    # -- files -------------------------------------------------------------------------------------

    def _ask_save_changes(self) -> str:
        """Ask whether to save unsaved changes: :data:`SAVE`, :data:`DISCARD` or :data:`CANCEL`."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("Unsaved changes"))
        box.setText(self.tr("Save the changes to {name}?").format(name=self.display_name()))
        box.setInformativeText(self.tr("Your changes are lost if you don't save them."))
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

    def _ask_open_path(self) -> str | None:
        """Ask for a scenario file to open (None if cancelled)."""
        start = str(self.document.path.parent) if self.document.path else ""
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Open Scenario"), start,
            self.tr("Scenarios (*.json);;All files (*)"))
        return path or None

    def _ask_save_path(self, title: str = "", suffix: str = ".json",
                       filters: str = "") -> str | None:
        """Ask for a file name to save to (None if cancelled)."""
        doc_path = self.document.path
        stem = doc_path.stem if doc_path else (self.document.scenario.title or "scenario")
        folder = doc_path.parent if doc_path else Path.home()
        path, _filter = QFileDialog.getSaveFileName(
            self, title or self.tr("Save Scenario"), str(folder / f"{stem}{suffix}"),
            filters or self.tr("Scenarios (*.json);;All files (*)"))
        if not path:
            return None
        return path if Path(path).suffix else path + suffix

    def _ask_recover(self, autosave: Path) -> bool:
        """Ask whether to recover the work found in an autosave file."""
        answer = QMessageBox.question(
            self, self.tr("Recover unsaved work?"),
            self.tr("DS Sandbox found unsaved changes to {name} from a session that did not "
                    "end normally. Recover them?").format(name=self.display_name()),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes)
        return answer == QMessageBox.StandardButton.Yes

    def _show_problems(self, error: ScenarioError) -> None:
        """Show every problem of a file that could not be opened."""
        ProblemsDialog(error, self).exec()

    def _show_error(self, title: str, message: str) -> None:
        """Show an error message (a file that could not be written, for example)."""
        QMessageBox.critical(self, title, message)

    def maybe_save(self) -> bool:
        """The dirty guard: True when it is fine to drop the document (saved or discarded)."""
        if not self.document.is_dirty:
            return True
        choice = self._ask_save_changes()
        if choice == SAVE:
            return self.save()
        return choice == DISCARD

    def new_file(self) -> bool:
        """Start an empty scenario (after the dirty guard)."""
        if not self.maybe_save():
            return False
        self.remove_autosave()
        self.document.set_scenario(Scenario(), None)
        self.view.fit()
        return True

    def load_scenario(self, scenario: Scenario, path: str | Path | None = None) -> None:
        """Show ``scenario`` (from ``path``) without any question; the view fits it."""
        self.document.set_scenario(scenario, path)
        self.view.fit()

    def open_file(self, path: str | Path | None = None) -> bool:
        """Open a scenario file (asking for one if ``path`` is None), after the dirty guard.

        A file that cannot be loaded shows its problems and leaves the current
        document as it was. Returns whether a file was opened.
        """
        if path is None:
            path = self._ask_open_path()
            if path is None:
                return False
        try:
            scenario = io.load(path)
        except ScenarioError as exc:
            self._show_problems(exc)
            return False
        if not self.maybe_save():
            return False
        self.remove_autosave()
        self.load_scenario(scenario, path)
        self.add_recent_file(path)
        self.file_opened.emit(Path(path))
        self.show_message(self.tr("Opened {name}").format(name=Path(path).name), 4000)
        self.offer_recovery()
        return True

    def open_preset(self, path: str | Path) -> bool:
        """Open a bundled preset as a new, untitled scenario (Save asks for a file)."""
        try:
            scenario = io.load(path)
        except ScenarioError as exc:
            self._show_problems(exc)
            return False
        if not self.maybe_save():
            return False
        self.remove_autosave()
        self.load_scenario(scenario, None)
        return True

    def save(self) -> bool:
        """Save to the document's file (Save As when it has none). Returns success."""
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self, path: str | Path | None = None) -> bool:
        """Save to a new file (asking for one if ``path`` is None). Returns success."""
        if path is None:
            path = self._ask_save_path()
            if path is None:
                return False
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        try:
            io.save(self.document.scenario, path)
        except OSError as exc:
            self._show_error(self.tr("Cannot save"), self.tr("{path} could not be written: "
                                                             "{error}").format(
                path=path, error=exc.strerror or exc))
            return False
        self.remove_autosave()
        self.document.mark_saved(path)
        self.add_recent_file(path)
        self.show_message(self.tr("Saved {name}").format(name=path.name), 4000)
        return True

    # -- export --------------------------------------------------------------------------------------

    def _export_rect(self) -> QRectF:
        rect = self.scene.itemsBoundingRect()
        if rect.isNull():
            rect = QRectF(-200, -150, 400, 300)
        return rect.adjusted(-30, -30, 30, 30)

    def _render_scene(self, painter: QPainter, target: QRectF, source: QRectF) -> None:
        selected = (self.scene.selected_host_ids(), self.scene.selected_link_indices(),
                    self.scene.selected_group_ids())
        blocked = self.scene.blockSignals(True)
        try:
            self.scene.clearSelection()
            painter.fillRect(target, canvas_colours(self.scene.palette()).background)
            self.scene.render(painter, target, source)
        finally:
            self.scene.blockSignals(blocked)
            self.scene.select(*selected)

    def export_png(self, path: str | Path | None = None, scale: float = 2.0) -> bool:
        """Save a picture of the whole canvas (``scale`` pixels per scene unit)."""
        if path is None:
            path = self._ask_save_path(self.tr("Export Canvas as PNG"), ".png",
                                       self.tr("PNG images (*.png)"))
            if path is None:
                return False
        source = self._export_rect()
        size = QSize(max(1, int(source.width() * scale)), max(1, int(source.height() * scale)))
        image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self._render_scene(painter, QRectF(0, 0, size.width(), size.height()), source)
        painter.end()
        if not image.save(str(path), "PNG"):
            self._show_error(self.tr("Cannot export"),
                             self.tr("{path} could not be written").format(path=path))
            return False
        self.show_message(self.tr("Exported {name}").format(name=Path(path).name), 4000)
        return True

    def export_svg(self, path: str | Path | None = None) -> bool:
        """Save the whole canvas as an SVG drawing."""
        if path is None:
            path = self._ask_save_path(self.tr("Export Canvas as SVG"), ".svg",
                                       self.tr("SVG drawings (*.svg)"))
            if path is None:
                return False
        source = self._export_rect()
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(QSize(int(source.width()), int(source.height())))
        generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
        generator.setTitle(self.display_name())
        generator.setDescription(self.tr("A DS Sandbox scenario"))
        painter = QPainter()
        if not painter.begin(generator):
            self._show_error(self.tr("Cannot export"),
                             self.tr("{path} could not be written").format(path=path))
            return False
        self._render_scene(painter, QRectF(0, 0, source.width(), source.height()), source)
        painter.end()
        self.show_message(self.tr("Exported {name}").format(name=Path(path).name), 4000)
        return True

    # -- autosave and recovery ----------------------------------------------------------------------

    def autosave_path(self, path: str | Path | None = None) -> Path:
        """The autosave file of a document's file (of the current document by default)."""
        if path is None:
            path = self.document.path
        if path is None:
            return self.autosave_dir / "untitled.json"
        resolved = str(Path(path).resolve())
        digest = hashlib.sha1(resolved.encode("utf-8")).hexdigest()[:10]
        return self.autosave_dir / f"{Path(path).stem}-{digest}.json"

    def autosave(self) -> Path | None:
        """Write the scenario to its autosave file if it has unsaved changes."""
        if not self.document.is_dirty:
            return None
        target = self.autosave_path()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            io.save(self.document.scenario, target)
        except OSError as exc:
            self.show_message(self.tr("Autosave failed: {error}").format(
                error=exc.strerror or exc))
            return None
        if self._autosaved is not None and self._autosaved != target:
            self._remove(self._autosaved)
        self._autosaved = target
        return target

    @staticmethod
    def _remove(path: Path) -> None:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            pass

    def remove_autosave(self) -> None:
        """Delete the autosave of the current document (after a save, a close or a discard)."""
        self._remove(self.autosave_path())
        if self._autosaved is not None:
            self._remove(self._autosaved)
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
                    self._remove(autosave)
                    return False
            except OSError:
                pass
        try:
            scenario = io.load(autosave)
        except ScenarioError:
            self._remove(autosave)
            return False
        if not self._ask_recover(autosave):
            self._remove(autosave)
            return False
        self.document.set_scenario(scenario, path)
        # The recovered work is not saved anywhere but in the autosave: mark it unsaved.
        self.document.undo_stack.resetClean()
        self._autosaved = autosave
        self._update_title()
        self.view.fit()
        self.show_message(self.tr("Recovered unsaved work"), 6000)
        return True

    # -- closing --------------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        """The dirty guard; on close the layout is remembered and the autosave removed."""
        if not self.maybe_save():
            event.ignore()
            return
        self.save_settings()
        self.autosave_timer.stop()
        self.remove_autosave()
        self.player.pause()
        self.run_controller.shutdown()
        event.accept()
