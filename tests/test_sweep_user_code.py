"""Sweeps of a user's behaviour: its files are loaded in each worker (a process pool too), a
parameter of the user's model is swept by its path, and code runs only with consent."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor

import pytest
from test_cli_user_code import GOSSIP, MARKER_FILE, write_scenario

from sandbox.engine.user_code import CodeNotAllowed
from sandbox.scenario import ScenarioError, load, registry
from sandbox.sweep import sweep

PATH = "hosts[a].behaviour.params.fanout"


def _rows(rows):
    """The rows without what differs between processes (nothing should)."""
    return sorted(json.dumps(r, sort_keys=True) for r in rows)


def test_a_sweep_over_a_user_parameter_in_process_and_in_two_worker_processes(tmp_path):
    scenario = load(write_scenario(tmp_path, duration="100ms"))
    params = {PATH: [1, 2]}
    here = sweep(scenario, seeds=[1, 2], parameters=params, base=tmp_path, allow_code=True)
    assert len(here) == 4 and {r[PATH] for r in here} == {1, 2}
    assert all(r["events"] > 0 for r in here)
    # More peers told per round: more messages sent by a.
    sent = {f: sum(r["sent"] for r in here if r[PATH] == f) for f in (1, 2)}
    assert sent[2] > sent[1], sent
    assert "push" not in registry.names()  # unloaded after the sweep
    with ProcessPoolExecutor(max_workers=2) as pool:
        there = sweep(scenario, seeds=[1, 2], parameters=params, executor=pool,
                      base=tmp_path, allow_code=True)
    assert _rows(here) == _rows(there)
    assert "push" not in registry.names()


def test_a_sweep_needs_consent_and_runs_nothing_without_it(tmp_path):
    scenario = load(write_scenario(tmp_path, MARKER_FILE))
    with pytest.raises(CodeNotAllowed, match="--allow-code"):
        sweep(scenario, seeds=[1], base=tmp_path)
    assert not (tmp_path / "MARKER").exists()


def test_a_sweep_refuses_a_bad_value_of_a_user_parameter_before_any_run(tmp_path):
    scenario = load(write_scenario(tmp_path, GOSSIP))
    with pytest.raises(ScenarioError, match="fanout"):
        sweep(scenario, seeds=[1], parameters={PATH: [1, 99]}, base=tmp_path, allow_code=True)
    assert "push" not in registry.names()
