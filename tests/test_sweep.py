"""Sweeps: rows per seed and parameter value, the same on an executor as in process."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from sandbox.presets import preset_path
from sandbox.scenario import ScenarioError, load
from sandbox.sweep import grid, set_path, sweep


def test_set_path_reaches_nested_lists():
    data = {"hosts": [{"clock": {"drift_ppm": 0}}, {"clock": {"drift_ppm": 0}}]}
    set_path(data, "hosts[1].clock.drift_ppm", 50)
    assert data["hosts"][1]["clock"]["drift_ppm"] == 50
    assert data["hosts"][0]["clock"]["drift_ppm"] == 0


def test_grid_is_every_combination():
    combos = list(grid({"a": [1, 2], "b": ["x", "y", "z"]}))
    assert len(combos) == 6
    assert {(c["a"], c["b"]) for c in combos} == {(a, b) for a in (1, 2) for b in "xyz"}


def test_sweep_rows_and_executor_agree():
    scenario = load(preset_path("lossy_reliable_broadcast"))
    params = {"links[0].loss": [0.0, 1.0]}
    here = sweep(scenario, seeds=[1, 2], parameters=params, until=500_000_000)
    with ThreadPoolExecutor(max_workers=2) as pool:
        there = sweep(scenario, seeds=[1, 2], parameters=params, executor=pool,
                      until=500_000_000)
    assert len(here) == 4
    assert here == there
    # A link that loses everything drops at least as much as one that loses nothing.
    lossless = [r for r in here if r["links[0].loss"] == 0.0]
    lossy = [r for r in here if r["links[0].loss"] == 1.0]
    losses = [sum(r["dropped_by_reason"].get("loss", 0) for r in rows) for rows in (lossless, lossy)]
    assert losses[1] > losses[0]


def test_sweep_refuses_a_bad_value_before_running():
    scenario = load(preset_path("lossy_reliable_broadcast"))
    with pytest.raises(ScenarioError, match="loss"):
        sweep(scenario, seeds=[1], parameters={"links[0].loss": [2.0]})
