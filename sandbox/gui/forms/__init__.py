"""Forms generated from pydantic models: field specs, editors, labels and the form widget.

Used by the inspector (hosts, links, groups, behaviour parameters) and the
scenario settings panel. A form never changes a model itself: it calls a
``commit(path, value)`` function that may refuse the edit with a message.
"""

from .editors import (
    NONE_FALLBACKS,
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
from .form import FormScrollArea, ModelForm, Section, form_page, make_editor
from .labels import (
    FIELD_LABELS,
    NONE_TEXTS,
    UNIT_SUFFIXES,
    choice_text,
    field_label,
    none_text,
    unit_suffix,
)
from .ranges import bound_text, range_error, range_text
from .specs import (
    MIXED,
    MIXED_TEXT,
    ChoiceProvider,
    Commit,
    FieldSpec,
    common_value,
    describe_field,
    error_text,
)
from .unit_editors import (
    BandwidthEditor,
    DurationEditor,
    FloatEditor,
    IntEditor,
    PointsEditor,
    UnitTextEditor,
    format_bandwidth,
    parse_bandwidth,
)

__all__ = [
    "FIELD_LABELS",
    "MIXED",
    "MIXED_TEXT",
    "NONE_FALLBACKS",
    "NONE_TEXTS",
    "UNIT_SUFFIXES",
    "BandwidthEditor",
    "CheckEditor",
    "ChoiceEditor",
    "ChoiceProvider",
    "Commit",
    "DurationEditor",
    "FieldEditor",
    "FieldHint",
    "FieldSpec",
    "FloatEditor",
    "FormScrollArea",
    "IntEditor",
    "ListEditor",
    "ModelForm",
    "OptionalEditor",
    "PointsEditor",
    "ReadOnlyEditor",
    "Section",
    "TextEditor",
    "UnitTextEditor",
    "bound_text",
    "choice_text",
    "common_value",
    "describe_field",
    "error_text",
    "field_label",
    "form_page",
    "format_bandwidth",
    "hint_colour",
    "hint_text",
    "make_editor",
    "none_text",
    "parse_bandwidth",
    "range_error",
    "range_text",
    "unit_suffix",
]
