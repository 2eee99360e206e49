"""The allowed range of a field, in words with its unit, and the message for a value outside it.

The bounds come from the pydantic constraints of the model (``ge``, ``gt``,
``le``, ``lt``, read once into a :class:`~.specs.FieldSpec`), so the form, the
file validation and this message agree. Durations are written with the one
formatter (:mod:`sandbox.scenario.units`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP

from ...scenario.units import MAX_DURATION, format_bandwidth, format_latency, format_number
from .labels import tr, unit_suffix
from .specs import FieldSpec

__all__ = ["bound_text", "range_error", "range_text"]

#: Words of the unit after a range, where the spin box shows no suffix.
_UNIT_WORDS = {
    "probability": QT_TRANSLATE_NOOP("Inspector", "a probability"),
}


def bound_text(spec: FieldSpec, value: float) -> str:
    """A bound or value of the field, written in its unit (``1ms``, ``100000 ppm``, ``1``)."""
    if spec.kind == "duration":
        return format_latency(int(value))
    if spec.unit == "bit/s":
        return format_bandwidth(float(value))
    number = value if spec.kind == "int" else float(value)
    if isinstance(number, float) and number.is_integer() and abs(number) < 1e15:
        number = int(number)
    return format_number(number) + unit_suffix(spec.unit)


def _numeric(spec: FieldSpec) -> bool:
    return spec.kind in ("int", "float", "probability", "duration")


def range_text(spec: FieldSpec) -> str:
    """The allowed range in words: ``0 to 1 (a probability)``, ``at least 1ns``,
    ``more than 0, up to 100``; "" for a field without bounds."""
    if not _numeric(spec):
        return ""
    lo, hi = spec.lo, spec.hi
    if spec.kind == "duration" and hi is not None and hi >= MAX_DURATION:
        hi = None  # a hundred years: not worth saying unless passed
    if lo is not None and hi is not None:
        if spec.lo_open or spec.hi_open:
            text = tr("more than {lo}, up to {hi}") if spec.lo_open and not spec.hi_open else (
                tr("{lo} up to less than {hi}") if not spec.lo_open
                else tr("more than {lo} and less than {hi}"))
        else:
            text = tr("{lo} to {hi}")
        text = text.format(lo=bound_text(spec, lo), hi=bound_text(spec, hi))
    elif lo is not None:
        text = (tr("more than {lo}") if spec.lo_open else tr("at least {lo}")).format(
            lo=bound_text(spec, lo))
    elif hi is not None:
        text = (tr("less than {hi}") if spec.hi_open else tr("at most {hi}")).format(
            hi=bound_text(spec, hi))
    else:
        return ""
    word = _UNIT_WORDS.get(spec.unit)
    return tr("{range} ({unit})").format(range=text, unit=tr(word)) if word else text


def range_error(spec: FieldSpec, value: Any) -> str | None:
    """The message for ``value`` outside the field's range (None when it is inside, or not a
    number): ``2 is out of range: allowed 0 to 1 (a probability)``."""
    if not _numeric(spec) or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    lo, hi = spec.lo, spec.hi
    below = lo is not None and (value <= lo if spec.lo_open else value < lo)
    above = hi is not None and (value >= hi if spec.hi_open else value > hi)
    if not (below or above):
        return None
    allowed = range_text(spec)
    if spec.kind == "duration" and above and hi is not None:
        allowed = tr("at most {hi}").format(hi=bound_text(spec, hi))
    return tr("{value} is out of range: allowed {range}").format(
        value=bound_text(spec, value), range=allowed)
