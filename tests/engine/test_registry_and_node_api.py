"""The behaviour registry (one record per behaviour, read by validation, the command line and
the engine) and the node API (all a behaviour can reach)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
import simpy
from pydantic import BaseModel

import sandbox.engine.protocols as protocols
from sandbox.engine import Node, Simulation
from sandbox.engine.host import HostRuntime
from sandbox.engine.protocols import BehaviourLoadError, load_behaviour
from sandbox.scenario import registry
from sandbox.scenario.behaviours import behaviour_problems
from sandbox.scenario.registry import BehaviourInfo, behaviour, behaviours, register

from .helpers import MS, host, link, scen

# -- the registry ---------------------------------------------------------------------------


def test_every_record_is_complete_and_its_code_loads():
    infos = list(behaviours())
    assert len(infos) >= 11
    for info in infos:
        assert info.title and info.summary and "\n" not in info.summary, info.name
        assert info.category in registry.CATEGORIES, info.name
        assert issubclass(info.params, BaseModel), info.name
        fn = load_behaviour(info)
        assert inspect.isgeneratorfunction(fn), info.name
        assert list(inspect.signature(fn).parameters) == ["node", "params"], info.name


def test_every_protocol_function_in_the_package_is_registered():
    """No protocol code without a record: each public generator function of
    ``sandbox.engine.protocols`` is the entry point of exactly one behaviour."""
    entry_points = {info.entry_point for info in behaviours()}
    found = set()
    for mod in pkgutil.iter_modules(protocols.__path__):
        if mod.name.startswith("_"):
            continue
        module = importlib.import_module(f"{protocols.__name__}.{mod.name}")
        for name, obj in vars(module).items():
            if (inspect.isgeneratorfunction(obj) and not name.startswith("_")
                    and obj.__module__ == module.__name__):
                found.add(f"{module.__name__}:{name}")
    assert found == entry_points


def test_register_refuses_a_second_record_a_bad_category_and_a_bad_entry_point():
    info = behaviour("ping")
    with pytest.raises(ValueError, match="registered twice"):
        register(info)
    with pytest.raises(ValueError, match="unknown category 'cooking'"):
        register(BehaviourInfo("x1", "X", "x", "cooking", info.params, "a.b:c"))
    with pytest.raises(ValueError, match="must look like"):
        register(BehaviourInfo("x2", "X", "x", "basic", info.params, "no_colon"))
    assert not registry.is_registered("x1") and not registry.is_registered("x2")


def test_an_unknown_behaviour_names_the_known_ones():
    with pytest.raises(registry.UnknownBehaviour, match="unknown behaviour 'nope'.*ping"):
        behaviour("nope")
    assert behaviour_problems("nope", {}, set())[0][0] == "name"


def test_a_broken_entry_point_is_a_clear_error():
    info = behaviour("ping")
    bad = BehaviourInfo("x3", "X", "x", "basic", info.params, "sandbox.engine.protocols.basic:nope")
    with pytest.raises(BehaviourLoadError, match="basic:nope"):
        load_behaviour(bad)


def test_host_fields_come_from_the_record():
    assert behaviour("rr_client").host_fields == ("server",)
    assert behaviour("idle").host_fields == ()
    problems = behaviour_problems("rr_client", {"server": "h9"}, {"h0"})
    assert problems == [("params.server", "unknown host 'h9'")]


def test_categories_group_every_behaviour_once_in_order():
    grouped = registry.categories()
    assert list(grouped) == [c for c in registry.CATEGORIES if c in grouped]
    flat = [info.name for infos in grouped.values() for info in infos]
    assert sorted(flat) == sorted(registry.names())


# -- the node API ---------------------------------------------------------------------------

#: The documented API of a node (sandbox/engine/node.py); nothing else is public.
NODE_API = {
    "id", "hosts", "peers", "neighbours", "cores", "rng", "state", "now", "clock", "adjust_clock",
    "sleep", "step_bound", "workload", "run_end", "send", "broadcast", "receive", "handler",
    "read", "write", "memory", "app", "timer", "suspect", "unsuspect", "spawn", "resource",
    "report_state", "on_message",
}

INTERNALS = (Simulation, HostRuntime, simpy.Environment)


def _node(**scenario_kw) -> Node:
    s = scen([host(0), host(1)], [link("h0", "h1")], **scenario_kw)
    return Simulation(s).nodes["h0"].api


def test_a_node_offers_exactly_the_documented_api():
    node = _node()
    assert {n for n in dir(node) if not n.startswith("_")} == NODE_API
    for name in ("sim", "env", "spec", "network", "nodes", "crashed"):
        assert not hasattr(node, name), name


def test_no_public_attribute_of_a_node_leads_to_the_engine():
    node = _node(model={"communication": "dsm"})
    seen = []
    for name in sorted(NODE_API):
        value = getattr(node, name)
        seen.append(value)
        if not callable(value) and not isinstance(value, BaseModel):
            seen.extend(getattr(value, a) for a in dir(value) if not a.startswith("_"))
    leaks = [v for v in seen if isinstance(v, INTERNALS)]
    assert leaks == []


def test_a_node_cannot_be_given_new_attributes():
    node = _node()
    with pytest.raises(AttributeError):
        node.sim = object()  # type: ignore[attr-defined]


def test_what_protocols_used_to_read_from_the_engine_is_on_the_node():
    s = scen([host(0), host(1)], [link("h0", "h1")], duration=3 * MS,
             model={"synchrony": "synchronous", "step_bound": 2 * MS, "communication": "dsm"},
             workload={"profile": "constant", "base_rate": 7.0})
    s = s.model_copy(update={"hosts": [s.hosts[0].model_copy(update={"cores": 3}), s.hosts[1]]})
    sim = Simulation(s)
    node = sim.nodes["h0"].api
    assert node.cores == 3
    assert node.step_bound == 2 * MS
    assert node.workload.base_rate == 7.0
    assert node.run_end == 3 * MS
    sim.start(until=5 * MS)
    assert node.run_end == 5 * MS
    mem = node.memory
    assert mem.pages == s.memory.pages and mem.page_size == s.memory.page_size
    mine = mem.pages_homed_at("h0")
    assert mine and all(mem.home_of(p) == "h0" for p in mine)
    assert set(mine) | set(mem.pages_homed_at("h1")) == set(range(mem.pages))


def test_hosts_are_every_host_in_scenario_order_and_peers_the_others():
    s = scen([host("z"), host("a"), host("m")], [link("z", "a"), link("a", "m")])
    sim = Simulation(s)
    for h in ("z", "a", "m"):
        node = sim.nodes[h].api
        assert list(node.hosts) == ["z", "a", "m"]
        assert list(node.peers) == [x for x in ("z", "a", "m") if x != h]


def test_the_step_bound_is_none_outside_the_synchronous_model():
    assert _node(model={"synchrony": "asynchronous"}).step_bound is None


def test_a_users_behaviour_can_be_unregistered_a_builtin_cannot():
    from sandbox.scenario.behaviours import IdleParams

    info = registry.BehaviourInfo("users_probe", "Probe", "A user's", "basic", IdleParams,
                                  "somewhere:probe", origin="/tmp/probe.py")
    registry.register(info)
    try:
        assert registry.user_names() == ("users_probe",)
    finally:
        registry.unregister("users_probe")
    assert not registry.is_registered("users_probe") and registry.user_names() == ()
    registry.unregister("users_probe")  # unknown: nothing to do
    with pytest.raises(ValueError, match="built in"):
        registry.unregister("raft")
