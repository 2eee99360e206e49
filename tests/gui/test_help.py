"""The Help menu (shortcuts, getting started, glossary, about) and the empty canvas's hint."""

from __future__ import annotations

import platform

import PySide6
import pytest
from PySide6.QtCore import QPoint, QSettings, Qt, QUrl, qVersion
from PySide6.QtGui import QColor, QKeySequence
from PySide6.QtWidgets import QApplication

from sandbox import __version__
from sandbox.gui.actions import ActionRow
from sandbox.gui.help.content import GLOSSARY, field_description
from sandbox.gui.help.windows import about_text, shortcut_rows
from sandbox.gui.main_window import MainWindow
from sandbox.gui.theme import apply_theme
from sandbox.scenario.model import ClockSpec, ComputationModel, FailureSpec, Host, Scenario


@pytest.fixture
def win(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(Scenario(title="Empty"), settings=settings,
                        autosave_dir=tmp_path / "autosave")
    window._ask_save_changes = lambda: "discard"
    window.autoplay = False
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_help_menu_and_its_keys(win):
    menu = win.action_table.menus["help"]
    assert menu.menuAction() is win.menuBar().actions()[-1]
    assert [a.text() for a in menu.actions() if not a.isSeparator()] == [
        "&Keyboard Shortcuts", "&Getting Started", "G&lossary", "&About DS Sandbox"]
    assert win.shortcuts_action.shortcut() == QKeySequence("Ctrl+/")
    assert win.getting_started_action.shortcut() == QKeySequence(
        QKeySequence.StandardKey.HelpContents)


def test_the_shortcuts_window_lists_every_shortcut_of_the_table_by_menu(win, qtbot):
    win.shortcuts_action.trigger()
    dialog = win.help.shown("shortcuts")
    assert dialog.isVisible()
    rows = dialog.visible_rows()
    table = win.action_table
    expected = 0
    for row in table.rows:
        if not isinstance(row, ActionRow):
            continue
        action = table.actions[row.id]
        for key in action.shortcuts():
            text = key.toString(QKeySequence.SequenceFormat.NativeText)
            name = action.text().replace("&", "").rstrip("\u2026")
            assert any(r[0] == name and (text in r[1] or text in ",.") for r in rows), name
        expected += bool(action.shortcuts())
    assert len(shortcut_rows(table)) == expected >= 25
    menus = [dialog.tree.topLevelItem(i).text(0) for i in range(dialog.tree.topLevelItemCount())]
    assert menus[:5] == ["File", "Edit", "View", "Run", "Help"]
    undo = [r for r in rows if r[0] == "Undo"][0]
    assert undo[1] == "Ctrl+Z"
    assert "on the canvas" in [r for r in rows if r[0] == "Delete"][0][2]
    assert [r for r in rows if r[0] == "Previous event"][0][1].startswith("Comma")


def test_a_new_shortcut_shows_up_without_anything_else_to_change(win):
    before = len(shortcut_rows(win.action_table))
    win.glossary_action.setShortcut(QKeySequence("Ctrl+Shift+G"))
    assert len(shortcut_rows(win.action_table)) == before + 1
    dialog = win.help.show_shortcuts()
    assert ["Glossary", "Ctrl+Shift+G"] == dialog.visible_rows()[-len(
        [r for r in dialog.visible_rows() if r[1] == ""]) - 1][:2] or any(
        r[:2] == ["Glossary", "Ctrl+Shift+G"] for r in dialog.visible_rows())


def test_the_shortcuts_search_filters_and_says_when_nothing_matches(win, qtbot):
    dialog = win.help.show_shortcuts()
    qtbot.keyClicks(dialog.search, "zoom")
    rows = dialog.visible_rows()
    assert {r[0] for r in rows} >= {"Zoom In", "Zoom Out"} and len(rows) <= 6
    assert all("zoom" in " ".join(r).lower() for r in rows)
    assert not dialog.empty.isVisible()
    dialog.search.setText("run")  # a menu's name keeps all of its entries
    assert {"Go to Start", "Play"} <= {r[0] for r in dialog.visible_rows()}
    dialog.search.setText("no such thing")
    assert dialog.visible_rows() == [] and dialog.empty.isVisible()
    assert "no such thing" in dialog.empty.text()
    dialog.search.clear()
    assert len(dialog.visible_rows()) == len(shortcut_rows(win.action_table)) + 8


def test_the_glossary_takes_the_models_descriptions_and_searches(win, qtbot):
    win.glossary_action.trigger()
    dialog = win.help.shown("glossary")
    text = dialog.browser.toPlainText()
    for model, name in ((ClockSpec, "drift_ppm"), (FailureSpec, "mttf"), (FailureSpec, "mttr"),
                        (ComputationModel, "gst"), (ComputationModel, "async_tail")):
        assert field_description(model, name) in text  # one source: the model's own words
    terms = [t.term for t in GLOSSARY]
    for needed in ("GST", "Delivery bound", "Step bound", "Asynchronous tail", "Drift", "Offset",
                   "Resolution", "Jitter", "MTTF", "MTTR", "Crash probability", "Omission",
                   "Timing failure", "Byzantine", "Partition", "Coherence", "NUMA", "DSM",
                   "Page size", "Seed"):
        assert needed in terms
    assert dialog.shown == sorted(dialog.shown, key=str.lower)
    qtbot.keyClicks(dialog.search, "repair")
    assert dialog.shown == ["MTTR"]
    dialog.search.setText("zzz")
    assert dialog.shown == [] and "Nothing matches" in dialog.browser.toPlainText()


def test_getting_started_links_do_the_step(win, qtbot):
    win.document.add_host(Host(id="h1"))
    win.getting_started_action.trigger()
    page = win.help.shown("start")
    text = page.browser.toPlainText()
    for heading in ("Build", "Run", "Watch", "Inject a fault"):
        assert heading in text
    assert not win.help.do_step("play")  # nothing to play yet: the link does nothing
    with qtbot.waitSignal(win.shown_run.shown, timeout=20000):
        page.browser.anchorClicked.emit(QUrl("do:run"))
    assert win.timeline is not None
    assert win.help.do_step("play")
    assert win.player.is_playing
    win.player.pause()


@pytest.mark.qt_log_ignore("grabbing the keyboard", "support raise")
def test_getting_started_presets_link_opens_the_presets_menu(win, qtbot):
    page = win.help.show_getting_started()
    menu = win.action_table.menus["presets"]
    with qtbot.waitSignal(menu.aboutToShow, timeout=2000):
        page.browser.anchorClicked.emit(QUrl("do:presets"))
    menu.hide()


def test_about_names_the_version_licence_and_libraries():
    text = about_text()
    for part in (__version__, "MIT", qVersion(), PySide6.__version__,
                 platform.python_version()):
        assert part in text


# -- the empty canvas ---------------------------------------------------------------------------------


def _centre_colours(win) -> set[int]:
    image = win.view.viewport().grab().toImage()
    cx, cy = image.width() // 2, image.height() // 2
    return {image.pixel(x, y) for x in range(cx - 150, cx + 150, 3)
            for y in range(cy - 30, cy + 30, 2)}


def test_an_empty_canvas_says_how_to_start_until_there_is_a_host(win, qtbot):
    assert win.view.is_empty()
    heading, line, link = win.view.hint_text()
    assert "palette" in line and link == "File \u203a Presets"
    presets = win.action_table.menus["presets"].title().replace("&", "")
    assert presets in link and "File" in link  # the menu's real names
    with_hint = _centre_colours(win)
    win.document.add_host(Host(id="h1", x=4000, y=4000))  # far off: only the hint could change
    assert not win.view.is_empty()
    qtbot.waitUntil(lambda: len(_centre_colours(win)) < len(with_hint) / 2)
    win.document.undo_stack.undo()
    qtbot.waitUntil(lambda: len(_centre_colours(win)) > 10)


@pytest.mark.qt_log_ignore("grabbing the keyboard", "support raise")
def test_clicking_the_hints_link_asks_for_the_presets(win, qtbot):
    rect = win.view._hint_layout()[2]
    with qtbot.waitSignal(win.view.presets_requested, timeout=2000):
        qtbot.mouseClick(win.view.viewport(), Qt.MouseButton.LeftButton,
                         pos=rect.center().toPoint())
    win.action_table.menus["presets"].hide()
    with qtbot.assertNotEmitted(win.view.presets_requested):
        qtbot.mouseClick(win.view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(5, 5))


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_hint_is_drawn_in_the_themes_text_colour(win, qtbot, theme):
    try:
        win.set_theme(theme)
        text = QApplication.palette().color(QApplication.palette().ColorRole.Text)

        def near_text() -> bool:
            for pixel in _centre_colours(win):
                c = QColor(pixel)
                if (abs(c.red() - text.red()) + abs(c.green() - text.green())
                        + abs(c.blue() - text.blue())) < 60:
                    return True
            return False

        qtbot.waitUntil(near_text)
    finally:
        apply_theme(QApplication.instance(), "light")
        win.set_theme("light")
