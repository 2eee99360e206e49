"""DS Sandbox: build, run, watch and measure distributed systems.

The notebook API (pandas objects; ``pip install "ds-sandbox[notebook]"``), imported
only when called so that ``import sandbox`` stays cheap:

- :func:`run` -- one run's metrics, a ``pandas.Series``;
- ``sandbox.sweep(...)`` (also :func:`sweep_runs`) -- a sweep, a ``pandas.DataFrame``,
  one row per run. ``sandbox.sweep`` is also the package :mod:`sandbox.sweep`; the
  package is callable, so both ``sandbox.sweep(...)`` and ``import sandbox.sweep``
  work;
- :func:`summarize` -- per combination, the mean and 95% confidence interval.

See docs/experiments.md.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

__all__ = ["run", "summarize", "sweep", "sweep_runs"]


def _notebook() -> Any:
    # imported by name: the package root must not import the sweep layer (import-linter's
    # layers see through it), and the call is the first time it is needed
    return importlib.import_module("sandbox.sweep.notebook")


def run(scenario: Any, *, seed: int | None = None, until: int | str | None = None,
        set: dict[str, Any] | None = None, allow_code: bool = False) -> Any:
    """One run of ``scenario`` (a Scenario, a file or a preset name): its metrics as a
    ``pandas.Series``. See :func:`sandbox.sweep.notebook.run`."""
    return _notebook().run(scenario, seed=seed, until=until, set=set, allow_code=allow_code)


def sweep_runs(scenario: Any, set: dict[str, Any], seeds: int | list[int] = 10, *,
               until: int | str | None = None, workers: int = 1, scheduler: Any = None,
               allow_code: bool = False) -> Any:
    """A sweep as a ``pandas.DataFrame`` (``sandbox.sweep(...)`` is the same call). See
    :func:`sandbox.sweep.notebook.sweep`."""
    return _notebook().sweep(scenario, set, seeds, until=until, workers=workers, scheduler=scheduler,
                  allow_code=allow_code)


def summarize(df: Any, by: list[str] | str | None = None,
              metrics: list[str] | None = None) -> Any:
    """Per combination of a sweep's parameters: n, errors and each metric's mean and 95%
    confidence interval, a ``pandas.DataFrame``. See :func:`sandbox.sweep.notebook.summarize`."""
    return _notebook().summarize(df, by, metrics)


def __getattr__(name: str) -> Any:
    """``sandbox.sweep``: the (callable) package, imported on first use."""
    if name == "sweep":
        return importlib.import_module("sandbox.sweep")
    raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
