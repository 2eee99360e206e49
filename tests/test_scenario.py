"""Scenario model and file I/O: durations, validation errors with paths, migration, saving.

Malformed files are checked through the real command (``python -m sandbox
validate`` and ``run`` in a subprocess): exit status 2, one
``error: FILE: PATH: message`` line per problem on stderr, never a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.scenario import (
    SCHEMA_VERSION,
    Scenario,
    ScenarioError,
    dumps,
    json_schema,
    load,
    loads,
    migrate,
    parse_duration,
    save,
    scenario_from_dict,
)
from sandbox.scenario.model import LatencySpec

NS, US, MS, S = 1, 1_000, 1_000_000, 1_000_000_000
REPO = Path(__file__).resolve().parent.parent


# -- helpers --------------------------------------------------------------------------------


def sandbox_cmd(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m sandbox ARGS`` in a fresh interpreter."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args],
        capture_output=True, text=True, timeout=120, cwd=cwd or REPO, env=env,
    )


def valid_dict(n: int = 4) -> dict:
    """A small valid scenario as file data (hosts h0..h{n-1} on a chain of links)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "title": "test",
        "hosts": [{"id": f"h{i}"} for i in range(n)],
        "links": [{"a": f"h{i}", "b": f"h{i + 1}"} for i in range(n - 1)],
        "run": {"duration": "100ms"},
    }


def write(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / name
    if isinstance(data, (str, bytes)):
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
    else:
        path.write_text(json.dumps(data), encoding="utf-8")
    return path


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def assert_problems(path: Path, expected: list[tuple[str, str]], *, command: str = "validate",
                    exact: bool = False) -> list[str]:
    """Run the command on ``path`` and check its error lines.

    ``expected`` holds (PATH, fragment of the message) pairs; PATH "" means
    a problem of the whole file (``error: FILE: message``).
    """
    args = [command, str(path)]
    if command == "run":
        args += ["--quiet"]
    proc = sandbox_cmd(*args)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert "Traceback" not in proc.stdout
    lines = error_lines(proc.stderr)
    assert lines, "no error line printed"
    prefix = f"error: {path}: "
    for line in lines:
        assert line.startswith(prefix), f"not an `error: FILE: ...` line: {line!r}"
    for where, fragment in expected:
        if where:
            want = f"{prefix}{where}: "
            hits = [ln for ln in lines if ln.startswith(want)]
            assert hits, f"no line for {where!r} in {lines}"
            assert any(fragment.lower() in ln.lower() for ln in hits), (fragment, hits)
        else:
            assert any(fragment.lower() in ln.lower() for ln in lines), (fragment, lines)
    if exact:
        assert len(lines) == len(expected), lines
    return lines


# -- durations ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "ns"), [
    ("500us", 500 * US),
    ("20ms", 20 * MS),
    ("2s", 2 * S),
    ("5min", 5 * 60 * S),
    ("1h", 3600 * S),
    ("1d", 86_400 * S),
    ("250ns", 250),
    ("1.5ms", 1_500_000),
    ("0.25s", 250 * MS),
    (".5s", 500 * MS),
    ("1e3us", MS),
    ("  7 ms ", 7 * MS),
    ("-3ms", -3 * MS),
    ("12", 12),  # a bare number is in the default unit, nanoseconds
])
def test_parse_duration_accepts_numbers_with_units(text, ns):
    assert parse_duration(text) == ns


def test_parse_duration_is_exact_for_large_integers():
    # An hour of nanoseconds times a large count must not go through float rounding.
    assert parse_duration("123456789h") == 123456789 * 3600 * S


def test_parse_duration_default_unit_and_numbers():
    assert parse_duration("3", default_unit="s") == 3 * S
    assert parse_duration(7) == 7
    assert parse_duration(2, default_unit="ms") == 2 * MS
    assert parse_duration(0.5, default_unit="s") == S // 2


@pytest.mark.parametrize("text", [
    "5parsecs", "ms", "", "   ", "1.2.3s", "5 m", "10sec", "1hr", "3 s s", "s5", "--1s",
    "five ms", "1,5ms", "0x10ms",
])
def test_parse_duration_refuses_bad_input(text):
    with pytest.raises(ValueError) as info:
        parse_duration(text)
    assert "duration" in str(info.value)


def test_parse_duration_refuses_booleans():
    with pytest.raises(ValueError):
        parse_duration(True)


def test_unknown_unit_message_names_the_accepted_units():
    with pytest.raises(ValueError) as info:
        parse_duration("3 weeks")
    msg = str(info.value)
    for unit in ("us", "ms", "s", "min", "h"):
        assert unit in msg


def test_durations_in_a_file_are_nanoseconds():
    data = valid_dict(2)
    data["links"][0]["latency"] = {"dist": "uniform", "mean": "20ms", "spread": "500us"}
    data["hosts"][0]["clock"] = {"offset": "-2s", "drift_ppm": 10}
    data["run"] = {"duration": "5min", "seed": 3}
    s = scenario_from_dict(data)
    assert s.links[0].latency.mean == 20 * MS
    assert s.links[0].latency.spread == 500 * US
    assert s.hosts[0].clock.offset == -2 * S
    assert s.run.duration == 300 * S


# -- the model in Python --------------------------------------------------------------------


def test_defaults_and_forbidden_extras():
    s = Scenario()
    assert s.schema_version == SCHEMA_VERSION
    assert s.hosts == [] and s.links == [] and s.faults == []
    with pytest.raises(ValueError):
        Scenario.model_validate({"hosts": [], "colour": "red"})


def test_latency_spec_cross_checks():
    with pytest.raises(ValueError):
        LatencySpec(dist="uniform", mean=MS, spread=2 * MS)  # would give negative latency
    with pytest.raises(ValueError):
        LatencySpec(dist="pareto", mean=MS, shape=1.0)  # infinite mean
    assert LatencySpec(dist="pareto", mean=MS, shape=1.5).shape == 1.5


def test_cross_field_problems_are_all_reported_with_paths():
    data = valid_dict(3)
    data["links"].append({"a": "h0", "b": "h9"})
    data["links"].append({"a": "h7", "b": "h0"})
    data["hosts"][1]["group"] = "rack9"
    data["hosts"][2]["behaviour"] = {"name": "rr_client", "params": {"server": "h5"}}
    data["faults"] = [{"kind": "crash", "host": "ghost", "at": "1ms"},
                      {"kind": "partition", "sides": [["h0"], ["h1", "hz"]], "start": "1ms"},
                      {"kind": "link_cut", "a": "h0", "b": "nope", "start": "1ms"}]
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data, "x.json")
    problems = dict(info.value.problems)
    assert problems["links[2].b"] == "unknown host 'h9'"
    assert problems["links[3].a"] == "unknown host 'h7'"
    assert "unknown group 'rack9'" in problems["hosts[1].group"]
    assert "unknown host 'h5'" in problems["hosts[2].behaviour.params.server"]
    assert "unknown host 'ghost'" in problems["faults[0].host"]
    assert "unknown host 'hz'" in problems["faults[1].sides[1][1]"]
    assert "unknown host 'nope'" in problems["faults[2].b"]
    assert all(line.startswith("error: x.json: ") for line in info.value.lines())


def test_self_link_duplicate_ids_and_group_cycles_are_refused():
    data = valid_dict(2)
    data["hosts"].append({"id": "h0"})
    data["links"].append({"a": "h1", "b": "h1"})
    data["groups"] = [{"id": "a", "parent": "b"}, {"id": "b", "parent": "a"}]
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    paths = [p for p, _ in info.value.problems]
    assert "hosts[2].id" in paths
    assert "links[1].b" in paths
    assert "groups[0].parent" in paths


def test_partition_sides_must_be_disjoint_and_end_after_start():
    data = valid_dict(3)
    data["faults"] = [
        {"kind": "partition", "sides": [["h0", "h1"], ["h1", "h2"]], "start": "1ms"},
        {"kind": "partition", "sides": [["h0"], ["h1"]], "start": "5ms", "end": "2ms"},
        {"kind": "loss_burst", "a": "h0", "b": "h1", "start": "5ms", "end": "5ms"},
    ]
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    paths = [p for p, _ in info.value.problems]
    assert "faults[0]" in paths and "faults[1]" in paths and "faults[2]" in paths


def test_link_cut_must_end_after_it_starts():
    data = valid_dict(2)
    data["faults"] = [{"kind": "link_cut", "a": "h0", "b": "h1", "start": "200ms",
                       "end": "100ms"}]
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    assert [p for p, _ in info.value.problems] == ["faults[0]"]


def test_custom_workload_needs_sorted_points():
    data = valid_dict(1)
    data["workload"] = {"profile": "custom", "points": []}
    with pytest.raises(ScenarioError):
        scenario_from_dict(data)
    data["workload"] = {"profile": "custom",
                        "points": [{"t": "2s", "rate": 1}, {"t": "1s", "rate": 2}]}
    with pytest.raises(ScenarioError):
        scenario_from_dict(data)
    data["workload"]["points"].reverse()
    assert scenario_from_dict(data).workload.points[0].t == S


# -- malformed files through the command ---------------------------------------------------


def test_bad_json(tmp_path):
    path = write(tmp_path, "bad.json", '{"hosts": [')
    for command in ("validate", "run"):
        lines = assert_problems(path, [("", "not valid JSON")], command=command, exact=True)
        assert "line 1" in lines[0]


def test_json_that_is_not_an_object(tmp_path):
    path = write(tmp_path, "list.json", [1, 2, 3])
    assert_problems(path, [("", "JSON object")], exact=True)


def test_not_utf8_and_missing_file(tmp_path):
    path = write(tmp_path, "bin.json", b"\xff\xfe\x00\x01garbage")
    assert_problems(path, [("", "UTF-8")], exact=True)
    missing = tmp_path / "missing.json"
    assert_problems(missing, [("", "no such file")], exact=True)
    assert_problems(missing, [("", "no such file")], command="run", exact=True)


def test_wrong_types(tmp_path):
    data = valid_dict(3)
    data["hosts"][0]["cores"] = "many"
    data["hosts"][1]["clock"] = {"drift_ppm": "fast"}
    data["links"][0]["directed"] = "sometimes"
    data["run"]["seed"] = [1]
    path = write(tmp_path, "types.json", data)
    for command in ("validate", "run"):
        assert_problems(path, [
            ("hosts[0].cores", "integer"),
            ("hosts[1].clock.drift_ppm", "number"),
            ("links[0].directed", "bool"),
            ("run.seed", "integer"),
        ], command=command, exact=True)


def test_wrong_type_of_a_whole_section(tmp_path):
    data = valid_dict(2)
    data["hosts"] = "h0,h1"
    path = write(tmp_path, "section.json", data)
    assert_problems(path, [("hosts", "list")])


def test_dangling_link_end(tmp_path):
    data = valid_dict(4)  # three links: links[0..2]
    data["links"].append({"a": "h3", "b": "h9"})
    path = write(tmp_path, "dangling.json", data)
    for command in ("validate", "run"):
        lines = assert_problems(path, [("links[3].b", "unknown host 'h9'")], command=command,
                                exact=True)
        assert lines == [f"error: {path}: links[3].b: unknown host 'h9'"]


def test_unknown_group(tmp_path):
    data = valid_dict(2)
    data["groups"] = [{"id": "rack1", "kind": "rack", "parent": "dc9"}]
    data["hosts"][1]["group"] = "rack7"
    path = write(tmp_path, "group.json", data)
    assert_problems(path, [("groups[0].parent", "unknown group 'dc9'"),
                           ("hosts[1].group", "unknown group 'rack7'")], exact=True)


def test_behaviour_param_naming_an_unknown_host(tmp_path):
    data = valid_dict(3)
    data["hosts"][0]["behaviour"] = {"name": "rr_client", "params": {"server": "h9"}}
    data["hosts"][1]["behaviour"] = {"name": "heartbeat", "params": {"peers": ["h0", "h8"]}}
    data["hosts"][2]["behaviour"] = {"name": "workload_client", "params": {"servers": ["zz"]}}
    path = write(tmp_path, "beh.json", data)
    for command in ("validate", "run"):
        assert_problems(path, [
            ("hosts[0].behaviour.params.server", "unknown host 'h9'"),
            ("hosts[1].behaviour.params.peers[1]", "unknown host 'h8'"),
            ("hosts[2].behaviour.params.servers[0]", "unknown host 'zz'"),
        ], command=command, exact=True)


def test_unknown_behaviour_and_bad_behaviour_params(tmp_path):
    data = valid_dict(3)
    data["hosts"][0]["behaviour"] = {"name": "warp_drive"}
    data["hosts"][1]["behaviour"] = {"name": "ping", "params": {"interval": "fast"}}
    data["hosts"][2]["behaviour"] = {"name": "ping", "params": {"bogus": 1}}
    path = write(tmp_path, "beh2.json", data)
    assert_problems(path, [
        ("hosts[0].behaviour.name", "unknown behaviour 'warp_drive'"),
        ("hosts[1].behaviour.params.interval", "invalid duration"),
        ("hosts[2].behaviour.params.bogus", ""),
    ], exact=True)


def test_dangling_fault_references(tmp_path):
    data = valid_dict(3)
    data["faults"] = [
        {"kind": "crash", "host": "h5", "at": "10ms"},
        {"kind": "partition", "sides": [["h0"], ["h1", "h6"]], "start": "1ms", "end": "2ms"},
        {"kind": "loss_burst", "a": "h0", "b": "q", "start": "1ms", "end": "2ms"},
    ]
    path = write(tmp_path, "faults.json", data)
    assert_problems(path, [
        ("faults[0].host", "unknown host 'h5'"),
        ("faults[1].sides[1][1]", "unknown host 'h6'"),
        ("faults[2].b", "unknown host 'q'"),
    ], exact=True)


def test_unknown_fault_kind(tmp_path):
    data = valid_dict(2)
    data["faults"] = [{"kind": "meteor", "at": "1s"}]
    path = write(tmp_path, "meteor.json", data)
    assert_problems(path, [("faults[0]", "meteor")], exact=True)


def test_out_of_range_values(tmp_path):
    data = valid_dict(3)
    data["links"][0]["loss"] = 1.5
    data["links"][1]["duplication"] = -0.1
    data["hosts"][0]["failures"] = {"crash_probability": 2}
    data["hosts"][1]["cores"] = 0
    data["hosts"][2]["clock"] = {"jitter": "-1ms"}
    data["run"]["duration"] = "-5ms"
    data["model"] = {"async_tail": 0.5}
    path = write(tmp_path, "range.json", data)
    for command in ("validate", "run"):
        assert_problems(path, [
            ("links[0].loss", "1"),
            ("links[1].duplication", "0"),
            ("hosts[0].failures.crash_probability", "1"),
            ("hosts[1].cores", "1"),
            ("hosts[2].clock.jitter", "0"),
            ("run.duration", ""),
            ("model.async_tail", "1"),
        ], command=command, exact=True)


def test_negative_duration_in_a_fault_and_bad_unit(tmp_path):
    data = valid_dict(2)
    data["faults"] = [{"kind": "pause", "host": "h0", "at": "-1s", "duration": "1s"},
                      {"kind": "crash", "host": "h0", "at": "3 fortnights"}]
    path = write(tmp_path, "neg.json", data)
    assert_problems(path, [("faults[0].at", ""), ("faults[1].at", "unknown unit")], exact=True)


def test_uniform_latency_wider_than_its_mean(tmp_path):
    data = valid_dict(2)
    data["links"][0]["latency"] = {"dist": "uniform", "mean": "1ms", "spread": "2ms"}
    path = write(tmp_path, "uniform.json", data)
    assert_problems(path, [("links[0].latency", "spread")], exact=True)


def test_unknown_field(tmp_path):
    data = valid_dict(2)
    data["hosts"][1]["colour"] = "red"
    data["colour"] = "blue"
    path = write(tmp_path, "extra.json", data)
    assert_problems(path, [("hosts[1].colour", "unknown field"), ("colour", "unknown field")],
                    exact=True)


def test_several_files_at_once(tmp_path):
    good = write(tmp_path, "good.json", valid_dict(2))
    bad = write(tmp_path, "bad.json", "{")
    proc = sandbox_cmd("validate", str(good), str(bad))
    assert proc.returncode == 2
    assert f"ok: {good}" in proc.stdout
    assert error_lines(proc.stderr)[0].startswith(f"error: {bad}: ")
    proc = sandbox_cmd("validate", str(good))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr


def test_newer_schema_version_is_refused(tmp_path):
    data = valid_dict(2)
    data["schema_version"] = SCHEMA_VERSION + 1
    path = write(tmp_path, "future.json", data)
    for command in ("validate", "run"):
        lines = assert_problems(path, [("schema_version", "newer")], command=command, exact=True)
        assert str(SCHEMA_VERSION + 1) in lines[0]
        assert "upgrade" in lines[0]
    with pytest.raises(ScenarioError):
        migrate(data)


@pytest.mark.parametrize("version", ["two", 0, -1, True, 2.0])
def test_bad_schema_version_values(tmp_path, version):
    data = valid_dict(2)
    data["schema_version"] = version
    path = write(tmp_path, "v.json", data)
    assert_problems(path, [("schema_version", "")], exact=True)


def v1_data() -> dict:
    return {
        "schema_version": 1,
        "title": "old",
        "hosts": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
        "links": [
            {"a": "a", "b": "b", "delay": {"dist": "constant", "mean": "3ms"}},
            {"a": "b", "b": "c", "delay": {"dist": "exponential", "mean": 7000}, "loss": 0.1},
            {"a": "a", "b": "c"},
        ],
    }


def test_version_1_file_is_migrated(tmp_path):
    path = write(tmp_path, "v1.json", v1_data())
    s = load(path)
    assert s.schema_version == SCHEMA_VERSION
    assert s.links[0].latency == LatencySpec(dist="constant", mean=3 * MS)
    assert s.links[1].latency.dist == "exponential" and s.links[1].latency.mean == 7000
    assert s.links[1].loss == 0.1
    assert s.links[2].latency is None
    proc = sandbox_cmd("validate", str(path))
    assert proc.returncode == 0, proc.stderr
    proc = sandbox_cmd("run", str(path), "--quiet", "--until", "50ms")
    assert proc.returncode == 0, proc.stderr


def test_file_without_schema_version_is_version_1():
    data = v1_data()
    del data["schema_version"]
    s = scenario_from_dict(data)
    assert s.links[0].latency.mean == 3 * MS


def test_migration_does_not_modify_its_input():
    data = v1_data()
    before = json.dumps(data, sort_keys=True)
    out = migrate(data)
    assert json.dumps(data, sort_keys=True) == before
    assert out["schema_version"] == SCHEMA_VERSION
    assert "delay" not in out["links"][0] and "latency" in out["links"][0]


def test_version_2_file_with_delay_is_refused(tmp_path):
    data = v1_data()
    data["schema_version"] = 2
    path = write(tmp_path, "v2delay.json", data)
    assert_problems(path, [("links[0].delay", "unknown field"),
                           ("links[1].delay", "unknown field")], exact=True)


def test_migrated_v1_file_with_a_problem_names_the_new_path(tmp_path):
    data = v1_data()
    data["links"][0]["delay"]["mean"] = "-3ms"
    path = write(tmp_path, "v1bad.json", data)
    assert_problems(path, [("links[0].latency.mean", "")], exact=True)


# -- saving -------------------------------------------------------------------------------


def rich_scenario() -> Scenario:
    data = valid_dict(4)
    data["title"] = "Ré-sumé ✓"  # non-ASCII survives
    data["groups"] = [{"id": "dc", "kind": "datacenter"},
                      {"id": "r1", "kind": "rack", "parent": "dc"}]
    data["hosts"][0].update(group="r1", kind="vm", cores=4, memory_pages=8,
                            clock={"offset": "-3ms", "drift_ppm": 12.5, "jitter": "1us"},
                            failures={"mttf": "10s", "mttr": "1s", "crash_mode": "fail_stop",
                                      "byzantine_probability": 0.1,
                                      "byzantine_behaviour": "replay"},
                            behaviour={"name": "heartbeat", "params": {"peers": ["h1", "h2"]}})
    data["hosts"][1]["behaviour"] = {"name": "rr_client",
                                     "params": {"server": "h2", "interval": "50ms"}}
    data["links"][0].update(latency={"dist": "pareto", "mean": "2ms", "shape": 2.5},
                            bandwidth=1e6, loss=0.01, duplication=0.02, directed=True)
    data["model"] = {"communication": "dsm", "synchrony": "partially_synchronous",
                     "gst": "1s"}
    data["memory"] = {"coherence": "read_replication", "pages": 16}
    data["workload"] = {"profile": "custom",
                        "points": [{"t": 0, "rate": 5}, {"t": "1s", "rate": 50.5}]}
    data["faults"] = [
        {"kind": "crash", "host": "h1", "at": "10ms"},
        {"kind": "recover", "host": "h1", "at": "20ms"},
        {"kind": "pause", "host": "h2", "at": "1ms", "duration": "2ms"},
        {"kind": "byzantine", "host": "h3", "at": "1ms", "behaviour": "equivocate"},
        {"kind": "partition", "sides": [["h0"], ["h1", "h2"]], "start": "1ms", "end": "3ms",
         "one_way": True},
        {"kind": "clock_jump", "host": "h0", "at": "5ms", "delta": "-1ms"},
        {"kind": "loss_burst", "a": "h0", "b": "h1", "start": "1ms", "end": "2ms", "loss": 0.5},
        {"kind": "link_cut", "a": "h1", "b": "h2", "start": "1ms"},
        {"kind": "drop_message", "msg": 3, "at": "1ms"},
    ]
    return scenario_from_dict(data)


def test_save_round_trips(tmp_path):
    s = rich_scenario()
    path = tmp_path / "s.json"
    save(s, path)
    again = load(path)
    assert again == s
    assert dumps(again) == dumps(s)
    assert loads(path.read_text(encoding="utf-8")) == s
    save(again, path)
    assert load(path) == s


def test_saved_file_is_valid_for_the_command(tmp_path):
    path = tmp_path / "s.json"
    save(rich_scenario(), path)
    proc = sandbox_cmd("validate", str(path))
    assert proc.returncode == 0, proc.stderr


def test_save_replaces_atomically(tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    old = Scenario.model_validate(valid_dict(2))
    save(old, path)
    before = path.read_bytes()
    calls = []
    real_replace = os.replace

    def spy(src, dst):
        calls.append((Path(src), Path(dst)))
        # Before the rename the target still holds the old, complete file.
        assert path.read_bytes() == before
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    save(rich_scenario(), path)
    assert len(calls) == 1
    src, dst = calls[0]
    assert dst == path and src.parent == path.parent and src != path
    assert load(path) == rich_scenario()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]


def test_failed_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    old = Scenario.model_validate(valid_dict(2))
    save(old, path)
    before = path.read_bytes()

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        save(rich_scenario(), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]


def test_dumps_is_stable_and_ends_with_newline():
    a, b = rich_scenario(), rich_scenario()
    assert dumps(a) == dumps(b)
    assert dumps(a).endswith("\n")
    assert json.loads(dumps(a))["title"] == "Ré-sumé ✓"


# -- the schema -----------------------------------------------------------------------------


def test_schema_command_prints_the_json_schema():
    proc = sandbox_cmd("schema")
    assert proc.returncode == 0, proc.stderr
    schema = json.loads(proc.stdout)
    assert isinstance(schema, dict)
    assert "properties" in schema
    for key in ("schema_version", "hosts", "links", "groups", "model", "memory", "workload",
                "faults", "run"):
        assert key in schema["properties"], key
    assert schema == json.loads(json.dumps(json_schema()))


def test_schema_describes_units_and_forbids_extras():
    schema = json_schema()
    text = json.dumps(schema)
    assert '"unit": "ns"' in text
    assert schema.get("additionalProperties") is False
