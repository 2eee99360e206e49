"""Tests of the reference bookkeeping (sandbox.scenario.references), without Qt."""

from __future__ import annotations

import pytest

from sandbox.scenario import Group, Host, Link, Scenario
from sandbox.scenario.model import CrashFault, LinkCutFault, PartitionFault, cross_field_problems
from sandbox.scenario.references import (
    Reference,
    behaviour_hosts,
    copies,
    fresh_group_id,
    fresh_host_id,
    group_descendants,
    host_fields_of,
    references_to,
    remove,
    remove_groups,
    remove_hosts,
    rename_group,
    rename_host,
)


@pytest.fixture
def scenario() -> Scenario:
    return Scenario(
        hosts=[
            Host(id="h1", group="rack1"),
            Host(id="h2", group="rack1"),
            Host(id="c1", behaviour={"name": "rr_client", "params": {"server": "h2"}}),
            Host(id="hb", behaviour={"name": "heartbeat", "params": {"peers": ["h1", "h2"]}}),
            Host(id="wc", behaviour={"name": "workload_client", "params": {"servers": ["h2"]}}),
        ],
        links=[Link(a="h1", b="h2"), Link(a="h2", b="c1"), Link(a="c1", b="hb")],
        groups=[Group(id="dc1", kind="datacenter"), Group(id="rack1", parent="dc1"),
                Group(id="rack2", parent="rack1")],
        faults=[CrashFault(host="h2", at=5), LinkCutFault(a="h1", b="h2", start=1),
                PartitionFault(sides=[["h1", "h2"], ["c1"]], start=0),
                PartitionFault(sides=[["h2"], ["c1", "hb"]], start=0),
                CrashFault(host="c1", at=9)],
    )


def test_host_fields_of():
    assert host_fields_of("rr_client") == ("server",)
    assert host_fields_of("heartbeat") == ("peers",)
    assert host_fields_of("idle") == ()
    assert host_fields_of("no_such_behaviour") == ()


def test_references_to(scenario):
    refs = references_to(scenario, "h2")
    assert Reference("host", 2, "behaviour.params.server") in refs
    assert Reference("host", 3, "behaviour.params.peers") in refs
    assert Reference("host", 4, "behaviour.params.servers") in refs
    assert Reference("link", 0, "b") in refs and Reference("link", 1, "a") in refs
    assert [r for r in refs if r.kind == "fault"] == [
        Reference("fault", 0, "host"), Reference("fault", 1, "b"),
        Reference("fault", 2, "sides"), Reference("fault", 3, "sides")]
    assert references_to(scenario, "nobody") == []


def test_rename_host_rewrites_every_reference(scenario):
    before = scenario.model_dump()
    out = rename_host(scenario, "h2", "server")
    assert out.host_ids() == ["h1", "server", "c1", "hb", "wc"]
    assert out.host("c1").behaviour.params["server"] == "server"
    assert out.host("hb").behaviour.params["peers"] == ["h1", "server"]
    assert out.host("wc").behaviour.params["servers"] == ["server"]
    assert [(lk.a, lk.b) for lk in out.links] == [("h1", "server"), ("server", "c1"),
                                                 ("c1", "hb")]
    assert out.faults[0].host == "server" and out.faults[1].b == "server"
    assert out.faults[2].sides == [["h1", "server"], ["c1"]]
    assert references_to(out, "h2") == []
    assert cross_field_problems(out) == []
    # The scenario given is not changed, and what did not change is the same object.
    assert scenario.model_dump() == before
    assert out.links[2] is scenario.links[2] and out.hosts[0] is scenario.hosts[0]


def test_rename_host_refusals(scenario):
    with pytest.raises(KeyError):
        rename_host(scenario, "h9", "x")
    with pytest.raises(ValueError, match="already a host 'h1'"):
        rename_host(scenario, "h2", "h1")
    assert rename_host(scenario, "h2", "h2") is scenario


def test_remove_host_takes_links_and_faults(scenario):
    out, gone = remove_hosts(scenario, ["h2"])
    assert out.host_ids() == ["h1", "c1", "hb", "wc"]
    assert gone.hosts == [1] and gone.links == [0, 1]
    assert [(lk.a, lk.b) for lk in out.links] == [("c1", "hb")]
    # Faults that name the host go; partitions lose it from their sides.
    assert gone.faults == [scenario.faults[0], scenario.faults[1], scenario.faults[3]]
    assert out.faults[0].sides == [["h1"], ["c1"]]
    assert out.faults[1] is scenario.faults[4]
    # A single required host removed makes the behaviour idle; a list drops it.
    assert out.host("c1").behaviour.name == "idle"
    assert out.host("hb").behaviour.params["peers"] == ["h1"]
    # A required list left empty (a workload client's servers) falls back to idle.
    assert out.host("wc").behaviour.name == "idle"
    assert references_to(out, "h2") == []
    assert cross_field_problems(out) == []


def test_partition_with_fewer_than_two_sides_goes(scenario):
    out, gone = remove_hosts(scenario, ["c1"])
    assert scenario.faults[2] in gone.faults and scenario.faults[3] not in gone.faults
    assert [f.kind for f in out.faults] == ["crash", "link_cut", "partition"]
    assert out.faults[2].sides == [["h2"], ["hb"]]


def test_remove_groups_ungroups_and_lifts_children(scenario):
    out, gone = remove_groups(scenario, ["rack1"])
    assert gone.groups == [1] and not gone.hosts and not gone.links
    assert [g.id for g in out.groups] == ["dc1", "rack2"]
    assert out.groups[1].parent is None
    assert out.host("h1").group is None and out.host("h2").group is None
    assert cross_field_problems(out) == []


def test_remove_mixed_and_unknown_ignored(scenario):
    out, gone = remove(scenario, host_ids=["hb", "nobody"], link_indices=[0, 99],
                       group_ids=["dc1", "nothing"])
    assert gone.hosts == [3] and gone.links == [0, 2] and gone.groups == [0]
    assert out.groups[0].parent is None
    assert cross_field_problems(out) == []
    nothing, gone = remove(scenario)
    assert not gone and nothing.model_dump() == scenario.model_dump()


def test_rename_group(scenario):
    out = rename_group(scenario, "rack1", "r1")
    assert [g.id for g in out.groups] == ["dc1", "r1", "rack2"]
    assert out.groups[2].parent == "r1"
    assert out.host("h1").group == "r1"
    assert out.groups[0] is scenario.groups[0]
    with pytest.raises(ValueError, match="already a group"):
        rename_group(scenario, "rack1", "dc1")


def test_group_descendants(scenario):
    assert group_descendants(scenario, "dc1") == ["rack1", "rack2"]
    assert group_descendants(scenario, "rack2") == []


def test_fresh_ids(scenario):
    assert fresh_host_id(scenario) == "h3"
    assert fresh_host_id(scenario, "machine", taken=["h3"]) == "h4"
    assert fresh_host_id(scenario, "vm") == "vm1"
    assert fresh_group_id(scenario, "rack") == "rack3"
    assert fresh_group_id(scenario, "datacenter") == "dc2"


def test_copies_remap_to_the_copies(scenario):
    hosts = [scenario.host("h2"), scenario.host("c1"),
             Host(id="x", behaviour={"name": "heartbeat", "params": {"peers": ["gone", "h1"]}})]
    made = copies(scenario, hosts, scenario.links, [scenario.groups[1]], offset=(10, 20))
    assert [h.id for h in made.hosts] == ["h3", "h4", "h5"]
    assert [g.id for g in made.groups] == ["rack3"]
    assert made.groups[0].parent == "dc1"  # an existing parent is kept
    assert made.hosts[0].group == "rack3"  # into the copied group
    # The copied client names the copied server; hosts neither copied nor present are dropped.
    assert made.hosts[1].behaviour.params["server"] == "h3"
    assert made.hosts[2].behaviour.params["peers"] == ["h1"]
    # Only links between copied hosts are copied.
    assert [(lk.a, lk.b) for lk in made.links] == [("h3", "h4")]
    assert (made.hosts[0].x, made.hosts[0].y) == (10, 20)
    assert behaviour_hosts(made.hosts[1]) == ["h3"]
    combined = scenario.model_copy(update={"hosts": scenario.hosts + made.hosts,
                                           "links": scenario.links + made.links,
                                           "groups": scenario.groups + made.groups})
    assert cross_field_problems(combined) == []


def test_removing_the_last_link_of_a_pair_removes_its_link_faults():
    from sandbox.scenario.model import LossBurstFault

    s = Scenario.model_validate({
        "hosts": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
        "links": [{"a": "a", "b": "b"}, {"a": "b", "b": "a", "directed": True},
                  {"a": "b", "b": "c"}],
        "faults": [{"kind": "link_cut", "a": "a", "b": "b", "start": 0},
                   {"kind": "loss_burst", "a": "c", "b": "b", "start": 0, "end": 5}]})
    out, gone = remove(s, link_indices=[0])  # b->a still joins them
    assert out.faults == s.faults and gone.faults == []
    out, gone = remove(s, link_indices=[0, 1, 2])
    assert out.faults == [] and gone.faults == s.faults
    assert isinstance(gone.faults[0], LinkCutFault) and isinstance(gone.faults[1], LossBurstFault)
    assert cross_field_problems(out) == []
