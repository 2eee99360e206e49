"""Hostile scenario input: every file gets a valid scenario or `error: FILE: PATH: message`
lines (exit 2 on the command line), never a traceback, a hang or an overflow later on.

Covers non-finite and out-of-range numbers, durations that are booleans or too long, JSON
that is nested too deeply, has huge integers or duplicate keys, a byte-order mark, lone
surrogates, damaged version 1 files, special files, saving what cannot be written, and the
paths of behaviour parameters.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from sandbox.cli import main
from sandbox.presets import list_presets
from sandbox.scenario import Scenario, ScenarioError, dumps, load, loads, save, scenario_from_dict
from sandbox.scenario.files import FileRefused
from sandbox.scenario.model import MAX_RATE, Group, Host, RatePoint
from sandbox.scenario.units import MAX_DURATION, format_duration, format_ns, parse_duration

DATA = Path(__file__).resolve().parent / "data"
#: Stands for the value under test in a JSON text; replaced by a raw JSON token.
MARK = "__VALUE__"


def base() -> dict:
    """A valid scenario with one of everything that holds a float."""
    return {
        "schema_version": 2,
        "title": "robust",
        "hosts": [
            {"id": "a", "group": "g", "behaviour": {"name": "workload_client",
                                                    "params": {"servers": ["b"]}}},
            {"id": "b", "behaviour": {"name": "rr_server"}},
            {"id": "c", "behaviour": {"name": "dsm_worker"}},
        ],
        "links": [{"a": "a", "b": "b", "latency": {"dist": "lognormal", "mean": "1ms"}},
                  {"a": "b", "b": "c"}],
        "groups": [{"id": "g"}],
        "workload": {"profile": "custom", "points": [{"t": 0, "rate": 5.0}]},
        "run": {"duration": "100ms"},
    }


def put(data: dict, path: str, value) -> dict:
    """Set the value at a dotted path with [i] indices (missing objects are made on the way)."""
    parts: list = []
    for piece in path.replace("]", "").replace("[", ".").split("."):
        parts.append(int(piece) if piece.isdigit() else piece)
    obj = data
    for part in parts[:-1]:
        obj = obj[part] if isinstance(part, int) else obj.setdefault(part, {})
    obj[parts[-1]] = value
    return data


def text_with(path: str, token: str, data: dict | None = None) -> str:
    """The JSON text of ``data`` (the base scenario) with the raw ``token`` at ``path``."""
    return json.dumps(put(data or base(), path, MARK)).replace(f'"{MARK}"', token)


def problems_of(text: str) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as info:
        loads(text, "f.json")
    return info.value.problems


def paths_of(text: str) -> list[str]:
    return [p for p, _m in problems_of(text)]


def check_cli(path: Path, capsys, *fragments: str) -> list[str]:
    """``sandbox validate`` and ``sandbox run`` on ``path``: exit 2, only `error: FILE:` lines."""
    lines: list[str] = []
    for command in (["validate", str(path)], ["run", str(path), "--quiet"]):
        assert main(command) == 2, command
        out, err = capsys.readouterr()
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert lines, command
        assert "Traceback" not in err + out
        for line in lines:
            assert line.startswith(f"error: {path}: "), line
        for fragment in fragments:
            assert any(fragment.lower() in ln.lower() for ln in lines), (fragment, lines)
    return lines


def test_the_base_scenario_is_valid():
    assert loads(json.dumps(base())).hosts[0].behaviour.name == "workload_client"


# -- 1. every float is finite and in range -----------------------------------------------------

FLOAT_FIELDS = [
    "hosts[0].x", "hosts[0].y", "hosts[0].clock.drift_ppm", "hosts[0].failures.timing_slowdown",
    "hosts[0].failures.crash_probability", "groups[0].x", "groups[0].y", "groups[0].width",
    "groups[0].height", "links[0].bandwidth", "links[0].timing_slowdown", "links[0].loss",
    "links[0].latency.shape", "model.async_tail", "workload.base_rate", "workload.peak_rate",
    "workload.points[0].rate", "hosts[0].behaviour.params.share",
    "hosts[2].behaviour.params.write_ratio",
]


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e400", '"nan"', '"inf"',
                                   '"-1e999"'])
@pytest.mark.parametrize("where", FLOAT_FIELDS)
def test_non_finite_numbers_are_refused_with_their_path(where, token):
    problems = problems_of(text_with(where, token))
    assert [p for p, _m in problems] == [where], problems


@pytest.mark.parametrize(("where", "bad", "good"), [
    ("hosts[0].x", 1.5e7, -1e7),
    ("hosts[0].y", -2e7, 1e7),
    ("groups[0].x", 1e300, 9e6),
    ("groups[0].width", 0.5, 1.0),
    ("groups[0].height", 2e6, 1e6),
    ("hosts[0].clock.drift_ppm", 2e6, -1e5),
    ("links[0].bandwidth", 1e16, 1e15),
    ("workload.points[0].rate", 1.0000001e7, 1e7),
    ("workload.base_rate", 1e300, 0.0),
])
def test_floats_have_a_sane_range(where, bad, good):
    assert paths_of(text_with(where, repr(bad))) == [where]
    loads(text_with(where, repr(good)))


def test_non_finite_numbers_are_refused_in_python_too():
    for make in (lambda: Host(id="a", x=float("nan")), lambda: Group(id="g", width=float("inf")),
                 lambda: RatePoint(t=0, rate=float("inf"))):
        with pytest.raises(ValidationError, match="finite"):
            make()
    host = Host(id="a")
    with pytest.raises(ValidationError):
        host.y = float("-inf")
    assert host.y == 0.0


def test_a_rate_point_has_the_upper_bound_of_the_base_rate():
    assert MAX_RATE == 1e7
    assert RatePoint(t=0, rate=MAX_RATE).rate == MAX_RATE
    with pytest.raises(ValidationError, match="less than or equal"):
        RatePoint(t=0, rate=1e300)


# -- 2. durations -------------------------------------------------------------------------------

DURATION_FIELDS = ["run.duration", "model.gst", "hosts[0].clock.offset",
                   "links[0].latency.mean", "workload.points[0].t", "hosts[1].behaviour.params"
                   ".service_time"]


@pytest.mark.parametrize("token", ["true", "false"])
@pytest.mark.parametrize("where", DURATION_FIELDS)
def test_booleans_are_not_durations(where, token):
    problems = problems_of(text_with(where, token))
    assert problems == [(where, "a duration must be a number with a unit, not a boolean")]


@pytest.mark.parametrize("token", ['"1e400s"', '"1e308min"', '"-1e400s"', json.dumps("9" * 400),
                                   json.dumps("9" * 400 + "s"), json.dumps("9" * 5000 + "ms"),
                                   "9" * 400, "1e400", "-1e400", "1e300", '"36526d"', '"1e19"'])
@pytest.mark.parametrize("where", ["run.duration", "hosts[0].clock.offset"])
def test_durations_too_long_are_refused_with_a_message(where, token):
    problems = problems_of(text_with(where, token))
    assert [p for p, _m in problems] == [where], problems
    assert "too long" in problems[0][1] or "too large" in problems[0][1], problems


def test_the_longest_duration_is_a_hundred_years_either_way():
    assert MAX_DURATION == 36_525 * 86_400 * 10**9 < 2**62
    s = loads(text_with("hosts[0].clock.offset", '"-36525d"',
                        put(base(), "run.duration", "36525d")))
    assert s.run.duration == MAX_DURATION and s.hosts[0].clock.offset == -MAX_DURATION
    assert paths_of(text_with("run.duration", str(MAX_DURATION + 1))) == ["run.duration"]
    assert paths_of(text_with("hosts[0].clock.offset", str(-MAX_DURATION - 1))) \
        == ["hosts[0].clock.offset"]


def test_lower_bounds_of_durations_still_hold():
    assert paths_of(text_with("hosts[0].clock.resolution", "0")) == ["hosts[0].clock.resolution"]
    assert paths_of(text_with("run.duration", '"0s"')) == ["run.duration"]
    assert paths_of(text_with("model.gst", '"-1ms"')) == ["model.gst"]


def test_parse_duration_refuses_overflowing_numbers_with_a_value_error():
    for text in ("1e400s", "1e308min", "9" * 400, "9" * 5000 + "s", float("inf"), float("nan")):
        with pytest.raises(ValueError, match="invalid duration"):
            parse_duration(text)
    assert parse_duration("0" * 5000 + "1s") == 10**9
    assert parse_duration("-" + "0" * 5000 + "2ms") == -2 * 10**6


def test_formatting_any_valid_duration_never_overflows():
    for ns in (MAX_DURATION, -MAX_DURATION, 0, 1):
        assert format_duration(ns)
        assert format_ns(ns)
    assert format_duration(10**400).endswith("h")  # not a valid Duration, and still no error
    assert format_duration(MAX_DURATION) == "876600h"
    assert format_duration(-MAX_DURATION) == "-876600h"


# -- 3. the loader ---------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [150, 1_000, 5_000, 100_000])
def test_deep_nesting_is_refused(depth):
    text = '{"title": ' + "[" * depth + "]" * depth + "}"
    problems = problems_of(text)
    assert len(problems) == 1 and "nested too deeply" in problems[0][1]


def test_nesting_a_valid_file_needs_is_fine():
    data = put(base(), "hosts[1].behaviour.params", {"service_time": "1ms"})
    assert loads(json.dumps(data)).hosts[1].behaviour.params == {"service_time": "1ms"}


@pytest.mark.parametrize("digits", [101, 4_301, 50_000])
def test_huge_integers_are_refused_with_their_path(digits):
    problems = problems_of(text_with("run.seed", "7" * digits))
    assert problems == [("run.seed", f"a number with {digits} digits is too large "
                                     "(at most 100 digits)")]
    assert paths_of(text_with("hosts[0].x", "-" + "1" * digits)) == ["hosts[0].x"]


def test_duplicate_keys_are_refused_naming_the_key_and_its_lines():
    text = ('{"title": "one",\n "hosts": [{"id": "a",\n "x": 1,\n "x": 2}],\n'
            ' "title": "two"}')
    problems = problems_of(text)
    assert ("hosts[0].x", "the key 'x' appears more than once in this object (lines 3 and 4); "
                          "a key may appear only once") in problems
    assert any(p == "title" and "lines 1 and 5" in m for p, m in problems), problems
    assert len(problems) == 2


def test_duplicate_keys_in_strings_and_escapes_are_read_right():
    # A key written with an escape is the same key; braces inside strings are not structure.
    text = '{"title": "{\\"x\\": [1,", "t\\u0069tle": "b"}'
    assert problems_of(text)[0][0] == "title"
    assert loads('{"title": "{\\"title\\": 1}", "description": "title"}').title == '{"title": 1}'


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(base()).encode())
    assert load(path).title == "robust"
    assert loads("\ufeff" + json.dumps(base())).title == "robust"
    assert main(["validate", str(path)]) == 0


@pytest.mark.parametrize("where", ["title", "description", "hosts[0].label", "groups[0].label",
                                   "hosts[0].id", "hosts[0].behaviour.name",
                                   "hosts[0].behaviour.params.servers[0]"])
def test_a_lone_surrogate_is_refused_with_its_path(where):
    problems = problems_of(text_with(where, '"ab\\ud800"'))
    assert (where, "the text holds a lone surrogate (U+D800 at position 2), which cannot be "
                   "saved in a file") in problems


def test_a_lone_surrogate_in_a_key_is_refused_and_printed_escaped():
    with pytest.raises(ScenarioError) as info:
        loads('{"hosts": [{"id": "a", "\\udc80": 1}]}', "f.json")
    assert info.value.problems[0][0] == "hosts[0].\udc80"
    (line,) = info.value.lines()
    assert line.startswith("error: f.json: hosts[0].\\udc80: the key holds a lone surrogate")
    line.encode("utf-8")  # printable


def test_a_lone_surrogate_is_refused_by_the_model_in_python():
    with pytest.raises(ValidationError, match="lone surrogate"):
        Scenario(title="\udfff")
    with pytest.raises(ValidationError, match="lone surrogate"):
        Host(id="a", label="x\ud800")


@pytest.mark.parametrize("section", ["links", "hosts", "groups", "faults"])
@pytest.mark.parametrize("value", [None, 3, "x", {"a": 1}])
def test_a_version_1_file_with_a_section_of_the_wrong_type(section, value):
    problems = problems_of(json.dumps({"schema_version": 1, section: value}))
    assert [p for p, _m in problems] == [section], problems
    assert "list" in problems[0][1]


def test_json_error_text_says_at_line_once():
    (problem,) = problems_of('{"title": "a\x01b"}')
    assert problem == ("", "not valid JSON: Invalid control character at line 1, column 13")
    (problem,) = problems_of('{"title": "abc')
    assert "at at" not in problem[1] and "line 1" in problem[1]
    (problem,) = problems_of('{"title": 1,}')
    assert problem[1].startswith("not valid JSON: ") and " at line 1, column " in problem[1]


@pytest.fixture
def fifo(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    path = tmp_path / "pipe.json"
    os.mkfifo(path)
    return path


def test_a_fifo_is_refused_without_blocking(fifo, capsys):
    with pytest.raises(ScenarioError) as info:
        load(fifo)
    assert info.value.problems == [("", "is a pipe (FIFO); only regular files are read")]
    check_cli(fifo, capsys, "pipe (FIFO)")


def test_a_folder_and_a_device_are_refused(tmp_path, capsys):
    folder = tmp_path / "folder.json"
    folder.mkdir()
    check_cli(folder, capsys, "is a folder")
    if Path("/dev/zero").exists():
        with pytest.raises(ScenarioError, match="is a device"):
            load("/dev/zero")


def test_a_file_over_the_size_limit_is_refused_saying_how_to_raise_it(tmp_path, monkeypatch,
                                                                      capsys):
    path = tmp_path / "big.json"
    data = base()
    data["description"] = "x" * (2 << 20)
    path.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setenv("DS_SANDBOX_MAX_SCENARIO_MB", "1")
    check_cli(path, capsys, "DS_SANDBOX_MAX_SCENARIO_MB")
    monkeypatch.setenv("DS_SANDBOX_MAX_SCENARIO_MB", "3")
    assert load(path).title == "robust"


def test_unreadable_and_badly_named_files(tmp_path):
    with pytest.raises(ScenarioError, match="not a valid file name"):
        load("bad\0name.json")
    path = tmp_path / "locked.json"
    path.write_text(json.dumps(base()), encoding="utf-8")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who can read anything")
        with pytest.raises(ScenarioError, match="cannot read"):
            load(path)
    finally:
        path.chmod(0o600)


# -- 4. saving ---------------------------------------------------------------------------------


def test_save_writes_through_a_symlink_and_keeps_the_mode(tmp_path):
    target = tmp_path / "real.json"
    save(loads(json.dumps(base())), target)
    target.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    s = loads(json.dumps(put(base(), "title", "again")))
    save(s, link)
    assert link.is_symlink() and load(target).title == "again"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_saving_what_cannot_be_written_raises_an_os_error_and_keeps_the_file(tmp_path):
    path = tmp_path / "s.json"
    good = loads(json.dumps(base()))
    save(good, path)
    before = path.read_bytes()
    bad_text = good.model_copy()
    bad_text.title = "\ud800"  # the scenario does not validate assignments
    bad_number = good.model_copy(update={"hosts": [Host.model_construct(id="a", x=float("nan"))]})
    for bad, fragment in ((bad_text, "not valid Unicode"), (bad_number, "JSON cannot represent")):
        with pytest.raises(OSError) as info:
            save(bad, path)
        assert isinstance(info.value, FileRefused) and fragment in str(info.value)
        assert str(path) in str(info.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]


def test_save_refuses_a_target_that_is_not_a_regular_file(tmp_path):
    folder = tmp_path / "dir.json"
    folder.mkdir()
    with pytest.raises(FileRefused, match="folder"):
        save(loads(json.dumps(base())), folder)
    assert folder.is_dir()


# -- 5. paths of behaviour parameters -----------------------------------------------------------


def test_behaviour_parameter_paths_use_brackets_for_indices():
    data = put(base(), "hosts[0].behaviour.params.servers", ["b", 5, "c", {"x": 1}])
    problems = problems_of(json.dumps(data))
    assert [p for p, _m in problems] == ["hosts[0].behaviour.params.servers[1]",
                                         "hosts[0].behaviour.params.servers[3]"]
    data = put(base(), "hosts[1].behaviour", {"name": "ping", "params": {"peers": ["a", "zz"]}})
    assert problems_of(json.dumps(data)) == [("hosts[1].behaviour.params.peers[1]",
                                              "unknown host 'zz'")]


@pytest.mark.parametrize(("behaviour", "name", "value"), [
    ("rr_client", "count", 10**10), ("rr_client", "size", 1 << 31),
    ("rr_server", "queue_limit", 10**10), ("ping", "count", 10**12),
    ("broadcast", "count", 10**12), ("dsm_worker", "operations", 10**12),
])
def test_behaviour_counts_have_an_upper_bound(behaviour, name, value):
    params = {"server": "b"} if behaviour == "rr_client" else {}
    data = put(base(), "hosts[2].behaviour", {"name": behaviour, "params": {**params, name: value}})
    assert paths_of(json.dumps(data)) == [f"hosts[2].behaviour.params.{name}"]


# -- 6. checks across fields -------------------------------------------------------------------


def two_way(*links) -> str:
    data = base()
    data["links"] = [dict(zip(("a", "b", "directed"), ln, strict=False)) for ln in links]
    return json.dumps(data)


def test_duplicate_links_are_refused_with_both_paths():
    assert problems_of(two_way(("a", "b"), ("b", "c"), ("b", "a"))) == [
        ("links[2]", "duplicate of links[0], which already joins b and a both ways")]
    assert problems_of(two_way(("a", "b", True), ("b", "c"), ("a", "b", True))) == [
        ("links[2]", "duplicate of links[0], which already goes from a to b")]
    # One way each, or one way beside both ways: not the same link.
    loads(two_way(("a", "b", True), ("b", "a", True), ("b", "c")))
    loads(two_way(("a", "b"), ("a", "b", True), ("b", "c")))


@pytest.mark.parametrize("fault", [
    {"kind": "link_cut", "a": "a", "b": "c", "start": "1ms"},
    {"kind": "loss_burst", "a": "c", "b": "a", "start": "1ms", "end": "2ms"},
])
def test_a_link_fault_on_a_pair_with_no_link_is_refused(fault):
    data = base()
    data["faults"] = [{"kind": "crash", "host": "a", "at": 0}, fault]
    assert problems_of(json.dumps(data)) == [("faults[1]", "no link between "
                                              f"{fault['a']} and {fault['b']}")]
    data["faults"][1] = {**fault, "a": "b", "b": "c"}  # links[1] joins b and c
    loads(json.dumps(data))


def test_a_link_fault_on_an_unknown_host_is_reported_once():
    data = base()
    data["faults"] = [{"kind": "link_cut", "a": "a", "b": "nobody", "start": 0}]
    assert problems_of(json.dumps(data)) == [("faults[0].b", "unknown host 'nobody'")]


# -- 7. the command line ------------------------------------------------------------------------

BAD_FILES = {
    "nan.json": lambda: text_with("hosts[0].x", "NaN"),
    "inf_width.json": lambda: text_with("groups[0].width", "1e400"),
    "rate.json": lambda: text_with("workload.points[0].rate", "1e300"),
    "true.json": lambda: text_with("run.duration", "true"),
    "long.json": lambda: text_with("model.gst", '"1e308min"'),
    "digits.json": lambda: text_with("run.duration", json.dumps("9" * 400)),
    "deep.json": lambda: '{"title": ' + "[" * 3000 + "]" * 3000 + "}",
    "bigint.json": lambda: text_with("run.seed", "1" * 5000),
    "dup.json": lambda: '{"title": "a", "title": "b"}',
    "surrogate.json": lambda: text_with("title", '"\\ud800"'),
    "v1.json": lambda: '{"schema_version": 1, "links": null}',
    "ctrl.json": lambda: '{"title": "\x07"}',
    "peers.json": lambda: json.dumps(put(base(), "hosts[0].behaviour.params.servers", ["b", 1])),
    "duplicate_link.json": lambda: two_way(("a", "b"), ("b", "a")),
    "unlinked_cut.json": lambda: json.dumps(put(base(), "faults", [
        {"kind": "link_cut", "a": "a", "b": "c", "start": 0}])),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_the_commands_print_error_lines_and_exit_2(name, tmp_path, capsys):
    path = tmp_path / name
    path.write_text(BAD_FILES[name](), encoding="utf-8")
    lines = check_cli(path, capsys)
    assert "at at " not in "\n".join(lines)


# -- what must not change ----------------------------------------------------------------------


def _shipped() -> list[Path]:
    return [p for p, _t in list_presets()] + sorted(DATA.glob("guard_*.json"))


@pytest.mark.parametrize("path", _shipped(), ids=lambda p: p.stem)
def test_presets_and_guard_scenarios_still_validate_and_round_trip(path, capsys):
    s = load(path)
    assert loads(dumps(s)) == s
    assert scenario_from_dict(json.loads(path.read_text(encoding="utf-8"))) == s
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
