"""A form generated from a pydantic model: an editor per field, a section per nested model.

:class:`ModelForm` turns a pydantic model class into a form: a check box for a
``bool``, a combo box for a ``Literal``, spin boxes with the field's range for
numbers, a line edit that accepts ``20ms`` for durations, a "none" check box
for optional fields and a collapsible :class:`Section` for each nested model.
The form never changes a model itself: each committed edit calls
``commit(path, value)``; when that raises, the form shows the message in red
under the field and puts the last good value back. :func:`make_editor` picks
the editor of a field; :class:`FormScrollArea` scrolls a form that grows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .editors import (
    CheckEditor,
    ChoiceEditor,
    FieldEditor,
    FieldHint,
    ListEditor,
    OptionalEditor,
    ReadOnlyEditor,
    TextEditor,
    hint_colour,
    hint_text,
)
from .labels import choice_text, field_label, none_text, tr
from .specs import (
    MIXED,
    ChoiceProvider,
    Commit,
    FieldSpec,
    common_value,
    describe_field,
    error_text,
)
from .unit_editors import BandwidthEditor, DurationEditor, FloatEditor, IntEditor, PointsEditor


def make_editor(spec: FieldSpec, provider: ChoiceProvider | None = None,
                multiline: bool = False, parent: QWidget | None = None) -> FieldEditor:
    """The editor for a field described by ``spec`` (see :func:`describe_field`)."""
    if provider is not None:
        if spec.optional:
            base = provider

            def provider() -> list[tuple[Any, str]]:
                return [(None, tr("(none)")), *base()]

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


def form_page(form: QWidget, top: int = 4) -> QWidget:
    """A page for a :class:`FormScrollArea`: ``form`` with margins, and a stretch below it."""
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.setContentsMargins(8, top, 8, 8)
    layout.addWidget(form)
    layout.addStretch(1)
    return page


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
        #: Hints about the section as a whole (shown at the top of its body).
        self.hint = QLabel(self)
        self.hint.setObjectName("sectionHint")
        self.hint.setWordWrap(True)
        self.hint.setVisible(False)
        self._hints: list[FieldHint] = []
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addLayout(header)
        layout.addWidget(line)
        wrap = QWidget(self)
        wrap_layout = QVBoxLayout(wrap)
        wrap_layout.setContentsMargins(ModelForm.INDENT, 2, 0, 4)
        wrap_layout.addWidget(self.hint)
        wrap_layout.addWidget(body)
        self._wrap = wrap
        layout.addWidget(wrap)
        self.button.toggled.connect(self._on_toggled)
        self.button.setChecked(self._expanded.get(self.key, expanded))
        self._on_toggled(self.button.isChecked())

    def is_expanded(self) -> bool:
        """Whether the body is shown."""
        return self.button.isChecked()

    def set_hints(self, hints: Sequence[FieldHint]) -> None:
        """Show ``hints`` (text, severity) at the top of the body; none hides the line."""
        self._hints = list(hints)
        self.hint.setText(hint_text(self._hints))
        self.hint.setVisible(bool(self._hints))
        self._recolour()

    def _recolour(self) -> None:
        palette = self.hint.palette()
        palette.setColor(QPalette.ColorRole.WindowText, hint_colour(self.palette(), "warning" if any(
            sev == "warning" for _t, sev in self._hints) else "hint"))
        self.hint.setPalette(palette)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        """A theme switch recolours the hint line."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._recolour()

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
    ``failed`` signal, and if it has them ``label_extent``, ``align_labels``
    and ``clear_errors``) used instead of a generated sub-form; ``extras`` maps a
    nested field to a widget added at the end of its section; the sections
    named in ``collapsed`` start collapsed; ``defaults`` maps an optional
    nested field to a function of the objects that gives the value shown
    (and set when its "none" box is cleared) while it is unset.
    """

    failed = Signal(str)
    #: A field whose refused edit was reported by ``failed`` took a good value: the same text
    #: as that report, so that whoever showed it (the status bar) can take it back.
    error_fixed = Signal(str)

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
        self._reported: dict[str, str] = {}  # field -> the failure reported for it
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
            editor.failed.connect(lambda m, n=name: self._report(n, m))
            label = QLabel(field_label(name), self)
            label.setBuddy(editor)
            if editor.toolTip():
                label.setToolTip(editor.toolTip())
            self.form.addRow(label, editor)
            # the field's hint spans the row below it: the whole width, wrapped to its height
            self.form.addRow(editor.hint_label)
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
            fixed = getattr(body, "error_fixed", None)
            if fixed is not None:
                fixed.connect(self.error_fixed)
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
                box = QCheckBox(none_text(name), section)
                box.setToolTip(tr("Leave this field unset"))
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
            extent = getattr(body, "label_extent", None)
            if extent is not None:
                widths.append(extent() + self.INDENT)
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

    def none_box(self, name: str) -> QCheckBox:
        """The "none" check box in the header of the section of an optional nested field."""
        return self._section_boxes[name]

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

    def set_hints(self, hints: Mapping[str, Sequence[FieldHint]]) -> None:
        """Show hints under fields: ``hints`` maps a path relative to the form's model
        (``"crash_probability"``, ``"failures.mttf"``, ``"workload"`` for a whole section)
        to (text, severity) pairs. Fields not named lose their hints; a path that names no
        field of the form is shown at the top of the section it is in."""
        own: dict[str, list[FieldHint]] = {}
        below: dict[str, dict[str, list[FieldHint]]] = {name: {} for name in self._subforms}
        for path, items in hints.items():
            head, _dot, rest = path.partition(".")
            head = head.partition("[")[0]
            if head in self._subforms:
                below[head].setdefault(rest, []).extend(items)
            elif head in self.editors:
                own.setdefault(head, []).extend(items)
        for name, editor in self.editors.items():
            editor.set_hints(own.get(name, []))
        for name, body in self._subforms.items():
            nested = below[name]
            setter = getattr(body, "set_hints", None)
            if setter is None:  # a custom section that shows none: all at its top
                self.sections[name].set_hints([h for items in nested.values() for h in items])
                continue
            self.sections[name].set_hints(nested.pop("", []))
            setter(nested)

    def field_hints(self, path: str) -> str:
        """The hint text shown under the field at ``path`` (relative to the form), or ""."""
        head, _dot, rest = path.partition(".")
        if head in self.editors and not rest:
            return self.editors[head].hint_message()
        body = self._subforms.get(head)
        if body is None:
            return ""
        if not rest:
            section = self.sections[head]
            return section.hint.text() if not section.hint.isHidden() else ""
        getter = getattr(body, "field_hints", None)
        return getter(rest) if getter is not None else ""

    def field_editor(self, path: str) -> FieldEditor | None:
        """The editor of the field at ``path`` (relative to the form), or None."""
        head, _dot, rest = path.partition(".")
        if head in self.editors and not rest:
            return self.editors[head]
        body = self._subforms.get(head)
        getter = getattr(body, "field_editor", None)
        return getter(rest) if getter is not None and rest else None

    def reveal(self, path: str) -> FieldEditor | None:
        """Open the sections on the way to the field at ``path`` (relative to the form) and
        return its editor (None when the path names a section, or nothing)."""
        head, _dot, rest = path.partition(".")
        if head in self.editors and not rest:
            return self.editors[head]
        if head in self.sections:
            self.sections[head].set_expanded(True)
        body = self._subforms.get(head)
        if body is None or not rest:
            return None
        find = getattr(body, "reveal", None) or getattr(body, "field_editor", None)
        return find(rest) if find is not None else None

    def _report(self, name: str, message: str) -> None:
        text = f"{field_label(name)}: {message}"
        self._reported[name] = text
        self.failed.emit(text)

    def _on_committed(self, name: str, value: Any) -> None:
        editor = self.editors[name]
        try:
            self._commit_fn(self.prefix + name, value)
        except (ValueError, TypeError, KeyError) as exc:
            message = error_text(exc)
            editor.show_error(message)
            editor.restore()
            self._report(name, message)
        else:
            editor.clear_error()
            reported = self._reported.pop(name, None)
            if reported is not None:
                self.error_fixed.emit(reported)

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
