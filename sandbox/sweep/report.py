"""Sweeps as text: a metric's value with its unit, the summary table, the progress line.

Every text is a template with named fields, marked for translation in
context "Sweep"; numbers go through the one formatter
(:mod:`sandbox.scenario.units`).
"""

from __future__ import annotations

import time
import types
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TextIO, Union, get_args, get_origin

from sandbox.progress import ProgressLine
from sandbox.scenario.paths import parse_path
from sandbox.scenario.registry import QT_TRANSLATE_NOOP
from sandbox.scenario.units import format_duration, format_ns, format_number, format_percent

from .metrics import metric_info

__all__ = ["DEFAULT_SUMMARY", "TEXTS", "Progress", "default_metrics", "format_metric",
           "format_parameter", "format_summary", "is_duration_path"]

_N = QT_TRANSLATE_NOOP

#: The texts of the command line's sweep output.
TEXTS: dict[str, str] = {
    "interval": _N("Sweep", "{mean} [{low}, {high}]"),
    "progress": _N("Sweep", "{done}/{total} runs  {rate} runs/s  {left} left"),
    "progress_start": _N("Sweep", "{done}/{total} runs"),
    "done": _N("Sweep", "{count} runs written to {file} ({failed} failed)"),
    "resumed": _N("Sweep", "{count} runs already in {file}: resuming with the {left} others"),
    "interrupted": _N("Sweep", "interrupted: {count} of {total} runs are in {file}; run the "
                               "same command again to resume"),
    "summary": _N("Sweep", "Summary (mean and 95% confidence interval per combination):"),
    "n": _N("Sweep", "n"),
    "errors": _N("Sweep", "errors"),
}

#: The metrics a summary shows when none are chosen, the first ones that vary in the rows.
DEFAULT_SUMMARY = ("any_failed", "availability", "latency_mean", "throughput",
                   "request_latency_mean", "requests_failed", "delivered", "dropped",
                   "max_clock_skew", "false_suspicions", "mem_remote_mean_cost")


def format_metric(name: str, value: Any) -> str:
    """A metric's value as text with its unit (``5.036 ms``, ``12.5%``, ``3``); ``-`` for
    none."""
    if value is None:
        return "-"
    info = metric_info(name)
    kind = info.kind if info is not None else "count"
    if kind == "time":
        return format_ns(round(value))
    if kind in ("proportion", "ratio") and (info is None or info.unit == "1"):
        return format_percent(value)
    text = format_number(value)
    unit = info.unit if info is not None else ""
    return f"{text} {unit}" if unit not in ("", "1") else text


def _has_ns_unit(annotation: Any, info: Any = None) -> bool:
    extra = getattr(info, "json_schema_extra", None)
    if isinstance(extra, dict) and extra.get("unit") == "ns":
        return True
    if get_origin(annotation) is Annotated:
        return any(_has_ns_unit(None, m) for m in get_args(annotation)[1:]) or \
            _has_ns_unit(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        return any(_has_ns_unit(a) for a in get_args(annotation) if a is not type(None))
    return False


def is_duration_path(path: str) -> bool:
    """Whether ``path`` names a duration of the scenario model (its values are ns)."""
    try:
        p = parse_path(path)
    except ValueError:
        return False
    if p.params_at is not None or not p.fields:
        return False
    model: Any = p.model
    for name in p.fields[:-1]:
        field = getattr(model, "model_fields", {}).get(name)
        model = field.annotation if field is not None else None
        args = [a for a in get_args(model) if a is not type(None)] if model is not None else []
        model = args[0] if get_origin(model) in (Union, types.UnionType) and args else model
    field = getattr(model, "model_fields", {}).get(p.fields[-1])
    return field is not None and _has_ns_unit(field.annotation, field)


def format_parameter(path: str, value: Any) -> str:
    """A parameter's value for the summary: a duration with its unit (``100ms``), else as
    written."""
    if is_duration_path(path) and isinstance(value, int) and not isinstance(value, bool):
        return format_duration(value)
    return str(value)


def default_metrics(rows: Sequence[dict[str, Any]], limit: int = 4) -> list[str]:
    """A few useful metrics for a summary: guarantees and the :data:`DEFAULT_SUMMARY` ones
    that vary or are not zero in the rows."""

    def telling(m: str) -> bool:
        seen = {r.get(m) for r in rows if not r.get("error") and r.get(m) is not None}
        return bool(seen) and seen != {0}

    chosen = [m for m in DEFAULT_SUMMARY if telling(m)][:limit]
    checks = [k for k in (rows[0] if rows else {}) if k.startswith("check:")]
    return chosen + checks[:2]


def format_summary(entries: Sequence[dict[str, Any]], parameters: Sequence[str],
                   metrics: Sequence[str], tr: Callable[[str], str] = lambda t: t) -> str:
    """The summary (:func:`~sandbox.sweep.aggregate.summarize`) as an aligned table."""
    head = [*parameters, tr(TEXTS["n"]), tr(TEXTS["errors"]), *metrics]
    table = [head]
    for e in entries:
        line = [format_parameter(p, e.get(p)) for p in parameters] + [str(e["n"]), str(e["errors"])]
        for m in metrics:
            mean, low, high = e.get(f"{m}.mean"), e.get(f"{m}.low"), e.get(f"{m}.high")
            line.append(format_metric(m, mean) if low is None or high is None else
                        tr(TEXTS["interval"]).format(mean=format_metric(m, mean),
                                                     low=format_metric(m, low),
                                                     high=format_metric(m, high)))
        table.append(line)
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in table)


class Progress(ProgressLine):
    """A one-line progress bar of a sweep: runs done of the total, rate, time left."""

    def __init__(self, stream: TextIO, total: int, enabled: bool,
                 tr: Callable[[str], str] = lambda t: t) -> None:
        super().__init__(stream, enabled)
        self.total = total
        self.tr = tr
        self.started = time.monotonic()

    def update(self, done: int) -> None:
        """``done`` runs of :attr:`total` have finished."""
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.started
        frac = done / self.total if self.total else 1.0
        if done and elapsed > 0:
            rate = done / elapsed
            left = (self.total - done) / rate
            text = self.tr(TEXTS["progress"]).format(
                done=done, total=self.total, rate=format_number(round(rate, 1)),
                left=format_duration(int(round(left, 1) * 1_000_000_000)))
        else:
            text = self.tr(TEXTS["progress_start"]).format(done=done, total=self.total)
        self.draw(frac, text)
