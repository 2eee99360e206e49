"""Memory: private, shared (one bus, uniform cost, contention) or distributed shared memory (NUMA).

In ``dsm`` mode a virtual address maps to a page, the page to its home host;
a remote access is a real request and reply through the network (so loss,
partitions and crashes affect it), served by the home's memory manager after
``remote_cost``. Coherence: ``fixed_home``; ``migrate_on_write`` (a remote
write moves the page to the writer); ``read_replication`` (a remote read
keeps a replica, a write invalidates every replica).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from sandbox.scenario.placement import page_homes

from .network import Message

if TYPE_CHECKING:
    from .host import HostRuntime
    from .simulation import Simulation


class Memory:
    """The memory system of a run, for every communication mode."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        spec = sim.scenario.memory
        self.spec = spec
        self.mode = sim.scenario.model.communication
        self.page_size = spec.page_size
        self.pages = spec.pages
        self.size = spec.page_size * spec.pages
        self.bus = simpy.Resource(sim.env, capacity=spec.bus_capacity)
        self.home: list[str] = page_homes(sim.scenario) if sim.scenario.hosts else []
        self.values: dict[int, Any] = {}  # addr -> value (home copy / shared / private by key)
        self.private: dict[str, dict[int, Any]] = {}
        self.replicas: dict[int, dict[str, Any]] = {}  # page -> host -> {addr: value} (present)
        self.cache: dict[str, dict[int, dict[int, Any]]] = {}  # host -> page -> {addr: value}
        self._req = 0
        self._pending: dict[int, simpy.Event] = {}

    # -- the access path ---------------------------------------------------------------
    def access(self, node: HostRuntime, op: str, addr: int, value: Any) -> Generator[simpy.Event, Any, Any]:
        """Perform one read or write for ``node``; record its cost as a ``mem`` event."""
        sim = self.sim
        env = sim.env
        start = env.now
        if not 0 <= addr < self.size:
            sim.emit("mem", node.id, data={"op": op, "addr": addr, "page": -1, "home": node.id,
                                           "remote": False, "cost": 0, "ok": False,
                                           "error": "address out of range"})
            return None
        page = addr // self.page_size
        if self.mode == "shared_memory":
            with self.bus.request() as req:
                yield req
                yield env.timeout(self.spec.local_cost)
            result = self._apply(self.values, op, addr, value)
            sim.emit("mem", node.id, data={"op": op, "addr": addr, "page": page, "home": "",
                                           "remote": False, "cost": env.now - start, "ok": True})
            return result
        if self.mode == "message_passing":
            yield env.timeout(self.spec.local_cost)
            store = self.private.setdefault(node.id, {})
            result = self._apply(store, op, addr, value)
            sim.emit("mem", node.id, data={"op": op, "addr": addr, "page": page,
                                           "home": node.id, "remote": False,
                                           "cost": env.now - start, "ok": True})
            return result
        # DSM
        home = self.home[page]
        cached = self.cache.get(node.id, {}).get(page)
        if home == node.id or (op == "read" and cached is not None):
            yield env.timeout(self.spec.local_cost)
            if home == node.id:
                if op == "write":
                    yield from self._invalidate(node, page)
                result = self._apply(self.values, op, addr, value)
            else:
                assert cached is not None  # not our page: a read of its cached copy
                result = cached.get(addr, 0)
            sim.emit("mem", node.id, data={"op": op, "addr": addr, "page": page, "home": home,
                                           "remote": False, "cost": env.now - start, "ok": True})
            return result
        tries = self.spec.retries + 1
        reply = None
        attempt = 0
        while attempt < tries and not node.crashed:
            home = self.home[page]
            if home == node.id:  # migrated to us meanwhile
                break
            self._req += 1
            rid = self._req
            waiter = env.event()
            self._pending[rid] = waiter
            sim.send(node.id, home, {"type": "mem_req", "req": rid, "op": op, "addr": addr,
                                     "page": page, "value": value}, 64 + (8 if op == "write" else 0),
                     channel="mem")
            timer = env.timeout(self.spec.timeout)
            got = yield waiter | timer
            self._pending.pop(rid, None)
            if waiter in got:
                reply = got[waiter]
                if reply.get("moved"):
                    continue  # the page moved; ask its new home (not a failed try)
                break
            attempt += 1
        if home == node.id and reply is None:
            yield env.timeout(self.spec.local_cost)
            result = self._apply(self.values, op, addr, value)
            ok = True
        else:
            ok = False
            result = None
            if reply is not None:
                ok = reply.get("ok", False)
                if ok:
                    result = reply.get("value")
                    if op == "read" and self.spec.coherence == "read_replication":
                        self.cache.setdefault(node.id, {})[page] = dict(
                            reply.get("page_values", {}))
        sim.emit("mem", node.id, data={"op": op, "addr": addr, "page": page, "home": home,
                                       "remote": True, "cost": env.now - start, "ok": ok,
                                       "tries": attempt + (1 if reply is not None else 0)})
        return result if op == "read" else ok

    @staticmethod
    def _apply(store: dict[int, Any], op: str, addr: int, value: Any) -> Any:
        if op == "write":
            store[addr] = value
            return True
        return store.get(addr, 0)

    # -- the memory manager at a home ------------------------------------------------------
    def handle(self, node: HostRuntime, msg: Message) -> None:
        """A memory-channel message arrived at ``node`` (request, reply or invalidation)."""
        p = msg.payload
        kind = p.get("type") if isinstance(p, dict) else None
        if msg.corrupted:
            return  # a checksum failure: the requester times out and retries
        if kind in ("mem_rep", "mem_inv_ack"):
            waiter = self._pending.get(p.get("req"))
            if waiter is not None and not waiter.triggered:
                waiter.succeed(p)
        elif kind == "mem_inv":
            self.cache.get(node.id, {}).pop(p.get("page"), None)
            self.sim.send(node.id, msg.src, {"type": "mem_inv_ack", "req": p.get("req")}, 32,
                          channel="mem")
        elif kind == "mem_req":
            node.spawn(self._serve(node, msg))

    def _serve(self, node: HostRuntime, msg: Message) -> Generator[simpy.Event, Any, None]:
        sim = self.sim
        p = msg.payload
        yield from node.sleep(self.spec.remote_cost)
        page, addr, op = p["page"], p["addr"], p["op"]
        reply: dict[str, Any] = {"type": "mem_rep", "req": p["req"], "ok": True}
        if self.home[page] != node.id:
            reply["moved"] = True
        else:
            if op == "write":
                yield from self._invalidate(node, page)
                self.values[addr] = p["value"]
                if self.spec.coherence == "migrate_on_write":
                    self.home[page] = msg.src
                    sim.emit("app", node.id, data={"name": "page_migrated", "page": page,
                                                   "to": msg.src})
            else:
                reply["value"] = self.values.get(addr, 0)
                if self.spec.coherence == "read_replication":
                    lo = page * self.page_size
                    reply["page_values"] = {a: v for a, v in self.values.items()
                                            if lo <= a < lo + self.page_size}
                    self.replicas.setdefault(page, {})[msg.src] = True
        sim.send(node.id, msg.src, reply, 64 + (self.page_size if "page_values" in reply else 8),
                 channel="mem")

    def _invalidate(self, home: HostRuntime, page: int) -> Generator[simpy.Event, Any, None]:
        """Invalidate every replica of ``page`` before a write takes effect.

        Each holder is sent an invalidation and must acknowledge it; a lost
        one is sent again (the memory layout's timeout and retries), so a copy
        is never left stale by the network. A holder that never answers (it
        crashed, and lost its cache with it) is given up after the retries.
        """
        holders = self.replicas.pop(page, None)
        if not holders:
            return
        env = self.sim.env
        for host in holders:
            if host == home.id:
                continue
            for _attempt in range(self.spec.retries + 1):
                self._req += 1
                rid = self._req
                waiter = env.event()
                self._pending[rid] = waiter
                self.sim.send(home.id, host, {"type": "mem_inv", "req": rid, "page": page}, 32,
                              channel="mem")
                got = yield waiter | env.timeout(self.spec.timeout)
                self._pending.pop(rid, None)
                if waiter in got:
                    break

    def forget(self, host: str) -> None:
        """A host crashed: its cached copies are gone (volatile memory)."""
        self.cache.pop(host, None)
