"""The notebook API behind ``sandbox.run``, ``sandbox.sweep`` and ``sandbox.summarize``:
runs and sweeps as pandas Series and DataFrames.

pandas is an optional extra (``pip install "ds-sandbox[notebook]"``); without it
these functions raise an ImportError that says so. The sweep core itself
(:mod:`sandbox.sweep.execute`) needs no pandas.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

from sandbox.scenario import Scenario, load
from sandbox.scenario.units import parse_duration

from .execute import columns, iter_rows, run_job
from .results import NOTEBOOK_HINT, _plain
from .spec import SweepSpec
from .values import parse_values

__all__ = ["run", "summarize", "sweep"]


def _pandas() -> Any:
    try:
        return importlib.import_module("pandas")
    except ImportError:
        raise ImportError(f"sandbox.run, sandbox.sweep and sandbox.summarize return pandas "
                          f"objects: {NOTEBOOK_HINT}") from None


def _scenario(scenario: Scenario | str | os.PathLike) -> tuple[Scenario, str | None]:
    """A Scenario and the folder of its behaviour files, from a Scenario, a path or a
    preset name."""
    if isinstance(scenario, Scenario):
        return scenario, None
    path = Path(os.fspath(scenario))
    if not path.exists() and not path.suffix:  # a preset's name, as the command line takes
        from sandbox.presets import preset_dir

        preset = preset_dir() / f"{path}.json"
        path = preset if preset.is_file() else path
    return load(path), str(path.parent)


def _until(until: int | str | None) -> int | None:
    if until is None or isinstance(until, int):
        return until
    return parse_duration(until, default_unit="s")


def _spec(model: Scenario, base: str | None, parameters: dict[str, list], seeds: list[int],
          until: Any, allow_code: bool) -> SweepSpec:
    if model.behaviour_files and not allow_code:
        from sandbox.engine.user_code import CodeNotAllowed

        refusal = CodeNotAllowed([Path(f.path) for f in model.behaviour_files])
        refusal.message = refusal.message.replace("(--allow-code on the command line)",
                                                  "(allow_code=True)")
        raise refusal
    spec = SweepSpec(model.model_dump(mode="json"), parameters, seeds, _until(until), base,
                     allow_code)
    spec.check_paths()
    return spec


def run(scenario: Any, *, seed: int | None = None, until: int | str | None = None,
        set: dict[str, Any] | None = None, allow_code: bool = False) -> Any:
    """Run ``scenario`` (a Scenario, a file or a preset name) once and return its metrics as
    a pandas Series (the row a sweep would write: the values set, ``seed``, ``error``, the
    metrics). ``set`` maps paths to one value each (``{"links[a-b].loss": 0.1}``);
    ``until`` is ns or a duration text (``"2s"``). A value the scenario refuses raises
    ValueError with the message."""
    pandas = _pandas()
    model, base = _scenario(scenario)
    first = model.run.seed if seed is None else seed
    spec = _spec(model, base, {k: [v] for k, v in (set or {}).items()}, [first], until,
                 allow_code)
    job = spec.jobs()[0]
    if job.error:
        raise ValueError(job.error)
    row = run_job(job, spec.until, spec.base, spec.allow_code)
    return pandas.Series(row, name=row["run"])


def sweep(scenario: Any, set: dict[str, list | str], seeds: int | list[int] = 10, *,
          until: int | str | None = None, workers: int = 1, scheduler: Any = None,
          allow_code: bool = False) -> Any:
    """Run ``scenario`` for every combination of the ``set`` values times the seeds; return
    a pandas DataFrame, one row per run (in run order), its columns those of ``sandbox
    sweep``'s files. A value list may be text (``"1..10"``, ``"10ms..100ms/5"``);
    ``seeds`` is a count (from the scenario's seed on) or a list. Runs on ``workers``
    processes or a Dask ``scheduler`` (an address or a ``distributed.Client``)."""
    pandas = _pandas()
    parameters = {path: parse_values(v) if isinstance(v, str) else list(v)
                  for path, v in set.items()}
    model, base = _scenario(scenario)
    if isinstance(seeds, int):
        seeds = list(range(model.run.seed, model.run.seed + seeds))
    spec = _spec(model, base, parameters, list(seeds), until, allow_code)
    rows = sorted(iter_rows(spec, workers=workers, scheduler=scheduler),
                  key=lambda r: r["run"])
    order = columns(spec)
    return pandas.DataFrame(rows, columns=order + [k for r in rows[:1] for k in r
                                                  if k not in order])


def summarize(df: Any, by: list[str] | str | None = None,
              metrics: list[str] | None = None) -> Any:
    """Per combination of the ``by`` columns (default: the parameter columns of a sweep's
    DataFrame, those between ``run`` and ``seed``), ``n``, ``errors`` and each metric's
    ``.mean``, ``.low`` and ``.high`` (95% interval): a DataFrame."""
    from .aggregate import summarize as summarize_rows

    pandas = _pandas()
    names = list(df.columns)
    if by is None:
        start = names.index("run") + 1 if "run" in names else 0
        by = names[start:names.index("seed")] if "seed" in names else []
    elif isinstance(by, str):
        by = [by]
    rows = [{k: _plain(v) for k, v in rec.items()} for rec in df.to_dict("records")]
    for r in rows:
        if r.get("error") is None:
            r["error"] = ""
    return pandas.DataFrame(summarize_rows(rows, list(by), metrics))
