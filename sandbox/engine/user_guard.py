"""Running the user's behaviours: the guard that counts their lines and sends per step, turns
their errors and overruns into crashes of their host and answers cancel requests, and the
node API they get (:class:`UserNode`, without ``now`` and with no path into the engine).

The guard traces with :func:`sys.settrace` only while a user step runs, and only the frames of
the user's files, so built-in behaviours run at full speed. Its budgets come from
:class:`~sandbox.engine.limits.Limits` (``user_lines_per_step``, ``user_sends_per_step``).
Loading the files is :mod:`sandbox.engine.user_code`.

A stop cannot be swallowed. CPython removes a trace function that raises, so a user's bare
``except:`` (or ``except BaseException``, a ``finally`` that returns, a context manager that
suppresses) around a loop would otherwise take the stop and go on looping, untraced. So the
user's code is compiled with checkpoints (:func:`instrument`): at the top of every loop body,
at the entry of every function and lambda, and on every item a comprehension takes. Once a
step is stopped, the stop is pending for this thread until the step ends, and every checkpoint
raises it again; a step that still ends normally is failed all the same. This protects against
mistakes, not malice (the consent to run a file is the line of trust); and a loop inside C code
(``sum(range(10**15))``) sees no checkpoint: the GUI runs such scenarios in a process it can
stop (:mod:`sandbox.engine.isolated`).
"""

from __future__ import annotations

import ast
import sys
import threading
import traceback
import types
import weakref
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import simpy
from pydantic import BaseModel

if TYPE_CHECKING:
    from sandbox.scenario.registry import BehaviourInfo

    from .host import HostRuntime
    from .network import Message
    from .simulation import Simulation

__all__ = ["CANCEL_CHECK_LINES", "CHECKPOINT", "CHECKED_ITER", "BudgetExceeded", "Guard",
           "UserNode", "checkpoint_names", "clear_stop", "count_checkpoints", "instrument",
           "pending_stop", "set_stop"]

#: The trace function asks the reporter whether the run is cancelled every this many lines.
CANCEL_CHECK_LINES = 10_000


class BudgetExceeded(BaseException):  # noqa: N818 - BaseException: user code's ``except
    """A user behaviour went over a budget (raised into its code; not an Exception, so an
    ``except Exception`` of the user's does not swallow it)."""


# -- checkpoints: a stop the user's code cannot swallow ----------------------------------------

#: The names the instrumented code calls (set in each user module's namespace).
CHECKPOINT = "__sandbox_checkpoint__"
CHECKED_ITER = "__sandbox_iter__"

#: The stop pending in this thread (an exception class and its message), raised again by every
#: checkpoint of the user's code until the guard clears it at the end of the step; and the
#: checkpoints' own count against a budget (``limit``; ``over(frame)`` is called past it and
#: stops the step), which holds even where the trace function is gone (CPython drops it when it
#: raises, a RecursionError in it included: a recursion whose handlers recurse again would
#: otherwise run untraced for ever).
_PENDING = threading.local()


def set_stop(kind: type[BaseException], message: str) -> None:
    """Make ``kind(message)`` pending: every checkpoint raises it until :func:`clear_stop`."""
    _PENDING.stop = (kind, message)


def clear_stop() -> None:
    _PENDING.stop = None


def pending_stop() -> tuple[type[BaseException], str] | None:
    """The stop pending in this thread, if any."""
    return getattr(_PENDING, "stop", None)


def count_checkpoints(limit: int | None, over: Callable[[types.FrameType], None] | None) -> None:
    """Count the checkpoints from now on: past ``limit`` of them ``over(frame)`` is called with
    the user's frame (it should stop the step: :func:`set_stop`); ``None`` counts nothing."""
    _PENDING.count = 0
    _PENDING.limit = limit
    _PENDING.over = over


def _passed(depth: int) -> None:
    """A checkpoint passed: count it; raise the pending stop, if any."""
    state = _PENDING.__dict__
    limit = state.get("limit")
    if limit is not None:
        state["count"] += 1
        if state["count"] > limit and state.get("stop") is None:
            state["over"](sys._getframe(depth + 1))
    stop = state.get("stop")
    if stop is not None:
        raise stop[0](stop[1])


def _checkpoint() -> None:
    _passed(1)


def _checked_iter(items: Iterable[Any]) -> Generator[Any, None, None]:
    for item in items:
        _passed(1)
        yield item


def checkpoint_names() -> dict[str, Any]:
    """What a user module's namespace needs for its instrumented code."""
    return {CHECKPOINT: _checkpoint, CHECKED_ITER: _checked_iter}


class _Instrument(ast.NodeTransformer):
    """Adds the checkpoints (see the module docstring); line numbers stay the user's."""

    @staticmethod
    def _call(name: str, args: list[ast.expr], at: ast.AST) -> ast.Call:
        call = ast.Call(ast.Name(name, ast.Load()), args, [])
        return ast.copy_location(call, at)

    def _check(self, body: list[ast.stmt], skip: int = 0) -> None:
        if len(body) > skip:
            at = body[skip]
            stmt = ast.copy_location(ast.Expr(self._call(CHECKPOINT, [], at)), at)
            body.insert(skip, stmt)

    def _loop(self, node: Any) -> Any:
        self.generic_visit(node)
        self._check(node.body)
        return node

    visit_For = visit_AsyncFor = visit_While = _loop

    def _function(self, node: Any) -> Any:
        self.generic_visit(node)
        first = node.body[0] if node.body else None
        docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
            and isinstance(first.value.value, str)
        self._check(node.body, 1 if docstring and len(node.body) > 1 else 0)
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_Lambda(self, node: ast.Lambda) -> ast.Lambda:
        self.generic_visit(node)
        # ``None or body``: the checkpoint returns None
        node.body = ast.copy_location(
            ast.BoolOp(ast.Or(), [self._call(CHECKPOINT, [], node.body), node.body]), node.body)
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.comprehension:
        self.generic_visit(node)
        if not node.is_async:
            node.iter = self._call(CHECKED_ITER, [node.iter], node.iter)
        return node


def instrument(tree: ast.Module) -> ast.Module:
    """``tree`` (a user file's module, changed in place) with the checkpoints added."""
    out = _Instrument().visit(tree)
    return ast.fix_missing_locations(out)


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
        #: The stop of the current step (its message and where), once there is one.
        self._stopped: tuple[str, str] | None = None
        self._cancelling = False

    # -- steps ---------------------------------------------------------------------------
    def _enter(self, host: str) -> None:
        if self._depth == 0:
            self.lines = 0
            self.sends = 0
            self._host = host
            self._stopped = None
            self._previous = sys.gettrace()
            count_checkpoints(self.lines_per_step, self._over)
            sys.settrace(self._global)
        self._depth += 1

    def _leave(self) -> tuple[str, str] | None:
        """The step (or a call nested in it) is over; at the end of the step, the stop it had
        (message, where), now no longer pending. A cancel stop raises RunCancelled here."""
        self._depth -= 1
        if self._depth:
            return None
        sys.settrace(self._previous)
        self._previous = None
        clear_stop()
        count_checkpoints(None, None)
        stopped, self._stopped = self._stopped, None
        if self._cancelling:
            self._cancelling = False
            from .runner import RunCancelled

            raise RunCancelled()
        return stopped

    def _stop(self, kind: type[BaseException], message: str, frame: types.FrameType | None,
              ) -> BaseException:
        """Stop the step: ``kind(message)``, pending until the step ends (see the module)."""
        if self._stopped is None:
            where = ""
            if frame is not None:
                where = (f"{self.files.get(frame.f_code.co_filename, frame.f_code.co_filename)}"
                         f":{frame.f_lineno} in {frame.f_code.co_name}")
            self._stopped = (message, where)
        set_stop(kind, message)
        return kind(message)

    def _global(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename in self.files:
            return self._local
        return None

    def _over(self, frame: types.FrameType) -> None:
        """The checkpoints' count is past the budget (the trace function is gone)."""
        self._stop(BudgetExceeded, self._lines_message(), frame)

    def _lines_message(self) -> str:
        return (f"ran more than {self.lines_per_step:,} lines without yielding (a loop that "
                "never waits?)")

    def _local(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            self.lines += 1
            if self.lines > self.lines_per_step:
                raise self._stop(BudgetExceeded, self._lines_message(), frame)
            self._ticks += 1
            if self._ticks >= CANCEL_CHECK_LINES:
                self._ticks = 0
                if self.cancelled is not None and self.cancelled():
                    from .runner import RunCancelled

                    self._cancelling = True
                    raise self._stop(RunCancelled, "", frame)
        return self._local

    def count_send(self, n: int = 1) -> None:
        """A send of user code (raises BudgetExceeded past the budget)."""
        self.sends += n
        if self.sends > self.sends_per_step:
            raise self._stop(BudgetExceeded, f"sent more than {self.sends_per_step:,} messages "
                             "without yielding (a flood?)", sys._getframe(2))

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
                stopped = self._leave()
            if stopped is not None:  # a plain function that took its stop and returned
                self.fail(host, BudgetExceeded(stopped[0]), stopped[1])
                return
            if not isinstance(gen, Generator):
                return
            value: Any = None
            thrown: BaseException | None = None
            while True:
                self._enter(host.id)
                done = False
                try:
                    ev = gen.throw(thrown) if thrown is not None else gen.send(value)
                except StopIteration:
                    done = True
                finally:
                    stopped = self._leave()
                if stopped is not None:  # the user's code took its stop and went on
                    self._close(host, gen)
                    self.fail(host, BudgetExceeded(stopped[0]), stopped[1])
                    return
                if done:
                    return
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

    def _close(self, host: HostRuntime, gen: Generator[Any, Any, Any]) -> None:
        """Close a stopped generator within the guard, its stop still pending (so its
        ``finally`` blocks run traced and their loops stop); what it raises is not reported."""
        self._enter(host.id)
        set_stop(BudgetExceeded, "stopped")
        try:
            gen.close()
        except (Exception, BudgetExceeded):
            pass
        finally:
            self._leave()

    def wrap(self, host: HostRuntime, fn: Callable[[Message], Any]) -> Callable[[Message], None]:
        """A message callback of user code (``on_message``, ``handler``), guarded."""
        from .runner import RunCancelled

        def call(msg: Message) -> None:
            if host.crashed:
                return
            try:
                self._enter(host.id)
                try:
                    result = fn(msg)
                finally:
                    stopped = self._leave()
                if stopped is not None:
                    if isinstance(result, Generator):
                        self._close(host, result)
                    self.fail(host, BudgetExceeded(stopped[0]), stopped[1])
                elif isinstance(result, Generator):
                    host.spawn(self.run(host, lambda: result), guarded=False)
            except RunCancelled:
                raise
            except (Exception, BudgetExceeded) as exc:
                self.fail(host, exc)
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
            nested = self._depth > 0
            try:
                self._enter(host.id)
                try:
                    matched = bool(fn(msg))
                finally:
                    stopped = self._leave()
                if stopped is not None:
                    self.fail(host, BudgetExceeded(stopped[0]), stopped[1])
                    return False
                return matched
            except RunCancelled:
                raise
            except (Exception, BudgetExceeded) as exc:
                if nested:
                    raise  # inside the host's own step: its guard reports it
                self.fail(host, exc)
                return False
        return match

    def frames(self, exc: BaseException) -> list[str]:
        """The user-file frames of ``exc``'s traceback, outermost first: ``path:line in fn``."""
        files = self.files
        return [f"{files[f.filename]}:{f.lineno} in {f.name}"
                for f in traceback.extract_tb(exc.__traceback__) if f.filename in files]

    def fail(self, host: HostRuntime, exc: BaseException, where: str = "") -> None:
        """User code of ``host`` raised or went over a budget: report it, crash the host.
        ``where`` (``path:line in fn``) stands for the traceback of a stop the code took."""
        frames = [where] if where else self.frames(exc)
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

