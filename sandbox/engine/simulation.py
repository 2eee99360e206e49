"""The simulation: runs a frozen scenario with a seed on SimPy and writes trace events to a sink."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import simpy
from simpy.core import NORMAL
from simpy.events import Event

from sandbox import __version__
from sandbox.scenario.io import sha256_of_data
from sandbox.scenario.model import (
    Scenario,
)
from sandbox.scenario.registry import behaviour as registered_behaviour
from sandbox.trace.events import TraceEvent
from sandbox.trace.sinks import Sink, make_header

from .clock import HostClock
from .environment import Environment
from .faults import random_failures, schedule_fault
from .host import HostRuntime, Others
from .memory import Memory
from .network import Channel, Message, Network
from .protocols import load_behaviour
from .rng import Streams

if TYPE_CHECKING:
    from .limits import Limits
    from .user_code import Guard, LoadedFiles

Progress = Callable[[int, int], None]


#: Makes a TraceEvent from a tuple of its eight fields without the named tuple's
#: Python-level ``__new__`` (the hot path makes two per message).
_new = tuple.__new__


class Simulation:
    """One run of a scenario.

    ``Simulation(scenario, sink, seed=None)`` prepares the run (``seed``
    overrides ``scenario.run.seed``); ``run(until=None, progress=None)``
    executes it to ``until`` ns (default ``scenario.run.duration``), writing
    every event to ``sink`` in time order, and returns the number of events.
    For a GUI, ``start()``, ``advance(t)`` and ``finish()`` run it in chunks.
    The engine knows nothing of animation; the same scenario and seed give the
    same events, byte for byte.
    """

    def __init__(self, scenario: Scenario, sink: Sink | None = None,
                 seed: int | None = None, user_code: LoadedFiles | None = None,
                 limits: Limits | None = None) -> None:
        self.scenario = scenario
        #: The user's behaviour files this run uses (their behaviours run through a guard).
        self.user_code = user_code if user_code else None
        self.guard: Guard | None = None
        if self.user_code is not None:
            from .limits import Limits as _Limits
            from .user_code import Guard as _Guard

            lim = limits or _Limits()
            self.guard = _Guard(self, self.user_code.filenames(), lim.user_lines_per_step,
                                lim.user_sends_per_step)
        self.sink = sink or Sink()
        self.seed = scenario.run.seed if seed is None else seed
        self.env = Environment()
        self.streams = Streams(self.seed)
        model = scenario.model
        self.synchrony = model.synchrony
        self.delivery_bound = model.delivery_bound
        self.gst = model.gst
        self.async_tail = model.async_tail
        self.step_bound = model.step_bound if model.synchrony == "synchronous" else None
        # Whether every message has a delivery bound (the fast path of _transmit).
        self._plain_sync = model.synchrony == "synchronous"
        self.clocks: dict[str, HostClock] = {
            h.id: HostClock(h.clock, self.streams(f"clock/{h.id}") if h.clock.jitter else None)
            for h in scenario.hosts
        }
        self.nodes: dict[str, HostRuntime] = {}
        ids = tuple(scenario.host_ids())
        #: Every host id, in scenario order.
        self.host_ids: tuple[str, ...] = ids
        for i, h in enumerate(scenario.hosts):
            node = HostRuntime(self, h.id, i)
            node.peers = Others(ids, i)
            f = h.failures
            node.send_omission = f.send_omission
            node.receive_omission = f.receive_omission
            node.timing_p = f.timing_probability
            node.timing_x = f.timing_slowdown
            if f.byzantine_probability > 0:
                node.byz_behaviour = f.byzantine_behaviour
                node.byz_probability = f.byzantine_probability
            self.nodes[h.id] = node
        self.network = Network(self)
        for node in self.nodes.values():
            node.neighbours = [b for b, _ in self.network.adj[node.id]]
            node.out = {b: ch for b, ch in self.network.adj[node.id]}
        self.memory = Memory(self)
        self._seq = 0
        self._mid = 0
        self._write = self.sink.write
        self._injected: set[int] = set()
        self._sent_log: dict[str, list[Any]] = {}
        self.errors: list[str] = []
        self.max_skew = 0
        self._touched_clocks: list[str] = []
        self.until = scenario.run.duration
        self._started = False

    # -- the trace ---------------------------------------------------------------------
    def emit(self, kind: str, host: str, msg: int | None = None, peer: str | None = None,
             data: dict[str, Any] | None = None) -> None:
        """Write one event at the current time to the sink."""
        t = self.env.now
        local = self.clocks[host].true_reading(t) if host else t
        self._write(_new(TraceEvent, (self._seq, t, kind, host, local, msg, peer, data)))
        self._seq += 1

    def header(self) -> dict[str, Any]:
        """The trace header of this run."""
        data = self.scenario.model_dump(mode="json")
        header = make_header(data, self.seed, sha256_of_data(data), __version__)
        if self.user_code is not None:
            header["behaviour_files"] = self.user_code.sha256s
        return header

    # -- running -----------------------------------------------------------------------
    def start(self, until: int | None = None) -> None:
        """Open the sink and start every process; nothing runs until :meth:`advance`."""
        if self._started:
            raise RuntimeError("a simulation runs once")
        self._started = True
        if until is not None:
            self.until = until
        self.sink.open(self.header())
        for node in self.nodes.values():
            self._start_behaviour(node)
        for node in self.nodes.values():
            f = node.spec.failures
            if f.mttf is not None or f.crash_probability > 0:
                self.env.process(random_failures(self, node))
        for fault in self.scenario.faults:
            schedule_fault(self, fault)
        self.env.process(self._skew_sampler())

    def advance(self, t: int) -> None:
        """Run up to real time ``t`` (events at ``t`` itself come in the next chunk)."""
        t = min(t, self.until)
        if t > self.env.now:
            self.env.run(until=t)

    def finish(self) -> int:
        """Close the sink; return the number of events written."""
        self.sink.close()
        return self._seq

    def run(self, until: int | None = None, progress: Progress | None = None,
            chunks: int = 100, freeze_gc: bool = False) -> int:
        """Run the whole simulation with the one run loop (:func:`sandbox.engine.runner.drive`);
        ``progress(now, until)`` is called after each chunk. Returns the number of events."""
        from .runner import CallbackReporter, drive

        reporter = CallbackReporter(progress)
        return drive(self, until, reporter, chunks, freeze_gc)

    @property
    def events_written(self) -> int:
        """How many events have been written so far."""
        return self._seq

    # -- behaviours ----------------------------------------------------------------------
    def _start_behaviour(self, node: HostRuntime) -> None:
        spec = node.spec.behaviour
        info = registered_behaviour(spec.name)
        if info.origin != "builtin":
            if self.guard is None:
                raise RuntimeError(f"behaviour {spec.name!r} comes from a user's file "
                                   f"({info.origin}): pass the loaded files to the run "
                                   "(user_code=...)")
            self.guard.start(node, info, info.params.model_validate(spec.params))
            return
        node.spawn(load_behaviour(info)(node.api, info.params.model_validate(spec.params)))

    def behaviour_error(self, node: HostRuntime, exc: Exception) -> None:
        """A behaviour raised: report it in the trace and go on with the run."""
        text = f"{type(exc).__name__}: {exc}"
        self.errors.append(f"{node.id}: {text}")
        self.emit("app", node.id, data={"name": "behaviour_error", "error": text})

    # -- sending -----------------------------------------------------------------------
    def send(self, src: str, dst: str, payload: Any, size: int = 64,
             channel: str = "app") -> int | None:
        """Send a message from ``src`` to ``dst`` through the network; its id, or None if src is down."""
        node = self.nodes[src]
        if node.crashed:
            return None
        if dst not in self.nodes:
            raise ValueError(f"{src} sends to unknown host {dst!r}")
        now = self.env._now  # SimPy's clock, read without the property (hot path)
        self._mid = mid = self._mid + 1
        msg = Message(mid, src, dst, payload, size, now, channel)
        if channel == "app":
            data: dict[str, Any] = {"size": size, "payload": payload}
            if node.byz_probability and self.streams(f"byz/{src}").random() < node.byz_probability:
                msg.byz = node.byz_behaviour
                msg.payload = data["payload"] = self._byzantine(node, msg)
                data["byz"] = msg.byz
            if node.byz_behaviour == "replay":
                log = self._sent_log.setdefault(src, [])
                log.append(payload)
                if len(log) > 16:
                    del log[0]
        else:
            data = {"size": size, "channel": channel}
            if isinstance(payload, dict):
                data["payload"] = {k: v for k, v in payload.items() if k != "page_values"}
        ch = node.out.get(dst)
        if ch is not None:
            path: list[Channel] | None = ch.direct
        else:
            path = [] if dst == src else self.network.path(src, dst)
            if path is not None and len(path) > 1:
                data["path"] = [src] + [c.b for c in path]
        c = node.clock_obj
        local = (c.base_local + int((now - c.base_t) * c.rate)
                 if c.slew_end is None and c.resolution == 1 else c.true_reading(now))
        self._write(_new(TraceEvent, (self._seq, now, "send", src, local, mid, dst, data)))
        self._seq += 1
        if node.send_omission and self.streams(f"omission/{src}").random() < node.send_omission:
            self._drop(msg, "omission")
            return mid
        if path is None:
            self._drop(msg, "no_route")
            return mid
        self._transmit(msg, path, now)
        if path and path[0].duplication and self._channel_rng(path[0]).random() < path[0].duplication:
            self._mid += 1
            copy = Message(self._mid, src, dst, msg.payload, size, now, channel)
            copy.byz, copy.dup_of = msg.byz, mid
            self.emit("duplicate", src, copy.id, dst, {"of": mid})
            self._transmit(copy, path, now)
        return mid

    def _channel_rng(self, ch: Channel):
        if ch.rng is None:
            ch.rng = self.streams(ch.stream)
        return ch.rng

    def _byzantine(self, node: HostRuntime, msg: Message) -> Any:
        """What a malicious host sends instead of ``msg.payload``."""
        rng = self.streams(f"byz/{node.id}/values")
        p = msg.payload
        kind = msg.byz
        if kind == "replay":
            log = self._sent_log.get(node.id)
            return rng.choice(log) if log else p
        if not isinstance(p, dict):
            return {"garbage": rng.randrange(1 << 30)}
        out = dict(p)
        if kind == "forge_clock":
            for key in ("time", "clock", "ts"):
                if key in out and isinstance(out[key], int):
                    out[key] += rng.choice((-1, 1)) * rng.randrange(100_000_000, 2_000_000_000)
            return out
        if kind == "equivocate":
            out["value"] = rng.randrange(1000)
            return out
        for key, value in p.items():  # corrupt: every number and text changed
            if key == "type":
                continue
            if isinstance(value, bool):
                out[key] = not value
            elif isinstance(value, int):
                out[key] = value + rng.randrange(1, 1000)
            elif isinstance(value, str):
                out[key] = value[::-1] + "?"
        return out

    def _delay(self, lat: int, t: int, ch: Channel, nhops: int) -> int:
        mode = self.synchrony
        if mode == "asynchronous" or (mode == "partially_synchronous" and t < self.gst):
            return int(lat * self._channel_rng(ch).paretovariate(self.async_tail))
        return min(lat, self.delivery_bound // nhops)

    def _transmit(self, msg: Message, path: list[Channel], t0: int) -> None:
        env = self.env
        if len(path) == 1 and self._plain_sync:
            ch = path[0]
            if ch.plain and not ch.cut and ch.burst_loss is None and not self.network.partitions \
                    and not self.nodes[msg.src].timing_p:
                # The common case, kept short: one hop with nothing but latency, a bound.
                rng = ch.rng
                if rng is None:
                    rng = ch.rng = self.streams(ch.stream)
                lat = ch.sample(rng)
                cap = self.delivery_bound
                if lat > cap:
                    lat = cap
                arrive = t0 + lat
                last = ch.last_arrival
                if arrive < last:
                    arrive = last if last <= t0 + cap else t0 + cap
                else:
                    ch.last_arrival = arrive
                ev = Event(env)
                ev._ok = True
                ev._value = msg
                ev.callbacks = [self._arrive_cb]
                env.schedule(ev, NORMAL, arrive - env._now)
                return
        if not path:  # to itself: core to core
            ev = env.timeout(self.network.same_host, msg)
            ev.callbacks.append(self._arrive_cb)
            return
        t = t0
        late = False
        nhops = len(path)
        blocked = self.network.blocked if self.network.partitions else None
        mode = self.synchrony
        # The bound on each hop when the model has one now (synchronous, or after GST).
        bound = (self.delivery_bound // nhops
                 if mode == "synchronous" or (mode == "partially_synchronous" and t0 >= self.gst)
                 else None)
        sync_bound = bound if mode == "synchronous" else None
        for ch in path:
            if ch.cut:
                self._drop_at(msg, t, "link_cut", ch)
                return
            if blocked is not None and blocked(ch.a, ch.b):
                self._drop_at(msg, t, "partition", ch)
                return
            rng = ch.rng
            if rng is None:
                rng = ch.rng = self.streams(ch.stream)
            if ch.bandwidth:
                start = t if t > ch.busy_until else ch.busy_until
                done = start + int(msg.size * 8_000_000_000 / ch.bandwidth)
                ch.busy_until = done
            else:
                done = t
            lat = ch.sample(rng)
            if sync_bound is not None:
                if lat > sync_bound:
                    lat = sync_bound
            else:
                lat = self._delay(lat, t, ch, nhops)
            if ch.timing_p and rng.random() < ch.timing_p:
                lat = int(lat * ch.timing_x) + 1
                late = True
            arrive = done + lat
            if ch.reordering and rng.random() < ch.reordering:
                arrive += int(rng.uniform(0, 2 * max(lat, 1)))
            elif arrive < ch.last_arrival:
                # FIFO: no overtaking on this channel, but where the model bounds delivery a
                # message is not held past its bound behind an earlier, unbounded one.
                if bound is None or not late and ch.last_arrival <= done + bound:
                    arrive = ch.last_arrival
                else:
                    arrive = max(arrive, min(ch.last_arrival, done + bound))
            else:
                ch.last_arrival = arrive
            loss = ch.loss if ch.burst_loss is None else ch.burst_loss
            if loss and rng.random() < loss:
                self._drop_at(msg, arrive, "loss", ch)
                return
            if ch.corruption and rng.random() < ch.corruption:
                msg.corrupted = True
            t = arrive
        src = self.nodes[msg.src]
        if src.timing_p and self.streams(f"timing/{msg.src}").random() < src.timing_p:
            t += int((t - t0) * (src.timing_x - 1)) + 1
            late = True
        msg.late = late
        ev = Event(env)
        ev._ok = True
        ev._value = msg
        ev.callbacks = [self._arrive_cb]
        env.schedule(ev, NORMAL, t - env._now)

    def _arrive_cb(self, ev: simpy.Event) -> None:
        msg: Message = ev._value
        node = self.nodes[msg.dst]
        if msg.channel == "sys":
            if not node.crashed:
                node._deliver(msg)
            return
        if node.crashed:
            self._drop(msg, "crashed")
            return
        if self.network.partitions and self.network.blocked(msg.src, msg.dst):
            self._drop(msg, "partition")
            return
        if msg.id in self._injected:
            self._drop(msg, "injected")
            return
        ro = node.receive_omission
        if ro and self.streams(f"omission/{msg.dst}/recv").random() < ro:
            self._drop(msg, "omission")
            return
        now = self.env._now
        data: dict[str, Any] = {"latency": now - msg.sent_at}
        if msg.corrupted:
            self.emit("corrupt", msg.dst, msg.id, msg.src)
            data["corrupted"] = True
        if msg.late:
            data["late"] = True
        if msg.byz:
            data["byz"] = msg.byz
        if msg.dup_of is not None:
            data["dup"] = msg.dup_of
        if msg.channel != "app":
            data["channel"] = msg.channel
        c = node.clock_obj
        local = (c.base_local + int((now - c.base_t) * c.rate)
                 if c.slew_end is None and c.resolution == 1 else c.true_reading(now))
        self._write(_new(TraceEvent, (self._seq, now, "deliver", msg.dst, local, msg.id, msg.src,
                                      data)))
        self._seq += 1
        if msg.channel == "mem":
            self.memory.handle(node, msg)
        else:
            node._deliver(msg)

    def _drop(self, msg: Message, reason: str, ch: Channel | None = None) -> None:
        data: dict[str, Any] = {"reason": reason}
        if ch is not None:
            data["link"] = [ch.a, ch.b]
        self.emit("drop", msg.src, msg.id, msg.dst, data)

    def _drop_at(self, msg: Message, t: int, reason: str, ch: Channel) -> None:
        ev = self.env.timeout(t - self.env.now, (msg, reason, ch))
        ev.callbacks.append(self._drop_cb)

    def _drop_cb(self, ev: simpy.Event) -> None:
        msg, reason, ch = ev._value
        if msg.id in self._injected:
            reason = "injected"
        self._drop(msg, reason, ch)

    # -- failures and faults -----------------------------------------------------------
    def crash(self, host: str, cause: str = "scheduled") -> None:
        """Crash ``host`` now: its activities end, arriving messages are lost."""
        node = self.nodes[host]
        if node.crashed:
            return
        f = node.spec.failures
        node.crashed = True
        node.paused = False
        node._kill()
        self.memory.forget(host)
        if f.state_on_crash == "lost":
            node.state = {}
        node.suspected = {}
        self.emit("crash", host, data={"mode": f.crash_mode, "state": f.state_on_crash,
                                       "cause": cause})
        if f.crash_mode == "fail_stop":
            delay = self.scenario.locality.same_datacenter
            for other in self.nodes.values():
                if other.id != host and not other.crashed:
                    notice = Message(-1, host, other.id, {"type": "crash_notice", "host": host},
                                     0, self.env.now, "sys")
                    ev = self.env.timeout(delay, notice)
                    ev.callbacks.append(self._arrive_cb)

    def recover(self, host: str, cause: str = "scheduled") -> None:
        """Recover a crashed ``host``: its behaviour starts again (with its state if kept)."""
        node = self.nodes[host]
        if not node.crashed:
            return
        node.crashed = False
        self.emit("recover", host, data={"cause": cause})
        self._start_behaviour(node)

    def pause(self, host: str, duration: int, cause: str = "scheduled") -> None:
        """Pause ``host`` for ``duration``: it stops stepping, messages wait for it."""
        node = self.nodes[host]
        if node.crashed or node.paused:
            return
        node.paused = True
        self.emit("pause", host, data={"cause": cause, "duration": duration})
        ev = self.env.timeout(duration, host)
        ev.callbacks.append(lambda e: self.resume(host, cause))

    def resume(self, host: str, cause: str = "scheduled") -> None:
        """End a pause."""
        node = self.nodes[host]
        if not node.paused:
            return
        node.paused = False
        self.emit("resume", host, data={"cause": cause})
        if node._resume is not None:
            ev, node._resume = node._resume, None
            ev.succeed()
        node._flush_mailbox()

    def make_byzantine(self, host: str, behaviour: str, probability: float) -> None:
        """From now on ``host`` sends malicious messages with this probability."""
        node = self.nodes[host]
        node.byz_behaviour = behaviour
        node.byz_probability = probability
        self.emit("byzantine", host, data={"behaviour": behaviour, "probability": probability})

    def inject_drop(self, msg: int) -> None:
        """Drop message ``msg`` when it next arrives anywhere (a fault made by a click)."""
        self._injected.add(msg)

    def adjust_clock(self, host: str, delta: int, mode: str = "step", reason: str = "") -> None:
        """Step or slew a host's clock by ``delta`` ns and record it."""
        clock = self.clocks[host]
        self._touched_clocks.append(host)
        if mode == "slew":
            clock.slew(self.env.now, delta)
        else:
            clock.step(self.env.now, delta)
        self.emit("clock_adjust", host, data={"delta": delta, "mode": mode, "reason": reason})

    def _skew_sampler(self):
        """Sample the spread of clock offsets (largest minus smallest) over the run.

        A clock with no offset and no drift that nobody adjusts reads real time:
        all of them count as one offset of zero, so large runs sample cheaply.
        Each sample costs one look at every moving clock: linear in the hosts.
        """
        clocks, nodes, env = self.clocks, self.nodes, self.env
        moving: list[tuple[HostClock, HostRuntime]] = []
        still: dict[str, HostRuntime] = {}  # the clocks that read real time, by host
        for h, c in clocks.items():
            if c.base_local or c.nominal_rate != 1.0:
                moving.append((c, nodes[h]))
            else:
                still[h] = nodes[h]
        touched = self._touched_clocks
        step = max(1, self.until // 200)
        while True:
            now = env.now
            if touched:
                for h in touched:
                    node = still.pop(h, None)
                    if node is not None:
                        moving.append((clocks[h], node))
                touched.clear()
            offsets = [c.offset(now) for c, node in moving if not node.crashed]
            if any(not node.crashed for node in still.values()):
                offsets.append(0)
            if len(offsets) > 1:
                self.max_skew = max(self.max_skew, max(offsets) - min(offsets))
            yield env.timeout(step)
