"""Sweeps: rows per seed and parameter value, the same on an executor as in process."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from sandbox.presets import preset_path
from sandbox.scenario import ScenarioError, load
from sandbox.scenario.paths import PathError
from sandbox.sweep import grid, sweep


def test_a_sweep_addresses_hosts_by_id_and_by_wildcard():
    scenario = load(preset_path("crash_heartbeat"))
    first = scenario.hosts[1].id
    rows = sweep(scenario, seeds=[1], until=200_000_000,
                 parameters={f"hosts[{first}].clock.drift_ppm": [50.0],
                             "hosts[*].failures.mttr": [10**8, 2 * 10**8]})
    assert len(rows) == 2
    assert {r["hosts[*].failures.mttr"] for r in rows} == {10**8, 2 * 10**8}


def test_a_sweep_refuses_a_list_index_with_a_hint():
    scenario = load(preset_path("crash_heartbeat"))
    with pytest.raises(PathError, match=scenario.hosts[0].id):
        sweep(scenario, seeds=[1], parameters={"hosts[0].clock.drift_ppm": [1.0]})


def test_grid_is_every_combination():
    combos = list(grid({"a": [1, 2], "b": ["x", "y", "z"]}))
    assert len(combos) == 6
    assert {(c["a"], c["b"]) for c in combos} == {(a, b) for a in (1, 2) for b in "xyz"}


def test_sweep_rows_and_executor_agree():
    scenario = load(preset_path("lossy_reliable_broadcast"))
    params = {"links[r0-r1].loss": [0.0, 1.0]}
    here = sweep(scenario, seeds=[1, 2], parameters=params, until=500_000_000)
    with ThreadPoolExecutor(max_workers=2) as pool:
        there = sweep(scenario, seeds=[1, 2], parameters=params, executor=pool,
                      until=500_000_000)
    assert len(here) == 4
    assert here == there
    # A link that loses everything drops at least as much as one that loses nothing.
    lossless = [r for r in here if r["links[r0-r1].loss"] == 0.0]
    lossy = [r for r in here if r["links[r0-r1].loss"] == 1.0]
    losses = [sum(r["dropped_by_reason"].get("loss", 0) for r in rows) for rows in (lossless, lossy)]
    assert losses[1] > losses[0]


def test_sweep_refuses_a_bad_value_before_running():
    scenario = load(preset_path("lossy_reliable_broadcast"))
    with pytest.raises(ScenarioError, match="loss"):
        sweep(scenario, seeds=[1], parameters={"links[r0-r1].loss": [2.0]})
