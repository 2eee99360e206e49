"""Tests of the inspector: forms from pydantic fields, edits through widgets, undo, validation."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from sandbox.gui.document import Document
from sandbox.gui.forms import (
    MIXED,
    BandwidthEditor,
    ChoiceEditor,
    DurationEditor,
    FloatEditor,
    IntEditor,
    OptionalEditor,
    describe_field,
    parse_bandwidth,
)
from sandbox.gui.inspector import Inspector
from sandbox.scenario.model import (
    BehaviourSpec,
    ClockSpec,
    FailureSpec,
    Host,
    Link,
    LinkCutFault,
    Scenario,
)


def make_doc() -> Document:
    hosts = [Host(id=f"h{i}", label=f"Host {i}", x=i * 100.0) for i in range(1, 4)]
    hosts[0] = hosts[0].model_copy(update={"behaviour": BehaviourSpec(
        name="rr_client", params={"server": "h2", "interval": "200ms"})})
    links = [Link(a="h1", b="h2", loss=0.05), Link(a="h2", b="h3")]
    return Document(Scenario(hosts=hosts, links=links))


@pytest.fixture
def inspector(qtbot):
    doc = make_doc()
    widget = Inspector(doc)
    qtbot.addWidget(widget)
    widget.resize(360, 900)
    widget.show()
    return widget


def host_form(inspector):
    return inspector.forms["host"]


def clock_editor(inspector, name):
    return host_form(inspector).subform("clock").editors[name]


def test_describe_field_reads_kinds_bounds_and_units():
    drift = describe_field("drift_ppm", ClockSpec.model_fields["drift_ppm"])
    assert (drift.kind, drift.lo, drift.hi, drift.unit) == ("float", -100_000, 100_000, "ppm")
    resolution = describe_field("resolution", ClockSpec.model_fields["resolution"])
    assert (resolution.kind, resolution.lo) == ("duration", 1)
    mttr = describe_field("mttr", FailureSpec.model_fields["mttr"])
    assert mttr.kind == "duration" and mttr.optional
    prob = describe_field("crash_probability", FailureSpec.model_fields["crash_probability"])
    assert (prob.kind, prob.lo, prob.hi) == ("probability", 0.0, 1.0)
    mode = describe_field("crash_mode", FailureSpec.model_fields["crash_mode"])
    assert mode.kind == "choice" and "fail_stop" in mode.choices
    latency = describe_field("latency", Link.model_fields["latency"])
    assert latency.kind == "model" and latency.optional


def test_form_widgets_follow_field_types(inspector):
    inspector.set_selection(hosts=["h1"])
    form = host_form(inspector)
    assert isinstance(form.editors["cores"], IntEditor)
    # the arrows step within the field's range; a value past it can be typed (and is refused
    # with a message saying the range: tests/gui/test_hints_inspector.py)
    assert form.editors["cores"].spin.bounds == (1, 1024)
    assert isinstance(form.editors["kind"], ChoiceEditor)
    assert isinstance(clock_editor(inspector, "offset"), DurationEditor)
    failures = form.subform("failures")
    prob = failures.editors["crash_probability"]
    assert isinstance(prob, FloatEditor)
    assert (*prob.spin.bounds, prob.spin.decimals()) == (0.0, 1.0, 3)
    assert isinstance(failures.editors["mttr"], OptionalEditor)
    assert failures.editors["mttr"].none_box.isChecked()
    drift = clock_editor(inspector, "drift_ppm")
    assert drift.spin.suffix().strip() == "ppm"
    assert "parts per million" in drift.toolTip()


def test_inspector_edit_and_undo_update_model_and_form(inspector, qtbot):
    doc = inspector.document
    inspector.set_selection(hosts=["h1"])
    editor = clock_editor(inspector, "offset")
    assert editor.edit.text() == "0ns"
    editor.edit.setText("20ms")
    with qtbot.waitSignal(doc.host_changed):
        editor.edit.editingFinished.emit()
    assert doc.host("h1").clock.offset == 20_000_000
    assert editor.edit.text() == "20ms"
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert doc.host("h1").clock.offset == 0
    assert editor.edit.text() == "0ns"
    doc.undo_stack.redo()
    assert editor.edit.text() == "20ms"


def test_spin_box_edit_through_keyboard(inspector, qtbot):
    doc = inspector.document
    inspector.set_selection(hosts=["h2"])
    spin = host_form(inspector).editors["cores"].spin
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "8")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: doc.host("h2").cores == 8)
    doc.undo_stack.undo()
    assert doc.host("h2").cores == 1
    assert spin.value() == 1


def test_invalid_value_is_refused_with_message_and_model_unchanged(inspector, qtbot):
    doc = inspector.document
    inspector.set_selection(hosts=["h1"])
    before = doc.scenario.model_dump()
    messages = []
    inspector.message.connect(messages.append)
    editor = clock_editor(inspector, "resolution")
    editor.edit.setText("0ns")  # the clock resolution must be at least 1 ns
    editor.edit.editingFinished.emit()
    assert doc.scenario.model_dump() == before
    assert doc.undo_stack.count() == 0
    assert "0ns is out of range: allowed at least 1ns" in editor.error_message()
    assert editor.edit.text() == "1ns"  # the last good value is back
    assert messages and "Resolution" in messages[-1]
    # A duration that does not parse is refused before it reaches the document.
    editor.edit.setText("3 parsecs")
    editor.edit.editingFinished.emit()
    assert "unknown unit" in editor.error_message()
    assert doc.scenario.model_dump() == before
    # A good value clears the message.
    editor.edit.setText("1us")
    editor.edit.editingFinished.emit()
    assert editor.error_message() == ""
    assert doc.host("h1").clock.resolution == 1_000


def test_cross_field_problem_is_refused(inspector):
    doc = inspector.document
    inspector.set_selection(links=[0])
    latency = inspector.forms["link"].subform("latency")
    # Give the link a uniform latency whose spread exceeds its mean: refused.
    doc.set_link_fields([0], "latency", {"dist": "uniform", "mean": 1_000_000, "spread": 0})
    spread = latency.editors["spread"]
    spread.edit.setText("5ms")
    spread.edit.editingFinished.emit()
    assert "spread must not exceed mean" in spread.error_message()
    assert doc.scenario.links[0].latency.spread == 0


def test_multi_host_edit_is_one_undo_step(inspector, qtbot):
    doc = inspector.document
    inspector.set_selection(hosts=["h1", "h2", "h3"])
    assert "3 hosts" in inspector.title.text()
    drift = clock_editor(inspector, "drift_ppm")
    label = host_form(inspector).editors["label"]
    assert label.value is MIXED
    assert label.edit.placeholderText() == "\u2014"
    drift.spin.setValue(50.0)
    drift.spin.editingFinished.emit()
    assert [h.clock.drift_ppm for h in doc.scenario.hosts] == [50.0, 50.0, 50.0]
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert [h.clock.drift_ppm for h in doc.scenario.hosts] == [0.0, 0.0, 0.0]
    assert drift.spin.value() == 0.0


def test_mixed_values_are_shown_as_a_dash_and_not_committed(inspector):
    doc = inspector.document
    doc.set_host_fields(["h1"], "cores", 4)
    inspector.set_selection(hosts=["h1", "h2"])
    cores = host_form(inspector).editors["cores"]
    assert cores.value is MIXED
    assert cores.spin.text() == "\u2014"
    cores.spin.editingFinished.emit()
    assert doc.undo_stack.count() == 1  # only the set-up edit
    assert not host_form(inspector).editors["id"].isEnabled()


def test_optional_field_none_box(inspector):
    doc = inspector.document
    inspector.set_selection(hosts=["h1"])
    mttr = host_form(inspector).subform("failures").editors["mttr"]
    mttr.none_box.click()
    assert doc.host("h1").failures.mttr == 60_000_000_000
    mttr.inner.edit.setText("5min")
    mttr.inner.edit.editingFinished.emit()
    assert doc.host("h1").failures.mttr == 300_000_000_000
    mttr.none_box.click()
    assert doc.host("h1").failures.mttr is None


def test_link_form_bandwidth_and_latency_section(inspector):
    doc = inspector.document
    inspector.set_selection(links=[1])
    form = inspector.forms["link"]
    assert "h2" in inspector.title.text() and "h3" in inspector.title.text()
    bandwidth = form.editors["bandwidth"]
    assert isinstance(bandwidth.inner, BandwidthEditor)
    bandwidth.none_box.click()
    bandwidth.inner.edit.setText("100M")
    bandwidth.inner.edit.editingFinished.emit()
    assert doc.scenario.links[1].bandwidth == 100e6
    box = form.none_box("latency")
    assert box.isChecked()  # no latency: by locality
    mean = form.subform("latency").editors["mean"]
    assert mean.edit.text() == "500us"  # ungrouped hosts count as one data centre
    assert not mean.isEnabled() or not form.subform("latency").isEnabled()
    box.click()
    assert doc.scenario.links[1].latency.mean == 500_000
    loss = form.editors["loss"]
    loss.spin.setValue(0.25)
    loss.spin.editingFinished.emit()
    assert doc.scenario.links[1].loss == 0.25
    assert parse_bandwidth("1.5 Gbit/s") == 1.5e9
    with pytest.raises(ValueError):
        parse_bandwidth("fast")


def test_behaviour_change_and_params(inspector):
    doc = inspector.document
    inspector.set_selection(hosts=["h3"])
    behaviour = inspector.behaviour
    combo = behaviour.name_editor.combo
    combo.setCurrentIndex(combo.findData("rr_client"))
    combo.activated.emit(combo.currentIndex())
    spec = doc.host("h3").behaviour
    assert spec.name == "rr_client"
    assert spec.params["server"] == "h1"  # the first host not selected
    assert doc.undo_stack.count() == 1
    interval = behaviour.params.editors["interval"]
    interval.edit.setText("1s")
    interval.edit.editingFinished.emit()
    assert doc.host("h3").behaviour.params["interval"] == 1_000_000_000
    server = behaviour.params.editors["server"]
    server.combo.setCurrentIndex(server.combo.findData("h1"))
    server.combo.activated.emit(server.combo.currentIndex())
    assert doc.host("h3").behaviour.params["server"] == "h1"
    before = spec.params["server"]
    doc.undo_stack.undo()
    assert doc.host("h3").behaviour.params["server"] == before
    assert server.combo.currentData() == before


def test_behaviour_param_invalid_is_refused(inspector):
    doc = inspector.document
    inspector.set_selection(hosts=["h1"])
    retries = inspector.behaviour.params.editors["retries"]
    retries.spin.setMaximum(1000)  # get past the spin box's own range
    retries.spin.setValue(500)
    retries.spin.editingFinished.emit()
    assert "retries" not in doc.host("h1").behaviour.params
    assert "500 is out of range: allowed 0 to 100" in retries.error_message()


def test_rename_host_keeps_it_selected(inspector):
    doc = inspector.document
    inspector.set_selection(hosts=["h2"])
    ident = host_form(inspector).editors["id"]
    ident.edit.setText("server")
    ident.edit.editingFinished.emit()
    assert doc.scenario.host_ids() == ["h1", "server", "h3"]
    assert doc.host("h1").behaviour.params["server"] == "server"
    assert inspector.selection()[0] == ["server"]
    assert ident.edit.text() == "server"


def test_selection_of_removed_host_empties_the_form(inspector):
    doc = inspector.document
    inspector.set_selection(hosts=["h3"])
    doc.remove(host_ids=["h3"])
    assert inspector.kind is None
    doc.add_fault(LinkCutFault(a="h1", b="h2", start=0))
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert inspector.kind is None  # the selection is the canvas's to restore


def test_reset_clears_the_selection(inspector):
    inspector.set_selection(hosts=["h1"])
    inspector.document.set_scenario(Scenario(hosts=[Host(id="x")]))
    assert inspector.kind is None
    assert inspector.selection() == ([], [], [])


# -- the scenario settings panel (built with the same form generator) --------------------------


@pytest.fixture
def settings(qtbot):
    from sandbox.gui.settings_panel import ScenarioSettings

    widget = ScenarioSettings(make_doc())
    qtbot.addWidget(widget)
    widget.resize(360, 900)
    widget.show()
    return widget


def test_settings_edit_and_undo(settings):
    doc = settings.document
    run = settings.form.subform("run")
    run.editors["duration"].edit.setText("2min")
    run.editors["duration"].edit.editingFinished.emit()
    assert doc.scenario.run.duration == 120_000_000_000
    title = settings.form.editors["title"]
    title.edit.setText("My system")
    title.edit.editingFinished.emit()
    assert doc.scenario.title == "My system"
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.scenario.run.duration == 10_000_000_000
    assert run.editors["duration"].edit.text() == "10s"
    assert title.edit.text() == ""


def test_settings_refuse_invalid_value(settings):
    doc = settings.document
    model = settings.form.subform("model")
    tail = model.editors["async_tail"]
    before = doc.scenario.model.async_tail
    tail.spin.setValue(1.0)  # the tail index must be greater than 1
    tail.spin.editingFinished.emit()
    assert doc.scenario.model.async_tail == before
    assert tail.spin.value() == before
    assert "allowed more than 1, up to 10" in tail.error_message()


def test_settings_custom_profile_starts_from_the_current_shape(settings):
    doc = settings.document
    workload = settings.form.subform("workload")
    profile = workload.editors["profile"].combo
    profile.setCurrentIndex(profile.findData("custom"))
    profile.activated.emit(profile.currentIndex())
    assert doc.scenario.workload.profile == "custom"
    assert len(doc.scenario.workload.points) == 5
    assert doc.undo_stack.count() == 1
    points = workload.editors["points"]
    points.edit.setText("0s: 5, 1h: 50, 2h: 5")
    points.edit.editingFinished.emit()
    assert [(p.t, p.rate) for p in doc.scenario.workload.points] == [
        (0, 5.0), (3_600_000_000_000, 50.0), (7_200_000_000_000, 5.0)]
    assert settings.preview.samples(doc.scenario.workload)[-1][0] == 7_200_000_000_000


def test_settings_grey_out_fields_the_model_does_not_use(settings):
    doc = settings.document
    model = settings.form.subform("model")
    assert not model.editors["gst"].isEnabled()
    doc.set_setting("model.synchrony", "partially_synchronous")
    assert model.editors["gst"].isEnabled()


def test_views_refresh_once_per_undo_step(qapp):
    from sandbox.gui.batching import ChangeBatcher

    doc = make_doc()
    calls = []
    batcher = ChangeBatcher(lambda: calls.append(len(calls)))
    batcher.attach(doc, [doc.host_changed, doc.link_changed])
    doc.set_host_fields(["h1", "h2", "h3"], "cores", 2)  # three host_changed signals
    assert calls == [0]
    doc.undo_stack.undo()
    assert calls == [0, 1]
    batcher.detach()
    doc.undo_stack.redo()
    assert calls == [0, 1]


def _pick(inspector, host, name):
    inspector.set_selection(hosts=[host])
    combo = inspector.behaviour.name_editor.combo
    i = combo.findData(name)
    assert i >= 0, name
    combo.setCurrentIndex(i)
    combo.activated.emit(i)
    return inspector.document.host(host).behaviour


def test_every_behaviour_can_be_picked_and_shows_a_form_of_its_parameters(inspector):
    from sandbox.scenario import registry
    from sandbox.scenario.behaviours import behaviour_problems

    doc = inspector.document
    ids = {h.id for h in doc.scenario.hosts}
    for name in registry.names():
        spec = _pick(inspector, "h3", name)
        assert spec.name == name
        assert behaviour_problems(name, spec.params, ids) == [], name
        form = inspector.behaviour.params
        assert set(form.editors) == set(registry.behaviour(name).params.model_fields), name


def test_a_new_client_names_the_server_of_its_kind_and_a_group_its_members(inspector):
    _pick(inspector, "h2", "rpc_server")
    assert _pick(inspector, "h3", "rpc_client").params["server"] == "h2"
    _pick(inspector, "h1", "primary_backup")
    _pick(inspector, "h2", "primary_backup")
    assert _pick(inspector, "h3", "primary_backup").params["replicas"] == ["h1", "h2", "h3"]
    _pick(inspector, "h1", "ntp_server")
    assert _pick(inspector, "h3", "ntp").params["server"] == "h1"
