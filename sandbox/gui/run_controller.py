"""Runs the engine for the GUI off the UI thread, recomputes a run with a new fault, opens traces.

:class:`RunController` starts a worker :class:`~PySide6.QtCore.QThread` that
runs a :class:`~sandbox.engine.simulation.Simulation` in chunks of simulated
time into a :class:`~sandbox.trace.sinks.MemorySink` and a
:class:`~sandbox.trace.stats.StatsSink`, reports progress between chunks and
can be cancelled there (and between the slices of a long chunk), and forwards
the loop's warning that the run is heading over its
:class:`~sandbox.engine.limits.Limits`. The run loop is the same one ``sandbox run`` and sweeps use
(:func:`sandbox.engine.runner.run`) and chunking does not change what it computes, so a GUI run and a headless run of
the same scenario and seed give the same trace, byte for byte.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal

from ..engine.isolated import files_of, run_isolated
from ..engine.limits import Limits, RunRefused
from ..engine.runner import CHUNKS, CallbackReporter, RunCancelled, RunResult, run
from ..scenario.model import Scenario

__all__ = [
    "Limits",
    "RunCancelled",
    "RunController",
    "RunResult",
    "recompute_with_fault",
    "run_scenario",
]

def _tr(text: str) -> str:
    return QCoreApplication.translate("RunController", text)


def run_scenario(scenario: Scenario, seed: int | None = None, until: int | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None,
                 chunks: int = CHUNKS, warning: Callable[[str], None] | None = None,
                 limits: Limits | None = None, user_code: Any = None) -> RunResult:
    """Run ``scenario`` to the end with the engine's one run loop and keep its trace.

    ``progress(now, until)`` is called after every chunk; when
    ``cancelled()`` returns true between chunks the run stops with
    :class:`RunCancelled`. ``seed`` and ``until`` override the scenario's.
    ``limits`` (the defaults of :class:`Limits` when None) hold the run;
    ``warning(message)`` hears that it is heading over them. The guarantees
    of its protocols are checked as it goes (``result.verdicts``).
    ``user_code`` is what the scenario's behaviour files gave when they were
    loaded (:class:`~sandbox.engine.user_code.LoadedFiles`), None without any:
    with files, the run goes on in a process of its own
    (:func:`~sandbox.engine.isolated.run_isolated`), which a cancel kills, so
    the user's code shares nothing with the window, not even its interpreter.
    """
    reporter = CallbackReporter(progress, cancelled, warning)
    if user_code:
        return run_isolated(scenario, files_of(user_code), seed=seed, until=until,
                            reporter=reporter, chunks=chunks, limits=limits)
    return run(scenario, seed=seed, until=until, reporter=reporter,
               keep_events=True, chunks=chunks, limits=limits, checks=True)


def recompute_with_fault(scenario: Scenario, fault: Any, replace: int | None = None) -> Scenario:
    """A new scenario with ``fault`` appended to the fault schedule (or put at index ``replace``).

    The input is left unchanged and the result is validated like a file, so
    a fault naming an unknown host raises ``ValueError``. Running the result
    with the same seed repeats the old run exactly up to the fault's time:
    the engine schedules faults without drawing random numbers, so nothing
    before the fault can differ.
    """
    data = scenario.model_dump()
    faults = list(data.get("faults") or [])
    new = fault.model_dump() if hasattr(fault, "model_dump") else dict(fault)
    if replace is None:
        faults.append(new)
    else:
        if not 0 <= replace < len(faults):
            raise IndexError(f"no fault at index {replace}")
        faults[replace] = new
    data["faults"] = faults
    return Scenario.model_validate(data)


class _RunThread(QThread):
    """The worker: runs one simulation and hands the result over with signals."""

    stepped = Signal(object, object)  # now, until (ns; may exceed 32 bits)
    succeeded = Signal(object)       # RunResult
    errored = Signal(str)
    aborted = Signal()
    warned = Signal(str)

    def __init__(self, scenario: Scenario, seed: int | None, until: int | None,
                 parent: QObject | None = None, limits: Limits | None = None,
                 user_code: Any = None) -> None:
        super().__init__(parent)
        self._scenario = scenario
        self._user_code = user_code
        self._seed = seed
        self._until = until
        self._limits = limits
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:  # noqa: D102 - QThread override, runs in the worker thread
        try:
            result = run_scenario(self._scenario, self._seed, self._until,
                                  progress=self.stepped.emit, cancelled=self._cancel.is_set,
                                  warning=self.warned.emit, limits=self._limits,
                                  user_code=self._user_code)
        except RunCancelled:
            self.aborted.emit()
        except RunRefused as exc:  # a limit: its message is a sentence for the user
            self.errored.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - any engine error is reported, not raised
            self.errored.emit(f"{type(exc).__name__}: {exc}")
        else:
            self.succeeded.emit(result)


class RunController(QObject):
    """Runs scenarios without freezing the window; one run at a time.

    Call :meth:`run`; then exactly one of ``finished(result)`` (a
    :class:`RunResult`), ``failed(message)`` or ``cancelled()`` follows,
    after ``progress(percent)`` signals between chunks, and ``warned(message)``
    when the run is heading over its limits (it is then stopped with
    ``failed`` unless the limits are off, and may be cancelled). Starting a
    run while another is going cancels the old one, whose outcome is then
    never reported. :meth:`shutdown` cancels and waits; call it before the
    application quits. ``limits`` hold every run that is not given its own.
    """

    #: The run started.
    started = Signal()
    #: Percent of simulated time done, 0 to 100 (only when it changes).
    progress = Signal(int)
    #: The run ended; the argument is a :class:`RunResult`.
    finished = Signal(object)
    #: The run failed; the argument is a readable message.
    failed = Signal(str)
    #: The run was cancelled with :meth:`cancel`.
    cancelled = Signal()
    #: The run is heading over its limits; the argument says which and how to raise them.
    warned = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: _RunThread | None = None
        self._old: list[_RunThread] = []
        self._percent = -1
        self.last_result: RunResult | None = None
        #: The limits of a run started without its own (a setting of the window may set them).
        self.limits = Limits()

    # -- API ------------------------------------------------------------------------------
    def run(self, scenario: Scenario, seed: int | None = None, until: int | None = None,
            limits: Limits | None = None, user_code: Any = None) -> None:
        """Start running a copy of ``scenario`` (``seed``/``until`` override the scenario's)
        within ``limits`` (:attr:`limits` when None), with the behaviours its files gave when
        they were loaded (``user_code``, a :class:`~sandbox.engine.user_code.LoadedFiles`)."""
        self._drop_current()
        frozen = scenario.model_copy(deep=True)
        thread = _RunThread(frozen, seed, until, self, limits or self.limits, user_code)
        thread.stepped.connect(self._on_stepped)
        thread.warned.connect(self._on_warned)
        thread.succeeded.connect(self._on_succeeded)
        thread.errored.connect(self._on_errored)
        thread.aborted.connect(self._on_aborted)
        thread.finished.connect(self._on_thread_finished)
        self._thread = thread
        self._percent = -1
        thread.start()
        self.started.emit()

    def is_running(self) -> bool:
        """Whether a run is going on."""
        return self._thread is not None

    def cancel(self) -> None:
        """Stop the current run at the next chunk boundary; ``cancelled`` follows."""
        if self._thread is not None:
            self._thread.cancel()

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every worker thread has ended (for tests and quitting)."""
        ok = True
        for thread in [*self._old, *([self._thread] if self._thread else [])]:
            ok = thread.wait(msecs) and ok
        return ok

    def shutdown(self) -> None:
        """Cancel any run and wait for its thread (call before quitting)."""
        self.cancel()
        self._drop_current()
        self.wait()

    # -- internals --------------------------------------------------------------------------
    def _drop_current(self) -> None:
        """Cancel the current run and forget it: its outcome will not be reported."""
        thread = self._thread
        if thread is None:
            return
        thread.cancel()
        for sig in (thread.stepped, thread.succeeded, thread.errored, thread.aborted,
                    thread.warned):
            sig.disconnect()
        self._old.append(thread)
        self._thread = None

    def _on_stepped(self, now: int, until: int) -> None:
        if self.sender() is not self._thread:
            return
        percent = 100 if until <= 0 else min(100, now * 100 // until)
        if percent != self._percent:
            self._percent = percent
            self.progress.emit(percent)

    def _on_warned(self, message: str) -> None:
        if self.sender() is not self._thread:
            return
        self.warned.emit(message)

    def _on_succeeded(self, result: RunResult) -> None:
        if self.sender() is not self._thread:
            return
        self._thread = None
        self._old.append(self.sender())  # type: ignore[arg-type]
        self.last_result = result
        self.finished.emit(result)

    def _on_errored(self, message: str) -> None:
        if self.sender() is not self._thread:
            return
        self._old.append(self.sender())  # type: ignore[arg-type]
        self._thread = None
        self.failed.emit(_tr("The run failed: {0}").format(message))

    def _on_aborted(self) -> None:
        if self.sender() is not self._thread:
            return
        self._old.append(self.sender())  # type: ignore[arg-type]
        self._thread = None
        self.cancelled.emit()

    def _on_thread_finished(self) -> None:
        thread = self.sender()
        if thread in self._old:
            self._old.remove(thread)
            thread.deleteLater()
