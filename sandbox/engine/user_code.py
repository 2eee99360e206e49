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

While a run goes, the behaviours of those files run through a :class:`Guard`:
each gets a :class:`UserNode` (the node API without ``node.now``); the lines it
executes in the user's files between two yields are counted with
:func:`sys.settrace` (installed only while user code runs, tracing only the
user's files), as are its sends, and a behaviour over either budget, or one
that raises, crashes its host (cause ``behaviour_error``) with an ``app``
event ``behaviour_error`` giving the message and the user-file frames. The
trace function also asks the run's reporter whether to stop, so a run stuck
in user code can be cancelled.
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
import weakref
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import simpy
from pydantic import BaseModel, create_model

from sandbox.scenario import registry
from sandbox.scenario.behaviours import Params
from sandbox.scenario.files import FileRefused, read_bytes
from sandbox.scenario.io import ScenarioError
from sandbox.scenario.model import BehaviourFile, Scenario
from sandbox.scenario.registry import BehaviourInfo
from sandbox.scenario.user_files import resolve

if TYPE_CHECKING:
    from .host import HostRuntime
    from .network import Message
    from .simulation import Simulation

__all__ = ["DEFAULT_USER_LINES_PER_STEP", "DEFAULT_USER_SENDS_PER_STEP", "CodeNotAllowed",
           "Guard", "LoadedFile", "LoadedFiles", "UserCodeError", "UserNode",
           "determinism_warnings", "load_file", "load_files"]

#: A behaviour executing more lines than this in the user's files between two yields is stopped.
DEFAULT_USER_LINES_PER_STEP = 5_000_000
#: ... and one sending more messages than this between two yields.
DEFAULT_USER_SENDS_PER_STEP = 100_000
#: The trace function asks the reporter whether the run is cancelled every this many lines.
CANCEL_CHECK_LINES = 10_000

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
        code = compile(tree, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise UserCodeError(path, exc.lineno or 0, exc.offset or 0,
                            f"syntax error: {exc.msg}") from None
    except ValueError as exc:  # null bytes
        raise UserCodeError(path, 0, 0, f"cannot be compiled: {exc}") from None
    module_name = f"{_MODULE_PREFIX}{sha[:8]}_{_ident(path.stem)}_{next(_loads)}"
    module = types.ModuleType(module_name)
    module.__file__ = filename
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
        loaded.warnings = determinism_warnings(tree, name)
        _register(module, loaded)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return loaded


#: Lines a file's top level may run while it is loaded (a loop there would hang the loader).
LOAD_LINE_BUDGET = 5_000_000


class LoadBudgetExceeded(Exception):
    """A file's top level ran past :data:`LOAD_LINE_BUDGET` lines while it was loaded."""


def _exec_bounded(code: Any, namespace: dict[str, Any], filename: str) -> None:
    """Run a file's top level, stopped past LOAD_LINE_BUDGET lines of that file."""
    count = 0

    def local(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
            if count > LOAD_LINE_BUDGET:
                raise LoadBudgetExceeded(
                    f"its top level ran more than {LOAD_LINE_BUDGET:,} lines (a loop outside "
                    "any behaviour?)")
        return local

    def calls(frame: Any, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename == filename else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        exec(code, namespace)
    finally:
        sys.settrace(previous)


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


# -- running --------------------------------------------------------------------------------

class BudgetExceeded(BaseException):  # noqa: N818 - BaseException: user code's ``except
    """A user behaviour went over a budget (raised into its code; not an Exception, so an
    ``except Exception`` of the user's does not swallow it)."""


class Guard:
    """Runs the user's behaviours of one simulation: counts their lines and sends per step,
    turns their errors into crashes of their host, answers cancel requests."""

    def __init__(self, sim: Simulation, files: dict[str, str], lines_per_step: int,
                 sends_per_step: int) -> None:
        self.sim = sim
        #: Code file name -> the name messages show.
        self.files = files
        self.lines_per_step = lines_per_step
        self.sends_per_step = sends_per_step
        #: Asked every CANCEL_CHECK_LINES lines; raises when it says yes.
        self.cancelled: Callable[[], bool] | None = None
        self.lines = 0
        self.sends = 0
        self._ticks = 0
        self._depth = 0
        self._host = ""
        self._previous: Any = None
        self._nodes: dict[str, UserNode] = {}

    # -- steps ---------------------------------------------------------------------------
    def _enter(self, host: str) -> None:
        if self._depth == 0:
            self.lines = 0
            self.sends = 0
            self._host = host
            self._previous = sys.gettrace()
            sys.settrace(self._global)
        self._depth += 1

    def _leave(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            sys.settrace(self._previous)
            self._previous = None

    def _global(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename in self.files:
            return self._local
        return None

    def _local(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            self.lines += 1
            if self.lines > self.lines_per_step:
                raise BudgetExceeded(f"ran more than {self.lines_per_step:,} lines without "
                                     "yielding (a loop that never waits?)")
            self._ticks += 1
            if self._ticks >= CANCEL_CHECK_LINES:
                self._ticks = 0
                if self.cancelled is not None and self.cancelled():
                    from .runner import RunCancelled

                    raise RunCancelled()
        return self._local

    def count_send(self, n: int = 1) -> None:
        """A send of user code (raises BudgetExceeded past the budget)."""
        self.sends += n
        if self.sends > self.sends_per_step:
            raise BudgetExceeded(f"sent more than {self.sends_per_step:,} messages without "
                                 "yielding (a flood?)")

    # -- behaviours ----------------------------------------------------------------------
    def node(self, host: HostRuntime) -> UserNode:
        """The user node of ``host`` (made once)."""
        n = self._nodes.get(host.id)
        if n is None:
            n = self._nodes[host.id] = UserNode(host, self)
        return n

    def start(self, host: HostRuntime, info: BehaviourInfo, params: BaseModel) -> None:
        """Start ``info``'s behaviour on ``host`` (the host's main activity)."""
        from .protocols import load_behaviour

        fn: Callable[[Any, Any], Any] = load_behaviour(info)
        node = self.node(host)
        host.spawn(self.run(host, lambda: fn(node, params)), guarded=False)

    def run(self, host: HostRuntime, make: Callable[[], Any]) -> Generator[Any, Any, None]:
        """Drive the generator ``make()`` returns, step by step, within the budgets."""
        from .runner import RunCancelled

        try:
            self._enter(host.id)
            try:
                gen = make()
            finally:
                self._leave()
            if not isinstance(gen, Generator):
                return
            value: Any = None
            thrown: BaseException | None = None
            while True:
                self._enter(host.id)
                try:
                    ev = gen.throw(thrown) if thrown is not None else gen.send(value)
                except StopIteration:
                    return
                finally:
                    self._leave()
                thrown = None
                if host.crashed:  # its own callback failed the host during the step
                    return
                if not isinstance(ev, simpy.Event):
                    thrown = TypeError(f"a behaviour yields events of the simulation (yield "
                                       f"from node.sleep(...), node.receive(...)), not "
                                       f"{type(ev).__name__}")
                    continue
                try:
                    value = yield ev
                except (GeneratorExit, RunCancelled):
                    raise
                except BaseException as exc:  # noqa: BLE001 - given to the user's generator
                    thrown = exc
        except simpy.Interrupt:
            return
        except RunCancelled:
            raise
        except (Exception, BudgetExceeded) as exc:
            self.fail(host, exc)

    def wrap(self, host: HostRuntime, fn: Callable[[Message], Any]) -> Callable[[Message], None]:
        """A message callback of user code (``on_message``, ``handler``), guarded."""
        from .runner import RunCancelled

        def call(msg: Message) -> None:
            if host.crashed:
                return
            self._enter(host.id)
            try:
                result = fn(msg)
                if isinstance(result, Generator):
                    host.spawn(self.run(host, lambda: result), guarded=False)
            except RunCancelled:
                raise
            except (Exception, BudgetExceeded) as exc:
                self.fail(host, exc)
            finally:
                self._leave()
        call.__wrapped__ = fn  # type: ignore[attr-defined]
        return call

    def predicate(self, host: HostRuntime,
                  fn: Callable[[Message], bool]) -> Callable[[Message], bool]:
        """A ``match`` of user code, guarded: an error in it fails the host (and matches
        nothing)."""
        from .runner import RunCancelled

        def match(msg: Message) -> bool:
            if host.crashed:
                return False
            self._enter(host.id)
            try:
                return bool(fn(msg))
            except RunCancelled:
                raise
            except (Exception, BudgetExceeded) as exc:
                if self._depth > 1:
                    raise  # inside the host's own step: its guard reports it
                self.fail(host, exc)
                return False
            finally:
                self._leave()
        return match

    def frames(self, exc: BaseException) -> list[str]:
        """The user-file frames of ``exc``'s traceback, outermost first: ``path:line in fn``."""
        files = self.files
        return [f"{files[f.filename]}:{f.lineno} in {f.name}"
                for f in traceback.extract_tb(exc.__traceback__) if f.filename in files]

    def fail(self, host: HostRuntime, exc: BaseException) -> None:
        """User code of ``host`` raised or went over a budget: report it, crash the host."""
        frames = self.frames(exc)
        budget = isinstance(exc, BudgetExceeded)
        text = f"{host.id} stopped: {exc}" if budget else f"{type(exc).__name__}: {exc}"
        if frames:
            text += f" at {frames[-1]}"
        sim = self.sim
        sim.errors.append(text if budget else f"{host.id}: {text}")
        if not host.crashed:
            sim.emit("app", host.id, data={"name": "behaviour_error", "error": text,
                                           "frames": frames})
            sim.crash(host.id, "behaviour_error")


_NOW = ("node.now is real time, which a real host cannot read: use node.clock() (the "
        "host's local clock)")


#: UserNode -> (its HostRuntime, its Guard): kept here, not on the node, so that no
#: attribute of the object the user's code holds leads into the engine.
_INSIDE: weakref.WeakKeyDictionary[Any, tuple[Any, Any]] = weakref.WeakKeyDictionary()


class UserNode:
    """The node API as the user's code gets it: :class:`~sandbox.engine.node.Node` without
    ``now`` (use :meth:`clock`), sends counted against the step's budget, callbacks and
    activities guarded. See :mod:`sandbox.engine.node` for each call."""

    __slots__ = ("__weakref__", "id", "rng")

    def __init__(self, host: HostRuntime, guard: Guard) -> None:
        # the engine's objects are kept outside the node (no attribute of it leads to them)
        _INSIDE[self] = (host, guard)
        self.id: str = host.id
        self.rng = host.rng

    def __repr__(self) -> str:
        return f"<node {self.id}>"

    @property
    def now(self) -> int:
        """Refused to the user's code (AttributeError); layers of the engine may read it."""
        caller = sys._getframe(1).f_code.co_filename
        if caller in _INSIDE[self][1].files or caller.startswith("<"):
            raise AttributeError(_NOW)
        return _INSIDE[self][0].env.now

    # who and where
    @property
    def hosts(self) -> Sequence[str]:
        return _INSIDE[self][0].sim.host_ids

    @property
    def peers(self) -> Sequence[str]:
        return _INSIDE[self][0].peers

    @property
    def neighbours(self) -> list[str]:
        return list(_INSIDE[self][0].neighbours)

    @property
    def cores(self) -> int:
        return _INSIDE[self][0].spec.cores

    @property
    def state(self) -> dict[str, Any]:
        return _INSIDE[self][0].state

    # the run
    @property
    def step_bound(self) -> int | None:
        return _INSIDE[self][0].sim.step_bound

    @property
    def workload(self) -> Any:
        return _INSIDE[self][0].sim.scenario.workload

    @property
    def run_end(self) -> int:
        return _INSIDE[self][0].sim.until

    @property
    def memory(self) -> Any:
        from .node import MemoryView

        return MemoryView(_INSIDE[self][0].sim.memory)

    # time
    def clock(self) -> int:
        return _INSIDE[self][0].clock()

    def adjust_clock(self, delta: int, mode: str = "step", reason: str = "") -> None:
        _INSIDE[self][0].adjust_clock(delta, mode, reason)

    def sleep(self, duration: int) -> Generator[simpy.Event, Any, None]:
        return _INSIDE[self][0].sleep(duration)

    # messages
    def send(self, dst: str, payload: Any, size: int = 64) -> int | None:
        _INSIDE[self][1].count_send()
        return _INSIDE[self][0].sim.send(self.id, str(dst), payload, int(size))

    def broadcast(self, payload: Any, peers: Iterable[str] | None = None,
                  size: int = 64) -> list[int]:
        targets = list(_INSIDE[self][0].peers if peers is None else peers)
        _INSIDE[self][1].count_send(len(targets))
        return _INSIDE[self][0].broadcast(payload, targets, int(size))

    def receive(self, timeout: int | None = None,
                match: Callable[[Message], bool] | None = None
                ) -> Generator[simpy.Event, Any, Message | None]:
        if match is not None:
            match = _INSIDE[self][1].predicate(_INSIDE[self][0], match)
        return _INSIDE[self][0].receive(timeout, match)

    @property
    def handler(self) -> Callable[[Message], None] | None:
        fn = _INSIDE[self][0].handler
        return getattr(fn, "__wrapped__", fn)

    @handler.setter
    def handler(self, fn: Callable[[Message], None] | None) -> None:
        _INSIDE[self][0].handler = None if fn is None else _INSIDE[self][1].wrap(_INSIDE[self][0], fn)

    def on_message(self, type: Any, fn: Callable[[Message], None] | None) -> None:  # noqa: A002
        if fn is not None and not callable(fn):
            raise TypeError(f"on_message: {fn!r} is not callable")
        _INSIDE[self][0].on_message(type, None if fn is None else _INSIDE[self][1].wrap(_INSIDE[self][0], fn))

    # memory
    def read(self, addr: int) -> Generator[simpy.Event, Any, Any]:
        return _INSIDE[self][0].read(addr)

    def write(self, addr: int, value: Any) -> Generator[simpy.Event, Any, Any]:
        return _INSIDE[self][0].write(addr, value)

    # reporting
    def app(self, name: str, **values: Any) -> None:
        if name == "behaviour_error":
            raise ValueError("app event 'behaviour_error' is the engine's")
        _INSIDE[self][0].app(str(name), **values)

    def report_state(self, **fields: Any) -> None:
        _INSIDE[self][0].report_state(fields)

    def timer(self, name: str) -> None:
        _INSIDE[self][0].timer(str(name))

    def suspect(self, host: str) -> None:
        if host not in _INSIDE[self][0].sim.nodes:
            raise ValueError(f"suspect: unknown host {host!r}")
        _INSIDE[self][0].suspect(host)

    def unsuspect(self, host: str) -> None:
        if host not in _INSIDE[self][0].sim.nodes:
            raise ValueError(f"unsuspect: unknown host {host!r}")
        _INSIDE[self][0].unsuspect(host)

    # concurrency
    def spawn(self, gen: Generator) -> simpy.Process:
        if not isinstance(gen, Generator):
            raise TypeError(f"spawn takes a generator (call the generator function), not "
                            f"{type(gen).__name__}")
        return _INSIDE[self][0].spawn(_INSIDE[self][1].run(_INSIDE[self][0], lambda: gen), guarded=False)

    def resource(self, capacity: int = 1) -> simpy.Resource:
        return simpy.Resource(_INSIDE[self][0].env, capacity=capacity)

