"""Exporters: JSONL and CSV round trips, ShiViz logs and their clock rules, Chrome trace JSON."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from sandbox.trace import (
    FORMATS,
    SHIVIZ_REGEX,
    TraceEvent,
    check_shiviz_clocks,
    describe_event,
    export,
    make_header,
    read_jsonl,
    write_chrome,
    write_csv,
    write_jsonl,
    write_shiviz,
)

MS = 1_000_000


def ev(seq, t, kind, host, msg=None, peer=None, data=None, local=None):
    return TraceEvent(seq, t, kind, host, t if local is None else local, msg, peer, data)


@pytest.fixture
def header():
    scenario = {
        "title": "three hosts",
        "hosts": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
        "run": {"duration": 100 * MS},
    }
    return make_header(scenario, 7, "f" * 64, "0.1.0")


@pytest.fixture
def events():
    """a -> b -> c chain; a message m3 lost on a's side; m4 lost in the network; a crash."""
    return [
        ev(0, 0, "send", "a", 1, "b", {"size": 10}, local=2000),
        ev(1, 1 * MS, "app", "b", data={"name": "tick", "x": 1}),
        ev(2, 5 * MS, "deliver", "b", 1, "a", {"latency": 5 * MS}),
        ev(3, 6 * MS, "send", "b", 2, "c"),
        ev(4, 7 * MS, "send", "a", 3, "c"),
        ev(5, 8 * MS, "partition", "", data={"sides": [["a"], ["b", "c"]], "one_way": False}),
        ev(6, 9 * MS, "drop", "a", 3, "c", {"reason": "loss"}),
        ev(7, 10 * MS, "deliver", "c", 2, "b"),
        ev(8, 11 * MS, "send", "c", 4, "a"),
        ev(9, 12 * MS, "drop", "", 4, "a", {"reason": "partition"}),
        ev(10, 13 * MS, "crash", "c", data={"mode": "fail_silent", "state": "lost", "cause": "random"}),
        ev(11, 20 * MS, "suspect", "a", data={"target": "c"}),
        ev(12, 30 * MS, "recover", "c", data={"cause": "random"}),
    ]


# -- JSONL and CSV ----------------------------------------------------------------------------


def test_jsonl_round_trip(tmp_path, header, events):
    path = tmp_path / "t.jsonl"
    write_jsonl(header, events, path)
    h, evs = read_jsonl(path)
    assert h == header
    assert evs == events


def test_csv_round_trip(tmp_path, header, events):
    path = tmp_path / "t.csv"
    write_csv(header, events, path)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["seq", "t_ns", "kind", "host", "local_ns", "msg", "peer", "data"]
    assert [int(r["seq"]) for r in rows] == [e.seq for e in events]
    assert [r["kind"] for r in rows] == [e.kind for e in events]
    assert [int(r["t_ns"]) for r in rows] == [e.t for e in events]
    assert rows[0]["local_ns"] == "2000"
    assert rows[1]["msg"] == "" and rows[1]["peer"] == ""
    assert [json.loads(r["data"]) if r["data"] else None for r in rows] == [e.data for e in events]
    assert rows[6]["data"] == '{"reason":"loss"}'


def test_export_dispatch_and_unknown_format(tmp_path, header, events):
    assert FORMATS == ("jsonl", "csv", "shiviz", "chrome")
    for fmt in FORMATS:
        export(header, iter(events), fmt, tmp_path / f"t.{fmt}")
        assert (tmp_path / f"t.{fmt}").stat().st_size > 0
    with pytest.raises(ValueError, match="unknown export format 'xml'"):
        export(header, events, "xml", tmp_path / "t.xml")


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "shiviz", "chrome"])
def test_export_empty_trace(tmp_path, header, fmt):
    path = tmp_path / f"empty.{fmt}"
    export(header, [], fmt, path)
    text = path.read_text(encoding="utf-8")
    if fmt == "chrome":
        assert json.loads(text)["traceEvents"]
    elif fmt == "jsonl":
        assert read_jsonl(path) == (header, [])
    else:
        assert text


def test_export_to_a_text_stream(header, events):
    buf = io.StringIO()
    export(header, events, "csv", buf)
    assert buf.getvalue().count("\n") == len(events) + 1


# -- ShiViz -----------------------------------------------------------------------------------


def shiviz_parts(path):
    lines = path.read_text(encoding="utf-8").split("\n")
    # ShiViz wraps the first line in ^...$; JavaScript (?<name>) is Python (?P<name>)
    regex = re.compile("^" + re.sub(r"\(\?<(\w+)>", r"(?P<\1>", lines[0]) + "$")
    return regex, lines[1], [line for line in lines[2:] if line]


def test_shiviz_file_layout(tmp_path, header, events):
    path = tmp_path / "t.log"
    write_shiviz(header, events, path)
    regex, delimiter, log = shiviz_parts(path)
    assert delimiter == ""
    assert {"host", "clock", "event"} <= set(regex.groupindex)
    # one line per event with a host, none for the network's events
    assert len(log) == sum(1 for e in events if e.host)
    matches = [regex.match(line) for line in log]
    assert all(matches)
    assert [m.group("host") for m in matches] == [e.host for e in events if e.host]


def test_shiviz_clocks_follow_causality(tmp_path, header, events):
    path = tmp_path / "t.log"
    write_shiviz(header, events, path)
    regex, _, log = shiviz_parts(path)
    clocks = [json.loads(regex.match(line).group("clock")) for line in log]
    # worked out by hand from the causal links of the fixture
    assert clocks == [
        {"a": 1},
        {"b": 1},
        {"a": 1, "b": 2},
        {"a": 1, "b": 3},
        {"a": 2},
        {"a": 3},
        {"a": 1, "b": 3, "c": 1},
        {"a": 1, "b": 3, "c": 2},
        {"a": 1, "b": 3, "c": 3},
        {"a": 4},
        {"a": 1, "b": 3, "c": 4},
    ]
    assert check_shiviz_clocks(path) == []


def test_shiviz_event_texts(tmp_path, header, events):
    path = tmp_path / "t.log"
    write_shiviz(header, events, path)
    regex, _, log = shiviz_parts(path)
    texts = [regex.match(line).group("event") for line in log]
    assert texts[0].startswith("send m1 to b")
    assert "LOST" not in texts[0]
    assert texts[2] == "deliver m1 from a (latency 5ms)"
    assert texts[4] == "send m3 to c [LOST: loss]"
    assert texts[5] == "drop m3 to c (reason: loss)"
    # no latency in the data: computed from the send time, 10ms - 6ms
    assert texts[6] == "deliver m2 from b (latency 4ms)"
    # m4 is dropped by the network (no host): said on its send
    assert texts[7] == "send m4 to a [LOST: partition]"
    assert texts[8].startswith("crash")
    assert texts[9] == "suspect (suspects c)"
    first = regex.match(log[0])
    assert first.group("t_ns") == "0" and first.group("local_ns") == "2000"


def test_shiviz_duplicate_copy(tmp_path, header):
    events = [
        ev(0, 0, "send", "a", 1, "b"),
        ev(1, 1, "duplicate", "", 2, data={"of": 1}),
        ev(2, 3, "deliver", "b", 1, "a"),
        ev(3, 4, "deliver", "b", 2, "a", {"dup": True}),
    ]
    path = tmp_path / "dup.log"
    write_shiviz(header, events, path)
    assert check_shiviz_clocks(path) == []
    regex, _, log = shiviz_parts(path)
    assert regex.match(log[2]).group("event") == "deliver m2 from a (latency 4ns, a duplicate)"


def write_log(tmp_path, lines, regex=SHIVIZ_REGEX):
    path = tmp_path / "hand.log"
    path.write_text(regex + "\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def line(host, clock, text="x"):
    return f"{host} {json.dumps(clock)} t=0 local=0 {text}"


def test_checker_accepts_a_good_hand_log(tmp_path):
    path = write_log(tmp_path, [
        line("a", {"a": 1}),
        line("b", {"b": 1, "a": 1}),
        line("a", {"a": 2}),
        line("b", {"b": 2, "a": 2}),
    ])
    assert check_shiviz_clocks(path) == []


@pytest.mark.parametrize(("lines", "expected"), [
    ([line("a", {"a": 2})], "must start at 1"),
    ([line("a", {"a": 1}), line("a", {"a": 3})], "increase by exactly 1"),
    ([line("a", {"a": 1}), line("a", {"a": 1})], "increase by exactly 1"),
    ([line("a", {"b": 1}), line("b", {"b": 1})], "lacks the own host"),
    ([line("a", {"a": 1, "z": 1})], "unknown host 'z'"),
    ([line("a", {"a": 1}), line("b", {"b": 1, "a": 2})], "only 1 events"),
    # b learns of a:1 but not of c:1, which a:1 already knew
    ([line("c", {"c": 1}), line("a", {"a": 1, "c": 1}), line("b", {"b": 1, "a": 1})],
     "impermissible"),
    # a control case: a receives from b after b received from a (valid)
    ([line("a", {"a": 1}), line("b", {"b": 1, "a": 1}), line("a", {"a": 2, "b": 1})],
     None),
    ([line("a", {"a": 1, "b": 1}), line("b", {"b": 1, "a": 1})], "cycle"),
    (["a {not json} t=0 local=0 x"], "not JSON"),
    (["a {\"a\": 1} broken"], "does not match"),
])
def test_checker_catches_broken_logs(tmp_path, lines, expected):
    problems = check_shiviz_clocks(write_log(tmp_path, lines))
    if expected is None:
        assert problems == []  # a control case: a valid log among the broken ones
    else:
        assert any(expected in p for p in problems), problems


def test_checker_requires_named_groups(tmp_path):
    path = write_log(tmp_path, [line("a", {"a": 1})], regex=r"(?<host>\S+) (?<event>.*)")
    assert any("clock" in p for p in check_shiviz_clocks(path))


def test_checker_catches_a_corrupted_export(tmp_path, header, events):
    path = tmp_path / "t.log"
    write_shiviz(header, events, path)
    # c's second event forgets what its first one knew of b
    text = path.read_text(encoding="utf-8")
    assert '{"a":1,"b":3,"c":2}' in text
    path.write_text(text.replace('{"a":1,"b":3,"c":2}', '{"a":1,"b":2,"c":2}'), encoding="utf-8")
    assert any("impermissible" in p for p in check_shiviz_clocks(path))


def test_describe_event_texts():
    assert describe_event(ev(0, 0, "send", "a", 12, "b")) == "send m12 to b"
    assert describe_event(ev(0, 0, "send", "a", 12, "b"), lost="loss") == "send m12 to b [LOST: loss]"
    assert describe_event(ev(0, 0, "deliver", "b", 12, "a", {"latency": 5 * MS})) == \
        "deliver m12 from a (latency 5ms)"
    assert describe_event(ev(0, 0, "app", "a", data={"name": "x\ny"})) == "application (x y)"


# -- Chrome -----------------------------------------------------------------------------------


def chrome(tmp_path, header, events):
    path = tmp_path / "t.json"
    write_chrome(header, events, path)
    return json.loads(path.read_text(encoding="utf-8"))


def test_chrome_top_level(tmp_path, header, events):
    doc = chrome(tmp_path, header, events)
    assert doc["displayTimeUnit"] == "ns"
    assert "scenario" not in doc["otherData"]
    assert doc["otherData"]["seed"] == 7
    assert doc["otherData"]["scenario_sha256"] == "f" * 64


def test_chrome_processes_follow_the_scenario_hosts(tmp_path, header, events):
    doc = chrome(tmp_path, header, events)
    names = {e["pid"]: e["args"]["name"] for e in doc["traceEvents"]
             if e["ph"] == "M" and e["name"] == "process_name"}
    # the partition and the network drop belong to process 0, "network"
    assert names == {0: "network", 1: "a", 2: "b", 3: "c"}
    threads = [e for e in doc["traceEvents"] if e["ph"] == "M" and e["name"] == "thread_name"]
    assert {(e["pid"], e["tid"], e["args"]["name"]) for e in threads} == {
        (1, 1, "main"), (2, 1, "main"), (3, 1, "main")}


def test_chrome_slices_and_instants(tmp_path, header, events):
    doc = chrome(tmp_path, header, events)
    tev = doc["traceEvents"]
    slices = [e for e in tev if e["ph"] == "X"]
    # every host event but the crash, recovery and suspicion is a slice
    assert len(slices) == sum(1 for e in events if e.host) - 3
    deliver = next(e for e in slices if e["args"]["seq"] == 2)
    assert deliver["pid"] == 2 and deliver["ts"] == 5000.0 and 0 < deliver["dur"] <= 1
    assert deliver["args"]["latency"] == 5 * MS
    instants = {e["args"]["seq"]: e for e in tev if e["ph"] == "i"}
    assert instants[10]["s"] == "p" and instants[10]["pid"] == 3
    assert instants[11]["s"] == "p" and instants[11]["pid"] == 1
    assert instants[12]["s"] == "p"
    assert instants[5]["s"] == "g" and instants[5]["pid"] == 0  # the partition: network-wide


def test_chrome_flows_bind_to_slices(tmp_path, header, events):
    doc = chrome(tmp_path, header, events)
    tev = doc["traceEvents"]
    starts = {e["id"]: e for e in tev if e["ph"] == "s"}
    finishes = [e for e in tev if e["ph"] == "f"]
    slice_at = {(e["pid"], e["tid"], e["ts"], e["cat"]) for e in tev if e["ph"] == "X"}
    assert finishes
    for f in finishes:
        s = starts[f["id"]]
        assert f["bp"] == "e"
        assert (s["name"], s["cat"]) == (f["name"], f["cat"])
        assert s["ts"] <= f["ts"]
        assert (f["pid"], f["tid"], f["ts"], f["cat"]) in slice_at
    for s in starts.values():
        assert (s["pid"], s["tid"], s["ts"], s["cat"]) in slice_at
    # m1 and m2 delivered, m3 ends at its drop on a; m4 (dropped by the network, which has
    # no slice) ends at its own send slice, so that every flow is a start/finish pair
    assert sorted(f["id"] for f in finishes) == [1, 2, 3, 4]
    m4 = next(f for f in finishes if f["id"] == 4)
    assert (m4["pid"], m4["ts"]) == (starts[4]["pid"], starts[4]["ts"])
    assert set(starts) == {1, 2, 3, 4}
    m1 = next(f for f in finishes if f["id"] == 1)
    assert m1["pid"] == 2 and m1["ts"] == 5000.0


def test_chrome_duplicate_copy_flow_starts_at_the_original_send(tmp_path, header):
    events = [
        ev(0, 1000, "send", "a", 1, "b"),
        ev(1, 2000, "duplicate", "", 2, data={"of": 1}),
        ev(2, 3000, "deliver", "b", 1, "a"),
        ev(3, 4000, "deliver", "b", 2, "a"),
    ]
    tev = chrome(tmp_path, header, events)["traceEvents"]
    starts = {e["id"]: e for e in tev if e["ph"] == "s"}
    assert starts[2]["pid"] == 1 and starts[2]["ts"] == 1.0
    assert sorted(e["id"] for e in tev if e["ph"] == "f") == [1, 2]


def test_chrome_host_not_in_scenario_gets_a_process(tmp_path, header):
    tev = chrome(tmp_path, header, [ev(0, 0, "app", "zz")])["traceEvents"]
    names = {e["pid"]: e["args"]["name"] for e in tev
             if e["ph"] == "M" and e["name"] == "process_name"}
    assert names[4] == "zz"
    assert next(e for e in tev if e["ph"] == "X")["pid"] == 4
