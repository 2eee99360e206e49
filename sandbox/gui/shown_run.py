"""The run shown in the main window: its timeline, its stale state, recomputing and clearing it.

:class:`ShownRun` runs the document's scenario with a
:class:`~sandbox.gui.run_controller.RunController` (off the UI thread),
shows the result in every view of a run (the canvas animation, the
space-time diagram, the event log, the plots, the memory map's heat) with one
:class:`~sandbox.gui.player.Player` as their time cursor, keeps one
selection across them, marks the run stale when the scenario is edited in
anything the engine reads, and recomputes it from the same seed at the same
time whenever the fault schedule changes (a fault injected, edited in the
Faults panel, removed, or any of these undone or redone). :class:`RunStatus` is its part of the status
bar: the stale hint, the progress of a run under way and the run's label.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton, QWidget

from ..scenario import io
from ..scenario.io import ScenarioError
from ..scenario.model import Scenario
from ..trace.checks import Verdict, run_checks
from ..trace.events import TraceEvent
from ..trace.timeline import NEVER, Timeline
from .player import SPEED_MAX, SPEED_MIN
from .run_controller import RunResult
from .theme import is_dark

try:  # the canvas animation may be missing from a partial checkout: the window works without
    from .canvas.animation import CanvasAnimator
except Exception:  # noqa: BLE001 - any import problem only disables the animation
    CanvasAnimator = None  # type: ignore[assignment,misc]

__all__ = ["HEAT_WINDOW_NS", "MESSAGE_WALL_SECONDS", "RUN_WALL_SECONDS", "CanvasAnimator",
           "RunStatus", "ShownRun", "plural", "simulated", "suggested_speed"]

translate = QCoreApplication.translate

#: Wall seconds a message of median latency takes on screen at the speed chosen for a new run.
MESSAGE_WALL_SECONDS = 0.6
#: Longest a new run plays at the speed chosen for it (wall seconds).
RUN_WALL_SECONDS = 90.0
#: Window of memory accesses that make the memory map's heat (ns of simulated time).
HEAT_WINDOW_NS = 50_000_000


def plural(n: int, one: str, many: str) -> str:
    """``one`` when ``n`` is 1, else ``many`` with ``{n}`` filled in (both already translated)."""
    return one if n == 1 else many.format(n=n)


def simulated(scenario: Scenario) -> Any:
    """What the engine reads of a scenario: everything but where things are drawn."""
    data = scenario.model_dump(mode="json")
    for key in ("hosts", "groups"):
        for item in data.get(key) or []:
            for field in ("x", "y", "width", "height"):
                item.pop(field, None)
    return data


def suggested_speed(timeline: Timeline) -> float:
    """A playback speed for a new run: a typical message stays on screen for a moment
    (:data:`MESSAGE_WALL_SECONDS`) unless the run would then last longer than
    :data:`RUN_WALL_SECONDS`."""
    ended = timeline.msg_t_end < NEVER
    latencies = (timeline.msg_t_end - timeline.msg_t_send)[ended]
    latencies = latencies[latencies > 0]
    duration_s = max(timeline.duration, 1) / 1e9
    floor = duration_s / RUN_WALL_SECONDS
    if len(latencies):
        speed = float(np.median(latencies)) / 1e9 / MESSAGE_WALL_SECONDS
    else:
        speed = duration_s / 20.0
    return float(min(max(speed, floor, SPEED_MIN), SPEED_MAX))


class ShownRun(QObject):
    """The run shown in the window's views, and the runs that replace it.

    ``views`` holds the window's parts a run uses, by name: ``scene``,
    ``view``, ``spacetime``, ``event_log``, ``plots``, ``memory_map``,
    ``memory_dock`` and ``player_bar``. ``show_message(text, timeout)`` and
    ``show_error(title, text)`` report; ``display_name()`` names the scenario.
    """

    #: A run started computing.
    run_started = Signal()
    #: The run under way finished, failed or was cancelled.
    run_ended = Signal()
    #: The run shown turned stale (True) or current (False).
    stale_changed = Signal(bool)
    #: A run is shown now (its views should appear).
    shown = Signal()
    #: The run shown was cleared; the argument says whether one was shown.
    cleared = Signal(bool)
    #: The text that names the run shown ("" without one).
    label_changed = Signal(str)
    #: Whether a run is under way or shown changed (the run actions follow).
    state_changed = Signal()

    def __init__(self, document: Any, run_controller: Any, player: Any, views: dict[str, Any],
                 show_message: Callable[..., None], show_error: Callable[[str, str], None],
                 display_name: Callable[[], str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.run_controller = run_controller
        self.player = player
        self.scene = views["scene"]
        self.view = views["view"]
        self.spacetime = views["spacetime"]
        self.event_log = views["event_log"]
        self.plots = views["plots"]
        self.memory_map = views["memory_map"]
        self.memory_dock = views["memory_dock"]
        self.player_bar = views["player_bar"]
        #: The Checks panel (optional: a window without it works the same).
        self.checks = views.get("checks")
        self._show_message = show_message
        self._show_error = show_error
        self._display_name = display_name
        #: The canvas animation of the run shown (None without one, or without the module).
        self.animator: Any = None
        #: Whether a new run starts playing as soon as it is loaded (tests switch it off).
        self.autoplay = True
        self._timeline: Timeline | None = None
        self._run_key: Any = None
        self._run_seed: int | None = None
        self._run_until: int | None = None
        self._trace_path: Path | None = None
        self._stale = False
        self._pending: dict[str, Any] = {}
        self._keep_run_on_reset = False
        self._has_heat = False
        #: Called before each run: returns (go on?, the loaded user code or None). The window's
        #: behaviour files controller asks consent and loads the files here; None: no files.
        self.prepare_user_code: Callable[[], tuple[bool, Any]] | None = None
        rc = run_controller
        rc.started.connect(self._on_run_started)
        rc.finished.connect(self._on_run_finished)
        rc.failed.connect(self._on_run_failed)
        rc.cancelled.connect(self._on_run_cancelled)
        rc.warned.connect(self._on_run_warned)
        player.time_changed.connect(self._on_time_changed)
        player.speed_changed.connect(self._on_speed_changed)
        self.spacetime.event_selected.connect(self._on_spacetime_event)
        self.event_log.event_activated.connect(self._on_log_event)
        self.plots.seek_requested.connect(player.seek)
        if self.checks is not None:
            self.checks.event_requested.connect(self.show_event)
        self.memory_dock.visibilityChanged.connect(
            lambda visible: visible and self._update_heat(player.time))
        document.undo_stack.indexChanged.connect(self._check_stale)
        # a change of the fault schedule recomputes the run shown once its undo step is done
        self._faults_touched = False
        document.settings_changed.connect(self._on_setting_changed)
        document.undo_stack.indexChanged.connect(self._recompute_if_faults_changed)

    # -- what is shown ------------------------------------------------------------------------

    @property
    def timeline(self) -> Timeline | None:
        """The timeline of the run shown (None while editing)."""
        return self._timeline

    @property
    def header(self) -> dict[str, Any] | None:
        """The trace header of the run shown."""
        return self._timeline.header if self._timeline is not None else None

    @property
    def events(self) -> list[TraceEvent]:
        """The trace events of the run shown (empty while editing)."""
        return list(self._timeline.events) if self._timeline is not None else []

    @property
    def seed(self) -> int | None:
        """The seed of the run shown."""
        return self._run_seed

    @property
    def is_stale(self) -> bool:
        """Whether the scenario was edited since the run shown was computed."""
        return self._stale

    def is_running(self) -> bool:
        """Whether a run is being computed."""
        return bool(self.run_controller.is_running())

    # -- running ------------------------------------------------------------------------------

    def run(self, seed: int | None = None, until: int | None = None,
            keep_time: bool | None = None) -> bool:
        """Run the document's scenario off the UI thread; the result is shown when it is done.

        ``seed`` and ``until`` override the scenario's. With ``keep_time``
        (the default when a run is shown) the player stays at its time and
        goes on playing if it was. Returns False when there is nothing to run.
        """
        scenario = self.document.scenario
        if not scenario.hosts:
            self._show_message(translate("MainWindow",
                                         "Add hosts to the scenario before running it"))
            return False
        user_code = None
        if self.prepare_user_code is not None:
            go_on, user_code = self.prepare_user_code()
            if not go_on:
                return False
            scenario = self.document.scenario  # loading may have recorded a new hash
        if keep_time is None:
            keep_time = self._timeline is not None
        self._pending = {"keep_time": keep_time,
                         "resume": keep_time and (self.player.is_playing
                                                  or self._pending.get("resume", False)),
                         "scenario": scenario.model_copy(deep=True)}
        self.player.pause()
        if user_code is not None:
            self.run_controller.run(scenario, seed, until, user_code=user_code)
        else:
            self.run_controller.run(scenario, seed, until)
        return True

    def recompute(self) -> bool:
        """Run the edited scenario again with the seed of the run shown, at the same time."""
        return self.run(self._run_seed, self._run_until, keep_time=True)

    def cancel_run(self) -> None:
        """Stop computing the run under way (the run shown, if any, stays)."""
        self.run_controller.cancel()

    def stop(self) -> None:
        """Stop: cancel the run under way, or else clear the run shown and return to editing."""
        if self.run_controller.is_running():
            self.cancel_run()
        else:
            self.clear_run()

    def go_to_start(self) -> None:
        """Move the time cursor to the start of the run."""
        self.player.seek(0)

    def go_to_end(self) -> None:
        """Move the time cursor to the end of the run."""
        self.player.seek(self.player.duration)

    def _on_run_started(self) -> None:
        self.run_started.emit()
        self._show_message(translate("MainWindow", "Running {name}\u2026").format(
            name=self._display_name()), 0)
        self.state_changed.emit()

    def _run_ended(self) -> None:
        self.run_ended.emit()
        self.state_changed.emit()
        self._set_stale(self._stale)

    def _on_run_finished(self, result: RunResult) -> None:
        self._run_ended()
        pending, self._pending = self._pending, {}
        self.load_run(result.header, result.events, scenario=pending.get("scenario"),
                      seed=result.seed, until=result.until,
                      keep_time=bool(pending.get("keep_time")),
                      verdicts=getattr(result, "verdicts", None))
        if pending.get("resume") or (self.autoplay and not pending.get("keep_time")):
            self.player.play()
        if result.errors:
            n = len(result.errors)
            text = translate("MainWindow", "A behaviour raised an error: {error}") if n == 1 \
                else translate("MainWindow", "{n} behaviour errors; the first: {error}")
            self._show_message(text.format(n=n, error=result.errors[0]), 12000)

    def _on_run_failed(self, message: str) -> None:
        self._run_ended()
        self._pending = {}
        self._show_error(translate("MainWindow", "Run failed"), message)

    def _on_run_warned(self, message: str) -> None:
        # stays until the run ends, beside the Cancel button of the run under way
        self._show_message(translate("MainWindow", "\u26a0 {warning} Cancel stops the run.").format(
            warning=message), 0)

    def _on_run_cancelled(self) -> None:
        self._run_ended()
        self._pending = {}
        self._show_message(translate("MainWindow", "Run cancelled"), 4000)

    # -- showing and clearing -----------------------------------------------------------------

    def load_run(self, header: dict[str, Any], events: Any, *, timeline: Timeline | None = None,
                 scenario: Scenario | None = None, seed: int | None = None,
                 until: int | None = None, keep_time: bool = False,
                 source: str | Path | None = None,
                 verdicts: Sequence[Verdict] | None = None) -> Timeline:
        """Show a run: its trace in every view, the player on it (at its time with ``keep_time``).

        ``scenario`` is what the run was computed from (the header's when
        None); the run turns stale when the document's scenario differs from
        it in anything the engine reads. ``source`` names a trace file.
        ``verdicts`` are its guarantees as checked while it ran (they are
        checked here when None).
        """
        tl = timeline if timeline is not None else Timeline(header, events)
        previous = self.spacetime.selected_event if keep_time else None
        first = self._timeline is None
        self._timeline = tl
        if scenario is None:
            try:
                scenario = io.scenario_from_dict(tl.header.get("scenario") or {})
            except ScenarioError:
                scenario = None
        self._run_key = simulated(scenario) if scenario is not None else None
        header_seed = tl.header.get("seed")
        self._run_seed = seed if seed is not None else (
            header_seed if isinstance(header_seed, int) else None)
        self._run_until = until
        self._trace_path = Path(source) if source is not None else None
        self.spacetime.set_timeline(tl)
        self.event_log.set_timeline(tl)
        self.plots.set_trace(tl.header, tl.events, cols=tl.series_columns())
        if self.checks is not None:
            if verdicts is None:
                verdicts = run_checks(tl.header, tl.events)
            self.checks.set_verdicts(verdicts, tl.end)
        if not keep_time:
            self.plots.show_plot(self.plots.suggested_plot())
            if len(getattr(tl, "mem_t", ())):
                self.memory_dock.raise_()  # the memory map shows the heat of the accesses
        self._has_heat = len(getattr(tl, "mem_t", ())) > 0
        if not self._has_heat:
            self.memory_map.set_heat(None)
        self._attach_animator(tl)
        self.shown.emit()
        self.player.set_timeline(tl, keep_time=keep_time)
        if first or not keep_time:
            self.player.set_speed(suggested_speed(tl))
        if previous is not None and previous < len(tl) and previous < tl.index_at(self.player.time):
            self.spacetime.select_event(previous)
            self.event_log.select_event(previous)
        self.select_host(self.player_bar.selected_host or self._first_selected_host())
        self._update_label()
        self._check_stale()
        self.state_changed.emit()
        return tl

    def show_trace(self, timeline: Timeline, scenario: Scenario, path: str | Path) -> None:
        """Show a trace read from ``path``: ``scenario`` (its own) replaces the document's."""
        self._keep_run_on_reset = True
        try:
            self.clear_run()
            self.document.set_scenario(scenario, None)
        finally:
            self._keep_run_on_reset = False
        self.view.fit_if_needed()
        self.load_run(timeline.header, timeline.events, timeline=timeline, scenario=scenario,
                      source=path)

    def clear_run(self) -> None:
        """Forget the run shown (cancelling one under way) and return the canvas to editing."""
        if self.run_controller.is_running():
            self.run_controller.cancel()
        was_shown = self._timeline is not None
        self.player.pause()
        self._timeline = None
        self._run_key = None
        self._run_seed = self._run_until = None
        self._trace_path = None
        self._pending = {}
        if self.animator is not None:
            self.animator.set_timeline(None)
        self.player.seek(0)  # the player bar reads the old time against no run
        self.player.set_timeline(None)
        self.spacetime.set_timeline(None)
        self.event_log.set_timeline(None)
        if self.checks is not None:
            self.checks.set_verdicts(None)
        self.plots.clear()
        self.memory_map.set_heat(None)
        self.cleared.emit(was_shown)
        self._set_stale(False)
        self._update_label()
        self.state_changed.emit()

    def scenario_replaced(self) -> None:
        """The document's scenario was replaced: a run shown (or under way) is not of it."""
        if not self._keep_run_on_reset and (self._timeline is not None
                                            or self.run_controller.is_running()):
            self.clear_run()

    def _attach_animator(self, timeline: Timeline) -> None:
        if CanvasAnimator is None:
            return
        try:
            if self.animator is None:
                self.animator = CanvasAnimator(self.scene, timeline, self.parent())
            else:
                self.animator.set_timeline(timeline)
            if hasattr(self.animator, "set_speed"):
                self.animator.set_speed(self.player.speed)
        except Exception as exc:  # noqa: BLE001 - a broken animation must not lose the run
            self.animator = None
            self._show_message(translate("MainWindow", "The canvas cannot animate this run: "
                                                       "{error}").format(error=exc), 12000)

    def _update_label(self) -> None:
        tl = self._timeline
        if tl is None:
            self.label_changed.emit("")
            return
        events = plural(len(tl), translate("MainWindow", "1 event"),
                        translate("MainWindow", "{n} events").replace("{n}", f"{len(tl):,}"))
        if self._trace_path is not None:
            text = translate("MainWindow", "Trace {name} \u00b7 {events}").format(
                name=self._trace_path.name, events=events)
        else:
            text = translate("MainWindow", "Run \u00b7 seed {seed} \u00b7 {events}").format(
                seed=self._run_seed, events=events)
        self.label_changed.emit(text)

    # -- stale ----------------------------------------------------------------------------------

    def _check_stale(self, *_args: Any) -> None:
        if self._timeline is None or self._run_key is None:
            self._set_stale(False)
            return
        self._set_stale(simulated(self.document.scenario) != self._run_key)

    def _on_setting_changed(self, name: str) -> None:
        if name == "faults":
            self._faults_touched = True

    def _recompute_if_faults_changed(self, *_args: Any) -> None:
        """After an undo step (done, undone or redone) that changed the fault schedule, run
        the scenario again from the same seed at the same time, as injecting a fault does."""
        touched, self._faults_touched = self._faults_touched, False
        if touched and self._timeline is not None:
            self.recompute()

    def _set_stale(self, stale: bool) -> None:
        changed = stale != self._stale
        self._stale = stale
        if changed:
            self.stale_changed.emit(stale)

    # -- one time cursor, one selection ---------------------------------------------------------

    def _on_time_changed(self, t: int) -> None:
        if self._timeline is None:
            return
        if self.animator is not None:
            self.animator.set_time(t)
        self.spacetime.set_time(t)
        self.plots.set_time(t)
        self.event_log.set_time(t)
        if self.checks is not None:
            self.checks.set_time(t)
        self._update_heat(t)

    def _on_speed_changed(self, speed: float) -> None:
        if self.animator is not None and hasattr(self.animator, "set_speed"):
            self.animator.set_speed(speed)

    def _update_heat(self, t: int) -> None:
        tl = self._timeline
        if tl is None or not self._has_heat or not self.memory_map.isVisible():
            return
        if self.animator is not None and hasattr(self.animator, "memory_heat"):
            heat = self.animator.memory_heat(t)
        else:
            counts = tl.mem_heat(t, HEAT_WINDOW_NS)
            top = max(counts.values(), default=0)
            heat = {page: n / top for page, n in counts.items()} if top else {}
        self.memory_map.set_heat(heat)

    def _first_selected_host(self) -> str | None:
        hosts = self.scene.selected_host_ids()
        return hosts[0] if hosts else None

    def select_host(self, host: str | None) -> None:
        """The host selected on the canvas: the player bar reads its local time and the
        animation marks it (a host the run does not know counts as none)."""
        if self._timeline is not None and host not in self._timeline.host_index:
            host = None
        self.player_bar.set_selected_host(host)
        if self.animator is not None:
            try:
                self.animator.selected_host = host
            except AttributeError:
                pass

    def _on_spacetime_event(self, seq: int) -> None:
        tl = self._timeline
        if tl is None or not 0 <= seq < len(tl):
            return
        self.event_log.select_event(seq)
        self._select_event_host(seq)
        self.player.seek(int(tl.t[seq]))

    def show_event(self, seq: int, related: Sequence[int] = ()) -> None:
        """Show the event numbered ``seq`` everywhere: the player at its time, selected in the
        diagram (with its causal past and future, and the ``related`` events marked) and the
        log, its host on the canvas."""
        tl = self._timeline
        if tl is None:
            return
        pos = tl.position(int(seq))
        if pos < 0:
            return
        self.player.seek(int(tl.t[pos]))
        marked = [p for p in (tl.position(int(r)) for r in related) if p >= 0]
        self.spacetime.select_event(pos, marked)
        self.spacetime.reveal_event(pos)
        self.event_log.select_event(pos)
        self._select_event_host(pos)

    def _on_log_event(self, seq: int, t: int) -> None:
        tl = self._timeline
        if tl is None or not 0 <= seq < len(tl):
            return
        self.player.seek(int(t))
        self.spacetime.select_event(seq)
        self.spacetime.reveal_event(seq)
        self._select_event_host(seq)

    def _select_event_host(self, seq: int) -> None:
        tl = self._timeline
        host = tl.host_name(int(tl.host_code[seq])) if tl is not None else ""
        if host and self.scene.host_item(host) is not None \
                and self.scene.selected_host_ids() != [host]:
            self.scene.select(host_ids=[host])


class RunStatus:
    """The status bar's part of a run: the stale hint, the progress and Cancel of a run under
    way, and the label that names the run shown. The widgets are public for the window."""

    def __init__(self, shown_run: ShownRun, status_bar: QStatusBar, parent: QWidget) -> None:
        self._shown_run = shown_run
        self._status_bar = status_bar
        self.stale_label = QLabel(parent)
        self.stale_label.setObjectName("staleLabel")
        self.stale_label.setText(translate("MainWindow", "\u26a0 Scenario changed \u2014 press "
                                                         "<a href=\"run\">Run</a> to recompute"))
        self.stale_label.setToolTip(translate("MainWindow", "The run shown is of the scenario "
                                                            "before your edits"))
        self.stale_label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.stale_label.linkActivated.connect(lambda _link: shown_run.run())
        self.stale_label.hide()
        self.restyle()
        self.run_label = QLabel(parent)
        self.run_label.setObjectName("runLabel")
        self.run_label.hide()
        self.run_progress = QProgressBar(parent)
        self.run_progress.setObjectName("runProgress")
        self.run_progress.setRange(0, 100)
        self.run_progress.setMaximumWidth(180)
        self.run_progress.setMaximumHeight(16)
        self.run_progress.setFormat(translate("MainWindow", "Running\u2026 %p%"))
        self.run_progress.setToolTip(translate("MainWindow", "Simulated time computed so far"))
        self.run_progress.hide()
        self.cancel_run_button = QToolButton(parent)
        self.cancel_run_button.setObjectName("cancelRunButton")
        self.cancel_run_button.setText(translate("MainWindow", "Cancel"))
        self.cancel_run_button.setToolTip(translate("MainWindow", "Stop computing the run"))
        self.cancel_run_button.setAutoRaise(True)
        self.cancel_run_button.clicked.connect(shown_run.cancel_run)
        self.cancel_run_button.hide()
        shown_run.run_controller.progress.connect(self.run_progress.setValue)
        shown_run.run_started.connect(self._on_started)
        shown_run.run_ended.connect(self._on_ended)
        shown_run.stale_changed.connect(self._show_stale)
        shown_run.label_changed.connect(self._on_label)

    def widgets(self) -> list[QWidget]:
        """The widgets, in the order they go on the status bar."""
        return [self.stale_label, self.run_progress, self.cancel_run_button, self.run_label]

    def restyle(self) -> None:
        """Colour the stale hint for the theme (a warning colour in both)."""
        colour = "#e3b341" if is_dark() else "#9a6700"
        self.stale_label.setStyleSheet(f"QLabel#staleLabel {{ color: {colour}; }}")

    def _on_started(self) -> None:
        self.run_progress.setValue(0)
        self.run_progress.show()
        self.cancel_run_button.show()
        self.stale_label.hide()

    def _on_ended(self) -> None:
        self.run_progress.hide()
        self.cancel_run_button.hide()
        self._status_bar.clearMessage()
        self._show_stale(self._shown_run.is_stale)

    def _show_stale(self, stale: bool) -> None:
        # while a run is being computed the progress bar says enough
        self.stale_label.setVisible(stale and not self._shown_run.is_running())

    def _on_label(self, text: str) -> None:
        if text:
            self.run_label.setText(text)
        else:
            self.run_label.clear()
