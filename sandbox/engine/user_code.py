"""Loading the user's behaviour files, and running their code apart from the engine's.

:func:`load_files` (a scenario's files) and :func:`load_file` (one file)
execute each file as a fresh module, only when ``allow=True`` (consent was
given; without it :class:`CodeNotAllowed` is raised and nothing runs). The
``@behaviour`` functions and ``@guarantee`` checkers of the file
(:mod:`sandbox.api`) are registered (origin: the file's path) and
:meth:`LoadedFiles.unload` takes them out again. A syntax error, or an
exception while the file is imported, is a :class:`UserCodeError` naming the
file, line and column. Uses of the global ``random`` module or of wall-clock
time are found by reading the file's syntax tree and reported as warnings.

A file's top level is bounded like a behaviour's step while it loads. While a
run goes, the behaviours of those files run through the :class:`Guard` of
:mod:`sandbox.engine.user_guard` (line and send budgets per step, errors as
crashes of their host, cancel requests) with a :class:`UserNode`; both are
importable from here too.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import itertools
import os
import re
import sys
import traceback
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, create_model

from sandbox.scenario import registry
from sandbox.scenario.behaviours import Params
from sandbox.scenario.files import FileRefused, read_bytes
from sandbox.scenario.io import ScenarioError
from sandbox.scenario.model import BehaviourFile, Scenario
from sandbox.scenario.registry import BehaviourInfo
from sandbox.scenario.user_files import resolve

from .limits import Limits
from .user_guard import (
    BudgetExceeded,
    Guard,
    UserNode,
    checkpoint_names,
    clear_stop,
    count_checkpoints,
    instrument,
    pending_stop,
    set_stop,
)

__all__ = ["CodeNotAllowed",
           "Guard", "LoadedFile", "LoadedFiles", "UserCodeError", "UserNode",
           "determinism_warnings", "load_file", "load_files"]

_MODULE_PREFIX = "sandbox_user_"
_loads = itertools.count(1)


class UserCodeError(Exception):
    """A behaviour file that cannot be loaded: ``path``, ``line``, ``column`` (from 1; 0 when
    unknown) and ``message``; ``str()`` is ``path:line:col: message``."""

    def __init__(self, path: str | os.PathLike[str], line: int, column: int, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.column = column
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = str(self.path)
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class CodeNotAllowed(UserCodeError):
    """Loading was asked without consent (``allow=False``): nothing was executed.

    ``paths`` are the files that would run; ``sha256s`` their hashes (None: unreadable)."""

    def __init__(self, paths: Sequence[Path], sha256s: Sequence[str | None] = ()) -> None:
        self.paths = list(paths)
        self.sha256s = list(sha256s) or [None] * len(self.paths)
        listed = ", ".join(f"{p} (sha256 {h})" if h else str(p)
                           for p, h in zip(self.paths, self.sha256s, strict=False))
        super().__init__(self.paths[0] if self.paths else Path("."), 0, 0, "")
        self.message = (f"these behaviour files run code: {listed}; running them needs consent "
                        "(--allow-code on the command line)")

    def __str__(self) -> str:
        return self.message


@dataclass
class LoadedFile:
    """One loaded behaviour file.

    ``path`` is the file as opened, ``name`` the path the scenario gives (the one traces and
    messages show), ``sha256`` the hash of the bytes executed, ``recorded`` the hash the
    scenario recorded (None: none), ``names`` the behaviours it registered, ``checkers`` the
    guarantee checkers, ``warnings`` its determinism warnings, ``module`` the module name.
    """

    path: Path
    name: str
    sha256: str
    names: list[str] = field(default_factory=list)
    checkers: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    recorded: str | None = None
    module: str = ""
    #: The file name its code was compiled with (its absolute path): the records' origin.
    origin: str = ""

    @property
    def changed(self) -> bool:
        """Whether the file differs from the hash the scenario recorded."""
        return self.recorded is not None and self.recorded != self.sha256


@dataclass
class LoadedFiles:
    """What a scenario's behaviour files gave (see :func:`load_files`)."""

    files: list[LoadedFile] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.files)

    @property
    def warnings(self) -> list[str]:
        """Every file's determinism warnings, in file order."""
        return [w for f in self.files for w in f.warnings]

    @property
    def names(self) -> list[str]:
        """The behaviours registered, in file order."""
        return [n for f in self.files for n in f.names]

    @property
    def checkers(self) -> list[str]:
        """The guarantee checkers registered, in file order."""
        return [c for f in self.files for c in f.checkers]

    @property
    def sha256s(self) -> list[dict[str, str]]:
        """``[{"path", "sha256"}]`` of each file, as the trace header records them."""
        return [{"path": f.name, "sha256": f.sha256} for f in self.files]

    def filenames(self) -> dict[str, str]:
        """The code file names (as compiled) of the files -> the names messages show."""
        return {f.origin: f.name for f in self.files}

    def unload(self) -> None:
        """Unregister every behaviour and checker these files registered, and forget their
        modules. Safe to call twice."""
        from sandbox.trace.checks.base import unregister_checker

        for f in self.files:
            for name in f.names:
                info = registry._REGISTRY.get(name)
                if info is not None and info.origin == f.origin:
                    registry.unregister(name)
            for name in f.checkers:
                unregister_checker(name)
            sys.modules.pop(f.module, None)
            f.names, f.checkers = [], []


# -- loading --------------------------------------------------------------------------------

def load_files(scenario: Scenario, base: str | os.PathLike[str] | None, *,
               allow: bool = False) -> LoadedFiles:
    """Load the behaviour files ``scenario`` names (paths relative to ``base``, the scenario
    file's folder; the working folder when None).

    Without ``allow`` nothing is executed: :class:`CodeNotAllowed` names the files. With it,
    each file is executed as a fresh module and its behaviours and checkers registered
    (a file loaded before is unloaded first). Then the names the scenario records for a
    file must be defined by it, and every host's parameters of a user behaviour must be
    valid (:class:`~sandbox.scenario.io.ScenarioError`, paths ``hosts[i].behaviour.params...``).
    On any error, what was loaded is unloaded again. An empty :class:`LoadedFiles` when the
    scenario names no file.
    """
    entries = list(scenario.behaviour_files)
    if not entries:
        return LoadedFiles()
    paths = [resolve(e, base) for e in entries]
    if not allow:
        raise CodeNotAllowed(paths, [_sha_or_none(p) for p in paths])
    out = LoadedFiles()
    try:
        for entry, path in zip(entries, paths, strict=True):
            loaded = _load(path, entry.path, entry)
            out.files.append(loaded)
        check_scenario(scenario, out)
    except BaseException:
        out.unload()
        raise
    return out


def load_file(path: str | os.PathLike[str], *, allow: bool = False) -> LoadedFiles:
    """Load one behaviour file (``sandbox behaviours --behaviours PATH``, the GUI's Load
    Behaviour...). Without ``allow``, :class:`CodeNotAllowed` and nothing runs."""
    p = Path(path)
    if not allow:
        raise CodeNotAllowed([p], [_sha_or_none(p)])
    loaded = _load(p, str(path), None)
    return LoadedFiles([loaded])


def check_scenario(scenario: Scenario, loaded: LoadedFiles) -> None:
    """The scenario against what its files define: each recorded name is defined by its file,
    and each host's parameters of a user behaviour are valid (ScenarioError otherwise)."""
    from sandbox.scenario.behaviours import behaviour_problems

    problems: list[tuple[str, str]] = []
    for j, (entry, f) in enumerate(zip(scenario.behaviour_files, loaded.files, strict=False)):
        for k, name in enumerate(entry.behaviours):
            if name not in f.names:
                problems.append((f"behaviour_files[{j}].behaviours[{k}]",
                                 f"{f.name} does not define behaviour {name!r} "
                                 f"(it defines: {', '.join(f.names) or 'none'})"))
    user = set(loaded.names)
    ids = set(scenario.host_ids())
    for i, h in enumerate(scenario.hosts):
        if h.behaviour.name in user:
            for path, msg in behaviour_problems(h.behaviour.name, h.behaviour.params, ids):
                problems.append((f"hosts[{i}].behaviour.{path}", msg))
    if problems:
        raise ScenarioError(problems)


def _sha_or_none(path: Path) -> str | None:
    try:
        return hashlib.sha256(read_bytes(path, "behaviour")).hexdigest()
    except (OSError, FileRefused):
        return None


def _ident(text: str) -> str:
    out = re.sub(r"\W", "_", text, flags=re.ASCII)
    return out if out and not out[0].isdigit() else f"_{out}"


def _load(path: Path, name: str, entry: BehaviourFile | None) -> LoadedFile:
    try:
        data = read_bytes(path, "behaviour")
    except FileRefused as exc:
        raise UserCodeError(path, 0, 0, str(exc)) from None
    except OSError as exc:
        raise UserCodeError(path, 0, 0, f"cannot read the file: {exc.strerror or exc}") from None
    sha = hashlib.sha256(data).hexdigest()
    # The code's file name (tracebacks, the trace function, the records' origin): one per file
    # however it was named, so loading it again by another path replaces its records.
    filename = str(path.resolve())
    # A file loaded before gives way to this load.
    _unload_origin(filename)
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserCodeError(path, 0, 0, f"not UTF-8 text ({exc.reason} at byte {exc.start})") \
            from None
    try:
        tree = ast.parse(source, filename)
        warnings = determinism_warnings(tree, name)
        code = compile(instrument(tree), filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise UserCodeError(path, exc.lineno or 0, exc.offset or 0,
                            f"syntax error: {exc.msg}") from None
    except ValueError as exc:  # null bytes
        raise UserCodeError(path, 0, 0, f"cannot be compiled: {exc}") from None
    module_name = f"{_MODULE_PREFIX}{sha[:8]}_{_ident(path.stem)}_{next(_loads)}"
    module = types.ModuleType(module_name)
    module.__file__ = filename
    module.__dict__.update(checkpoint_names())
    sys.modules[module_name] = module
    try:
        try:
            _exec_bounded(code, module.__dict__, filename)
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)) and not isinstance(exc, SystemExit):
                raise
            line, where = _innermost(exc, {filename})
            raise UserCodeError(path, line, 0, f"raised {type(exc).__name__} while it was "
                                f"loaded: {exc}{where}") from None
        loaded = LoadedFile(path, name, sha, recorded=entry.sha256 if entry else None,
                            module=module_name, origin=filename)
        loaded.warnings = warnings
        _register(module, loaded)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return loaded


def _exec_bounded(code: Any, namespace: dict[str, Any], filename: str) -> None:
    """Run a file's top level, stopped (BudgetExceeded, which ``except Exception`` does not
    catch, and which its checkpoints raise again should it be caught) past the lines a
    behaviour may run in one step (``Limits.user_lines_per_step``)."""
    budget = Limits().user_lines_per_step
    count = 0
    message = (f"its top level ran more than {budget:,} lines (a loop outside any "
               "behaviour?)")

    def local(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
            if count > budget:
                set_stop(BudgetExceeded, message)
                raise BudgetExceeded(message)
        return local

    def calls(frame: Any, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename == filename else None

    previous = sys.gettrace()
    count_checkpoints(budget, lambda frame: set_stop(BudgetExceeded, message))
    sys.settrace(calls)
    try:
        exec(code, namespace)
        if pending_stop() is not None:  # the file took its stop and finished all the same
            raise BudgetExceeded(message)
    finally:
        sys.settrace(previous)
        clear_stop()
        count_checkpoints(None, None)


def _unload_origin(filename: str) -> None:
    for n in registry.user_names():
        if registry.behaviour(n).origin == filename:
            registry.unregister(n)
    from sandbox.trace.checks.base import checkers, unregister_checker

    for cls in checkers():
        if getattr(cls, "__sandbox_origin__", None) == filename:
            unregister_checker(cls.name)


def _innermost(exc: BaseException, files: set[str]) -> tuple[int, str]:
    """The line of the innermost frame in ``files`` and a text of the user-file frames."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename in files]
    if not frames:
        return 0, ""
    text = "; ".join(f"line {f.lineno} in {f.name}" for f in frames)
    return frames[-1].lineno or 0, f" ({text})"


def _register(module: types.ModuleType, loaded: LoadedFile) -> None:
    from sandbox.api import BEHAVIOUR_MARK, GUARANTEE_MARK
    from sandbox.trace.checks.base import Checker, checker_names, register_checker

    path = loaded.path
    filename = str(module.__file__)
    found: list[tuple[Callable[..., Any], dict[str, Any]]] = []
    checker_classes: list[type] = []
    for value in list(vars(module).values()):
        if getattr(value, "__module__", None) != module.__name__:
            continue
        mark = getattr(value, BEHAVIOUR_MARK, None)
        if isinstance(mark, dict) and callable(value):
            found.append((value, mark))
        elif isinstance(value, type) and value.__dict__.get(GUARANTEE_MARK):
            checker_classes.append(value)
    for fn, mark in found:
        line = _line_of(fn)
        name = mark["name"]
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.\-]*", name):
            raise UserCodeError(path, line, 0, f"behaviour name {name!r} is not a valid name "
                                "(letters, digits, _ . -)")
        if registry.is_registered(name):
            other = registry.behaviour(name).origin
            where = "a built-in behaviour" if other == "builtin" else f"a behaviour of {other}"
            raise UserCodeError(path, line, 0, f"behaviour {name!r} is already {where}")
        model, call = _params_of(fn, mark, path, line)
        entry_name = f"__sandbox_entry_{_ident(name)}"
        setattr(module, entry_name, call)
        try:
            registry.register(BehaviourInfo(
                name, mark["title"], mark["summary"], mark["category"], model,
                f"{module.__name__}:{entry_name}", metrics=tuple(mark["metrics"]),
                state=tuple(mark["state"]), guarantees=tuple(mark["guarantees"]),
                origin=filename))
        except ValueError as exc:
            raise UserCodeError(path, line, 0, str(exc)) from None
        loaded.names.append(name)
    for cls in checker_classes:
        line = _line_of(cls)
        if not issubclass(cls, Checker):
            raise UserCodeError(path, line, 0, f"@guarantee class {cls.__name__} is not a "
                                "Checker subclass")
        if cls.name in checker_names():
            raise UserCodeError(path, line, 0, f"checker {cls.name!r} is already registered")
        try:
            register_checker(cls)
        except ValueError as exc:
            raise UserCodeError(path, line, 0, str(exc)) from None
        cls.__sandbox_origin__ = filename  # type: ignore[attr-defined]
        loaded.checkers.append(cls.name)


def _line_of(obj: Any) -> int:
    code = getattr(obj, "__code__", None)
    if code is not None:
        return int(code.co_firstlineno)
    try:
        return inspect.getsourcelines(obj)[1]
    except (OSError, TypeError):
        return 0


def _params_of(fn: Callable[..., Any], mark: dict[str, Any], path: Path,
               line: int) -> tuple[type[BaseModel], Callable[[Any, Any], Any]]:
    """The parameter model of a behaviour and the entry point ``(node, params)`` calling it."""
    model = mark.get("params")
    name = mark["name"]
    if model is not None:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise UserCodeError(path, line, 0, f"behaviour {name!r}: params must be a Params "
                                f"subclass, not {model!r}")

        def call_model(node: Any, params: Any) -> Any:
            return fn(node, params)
        return model, call_model
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise UserCodeError(path, line, 0, f"behaviour {name!r}: {exc}") from None
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception:  # an annotation that cannot be evaluated: use the defaults' types
        hints = {}
    fields: dict[str, Any] = {}
    positional = 0
    for p in sig.parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            positional += 1
        elif p.kind == p.KEYWORD_ONLY:
            if p.default is p.empty:
                raise UserCodeError(path, line, 0, f"behaviour {name!r}: the keyword-only "
                                    f"parameter {p.name!r} needs a default")
            ann = hints.get(p.name, type(p.default) if p.default is not None else Any)
            fields[p.name] = (ann, p.default)
    if positional < 1:
        raise UserCodeError(path, line, 0, f"behaviour {name!r} must take the node as its "
                            "first argument")
    try:
        made = create_model(f"{_ident(name)}_params", __base__=Params, **fields)
    except Exception as exc:
        raise UserCodeError(path, line, 0, f"behaviour {name!r}: its parameters cannot make "
                            f"a model: {exc}") from None
    keys = tuple(fields)
    if positional >= 2:
        def call_positional(node: Any, params: Any) -> Any:
            return fn(node, params, **{k: getattr(params, k) for k in keys})
        return made, call_positional

    def call_keywords(node: Any, params: Any) -> Any:
        return fn(node, **{k: getattr(params, k) for k in keys})
    return made, call_keywords


# -- determinism warnings -------------------------------------------------------------------

_WALL = {
    ("time", "time"), ("time", "time_ns"), ("time", "monotonic"), ("time", "monotonic_ns"),
    ("time", "perf_counter"), ("time", "perf_counter_ns"), ("datetime", "now"),
    ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
}
_RANDOM_OTHER = {("os", "urandom"), ("uuid", "uuid4"), ("uuid", "uuid1"), ("secrets", None)}
_HINT = "use node.clock() for time and node.rng for randomness"


def determinism_warnings(tree: ast.AST, name: str) -> list[str]:
    """Warnings for the uses of the global ``random`` module, wall-clock time, ``os.urandom``,
    ``uuid.uuid4`` and ``secrets`` in a file's syntax tree: ``name:line: uses X (...); hint``."""
    aliases: dict[str, str] = {}  # local name -> module or "module.attr"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else \
                    a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    found: list[tuple[int, str, str]] = []
    for node in ast.walk(tree):
        dotted = None
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node, aliases)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and \
                "." in aliases.get(node.id, ""):
            dotted = aliases[node.id]
        if dotted is None:
            continue
        parts = dotted.split(".")
        what = _classify(parts)
        if what:
            found.append((getattr(node, "lineno", 0), dotted, what))
    seen = set()
    out = []
    for line, dotted, what in sorted(found):
        if (line, dotted) in seen:
            continue
        seen.add((line, dotted))
        out.append(f"{name}:{line}: uses {dotted} ({what}); {_HINT}")
    return out


def _dotted(node: ast.Attribute, aliases: dict[str, str]) -> str | None:
    parts = [node.attr]
    value: ast.expr = node.value
    while isinstance(value, ast.Attribute):
        parts.append(value.attr)
        value = value.value
    if not isinstance(value, ast.Name) or value.id not in aliases:
        return None
    parts.append(aliases[value.id])
    return ".".join(reversed(parts))


def _classify(parts: list[str]) -> str:
    if parts[0] == "random" and len(parts) >= 2 and parts[1] != "Random":
        return "the global random generator"
    if len(parts) >= 2 and (parts[-2], parts[-1]) in _WALL and parts[0] in ("time", "datetime"):
        return "wall-clock time"
    if len(parts) >= 2 and ((parts[0], parts[1]) in _RANDOM_OTHER or parts[0] == "secrets"):
        return "randomness outside the seed"
    return ""
