"""The node API: everything a behaviour (protocol) may see and do on its host.

A behaviour is a generator function ``behaviour(node, params)``, in SimPy's
style; ``params`` is its validated parameter model. Calls that take simulated
time are generators used with ``yield from``; the others return at once::

    def echo(node, params):
        while True:
            msg = yield from node.receive(timeout=params.timeout)
            if msg is None:
                node.app("idle")
                continue
            node.send(msg.src, {"type": "echo", "value": msg.payload.get("value")})

The :class:`Node` object is all a behaviour gets: it has no public path to the
simulation, the SimPy environment, the network or other hosts' state.

What it offers:

- who and where: ``node.id``, ``node.hosts`` (every host, this one included,
  scenario order), ``node.peers`` (the other hosts, scenario order),
  ``node.neighbours`` (hosts one link away), ``node.cores``;
- randomness and memory of its own: ``node.rng`` (this host's behaviour
  stream), ``node.state`` (a dict kept across a crash when the host keeps its
  state);
- time: ``node.now`` (real time, for metrics only: a real host cannot see it),
  ``node.clock()`` (the local clock, with its offset, drift, resolution and
  jitter), ``node.adjust_clock(delta, mode="step"|"slew", reason="")``,
  ``yield from node.sleep(duration)``;
- the run: ``node.step_bound`` (the synchronous bound on a local step, None in
  other models), ``node.workload`` (the scenario's workload profile),
  ``node.run_end`` (the time the run ends);
- messages: ``node.send(dst, payload, size=64) -> msg id``,
  ``node.broadcast(payload, peers=None, size=64)``, ``yield from
  node.receive(timeout=None, match=None) -> Message | None``, ``node.handler =
  fn`` (receive by callback instead: ``fn(msg)`` is called for each delivery);
- memory: ``yield from node.read(addr)``, ``yield from node.write(addr,
  value)``, ``node.memory`` (the address space: pages, page size, homes);
- messages by type: ``node.on_message(type, fn)`` gives every delivered message
  whose payload ``type`` is ``type`` to ``fn(msg)`` before receives and the
  handler see it (how layers such as RPC or ordered broadcast take their own
  messages; ``fn=None`` stops it);
- reporting: ``node.app(name, **values)`` (an application event in the
  trace), ``node.report_state(**fields)`` (protocol state shown on the canvas
  and the diagram: role, term, leader, ...; the fields that changed become
  one ``state`` event; a crash clears them), ``node.timer(name)``,
  ``node.suspect(host)`` / ``node.unsuspect(host)`` (failure detectors);
- concurrency: ``node.spawn(gen)`` (a concurrent activity of this host, ended
  by a crash), ``node.resource(capacity)`` (a SimPy resource, e.g. the cores).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any

import simpy

from .network import Message

if TYPE_CHECKING:
    from sandbox.scenario.model import WorkloadSpec

    from .host import HostRuntime

Match = Callable[[Message], bool]

__all__ = ["Match", "MemoryView", "Node"]


class MemoryView:
    """The shared address space as a behaviour sees it: its shape and which host homes a page."""

    __slots__ = ("_memory",)

    def __init__(self, memory: Any) -> None:
        self._memory = memory

    @property
    def pages(self) -> int:
        """Pages in the address space."""
        return self._memory.pages

    @property
    def page_size(self) -> int:
        """Bytes in a page."""
        return self._memory.page_size

    @property
    def size(self) -> int:
        """Bytes in the address space (addresses are 0 to size - 1)."""
        return self._memory.size

    def home_of(self, page: int) -> str | None:
        """The host that holds ``page`` now (None when no host does)."""
        home = self._memory.home
        return home[page] if home else None

    def pages_homed_at(self, host: str) -> list[int]:
        """The pages whose home is ``host`` now, in address order."""
        home = self._memory.home
        return [p for p in range(self._memory.pages) if home and home[p] == host]


class Node:
    """A host as its behaviour sees it: the documented node API and nothing else."""

    __slots__ = ("_host", "_send", "id", "rng")

    def __init__(self, host: HostRuntime) -> None:
        self._host = host
        self._send = host.sim.send
        #: The host's id.
        self.id: str = host.id
        #: This host's stream of random numbers (derived from the seed).
        self.rng: random.Random = host.rng

    def __repr__(self) -> str:
        return f"<node {self.id}>"

    # -- who and where ---------------------------------------------------------------
    @property
    def hosts(self) -> Sequence[str]:
        """Every host of the scenario, this one included, in scenario order."""
        return self._host.sim.host_ids

    @property
    def peers(self) -> Sequence[str]:
        """The other hosts of the scenario, in scenario order."""
        return self._host.peers

    @property
    def neighbours(self) -> list[str]:
        """The hosts one link away."""
        return self._host.neighbours

    @property
    def cores(self) -> int:
        """The host's processor cores."""
        return self._host.spec.cores

    @property
    def state(self) -> dict[str, Any]:
        """A dict of the behaviour's own; kept across a crash when the host keeps its state."""
        return self._host.state

    # -- the run ---------------------------------------------------------------------
    @property
    def step_bound(self) -> int | None:
        """The bound on a local step in the synchronous model (ns); None in the other models."""
        return self._host.sim.step_bound

    @property
    def workload(self) -> WorkloadSpec:
        """The scenario's workload rate profile."""
        return self._host.sim.scenario.workload

    @property
    def run_end(self) -> int:
        """The real time (ns) at which the run ends."""
        return self._host.sim.until

    @property
    def memory(self) -> MemoryView:
        """The shared address space (pages, page size, which host homes a page)."""
        return MemoryView(self._host.sim.memory)

    # -- time and clocks -------------------------------------------------------------
    @property
    def now(self) -> int:
        """Real (simulated) time in ns. Protocols should use :meth:`clock` instead."""
        return self._host.env.now

    def clock(self) -> int:
        """Read the host's local clock (ns), with its offset, drift, resolution and jitter."""
        return self._host.clock()

    def adjust_clock(self, delta: int, mode: str = "step", reason: str = "") -> None:
        """Correct the local clock by ``delta`` ns: at once (step) or gradually (slew)."""
        self._host.adjust_clock(delta, mode, reason)

    def sleep(self, duration: int) -> Generator[simpy.Event, Any, None]:
        """Wait ``duration`` ns of real time (``yield from node.sleep(d)``)."""
        return self._host.sleep(duration)

    # -- messages --------------------------------------------------------------------
    def send(self, dst: str, payload: Any, size: int = 64) -> int | None:
        """Send ``payload`` to host ``dst``; return the message id (None if this host is down)."""
        return self._send(self.id, dst, payload, size)

    def broadcast(self, payload: Any, peers: list[str] | None = None, size: int = 64) -> list[int]:
        """Send ``payload`` to every peer (or the given hosts); return the message ids."""
        return self._host.broadcast(payload, peers, size)

    def receive(self, timeout: int | None = None,
                match: Match | None = None) -> Generator[simpy.Event, Any, Message | None]:
        """Wait for a message (that ``match`` accepts); None if ``timeout`` ns pass first."""
        return self._host.receive(timeout, match)

    @property
    def handler(self) -> Callable[[Message], None] | None:
        """A callback given each delivered message instead of :meth:`receive` (None: off)."""
        return self._host.handler

    @handler.setter
    def handler(self, fn: Callable[[Message], None] | None) -> None:
        self._host.handler = fn

    def on_message(self, type: Any, fn: Callable[[Message], None] | None) -> None:  # noqa: A002
        """Give each delivered message whose payload ``type`` is ``type`` to ``fn(msg)`` first
        (before receives and the handler); ``fn=None`` stops it. A crash clears these."""
        self._host.on_message(type, fn)

    # -- memory ----------------------------------------------------------------------
    def read(self, addr: int) -> Generator[simpy.Event, Any, Any]:
        """Read the value at ``addr`` (``value = yield from node.read(addr)``)."""
        return self._host.read(addr)

    def write(self, addr: int, value: Any) -> Generator[simpy.Event, Any, Any]:
        """Write ``value`` at ``addr``; returns True when the write took effect."""
        return self._host.write(addr, value)

    # -- reporting -------------------------------------------------------------------
    def app(self, name: str, **values: Any) -> None:
        """Write an application event to the trace."""
        self._host.app(name, **values)

    def report_state(self, **fields: Any) -> None:
        """Report protocol state (``role="leader", term=3``); the fields that changed become one
        ``state`` event. Values are numbers, text, lists (a set is sorted) or None (cleared)."""
        self._host.report_state(fields)

    def timer(self, name: str) -> None:
        """Write a timer event (a timeout that fired) to the trace."""
        self._host.timer(name)

    def suspect(self, host: str) -> None:
        """Record that this host's failure detector suspects ``host``."""
        self._host.suspect(host)

    def unsuspect(self, host: str) -> None:
        """Record that this host no longer suspects ``host``."""
        self._host.unsuspect(host)

    # -- concurrency -----------------------------------------------------------------
    def spawn(self, gen: Generator) -> simpy.Process:
        """Run ``gen`` as a concurrent activity of this host; a crash ends it."""
        return self._host.spawn(gen)

    def resource(self, capacity: int = 1) -> simpy.Resource:
        """A SimPy resource of ``capacity`` slots (``with r.request() as req: yield req``)."""
        return simpy.Resource(self._host.env, capacity=capacity)
