"""A small run of the input fuzzer (tests/fuzz): no damaged input gives a traceback, hang or crash."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the fuzzer is the package tests.fuzz, as its workers import it
    sys.path.insert(0, str(ROOT))

from tests.fuzz import fuzz_inputs, mutations  # noqa: E402
from tests.fuzz.fuzz_inputs import Options, fuzz  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    # multiprocessing's resource tracker, when the fuzzer kills a worker on purpose
    "ignore:resource_tracker:UserWarning")


def test_a_seed_gives_the_same_damaged_inputs(tmp_path):
    from tests.fuzz.producer import draw_plans

    first: list[tuple] = []
    second: list[tuple] = []
    draw_plans(5, 30, first.append)
    draw_plans(5, 30, second.append)
    assert first == second and len(first) == 30
    base = mutations.scenario_base("t", {"schema_version": 2, "hosts": [{"id": "a"}]})
    assert [mutations.damage(base, p) for p in first] == [mutations.damage(base, p)
                                                          for p in second]


def test_damage_keeps_what_json_cannot_say():
    base = mutations.scenario_base("t", {"schema_version": 2, "hosts": [{"id": "a", "x": 1.0}]})
    inf = mutations.EXTREMES.index(("1e400", mutations.Raw("1e400")))
    data = mutations.damage(base, (0, [("extreme", 0, 0, inf)], [], [], True))
    assert b"1e400" in data
    nested = mutations.damage(base, (0, [("nest", 0, 0, 5000, "[")], [], [], True))
    assert nested.count(b"[") >= 5000
    dup = mutations.damage(base, (0, [("dup_key", 0, 0, 0)], [], [], True))
    assert dup.count(b'"schema_version"') == 2


def test_the_fuzzer_tells_hangs_crashes_and_tracebacks_apart(tmp_path):
    # the worker's self-test target: case N hangs, crashes, raises or passes (N mod 4)
    opts = Options(cases=8, seed=1, out=tmp_path, workers=2, limit=3.0, warm=False,
                   quiet=True, targets={"scenario": ("selftest",), "trace": ("selftest",)})
    report = fuzz(opts)
    assert report.counts["selftest"] == Counter(ok=2, traceback=2, hang=2, crash=2)
    kinds = {key[2] for key in report.failures}
    assert {"ValueError", "Timeout", "SIGSEGV"} <= kinds
    saved = sorted(p.name for p in (tmp_path / "selftest").glob("*.txt"))
    assert len(saved) == 6


def test_a_few_hundred_damaged_inputs_give_no_traceback_hang_or_crash(tmp_path):
    report = fuzz(Options(cases=300, seed=1, out=tmp_path, workers=2, quiet=True))
    summary = "\n".join(report.lines())
    for target in (*fuzz_inputs.TARGETS["scenario"], *fuzz_inputs.TARGETS["trace"]):
        counts = report.counts.get(target, Counter())
        assert counts["ok"] > 0, f"{target} never got an input it accepts\n{summary}"
        if target != "engine":
            assert counts["refused"] > 0, f"{target} never refused an input\n{summary}"
    assert report.cases >= 300
    assert report.bad() == 0, summary
