"""Running jobs: error rows instead of lost sweeps, rows as they finish, cancel and resume, the
same rows in worker processes, and more hosts, more failures."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

from test_cli_user_code import write_scenario

from sandbox.scenario import load, registry
from sandbox.sweep.aggregate import summarize, wilson
from sandbox.sweep.execute import columns, iter_rows, run_job
from sandbox.sweep.spec import SweepSpec

from .helpers import crash_scenario

P = "hosts[*].failures.crash_probability"

RAISES = '''
from sandbox.api import behaviour


@behaviour
def boom(node, *, fuse: int = 0):
    if node.id == "b" or fuse:
        raise RuntimeError("boom at start")
    yield from node.sleep(1_000_000)
'''


def _by_run(rows):
    return sorted(rows, key=lambda r: r["run"])


def test_a_bad_value_is_a_row_with_its_error_and_the_others_run():
    spec = SweepSpec(crash_scenario(), {P: [0.5, 2.0]}, [1, 2])
    rows = _by_run(iter_rows(spec))
    assert len(rows) == 4
    assert [bool(r["error"]) for r in rows] == [False, False, True, True]
    assert "crash_probability" in rows[2]["error"]
    assert rows[2]["sent"] is None and rows[0]["events"] is not None
    assert list(rows[0]) == columns(spec)
    assert columns(spec)[:4] == ["run", P, "seed", "error"]


def test_a_user_behaviour_that_raises_at_start_is_a_row_with_its_error(tmp_path):
    path = write_scenario(tmp_path, RAISES, name="boom.py", behaviours=("boom",))
    data = json.loads(path.read_text())
    for h in data["hosts"]:
        h["behaviour"] = {"name": "boom"}
    path.write_text(json.dumps(data))
    scenario = load(path).model_dump(mode="json")
    spec = SweepSpec(scenario, {"hosts[a].behaviour.params.fuse": [0, 1]}, [1],
                     base=str(tmp_path), allow_code=True)
    rows = _by_run(iter_rows(spec))
    assert all("boom at start" in r["error"] for r in rows)
    assert "b:" in rows[0]["error"] and "a:" not in rows[0]["error"]
    assert "a:" in rows[1]["error"]
    assert rows[0]["behaviour_errors"] == 1 and rows[1]["behaviour_errors"] == 2
    assert "boom" not in registry.names()  # unloaded after the sweep
    # without consent the runs are error rows, and nothing ran
    refused = list(iter_rows(SweepSpec(scenario, {}, [1], base=str(tmp_path))))
    assert "consent" in refused[0]["error"] and refused[0]["events"] is None


def test_cancel_stops_after_some_rows_and_the_rest_resumes_without_duplicates():
    spec = SweepSpec(crash_scenario(), {P: [0.1, 0.9]}, list(range(10)))
    cancel = threading.Event()
    first = []
    for row in iter_rows(spec, cancel=cancel):
        first.append(row)
        if len(first) == 7:
            cancel.set()
    assert len(first) == 7
    rest = list(iter_rows(spec, skip={spec.key(r) for r in first}))
    assert len(rest) == 13
    everything = first + rest
    assert sorted(r["run"] for r in everything) == list(range(20))
    assert _by_run(everything) == _by_run(iter_rows(spec))


def test_rows_are_the_same_here_in_threads_and_in_two_worker_processes():
    spec = SweepSpec(crash_scenario(hosts=2), {P: [0.2, 0.7], "hosts[x1].count": [1, 2]},
                     [1, 2, 3], until=500_000_000)
    here = _by_run(iter_rows(spec))
    with ThreadPoolExecutor(max_workers=3) as pool:
        threads = _by_run(iter_rows(spec, executor=pool))
    processes = _by_run(iter_rows(spec, workers=2))
    assert len(here) == 12
    assert here == threads == processes


def test_cancel_in_worker_processes_returns_promptly_with_fewer_rows():
    spec = SweepSpec(crash_scenario(), {P: [0.5]}, list(range(200)))
    cancel = threading.Event()
    rows = []
    for row in iter_rows(spec, workers=2, cancel=cancel):
        rows.append(row)
        cancel.set()
    assert 1 <= len(rows) < 200


def test_run_job_never_raises_for_a_scenario_the_model_refuses():
    (job,) = SweepSpec(crash_scenario(), {}, [1]).jobs()
    job.scenario = {"hosts": [{"id": "a"}, {"id": "a"}]}
    row = run_job(job)
    assert "duplicate host id" in row["error"]


def test_more_hosts_more_failures_as_the_formula_says():
    p = 0.3
    spec = SweepSpec(crash_scenario(p), {"hosts[x1].count": [1, 2, 4, 8]}, list(range(60)))
    rows = list(iter_rows(spec, workers=2))
    summary = summarize(rows, ["hosts[x1].count"], ["any_failed", "hosts_failed"])
    means = [e["any_failed.mean"] for e in summary]
    assert means == sorted(means) and means[-1] > means[0] + 0.3
    for e in summary:
        n, runs = e["hosts[x1].count"], e["n"]
        failed = round(e["any_failed.mean"] * runs)
        assert (e["any_failed.low"], e["any_failed.high"]) == wilson(failed, runs)
        # the formula inside a 99.9% interval (z = 3.29): four 95% intervals would all hold
        # it only 81% of the time, a wider one almost always unless the model is wrong
        low, high = wilson(failed, runs, z=3.29)
        assert low <= 1 - (1 - p) ** n <= high, (n, e)
        assert e["hosts_failed.low"] <= n * p <= e["hosts_failed.high"]
