"""A run in a process of its own: how the GUI runs scenarios with the user's behaviours.

The user's code then shares nothing with the window: not its memory, not its interpreter lock
(a loop inside C code, ``sum(range(10**15))``, would hold the lock of a thread and freeze the
window), not its Qt objects. Cancelling kills the process, whatever the code is doing. The
process loads the files again from their paths and refuses to run a file whose bytes are not
the ones the user consented to (the sha256 they were loaded with), then runs the engine's one
run loop (:func:`sandbox.engine.runner.run`): the trace is the one an in-process run gives,
byte for byte.

Progress and warnings come back over a pipe as they happen; the :class:`RunResult` (trace
included) comes back at the end. The child is started with the ``spawn`` method, never
forked: the parent is a Qt program with threads.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox.scenario.model import Scenario

from .limits import Limits, RunRefused
from .runner import Reporter, RunCancelled, RunResult, run

__all__ = ["IsolatedFile", "RunProcessDied", "files_of", "run_isolated"]

#: How often (s) the parent looks for a cancel while it waits for the child.
POLL = 0.05


class RunProcessDied(RunRefused):
    """The process of a run ended without a result (killed from outside, out of memory...)."""


@dataclass(frozen=True)
class IsolatedFile:
    """A behaviour file for the run's process: where it is, the name messages and the trace
    header show, and the sha256 of the bytes consented to."""

    path: str
    name: str
    sha256: str


def files_of(loaded: Any) -> list[IsolatedFile]:
    """The files of a :class:`~sandbox.engine.user_code.LoadedFiles`, for :func:`run_isolated`."""
    return [IsolatedFile(str(Path(f.path).resolve()), f.name, f.sha256) for f in loaded.files]


class _PipeReporter(Reporter):
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def progress(self, now: int, until: int) -> None:
        self.conn.send(("progress", now, until))

    def warning(self, message: str) -> None:
        self.conn.send(("warning", message))


def _child(conn: Any, scenario_data: dict[str, Any], files: Sequence[IsolatedFile],
           options: dict[str, Any]) -> None:
    """The run's process: load the files (as consented), run, send the result."""
    try:
        from .user_code import LoadedFiles, UserCodeError, _load

        loaded = LoadedFiles()
        try:
            for f in files:
                one = _load(Path(f.path), f.name, None)
                loaded.files.append(one)
                if one.sha256 != f.sha256:
                    conn.send(("refused", f"{f.name} changed since it was loaded (sha256 "
                               f"{one.sha256[:12]}…, consented to {f.sha256[:12]}…): load it "
                               "again to run the new code"))
                    return
        except UserCodeError as exc:
            conn.send(("refused", str(exc)))
            return
        scenario = Scenario.model_validate(scenario_data)
        result = run(scenario, reporter=_PipeReporter(conn), user_code=loaded, **options)
        conn.send(("result", result))
    except RunRefused as exc:
        conn.send(("refused", str(exc)))
    except BaseException as exc:  # noqa: BLE001 - everything is reported to the parent
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def run_isolated(scenario: Scenario, files: Sequence[IsolatedFile], *, seed: int | None = None,
                 until: int | None = None, reporter: Reporter | None = None,
                 keep_events: bool = True, checks: bool = True, chunks: int | None = None,
                 limits: Limits | None = None) -> RunResult:
    """Run ``scenario`` with the user's behaviour ``files`` in a new process.

    Like :func:`~sandbox.engine.runner.run` (``seed``, ``until``, ``limits``, ``keep_events``,
    ``checks``): the reporter hears the progress and the warnings, and is asked about a
    cancel every :data:`POLL` seconds, which kills the process (:class:`RunCancelled`).
    A file whose sha256 is not the one given, a refused scenario or a limit raise
    :class:`RunRefused` with the child's message; a process that dies raises
    :class:`RunProcessDied`; any other error in the child, RuntimeError with its text.
    """
    reporter = reporter or Reporter()
    options: dict[str, Any] = {"seed": seed, "until": until, "keep_events": keep_events,
                               "checks": checks, "limits": limits or Limits()}
    if chunks is not None:
        options["chunks"] = chunks
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, name="sandbox-run", daemon=True,
                          args=(send, scenario.model_dump(mode="json"), list(files), options))
    process.start()
    send.close()  # the child holds the only writing end: its end is our EOF
    try:
        while True:
            if reporter.cancelled():
                raise RunCancelled()
            if not receive.poll(POLL):
                continue
            try:
                message = receive.recv()
            except EOFError:
                process.join(5)
                raise RunProcessDied(
                    f"the run's process ended without a result (exit code "
                    f"{process.exitcode}): out of memory, or stopped from outside?") from None
            kind = message[0]
            if kind == "progress":
                reporter.progress(message[1], message[2])
            elif kind == "warning":
                reporter.warning(message[1])
            elif kind == "result":
                result: RunResult = message[1]
                return result
            elif kind == "refused":
                raise RunRefused(message[1])
            else:
                raise RuntimeError(message[1])
    finally:
        if process.is_alive():
            process.kill()
        process.join(10)
        receive.close()
