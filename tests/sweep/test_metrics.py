"""The typed run summary: every metric has a unit and a kind, rows hold every key, guarantees
are proportions, and the docs name every metric."""

from pathlib import Path

from sandbox.engine.runner import run
from sandbox.presets import preset_path
from sandbox.scenario import load, scenario_from_dict
from sandbox.sweep.metrics import KINDS, METRICS, MetricSink, metric_info, metric_names, metrics_of

from .helpers import heartbeat_scenario

DOCS = Path(__file__).resolve().parents[2] / "docs" / "experiments.md"


def test_every_metric_has_a_unit_a_kind_and_a_description():
    for name, info in METRICS.items():
        assert info.name == name and info.unit and info.kind in KINDS and info.description
    assert METRICS["latency_p99"].unit == "ns" and METRICS["latency_p99"].kind == "time"
    assert METRICS["any_failed"].kind == "proportion"
    assert METRICS["throughput"].unit == "req/s" and METRICS["throughput"].kind == "rate"
    assert METRICS["app:request_done.latency"].unit == "ns"  # declared by the request records
    assert metric_info("check:broadcast.agreement").kind == "proportion"
    assert metric_info("no_such_metric") is None


def test_a_row_holds_every_metric_with_times_in_integer_ns_and_guarantees_as_0_or_1():
    s = scenario_from_dict(heartbeat_scenario())
    counted = MetricSink()
    result = run(s, counted, checks=True)
    row = metrics_of(result, counted)
    assert list(row)[:len(METRICS)] == list(METRICS)
    assert set(metric_names(s.model_dump(mode="json"))) == set(row)
    assert row["sent"] == result.summary["sent"] > 0
    assert isinstance(row["latency_mean"], int) and isinstance(row["max_clock_skew"], int)
    assert row["crashes"] == 1 and row["hosts_failed"] == 1 and row["any_failed"] == 1
    assert row["dropped_partition"] > 0 and row["dropped_partition"] <= row["dropped"]
    assert row["requests"] > 0 and row["requests_done"] > 0 and row["throughput"] > 0
    assert row["request_latency_mean"] > 0 and row["request_latency_p99"] >= row["request_latency_mean"]
    checks = {k: v for k, v in row.items() if k.startswith("check:")}
    assert checks and set(checks.values()) <= {0, 1}
    # counted from kept events instead of a sink: the same row
    again = run(s, keep_events=True, checks=True)
    assert metrics_of(again) == row


def test_a_run_without_failures_has_no_failed_host():
    result = run(load(preset_path("lossy_reliable_broadcast")), until=300_000_000, checks=True)
    row = metrics_of(result)
    assert row["any_failed"] == 0 and row["hosts_failed"] == 0 and row["availability"] == 1.0
    assert row["dropped_loss"] == result.summary["dropped_by_reason"].get("loss", 0)


def test_the_docs_name_every_metric():
    text = DOCS.read_text(encoding="utf-8")
    missing = [name for name in METRICS if f"`{name}`" not in text]
    assert not missing, missing
