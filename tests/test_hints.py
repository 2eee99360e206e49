"""Hints for settings that do nothing (sandbox.scenario.hints), checked against what the engine
does with the same scenario, and ``sandbox validate``'s ``hint:`` lines."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from test_cli import PRESETS, ok, sandbox_cmd

from sandbox.engine.runner import run
from sandbox.scenario import load, save
from sandbox.scenario.hints import (
    CRASH_VISIBLE,
    HINT_CODES,
    Hint,
    crash_rate,
    expected_crashes,
    hints,
    reachable_from,
    send_targets,
)
from sandbox.scenario.model import FailureSpec, Scenario
from sandbox.scenario.paths import resolve
from sandbox.sweep.theory import failure_rate
from sandbox.trace.sinks import MemorySink

YEAR = 365 * 86_400_000_000_000
SECOND = 1_000_000_000


def scenario(hosts=(), links=(), **settings) -> Scenario:
    return Scenario.model_validate({
        "hosts": [{"id": h, **spec} if isinstance(spec, dict) else {"id": h}
                  for h, spec in (hosts.items() if isinstance(hosts, dict)
                                  else ((h, {}) for h in hosts))],
        "links": [{"a": a, "b": b, **extra} for a, b, *rest in links
                  for extra in (rest[0] if rest else {},)],
        **settings})


def codes(s: Scenario) -> list[tuple[str, str]]:
    return [(h.code, h.path) for h in hints(s)]


def test_the_bundled_presets_have_no_hints():
    for preset in PRESETS:
        assert hints(load(preset)) == [], preset.stem


def test_every_hint_names_a_field_of_the_scenario_and_fills_its_template():
    s = scenario(
        {"a": {"behaviour": {"name": "broadcast"}, "memory_pages": 4,
               "failures": {"crash_probability": 0.01, "mttr": SECOND}},
         "b": {"failures": {"mttf": YEAR, "crash_probability": 0.5}},
         "c": {"failures": {"mttr": SECOND}}},
        [], model={"communication": "shared_memory"}, workload={"profile": "diurnal"})
    found = hints(s)
    assert {h.code for h in found} == set(HINT_CODES)
    data = s.model_dump()
    for h in found:
        assert isinstance(h, Hint) and h.code in HINT_CODES
        assert resolve(data, h.path), h.path  # the one path language, objects by id
        text = h.text()
        assert "{" not in text and text.endswith("."), text
        assert str(h) == f"{h.path}: {text}"
        # a translator's template: a literal with named fields only
        assert not re.search(r"\{\d*\}", h.template)


def test_text_translates_the_template_first():
    hint = Hint("title", "c", "{n} hosts", {"n": 3})
    assert hint.text(lambda t: {"{n} hosts": "{n} máquinas"}[t]) == "3 máquinas"


# -- memory --------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["dsm", "shared_memory"])
def test_memory_chosen_but_no_host_accesses_it(mode):
    s = scenario(["a", "b"], [("a", "b")], model={"communication": mode})
    assert codes(s) == [("memory_unused", "model.communication")]
    assert ("DSM" if mode == "dsm" else "Shared memory") in hints(s)[0].text()
    worker = scenario({"a": {"behaviour": {"name": "dsm_worker"}}, "b": {}}, [("a", "b")],
                      model={"communication": mode})
    assert codes(worker) == []


def test_message_passing_says_nothing_of_memory_but_of_pages_given_to_no_pool():
    assert codes(scenario(["a"])) == []
    s = scenario({"a": {"memory_pages": 8}, "b": {}}, [("a", "b")])
    assert codes(s) == [("memory_pages_unused", "hosts[a].memory_pages")]
    assert "8 pages" in hints(s)[0].text() and "message passing" in hints(s)[0].text()
    assert codes(scenario({"a": {"memory_pages": 8, "behaviour": {"name": "dsm_worker"}}},
                          model={"communication": "dsm"})) == []


# -- workload ------------------------------------------------------------------------------------


def test_a_workload_without_a_workload_client():
    assert codes(scenario(["a"])) == []  # the default workload: nothing was chosen
    s = scenario(["a"], workload={"profile": "black_friday"})
    assert codes(s) == [("workload_unused", "workload.profile")]
    assert "black friday" in hints(s)[0].text()
    assert codes(scenario(["a"], workload={"base_rate": 50})) == [
        ("workload_unused", "workload.base_rate")]
    client = scenario({"c": {"behaviour": {"name": "workload_client",
                                           "params": {"servers": ["s"]}}},
                       "s": {"behaviour": {"name": "rr_server"}}}, [("c", "s")],
                      workload={"profile": "black_friday"})
    assert codes(client) == []


# -- routes --------------------------------------------------------------------------------------


def _copy_of_a_ring(n: int, copies: int = 2) -> Scenario:
    hosts = {f"h{c}_{i}": {"behaviour": {"name": "broadcast", "params": {"interval": "50ms", "count": 5}}}
             for c in range(copies) for i in range(n)}
    links = [(f"h{c}_{i}", f"h{c}_{(i + 1) % n}") for c in range(copies) for i in range(n)]
    return scenario(hosts, links, run={"duration": SECOND})


def _no_route_pairs(s: Scenario) -> set[tuple[str, str]]:
    sink = MemorySink()
    run(s, sink)
    return {(e.host, e.peer) for e in sink.events
            if e.kind == "drop" and (e.data or {}).get("reason") == "no_route"}


def test_a_broadcast_over_a_disconnected_copy_is_hinted_as_the_engine_drops_it():
    s = _copy_of_a_ring(3)
    found = [h for h in hints(s) if h.code == "no_route"]
    assert [h.path for h in found] == [f"hosts[{h.id}].behaviour.params.peers" for h in s.hosts]
    assert all(h.severity == "warning" and h.args["count"] == 3 for h in found)
    predicted = {(h.id, t) for h in s.hosts for t in send_targets(h, s.host_ids())[1]
                 if t not in reachable_from(s, h.id)}
    assert predicted == _no_route_pairs(s)  # the engine's routing is the reference
    joined = scenario({h.id: h.model_dump(exclude={"id"}) for h in s.hosts},
                      [*((lk.a, lk.b) for lk in s.links), ("h0_0", "h1_0")],
                      run={"duration": SECOND})
    assert [h for h in hints(joined) if h.code == "no_route"] == []
    assert _no_route_pairs(joined) == set()


def test_routes_follow_links_hop_by_hop_and_directed_links_one_way():
    s = scenario({"c": {"behaviour": {"name": "rr_client", "params": {"server": "s"}}},
                  "r": {}, "s": {"behaviour": {"name": "rr_server"}}},
                 [("c", "r"), ("r", "s")])
    assert codes(s) == []  # two hops away is reachable
    one_way = scenario({"c": {"behaviour": {"name": "rr_client", "params": {"server": "s"}}},
                        "s": {"behaviour": {"name": "rr_server"}}},
                       [("s", "c", {"directed": True})], run={"duration": SECOND})
    assert codes(one_way) == [("no_route", "hosts[c].behaviour.params.server")]
    assert "c sends to s, but no link leads there" in hints(one_way)[0].text()
    assert _no_route_pairs(one_way) == {("c", "s")}


def test_named_peers_are_the_targets_and_hosts_that_only_answer_send_to_nobody():
    s = scenario({"a": {"behaviour": {"name": "ping", "params": {"peers": ["b"]}}},
                  "b": {}, "c": {}}, [("a", "b")])
    assert codes(s) == []  # a pings only b, which it reaches; c is not a target
    assert send_targets(s.host("a"), s.host_ids()) == ("peers", ["b"])
    assert send_targets(s.host("b"), s.host_ids()) is None  # idle
    many = scenario({"a": {"behaviour": {"name": "ping"}},
                     **{f"x{i}": {} for i in range(7)}})
    (hint,) = hints(many)
    assert hint.args["count"] == 7 and hint.args["hosts"] == "x0, x1, x2, x3, x4 (+2)"


# -- failures ------------------------------------------------------------------------------------


@pytest.mark.parametrize("failures", [
    {"crash_probability": 0.01}, {"crash_probability": 1.0, "crash_period": SECOND},
    {"crash_probability": 1e-300}, {"mttf": 3 * SECOND}, {}, {"crash_probability": 0.3},
])
def test_the_crash_rate_is_the_one_the_sweep_theory_and_engine_use(failures):
    spec = FailureSpec.model_validate(failures)
    assert crash_rate(spec) == pytest.approx(failure_rate(spec.model_dump()), rel=1e-12)
    assert expected_crashes(spec, 10 * SECOND) == pytest.approx(crash_rate(spec) * 10 * SECOND)


def test_a_crash_probability_too_small_to_show_in_the_run():
    annual = {"failures": {"crash_probability": 0.02}}  # 2% a year, over a 10 s run
    s = scenario({"a": annual, "b": annual})
    assert codes(s) == [("crash_too_rare", "hosts[a].failures.crash_probability"),
                        ("crash_too_rare", "hosts[b].failures.crash_probability")]
    text = hints(s)[0].text()
    assert "0.02 per 8760h" in text and "10s" in text and "no random crash will show" in text
    # a probability per second shows in a run of ten seconds
    assert codes(scenario({"a": {"failures": {"crash_probability": 0.02,
                                              "crash_period": SECOND}}})) == []
    by_mttf = scenario({"a": {"failures": {"mttf": 30 * 86_400 * SECOND}}})
    assert codes(by_mttf) == [("crash_too_rare", "hosts[a].failures.mttf")]
    assert "MTTF of 720h" in hints(by_mttf)[0].text()


def test_the_threshold_counts_every_host_together():
    # each host alone is under the threshold; together they are over it
    per_host = CRASH_VISIBLE / 4
    period = 10 * SECOND  # the run's length
    p = -math.expm1(-per_host)
    one = {"failures": {"crash_probability": p, "crash_period": period}}
    assert [c for c, _ in codes(scenario({"a": one}))] == ["crash_too_rare"]
    assert codes(scenario({f"h{i}": one for i in range(5)})) == []


def test_mttf_and_a_probability_both_set_says_which_applies():
    s = scenario({"a": {"failures": {"mttf": SECOND, "crash_probability": 0.5}}})
    assert codes(s) == [("probability_ignored", "hosts[a].failures.crash_probability")]
    assert "MTTF is set (1s), so this crash probability is not used" in hints(s)[0].text()


def test_mttr_without_random_crashes():
    s = scenario({"a": {"failures": {"mttr": SECOND}}})
    assert codes(s) == [("mttr_unused", "hosts[a].failures.mttr")]
    assert codes(scenario({"a": {"failures": {"mttr": SECOND, "mttf": SECOND}}})) == []


# -- sandbox validate ----------------------------------------------------------------------------


def test_validate_prints_hints_and_does_not_fail(tmp_path: Path):
    path = tmp_path / "dsm.json"
    save(scenario(["a", "b"], [("a", "b")], model={"communication": "dsm"},
                  workload={"profile": "diurnal"}), path)
    proc = ok(sandbox_cmd("validate", str(path)))
    lines = proc.stdout.splitlines()
    assert lines[0] == f"ok: {path}"
    assert "hint: model.communication: DSM is chosen, but no host reads or writes memory" \
        in proc.stdout
    assert any(line.startswith("hint: workload.profile: ") for line in lines)
    assert proc.stderr == ""
