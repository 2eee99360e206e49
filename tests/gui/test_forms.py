"""Tests of the form machinery on its own: a small pydantic model becomes a form that edits it."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, Field, ValidationError, model_validator
from PySide6.QtCore import Qt

from sandbox.gui import forms, inspector
from sandbox.gui.forms import (
    MIXED,
    CheckEditor,
    ChoiceEditor,
    DurationEditor,
    FloatEditor,
    IntEditor,
    ModelForm,
    OptionalEditor,
    TextEditor,
    describe_field,
    format_bandwidth,
    parse_bandwidth,
)

NS = {"unit": "ns"}


class Retry(BaseModel):
    """A nested model: shown as a collapsible section."""

    attempts: int = Field(3, ge=0, le=10)
    backoff: int = Field(1_000_000, ge=1, json_schema_extra=NS)


class Pump(BaseModel):
    """A small model with one field of each common kind and a cross-field rule."""

    name: str = "pump"
    enabled: bool = True
    mode: Literal["steady", "burst"] = "steady"
    count: int = Field(4, ge=1, le=64)
    rate: float = Field(10.0, ge=0.0, le=1000.0, json_schema_extra={"unit": "req/s"})
    timeout: int = Field(20_000_000, ge=0, json_schema_extra=NS, description="How long to wait")
    limit: int | None = Field(None, ge=0, json_schema_extra=NS)
    retry: Retry | None = None

    @model_validator(mode="after")
    def _burst_needs_two(self) -> Pump:
        if self.mode == "burst" and self.count < 2:
            raise ValueError("a burst needs a count of at least 2")
        return self


class Store:
    """Holds one or more pumps and applies a form's commits, like a document does."""

    def __init__(self, *pumps: Pump) -> None:
        self.pumps = list(pumps) or [Pump()]
        self.commits: list[tuple[str, object]] = []
        self.form: ModelForm | None = None

    def commit(self, path: str, value: object) -> None:
        new = []
        for pump in self.pumps:
            data = pump.model_dump()
            *parents, last = path.split(".")
            target = data
            for part in parents:
                target = target[part] if target[part] is not None else {}
            target[last] = value
            new.append(Pump.model_validate(data))  # raises ValidationError when refused
        self.pumps = new
        self.commits.append((path, value))
        if self.form is not None:
            self.form.set_objects(self.pumps)


@pytest.fixture
def store(qtbot):
    store = Store()
    form = ModelForm(Pump, store.commit, key="test_pump")
    qtbot.addWidget(form)
    store.form = form
    form.set_objects(store.pumps)
    form.resize(360, 600)
    form.show()
    return store


def test_describe_field_of_a_plain_model():
    count = describe_field("count", Pump.model_fields["count"])
    assert (count.kind, count.lo, count.hi) == ("int", 1, 64)
    timeout = describe_field("timeout", Pump.model_fields["timeout"])
    assert (timeout.kind, timeout.unit, timeout.description) == ("duration", "ns", "How long to wait")
    limit = describe_field("limit", Pump.model_fields["limit"])
    assert limit.kind == "duration" and limit.optional
    mode = describe_field("mode", Pump.model_fields["mode"])
    assert (mode.kind, mode.choices) == ("choice", ("steady", "burst"))
    retry = describe_field("retry", Pump.model_fields["retry"])
    assert (retry.kind, retry.model, retry.optional) == ("model", Retry, True)


def test_model_becomes_a_form_with_one_editor_per_field(store):
    form = store.form
    assert isinstance(form.editors["name"], TextEditor)
    assert isinstance(form.editors["enabled"], CheckEditor)
    assert isinstance(form.editors["mode"], ChoiceEditor)
    assert isinstance(form.editors["count"], IntEditor)
    assert form.editors["count"].spin.bounds == (1, 64)  # the arrows' range; typing goes past
    assert isinstance(form.editors["rate"], FloatEditor)
    assert form.editors["rate"].spin.suffix().strip() == "req/s"
    assert isinstance(form.editors["timeout"], DurationEditor)
    assert form.editors["timeout"].edit.text() == "20ms"
    assert "How long to wait" in form.editors["timeout"].toolTip()
    assert isinstance(form.editors["limit"], OptionalEditor)
    assert form.editors["limit"].none_box.isChecked()
    assert "retry" not in form.editors and "retry" in form.sections
    assert form.none_box("retry").isChecked()
    assert form.subform("retry").editors["attempts"].spin.value() == 3


def test_editing_a_field_emits_and_commits_the_value(store, qtbot):
    form = store.form
    timeout = form.editors["timeout"]
    timeout.edit.setText("1.5s")
    with qtbot.waitSignal(timeout.committed) as blocker:
        timeout.edit.editingFinished.emit()
    assert blocker.args == [1_500_000_000]
    assert store.commits == [("timeout", 1_500_000_000)]
    assert store.pumps[0].timeout == 1_500_000_000
    assert timeout.edit.text() == "1.5s"
    spin = form.editors["count"].spin
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "8")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: store.pumps[0].count == 8)
    assert store.commits[-1] == ("count", 8)
    mode = form.editors["mode"].combo
    mode.setCurrentIndex(mode.findData("burst"))
    mode.activated.emit(mode.currentIndex())
    assert store.commits[-1] == ("mode", "burst")


def test_an_unchanged_value_is_not_committed(store):
    timeout = store.form.editors["timeout"]
    timeout.edit.setText("20ms")
    timeout.edit.editingFinished.emit()
    assert store.commits == []


def test_bad_value_is_refused_with_a_message_and_the_last_good_value_kept(store, qtbot):
    form = store.form
    messages = []
    form.failed.connect(messages.append)
    count = form.editors["count"]
    count.spin.setValue(1)
    count.spin.editingFinished.emit()
    assert store.pumps[0].count == 1
    mode = form.editors["mode"]
    # The model refuses a burst with a count of 1: the form says why and shows "steady" again.
    mode.combo.setCurrentIndex(mode.combo.findData("burst"))
    mode.combo.activated.emit(mode.combo.currentIndex())
    assert store.pumps[0].mode == "steady"
    assert "a burst needs a count of at least 2" in mode.error_message()
    assert mode.combo.currentData() == "steady"
    assert messages and messages[-1].startswith("Mode: ")
    # A duration that does not parse never reaches the commit function.
    timeout = form.editors["timeout"]
    timeout.edit.setText("3 parsecs")
    with qtbot.waitSignal(timeout.failed):
        timeout.edit.editingFinished.emit()
    assert "unknown unit" in timeout.error_message()
    assert timeout.edit.text() == "20ms"
    assert store.commits == [("count", 1)]
    # A good value clears the message.
    timeout.edit.setText("30ms")
    timeout.edit.editingFinished.emit()
    assert timeout.error_message() == ""
    assert store.pumps[0].timeout == 30_000_000
    form.clear_errors()
    assert mode.error_message() == ""


def test_optional_field_and_section_none_boxes(store):
    form = store.form
    limit = form.editors["limit"]
    limit.none_box.click()
    assert store.pumps[0].limit == 1_000_000_000  # a duration's fallback: 1 s
    limit.none_box.click()
    assert store.pumps[0].limit is None
    form.none_box("retry").click()
    assert store.pumps[0].retry == Retry()
    backoff = form.subform("retry").editors["backoff"]
    backoff.edit.setText("5ms")
    backoff.edit.editingFinished.emit()
    assert store.commits[-1] == ("retry.backoff", 5_000_000)
    assert store.pumps[0].retry.backoff == 5_000_000


def test_mixed_values_show_a_dash_and_are_not_committed(qtbot):
    store = Store(Pump(count=2), Pump(count=5))
    form = ModelForm(Pump, store.commit, key="test_pump_mixed")
    qtbot.addWidget(form)
    store.form = form
    form.set_objects(store.pumps)
    count = form.editors["count"]
    assert count.value is MIXED
    assert count.spin.text() == "\u2014"
    count.spin.editingFinished.emit()
    assert store.commits == []
    assert form.editors["name"].value == "pump"
    form.editors["rate"].spin.setValue(20.0)
    form.editors["rate"].spin.editingFinished.emit()
    assert [p.rate for p in store.pumps] == [20.0, 20.0]


def test_labels_line_up_across_sections(store):
    form = store.form
    form.align_labels()
    outer = form.form.labelForField(form.editors["name"]).minimumWidth()
    inner_form = form.subform("retry")
    inner = inner_form.form.labelForField(inner_form.editors["attempts"]).minimumWidth()
    assert outer > 0 and inner == outer - ModelForm.INDENT


def test_bandwidth_text_round_trip():
    assert format_bandwidth(100e6) == "100 Mbit/s"
    assert parse_bandwidth("100 Mbit/s") == 100e6
    assert parse_bandwidth("2 kbps") == 2e3
    with pytest.raises(ValueError, match="invalid bandwidth"):
        parse_bandwidth("fast")


def test_inspector_module_re_exports_the_form_machinery():
    for name in ("ModelForm", "FormScrollArea", "FieldSpec", "describe_field", "MIXED",
                 "DurationEditor", "BandwidthEditor", "parse_bandwidth", "error_text"):
        assert getattr(inspector, name) is getattr(forms, name)


def test_error_text_keeps_the_messages_without_paths():
    with pytest.raises(ValidationError) as info:
        Pump(count=0)
    assert "greater than or equal to 1" in forms.error_text(info.value)
