"""Running the jobs of a sweep: here, in worker processes, on any executor or a Dask cluster.

:func:`run_job` is what a worker runs: one job to one row, never raising for a
bad value or a user's behaviour that fails (the row's ``error`` says what went
wrong). :func:`iter_rows` hands the jobs out and yields the rows as they
finish (not in job order), with a bounded number of jobs in flight, and stops
promptly when ``cancel`` is set. Worker processes are started with the "spawn"
method: the GUI is a Qt process, which must never be forked.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from sandbox.scenario import ScenarioError, scenario_from_dict

from .metrics import MetricSink, metric_names, metrics_of
from .spec import Job, SweepSpec

__all__ = ["DASK_HINT", "DaskMissing", "columns", "iter_rows", "run_job"]

#: How to install what ``--scheduler`` needs.
DASK_HINT = 'pip install "ds-sandbox[dask]"'
#: How many jobs wait in an executor's queue per worker (more only costs memory).
_QUEUE_PER_WORKER = 4
#: How often (s) a wait for rows looks whether the sweep was cancelled.
_POLL = 0.05


class DaskMissing(ImportError):
    """``--scheduler`` was asked for but the ``distributed`` package is not installed."""


def columns(spec: SweepSpec) -> list[str]:
    """The columns of the sweep's rows, in order: run, the parameter paths, seed, error,
    then the metrics (:func:`~sandbox.sweep.metrics.metric_names`)."""
    params = list(spec.parameters)
    head = ["run", *params, "seed", "error"]
    return head + [m for m in metric_names(spec.scenario) if m not in head]


def _row(job: Job, error: str, metrics: dict[str, Any]) -> dict[str, Any]:
    return {"run": job.index, **job.combo, "seed": job.seed, "error": error, **metrics}


def _empty(job: Job) -> dict[str, Any]:
    try:
        return dict.fromkeys(metric_names(job.scenario))
    except Exception:  # a scenario that cannot even name its checks: no metrics at all
        return {}


def run_job(job: Job, until: int | None = None, base: str | None = None,
            allow_code: bool = False) -> dict[str, Any]:
    """Run one job and return its row: ``run``, the parameter values, ``seed``, ``error``
    ("" when the run went well) and the metrics.

    Never raises for a bad value, a behaviour file that cannot be loaded or a
    behaviour that raises: a bad value or file is a row with the message and no
    metrics; a behaviour's exceptions (which crash its host, the run going on)
    are named in ``error`` beside the metrics of the run.
    """
    from sandbox.engine.runner import RunRefused, run
    from sandbox.engine.user_code import CodeNotAllowed, UserCodeError

    from . import _acquire, _release

    if job.error:
        return _row(job, job.error, _empty(job))
    try:
        scenario = scenario_from_dict(job.scenario)
    except ScenarioError as exc:
        return _row(job, "; ".join(line.removeprefix("error: ") for line in exc.lines()),
                    _empty(job))
    try:
        loaded = _acquire(scenario, base, allow_code)
    except CodeNotAllowed as exc:
        return _row(job, str(exc), _empty(job))
    except (UserCodeError, ScenarioError) as exc:
        text = "; ".join(line.removeprefix("error: ") for line in exc.lines()) \
            if isinstance(exc, ScenarioError) else str(exc)
        return _row(job, text, _empty(job))
    try:
        counted = MetricSink()
        # No freeze_gc: a sweep may run in threads of a Qt program.
        result = run(scenario, counted, seed=job.seed, until=until, checks=True,
                     user_code=loaded)
        metrics = metrics_of(result, counted)
    except RunRefused as exc:
        return _row(job, str(exc), _empty(job))
    except Exception as exc:  # a bug must cost one row, not the sweep
        return _row(job, f"{type(exc).__name__}: {exc}", _empty(job))
    finally:
        _release(scenario, base)
    errors = result.errors
    error = ""
    if errors:
        error = "behaviour error: " + "; ".join(errors[:3]) + \
            (f" (and {len(errors) - 3} more)" if len(errors) > 3 else "")
    return _row(job, error, metrics)


def worker_context() -> Any:
    """How worker processes start: from a fork server where there is one (Linux, macOS), else
    by spawn; never by forking the caller, which may be a Qt program with threads.

    The fork server is a fresh interpreter, started once per process by the first sweep, that
    has imported the engine (``set_forkserver_preload``); each worker is a fork of it, so a
    sweep's workers start in milliseconds instead of importing everything again (about 0.7 s
    each, as much as 20 short runs), which on 200 short runs is most of what a second worker
    gains."""
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" not in methods:
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__, "sandbox.engine.runner", "sandbox.trace.checks"])
    return ctx


def _worker_start() -> None:
    """A worker process starts: Ctrl+C is the parent's to handle (it cancels the sweep), and
    what is imported by now lives as long as the process, so the garbage collector need not
    scan it again on every full collection (``gc.freeze``; a worker runs no Qt)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()


def _dask_client(scheduler: Any) -> Any:
    try:
        import distributed
    except ImportError:
        raise DaskMissing(f"running on a Dask scheduler needs the distributed package: "
                          f"{DASK_HINT}") from None
    if isinstance(scheduler, distributed.Client):
        return scheduler
    return distributed.Client(scheduler)


def _pooled(submit: Callable[[Job], Future], jobs: list[Job], width: int,
            cancel: threading.Event | None) -> Iterator[dict[str, Any]]:
    """Stream the rows of ``jobs`` run through ``submit``, at most ``width`` in flight."""
    todo = iter(jobs)
    running: set[Future] = set()
    try:
        for job in todo:
            running.add(submit(job))
            if len(running) >= width:
                break
        while running:
            if cancel is not None and cancel.is_set():
                return
            done, running = wait(running, timeout=_POLL, return_when=FIRST_COMPLETED)
            for fut in done:
                if cancel is None or not cancel.is_set():
                    for job in todo:
                        running.add(submit(job))
                        break
                yield fut.result()
    finally:
        for fut in running:
            fut.cancel()


def _dask_rows(client: Any, jobs: list[Job], spec: SweepSpec,
               cancel: threading.Event | None) -> Iterator[dict[str, Any]]:
    """Stream the rows from a Dask client with ``distributed.as_completed``."""
    import distributed

    width = max(1, sum(client.nthreads().values())) * _QUEUE_PER_WORKER
    todo = iter(jobs)

    def submit(job: Job) -> Any:
        return client.submit(run_job, job, spec.until, spec.base, spec.allow_code, pure=False)

    first = [submit(job) for job in itertools.islice(todo, width)]
    pending = set(first)
    flow = distributed.as_completed(first)
    try:
        while pending:
            if cancel is not None and cancel.is_set():
                return
            if not flow.has_ready():
                (cancel or threading.Event()).wait(_POLL)
                continue
            for fut in flow.next_batch(block=False):
                pending.discard(fut)
                if cancel is None or not cancel.is_set():
                    for job in todo:
                        nxt = submit(job)
                        pending.add(nxt)
                        flow.add(nxt)
                        break
                yield fut.result()
    finally:
        for fut in pending:
            fut.cancel()


def iter_rows(spec: SweepSpec, *, workers: int = 1, scheduler: Any = None,
              executor: Any = None, skip: set[tuple] | frozenset[tuple] = frozenset(),
              cancel: threading.Event | None = None) -> Iterator[dict[str, Any]]:
    """Run every job of ``spec`` whose :meth:`~SweepSpec.key` is not in ``skip``; yield each
    row as it finishes (not in job order), its keys in :func:`columns` order.

    Where: with ``executor`` (anything with a ``concurrent.futures``-like
    ``submit``) on it; with ``scheduler`` (an address such as
    ``tcp://host:8786``, or a ``distributed.Client``) on a Dask cluster
    (:class:`DaskMissing` without the ``distributed`` package); with
    ``workers`` > 1 in that many worker processes, started by "spawn"; else
    here, one run after another. Setting ``cancel`` stops submitting, cancels the
    jobs not started and returns promptly; the rows already yielded stand.
    Paths that name nothing raise :class:`~sandbox.scenario.paths.PathError`
    before any run.
    """
    spec.check_paths()
    jobs = [j for j in spec.jobs() if spec.key(j) not in skip]
    order = columns(spec)

    def shaped(row: dict[str, Any]) -> dict[str, Any]:
        out = {c: row.get(c) for c in order}
        out.update((k, v) for k, v in row.items() if k not in out)
        return out

    if not jobs:
        return
    if scheduler is not None:
        client = _dask_client(scheduler)
        try:
            for row in _dask_rows(client, jobs, spec, cancel):
                yield shaped(row)
        finally:
            if client is not scheduler:
                client.close()
        return
    if executor is not None:
        width = max(1, int(getattr(executor, "_max_workers", workers) or 1)) * _QUEUE_PER_WORKER
        for row in _pooled(lambda j: executor.submit(run_job, j, spec.until, spec.base,
                                                     spec.allow_code), jobs, width, cancel):
            yield shaped(row)
        return
    if workers > 1:
        pool = ProcessPoolExecutor(max_workers=workers,
                                   mp_context=worker_context(),
                                   initializer=_worker_start)
        try:
            for row in _pooled(lambda j: pool.submit(run_job, j, spec.until, spec.base,
                                                     spec.allow_code),
                               jobs, workers * _QUEUE_PER_WORKER, cancel):
                yield shaped(row)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        return
    yield from (shaped(row) for row in _local(spec, jobs, cancel))


def _local(spec: SweepSpec, jobs: list[Job], cancel: threading.Event | None
           ) -> Iterator[dict[str, Any]]:
    """The jobs run here, one after another; the behaviour files stay loaded throughout."""
    from . import _acquire, _release

    held = None
    try:
        base = scenario_from_dict(spec.scenario)
        if base.behaviour_files and spec.allow_code:
            held = base if _acquire(base, spec.base, True) is not None else None
    except Exception:  # the rows will say what is wrong
        held = None
    try:
        for job in jobs:
            if cancel is not None and cancel.is_set():
                return
            yield run_job(job, spec.until, spec.base, spec.allow_code)
    finally:
        if held is not None:
            _release(held, spec.base)
