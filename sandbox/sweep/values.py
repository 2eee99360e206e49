"""The values a swept parameter takes, written as text: lists, ranges, steps and durations.

``parse_values`` reads what ``sandbox sweep --set PATH=VALUES`` and the GUI's
Experiment dialog accept:

====================  =============================================================
``0.1,0.2,0.5``       a list (numbers, ``true``/``false``, ``none``, plain strings)
``1..20``             whole numbers from 1 to 20, both ends included
``0.01..0.2/10``      10 evenly spaced values from 0.01 to 0.2, both ends included
``10ms..100ms/5``     durations (any unit of :mod:`sandbox.scenario.units`): ns
``1s,2s,500ms``       a list of durations, each in integer nanoseconds
====================  =============================================================

Every problem is a ``ValueError`` whose message names the text.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.scenario.units import UNITS, parse_duration

__all__ = ["MAX_VALUES", "parse_assignment", "parse_value", "parse_values"]

#: The most values one parameter may take (a typo such as ``1..1e9`` is refused).
MAX_VALUES = 100_000

_INT = re.compile(r"^[-+]?\d+$")
_FLOAT = re.compile(r"^[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?$")
_DURATION = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*([a-zµ]+)$")


def _is_duration(text: str) -> bool:
    m = _DURATION.match(text)
    return m is not None and m.group(1) in UNITS


def parse_value(text: str) -> Any:
    """One value: an int, a float, a duration (int ns), a bool, None or the text itself."""
    t = text.strip()
    low = t.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    if _INT.match(t):
        return int(t)
    if _FLOAT.match(t):
        value = float(t)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"value {t!r} is not a finite number")
        return value
    if _is_duration(t):
        return parse_duration(t)
    return t


def _range(text: str) -> list[Any]:
    """``A..B`` (whole numbers) or ``A..B/N`` (N evenly spaced values)."""
    span, slash, count_text = text.partition("/")
    start_text, _, stop_text = span.partition("..")
    start_text, stop_text = start_text.strip(), stop_text.strip()
    if not start_text or not stop_text:
        raise ValueError(f"range {text!r}: write it as A..B (whole numbers) or A..B/N "
                         "(N values), e.g. 1..20 or 0.01..0.2/10")
    durations = _is_duration(start_text) or _is_duration(stop_text)
    try:
        if durations:
            start: float = parse_duration(start_text)
            stop: float = parse_duration(stop_text)
        else:
            start, stop = (int(x) if _INT.match(x) else float(x) for x in (start_text, stop_text))
    except ValueError:
        raise ValueError(f"range {text!r}: its ends must be numbers or durations "
                         "(1..20, 0.01..0.2/10, 10ms..100ms/5)") from None
    if stop < start:
        raise ValueError(f"range {text!r}: its end is smaller than its start")
    if not slash:
        if durations or not (isinstance(start, int) and isinstance(stop, int)):
            raise ValueError(f"range {text!r}: say how many values with /N, e.g. {text}/10 "
                             "(only a range of whole numbers counts by one)")
        if stop - start + 1 > MAX_VALUES:
            raise ValueError(f"range {text!r}: {stop - start + 1} values, more than "
                             f"{MAX_VALUES}")
        return list(range(int(start), int(stop) + 1))
    count_text = count_text.strip()
    if not _INT.match(count_text) or int(count_text) < 1:
        raise ValueError(f"range {text!r}: the count after / must be a whole number of at "
                         "least 1")
    n = int(count_text)
    if n > MAX_VALUES:
        raise ValueError(f"range {text!r}: {n} values, more than {MAX_VALUES}")
    if n == 1:
        if start != stop:
            raise ValueError(f"range {text!r}: one value cannot span from {start_text} to "
                             f"{stop_text}; use /2 or more")
        return [start]
    whole = isinstance(start, int) and isinstance(stop, int)
    if whole and (stop - start) % (n - 1) == 0:  # durations and whole numbers stay ints
        step = (stop - start) // (n - 1)
        return [int(start + i * step) for i in range(n)]
    if durations:  # nanoseconds are integers: round each point
        return [round(start + (stop - start) * i / (n - 1)) for i in range(n)]
    # i / (n - 1) of the way (no drift from adding a step n times), to 12 significant digits
    values = [float(f"{start + (stop - start) * i / (n - 1):.12g}") for i in range(n)]
    values[0], values[-1] = float(start), float(stop)
    return values


def parse_values(text: str) -> list[Any]:
    """The values ``text`` stands for (see the module docstring); ValueError naming it."""
    if not isinstance(text, str):
        raise ValueError(f"values must be text, not {type(text).__name__}")
    t = text.strip()
    if not t:
        raise ValueError("no values given: write a list (0.1,0.2,0.5) or a range "
                         "(1..20, 0.01..0.2/10)")
    out: list[Any] = []
    for part in t.split(","):
        part = part.strip()
        if not part:
            raise ValueError(f"values {text!r}: an empty item between commas")
        out.extend(_range(part) if ".." in part else [parse_value(part)])
    if len(out) > MAX_VALUES:
        raise ValueError(f"values {text!r}: {len(out)} values, more than {MAX_VALUES}")
    return out


def parse_assignment(text: str) -> tuple[str, list[Any]]:
    """``"PATH=VALUES"`` -> ``(path, values)``; ValueError naming the text when malformed."""
    path, eq, values = text.partition("=")
    path = path.strip()
    if not eq or not path:
        raise ValueError(f"{text!r}: write PATH=VALUES, e.g. hosts[*].failures.mttr=1s..5s/5")
    try:
        return path, parse_values(values)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
