"""Parameter sweeps: many runs of a scenario over seeds and parameter values, on any Executor.

An Executor is anything with ``submit`` (``concurrent.futures`` pools, or a
Dask ``distributed.Client``'s ``get_executor()``), so the same sweep runs on a
laptop or on a cluster. Each run is independent and reproducible from its seed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor
from typing import Any

from sandbox.engine import run
from sandbox.scenario import Scenario, scenario_from_dict
from sandbox.scenario.paths import set_value


def run_one(scenario_data: dict[str, Any], seed: int, until: int | None = None) -> dict[str, Any]:
    """Run one scenario (as a dict, so it pickles cheaply) with a seed; return its summary."""
    # No freeze_gc: a sweep may run in threads of a Qt program.
    return run(scenario_from_dict(scenario_data), seed=seed, until=until).summary


def grid(parameters: dict[str, Sequence[Any]]) -> Iterator[dict[str, Any]]:
    """Every combination of the parameter values, in a stable order."""
    names = list(parameters)
    for values in itertools.product(*(parameters[n] for n in names)):
        yield dict(zip(names, values, strict=True))


def sweep(scenario: Scenario, seeds: Iterable[int], parameters: dict[str, Sequence[Any]] | None = None,
          executor: Executor | None = None, until: int | None = None) -> list[dict[str, Any]]:
    """Run ``scenario`` for every seed and every combination of ``parameters``.

    ``parameters`` maps a path of the project's path language
    (:mod:`sandbox.scenario.paths`, objects by id: ``hosts[*].failures.mttr``,
    ``links[a-b].loss``) to the values it takes.
    Returns one row per run: the parameter values, the seed and the run
    summary. Without an executor the runs happen here, one after another.
    """
    base = scenario.model_dump(mode="json")
    jobs: list[tuple[dict[str, Any], dict[str, Any], int]] = []
    for combo in grid(parameters or {}):
        data = scenario_from_dict(base).model_dump(mode="json")
        for path, value in combo.items():
            set_value(data, path, value)  # the one path language: hosts[h1].clock.drift_ppm
        scenario_from_dict(data)  # refuse a bad value before any run starts
        for seed in seeds:
            jobs.append((combo, data, seed))
    if executor is None:
        results = [run_one(data, seed, until) for _, data, seed in jobs]
    else:
        futures = [executor.submit(run_one, data, seed, until) for _, data, seed in jobs]
        results = [f.result() for f in futures]
    return [{**combo, **summary} for (combo, _, _), summary in zip(jobs, results, strict=True)]
