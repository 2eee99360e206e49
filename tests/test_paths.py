"""Tests of the path language (sandbox.scenario.paths): parsing, resolving by id, errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sandbox.scenario import Group, Host, Link, Scenario
from sandbox.scenario.paths import (
    Location,
    PathError,
    format_path,
    get_value,
    get_values,
    link_key,
    parse_path,
    resolve,
    set_value,
)


@pytest.fixture
def scenario() -> Scenario:
    return Scenario(
        hosts=[
            Host(id="h1", group="rack1"),
            Host(id="h2", behaviour={"name": "rr_client", "params": {"server": "h1"}}),
            Host(id="h3", behaviour={"name": "heartbeat", "params": {"peers": ["h1"]}}),
        ],
        links=[Link(a="h1", b="h2"), Link(a="h3", b="h2", loss=0.25)],
        groups=[Group(id="rack1", width=120)],
    )


@pytest.fixture
def data(scenario: Scenario) -> dict:
    return scenario.model_dump(mode="json")


# -- parsing -------------------------------------------------------------------------------------


def test_parse_selector_and_fields():
    p = parse_path("hosts[h1].clock.drift_ppm")
    assert (p.collection, p.key, p.fields) == ("hosts", "h1", ("clock", "drift_ppm"))
    assert not p.is_wildcard and p.model is Host
    assert parse_path("hosts[*].failures.mttr").is_wildcard
    assert parse_path("memory.page_size").collection is None
    assert str(parse_path("links[h1-h2].loss")) == "links[h1-h2].loss"


def test_parse_relative_to_a_host():
    p = parse_path("clock.drift_ppm", root=Host)
    assert (p.collection, p.fields, p.model) == (None, ("clock", "drift_ppm"), Host)
    with pytest.raises(PathError, match="no field 'clok' in a host; did you mean 'clock'"):
        parse_path("clok.drift_ppm", root=Host)


def test_unknown_field_names_close_names():
    with pytest.raises(PathError) as info:
        parse_path("hosts[h1].clok.drift_ppm")
    assert info.value.path == "hosts[h1].clok.drift_ppm"
    assert "no field 'clok' in a host" in info.value.reason
    assert "'clock'" in info.value.reason
    with pytest.raises(PathError, match="no field 'pag' in 'memory'; did you mean 'pages'"):
        parse_path("memory.pag")
    with pytest.raises(PathError, match=r"\(it has: .*memory.*\)"):
        parse_path("nothing_like_it")
    assert isinstance(PathError("p", "r"), ValueError)


@pytest.mark.parametrize(("text", "message"), [
    ("hosts.0.clock", "named by id, not by position"),
    ("hosts", r"name one by id, hosts\[<id>\], or all with hosts\[\*\]"),
    ("faults[0].host", "'faults' has no ids"),
    ("workload.points[1].rate", "'workload.points' has no ids"),
    ("run[1]", "'run' is not a list of objects"),
    ("hosts[h1][0]", "one selector per object"),
    ("hosts[h1", "not closed"),
    ("hosts[].clock", "empty brackets"),
    ("hosts[h1]..clock", "a field name was expected"),
    ("links[h1h2].loss", r"named by its two ends, links\[a-b\]"),
    ("links[h1-h2#0].loss", "number of the link, from 1"),
    ("hosts[h1].clock.drift_ppm.x", r"'hosts\[h1\].clock.drift_ppm' is a value"),
    ("faults.host", "'faults' is a list without ids"),
    ("", "empty path"),
])
def test_syntax_and_shape_errors(text, message):
    with pytest.raises(PathError, match=message):
        parse_path(text)


def test_format_path_and_link_key(scenario):
    assert format_path("clock.drift_ppm", collection="hosts", key="h1") == \
        "hosts[h1].clock.drift_ppm"
    assert format_path(["memory", "page_size"]) == "memory.page_size"
    assert format_path((), collection="groups", key="rack1") == "groups[rack1]"
    links = [Link(a="a", b="b"), Link(a="b", b="a"), Link(a="a", b="c")]
    assert [link_key(links, i) for i in range(3)] == ["a-b#1", "b-a#2", "a-c"]
    assert link_key(scenario.links, 1) == "h3-h2"


# -- resolving -----------------------------------------------------------------------------------


def test_resolve_by_id_and_wildcard(data):
    assert resolve(data, "hosts[h2].cores") == [Location("hosts", 1, "h2", ("cores",))]
    locations = resolve(data, "hosts[*].failures.mttr")
    assert [loc.path for loc in locations] == [
        "hosts[h1].failures.mttr", "hosts[h2].failures.mttr", "hosts[h3].failures.mttr"]
    assert [loc.index for loc in resolve(data, "links[*].loss")] == [0, 1]
    assert resolve(data, "title") == [Location(None, None, None, ("title",))]


def test_resolve_works_on_models_too(scenario, data):
    for path in ("hosts[h1].group", "groups[rack1].width", "links[h2-h3].loss", "run.seed"):
        assert get_value(scenario, path) == get_value(data, path)
    assert get_value(scenario, "links[h2-h3].loss") == 0.25


def test_unknown_host_and_index_refused_with_hint(data):
    with pytest.raises(PathError, match="unknown host 'h9'"):
        resolve(data, "hosts[h9].clock.drift_ppm")
    with pytest.raises(PathError, match=r"not by position: write hosts\[h1\]"):
        resolve(data, "hosts[0].clock")
    with pytest.raises(PathError, match=r"not by position: write links\[h3-h2\]"):
        resolve(data, "links[1].loss")
    with pytest.raises(PathError, match="unknown group 'rack9'"):
        resolve(data, "groups[rack9].width")


def test_link_key_either_order_for_undirected(data):
    assert resolve(data, "links[h1-h2].loss")[0].index == 0
    assert resolve(data, "links[h2-h1].loss")[0].index == 0
    assert resolve(data, "links[h2-h1].loss")[0].key == "h1-h2"
    with pytest.raises(PathError, match="no link from h1 to h3"):
        resolve(data, "links[h1-h3].loss")
    with pytest.raises(PathError, match="unknown host 'h9'"):
        resolve(data, "links[h1-h9].loss")


def test_directed_links_and_duplicates():
    data = Scenario(
        hosts=[Host(id="a"), Host(id="b")],
        links=[Link(a="a", b="b", directed=True), Link(a="b", b="a", directed=True),
               Link(a="a", b="b", loss=0.5)],
    ).model_dump(mode="json")
    # b-a matches only the directed link from b (and the undirected one, in either order).
    assert [loc.index for loc in resolve(data, "links[b-a#1].loss")] == [1]
    assert [loc.index for loc in resolve(data, "links[b-a#2].loss")] == [2]
    with pytest.raises(PathError, match=r"2 links join a and b: write links\[a-b#1\] or "
                                        r"links\[a-b#2\]"):
        resolve(data, "links[a-b].loss")
    assert get_value(data, "links[a-b#2].loss") == 0.5
    with pytest.raises(PathError, match="only 2 links between a and b"):
        resolve(data, "links[a-b#3].loss")
    assert [loc.key for loc in resolve(data, "links[*].loss")] == ["a-b#1", "b-a#1", "a-b#2"]


def test_host_ids_with_dashes():
    data = Scenario(hosts=[Host(id="web-1"), Host(id="db"), Host(id="web"), Host(id="1-db")],
                    links=[Link(a="web-1", b="db")]).model_dump(mode="json")
    assert resolve(data, "links[web-1-db].loss")[0].index == 0
    data["links"].append(Link(a="web", b="1-db").model_dump(mode="json"))
    with pytest.raises(PathError, match="ambiguous link key"):
        resolve(data, "links[web-1-db].loss")


def test_behaviour_params(data):
    assert get_value(data, "hosts[h2].behaviour.params.server") == "h1"
    # A parameter not written in the file reads as its default.
    assert get_value(data, "hosts[h2].behaviour.params.interval") == 100_000_000
    with pytest.raises(PathError, match="no parameter 'server' in behaviour 'idle'"):
        resolve(data, "hosts[h1].behaviour.params.server")
    with pytest.raises(PathError, match="no parameter 'intervall' in behaviour 'rr_client'; "
                                        "did you mean 'interval'"):
        resolve(data, "hosts[h2].behaviour.params.intervall")
    # A wildcard keeps the hosts whose behaviour has the parameter.
    assert [loc.key for loc in resolve(data, "hosts[*].behaviour.params.interval")] == \
        ["h2", "h3"]
    with pytest.raises(PathError, match="no host's behaviour has this parameter"):
        resolve(data, "hosts[*].behaviour.params.nothing")


def test_get_value_needs_one_place(data):
    assert get_values(data, "hosts[*].cores") == [1, 1, 1]
    with pytest.raises(PathError, match="names 3 places"):
        get_value(data, "hosts[*].cores")


# -- setting -------------------------------------------------------------------------------------


def test_set_value_wildcard_is_what_a_sweep_needs(data):
    set_value(data, "hosts[*].failures.mttr", 5_000_000_000)
    assert [h["failures"]["mttr"] for h in data["hosts"]] == [5_000_000_000] * 3
    s = Scenario.model_validate(data)
    assert all(h.failures.mttr == 5_000_000_000 for h in s.hosts)


def test_set_value_settings_and_objects(data):
    for path, value in [("memory.page_size", 8192), ("run.seed", 7),
                        ("model.synchrony", "synchronous"), ("title", "T"),
                        ("groups[rack1].width", 99.0), ("links[h2-h3].loss", 0.5),
                        ("hosts[h2].behaviour.params.server", "h3"),
                        ("hosts[h1].clock.drift_ppm", 20.0)]:
        assert [loc.path for loc in set_value(data, path, value)]
        assert get_value(data, path) == value
    s = Scenario.model_validate(data)
    assert (s.memory.page_size, s.run.seed, s.title, s.groups[0].width) == (8192, 7, "T", 99.0)
    assert s.host("h2").behaviour.params["server"] == "h3"
    assert s.links[1].loss == 0.5


def test_set_value_starts_an_unset_object(data):
    assert get_value(data, "links[h1-h2].latency.mean") is None
    set_value(data, "links[h1-h2].latency.mean", 5_000_000)
    assert Scenario.model_validate(data).links[0].latency.mean == 5_000_000


def test_set_value_copies_per_location_and_refuses_models(scenario, data):
    set_value(data, "hosts[*].behaviour", {"name": "heartbeat", "params": {"peers": ["h1"]}})
    data["hosts"][0]["behaviour"]["params"]["peers"].append("h2")
    assert data["hosts"][1]["behaviour"]["params"]["peers"] == ["h1"]
    with pytest.raises(TypeError, match="plain data"):
        set_value(scenario, "title", "x")


def test_set_value_relative_to_a_host(scenario):
    host = scenario.hosts[1].model_dump()
    set_value(host, parse_path("behaviour.params.timeout", Host), 7)
    assert Host.model_validate(host).behaviour.params["timeout"] == 7
    with pytest.raises(PathError, match="no parameter 'peers' in behaviour 'rr_client'"):
        set_value(host, parse_path("behaviour.params.peers", Host), [])


def test_importing_paths_loads_no_qt():
    code = ("import sys, sandbox.scenario.paths, sandbox.scenario.references; "
            "print([m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
