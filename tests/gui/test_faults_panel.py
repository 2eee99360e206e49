"""The Faults panel edits the fault schedule (one undo step per change); faults are drawn on the
player's seek bar and the space-time diagram; undoing or redoing a fault recomputes the run;
the time readout tells apart events of the same millisecond."""

from __future__ import annotations

import pytest
from conftest_playback import MS, SMALL_HEADER, small_events
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor

from sandbox.gui.document import Document
from sandbox.gui.faults_menu import FAULT_KINDS, fault_colour, fault_time, new_fault, run_faults
from sandbox.gui.faults_panel import FaultsPanel, parse_sides, sides_text
from sandbox.gui.main_window import MainWindow
from sandbox.gui.player import Player, PlayerBar
from sandbox.gui.shown_run import CanvasAnimator
from sandbox.gui.spacetime import SpaceTimeView
from sandbox.presets import preset_path
from sandbox.scenario import io
from sandbox.scenario.model import (
    ByzantineFault,
    ClockJumpFault,
    CrashFault,
    DropMessageFault,
    Host,
    Link,
    LinkCutFault,
    LossBurstFault,
    PartitionFault,
    PauseFault,
    RecoverFault,
    Scenario,
)
from sandbox.scenario.units import distinct_digits, format_seconds
from sandbox.trace.timeline import Timeline

S = 1_000_000_000


def every_kind() -> list:
    """One fault of each kind, out of time order."""
    return [
        CrashFault(host="h2", at=3 * S),
        RecoverFault(host="h2", at=4 * S),
        PauseFault(host="h1", at=1 * S, duration=200 * MS),
        ByzantineFault(host="h3", at=2 * S, behaviour="equivocate"),
        PartitionFault(sides=[["h1"], ["h2", "h3"]], start=5 * S, end=6 * S),
        ClockJumpFault(host="h1", at=500 * MS, delta=-20 * MS),
        LossBurstFault(a="h1", b="h2", start=7 * S, end=8 * S, loss=0.5),
        LinkCutFault(a="h2", b="h3", start=2500 * MS),
        DropMessageFault(msg=7, at=100 * MS),
    ]


@pytest.fixture
def doc(qapp):
    hosts = [Host(id="h1", x=0, y=0), Host(id="h2", x=300, y=0), Host(id="h3", x=0, y=200)]
    links = [Link(a="h1", b="h2"), Link(a="h2", b="h3"), Link(a="h1", b="h3")]
    return Document(Scenario(title="Faults", hosts=hosts, links=links, faults=every_kind()))


@pytest.fixture
def canvas_panel(qtbot, doc):
    from sandbox.gui.canvas import CanvasScene

    scene = CanvasScene(doc)
    panel = FaultsPanel(doc, scene)
    qtbot.addWidget(panel)
    panel.resize(420, 520)
    panel.show()
    return panel, scene


def rows(panel: FaultsPanel) -> list[tuple[str, str, str]]:
    tree = panel.tree
    return [tuple(tree.topLevelItem(r).text(c) for c in range(3))
            for r in range(tree.topLevelItemCount())]


def select_row(panel: FaultsPanel, row: int) -> None:
    item = panel.tree.topLevelItem(row)
    panel.tree.clearSelection()
    panel.tree.setCurrentItem(item)


def commit_text(editor, text: str) -> None:
    """Type ``text`` into a line-edit field of a form and finish the edit."""
    edit = editor.inner.edit if hasattr(editor, "inner") else editor.edit
    edit.setText(text)
    edit.editingFinished.emit()


# -- the list --------------------------------------------------------------------------------


def test_every_kind_is_listed_by_time_with_its_target(canvas_panel):
    panel, _scene = canvas_panel
    assert [r[0] for r in rows(panel)] == [format_seconds(t, 6) for t in sorted(
        fault_time(f) for f in every_kind())]
    assert rows(panel)[:3] == [
        (format_seconds(100 * MS, 6), "Dropped message", "m7"),
        (format_seconds(500 * MS, 6), "Clock jump", "h1"),
        (format_seconds(1 * S, 6), "Pause", "h1"),
    ]
    by_kind = {f.kind: r for f, r in zip(panel.faults, rows(panel), strict=True)}
    assert set(by_kind) == set(FAULT_KINDS)
    assert by_kind["partition"][2] == "{h1} | {h2, h3}"
    assert by_kind["link_cut"][2] == "h2\u2013h3"
    assert by_kind["loss_burst"][2] == "h1\u2013h2"
    details = {f.kind: panel.tree.topLevelItem(r).text(3) for r, f in enumerate(panel.faults)}
    assert details["pause"] == "for 200ms"
    assert details["link_cut"] == "until the end of the run"
    assert "50%" in details["loss_burst"]
    assert panel.empty_label.isHidden() and not panel.tree.isHidden()


def test_the_empty_list_says_how_to_add_a_fault(qtbot, qapp):
    panel = FaultsPanel(Document(Scenario(hosts=[Host(id="a")])))
    qtbot.addWidget(panel)
    panel.show()
    assert panel.tree.isHidden() and panel.empty_label.isVisible()
    text = panel.empty_label.text()
    assert "Right-click a host or a link" in text and "Add fault" in text
    assert not panel.remove_button.isEnabled()


def test_the_list_follows_undo_and_redo(canvas_panel, doc):
    panel, _scene = canvas_panel
    doc.add_fault(CrashFault(host="h1", at=0))
    assert rows(panel)[0] == (format_seconds(0, 6), "Crash", "h1")
    doc.undo_stack.undo()
    assert len(rows(panel)) == len(every_kind())
    doc.undo_stack.redo()
    assert len(rows(panel)) == len(every_kind()) + 1


# -- editing ---------------------------------------------------------------------------------


def test_editing_the_time_in_place_is_one_undo_step_and_resorts(canvas_panel, doc):
    panel, _scene = canvas_panel
    select_row(panel, 0)  # the dropped message at 100 ms
    form = panel.form
    assert form is not None and "kind" not in form.editors
    depth = doc.undo_stack.count()
    commit_text(form.editors["at"], "9s")
    assert doc.undo_stack.count() == depth + 1
    moved = next(f for f in doc.scenario.faults if f.kind == "drop_message")
    assert moved.at == 9 * S
    assert rows(panel)[-1] == (format_seconds(9 * S, 6), "Dropped message", "m7")
    assert panel.selected_indices() == [8]  # still the same fault, now the last row
    doc.undo_stack.undo()
    assert next(f for f in doc.scenario.faults if f.kind == "drop_message").at == 100 * MS


def test_a_refused_edit_says_why_inline_and_changes_nothing(canvas_panel, doc):
    panel, _scene = canvas_panel
    index = next(i for i, f in enumerate(doc.scenario.faults) if f.kind == "loss_burst")
    panel.select_fault(index)
    before = list(doc.scenario.faults)
    depth = doc.undo_stack.count()
    messages = []
    panel.message.connect(messages.append)
    commit_text(panel.form.editors["end"], "1s")  # before its start at 7 s
    assert doc.scenario.faults == before and doc.undo_stack.count() == depth
    assert "after its start" in panel.form.editors["end"].error_message()
    assert messages


def test_editing_the_target_host_and_a_kind_field(canvas_panel, doc):
    panel, _scene = canvas_panel
    index = next(i for i, f in enumerate(doc.scenario.faults) if f.kind == "byzantine")
    panel.select_fault(index)
    host = panel.form.editors["host"]
    host.combo.setCurrentIndex(host.combo.findData("h1"))
    host.combo.activated.emit(host.combo.currentIndex())
    behaviour = panel.form.editors["behaviour"]
    behaviour.combo.setCurrentIndex(behaviour.combo.findData("replay"))
    behaviour.combo.activated.emit(behaviour.combo.currentIndex())
    assert doc.scenario.faults[index] == ByzantineFault(host="h1", at=2 * S, behaviour="replay")


def test_the_sides_of_a_partition_are_edited_as_one_line(canvas_panel, doc):
    panel, _scene = canvas_panel
    assert parse_sides(" h1 h2 |h3, ") == [["h1", "h2"], ["h3"]]
    assert sides_text([["a", "b"], ["c"]]) == "a, b | c"
    index = next(i for i, f in enumerate(doc.scenario.faults) if f.kind == "partition")
    panel.select_fault(index)
    edit = panel.form.findChild(type(panel.form.editors["start"].edit), "sidesEdit")
    assert edit.text() == "h1 | h2, h3"
    edit.setText("h1, h2 | h3")
    edit.editingFinished.emit()
    assert doc.scenario.faults[index].sides == [["h1", "h2"], ["h3"]]
    edit.setText("h1 | h1")  # a host on both sides is refused, the old sides come back
    edit.editingFinished.emit()
    assert doc.scenario.faults[index].sides == [["h1", "h2"], ["h3"]]
    assert edit.text() == "h1, h2 | h3"


def test_an_open_ended_cut_gets_an_end_after_its_start(canvas_panel, doc):
    panel, _scene = canvas_panel
    index = next(i for i, f in enumerate(doc.scenario.faults) if f.kind == "link_cut")
    panel.select_fault(index)
    end = panel.form.editors["end"]
    assert end.none_box.isChecked() and end.none_box.text() == "until the end of the run"
    end.none_box.click()
    assert doc.scenario.faults[index].end == 2500 * MS + S


# -- removing --------------------------------------------------------------------------------


def test_delete_removes_the_selected_fault_in_one_undoable_step(qtbot, canvas_panel, doc):
    panel, _scene = canvas_panel
    select_row(panel, 0)
    assert panel.remove_button.isEnabled()
    panel.tree.setFocus()
    qtbot.keyClick(panel.tree, Qt.Key.Key_Delete)
    kinds = [f.kind for f in doc.scenario.faults]
    assert "drop_message" not in kinds and len(kinds) == len(every_kind()) - 1
    assert panel.selected_indices() == []  # nothing else gets selected in its place
    doc.undo_stack.undo()
    assert doc.scenario.faults == every_kind()


def test_remove_button_removes_several_faults_as_one_step(canvas_panel, doc):
    panel, _scene = canvas_panel
    select_row(panel, 0)
    panel.tree.topLevelItem(1).setSelected(True)
    assert "2 faults selected" in panel.form_hint.text()
    depth = doc.undo_stack.count()
    panel.remove_button.click()
    assert doc.undo_stack.count() == depth + 1
    assert {f.kind for f in doc.scenario.faults} == set(FAULT_KINDS) - {"drop_message",
                                                                         "clock_jump"}
    doc.undo_stack.undo()
    assert doc.scenario.faults == every_kind()


# -- adding ----------------------------------------------------------------------------------


def test_add_fault_aims_at_the_canvas_selection_at_time_zero_without_a_run(canvas_panel, doc):
    panel, scene = canvas_panel
    scene.select(host_ids=["h3"])
    panel.add_menu.aboutToShow.emit()
    assert not panel.add_actions["drop_message"].isEnabled()  # needs a run's message
    assert panel.add_actions["crash"].isEnabled()
    depth = doc.undo_stack.count()
    panel.add_actions["pause"].trigger()
    assert doc.undo_stack.count() == depth + 1
    assert doc.scenario.faults[-1] == PauseFault(host="h3", at=0, duration=500 * MS)
    assert panel.selected_indices() == [len(doc.scenario.faults) - 1]
    assert panel.form is not None and panel.form.editors["at"].edit.text() == "0ns"
    scene.select(link_indices=[1])
    panel.add_actions["link_cut"].trigger()
    assert doc.scenario.faults[-1] == LinkCutFault(a="h2", b="h3", start=0)
    panel.add_actions["partition"].trigger()
    assert doc.scenario.faults[-1] == PartitionFault(sides=[["h1", "h2"], ["h3"]], start=0)


def test_new_fault_needs_something_to_aim_at():
    empty = Scenario()
    assert all(new_fault(kind, empty, 0) is None for kind in FAULT_KINDS)
    one = Scenario(hosts=[Host(id="a")])
    assert new_fault("crash", one, 5) == CrashFault(host="a", at=5)
    assert new_fault("partition", one, 5) is None
    assert new_fault("drop_message", one, 5, msg=3) == DropMessageFault(msg=3, at=5)


# -- selection -------------------------------------------------------------------------------


def test_selecting_a_row_selects_its_target_on_the_canvas(canvas_panel, doc):
    panel, scene = canvas_panel
    kinds = [f.kind for f in panel.faults]
    select_row(panel, kinds.index("crash"))
    assert scene.selected_host_ids() == ["h2"]
    select_row(panel, kinds.index("link_cut"))
    assert scene.selected_link_indices() == [1] and scene.selected_host_ids() == []
    select_row(panel, kinds.index("partition"))
    assert sorted(scene.selected_host_ids()) == ["h1", "h2", "h3"]


# -- the main window: a run shown ------------------------------------------------------------


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(io.load(preset_path("message_passing_basics")), None, settings=settings,
                     autosave_dir=tmp_path / "autosave")
    win._show_error = lambda title, message: pytest.fail(f"{title}: {message}")
    win._ask_save_changes = lambda: "discard"
    win.autosave_timer.stop()
    win.autoplay = False
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.run_controller.shutdown()


def wait_run(qtbot, win) -> None:
    qtbot.waitUntil(lambda: win.timeline is not None and not win.run_controller.is_running(),
                    timeout=120_000)


def test_the_faults_dock_is_a_tab_of_the_right_docks(window):
    assert window.faults_dock.widget() is window.faults_panel
    assert window.faults_dock in window.tabifiedDockWidgets(window.inspector_dock)
    assert window.faults_dock_toggle_action.text() == window.faults_dock.windowTitle() == "Faults"


def test_undo_and_redo_of_a_fault_recompute_the_run(qtbot, window):
    with qtbot.waitSignal(window.run_controller.finished, timeout=120_000):
        window.run(seed=3)
    wait_run(qtbot, window)
    t = window.player.duration // 2
    window.player.seek(t)
    panel = window.faults_panel
    window.scene.select(link_indices=[0])  # client1-server
    with qtbot.waitSignal(window.run_controller.finished, timeout=120_000):
        panel.add_actions["link_cut"].trigger()
    wait_run(qtbot, window)
    assert window.document.scenario.faults == [LinkCutFault(a="client1", b="server", start=t)]
    assert not window.is_stale and window.player.time == t
    assert window.timeline.host_states(t + 1).is_cut("client1", "server")
    animated = CanvasAnimator is not None and window.animator is not None
    if animated:
        assert window.scene.link_items()[0].is_cut
    # Ctrl+Z: the cut is gone from the scenario, from the run and from the canvas
    with qtbot.waitSignal(window.run_controller.finished, timeout=120_000):
        window.undo_action.trigger()
    wait_run(qtbot, window)
    assert window.document.scenario.faults == []
    assert not window.is_stale and window.player.time == t
    assert not window.timeline.host_states(t + 1).is_cut("client1", "server")
    assert run_faults(window.timeline.scenario) == []
    if animated:
        assert not window.scene.link_items()[0].is_cut
    # redo puts it back, recomputed again
    with qtbot.waitSignal(window.run_controller.finished, timeout=120_000):
        window.redo_action.trigger()
    wait_run(qtbot, window)
    assert window.timeline.host_states(t + 1).is_cut("client1", "server")
    assert not window.is_stale
    # an edit in the panel recomputes too: the cut now starts at the start of the run
    panel.select_fault(0)
    with qtbot.waitSignal(window.run_controller.finished, timeout=120_000):
        commit_text(panel.form.editors["start"], "0s")
    wait_run(qtbot, window)
    assert window.timeline.host_states(1).is_cut("client1", "server")
    assert not window.is_stale


def test_a_row_seeks_the_player_and_the_faults_are_drawn(qtbot, window):
    faults = [CrashFault(host="server", at=2 * S), PauseFault(host="client2", at=S,
                                                               duration=500 * MS)]
    window.document.set_setting("faults", faults)
    with qtbot.waitSignal(window.run_controller.finished, timeout=120_000):
        window.run(seed=3)
    wait_run(qtbot, window)
    panel = window.faults_panel
    window.faults_dock.raise_()
    qtbot.waitUntil(lambda: not panel.visibleRegion().isEmpty())
    select_row(panel, 1)  # the crash at 2 s
    assert window.player.time == 2 * S
    assert window.scene.selected_host_ids() == ["server"]
    # selecting on the canvas raises the inspector, but the schedule being read stays in front
    assert not window.faults_panel.visibleRegion().isEmpty()
    # the seek bar draws both, and its tooltip names them
    slider = window.player_bar.seek_slider
    assert slider.faults == faults
    x = round(slider.x_of(2 * S))
    assert [f.kind for f in slider.faults_at(x)] == ["crash"]
    assert slider.tooltip_at(x) == "Crash server at 2.000000 s"
    assert slider.tooltip_at(slider.x_of(S)) == "Pause client2 at 1.000000 s \u00b7 for 500ms"
    assert slider.tooltip_at(slider.x_of(4 * S)) == ""
    # the diagram marks them (the faults the run was computed with)
    assert window.spacetime.painter.faults == faults


def colour_near(image, x: int, y: int, colour: QColor, reach: int = 6) -> bool:
    for dx in range(-reach, reach + 1):
        for dy in range(-reach, reach + 1):
            px = image.pixelColor(x + dx, y + dy)
            if abs(px.red() - colour.red()) + abs(px.green() - colour.green()) \
                    + abs(px.blue() - colour.blue()) < 40:
                return True
    return False


def test_the_diagram_marks_a_fault_on_its_hosts_lane(qtbot, qapp):
    header = {"scenario": {**SMALL_HEADER["scenario"],
                           "faults": [{"kind": "clock_jump", "host": "c", "at": 25 * MS,
                                       "delta": 1000},
                                      {"kind": "nonsense"}]}}
    tl = Timeline(header, small_events())
    view = SpaceTimeView()
    qtbot.addWidget(view)
    view.resize(900, 320)
    view.show()
    qtbot.waitExposed(view)
    view.set_timeline(tl)
    assert [f.kind for f in view.painter.faults] == ["clock_jump"]  # an unreadable one is left out
    image = view.canvas.grab().toImage()
    layout = view.diagram_layout
    layout = layout() if callable(layout) else layout
    lay = layout.cached_frame(view.canvas.width(), view.canvas.height())
    assert lay is not None
    x = layout.cursor_x(lay, 25 * MS)
    dpr = image.devicePixelRatio()
    colour = fault_colour("clock_jump", view.palette().window().color().lightness() < 128)

    def marked(host: str, reach: int) -> bool:
        y = float(lay.lane_y[tl.host_index[host]])
        return colour_near(image, round(x * dpr), round(y * dpr), colour, reach)

    assert marked("c", 6)
    assert not marked("a", 3) and not marked("b", 3)


# -- the time readout --------------------------------------------------------------------------


def test_distinct_digits_tells_two_times_apart():
    assert distinct_digits(1_000_100_000, [1_000_300_000]) == 4
    assert distinct_digits(1_000_000_001, [1_000_000_002, None]) == 9
    assert distinct_digits(5 * S, [5 * S, None], 3) == 3
    assert distinct_digits(S, [2 * S], 6) == 6  # never fewer than asked


def test_stepping_within_a_millisecond_shows_the_time_change(qtbot, qapp):
    from sandbox.trace import TraceEvent

    base = 1 * S
    events = [TraceEvent(i, base + dt, "timer", "a", base + dt, None, None, {"name": "x"})
              for i, dt in enumerate((0, 200_000, 250_000, 900_000_000))]
    tl = Timeline({"scenario": {"hosts": [{"id": "a"}], "run": {"duration": 2 * S}}}, events)
    player = Player(tl)
    bar = PlayerBar(player)
    qtbot.addWidget(bar)
    bar.show()
    assert bar.time_decimals == 3
    texts = []
    for _ in range(3):
        player.step_forward()
        texts.append(bar.time_label.text())
    assert texts == ["t = 1.0000 s", "t = 1.00020 s", "t = 1.00025 s"]
    assert len(set(texts)) == 3
    assert bar.time_label.width() >= bar.time_label.fontMetrics().horizontalAdvance(texts[-1])
    player.seek(base + 500_000_000)  # between events: the run's own precision
    assert bar.time_label.text() == "t = 1.500 s"
    bar.set_time_resolution(1_000)  # a view zoomed to microseconds asks for six decimals
    assert bar.time_decimals == 6 and bar.time_label.text() == "t = 1.500000 s"
