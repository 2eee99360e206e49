"""The editor's main window: the canvas, the docks around it, and the wiring of its parts.

The window owns one :class:`~sandbox.gui.document.Document`; the canvas, the
inspector, the settings panel and the memory map follow its signals. The
work is done by parts the window builds and connects:

* :mod:`~sandbox.gui.actions`: the actions, menus and toolbar, from one table;
* :class:`~sandbox.gui.file_controller.FileController` (``files``): new, open,
  save, recent files, presets, autosave, recovery and the dirty guard;
* :class:`~sandbox.gui.shown_run.ShownRun` (``shown_run``): Run > Run (F5)
  off the UI thread, the run shown in every view with one time cursor and
  one selection, its stale state, recompute and clear;
* :class:`~sandbox.gui.faults_menu.FaultController` (``faults``): faults
  chosen from the canvas's context menu while watching, as undoable edits;
* :class:`~sandbox.gui.export_dialogs.ExportController` (``exports``);
* :class:`~sandbox.gui.user_code.UserCodeController` (``user_code``): the
  user's behaviour files (File > Load Behaviour..., New Behaviour File...),
  consent before their code runs, watching and reloading them.

Everything that would block on a dialog goes through a small method of the
window (``_ask_save_changes``, ``_ask_open_path``, ``_ask_save_path``,
``_ask_recover``, ``_ask_trace_path``, ``_ask_code_consent``, ``_ask_behaviour_path``,
``_ask_new_behaviour_path``, ``_show_problems``, ``_show_error``,
``_show_exception``, ``_exec_menu``) that tests replace; the parts call them through callables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QToolBar,
    QWidget,
)

from ..scenario.io import ScenarioError
from ..scenario.model import Scenario
from . import actions, file_controller
from .canvas.palette import Palette
from .canvas.scene import CanvasScene
from .canvas.view import CanvasView
from .checks_panel import ChecksPanel
from .dock_layout import STATE_VERSION, DockLayout
from .document import Document
from .edit_controller import SELECTION_MIME, EditController
from .event_log import EventLog
from .experiment import ExperimentController
from .export_dialogs import ExportController
from .faults_menu import FaultController
from .faults_panel import FaultsPanel
from .file_controller import FileController, ProblemsDialog, Prompts, default_autosave_dir
from .help import HelpController
from .inspector import Inspector
from .memory_map import MemoryMapView
from .player import Player, PlayerBar
from .plots import PlotsPanel
from .problems_panel import ProblemsPanel, show_problem
from .run_controller import RunController
from .settings_panel import ScenarioSettings
from .shown_run import RunStatus, ShownRun, plural
from .spacetime import SpaceTimeView
from .theme import THEMES, apply_theme, current_theme
from .user_code import CodePrompts, UserCodeController

__all__ = ["APPLICATION", "ORGANIZATION", "SELECTION_MIME", "STATE_VERSION", "MainWindow"]

#: QSettings organisation and application names.
ORGANIZATION = "DS Sandbox"
APPLICATION = "ds-sandbox"


class _Forward:
    """A name of the window that is a part's method or property (``files.save``), kept on the
    window for scripts and tests."""

    def __init__(self, part: str, name: str = "") -> None:
        self.part, self.name = part, name

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = self.name or name
        self.__doc__ = f"Forwards to ``{self.part}.{self.name}``."

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        return getattr(getattr(obj, self.part), self.name)


class MainWindow(QMainWindow):
    """The editor window: a canvas with palette, inspector, scenario and memory map docks,
    and the docks of a run (space-time diagram, event log, plots) along the bottom.

    ``settings`` is where geometry, dock layout, recent files and the theme
    are kept (the application's QSettings by default; tests pass an INI file).
    ``autosave_dir`` is where unsaved work is written every
    ``AUTOSAVE_INTERVAL_MS`` (the application data folder by default).
    """

    #: A file was opened (its path), for whoever keeps a list.
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
        self.run_controller = RunController(self)
        self.player = Player(parent=self)
        self.player_bar = PlayerBar(self.player, self)
        self.player_bar.setObjectName("PlayerBar")
        self._build_docks()
        self._build_parts()
        self.action_table = actions.build(self)
        for row_id, action in self.action_table.actions.items():
            setattr(self, f"{row_id}_action", action)  # new_action, save_action, ...
        menus = self.action_table.menus
        self.recent_menu, self.presets_menu = menus["recent"], menus["presets"]
        self.view_menu, self.run_menu = menus["view"], menus["run"]
        self._build_playback_toolbar()
        self._build_status_bar()
        self._connect()
        self.autosave_timer = self.files.autosave_timer
        self.autosave_timer.start()
        self.setWindowIcon(QIcon(self._app_icon()))
        self.resize(1280, 800)
        self._update_title()
        self._update_counts()
        self._update_edit_actions()
        self._update_run_actions()
        self._restore_settings()

    # -- construction ------------------------------------------------------------------------------

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
        self.faults_panel = FaultsPanel(self.document, self.scene, self.player,
                                        apply_fault=self._late("apply_fault"), parent=self)
        self.faults_panel.setObjectName("FaultsPanel")
        self.faults_dock = self._dock(self.tr("Faults"), "FaultsDock", self.faults_panel, right)
        self.problems = ProblemsPanel(self.document, self)
        self.problems_dock = self._dock(self.tr("Problems"), "ProblemsDock", self.problems,
                                        right)
        self._build_run_docks()
        self.tabifyDockWidget(self.inspector_dock, self.settings_dock)
        self.tabifyDockWidget(self.settings_dock, self.memory_dock)
        self.tabifyDockWidget(self.memory_dock, self.faults_dock)
        self.tabifyDockWidget(self.memory_dock, self.problems_dock)
        self.inspector_dock.raise_()

    def _build_run_docks(self) -> None:
        """The docks of a run, along the bottom from the palette to the right edge (only a run
        fills that area): the space-time diagram and the event log as tabs, the plots beside
        them."""
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, bottom)
        self.spacetime = SpaceTimeView(self)
        self.spacetime.setObjectName("SpaceTime")
        self.spacetime.resolution_changed.connect(self.player_bar.set_time_resolution)
        # The legend wraps onto a second line rather than widening the window off the screen.
        legend = self.spacetime.legend_label
        legend.setWordWrap(True)
        legend.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        legend.setMinimumWidth(160)
        legend.installEventFilter(self)
        self.event_log = EventLog(self)
        self.event_log.setObjectName("EventLog")
        self.plots = PlotsPanel(self)
        self.checks = ChecksPanel(self)
        self.checks.setObjectName("Checks")
        self.spacetime_dock = self._dock(self.tr("Space-time diagram"), "SpaceTimeDock",
                                         self.spacetime, bottom)
        self.event_log_dock = self._dock(self.tr("Event log"), "EventLogDock", self.event_log,
                                         bottom)
        self.plots_dock = self._dock(self.tr("Plots"), "PlotsDock", self.plots, bottom)
        self.checks_dock = self._dock(self.tr("Checks"), "ChecksDock", self.checks, bottom)
        self.splitDockWidget(self.spacetime_dock, self.plots_dock, Qt.Orientation.Horizontal)
        self.tabifyDockWidget(self.spacetime_dock, self.event_log_dock)
        self.tabifyDockWidget(self.event_log_dock, self.checks_dock)
        self.spacetime_dock.raise_()
        #: The docks shown while a run is loaded (hidden while editing).
        self.run_docks = (self.spacetime_dock, self.event_log_dock, self.checks_dock,
                          self.plots_dock)
        for dock in self.run_docks:
            dock.hide()

    def _build_parts(self) -> None:
        """The run shown, file handling, edits and exports (faults come with the wiring)."""
        self.help = HelpController(self)
        self.edits = EditController(self.document, self.scene, self.view, self.show_message,
                                    copied=lambda: self._update_edit_actions())
        self.shown_run = ShownRun(
            self.document, self.run_controller, self.player,
            {"scene": self.scene, "view": self.view, "spacetime": self.spacetime,
             "event_log": self.event_log, "plots": self.plots, "memory_map": self.memory_map,
             "memory_dock": self.memory_dock, "player_bar": self.player_bar,
             "checks": self.checks},
            show_message=self.show_message,
            show_error=self._late("_show_error"), display_name=self.display_name, parent=self)
        # the seams are looked up when called: tests replace them on the window
        prompts = Prompts(**{name.lstrip("_"): self._late(name) for name in (
            "_ask_save_changes", "_ask_open_path", "_ask_save_path", "_ask_recover",
            "_ask_trace_path", "_show_problems", "_show_error", "show_message")})
        self.files = FileController(self.document, self.settings, self.autosave_dir, prompts,
                                    self.view.fit, self.shown_run, self)
        self.user_code = UserCodeController(
            self.document, self.settings, self.shown_run,
            CodePrompts(**{name.lstrip("_"): self._late(name) for name in (
                "_ask_code_consent", "_ask_behaviour_path", "_ask_new_behaviour_path",
                "_show_error", "show_message")}), self)
        self.experiments = ExperimentController(self)
        self.exports = ExportController(
            self, self.scene, self.spacetime, self.plots, self.shown_run,
            ask_save_path=self._late("_ask_save_path"), show_error=self._late("_show_error"),
            show_message=self.show_message, display_name=self.display_name)

    def _build_playback_toolbar(self) -> None:
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
        self.run_status = RunStatus(self.shown_run, status, self)
        self.stale_label = self.run_status.stale_label
        self.run_label = self.run_status.run_label
        self.run_progress = self.run_status.run_progress
        self.cancel_run_button = self.run_status.cancel_run_button
        self.reload_offer = self.user_code.offer_button
        for widget in (self.reload_offer, *self.run_status.widgets(), self.counts_label,
                       self.zoom_label):
            status.addPermanentWidget(widget)
        self.reload_offer.hide()
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
        self.inspector.sweep_requested.connect(self.experiments.open)
        self.settings_panel.message.connect(self.show_message)
        self.inspector.message_withdrawn.connect(self._withdraw_message)
        self.settings_panel.form.error_fixed.connect(self._withdraw_message)
        self.problems.attach_form(self.settings_panel.form)
        self.problems.activated.connect(lambda path: show_problem(self, path))
        self.faults_panel.message.connect(self.show_message)
        self.view.zoom_changed.connect(self._on_zoom)
        self.palette_widget.link_tool_toggled.connect(self.scene.set_link_tool)
        self.scene.link_tool_changed.connect(self.palette_widget.set_link_tool)
        self.palette_widget.host_kind_activated.connect(self.edits.add_host_at_centre)
        self.palette_widget.group_kind_activated.connect(self.edits.add_group_at_centre)
        self.view.presets_requested.connect(lambda pos: self.presets_menu.popup(pos))
        self.scene.host_activated.connect(self._on_host_activated)
        QGuiApplication.clipboard().dataChanged.connect(self._update_edit_actions)
        self.files.file_opened.connect(self.file_opened)
        self.files.recovered.connect(self._update_title)
        self.layout_keeper = DockLayout(self)
        self.shown_run.shown.connect(self.layout_keeper.show_run_views)
        self.shown_run.cleared.connect(self.layout_keeper.run_cleared)
        self.shown_run.state_changed.connect(self._update_run_actions)
        self.player.timeline_changed.connect(self._update_run_actions)
        self.player.state_changed.connect(self.event_log.set_playing)  # paused: it selects
        self.faults = FaultController(self.document, self.scene, self.view, self.shown_run,
                                      self.show_message, self._late("_exec_menu"), self)

    def _late(self, name: str) -> Any:
        """A callable that calls the window's method ``name`` as it is when called."""
        return lambda *args, **kwargs: getattr(self, name)(*args, **kwargs)

    @staticmethod
    def _app_icon() -> QIcon:
        from .canvas.items import kind_icon

        try:
            return kind_icon("machine")
        except Exception:  # noqa: BLE001 - an icon is never worth failing for
            return QIcon()

    # -- the parts' API, kept on the window --------------------------------------------------------

    maybe_save = _Forward("files")
    new_file = _Forward("files")
    load_scenario = _Forward("files")
    open_file = _Forward("files")
    open_preset = _Forward("files")
    open_trace = _Forward("files")
    save = _Forward("files")
    save_as = _Forward("files")
    recent_files = _Forward("files")
    add_recent_file = _Forward("files")
    autosave = _Forward("files")
    autosave_path = _Forward("files")
    remove_autosave = _Forward("files")
    offer_recovery = _Forward("files")
    export_trace = _Forward("exports")
    export_plot = _Forward("exports")
    export_spacetime = _Forward("exports")
    export_png = _Forward("exports")
    export_svg = _Forward("exports")
    run = _Forward("shown_run")
    recompute = _Forward("shown_run")
    cancel_run = _Forward("shown_run")
    stop = _Forward("shown_run")
    load_run = _Forward("shown_run")
    clear_run = _Forward("shown_run")
    timeline = _Forward("shown_run")
    is_stale = _Forward("shown_run")
    animator = _Forward("shown_run")
    run_header = _Forward("shown_run", "header")
    run_events = _Forward("shown_run", "events")
    run_seed = _Forward("shown_run", "seed")
    copy = _Forward("edits")
    cut = _Forward("edits")
    paste = _Forward("edits")
    duplicate = _Forward("edits")
    delete = _Forward("edits")
    select_all = _Forward("edits")
    fault_menu_at = _Forward("faults")
    apply_fault = _Forward("faults")
    replace_fault = _Forward("faults")

    @property
    def autoplay(self) -> bool:
        """Whether a new run starts playing as soon as it is loaded (tests switch it off)."""
        return self.shown_run.autoplay

    @autoplay.setter
    def autoplay(self, value: bool) -> None:
        self.shown_run.autoplay = value

    # -- what blocks on a dialog (tests replace these) ---------------------------------------------

    def _ask_save_changes(self) -> str:
        """Ask whether to save unsaved changes: :data:`SAVE`, :data:`DISCARD` or :data:`CANCEL`."""
        return file_controller.ask_save_changes(self, self.display_name())

    def _ask_open_path(self) -> str | None:
        """Ask for a scenario file to open (None if cancelled)."""
        return file_controller.ask_open_path(self, self.document)

    def _ask_save_path(self, title: str = "", suffix: str = ".json",
                       filters: str = "") -> str | None:
        """Ask for a file name to save to (None if cancelled)."""
        return file_controller.ask_save_path(self, self.document, title, suffix, filters)

    def _ask_recover(self, autosave: Path) -> bool:
        """Ask whether to recover the work found in an autosave file."""
        return file_controller.ask_recover(self, self.display_name())

    def _ask_trace_path(self) -> str | None:
        """Ask for a trace file to open (None if cancelled)."""
        return file_controller.ask_trace_path(self, self.document)

    def _ask_code_consent(self, path: Path, sha256: str) -> tuple[bool, bool]:
        """Ask whether to run a behaviour file's code: (run it?, remember for this hash?)."""
        from .user_code import ask_consent

        return ask_consent(self, path, sha256)

    def _ask_behaviour_path(self) -> str | None:
        """Ask for a behaviour file to load (None if cancelled)."""
        from .user_code import ask_behaviour_path

        return ask_behaviour_path(self, self.document)

    def _ask_new_behaviour_path(self) -> str | None:
        """Ask where to write a new behaviour file (None if cancelled)."""
        from .user_code import ask_new_behaviour_path

        return ask_new_behaviour_path(self, self.document)

    def _show_problems(self, error: ScenarioError) -> None:
        """Show every problem of a file that could not be opened."""
        ProblemsDialog(error, self).exec()

    def _show_error(self, title: str, message: str) -> None:
        """Show an error message (a file that could not be written, for example)."""
        QMessageBox.critical(self, title, message)

    def _show_exception(self, summary: str, details: str) -> None:
        """Show an unexpected error (an exception no part caught) with its traceback as the
        details; the application's ``sys.excepthook`` calls this (see :mod:`.app`)."""
        from .app import exception_box  # app imports this module

        exception_box(self, summary, details).exec()

    def _exec_menu(self, menu: QMenu, global_pos: QPoint) -> None:
        """Pop up a context menu and wait for the choice."""
        menu.exec(global_pos)

    # -- settings: geometry, layout, theme ---------------------------------------------------------

    def _restore_settings(self) -> None:
        self.layout_keeper.restore()
        self.dark_action.setChecked(current_theme() == "dark")
        self.always_reload_action.setChecked(self.user_code.always_reload)

    def save_settings(self) -> None:
        """Remember the window geometry and the dock layout (the run docks' too)."""
        self.layout_keeper.save()

    def reset_layout(self) -> None:
        """Put the docks back in their first layout."""
        self.layout_keeper.reset()

    def use_dark_theme(self, dark: bool) -> None:
        """View > Dark Theme: switch to the dark theme, or back to the light one."""
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
        self.action_table.refresh_icons()
        self.run_status.restyle()
        self.scene.setPalette(QApplication.palette())
        self.scene.update()
        self.view.resetCachedContent()
        self.view.viewport().update()

    def _update_run_actions(self, *_args: Any) -> None:
        running = self.run_controller.is_running()
        shown = self.timeline is not None
        self.action_table.refresh(running_or_shown=running or shown, run_shown=shown)
        self.action_table.update_stop(running, shown)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """The space-time diagram's legend gets the height its wrapped lines need."""
        if event.type() == QEvent.Type.Resize and watched is self.spacetime.legend_label:
            legend = self.spacetime.legend_label
            need = legend.heightForWidth(legend.width())
            if need > 0 and need != legend.minimumHeight():
                legend.setMinimumHeight(need)
            return False
        return super().eventFilter(watched, event)

    # -- title, counts, status, selection ----------------------------------------------------------

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

    def _withdraw_message(self, message: str) -> None:
        """Take ``message`` off the status bar if it still shows it (its error was fixed)."""
        if self.statusBar().currentMessage() == message:
            self.statusBar().clearMessage()

    def _on_reset(self) -> None:
        self._update_title()
        self._update_counts()
        self._on_selection_changed()
        self.shown_run.scenario_replaced()

    def _on_settings_changed(self, name: str) -> None:
        if name == "title":
            self._update_title()

    def _on_selection_changed(self) -> None:
        hosts = self.scene.selected_host_ids()
        links, groups = self.scene.selected_link_indices(), self.scene.selected_group_ids()
        self.inspector.set_selection(hosts, links, groups)
        if hosts or links or groups:  # what was selected is edited there; nothing leaves docks be
            self.inspector_dock.show()
            self.inspector_dock.raise_()
        self._update_edit_actions()
        self.shown_run.select_host(hosts[0] if hosts else None)

    def _on_host_activated(self, _host_id: str) -> None:
        self.inspector_dock.show()
        self.inspector_dock.raise_()

    def _update_edit_actions(self) -> None:
        self.action_table.refresh(**self.edits.facts())

    # -- closing -----------------------------------------------------------------------------------

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
