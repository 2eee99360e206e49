"""Editors of numbers and of values written with units: spin boxes, durations, bandwidths, rates.

Spin boxes take the field's range and show its unit as a suffix (``ppm``);
a :class:`UnitTextEditor` is a line edit for a number written with a unit
(``20ms``, ``100M``) whose subclasses say how to format and parse it; the
:class:`PointsEditor` edits a list of (time, rate) points.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QT_TRANSLATE_NOOP, QSize
from PySide6.QtWidgets import QDoubleSpinBox, QLineEdit, QSizePolicy, QSpinBox, QWidget

from ...scenario.units import SI_PREFIXES, format_bandwidth, format_duration, parse_duration
from .editors import FieldEditor
from .labels import tr, unit_suffix
from .specs import MIXED, MIXED_TEXT, FieldSpec, error_text

_INT32 = 2**31 - 1


#: How far past a field's range a spin box lets a value be typed, so that the form can say
#: what is allowed instead of clamping it or dropping it without a word.
_WIDE_FLOAT = 1e15


class _Compact:
    """A spin box mix-in whose size does not grow with its maximum, and whose arrows and
    keys step within the field's range (``bounds``) while a value past it can be typed."""

    bounds: tuple[float, float] | None = None

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt override
        super().stepBy(steps)  # type: ignore[misc]
        if self.bounds is not None:
            lo, hi = self.bounds
            value = self.value()  # type: ignore[attr-defined]
            if value > self.minimum():  # type: ignore[attr-defined]  (not the mixed dash)
                self.setValue(min(max(value, lo), hi))  # type: ignore[attr-defined]

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
            self.spin.bounds = (lo, hi)
            # typed values past the range reach the form, which says what is allowed
            self.spin.setRange(-_INT32, _INT32)
            self.spin.setKeyboardTracking(False)
            self.spin.setAccelerated(True)
            suffix = unit_suffix(spec.unit)
            if suffix:
                self.spin.setSuffix(suffix)
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
            if value is MIXED:  # the dash is the spin box's minimum, below any real value
                self.spin.setSpecialValueText(MIXED_TEXT)
                self.spin.setValue(self.spin.minimum())
            else:
                self.spin.setSpecialValueText("")
                self.spin.setValue(int(value))
        else:
            assert self.edit is not None
            self.edit.setPlaceholderText(MIXED_TEXT if value is MIXED else "")
            self.edit.setText("" if value is MIXED else str(value))

    def _on_changed(self, value: int) -> None:
        if self._updating or self.spin is None:
            return
        if self.spin.specialValueText() and value > self.spin.minimum():
            self.spin.setSpecialValueText("")  # the user left the mixed state

    def _on_finished(self) -> None:
        if self._updating:
            return
        if self.spin is not None:
            value = self.spin.value()
            if self.spin.specialValueText() and value == self.spin.minimum():
                return  # still the mixed dash
            self._emit(value)
            return
        assert self.edit is not None
        text = self.edit.text().strip()
        if not text and self._mixed:
            return
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            self._fail(tr("not a whole number: {text}").format(text=text or '""'))
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
        self.spin.bounds = (self._lo, self._hi)
        # typed values past the range reach the form, which says what is allowed
        self.spin.setRange(-_WIDE_FLOAT, _WIDE_FLOAT)
        suffix = unit_suffix(spec.unit)
        if suffix:
            self.spin.setSuffix(suffix)
        self.spin.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._row.addWidget(self.spin, 1)
        self.spin.editingFinished.connect(self._on_finished)
        self.spin.valueChanged.connect(self._on_changed)

    def _show(self, value: Any) -> None:
        if value is MIXED:  # the dash is the spin box's minimum, below any real value
            self.spin.setSpecialValueText(MIXED_TEXT)
            self.spin.setValue(self.spin.minimum())
        else:
            self.spin.setSpecialValueText("")
            self.spin.setValue(float(value))

    def _on_changed(self, value: float) -> None:
        if self._updating:
            return
        if self.spin.specialValueText() and value > self.spin.minimum():
            self.spin.setSpecialValueText("")  # the user left the mixed state

    def _on_finished(self) -> None:
        if self._updating:
            return
        value = self.spin.value()
        if self.spin.specialValueText() and value == self.spin.minimum():
            return  # still the mixed dash
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
            hint = tr(self.hint)
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


_SI = SI_PREFIXES


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
            tr("invalid bandwidth {text!r}: expected a number with k, M, G or T, "
                "such as 100M or 1G").format(text=text)) from None


class BandwidthEditor(UnitTextEditor):
    """A line edit for a bandwidth in bit/s that accepts SI prefixes (``100M``, ``1G``)."""

    def format_value(self, value: Any) -> str:
        return format_bandwidth(value)

    def parse_text(self, text: str) -> Any:
        return parse_bandwidth(text)


class PointsEditor(FieldEditor):
    """A line edit for a list of (time, rate) points: ``0s: 10, 12h: 100``."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(tr("time: rate, ... e.g. 0h: 10, 12h: 100"))
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
                self._fail(tr("point {part!r}: {message}").format(part=part, message=message))
                return
        self._emit(points)
