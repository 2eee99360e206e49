"""The ``sandbox`` command: open the editor, run scenarios headless, validate, export traces.

Never imports Qt at module level: the GUI is imported only by the commands
that open a window or render one.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from sandbox import __version__
from sandbox.progress import ProgressLine

COMMANDS = ("run", "validate", "schema", "presets", "export", "screenshot", "open", "behaviours",
            "check", "sweep")
FORMATS = ("jsonl", "csv", "shiviz", "chrome")
_EXTENSIONS = {".jsonl": "jsonl", ".csv": "csv", ".log": "shiviz", ".txt": "shiviz",
               ".json": "chrome"}


class UsageError(Exception):
    """Bad input on the command line: printed as ``error: ...`` lines, exit status 2."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


def _duration(text: str) -> int:
    from sandbox.scenario.units import parse_duration

    try:
        ns = parse_duration(text, default_unit="s")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if ns <= 0:
        raise argparse.ArgumentTypeError(f"duration {text!r} must be positive")
    return ns


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = text.lower().split("x")
        size = int(w), int(h)
    except ValueError:
        raise argparse.ArgumentTypeError(f"size {text!r} must look like 1280x800") from None
    if not (100 <= size[0] <= 10000 and 100 <= size[1] <= 10000):
        raise argparse.ArgumentTypeError(f"size {text!r}: each side must be 100 to 10000 pixels")
    return size


def _resolve_scenario(name: str) -> Path:
    """A scenario path, or a bundled preset's when ``name`` is a preset name."""
    path = Path(name)
    if path.exists() or path.suffix:
        return path
    from sandbox.presets import preset_dir

    preset = preset_dir() / f"{name}.json"
    return preset if preset.is_file() else path


def _load(name: str):
    from sandbox.scenario import ScenarioError, load

    try:
        return load(_resolve_scenario(name))
    except ScenarioError as exc:
        raise UsageError(exc.lines()) from None


def _scenario_base(name: str) -> Path:
    """The folder a scenario's behaviour files are relative to: the scenario file's."""
    return _resolve_scenario(name).parent


def _code_refusal(label: str, scenario, base: Path, how: str) -> list[str]:
    """The ``error:`` line that refuses to run a scenario's behaviour files without consent."""
    from sandbox.scenario.user_files import scenario_files

    parts = []
    for entry, status in zip(scenario.behaviour_files, scenario_files(scenario, base),
                             strict=True):
        parts.append(f"{entry.path} (sha256 {status.sha256})" if status.sha256 else
                     f"{entry.path} ({status.problem})")
    return [f"error: {label} names behaviour files that run code: {', '.join(parts)}; "
            f"add --allow-code to {how}"]


def _load_code(label: str, scenario, base: Path | None):
    """Load (run) a scenario's behaviour files, consent given; None when it names none.
    A file that cannot be loaded is a UsageError naming the file and line; the
    determinism warnings go to stderr."""
    if not scenario.behaviour_files:
        return None
    from sandbox.engine.user_code import UserCodeError, load_files
    from sandbox.scenario import ScenarioError

    try:
        loaded = load_files(scenario, base, allow=True)
    except UserCodeError as exc:
        raise UsageError([f"error: {exc}"]) from None
    except ScenarioError as exc:
        raise UsageError(exc.lines() if exc.source else
                         [f"error: {label}: {line.removeprefix('error: ')}"
                          for line in exc.lines()]) from None
    for warning in loaded.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return loaded


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``sandbox`` command."""
    p = argparse.ArgumentParser(
        prog="sandbox",
        description="DS Sandbox: build, run, watch and measure distributed systems. "
                    "With no command, opens the editor (on SCENARIO or the default preset).",
        epilog="Durations take a unit: 500us, 20ms, 2s, 5min, 1h.",
    )
    p.add_argument("--version", action="version", version=f"DS Sandbox {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    o = sub.add_parser("open", help="open the editor (the default when no command is given)")
    o.add_argument("scenario", nargs="?", help="scenario file or preset name")

    r = sub.add_parser("run", help="run a scenario headless and print its summary")
    r.add_argument("scenario", help="scenario file or preset name")
    r.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    r.add_argument("--until", type=_duration, metavar="DURATION",
                   help="simulated time to run (default: the scenario's duration)")
    r.add_argument("--out", type=Path, metavar="FILE", help="write the trace to FILE")
    r.add_argument("--format", choices=FORMATS,
                   help="trace format (default: from the extension of --out, else jsonl)")
    r.add_argument("--json", action="store_true", help="print the summary as JSON")
    r.add_argument("--quiet", "-q", action="store_true", help="print no progress bar")

    def _count(text: str) -> int:  # a limit: a positive whole number, 1,000 or 1_000 too
        try:
            n = int(text.replace(",", "").replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if n <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be positive")
        return n

    r.add_argument("--max-events", type=_count, metavar="N",
                   help="stop a run that makes more than N events (default: 50,000,000)")
    r.add_argument("--max-trace-mb", type=_count, metavar="N",
                   help="stop a run whose JSONL trace (--out) grows past N MiB (default: 4096)")
    r.add_argument("--max-hosts", type=_count, metavar="N",
                   help="refuse a scenario of more than N hosts (default: 100,000)")
    r.add_argument("--max-links", type=_count, metavar="N",
                   help="refuse a scenario of more than N links (default: 1,000,000)")
    r.add_argument("--no-limits", action="store_true",
                   help="run however long or large the run is (its estimate still warns)")
    r.add_argument("--allow-code", action="store_true",
                   help="run the Python code of the behaviour files the scenario names")

    w = sub.add_parser("sweep", help="run a scenario over parameter values and seeds; a row "
                                     "of metrics per run to a CSV or Parquet file",
                       description="Run SCENARIO for every combination of the --set values "
                                   "times every seed, one row of metrics per run. Running "
                                   "again with the same --out resumes. See docs/experiments.md.",
                       epilog="Values: 0.1,0.2,0.5 (a list), 1..20 (whole numbers), "
                              "0.01..0.2/10 (10 values), 10ms..100ms/5 (durations). "
                              "Paths: hosts[*].failures.mttr, links[a-b].loss, "
                              "hosts[ID].count (copies of a host).")
    w.add_argument("scenario", help="scenario file or preset name")
    w.add_argument("--set", action="append", dest="assignments", default=[],
                   metavar="PATH=VALUES", help="a parameter and its values (repeatable)")
    w.add_argument("--seeds", type=_count, required=True, metavar="N",
                   help="runs per combination, seeds S, S+1, ... S+N-1")
    w.add_argument("--first-seed", type=int, metavar="S",
                   help="the first seed (default: the scenario's)")
    w.add_argument("--until", type=_duration, metavar="DURATION",
                   help="simulated time of each run (default: the scenario's duration)")
    where = w.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_count, default=1, metavar="K",
                       help="worker processes on this machine (default: 1, in this process)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="a Dask scheduler (tcp://host:8786): run on its cluster")
    w.add_argument("--out", type=Path, required=True, metavar="FILE",
                   help="the rows: FILE.csv (written as runs finish) or FILE.parquet")
    w.add_argument("--summary", action="store_true",
                   help="print the mean and 95%% confidence interval per combination")
    w.add_argument("--metrics", metavar="A,B",
                   help="the metrics of --summary (default: a few that vary)")
    w.add_argument("--allow-code", action="store_true",
                   help="run the Python code of the behaviour files the scenario names")
    w.add_argument("--quiet", "-q", action="store_true", help="print no progress bar")
    w.add_argument("--progress", action="store_true",
                   help="show the progress bar even when stderr is not a terminal")

    v = sub.add_parser("validate", help="check scenario files; one line per problem")
    v.add_argument("files", nargs="+", metavar="FILE")

    sub.add_parser("schema", help="print the JSON Schema of scenario files")
    sub.add_parser("presets", help="list the bundled presets")
    b = sub.add_parser("behaviours", help="list the behaviours (protocols) and their parameters",
                       description="List the built-in behaviours, and those of behaviour "
                                   "files: a .py file, or a scenario naming some.")
    b.add_argument("--behaviours", action="append", metavar="PATH", default=[],
                   help="a behaviour file (.py) or a scenario naming some (repeatable)")
    b.add_argument("--allow-code", action="store_true",
                   help="load (run) the files to list their behaviours in full; without it "
                        "their names are found by reading them")

    c = sub.add_parser("check", help="check the guarantees of a JSONL trace's protocols",
                       description="Check the guarantees the trace's protocols declare: one "
                                   "line per guarantee, PASS name or FAIL name at event SEQ: "
                                   "reason. Exit status 1 when a guarantee the configuration "
                                   "promises is broken (the others are reported, marked).")
    c.add_argument("trace", type=Path, help="a JSONL trace (sandbox run --out FILE.jsonl)")
    c.add_argument("--only", action="append", metavar="NAME",
                   help="check only this guarantee (repeatable)")
    c.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    c.add_argument("--allow-code", action="store_true",
                   help="load the behaviour files of the trace's scenario so their checkers run")
    c.add_argument("--base", type=Path, metavar="DIR",
                   help="the folder the behaviour files' paths are relative to "
                        "(default: the trace's folder)")

    e = sub.add_parser("export", help="convert a JSONL trace to another format")
    e.add_argument("trace", type=Path, metavar="TRACE.jsonl")
    e.add_argument("--format", choices=FORMATS, required=True)
    e.add_argument("--out", type=Path, required=True, metavar="FILE")

    s = sub.add_parser("screenshot", help="render the main window with a scenario to a PNG")
    s.add_argument("scenario")
    s.add_argument("out", type=Path, metavar="OUT.png")
    s.add_argument("--size", type=_size, default=(1280, 800), metavar="WxH")
    s.add_argument("--at", type=_duration, metavar="T",
                   help="play the run to time T first (messages in flight)")
    s.add_argument("--theme", choices=("light", "dark"), default="light")
    s.add_argument("--show", action="append", choices=("diagram", "log", "checks"), default=[],
                   help="bring this dock to the front (repeatable)")
    s.add_argument("--plot", metavar="PAGE", help="show this plot page (clocks, latency, ...)")
    s.add_argument("--allow-code", action="store_true",
                   help="run the scenario's behaviour files (Python code) for --at")
    return p


class ProgressBar(ProgressLine):
    """A one-line progress bar on a terminal, shown only when a run takes a while."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        super().__init__(stream, enabled and stream.isatty())
        self.started = time.monotonic()

    def __call__(self, now: int, until: int) -> None:
        if not self.enabled or time.monotonic() - self.started < 0.5:
            return
        from sandbox.scenario.units import format_duration

        frac = now / until if until else 1.0
        self.draw(frac, f"{frac * 100:5.1f}%  t={format_duration(now)} / "
                        f"{format_duration(until)}")


def cmd_run(args: argparse.Namespace) -> int:
    """``sandbox run``."""
    from sandbox.engine.limits import COMMAND_LINE_HINTS, Limits, RunLimitExceeded, RunRefused
    from sandbox.engine.runner import CallbackReporter, run
    from sandbox.trace import JsonlSink, MemorySink, export, format_summary
    from sandbox.trace.checks import format_verdict

    scenario = _load(args.scenario)
    base = _scenario_base(args.scenario)
    if scenario.behaviour_files and not args.allow_code:
        raise UsageError(_code_refusal(args.scenario, scenario, base, "run them"))
    fmt = args.format
    if fmt is None and args.out is not None:
        fmt = _EXTENSIONS.get(args.out.suffix.lower(), "jsonl")
    sink = None
    if args.out is not None:
        if not args.out.parent.exists():
            raise UsageError([f"error: {args.out}: folder {args.out.parent} does not exist"])
        sink = JsonlSink(args.out) if fmt == "jsonl" else MemorySink()
    given = {"max_events": args.max_events, "max_hosts": args.max_hosts,
             "max_links": args.max_links,
             "max_trace_bytes": args.max_trace_mb and args.max_trace_mb * 1024 * 1024}
    limits = Limits(enforce=not args.no_limits,
                    **{k: v for k, v in given.items() if v is not None}
                    ).with_hints(COMMAND_LINE_HINTS)
    bar = ProgressBar(sys.stderr, not args.quiet)

    def warn(message: str) -> None:
        bar.done()
        print(f"warning: {message}", file=sys.stderr)

    loaded = _load_code(args.scenario, scenario, base)
    try:
        result = run(scenario, sink, seed=args.seed, until=args.until, checks=True,
                     reporter=CallbackReporter(progress=bar, warning=warn),
                     chunks=100, freeze_gc=True, limits=limits,
                     trace_path=args.out if isinstance(sink, JsonlSink) else None,
                     user_code=loaded)
    except RunRefused as exc:
        lines = [f"error: {args.scenario}: {exc}"]
        if isinstance(exc, RunLimitExceeded) and exc.reached is not None \
                and isinstance(sink, JsonlSink):
            lines.append(f"error: the trace up to there is in {args.out}")
        raise UsageError(lines) from None
    finally:
        bar.done()
        if loaded is not None:
            loaded.unload()
    if isinstance(sink, MemorySink):
        export(sink.header, sink.events, fmt, args.out)
    verdicts = result.verdicts
    if args.json:
        out = dict(result.summary)
        if verdicts:
            out["checks"] = [v.to_dict() for v in verdicts]
        print(json.dumps(out, indent=2))
    else:
        print(f"{scenario.title or Path(args.scenario).stem} (seed {result.seed})")
        print(format_summary(result.summary))
        if verdicts:
            print("Guarantees:")
            for v in verdicts:
                print(f"  {format_verdict(v)}")
        if args.out is not None:
            print(f"Trace: {args.out} ({fmt})")
    for err in result.errors[:10]:
        print(f"warning: behaviour error: {err}", file=sys.stderr)
    if len(result.errors) > 10:
        print(f"warning: {len(result.errors) - 10} more behaviour errors", file=sys.stderr)
    return 0


def _sweep_parameters(assignments: Sequence[str]) -> dict[str, list]:
    """The ``--set PATH=VALUES`` of ``sandbox sweep``, parsed; UsageError naming a bad one."""
    from sandbox.sweep.values import parse_assignment

    parameters: dict[str, list] = {}
    problems = []
    for text in assignments:
        try:
            path, values = parse_assignment(text)
        except ValueError as exc:
            problems.append(f"error: --set {text}: {exc}")
            continue
        if path in parameters:
            problems.append(f"error: --set {text}: {path} is set twice")
        parameters[path] = values
    if problems:
        raise UsageError(problems)
    return parameters


def cmd_sweep(args: argparse.Namespace) -> int:
    """``sandbox sweep``: every combination of the ``--set`` values times ``--seeds`` seeds,
    a row per run to ``--out`` (resumed when it holds rows of the same sweep)."""
    from sandbox.scenario.paths import PathError
    from sandbox.sweep.aggregate import summarize
    from sandbox.sweep.execute import DaskMissing, columns, iter_rows
    from sandbox.sweep.metrics import metric_info
    from sandbox.sweep.report import TEXTS, Progress, default_metrics, format_summary
    from sandbox.sweep.results import RowWriter, format_of, read_columns, read_rows
    from sandbox.sweep.spec import SweepSpec

    scenario = _load(args.scenario)
    base = _scenario_base(args.scenario)
    if scenario.behaviour_files:
        if not args.allow_code:
            raise UsageError(_code_refusal(args.scenario, scenario, base, "sweep them"))
        loaded = _load_code(args.scenario, scenario, base)  # a file that cannot load: exit 2
        if loaded is not None:
            loaded.unload()  # each run loads them again, in its own worker
    parameters = _sweep_parameters(args.assignments)
    out: Path = args.out
    try:
        fmt = format_of(out)
        if fmt == "parquet":
            from sandbox.sweep.results import _pandas

            _pandas()
    except (ValueError, ImportError) as exc:
        raise UsageError([f"error: --out {out}: {exc}"]) from None
    if not out.parent.exists():
        raise UsageError([f"error: --out {out}: folder {out.parent} does not exist"])
    first = scenario.run.seed if args.first_seed is None else args.first_seed
    spec = SweepSpec(scenario.model_dump(mode="json"), parameters,
                     list(range(first, first + args.seeds)), args.until, str(base),
                     args.allow_code)
    try:
        spec.check_paths()
        total = len(spec.jobs())
    except PathError as exc:
        raise UsageError([f"error: --set {exc}"]) from None
    cols = columns(spec)
    chosen = None
    if args.metrics:
        chosen = [m.strip() for m in args.metrics.split(",") if m.strip()]
        unknown = [m for m in chosen if m not in cols and metric_info(m) is None]
        if unknown or not chosen:
            known = ", ".join(c for c in cols if c not in ("run", "seed", "error")
                              and c not in parameters)
            raise UsageError([f"error: --metrics: unknown metric {m!r} (known: {known})"
                              for m in unknown] or ["error: --metrics: no metric named"])
    existing = read_columns(out)
    if existing is not None and existing != cols:
        raise UsageError([f"error: --out {out} holds the rows of another sweep (its columns "
                          "differ); choose another file or remove it"])
    previous = read_rows(out) if existing is not None else []
    skip = {spec.key(r) for r in previous}
    if previous:
        print(TEXTS["resumed"].format(count=len(previous), file=out,
                                      left=max(0, total - len(skip))), file=sys.stderr)
    bar = Progress(sys.stderr, max(0, total - len(skip)),
                   not args.quiet and (args.progress or sys.stderr.isatty()))
    writer = RowWriter(out, cols, append=existing is not None)
    done = failed = 0
    try:
        bar.update(0)
        for row in iter_rows(spec, workers=args.workers, scheduler=args.scheduler, skip=skip):
            writer.write(row)
            done += 1
            failed += bool(row.get("error"))
            bar.update(done)
    except KeyboardInterrupt:
        bar.done()
        writer.close()
        print(TEXTS["interrupted"].format(count=len(previous) + done, total=total, file=out),
              file=sys.stderr)
        return 130
    except DaskMissing as exc:
        raise UsageError([f"error: --scheduler: {exc}"]) from None
    except (OSError, TimeoutError) as exc:
        if args.scheduler is None:
            raise
        raise UsageError([f"error: --scheduler {args.scheduler}: cannot reach the scheduler "
                          f"({exc})"]) from None
    finally:
        bar.done()
        writer.close()
    failed += sum(1 for r in previous if r.get("error"))
    print(TEXTS["done"].format(count=len(previous) + done, file=out, failed=failed))
    if args.summary:
        rows = read_rows(out)
        metrics = chosen or default_metrics(rows)
        print(TEXTS["summary"])
        print(format_summary(summarize(rows, list(parameters), metrics), list(parameters),
                             metrics))
    return 0


def _file_lines(name: str, scenario) -> tuple[list[str], list[str]]:
    """What ``sandbox validate`` says of a scenario's behaviour files (read, never run):
    (lines for stdout, ``error:`` lines for stderr), one line per file."""
    from sandbox.scenario.user_files import scenario_files

    out: list[str] = []
    errors: list[str] = []
    base = Path(name).parent
    for entry, status in zip(scenario.behaviour_files, scenario_files(scenario, base),
                             strict=True):
        head = f"{name}: behaviour file {entry.path}"
        if status.sha256 is None or status.problem:
            sha = f" (sha256 {status.sha256})" if status.sha256 else ""
            errors.append(f"error: {head}{sha}: {status.problem}")
            continue
        if status.recorded is None:
            change = "no hash recorded"
        elif status.changed:
            change = f"changed since it was recorded (was {status.recorded})"
        else:
            change = "unchanged"
        now = ", ".join(status.names) or "no behaviour"
        recorded = ", ".join(entry.behaviours) or "none"
        line = f"{head}: sha256 {status.sha256}, {change}; defines {now} (recorded: {recorded})"
        missing = [n for n in entry.behaviours if n not in status.names]
        if missing:
            errors.append(f"error: {line}; it no longer defines {', '.join(missing)}")
        else:
            out.append(line)
    return out, errors


def cmd_validate(args: argparse.Namespace) -> int:
    """``sandbox validate``: one line per problem; for a scenario naming behaviour files, one
    line per file (its hash, whether it changed, what it defines); a ``hint:`` line for each
    setting that does nothing (:mod:`sandbox.scenario.hints`), which does not fail. Never
    runs their code."""
    from sandbox.scenario import ScenarioError, load
    from sandbox.scenario.hints import hints

    bad = 0
    for name in args.files:
        try:
            scenario = load(name)
        except ScenarioError as exc:
            bad += 1
            for line in exc.lines():
                print(line, file=sys.stderr)
            continue
        out, errors = _file_lines(name, scenario)
        if errors:
            bad += 1
        else:
            print(f"ok: {name}")
        for line in out:
            print(line)
        for hint in hints(scenario):  # settings that do nothing: said, never a failure
            print(f"hint: {hint}")
        for line in errors:
            print(line, file=sys.stderr)
    return 2 if bad else 0


def cmd_schema(args: argparse.Namespace) -> int:
    """``sandbox schema``."""
    from sandbox.scenario import json_schema

    print(json.dumps(json_schema(), indent=2))
    return 0


def cmd_presets(args: argparse.Namespace) -> int:
    """``sandbox presets``."""
    from sandbox.presets import list_presets

    rows = list_presets()
    width = max((len(p.stem) for p, _ in rows), default=0)
    for path, title in rows:
        print(f"{path.stem:<{width}}  {title}")
    return 0


def _files_of(path: str):
    """(a scenario naming the behaviour file(s) of ``path``, the folder they are relative to,
    the files' statuses): ``path`` is a .py file, or a scenario (any other name)."""
    from sandbox.scenario.model import BehaviourFile, Scenario
    from sandbox.scenario.user_files import scenario_files

    if Path(path).suffix.lower() == ".py":
        scenario = Scenario(behaviour_files=[BehaviourFile(path=path)])
        base = None
    else:
        scenario = _load(path)
        base = _scenario_base(path)
    return scenario, base, scenario_files(scenario, base)


def _load_one(path: str, scenario, base: Path | None):
    """Load the file ``path`` (a .py) or the files of the scenario ``path``, consent given."""
    if Path(path).suffix.lower() != ".py":
        return _load_code(path, scenario, base)
    from sandbox.engine.user_code import UserCodeError, load_file

    try:
        loaded = load_file(path, allow=True)
    except UserCodeError as exc:
        raise UsageError([f"error: {exc}"]) from None
    for warning in loaded.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return loaded


def cmd_behaviours(args: argparse.Namespace) -> int:
    """``sandbox behaviours``: every registered behaviour, by category, with its parameters;
    with ``--behaviours PATH``, a file's too (loaded with ``--allow-code``, else only read)."""
    from sandbox.scenario.registry import categories

    found = [(path, *_files_of(path)) for path in args.behaviours]
    problems = [f"error: {status.path}: {status.problem}" if Path(path).suffix.lower() == ".py"
                else f"error: {path}: behaviour file {status.path}: {status.problem}"
                for path, _, _, statuses in found for status in statuses if status.problem]
    if problems:
        raise UsageError(problems)
    loaded = [_load_one(path, scenario, base) for path, scenario, base, _ in found
              if args.allow_code]
    try:
        groups = categories().values()
        width = max((len(info.name) for infos in groups for info in infos), default=0) + 1
        for infos in groups:
            for info in infos:
                origin = "" if info.origin == "builtin" else f" (from {info.origin})"
                print(f"{info.name:<{width}} {info.title}: {info.summary} "
                      f"[{info.category_title}]{origin}")
                fields = ", ".join(info.params.model_fields)
                if fields:
                    print(f"{'':<{width}} params: {fields}")
                if info.guarantees:
                    print(f"{'':<{width}} guarantees: {', '.join(info.guarantees)}")
    finally:
        for files in loaded:
            if files is not None:
                files.unload()
    if not args.allow_code:
        for _, _, _, statuses in found:
            for status in statuses:
                names = ", ".join(status.names) or "no behaviour"
                print(f"{status.path}: defines {names} (found by reading it; add "
                      "--allow-code to load it and list its behaviours in full)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """``sandbox export``."""
    from sandbox.trace import TraceFormatError, export, iter_jsonl

    # every problem of the trace is a TraceFormatError; an OSError is the output's
    started, existed = False, args.out.exists()
    try:
        header, events = iter_jsonl(args.trace)
        started = True
        export(header, events, args.format, args.out)
    except (TraceFormatError, OSError) as exc:
        lines = [f"error: {exc}" if isinstance(exc, TraceFormatError) else
                 f"error: {args.out}: cannot be written ({exc.strerror or exc})"]
        if started and args.out.is_file():  # the export had begun
            if existed:
                lines.append(f"error: {args.out} is incomplete")
            else:
                args.out.unlink()
        raise UsageError(lines) from None
    print(f"wrote {args.out} ({args.format})")
    return 0


def _check_code(args: argparse.Namespace, header: dict):
    """Load the behaviour files of a trace's scenario for ``sandbox check`` (with
    ``--allow-code``; else a note on stderr says their checkers do not run)."""
    scenario_data = header.get("scenario") if isinstance(header, dict) else None
    if not isinstance(scenario_data, dict) or not scenario_data.get("behaviour_files"):
        return None
    from sandbox.scenario import ScenarioError, scenario_from_dict

    try:
        scenario = scenario_from_dict(scenario_data, f"{args.trace} (its scenario)")
    except ScenarioError as exc:
        raise UsageError(exc.lines()) from None
    base = args.base if args.base is not None else args.trace.parent
    if not args.allow_code:
        names = ", ".join(f.path for f in scenario.behaviour_files)
        print(f"note: the trace's scenario names behaviour files ({names}); their checkers "
              "did not run: add --allow-code to run them", file=sys.stderr)
        return None
    loaded = _load_code(str(args.trace), scenario, base)
    made = {f.get("path"): f.get("sha256") for f in header.get("behaviour_files") or ()
            if isinstance(f, dict)}
    for f in loaded.files if loaded is not None else ():
        if made.get(f.name) not in (None, f.sha256):
            print(f"warning: {f.name} changed since the trace was made (then sha256 "
                  f"{made[f.name]}, now {f.sha256}): its checkers may judge the trace "
                  "differently", file=sys.stderr)
    return loaded


def cmd_check(args: argparse.Namespace) -> int:
    """``sandbox check``: the guarantees of a trace's protocols, one line each; status 1 when a
    guarantee the configuration promises is broken. With ``--allow-code`` the behaviour files
    of the trace's scenario are loaded so their checkers run too."""
    from sandbox.trace import TraceFormatError, iter_jsonl
    from sandbox.trace.checks import CheckRun, checker_names, format_verdict

    loaded = None
    try:
        try:
            header, events = iter_jsonl(args.trace)
        except TraceFormatError as exc:
            raise UsageError([f"error: {exc}"]) from None
        loaded = _check_code(args, header)
        unknown = [n for n in args.only or () if n not in checker_names()]
        if unknown:
            raise UsageError([f"error: no guarantee named {n!r} "
                              f"(known: {', '.join(checker_names())})" for n in unknown])
        try:
            checks = CheckRun(header, args.only)
            feed = checks.feed if checks else None
            for ev in events:  # read to the end even with nothing to check: a bad line is an error
                if feed is not None:
                    feed(ev)
        except TraceFormatError as exc:
            raise UsageError([f"error: {exc}"]) from None
        verdicts = checks.finish()
    finally:
        if loaded is not None:
            loaded.unload()
    if args.json:
        print(json.dumps([v.to_dict() for v in verdicts], indent=2))
    elif not verdicts:
        print("no guarantee to check: no protocol of this trace declares one")
    else:
        for v in verdicts:
            print(format_verdict(v))
    return 1 if any(v.promised and not v.ok for v in verdicts) else 0


def cmd_screenshot(args: argparse.Namespace) -> int:
    """``sandbox screenshot``."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scenario = _load(args.scenario)  # report a bad file before starting Qt
    loaded = None
    if scenario.behaviour_files and args.at is not None:  # only a run executes them
        base = _scenario_base(args.scenario)
        if not args.allow_code:
            raise UsageError(_code_refusal(args.scenario, scenario, base, "run them"))
        loaded = _load_code(args.scenario, scenario, base)
    from sandbox.gui.app import screenshot

    kwargs = {"size": args.size, "theme": args.theme, "show": args.show, "plot": args.plot,
              "user_code": loaded}
    if args.at is not None:
        kwargs["at"] = args.at
    return screenshot(str(_resolve_scenario(args.scenario)), str(args.out), **kwargs)


def cmd_open(args: argparse.Namespace) -> int:
    """``sandbox`` / ``sandbox open``: the editor."""
    if args.scenario is not None:
        _load(args.scenario)
    from sandbox.gui.app import main as gui_main

    return gui_main(str(_resolve_scenario(args.scenario)) if args.scenario else None)


HANDLERS = {"run": cmd_run, "validate": cmd_validate, "schema": cmd_schema,
            "presets": cmd_presets, "behaviours": cmd_behaviours, "export": cmd_export,
            "check": cmd_check, "sweep": cmd_sweep,
            "screenshot": cmd_screenshot, "open": cmd_open}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sandbox`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
        argv.insert(0, "open")
    args = build_parser().parse_args(argv)
    try:
        return HANDLERS[args.command](args)
    except UsageError as exc:
        for line in exc.lines:
            print(line if line.startswith("error:") else f"error: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        name = getattr(exc, "filename", None) or ""
        print(f"error: {name}: {exc.strerror or exc}" if name else f"error: {exc}",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
