"""Aggregates of a sweep: per parameter combination, the mean and a 95% confidence interval.

For a number (a count, a time, a rate) the interval is Student's t interval
of the mean, its quantile computed here (no SciPy); for a proportion (a 0/1
outcome per run, such as ``any_failed`` or a guarantee that held) it is the
Wilson score interval, which stays inside [0, 1] and is not empty at 0 of n.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .metrics import metric_info
from .spec import canonical

__all__ = ["mean_ci", "summarize", "t_quantile", "wilson"]

#: The two-sided confidence level of the intervals.
CONFIDENCE = 0.95
#: The normal quantile of 97.5%: a two-sided 95% interval.
Z95 = 1.959963984540054


def wilson(successes: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion: ``successes`` of ``n`` (n >= 1)."""
    if n <= 0:
        raise ValueError("a proportion needs at least one run")
    if not 0 <= successes <= n:
        raise ValueError(f"{successes} successes of {n} runs is not a proportion")
    p = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the regularised incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 500):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1.0) < 1e-15:
            break
    return result


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularised incomplete beta function, for 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def _t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` degrees of freedom."""
    tail = 0.5 * _incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile (0 < p < 1) of Student's t with ``df`` > 0 degrees of freedom."""
    if not 0.0 < p < 1.0 or df <= 0:
        raise ValueError("t_quantile needs 0 < p < 1 and df > 0")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while _t_cdf(hi, df) < p:
        hi *= 2.0
    for _ in range(200):  # bisection: the cdf is monotone, 200 halvings reach float precision
        mid = 0.5 * (lo + hi)
        if _t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-13 * max(1.0, hi):
            break
    return 0.5 * (lo + hi)


def mean_ci(values: Sequence[float]) -> tuple[float | None, float | None, float | None]:
    """(mean, low, high): the mean and its 95% Student t interval. With one value the
    interval is unknown (None, None); with none, all three are None."""
    n = len(values)
    if n == 0:
        return None, None, None
    mean = math.fsum(values) / n
    if n == 1:
        return mean, None, None
    var = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    half = t_quantile(1.0 - (1.0 - CONFIDENCE) / 2.0, n - 1) * math.sqrt(var / n)
    return mean, mean - half, mean + half


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


#: Columns of a row that are not metrics.
_NOT_METRICS = ("run", "seed", "error")


def _metrics_of_rows(rows: list[dict], parameters: Sequence[str]) -> list[str]:
    out: list[str] = []
    for row in rows:
        for k, v in row.items():
            if k in out or k in _NOT_METRICS or k in parameters:
                continue
            if _is_number(v):
                out.append(k)
    return out


def summarize(rows: list[dict], parameters: list[str],
              metrics: list[str] | None = None) -> list[dict]:
    """One dict per combination of the ``parameters``' values.

    In order of first appearance, sorted by the values when every one is a
    number. Each holds the parameter values, ``n`` (runs without error),
    ``errors`` (runs with one) and, per metric (default: every numeric column),
    ``<m>.mean``, ``<m>.low`` and ``<m>.high``: the 95% interval (Wilson for a
    proportion, Student t otherwise; None where a run or fewer has a value).
    """
    groups: dict[tuple, list[dict]] = {}
    values: dict[tuple, tuple] = {}
    for row in rows:
        key = tuple(canonical(row.get(p)) for p in parameters)
        groups.setdefault(key, []).append(row)
        values.setdefault(key, tuple(row.get(p) for p in parameters))
    keys = list(groups)
    if all(_is_number(v) for k in keys for v in values[k]):
        keys.sort(key=lambda k: values[k])
    names = _metrics_of_rows(rows, parameters) if metrics is None else list(metrics)
    out = []
    for key in keys:
        members = groups[key]
        ok = [r for r in members if not r.get("error")]
        entry: dict[str, Any] = dict(zip(parameters, values[key], strict=True))
        entry["n"] = len(ok)
        entry["errors"] = len(members) - len(ok)
        for m in names:
            info = metric_info(m)
            got = [float(r[m]) for r in ok if _is_number(r.get(m))]
            if info is not None and info.kind == "proportion" and got:
                mean: float | None = math.fsum(got) / len(got)
                low, high = wilson(math.fsum(got), len(got)) if all(
                    v in (0.0, 1.0) for v in got) else mean_ci(got)[1:]
            else:
                mean, low, high = mean_ci(got)
            if info is not None and info.kind in ("ratio", "proportion") and low is not None \
                    and high is not None:  # a fraction's interval stays inside [0, 1]
                low, high = max(0.0, low), min(1.0, high)
            entry[f"{m}.mean"], entry[f"{m}.low"], entry[f"{m}.high"] = mean, low, high
        out.append(entry)
    return out
