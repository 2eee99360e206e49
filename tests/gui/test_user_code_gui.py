"""The user's behaviour files in the window: File > Load Behaviour... with consent (remembered
for a file's content, asked again when it changes), the entry as one undoable edit, the
inspector offering its behaviours, runs that ask consent first, the watcher's reload offer and
rerun with the new code, the template, syntax errors with line and column, and a behaviour that
loops forever without freezing the window."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer

from sandbox.engine.limits import Limits
from sandbox.gui.main_window import MainWindow
from sandbox.gui.user_code import ALWAYS_RELOAD_KEY, ConsentDialog, allowed_key, template
from sandbox.scenario import Host, Link, Scenario, registry
from sandbox.scenario.user_files import file_sha256

PING = '''\
from sandbox.api import MS, Duration, behaviour


@behaviour(title="Pinger")
def pinger(node, *, interval: Duration = 50 * MS, count: int = 3):
    node.report_state(version={version})
    for n in range(count):
        yield from node.sleep(interval)
        for peer in node.peers:
            node.send(peer, {{"type": "ping", "n": n, "version": {version}}})
'''

FOREVER = '''\
from sandbox.api import MS, Duration, behaviour


@behaviour(title="Forever")
def forever(node, *, interval: Duration = 10 * MS):
    yield from node.sleep(interval)
    n = 0
    while True:  # never yields again
        n += 1
'''


class Asked(list):
    """The consent questions the window asked: (path, sha256)."""


@pytest.fixture
def window(qtbot, tmp_path):
    """An unsaved window with two linked hosts; consent answered by ``win.answer``."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    scenario = Scenario(title="Mine", hosts=[Host(id="h1", x=0, y=0), Host(id="h2", x=200, y=0)],
                        links=[Link(a="h1", b="h2")])
    scenario.run.duration = 1_000_000_000
    win = MainWindow(scenario, None, settings=settings, autosave_dir=tmp_path / "autosave")
    win.errors, win.asked, win.messages = [], Asked(), []
    win.answer = (True, True)
    win._show_error = lambda title, message: win.errors.append((title, message))
    win._ask_save_changes = lambda: "discard"

    def consent(path, sha256):
        win.asked.append((Path(path), sha256))
        return win.answer

    win._ask_code_consent = consent
    shown = win.show_message
    win.show_message = lambda text, timeout=8000: (win.messages.append(text),
                                                   shown(text, timeout))
    win.autosave_timer.stop()
    win.autoplay = False
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.run_controller.shutdown()
    win.user_code.unload()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def use(win: MainWindow, behaviour: str) -> None:
    win.document.set_host_fields(["h1", "h2"], "behaviour", {"name": behaviour, "params": {}})


def run_and_wait(qtbot, win: MainWindow, **kwargs) -> None:
    with qtbot.waitSignal(win.run_controller.finished, timeout=60_000):
        assert win.run(**kwargs)
    qtbot.waitUntil(lambda: win.timeline is not None and not win.run_controller.is_running())


def pings(win: MainWindow) -> list:
    return [ev for ev in win.run_events if ev.kind == "send"]


# -- loading -------------------------------------------------------------------------------------

def test_load_behaviour_asks_consent_adds_one_undoable_entry_and_the_inspector_offers_it(
        qtbot, window, tmp_path):
    path = write(tmp_path / "mine.py", PING.format(version=1))
    window._ask_behaviour_path = lambda: str(path)
    assert not registry.is_registered("pinger")
    window.load_behaviour_action.trigger()
    sha = file_sha256(path)
    assert window.asked == [(path, sha)]
    (entry,) = window.document.scenario.behaviour_files
    assert (entry.path, entry.sha256, entry.behaviours) == (path.as_posix(), sha, ["pinger"])
    assert window.settings.value(allowed_key(sha), False, type=bool)
    assert registry.behaviour("pinger").origin == str(path)
    window.inspector.set_selection(["h1"])
    combo = window.inspector.behaviour.name_editor.combo
    assert "pinger" in [combo.itemData(i) for i in range(combo.count())]
    assert any("Loaded mine.py" in m for m in window.messages)
    # one undo step removes the entry (and unloads its behaviours)
    window.document.undo_stack.undo()
    assert window.document.scenario.behaviour_files == []
    assert not registry.is_registered("pinger")
    window.inspector.set_selection(["h2"])
    assert "pinger" not in [combo.itemData(i) for i in range(combo.count())]


def test_undoing_a_second_load_keeps_the_first_files_behaviours(qtbot, window, tmp_path):
    first = write(tmp_path / "mine.py", PING.format(version=1))
    second = write(tmp_path / "forever.py", FOREVER)
    assert window.user_code.load_behaviour(first)
    assert window.user_code.load_behaviour(second)
    assert registry.is_registered("pinger") and registry.is_registered("forever")
    window.document.undo_stack.undo()
    assert [e.path for e in window.document.scenario.behaviour_files] == [first.as_posix()]
    assert registry.is_registered("pinger") and not registry.is_registered("forever")
    assert window.asked == [(first, file_sha256(first)), (second, file_sha256(second))]
    window.document.undo_stack.undo()
    assert not registry.is_registered("pinger")


def test_refused_consent_loads_and_runs_nothing(qtbot, window, tmp_path):
    marker = tmp_path / "ran"
    path = write(tmp_path / "evil.py", f"open({str(marker)!r}, 'w').close()\n"
                 + PING.format(version=1))
    window.answer = (False, False)
    assert not window.user_code.load_behaviour(path)
    assert window.document.scenario.behaviour_files == []
    assert not marker.exists() and not registry.is_registered("pinger")
    assert window.document.undo_stack.count() == 0
    assert any("not loaded" in m for m in window.messages)


def test_a_syntax_error_is_shown_with_line_and_column_and_nothing_changes(qtbot, window,
                                                                          tmp_path):
    path = write(tmp_path / "broken.py", "from sandbox.api import behaviour\n\n"
                                         "def f(:\n    pass\n")
    assert not window.user_code.load_behaviour(path)
    assert window.asked == []  # nothing to consent to: it never runs
    ((title, message),) = window.errors
    assert "broken.py" in message and "line 3" in message and "column 7" in message
    assert window.document.scenario.behaviour_files == []


# -- consent before runs ---------------------------------------------------------------------

def test_remembered_consent_is_not_asked_again_and_a_changed_file_asks_again(qtbot, window,
                                                                             tmp_path):
    path = write(tmp_path / "mine.py", PING.format(version=1))
    assert window.user_code.load_behaviour(path)
    use(window, "pinger")
    run_and_wait(qtbot, window)
    assert len(window.asked) == 1  # the load asked; the run did not
    assert window.run_header["behaviour_files"][0]["sha256"] == file_sha256(path)
    # a second window (a new session) with the same settings: the same content is allowed
    window.user_code._session_allowed.clear()
    run_and_wait(qtbot, window)
    assert len(window.asked) == 1
    # a new version asks again, and the refusal keeps the run shown and the scenario
    write(path, PING.format(version=2))
    window.answer = (False, False)
    before = window.document.scenario.model_copy(deep=True)
    timeline = window.timeline
    assert not window.run()
    assert window.asked[-1] == (path, file_sha256(path))
    assert window.timeline is timeline and window.document.scenario == before
    assert any("did not allow" in m for m in window.messages)


def test_a_scenario_naming_files_asks_before_its_first_run_and_opening_runs_nothing(
        qtbot, window, tmp_path):
    marker = tmp_path / "ran"
    path = write(tmp_path / "mine.py", f"open({str(marker)!r}, 'a').close()\n"
                 + PING.format(version=1))
    from sandbox.scenario import io
    from sandbox.scenario.model import BehaviourFile

    scenario = window.document.scenario.model_copy(deep=True)
    scenario.behaviour_files = [BehaviourFile(path="mine.py", sha256=file_sha256(path),
                                              behaviours=["pinger"])]
    for h in scenario.hosts:
        h.behaviour.name = "pinger"
        h.behaviour.params = {}
    io.save(scenario, tmp_path / "s.json")
    assert window.open_file(tmp_path / "s.json")
    assert not marker.exists() and window.asked == []
    window.answer = (True, False)  # allowed for this session only
    run_and_wait(qtbot, window)
    assert marker.exists() and window.asked == [(path, file_sha256(path))]
    assert not window.settings.value(allowed_key(file_sha256(path)), False, type=bool)
    assert pings(window)
    run_and_wait(qtbot, window)
    assert len(window.asked) == 1


# -- edit and rerun ------------------------------------------------------------------------------

def test_the_watcher_offers_a_reload_and_the_rerun_uses_the_new_code(qtbot, window, tmp_path):
    path = write(tmp_path / "mine.py", PING.format(version=1))
    assert window.user_code.load_behaviour(path)
    use(window, "pinger")
    run_and_wait(qtbot, window)
    old = pings(window)
    assert len(old) == 2 * 3
    write(path, PING.format(version=2).replace("count: int = 3", "count: int = 5"))
    qtbot.waitUntil(lambda: window.reload_offer.isVisible(), timeout=10_000)
    assert window.reload_offer.text() == "mine.py changed \u2014 Reload and run again"
    with qtbot.waitSignal(window.run_controller.finished, timeout=60_000):
        window.reload_behaviours_action.trigger()
    qtbot.waitUntil(lambda: not window.run_controller.is_running())
    assert window.asked[-1] == (path, file_sha256(path))  # a new content asks consent
    assert len(pings(window)) == 2 * 5  # five rounds now, not three
    assert window.document.scenario.behaviour_files[0].sha256 == file_sha256(path)
    assert not window.reload_offer.isVisible()
    # the new hash is one undo step
    window.document.undo_stack.undo()
    assert window.document.scenario.behaviour_files[0].sha256 != file_sha256(path)


def test_always_reload_reruns_at_once_and_a_syntax_error_keeps_the_old_run(qtbot, window,
                                                                          tmp_path):
    path = write(tmp_path / "mine.py", PING.format(version=1))
    assert window.user_code.load_behaviour(path)
    use(window, "pinger")
    run_and_wait(qtbot, window)
    window.always_reload_action.trigger()
    assert window.settings.value(ALWAYS_RELOAD_KEY, False, type=bool)
    timeline = window.timeline
    with qtbot.waitSignal(window.run_controller.finished, timeout=60_000):
        write(path, PING.format(version=3))
    qtbot.waitUntil(lambda: window.timeline is not timeline and
                    not window.run_controller.is_running())
    assert not window.reload_offer.isVisible()
    timeline = window.timeline
    write(path, "def broken(:\n")
    qtbot.waitUntil(lambda: len(window.errors) == 1, timeout=10_000)
    assert "mine.py, line 1, column 12" in window.errors[0][1]
    assert window.timeline is timeline and not window.run_controller.is_running()


# -- the template --------------------------------------------------------------------------------

def test_the_template_loads_and_runs(qtbot, window, tmp_path):
    path = tmp_path / "my gossip.py"
    window._ask_new_behaviour_path = lambda: str(path)
    window.new_behaviour_action.trigger()
    text = path.read_text(encoding="utf-8")
    assert text == template(path)
    assert "docs/writing-behaviours.md" in text and "class MyGossipParams(Params)" in text
    (entry,) = window.document.scenario.behaviour_files
    assert entry.behaviours == ["my_gossip"]
    info = registry.behaviour("my_gossip")
    assert set(info.params.model_fields) == {"interval", "count"}
    use(window, "my_gossip")
    run_and_wait(qtbot, window)
    assert not window.errors
    assert pings(window)
    states = [ev for ev in window.run_events if ev.kind == "state"]
    assert states


# -- a behaviour that never yields ---------------------------------------------------------------

def test_a_behaviour_that_loops_forever_keeps_the_window_responsive_and_cancels(qtbot, window,
                                                                              tmp_path):
    path = write(tmp_path / "forever.py", FOREVER)
    assert window.user_code.load_behaviour(path)
    use(window, "forever")
    # no budget to stop it: only Cancel does
    window.run_controller.limits = Limits(user_lines_per_step=10**15)
    ticks = []
    timer = QTimer(window)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    assert window.run()
    qtbot.waitUntil(lambda: len(ticks) >= 20, timeout=10_000)  # the event loop goes on
    assert window.run_controller.is_running()
    with qtbot.waitSignal(window.run_controller.cancelled, timeout=10_000):
        window.cancel_run_button.click()
    assert not window.run_controller.is_running()
    timer.stop()


def test_a_behaviour_that_loops_forever_is_stopped_by_the_budget_and_the_run_goes_on(
        qtbot, window, tmp_path):
    path = write(tmp_path / "forever.py", FOREVER)
    assert window.user_code.load_behaviour(path)
    use(window, "forever")
    window.run_controller.limits = Limits(user_lines_per_step=200_000)
    ticks = []
    timer = QTimer(window)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    run_and_wait(qtbot, window)
    timer.stop()
    crashes = [ev for ev in window.run_events if ev.kind == "crash"]
    assert {ev.host for ev in crashes} == {"h1", "h2"}
    assert any("forever.py" in m for m in window.messages), window.messages[-3:]


C_LOOP = '''\
import os

from sandbox.api import MS, behaviour


@behaviour(title="Where")
def where(node):
    node.app("pid", pid=os.getpid())
    yield from node.sleep(1 * MS)


@behaviour(title="In C")
def in_c(node):
    yield from node.sleep(1 * MS)
    # one C call that runs for minutes, holding its interpreter's lock: no line of Python,
    # no checkpoint, no budget can stop it
    node.app("sum", total=sum(range(10 ** 13)))
'''


def test_a_run_with_user_code_happens_in_a_process_of_its_own(qtbot, window, tmp_path):
    path = write(tmp_path / "c_loop.py", C_LOOP)
    assert window.user_code.load_behaviour(path)
    use(window, "where")
    run_and_wait(qtbot, window)
    pids = {ev.data["pid"] for ev in window.run_events if ev.kind == "app"
            and ev.data["name"] == "pid"}
    assert len(pids) == 1 and os.getpid() not in pids


def test_a_loop_inside_c_code_keeps_the_window_responsive_and_cancel_stops_it(qtbot, window,
                                                                             tmp_path):
    path = write(tmp_path / "c_loop.py", C_LOOP)
    assert window.user_code.load_behaviour(path)
    use(window, "in_c")
    ticks = []
    timer = QTimer(window)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    assert window.run()
    qtbot.waitUntil(lambda: len(ticks) >= 30, timeout=20_000)  # the event loop goes on
    assert window.run_controller.is_running()
    with qtbot.waitSignal(window.run_controller.cancelled, timeout=10_000):
        window.cancel_run_button.click()
    assert not window.run_controller.is_running()
    timer.stop()


# -- the dialog ----------------------------------------------------------------------------------

def test_the_consent_dialog_shows_path_hash_and_remembers_by_default(qtbot, tmp_path):
    path = write(tmp_path / "mine.py", PING.format(version=1))
    dialog = ConsentDialog(path, file_sha256(path))
    qtbot.addWidget(dialog)
    assert dialog.path_label.text() == str(path)
    assert dialog.sha_label.text() == file_sha256(path)
    assert "permissions" in dialog.explanation.text()
    assert dialog.remember.isChecked()
    dialog.run_button.click()
    assert dialog.answer() == (True, True)
    dialog = ConsentDialog(path, file_sha256(path))
    qtbot.addWidget(dialog)
    dialog.dont_button.click()
    assert dialog.answer() == (False, False)


def test_paths_are_relative_to_a_saved_scenario(qtbot, window, tmp_path):
    (tmp_path / "code").mkdir()
    path = write(tmp_path / "code" / "mine.py", PING.format(version=1))
    window.document.mark_saved(tmp_path / "s.json")
    assert window.user_code.load_behaviour(path)
    assert window.document.scenario.behaviour_files[0].path == "code/mine.py"
    assert os.fspath(window.user_code.loaded_paths()[0]) == os.fspath(path.resolve())


def test_saving_makes_the_paths_relative_to_where_the_scenario_is_saved(qtbot, window,
                                                                        tmp_path):
    (tmp_path / "code").mkdir()
    path = write(tmp_path / "code" / "mine.py", PING.format(version=1))
    assert window.user_code.load_behaviour(path)  # unsaved: an absolute path
    assert window.document.scenario.behaviour_files[0].path == path.as_posix()
    (tmp_path / "a").mkdir()
    assert window.files.save_as(tmp_path / "a" / "s.json")
    assert window.document.scenario.behaviour_files[0].path == "../code/mine.py"
    (tmp_path / "b" / "deep").mkdir(parents=True)
    assert window.files.save_as(tmp_path / "b" / "deep" / "s.json")
    assert window.document.scenario.behaviour_files[0].path == "../../code/mine.py"
    saved = (tmp_path / "b" / "deep" / "s.json").read_text(encoding="utf-8")
    assert '"../../code/mine.py"' in saved
    window.document.undo_stack.undo()  # the rebase is an undoable step of its own
    assert window.document.scenario.behaviour_files[0].path == "../code/mine.py"
