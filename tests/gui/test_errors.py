"""Tests of the GUI's error handling: an exception in a slot is a dialog, never the end.

pytest-qt replaces ``sys.excepthook`` during each test to fail it on an
exception raised in a slot or a virtual method; the tests of the
application's own hook are marked ``qt_no_exception_capture`` so that the
hook they install is the one that sees the exception.
"""

from __future__ import annotations

import logging
import sys

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from sandbox.gui.app import ExceptionDialogs, exception_box, exception_summary
from sandbox.gui.main_window import MainWindow
from sandbox.scenario.model import Host, Link, Scenario


def scenario() -> Scenario:
    return Scenario(title="Errors", hosts=[Host(id="h1", x=0, y=0), Host(id="h2", x=200, y=0)],
                    links=[Link(a="h1", b="h2")])


def make_window(qtbot, tmp_path, scenario: Scenario) -> tuple[MainWindow, None]:
    """A shown window with its own settings file and autosave folder."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(scenario, settings=settings, autosave_dir=tmp_path / "autosave")
    window._ask_save_changes = lambda: "discard"
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window, None


@pytest.fixture
def shown(qtbot, tmp_path):
    """A window whose unexpected-error dialog is recorded, with the application's hook
    installed (and the previous hook back after the test)."""
    window, answers = make_window(qtbot, tmp_path, scenario())
    window.shown_exceptions = []
    window._show_exception = lambda summary, details: window.shown_exceptions.append(
        (summary, details))
    hook = ExceptionDialogs(window._late("_show_exception"))
    hook.install()
    window.hook = hook
    yield window
    hook.uninstall()


def boom(*_args, **_kwargs):
    raise RuntimeError("boom in a handler")


@pytest.mark.qt_no_exception_capture
def test_an_action_whose_handler_raises_shows_the_dialog_and_keeps_the_document(
        shown, monkeypatch, caplog):
    shown.document.set_host_fields(["h1"], "cores", 4)
    before = shown.document.scenario.model_dump()
    monkeypatch.setattr(shown.scene, "select", boom)
    with caplog.at_level(logging.ERROR, logger="sandbox.gui"):
        shown.select_all_action.trigger()  # Edit > Select All
    assert len(shown.shown_exceptions) == 1
    summary, details = shown.shown_exceptions[0]
    assert "RuntimeError: boom in a handler" in summary
    assert "test_errors.py" in summary and "line" in summary
    assert details.startswith("Traceback") and "boom in a handler" in details
    assert "boom in a handler" in caplog.text  # logged with its traceback
    # the window and its document are as they were
    assert shown.isVisible()
    assert shown.document.scenario.model_dump() == before
    assert shown.document.is_dirty
    assert shown.document.undo_stack.canUndo()
    monkeypatch.undo()
    shown.select_all_action.trigger()
    assert shown.scene.selected_host_ids() == ["h1", "h2"]


@pytest.mark.qt_no_exception_capture
def test_an_error_in_the_event_loop_reaches_the_hook(shown, qtbot):
    QTimer.singleShot(0, lambda: 1 / 0)
    qtbot.waitUntil(lambda: len(shown.shown_exceptions) == 1)
    assert "ZeroDivisionError" in shown.shown_exceptions[0][0]
    assert shown.isVisible()


class _Broken(QWidget):
    def paintEvent(self, event):  # noqa: N802 - Qt override
        raise ValueError("cannot paint")


@pytest.mark.qt_no_exception_capture
def test_a_repeated_error_is_shown_once_and_logged_each_time(shown, qtbot):
    widget = _Broken()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: shown.hook.count >= 1)
    for _ in range(3):  # every paint raises again
        count = shown.hook.count
        widget.update()
        qtbot.waitUntil(lambda n=count: shown.hook.count > n)
    assert shown.hook.count >= 4
    assert [s for s, _d in shown.shown_exceptions if "cannot paint" in s] == \
        [shown.shown_exceptions[0][0]]
    action = QAction(shown)
    action.triggered.connect(boom)
    action.trigger()  # another error: another dialog
    assert len(shown.shown_exceptions) == 2


@pytest.mark.qt_no_exception_capture
def test_an_error_while_the_dialog_is_open_is_only_logged(shown):
    inner = QAction(shown)
    inner.triggered.connect(boom)

    def show_and_fail(summary, details):
        shown.shown_exceptions.append((summary, details))
        inner.trigger()  # an error raised while the dialog is up (its own event loop)

    shown._show_exception = show_and_fail
    outer = QAction(shown)
    outer.triggered.connect(lambda: 1 / 0)
    outer.trigger()
    assert len(shown.shown_exceptions) == 1
    assert shown.hook.count == 2


def test_a_failing_dialog_does_not_escape_the_hook(caplog):
    def broken_show(_summary, _details):
        raise OSError("no display")

    hook = ExceptionDialogs(broken_show)
    try:
        raise KeyError("x")
    except KeyError as exc:
        with caplog.at_level(logging.ERROR, logger="sandbox.gui"):
            hook(type(exc), exc, exc.__traceback__)
    assert "could not be shown" in caplog.text


def test_install_and_uninstall_restore_the_previous_hook():
    previous = sys.excepthook
    hook = ExceptionDialogs(lambda _s, _d: None)
    hook.install()
    try:
        assert sys.excepthook is hook
        hook.install()  # twice: still one
    finally:
        hook.uninstall()
    assert sys.excepthook is previous


def test_keyboard_interrupt_goes_to_the_previous_hook(monkeypatch):
    seen = []
    shown = []
    monkeypatch.setattr(sys, "excepthook", lambda *args: seen.append(args[0]))
    hook = ExceptionDialogs(lambda s, d: shown.append(s))
    hook.install()
    try:
        hook(KeyboardInterrupt, KeyboardInterrupt(), None)
    finally:
        hook.uninstall()
    assert seen == [KeyboardInterrupt] and shown == []


def test_summary_is_one_short_sentence():
    try:
        raise ValueError("cannot convert float NaN to integer\nsecond line " + "x" * 1000)
    except ValueError as exc:
        text = exception_summary(exc, exc.__traceback__)
    assert text.startswith("ValueError: cannot convert float NaN to integer")
    assert "second line" not in text
    assert text.endswith(").") and "test_errors.py, line" in text
    assert exception_summary(MemoryError()) == "MemoryError."


def test_the_dialog_says_what_went_wrong_and_has_the_traceback(qtbot):
    box = exception_box(None, "ValueError: bad (in gui/x.py, line 3).", "Traceback ...\nbad")
    qtbot.addWidget(box)
    assert box.icon() == QMessageBox.Icon.Critical
    assert "ValueError: bad" in box.text()
    assert "kept" in box.informativeText()
    assert box.detailedText() == "Traceback ...\nbad"
    assert box.standardButtons() == QMessageBox.StandardButton.Close


def test_the_window_shows_the_dialog_and_goes_on(qtbot, tmp_path):
    window, _answers = make_window(qtbot, tmp_path, scenario())
    seen: list[QMessageBox] = []

    def close_it() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box)
            box.done(0)
        else:
            QTimer.singleShot(10, close_it)

    QTimer.singleShot(0, close_it)
    window._show_exception("KeyError: 'x' (in gui/a.py, line 1).", "Traceback")
    assert seen and seen[0].objectName() == "exceptionBox"
    assert window.isVisible()
