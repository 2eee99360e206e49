"""The fuzzer's producer process: real traces of the presets, hypothesis plans, damaged files.

It runs beside the workers (its hypothesis draws cost about as much as the
jobs they feed), writes each damaged input into the inputs folder and
sends a :class:`CaseInfo` for it on a queue; ``None`` ends the queue, a
string is an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from . import mutations
from .mutations import Base

ROOT = Path(__file__).resolve().parents[2]
PRESETS = ROOT / "sandbox" / "presets"
SPECIALS = ("fifo", "folder", "device", "missing", "symlink to /dev/zero")


@dataclass
class CaseInfo:
    """One input made: its number, kind, file, and how it was made."""

    id: int
    kind: str  # "scenario" or "trace"
    path: str
    description: str
    special: str = ""


def make_bases(workdir: Path, max_events: int) -> tuple[list[Base], list[Base]]:
    """The presets (as versions 2 and 1) and a real trace of each (``sandbox run --out``)."""
    presets = sorted(PRESETS.glob("*.json"))
    scenarios: list[Base] = []
    for p in presets:
        data = json.loads(p.read_text(encoding="utf-8"))
        scenarios += [mutations.scenario_base(p.stem, data),
                      mutations.scenario_base(p.stem, data, v1=True)]
    runs = []
    for p in presets:
        out = workdir / f"{p.stem}.jsonl"
        runs.append((p.stem, out, subprocess.Popen(
            [sys.executable, "-m", "sandbox", "run", p.stem, "--until", "300ms", "-q",
             "--out", str(out)], cwd=ROOT, stdout=subprocess.DEVNULL)))
    traces = []
    for stem, out, proc in runs:
        if proc.wait() != 0:
            raise RuntimeError(f"sandbox run {stem} failed (exit status {proc.returncode})")
        lines = out.read_text(encoding="utf-8").splitlines()
        traces.append(mutations.trace_base(f"trace of {stem}", lines, max_events))
    return scenarios, traces


def draw_plans(seed: int, size: int, take: Any) -> None:
    """Give ``take`` the ``size`` damage plans hypothesis draws with ``seed``, one at a time
    (the same ones every time)."""

    @hypothesis_seed(seed)
    @settings(max_examples=size, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(mutations.PLANS)
    def collect(plan: tuple) -> None:
        take(plan)

    collect()


def _special(case_id: int, kind: str, special: str, folder: Path) -> str:
    path = folder / f"case-{case_id:06d}{'.json' if kind == 'scenario' else '.jsonl'}"
    if special == "fifo":
        os.mkfifo(path)
    elif special == "folder":
        path.mkdir()
    elif special == "device":
        return "/dev/zero"
    elif special == "symlink to /dev/zero":
        path.symlink_to("/dev/zero")
    return str(path)


def produce(cases: int, seed: int, max_events: int, workdir: str, out: Any) -> None:
    """The producer process: ``cases`` distinct damaged inputs (even ones scenarios, odd
    ones traces), then the special files when ``cases`` >= 100, then None on ``out``."""
    try:
        folder = Path(workdir) / "inputs"
        scenarios, traces = make_bases(Path(workdir), max_events)
        seen: set[bytes] = set()
        made = [0]

        def take(plan: tuple) -> None:
            n = made[0]
            if n >= cases:
                return
            bases = scenarios if n % 2 == 0 else traces
            base = bases[plan[0] * 2654435761 % 2 ** 32 % len(bases)]
            data = mutations.damage(base, plan)
            digest = hashlib.sha256(base.kind.encode() + data).digest()
            if digest in seen:
                return
            seen.add(digest)
            path = folder / f"case-{n:06d}{'.json' if base.kind == 'scenario' else '.jsonl'}"
            path.write_bytes(data)
            out.put(CaseInfo(n, base.kind, str(path), mutations.describe(base, plan)))
            made[0] = n + 1

        chunk = 0
        while made[0] < cases and chunk < 1000:
            draw_plans(seed * 100_003 + chunk, 1000, take)
            chunk += 1
        n = made[0]
        if cases >= 100:
            for kind in ("scenario", "trace"):
                for special in SPECIALS:
                    path = _special(n, kind, special, folder)
                    out.put(CaseInfo(n, kind, path, f"special file: {special} ({kind})",
                                     special))
                    n += 1
    except BaseException:  # noqa: BLE001 - the main process says it and stops
        out.put("error: the fuzzer's producer failed:\n" + traceback.format_exc())
    out.put(None)
