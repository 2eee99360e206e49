"""``sandbox sweep`` end to end: rows in the file, the summary, error rows, bad input (exit 2),
Ctrl+C that keeps the finished rows, and a second run that resumes."""

import json
import signal
import subprocess
import sys
import time

import pytest
from test_cli import REPO, ok, sandbox_cmd, usage_error

from sandbox.cli import main
from sandbox.sweep.results import read_rows

from .helpers import crash_scenario

P = "hosts[*].failures.crash_probability"


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "crashes.json"
    path.write_text(json.dumps(crash_scenario(hosts=2)), encoding="utf-8")
    return path


def test_a_sweep_writes_one_row_per_run_and_prints_the_summary(tmp_path, scenario):
    out = tmp_path / "rows.csv"
    proc = ok(sandbox_cmd("sweep", str(scenario), "--set", f"{P}=0.1,0.9", "--set",
                          "hosts[x1].count=1..2", "--seeds", "8", "--first-seed", "3",
                          "--out", str(out), "--summary", "--metrics", "any_failed,crashes"))
    rows = read_rows(out)
    assert len(rows) == 32 and {r["seed"] for r in rows} == set(range(3, 11))
    assert {(r[P], r["hosts[x1].count"]) for r in rows} == {(p, n) for p in (0.1, 0.9)
                                                            for n in (1, 2)}
    lines = proc.stdout.splitlines()
    assert lines[0] == f"32 runs written to {out} (0 failed)"
    header = lines[2].split()
    assert header[:4] == [P, "hosts[x1].count", "n", "errors"]
    assert header[4:] == ["any_failed", "crashes"]
    assert len(lines) == 3 + 4
    p01_n1 = lines[3].split()
    assert p01_n1[:4] == ["0.1", "1", "8", "0"]
    assert "%" in p01_n1[4] and "[" in lines[3]  # a proportion with its Wilson interval


def test_the_default_summary_and_parquet(tmp_path, scenario):
    out = tmp_path / "rows.parquet"
    proc = ok(sandbox_cmd("sweep", str(scenario), "--set", f"{P}=0.5", "--seeds", "4",
                          "--out", str(out), "--summary"))
    assert len(read_rows(out)) == 4
    assert "any_failed" in proc.stdout and "availability" in proc.stdout


def test_a_failing_run_is_a_row_with_its_error_and_the_sweep_goes_on(tmp_path, scenario):
    out = tmp_path / "rows.csv"
    proc = ok(sandbox_cmd("sweep", str(scenario), "--set", f"{P}=0.5,2.0", "--seeds", "3",
                          "--out", str(out)))
    assert "6 runs written" in proc.stdout and "(3 failed)" in proc.stdout
    rows = read_rows(out)
    bad = [r for r in rows if r["error"]]
    assert len(bad) == 3 and all(r[P] == 2.0 and "crash_probability" in r["error"] for r in bad)


@pytest.mark.parametrize(("args", "message"), [
    (["--set", "hosts[zz].cores=1"], "zz"),
    (["--set", "hosts[*].clok.drift_ppm=1"], "clock"),
    (["--set", f"{P}=0.1..0.2"], "/N"),
    (["--set", f"{P}"], "PATH=VALUES"),
    (["--set", f"{P}=0.1", "--set", f"{P}=0.2"], "set twice"),
    (["--metrics", "nonsense"], "unknown metric 'nonsense'"),
])
def test_bad_input_is_a_clear_message_and_exit_2(tmp_path, scenario, args, message):
    lines = usage_error(sandbox_cmd("sweep", str(scenario), "--seeds", "2", "--out",
                                    str(tmp_path / "rows.csv"), *args))
    assert any(message in line for line in lines), lines
    assert not (tmp_path / "rows.csv").exists()


def test_a_missing_scenario_or_a_bad_output_is_exit_2(tmp_path, scenario):
    assert usage_error(sandbox_cmd("sweep", str(tmp_path / "none.json"), "--seeds", "2",
                                   "--out", str(tmp_path / "r.csv")))
    lines = usage_error(sandbox_cmd("sweep", str(scenario), "--seeds", "2",
                                    "--out", str(tmp_path / "r.xlsx")))
    assert ".csv or a .parquet" in lines[0]
    lines = usage_error(sandbox_cmd("sweep", str(scenario), "--seeds", "2",
                                    "--out", str(tmp_path / "no" / "r.csv")))
    assert "does not exist" in lines[0]


def test_a_file_of_another_sweep_is_refused(tmp_path, scenario):
    out = tmp_path / "rows.csv"
    ok(sandbox_cmd("sweep", str(scenario), "--set", f"{P}=0.5", "--seeds", "2", "--out",
                   str(out)))
    lines = usage_error(sandbox_cmd("sweep", str(scenario), "--set", "hosts[*].cores=2",
                                    "--seeds", "2", "--out", str(out)))
    assert "another sweep" in lines[0]
    assert len(read_rows(out)) == 2


def test_without_distributed_the_scheduler_says_how_to_install_it(tmp_path, scenario,
                                                                  monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    code = main(["sweep", str(scenario), "--seeds", "2", "--out", str(tmp_path / "r.csv"),
                 "--scheduler", "tcp://127.0.0.1:1", "--quiet"])
    assert code == 2
    assert 'pip install "ds-sandbox[dask]"' in capsys.readouterr().err


def _rows_in(path):
    try:
        return len(path.read_text(encoding="utf-8").splitlines()) - 1
    except FileNotFoundError:
        return 0


def test_ctrl_c_keeps_the_finished_rows_and_the_same_command_resumes(tmp_path):
    out = tmp_path / "rows.csv"
    args = [sys.executable, "-m", "sandbox", "sweep", "crash_heartbeat",
            "--set", "hosts[*].failures.crash_probability=0.2,0.8", "--seeds", "150",
            "--out", str(out), "--progress"]
    proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 120
        while _rows_in(out) < 10 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)  # polling a subprocess's file, not waiting for a GUI
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, (stdout, stderr)
    assert "Traceback" not in stderr
    kept = read_rows(out)
    assert 10 <= len(kept) < 300
    assert f"interrupted: {len(kept)} of 300 runs are in {out}" in stderr
    assert "run the same command again to resume" in stderr
    again = ok(sandbox_cmd(*args[3:]))
    assert f"{len(kept)} runs already in {out}" in again.stderr
    rows = read_rows(out)
    assert len(rows) == 300
    assert sorted(r["run"] for r in rows) == list(range(300))  # none twice, none missing
    assert rows[:len(kept)] == kept
