"""The main window's actions, menus and toolbar as one declarative table, and the builder.

Each row of :data:`TABLE` is either a :class:`MenuRow` (a menu of the menu
bar, or a submenu) or an :class:`ActionRow`: its id (the window keeps it as
``<id>_action``), its text, shortcuts, tip, icon, the menu it is in (rows
appear in their menu in table order), its place on the main toolbar, its
handler and its checkable / enabled rules. :func:`build` makes the actions,
the menus and the toolbar from it; nothing else creates a menu entry of the
window. Texts are marked with ``QT_TRANSLATE_NOOP`` in the ``MainWindow``
context, so ``pyside6-lupdate`` finds them, and translated when built.

Handlers and sources are dotted paths from the window (``"files.save"``,
``"view.fit"``), resolved when the table is built, so a missing handler
fails at once. An action's enabled rule names a fact (``"run_shown"``); the
window reports facts with :meth:`Actions.refresh`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPainter, QPolygonF
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar, QToolButton

from .theme import line_icon, painted_icon

__all__ = ["TABLE", "ActionRow", "Actions", "MenuRow", "build", "resolve", "run_icon"]

#: The translation context of every text of the table.
CONTEXT = "MainWindow"

Key = str | QKeySequence.StandardKey
translate = QCoreApplication.translate
Std = QKeySequence.StandardKey


@dataclass(frozen=True)
class MenuRow:
    """A menu: of the menu bar (``menu`` None) or a submenu of the menu ``menu``.

    ``fill`` is the handler that fills it, called with the menu once when it
    is built, or each time before it shows with ``fill_on_show``.
    """

    id: str
    text: str
    menu: str | None = None
    separator: bool = False
    fill: str | None = None
    fill_on_show: bool = False
    tooltips: bool = False


@dataclass(frozen=True)
class ActionRow:
    """One action and where it goes.

    ``kind`` says where the action comes from: ``new`` (made here),
    ``undo`` / ``redo`` (made by the document's undo stack, with ``text`` as
    the prefix), ``provided`` (an action that ``source`` names, made by its
    widget) or ``toggle`` (the show/hide action of the dock or toolbar that
    ``source`` names; ``tooltip`` may name it with ``{name}``).

    ``tip`` becomes the status tip and, with the first shortcut added, the
    tooltip; ``tooltip`` is a tooltip taken as it is. ``icon`` names a
    :func:`~sandbox.gui.theme.line_icon` (redrawn with the theme) or, for
    ``run`` and ``stop``, a :func:`run_icon`. ``separator`` puts a separator
    before the row in its menu. ``toolbar`` is the row's slot on the main
    toolbar: slots are in increasing order and a separator goes where the
    tens change. ``scope="canvas"`` makes the shortcut work only in the
    canvas (in a text field the same keys edit text). ``enabled_when`` names
    the fact (see :meth:`Actions.refresh`) the action is enabled by.
    """

    id: str
    text: str = ""
    handler: str | None = None
    shortcuts: tuple[Key, ...] = ()
    tip: str = ""
    tooltip: str = ""
    icon: str | None = None
    menu: str | None = None
    separator: bool = False
    toolbar: int | None = None
    toolbar_text: bool = False
    scope: Literal["window", "canvas"] = "window"
    checkable: bool = False
    enabled_when: str | None = None
    kind: Literal["new", "undo", "redo", "provided", "toggle"] = "new"
    source: str | None = None


#: Every menu and action of the main window, in menu order.
TABLE: tuple[MenuRow | ActionRow, ...] = (
    MenuRow("file", QT_TRANSLATE_NOOP("MainWindow", "&File")),
    ActionRow("new", QT_TRANSLATE_NOOP("MainWindow", "&New"), "files.new_file", (Std.New,),
              QT_TRANSLATE_NOOP("MainWindow", "Start a new, empty scenario"),
              icon="new", menu="file", toolbar=10),
    ActionRow("open", QT_TRANSLATE_NOOP("MainWindow", "&Open\u2026"), "files.open_file",
              (Std.Open,), QT_TRANSLATE_NOOP("MainWindow", "Open a scenario file"),
              icon="open", menu="file", toolbar=11),
    ActionRow("open_trace", QT_TRANSLATE_NOOP("MainWindow", "Open &Trace\u2026"),
              "files.open_trace", ("Ctrl+Shift+O",),
              QT_TRANSLATE_NOOP("MainWindow", "Replay a trace file (JSONL) of a run"),
              menu="file"),
    MenuRow("recent", QT_TRANSLATE_NOOP("MainWindow", "Open &Recent"), "file",
            fill="files.fill_recent_menu", fill_on_show=True),
    MenuRow("presets", QT_TRANSLATE_NOOP("MainWindow", "&Presets"), "file",
            fill="files.fill_presets_menu", tooltips=True),
    ActionRow("save", QT_TRANSLATE_NOOP("MainWindow", "&Save"), "files.save", (Std.Save,),
              QT_TRANSLATE_NOOP("MainWindow", "Save the scenario"),
              icon="save", menu="file", separator=True, toolbar=12),
    ActionRow("save_as", QT_TRANSLATE_NOOP("MainWindow", "Save &As\u2026"), "files.save_as",
              ("Ctrl+Shift+S",), QT_TRANSLATE_NOOP("MainWindow", "Save the scenario to a new file"),
              menu="file"),
    ActionRow("load_behaviour", QT_TRANSLATE_NOOP("MainWindow", "Load &Behaviour\u2026"),
              "user_code.load_behaviour",
              tip=QT_TRANSLATE_NOOP("MainWindow", "Load behaviours written in Python from a "
                                                  "file of your own (asks before running it)"),
              menu="file", separator=True),
    ActionRow("new_behaviour", QT_TRANSLATE_NOOP("MainWindow", "New Be&haviour File\u2026"),
              "user_code.new_behaviour_file",
              tip=QT_TRANSLATE_NOOP("MainWindow", "Write a starting behaviour file (a working "
                                                  "example, commented) and load it"),
              menu="file"),
    ActionRow("export_png", QT_TRANSLATE_NOOP("MainWindow", "Export Canvas as &PNG\u2026"),
              "exports.export_png",
              tip=QT_TRANSLATE_NOOP("MainWindow", "Save a picture of the canvas"),
              menu="file", separator=True),
    ActionRow("export_svg", QT_TRANSLATE_NOOP("MainWindow", "Export Canvas as S&VG\u2026"),
              "exports.export_svg",
              tip=QT_TRANSLATE_NOOP("MainWindow", "Save the canvas as a vector drawing"),
              menu="file"),
    ActionRow("export_trace", QT_TRANSLATE_NOOP("MainWindow", "Export &Trace\u2026"),
              "exports.export_trace", ("Ctrl+Shift+E",),
              QT_TRANSLATE_NOOP("MainWindow", "Save the trace of the run shown (JSONL, CSV, "
                                              "ShiViz, Chrome / Perfetto)"),
              menu="file", separator=True, enabled_when="run_shown"),
    ActionRow("export_plot", QT_TRANSLATE_NOOP("MainWindow", "Export P&lot\u2026"),
              "exports.export_plot",
              tip=QT_TRANSLATE_NOOP("MainWindow", "Save the plot shown as PNG or SVG, or its "
                                                  "series as CSV"),
              menu="file", enabled_when="run_shown"),
    ActionRow("export_spacetime",
              QT_TRANSLATE_NOOP("MainWindow", "Export Space-Time &Diagram\u2026"),
              "exports.export_spacetime",
              tip=QT_TRANSLATE_NOOP("MainWindow", "Save the space-time diagram as PNG or SVG"),
              menu="file", enabled_when="run_shown"),
    ActionRow("quit", QT_TRANSLATE_NOOP("MainWindow", "&Quit"), "close", (Std.Quit,),
              QT_TRANSLATE_NOOP("MainWindow", "Close the window"), menu="file", separator=True),

    MenuRow("edit", QT_TRANSLATE_NOOP("MainWindow", "&Edit")),
    ActionRow("undo", QT_TRANSLATE_NOOP("MainWindow", "&Undo"), shortcuts=(Std.Undo,),
              tooltip=QT_TRANSLATE_NOOP("MainWindow", "Undo the last edit (Ctrl+Z)"),
              icon="undo", menu="edit", toolbar=20, kind="undo"),
    ActionRow("redo", QT_TRANSLATE_NOOP("MainWindow", "&Redo"),
              shortcuts=("Ctrl+Shift+Z", "Ctrl+Y"),
              tooltip=QT_TRANSLATE_NOOP("MainWindow", "Redo the edit undone last (Ctrl+Shift+Z)"),
              icon="redo", menu="edit", toolbar=21, kind="redo"),
    ActionRow("cut", QT_TRANSLATE_NOOP("MainWindow", "Cu&t"), "edits.cut", (Std.Cut,),
              QT_TRANSLATE_NOOP("MainWindow", "Copy the selection to the clipboard and delete it"),
              menu="edit", separator=True, scope="canvas",
              enabled_when="hosts_or_groups_selected"),
    ActionRow("copy", QT_TRANSLATE_NOOP("MainWindow", "&Copy"), "edits.copy", (Std.Copy,),
              QT_TRANSLATE_NOOP("MainWindow", "Copy the selected hosts, links and groups"),
              menu="edit", scope="canvas", enabled_when="hosts_or_groups_selected"),
    ActionRow("paste", QT_TRANSLATE_NOOP("MainWindow", "&Paste"), "edits.paste", (Std.Paste,),
              QT_TRANSLATE_NOOP("MainWindow", "Paste hosts, links and groups"),
              menu="edit", scope="canvas", enabled_when="selection_on_clipboard"),
    ActionRow("duplicate", QT_TRANSLATE_NOOP("MainWindow", "D&uplicate"), "edits.duplicate",
              ("Ctrl+D",), QT_TRANSLATE_NOOP("MainWindow", "Duplicate the selected hosts"),
              menu="edit", scope="canvas", enabled_when="hosts_selected"),
    ActionRow("delete", QT_TRANSLATE_NOOP("MainWindow", "&Delete"), "edits.delete",
              (Std.Delete,),
              QT_TRANSLATE_NOOP("MainWindow", "Delete the selection (links go with hosts)"),
              menu="edit", scope="canvas", enabled_when="anything_selected"),
    ActionRow("select_all", QT_TRANSLATE_NOOP("MainWindow", "Select &All"), "edits.select_all",
              (Std.SelectAll,),
              QT_TRANSLATE_NOOP("MainWindow", "Select every host, link and group"),
              menu="edit", separator=True, scope="canvas"),
    MenuRow("arrange", QT_TRANSLATE_NOOP("MainWindow", "&Arrange"), "edit", separator=True,
            tooltips=True),
    ActionRow("arrange_grid", QT_TRANSLATE_NOOP("MainWindow", "&Grid"), "edits.arrange_grid",
              tip=QT_TRANSLATE_NOOP("MainWindow", "Lay the hosts out in rows and columns, each "
                                                  "group's in its box (one undo step)"),
              menu="arrange"),
    ActionRow("arrange_circle", QT_TRANSLATE_NOOP("MainWindow", "&Circle"),
              "edits.arrange_circle",
              tip=QT_TRANSLATE_NOOP("MainWindow", "Lay the hosts out on a ring, each group's in "
                                                  "its box (one undo step)"),
              menu="arrange"),
    ActionRow("arrange_by_group", QT_TRANSLATE_NOOP("MainWindow", "By &Group"),
              "edits.arrange_by_group",
              tip=QT_TRANSLATE_NOOP("MainWindow", "Group boxes side by side, the hosts in each "
                                                  "in one row per behaviour (one undo step)"),
              menu="arrange"),

    MenuRow("view", QT_TRANSLATE_NOOP("MainWindow", "&View")),
    ActionRow("fit", QT_TRANSLATE_NOOP("MainWindow", "&Fit to View"), "view.fit", ("F",),
              QT_TRANSLATE_NOOP("MainWindow", "Zoom to show the whole scenario"),
              icon="fit", menu="view", toolbar=32, scope="canvas"),
    ActionRow("zoom_in", QT_TRANSLATE_NOOP("MainWindow", "Zoom &In"), "view.zoom_in",
              (Std.ZoomIn,), QT_TRANSLATE_NOOP("MainWindow", "Zoom in"),
              icon="zoom_in", menu="view", toolbar=31),
    ActionRow("zoom_out", QT_TRANSLATE_NOOP("MainWindow", "Zoom &Out"), "view.zoom_out",
              (Std.ZoomOut,), QT_TRANSLATE_NOOP("MainWindow", "Zoom out"),
              icon="zoom_out", menu="view", toolbar=30),
    ActionRow("reset_zoom", QT_TRANSLATE_NOOP("MainWindow", "&Actual Size"), "view.reset_zoom",
              ("Ctrl+0",), QT_TRANSLATE_NOOP("MainWindow", "Zoom to 100 %"), menu="view"),
    MenuRow("panels", QT_TRANSLATE_NOOP("MainWindow", "&Panels"), "view", separator=True),
    *(ActionRow(f"{dock}_toggle", menu="panels", kind="toggle", source=dock,
                tooltip=QT_TRANSLATE_NOOP("MainWindow", "Show or hide the {name} panel"))
      for dock in ("palette_dock", "inspector_dock", "settings_dock", "memory_dock",
                   "spacetime_dock", "event_log_dock", "plots_dock")),
    ActionRow("faults_dock_toggle", menu="panels", kind="toggle", source="faults_dock",
              tooltip=QT_TRANSLATE_NOOP("MainWindow", "Show or hide the {name} panel")),
    ActionRow("problems_dock_toggle", menu="panels", kind="toggle", source="problems_dock",
              tooltip=QT_TRANSLATE_NOOP("MainWindow", "Show or hide the {name} panel")),
    ActionRow("reset_layout", QT_TRANSLATE_NOOP("MainWindow", "&Reset Layout"), "reset_layout",
              tip=QT_TRANSLATE_NOOP("MainWindow", "Put the panels back where they were"),
              menu="panels", separator=True),
    ActionRow("toolbar_toggle", menu="view", kind="toggle", source="toolbar"),
    ActionRow("dark", QT_TRANSLATE_NOOP("MainWindow", "&Dark Theme"), "use_dark_theme",
              tip=QT_TRANSLATE_NOOP("MainWindow", "Switch between the light and dark themes"),
              menu="view", separator=True, checkable=True),

    MenuRow("run", QT_TRANSLATE_NOOP("MainWindow", "&Run")),
    ActionRow("run", QT_TRANSLATE_NOOP("MainWindow", "&Run"), "shown_run.run", ("F5",),
              QT_TRANSLATE_NOOP("MainWindow", "Run the scenario and watch it"),
              icon="run", menu="run", toolbar=40, toolbar_text=True),
    ActionRow("stop", QT_TRANSLATE_NOOP("MainWindow", "&Stop"), "shown_run.stop", ("Shift+F5",),
              QT_TRANSLATE_NOOP("MainWindow", "Stop the run and return to editing"),
              icon="stop", menu="run", toolbar=41, toolbar_text=True,
              enabled_when="running_or_shown"),
    ActionRow("experiment", QT_TRANSLATE_NOOP("MainWindow", "&Experiment\u2026"),
              "experiments.open", ("Ctrl+E",),
              QT_TRANSLATE_NOOP("MainWindow", "Sweep fields of the scenario over many seeds "
                                              "and plot a metric beside the theory"),
              menu="run", separator=True),
    ActionRow("reload_behaviours", menu="run", separator=True, kind="provided",
              source="user_code.reload_action"),
    ActionRow("always_reload",
              QT_TRANSLATE_NOOP("MainWindow", "&Always Reload Changed Behaviour Files"),
              "user_code.set_always_reload",
              tip=QT_TRANSLATE_NOOP("MainWindow", "When a loaded behaviour file changes on "
                                                  "disk, reload it and run again without asking"),
              menu="run", checkable=True),
    ActionRow("play", menu="run", separator=True, kind="provided",
              source="player_bar.play_action"),
    ActionRow("step_back", menu="run", kind="provided", source="player_bar.step_back_action"),
    ActionRow("step_forward", menu="run", kind="provided",
              source="player_bar.step_forward_action"),
    ActionRow("rewind", QT_TRANSLATE_NOOP("MainWindow", "Go to &Start"), "shown_run.go_to_start",
              ("Home",),
              QT_TRANSLATE_NOOP("MainWindow", "Move the time cursor to the start of the run"),
              menu="run", scope="canvas", enabled_when="run_shown"),
    ActionRow("end", QT_TRANSLATE_NOOP("MainWindow", "Go to &End"), "shown_run.go_to_end",
              ("End",),
              QT_TRANSLATE_NOOP("MainWindow", "Move the time cursor to the end of the run"),
              menu="run", scope="canvas", enabled_when="run_shown"),

    MenuRow("help", QT_TRANSLATE_NOOP("MainWindow", "&Help")),
    ActionRow("shortcuts", QT_TRANSLATE_NOOP("MainWindow", "&Keyboard Shortcuts"),
              "help.show_shortcuts", ("Ctrl+/",),
              QT_TRANSLATE_NOOP("MainWindow", "List every keyboard shortcut, by menu"),
              menu="help"),
    ActionRow("getting_started", QT_TRANSLATE_NOOP("MainWindow", "&Getting Started"),
              "help.show_getting_started", (Std.HelpContents,),
              QT_TRANSLATE_NOOP("MainWindow", "Build, run, watch, inject a fault: the first "
                                              "steps"),
              menu="help"),
    ActionRow("glossary", QT_TRANSLATE_NOOP("MainWindow", "G&lossary"), "help.show_glossary",
              tip=QT_TRANSLATE_NOOP("MainWindow", "What the terms of the settings mean (GST, "
                                                  "drift, MTTF ...)"),
              menu="help"),
    ActionRow("about", QT_TRANSLATE_NOOP("MainWindow", "&About DS Sandbox"), "help.show_about",
              tip=QT_TRANSLATE_NOOP("MainWindow", "Version, licence, and the versions of Qt, "
                                                  "PySide6 and Python"),
              menu="help", separator=True),
)


def _tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def resolve(root: Any, path: str) -> Any:
    """The object a dotted ``path`` names from ``root`` (``"files.save"``: ``root.files.save``)."""
    obj = root
    for name in path.split("."):
        obj = getattr(obj, name)
    return obj


def run_icon(kind: str, size: int = 20) -> QIcon:
    """The Run (a green triangle) or Stop (a red square) icon, with a grey disabled variant."""
    colours = {"run": QColor("#2f9e44"), "stop": QColor("#d1242f")}
    def paint(p: QPainter, s: float, colour: QColor) -> None:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        if kind == "run":
            p.drawPolygon(QPolygonF([QPointF(s * 0.28, s * 0.18), QPointF(s * 0.82, s * 0.5),
                                     QPointF(s * 0.28, s * 0.82)]))
        else:
            p.drawRoundedRect(QRectF(s * 0.24, s * 0.24, s * 0.52, s * 0.52), 2, 2)

    return painted_icon(size, paint, ((QIcon.Mode.Normal, colours[kind]),
                                      (QIcon.Mode.Disabled, QColor(150, 150, 150, 140))))


#: The icons drawn by :func:`run_icon` rather than :func:`~sandbox.gui.theme.line_icon`.
RUN_ICONS = ("run", "stop")


class Actions:
    """The actions, menus and main toolbar :func:`build` made from :data:`TABLE`."""

    def __init__(self, rows: tuple[MenuRow | ActionRow, ...]) -> None:
        self.rows = rows
        #: The actions by row id.
        self.actions: dict[str, QAction] = {}
        #: The menus by row id.
        self.menus: dict[str, QMenu] = {}
        self.toolbar: QToolBar | None = None
        self._line_icons: dict[QAction, str] = {}

    def __getitem__(self, row_id: str) -> QAction:
        return self.actions[row_id]

    def refresh(self, **facts: bool) -> None:
        """Enable each action whose ``enabled_when`` is one of ``facts`` by that fact."""
        for row in self.rows:
            if isinstance(row, ActionRow) and row.enabled_when in facts:
                self.actions[row.id].setEnabled(facts[row.enabled_when])

    def refresh_icons(self) -> None:
        """Draw the line icons again (after a theme change)."""
        for action, name in self._line_icons.items():
            action.setIcon(line_icon(name))

    def update_stop(self, running: bool, shown: bool) -> None:
        """Run > Stop says what it does: stop computing, or clear the run shown."""
        stop = self.actions["stop"]
        stop.setText(translate("MainWindow", "&Stop") if running or not shown
                     else translate("MainWindow", "&Clear Run"))
        stop.setToolTip(translate("MainWindow", "Stop computing the run (Shift+F5)") if running
                        else translate("MainWindow", "Clear the run and return to editing "
                                                     "(Shift+F5)"))


def _make_action(window: QMainWindow, row: ActionRow, actions: Actions) -> QAction:
    """The action of ``row``, with its shortcuts, tips, icon, handler and scope."""
    if row.kind in ("provided", "toggle"):
        source = resolve(window, row.source or "")
        action = source if isinstance(source, QAction) else source.toggleViewAction()
        if row.tooltip:
            action.setToolTip(_tr(row.tooltip).format(name=source.windowTitle()))
        return action
    if row.kind in ("undo", "redo"):
        stack = window.document.undo_stack  # type: ignore[attr-defined]
        make = stack.createUndoAction if row.kind == "undo" else stack.createRedoAction
        action = make(window, _tr(row.text))
    else:
        action = QAction(_tr(row.text), window)
    keys = [QKeySequence(key) for key in row.shortcuts]
    if len(keys) == 1:
        action.setShortcut(keys[0])
    elif keys:
        action.setShortcuts(keys)
    if row.tip:
        tip = _tr(row.tip)
        shown = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip} ({shown})" if shown else tip)
        action.setStatusTip(tip)
    elif row.tooltip:
        action.setToolTip(_tr(row.tooltip))
    if row.icon in RUN_ICONS:
        action.setIcon(run_icon(row.icon))
    elif row.icon is not None:
        action.setIcon(line_icon(row.icon))
        actions._line_icons[action] = row.icon
    action.setCheckable(row.checkable)
    if row.handler is not None:
        handler: Callable[..., Any] = resolve(window, row.handler)
        if row.checkable:
            action.triggered.connect(lambda checked, h=handler: h(checked))
        else:
            action.triggered.connect(lambda _checked=False, h=handler: h())
    if row.scope == "canvas":
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        window.view.addAction(action)  # type: ignore[attr-defined]
    else:
        window.addAction(action)
    return action


def _fill_toolbar(window: QMainWindow, bar: QToolBar, actions: Actions) -> None:
    slots = sorted((row.toolbar, row.id) for row in actions.rows
                   if isinstance(row, ActionRow) and row.toolbar is not None)
    group = None
    for slot, row_id in slots:
        if group is not None and slot // 10 != group:
            bar.addSeparator()
        group = slot // 10
        bar.addAction(actions[row_id])
    for row in actions.rows:
        if isinstance(row, ActionRow) and row.toolbar_text:
            button = bar.widgetForAction(actions[row.id])
            if isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)


def build(window: QMainWindow, rows: tuple[MenuRow | ActionRow, ...] = TABLE) -> Actions:
    """Make the actions, the menus of ``window``'s menu bar and its main toolbar from ``rows``.

    The toolbar (object name ``MainToolBar``) is added to the top of the
    window; its show/hide action is the ``toolbar`` source of the table.
    """
    actions = Actions(rows)
    menubar = window.menuBar()
    bar = QToolBar(translate("MainWindow", "Main Toolbar"), window)
    bar.setObjectName("MainToolBar")
    bar.setIconSize(QSize(18, 18))
    bar.setMovable(False)
    actions.toolbar = bar
    window.toolbar = bar  # type: ignore[attr-defined] # a toggle row names it
    for row in rows:
        if isinstance(row, ActionRow):
            actions.actions[row.id] = _make_action(window, row, actions)
    for row in rows:
        parent = actions.menus.get(row.menu) if row.menu is not None else None
        if row.separator and parent is not None:
            parent.addSeparator()
        if isinstance(row, ActionRow):
            if parent is not None:
                parent.addAction(actions[row.id])
            continue
        menu = parent.addMenu(_tr(row.text)) if parent is not None else \
            menubar.addMenu(_tr(row.text))
        actions.menus[row.id] = menu
        if row.tooltips:
            menu.setToolTipsVisible(True)
        if row.fill is not None:
            fill = resolve(window, row.fill)
            if row.fill_on_show:
                menu.aboutToShow.connect(lambda m=menu, f=fill: f(m))
            else:
                fill(menu)
    _fill_toolbar(window, bar, actions)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    return actions
