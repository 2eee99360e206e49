"""The examples of docs/writing-behaviours.md run as the README says, and each scenario records
the current hash of its behaviour files."""

from __future__ import annotations

import hashlib
import json

import pytest
from test_cli import REPO, ok, sandbox_cmd

EXAMPLES = REPO / "examples"
SCENARIOS = sorted(EXAMPLES.glob("*.json"))


def test_there_is_an_example():
    assert [p.name for p in SCENARIOS] == ["ring_election.json"]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_each_scenario_records_the_hash_of_its_behaviour_files(scenario):
    data = json.loads(scenario.read_text(encoding="utf-8"))
    assert data["behaviour_files"]
    for entry in data["behaviour_files"]:
        path = scenario.parent / entry["path"]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["sha256"] == digest, (
            f"{path.relative_to(REPO)} changed but {scenario.relative_to(REPO)} records its old "
            f"hash: set its behaviour_files sha256 to {digest} (sha256sum {path.name})")


def test_the_readme_command_runs_the_example_and_its_guarantee_passes():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = "sandbox run examples/ring_election.json --allow-code"
    assert command in readme
    proc = ok(sandbox_cmd(*command.split()[1:], "-q"))  # from the project's folder, as there
    lines = [ln.strip() for ln in proc.stdout.splitlines()]
    assert lines[lines.index("Guarantees:") + 1] == "PASS ring.one_leader"
    assert proc.stderr == ""  # no determinism warning, no behaviour error


def test_the_example_validates_unchanged_and_elects_the_largest_host(tmp_path):
    proc = ok(sandbox_cmd("validate", "examples/ring_election.json"))
    assert "unchanged; defines ring_election (recorded: ring_election)" in proc.stdout
    out = tmp_path / "ring.jsonl"
    ok(sandbox_cmd("run", "examples/ring_election.json", "--allow-code", "-q", "--out", str(out)))
    events = [json.loads(ln) for ln in out.read_text(encoding="utf-8").splitlines()[1:]]
    elected = [e["host"] for e in events if e["kind"] == "app" and e["data"]["name"] == "elected"]
    assert elected == ["h5"]
    badges = {e["host"]: e["data"]["leader"] for e in events
              if e["kind"] == "state" and "leader" in e["data"]}
    assert badges == {h: "h5" for h in ("h1", "h2", "h3", "h4", "h5")}


def test_the_examples_checker_fails_when_links_lose_everything_and_it_is_not_promised(tmp_path):
    data = json.loads((EXAMPLES / "ring_election.json").read_text(encoding="utf-8"))
    for link in data["links"]:
        link["loss"] = 1.0  # no message gets through: no host is elected
    data["behaviour_files"][0]["path"] = str(EXAMPLES / "ring_election.py")
    path = tmp_path / "lossy.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    proc = ok(sandbox_cmd("run", str(path), "--allow-code", "-q"))
    (line,) = [ln.strip() for ln in proc.stdout.splitlines() if "ring.one_leader" in ln]
    assert line.startswith("FAIL ring.one_leader at event ")
    assert line.endswith(": no host was elected (not promised by this configuration)")


def test_a_screenshot_of_the_example_runs_its_code_only_with_allow_code(tmp_path):
    from test_cli import usage_error

    scenario = str(EXAMPLES / "ring_election.json")
    out = tmp_path / "ring.png"
    env = {"QT_QPA_PLATFORM": "offscreen"}
    (line,) = usage_error(sandbox_cmd("screenshot", scenario, str(out), "--at", "0.3s",
                                      env_extra=env))
    assert "--allow-code" in line and not out.exists()
    ok(sandbox_cmd("screenshot", scenario, str(out), "--at", "0.3s", "--allow-code",
                   env_extra=env))
    assert out.stat().st_size > 10_000
