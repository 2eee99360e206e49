"""Scenario files: load with errors that name their path, migrate old versions, save atomically.

Loading a file only parses JSON and validates data: it never runs code. Whatever
the file holds (any nesting, any number, duplicate keys, any text), the result
is a Scenario or a ScenarioError whose lines say what is wrong and where.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .files import FileRefused, atomic_write_text, read_text
from .model import SCHEMA_VERSION, Scenario

#: The deepest nesting of arrays and objects a scenario file may have (a valid one has
#: about six levels).
MAX_DEPTH = 100
#: The most digits an integer of a scenario file may have (no valid value has 20).
MAX_DIGITS = 100

FAULT_KINDS = {
    "crash", "recover", "pause", "byzantine", "partition", "clock_jump", "loss_burst",
    "link_cut", "drop_message",
}


class ScenarioError(Exception):
    """A scenario could not be loaded; ``problems`` is a list of (path, message)."""

    def __init__(self, problems: list[tuple[str, str]], source: str = "") -> None:
        self.problems = problems
        self.source = source
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One line per problem: ``error: SOURCE: PATH: message``.

        A character that cannot be printed (a control character, a lone surrogate
        from a key of the file) is shown as an escape such as ``\\ud800``.
        """
        prefix = f"{self.source}: " if self.source else ""
        return [_printable(f"error: {prefix}{path}: {msg}" if path else f"error: {prefix}{msg}")
                for path, msg in self.problems]


def _printable(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def format_loc(loc: Sequence[Any]) -> str:
    """A location as a path: ``("hosts", 0, "clock", "offset")`` is ``hosts[0].clock.offset``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def friendly_message(err: ErrorDetails) -> str:
    """The message of one pydantic error, in the words this program uses."""
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if err["type"] == "extra_forbidden":
        return "unknown field"
    if err["type"] == "missing":
        return "required field is missing"
    if err["type"] == "union_tag_invalid":
        return msg
    return msg


def validation_problems(exc: ValidationError) -> list[tuple[str, str]]:
    """Turn a pydantic ValidationError into (path, message) pairs."""
    problems: list[tuple[str, str]] = []
    for err in exc.errors(include_url=False):
        # The discriminated fault union adds the tag name to the location.
        loc = tuple(err["loc"])
        if len(loc) > 2 and loc[0] == "faults" and loc[2] in FAULT_KINDS:
            loc = loc[:2] + loc[3:]
        path = format_loc(loc)
        msg = friendly_message(err)
        if not path and err["type"] == "value_error":
            # Cross-field problems come as "path: message" lines.
            for line in msg.splitlines():
                p, _, m = line.partition(": ")
                problems.append((p, m))
        else:
            problems.append((path, msg))
    return problems


def migrate(data: Any) -> Any:
    """Bring a scenario dictionary of an older schema version up to the current one.

    Version 1 files named the link latency ``delay`` and had no ``locality``;
    they are rewritten in place. A newer version than this program knows is
    refused with a ScenarioError.
    """
    if not isinstance(data, dict):
        raise ScenarioError([("", "a scenario must be a JSON object")])
    version = data.get("schema_version", 1)
    if not isinstance(version, int) or isinstance(version, bool):
        raise ScenarioError([("schema_version", "must be an integer")])
    if version > SCHEMA_VERSION:
        raise ScenarioError([(
            "schema_version",
            f"this file was written by a newer DS Sandbox (schema version {version}; "
            f"this program reads up to {SCHEMA_VERSION}); please upgrade",
        )])
    if version < 1:
        raise ScenarioError([("schema_version", f"unknown schema version {version}")])
    data = dict(data)
    if version == 1:
        # Links that are not a list are left for validation to refuse with their path.
        if isinstance(data.get("links"), list):
            links = []
            for link in data["links"]:
                if isinstance(link, dict) and "delay" in link:
                    link = dict(link)
                    link["latency"] = link.pop("delay")
                links.append(link)
            data["links"] = links
        version = 2
    data["schema_version"] = version
    return data


def scenario_from_dict(data: Any, source: str = "") -> Scenario:
    """Validate a dictionary (migrating it first); raise ScenarioError with every problem."""
    problems = _shape_problems(data)
    if problems:
        raise ScenarioError(problems, source)
    try:
        data = migrate(data)
    except ScenarioError as exc:
        exc.source = source
        raise ScenarioError(exc.problems, source) from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc), source) from None


def loads(text: str, source: str = "") -> Scenario:
    """Parse a scenario from JSON text (a leading byte-order mark is ignored).

    Duplicate keys in an object are refused, naming the key and its lines.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    duplicates: list[bool] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) != len(items):
            duplicates.append(True)
        return obj

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        # Some messages of the json module end in "at" ("Invalid control character at").
        where = f"line {exc.lineno}, column {exc.colno}"
        msg = f"{exc.msg} {where}" if exc.msg.endswith(" at") else f"{exc.msg} at {where}"
        raise ScenarioError([("", f"not valid JSON: {msg}")], source) from None
    except RecursionError:
        raise ScenarioError([("", f"not a scenario: arrays and objects are nested too deeply "
                                  f"(more than {MAX_DEPTH} levels)")], source) from None
    if duplicates:
        raise ScenarioError(_duplicate_keys(text), source)
    return scenario_from_dict(data, source)


def load(path: str | os.PathLike) -> Scenario:
    """Load a scenario file; every problem comes as a ScenarioError naming the file.

    The file is read through :func:`sandbox.scenario.files.read_text`: only a
    regular file within the size limit for scenarios is read.
    """
    source = os.fspath(path)
    try:
        text = read_text(path, "scenario")
    except FileNotFoundError:
        raise ScenarioError([("", "no such file")], source) from None
    except FileRefused as exc:
        raise ScenarioError([("", exc.reason)], source) from None
    except OSError as exc:
        raise ScenarioError([("", f"cannot read: {exc.strerror or exc}")], source) from None
    except ValueError:  # a name with a NUL character
        raise ScenarioError([("", "cannot read: not a valid file name")], source) from None
    return loads(text, source)


def dumps(scenario: Scenario) -> str:
    """The canonical JSON text of a scenario (stable: same scenario, same bytes).

    Raises ValueError for a float that JSON cannot hold (NaN or infinity).
    """
    return json.dumps(scenario.model_dump(mode="json"), indent=2, ensure_ascii=False,
                      allow_nan=False) + "\n"


def sha256(scenario: Scenario) -> str:
    """The SHA-256 of a scenario: of its compact canonical JSON (sorted keys, no spaces)."""
    return sha256_of_data(scenario.model_dump(mode="json"))


def sha256_of_data(data: dict[str, Any]) -> str:
    """:func:`sha256` of a scenario already dumped to a JSON-ready dict."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def save(scenario: Scenario, path: str | os.PathLike) -> None:
    """Write a scenario atomically through :func:`~sandbox.scenario.files.atomic_write_text`.

    A scenario that cannot be written as JSON text (a NaN, a lone surrogate: only
    possible in an object changed without validation) raises
    :class:`~sandbox.scenario.files.FileRefused`, an OSError, before the file is
    touched; so does a target that is not a regular file.
    """
    try:
        text = dumps(scenario)
    except (ValueError, TypeError, RecursionError) as exc:
        raise FileRefused(path, f"cannot be saved: the scenario holds a value that JSON "
                                f"cannot represent ({exc})") from None
    atomic_write_text(path, text)


def json_schema() -> dict:
    """The JSON Schema of a scenario file."""
    return Scenario.model_json_schema()


# -- what JSON allows and a scenario does not ---------------------------------------------


class _HugeInt:
    """An integer literal with more than :data:`MAX_DIGITS` digits, kept as its length."""

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _parse_int(text: str) -> int | _HugeInt:
    digits = len(text.lstrip("-"))
    # int() refuses more than 4300 digits with a ValueError, and no field takes such a number.
    return _HugeInt(digits) if digits > MAX_DIGITS else int(text)


def _unwritable(text: str) -> str:
    """Why ``text`` cannot be written as UTF-8 (a lone surrogate), or "" when it can."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (f"holds a lone surrogate (U+{ord(text[exc.start]):04X} at position {exc.start}), "
                "which cannot be saved in a file")
    return ""


def _shape_problems(data: Any) -> list[tuple[str, str]]:
    """Problems of parsed JSON that no field could accept: too deep, integers too long,
    text that cannot be written back (a lone surrogate, in a value or a key)."""
    problems: list[tuple[str, str]] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        value, loc = stack.pop()
        if isinstance(value, str):
            if why := _unwritable(value):
                problems.append((format_loc(loc), f"the text {why}"))
        elif isinstance(value, _HugeInt):
            problems.append((format_loc(loc), f"a number with {value.digits} digits is too "
                                              f"large (at most {MAX_DIGITS} digits)"))
        elif isinstance(value, dict | list):
            if len(loc) >= MAX_DEPTH:
                problems.append((format_loc(loc[:4]), f"arrays and objects are nested too "
                                                      f"deeply here (more than {MAX_DEPTH} "
                                                      "levels)"))
                continue
            if isinstance(value, dict):
                problems.extend((format_loc((*loc, k)), f"the key {why}")
                                for k in value if isinstance(k, str) and (why := _unwritable(k)))
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend((v, (*loc, k)) for k, v in items)
    problems.sort()
    return problems


def _duplicate_keys(text: str) -> list[tuple[str, str]]:
    """The duplicate keys of valid JSON ``text`` as (path, message with their lines)."""
    problems: list[tuple[str, str]] = []
    # One frame per open array or object: [kind, key or index, {key: line} of an object].
    stack: list[list[Any]] = []
    expect_key = False
    line, i, n = 1, 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        elif c == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if expect_key:
                key = json.loads(text[i:j + 1])
                frame = stack[-1]
                frame[1] = key
                if key in frame[2]:
                    problems.append((
                        format_loc([f[1] for f in stack]),
                        f"the key {key!r} appears more than once in this object "
                        f"(lines {frame[2][key]} and {line}); a key may appear only once"))
                else:
                    frame[2][key] = line
                expect_key = False
            i = j
        elif c == "{":
            stack.append(["{", None, {}])
            expect_key = True
        elif c == "[":
            stack.append(["[", 0, {}])
        elif c in "}]":
            stack.pop()
            expect_key = False
        elif c == ",":
            if stack[-1][0] == "{":
                expect_key = True
            else:
                stack[-1][1] += 1
        i += 1
    return problems or [("", "an object of the file has the same key more than once")]
