"""Parameter sweeps: many runs of a scenario over seeds and parameter values, on any Executor.

The parts: :mod:`.values` (the text of values: ``1..20``, ``0.01..0.2/10``),
:mod:`.spec` (:class:`SweepSpec`, its jobs, ``hosts[ID].count``), :mod:`.metrics`
(the typed run summary), :mod:`.execute` (rows as runs finish: here, in worker
processes, on a Dask cluster), :mod:`.aggregate` (means and confidence
intervals), :mod:`.results` (CSV and Parquet files), :mod:`.report` (text) and
:mod:`.notebook` (pandas). :func:`sweep` below is the first, blocking form.

This module is callable: ``sandbox.sweep(scenario, set={...}, seeds=10)`` is the
notebook's :func:`sandbox.sweep_runs` (a DataFrame), while ``import sandbox.sweep``
and ``from sandbox.sweep.execute import iter_rows`` work as for any package.

An Executor is anything with ``submit`` (``concurrent.futures`` pools, or a
Dask ``distributed.Client``'s ``get_executor()``), so the same sweep runs on a
laptop or on a cluster. Each run is independent and reproducible from its seed.

A scenario that names the user's behaviour files is swept only with
``allow_code=True`` (consent to run their code); each worker loads the files
itself (their paths relative to ``base``, the scenario file's folder) and
unloads them after its run, so a user's behaviour sweeps like a built-in one.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
import types
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from sandbox.engine import run
from sandbox.scenario import Scenario, scenario_from_dict
from sandbox.scenario.paths import set_value

#: The behaviour files loaded in this process, shared by the runs that use them at the same
#: time (threads of one pool): key -> [the LoadedFiles, how many runs hold them].
_LOADED: dict[tuple, list[Any]] = {}
_LOCK = threading.Lock()


def _key(scenario: Scenario, base: str | os.PathLike | None) -> tuple:
    return (None if base is None else os.fspath(base),
            tuple((f.path, f.sha256) for f in scenario.behaviour_files))


def _acquire(scenario: Scenario, base: str | os.PathLike | None, allow_code: bool) -> Any:
    """Load ``scenario``'s behaviour files in this process (or share a load in progress);
    None when it names none. Without ``allow_code``, CodeNotAllowed and nothing runs."""
    if not scenario.behaviour_files:
        return None
    from sandbox.engine.user_code import load_files

    key = _key(scenario, base)
    with _LOCK:
        held = _LOADED.get(key)
        if held is None:
            held = _LOADED[key] = [load_files(scenario, base, allow=allow_code), 0]
        else:
            from sandbox.engine.user_code import check_scenario

            check_scenario(scenario, held[0])  # this run's parameters, against the loaded files
        held[1] += 1
        return held[0]


def _release(scenario: Scenario, base: str | os.PathLike | None) -> None:
    """The run is over: unload its files once no run of this process holds them."""
    if not scenario.behaviour_files:
        return
    key = _key(scenario, base)
    with _LOCK:
        held = _LOADED.get(key)
        if held is not None:
            held[1] -= 1
            if held[1] <= 0:
                del _LOADED[key]
                held[0].unload()


def run_one(scenario_data: dict[str, Any], seed: int, until: int | None = None,
            base: str | None = None, allow_code: bool = False) -> dict[str, Any]:
    """Run one scenario (as a dict, so it pickles cheaply) with a seed; return its summary.

    The scenario's behaviour files (relative to ``base``) are loaded here, in the worker,
    when ``allow_code`` says their code may run, and unloaded after the run."""
    scenario = scenario_from_dict(scenario_data)
    loaded = _acquire(scenario, base, allow_code)
    try:
        # No freeze_gc: a sweep may run in threads of a Qt program.
        return run(scenario, seed=seed, until=until, user_code=loaded).summary
    finally:
        _release(scenario, base)


def grid(parameters: Mapping[str, Sequence[Any]]) -> Iterator[dict[str, Any]]:
    """Every combination of the parameter values, in a stable order."""
    names = list(parameters)
    for values in itertools.product(*(parameters[n] for n in names)):
        yield dict(zip(names, values, strict=True))


def sweep(scenario: Scenario, seeds: Iterable[int], parameters: dict[str, Sequence[Any]] | None = None,
          executor: Executor | None = None, until: int | None = None,
          base: str | os.PathLike | None = None, allow_code: bool = False) -> list[dict[str, Any]]:
    """Run ``scenario`` for every seed and every combination of ``parameters``.

    ``parameters`` maps a path of the project's path language
    (:mod:`sandbox.scenario.paths`, objects by id: ``hosts[*].failures.mttr``,
    ``links[a-b].loss``, ``hosts[h1].behaviour.params.fanout``) to the values it takes.
    Returns one row per run: the parameter values, the seed and the run
    summary. Without an executor the runs happen here, one after another.

    A scenario naming behaviour files needs ``allow_code=True`` (else
    :class:`~sandbox.engine.user_code.CodeNotAllowed` before any run); ``base`` is the
    folder their paths are relative to (the scenario file's). The files are loaded here
    first, so a bad parameter value of a user's behaviour is refused before any run, and
    again in each worker process.
    """
    seeds = list(seeds)
    data0 = scenario.model_dump(mode="json")
    base_text = None if base is None else os.fspath(base)
    jobs: list[tuple[dict[str, Any], dict[str, Any], int]] = []
    checked: list[Scenario] = []
    for combo in grid(parameters or {}):
        data = scenario_from_dict(data0).model_dump(mode="json")
        for path, value in combo.items():
            set_value(data, path, value)  # the one path language: hosts[h1].clock.drift_ppm
        checked.append(scenario_from_dict(data))  # refuse a bad value before any run starts
        for seed in seeds:
            jobs.append((combo, data, seed))
    # The files, loaded here for the whole sweep: the values of users' behaviours' parameters
    # are checked against them, and runs in this process (no executor, threads) share them.
    loaded = [] if not scenario.behaviour_files else \
        [(s, _acquire(s, base_text, allow_code)) for s in checked[:1]]
    try:
        for s in checked[1:]:
            if loaded:
                from sandbox.engine.user_code import check_scenario

                check_scenario(s, loaded[0][1])
        if executor is None:
            results = [run_one(data, seed, until, base_text, allow_code)
                       for _, data, seed in jobs]
        else:
            futures = [executor.submit(run_one, data, seed, until, base_text, allow_code)
                       for _, data, seed in jobs]
            results = [f.result() for f in futures]
    finally:
        for s, _ in loaded:
            _release(s, base_text)
    return [{**combo, **summary} for (combo, _, _), summary in zip(jobs, results, strict=True)]


class _CallableModule(types.ModuleType):
    """This package's class: calling it is :func:`sandbox.sweep_runs` (the notebook API)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from .notebook import sweep as sweep_runs

        return sweep_runs(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

