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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .events import TRACE_FORMAT, TRACE_VERSION, TraceEvent, event_json


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
    """Read only the header line of a JSONL trace."""
    with open(path, encoding="utf-8") as fh:
        return _parse_header(fh.readline(), path)


def _parse_header(line: str, path: Any) -> dict[str, Any]:
    try:
        header = json.loads(line)
    except json.JSONDecodeError as exc:
        raise TraceFormatError(f"{path}: line 1: not JSON ({exc.msg})") from None
    if not isinstance(header, dict) or header.get("format") != TRACE_FORMAT:
        raise TraceFormatError(f"{path}: line 1: not a DS Sandbox trace header")
    if header.get("version", 0) > TRACE_VERSION:
        raise TraceFormatError(
            f"{path}: line 1: trace format version {header.get('version')} is newer than "
            f"this program reads ({TRACE_VERSION})"
        )
    return header


def iter_jsonl(path: str | os.PathLike) -> tuple[dict[str, Any], Iterator[TraceEvent]]:
    """Open a JSONL trace: its header and an iterator over its events (streaming)."""
    fh = open(path, encoding="utf-8")  # noqa: SIM115
    try:
        header = _parse_header(fh.readline(), path)
    except BaseException:
        fh.close()
        raise

    def events() -> Iterator[TraceEvent]:
        with fh:
            for lineno, line in enumerate(fh, start=2):
                if not line.strip():
                    continue
                try:
                    yield TraceEvent.from_dict(json.loads(line))
                except (json.JSONDecodeError, KeyError, TypeError) as exc:
                    raise TraceFormatError(f"{path}: line {lineno}: bad event ({exc})") from None

    return header, events()


def read_jsonl(path: str | os.PathLike) -> tuple[dict[str, Any], list[TraceEvent]]:
    """Load a whole JSONL trace: (header, events)."""
    header, events = iter_jsonl(Path(path))
    return header, list(events)
