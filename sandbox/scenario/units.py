"""Durations with units: parse "20ms" into integer nanoseconds and format them back."""

from __future__ import annotations

import re

#: Nanoseconds per unit, for every unit a duration may carry.
UNITS: dict[str, int] = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "min": 60_000_000_000,
    "h": 3_600_000_000_000,
    "d": 86_400_000_000_000,
}

_DURATION = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-zµ]*)\s*$")


def parse_duration(text: str | int | float, *, default_unit: str = "ns") -> int:
    """Return the duration ``text`` in integer nanoseconds.

    ``text`` is a number followed by a unit (``500us``, ``20ms``, ``2s``,
    ``5min``, ``1h``). A bare number is taken in ``default_unit``. Raises
    ``ValueError`` with a message naming the accepted units otherwise.
    """
    if isinstance(text, bool):
        raise ValueError("a duration must be a number with a unit, not a boolean")
    if isinstance(text, int):
        return text * UNITS[default_unit]
    if isinstance(text, float):
        return round(text * UNITS[default_unit])
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(
            f"invalid duration {text!r}: expected a number with a unit such as "
            "500us, 20ms, 2s, 5min or 1h"
        )
    number, unit = match.groups()
    unit = unit or default_unit
    if unit not in UNITS:
        raise ValueError(
            f"invalid duration {text!r}: unknown unit {unit!r} (use one of "
            + ", ".join(u for u in UNITS if u != "µs")
            + ")"
        )
    value = float(number) * UNITS[unit]
    if "." in number or "e" in number.lower():
        return round(value)
    return int(number) * UNITS[unit]


def format_duration(ns: int) -> str:
    """Return ``ns`` nanoseconds as a short human string (``1.5ms``, ``2s``)."""
    sign = "-" if ns < 0 else ""
    ns = abs(int(ns))
    for unit in ("h", "min", "s", "ms", "us"):
        size = UNITS[unit]
        if ns >= size:
            value = ns / size
            text = f"{value:.3f}".rstrip("0").rstrip(".")
            return f"{sign}{text}{unit}"
    return f"{sign}{ns}ns"
