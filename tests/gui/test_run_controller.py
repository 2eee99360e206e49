"""The GUI run controller: same trace as `sandbox run`, cancel, restart, recompute with a fault."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

from sandbox.cli import main as cli_main
from sandbox.gui import run_controller as rc
from sandbox.gui.run_controller import (
    RunController,
    RunResult,
    recompute_with_fault,
    run_scenario,
)
from sandbox.presets import preset_path
from sandbox.scenario import load
from sandbox.scenario.model import CrashFault, LinkCutFault
from sandbox.trace import TraceFormatError, export, read_jsonl
from sandbox.trace.timeline import open_trace

S = 1_000_000_000


def _clear_pending_quit() -> None:
    """Undo an application quit requested while no event loop ran.

    An earlier test that closes the last window after ``app.exec()`` has
    returned leaves Qt's "quit now" flag set, and then every event loop,
    the one of ``qtbot.waitSignal`` included, returns at once. One short
    ``exec()`` clears the flag (exec resets it when it starts and ends).
    """
    loop = QEventLoop()
    QTimer.singleShot(0, loop.quit)
    if loop.exec() == -1:
        QTimer.singleShot(0, lambda: QCoreApplication.exit(0))
        QCoreApplication.exec()


@pytest.fixture
def controller(qtbot):
    _clear_pending_quit()
    c = RunController()
    yield c
    c.shutdown()


def _run(qtbot, controller, scenario, **kw) -> RunResult:
    with qtbot.waitSignal(controller.finished, timeout=60_000) as blocker:
        controller.run(scenario, **kw)
    return blocker.args[0]


@pytest.mark.parametrize("preset", ["message_passing_basics", "crash_heartbeat"])
def test_gui_run_gives_the_trace_of_sandbox_run_byte_for_byte(qtbot, controller, tmp_path, preset):
    progress = []
    controller.progress.connect(progress.append)
    result = _run(qtbot, controller, load(preset_path(preset)))
    gui = tmp_path / "gui.jsonl"
    export(result.header, result.events, "jsonl", gui)
    cli = tmp_path / "cli.jsonl"
    assert cli_main(["run", preset, "--out", str(cli), "--quiet"]) == 0
    assert gui.read_bytes() == cli.read_bytes()
    assert progress == sorted(progress) and progress[-1] == 100
    assert result.summary["events"] == len(result.events)
    assert result.summary["seed"] == result.seed
    assert not controller.is_running()


def test_seed_and_until_override_the_scenario(qtbot, controller, tmp_path):
    result = _run(qtbot, controller, load(preset_path("message_passing_basics")),
                  seed=9, until=1 * S)
    assert result.seed == 9 and result.until == 1 * S
    assert all(e.t < 1 * S for e in result.events)
    cli = tmp_path / "cli.jsonl"
    cli_main(["run", "message_passing_basics", "--seed", "9", "--until", "1s",
              "--out", str(cli), "-q"])
    header, events = read_jsonl(cli)
    assert events == result.events and header == result.header


def test_cancel_stops_the_run_and_reports_cancelled(qtbot, controller):
    finished = []
    controller.finished.connect(finished.append)
    with qtbot.waitSignal(controller.cancelled, timeout=60_000):
        controller.run(load(preset_path("dsm_numa")))
        controller.cancel()
    assert controller.wait()
    assert finished == [] and not controller.is_running()


def test_a_new_run_replaces_the_one_going_on(qtbot, controller):
    finished = []
    controller.finished.connect(finished.append)
    scenario = load(preset_path("message_passing_basics"))
    with qtbot.waitSignal(controller.finished, timeout=60_000):
        controller.run(scenario, seed=1)
        controller.run(scenario, seed=2)
    controller.wait()
    QCoreApplication.processEvents()  # a stray queued signal of the first run would land now
    assert [r.seed for r in finished] == [2]


def test_an_engine_error_is_reported_by_failed(qtbot, controller, monkeypatch):
    class Broken:
        def __init__(self, *a, **k):
            raise RuntimeError("engine exploded")

    import sandbox.engine.runner as runner

    monkeypatch.setattr(runner, "Simulation", Broken)  # the one run loop builds the engine
    with qtbot.waitSignal(controller.failed, timeout=60_000) as blocker:
        controller.run(load(preset_path("message_passing_basics")))
    assert "engine exploded" in blocker.args[0]


def test_the_run_uses_a_copy_of_the_scenario(qtbot, controller):
    scenario = load(preset_path("message_passing_basics"))
    with qtbot.waitSignal(controller.finished, timeout=60_000) as blocker:
        controller.run(scenario)
        scenario.hosts[0].clock.offset = 123  # an edit while the run goes on
    assert blocker.args[0].header["scenario"]["hosts"][0]["clock"]["offset"] == 0


# -- interactive faults ------------------------------------------------------------------------


def test_crash_now_keeps_the_prefix_and_crashes_at_that_time(qtbot, controller):
    scenario = load(preset_path("message_passing_basics"))
    before = _run(qtbot, controller, scenario)
    at = 2 * S + 123_456
    changed = recompute_with_fault(scenario, CrashFault(host="server", at=at))
    assert scenario.faults == []                  # the input is left alone
    assert changed.faults == [CrashFault(host="server", at=at)]
    after = _run(qtbot, controller, changed)
    prefix = [e for e in before.events if e.t < at]
    assert prefix and [e for e in after.events if e.t < at] == prefix
    crash = [e for e in after.events if e.kind == "crash"]
    assert [(e.t, e.host, e.data["cause"]) for e in crash] == [(at, "server", "scheduled")]
    # and the run differs afterwards: the server no longer delivers
    assert not any(e.kind == "deliver" and e.host == "server" and e.t > at for e in after.events)
    assert any(e.kind == "deliver" and e.host == "server" and e.t > at for e in before.events)


def test_recompute_with_fault_can_replace_a_fault():
    scenario = load(preset_path("crash_heartbeat"))
    n = len(scenario.faults)
    cut = LinkCutFault(a="p0", b="p1", start=1 * S)
    with_cut = recompute_with_fault(scenario, cut)
    healed = recompute_with_fault(with_cut, cut.model_copy(update={"end": 2 * S}), replace=n)
    assert healed.faults[n] == LinkCutFault(a="p0", b="p1", start=1 * S, end=2 * S)
    assert len(healed.faults) == n + 1
    with pytest.raises(IndexError):
        recompute_with_fault(scenario, cut, replace=99)
    with pytest.raises(ValueError, match="unknown host"):
        recompute_with_fault(scenario, CrashFault(host="nobody", at=0))


def test_run_scenario_without_qt_reports_progress():
    seen = []
    result = run_scenario(load(preset_path("message_passing_basics")),
                          progress=lambda now, end: seen.append((now, end)), chunks=10)
    assert len(seen) == 10 and seen[-1][0] == seen[-1][1] == result.until
    with pytest.raises(rc.RunCancelled):
        run_scenario(load(preset_path("message_passing_basics")), cancelled=lambda: True)


# -- opening traces ------------------------------------------------------------------------------


def test_open_trace_reads_a_trace_back(tmp_path):
    path = tmp_path / "t.jsonl"
    cli_main(["run", "message_passing_basics", "--out", str(path), "-q"])
    timeline = open_trace(path)  # the window's File > Open Trace reads through this
    assert timeline.header["seed"] == 1 and len(timeline.events) == 228


@pytest.mark.parametrize("content, message", [
    (None, "no such file"),
    ("hello\n", "not JSON"),
    ('{"format": "something else"}\n', "not a DS Sandbox trace"),
    ('{"format": "ds-sandbox-trace", "version": 1}\n{"seq": 0}\n', "line 2: bad event"),
    ('{"format": "ds-sandbox-trace", "version": 1}\n'
     '{"seq":0,"t":5,"kind":"timer","host":"a","local":5}\n'
     '{"seq":1,"t":4,"kind":"timer","host":"a","local":4}\n', "line 3: event time goes backwards"),
])
def test_open_trace_errors_name_the_file_and_line(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    if content is not None:
        path.write_text(content)
    with pytest.raises(TraceFormatError, match=message) as info:
        open_trace(path)
    assert str(path) in str(info.value)


def test_open_trace_of_a_folder_or_binary_file(tmp_path):
    with pytest.raises(TraceFormatError, match="folder"):
        open_trace(tmp_path)
    binary = tmp_path / "x.jsonl"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(TraceFormatError):
        open_trace(binary)


# -- limits ---------------------------------------------------------------------------------------


def test_a_run_heading_over_its_limit_warns_then_fails_with_a_sentence(qtbot, controller):
    warned, finished = [], []
    controller.warned.connect(warned.append)
    controller.finished.connect(finished.append)
    with qtbot.waitSignal(controller.failed, timeout=60_000) as blocker:
        controller.run(load(preset_path("message_passing_basics")), until=1000 * S,
                       limits=rc.Limits(max_events=2000))
    assert len(warned) == 1 and "more than the limit of 2,000 events" in warned[0]
    message = blocker.args[0]
    assert "The run was stopped at" in message and "max_events" in message
    assert "RunLimitExceeded" not in message and finished == []


def test_after_the_warning_a_run_without_limits_can_be_cancelled(qtbot, controller):
    controller.limits = rc.Limits.off(max_events=2000)  # what a setting of the window would do
    finished = []
    controller.finished.connect(finished.append)
    with qtbot.waitSignal(controller.warned, timeout=60_000) as blocker:
        controller.run(load(preset_path("message_passing_basics")), until=100_000 * S)
    assert "2,000 events" in blocker.args[0]
    assert controller.is_running()
    with qtbot.waitSignal(controller.cancelled, timeout=60_000):
        controller.cancel()
    assert controller.wait() and finished == []


@pytest.fixture
def window(qtbot, tmp_path):
    """The main window on ``message_passing_basics``, shown; error dialogs are recorded."""
    from PySide6.QtCore import QSettings

    from sandbox.gui.main_window import MainWindow

    _clear_pending_quit()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(load(preset_path("message_passing_basics")), None, settings=settings,
                     autosave_dir=tmp_path / "autosave")
    win.errors = []
    win._show_error = lambda title, message: win.errors.append((title, message))
    win._ask_save_changes = lambda: "discard"
    win.autosave_timer.stop()
    win.autoplay = False
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.run_controller.shutdown()


def test_the_window_shows_the_warning_beside_cancel(qtbot, window):
    window.document.set_setting("run.duration", 100_000 * S)
    window.run_controller.limits = rc.Limits.off(max_events=2000)
    with qtbot.waitSignal(window.run_controller.warned, timeout=60_000):
        assert window.run()
    text = window.statusBar().currentMessage()
    assert text.startswith("\u26a0") and "more than the limit of 2,000 events" in text
    assert window.cancel_run_button.isVisible()
    with qtbot.waitSignal(window.run_controller.cancelled, timeout=60_000):
        window.cancel_run_button.click()
    assert window.timeline is None and window.errors == []
    assert "\u26a0" not in window.statusBar().currentMessage()


def test_the_window_reports_a_run_stopped_by_its_limit(qtbot, window):
    window.document.set_setting("run.duration", 100_000 * S)
    window.run_controller.limits = rc.Limits(max_events=2000)
    with qtbot.waitSignal(window.run_controller.failed, timeout=60_000):
        assert window.run()
    qtbot.waitUntil(lambda: not window.run_controller.is_running())
    assert window.errors and window.errors[-1][0] == "Run failed"
    assert "more than the limit of 2,000 events" in window.errors[-1][1]
    assert not window.cancel_run_button.isVisible()
