"""Sweep specs: jobs in a stable order, bad values as error jobs, and hosts[ID].count."""

import pytest

from sandbox.scenario import scenario_from_dict
from sandbox.scenario.paths import PathError
from sandbox.sweep.spec import SweepSpec, with_copies

from .helpers import crash_scenario, heartbeat_scenario


def test_jobs_are_the_product_of_the_values_times_the_seeds_in_a_stable_order():
    spec = SweepSpec(crash_scenario(), {"hosts[*].failures.crash_probability": [0.1, 0.2],
                                        "hosts[x1].cores": [1, 2, 4]}, [5, 6])
    jobs = spec.jobs()
    assert len(jobs) == 12 and [j.index for j in jobs] == list(range(12))
    assert [(j.combo["hosts[*].failures.crash_probability"], j.combo["hosts[x1].cores"], j.seed)
            for j in jobs[:4]] == [(0.1, 1, 5), (0.1, 1, 6), (0.1, 2, 5), (0.1, 2, 6)]
    assert jobs[3].scenario["hosts"][0]["cores"] == 2
    assert [spec.key(j) for j in jobs] == [spec.key(j) for j in spec.jobs()]
    assert len({spec.key(j) for j in jobs}) == 12


def test_a_bad_value_is_a_job_with_its_error_not_an_exception():
    spec = SweepSpec(crash_scenario(), {"hosts[*].failures.crash_probability": [0.5, 2.0]}, [1])
    good, bad = spec.jobs()
    assert good.error == ""
    assert "crash_probability" in bad.error and "less than or equal to 1" in bad.error


def test_a_path_that_names_nothing_is_refused_before_any_job():
    spec = SweepSpec(crash_scenario(), {"hosts[nope].cores": [1]}, [1])
    with pytest.raises(PathError, match="nope"):
        spec.jobs()
    with pytest.raises(PathError, match="clock"):
        SweepSpec(crash_scenario(), {"hosts[*].clok.drift_ppm": [1.0]}, [1]).check_paths()
    with pytest.raises(PathError, match="no host 'zz'"):
        SweepSpec(crash_scenario(), {"hosts[zz].count": [2]}, [1]).check_paths()


def test_a_row_read_back_has_the_key_of_its_job():
    spec = SweepSpec(crash_scenario(), {"hosts[*].failures.crash_probability": [1.0]}, [3])
    job = spec.jobs()[0]
    assert spec.key({"hosts[*].failures.crash_probability": 1, "seed": 3}) == spec.key(job)


def test_copies_of_a_host_get_unique_ids_numbered_labels_its_links_and_group():
    s = scenario_from_dict(crash_scenario(hosts=3) | {"hosts": crash_scenario(hosts=3)["hosts"]
                                                      + [{"id": "x1_2"}]})
    grown = with_copies(s, "x1", 4)
    ids = grown.host_ids()
    assert len(ids) == len(set(ids)) == 7
    assert ids[:4] == ["x1", "x1_3", "x1_4", "x1_5"]  # x1_2 was taken
    copy = grown.host("x1_3")
    assert copy.label == "Node x1 2" and copy.group == "rack1"
    assert copy.failures == s.host("x1").failures
    ends = {(lk.a, lk.b) for lk in grown.links}
    for cid in ("x1_3", "x1_4", "x1_5"):
        assert {(cid, "x2"), (cid, "x3")} <= ends
        assert (cid, "x1") not in ends and ("x1", cid) not in ends
    assert with_copies(s, "x1", 1) is s


def test_copies_join_peer_lists_partitions_and_all_to_all_peers():
    s = scenario_from_dict(heartbeat_scenario())
    grown = with_copies(s, "a", 3)
    peers = {h.id: h.behaviour.params.get("peers") for h in grown.hosts}
    assert peers["b"] == ["a", "a_2", "a_3", "c"]
    assert peers["c"] == ["a", "a_2", "a_3", "b"]
    # a and its peers name each other: the copies watch a, b, c and each other
    assert sorted(peers["a"]) == ["a_2", "a_3", "b", "c"]
    assert sorted(peers["a_2"]) == ["a", "a_3", "b", "c"]
    # a single host parameter is not copied; a directed link keeps its direction
    assert grown.host("cl").behaviour.params["server"] == "srv"
    assert any(lk.a == "a_2" and lk.b == "srv" for lk in grown.links)
    partition, crash = grown.faults
    assert partition.sides == [["a", "a_2", "a_3"], ["b", "c"]]
    assert crash.host == "a"  # a scheduled fault stays the host's own


def test_a_count_applies_before_the_other_paths_so_a_wildcard_reaches_the_copies():
    spec = SweepSpec(crash_scenario(p=0.0), {"hosts[*].cores": [8], "hosts[x1].count": [3]}, [1])
    (job,) = spec.jobs()
    assert job.error == ""
    assert [h["cores"] for h in job.scenario["hosts"]] == [8, 8, 8]
    assert [h["id"] for h in job.scenario["hosts"]] == ["x1", "x1_2", "x1_3"]


@pytest.mark.parametrize("count", [0, 2.5, "many", True])
def test_a_bad_count_is_an_error_job(count):
    (job,) = SweepSpec(crash_scenario(), {"hosts[x1].count": [count]}, [1]).jobs()
    assert job.error.startswith("hosts[x1].count")
