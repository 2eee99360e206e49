"""Run and watch in the main window: the run matches ``sandbox run``, every view follows one
time cursor and one selection, faults injected while watching are undoable and keep the
prefix, exports read back, traces replay and ``sandbox screenshot --at`` draws a run."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtGui import QContextMenuEvent, QImage
from PySide6.QtWidgets import QApplication, QMenu

from sandbox.gui import app as gui_app
from sandbox.gui.main_window import MainWindow
from sandbox.gui.shown_run import CanvasAnimator
from sandbox.presets import preset_path
from sandbox.scenario import io
from sandbox.scenario.model import CrashFault, DropMessageFault
from sandbox.trace import check_shiviz_clocks, read_jsonl
from sandbox.trace.export import write_jsonl

PRESET = "message_passing_basics"
SEED = 11
REPO = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _sandbox(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sandbox", *args], cwd=REPO, env=_env(),
                          capture_output=True, text=True, timeout=300, check=False)


class Errors(list):
    """The error dialogs the window would have shown."""


@pytest.fixture
def window(qtbot, tmp_path):
    """The main window on the ``message_passing_basics`` preset, shown, with no autoplay."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(io.load(preset_path(PRESET)), None, settings=settings,
                     autosave_dir=tmp_path / "autosave")
    win.errors = Errors()
    win._show_error = lambda title, message: win.errors.append((title, message))
    win._show_problems = lambda error: win.errors.append(("problems", error))
    win._ask_save_changes = lambda: "discard"
    win.autosave_timer.stop()
    win.autoplay = False
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.run_controller.shutdown()


def run_and_wait(qtbot, win: MainWindow, **kwargs) -> None:
    """Press Run and wait until the run is computed and loaded."""
    with qtbot.waitSignal(win.run_controller.finished, timeout=120_000):
        assert win.run(**kwargs)
    qtbot.waitUntil(lambda: win.timeline is not None and not win.run_controller.is_running())


def canvas_state(win: MainWindow) -> dict:
    """What the canvas shows of the run: host states and clocks, cut links, message dots."""
    state = {
        "hosts": {it.host_id: (it.state, it.clock_text()) for it in win.scene.host_items()},
        "links": [it.is_cut for it in win.scene.link_items()],
    }
    if win.animator is not None:
        state["dots"] = sorted((i, round(p.x(), 3), round(p.y(), 3), style)
                               for i, p, style in win.animator.dot_positions())
        state["crosses"] = sorted((i, round(p.x(), 3), round(p.y(), 3), r)
                                  for i, p, r in win.animator.crosses())
    return state


def as_json(events) -> list[str]:
    return [json.dumps(list(ev), sort_keys=True, default=str) for ev in events]


def host_centre(win: MainWindow, host: str) -> QPointF:
    return win.scene.host_item(host).sceneBoundingRect().center()


# -- running -------------------------------------------------------------------------------------


def test_run_then_play_to_the_end_gives_the_trace_of_sandbox_run(qtbot, window, tmp_path):
    assert window.run_action.shortcut().toString() == "F5"
    run_and_wait(qtbot, window, seed=SEED)
    player = window.player
    assert player.duration > 0 and player.time == 0
    # every run view is shown and the canvas animates
    for dock in window.run_docks:
        assert dock.isVisible()
    assert window.playback_toolbar.isVisible()
    assert not window.run_progress.isVisible()
    player.set_speed(10_000)
    with qtbot.waitSignal(player.state_changed, timeout=30_000,
                          check_params_cb=lambda playing: not playing):
        player.play()
    assert player.time == player.duration
    assert window.spacetime.time == player.duration
    assert window.plots.time() == player.duration

    gui = tmp_path / "gui.jsonl"
    write_jsonl(window.run_header, window.run_events, gui)
    cli = tmp_path / "cli.jsonl"
    done = _sandbox("run", str(preset_path(PRESET)), "--seed", str(SEED), "--out", str(cli),
                    "--quiet")
    assert done.returncode == 0, done.stderr
    assert gui.read_bytes() == cli.read_bytes()


def test_progress_shows_while_running_and_the_window_answers(qtbot, window):
    seen = []
    window.run_controller.progress.connect(
        lambda p: seen.append((p, window.run_progress.isVisible())))
    run_and_wait(qtbot, window)
    assert seen and all(visible for _p, visible in seen)
    assert seen[-1][0] == 100
    assert not window.run_progress.isVisible() and not window.cancel_run_button.isVisible()


def test_cancel_keeps_the_editor(qtbot, window):
    window.document.set_setting("run.duration", 3600 * 10**9)  # an hour: long enough to cancel
    with qtbot.waitSignal(window.run_controller.started):
        window.run()
    assert window.stop_action.isEnabled()
    with qtbot.waitSignal(window.run_controller.cancelled, timeout=60_000):
        window.cancel_run_button.click()
    assert window.timeline is None
    assert not window.run_progress.isVisible()
    assert not any(dock.isVisible() for dock in window.run_docks)


def test_seek_backwards_then_forwards_reaches_the_same_canvas(qtbot, window):
    run_and_wait(qtbot, window, seed=SEED)
    tl = window.timeline
    player = window.player
    # a time with messages in flight
    times = [int(t) for t in tl.msg_t_send[len(tl.msg_t_send) // 2:][:1]]
    t1 = times[0] + 1_000_000 if times else player.duration // 2
    player.seek(t1)
    before = canvas_state(window)
    if window.animator is not None:
        assert before["dots"], "messages should be in flight"
    player.seek(player.duration)
    player.seek(0)
    assert canvas_state(window) != before or not before.get("dots")
    player.step_forward()
    player.seek(t1)
    assert canvas_state(window) == before


def test_every_view_follows_the_time_cursor(qtbot, window):
    run_and_wait(qtbot, window, seed=SEED)
    t = window.player.duration // 3
    window.player.seek(t)
    assert window.spacetime.time == t
    assert window.plots.time() == t
    assert window.plots.cursor_positions() and all(
        abs(x - t / 1e9) < 1e-9 for x in window.plots.cursor_positions())
    assert window.event_log.model.row_at_time(t) >= 0
    if window.animator is not None:
        assert window.animator.time == t
    # the player bar reads the selected host's local time
    window.scene.select(host_ids=["server"])
    assert window.player_bar.selected_host == "server"
    assert "server local" in window.player_bar.time_label.text()


def test_memory_map_heat_follows_the_player(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    win = MainWindow(io.load(preset_path("dsm_numa")), None, settings=settings,
                     autosave_dir=tmp_path / "autosave")
    win.autoplay = False
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    win.memory_dock.raise_()
    qtbot.waitExposed(win)
    run_and_wait(qtbot, win)
    win.player.seek(win.player.duration // 2)
    heat = win.memory_map.heat()
    assert heat and max(heat.values()) == pytest.approx(1.0, abs=1e-3)
    win.clear_run()
    assert win.memory_map.heat() == {}
    win.run_controller.shutdown()


# -- one selection ------------------------------------------------------------------------------


def test_clicking_an_event_in_the_space_time_diagram_selects_it_everywhere(qtbot, window):
    run_and_wait(qtbot, window, seed=SEED)
    tl = window.timeline
    view = window.spacetime
    window.spacetime_dock.raise_()
    seq = next(i for i in range(len(tl)) if tl.kinds[tl.kind_code[i]] == "deliver")
    t0 = int(tl.t[seq])
    view.set_window(t0 - 1_000_000, t0 + 1_000_000)  # zoomed in: the event stands alone
    qtbot.waitUntil(lambda: view.event_position(seq) is not None)
    pos = view.event_position(seq).toPoint()
    with qtbot.waitSignal(view.event_selected) as blocker:
        qtbot.mouseClick(view.canvas, Qt.MouseButton.LeftButton, pos=pos)
    picked = blocker.args[0]
    assert picked == seq
    assert window.event_log.selected_event() == picked
    assert window.player.time == int(tl.t[picked])
    host = tl.host_name(int(tl.host_code[picked]))
    assert window.scene.selected_host_ids() == [host]
    assert window.player_bar.selected_host == host


def test_picking_a_row_of_the_event_log_seeks_and_selects_in_the_diagram(qtbot, window):
    run_and_wait(qtbot, window, seed=SEED)
    tl = window.timeline
    window.event_log_dock.raise_()
    window.event_log.follow_check.setChecked(False)
    table = window.event_log.table
    qtbot.waitUntil(table.isVisible)
    row = 7
    table.scrollTo(window.event_log.model.index(row, 0))
    rect = table.visualRect(window.event_log.model.index(row, 1))
    with qtbot.waitSignal(window.event_log.event_activated) as blocker:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    seq, t = blocker.args
    assert seq == window.event_log.model.seq_at(row)
    assert window.player.time == t == int(tl.t[seq])
    assert window.spacetime.selected_event == seq


# -- interactive faults --------------------------------------------------------------------------


def test_crash_now_from_the_context_menu_is_undoable_and_keeps_the_prefix(qtbot, window):
    run_and_wait(qtbot, window, seed=SEED)
    old_events = window.run_events
    t = window.player.duration // 2
    window.player.seek(t)
    faults_before = list(window.document.scenario.faults)

    # a real right-click on the host: the menu pops up and "Crash now" is chosen
    shown: list[QMenu] = []

    def pick_crash(menu: QMenu, _pos) -> None:
        shown.append([a.text() for a in menu.actions()])
        next(a for a in menu.actions() if a.objectName() == "fault_crash").trigger()

    window._exec_menu = pick_crash
    viewport = window.view.viewport()
    pos = window.view.mapFromScene(host_centre(window, "client1"))
    with qtbot.waitSignal(window.run_controller.finished, timeout=120_000):
        QApplication.sendEvent(viewport, QContextMenuEvent(
            QContextMenuEvent.Reason.Mouse, pos, viewport.mapToGlobal(pos)))
    assert len(shown) == 1, "the fault menu was not shown once"
    assert any("client1" in text for text in shown[0])  # the section names the host
    faults = window.document.scenario.faults
    assert len(faults) == len(faults_before) + 1
    assert faults[-1] == CrashFault(host="client1", at=t)
    qtbot.waitUntil(lambda: not window.run_controller.is_running())
    # the player stayed where it was and the run is not stale
    assert window.player.time == t
    assert not window.is_stale
    new_events = window.run_events
    assert new_events != old_events
    before = [ev for ev in old_events if ev.t < t]
    assert as_json(new_events[:len(before)]) == as_json(before)
    crashed = [ev for ev in new_events if ev.kind == "crash" and ev.host == "client1"]
    assert crashed and crashed[0].t == t
    states = window.timeline.host_states(t + 1)
    assert states.status["client1"] == "crashed"
    if window.animator is not None:
        assert window.scene.host_item("client1").state == "crashed"

    # undo removes the fault and recomputes the run, as injecting it did: the crash is gone
    with qtbot.waitSignal(window.run_controller.finished, timeout=120_000):
        window.undo_action.trigger()
    assert list(window.document.scenario.faults) == faults_before
    qtbot.waitUntil(lambda: not window.run_controller.is_running())
    assert not window.is_stale
    assert window.player.time == t
    assert as_json(window.run_events) == as_json(old_events)


@pytest.mark.skipif(CanvasAnimator is None, reason="the canvas animation is not available")
def test_drop_a_message_in_flight(qtbot, window):
    run_and_wait(qtbot, window, seed=SEED)
    tl = window.timeline
    window.view.fit()
    # a time with a message half-way along its link
    i = len(tl.msg_t_send) // 3
    t = int((tl.msg_t_send[i] + tl.msg_t_end[i]) // 2)
    window.player.seek(t)
    dots = window.animator.dot_positions()
    assert dots
    msg, pos, _style = dots[0]
    menu = window.fault_menu_at(pos)
    assert menu is not None
    drop = next(a for a in menu.actions() if a.objectName() == "fault_drop")
    with qtbot.waitSignal(window.run_controller.finished, timeout=120_000):
        drop.trigger()
    assert window.document.scenario.faults[-1] == DropMessageFault(msg=msg, at=t)
    qtbot.waitUntil(lambda: not window.run_controller.is_running())
    end = window.timeline.message_record(window.timeline.message_index(msg))
    assert end.end_kind == "drop"


def test_a_right_click_a_few_pixels_off_a_thin_link_offers_the_link_menu(qtbot, window):
    from sandbox.gui.canvas.interactions import LINK_SLOP_PX

    run_and_wait(qtbot, window, seed=SEED)
    window.player.seek(window.player.duration // 4)
    window.view.set_zoom(0.5)
    link = window.scene.link_items()[0]
    on = link.mapToScene(link.path().pointAtPercent(0.3))
    line = link.path()
    a, b = line.pointAtPercent(0.0), line.pointAtPercent(1.0)
    # a point (LINK_SLOP_PX - 1.5) screen pixels off the line, at right angles to it
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length = (dx * dx + dy * dy) ** 0.5
    off = (LINK_SLOP_PX - 1.5) / 0.5
    point = QPointF(on.x() - dy / length * off, on.y() + dx / length * off)
    menu = window.fault_menu_at(point)
    assert menu is not None
    assert "fault_cut" in [x.objectName() for x in menu.actions()]


def test_link_menu_cut_now(qtbot, window):
    run_and_wait(qtbot, window, seed=SEED)
    window.player.seek(window.player.duration // 4)
    link = window.scene.link_items()[0]
    a, b = link.link.a, link.link.b
    point = link.mapToScene(link.path().pointAtPercent(0.3))
    menu = window.fault_menu_at(point)
    assert menu is not None
    names = [a_.objectName() for a_ in menu.actions()]
    assert "fault_cut" in names and "fault_heal" in names
    with qtbot.waitSignal(window.run_controller.finished, timeout=120_000):
        next(x for x in menu.actions() if x.objectName() == "fault_cut").trigger()
    fault = window.document.scenario.faults[-1]
    assert {fault.a, fault.b} == {a, b}
    # nothing under the pointer: no menu
    assert window.fault_menu_at(QPointF(-5000, -5000)) is None


# -- stale runs, clearing --------------------------------------------------------------------------


def test_editing_while_a_run_is_shown_marks_it_stale(qtbot, window):
    run_and_wait(qtbot, window, seed=SEED)
    assert not window.is_stale and not window.stale_label.isVisibleTo(window)
    # moving a host changes nothing the engine reads
    window.document.move_hosts({"server": (555.0, 40.0)})
    assert not window.is_stale
    window.document.set_host_fields(["server"], "clock.drift_ppm", 80.0)
    assert window.is_stale and window.stale_label.isVisibleTo(window)
    assert "Run" in window.stale_label.text()
    window.document.undo_stack.undo()
    assert not window.is_stale
    window.document.undo_stack.redo()
    run_and_wait(qtbot, window)
    assert not window.is_stale


def test_clear_run_returns_the_canvas_to_editing(qtbot, window):
    run_and_wait(qtbot, window, seed=SEED)
    window.player.seek(window.player.duration // 2)
    assert window.stop_action.isEnabled()
    window.stop_action.trigger()
    assert window.timeline is None
    assert window.player.timeline is None
    assert not any(dock.isVisible() for dock in window.run_docks)
    assert not window.playback_toolbar.isVisible()
    assert all(it.state == "up" for it in window.scene.host_items())
    assert not any(it.is_cut for it in window.scene.link_items())
    if window.animator is not None:
        assert window.animator.timeline is None and not window.animator.dot_positions()
    assert not window.export_trace_action.isEnabled()


def test_new_scenario_clears_the_run(qtbot, window):
    run_and_wait(qtbot, window, seed=SEED)
    assert window.new_file()
    assert window.timeline is None


def test_run_docks_are_remembered(qtbot, tmp_path):
    settings_path = str(tmp_path / "settings.ini")

    def make():
        settings = QSettings(settings_path, QSettings.Format.IniFormat)
        win = MainWindow(io.load(preset_path(PRESET)), None, settings=settings,
                         autosave_dir=tmp_path / "autosave")
        win.autoplay = False
        win._ask_save_changes = lambda: "discard"
        qtbot.addWidget(win)
        win.resize(1280, 800)
        win.show()
        qtbot.waitExposed(win)
        return win

    first = make()
    run_and_wait(qtbot, first)
    first.plots_dock.close()
    first.close()
    second = make()
    assert not any(dock.isVisible() for dock in second.run_docks)  # editing: no run docks
    run_and_wait(qtbot, second)
    assert second.spacetime_dock.isVisible()
    assert not second.plots_dock.isVisible()
    second.reset_layout()
    assert all(dock.isVisible() for dock in second.run_docks)
    second.run_controller.shutdown()


# -- export and traces -----------------------------------------------------------------------------


def test_exports_read_back(qtbot, window, tmp_path):
    run_and_wait(qtbot, window, seed=SEED)
    header, events = window.run_header, window.run_events
    path = window.export_trace(tmp_path / "run.jsonl")
    assert read_jsonl(path) == (header, events)
    path = window.export_trace(tmp_path / "run.csv")
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == len(events) + 1
    path = window.export_trace(tmp_path / "run.log", "shiviz")
    assert check_shiviz_clocks(path) == []
    path = window.export_trace(tmp_path / "run-chrome.json", "chrome")
    assert "traceEvents" in json.loads(path.read_text(encoding="utf-8"))
    for fmt, suffix in (("png", ".png"), ("svg", ".svg")):
        path = window.export_spacetime(tmp_path / f"diagram{suffix}", fmt)
        assert path is not None and path.stat().st_size > 0
        if fmt == "png":
            assert not QImage(str(path)).isNull()
        else:
            assert "<svg" in path.read_text(encoding="utf-8")
    path = window.export_plot(tmp_path / "plot.png", "png")
    assert not QImage(str(path)).isNull()
    path = window.export_plot(tmp_path / "plot.svg", "svg")
    assert "<svg" in path.read_text(encoding="utf-8")
    path = window.export_plot(tmp_path / "plots.csv", "csv_all")
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["plot", "series", "x", "x_unit", "y", "y_unit"] and len(rows) > 1
    assert window.errors == []


def test_exports_need_a_run(window, tmp_path):
    assert not window.export_trace_action.isEnabled()
    assert window.export_trace(tmp_path / "x.jsonl") is None
    assert not (tmp_path / "x.jsonl").exists()


def test_opening_a_jsonl_trace_loads_the_player(qtbot, window, tmp_path):
    trace = tmp_path / "cli.jsonl"
    done = _sandbox("run", "crash_heartbeat", "--seed", "5", "--out", str(trace), "--quiet")
    assert done.returncode == 0, done.stderr
    header, events = read_jsonl(trace)
    assert window.open_trace(trace)
    assert window.errors == []
    assert window.timeline is not None and len(window.timeline) == len(events)
    assert window.player.duration == window.timeline.end > 0
    assert window.document.scenario.title == header["scenario"]["title"]
    assert window.document.path is None
    assert window.run_seed == 5
    assert trace.name in window.run_label.text()
    assert not window.is_stale
    assert window.playback_toolbar.isVisible()
    window.player.seek(window.player.duration)
    assert window.spacetime.time == window.player.duration


def test_opening_a_bad_trace_says_why(window, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("this is not a trace\n", encoding="utf-8")
    assert not window.open_trace(bad)
    assert window.errors and "bad.jsonl" in window.errors[0][1]
    assert window.timeline is None


# -- screenshots -----------------------------------------------------------------------------------


def test_screenshot_at_shows_a_run(qtbot, tmp_path):
    out = tmp_path / "shot.png"
    assert gui_app.screenshot(str(preset_path(PRESET)), str(out), (1100, 700), "dark",
                              at=1_204_000_000) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1100, 700)


def test_sandbox_screenshot_at_on_the_command_line(tmp_path):
    out = tmp_path / "cli.png"
    done = _sandbox("screenshot", PRESET, str(out), "--at", "1.2s", "--size", "1000x640")
    assert done.returncode == 0, done.stderr
    image = QImage(str(out))
    assert not image.isNull() and (image.width(), image.height()) == (1000, 640)


def test_behaviour_errors_and_failed_runs_are_reported(qtbot, window):
    from sandbox.gui.run_controller import run_scenario

    result = run_scenario(window.document.scenario)
    result.errors = ["p1: ZeroDivisionError", "p2: KeyError"]
    window.run_controller.finished.emit(result)
    assert window.timeline is not None
    assert "2 behaviour errors" in window.statusBar().currentMessage()
    window.run_controller.failed.emit("The run failed: boom")
    assert window.errors[-1] == ("Run failed", "The run failed: boom")
    assert window.timeline is not None  # the run shown stays


def test_run_refuses_an_empty_scenario(window):
    assert window.new_file()
    assert not window.run()
    assert not window.run_controller.is_running()
    assert "hosts" in window.statusBar().currentMessage()
