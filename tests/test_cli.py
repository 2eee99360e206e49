"""The ``sandbox`` command as users and later issues rely on it (run in subprocesses).

``run`` in every trace format, ``export``, ``presets``, ``validate`` and ``run`` of every
bundled preset, ``--version``, and the headless core's independence from Qt (loaded modules
and the import-linter contract).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sandbox
from sandbox.scenario import load, registry, scenario_from_dict, sha256
from sandbox.trace import (
    CSV_COLUMNS,
    FORMATS,
    SHIVIZ_REGEX,
    StatsSink,
    check_shiviz_clocks,
    read_jsonl,
)

REPO = Path(__file__).resolve().parent.parent
#: The package's folder of bundled presets, read here from the source tree on purpose.
PRESET_DIR = REPO / "sandbox" / "presets"
PRESETS = sorted(PRESET_DIR.glob("*.json"))
DEFAULT = PRESET_DIR / "message_passing_basics.json"
VENV_BIN = Path(sys.executable).parent


def sandbox_cmd(*args: str, timeout: float = 300, env_extra: dict | None = None,
                cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "sandbox", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd or REPO, env=env)


def ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    return proc


def usage_error(proc: subprocess.CompletedProcess) -> list[str]:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")
             or ": error:" in ln]
    assert lines, proc.stderr
    return lines


# -- run in each format ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_trace(tmp_path_factory) -> Path:
    """The default preset's JSONL trace, written by ``sandbox run``."""
    out = tmp_path_factory.mktemp("trace") / "default.jsonl"
    ok(sandbox_cmd("run", str(DEFAULT), "--out", str(out), "--format", "jsonl", "--quiet"))
    return out


def test_run_jsonl_reloads(default_trace):
    header, events = read_jsonl(default_trace)
    scenario = load(DEFAULT)
    assert header["format"] == "ds-sandbox-trace"
    assert header["seed"] == scenario.run.seed
    assert header["sandbox_version"] == sandbox.__version__
    assert header["scenario_sha256"] == sha256(scenario)
    assert scenario_from_dict(header["scenario"]) == scenario
    assert len(events) > 50
    assert [e.seq for e in events] == list(range(len(events)))
    assert all(a.t <= b.t for a, b in zip(events, events[1:], strict=False))
    kinds = {e.kind for e in events}
    assert {"send", "deliver"} <= kinds


def test_run_csv(tmp_path, default_trace):
    out = tmp_path / "t.csv"
    ok(sandbox_cmd("run", str(DEFAULT), "--out", str(out), "--format", "csv", "--quiet"))
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == CSV_COLUMNS
    _, events = read_jsonl(default_trace)
    assert len(rows) - 1 == len(events)
    for row, ev in zip(rows[1:], events, strict=True):
        assert int(row[0]) == ev.seq and int(row[1]) == ev.t and row[2] == ev.kind
        assert row[3] == ev.host and int(row[4]) == ev.local
        assert (json.loads(row[7]) if row[7] else None) == ev.data


def test_run_shiviz(tmp_path):
    out = tmp_path / "t.log"
    ok(sandbox_cmd("run", str(DEFAULT), "--out", str(out), "--format", "shiviz", "--quiet"))
    lines = out.read_text(encoding="utf-8").split("\n")
    assert lines[0] == SHIVIZ_REGEX
    assert lines[1] == ""
    assert len([ln for ln in lines[2:] if ln.strip()]) > 50
    assert check_shiviz_clocks(out) == []


def test_run_chrome(tmp_path, default_trace):
    out = tmp_path / "t.json"
    ok(sandbox_cmd("run", str(DEFAULT), "--out", str(out), "--format", "chrome", "--quiet"))
    doc = json.loads(out.read_text(encoding="utf-8"))
    events = doc["traceEvents"]
    assert isinstance(events, list) and events
    names = {e["args"]["name"] for e in events
             if e.get("ph") == "M" and e.get("name") == "process_name"}
    assert names == set(load(DEFAULT).host_ids())
    for e in events:
        assert "ph" in e and "pid" in e
        if e["ph"] != "M":
            assert isinstance(e["ts"], (int, float))
    starts = {e["id"] for e in events if e["ph"] == "s"}
    finishes = {e["id"] for e in events if e["ph"] == "f"}
    assert finishes and finishes <= starts
    # every delivered message is an arrow
    _, trace = read_jsonl(default_trace)
    delivered = {e.msg for e in trace if e.kind == "deliver"}
    assert delivered <= finishes


@pytest.mark.parametrize(("suffix", "fmt"), [(".jsonl", "jsonl"), (".csv", "csv"),
                                             (".log", "shiviz"), (".json", "chrome")])
def test_format_follows_the_extension(tmp_path, suffix, fmt):
    out = tmp_path / f"t{suffix}"
    proc = ok(sandbox_cmd("run", str(DEFAULT), "--out", str(out), "--quiet", "--until", "1s"))
    assert f"({fmt})" in proc.stdout
    text = out.read_text(encoding="utf-8")
    if fmt == "jsonl":
        assert json.loads(text.splitlines()[0])["format"] == "ds-sandbox-trace"
    elif fmt == "csv":
        assert text.startswith(",".join(CSV_COLUMNS))
    elif fmt == "shiviz":
        assert text.startswith(SHIVIZ_REGEX + "\n\n")
    else:
        assert "traceEvents" in json.loads(text)


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "jsonl"])
def test_export_converts_a_jsonl_trace(tmp_path, default_trace, fmt):
    direct = tmp_path / f"direct.{fmt}"
    converted = tmp_path / f"converted.{fmt}"
    ok(sandbox_cmd("run", str(DEFAULT), "--out", str(direct), "--format", fmt, "--quiet"))
    proc = ok(sandbox_cmd("export", str(default_trace), "--format", fmt, "--out",
                          str(converted)))
    assert str(converted) in proc.stdout
    # A trace converted later is the same file as one written by the run itself.
    assert converted.read_bytes() == direct.read_bytes()
    if fmt == "shiviz":
        assert check_shiviz_clocks(converted) == []


def test_export_jsonl_to_jsonl_is_identity(tmp_path, default_trace):
    out = tmp_path / "copy.jsonl"
    ok(sandbox_cmd("export", str(default_trace), "--format", "jsonl", "--out", str(out)))
    assert out.read_bytes() == default_trace.read_bytes()


def test_export_refuses_bad_input(tmp_path):
    lines = usage_error(sandbox_cmd("export", str(tmp_path / "missing.jsonl"), "--format",
                                    "csv", "--out", str(tmp_path / "x.csv")))
    assert "missing.jsonl" in lines[0]
    junk = tmp_path / "junk.jsonl"
    junk.write_text('{"hello": 1}\n', encoding="utf-8")
    usage_error(sandbox_cmd("export", str(junk), "--format", "csv", "--out",
                            str(tmp_path / "x.csv")))
    notjson = tmp_path / "notjson.jsonl"
    notjson.write_text("hello\n", encoding="utf-8")
    usage_error(sandbox_cmd("export", str(notjson), "--format", "chrome", "--out",
                            str(tmp_path / "x.json")))
    usage_error(sandbox_cmd("export", str(junk), "--format", "pdf", "--out",
                            str(tmp_path / "x.pdf")))


def test_run_refuses_bad_arguments(tmp_path):
    usage_error(sandbox_cmd("run", str(DEFAULT), "--until", "5parsecs"))
    usage_error(sandbox_cmd("run", str(DEFAULT), "--until", "0s"))
    usage_error(sandbox_cmd("run", str(DEFAULT), "--format", "pdf", "--out",
                            str(tmp_path / "x")))
    lines = usage_error(sandbox_cmd("run", str(DEFAULT), "--out",
                                    str(tmp_path / "no" / "such" / "dir" / "t.jsonl")))
    assert "does not exist" in lines[0]
    lines = usage_error(sandbox_cmd("run", "no_such_preset_or_file"))
    assert "no_such_preset_or_file" in lines[0]


def test_run_summary_json_matches_the_trace(tmp_path):
    out = tmp_path / "t.jsonl"
    proc = ok(sandbox_cmd("run", str(DEFAULT), "--json", "--quiet", "--seed", "42", "--out",
                          str(out)))
    summary = json.loads(proc.stdout)
    header, events = read_jsonl(out)
    assert summary["seed"] == header["seed"] == 42
    assert summary["events"] == len(events)
    assert summary["sent"] == sum(1 for e in events if e.kind == "send")
    assert summary["delivered"] == sum(1 for e in events if e.kind == "deliver")
    assert summary["dropped"] == sum(1 for e in events if e.kind == "drop")
    stats = StatsSink()
    stats.open(header)
    for e in events:
        stats.write(e)
    again = stats.summary(summary["end_t"])
    for key in ("sent", "delivered", "dropped", "latency_p50", "latency_p99", "crashes"):
        assert again[key] == summary[key], key


def test_run_by_preset_name_and_until(tmp_path):
    # From a directory outside the source tree: presets are found inside the package.
    proc = ok(sandbox_cmd("run", DEFAULT.stem, "--until", "500ms", "--json", "--quiet",
                          cwd=tmp_path))
    summary = json.loads(proc.stdout)
    assert summary["end_t"] == 500_000_000


def test_run_prints_a_summary():
    proc = ok(sandbox_cmd("run", str(DEFAULT), "--quiet"))
    out = proc.stdout
    for word in ("Messages:", "Latency:", "Failures:", "Clocks:"):
        assert word in out


# -- presets --------------------------------------------------------------------------------


def test_there_are_presets():
    assert DEFAULT in PRESETS


def test_presets_lists_every_preset():
    proc = ok(sandbox_cmd("presets"))
    listed = {line.split()[0] for line in proc.stdout.splitlines() if line.strip()}
    assert listed == {p.stem for p in PRESETS}
    for p in PRESETS:
        title = json.loads(p.read_text(encoding="utf-8")).get("title")
        if title:
            assert title in proc.stdout


def test_every_preset_validates():
    proc = ok(sandbox_cmd("validate", *map(str, PRESETS)))
    assert proc.stdout.count("ok: ") == len(PRESETS)


@pytest.mark.parametrize("preset", PRESETS, ids=[p.stem for p in PRESETS])
def test_every_preset_runs_headless_in_seconds(tmp_path, preset):
    out = tmp_path / "t.jsonl"
    t0 = time.monotonic()
    proc = ok(sandbox_cmd("run", str(preset), "--out", str(out), "--quiet", "--json",
                          timeout=120))
    elapsed = time.monotonic() - t0
    assert elapsed < 30, f"{preset.stem} took {elapsed:.1f}s"
    summary = json.loads(proc.stdout)
    assert summary["behaviour_errors"] == 0, proc.stderr
    _, events = read_jsonl(out)
    assert events, "a preset should show something"
    assert summary["events"] == len(events)


# -- version, behaviours, Qt independence ---------------------------------------------------


def test_version():
    proc = ok(subprocess.run([sys.executable, "-m", "sandbox", "--version"],
                             capture_output=True, text=True, timeout=60, cwd=REPO))
    assert proc.stdout.strip() == f"DS Sandbox {sandbox.__version__}"


def test_console_script_version():
    exe = shutil.which("sandbox", path=str(VENV_BIN))
    if exe is None:
        pytest.skip("the sandbox console script is not installed next to this Python")
    proc = ok(subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60))
    assert sandbox.__version__ in proc.stdout


def test_behaviours_lists_every_behaviour():
    proc = ok(sandbox_cmd("behaviours"))
    listed = {line.split()[0] for line in proc.stdout.splitlines()
              if line.strip() and not line.startswith(" ")}
    assert listed == set(registry.names())


QT_PREFIXES = ("PySide6", "shiboken6", "pyqtgraph")


def test_headless_core_loads_no_qt():
    code = (
        "import sys\n"
        "import sandbox.engine, sandbox.trace, sandbox.scenario, sandbox.cli\n"
        "import sandbox.engine.simulation, sandbox.trace.export, sandbox.scenario.io\n"
        "import sandbox.presets\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {QT_PREFIXES!r})\n"
        "print(','.join(bad))\n"
        "sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=REPO)
    assert proc.returncode == 0, f"Qt modules loaded: {proc.stdout.strip()} {proc.stderr}"


def test_headless_run_loads_no_qt(tmp_path):
    """A whole headless run, through the command's own main(), stays Qt-free."""
    code = (
        "import sys\n"
        "from sandbox.cli import main\n"
        f"rc = main(['run', {str(DEFAULT)!r}, '--quiet', '--until', '1s', '--out', "
        f"{str(tmp_path / 't.json')!r}])\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {QT_PREFIXES!r})\n"
        "print('QT:' + ','.join(bad))\n"
        "sys.exit(rc or (1 if bad else 0))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=REPO)
    qt = [ln for ln in proc.stdout.splitlines() if ln.startswith("QT:")]
    assert qt == ["QT:"], (qt, proc.stderr)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert (tmp_path / "t.json").is_file()


def _lint_imports() -> str | None:
    return shutil.which("lint-imports", path=str(VENV_BIN)) or shutil.which(
        "lint-imports", path="/work/venv/bin")


def test_import_linter_contracts_hold():
    exe = _lint_imports()
    assert exe is not None, "lint-imports is not installed in the venv"
    proc = subprocess.run([exe], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "broken" in proc.stdout and " 0 broken" in proc.stdout
