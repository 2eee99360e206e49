"""Fuzz every entry point of user input with damaged presets and traces; count how each case ended.

Run::

    .venv/bin/python -m tests.fuzz.fuzz_inputs --cases 10000 --seed 1 [--out DIR]

Hypothesis draws the damage plans (see :mod:`tests.fuzz.mutations`) until
there are ``--cases`` distinct damaged inputs: even cases damage a preset
(schema version 2 or 1), odd ones a real trace written by ``sandbox run
PRESET --out``. Special files (a FIFO, a folder, a device, a missing file, a
symlink to a device) come on top. Each scenario goes to the loader
(``sandbox.scenario.load``), ``sandbox validate``, a short engine run when
it loads, and File > Open in an offscreen main window, then Save As (every
so often a new main window is built on the scenario instead); each trace
goes to ``read_jsonl``, ``sandbox export`` and File > Open Trace. The
targets run in worker processes (:mod:`tests.fuzz.worker`) under a
wall-clock and a memory limit, so a hang or a crash is recorded and the run
goes on in a new worker.

It prints the count of each outcome per target (ok, refused: a clear
message, traceback: any other exception, hang, crash) and one line per
distinct failure (target, exception, where it was raised, the smallest
input), saves each failing input with its traceback under ``--out``, and
exits with status 1 on any traceback, hang or crash.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import queue
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .producer import ROOT, CaseInfo, produce

OUTCOMES = ("ok", "refused", "traceback", "hang", "crash")
BAD = ("traceback", "hang", "crash")
TARGETS = {"scenario": ("loader", "validate", "engine", "gui"),
           "trace": ("importer", "export", "check", "gui_trace")}
EXPORT_FORMATS = ("jsonl", "csv", "shiviz", "chrome")
MS = 1_000_000
#: "at at line": a word twice in a row in a message for the user
DOUBLED = re.compile(r"\b([A-Za-z]{2,}) \1\b")
#: cases a worker has been sent and not finished (so it never waits for this process)
IN_FLIGHT = 2


@dataclass
class Options:
    """The settings of one fuzzing run."""

    cases: int = 10_000
    seed: int = 1
    out: Path | None = None
    workers: int = 2
    until_ms: int = 50
    limit: float = 20.0
    fresh_every: int = 10
    max_rss_mb: int = 2500
    recycle: int = 1500
    max_events: int = 200
    quiet: bool = False
    #: build a main window in each worker before its first case
    warm: bool = True
    #: the targets per kind of input (the fuzzer's own test runs others)
    targets: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(TARGETS))


@dataclass
class Report:
    """What a run found: counts per target and outcome, the distinct failures, the time taken."""

    counts: dict[str, Counter] = field(default_factory=dict)
    failures: dict[tuple, list[dict[str, Any]]] = field(default_factory=dict)
    notes: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    cases: int = 0
    seconds: float = 0.0
    out: Path | None = None

    def bad(self) -> int:
        """The number of tracebacks, hangs and crashes over all targets."""
        return sum(c[o] for c in self.counts.values() for o in BAD)

    def lines(self) -> list[str]:
        """The printed summary."""
        out = [f"cases: {self.cases} in {self.seconds:.0f} s",
               f"{'target':<10}" + "".join(f"{o:>11}" for o in OUTCOMES)]
        targets = [t for t in (*TARGETS["scenario"], *TARGETS["trace"]) if t in self.counts
                   or not self.counts.keys() - set(TARGETS["scenario"] + TARGETS["trace"])]
        targets += sorted(set(self.counts) - set(targets))
        for target in targets:
            c = self.counts.get(target, Counter())
            out.append(f"{target:<10}" + "".join(f"{c[o]:>11}" for o in OUTCOMES))
        for note, n in sorted(self.notes.items()):
            out.append(f"note: {note}: {n}, e.g. {self.examples.get(note, '')[:110]!r}")
        if self.failures:
            out.append(f"distinct failures: {len(self.failures)}")
        for key, items in sorted(self.failures.items(), key=lambda kv: -len(kv[1])):
            target, outcome, kind, at = key
            small = min(items, key=lambda r: r["size"])
            out.append(f"  {target} {outcome} {kind} at {at}: {len(items)} cases; smallest "
                       f"{small['file']} ({small['size']} bytes): {small['message'][:120]!r}")
        if self.out is not None:
            out.append(f"failing inputs and tracebacks: {self.out}")
        return out


@dataclass
class Case:
    """A case being run: what the producer said, and the outcomes so far."""

    info: CaseInfo
    loaded: bool | None = None
    outcomes: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)

    targets: tuple[str, ...] = ()

    def remaining(self) -> list[str]:
        """The targets without an outcome yet."""
        return [t for t in self.targets if t not in self.outcomes]

    def data(self) -> bytes:
        """The input's bytes (nothing for a special file)."""
        if self.info.special:
            return b""
        try:
            return Path(self.info.path).read_bytes()
        except OSError:
            return b""

    def discard(self) -> None:
        """Remove the input file."""
        path = Path(self.info.path)
        if str(path).startswith("/dev/"):
            return
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        elif path.exists() or path.is_symlink():
            path.unlink()


# -- the workers -------------------------------------------------------------------------------


class Slot:
    """One worker process and the cases it has been sent."""

    def __init__(self, index: int, workdir: Path, warm: bool = True) -> None:
        self.index = index
        self.warm = warm
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None
        self.log: Path = workdir / f"worker-{index}.log"
        self.cases: deque[Case] = deque()
        self.current: tuple[Case, str] | None = None
        self.deadline = 0.0
        self.served = 0
        self.ready = False
        self.failed_starts = 0
        self.pending = b""

    def start(self, limit: float) -> None:
        """Start a new worker process (it says when it is ready)."""
        with open(self.log, "ab") as log:
            env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.fuzz.worker", str(self.workdir)]
                + (["--gui"] if self.warm else []),
                cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env,
                start_new_session=True)
        self.ready = False
        self.served = 0
        self.current = None
        self.pending = b""
        self.deadline = time.monotonic() + max(120.0, limit * 4)

    def send(self, case: Case, message: dict[str, Any]) -> None:
        """Give the worker a case."""
        assert self.proc is not None and self.proc.stdin is not None
        self.cases.append(case)
        self.served += 1
        try:
            self.proc.stdin.write((json.dumps(message) + "\n").encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            # the worker died after its last message (a crash case): the read loop sees its end
            # and resumes the cases it holds, this one too, in a new worker (Fuzzer.lost)
            pass

    def kill(self) -> None:
        """End this worker (its own process group, by its id)."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()
        self.proc = None

    def stop(self) -> None:
        """Let the worker end after its last case."""
        if self.proc is None:
            return
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()

    def log_tail(self) -> str:
        """What the worker wrote to stderr since its last target began (a faulthandler dump)."""
        with open(self.log, "rb") as fh:
            fh.seek(max(0, fh.seek(0, os.SEEK_END) - 400_000))
            text = fh.read().decode("utf-8", errors="replace")
        begun = text.rfind("=== case ")
        return text[begun if begun >= 0 else 0:][:20_000]

    def rss_mb(self) -> float:
        """The worker's resident memory."""
        if self.proc is None:
            return 0.0
        try:
            pages = int(Path(f"/proc/{self.proc.pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            return 0.0
        return pages * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def dump_where(text: str) -> str:
    """The innermost program frame of a faulthandler dump (the first one it prints)."""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith('File "') and "/sandbox/" in line:
            name = line.split('"')[1]
            rest = line.split('"', 2)[2].strip(", ")
            return name[name.rfind("/sandbox/") + 1:] + " " + rest
    return "?"


class Fuzzer:
    """Hands the cases to the workers and records the results."""

    def __init__(self, opts: Options, workdir: Path, out: Path) -> None:
        self.opts = opts
        self.workdir = workdir
        (workdir / "inputs").mkdir()
        self.out = out
        self.report = Report(out=out)
        ctx = multiprocessing.get_context("spawn")
        self.queue: Any = ctx.Queue(maxsize=300)
        self.producer = ctx.Process(target=produce, name="fuzz-producer", daemon=True,
                                    args=(opts.cases, opts.seed, opts.max_events, str(workdir),
                                          self.queue))
        self.retry: deque[Case] = deque()
        self.exhausted = False
        self.results = open(out / "results.jsonl", "w", encoding="utf-8")  # noqa: SIM115

    def next_case(self) -> Case | None:
        """A case to resume after a lost worker, or the next the producer made (or None)."""
        if self.retry:
            return self.retry.popleft()
        if self.exhausted:
            return None
        try:
            info = self.queue.get_nowait()
        except queue.Empty:
            return None
        if isinstance(info, str):
            raise SystemExit(info)
        if info is None:
            self.exhausted = True
            return None
        self.report.cases += 1
        return Case(info, targets=self.opts.targets[info.kind])

    def message(self, case: Case) -> dict[str, Any]:
        """What a worker is sent for ``case``: the targets it has still to run, and how."""
        info = case.info
        every = max(1, self.opts.fresh_every)
        return {"case": info.id, "path": info.path, "targets": case.remaining(),
                "loaded": case.loaded, "limit": self.opts.limit,
                "until": self.opts.until_ms * MS,
                "fmt": EXPORT_FORMATS[info.id // 2 % len(EXPORT_FORMATS)],
                "fresh": info.id // 2 % every == every - 1}

    def compare(self, case: Case) -> None:
        """Count the inputs one entry point accepts and another refuses (one rule for both)."""
        for a, b in (("importer", "gui_trace"), ("importer", "export"), ("importer", "check"),
                     ("loader", "gui")):
            oa, ob = case.outcomes.get(a), case.outcomes.get(b)
            if {oa, ob} == {"ok", "refused"}:
                said = case.messages.get(b if ob == "refused" else a, "")
                self.note(f"{a} {oa} but {b} {ob}", case, said)

    def note(self, note: str, case: Case, example: str) -> None:
        """Count a finding that is not a failure; keep the input of the first few."""
        self.report.notes[note] += 1
        self.report.examples.setdefault(note, example)
        if self.report.notes[note] <= 3 and not case.info.special:
            folder = self.out / "notes"
            folder.mkdir(exist_ok=True)
            saved = folder / Path(case.info.path).name
            saved.write_bytes(case.data())
            saved.with_suffix(".txt").write_text(
                f"{note}\n{example}\n{case.info.description}\n", encoding="utf-8",
                errors="backslashreplace")

    def record(self, case: Case, target: str, result: dict[str, Any]) -> None:
        """Count one result; keep the input and the traceback of a failure."""
        outcome = result["outcome"]
        self.report.counts.setdefault(target, Counter())[outcome] += 1
        case.outcomes[target] = outcome
        message = result.get("message", "")
        case.messages[target] = message
        if target == "loader":
            case.loaded = outcome == "ok"
        self.results.write(json.dumps({"case": case.info.id, "target": target,
                                       "outcome": outcome, "message": message,
                                       "secs": result.get("secs")}) + "\n")
        if outcome == "refused" and DOUBLED.search(message):
            self.note(f"{target}: a message with a doubled word", case, message)
        if result.get("note"):
            self.note(f"{target}: {result['note'].split(':')[0]}", case, result["note"])
        if outcome not in BAD:
            return
        folder = self.out / target
        folder.mkdir(parents=True, exist_ok=True)
        saved = folder / Path(case.info.path).name
        data = case.data()
        if not case.info.special:
            saved.write_bytes(data)
        text = (f"target: {target}\noutcome: {outcome}\ntype: {result.get('type')}\n"
                f"where: {result.get('where')}\nmessage: {message}\n{case.info.description}\n"
                f"input: {case.info.path}\n\n{result.get('traceback', '')}")
        saved.with_suffix(".txt").write_text(text, encoding="utf-8", errors="backslashreplace")
        key = (target, outcome, result.get("type", "?"), result.get("where", "?"))
        self.report.failures.setdefault(key, []).append(
            {"file": str(saved), "size": len(data), "message": message})

    def finish(self, slot: Slot, case_id: int) -> None:
        """A worker is done with a case."""
        case = slot.cases.popleft()
        assert case.info.id == case_id, (case.info.id, case_id)
        self.compare(case)
        case.discard()

    def lost(self, slot: Slot, outcome: str, kind: str, message: str) -> None:
        """The worker of ``slot`` hung or died: record it, resume its cases in a new one."""
        if not slot.ready:
            slot.failed_starts += 1
            if slot.failed_starts > 3:
                raise SystemExit(f"error: the fuzzer's worker does not start; see {slot.log}")
        current = slot.current
        slot.kill()
        if current is not None:
            tail = slot.log_tail()
            self.record(current[0], current[1], {"outcome": outcome, "type": kind,
                                                 "message": message, "traceback": tail,
                                                 "where": dump_where(tail)})
        elif slot.cases:
            self.record(slot.cases[0], "worker", {"outcome": outcome, "type": kind,
                                                  "message": message + " between targets",
                                                  "traceback": slot.log_tail(), "where": "?"})
        for case in reversed(slot.cases):
            if case.remaining():
                self.retry.appendleft(case)
            else:
                self.compare(case)
                case.discard()
        slot.cases.clear()
        slot.start(self.opts.limit)

    def feed(self, slots: list[Slot]) -> None:
        """Keep every ready worker busy with up to :data:`IN_FLIGHT` cases."""
        for slot in slots:
            if slot.proc is None or not slot.ready:
                continue
            if slot.served >= self.opts.recycle:
                if not slot.cases:
                    slot.stop()
                    slot.start(self.opts.limit)
                continue
            while len(slot.cases) < IN_FLIGHT:
                case = self.next_case()
                if case is None:
                    break
                slot.send(case, self.message(case))

    def read(self, slot: Slot) -> None:
        """Take what a worker wrote and act on each whole line."""
        assert slot.proc is not None and slot.proc.stdout is not None
        chunk = os.read(slot.proc.stdout.fileno(), 1 << 16)
        if not chunk:
            code = slot.proc.wait()
            kind = signal.Signals(-code).name if code < 0 else f"exit {code}"
            slot.pending = b""
            self.lost(slot, "crash", kind, f"the worker ended ({kind})")
            return
        slot.pending += chunk
        *lines, slot.pending = slot.pending.split(b"\n")
        for line in lines:
            if slot.proc is not None:
                self.handle(slot, json.loads(line))

    def handle(self, slot: Slot, msg: dict[str, Any]) -> None:
        """Act on one message of a worker."""
        now = time.monotonic()
        if "ready" in msg:
            slot.ready, slot.failed_starts = True, 0
        elif "begin" in msg:
            case = next(c for c in slot.cases if c.info.id == msg["begin"])
            slot.current = (case, msg["target"])
            slot.deadline = now + self.opts.limit * (2 if msg["target"] == "gui" else 1) + 2
        elif "done" in msg:
            self.finish(slot, msg["done"])
        else:
            assert slot.current is not None
            self.record(slot.current[0], msg["target"], msg)
            slot.current = None

    def run(self) -> Report:
        """Make the cases, run every target of every case; return the report."""
        started = last_line = time.monotonic()
        slots = [Slot(i, self.workdir, self.opts.warm) for i in range(max(1, self.opts.workers))]
        for slot in slots:
            slot.start(self.opts.limit)
        self.producer.start()
        try:
            while True:
                self.feed(slots)
                if self.exhausted and not self.retry and all(
                        s.ready and not s.cases for s in slots):
                    break
                sel = selectors.DefaultSelector()
                for slot in slots:
                    if slot.proc is not None and slot.proc.stdout is not None:
                        sel.register(slot.proc.stdout, selectors.EVENT_READ, slot)
                starving = any(s.ready and len(s.cases) < IN_FLIGHT for s in slots)
                for key, _ in sel.select(timeout=0.05 if starving else 0.5):
                    self.read(key.data)
                sel.close()
                now = time.monotonic()
                for slot in slots:
                    if slot.proc is None:
                        continue
                    if now > slot.deadline and (slot.current is not None or not slot.ready):
                        self.lost(slot, "hang", "Timeout",
                                  f"no answer within {self.opts.limit:.0f} s of wall time")
                    elif slot.current is not None and slot.rss_mb() > self.opts.max_rss_mb:
                        self.lost(slot, "hang", "MemoryGrowth",
                                  f"the worker grew over {self.opts.max_rss_mb} MB")
                if not self.opts.quiet and now - last_line > 30:
                    last_line = now
                    print(f"... {self.report.cases} cases begun, {self.report.bad()} failures, "
                          f"{now - started:.0f} s", file=sys.stderr, flush=True)
        finally:
            for slot in slots:
                slot.stop()
            self.results.close()
            if self.producer.is_alive():
                self.producer.terminate()
            self.producer.join(timeout=10)
        self.report.seconds = time.monotonic() - started
        return self.report


def fuzz(opts: Options) -> Report:
    """One fuzzing run with ``opts``; failing inputs go to ``opts.out`` (a new folder if None)."""
    out = opts.out or Path(tempfile.mkdtemp(prefix="ds-sandbox-fuzz-"))
    out.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="ds-sandbox-fuzz-work-"))
    try:
        report = Fuzzer(opts, workdir, out).run()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    (out / "summary.txt").write_text("\n".join(report.lines()) + "\n", encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    """The command line; exit status 1 on any traceback, hang or crash."""
    p = argparse.ArgumentParser(prog="python -m tests.fuzz.fuzz_inputs", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=10_000, help="distinct damaged inputs to make")
    p.add_argument("--seed", type=int, default=1, help="the hypothesis seed")
    p.add_argument("--out", type=Path, help="folder for failing inputs (default: a new one)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--limit", type=float, default=20.0,
                   help="wall-clock seconds a target may take before it counts as a hang")
    p.add_argument("--until-ms", type=int, default=50, help="simulated time of an engine run")
    p.add_argument("--fresh-every", type=int, default=10,
                   help="build a new main window on one scenario in N instead of File > Open")
    args = p.parse_args(argv)
    opts = Options(cases=args.cases, seed=args.seed, out=args.out, workers=args.workers,
                   limit=args.limit, until_ms=args.until_ms, fresh_every=args.fresh_every)
    report = fuzz(opts)
    print("\n".join(report.lines()))
    return 1 if report.bad() else 0


if __name__ == "__main__":
    sys.exit(main())
