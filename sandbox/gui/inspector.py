"""The inspector: forms generated from the pydantic fields of the selected hosts, links or groups.

:class:`ModelForm` turns a pydantic model class into a form: a check box for a
``bool``, a combo box for a ``Literal``, spin boxes with the field's range for
numbers, a line edit that accepts ``20ms`` for durations, a "none" check box
for optional fields and a collapsible section for each nested model. The
form never changes a model itself: each committed edit calls ``commit(path,
value)``, which goes to the document's edit API; when that raises, the form
shows the message in red under the field and puts the last good value back.

:class:`Inspector` is the dock content that shows the form of the selection
and follows the document's signals, so that undo and redo update it.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent, QFont, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..engine.network import group_chain, locality_latency
from ..scenario.behaviours import BEHAVIOURS, behaviour_summary
from ..scenario.io import validation_problems
from ..scenario.model import BehaviourSpec, Group, Host, LatencySpec, Link
from ..scenario.units import format_duration, parse_duration
from .batching import ChangeBatcher
from .theme import error_colour

#: Stands for "the selected objects differ in this field".
MIXED: Any = type("Mixed", (), {"__repr__": lambda self: "MIXED"})()

#: The text shown for a mixed value.
MIXED_TEXT = "\u2014"

_INT32 = 2**31 - 1

#: A function that lists the choices of a reference field as (value, text) pairs.
ChoiceProvider = Callable[[], list[tuple[Any, str]]]
#: The commit callback of a form: (dotted path, value); raises ValueError when refused.
Commit = Callable[[str, Any], None]


def _tr(text: str, context: str = "Inspector") -> str:
    return QCoreApplication.translate(context, text)


# Field labels, translated at run time in the "Field" context (marked for lupdate here).
_LABELS = {
    "id": QT_TRANSLATE_NOOP("Field", "Id"),
    "label": QT_TRANSLATE_NOOP("Field", "Label"),
    "kind": QT_TRANSLATE_NOOP("Field", "Kind"),
    "x": QT_TRANSLATE_NOOP("Field", "X"),
    "y": QT_TRANSLATE_NOOP("Field", "Y"),
    "group": QT_TRANSLATE_NOOP("Field", "Group"),
    "parent": QT_TRANSLATE_NOOP("Field", "Parent group"),
    "cores": QT_TRANSLATE_NOOP("Field", "Cores"),
    "clock": QT_TRANSLATE_NOOP("Field", "Clock"),
    "failures": QT_TRANSLATE_NOOP("Field", "Failures"),
    "memory_pages": QT_TRANSLATE_NOOP("Field", "Memory pages"),
    "behaviour": QT_TRANSLATE_NOOP("Field", "Behaviour"),
    "offset": QT_TRANSLATE_NOOP("Field", "Offset"),
    "drift_ppm": QT_TRANSLATE_NOOP("Field", "Drift"),
    "resolution": QT_TRANSLATE_NOOP("Field", "Resolution"),
    "jitter": QT_TRANSLATE_NOOP("Field", "Jitter"),
    "crash_probability": QT_TRANSLATE_NOOP("Field", "Crash probability"),
    "crash_period": QT_TRANSLATE_NOOP("Field", "Crash period"),
    "mttf": QT_TRANSLATE_NOOP("Field", "MTTF"),
    "mttr": QT_TRANSLATE_NOOP("Field", "MTTR"),
    "state_on_crash": QT_TRANSLATE_NOOP("Field", "State on crash"),
    "crash_mode": QT_TRANSLATE_NOOP("Field", "Crash mode"),
    "timing_probability": QT_TRANSLATE_NOOP("Field", "Timing failure"),
    "timing_slowdown": QT_TRANSLATE_NOOP("Field", "Timing slowdown"),
    "send_omission": QT_TRANSLATE_NOOP("Field", "Send omission"),
    "receive_omission": QT_TRANSLATE_NOOP("Field", "Receive omission"),
    "byzantine_probability": QT_TRANSLATE_NOOP("Field", "Byzantine"),
    "byzantine_behaviour": QT_TRANSLATE_NOOP("Field", "Byzantine act"),
    "a": QT_TRANSLATE_NOOP("Field", "From"),
    "b": QT_TRANSLATE_NOOP("Field", "To"),
    "latency": QT_TRANSLATE_NOOP("Field", "Latency"),
    "dist": QT_TRANSLATE_NOOP("Field", "Distribution"),
    "mean": QT_TRANSLATE_NOOP("Field", "Mean"),
    "spread": QT_TRANSLATE_NOOP("Field", "Spread"),
    "shape": QT_TRANSLATE_NOOP("Field", "Shape"),
    "bandwidth": QT_TRANSLATE_NOOP("Field", "Bandwidth"),
    "loss": QT_TRANSLATE_NOOP("Field", "Loss"),
    "corruption": QT_TRANSLATE_NOOP("Field", "Corruption"),
    "duplication": QT_TRANSLATE_NOOP("Field", "Duplication"),
    "reordering": QT_TRANSLATE_NOOP("Field", "Reordering"),
    "directed": QT_TRANSLATE_NOOP("Field", "One way"),
    "width": QT_TRANSLATE_NOOP("Field", "Width"),
    "height": QT_TRANSLATE_NOOP("Field", "Height"),
    "title": QT_TRANSLATE_NOOP("Field", "Title"),
    "description": QT_TRANSLATE_NOOP("Field", "Description"),
    "model": QT_TRANSLATE_NOOP("Field", "Computational model"),
    "communication": QT_TRANSLATE_NOOP("Field", "Communication"),
    "synchrony": QT_TRANSLATE_NOOP("Field", "Synchrony"),
    "delivery_bound": QT_TRANSLATE_NOOP("Field", "Delivery bound"),
    "step_bound": QT_TRANSLATE_NOOP("Field", "Step bound"),
    "gst": QT_TRANSLATE_NOOP("Field", "GST"),
    "async_tail": QT_TRANSLATE_NOOP("Field", "Asynchronous tail"),
    "locality": QT_TRANSLATE_NOOP("Field", "Locality latencies"),
    "same_host": QT_TRANSLATE_NOOP("Field", "Same host"),
    "same_rack": QT_TRANSLATE_NOOP("Field", "Same rack"),
    "same_datacenter": QT_TRANSLATE_NOOP("Field", "Same data centre"),
    "same_region": QT_TRANSLATE_NOOP("Field", "Same region"),
    "cross_region": QT_TRANSLATE_NOOP("Field", "Cross region"),
    "memory": QT_TRANSLATE_NOOP("Field", "Memory"),
    "page_size": QT_TRANSLATE_NOOP("Field", "Page size"),
    "pages": QT_TRANSLATE_NOOP("Field", "Pages"),
    "placement": QT_TRANSLATE_NOOP("Field", "Placement"),
    "local_cost": QT_TRANSLATE_NOOP("Field", "Local access"),
    "remote_cost": QT_TRANSLATE_NOOP("Field", "Remote access"),
    "coherence": QT_TRANSLATE_NOOP("Field", "Coherence"),
    "bus_capacity": QT_TRANSLATE_NOOP("Field", "Bus capacity"),
    "timeout": QT_TRANSLATE_NOOP("Field", "Timeout"),
    "retries": QT_TRANSLATE_NOOP("Field", "Retries"),
    "workload": QT_TRANSLATE_NOOP("Field", "Workload"),
    "profile": QT_TRANSLATE_NOOP("Field", "Profile"),
    "base_rate": QT_TRANSLATE_NOOP("Field", "Base rate"),
    "peak_rate": QT_TRANSLATE_NOOP("Field", "Peak rate"),
    "period": QT_TRANSLATE_NOOP("Field", "Period"),
    "spike_at": QT_TRANSLATE_NOOP("Field", "Spike at"),
    "spike_length": QT_TRANSLATE_NOOP("Field", "Spike length"),
    "points": QT_TRANSLATE_NOOP("Field", "Points"),
    "run": QT_TRANSLATE_NOOP("Field", "Run"),
    "seed": QT_TRANSLATE_NOOP("Field", "Seed"),
    "duration": QT_TRANSLATE_NOOP("Field", "Duration"),
    "service_time": QT_TRANSLATE_NOOP("Field", "Service time"),
    "service_dist": QT_TRANSLATE_NOOP("Field", "Service times"),
    "queue_limit": QT_TRANSLATE_NOOP("Field", "Queue limit"),
    "server": QT_TRANSLATE_NOOP("Field", "Server"),
    "servers": QT_TRANSLATE_NOOP("Field", "Servers"),
    "interval": QT_TRANSLATE_NOOP("Field", "Interval"),
    "count": QT_TRANSLATE_NOOP("Field", "Count"),
    "size": QT_TRANSLATE_NOOP("Field", "Size"),
    "share": QT_TRANSLATE_NOOP("Field", "Share"),
    "peers": QT_TRANSLATE_NOOP("Field", "Peers"),
    "mode": QT_TRANSLATE_NOOP("Field", "Mode"),
    "retransmit": QT_TRANSLATE_NOOP("Field", "Retransmit after"),
    "pattern": QT_TRANSLATE_NOOP("Field", "Access pattern"),
    "operations": QT_TRANSLATE_NOOP("Field", "Operations"),
    "write_ratio": QT_TRANSLATE_NOOP("Field", "Write ratio"),
    "think_time": QT_TRANSLATE_NOOP("Field", "Think time"),
    "hot_fraction": QT_TRANSLATE_NOOP("Field", "Hot fraction"),
}

# Units shown as spin box suffixes (translated in the "Unit" context).
_UNITS = {
    "ppm": QT_TRANSLATE_NOOP("Unit", "ppm"),
    "x": QT_TRANSLATE_NOOP("Unit", "\u00d7"),
    "bit/s": QT_TRANSLATE_NOOP("Unit", "bit/s"),
    "req/s": QT_TRANSLATE_NOOP("Unit", "req/s"),
    "bytes": QT_TRANSLATE_NOOP("Unit", "bytes"),
}

# The check box of an optional field says what None means for it.
_NONE_TEXT = {
    "latency": QT_TRANSLATE_NOOP("Inspector", "by locality"),
    "bandwidth": QT_TRANSLATE_NOOP("Inspector", "unlimited"),
    "mttf": QT_TRANSLATE_NOOP("Inspector", "use probability"),
    "mttr": QT_TRANSLATE_NOOP("Inspector", "never"),
}

# What an optional field becomes when its "none" box is cleared.
_NONE_FALLBACK: dict[str, Any] = {
    "bandwidth": 1e9,
    "mttf": 30 * 86_400_000_000_000,
    "mttr": 60_000_000_000,
}


def field_label(name: str) -> str:
    """The translated, human label of a field name (``drift_ppm`` -> ``Drift``)."""
    text = _LABELS.get(name) or name.replace("_", " ").capitalize()
    return QCoreApplication.translate("Field", text)


def choice_text(value: Any) -> str:
    """The translated text of a Literal choice (``fail_stop`` -> ``fail stop``)."""
    return QCoreApplication.translate("Choice", str(value).replace("_", " "))


def error_text(exc: BaseException) -> str:
    """A short message for a refused edit: the messages of its problems, without paths."""
    if isinstance(exc, ValidationError):
        problems = validation_problems(exc)
    else:
        problems = getattr(exc, "problems", None) or [("", str(exc))]
    messages = list(dict.fromkeys(m for _p, m in problems if m))
    return "; ".join(messages) or str(exc)


# -- describing a field ------------------------------------------------------------------------


@dataclass
class FieldSpec:
    """What the form needs to know about one pydantic field."""

    name: str
    kind: str
    optional: bool = False
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    unit: str = ""
    choices: tuple = ()
    model: type[BaseModel] | None = None
    description: str = ""
    default: Any = None


def _unwrap(annotation: Any) -> tuple[Any, list[Any], dict]:
    """Strip ``Annotated`` layers: (base type, constraint metadata, json_schema_extra)."""
    metadata: list[Any] = []
    extra: dict = {}
    while get_origin(annotation) is typing.Annotated:
        base, *more = get_args(annotation)
        for m in more:
            if isinstance(m, FieldInfo):
                metadata.extend(m.metadata)
                if isinstance(m.json_schema_extra, dict):
                    extra.update(m.json_schema_extra)
            else:
                metadata.append(m)
        annotation = base
    return annotation, metadata, extra


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def describe_field(name: str, info: FieldInfo) -> FieldSpec:
    """Describe a pydantic field: its editor kind, bounds, unit, choices and description.

    Kinds: ``bool``, ``choice``, ``int``, ``float``, ``probability``,
    ``duration``, ``str``, ``model``, ``list_str``, ``list_model``, ``other``.
    """
    annotation = info.annotation
    optional = False
    if get_origin(annotation) in (typing.Union, types.UnionType):
        args = get_args(annotation)
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1 and len(args) == 2:
            optional = True
            annotation = rest[0]
    annotation, metadata, extra = _unwrap(annotation)
    metadata = list(info.metadata) + metadata
    if isinstance(info.json_schema_extra, dict):
        extra = {**extra, **info.json_schema_extra}
    spec = FieldSpec(name=name, kind="other", optional=optional,
                     unit=str(extra.get("unit", "")), description=info.description or "")
    if not info.is_required():
        spec.default = info.get_default(call_default_factory=True)
    for m in metadata:
        if getattr(m, "ge", None) is not None:
            spec.lo = m.ge if spec.lo is None else max(spec.lo, m.ge)
        if getattr(m, "gt", None) is not None:
            spec.lo, spec.lo_open = m.gt, True
        if getattr(m, "le", None) is not None:
            spec.hi = m.le if spec.hi is None else min(spec.hi, m.le)
        if getattr(m, "lt", None) is not None:
            spec.hi, spec.hi_open = m.lt, True
    origin = get_origin(annotation)
    if annotation is bool:
        spec.kind = "bool"
    elif origin is Literal:
        spec.kind, spec.choices = "choice", get_args(annotation)
    elif annotation is int:
        spec.kind = "duration" if spec.unit == "ns" else "int"
    elif annotation is float:
        spec.kind = "probability" if spec.unit == "probability" else "float"
    elif annotation is str:
        spec.kind = "str"
    elif _is_model(annotation):
        spec.kind, spec.model = "model", annotation
    elif origin is list:
        item, _m, _e = _unwrap(get_args(annotation)[0])
        if item is str:
            spec.kind = "list_str"
        elif _is_model(item):
            spec.kind, spec.model = "list_model", item
    return spec


def common_value(values: Sequence[Any]) -> Any:
    """The value all of ``values`` share, or :data:`MIXED` (None for no values)."""
    if not values:
        return None
    first = values[0]
    for v in values[1:]:
        if v != first:
            return MIXED
    return first


# -- editors -----------------------------------------------------------------------------------


class _Compact:
    """A spin box mix-in whose size does not grow with its maximum."""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = super().sizeHint()  # type: ignore[misc]
        return QSize(min(hint.width(), 140), hint.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = super().minimumSizeHint()  # type: ignore[misc]
        return QSize(min(hint.width(), 72), hint.height())


class _CompactSpinBox(_Compact, QSpinBox):
    """A spin box whose size does not grow with its maximum."""


class _CompactDoubleSpinBox(_Compact, QDoubleSpinBox):
    """A double spin box whose size does not grow with its maximum."""


class _PlainTextEdit(QPlainTextEdit):
    """A multi-line text edit that reports when it loses the focus (its commit)."""

    editing_finished = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        super().focusOutEvent(event)
        self.editing_finished.emit()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(200, 72)


class FieldEditor(QWidget):
    """Base of the editors of one field: an input, and a red error line under it.

    ``committed`` carries a value the user entered; ``failed`` carries a
    message when the input could not even be parsed. The form connects both.
    """

    committed = Signal(object)
    failed = Signal(str)

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._value: Any = None
        self._mixed = False
        self._updating = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self._row = QHBoxLayout()
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(4)
        layout.addLayout(self._row)
        self._error = QLabel(self)
        self._error.setObjectName("fieldError")
        self._error.setWordWrap(True)
        self._error.setVisible(False)
        font = self._error.font()
        font.setPointSizeF(max(font.pointSizeF() * 0.9, 7.0))
        self._error.setFont(font)
        layout.addWidget(self._error)
        if spec.description:
            self.setToolTip(QCoreApplication.translate("FieldDescription", spec.description))

    @property
    def value(self) -> Any:
        """The last value shown from the model (:data:`MIXED` when the objects differ)."""
        return MIXED if self._mixed else self._value

    def set_value(self, value: Any) -> None:
        """Show the model's value (or :data:`MIXED`); it becomes the last good value."""
        self._mixed = value is MIXED
        self._value = None if self._mixed else value
        self.restore()

    def restore(self) -> None:
        """Show the last good value again (after a refused edit)."""
        self._updating = True
        try:
            self._show(MIXED if self._mixed else self._value)
        finally:
            self._updating = False

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def error_message(self) -> str:
        """The inline error shown now, or an empty string."""
        return self._error.text() if self._error.isVisible() else ""

    def show_error(self, message: str) -> None:
        """Show ``message`` in red under the input."""
        palette = self._error.palette()
        palette.setColor(QPalette.ColorRole.WindowText, error_colour(self.palette()))
        self._error.setPalette(palette)
        self._error.setText(message)
        self._error.setVisible(True)

    def clear_error(self) -> None:
        """Hide the error line."""
        self._error.clear()
        self._error.setVisible(False)

    def _emit(self, value: Any) -> None:
        if self._updating:
            return
        if not self._mixed and value == self._value:
            self.clear_error()
            return
        self.committed.emit(value)

    def _fail(self, message: str) -> None:
        self.show_error(message)
        self.restore()
        self.failed.emit(message)


class CheckEditor(FieldEditor):
    """A check box for a ``bool`` (partly checked when the selection is mixed)."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QCheckBox(self)
        self._row.addWidget(self.box)
        self._row.addStretch(1)
        self.box.clicked.connect(self._on_clicked)

    def _show(self, value: Any) -> None:
        self.box.setTristate(value is MIXED)
        if value is MIXED:
            self.box.setCheckState(Qt.CheckState.PartiallyChecked)
        else:
            self.box.setChecked(bool(value))

    def _on_clicked(self) -> None:
        if self.box.checkState() == Qt.CheckState.PartiallyChecked:
            self.box.setCheckState(Qt.CheckState.Checked)
        self.box.setTristate(False)
        self._emit(self.box.isChecked())


class ChoiceEditor(FieldEditor):
    """A combo box for a ``Literal`` or a reference (host or group ids from a provider)."""

    def __init__(self, spec: FieldSpec, choices: Sequence[tuple[Any, str]] = (),
                 provider: ChoiceProvider | None = None, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.combo = QComboBox(self)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(8)
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._row.addWidget(self.combo, 1)
        self._choices = list(choices)
        self._provider = provider
        self.combo.activated.connect(self._on_activated)

    def _show(self, value: Any) -> None:
        choices = self._provider() if self._provider is not None else self._choices
        self.combo.clear()
        if value is MIXED:
            self.combo.addItem(MIXED_TEXT, MIXED)
        values = [v for v, _t in choices]
        for v, text in choices:
            self.combo.addItem(text, v)
        if value is not MIXED and value not in values:
            # A value the provider does not offer (a dangling reference): show it anyway.
            self.combo.addItem(str(value), value)
        index = self.combo.findData(value) if value is not MIXED else 0
        if value is None:
            index = next((i for i in range(self.combo.count())
                          if self.combo.itemData(i) is None), -1)
        self.combo.setCurrentIndex(max(index, 0))

    def _on_activated(self, index: int) -> None:
        value = self.combo.itemData(index)
        if value is MIXED:
            return
        self._emit(value)


class IntEditor(FieldEditor):
    """A spin box with the field's range (a line edit beyond 32-bit ranges, like seeds)."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        lo = int(spec.lo) + (1 if spec.lo_open else 0) if spec.lo is not None else -_INT32
        hi = int(spec.hi) - (1 if spec.hi_open else 0) if spec.hi is not None else _INT32
        self._lo, self._hi = lo, hi
        self.spin: QSpinBox | None = None
        self.edit: QLineEdit | None = None
        if -_INT32 < lo and hi <= _INT32:
            self.spin = _CompactSpinBox(self)
            self.spin.setRange(lo, hi)
            self.spin.setKeyboardTracking(False)
            self.spin.setAccelerated(True)
            unit = _UNITS.get(spec.unit)
            if unit:
                self.spin.setSuffix(" " + QCoreApplication.translate("Unit", unit))
            self.spin.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self._row.addWidget(self.spin, 1)
            self.spin.editingFinished.connect(self._on_finished)
            self.spin.valueChanged.connect(self._on_changed)
        else:
            self.edit = QLineEdit(self)
            self._row.addWidget(self.edit, 1)
            self.edit.editingFinished.connect(self._on_finished)

    def _show(self, value: Any) -> None:
        if self.spin is not None:
            if value is MIXED:
                self.spin.setMinimum(self._lo - 1)
                self.spin.setSpecialValueText(MIXED_TEXT)
                self.spin.setValue(self._lo - 1)
            else:
                self.spin.setSpecialValueText("")
                self.spin.setMinimum(self._lo)
                self.spin.setValue(int(value))
        else:
            assert self.edit is not None
            self.edit.setPlaceholderText(MIXED_TEXT if value is MIXED else "")
            self.edit.setText("" if value is MIXED else str(value))

    def _on_changed(self, value: int) -> None:
        if self._updating or self.spin is None:
            return
        if self.spin.specialValueText() and value >= self._lo:
            # The user left the mixed state: give the spin box its real range back.
            self.spin.setSpecialValueText("")
            self.spin.setMinimum(self._lo)

    def _on_finished(self) -> None:
        if self._updating:
            return
        if self.spin is not None:
            value = self.spin.value()
            if value < self._lo:
                return
            self._emit(value)
            return
        assert self.edit is not None
        text = self.edit.text().strip()
        if not text and self._mixed:
            return
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            self._fail(_tr("not a whole number: {text}").format(text=text or '""'))
            return
        self._emit(value)


class FloatEditor(FieldEditor):
    """A double spin box with the field's range; probabilities go 0 to 1 with 3 decimals."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.spin = _CompactDoubleSpinBox(self)
        self.spin.setKeyboardTracking(False)
        self.spin.setAccelerated(True)
        if spec.kind == "probability":
            decimals, step = 3, 0.01
        elif spec.unit == "bit/s":
            decimals, step = 0, 1e6
        elif spec.unit in ("x", "req/s"):
            decimals, step = 2, 1.0
        elif spec.name in ("x", "y", "width", "height"):
            decimals, step = 1, 10.0
        else:
            decimals, step = 3, 0.1
        self.spin.setDecimals(decimals)
        self.spin.setSingleStep(step)
        self._lo = float(spec.lo) if spec.lo is not None else -1e9
        self._hi = float(spec.hi) if spec.hi is not None else 1e15
        self.spin.setRange(self._lo, self._hi)
        unit = _UNITS.get(spec.unit)
        if unit:
            self.spin.setSuffix(" " + QCoreApplication.translate("Unit", unit))
        self.spin.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._row.addWidget(self.spin, 1)
        self.spin.editingFinished.connect(self._on_finished)
        self.spin.valueChanged.connect(self._on_changed)

    def _show(self, value: Any) -> None:
        if value is MIXED:
            self.spin.setMinimum(self._lo - 1)
            self.spin.setSpecialValueText(MIXED_TEXT)
            self.spin.setValue(self._lo - 1)
        else:
            self.spin.setSpecialValueText("")
            self.spin.setMinimum(self._lo)
            self.spin.setValue(float(value))

    def _on_changed(self, value: float) -> None:
        if self._updating:
            return
        if self.spin.specialValueText() and value >= self._lo:
            self.spin.setSpecialValueText("")
            self.spin.setMinimum(self._lo)

    def _on_finished(self) -> None:
        if self._updating:
            return
        value = self.spin.value()
        if value < self._lo:
            return
        if not self._mixed and self._value is not None:
            # The spin box rounds to its decimals: an unchanged display is no edit.
            if round(float(self._value), self.spin.decimals()) == value:
                return
        self._emit(value)


class UnitTextEditor(FieldEditor):
    """A line edit for a number written with a unit; subclasses say how to format and parse."""

    #: A hint appended to the field's tooltip (translated), or "".
    hint = ""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.edit = QLineEdit(self)
        self.edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._row.addWidget(self.edit, 1)
        self.edit.editingFinished.connect(self._on_finished)
        if self.hint:
            hint = _tr(self.hint)
            tip = self.toolTip()
            self.edit.setToolTip(f"{tip}\n{hint}" if tip else hint)

    def format_value(self, value: Any) -> str:
        """The text shown for ``value``."""
        raise NotImplementedError

    def parse_text(self, text: str) -> Any:
        """The value of ``text``; ValueError with a message when it is not one."""
        raise NotImplementedError

    def _show(self, value: Any) -> None:
        self.edit.setPlaceholderText(MIXED_TEXT if value is MIXED else "")
        self.edit.setText("" if value is MIXED or value is None else self.format_value(value))

    def _on_finished(self) -> None:
        if self._updating:
            return
        text = self.edit.text().strip()
        if not text and self._mixed:
            return
        if not self._mixed and self._value is not None and text == self.format_value(self._value):
            return
        try:
            value = self.parse_text(text or "?")
        except ValueError as exc:
            self._fail(str(exc))
            return
        self._emit(value)


class DurationEditor(UnitTextEditor):
    """A line edit for a duration in nanoseconds that accepts ``20ms``, ``1.5s``, ``2h``."""

    hint = QT_TRANSLATE_NOOP("Inspector", "A duration with a unit: ns, us, ms, s, min, h, d (e.g. 20ms)")

    def format_value(self, value: Any) -> str:
        return format_duration(value)

    def parse_text(self, text: str) -> Any:
        return parse_duration(text)


_SI = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}


def format_bandwidth(bits_per_second: float) -> str:
    """A bandwidth as short text with an SI prefix: ``100 Mbit/s``."""
    for prefix in ("T", "G", "M", "k"):
        if bits_per_second >= _SI[prefix]:
            return f"{bits_per_second / _SI[prefix]:.4g} {prefix}bit/s"
    return f"{bits_per_second:.4g} bit/s"


def parse_bandwidth(text: str) -> float:
    """Parse ``100M``, ``1.5 Gbit/s``, ``1e9`` or ``2 kbps`` into bits per second."""
    raw = text.strip()
    for suffix in ("bit/s", "bps", "b/s"):
        if raw.endswith(suffix):
            raw = raw[: -len(suffix)].strip()
            break
    prefix = raw[-1:] if raw[-1:] in _SI and raw[-1:] else ""
    number = raw[: -1].strip() if prefix else raw
    try:
        return float(number) * _SI[prefix]
    except ValueError:
        raise ValueError(
            _tr("invalid bandwidth {text!r}: expected a number with k, M, G or T, "
                "such as 100M or 1G").format(text=text)) from None


class BandwidthEditor(UnitTextEditor):
    """A line edit for a bandwidth in bit/s that accepts SI prefixes (``100M``, ``1G``)."""

    def format_value(self, value: Any) -> str:
        return format_bandwidth(value)

    def parse_text(self, text: str) -> Any:
        return parse_bandwidth(text)


class TextEditor(FieldEditor):
    """A line edit for a string (or a multi-line edit, for descriptions)."""

    def __init__(self, spec: FieldSpec, multiline: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.multiline = multiline
        if multiline:
            self.edit: QLineEdit | _PlainTextEdit = _PlainTextEdit(self)
            self.edit.setTabChangesFocus(True)
            self.edit.setMaximumHeight(96)
            self.edit.editing_finished.connect(self._on_finished)
        else:
            self.edit = QLineEdit(self)
            self.edit.editingFinished.connect(self._on_finished)
        self._row.addWidget(self.edit, 1)

    def _text(self) -> str:
        if isinstance(self.edit, QLineEdit):
            return self.edit.text()
        return self.edit.toPlainText()

    def _show(self, value: Any) -> None:
        text = "" if value is MIXED or value is None else str(value)
        self.edit.setPlaceholderText(MIXED_TEXT if value is MIXED else "")
        if self._text() != text:
            if isinstance(self.edit, QLineEdit):
                self.edit.setText(text)
            else:
                self.edit.setPlainText(text)

    def _on_finished(self) -> None:
        if self._updating:
            return
        text = self._text()
        if not text and self._mixed:
            return
        self._emit(text)


class ListEditor(FieldEditor):
    """A line edit for a list of ids, as comma-separated text."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.edit = QLineEdit(self)
        self._row.addWidget(self.edit, 1)
        self.edit.editingFinished.connect(self._on_finished)
        self._placeholder = (_tr("empty = all hosts") if "empty is all" in spec.description
                             else _tr("comma-separated ids"))

    def _show(self, value: Any) -> None:
        self.edit.setPlaceholderText(MIXED_TEXT if value is MIXED else self._placeholder)
        self.edit.setText("" if value is MIXED or value is None else ", ".join(map(str, value)))

    def _on_finished(self) -> None:
        if self._updating:
            return
        text = self.edit.text()
        if not text.strip() and self._mixed:
            return
        self._emit([part.strip() for part in text.replace(";", ",").split(",") if part.strip()])


class PointsEditor(FieldEditor):
    """A line edit for a list of (time, rate) points: ``0s: 10, 12h: 100``."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(_tr("time: rate, ... e.g. 0h: 10, 12h: 100"))
        self._row.addWidget(self.edit, 1)
        self.edit.editingFinished.connect(self._on_finished)

    @staticmethod
    def format_points(points: Sequence[Any]) -> str:
        """Points as text: ``0s: 10, 12h: 100``."""
        return ", ".join(f"{format_duration(p.t) if p.t else '0s'}: {p.rate:g}" for p in points)

    def _show(self, value: Any) -> None:
        self.edit.setText("" if value is MIXED or not value else self.format_points(value))

    def _on_finished(self) -> None:
        if self._updating:
            return
        text = self.edit.text().strip()
        points = []
        assert self.spec.model is not None
        for part in (p.strip() for p in text.replace(";", ",").split(",")):
            if not part:
                continue
            t, sep, rate = part.replace("=", ":").partition(":")
            if not sep:
                t, _sp, rate = part.rpartition(" ")
            try:
                points.append(self.spec.model(t=parse_duration(t.strip()),
                                              rate=float(rate.strip())))
            except ValueError as exc:
                message = error_text(exc) if isinstance(exc, ValidationError) else str(exc)
                self._fail(_tr("point {part!r}: {message}").format(part=part, message=message))
                return
        self._emit(points)


class OptionalEditor(FieldEditor):
    """An optional field: a check box that sets None, beside the editor of the value."""

    def __init__(self, spec: FieldSpec, inner: FieldEditor, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.inner = inner
        inner.setParent(self)
        none_text = _NONE_TEXT.get(spec.name, QT_TRANSLATE_NOOP("Inspector", "none"))
        self.none_box = QCheckBox(QCoreApplication.translate("Inspector", none_text), self)
        self.none_box.setToolTip(_tr("Leave this field unset"))
        self._row.addWidget(inner, 1)
        self._row.addWidget(self.none_box)
        inner.committed.connect(self.committed)
        inner.failed.connect(self.failed)
        self.none_box.clicked.connect(self._on_none_clicked)

    def _show(self, value: Any) -> None:
        self.none_box.setTristate(value is MIXED)
        if value is MIXED:
            self.none_box.setCheckState(Qt.CheckState.PartiallyChecked)
            self.inner.set_value(MIXED)
            self.inner.setEnabled(True)
        elif value is None:
            self.none_box.setChecked(True)
            self.inner.set_value(self._fallback())
            self.inner.setEnabled(False)
        else:
            self.none_box.setChecked(False)
            self.inner.set_value(value)
            self.inner.setEnabled(True)

    def _fallback(self) -> Any:
        if self.spec.name in _NONE_FALLBACK:
            return _NONE_FALLBACK[self.spec.name]
        if self.spec.kind in ("duration", "int"):
            return max(int(self.spec.lo or 0), 1_000_000_000 if self.spec.kind == "duration" else 0)
        if self.spec.kind in ("float", "probability"):
            return float(self.spec.lo or 0.0)
        if self.spec.kind == "str":
            return ""
        return None

    def _on_none_clicked(self) -> None:
        if self.none_box.checkState() == Qt.CheckState.PartiallyChecked:
            self.none_box.setCheckState(Qt.CheckState.Checked)
        self.none_box.setTristate(False)
        self._emit(None if self.none_box.isChecked() else self._fallback())

    def show_error(self, message: str) -> None:
        """Show the message under the value's editor."""
        self.inner.show_error(message)

    def clear_error(self) -> None:
        """Hide the error line of the value's editor."""
        self.inner.clear_error()

    def error_message(self) -> str:
        """The inline error of the value's editor."""
        return self.inner.error_message()


class ReadOnlyEditor(FieldEditor):
    """A field the form cannot edit, shown as text."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.text = QLabel(self)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._row.addWidget(self.text, 1)

    def _show(self, value: Any) -> None:
        self.text.setText(MIXED_TEXT if value is MIXED else str(value))


def make_editor(spec: FieldSpec, provider: ChoiceProvider | None = None,
                multiline: bool = False, parent: QWidget | None = None) -> FieldEditor:
    """The editor for a field described by ``spec`` (see :func:`describe_field`)."""
    if provider is not None:
        if spec.optional:
            base = provider

            def provider() -> list[tuple[Any, str]]:
                return [(None, _tr("(none)")), *base()]

        return ChoiceEditor(spec, provider=provider, parent=parent)
    if spec.optional and spec.kind not in ("model", "other"):
        inner_spec = FieldSpec(**{**spec.__dict__, "optional": False})
        return OptionalEditor(spec, make_editor(inner_spec), parent)
    kind = spec.kind
    if kind == "bool":
        return CheckEditor(spec, parent)
    if kind == "choice":
        return ChoiceEditor(spec, [(c, choice_text(c)) for c in spec.choices], parent=parent)
    if kind == "int":
        return IntEditor(spec, parent)
    if kind == "float" and spec.unit == "bit/s":
        return BandwidthEditor(spec, parent)
    if kind in ("float", "probability"):
        return FloatEditor(spec, parent)
    if kind == "duration":
        return DurationEditor(spec, parent)
    if kind == "str":
        return TextEditor(spec, multiline, parent)
    if kind == "list_str":
        return ListEditor(spec, parent)
    if kind == "list_model" and spec.model is not None and {"t", "rate"} <= set(
            spec.model.model_fields):
        return PointsEditor(spec, parent)
    return ReadOnlyEditor(spec, parent)


class FormScrollArea(QScrollArea):
    """A scroll area for forms whose height changes (sections open, behaviour forms swap).

    A plain QScrollArea does not notice that a height-for-width page (one
    with word-wrapped labels) needs more room; this one re-fits the page on
    each of its layout requests.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802 - Qt override
        """Re-fit the page when its layout asks for it."""
        result = super().eventFilter(watched, event)
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            layout = watched.layout()
            if layout is not None:
                layout.activate()
            self.setWidgetResizable(True)  # makes the scroll area re-fit the page now
        return result


# -- sections and forms --------------------------------------------------------------------------


class Section(QWidget):
    """A collapsible section: a header button with an arrow, and a body widget."""

    #: Whether each section (by key) was last expanded, kept across forms.
    _expanded: dict[str, bool] = {}

    toggled = Signal(bool)

    def __init__(self, title: str, body: QWidget, key: str = "", expanded: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key or title
        self.body = body
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(2)
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        self.button = QToolButton(self)
        self.button.setText(title)
        self.button.setCheckable(True)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.setAutoRaise(True)
        self.button.setStyleSheet("QToolButton { border: none; background: transparent; }")
        font = QFont(self.button.font())
        font.setBold(True)
        self.button.setFont(font)
        header.addWidget(self.button)
        header.addStretch(1)
        self.header = header
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addLayout(header)
        layout.addWidget(line)
        wrap = QWidget(self)
        wrap_layout = QVBoxLayout(wrap)
        wrap_layout.setContentsMargins(ModelForm.INDENT, 2, 0, 4)
        wrap_layout.addWidget(body)
        self._wrap = wrap
        layout.addWidget(wrap)
        self.button.toggled.connect(self._on_toggled)
        self.button.setChecked(self._expanded.get(self.key, expanded))
        self._on_toggled(self.button.isChecked())

    def is_expanded(self) -> bool:
        """Whether the body is shown."""
        return self.button.isChecked()

    def set_expanded(self, expanded: bool) -> None:
        """Show or hide the body."""
        self.button.setChecked(expanded)

    def _on_toggled(self, expanded: bool) -> None:
        self.button.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self._wrap.setVisible(expanded)
        Section._expanded[self.key] = expanded
        self.toggled.emit(expanded)


class ModelForm(QWidget):
    """A form generated from a pydantic model class, showing the values of some objects.

    ``commit(path, value)`` is called with the dotted path (``prefix`` +
    field name) of each edit; it raises ValueError (or a pydantic
    ValidationError) to refuse it. ``choices`` maps field names to providers
    of (value, text) pairs for reference fields; ``sections`` maps a nested
    field to a factory of a custom widget (with ``set_objects`` and a
    ``failed`` signal) used instead of a generated sub-form; ``extras`` maps a
    nested field to a widget added at the end of its section; the sections
    named in ``collapsed`` start collapsed; ``defaults`` maps an optional
    nested field to a function of the objects that gives the value shown
    (and set when its "none" box is cleared) while it is unset.
    """

    failed = Signal(str)

    def __init__(self, model: type[BaseModel], commit: Commit, *, prefix: str = "",
                 fields: Sequence[str] | None = None, exclude: Sequence[str] = (),
                 choices: dict[str, ChoiceProvider] | None = None,
                 multiline: Sequence[str] = (), single_only: Sequence[str] = (),
                 sections: dict[str, Callable[[], QWidget]] | None = None,
                 extras: dict[str, QWidget] | None = None, collapsed: Sequence[str] = (),
                 defaults: dict[str, Callable[[Sequence[Any]], Any]] | None = None,
                 key: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.prefix = prefix
        self._commit_fn = commit
        self._single_only = set(single_only)
        self._defaults = dict(defaults or {})
        self.editors: dict[str, FieldEditor] = {}
        self.sections: dict[str, Section] = {}
        self._subforms: dict[str, QWidget] = {}
        self._section_boxes: dict[str, QCheckBox] = {}
        self._specs: dict[str, FieldSpec] = {}
        choices = choices or {}
        sections = sections or {}
        extras = extras or {}
        names = list(fields) if fields is not None else list(model.model_fields)
        names = [n for n in names if n not in exclude]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.form.setHorizontalSpacing(10)
        self.form.setVerticalSpacing(5)
        layout.addLayout(self.form)
        nested: list[tuple[str, FieldSpec]] = []
        for name in names:
            spec = describe_field(name, model.model_fields[name])
            self._specs[name] = spec
            if name in sections or spec.kind == "model":
                nested.append((name, spec))
                continue
            editor = make_editor(spec, choices.get(name), name in multiline, self)
            editor.committed.connect(lambda v, n=name: self._on_committed(n, v))
            editor.failed.connect(lambda m, n=name: self.failed.emit(f"{field_label(n)}: {m}"))
            label = QLabel(field_label(name), self)
            label.setBuddy(editor)
            if editor.toolTip():
                label.setToolTip(editor.toolTip())
            self.form.addRow(label, editor)
            self.editors[name] = editor
        for name, spec in nested:
            if name in sections:
                body = sections[name]()
            else:
                assert spec.model is not None
                body = ModelForm(spec.model, commit, prefix=f"{prefix}{name}.",
                                 choices=choices, key=f"{key}.{name}", parent=self)
            failed = getattr(body, "failed", None)
            if failed is not None:
                failed.connect(self.failed)
            if name in extras:
                holder = QWidget(self)
                holder_layout = QVBoxLayout(holder)
                holder_layout.setContentsMargins(0, 0, 0, 0)
                holder_layout.addWidget(body)
                holder_layout.addWidget(extras[name])
                section_body = holder
            else:
                section_body = body
            section = Section(field_label(name), section_body, key=f"{key}.{name}",
                              expanded=name not in collapsed, parent=self)
            if spec.description:
                section.button.setToolTip(
                    QCoreApplication.translate("FieldDescription", spec.description))
            if spec.optional:
                none_text = _NONE_TEXT.get(name, QT_TRANSLATE_NOOP("Inspector", "none"))
                box = QCheckBox(QCoreApplication.translate("Inspector", none_text), section)
                box.setToolTip(_tr("Leave this field unset"))
                box.clicked.connect(lambda _c=False, n=name: self._on_section_none(n))
                section.header.addWidget(box)
                self._section_boxes[name] = box
            layout.addWidget(section)
            self.sections[name] = section
            self._subforms[name] = body
        self._objects: list[Any] = []

    #: How far a section's body is indented from its header.
    INDENT = 12

    def label_extent(self) -> int:
        """The width the widest label of this form and its sections needs (with indents)."""
        widths = [self.form.labelForField(e).sizeHint().width() for e in self.editors.values()]
        for body in self._subforms.values():
            if isinstance(body, ModelForm):
                widths.append(body.label_extent() + self.INDENT)
            elif isinstance(body, BehaviourEditor) and body.label is not None:
                widths.append(body.label.sizeHint().width() + self.INDENT)
        return max(widths, default=0)

    def align_labels(self, width: int | None = None) -> None:
        """Give every label column the same width, so nested fields line up."""
        if width is None:
            width = self.label_extent()
        for editor in self.editors.values():
            self.form.labelForField(editor).setMinimumWidth(width)
        for body in self._subforms.values():
            align = getattr(body, "align_labels", None)
            if align is not None:
                align(width - self.INDENT)

    def set_field_enabled(self, name: str, enabled: bool) -> None:
        """Enable or grey out a field and its label (for fields that do not apply now)."""
        editor = self.editors[name]
        editor.setEnabled(enabled)
        label = self.form.labelForField(editor)
        if label is not None:
            label.setEnabled(enabled)

    def subform(self, name: str) -> QWidget:
        """The body of the section of a nested field."""
        return self._subforms[name]

    def spec(self, name: str) -> FieldSpec:
        """The description of a field of the form."""
        return self._specs[name]

    def set_objects(self, objects: Sequence[Any]) -> None:
        """Show the values of ``objects`` (instances of the model); mixed values show a dash."""
        self._objects = list(objects)
        for name, editor in self.editors.items():
            values = [getattr(o, name) for o in self._objects]
            editor.set_value(common_value(values))
            editor.setEnabled(bool(values) and (name not in self._single_only or len(values) == 1))
        for name, body in self._subforms.items():
            values = [getattr(o, name) for o in self._objects]
            present = [v for v in values if v is not None]
            box = self._section_boxes.get(name)
            if box is not None:
                state = common_value([v is None for v in values])
                box.setTristate(state is MIXED)
                if state is MIXED:
                    box.setCheckState(Qt.CheckState.PartiallyChecked)
                else:
                    box.setChecked(bool(state))
                if not present:
                    present = [self._unset_value(name)]
                body.setEnabled(state is not True)
            set_objects = getattr(body, "set_objects", None)
            if set_objects is not None:
                set_objects(present)

    def clear_errors(self) -> None:
        """Hide every inline error of the form and its sections."""
        for editor in self.editors.values():
            editor.clear_error()
        for body in self._subforms.values():
            clear = getattr(body, "clear_errors", None)
            if clear is not None:
                clear()

    def _on_committed(self, name: str, value: Any) -> None:
        editor = self.editors[name]
        try:
            self._commit_fn(self.prefix + name, value)
        except (ValueError, TypeError, KeyError) as exc:
            message = error_text(exc)
            editor.show_error(message)
            editor.restore()
            self.failed.emit(f"{field_label(name)}: {message}")
        else:
            editor.clear_error()

    def _unset_value(self, name: str) -> Any:
        """What an unset optional section shows (and becomes when its box is cleared)."""
        if name in self._defaults:
            try:
                return self._defaults[name](self._objects)
            except (ValueError, KeyError, IndexError):
                pass
        spec = self._specs[name]
        assert spec.model is not None
        return spec.model()

    def _on_section_none(self, name: str) -> None:
        box = self._section_boxes[name]
        if box.checkState() == Qt.CheckState.PartiallyChecked:
            box.setCheckState(Qt.CheckState.Checked)
        box.setTristate(False)
        value = None if box.isChecked() else self._unset_value(name)
        try:
            self._commit_fn(self.prefix + name, value)
        except (ValueError, TypeError, KeyError) as exc:
            self.failed.emit(f"{field_label(name)}: {error_text(exc)}")
            self.set_objects(self._objects)


# -- behaviour ---------------------------------------------------------------------------------


class BehaviourEditor(QWidget):
    """The behaviour of hosts: a combo of the built-in behaviours and a form of its parameters.

    ``commit("behaviour", BehaviourSpec)`` changes the behaviour (with default
    parameters); ``commit("behaviour.params.<name>", value)`` sets one
    parameter on every selected host.
    """

    failed = Signal(str)

    def __init__(self, commit: Commit, host_choices: ChoiceProvider,
                 default_params: Callable[[str], dict], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._commit = commit
        self._host_choices = host_choices
        self._default_params = default_params
        self._name: str | None = None
        self._specs: list[BehaviourSpec] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        row = QFormLayout()
        row.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        row.setHorizontalSpacing(10)
        self.name_spec = FieldSpec(
            name="name", kind="choice", choices=tuple(BEHAVIOURS),
            description=BehaviourSpec.model_fields["name"].description or "")
        self.name_editor = ChoiceEditor(
            self.name_spec, [(n, n) for n in BEHAVIOURS], parent=self)
        for i, name in enumerate(BEHAVIOURS):
            self.name_editor.combo.setItemData(i, behaviour_summary(name), Qt.ItemDataRole.ToolTipRole)
        self.name_editor.committed.connect(self._on_name)
        self.label = QLabel(_tr("Protocol"), self)
        self.label.setBuddy(self.name_editor)
        row.addRow(self.label, self.name_editor)
        layout.addLayout(row)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(self.summary)
        self.params: ModelForm | None = None
        self._params_holder = QVBoxLayout()
        self._params_holder.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._params_holder)

    def set_objects(self, specs: Sequence[BehaviourSpec]) -> None:
        """Show the behaviours of the selected hosts."""
        self._specs = list(specs)
        names = common_value([s.name for s in self._specs])
        self.name_editor.set_value(names)
        if names is MIXED or names is None:
            self.summary.setText(_tr("The selected hosts run different behaviours."))
            self._set_params_form(None)
            return
        if names not in BEHAVIOURS:
            self.summary.setText(_tr("Unknown behaviour {name!r}.").format(name=names))
            self._set_params_form(None)
            return
        self.summary.setText(QCoreApplication.translate("Behaviour", behaviour_summary(names)))
        if names != self._name or self.params is None:
            self._set_params_form(names)
        assert self.params is not None
        cls = BEHAVIOURS[names]
        objects = []
        for s in self._specs:
            try:
                objects.append(cls.model_validate(s.params))
            except ValidationError:
                objects.append(cls.model_construct(**s.params))
        self.params.set_objects(objects)

    def _set_params_form(self, name: str | None) -> None:
        if self.params is not None:
            self._params_holder.removeWidget(self.params)
            self.params.hide()
            self.params.setParent(None)
            self.params.deleteLater()
            self.params = None
        self._name = name
        if name is None:
            return
        self._label_width = getattr(self, "_label_width", 0)
        cls = BEHAVIOURS[name]
        choices = {f: self._host_choices for f in cls.host_fields
                   if cls.model_fields[f].annotation is str}
        self.params = ModelForm(cls, self._commit, prefix="behaviour.params.", choices=choices,
                                key=f"behaviour.{name}", parent=self)
        self.params.failed.connect(self.failed)
        self._params_holder.addWidget(self.params)
        if self._label_width:
            self.params.align_labels(self._label_width)
        self.params.show()

    def align_labels(self, width: int) -> None:
        """Give the labels (and those of the parameters) the same width."""
        self._label_width = width
        self.label.setMinimumWidth(width)
        if self.params is not None:
            self.params.align_labels(width)

    def clear_errors(self) -> None:
        """Hide the inline errors."""
        self.name_editor.clear_error()
        if self.params is not None:
            self.params.clear_errors()

    def _on_name(self, name: str) -> None:
        try:
            spec = BehaviourSpec(name=name, params=self._default_params(name))
            self._commit("behaviour", spec)
        except (ValueError, TypeError, KeyError) as exc:
            message = error_text(exc)
            self.name_editor.show_error(message)
            self.name_editor.restore()
            self.failed.emit(f"{field_label('behaviour')}: {message}")
        else:
            self.name_editor.clear_error()


# -- the inspector -----------------------------------------------------------------------------


class Inspector(QWidget):
    """The dock content that edits the selection: hosts, else links, else groups.

    Call :meth:`set_selection` when the canvas selection changes. Edits go
    through the document (one undo step each, for all selected objects); the
    form follows the document's signals, so undo and redo show up at once.
    ``message`` carries refused edits for the status bar.
    """

    message = Signal(str)

    def __init__(self, document: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doc: Any = None
        self._hosts: list[str] = []
        self._links: list[int] = []
        self._groups: list[str] = []
        self.kind: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(self)
        font = QFont(self.title.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.title.setContentsMargins(8, 6, 8, 0)
        self.subtitle = QLabel(self)
        self.subtitle.setWordWrap(True)
        self.subtitle.setContentsMargins(8, 0, 8, 4)
        self.subtitle.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        self.scroll = FormScrollArea(self)
        layout.addWidget(self.scroll, 1)
        self.empty = QLabel(_tr(
            "Select a host, a link or a group on the canvas to edit it here.\n\n"
            "Several selected hosts are edited together."))
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty.setContentsMargins(12, 24, 12, 12)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.scroll.setWidget(self.empty)
        self._pages: dict[str, QWidget] = {"": self.empty}
        self.forms: dict[str, ModelForm] = {}
        self._batcher = ChangeBatcher(self._show_selection, self)
        self._build_forms()
        if document is not None:
            self.set_document(document)
        self._show_selection()

    # -- forms ---------------------------------------------------------------------------------

    def _page(self, form: ModelForm) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.addWidget(form)
        layout.addStretch(1)
        return page

    def _build_forms(self) -> None:
        host_form = ModelForm(
            Host, self._commit_host,
            fields=["id", "label", "kind", "group", "cores", "memory_pages", "x", "y",
                    "behaviour", "clock", "failures"],
            choices={"group": self._group_choices}, single_only=("id",),
            sections={"behaviour": self._make_behaviour_editor}, key="host")
        link_form = ModelForm(
            Link, self._commit_link,
            fields=["a", "b", "directed", "loss", "corruption", "duplication", "reordering",
                    "timing_probability", "timing_slowdown", "bandwidth", "latency"],
            choices={"a": self._host_choices, "b": self._host_choices},
            defaults={"latency": self._locality_latency}, key="link")
        group_form = ModelForm(
            Group, self._commit_group,
            fields=["id", "label", "kind", "parent", "x", "y", "width", "height"],
            choices={"parent": self._group_choices}, single_only=("id",), key="group")
        for kind, form in (("host", host_form), ("link", link_form), ("group", group_form)):
            form.align_labels()
            form.failed.connect(self.message)
            self._pages[kind] = self._page(form)
            self.forms[kind] = form

    def _make_behaviour_editor(self) -> BehaviourEditor:
        self.behaviour = BehaviourEditor(self._commit_host, self._host_choices,
                                         self._default_params)
        return self.behaviour

    def _locality_latency(self, links: Sequence[Link]) -> LatencySpec:
        """The latency a link without its own gets from the locality of its hosts."""
        if self._doc is None or not links:
            return LatencySpec()
        scenario = self._doc.scenario
        chains = group_chain(scenario)
        means = {locality_latency(scenario, chains, lk.a, lk.b) for lk in links}
        return LatencySpec(mean=means.pop()) if len(means) == 1 else LatencySpec()

    def _host_choices(self) -> list[tuple[Any, str]]:
        if self._doc is None:
            return []
        return [(h.id, h.id if not h.label or h.label == h.id else f"{h.id} \u2014 {h.label}")
                for h in self._doc.scenario.hosts]

    def _group_choices(self) -> list[tuple[Any, str]]:
        if self._doc is None:
            return []
        return [(g.id, g.id if not g.label or g.label == g.id else f"{g.id} \u2014 {g.label}")
                for g in self._doc.scenario.groups]

    def _default_params(self, name: str) -> dict:
        """Parameters for a newly chosen behaviour: its required host fields filled in."""
        cls = BEHAVIOURS[name]
        params: dict[str, Any] = {}
        if self._doc is None:
            return params
        hosts = self._doc.scenario.hosts
        selected = set(self._hosts)
        preferred = ("time_server",) if name in ("cristian",) else ("rr_server",)
        candidates = ([h.id for h in hosts if h.id not in selected
                       and h.behaviour.name in preferred]
                      + [h.id for h in hosts if h.id not in selected]
                      + [h.id for h in hosts])
        for field in cls.host_fields:
            info = cls.model_fields[field]
            if not info.is_required() or not candidates:
                continue
            params[field] = [candidates[0]] if info.annotation is not str else candidates[0]
        return params

    # -- document ------------------------------------------------------------------------------

    @property
    def document(self) -> Any:
        """The document edited (None before :meth:`set_document`)."""
        return self._doc

    def set_document(self, document: Any) -> None:
        """Edit ``document``: follow its signals; the selection is cleared."""
        if self._doc is not None:
            try:
                self._doc.reset.disconnect(self._on_reset)
            except (RuntimeError, TypeError):
                pass
        self._doc = document
        self._batcher.attach(document, self._signals(document))
        document.reset.connect(self._on_reset)
        self.set_selection()

    @staticmethod
    def _signals(doc: Any) -> list[Any]:
        return [doc.host_added, doc.host_removed, doc.host_changed, doc.link_added,
                doc.link_removed, doc.link_changed, doc.group_added, doc.group_removed,
                doc.group_changed, doc.settings_changed]

    def set_selection(self, hosts: Sequence[str] = (), links: Sequence[int] = (),
                      groups: Sequence[str] = ()) -> None:
        """Show the selected hosts (by id), else links (by index), else groups (by id)."""
        self._hosts = list(hosts)
        self._links = list(links)
        self._groups = list(groups)
        for form in self.forms.values():
            form.clear_errors()
        self._show_selection()

    def selection(self) -> tuple[list[str], list[int], list[str]]:
        """The selection shown: (host ids, link indices, group ids)."""
        return list(self._hosts), list(self._links), list(self._groups)

    def refresh(self) -> None:
        """Show the current values of the selection again."""
        self._show_selection()

    def _on_reset(self) -> None:
        self.set_selection()

    def _valid_selection(self) -> tuple[list[Any], list[Any], list[Any]]:
        if self._doc is None:
            return [], [], []
        scenario = self._doc.scenario
        by_id = {h.id: h for h in scenario.hosts}
        hosts = [by_id[h] for h in self._hosts if h in by_id]
        self._hosts = [h.id for h in hosts]
        links = [scenario.links[i] for i in self._links if 0 <= i < len(scenario.links)]
        self._links = [i for i in self._links if 0 <= i < len(scenario.links)]
        groups_by_id = {g.id: g for g in scenario.groups}
        groups = [groups_by_id[g] for g in self._groups if g in groups_by_id]
        self._groups = [g.id for g in groups]
        return hosts, links, groups

    def _show_selection(self) -> None:
        hosts, links, groups = self._valid_selection()
        others = 0
        if hosts:
            self.kind, objects = "host", hosts
            others = len(links) + len(groups)
            if len(hosts) == 1:
                title = _tr("Host {name}").format(name=hosts[0].title)
            else:
                title = _tr("{n} hosts").format(n=len(hosts))
        elif links:
            self.kind, objects = "link", links
            others = len(groups)
            if len(links) == 1:
                arrow = "\u2192" if links[0].directed else "\u2194"
                title = _tr("Link {a} {arrow} {b}").format(a=links[0].a, arrow=arrow, b=links[0].b)
            else:
                title = _tr("{n} links").format(n=len(links))
        elif groups:
            self.kind, objects = "group", groups
            if len(groups) == 1:
                title = _tr("Group {name}").format(name=groups[0].label or groups[0].id)
            else:
                title = _tr("{n} groups").format(n=len(groups))
        else:
            self.kind, objects = None, []
            title = _tr("Inspector")
        self.title.setText(title)
        if others:
            self.subtitle.setText(
                _tr("1 more selected item is not shown") if others == 1
                else _tr("{n} more selected items are not shown").format(n=others))
        elif self.kind == "host" and len(hosts) > 1:
            self.subtitle.setText(_tr("Edits apply to every selected host."))
        else:
            self.subtitle.setText("")
        self.subtitle.setVisible(bool(self.subtitle.text()))
        if self.kind is not None:
            self.forms[self.kind].set_objects(objects)
        self._set_page(self._pages[self.kind or ""])

    def _set_page(self, page: QWidget) -> None:
        if self.scroll.widget() is not page:
            # Take the shown page out (setWidget would delete it); the inspector keeps it.
            self.scroll.takeWidget()
            self.scroll.setWidget(page)

    def current_form(self) -> ModelForm | None:
        """The form shown now, or None when nothing is selected."""
        return self.forms.get(self.kind or "")

    # -- commits -------------------------------------------------------------------------------

    def _need_doc(self) -> Any:
        if self._doc is None:
            raise ValueError(_tr("no document to edit"))
        return self._doc

    def _commit_host(self, path: str, value: Any) -> None:
        self._need_doc().set_host_fields(list(self._hosts), path, value)
        if path == "id":
            self._hosts = [value]
            self._show_selection()

    def _commit_link(self, path: str, value: Any) -> None:
        self._need_doc().set_link_fields(list(self._links), path, value)

    def _commit_group(self, path: str, value: Any) -> None:
        self._need_doc().set_group_fields(list(self._groups), path, value)
        if path == "id":
            self._groups = [value]
            self._show_selection()
