"""The editors of one field: the base with its inline error, and the plain editors.

A :class:`FieldEditor` shows a value of the model (or :data:`MIXED`),
emits ``committed`` with what the user entered and ``failed`` when the
input cannot be parsed; after a refused edit the form calls
:meth:`FieldEditor.show_error` and :meth:`FieldEditor.restore`, so the
last good value comes back. Editors of numbers and of values written
with units are in :mod:`.unit_editors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..theme import error_colour, is_dark
from .labels import none_text, tr
from .ranges import range_error
from .specs import MIXED, MIXED_TEXT, ChoiceProvider, FieldSpec

#: A hint shown under a field: (its text, its severity: "hint" or "warning").
FieldHint = tuple[str, str]


def hint_colour(palette: QPalette | None = None, severity: str = "hint") -> QColor:
    """The colour of a hint under a field (amber for a warning), readable on the palette's
    window colour in the light and the dark theme."""
    dark = is_dark(palette)
    if severity == "warning":
        return QColor("#e3b341") if dark else QColor("#8a5300")
    return QColor("#79c0ff") if dark else QColor("#0b5cad")


def hint_text(hints: Sequence[FieldHint]) -> str:
    """The text of a field's hints, one a line, a warning marked with a warning sign."""
    return "\n".join(("\u26a0 " if severity == "warning" else "") + text
                     for text, severity in hints)

#: What an optional field becomes when its "none" box is cleared.
NONE_FALLBACKS: dict[str, Any] = {
    "bandwidth": 1e9,
    "mttf": 30 * 86_400_000_000_000,
    "mttr": 60_000_000_000,
}



def show_start(edit: QLineEdit, text: str) -> None:
    """Show ``text`` in ``edit`` from its start (a long title's first words, not its last:
    setText leaves the cursor, and the view, at the end); a field being typed in keeps its
    cursor."""
    edit.setText(text)
    if not edit.hasFocus():
        edit.setCursorPosition(0)

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
        self._hint = QLabel(self)
        self._hint.setObjectName("fieldHint")
        self._hint.setWordWrap(True)
        self._hint.setVisible(False)
        self._hint.setFont(font)
        self._hints: list[FieldHint] = []
        layout.addWidget(self._hint)
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
        self._error.setText(message)
        self._error.setVisible(True)
        self._recolour()

    def clear_error(self) -> None:
        """Hide the error line."""
        self._error.clear()
        self._error.setVisible(False)

    @property
    def hint_label(self) -> QLabel:
        """The line of hints under the field (a form may place it in a row of its own)."""
        return self._hint

    def hint_message(self) -> str:
        """The hints shown under the field now (their text), or an empty string."""
        return self._hint.text() if not self._hint.isHidden() else ""

    def set_hints(self, hints: Sequence[FieldHint]) -> None:
        """Show ``hints`` (text, severity) under the input: why this setting does nothing in
        the scenario; an empty list hides them. They stay until set again."""
        self._hints = list(hints)
        self._hint.setText(hint_text(self._hints))
        self._hint.setVisible(bool(self._hints))
        self._recolour()

    def _recolour(self) -> None:
        """Give the error and hint lines the colours of the current palette."""
        for label, colour in (
                (self._error, error_colour(self.palette())),
                (self._hint, hint_colour(self.palette(), "warning" if any(
                    sev == "warning" for _t, sev in self._hints) else "hint"))):
            palette = label.palette()
            palette.setColor(QPalette.ColorRole.WindowText, colour)
            label.setPalette(palette)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        """A theme switch recolours the error and hint lines."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._recolour()

    def _emit(self, value: Any) -> None:
        if self._updating:
            return
        if not self._mixed and value == self._value:
            self.clear_error()
            return
        message = range_error(self.spec, value)
        if message is not None:  # said under the field, never clamped or dropped in silence
            self._fail(message)
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
                show_start(self.edit, text)
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
        self._placeholder = (tr("empty = all hosts") if "empty is all" in spec.description
                             else tr("comma-separated ids"))

    def _show(self, value: Any) -> None:
        self.edit.setPlaceholderText(MIXED_TEXT if value is MIXED else self._placeholder)
        show_start(self.edit, "" if value is MIXED or value is None else ", ".join(map(str, value)))

    def _on_finished(self) -> None:
        if self._updating:
            return
        text = self.edit.text()
        if not text.strip() and self._mixed:
            return
        self._emit([part.strip() for part in text.replace(";", ",").split(",") if part.strip()])


class OptionalEditor(FieldEditor):
    """An optional field: a check box that sets None, beside the editor of the value."""

    def __init__(self, spec: FieldSpec, inner: FieldEditor, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.inner = inner
        inner.setParent(self)
        self.none_box = QCheckBox(none_text(spec.name), self)
        self.none_box.setToolTip(tr("Leave this field unset"))
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
        if self.spec.name in NONE_FALLBACKS:
            return NONE_FALLBACKS[self.spec.name]
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
