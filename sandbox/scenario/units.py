"""Units: parse durations ("20ms" -> integer nanoseconds), and the one place where times,
durations and numbers are formatted for display (command line, trace texts, every view).

Formatters build their text from a number and a unit with one template,
never by gluing words; the decimal separator is :data:`DECIMAL_POINT`, which
the program sets once for the user's language (:func:`set_decimal_point`).
Compact forms without a space (``1.5ms``) are the ones files and the command
line accept back; display forms put a space before the unit (``1.500 ms``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

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

#: The longest duration (either sign) a scenario may hold: 100 years of 365.25 days in
#: nanoseconds, about 3.2e18, well below 2**63, so no sum of two of them overflows 64 bits.
#: (:func:`parse_duration` itself reads any finite duration; the scenario model checks this.)
MAX_DURATION = 36_525 * UNITS["d"]


def _finite(ns: float, text: object) -> float:
    """``ns`` when it is a finite number (a float: the size of the duration, rounded)."""
    if math.isnan(ns):
        raise ValueError(f"invalid duration {text!r}: not a number")
    if math.isinf(ns):
        raise ValueError(f"invalid duration {str(text)[:40]!r}: too long to be a number of "
                         "nanoseconds")
    return ns


def parse_duration(text: str | int | float, *, default_unit: str = "ns") -> int:
    """Return the duration ``text`` in integer nanoseconds.

    ``text`` is a number followed by a unit (``500us``, ``20ms``, ``2s``,
    ``5min``, ``1h``). A bare number is taken in ``default_unit``. Raises
    ``ValueError`` with a message naming the accepted units otherwise, and for
    a number too large to be a finite float (``1e400s``, 400 digits).
    """
    if isinstance(text, bool):
        raise ValueError("a duration must be a number with a unit, not a boolean")
    if isinstance(text, int):
        return text * UNITS[default_unit]
    if isinstance(text, float):
        return round(_finite(text * UNITS[default_unit], text))
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(
            f"invalid duration {str(text)[:40]!r}: expected a number with a unit such as "
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
    # float() reads a number of any length (a huge one as infinity), so a number with
    # thousands of digits is refused here before int() could meet it.
    value = _finite(float(number) * UNITS[unit], text)
    if "." in number or "e" in number.lower():
        return round(value)
    # Leading zeros do not count: "000...01s" is one second, however many zeros it has.
    digits = number.lstrip("+-").lstrip("0") or "0"
    return (-1 if number.startswith("-") else 1) * int(digits) * UNITS[unit]


def format_duration(ns: int) -> str:
    """Return ``ns`` nanoseconds as a short human string (``1.5ms``, ``2s``)."""
    sign = "-" if ns < 0 else ""
    ns = abs(int(ns))
    if ns > MAX_DURATION:  # not a valid Duration: whole hours, never a float overflow
        return f"{sign}{ns // UNITS['h']}h"
    for unit in ("h", "min", "s", "ms", "us"):
        size = UNITS[unit]
        if ns >= size:
            value = ns / size
            text = f"{value:.3f}".rstrip("0").rstrip(".")
            return f"{sign}{text}{unit}"
    return f"{sign}{ns}ns"


# -- display --------------------------------------------------------------------------------

#: The decimal separator of displayed numbers ("." in English, "," in Portuguese).
DECIMAL_POINT = "."


def set_decimal_point(point: str) -> None:
    """Use ``point`` as the decimal separator of every displayed number from now on."""
    global DECIMAL_POINT
    DECIMAL_POINT = point


def _num(text: str) -> str:
    return text if DECIMAL_POINT == "." else text.replace(".", DECIMAL_POINT)


def _with_unit(number: str, unit: str) -> str:
    return f"{_num(number)} {unit}"


_SPANS = ((1_000_000_000, "s"), (1_000_000, "ms"), (1_000, "µs"))


def format_ns(ns: int) -> str:
    """A duration in the largest unit that keeps it readable: ``5.036 ms``, ``800 ns``."""
    sign = "-" if ns < 0 else ""
    a = abs(int(ns))
    for size, unit in _SPANS:
        if a >= size:
            return _with_unit(f"{sign}{a / size:.3f}", unit)
    return _with_unit(f"{sign}{a}", "ns")


def format_latency(ns: int) -> str:
    """A duration for a short label: ``5ms``, ``50µs`` (compact, no trailing zeros)."""
    return _num(format_duration(ns).replace("us", "µs"))


def format_skew(ns: int) -> str:
    """A clock's skew, signed, in a readable unit: ``+4.1 ms``, ``-350 µs``, ``±0``."""
    if ns == 0:
        return "±0"
    a = abs(ns)
    value, unit = float(ns), "ns"
    for scale, name in _SPANS:
        if a >= scale:
            value, unit = ns / scale, name
            break
    text = f"{value:+.3g}"
    if "e" in text:
        text = f"{value:+.0f}"
    return _with_unit(text, unit)


def seconds_text(ns: int, digits: int = 3) -> str:
    """``ns`` nanoseconds as a number of seconds with ``digits`` decimals: ``1.234``."""
    return _num(f"{ns / 1e9:.{digits}f}")


def format_seconds(ns: int, digits: int = 3) -> str:
    """``ns`` nanoseconds as seconds with ``digits`` decimals: ``1.234 s``."""
    return f"{seconds_text(ns, digits)} s"


def format_number(value: float) -> str:
    """A plain number: a whole number as it is, another with 3 significant digits, both
    with the language's decimal point (``3``, ``0.25``, ``1.23``); from 1,000 up to 10^15 a
    number is rounded to a whole one (``1000``, not ``1e+03``; the mean of counts)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if math.isfinite(value) and 1000 <= abs(value) < 1e15:
        return str(round(value))
    return _num(f"{value:.3g}")


def format_rate(rate: float) -> str:
    """A rate with a short SI suffix: ``950``, ``1.2k``, ``3M`` (per second)."""
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if rate >= scale:
            return _num(f"{rate / scale:.3g}") + suffix
    return _num(f"{rate:.3g}")


def time_digits(duration: int) -> int:
    """How many decimals of a second to show for a run this long: 3, 6 or 9."""
    if duration >= 1_000_000_000:
        return 3
    if duration >= 1_000_000:
        return 6
    return 9


def distinct_digits(ns: int, others: Sequence[int | None], digits: int = 3) -> int:
    """The decimals of a second (``digits`` at least, 9 at most) that resolve the gap between
    ``ns`` and each of ``others`` that is a different time (None is skipped): the last digit
    steps by no more than the gap, so the two read differently and neither is rounded onto
    the other.

    Two events 0.2 ms apart in the same millisecond read alike with 3 decimals:
    ``distinct_digits(1_000_100_000, [1_000_300_000])`` is 4, and
    ``format_seconds(t, 4)`` tells them apart (``1.0001 s``, ``1.0003 s``).
    """
    digits = min(max(int(digits), 0), 9)
    for other in others:
        if other is None or other == ns:
            continue
        gap = abs(int(ns) - int(other))
        digits = max(digits, min(9, 9 - int(math.floor(math.log10(gap)))))
        while digits < 9 and seconds_text(ns, digits) == seconds_text(other, digits):
            digits += 1
    return digits


def format_clock(local: int, skew: int, digits: int = 3) -> str:
    """A clock readout: local time in seconds, then the skew when there is any.

    ``format_clock(1_204_000_000, 4_100_000)`` is ``"1.204 s (+4.1 ms)"``.
    """
    text = format_seconds(local, digits)
    return f"{text} ({format_skew(skew)})" if skew else text


def format_percent(p: float) -> str:
    """A probability as a short percentage: ``5%``, ``0.5%``."""
    return _num(f"{p * 100:.3g}") + "%"


def format_speed(speed: float) -> str:
    """A playback speed: ``1x``, ``0.25x``, ``3.2x``, ``10000x``."""
    if speed >= 100:
        text = f"{round(speed, -int(math.floor(math.log10(speed))) + 1):.0f}"
    else:
        text = f"{float(f'{speed:.2g}'):g}"
    return _num(text) + "x"


def format_bytes(size: int) -> str:
    """A byte count with a binary unit: ``4 KiB``, ``1.5 MiB``."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            text = f"{value:.1f}".rstrip("0").rstrip(".") if unit != "B" else str(int(value))
            return _with_unit(text, unit)
        value /= 1024
    return _with_unit(str(size), "B")  # pragma: no cover


#: SI prefixes of bandwidths.
SI_PREFIXES = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}


def format_bandwidth(bits_per_second: float) -> str:
    """A bandwidth as short text with an SI prefix: ``100 Mbit/s``."""
    for prefix in ("T", "G", "M", "k"):
        if bits_per_second >= SI_PREFIXES[prefix]:
            return _with_unit(f"{bits_per_second / SI_PREFIXES[prefix]:.4g}", f"{prefix}bit/s")
    return _with_unit(f"{bits_per_second:.4g}", "bit/s")
