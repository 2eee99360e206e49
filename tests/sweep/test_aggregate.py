"""Confidence intervals against known values, and the summary per combination."""

import pytest

from sandbox.sweep.aggregate import mean_ci, summarize, t_quantile, wilson


@pytest.mark.parametrize(("df", "t"), [(1, 12.7062), (2, 4.3027), (5, 2.5706), (10, 2.2281),
                                       (30, 2.0423), (1000, 1.9623)])
def test_the_t_quantile_matches_the_tables(df, t):
    assert t_quantile(0.975, df) == pytest.approx(t, abs=1e-4)
    assert t_quantile(0.025, df) == pytest.approx(-t, abs=1e-4)


def test_wilson_intervals_match_known_values():
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert wilson(1, 100)[0] > 0
    with pytest.raises(ValueError):
        wilson(3, 2)


def test_mean_ci_is_the_t_interval():
    mean, low, high = mean_ci([1, 2, 3, 4, 5])
    assert mean == 3 and (low, high) == pytest.approx((1.0368, 4.9632), abs=1e-4)
    assert mean_ci([7.0]) == (7.0, None, None)
    assert mean_ci([]) == (None, None, None)


def test_summarize_groups_sorts_counts_errors_and_uses_wilson_for_proportions():
    rows = [{"run": i, "n": n, "seed": s, "error": "" if not (n == 2 and s == 0) else "bad",
             "any_failed": int(s < n), "latency_mean": 10 * n + s}
            for i, (n, s) in enumerate((n, s) for n in (3, 1, 2) for s in range(4))]
    out = summarize(rows, ["n"], ["any_failed", "latency_mean"])
    assert [e["n"] for e in out] == [4, 3, 4]  # runs without error, groups sorted 1, 2, 3
    assert [e["errors"] for e in out] == [0, 1, 0]
    first = out[0]
    assert first["any_failed.mean"] == 0.25
    assert (first["any_failed.low"], first["any_failed.high"]) == pytest.approx(wilson(1, 4))
    assert first["latency_mean.mean"] == 11.5
    assert (first["latency_mean.low"], first["latency_mean.high"]) == pytest.approx(
        mean_ci([10, 11, 12, 13])[1:])


def test_a_fraction_interval_stays_inside_0_and_1():
    rows = [{"p": 1, "error": "", "availability": v} for v in (1.0, 0.2, 1.0)]
    (entry,) = summarize(rows, ["p"], ["availability"])
    assert 0.0 <= entry["availability.low"] and entry["availability.high"] <= 1.0
