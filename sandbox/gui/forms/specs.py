"""What a form knows about a pydantic field: its editor kind, bounds, unit, choices, default.

:func:`describe_field` reads a pydantic field into a :class:`FieldSpec`;
:func:`common_value` merges the values of several selected objects (or
gives :data:`MIXED`); :func:`error_text` turns a refused edit into a short
message. Nothing here draws a widget.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from ...scenario.io import validation_problems

#: Stands for "the selected objects differ in this field".
MIXED: Any = type("Mixed", (), {"__repr__": lambda self: "MIXED"})()

#: The text shown for a mixed value.
MIXED_TEXT = "\u2014"

#: A function that lists the choices of a reference field as (value, text) pairs.
ChoiceProvider = Callable[[], list[tuple[Any, str]]]
#: The commit callback of a form: (dotted path, value); raises ValueError when refused.
Commit = Callable[[str, Any], None]


def error_text(exc: BaseException) -> str:
    """A short message for a refused edit: the messages of its problems, without paths."""
    if isinstance(exc, ValidationError):
        problems = validation_problems(exc)
    else:
        problems = getattr(exc, "problems", None) or [("", str(exc))]
    messages = list(dict.fromkeys(m for _p, m in problems if m))
    return "; ".join(messages) or str(exc)


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
