"""Hints in the inspector and the Problems dock, the inspector raised by a selection, the
"Failures happen by" choice, and out-of-range values said inline (issue 12)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from sandbox.gui.document import Document
from sandbox.gui.inspector import Inspector, failures_by
from sandbox.gui.main_window import MainWindow
from sandbox.gui.problems_panel import ProblemsPanel, id_path, scenario_problems
from sandbox.gui.theme import apply_theme
from sandbox.scenario.hints import crash_rate
from sandbox.scenario.model import FailureSpec, Host, Link, Scenario

SECOND = 1_000_000_000


def two_islands() -> Scenario:
    """Four broadcasting hosts in two pairs that no link joins."""
    bc = {"name": "broadcast", "params": {"count": 3}}
    hosts = [Host(id=h, x=i * 150.0, behaviour=bc) for i, h in enumerate(("a", "b", "c", "d"))]
    return Scenario(hosts=hosts, links=[Link(a="a", b="b"), Link(a="c", b="d")])


@pytest.fixture
def inspector(qtbot):
    widget = Inspector(Document(two_islands()))
    qtbot.addWidget(widget)
    widget.resize(380, 900)
    widget.show()
    return widget


def peers_editor(inspector):
    return inspector.forms["host"].field_editor("behaviour.params.peers")


def failures_form(inspector):
    return inspector.forms["host"].subform("failures")


# -- hints under the fields ---------------------------------------------------------------------


def test_a_hint_appears_under_its_field_and_goes_when_the_cause_is_fixed(inspector, qtbot):
    doc = inspector.document
    inspector.set_selection(hosts=["a"])
    assert "a sends to 2 hosts that no link leads to (c, d)" in peers_editor(inspector) \
        .hint_message()
    assert inspector.forms["host"].field_hints("behaviour.params.peers") \
        == peers_editor(inspector).hint_message()
    doc.add_link(Link(a="b", b="c"))  # the islands joined: every host reaches every other
    qtbot.waitUntil(lambda: peers_editor(inspector).hint_message() == "")
    doc.undo_stack.undo()
    qtbot.waitUntil(lambda: "no link leads" in peers_editor(inspector).hint_message())
    inspector.set_selection(links=[0])
    assert inspector.selection_hints() == {}


def test_crash_hints_follow_the_run_duration(inspector, qtbot):
    doc = inspector.document
    doc.set_host_fields(["a"], "failures.crash_probability", 0.01)  # 1% a year, 10 s run
    inspector.set_selection(hosts=["a"])
    prob = failures_form(inspector).editors["crash_probability"]
    qtbot.waitUntil(lambda: "no random crash will show" in prob.hint_message())
    doc.set_setting("run.duration", "3650d")
    qtbot.waitUntil(lambda: prob.hint_message() == "")


def test_show_field_opens_the_section_and_focuses_the_editor(inspector, qtbot):
    inspector.set_selection(hosts=["a"])
    section = inspector.forms["host"].sections["failures"]
    section.set_expanded(False)
    assert inspector.show_field("hosts[a].failures.mttr")
    assert section.is_expanded()
    assert not inspector.show_field("hosts[b].failures.mttr")  # not the object shown
    assert not inspector.show_field("hosts[a].failures.nothing")


# -- the Problems dock --------------------------------------------------------------------------


def test_problems_panel_lists_hints_live_and_says_when_there_are_none(qtbot):
    doc = Document(two_islands())
    panel = ProblemsPanel(doc)
    qtbot.addWidget(panel)
    assert panel.counts() == {"error": 0, "warning": 4, "hint": 0}
    assert [panel.path_at(i) for i in range(4)] == [
        f"hosts[{h}].behaviour.params.peers" for h in "abcd"]
    doc.set_setting("model.communication", "dsm")
    qtbot.waitUntil(lambda: panel.counts()["hint"] == 1)
    assert any(p.path == "model.communication" for p in panel.problems)
    doc.add_link(Link(a="b", b="c"))
    doc.set_setting("model.communication", "message_passing")
    qtbot.waitUntil(lambda: panel.problems == [])
    assert panel.empty.isVisibleTo(panel) and not panel.list.isVisibleTo(panel)
    assert "No problems" in panel.empty.text()


def test_validation_problems_are_named_by_id():
    s = Scenario.model_construct(
        hosts=[Host(id="h1"), Host(id="h2", group="nowhere")], links=[Link(a="h1", b="h2")],
        groups=[], faults=[], behaviour_files=[])
    assert id_path(s, "hosts[1].group") == "hosts[h2].group"
    assert id_path(s, "links[0]") == "links[h1-h2]"
    assert id_path(s, "hosts[7].group") == "hosts[7].group"
    problems = scenario_problems(s)
    assert problems[0].severity == "error" and problems[0].path == "hosts[h2].group"


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(two_islands(), settings=settings, autosave_dir=tmp_path / "autosave")
    w._ask_save_changes = lambda: "discard"
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_clicking_a_problem_selects_its_host_and_shows_the_field(window, qtbot):
    window.problems_dock.raise_()
    panel = window.problems
    assert window.problems_dock.windowTitle() == "Problems (4)"
    item = panel.list.item(2)  # hosts[c]
    with qtbot.waitSignal(panel.activated) as blocker:
        panel.list.itemClicked.emit(item)
    assert blocker.args == ["hosts[c].behaviour.params.peers"]
    assert window.scene.selected_host_ids() == ["c"]
    assert window.inspector.selection()[0] == ["c"]
    qtbot.waitUntil(lambda: not window.inspector_dock.visibleRegion().isEmpty())
    assert "no link leads" in peers_editor(window.inspector).hint_message()


def test_a_scenario_hint_shows_in_the_scenario_dock(window, qtbot):
    window.document.set_setting("model.communication", "dsm")
    form = window.settings_panel.form
    qtbot.waitUntil(lambda: "DSM is chosen" in form.field_hints("model.communication"))
    row = next(i for i in range(window.problems.list.count())
               if window.problems.path_at(i) == "model.communication")
    window.problems.list.itemClicked.emit(window.problems.list.item(row))
    qtbot.waitUntil(lambda: not window.settings_dock.visibleRegion().isEmpty())
    window.document.set_setting("model.communication", "message_passing")
    qtbot.waitUntil(lambda: form.field_hints("model.communication") == "")


# -- the inspector is raised by a selection -----------------------------------------------------


@pytest.mark.parametrize("what", ["host", "link", "group"])
def test_selecting_raises_the_inspector_and_nothing_leaves_the_docks(window, qtbot, what):
    if what == "group":
        window.document.add_group({"id": "rack1", "x": -50, "y": -50})
    window.memory_dock.raise_()
    qtbot.waitUntil(lambda: window.inspector_dock.visibleRegion().isEmpty())
    window.scene.select()  # nothing: the memory map stays in front
    window._on_selection_changed()
    assert window.inspector_dock.visibleRegion().isEmpty()
    window.scene.select(host_ids=["a"] if what == "host" else [],
                        link_indices=[0] if what == "link" else [],
                        group_ids=["rack1"] if what == "group" else [])
    window._on_selection_changed()  # what the scene's selection_changed calls
    qtbot.waitUntil(lambda: not window.inspector_dock.visibleRegion().isEmpty())
    assert window.inspector.kind == what


# -- failures happen by ... ---------------------------------------------------------------------


def test_the_failure_mode_choice_greys_the_other_way_and_switches_in_one_undo_step(inspector):
    doc = inspector.document
    doc.set_host_fields(["a"], "failures.crash_probability", 0.5)
    doc.set_host_fields(["a"], "failures.crash_period", 10 * SECOND)
    inspector.set_selection(hosts=["a"])
    form = failures_form(inspector)
    choice = inspector.failure_mode
    assert choice.value == "probability"
    assert form.editors["crash_probability"].isEnabled() and not form.editors["mttf"].isEnabled()
    steps = doc.undo_stack.count()
    before = doc.host("a").failures
    choice.combo.setCurrentIndex(choice.combo.findData("mttf"))
    choice.combo.activated.emit(choice.combo.currentIndex())
    after = doc.host("a").failures
    assert doc.undo_stack.count() == steps + 1
    assert after.crash_probability == 0.0 and after.mttf is not None
    assert crash_rate(after) == pytest.approx(crash_rate(before), rel=1e-6)  # the rate kept
    assert choice.value == "mttf"
    assert form.editors["mttf"].isEnabled() and not form.editors["crash_probability"].isEnabled()
    assert not form.editors["crash_period"].isEnabled()
    doc.undo_stack.undo()
    assert doc.host("a").failures == before and choice.value == "probability"


def test_switching_several_hosts_is_one_step_and_a_mixed_choice_shows_a_dash(inspector):
    doc = inspector.document
    doc.set_host_fields(["b"], "failures.mttf", 5 * SECOND)
    inspector.set_selection(hosts=["a", "b"])
    choice = inspector.failure_mode
    assert choice.combo.currentText() == "\u2014"
    steps = doc.undo_stack.count()
    choice.combo.activated.emit(choice.combo.findData("probability"))
    assert doc.undo_stack.count() == steps + 1
    assert all(doc.host(h).failures.mttf is None for h in "ab")
    doc.undo_stack.undo()
    assert doc.host("b").failures.mttf == 5 * SECOND


def test_failures_by_keeps_the_rate_and_clears_the_other_field():
    f = FailureSpec(mttf=20 * SECOND, crash_period=SECOND)
    p = failures_by(f, "probability")
    assert p.mttf is None and crash_rate(p) == pytest.approx(crash_rate(f))
    short = failures_by(FailureSpec(mttf=SECOND), "probability")  # p would round to 1
    assert short.crash_period == SECOND and crash_rate(short) == pytest.approx(1 / SECOND)
    assert failures_by(FailureSpec(), "mttf").mttf == 30 * 86_400 * SECOND


# -- out-of-range values ------------------------------------------------------------------------


def test_a_probability_of_two_is_refused_inline_with_the_range(window, qtbot):
    window.scene.select(link_indices=[0])
    window._on_selection_changed()
    form = window.inspector.forms["link"]
    corruption = form.editors["corruption"]
    corruption.spin.setValue(1.5)  # typed: the spin box no longer clamps it to 1
    assert corruption.spin.value() == 1.5
    corruption.spin.editingFinished.emit()
    assert window.document.scenario.links[0].corruption == 0.0
    assert corruption.error_message() == \
        "1.5 is out of range: allowed 0 to 1 (a probability)"
    status = window.statusBar().currentMessage()
    assert status == "Corruption: 1.5 is out of range: allowed 0 to 1 (a probability)"
    corruption.spin.setValue(0.25)
    corruption.spin.editingFinished.emit()
    assert window.document.scenario.links[0].corruption == 0.25
    assert corruption.error_message() == ""
    assert window.statusBar().currentMessage() == ""  # the error went with its cause
    # arrows step within the range
    corruption.spin.setValue(1.0)
    corruption.spin.stepBy(3)
    assert corruption.spin.value() == 1.0


def test_a_duration_and_a_count_past_their_range_say_the_unit(inspector):
    inspector.set_selection(hosts=["a"])
    form = inspector.forms["host"]
    cores = form.editors["cores"]
    cores.spin.setValue(5000)
    cores.spin.editingFinished.emit()
    assert cores.error_message() == "5000 is out of range: allowed 1 to 1024"
    resolution = form.subform("clock").editors["resolution"]
    resolution.edit.setText("0ns")
    resolution.edit.editingFinished.emit()
    assert resolution.error_message() == "0ns is out of range: allowed at least 1ns"
    drift = form.subform("clock").editors["drift_ppm"]
    drift.spin.setValue(2e5)
    drift.spin.editingFinished.emit()
    assert drift.error_message() == \
        "200000 ppm is out of range: allowed -100000 ppm to 100000 ppm"
    assert inspector.document.host("a").cores == 1


# -- screenshots --------------------------------------------------------------------------------


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots_of_a_hint_and_the_problems_dock(window, qtbot, tmp_path, theme):
    import os

    app = QApplication.instance()
    apply_theme(app, theme)
    try:
        window.document.set_setting("model.communication", "dsm")
        window.document.set_host_fields(["a"], "failures.crash_probability", 0.01)
        qtbot.waitUntil(lambda: window.problems.counts()["hint"] >= 2)
        shots = os.environ.get("SANDBOX_SHOTS")
        folder = shots or str(tmp_path)
        window.scene.select(host_ids=["a"])
        window._on_selection_changed()
        window.inspector.show_field("hosts[a].behaviour.params.peers")
        qtbot.waitUntil(lambda: "no link" in peers_editor(window.inspector).hint_message())
        hint = peers_editor(window.inspector).hint_label
        # the wrapped hint gets the height of its lines once the layout has settled
        qtbot.waitUntil(lambda: hint.height() >= hint.heightForWidth(hint.width()))
        assert window.inspector_dock.grab().save(f"{folder}/E_hint_inspector_{theme}.png")
        window.settings_dock.raise_()
        window.settings_panel.form.reveal("model.communication")
        assert window.settings_dock.grab().save(f"{folder}/E_hint_scenario_{theme}.png")
        window.problems_dock.raise_()
        qtbot.waitUntil(lambda: not window.problems_dock.visibleRegion().isEmpty())
        assert window.problems_dock.grab().save(f"{folder}/E_problems_{theme}.png")
        assert window.grab().save(f"{folder}/E_window_{theme}.png")
    finally:
        apply_theme(app, "light")
        window.setFocus(Qt.FocusReason.OtherFocusReason)
