"""The user's behaviour files as a scenario sees them, without running any of their code.

A behaviour file is a Python file whose functions decorated with
``@behaviour`` (from :mod:`sandbox.api`) are behaviours. Here it is only read:
its SHA-256, and the names of the behaviours it defines found by parsing it
(:mod:`ast`), so that opening or validating a scenario never executes it. The
engine loads (runs) a file only after consent (:mod:`sandbox.engine.user_code`).
"""

from __future__ import annotations

import ast
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .files import FileRefused, read_bytes
from .model import BehaviourFile, Scenario

__all__ = ["Declared", "FileStatus", "declared_behaviours", "file_sha256", "file_status",
           "rebased", "resolve", "scenario_files", "SyntaxProblem"]


@dataclass(frozen=True)
class Declared:
    """A behaviour a file defines: its name, the function and the line of its ``def``."""

    name: str
    function: str
    line: int


@dataclass(frozen=True)
class SyntaxProblem:
    """Where a file cannot be parsed: line, column (both from 1) and Python's message."""

    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


@dataclass(frozen=True)
class FileStatus:
    """What a scenario's behaviour file is now, against what the scenario recorded."""

    path: Path
    recorded: str | None
    sha256: str | None  # None: the file cannot be read
    problem: str = ""   # why it cannot be read or parsed ("" when it can)
    declared: tuple[Declared, ...] = ()
    syntax: SyntaxProblem | None = None

    @property
    def changed(self) -> bool:
        """Whether the file differs from the recorded hash (a file never recorded: no)."""
        return self.recorded is not None and self.sha256 is not None \
            and self.sha256 != self.recorded

    @property
    def names(self) -> list[str]:
        """The names of the behaviours it defines now."""
        return [d.name for d in self.declared]


def resolve(entry: BehaviourFile | str, base: str | os.PathLike | None) -> Path:
    """The file a scenario names: its ``path`` relative to the scenario's folder ``base``
    (the working folder when None); an absolute path stays as it is."""
    raw = entry.path if isinstance(entry, BehaviourFile) else entry
    path = Path(*PurePosixPath(raw).parts) if "/" in raw else Path(raw)
    if path.is_absolute() or base is None:
        return path
    return Path(base) / path


def rebased(scenario: Scenario, old: str | os.PathLike | None,
            new: str | os.PathLike) -> list[BehaviourFile]:
    """The scenario's behaviour files with their paths made relative to folder ``new`` (where
    the scenario is saved now) from folder ``old`` (where it was; None: the paths are as
    they are, absolute or relative to the working folder). A file on another drive keeps
    an absolute path."""
    out = []
    for entry in scenario.behaviour_files:
        target = resolve(entry, old).absolute()
        try:
            path = Path(os.path.relpath(target, Path(new).absolute())).as_posix()
        except ValueError:  # another drive (Windows)
            path = target.as_posix()
        out.append(entry.model_copy(update={"path": path}))
    return out


def file_sha256(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes (read through the size-limited reader)."""
    return hashlib.sha256(read_bytes(path, "behaviour")).hexdigest()


def _decorator_name(node: ast.expr) -> tuple[str | None, str | None]:
    """(the decorator's own name, the ``name=`` it gives) for ``@behaviour``,
    ``@behaviour(...)``, ``@api.behaviour(...)``; (None, None) for another decorator."""
    call = node if isinstance(node, ast.Call) else None
    target = call.func if call is not None else node
    own = target.id if isinstance(target, ast.Name) else \
        target.attr if isinstance(target, ast.Attribute) else None
    given = None
    if call is not None:
        for kw in call.keywords:
            if kw.arg == "name" and isinstance(kw.value, ast.Constant) \
                    and isinstance(kw.value.value, str):
                given = kw.value.value
        if call.args and isinstance(call.args[0], ast.Constant) \
                and isinstance(call.args[0].value, str):
            given = call.args[0].value
    return own, given


def declared_behaviours(source: str, filename: str = "<behaviour file>") -> list[Declared]:
    """The behaviours ``source`` defines (module-level functions decorated with
    ``@behaviour``), in file order. Raises SyntaxError for a file Python cannot parse."""
    tree = ast.parse(source, filename=filename)
    out = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                own, given = _decorator_name(dec)
                if own == "behaviour":
                    out.append(Declared(given or node.name, node.name, node.lineno))
                    break
    return out


def file_status(entry: BehaviourFile | str, base: str | os.PathLike | None) -> FileStatus:
    """Read (never run) one behaviour file: its hash, the behaviours it defines, a syntax error."""
    path = resolve(entry, base)
    recorded = entry.sha256 if isinstance(entry, BehaviourFile) else None
    try:
        data = read_bytes(path, "behaviour")
    except FileNotFoundError:
        return FileStatus(path, recorded, None, "no such file")
    except FileRefused as exc:
        return FileStatus(path, recorded, None, exc.reason)
    except (OSError, ValueError) as exc:
        return FileStatus(path, recorded, None, f"cannot read: {getattr(exc, 'strerror', None) or exc}")
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return FileStatus(path, recorded, digest,
                          f"not a UTF-8 text file (byte {exc.start} cannot be read as UTF-8)")
    try:
        declared = tuple(declared_behaviours(text, str(path)))
    except SyntaxError as exc:
        syntax = SyntaxProblem(exc.lineno or 0, exc.offset or 0, exc.msg)
        return FileStatus(path, recorded, digest, f"syntax error at {syntax}", (), syntax)
    except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, absurd nesting
        return FileStatus(path, recorded, digest, f"cannot be parsed: {exc}")
    return FileStatus(path, recorded, digest, "", declared)


def scenario_files(scenario: Scenario, base: str | os.PathLike | None) -> list[FileStatus]:
    """The status of every behaviour file ``scenario`` names (read, never run)."""
    return [file_status(f, base) for f in scenario.behaviour_files]
