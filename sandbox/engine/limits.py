"""Limits that protect the machine from a run: events, trace size on disk, hosts, links, workload.

:class:`Limits` holds the numbers, with defaults that never bother a normal
run, and whether they are enforced. :meth:`Limits.check_scenario` refuses a
scenario before the run is built (too many hosts or links, a workload rate
that cannot be simulated in reasonable time); :class:`RunWatch` watches a
run while it goes (the one run loop, :func:`sandbox.engine.runner.drive`,
calls it): it estimates the whole run from its first slice, warns when the
estimate is over a limit and stops a run that reaches one. Every message
names the limit and says how to raise it, in the words of the caller
(:data:`COMMAND_LINE_HINTS` for ``sandbox run``).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sandbox.scenario.units import format_bytes, format_duration, format_rate

if TYPE_CHECKING:
    from sandbox.scenario.model import Scenario

    from .runner import Reporter
    from .simulation import Simulation

__all__ = ["API_HINTS", "COMMAND_LINE_HINTS", "ESTIMATE_SAMPLE", "Limits", "RunLimitExceeded",
           "RunRefused", "RunWatch", "TOO_FAST_RATE"]

GIB = 1024 ** 3
NS_PER_S = 1_000_000_000
#: A workload client asking for more requests per second than this (one per nanosecond) cannot
#: be simulated at all: every wait between two requests rounds to zero and time stands still.
TOO_FAST_RATE = 1e9
#: The first slice of a run ends, at the latest, when it has made this fraction of the events
#: limit (or of the trace size limit); its estimate is then taken.
ESTIMATE_SAMPLE = 1 / 50
#: ... but not before it has this many events (fewer say little of a run but its start).
ESTIMATE_MIN_EVENTS = 1000
#: A slice of a chunk should take about this much wall time (seconds): short enough for a
#: cancel to answer soon, long enough for the loop to cost nothing.
SLICE_WALL = (0.05, 0.25)
#: The first slice starts this much shorter than a chunk (it doubles as long as it is quick).
FIRST_SLICE_DIVISOR = 2 ** 20

#: How to raise each limit when the run is made through the Python API (the default).
API_HINTS: Mapping[str, str] = {
    "max_events": "pass Limits(max_events=N) to the run",
    "max_trace_bytes": "pass Limits(max_trace_bytes=N) to the run",
    "max_hosts": "pass Limits(max_hosts=N) to the run",
    "max_links": "pass Limits(max_links=N) to the run",
    "off": "pass Limits.off() to run without limits",
}
#: How to raise each limit on the command line (``sandbox run``).
COMMAND_LINE_HINTS: Mapping[str, str] = {
    "max_events": "use --max-events N",
    "max_trace_bytes": "use --max-trace-mb N",
    "max_hosts": "use --max-hosts N",
    "max_links": "use --max-links N",
    "off": "use --no-limits to run without limits",
}


class RunRefused(Exception):
    """A run that cannot be made or go on; the message is a complete sentence for the user."""


class RunLimitExceeded(RunRefused):
    """A run over one of its :class:`Limits`: refused before it started, or stopped.

    ``limit`` names the limit (``max_events``, ``max_trace_bytes``,
    ``max_hosts``, ``max_links``), ``maximum`` is its value, ``value`` what
    the run had or was heading for, and ``reached`` the simulated time (ns)
    where the run stopped (None when it was refused before it started).
    """

    def __init__(self, message: str, limit: str, maximum: int, value: float,
                 reached: int | None = None) -> None:
        super().__init__(message)
        self.limit = limit
        self.maximum = maximum
        self.value = value
        self.reached = reached


@dataclass(frozen=True)
class Limits:
    """What one run may cost, and whether that is enforced.

    ``max_events``: events per run (50 million); ``max_trace_bytes``: the
    size of the trace on disk, for a run written to a file (4 GiB);
    ``max_hosts`` and ``max_links``: the scenario's size (100,000 and
    1,000,000); ``user_lines_per_step`` and ``user_sends_per_step``: the lines a
    behaviour from a user's file may execute in its file, and the messages it
    may send, between two yields (5 million, 100,000; a behaviour over them is
    stopped and its host crashed, even with the limits off). The workload's rate is held to ``max_events`` requests over
    the run. With ``enforce`` off (:meth:`off`) nothing is refused or
    stopped, but the estimate still warns. ``hints`` say how to raise each
    limit, by name, with ``"off"`` for turning them all off
    (:data:`API_HINTS`, :data:`COMMAND_LINE_HINTS`).
    """

    max_events: int = 50_000_000
    max_trace_bytes: int = 4 * GIB
    max_hosts: int = 100_000
    max_links: int = 1_000_000
    user_lines_per_step: int = 5_000_000
    user_sends_per_step: int = 100_000
    enforce: bool = True
    hints: Mapping[str, str] = field(default_factory=lambda: dict(API_HINTS), compare=False)

    @classmethod
    def off(cls, **kwargs: Any) -> Limits:
        """Limits that are not enforced (the estimate still warns)."""
        return cls(enforce=False, **kwargs)

    def with_hints(self, hints: Mapping[str, str]) -> Limits:
        """The same limits, with ``hints`` saying how to raise them."""
        return replace(self, hints=dict(hints))

    def how_to_raise(self, name: str) -> str:
        """The end of a message: how to raise the limit ``name`` (or turn the limits off)."""
        hint = self.hints.get(name, API_HINTS.get(name, ""))
        off = self.hints.get("off", "")
        if self.enforce and off:
            return f"To raise the limit, {hint}, or {off}."
        return f"To raise the limit, {hint}."

    # -- before the run ----------------------------------------------------------------------

    def check_scenario(self, scenario: Scenario, until: int | None = None) -> None:
        """Refuse ``scenario`` (run to ``until``, default its duration) when it is over a limit.

        Raises :class:`RunLimitExceeded` for too many hosts or links or a
        workload that would make more requests than ``max_events`` (only
        when enforced), and :class:`RunRefused` for a workload rate that
        cannot be simulated at all (never a number, or faster than one
        request per nanosecond), limits or not.
        """
        hosts, links = len(scenario.hosts), len(scenario.links)
        if self.enforce and hosts > self.max_hosts:
            raise RunLimitExceeded(
                f"The scenario has {hosts:,} hosts, more than the limit of "
                f"{_things(self.max_hosts, 'host')} per run. {self.how_to_raise('max_hosts')}",
                "max_hosts", self.max_hosts, hosts)
        if self.enforce and links > self.max_links:
            raise RunLimitExceeded(
                f"The scenario has {links:,} links, more than the limit of "
                f"{_things(self.max_links, 'link')} per run. {self.how_to_raise('max_links')}",
                "max_links", self.max_links, links)
        self._check_workload(scenario, scenario.run.duration if until is None else until)

    def _check_workload(self, scenario: Scenario, until: int) -> None:
        from .workload import max_rate

        shares = [_share(h.behaviour.params) for h in scenario.hosts
                  if h.behaviour.name == "workload_client"]
        if not shares:
            return
        top = max_rate(scenario.workload)
        fastest = top * max(shares)
        if not math.isfinite(fastest) or fastest > TOO_FAST_RATE:
            raise RunRefused(
                f"The workload's rate of up to {_rate(top)} requests per second cannot be "
                f"simulated: a client would send more than one request per nanosecond. "
                f"Lower workload.base_rate, workload.peak_rate or the rates of workload.points.")
        requests = top * sum(shares) * until / NS_PER_S
        if self.enforce and requests > self.max_events:
            raise RunLimitExceeded(
                f"The workload's rate of up to {_rate(top)} requests per second for "
                f"{format_duration(until)} makes about {_count(requests)} requests, more than "
                f"the limit of {_things(self.max_events, 'event')} per run. Lower the "
                f"workload's rate or shorten the run. {self.how_to_raise('max_events')}",
                "max_events", self.max_events, requests)


def _share(params: Any) -> float:
    share = params.get("share", 1.0) if isinstance(params, Mapping) else 1.0
    return float(share) if isinstance(share, (int, float)) else 1.0


def _things(n: int, what: str) -> str:
    return f"{n:,} {what}" if n == 1 else f"{n:,} {what}s"


def _rate(rate: float) -> str:
    return format_rate(rate) if math.isfinite(rate) and rate < 1e12 else f"{rate:.3g}"


def _count(n: float) -> str:
    return f"{n:,.0f}" if n < 1e15 else f"{n:.3g}"


class RunWatch:
    """Watches one run for :func:`~sandbox.engine.runner.drive`: slices, estimate, limits.

    :meth:`advance` runs the simulation to a chunk's end in slices. The first
    slice is short and doubles while it is quick; once the run has done its
    first chunk, or a fiftieth of a limit (:data:`ESTIMATE_SAMPLE`), the
    whole run is estimated (events, and the trace's size when it goes to
    ``trace_path``): so much so far in so much simulated time, times the
    run's length. An estimate over a limit is reported with
    ``reporter.warning`` and, when the limits are enforced, stops the run
    with :class:`RunLimitExceeded`; so does reaching a limit. Between slices
    the reporter is asked whether to stop (:class:`RunCancelled`), so a run
    stays cancellable inside a long chunk. Slicing changes nothing the
    engine computes.
    """

    def __init__(self, sim: Simulation, limits: Limits, reporter: Reporter,
                 trace_path: str | os.PathLike[str] | None = None) -> None:
        self.sim = sim
        self.limits = limits
        self.reporter = reporter
        self.trace_path = trace_path
        #: The estimate of the run's events (None until the first slice is done).
        self.estimated_events: float | None = None
        self._end = 0
        self._first_end = 0
        self._slice = 1
        self._chunk = 1
        self._t = 0

    def begin(self, end: int, chunk: int) -> None:
        """The run goes to ``end`` in chunks of ``chunk`` ns."""
        self._end = end
        self._first_end = min(end, chunk)
        self._slice = max(1, chunk // FIRST_SLICE_DIVISOR)
        self._chunk = chunk

    def advance(self, target: int) -> None:
        """Run to ``target`` in slices, checking the limits after each and asking about a
        cancel between them."""
        from .runner import RunCancelled

        sim = self.sim
        while self._t < target:
            t = min(target, self._t + self._slice)
            before = sim.events_written
            started = time.monotonic()
            sim.advance(t)
            wall = time.monotonic() - started
            self._t = t
            self._check(t)
            self._resize(sim.events_written - before, wall)
            if t < target and self.reporter.cancelled():
                raise RunCancelled()

    def _trace_bytes(self) -> int:
        if self.trace_path is None:
            return 0
        try:
            return os.stat(self.trace_path).st_size
        except OSError:
            return 0

    def _check(self, t: int) -> None:
        lim = self.limits
        events = self.sim.events_written
        size = self._trace_bytes()
        if self.estimated_events is None and (
                t >= self._first_end
                or events >= max(ESTIMATE_MIN_EVENTS, lim.max_events * ESTIMATE_SAMPLE)
                or size >= lim.max_trace_bytes * ESTIMATE_SAMPLE):
            self._estimate(t, events, size)
        if not lim.enforce:
            return
        if events > lim.max_events:
            raise RunLimitExceeded(
                f"The run was stopped at {format_duration(t)} of {format_duration(self._end)} "
                f"after {events:,} events, more than the limit of "
                f"{_things(lim.max_events, 'event')} per run. Shorten the run or make it send "
                f"less. {lim.how_to_raise('max_events')}",
                "max_events", lim.max_events, events, t)
        if size > lim.max_trace_bytes:
            raise RunLimitExceeded(
                f"The run was stopped at {format_duration(t)} of {format_duration(self._end)} "
                f"after {events:,} events: its trace {os.fspath(self.trace_path or '')} has "
                f"{format_bytes(size)}, more than the limit of {format_bytes(lim.max_trace_bytes)}."
                f" {lim.how_to_raise('max_trace_bytes')}",
                "max_trace_bytes", lim.max_trace_bytes, size, t)

    def _estimate(self, t: int, events: int, size: int) -> None:
        lim = self.limits
        scale = self._end / max(1, t)
        self.estimated_events = events * scale
        over: list[tuple[str, int, float, str]] = []
        if self.estimated_events > lim.max_events:
            over.append(("max_events", lim.max_events, self.estimated_events,
                         f"about {_count(self.estimated_events)} events, more than the limit of "
                         f"{_things(lim.max_events, 'event')} per run"))
        if size * scale > lim.max_trace_bytes:
            over.append(("max_trace_bytes", lim.max_trace_bytes, size * scale,
                         f"a trace of about {format_bytes(int(size * scale))}, more than the "
                         f"limit of {format_bytes(lim.max_trace_bytes)}"))
        if not over:
            return
        name, maximum, value, what = over[0]
        so_far = f"{events:,} events in its first {format_duration(t)}"
        warning = (f"At the rate of its start ({so_far}) this run of "
                   f"{format_duration(self._end)} would make {what}.")
        self.reporter.warning(warning)
        if lim.enforce:
            raise RunLimitExceeded(
                f"The run was stopped at {format_duration(t)} of {format_duration(self._end)}: "
                f"after {so_far} it would make {what}. Shorten the run or make it send less. "
                f"{lim.how_to_raise(name)}", name, maximum, value, t)

    def _resize(self, events: int, wall: float) -> None:
        """The next slice: twice as long while slices are quick and far from the limits, half as
        long when one was slow or the events left are few; never longer than a chunk."""
        lim = self.limits
        left = lim.max_events - self.sim.events_written
        tight = lim.enforce and events * 4 > left
        if wall > SLICE_WALL[1] or tight:
            self._slice = max(1, self._slice // 2)
        elif wall < SLICE_WALL[0]:
            self._slice = min(self._chunk, self._slice * 2)
