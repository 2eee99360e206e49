"""The main window's action table: every row is in its menu with its shortcuts, shortcuts are
unique, handlers exist, the toolbar follows the slots and texts are extractable for translation."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from sandbox.gui import actions
from sandbox.gui.actions import TABLE, ActionRow, MenuRow, resolve
from sandbox.gui.main_window import MainWindow
from sandbox.scenario.model import Host, Scenario

ROWS = [row for row in TABLE if isinstance(row, ActionRow)]
MENUS = [row for row in TABLE if isinstance(row, MenuRow)]


@pytest.fixture
def win(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(Scenario(title="T", hosts=[Host(id="a"), Host(id="b")]), None,
                        settings=settings, autosave_dir=tmp_path / "autosave")
    window.autosave_timer.stop()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def menu_entries(menu: QMenu) -> list[QAction]:
    """The actions of ``menu`` and of its submenus, depth first."""
    found = []
    for action in menu.actions():
        found.append(action)
        if action.menu() is not None:
            found.extend(menu_entries(action.menu()))
    return found


def menu_by_title(win: MainWindow, text: str) -> QMenu:
    for action in win.menuBar().actions():
        menu = action.menu()
        if menu.title() == text:
            return menu
        for sub in menu_entries(menu):
            if sub.menu() is not None and sub.menu().title() == text:
                return sub.menu()
    raise AssertionError(f"no menu {text!r}")


def test_ids_are_unique_and_menus_exist():
    for rows in (ROWS, MENUS):  # actions and menus are named apart (a Run menu, a Run action)
        ids = [row.id for row in rows]
        assert len(ids) == len(set(ids))
    menu_ids = {row.id for row in MENUS}
    for row in TABLE:
        assert row.menu is None or row.menu in menu_ids, row.id


def test_every_action_is_in_its_menu_with_its_shortcuts(win):
    for row in ROWS:
        action = win.action_table[row.id]
        assert getattr(win, f"{row.id}_action") is action
        if row.menu is not None:
            menu = win.action_table.menus[row.menu]
            assert action in menu.actions(), row.id
            assert menu.title() == next(m.text for m in MENUS if m.id == row.menu)
        if row.kind in ("new", "undo", "redo"):
            assert action.text() == row.text or action.text().startswith(row.text), row.id
            keys = [QKeySequence(key) for key in row.shortcuts]  # a standard key may be unbound
            assert action.shortcuts() == [k for k in keys if not k.isEmpty()], row.id
            assert action.isCheckable() == row.checkable
        if row.tip:
            assert action.statusTip() == row.tip
            if row.id != "stop":  # Stop's tooltip says what it does now (stop or clear)
                assert action.toolTip().startswith(row.tip)


def test_menus_keep_their_entries_and_order(win):
    def texts(title):
        return [a.text() if not a.isSeparator() else "-" for a in
                menu_by_title(win, title).actions()]

    assert texts("&File") == [
        "&New", "&Open\u2026", "Open &Trace\u2026", "Open &Recent", "&Presets", "-", "&Save",
        "Save &As\u2026", "-", "Load &Behaviour\u2026", "New Be&haviour File\u2026", "-",
        "Export Canvas as &PNG\u2026", "Export Canvas as S&VG\u2026", "-",
        "Export &Trace\u2026", "Export P&lot\u2026", "Export Space-Time &Diagram\u2026", "-",
        "&Quit"]
    assert texts("&Edit") == ["&Undo", "&Redo", "-", "Cu&t", "&Copy", "&Paste", "D&uplicate",
                              "&Delete", "-", "Select &All", "-", "&Arrange"]
    assert texts("&View") == ["&Fit to View", "Zoom &In", "Zoom &Out", "&Actual Size", "-",
                              "&Panels", "Main Toolbar", "-", "&Dark Theme"]
    assert texts("&Panels") == ["Palette", "Inspector", "Scenario", "Memory map",
                                "Space-time diagram", "Event log", "Plots", "Faults", "Problems", "-",
                                "&Reset Layout"]
    assert texts("&Run") == ["&Run", "&Stop", "-", "&Experiment\u2026", "-", "Re&load Behaviour Files and Run Again",
                             "&Always Reload Changed Behaviour Files", "-", "Play", "Previous event", "Next event",
                             "Go to &Start", "Go to &End"]


def test_no_two_actions_share_a_shortcut(win):
    seen: dict[str, str] = {}
    everything = [a for m in win.menuBar().actions() for a in menu_entries(m.menu())]
    everything += win.toolbar.actions()
    for action in dict.fromkeys(everything):
        for key in action.shortcuts():
            text = key.toString()
            assert text not in seen or seen[text] == action.text(), \
                f"{text} is both {seen.get(text)!r} and {action.text()!r}"
            seen[text] = action.text()
    assert {"Ctrl+N", "Ctrl+O", "Ctrl+S", "F5", "Shift+F5", "Space", "Home", "End"} <= set(seen)


def test_every_handler_source_and_filler_exists(win):
    for row in ROWS:
        if row.handler is not None:
            assert callable(resolve(win, row.handler)), row.id
        if row.source is not None:
            assert resolve(win, row.source) is not None, row.id
        assert (row.handler is None) == (row.kind != "new"), row.id
    for row in MENUS:
        if row.fill is not None:
            assert callable(resolve(win, row.fill)), row.id


def test_toolbar_follows_the_slots(win):
    bar = win.toolbar
    shown = ["-" if a.isSeparator() else a for a in bar.actions()]
    slots = sorted((row.toolbar, row.id) for row in ROWS if row.toolbar is not None)
    expected: list = []
    for i, (slot, row_id) in enumerate(slots):
        if i and slot // 10 != slots[i - 1][0] // 10:
            expected.append("-")
        expected.append(win.action_table[row_id])
    assert shown == expected
    assert [a.text() for a in bar.actions() if not a.isSeparator()] == [
        "&New", "&Open\u2026", "&Save", "&Undo", "&Redo", "Zoom &Out", "Zoom &In",
        "&Fit to View", "&Run", "&Stop"]


def test_canvas_scoped_actions_live_on_the_canvas(win):
    for row in ROWS:
        action = win.action_table[row.id]
        if row.scope == "canvas":
            assert action in win.view.actions() and action not in win.actions(), row.id
        elif row.kind == "new":
            assert action in win.actions(), row.id


def test_enabled_rules_follow_the_facts(win):
    rows = [row for row in ROWS if row.enabled_when == "run_shown"]
    assert {row.id for row in rows} >= {"export_trace", "rewind", "end"}
    assert not any(win.action_table[row.id].isEnabled() for row in rows)
    win.scene.select(host_ids=["a"])
    assert win.copy_action.isEnabled() and win.duplicate_action.isEnabled()
    win.scene.select()
    assert not win.copy_action.isEnabled() and not win.delete_action.isEnabled()
    win.action_table.refresh(run_shown=True)
    assert all(win.action_table[row.id].isEnabled() for row in rows)


def test_triggering_an_action_calls_its_handler(win):
    win.select_all_action.trigger()
    assert win.scene.selected_host_ids() == ["a", "b"]
    win.delete_action.trigger()
    assert win.document.scenario.hosts == []
    win.undo_action.trigger()
    assert len(win.document.scenario.hosts) == 2


def test_table_texts_are_extractable_for_translation(tmp_path):
    lupdate = shutil.which("pyside6-lupdate") or str(Path(sys.executable).with_name(
        "pyside6-lupdate"))
    if not Path(lupdate).exists() and shutil.which(lupdate) is None:
        pytest.skip("pyside6-lupdate is not installed")
    ts = tmp_path / "actions.ts"
    subprocess.run([lupdate, actions.__file__, "-ts", str(ts)], check=True,
                   capture_output=True, timeout=120)
    found = {(ctx.findtext("name"), msg.findtext("source"))
             for ctx in ET.parse(ts).getroot().iter("context") for msg in ctx.iter("message")}
    texts = [t for row in TABLE for t in (row.text, getattr(row, "tip", ""),
                                          getattr(row, "tooltip", "")) if t]
    assert texts
    missing = [t for t in texts if ("MainWindow", t) not in found]
    assert missing == []
