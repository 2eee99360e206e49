"""Curves from theory (sandbox.sweep.theory): hand-computed values, and sweeps that land on them."""

from __future__ import annotations

import math

import pytest

from sandbox.sweep.theory import (
    availability,
    failure_probability,
    failure_rate,
    mm1_response_time,
    p_some_failed,
    theory_for,
)

S = 1_000_000_000


def hosts(n: int, **failures: object) -> list[dict]:
    return [{"id": f"h{i}", "failures": dict(failures)} for i in range(n)]


def failing(n: int = 1, mttf: int = 10 * S, mttr: int | None = None,
            duration: int = 5 * S) -> dict:
    return {"hosts": hosts(n, mttf=mttf, mttr=mttr), "run": {"duration": duration}}


# -- hand-computed values ------------------------------------------------------------------------


def test_formulas_by_hand() -> None:
    assert p_some_failed([0.1] * 3) == pytest.approx(1 - 0.9 ** 3)  # 0.271
    assert p_some_failed([0.5, 1.0]) == 1.0
    assert p_some_failed([]) == 0.0
    assert availability(9.0, 1.0) == pytest.approx(0.9)
    assert mm1_response_time(50.0, 100.0) == pytest.approx(0.02)  # 1/(100 - 50) s
    assert mm1_response_time(100.0, 100.0) == math.inf


def test_failure_rate_is_the_engines() -> None:
    # by MTTF; by an annual probability: rate = -ln(1 - p)/period; never-failing hosts
    assert failure_rate({"mttf": 4 * S}) == pytest.approx(0.25 / S)
    year = 365 * 86_400 * S
    assert failure_rate({"crash_probability": 0.5, "crash_period": year}) == \
        pytest.approx(math.log(2) / year)
    assert failure_rate({"crash_probability": 0.0}) == 0.0
    # p within a run of T: 1 - exp(-rate (T - 1 ns)) (a crash at the end is not in the run)
    p = failure_probability({"id": "a", "failures": {"mttf": 10 * S}}, 5 * S)
    assert p == pytest.approx(1 - math.exp(-0.5), rel=1e-6)  # 0.3935
    # an annual failure rate of 50% over half a year: 1 - 0.5 ** 0.5
    p = failure_probability({"id": "a", "failures": {"crash_probability": 0.5,
                                                      "crash_period": year}}, year // 2)
    assert p == pytest.approx(1 - 0.5 ** 0.5, rel=1e-6)
    # a scheduled crash before the end fails the host for sure; one at the end does not count
    host = {"id": "a", "failures": {}}
    assert failure_probability(host, 5 * S, [{"kind": "crash", "host": "a", "at": S}]) == 1.0
    assert failure_probability(host, 5 * S, [{"kind": "crash", "host": "a", "at": 5 * S}]) == 0.0


def test_some_failed_against_number_of_hosts() -> None:
    th = theory_for(failing(1), "hosts[h0].count", "any_failed")
    assert th is not None
    assert th.formula == "1 \u2212 (1 \u2212 p)\u207f"
    p = 1 - math.exp(-0.5)
    for n in (1, 2, 5, 10):
        assert th.curve(n) == pytest.approx(1 - (1 - p) ** n, rel=1e-6)
    assert th.curve(0) == 0.0
    assert "5.000 s" in th.note_text()
    # the other hosts stay: with a second host of the same p, n copies of h0 give n + 1 hosts
    th2 = theory_for(failing(2), "hosts[h0].count", "any_failed")
    assert th2 is not None and th2.curve(3) == pytest.approx(1 - (1 - p) ** 4, rel=1e-6)
    # the sweep's run length, when it overrides the scenario's
    th3 = theory_for(failing(1), "hosts[h0].count", "any_failed", until=10 * S)
    assert th3 is not None and th3.curve(1) == pytest.approx(1 - math.exp(-1), rel=1e-6)


def test_some_failed_against_failure_fields() -> None:
    th = theory_for(failing(3), "hosts[*].failures.mttf", "any_failed")
    assert th is not None
    assert th.curve(5 * S) == pytest.approx(1 - math.exp(-3 * 1.0), rel=1e-6)
    th = theory_for(failing(2), "run.duration", "any_failed")
    assert th is not None and th.curve(10 * S) == pytest.approx(1 - math.exp(-2), rel=1e-6)


def test_availability_against_mttr() -> None:
    th = theory_for(failing(2, mttr=S), "hosts[*].failures.mttr", "availability")
    assert th is not None
    assert th.formula == "MTTF / (MTTF + MTTR)"
    assert th.curve(10 * S) == pytest.approx(0.5)
    assert th.curve(S) == pytest.approx(10 / 11)
    # one host of two swept, the other never fails: the mean over hosts
    scenario = {"hosts": [{"id": "a", "failures": {"mttf": 9 * S, "mttr": S}}, {"id": "b"}]}
    th = theory_for(scenario, "hosts[a].failures.mttr", "availability")
    assert th is not None and th.curve(S) == pytest.approx((0.9 + 1.0) / 2)
    # crash-stop hosts (no MTTR) have no steady state
    th = theory_for(failing(1), "hosts[*].failures.mttf", "availability")
    assert th is not None and math.isnan(th.curve(S))


def mm1_scenario(rate: float = 50.0, service: int = 10_000_000, latency: int = 1_000_000) -> dict:
    return {
        "hosts": [{"id": "srv", "behaviour": {"name": "rr_server",
                                              "params": {"service_time": service}}},
                  {"id": "cli", "behaviour": {"name": "workload_client",
                                              "params": {"servers": ["srv"]}}}],
        "links": [{"a": "cli", "b": "srv", "latency": {"mean": latency}}],
        "workload": {"profile": "constant", "base_rate": rate},
    }


def test_mm1_response_time() -> None:
    th = theory_for(mm1_scenario(), "workload.base_rate", "request_latency_mean")
    assert th is not None
    assert th.formula == "1 / (\u03bc \u2212 \u03bb) + RTT"
    # mu = 100/s: lambda 50 -> 20 ms, plus 2 ms round trip
    assert th.curve(50.0) == pytest.approx(22_000_000)
    assert th.curve(90.0) == pytest.approx(102_000_000)
    assert math.isnan(th.curve(100.0))  # saturated: no mean
    th = theory_for(mm1_scenario(), "hosts[srv].behaviour.params.service_time",
                    "request_latency_mean")
    assert th is not None and th.curve(5_000_000) == pytest.approx(1e9 / 150 + 2_000_000)


def test_no_theory_where_none_is_known() -> None:
    assert theory_for(failing(1), "links[*].loss", "any_failed") is None
    assert theory_for(failing(1), "hosts[h0].count", "delivered") is None
    assert theory_for(failing(1), "hosts[h9].count", "any_failed") is None
    assert theory_for(failing(1), "hosts[h0].no_such_field", "any_failed") is None
    # a server with two cores is not M/M/1
    scenario = mm1_scenario()
    scenario["hosts"][0]["cores"] = 2
    assert theory_for(scenario, "workload.base_rate", "request_latency_mean") is None


# -- sweeps land on the curves -------------------------------------------------------------------


def swept(scenario: dict, path: str, values: list, seeds: int, metric: str) -> list[dict]:
    from sandbox.scenario import scenario_from_dict
    from sandbox.sweep.aggregate import summarize
    from sandbox.sweep.execute import iter_rows
    from sandbox.sweep.spec import SweepSpec

    data = scenario_from_dict(scenario).model_dump(mode="json")
    spec = SweepSpec(data, {path: values}, list(range(seeds)))
    rows = list(iter_rows(spec))
    assert not [r["error"] for r in rows if r["error"]]
    return summarize(rows, [path], [metric])


def test_sweep_of_host_count_lands_on_one_minus_q_to_the_n() -> None:
    # 80 seeds per n. The sweep is deterministic (seeded), so this cannot flake; the bound is
    # 4 standard errors of a proportion, sqrt(P(1-P)/80) <= 0.056, which a correct engine and
    # formula miss with probability ~1e-4 per point: a wrong p (say the run's T without the
    # engine's rate, or n counted without the original host) is off by far more.
    scenario = failing(1, mttf=10 * S, duration=5 * S)
    th = theory_for(scenario, "hosts[h0].count", "any_failed")
    assert th is not None
    seeds = 80
    for entry in swept(scenario, "hosts[h0].count", [1, 2, 4], seeds, "any_failed"):
        expected = th.curve(entry["hosts[h0].count"])
        observed = entry["any_failed.mean"]
        assert abs(observed - expected) <= 4 * math.sqrt(expected * (1 - expected) / seeds)
        assert entry["any_failed.low"] - 0.05 <= expected <= entry["any_failed.high"] + 0.05


def test_sweep_of_mttr_lands_on_the_availability() -> None:
    # 40 seeds of 1000 s, MTTF 10 s: about 70 failure-repair cycles a run, so each run's
    # availability is already close to the steady state; the transient of starting up is
    # MTTF*MTTR/((MTTF+MTTR)^2 T) <= 0.3%, and the mean of 40 runs is within 4 standard errors
    # of the curve plus that bias.
    scenario = failing(1, mttf=10 * S, mttr=S, duration=1000 * S)
    th = theory_for(scenario, "hosts[*].failures.mttr", "availability")
    assert th is not None
    for entry in swept(scenario, "hosts[*].failures.mttr", [S, 5 * S], 40, "availability"):
        mttr = entry["hosts[*].failures.mttr"]
        expected = th.curve(mttr)
        mean, low, high = entry["availability.mean"], entry["availability.low"], \
            entry["availability.high"]
        half = (high - low) / 2  # 95% half width: 1.96 standard errors (t with 39 df: 2.02)
        mttf, run = 10 * S, 1000 * S
        bias = mttf * mttr * mttr / ((mttf + mttr) ** 2 * run)
        assert abs(mean - expected) <= 2 * half + bias
