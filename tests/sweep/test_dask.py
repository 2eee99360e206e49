"""A real Dask cluster (two worker processes) gives the local run's rows, row for row, user
behaviour files included."""

import json

import pytest
from test_cli_user_code import write_scenario

from sandbox.scenario import load
from sandbox.sweep.execute import iter_rows
from sandbox.sweep.spec import SweepSpec

from .helpers import crash_scenario

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as c:
        yield c


def _by_run(rows):
    return sorted(rows, key=lambda r: r["run"])


def test_the_rows_of_a_dask_cluster_equal_the_local_rows(cluster):
    spec = SweepSpec(crash_scenario(hosts=2),
                     {"hosts[*].failures.crash_probability": [0.2, 0.8],
                      "hosts[x1].count": [1, 3]}, [1, 2, 3])
    here = _by_run(iter_rows(spec))
    there = _by_run(iter_rows(spec, scheduler=cluster.scheduler_address))
    assert len(here) == 12
    assert there == here
    with distributed.Client(cluster) as client:  # a client of one's own is used as it is
        assert _by_run(iter_rows(spec, scheduler=client)) == here
        assert client.status == "running"


def test_a_users_behaviour_runs_on_the_cluster_workers(cluster, tmp_path):
    scenario = load(write_scenario(tmp_path, duration="30ms"))
    spec = SweepSpec(scenario.model_dump(mode="json"),
                     {"hosts[a].behaviour.params.fanout": [1, 2]}, [1, 2],
                     base=str(tmp_path), allow_code=True)
    here = _by_run(iter_rows(spec))
    there = _by_run(iter_rows(spec, scheduler=cluster.scheduler_address))
    assert all(not r["error"] and r["sent"] > 0 for r in here)
    assert json.dumps(there, sort_keys=True) == json.dumps(here, sort_keys=True)
    assert there[0]["check:push.everyone"] in (0, 1)
