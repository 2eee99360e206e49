"""Scenario files: load with errors that name their path, migrate old versions, save atomically.

Loading a file only parses JSON and validates data: it never runs code.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .model import SCHEMA_VERSION, Scenario

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
        """One line per problem: ``error: SOURCE: PATH: message``."""
        prefix = f"{self.source}: " if self.source else ""
        return [f"error: {prefix}{path}: {msg}" if path else f"error: {prefix}{msg}"
                for path, msg in self.problems]


def _loc(loc: tuple) -> str:
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
        path = _loc(loc)
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
        links = []
        for link in data.get("links", []):
            if isinstance(link, dict) and "delay" in link:
                link = dict(link)
                link["latency"] = link.pop("delay")
            links.append(link)
        if "links" in data:
            data["links"] = links
        version = 2
    data["schema_version"] = version
    return data


def scenario_from_dict(data: Any, source: str = "") -> Scenario:
    """Validate a dictionary (migrating it first); raise ScenarioError with every problem."""
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
    """Parse a scenario from JSON text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            [("", f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")], source
        ) from None
    return scenario_from_dict(data, source)


def load(path: str | os.PathLike) -> Scenario:
    """Load a scenario file; every problem comes as a ScenarioError naming the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([("", "no such file")], str(path)) from None
    except UnicodeDecodeError:
        raise ScenarioError([("", "not a text file (UTF-8 expected)")], str(path)) from None
    except OSError as exc:
        raise ScenarioError([("", f"cannot read: {exc.strerror}")], str(path)) from None
    return loads(text, str(path))


def dumps(scenario: Scenario) -> str:
    """The canonical JSON text of a scenario (stable: same scenario, same bytes)."""
    return json.dumps(scenario.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def sha256(scenario: Scenario) -> str:
    """The SHA-256 of a scenario: of its compact canonical JSON (sorted keys, no spaces)."""
    return sha256_of_data(scenario.model_dump(mode="json"))


def sha256_of_data(data: dict[str, Any]) -> str:
    """:func:`sha256` of a scenario already dumped to a JSON-ready dict."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def save(scenario: Scenario, path: str | os.PathLike) -> None:
    """Write a scenario atomically: a temporary file in the same folder, then a rename."""
    path = Path(path)
    text = dumps(scenario)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def json_schema() -> dict:
    """The JSON Schema of a scenario file."""
    return Scenario.model_json_schema()
