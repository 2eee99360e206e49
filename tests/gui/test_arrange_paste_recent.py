"""Edit > Arrange, fresh labels on paste, Open Recent with traces, and the modes of saved files."""

from __future__ import annotations

import os
import stat

import pytest
from PySide6.QtCore import QSettings

from sandbox.gui.edits import fresh_labels
from sandbox.gui.main_window import MainWindow
from sandbox.gui.run_controller import run_scenario
from sandbox.scenario import io
from sandbox.scenario.arrange import arrange
from sandbox.scenario.files import _umask
from sandbox.scenario.model import Group, Host, Link, Scenario
from sandbox.trace.export import write_jsonl


def scenario() -> Scenario:
    hosts = [Host(id="h1", label="Replica 1", x=0, y=0),
             Host(id="h2", label="Replica 4", x=300, y=0, group="rack1"),
             Host(id="h3", label="Client", x=0, y=200)]
    return Scenario(title="Small", hosts=hosts, links=[Link(a="h1", b="h2")],
                    groups=[Group(id="rack1", label="Rack 1", x=200, y=-60)])


@pytest.fixture
def win(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(scenario(), settings=settings, autosave_dir=tmp_path / "autosave")
    window.errors = []
    window._show_error = lambda title, message: window.errors.append((title, message))
    window._show_problems = lambda error: window.errors.append(("problems", str(error)))
    window._ask_save_changes = lambda: "discard"
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    qtbot.waitExposed(window)
    return window


def labels(window: MainWindow) -> list[str]:
    return [h.label for h in window.document.scenario.hosts]


# -- fresh labels on paste ------------------------------------------------------------------------


def test_five_pastes_of_replica_4_are_numbered_on_from_the_highest(win):
    win.scene.select(host_ids=["h2"])
    assert win.copy()
    for _ in range(5):
        assert len(win.paste()) == 1
    assert labels(win)[3:] == [f"Replica {n}" for n in range(5, 10)]
    ids = [h.id for h in win.document.scenario.hosts]
    assert len(set(ids)) == len(ids)  # the ids were fresh already
    win.document.undo_stack.undo()
    assert labels(win)[-1] == "Replica 8"


def test_a_cut_pasted_back_keeps_its_label_and_a_duplicate_gets_the_next(win):
    win.scene.select(host_ids=["h3"])
    win.cut()
    assert "Client" not in labels(win)
    win.paste()
    assert labels(win)[-1] == "Client"
    win.scene.select(host_ids=[win.document.scenario.hosts[-1].id])
    win.duplicate()
    assert labels(win)[-1] == "Client 2"


def test_pasted_groups_get_fresh_labels_too(win):
    win.scene.select(group_ids=["rack1"])
    assert win.copy()
    win.paste()
    s = win.document.scenario
    assert [g.label for g in s.groups] == ["Rack 1", "Rack 2"]
    assert [h.label for h in s.hosts if h.group == s.groups[1].id] == ["Replica 5"]


def test_fresh_labels_rules():
    copies = [Host(id=f"x{i}", label=label) for i, label in
              enumerate(["Server", "Server", "", "New", "node_7", "node_7"])]
    out = fresh_labels(["Server", "node_7", "node_9"], copies)
    assert [h.label for h in out] == ["Server 2", "Server 3", "", "New", "node_10", "node_11"]
    assert out[3] is copies[3]  # a free label: the very same object


# -- arrange ----------------------------------------------------------------------------------------


def test_arrange_is_one_undo_step_that_moves_hosts_and_fits_groups(win):
    before = win.document.scenario.model_copy(deep=True)
    stack = win.document.undo_stack
    count = stack.count()
    win.arrange_circle_action.trigger()  # Edit > Arrange > Circle
    after = win.document.scenario
    assert stack.count() == count + 1 and stack.undoText() == "Arrange in a circle"
    assert [(h.x, h.y) for h in after.hosts] != [(h.x, h.y) for h in before.hosts]
    assert [h.group for h in after.hosts] == [h.group for h in before.hosts]
    g = after.groups[0]
    h2 = after.hosts[1]
    assert g.x < h2.x < g.x + g.width and g.y < h2.y < g.y + g.height
    item = win.scene.host_item("h2")
    assert (item.pos().x(), item.pos().y()) == (h2.x, h2.y)  # the canvas follows
    gi = win.scene.group_item("rack1")
    assert gi.rect().width() == pytest.approx(g.width + 6)
    stack.undo()
    assert win.document.scenario == before
    assert (win.scene.host_item("h2").pos().x(), win.scene.host_item("h2").pos().y()) == \
        (300, 0)
    assert arrange(before, "grid") != (before.hosts, before.groups)


def test_arrange_twice_says_so_and_an_empty_scenario_has_nothing_to_arrange(win):
    assert win.edits.arrange("grid")
    count = win.document.undo_stack.count()
    assert not win.edits.arrange("grid")
    assert win.document.undo_stack.count() == count
    assert "Already arranged" in win.statusBar().currentMessage()
    win.files.new_file()
    win.arrange_by_group_action.trigger()
    assert "Nothing to arrange" in win.statusBar().currentMessage()


def test_the_arrange_menu_is_in_edit(win):
    menu = win.action_table.menus["arrange"]
    assert menu.menuAction() in win.action_table.menus["edit"].actions()
    assert [a.text() for a in menu.actions()] == ["&Grid", "&Circle", "By &Group"]


# -- open recent ------------------------------------------------------------------------------------


def trace_file(tmp_path) -> str:
    result = run_scenario(scenario(), until=20_000_000)
    path = tmp_path / "run.jsonl"
    write_jsonl(result.header, result.events, path)
    return str(path.resolve())


def test_open_recent_remembers_traces_and_reopens_them_as_traces(win, tmp_path):
    saved = tmp_path / "s.json"
    io.save(scenario(), saved)
    trace = trace_file(tmp_path)
    assert win.open_trace(trace)
    assert win.timeline is not None
    assert win.open_file(saved)
    assert win.timeline is None
    win.recent_menu.aboutToShow.emit()
    entries = [(a.text(), a.data()) for a in win.recent_menu.actions() if a.data()]
    assert entries == [("&1 s.json", str(saved.resolve())), ("&2 run.jsonl (trace)", trace)]
    [a for a in win.recent_menu.actions() if a.data() == trace][0].trigger()
    assert win.timeline is not None  # replayed, not opened as a scenario
    assert not win.errors
    assert win.files.recent_files()[0] == trace  # and first again
    win.recent_menu.aboutToShow.emit()
    [a for a in win.recent_menu.actions() if a.data() == str(saved.resolve())][0].trigger()
    assert win.timeline is None and win.document.path == saved.resolve()
    assert win.files.recent_traces() == [trace]  # still a trace, second now


def test_a_missing_recent_file_is_taken_off_with_a_message(win, tmp_path):
    gone = tmp_path / "gone.json"
    io.save(scenario(), gone)
    assert win.open_file(gone)
    trace = trace_file(tmp_path)
    win.open_trace(trace)
    os.unlink(gone)
    os.unlink(trace)
    for path in (trace, str(gone.resolve())):
        win.recent_menu.aboutToShow.emit()
        [a for a in win.recent_menu.actions() if a.data() == path][0].trigger()
    assert [t for t, _m in win.errors] == ["File not found"] * 2
    assert trace in win.errors[0][1] and "taken off Open Recent" in win.errors[0][1]
    assert win.files.recent_files() == [] and win.files.recent_traces() == []
    win.recent_menu.aboutToShow.emit()
    assert [a.text() for a in win.recent_menu.actions()] == ["No recent files"]


def test_saving_a_scenario_over_a_remembered_trace_makes_it_a_scenario(win, tmp_path):
    trace = trace_file(tmp_path)
    win.open_trace(trace)
    assert win.files.recent_traces() == [trace]
    win.files.add_recent_file(trace)
    assert win.files.recent_traces() == []
    win.recent_menu.aboutToShow.emit()
    clear = [a for a in win.recent_menu.actions() if a.text() == "Clear Menu"][0]
    clear.trigger()
    assert win.files.recent_files() == []


# -- the modes of saved files ------------------------------------------------------------------------


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_a_new_file_saved_from_the_window_gets_0666_less_the_umask(win, tmp_path, mask):
    old = os.umask(mask)
    try:
        assert _umask() == mask  # read without changing it
        target = tmp_path / f"new-{mask:o}.json"
        assert win.save_as(target)
        autosaved = win.files.autosave_path()
        win.document.set_host_fields(["h1"], "cores", 3)
        assert win.files.autosave() == autosaved
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask  # not mkstemp's 0600
    assert stat.S_IMODE(autosaved.stat().st_mode) == 0o666 & ~mask


def test_an_existing_file_keeps_its_mode_when_saved_again(win, tmp_path):
    target = tmp_path / "shared.json"
    io.save(scenario(), target)
    for mode in (0o640, 0o604, 0o660):
        os.chmod(target, mode)
        win.document.set_host_fields(["h1"], "cores", mode % 7 + 1)
        assert win.save_as(target)
        assert stat.S_IMODE(target.stat().st_mode) == mode
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_the_umask_is_read_without_proc_too(monkeypatch):
    import builtins

    real_open = builtins.open

    def no_proc(file, *args, **kwargs):
        if str(file).startswith("/proc/"):
            raise OSError("no /proc here")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", no_proc)
    old = os.umask(0o027)
    try:
        assert _umask() == 0o027
        assert os.umask(0o027) == 0o027  # and it was put back
    finally:
        os.umask(old)
