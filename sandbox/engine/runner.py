"""The one run loop: runs a scenario for the command line, sweeps and the GUI alike.

In the spirit of OMNeT++'s ``cEnvir``, the loop reports to an interface, a
:class:`Reporter`: progress between chunks of simulated time, a cancellation
check there, each behaviour error as it happens, and a warning when the run is
heading over its :class:`~sandbox.engine.limits.Limits`. The command line, the
sweep workers and the GUI's worker thread are three reporters; the loop, the
trace and the run summary are the same for all of them.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox.scenario import registry
from sandbox.scenario.model import Scenario
from sandbox.trace.events import TraceEvent
from sandbox.trace.sinks import MemorySink, Sink, TeeSink
from sandbox.trace.stats import StatsSink

from .limits import Limits, RunLimitExceeded, RunRefused, RunWatch
from .simulation import Simulation

if TYPE_CHECKING:
    from .user_code import LoadedFiles

__all__ = ["CHUNKS", "CallbackReporter", "Limits", "Reporter", "RunCancelled", "RunLimitExceeded",
           "RunRefused", "RunResult", "drive", "run", "run_summary"]

#: How many chunks of simulated time a run is cut into (progress and cancel points).
#: Chunking changes nothing the engine computes.
CHUNKS = 200


class RunCancelled(Exception):
    """A run was cancelled between two chunks (its reporter said so)."""


class Reporter:
    """What a run reports to. Override what you need; the defaults do nothing.

    The methods are called from the thread that runs the loop.
    """

    def progress(self, now: int, until: int) -> None:
        """Simulated time ``now`` of ``until`` (ns) is done; called after each chunk."""

    def cancelled(self) -> bool:
        """Whether to stop now; asked before each chunk, and between the slices of a long
        chunk (:class:`RunCancelled` follows)."""
        return False

    def warning(self, message: str) -> None:
        """The run is heading over a limit (``message`` says which and how to raise it); unless
        the limits are off, :class:`~sandbox.engine.limits.RunLimitExceeded` follows."""

    def behaviour_error(self, host: str, error: str) -> None:
        """The behaviour of ``host`` raised ``error``; the run goes on without that activity."""


class CallbackReporter(Reporter):
    """A reporter made of callables: ``progress(now, until)``, ``cancelled()`` and
    ``warning(message)`` (any may be None)."""

    def __init__(self, progress: Callable[[int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None,
                 warning: Callable[[str], None] | None = None) -> None:
        self._progress = progress
        self._cancelled = cancelled
        self._warning = warning

    def progress(self, now: int, until: int) -> None:
        if self._progress is not None:
            self._progress(now, until)

    def cancelled(self) -> bool:
        return self._cancelled is not None and self._cancelled()

    def warning(self, message: str) -> None:
        if self._warning is not None:
            self._warning(message)


@dataclass
class RunResult:
    """What a run produced.

    ``summary`` is the run summary (:func:`run_summary`), the same dict for
    every caller; ``errors`` are the behaviour errors' texts (``host: error``);
    ``header`` is the trace header; ``events`` the trace, when the run was
    asked to keep it; ``verdicts`` the guarantees checked as it went
    (:class:`sandbox.trace.checks.Verdict`), when it was asked to check them.
    """

    header: dict[str, Any]
    summary: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    seed: int = 0
    until: int = 0
    events: list[TraceEvent] = field(default_factory=list)
    verdicts: list[Any] = field(default_factory=list)

    @property
    def scenario_json(self) -> dict[str, Any]:
        """The scenario of the run, as stored in the trace header."""
        return self.header.get("scenario") or {}


def run_summary(sim: Simulation, stats: StatsSink) -> dict[str, Any]:
    """The run summary of ``sim``, built here and nowhere else.

    The trace's statistics (:meth:`StatsSink.summary`), the seed, the largest
    clock skew (the engine samples every host, also those without events) and
    the number of behaviour errors.
    """
    summary = stats.summary(sim.until)
    summary["seed"] = sim.seed
    summary["max_clock_skew"] = max(summary["max_clock_skew"] or 0, sim.max_skew)
    summary["behaviour_errors"] = len(sim.errors)
    return summary


class _Forward(Sink):
    """Hands each behaviour error (an ``app`` event named ``behaviour_error``) to the reporter."""

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter

    def write(self, ev: TraceEvent) -> None:
        d = ev.data
        if ev.kind == "app" and d is not None and d.get("name") == "behaviour_error":
            self.reporter.behaviour_error(ev.host, str(d.get("error", "")))


def drive(sim: Simulation, until: int | None = None, reporter: Reporter | None = None,
          chunks: int = CHUNKS, freeze_gc: bool = False, limits: Limits | None = None,
          trace_path: str | os.PathLike[str] | None = None) -> int:
    """The loop itself: start ``sim``, advance it chunk by chunk to its end, close its sink.

    Returns the number of events written. The reporter is told the progress
    after each chunk and asked before each whether to stop; on a stop the
    sink is closed and :class:`RunCancelled` raised. ``limits`` (the
    defaults of :class:`Limits` when None) are watched as the run goes
    (:class:`~sandbox.engine.limits.RunWatch`, which also asks about a stop
    between the slices of a long chunk), with ``trace_path`` the file the
    trace goes to, if any; a run over them is stopped with
    :class:`RunLimitExceeded`, its sink closed. ``freeze_gc``: see :func:`run`.
    """
    reporter = reporter or _QUIET
    limits = limits or Limits()
    limits.check_scenario(sim.scenario, until)
    watch = RunWatch(sim, limits, reporter, trace_path)
    if sim.guard is not None:
        sim.guard.cancelled = reporter.cancelled
    sim.start(until)
    end = sim.until
    step = max(1, end // max(1, chunks))
    watch.begin(end, step)
    t = 0
    if freeze_gc:
        gc.freeze()
    try:
        while t < end:
            if reporter.cancelled():
                raise RunCancelled()
            t = min(end, t + step)
            watch.advance(t)
            reporter.progress(t, end)
    finally:
        if freeze_gc:
            gc.unfreeze()
        written = sim.finish()
    return written


def run(scenario: Scenario, sink: Sink | None = None, *, seed: int | None = None,
        until: int | None = None, reporter: Reporter | None = None, keep_events: bool = False,
        chunks: int = CHUNKS, freeze_gc: bool = False, limits: Limits | None = None,
        trace_path: str | os.PathLike[str] | None = None, checks: bool = False,
        user_code: LoadedFiles | None = None) -> RunResult:
    """Run ``scenario`` to the end and return its :class:`RunResult`.

    Every event goes to ``sink`` (if given) and to the statistics of the
    summary; with ``keep_events`` the result also holds the events; with
    ``checks`` the guarantees of the scenario's protocols are checked as the
    run goes (:mod:`sandbox.trace.checks`) and the result holds the verdicts. ``seed``
    and ``until`` override the scenario's. The reporter is told the progress
    after each chunk and asked before each whether to stop
    (:class:`RunCancelled`).

    ``limits`` (:class:`Limits`, its defaults when None) protect the machine:
    a scenario over them is refused before the run is built and a run
    heading over them is reported to ``reporter.warning`` and stopped, both
    with :class:`RunLimitExceeded` (a :class:`RunRefused`); ``trace_path``
    names the file ``sink`` writes, whose size is then held to the limit.

    ``user_code`` are the user's behaviour files the scenario's hosts use, loaded with
    :func:`sandbox.engine.user_code.load_files` (after consent); their behaviours run
    through its guard (budgets per step from ``limits``) and the trace header lists the
    files and their hashes.

    With ``freeze_gc`` the objects that exist at the start (the scenario,
    hosts, channels) are frozen out of the garbage collector's scans while
    the run goes: they live for the whole run, and rescanning them on every
    full collection costs much on large scenarios. It acts on the whole
    process, so only headless programs (the command line) ask for it: in a
    Qt program the unfreeze at the end could have Qt wrappers collected after
    Qt deleted their objects.
    """
    reporter = reporter or _QUIET
    limits = limits or Limits()
    limits.check_scenario(scenario, until)
    missing = sorted({h.behaviour.name for h in scenario.hosts}
                     - set(registry.names()) if scenario.behaviour_files else set())
    if missing or (scenario.behaviour_files and user_code is None):
        files = ", ".join(f.path for f in scenario.behaviour_files)
        raise RunRefused(f"this scenario runs behaviours from files ({files}) that are not "
                         "loaded: load them first, with consent (--allow-code on the command "
                         "line)" + (f"; not loaded: {', '.join(missing)}" if missing else ""))
    stats = StatsSink()
    memory = MemorySink() if keep_events else None
    sinks: list[Sink] = [stats]
    if sink is not None:
        sinks.append(sink)
    if memory is not None:
        sinks.append(memory)
    checking = None
    if checks:
        from sandbox.trace.checks import CheckSink, guarantees_of

        if guarantees_of(scenario.model_dump(mode="json")):
            checking = CheckSink()
            sinks.append(checking)  # type: ignore[arg-type]
    if type(reporter).behaviour_error is not Reporter.behaviour_error:
        sinks.append(_Forward(reporter))
    sim = Simulation(scenario, sinks[0] if len(sinks) == 1 else TeeSink(*sinks), seed=seed,
                     user_code=user_code, limits=limits)
    drive(sim, until, reporter, chunks, freeze_gc, limits, trace_path)
    return RunResult(stats.header, run_summary(sim, stats), list(sim.errors), sim.seed, sim.until,
                     memory.events if memory is not None else [],
                     checking.verdicts if checking is not None else [])


_QUIET = Reporter()
