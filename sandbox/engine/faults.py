"""The scenario's fault schedule and random failures, turned into timed actions of a run.

Scheduling draws no random numbers (only random failures do, from their own
streams), so a fault added to a scenario leaves the run before it unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import simpy

from sandbox.scenario.model import (
    ByzantineFault,
    ClockJumpFault,
    CrashFault,
    DropMessageFault,
    LinkCutFault,
    LossBurstFault,
    PartitionFault,
    PauseFault,
    RecoverFault,
)

if TYPE_CHECKING:
    from .host import HostRuntime
    from .simulation import Simulation

__all__ = ["random_failures", "schedule_fault"]


def random_failures(sim: Simulation, node: HostRuntime) -> Generator[simpy.Event, Any, None]:
    """A host's random crashes (by MTTF or a probability per period) and repairs (MTTR)."""
    f = node.spec.failures
    rate = f.crash_rate
    if rate <= 0.0:  # never at random (or a probability so small it underflows)
        return
    rng = sim.streams(f"failures/{node.id}")
    while True:
        yield sim.env.timeout(int(rng.expovariate(rate)) + 1)
        if node.crashed:
            continue
        sim.crash(node.id, "random")
        if f.mttr is None:
            return
        yield sim.env.timeout(int(rng.expovariate(1.0 / f.mttr)) + 1)
        sim.recover(node.id, "random")


def _at(sim: Simulation, t: int, action: Callable[[], None]) -> None:
    ev = sim.env.timeout(max(0, t - sim.env.now))
    ev.callbacks.append(lambda e: action())


def schedule_fault(sim: Simulation, fault: Any) -> None:
    """Schedule one fault of the scenario's fault schedule at its time(s)."""
    net = sim.network
    if isinstance(fault, CrashFault):
        _at(sim, fault.at, lambda: sim.crash(fault.host, "scheduled"))
    elif isinstance(fault, RecoverFault):
        _at(sim, fault.at, lambda: sim.recover(fault.host, "scheduled"))
    elif isinstance(fault, PauseFault):
        _at(sim, fault.at, lambda: sim.pause(fault.host, fault.duration))
    elif isinstance(fault, ByzantineFault):
        _at(sim, fault.at, lambda: sim.make_byzantine(fault.host, fault.behaviour,
                                                       fault.probability))
    elif isinstance(fault, ClockJumpFault):
        _at(sim, fault.at, lambda: sim.adjust_clock(fault.host, fault.delta, "step",
                                                     "clock jump"))
    elif isinstance(fault, DropMessageFault):
        _at(sim, fault.at, lambda: sim.inject_drop(fault.msg))
    elif isinstance(fault, PartitionFault):
        entry = (len(net.partitions), [set(s) for s in fault.sides], fault.one_way)
        data = {"sides": fault.sides, "one_way": fault.one_way}

        def start() -> None:
            net.partitions.append(entry)
            sim.emit("partition", "", data=data)

        def end() -> None:
            if entry in net.partitions:
                net.partitions.remove(entry)
                sim.emit("heal", "", data=data)

        _at(sim, fault.start, start)
        if fault.end is not None:
            _at(sim, fault.end, end)
    elif isinstance(fault, (LinkCutFault, LossBurstFault)):
        chans = [c for c in (net.channels.get((fault.a, fault.b)),
                             net.channels.get((fault.b, fault.a))) if c is not None]
        if not chans:
            return
        data = {"link": [fault.a, fault.b]}
        if isinstance(fault, LinkCutFault):
            def cut() -> None:
                for c in chans:
                    c.cut += 1
                sim.emit("link_cut", "", data=data)

            def heal() -> None:
                for c in chans:
                    c.cut -= 1
                sim.emit("link_heal", "", data=data)

            _at(sim, fault.start, cut)
            if fault.end is not None:
                _at(sim, fault.end, heal)
        else:
            def burst() -> None:
                for c in chans:
                    c.burst_loss = fault.loss
                sim.emit("link_cut" if fault.loss >= 1 else "app", "",
                          data={**data, "name": "loss_burst", "loss": fault.loss})

            def calm() -> None:
                for c in chans:
                    c.burst_loss = None
                sim.emit("link_heal" if fault.loss >= 1 else "app", "",
                          data={**data, "name": "loss_burst_end"})

            _at(sim, fault.start, burst)
            _at(sim, fault.end, calm)
