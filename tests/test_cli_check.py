"""``sandbox check TRACE`` and the Guarantees lines of ``sandbox run``: one line per guarantee,
``PASS name`` or ``FAIL name at event SEQ: reason``, exit status 1 when a promised one fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import PRESET_DIR, ok, sandbox_cmd, usage_error

from sandbox.trace.state_view import badge_parts, badge_text, band_field, host_fields

RAFT = PRESET_DIR / "raft_leader_crash.json"
RAFT_GUARANTEES = ["consensus.election_safety", "consensus.log_matching",
                   "consensus.leader_completeness", "consensus.state_machine_safety"]


@pytest.fixture(scope="module")
def raft_trace(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("raft") / "raft.jsonl"
    proc = ok(sandbox_cmd("run", str(RAFT), "--out", str(out), "-q"))
    return out, proc.stdout


def test_run_prints_a_line_per_guarantee(raft_trace):
    _, stdout = raft_trace
    lines = stdout.splitlines()
    start = lines.index("Guarantees:")
    assert [ln.strip() for ln in lines[start + 1:start + 5]] == [
        f"PASS {name}" for name in RAFT_GUARANTEES]


def test_check_prints_the_same_lines_and_exits_0(raft_trace):
    path, stdout = raft_trace
    proc = ok(sandbox_cmd("check", str(path)))
    assert proc.stdout.splitlines() == [f"PASS {name}" for name in RAFT_GUARANTEES]
    data = json.loads(ok(sandbox_cmd("check", str(path), "--json")).stdout)
    assert [d["name"] for d in data] == RAFT_GUARANTEES and all(d["ok"] for d in data)
    assert all(d["checked"] > 0 for d in data)
    only = ok(sandbox_cmd("check", str(path), "--only", "consensus.log_matching"))
    assert only.stdout.splitlines() == ["PASS consensus.log_matching"]


def test_a_broken_guarantee_is_a_fail_line_at_its_event_and_exit_1(raft_trace, tmp_path):
    path, _ = raft_trace
    lines = path.read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in lines[1:]]
    first = next(e for e in events if e["kind"] == "app" and e["data"]["name"] == "raft_leader")
    other = next(h for h in ("s0", "s1", "s2", "s3", "s4") if h != first["host"])
    # a second leader of the same term, right after the first (a forged trace)
    forged = dict(first, host=other, seq=first["seq"] + 1)
    out = []
    for e in events:
        if e["seq"] > first["seq"]:
            e = dict(e, seq=e["seq"] + 1)
        out.append(e)
        if e is first:
            out.append(forged)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([lines[0], *map(json.dumps, out)]) + "\n", encoding="utf-8")
    proc = sandbox_cmd("check", str(bad))
    assert proc.returncode == 1, proc.stderr
    line = proc.stdout.splitlines()[0]
    assert line.startswith(f"FAIL consensus.election_safety at event {forged['seq']}: ")
    assert str(first["data"]["term"]) in line and other in line


def test_check_of_a_trace_without_guarantees_says_so(tmp_path):
    out = tmp_path / "t.jsonl"
    ok(sandbox_cmd("run", str(PRESET_DIR / "message_passing_basics.json"), "--out", str(out),
                   "-q"))
    proc = ok(sandbox_cmd("check", str(out)))
    assert proc.stdout.strip() == "no guarantee to check: no protocol of this trace declares one"


def test_check_refuses_bad_input_with_a_clear_error(tmp_path, raft_trace):
    junk = tmp_path / "junk.jsonl"
    junk.write_text("not json\n", encoding="utf-8")
    (line,) = usage_error(sandbox_cmd("check", str(junk)))
    assert "junk.jsonl" in line
    # a bad line is found even when no protocol of the trace declares a guarantee
    good = tmp_path / "t.jsonl"
    ok(sandbox_cmd("run", str(PRESET_DIR / "message_passing_basics.json"), "--out", str(good),
                   "-q"))
    lines = good.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([*lines[:5], "{\"seq\": 4}", *lines[5:]]) + "\n", encoding="utf-8")
    (line,) = usage_error(sandbox_cmd("check", str(bad)))
    assert "bad.jsonl" in line and "line 6" in line
    (line,) = usage_error(sandbox_cmd("check", str(tmp_path / "missing.jsonl")))
    assert "missing.jsonl" in line
    (line,) = usage_error(sandbox_cmd("check", str(raft_trace[0]), "--only", "nope.nope"))
    assert "nope.nope" in line and "consensus.election_safety" in line


# -- the texts of badges (Qt-free) ------------------------------------------------------------


def test_badges_join_the_badge_fields_and_the_band_is_the_role():
    scenario = json.loads(RAFT.read_text(encoding="utf-8"))
    fields = host_fields(scenario)
    assert set(fields) == {"s0", "s1", "s2", "s3", "s4"}
    raft = fields["s0"]
    assert band_field(raft) == "role"
    values = {"role": "leader", "term": 3, "commit_index": 7, "leader": "s0"}
    assert badge_text(raft, values) == "leader · term 3"
    assert [name for name, _ in badge_parts(raft, values)] == ["role", "term"]
    assert badge_text(raft, {}) == ""
    assert host_fields({"hosts": [{"id": "x", "behaviour": {"name": "no_such"}}]}) == {"x": ()}
    assert host_fields(None) == {} and host_fields({"hosts": "junk"}) == {}
