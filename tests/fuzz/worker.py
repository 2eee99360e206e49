"""A fuzzer worker process: runs the targets of one input after another and says how each ended.

Started by :mod:`tests.fuzz.fuzz_inputs` as ``python -m tests.fuzz.worker
WORKDIR``. It reads one case per line on stdin (a JSON object: the input's
path and the targets to run) and answers on its stdout, per target, a
``begin`` line and a result line, then a ``done`` line for the case; everything the program under test prints goes
to stderr (the parent keeps it in a log), so a crash or a hang leaves its
Python traceback there (faulthandler). One worker keeps one main window and
opens input after input in it, as a user does with File > Open; every
``fresh`` job builds a new window on the scenario instead.

Outcomes: ``ok`` (a valid result), ``refused`` (a clear message: a
ScenarioError, a TraceFormatError, exit status 2 with only ``error:`` lines,
or a dialog in the GUI) and ``traceback`` (anything else, with the
exception). Hangs and crashes are seen by the parent.
"""

from __future__ import annotations

import faulthandler
import io
import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

#: Exception classes (by name) that are a clear refusal, besides the ones named per target.
REFUSAL_NAMES = {"ScenarioError", "TraceFormatError", "FileRefused", "UsageError"}


#: The events limit of the fuzzer's engine runs (the default is for real work: 50 million).
ENGINE_MAX_EVENTS = 300_000


class Refused(Exception):
    """The target refused the input with a clear message."""


class NoMessage(Exception):
    """The target refused the input without saying why (no dialog, no ``error:`` line)."""


def _is_refusal(exc: BaseException) -> bool:
    name = type(exc).__name__
    module = type(exc).__module__ or ""
    return module.startswith("sandbox") and (
        name in REFUSAL_NAMES or "Limit" in name or name.endswith("Refused"))


def where(tb_list: traceback.StackSummary) -> str:
    """The innermost frame in the program (sandbox/...), else the innermost frame."""
    frames = [f for f in tb_list if "/sandbox/" in f.filename] or list(tb_list)
    if not frames:
        return "?"
    f = frames[-1]
    name = f.filename
    cut = name.rfind("/sandbox/")
    if cut >= 0:
        name = name[cut + 1:]
    return f"{name}:{f.lineno} ({f.name})"


def traceback_result(exc: BaseException, note: str = "") -> dict[str, Any]:
    """The result of a job that ended with an unexpected exception."""
    summary = traceback.extract_tb(exc.__traceback__)
    text = "".join(traceback.format_exception(exc))
    if len(text) > 20_000:
        text = text[:8_000] + "\n[... cut ...]\n" + text[-12_000:]
    return {"outcome": "traceback", "type": type(exc).__name__,
            "message": (note + str(exc))[:500], "where": where(summary), "traceback": text}


class _Captured:
    """stdout and stderr of an in-process command (stdout strict UTF-8, as on a terminal)."""

    def __enter__(self) -> _Captured:
        self.out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
        self.err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace")
        self._saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = self.out, self.err
        return self

    def __exit__(self, *exc: object) -> None:
        sys.stdout, sys.stderr = self._saved

    def text(self, stream: io.TextIOWrapper) -> str:
        stream.flush()
        buf = stream.buffer
        assert isinstance(buf, io.BytesIO)
        return buf.getvalue().decode("utf-8", errors="replace")


class CheckerError(AssertionError):
    """A checker raised while checking a trace (reported as an ERROR verdict)."""


def _cli(argv: list[str]) -> dict[str, Any]:
    """Run the ``sandbox`` command in this process: 0 is ok, 2 with ``error:`` lines refused."""
    from sandbox.cli import main

    with _Captured() as cap:
        status = main(argv)
    err = cap.text(cap.err)
    lines = [line for line in err.splitlines() if line.strip()]
    if status == 0:
        return {"outcome": "ok"}
    if status == 2 and lines and all(line.startswith("error:") for line in lines):
        return {"outcome": "refused", "message": lines[0][:300]}
    raise NoMessage(f"exit status {status} with stderr {err[:300]!r}")


class Worker:
    """The state kept between jobs: the loaded scenario of the current case and the window."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.scenario: Any = None
        self.scenario_case: int | None = None
        self.app: Any = None
        self.window: Any = None
        self.dialogs: list[str] = []
        self.hooked: list[BaseException] = []

    # -- headless targets -----------------------------------------------------------------------

    def loaded(self, case: int, path: str) -> Any:
        """The scenario of ``case`` (loaded again if this worker did not load it)."""
        if self.scenario_case != case:
            from sandbox.scenario import load

            self.scenario, self.scenario_case = load(path), case
        return self.scenario

    def job_loader(self, job: dict[str, Any]) -> dict[str, Any]:
        from sandbox.scenario import ScenarioError, load

        self.scenario = self.scenario_case = None
        try:
            scenario = load(job["path"])
        except ScenarioError as exc:
            lines = exc.lines()
            if not lines or not all(line.startswith("error:") for line in lines):
                raise NoMessage(f"ScenarioError without error: lines: {lines!r}") from exc
            return {"outcome": "refused", "message": lines[0][:300]}
        self.scenario, self.scenario_case = scenario, job["case"]
        return {"outcome": "ok"}

    def job_validate(self, job: dict[str, Any]) -> dict[str, Any]:
        return _cli(["validate", job["path"]])

    def job_engine(self, job: dict[str, Any]) -> dict[str, Any]:
        from sandbox.engine import Limits, RunRefused, run
        from sandbox.trace.sinks import JsonlSink

        scenario = self.loaded(job["case"], job["path"])
        out = self.workdir / f"run-{os.getpid()}.jsonl"
        try:
            # The limits are what protects the machine from a run that would go on for
            # hours (a request every few ns): a short run must stop well within the time out.
            result = run(scenario, JsonlSink(out), until=job["until"],
                         limits=Limits(max_events=ENGINE_MAX_EVENTS), checks=True)
        except RunRefused as exc:
            return {"outcome": "refused", "message": str(exc)[:300]}
        broken = [v for v in result.verdicts if v.error]
        if broken:  # a checker raised on a trace the engine wrote: a bug of the checker
            raise CheckerError(f"{broken[0].name}: {broken[0].reason()}")
        info = {"outcome": "ok"}
        if result.errors:
            info["note"] = f"behaviour errors: {str(result.errors[0])[:200]}"
        return info

    def job_importer(self, job: dict[str, Any]) -> dict[str, Any]:
        from sandbox.trace.sinks import read_jsonl

        read_jsonl(job["path"])
        return {"outcome": "ok"}

    def job_check(self, job: dict[str, Any]) -> dict[str, Any]:
        """``sandbox check``: 0 or 1 (a guarantee failed) is ok; a checker that raised is a
        bug (its ERROR line), anything else must be a clear refusal."""
        from sandbox.cli import main

        with _Captured() as cap:
            status = main(["check", job["path"]])
        out, err = cap.text(cap.out), cap.text(cap.err)
        errors = [line for line in out.splitlines() if line.startswith("ERROR ")]
        if errors:
            raise CheckerError(errors[0][:300])
        lines = [line for line in err.splitlines() if line.strip()]
        if status in (0, 1):
            return {"outcome": "ok"}
        if status == 2 and lines and all(line.startswith("error:") for line in lines):
            return {"outcome": "refused", "message": lines[0][:300]}
        raise NoMessage(f"exit status {status} with stderr {err[:300]!r}")

    def job_export(self, job: dict[str, Any]) -> dict[str, Any]:
        out = self.workdir / f"export-{os.getpid()}.{job['fmt']}"
        return _cli(["export", job["path"], "--format", job["fmt"], "--out", str(out)])

    def job_selftest(self, job: dict[str, Any]) -> dict[str, Any]:
        """For the fuzzer's own test: case N hangs, crashes, raises or passes (N mod 4)."""
        action = ("hang", "crash", "raise", "ok")[job["case"] % 4]
        if action == "hang":
            while True:
                time.sleep(0.01)
        if action == "crash":
            os.kill(os.getpid(), signal.SIGSEGV)
        if action == "raise":
            raise ValueError("the self-test raises")
        return {"outcome": "ok"}

    # -- the GUI --------------------------------------------------------------------------------

    def _qt(self) -> None:
        if self.app is not None:
            return
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import QtMsgType, qInstallMessageHandler

        from sandbox.gui.app import _application

        def quiet(mode: QtMsgType, _context: object, message: str) -> None:
            if "propagateSizeHints" not in message:
                print(f"qt: {message}", file=sys.stderr)

        qInstallMessageHandler(quiet)
        self.app = _application()
        sys.excepthook = lambda t, e, tb: self.hooked.append(e)

    def _new_window(self, scenario: Any = None, path: str | None = None) -> Any:
        from PySide6.QtCore import QSettings

        from sandbox.gui.app import settle
        from sandbox.gui.file_controller import DISCARD
        from sandbox.gui.main_window import MainWindow

        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
            self.app.processEvents()
        ini = str(self.workdir / f"settings-{os.getpid()}.ini")
        win = MainWindow(scenario, path, settings=QSettings(ini, QSettings.Format.IniFormat),
                         autosave_dir=self.workdir / f"autosave-{os.getpid()}")
        win.autosave_timer.stop()
        win.autoplay = False
        # the window's seams for questions and messages (as the GUI tests replace them)
        win._show_problems = lambda error: self.dialogs.append("problems: " + str(error)[:300])
        win._show_error = lambda title, msg: self.dialogs.append(f"{title}: {msg}"[:300])
        win._ask_save_changes = lambda: DISCARD
        win._ask_recover = lambda autosave: False
        for name in ("_ask_open_path", "_ask_save_path", "_ask_trace_path"):
            setattr(win, name, lambda *a, **k: None)
        win.resize(1000, 700)
        win.show()
        settle(self.app, 4)
        self.window = win
        return win

    def _gui_end(self, opened: bool, what: str) -> dict[str, Any]:
        from sandbox.gui.app import settle

        if opened:
            settle(self.app, 2)
            self.window.view.fit()
            self.window.grab()
            self.app.processEvents()
        if self.hooked:
            exc = self.hooked[0]
            return traceback_result(exc, "in a Qt slot or paint: ")
        if self.dialogs:
            return {"outcome": "refused", "message": self.dialogs[0]}
        if not opened:
            raise NoMessage(f"{what} refused the file without a dialog or message")
        return {"outcome": "ok"}

    def job_gui(self, job: dict[str, Any]) -> dict[str, Any]:
        """File > Open of the input (a fresh window built on it for ``fresh`` jobs), then save."""
        self._qt()
        self.dialogs.clear()
        self.hooked.clear()
        if self.window is None:
            self._new_window()
        if job.get("fresh") and job.get("loaded"):
            self._new_window(self.loaded(job["case"], job["path"]), job["path"])
            opened = True
        else:
            opened = self.window.files.open_file(job["path"])
        result = self._gui_end(opened, "File > Open")
        if result["outcome"] == "ok":
            saved = self.window.files.save_as(self.workdir / f"saved-{os.getpid()}.json")
            result = self._gui_end(saved, "File > Save As")
        return result

    def job_gui_trace(self, job: dict[str, Any]) -> dict[str, Any]:
        """File > Open Trace of the input, then the player at the end of the trace."""
        self._qt()
        self.dialogs.clear()
        self.hooked.clear()
        if self.window is None:
            self._new_window()
        opened = self.window.files.open_trace(job["path"])
        if opened:
            self.window.player.seek(self.window.player.duration)
        return self._gui_end(opened, "File > Open Trace")

    # -- the loop -------------------------------------------------------------------------------

    def do(self, job: dict[str, Any]) -> dict[str, Any]:
        """Run one job and classify how it ended."""
        handler = getattr(self, "job_" + job["target"])
        try:
            return handler(job)
        except NoMessage as exc:
            return {"outcome": "traceback", "type": "NoMessage", "message": str(exc)[:500],
                    "where": "-", "traceback": str(exc)}
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - classifying every exception is the point
            if _is_refusal(exc) and str(exc).strip():
                return {"outcome": "refused", "message": str(exc)[:300]}
            return traceback_result(exc)


def run_case(worker: Worker, case: dict[str, Any], proto: Any) -> None:
    """Run the targets of one case in order; the engine and a fresh window only if it loads."""
    loaded = case.get("loaded")
    for target in case["targets"]:
        if target == "engine" and not loaded:
            continue
        job = dict(case, target=target, loaded=loaded, fresh=case.get("fresh") and loaded)
        limit = case["limit"] * (2 if job["fresh"] else 1)
        proto.write(json.dumps({"begin": case["case"], "target": target}) + "\n")
        print(f"=== case {case['case']} {target}", file=sys.stderr, flush=True)
        faulthandler.dump_traceback_later(limit, exit=False, file=sys.stderr)
        started = time.perf_counter()
        result = worker.do(job)
        faulthandler.cancel_dump_traceback_later()
        if target == "loader":
            loaded = result["outcome"] == "ok"
        result.update(case=case["case"], target=target,
                      secs=round(time.perf_counter() - started, 4))
        proto.write(json.dumps(result, ensure_ascii=True) + "\n")
    proto.write(json.dumps({"done": case["case"]}) + "\n")


def main() -> int:
    """Serve cases from stdin until it closes."""
    workdir = Path(sys.argv[1])
    proto = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    faulthandler.enable(sys.stderr, all_threads=True)
    worker = Worker(workdir)
    if "--gui" in sys.argv:
        worker._qt()
        worker._new_window()
    proto.write(json.dumps({"ready": os.getpid()}) + "\n")
    for line in sys.stdin:
        run_case(worker, json.loads(line), proto)
    return 0


if __name__ == "__main__":
    sys.exit(main())
