"""Sweeps as text: metric values with units, durations of parameters, the progress line."""

import io

from sandbox.sweep.report import Progress, format_metric, format_parameter, format_summary


def test_metric_values_carry_their_units():
    assert format_metric("latency_mean", 5_036_000) == "5.036 ms"
    assert format_metric("any_failed", 0.125) == "12.5%"
    assert format_metric("throughput", 950.0) == "950 req/s"
    assert format_metric("crashes", 3) == "3"
    assert format_metric("latency_mean", None) == "-"


def test_duration_parameters_are_shown_with_a_unit():
    assert format_parameter("hosts[*].failures.mttr", 100_000_000) == "100ms"
    assert format_parameter("links[a-b].loss", 0.25) == "0.25"
    assert format_parameter("hosts[x1].count", 3) == "3"


def test_the_summary_is_an_aligned_table_with_intervals():
    entries = [{"p": 0.1, "n": 4, "errors": 0, "any_failed.mean": 0.25, "any_failed.low": 0.05,
                "any_failed.high": 0.7}]
    lines = format_summary(entries, ["p"], ["any_failed"]).splitlines()
    assert lines[0].split() == ["p", "n", "errors", "any_failed"]
    assert lines[1].split(maxsplit=3) == ["0.1", "4", "0", "25% [5%, 70%]"]


def test_the_progress_line_says_runs_done_rate_and_time_left():
    out = io.StringIO()
    bar = Progress(out, 10, enabled=True)
    bar.update(0)
    bar.update(5)
    assert "5/10 runs" in out.getvalue() and "runs/s" in out.getvalue()
    assert "left" in out.getvalue()
    bar.done()
    assert out.getvalue().endswith("\r")
    quiet = io.StringIO()
    Progress(quiet, 10, enabled=False).update(3)
    assert quiet.getvalue() == ""
