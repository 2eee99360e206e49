"""The trace importer refuses every damaged trace with one TraceFormatError naming file and line."""

from __future__ import annotations

import json
import os
import sys

import pytest

from sandbox.cli import main
from sandbox.trace import TraceEvent, TraceFormatError, iter_jsonl, read_header, read_jsonl
from sandbox.trace.events import EventError
from sandbox.trace.export import write_chrome

HEADER = '{"format": "ds-sandbox-trace", "version": 1, "scenario": {"hosts": [{"id": "a"}]}}'
EV0 = '{"seq":0,"t":5,"kind":"timer","host":"a","local":5}'


def event(**fields) -> str:
    """An event line: a valid timer event at t = 10 with ``fields`` replaced (raw JSON text)."""
    base = {"seq": "1", "t": "10", "kind": '"timer"', "host": '"a"', "local": "10"}
    base.update(fields)
    return "{" + ",".join(f'"{k}":{v}' for k, v in base.items()) + "}"


def write(tmp_path, *lines: str, name: str = "t.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    return path


def refused(path) -> str:
    """The message of reading ``path``; it must name the file."""
    with pytest.raises(TraceFormatError) as info:
        read_jsonl(path)
    text = str(info.value)
    assert text.startswith(f"{path}: "), text
    return text


# -- 1. the header ----------------------------------------------------------------------------


@pytest.mark.parametrize("version", ['"1"', "null", "[1]", "true", "false", "0", "-3", "1.0",
                                     "{}"])
def test_a_version_that_is_not_a_whole_number_from_1_is_refused(tmp_path, version):
    path = write(tmp_path, f'{{"format": "ds-sandbox-trace", "version": {version}}}', EV0)
    text = refused(path)
    assert 'line 1: the trace format "version" must be a whole number from 1' in text


@pytest.mark.parametrize("version", ["2", "9" * 4000])
def test_a_newer_version_is_refused_in_a_short_message(tmp_path, version):
    path = write(tmp_path, f'{{"format": "ds-sandbox-trace", "version": {version}}}', EV0)
    text = refused(path)
    assert "is newer than this program reads (1)" in text and len(text) < len(str(path)) + 150


@pytest.mark.parametrize("line", ["[1, 2]", '"ds-sandbox-trace"', "3", "null"])
def test_a_header_that_is_not_an_object_is_refused(tmp_path, line):
    text = refused(write(tmp_path, line, EV0))
    assert "line 1: not a DS Sandbox trace header (the first line must be a JSON object)" in text


@pytest.mark.parametrize("line", ['{"format": "ds-sandbox-trace", "scenario": [1]}',
                                  '{"format": "ds-sandbox-trace", "title": "\\ud800"}',
                                  "[" * 100_000 + "]" * 100_000,
                                  '{"format": "ds-sandbox-trace", "seed": ' + "1" * 5000 + "}",
                                  '{"format": "ds-sandbox-trace", "seed": NaN}', ""])
def test_other_bad_headers_are_refused_on_line_1(tmp_path, line):
    path = write(tmp_path, line, EV0)
    assert ": line 1: " in refused(path)
    with pytest.raises(TraceFormatError, match="line 1"):
        read_header(path)


def test_a_header_without_version_is_read_as_version_1(tmp_path):
    header, events = read_jsonl(write(tmp_path, '{"format": "ds-sandbox-trace"}', EV0))
    assert header == {"format": "ds-sandbox-trace"} and len(events) == 1


# -- 2. encodings -----------------------------------------------------------------------------


def test_a_latin1_byte_is_refused_with_its_line(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes((HEADER + "\n" + EV0 + "\n").encode() + b'{"seq":1,"t":9,"kind":"app",'
                     b'"host":"a","local":9,"data":{"name":"caf\xe9"}}\n')
    assert "line 3: not UTF-8 text" in refused(path)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text_is_refused(tmp_path, encoding):
    path = tmp_path / "t.jsonl"
    path.write_bytes((HEADER + "\n" + EV0 + "\n").encode(encoding))
    text = refused(path)
    assert "line 1: " in text and "UTF-16" in text


def test_a_utf8_byte_order_mark_on_line_1_is_accepted(tmp_path):
    plain = write(tmp_path, HEADER, EV0, event(), name="plain.jsonl")
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    assert read_jsonl(bom) == read_jsonl(plain)
    assert read_header(bom) == json.loads(HEADER)


@pytest.mark.parametrize("data", ['{"name": "\\ud800"}', '{"\\udfff": 1}',
                                  '{"payload": ["x", {"y": "a\\udc00b"}]}'])
def test_a_lone_surrogate_escape_anywhere_is_refused(tmp_path, data):
    assert "line 3: bad event (a lone surrogate escape" in refused(
        write(tmp_path, HEADER, EV0, event(kind='"app"', data=data)))


def test_a_surrogate_pair_escape_is_a_character(tmp_path):
    _, events = read_jsonl(write(tmp_path, HEADER, EV0, event(data='{"name": "\\ud83d\\ude00"}')))
    assert events[1].data == {"name": "\U0001f600"}


# -- 3. event lines ---------------------------------------------------------------------------

BAD_LINES = {
    "deep nesting": "[" * 100_000 + "]" * 100_000,
    "deep data": event(data='{"x": ' + "[" * 500 + "]" * 500 + "}"),
    "huge integer": event(t="1" * 5000),
    "data list": event(data="[1, 2]"),
    "data string": event(data='"text"'),
    "data number": event(data="3"),
    "data true": event(data="true"),
    "host number": event(host="3"),
    "host list": event(host="[]"),
    "host with a quote": event(host='"a\\"b"'),
    "kind number": event(kind="7"),
    "kind object": event(kind="{}"),
    "kind empty": event(kind='""'),
    "peer number": event(peer="1"),
    "t string": event(t='"10"'),
    "t float": event(t="10.5"),
    "t bool": event(t="true"),
    "t infinity": event(t="Infinity"),
    "t nan": event(t="NaN"),
    "t 1e400": event(t="1e400"),
    "t 2**70": event(t=str(2**70)),
    "t negative": event(t="-1"),
    "t null": event(t="null"),
    "local string": event(local='"10"'),
    "local 2**70": event(local=str(-(2**70))),
    "seq float": event(seq="1.0"),
    "seq bool": event(seq="false"),
    "msg string": event(msg='"3"'),
    "msg 2**70": event(msg=str(2**70)),
    "msg infinity": event(msg="-Infinity"),
    "no local": '{"seq":1,"t":10,"kind":"timer","host":"a"}',
    "a list": "[1, 2, 3]",
    "a number": "12",
    "not JSON": '{"seq": oops',
    "two values": EV0 + " " + EV0,
    "path number": event(kind='"send"', msg="1", peer='"a"', data='{"path": 5}'),
    "sides true": event(kind='"partition"', host='""', data='{"sides": true}'),
    "of a list": event(kind='"duplicate"', host='""', msg="2", data='{"of": [1]}'),
}


@pytest.mark.parametrize("line", BAD_LINES.values(), ids=BAD_LINES.keys())
def test_a_bad_event_line_is_refused_with_its_line_number(tmp_path, line):
    text = refused(write(tmp_path, HEADER, EV0, line, EV0.replace('"t":5', '"t":50')))
    assert f"{tmp_path / 't.jsonl'}: line 3: bad event (" in text
    assert len(text) < len(str(tmp_path)) + 200  # never a whole 5,000-digit number


def test_the_messages_say_which_field_is_wrong(tmp_path):
    assert '"t" must be a whole number, not "10"' in refused(
        write(tmp_path, HEADER, event(t='"10"')))
    assert '"t" is out of range: 1180591620717411303424 is not between 0 and 2**63 - 1' in \
        refused(write(tmp_path, HEADER, event(t=str(2**70))))
    assert '"data" must be a JSON object or null, not a list' in refused(
        write(tmp_path, HEADER, event(data="[]")))
    assert '"host" must be a name of letters, digits' in refused(
        write(tmp_path, HEADER, event(host="3")))
    assert f"a number has more than {sys.get_int_max_str_digits()} digits" in refused(
        write(tmp_path, HEADER, event(t="9" * 5000)))
    assert "Infinity is not a finite number" in refused(write(tmp_path, HEADER,
                                                              event(t="Infinity")))
    assert '"data" of a duplicate event: "of" must be a message id' in refused(
        write(tmp_path, HEADER, event(kind='"duplicate"', msg="2", data='{"of": "1"}')))


def test_valid_unusual_events_are_accepted(tmp_path):
    lines = [HEADER, "", EV0, "   ", event(data="null"), event(kind='"custom.kind-1"', seq="2"),
             event(host='""', kind='"partition"', data='{"sides": [["a"], ["b"]]}', seq="3"),
             event(local=str(-(2**63)), msg=str(2**63 - 1), peer='"b"', seq="4"),
             event(data='{"x": ' + "[" * 90 + "]" * 90 + "}", seq="5")]
    _, events = read_jsonl(write(tmp_path, *lines))
    assert [e.seq for e in events] == [0, 1, 2, 3, 4, 5]
    assert events[1].data is None and events[2].kind == "custom.kind-1"
    assert events[4].local == -(2**63) and events[4].msg == 2**63 - 1


def test_from_dict_raises_event_error_naming_the_field():
    good = {"seq": 0, "t": 1, "kind": "app", "host": "a", "local": 1}
    assert TraceEvent.from_dict(good) == TraceEvent(0, 1, "app", "a", 1)
    with pytest.raises(EventError, match='"peer" must be a name'):
        TraceEvent.from_dict({**good, "peer": ["a"]})
    with pytest.raises(EventError, match='no "kind" field'):
        TraceEvent.from_dict({"seq": 0, "t": 1})
    with pytest.raises(ValueError, match="must be a JSON object, not a list"):
        TraceEvent.from_dict([0, 1])  # type: ignore[arg-type]


# -- 4. one rule for time order ---------------------------------------------------------------


def test_events_whose_time_goes_backwards_are_refused_by_the_reader(tmp_path):
    path = write(tmp_path, HEADER, EV0, event(), event(t="9", seq="2"))
    _, events = iter_jsonl(path)
    with pytest.raises(TraceFormatError) as info:
        list(events)
    assert str(info.value) == f"{path}: line 4: event time goes backwards"


def test_equal_times_are_in_order(tmp_path):
    _, events = read_jsonl(write(tmp_path, HEADER, EV0, EV0.replace('"seq":0', '"seq":1')))
    assert [e.t for e in events] == [5, 5]


# -- 5. special files and size ----------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    assert "is a pipe (FIFO); only regular files are read" in refused(fifo)
    with pytest.raises(TraceFormatError, match="pipe"):
        read_header(fifo)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_is_refused():
    with pytest.raises(TraceFormatError, match="/dev/zero: is a device"):
        read_jsonl("/dev/zero")


def test_a_trace_over_the_size_limit_names_the_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("DS_SANDBOX_MAX_TRACE_MB", "1")
    path = write(tmp_path, HEADER, *[EV0] * 30_000)
    text = refused(path)
    assert "over the 1 MiB limit" in text and "DS_SANDBOX_MAX_TRACE_MB" in text


def test_missing_file_and_folder_are_trace_format_errors(tmp_path):
    assert refused(tmp_path / "nope.jsonl").endswith(": no such file")
    assert "folder" in refused(tmp_path)


def test_permission_denied_is_a_trace_format_error(tmp_path, monkeypatch):
    path = write(tmp_path, HEADER, EV0)
    if os.name == "posix" and os.geteuid() != 0:
        path.chmod(0)
    else:  # root reads anything: have the system refuse as it would for another user
        real_open = os.open

        def deny(p, *args, **kwargs):
            if os.fspath(p) == str(path):
                raise PermissionError(13, "Permission denied", os.fspath(p))
            return real_open(p, *args, **kwargs)

        monkeypatch.setattr(os, "open", deny)
    assert refused(path) == f"{path}: permission denied (the file cannot be read)"


# -- 6. chrome flows in pairs -----------------------------------------------------------------


def flows(doc):
    tev = doc["traceEvents"]
    starts: dict[int, list] = {}
    finishes: dict[int, list] = {}
    for e in tev:
        if e["ph"] in ("s", "f"):
            (starts if e["ph"] == "s" else finishes).setdefault(e["id"], []).append(e)
    slices = {(e["pid"], e["tid"], e["ts"], e["cat"]) for e in tev if e["ph"] == "X"}
    return starts, finishes, slices


def assert_pairs(doc):
    starts, finishes, slices = flows(doc)
    assert set(starts) == set(finishes)
    for fid in starts:
        assert len(starts[fid]) == 1 and len(finishes[fid]) == 1, fid
        s, f = starts[fid][0], finishes[fid][0]
        assert s["ts"] <= f["ts"] and f["bp"] == "e"
        assert (f["pid"], f["tid"], f["ts"], f["cat"]) in slices
    return starts, finishes


def chrome_of(tmp_path, header, events):
    out = tmp_path / "t.json"
    write_chrome(header, events, out)
    return json.loads(out.read_text(encoding="utf-8"))


def test_a_message_in_flight_at_the_end_ends_at_a_named_slice(tmp_path):
    header = json.loads('{"format": "ds-sandbox-trace", "version": 1, "scenario": '
                        '{"hosts": [{"id": "a"}, {"id": "b"}]}}')
    events = [TraceEvent(0, 1000, "send", "a", 1000, 1, "b"),
              TraceEvent(1, 2000, "send", "a", 2000, 2, "zz"),  # to a host not in the scenario
              TraceEvent(2, 3000, "send", "b", 3000, 2, "a"),  # the same id again while open
              TraceEvent(3, 4000, "duplicate", "", 4000, 3, "b", {"of": 1}),
              TraceEvent(4, 5000, "duplicate", "", 5000, 4, "b", {"of": [1]}),
              TraceEvent(5, 9000, "app", "b", 9000)]
    doc = chrome_of(tmp_path, header, events)
    starts, finishes = assert_pairs(doc)
    assert sorted(starts) == [1, 2, 3]
    ends = {e["args"]["msg"]: e for e in doc["traceEvents"]
            if e["ph"] == "X" and e["name"].endswith("in flight at end")}
    assert sorted(ends) == [1, 2, 3]
    assert ends[1]["name"] == "m1 in flight at end" and ends[1]["ts"] == 9.0
    assert ends[1]["pid"] == 2 == finishes[1][0]["pid"]  # on the destination, b
    names = {e["pid"]: e["args"]["name"] for e in doc["traceEvents"]
             if e["ph"] == "M" and e["name"] == "process_name"}
    assert names[ends[2]["pid"]] == "zz"


def test_chrome_flows_of_a_run_cut_short_come_in_pairs(tmp_path):
    trace, out = tmp_path / "t.jsonl", tmp_path / "t.json"
    assert main(["run", "lossy_reliable_broadcast", "--until", "700ms", "--out", str(trace),
                 "--quiet"]) == 0
    _, events = read_jsonl(trace)
    delivered = {e.msg for e in events if e.kind in ("deliver", "drop")}
    assert {e.msg for e in events if e.kind == "send"} - delivered  # some still in flight
    assert main(["export", str(trace), "--format", "chrome", "--out", str(out)]) == 0
    starts, _ = assert_pairs(json.loads(out.read_text(encoding="utf-8")))
    assert len(starts) == len({e.msg for e in events if e.kind in ("send", "duplicate")})


# -- 7. the command line ----------------------------------------------------------------------

CLI_CASES = {
    "version string": ['{"format": "ds-sandbox-trace", "version": "1"}', EV0],
    "header list": ["[]", EV0],
    "deep nesting": [HEADER, EV0, "[" * 100_000 + "]" * 100_000],
    "huge integer": [HEADER, EV0, event(t="1" * 5000)],
    "data list": [HEADER, EV0, event(data="[1]")],
    "host number": [HEADER, EV0, event(host="1")],
    "t infinity": [HEADER, EV0, event(t="Infinity")],
    "t 2**70": [HEADER, EV0, event(t=str(2**70))],
    "surrogate": [HEADER, EV0, event(data='{"x": "\\ud800"}')],
    "backwards": [HEADER, event(), EV0],
}


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "shiviz", "chrome"])
@pytest.mark.parametrize("lines", CLI_CASES.values(), ids=CLI_CASES.keys())
def test_export_of_a_bad_trace_says_error_and_exits_2(tmp_path, capsys, lines, fmt):
    path, out = write(tmp_path, *lines), tmp_path / "out.txt"
    assert main(["export", str(path), "--format", fmt, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: line ") and "Traceback" not in err
    assert not out.exists()  # a partial export is not left behind


@pytest.mark.parametrize("name", ["latin1", "utf16", "fifo", "folder", "missing"])
def test_export_of_a_file_that_cannot_be_read_says_error_and_exits_2(tmp_path, capsys, name):
    path = tmp_path / "t.jsonl"
    if name == "latin1":
        path.write_bytes(HEADER.encode() + b"\n\xe9\n")
    elif name == "utf16":
        path.write_bytes((HEADER + "\n").encode("utf-16"))
    elif name == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        os.mkfifo(path)
    elif name == "folder":
        path.mkdir()
    out = tmp_path / "out.csv"
    assert main(["export", str(path), "--format", "csv", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: ") and err.count("\n") == 1 and not out.exists()


def test_export_to_a_folder_that_does_not_exist_names_the_output(tmp_path, capsys):
    path = write(tmp_path, HEADER, EV0)
    out = tmp_path / "missing" / "t.csv"
    assert main(["export", str(path), "--format", "csv", "--out", str(out)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {out}: cannot be written")


def test_an_export_that_fails_midway_says_an_existing_output_is_incomplete(tmp_path, capsys):
    path = write(tmp_path, HEADER, EV0, event(t='"x"'))
    out = tmp_path / "t.csv"
    out.write_text("old\n", encoding="utf-8")
    assert main(["export", str(path), "--format", "csv", "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"error: {path}: line 3: bad event")
    assert err[1] == f"error: {out} is incomplete"
