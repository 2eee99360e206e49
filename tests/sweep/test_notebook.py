"""The notebook API: ``sandbox.run`` a Series, ``sandbox.sweep`` (the callable package) a
DataFrame, ``sandbox.summarize`` a DataFrame; ``import sandbox`` stays cheap."""

import json
import subprocess
import sys

import pytest
from test_cli import REPO

import sandbox
import sandbox.sweep

from .helpers import crash_scenario

pandas = pytest.importorskip("pandas")
P = "hosts[*].failures.crash_probability"


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "crashes.json"
    path.write_text(json.dumps(crash_scenario(hosts=2)), encoding="utf-8")
    return path


def test_import_sandbox_imports_no_pandas_no_qt_and_no_sweep():
    code = ("import sys, sandbox; print(sorted(m for m in ('pandas', 'PySide6', 'sandbox.sweep',"
            " 'sandbox.engine') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, check=True).stdout
    assert out.strip() == "[]"


def test_run_returns_a_series_of_metrics(scenario):
    row = sandbox.run(str(scenario), seed=4, until="500ms", set={P: 0.9})
    assert isinstance(row, pandas.Series)
    assert row["seed"] == 4 and row[P] == 0.9 and row["error"] == ""
    assert row["any_failed"] in (0, 1)
    preset = sandbox.run("crash_heartbeat", until=200_000_000)
    assert preset["sent"] > 0
    with pytest.raises(ValueError, match="crash_probability"):
        sandbox.run(str(scenario), set={P: 2.0})


def test_sandbox_sweep_is_the_package_and_a_function_returning_a_dataframe(scenario):
    assert sandbox.sweep is sandbox.sweep  # the package, callable
    from sandbox.sweep.execute import iter_rows

    assert callable(iter_rows) and callable(sandbox.sweep)
    df = sandbox.sweep(str(scenario), set={P: "0.1,0.9", "hosts[x1].count": [1, 2]}, seeds=5)
    same = sandbox.sweep_runs(str(scenario), set={P: [0.1, 0.9], "hosts[x1].count": "1..2"},
                              seeds=[1, 2, 3, 4, 5])
    assert isinstance(df, pandas.DataFrame) and len(df) == 20
    assert list(df.columns[:5]) == ["run", P, "hosts[x1].count", "seed", "error"]
    assert list(df["run"]) == list(range(20))
    assert df.equals(same)
    summary = sandbox.summarize(df)
    assert isinstance(summary, pandas.DataFrame) and len(summary) == 4
    assert list(summary.columns[:4]) == [P, "hosts[x1].count", "n", "errors"]
    assert set(summary["n"]) == {5}
    assert {"any_failed.mean", "any_failed.low", "any_failed.high"} <= set(summary.columns)
    by_p = sandbox.summarize(df, by=P, metrics=["any_failed"])
    assert list(by_p[P]) == [0.1, 0.9] and list(by_p["n"]) == [10, 10]
    assert by_p["any_failed.mean"].iloc[1] > by_p["any_failed.mean"].iloc[0]


def test_without_pandas_the_message_says_how_to_install_it(scenario, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r'pip install "ds-sandbox\[notebook\]"'):
        sandbox.run(str(scenario))
