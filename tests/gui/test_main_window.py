"""Tests of the main window: files, dirty guard, autosave and recovery, menus, export, settings."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication, QImage, QKeySequence
from PySide6.QtWidgets import QApplication

from sandbox.gui import app as gui_app
from sandbox.gui.edit_controller import SELECTION_MIME
from sandbox.gui.file_controller import (
    AUTOSAVE_INTERVAL_MS,
    CANCEL,
    DISCARD,
    SAVE,
    ProblemsDialog,
)
from sandbox.gui.main_window import MainWindow
from sandbox.gui.theme import apply_theme, is_dark
from sandbox.presets import default_preset, list_presets
from sandbox.scenario import io
from sandbox.scenario.io import ScenarioError
from sandbox.scenario.model import Host, Link, Scenario


def small_scenario() -> Scenario:
    hosts = [Host(id="h1", x=0, y=0), Host(id="h2", x=300, y=0), Host(id="h3", x=0, y=200)]
    links = [Link(a="h1", b="h2"), Link(a="h2", b="h3")]
    return Scenario(title="Small", hosts=hosts, links=links)


class Answers:
    """What the patched dialogs answer, and what they were asked."""

    def __init__(self) -> None:
        self.save_changes = DISCARD
        self.recover = True
        self.asked: list[str] = []
        self.problems: list[ScenarioError] = []
        self.errors: list[tuple[str, str]] = []
        self.save_path: str | None = None


def make_window(qtbot, tmp_path, scenario=None, path=None) -> tuple[MainWindow, Answers]:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(scenario if scenario is not None else small_scenario(), path,
                        settings=settings, autosave_dir=tmp_path / "autosave")
    answers = Answers()

    def ask_save_changes():
        answers.asked.append("save_changes")
        return answers.save_changes

    def ask_recover(_path):
        answers.asked.append("recover")
        return answers.recover

    window._ask_save_changes = ask_save_changes
    window._ask_recover = ask_recover
    window._show_problems = answers.problems.append
    window._show_error = lambda title, message: answers.errors.append((title, message))
    window._ask_save_path = lambda *args, **kwargs: answers.save_path
    window._ask_open_path = lambda: None
    qtbot.addWidget(window)
    window.resize(1100, 700)
    window.show()
    qtbot.waitExposed(window)
    return window, answers


@pytest.fixture
def win(qtbot, tmp_path):
    window, answers = make_window(qtbot, tmp_path)
    window.answers = answers
    return window


def edit(window: MainWindow) -> None:
    window.document.set_host_fields(["h1"], "cores", 4)


def test_title_shows_name_and_unsaved_mark(win, tmp_path):
    assert "Small" in win.windowTitle()
    assert not win.isWindowModified()
    edit(win)
    assert win.isWindowModified()
    assert win.save_as(tmp_path / "mine.json")
    assert "mine.json" in win.windowTitle()
    assert not win.isWindowModified()


def test_status_bar_counts(win):
    assert win.counts_label.text() == "3 hosts \u00b7 2 links \u00b7 0 groups"
    win.document.remove(host_ids=["h3"])
    assert win.counts_label.text() == "2 hosts \u00b7 1 link \u00b7 0 groups"


def test_save_open_round_trip_gives_an_equal_scenario(win, qtbot, tmp_path):
    edit(win)
    win.document.set_setting("run.seed", 42)
    target = tmp_path / "round.json"
    assert win.save_as(target)
    assert target.is_file()
    saved = win.document.scenario.model_dump()
    other, _answers = make_window(qtbot, tmp_path, Scenario())
    assert other.open_file(target)
    assert other.document.scenario.model_dump() == saved
    assert other.document.path == target
    assert not other.document.is_dirty
    assert str(target.resolve()) == other.recent_files()[0]


def test_save_without_path_asks_for_one(win, tmp_path):
    win.document.set_scenario(small_scenario(), None)
    win.answers.save_path = None
    assert not win.save()  # cancelled
    win.answers.save_path = str(tmp_path / "asked.json")
    assert win.save()
    assert io.load(tmp_path / "asked.json") == win.document.scenario


def test_invalid_file_shows_problems_and_leaves_document_unchanged(win, tmp_path):
    edit(win)
    before = win.document.scenario.model_dump()
    undo_count = win.document.undo_stack.count()
    bad = tmp_path / "bad.json"
    data = json.loads(io.dumps(small_scenario()))
    data["hosts"][0]["cores"] = 0
    data["links"][1]["b"] = "nowhere"
    bad.write_text(json.dumps(data), encoding="utf-8")
    assert not win.open_file(bad)
    assert len(win.answers.problems) == 1
    paths = [p for p, _m in win.answers.problems[0].problems]
    assert "hosts[0].cores" in paths
    assert win.document.scenario.model_dump() == before
    assert win.document.undo_stack.count() == undo_count
    assert win.document.path is None
    assert win.answers.asked == []  # nothing to ask: the file was refused first


def test_damaged_file_and_problems_dialog(win, qtbot, tmp_path):
    damaged = tmp_path / "damaged.json"
    damaged.write_text('{"hosts": [', encoding="utf-8")
    assert not win.open_file(damaged)
    error = win.answers.problems[0]
    assert "not valid JSON" in error.problems[0][1]
    dialog = ProblemsDialog(ScenarioError([("hosts[0].cores", "too small"), ("", "bad")],
                                          str(damaged)), win)
    qtbot.addWidget(dialog)
    assert dialog.problems() == [("hosts[0].cores", "too small"), ("(file)", "bad")]


def test_dirty_guard_on_close(win):
    edit(win)
    win.answers.save_changes = CANCEL
    assert not win.close()
    assert win.isVisible()
    assert win.answers.asked == ["save_changes"]
    win.answers.save_changes = DISCARD
    assert win.close()
    assert not win.isVisible()


def test_dirty_guard_save_choice_saves(win, tmp_path):
    target = tmp_path / "kept.json"
    win.save_as(target)
    edit(win)
    win.answers.save_changes = SAVE
    assert win.close()
    assert io.load(target).host("h1").cores == 4


def test_dirty_guard_on_new_and_open(win, tmp_path):
    edit(win)
    before = win.document.scenario.model_dump()
    win.answers.save_changes = CANCEL
    assert not win.new_file()
    other = tmp_path / "other.json"
    io.save(Scenario(title="Other"), other)
    assert not win.open_file(other)
    assert win.document.scenario.model_dump() == before
    win.answers.save_changes = DISCARD
    assert win.open_file(other)
    assert win.document.scenario.title == "Other"
    assert win.new_file()
    assert win.document.scenario.hosts == []


def test_no_question_when_clean(win):
    assert win.close()
    assert win.answers.asked == []


def test_autosave_written_when_dirty_and_recovered(qtbot, tmp_path):
    target = tmp_path / "work.json"
    io.save(small_scenario(), target)
    window, answers = make_window(qtbot, tmp_path, io.load(target), target)
    assert window.autosave_timer.isActive()
    assert window.autosave_timer.interval() == AUTOSAVE_INTERVAL_MS
    assert window.autosave() is None  # nothing unsaved
    edit(window)
    window.autosave_timer.setInterval(20)
    qtbot.waitUntil(lambda: window.autosave_path().is_file(), timeout=5000)
    autosave = window.autosave_path()
    assert io.load(autosave).host("h1").cores == 4
    # The program "crashes": the window goes away without closing; a new one starts.
    window.autosave_timer.stop()
    window.close = lambda: True
    again, answers2 = make_window(qtbot, tmp_path, io.load(target), target)
    assert again.offer_recovery()
    assert answers2.asked == ["recover"]
    assert again.document.scenario.host("h1").cores == 4
    assert again.document.is_dirty
    assert again.isWindowModified()
    # A clean save removes the autosave.
    assert again.save()
    assert not autosave.exists()
    assert io.load(target).host("h1").cores == 4


def test_recovery_declined_removes_autosave(qtbot, tmp_path):
    window, answers = make_window(qtbot, tmp_path)
    edit(window)
    autosave = window.autosave()
    assert autosave is not None and autosave.name == "untitled.json"
    window.document.undo_stack.setClean()
    again, answers2 = make_window(qtbot, tmp_path)
    answers2.recover = False
    assert not again.offer_recovery()
    assert not autosave.exists()


def test_autosave_older_than_file_is_not_offered(qtbot, tmp_path):
    target = tmp_path / "work.json"
    io.save(small_scenario(), target)
    window, answers = make_window(qtbot, tmp_path, io.load(target), target)
    edit(window)
    autosave = window.autosave()
    window.document.undo_stack.setClean()
    io.save(small_scenario(), target)  # the file is saved after the autosave
    import os

    stat = autosave.stat()
    os.utime(autosave, (stat.st_atime - 100, stat.st_mtime - 100))
    again, answers2 = make_window(qtbot, tmp_path, io.load(target), target)
    assert not again.offer_recovery()
    assert answers2.asked == []


def test_clean_close_removes_autosave(win):
    edit(win)
    autosave = win.autosave()
    assert autosave.is_file()
    assert win.close()  # Discard
    assert not autosave.exists()


def test_presets_menu_lists_presets_with_titles(win):
    titles = [a.text() for a in win.presets_menu.actions()]
    assert titles == [title for _path, title in list_presets()]
    action = win.presets_menu.actions()[0]
    action.trigger()
    assert win.document.path is None  # a preset opens untitled: Save asks for a file
    assert win.document.scenario == io.load(list_presets()[0][0])


def test_recent_files_menu(win, tmp_path):
    for name in ("a.json", "b.json"):
        io.save(Scenario(title=name), tmp_path / name)
        assert win.open_file(tmp_path / name)
    win.recent_menu.aboutToShow.emit()  # the menu fills itself before it shows
    names = [a.data() for a in win.recent_menu.actions() if a.data()]
    assert names[:2] == [str((tmp_path / "b.json").resolve()),
                         str((tmp_path / "a.json").resolve())]
    win.recent_menu.actions()[1].trigger()
    assert win.document.scenario.title == "a.json"


def test_export_png_and_svg_write_non_empty_files(win, tmp_path):
    png, svg = tmp_path / "canvas.png", tmp_path / "canvas.svg"
    assert win.export_png(png)
    assert win.export_svg(svg)
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 100 and image.height() > 100
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text and len(text) > 500


def test_copy_paste_through_the_clipboard(win):
    win.scene.select(host_ids=["h1", "h2"])
    assert win.copy()
    mime = QGuiApplication.clipboard().mimeData()
    assert mime.hasFormat(SELECTION_MIME)
    data = json.loads(bytes(mime.data(SELECTION_MIME).data()).decode("utf-8"))
    assert [h["id"] for h in data["hosts"]] == ["h1", "h2"]
    new = win.paste()
    assert len(new) == 2
    assert len(win.document.scenario.hosts) == 5
    assert len(win.document.scenario.links) == 3  # the link between the copies came too
    win.document.undo_stack.undo()
    assert len(win.document.scenario.hosts) == 3


def test_cut_duplicate_delete_select_all(win):
    win.scene.select(host_ids=["h3"])
    win.duplicate()
    assert len(win.document.scenario.hosts) == 4
    win.select_all()
    assert len(win.scene.selected_host_ids()) == 4
    win.scene.select(host_ids=["h1"])
    win.cut()
    assert "h1" not in win.document.scenario.host_ids()
    assert win.paste()
    win.scene.select(link_indices=[0])
    win.delete()
    assert win.document.undo_stack.count() == 4


def test_inspector_follows_the_canvas_selection(win):
    win.scene.select(host_ids=["h2"])
    assert win.inspector.kind == "host"
    assert win.inspector.selection()[0] == ["h2"]
    win.scene.select(link_indices=[1])
    assert win.inspector.kind == "link"
    win.scene.select()
    assert win.inspector.kind is None


def test_standard_shortcuts(win):
    def keys(action):
        return [s.toString() for s in action.shortcuts()]

    assert "Ctrl+N" in keys(win.new_action)
    assert "Ctrl+O" in keys(win.open_action)
    assert "Ctrl+S" in keys(win.save_action)
    assert "Ctrl+Shift+S" in keys(win.save_as_action)
    assert "Ctrl+Z" in keys(win.undo_action)
    assert "Ctrl+Shift+Z" in keys(win.redo_action)
    assert "Ctrl+C" in keys(win.copy_action)
    assert "Ctrl+V" in keys(win.paste_action)
    assert "Ctrl+D" in keys(win.duplicate_action)
    assert QKeySequence("F") in win.fit_action.shortcuts()
    assert "Del" in keys(win.delete_action)
    for action in (win.new_action, win.open_action, win.save_action, win.fit_action):
        assert action.toolTip()


def test_geometry_and_layout_are_remembered(qtbot, tmp_path):
    window, _answers = make_window(qtbot, tmp_path)
    window.resize(900, 640)
    window.memory_dock.hide()
    assert window.close()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    assert settings.contains("window/geometry") and settings.contains("window/state")
    again, _answers = make_window(qtbot, tmp_path)
    assert again.memory_dock.isHidden()
    again.reset_layout()
    assert not again.memory_dock.isHidden()


def test_theme_toggle(win):
    try:
        win.dark_action.trigger()
        assert is_dark(QApplication.palette())
        assert win.settings.value("view/theme") == "dark"
        win.dark_action.trigger()
        assert not is_dark(QApplication.palette())
    finally:
        apply_theme(QApplication.instance(), "light")


def test_screenshot_writes_a_png(tmp_path, capsys):
    out = tmp_path / "shot.png"
    assert gui_app.screenshot(str(default_preset()), str(out), size=(800, 500)) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (800, 500)
    bad = tmp_path / "bad.json"
    bad.write_text('{"hosts": 3}', encoding="utf-8")
    assert gui_app.screenshot(str(bad), str(tmp_path / "no.png")) == 2
    assert "error:" in capsys.readouterr().err
    assert not (tmp_path / "no.png").exists()


def test_main_starts_on_the_default_preset_after_a_bad_file(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QStandardPaths, QTimer

    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "config"))
    QStandardPaths.setTestModeEnabled(True)
    shown: list[ScenarioError] = []
    monkeypatch.setattr(MainWindow, "_show_problems", lambda self, error: shown.append(error))
    bad = tmp_path / "bad.json"
    bad.write_text('{"hosts": [{"id": "a", "cores": 0}]}', encoding="utf-8")
    seen: list[MainWindow] = []

    def close_when_shown() -> None:
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()]
        if windows and shown:
            seen.extend(windows)
            for window in windows:
                window.close()
            QApplication.exit(0)
        else:
            QTimer.singleShot(20, close_when_shown)

    QTimer.singleShot(20, close_when_shown)
    try:
        assert gui_app.main(str(bad)) == 0
    finally:
        QStandardPaths.setTestModeEnabled(False)
    assert [p for p, _m in shown[0].problems] == ["hosts[0].cores"]
    assert seen[0].document.scenario == io.load(default_preset())
    assert seen[0].document.path is None


# -- every failure of a file is a message naming it; the document is kept ----------------------


def _kept(window: MainWindow, before: dict, path=None) -> None:
    assert window.document.scenario.model_dump() == before
    assert window.document.path == path
    assert window.isVisible()


def said(window: MainWindow) -> list[str]:
    """Every error message and problem line the window showed, in one list."""
    return [m for _t, m in window.answers.errors] + \
        [line for e in window.answers.problems for line in e.lines()]


def test_open_failures_name_the_file_and_keep_the_document(win, tmp_path, monkeypatch):
    from sandbox.scenario.files import FileRefused

    edit(win)
    before = win.document.scenario.model_dump()
    folder = tmp_path / "folder.json"
    folder.mkdir()
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000, encoding="utf-8")  # nested too deeply for the parser
    assert not win.open_file(folder)
    assert not win.open_file(deep)
    real_load = io.load
    refused = tmp_path / "refused.json"
    monkeypatch.setattr(io, "load", lambda p: (_ for _ in ()).throw(
        FileRefused(p, "is a pipe (FIFO); only regular files are read")))
    assert not win.open_file(refused)
    denied = tmp_path / "denied.json"
    monkeypatch.setattr(io, "load", lambda p: (_ for _ in ()).throw(
        PermissionError(13, "Permission denied", str(p))))
    assert not win.open_file(denied)
    bug = tmp_path / "bug.json"
    monkeypatch.setattr(io, "load", lambda p: (_ for _ in ()).throw(
        ValueError("cannot convert float NaN to integer")))
    assert not win.open_file(bug)
    monkeypatch.setattr(io, "load", real_load)
    assert {title for title, _m in win.answers.errors} == {"Cannot open scenario"}
    messages = said(win)
    assert len(messages) == 5
    assert any(str(folder) in m and ("folder" in m or "directory" in m) for m in messages)
    assert any(str(deep) in m and "nested" in m for m in messages)
    assert f"{bug} could not be opened: ValueError: cannot convert float NaN to " \
           "integer" in messages
    assert f"{refused} could not be opened: it is a pipe (FIFO); only regular files are " \
           "read" in messages
    assert f"{denied} could not be opened: permission denied" in messages
    _kept(win, before)
    assert win.document.is_dirty
    assert win.answers.asked == []  # nothing replaced, so nothing to ask


def test_a_file_that_is_not_a_scenario_lists_its_problems(win, tmp_path):
    before = win.document.scenario.model_dump()
    picture = tmp_path / "picture.json"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    listing = tmp_path / "list.json"
    listing.write_text("[1, 2, 3]", encoding="utf-8")
    assert not win.open_file(picture)
    assert not win.open_file(listing)
    assert [e.source for e in win.answers.problems] == [str(picture), str(listing)]
    _kept(win, before)


def test_open_action_with_a_bad_file_shows_a_dialog(win, tmp_path):
    bad = tmp_path / "deep.json"
    bad.write_text('{"hosts": ' + "[" * 200_000, encoding="utf-8")
    win._ask_open_path = lambda: str(bad)
    before = win.document.scenario.model_dump()
    win.open_action.trigger()  # File > Open...
    assert len(said(win)) == 1 and str(bad) in said(win)[0]
    _kept(win, before)


def test_save_failures_name_the_file_and_keep_the_work(win, tmp_path, monkeypatch):
    edit(win)
    folder = tmp_path / "folder.json"
    folder.mkdir()
    assert not win.save_as(folder)
    win.document.set_setting("title", "bad \ud800 title")
    before = win.document.scenario.model_dump()
    target = tmp_path / "surrogate.json"
    assert not win.save_as(target)
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name != "settings.ini"] == ["folder.json"] \
        or not any(p.suffix == ".tmp" for p in tmp_path.iterdir())
    monkeypatch.setattr(io, "save", lambda *_a: (_ for _ in ()).throw(
        PermissionError(13, "Permission denied", str(target))))
    win.answers.save_path = str(target)
    win.save_action.trigger()  # File > Save asks for a file: it has none
    assert [t for t, _m in win.answers.errors] == ["Cannot save"] * 3
    first, second, third = (m for _t, m in win.answers.errors)
    assert str(folder) in first and "folder" in first
    assert str(target) in second and "not valid Unicode" in second
    assert str(target) in third and "permission denied" in third
    _kept(win, before)
    assert win.document.is_dirty and win.isWindowModified()


def test_save_refuses_a_fifo_target(win, tmp_path):
    import os
    import stat

    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    edit(win)
    assert not win.save_as(fifo)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still the pipe
    assert str(fifo) in win.answers.errors[0][1]
    assert win.document.is_dirty


def test_autosave_failure_is_said_once_in_the_status_bar(win, tmp_path, monkeypatch):
    said: list[str] = []
    monkeypatch.setattr(win, "show_message", lambda text, timeout=8000: said.append(text))
    win.files.autosave_dir = tmp_path / "blocked" / "autosave"
    (tmp_path / "blocked").write_text("a file where the folder should be", encoding="utf-8")
    edit(win)
    for _ in range(3):
        assert win.autosave() is None
    assert len([s for s in said if "Autosave" in s]) == 1
    assert str(win.autosave_path()) in said[0]
    assert win.answers.errors == []  # no dialog
    (tmp_path / "blocked").unlink()
    assert win.autosave() is not None  # it works again
    win.document.set_setting("title", "bad \ud800 title")
    for _ in range(3):
        assert win.autosave() is None
    autosave_said = [s for s in said if "Autosave" in s]
    assert len(autosave_said) == 2 and "not valid Unicode" in autosave_said[1]
    assert win.document.scenario.title == "bad \ud800 title"


def test_open_trace_failures_name_the_file_and_keep_the_document(win, tmp_path):
    before = win.document.scenario.model_dump()
    folder = tmp_path / "folder.jsonl"
    folder.mkdir()
    text = tmp_path / "words.jsonl"
    text.write_text("hello\n", encoding="utf-8")
    scenario_file = tmp_path / "scenario.jsonl"
    io.save(small_scenario(), scenario_file)
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes(b'{"type": "header", "version": 1, "t": "\xe9"}\n')
    for path in (folder, text, scenario_file, latin1):
        win._ask_trace_path = lambda p=path: str(p)
        win.open_trace_action.trigger()  # File > Open Trace...
    messages = said(win)
    assert len(messages) == 4
    for path in (folder, text, scenario_file, latin1):
        assert any(str(path) in m for m in messages), path
    _kept(win, before)
    assert win.timeline is None


def _run_shown(window: MainWindow) -> None:
    from sandbox.gui.run_controller import run_scenario

    result = run_scenario(window.document.scenario, until=50_000_000)
    window.load_run(result.header, result.events, scenario=window.document.scenario,
                    seed=result.seed, until=result.until)


def test_export_failures_name_the_file_and_keep_the_run(win, tmp_path):
    import os
    import stat

    _run_shown(win)
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.jsonl"
    folder.mkdir()
    assert not win.export_png(fifo)  # before, Qt opened the pipe and waited for a reader
    assert not win.export_svg(fifo)
    assert win.export_trace(folder) is None
    assert win.export_trace(fifo, "jsonl") is None
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and folder.is_dir()
    assert len(win.answers.errors) == 4
    for (title, message), path in zip(win.answers.errors, (fifo, fifo, folder, fifo),
                                      strict=True):
        assert title == "Cannot export" and str(path) in message
        assert "not a regular file" in message or "folder" in message
    assert win.timeline is not None and win.isVisible()
    assert not list(tmp_path.glob("*.part"))


def test_export_trace_through_a_symlink_writes_its_target_and_keeps_its_mode(win, tmp_path):
    import os

    _run_shown(win)
    real = tmp_path / "real.jsonl"
    real.write_text("old\n", encoding="utf-8")
    os.chmod(real, 0o640)
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    assert win.export_trace(link, "jsonl") == link
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8").startswith('{"')
    assert os.stat(real).st_mode & 0o777 == 0o640


def test_main_names_a_file_it_cannot_read(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QStandardPaths, QTimer

    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "config"))
    QStandardPaths.setTestModeEnabled(True)
    errors: list[tuple[str, str]] = []
    monkeypatch.setattr(MainWindow, "_show_error", lambda self, t, m: errors.append((t, m)))
    deep = tmp_path / "denied.json"
    real_load = io.load

    def load(path):
        if str(path) == str(deep):
            raise PermissionError(13, "Permission denied", str(path))
        return real_load(path)

    monkeypatch.setattr(io, "load", load)
    monkeypatch.setattr(MainWindow, "_show_problems", lambda self, e: errors.append(("", str(e))))
    hooks = []

    def close_when_shown() -> None:
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()]
        if windows and errors:
            import sys

            hooks.append(sys.excepthook)
            for window in windows:
                window.close()
            QApplication.exit(0)
        else:
            QTimer.singleShot(20, close_when_shown)

    import sys

    previous = sys.excepthook
    QTimer.singleShot(20, close_when_shown)
    try:
        assert gui_app.main(str(deep)) == 0
    finally:
        QStandardPaths.setTestModeEnabled(False)
    assert errors[0] == ("Cannot open scenario", f"{deep} could not be opened: permission "
                                                 "denied")
    assert isinstance(hooks[0], gui_app.ExceptionDialogs)  # installed while it ran
    assert sys.excepthook is previous  # and taken away after


def test_open_and_open_trace_of_a_fifo_never_block(win, tmp_path):
    import os

    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    before = win.document.scenario.model_dump()
    assert not win.open_file(fifo)
    assert not win.open_trace(fifo)
    messages = said(win)
    assert len(messages) == 2 and all(str(fifo) in m and "FIFO" in m for m in messages)
    _kept(win, before)
