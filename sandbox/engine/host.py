"""The engine's record of one host during a run: its condition, mailbox and activities.

Behaviours never see this object: they get a :class:`~sandbox.engine.node.Node`,
the documented node API, which forwards to it.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import TYPE_CHECKING, Any, overload

import simpy

from .network import Message
from .node import Node

if TYPE_CHECKING:
    from .clock import HostClock
    from .environment import Environment
    from .simulation import Simulation

Match = Callable[[Message], bool]


class Others(Sequence[str]):
    """The other hosts of a run, in scenario order, without a list per host.

    A sequence: ``len``, indexing (so ``rng.choice`` works), iteration and ``in``.
    One shared tuple of all ids serves every host, so 10,000 hosts cost 10,000
    entries, not 100 million.
    """

    __slots__ = ("_ids", "_skip")

    def __init__(self, ids: tuple[str, ...], skip: int) -> None:
        self._ids = ids
        self._skip = skip

    def __len__(self) -> int:
        return len(self._ids) - 1

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("host index out of range")
        return self._ids[i if i < self._skip else i + 1]

    def __iter__(self) -> Iterator[str]:
        skip = self._skip
        for i, h in enumerate(self._ids):
            if i != skip:
                yield h

    def __contains__(self, host: object) -> bool:
        return host != self._ids[self._skip] and host in self._ids

    def __repr__(self) -> str:
        return f"Others({list(self)!r})"


class HostRuntime:
    """The engine's record of a host: condition, mailbox, waiting receives, activities."""

    def __init__(self, sim: Simulation, host_id: str, index: int) -> None:
        self.sim = sim
        self.env: Environment = sim.env
        self.id = host_id
        self.index = index
        self.spec = sim.scenario.hosts[index]
        self.rng: random.Random = sim.streams(f"host/{host_id}/behaviour")
        self.state: dict[str, Any] = {}
        self.crashed = False
        self.paused = False
        self.byz_behaviour: str | None = None
        self.byz_probability = 0.0
        self.handler: Callable[[Message], None] | None = None
        self.suspected: dict[str, bool] = {}
        #: The protocol state last reported (node.report_state); cleared by a crash.
        self.shown: dict[str, Any] = {}
        #: Payload type -> the callback its messages go to (node.on_message).
        self.routes: dict[Any, Callable[[Message], None]] = {}
        self._mailbox: deque[Message] = deque()
        self._waiters: list[tuple[simpy.Event, Match | None]] = []
        self._procs: list[simpy.Process] = []
        self._procs_cap = 64
        self._resume: simpy.Event | None = None
        self.peers: Sequence[str] = ()
        self.neighbours: list[str] = []
        self.out: dict[str, Any] = {}  # neighbour -> the channel to it (set by the simulation)
        #: The host's clock (hot path: the simulation reads it per send and delivery).
        self.clock_obj: HostClock = sim.clocks[host_id]
        # Set by the simulation: the host's failure probabilities (hot path).
        self.send_omission = 0.0
        self.receive_omission = 0.0
        self.timing_p = 0.0
        self.timing_x = 1.0
        #: The node API its behaviour is given (made once, here).
        self.api = Node(self)

    # -- time and clocks -------------------------------------------------------------
    @property
    def now(self) -> int:
        """Real (simulated) time in ns. Protocols should use :meth:`clock` instead."""
        return self.env.now

    def clock(self) -> int:
        """Read the host's local clock (ns), with its offset, drift, resolution and jitter."""
        return self.sim.clocks[self.id].read(self.env.now)

    def adjust_clock(self, delta: int, mode: str = "step", reason: str = "") -> None:
        """Correct the local clock by ``delta`` ns: at once (step) or gradually (slew)."""
        self.sim.adjust_clock(self.id, int(delta), mode, reason)

    def sleep(self, duration: int) -> Generator[simpy.Event, Any, None]:
        """Wait ``duration`` ns of real time (``yield from node.sleep(d)``)."""
        yield self.env.timeout(max(0, int(duration)))
        if self.paused:
            yield from self._wait_resumed()

    def _wait_resumed(self) -> Generator[simpy.Event, Any, None]:
        while self.paused:
            if self._resume is None:
                self._resume = self.env.event()
            yield self._resume

    # -- messages --------------------------------------------------------------------
    def broadcast(self, payload: Any, peers: list[str] | None = None, size: int = 64) -> list[int]:
        """Send ``payload`` to every peer (or the given hosts); return the message ids."""
        ids = []
        for p in self.peers if peers is None else peers:
            if p != self.id:
                mid = self.sim.send(self.id, p, payload, size)
                if mid is not None:
                    ids.append(mid)
        return ids

    def receive(self, timeout: int | None = None,
                match: Match | None = None) -> Generator[simpy.Event, Any, Message | None]:
        """Wait for a message (that ``match`` accepts); None if ``timeout`` ns pass first."""
        box = self._mailbox
        if box and not self.paused:
            if match is None:
                return box.popleft()
            for i, m in enumerate(box):
                if match(m):
                    del box[i]
                    return m
        waiter = self.env.event()
        entry = (waiter, match)
        self._waiters.append(entry)
        if timeout is not None:
            timer = self.env.timeout(max(0, int(timeout)))

            def expire(_: simpy.Event) -> None:
                if not waiter.triggered:
                    try:
                        self._waiters.remove(entry)
                    except ValueError:
                        pass
                    waiter.succeed(None)

            timer.callbacks.append(expire)
        msg = yield waiter
        if self.paused:
            yield from self._wait_resumed()
        return msg

    def on_message(self, kind: Any, fn: Callable[[Message], None] | None) -> None:
        """Give the messages whose payload ``type`` is ``kind`` to ``fn`` (None: stop)."""
        if fn is None:
            self.routes.pop(kind, None)
        elif not callable(fn):
            raise TypeError(f"on_message: {fn!r} is not callable")
        else:
            self.routes[kind] = fn

    def _deliver(self, msg: Message) -> None:
        """Hand an arrived message to a route, a waiting receive, the handler, or the mailbox."""
        if self.routes and not self.paused:
            payload = msg.payload
            if isinstance(payload, dict):
                route = self.routes.get(payload.get("type"))
                if route is not None:
                    route(msg)
                    return
        if self.handler is not None and not self.paused:
            self.handler(msg)
            return
        if not self.paused:
            for i, (waiter, match) in enumerate(self._waiters):
                if match is None or match(msg):
                    del self._waiters[i]
                    waiter.succeed(msg)
                    return
        self._mailbox.append(msg)

    def _flush_mailbox(self) -> None:
        """After a pause: give queued messages to waiting receives."""
        pending = list(self._mailbox)
        self._mailbox.clear()
        for m in pending:
            self._deliver(m)

    # -- memory ----------------------------------------------------------------------
    def read(self, addr: int) -> Generator[simpy.Event, Any, Any]:
        """Read the value at ``addr`` (``value = yield from node.read(addr)``)."""
        return (yield from self.sim.memory.access(self, "read", int(addr), None))

    def write(self, addr: int, value: Any) -> Generator[simpy.Event, Any, Any]:
        """Write ``value`` at ``addr``; returns True when the write took effect."""
        return (yield from self.sim.memory.access(self, "write", int(addr), value))

    # -- reporting -------------------------------------------------------------------
    def app(self, name: str, **values: Any) -> None:
        """Write an application event to the trace."""
        data = {"name": name}
        data.update(values)
        self.sim.emit("app", self.id, data=data)

    def timer(self, name: str) -> None:
        """Write a timer event (a timeout that fired) to the trace."""
        self.sim.emit("timer", self.id, data={"name": name})

    def report_state(self, fields: dict[str, Any]) -> None:
        """Report protocol state; the fields whose value changed become one ``state`` event."""
        shown = self.shown
        changed: dict[str, Any] = {}
        for name, value in fields.items():
            value = _state_value(name, value)
            if name not in shown or shown[name] != value:
                if value is None and name not in shown:
                    continue
                changed[name] = value
                if value is None:
                    del shown[name]
                else:
                    shown[name] = value
        if changed:
            self.sim.emit("state", self.id, data=changed)

    def suspect(self, host: str) -> None:
        """Record that this host's failure detector suspects ``host``."""
        if not self.suspected.get(host):
            self.suspected[host] = True
            self.sim.emit("suspect", self.id, data={"target": host,
                                                    "correct": self.sim.nodes[host].crashed})

    def unsuspect(self, host: str) -> None:
        """Record that this host no longer suspects ``host``."""
        if self.suspected.get(host):
            self.suspected[host] = False
            self.sim.emit("unsuspect", self.id, data={"target": host})

    # -- concurrency -----------------------------------------------------------------
    def spawn(self, gen: Generator, guarded: bool = True) -> simpy.Process:
        """Run ``gen`` as a concurrent activity of this host; a crash ends it. ``guarded=False``:
        ``gen`` handles its own errors (the user code guard of :mod:`.user_code`)."""
        proc = self.env.process(_guard(self, gen) if guarded else gen)
        procs = self._procs
        procs.append(proc)
        if len(procs) > self._procs_cap:
            # Forget ended activities; the next clean-up waits until the list has doubled,
            # so many live activities cost amortised O(1) per spawn, not O(n).
            self._procs = procs = [p for p in procs if p.is_alive]
            self._procs_cap = max(64, 2 * len(procs))
        return proc

    def _kill(self) -> None:
        active = self.env.active_process  # a behaviour crashing its own host ends by itself
        for proc in self._procs:
            if proc.is_alive and proc is not active:
                proc.interrupt("crash")
        self._procs = []
        for waiter, _ in self._waiters:
            if not waiter.triggered:
                waiter.defused = True
        self._waiters = []
        self._mailbox.clear()
        self.handler = None
        self.routes = {}
        self.shown = {}


_PLAIN = (bool, int, float, str)


def _state_value(name: str, value: Any) -> Any:
    """A reported state value as the trace keeps it: a plain value, None, or a list of them
    (a set becomes a sorted list, a tuple a list); anything else is a TypeError."""
    if value is None or type(value) in _PLAIN:
        return value
    if isinstance(value, (set, frozenset)):
        items = sorted(value, key=repr)
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise TypeError(f"report_state: {name!r} must be a number, text, a list or None, "
                        f"not {type(value).__name__}")
    for item in items:
        if item is not None and type(item) not in _PLAIN:
            raise TypeError(f"report_state: the items of {name!r} must be numbers or text, "
                            f"not {type(item).__name__}")
    return items


def _guard(node: HostRuntime, gen: Generator) -> Generator:
    """Run a behaviour generator; a crash interrupt ends it quietly, an error is reported."""
    try:
        yield from gen
    except simpy.Interrupt:
        return
    except Exception as exc:  # a behaviour's own bug must not end the run
        node.sim.behaviour_error(node, exc)
