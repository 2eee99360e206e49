"""Streaming trace sinks (in memory, JSONL on disk) and the JSONL trace reader.

The engine calls ``sink.open(header)`` once, ``sink.write(event)`` for every
event in time order, and ``sink.close()`` at the end. A JSONL trace is a
header line (a JSON object with ``format``, ``version``, ``sandbox_version``,
``seed``, ``scenario_sha256`` and the whole ``scenario``) followed by one
event per line, so long runs stream to disk in bounded memory.
"""

from __future__ import annotations

import io
import json
import os
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..scenario.files import FileRefused, open_regular
from .events import TRACE_FORMAT, TRACE_VERSION, EventError, TraceEvent, event_json
from .events import _show as _show_value


class Sink:
    """Receives the events of a run. Subclasses override what they need."""

    def open(self, header: dict[str, Any]) -> None:
        """Called once before the first event with the trace header."""

    def write(self, ev: TraceEvent, /) -> None:
        """Called for every event, in order."""

    def close(self) -> None:
        """Called once after the last event."""


class MemorySink(Sink):
    """Keeps every event in a list (``events``) and the header (``header``)."""

    def __init__(self) -> None:
        self.header: dict[str, Any] = {}
        self.events: list[TraceEvent] = []
        # the list's own append is the fastest write; it shadows the method on purpose
        self.write = self.events.append  # type: ignore[method-assign]

    def open(self, header: dict[str, Any]) -> None:
        self.header = header


class JsonlSink(Sink):
    """Streams the trace to a JSONL file (or an open text stream)."""

    def __init__(self, target: str | os.PathLike | io.TextIOBase, buffer_lines: int = 4096) -> None:
        self._target = target
        self._fh: Any = None
        self._own = False
        self._buf: list[str] = []
        self._limit = buffer_lines

    def open(self, header: dict[str, Any]) -> None:
        if isinstance(self._target, (str, os.PathLike)):
            self._fh = open(self._target, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
            self._own = True
        else:
            self._fh = self._target
        self._fh.write(json.dumps(header, ensure_ascii=False, separators=(",", ":")) + "\n")

    def write(self, ev: TraceEvent) -> None:
        # Lines are encoded at once: strings are not tracked by the garbage collector, so
        # a buffer of them costs far less than a buffer of events holding dicts.
        buf = self._buf
        buf.append(event_json(ev))
        if len(buf) >= self._limit:
            self._flush()

    def _flush(self) -> None:
        if self._buf:
            self._fh.write("\n".join(self._buf) + "\n")
            self._buf.clear()

    def close(self) -> None:
        self._flush()
        if self._own:
            self._fh.close()
        else:
            self._fh.flush()


class TeeSink(Sink):
    """Sends every call to several sinks."""

    def __init__(self, *sinks: Sink) -> None:
        self.sinks = list(sinks)

    def open(self, header: dict[str, Any]) -> None:
        for s in self.sinks:
            s.open(header)

    def write(self, ev: TraceEvent) -> None:
        for s in self.sinks:
            s.write(ev)

    def close(self) -> None:
        for s in self.sinks:
            s.close()


class TraceFormatError(Exception):
    """A trace file is not a DS Sandbox JSONL trace; the message says where."""


def make_header(scenario_json: dict[str, Any], seed: int, sha256: str,
                sandbox_version: str) -> dict[str, Any]:
    """The header object of a JSONL trace."""
    return {
        "format": TRACE_FORMAT,
        "version": TRACE_VERSION,
        "sandbox_version": sandbox_version,
        "seed": seed,
        "scenario_sha256": sha256,
        "scenario": scenario_json,
    }


def read_header(path: str | os.PathLike) -> dict[str, Any]:
    """Read only the header line of a JSONL trace (TraceFormatError says what is wrong)."""
    name = os.fspath(path)
    fh = _open_trace(name)
    with fh:
        return _parse_header(_first_line(fh, name), name)


#: How deeply the values of one event may nest (lists and objects); deeper is refused.
MAX_EVENT_DEPTH = 100


def _not_finite(text: str) -> Any:
    raise EventError(f"{text} is not a finite number")


def _finite_float(text: str) -> float:
    value = float(text)
    if value - value != 0:  # infinity (NaN cannot come from a number's text)
        raise EventError(f"the number {text[:40]} is too large")
    return value


#: The JSON decoder of trace lines: no NaN or Infinity, no number that overflows to infinity.
_DECODER = json.JSONDecoder(parse_float=_finite_float, parse_constant=_not_finite)
_decode = _DECODER.decode
#: Its scanner, called directly for event lines: ``(value, end)``, or StopIteration when no
#: value starts at the index (it skips the Python frame and whitespace matching of decode).
_scan = _DECODER.scan_once  # type: ignore[attr-defined]  # set in JSONDecoder.__init__


def _json_problem(exc: BaseException) -> str:
    """The reason a line is not valid, in words, from what the decoder or checks raised."""
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON: {exc.msg} (column {exc.colno})"
    if isinstance(exc, RecursionError):
        return "values nested too deeply"
    if isinstance(exc, EventError):
        return str(exc)
    # the only other ValueError of the decoder: an integer too long to convert
    return f"a number has more than {sys.get_int_max_str_digits()} digits"


def _os_problem(name: str, exc: OSError) -> TraceFormatError:
    """A TraceFormatError with a readable message for an OSError on the trace file."""
    if isinstance(exc, FileRefused):
        text = str(exc)
    elif isinstance(exc, FileNotFoundError):
        text = f"{name}: no such file"
    elif isinstance(exc, IsADirectoryError):
        text = f"{name}: is a folder, not a trace file"
    elif isinstance(exc, PermissionError):
        text = f"{name}: permission denied (the file cannot be read)"
    else:
        text = f"{name}: cannot be read ({exc.strerror or exc})"
    return TraceFormatError(text)


def _open_trace(name: str) -> io.TextIOWrapper:
    """The trace file as UTF-8 text, through the one safe opener (regular files, size limit)."""
    try:
        return io.TextIOWrapper(open_regular(name, "trace"), encoding="utf-8")
    except OSError as exc:
        raise _os_problem(name, exc) from None


def _not_utf8(name: str) -> TraceFormatError:
    """Find the line that is not UTF-8 (read again as bytes) and say so."""
    try:
        with open_regular(name, "trace") as fh:
            for lineno, raw in enumerate(fh, start=1):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    if lineno == 1 and raw.startswith((b"\xff\xfe", b"\xfe\xff")):
                        return TraceFormatError(f"{name}: line 1: UTF-16 text; a trace is UTF-8 "
                                                "text (save it as UTF-8)")
                    return TraceFormatError(
                        f"{name}: line {lineno}: not UTF-8 text (byte {exc.start + 1} of the "
                        "line cannot be read as UTF-8; a trace is UTF-8 text)")
    except OSError as exc:
        return _os_problem(name, exc)
    return TraceFormatError(f"{name}: not UTF-8 text (a trace is UTF-8 text)")


def _first_line(fh: io.TextIOWrapper, name: str) -> str:
    """The header line, without a UTF-8 byte-order mark."""
    try:
        line = fh.readline()
    except UnicodeDecodeError:
        raise _not_utf8(name) from None
    except OSError as exc:
        raise _os_problem(name, exc) from None
    return line[1:] if line.startswith("\ufeff") else line


def _lone_surrogate(value: Any) -> bool:
    """Whether a parsed value holds a lone surrogate (from an escape such as ``\\ud800``)."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _too_deep(value: Any, limit: int) -> bool:
    """Whether lists and objects nest more than ``limit`` levels in ``value`` (no recursion)."""
    stack = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, dict):
            v = list(v.values())
        elif not isinstance(v, list):
            continue
        if depth > limit:
            return True
        stack.extend((x, depth + 1) for x in v if isinstance(x, (list, dict)))
    return False


def _parse_header(line: str, path: Any) -> dict[str, Any]:
    name = os.fspath(path)
    if "\x00" in line:
        raise TraceFormatError(f"{name}: line 1: not UTF-8 text (it holds NUL bytes: UTF-16 "
                               "text or a binary file?); a trace is UTF-8 text")
    try:
        header = _decode(line)
    except (ValueError, RecursionError) as exc:
        if not line.strip():
            raise TraceFormatError(
                f"{name}: line 1: empty (a trace starts with its header line)") from None
        raise TraceFormatError(f"{name}: line 1: {_json_problem(exc)}") from None
    if not isinstance(header, dict):
        raise TraceFormatError(f"{name}: line 1: not a DS Sandbox trace header (the first line "
                               "must be a JSON object)")
    if header.get("format") != TRACE_FORMAT:
        raise TraceFormatError(f"{name}: line 1: not a DS Sandbox trace header "
                               f'("format" is not "{TRACE_FORMAT}")')
    version = header.get("version", TRACE_VERSION)
    if type(version) is not int or version < 1:
        raise TraceFormatError(
            f'{name}: line 1: the trace format "version" must be a whole number from 1, '
            f"not {_show_value(version)}")
    if version > TRACE_VERSION:
        shown = str(version) if version < 10**9 else f"({_show_value(version)})"
        raise TraceFormatError(
            f"{name}: line 1: trace format version {shown} is newer than "
            f"this program reads ({TRACE_VERSION})")
    if not isinstance(header.get("scenario", {}), dict):
        raise TraceFormatError(f'{name}: line 1: the header\'s "scenario" must be a JSON object')
    if "\\u" in line and _lone_surrogate(header):
        raise TraceFormatError(f"{name}: line 1: holds a lone surrogate escape (such as "
                               "\\ud800), which is not a character")
    return header


def iter_jsonl(path: str | os.PathLike) -> tuple[dict[str, Any], Iterator[TraceEvent]]:
    """Open a JSONL trace: its header and an iterator over its events (streaming).

    Every problem raises :class:`TraceFormatError` with a message that names
    the file and, for a bad line, the line: a file that cannot be opened or
    read (missing, a folder, a pipe or device, over the size limit, not
    permitted), text that is not UTF-8, a bad header, a line that is not JSON
    or not a valid event (see :meth:`TraceEvent.from_dict`), values nested
    deeper than :data:`MAX_EVENT_DEPTH`, a lone surrogate escape, and an
    event whose time is before the previous one. Blank lines are skipped;
    a UTF-8 byte-order mark on line 1 is accepted.
    """
    name = os.fspath(path)
    fh = _open_trace(name)
    try:
        header = _parse_header(_first_line(fh, name), name)
    except BaseException:
        fh.close()
        raise

    def events() -> Iterator[TraceEvent]:
        scan, decode, from_dict, limit = _scan, _decode, TraceEvent.from_dict, MAX_EVENT_DEPTH
        last = 0
        with fh:
            try:
                for lineno, line in enumerate(fh, start=2):
                    try:
                        try:
                            d, end = scan(line, 0)
                        except StopIteration:  # blank, or blanks first: the decoder decides
                            d = decode(line)
                        else:
                            if end < len(line) - 1 and line[end:].strip():
                                decode(line)  # raises: more than one value on the line
                        ev = from_dict(d)
                    except (ValueError, RecursionError) as exc:
                        if not line.strip():
                            continue
                        raise TraceFormatError(
                            f"{name}: line {lineno}: bad event ({_json_problem(exc)})") from None
                    if ev.t < last:
                        raise TraceFormatError(f"{name}: line {lineno}: event time goes backwards")
                    last = ev.t
                    # rare lines only: cheap tests of the text first
                    if len(line) > 2 * limit and line.count("[") + line.count("{") > limit \
                            and _too_deep(ev.data, limit - 1):
                        raise TraceFormatError(f"{name}: line {lineno}: bad event (values nested "
                                               f"more than {limit} levels deep)")
                    if "\\u" in line and _lone_surrogate(ev.data):
                        raise TraceFormatError(
                            f"{name}: line {lineno}: bad event (a lone surrogate escape such as "
                            "\\ud800, which is not a character)")
                    yield ev
            except UnicodeDecodeError:
                raise _not_utf8(name) from None
            except OSError as exc:
                raise _os_problem(name, exc) from None

    stream = events()
    weakref.finalize(stream, fh.close)  # closed even if the events are never read
    return header, stream


def read_jsonl(path: str | os.PathLike) -> tuple[dict[str, Any], list[TraceEvent]]:
    """Load a whole JSONL trace: (header, events)."""
    header, events = iter_jsonl(Path(path))
    return header, list(events)
