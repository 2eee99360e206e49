"""The Experiment window: a parameter sweep of the open scenario over seeds, run in worker
processes, drawn as it goes beside the curve from theory, with its rows and summary.

The user picks one or two fields (paths of the one path language, or ``hosts[ID].count``)
and their values (:func:`sandbox.sweep.values.parse_values`, checked as they type), the
seeds, workers and run length, the metric and the x axis. Start runs
:func:`sandbox.sweep.execute.iter_rows` in a :class:`~.worker.SweepThread`; each row comes
back by a signal, and the plot, the summary and the progress follow (at most every
:data:`REFRESH_MS`). Cancel stops the sweep and keeps the rows that finished. A point of the
plot, or a row of the table, asks (``run_requested``) to open that run in the main window.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...scenario.model import Scenario
from ...scenario.paths import PathError, parse_path
from ...scenario.units import format_duration, parse_duration
from ...sweep.aggregate import summarize
from ...sweep.execute import columns as row_columns
from ...sweep.metrics import metric_info, metric_names
from ...sweep.results import write_rows
from ...sweep.spec import Job, SweepSpec, canonical, count_path_host
from ...sweep.theory import theory_for
from ...sweep.values import parse_values
from ..theme import error_colour
from .fields import field_kind, sweepable_paths
from .plot import ExperimentPlot, PlotSeries, value_text
from .table import ROW_ROLE, RowsModel, SummaryModel
from .worker import SweepThread

__all__ = ["REFRESH_MS", "ExperimentDialog", "ParameterRow", "suggested_values"]

#: How often (ms, at most) the plot and the summary are drawn again while rows arrive.
REFRESH_MS = 150
#: The metric shown first, when the scenario has it and nothing else was asked.
DEFAULT_METRIC = "any_failed"


def _tr(text: str) -> str:
    return QCoreApplication.translate("ExperimentDialog", text)


def suggested_values(kind: str, current: Any = None) -> str:
    """Values to start from for a field of ``kind`` (what the values box is prefilled with)."""
    if kind == "count":
        return "1..8"
    if kind == "duration":
        if isinstance(current, int) and current > 0:
            lo, hi = max(1, current // 4), current * 4
            return f"{format_duration(lo)}..{format_duration(hi)}/7"
        return "1s..10s/10"
    if kind == "probability":
        return "0..0.5/6"
    if kind == "int":
        return "1..10"
    if kind == "float":
        if isinstance(current, (int, float)) and current > 0:
            return f"{current / 2:g}..{current * 2:g}/7"
        return "0.5..2/4"
    if kind == "bool":
        return "false,true"
    return ""


class ParameterRow(QWidget):
    """One swept parameter: its path (an editable combo of the scenario's fields) and its
    values, each checked as it changes, with the problem in red under the row."""

    changed = Signal()

    def __init__(self, paths: list[str], optional: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scenario: Scenario | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        line = QHBoxLayout()
        self.enabled_box: QCheckBox | None = None
        if optional:
            self.enabled_box = QCheckBox(self)
            self.enabled_box.setToolTip(self.tr("Vary a second field too (one series per value)"))
            self.enabled_box.toggled.connect(self._on_enabled)
            line.addWidget(self.enabled_box)
        self.path_box = QComboBox(self)
        self.path_box.setEditable(True)
        self.path_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.path_box.setMinimumContentsLength(22)
        self.path_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.path_box.setToolTip(self.tr(
            "The field to vary, in the path language: hosts[h1].failures.mttr, "
            "hosts[*].clock.drift_ppm, links[a-b].loss, workload.base_rate; "
            "hosts[h1].count is the number of hosts like h1"))
        self.set_paths(paths)
        completer = self.path_box.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.values_edit = QLineEdit(self)
        self.values_edit.setPlaceholderText(self.tr("0.1,0.2,0.5 or 1..20 or 10ms..100ms/5"))
        self.values_edit.setToolTip(self.tr(
            "A list (0.1,0.2,0.5), a range of whole numbers (1..20), evenly spaced values "
            "(0.01..0.2/10) or durations (10ms..100ms/5)"))
        line.addWidget(self.path_box, 3)
        line.addWidget(self.values_edit, 2)
        layout.addLayout(line)
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.path_box.currentTextChanged.connect(self._on_path)
        self.values_edit.textChanged.connect(lambda _t: self._check())
        self._error = ""
        self._values: list[Any] | None = None
        if self.enabled_box is not None:
            self._on_enabled(False)

    def set_paths(self, paths: list[str]) -> None:
        """The fields offered (the text typed stays)."""
        text = self.path_box.currentText()
        self.path_box.blockSignals(True)
        self.path_box.clear()
        self.path_box.addItems(paths)
        self.path_box.setEditText(text)
        self.path_box.blockSignals(False)

    # -- state ----------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """Whether the row takes part (the second row only when ticked)."""
        return self.enabled_box is None or self.enabled_box.isChecked()

    def set_active(self, on: bool) -> None:
        """Tick or clear the second row's box."""
        if self.enabled_box is not None:
            self.enabled_box.setChecked(on)

    def path(self) -> str:
        """The path typed or chosen (stripped)."""
        return self.path_box.currentText().strip()

    def set_path(self, path: str, values: str | None = None) -> None:
        """Show ``path``; the values box gets ``values``, or a suggestion when it is empty."""
        self.path_box.setEditText(path)
        if values is not None:
            self.values_edit.setText(values)
        self._check()

    def values(self) -> list[Any] | None:
        """The values parsed, or None while they (or the path) have a problem."""
        return self._values if not self._error else None

    def error(self) -> str:
        """The problem shown under the row ("" when there is none or the row is off)."""
        return self._error if self.active else ""

    def show_error(self, message: str) -> None:
        """Show ``message`` in red under the row (a problem found when the sweep starts)."""
        self._error = message
        self._paint_error()

    # -- checks ---------------------------------------------------------------------------

    def _on_enabled(self, on: bool) -> None:
        self.path_box.setEnabled(on)
        self.values_edit.setEnabled(on)
        self._check()

    def _on_path(self, _text: str) -> None:
        if not self.values_edit.text().strip() and self.scenario is not None:
            kind = field_kind(self.scenario, self.path())
            current = None
            try:
                from ...scenario.paths import get_values

                got = get_values(self.scenario, self.path())
                current = got[0] if got else None
            except (PathError, KeyError, ValueError, TypeError):
                pass
            suggestion = suggested_values(kind, current)
            if suggestion:
                self.values_edit.blockSignals(True)
                self.values_edit.setText(suggestion)
                self.values_edit.blockSignals(False)
        self._check()

    def _check(self) -> None:
        self._error, self._values = "", None
        if self.active:
            self._error = self._path_problem()
            if not self._error:
                text = self.values_edit.text()
                if not text.strip():
                    self._error = self.tr("Values: give the values to try, e.g. 1..10")
                else:
                    try:
                        self._values = parse_values(text)
                    except ValueError as exc:
                        self._error = self.tr("Values: {problem}").format(problem=str(exc))
                    else:
                        if not self._values:
                            self._error = self.tr("Values: {text} gives no value").format(
                                text=text.strip())
        self._paint_error()
        self.changed.emit()

    def _path_problem(self) -> str:
        path = self.path()
        if not path:
            return self.tr("Field: choose the field to vary")
        host = count_path_host(path)
        if host is not None:
            ids = self.scenario.host_ids() if self.scenario is not None else []
            if host not in ids:
                return self.tr("Field {path}: no host {host} (hosts: {hosts})").format(
                    path=path, host=host, hosts=", ".join(ids))
            return ""
        try:
            p = parse_path(path)
            if self.scenario is not None:
                from ...scenario.paths import resolve

                resolve(self.scenario, p)
        except PathError as exc:
            return self.tr("Field {path}").format(path=str(exc))
        return ""

    def _paint_error(self) -> None:
        shown = self.error()
        palette = self.error_label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, error_colour(self.palette()))
        self.error_label.setPalette(palette)
        self.error_label.setText(shown)
        self.error_label.setVisible(bool(shown))


class ExperimentDialog(QWidget):
    """The Experiment window on a scenario (a copy taken by :meth:`set_scenario`).

    ``base`` is the folder of the scenario's behaviour files; ``prepare_code`` is asked
    before a sweep of a scenario that names behaviour files and answers (go on?, allow
    their code?) — the main window asks the user's consent there. ``ask_save_path(title,
    suffix, filters)`` asks where to export (tests replace it).
    """

    #: Open this run in the main window: (scenario JSON dict, seed, run length or None, title).
    run_requested = Signal(object, int, object, str)
    #: The sweep started / ended (finished, cancelled or failed).
    started = Signal()
    finished = Signal()
    #: Rows were added (how many there are now).
    rows_changed = Signal(int)

    def __init__(self, scenario: Scenario, parent: QWidget | None = None, *,
                 base: str | os.PathLike | None = None,
                 prepare_code: Callable[[Scenario], tuple[bool, bool]] | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("ExperimentDialog")
        self.setWindowTitle(self.tr("Experiment"))
        self.prepare_code = prepare_code
        self.ask_save_path: Callable[[str, str, str], str | None] = self._ask_save_path
        self.scenario = scenario
        self.base = None if base is None else os.fspath(base)
        self.rows: list[dict[str, Any]] = []
        self.spec: SweepSpec | None = None
        self.jobs: dict[int, Job] = {}
        self.total = 0
        self.sweep_thread: SweepThread | None = None
        self._started_at = 0.0
        self._problem = ""
        self._state = "idle"
        self._build()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self.set_scenario(scenario, base)
        self.resize(1180, 760)

    # -- building -------------------------------------------------------------------------

    def _build(self) -> None:
        settings = QWidget(self)
        column = QVBoxLayout(settings)
        column.setContentsMargins(0, 0, 0, 0)
        params = QGroupBox(self.tr("Vary"), settings)
        pl = QVBoxLayout(params)
        self.param_rows = [ParameterRow([], parent=params),
                           ParameterRow([], optional=True, parent=params)]
        pl.addWidget(QLabel(self.tr("Field and its values:"), params))
        pl.addWidget(self.param_rows[0])
        pl.addWidget(QLabel(self.tr("Second field (optional):"), params))
        pl.addWidget(self.param_rows[1])
        for row in self.param_rows:
            row.changed.connect(self._on_parameters_changed)
        column.addWidget(params)

        runs = QGroupBox(self.tr("Runs"), settings)
        form = QFormLayout(runs)
        self.seeds_box = QSpinBox(runs)
        self.seeds_box.setRange(1, 100_000)
        self.seeds_box.setValue(20)
        self.seeds_box.setToolTip(self.tr("Runs of each combination of values, one per seed"))
        self.first_seed_box = QSpinBox(runs)
        self.first_seed_box.setRange(0, 2**31 - 1)
        self.first_seed_box.setToolTip(self.tr("The seeds are this one and the next ones"))
        cpus = os.cpu_count() or 1
        self.workers_box = QSpinBox(runs)
        self.workers_box.setRange(1, cpus)
        self.workers_box.setValue(min(2, cpus))
        self.workers_box.setToolTip(self.tr("Worker processes that run at the same time "
                                            "(this computer has {n} processors)").format(n=cpus))
        self.until_edit = QLineEdit(runs)
        self.until_edit.setToolTip(self.tr("How long each run lasts (empty: the scenario's "
                                           "run length)"))
        self.until_error = QLabel(runs)
        self.until_error.setWordWrap(True)
        self.until_error.hide()
        self.until_edit.textChanged.connect(lambda _t: self._update_buttons())
        form.addRow(self.tr("Seeds:"), self.seeds_box)
        form.addRow(self.tr("First seed:"), self.first_seed_box)
        form.addRow(self.tr("Workers:"), self.workers_box)
        form.addRow(self.tr("Run length:"), self.until_edit)
        form.addRow("", self.until_error)
        self.seeds_box.valueChanged.connect(lambda _v: self._update_buttons())
        column.addWidget(runs)

        show = QGroupBox(self.tr("Show"), settings)
        sf = QFormLayout(show)
        self.metric_box = QComboBox(show)
        self.metric_box.setToolTip(self.tr("What each run measures, shown on the y axis"))
        self.metric_box.currentIndexChanged.connect(lambda _i: self._on_view_changed())
        self.x_box = QComboBox(show)
        self.x_box.setToolTip(self.tr("The field along the x axis (the other one gives "
                                      "one series per value)"))
        self.x_box.currentIndexChanged.connect(lambda _i: self._on_view_changed())
        sf.addRow(self.tr("Metric:"), self.metric_box)
        sf.addRow(self.tr("X axis:"), self.x_box)
        column.addWidget(show)

        buttons = QHBoxLayout()
        self.start_button = QPushButton(self.tr("&Start"), settings)
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(self.tr("&Cancel"), settings)
        self.cancel_button.setToolTip(self.tr("Stop the sweep; the runs that finished stay"))
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button = QToolButton(settings)
        self.export_button.setText(self.tr("&Export"))
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        self.export_csv_action = menu.addAction(self.tr("Rows as CSV\u2026"),
                                                lambda: self.export_csv())
        self.export_png_action = menu.addAction(self.tr("Plot as PNG\u2026"),
                                                lambda: self.export_png())
        self.export_svg_action = menu.addAction(self.tr("Plot as SVG\u2026"),
                                                lambda: self.export_svg())
        self.export_button.setMenu(menu)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        column.addLayout(buttons)
        self.progress = QProgressBar(settings)
        self.progress.setTextVisible(True)
        self.progress.setFormat(self.tr("%v of %m runs"))
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        column.addWidget(self.progress)
        self.status_label = QLabel(settings)
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.status_label)
        column.addStretch(1)
        settings.setMinimumWidth(360)
        settings.setMaximumWidth(480)

        self.plot = ExperimentPlot(self)
        self.theory_label = QLabel(self)
        self.theory_label.setWordWrap(True)
        self.theory_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.theory_label.setContentsMargins(6, 2, 6, 2)
        top = QWidget(self)
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.plot, 1)
        tl.addWidget(self.theory_label)
        self.rows_model = RowsModel(self)
        self.summary_model = SummaryModel(self)
        self.rows_view = self._table(self.rows_model)
        self.rows_view.setToolTip(self.tr("Double-click a run to open it in the main window"))
        self.rows_view.doubleClicked.connect(self._on_row_activated)
        self.summary_view = self._table(self.summary_model)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.summary_view, self.tr("Summary"))
        self.tabs.addTab(self.rows_view, self.tr("Runs"))
        right = QSplitter(Qt.Orientation.Vertical, self)
        right.addWidget(top)
        right.addWidget(self.tabs)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        self.plot.point_clicked.connect(self.open_point)

        layout = QHBoxLayout(self)
        layout.addWidget(settings)
        layout.addWidget(right, 1)

    def _table(self, model: Any) -> QTableView:
        view = QTableView(self)
        view.setModel(model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setAlternatingRowColors(True)
        view.verticalHeader().setDefaultSectionSize(22)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        view.horizontalHeader().setDefaultSectionSize(110)
        return view

    # -- the scenario ---------------------------------------------------------------------

    def set_scenario(self, scenario: Scenario, base: str | os.PathLike | None = None) -> None:
        """Sweep ``scenario`` from now on (a copy; not while a sweep runs)."""
        if self.is_running():
            return
        self.scenario = scenario.model_copy(deep=True)
        self.base = None if base is None else os.fspath(base)
        paths = sweepable_paths(self.scenario)
        for row in self.param_rows:
            row.scenario = self.scenario
            row.set_paths(paths)
        self.first_seed_box.setValue(min(self.scenario.run.seed, self.first_seed_box.maximum()))
        self.until_edit.setPlaceholderText(
            self.tr("{length} (the scenario's)").format(
                length=format_duration(self.scenario.run.duration)))
        current = self.metric_name()
        self.metric_box.blockSignals(True)
        self.metric_box.clear()
        for name in metric_names(self.scenario.model_dump(mode="json")):
            info = metric_info(name)
            self.metric_box.addItem(name, name)
            if info is not None:
                self.metric_box.setItemData(
                    self.metric_box.count() - 1,
                    QCoreApplication.translate("Metrics", info.description),
                    Qt.ItemDataRole.ToolTipRole)
        wanted = current or DEFAULT_METRIC
        index = self.metric_box.findData(wanted)
        self.metric_box.setCurrentIndex(max(0, index))
        self.metric_box.blockSignals(False)
        for row in self.param_rows:
            row.set_path(row.path())
        if not self.param_rows[0].path():
            first = next((p for p in paths if count_path_host(p) is None
                          and p.endswith("failures.mttf")), paths[0] if paths else "")
            self.param_rows[0].set_path(first)
        self._update_buttons()

    def set_parameter(self, path: str, values: str | None = None, second: bool = False) -> None:
        """Prefill the first (or second) field with ``path`` (and ``values``, else a
        suggestion for that kind of field, when the values box would be empty)."""
        row = self.param_rows[1 if second else 0]
        if second:
            row.set_active(True)
        if values is None and row.path() != path:
            row.values_edit.clear()
        row.set_path(path, values)
        self._sync_x_axis()
        if not second:
            self.x_box.setCurrentIndex(0)
        self._update_buttons()

    # -- reading the settings -------------------------------------------------------------

    def metric_name(self) -> str:
        """The metric shown."""
        return str(self.metric_box.currentData() or "")

    def set_metric(self, name: str) -> None:
        """Show metric ``name`` (a key of the rows)."""
        index = self.metric_box.findData(name)
        if index < 0:
            raise ValueError(self.tr("no metric {name}").format(name=name))
        self.metric_box.setCurrentIndex(index)

    def parameters(self) -> dict[str, list[Any]]:
        """The swept paths and their values (the rows without a problem)."""
        out: dict[str, list[Any]] = {}
        for row in self.param_rows:
            values = row.values()
            if row.active and values is not None:
                out[row.path()] = values
        return out

    def x_parameter(self) -> str:
        """The path along the x axis."""
        return str(self.x_box.currentData() or "")

    def seeds(self) -> list[int]:
        """The seeds of each combination."""
        first = self.first_seed_box.value()
        return list(range(first, first + self.seeds_box.value()))

    def until(self) -> int | None:
        """The run length typed (ns), None for the scenario's; ValueError when it is bad."""
        text = self.until_edit.text().strip()
        if not text:
            return None
        value = parse_duration(text, default_unit="s")
        if value <= 0:
            raise ValueError(self.tr("must be longer than 0"))
        return value

    def problems(self) -> list[str]:
        """Why Start is disabled now (empty when a sweep can start)."""
        out = [row.error() for row in self.param_rows if row.error()]
        if (self.param_rows[1].active and self.param_rows[0].path()
                and self.param_rows[1].path() == self.param_rows[0].path()):
            out.append(self.tr("The second field is the first one again"))
        try:
            self.until()
        except ValueError as exc:
            out.append(self.tr("Run length: {problem}").format(problem=str(exc)))
        return out

    def _until_problem(self) -> str:
        try:
            self.until()
        except ValueError as exc:
            return self.tr("Run length: {problem}").format(problem=str(exc))
        return ""

    # -- state ----------------------------------------------------------------------------

    def is_running(self) -> bool:
        """Whether a sweep is under way."""
        return self.sweep_thread is not None

    @property
    def state(self) -> str:
        """``idle``, ``running``, ``finished``, ``cancelled`` or ``failed``."""
        return self._state

    def _on_parameters_changed(self) -> None:
        self._sync_x_axis()
        self._update_buttons()

    def _sync_x_axis(self) -> None:
        paths = [row.path() for row in self.param_rows if row.active and row.path()]
        current = self.x_parameter()
        self.x_box.blockSignals(True)
        self.x_box.clear()
        for p in paths:
            self.x_box.addItem(p, p)
        index = self.x_box.findData(current)
        self.x_box.setCurrentIndex(index if index >= 0 else 0)
        self.x_box.blockSignals(False)

    def _update_buttons(self) -> None:
        running = self.is_running()
        problems = self.problems()
        until_problem = self._until_problem()
        palette = self.until_error.palette()
        palette.setColor(QPalette.ColorRole.WindowText, error_colour(self.palette()))
        self.until_error.setPalette(palette)
        self.until_error.setText(until_problem)
        self.until_error.setVisible(bool(until_problem))
        self.start_button.setEnabled(not running and not problems)
        self.start_button.setToolTip(
            "\n".join(problems) if problems else self.tr("Run every combination of the values "
                                                         "for every seed"))
        self.cancel_button.setEnabled(running)
        for w in (*self.param_rows, self.seeds_box, self.first_seed_box, self.workers_box,
                  self.until_edit):
            w.setEnabled(not running)
        has_rows = bool(self.rows)
        for action in (self.export_csv_action, self.export_png_action, self.export_svg_action):
            action.setEnabled(has_rows)
        self.export_button.setEnabled(has_rows)

    # -- running --------------------------------------------------------------------------

    def start(self) -> bool:
        """Start the sweep as set up; False (with the reason shown) when it cannot start."""
        if self.is_running() or self.problems():
            return False
        parameters = self.parameters()
        allow_code = False
        if self.scenario.behaviour_files:
            if self.prepare_code is None:
                self._say(self.tr("This scenario runs your behaviour files: open the "
                                  "Experiment from the main window, which asks to run "
                                  "their code"), error=True)
                return False
            go_on, allow_code = self.prepare_code(self.scenario)
            if not go_on:
                self._say(self.tr("Not started: the behaviour files' code may not run"),
                          error=True)
                return False
        spec = SweepSpec(self.scenario.model_dump(mode="json"), parameters, self.seeds(),
                         until=self.until(), base=self.base, allow_code=allow_code)
        try:
            spec.check_paths()
            jobs = spec.jobs()
        except PathError as exc:
            self._show_path_problem(exc)
            return False
        except ValueError as exc:
            self._say(self.tr("Cannot start: {problem}").format(problem=str(exc)), error=True)
            return False
        self.spec = spec
        self.jobs = {j.index: j for j in jobs}
        self.total = len(jobs)
        self.rows = []
        metrics = row_columns(spec)[len(parameters) + 3:]
        kinds = {m: self._metric_kind(m, per_run=True) for m in metrics}
        kinds.update({p: field_kind(self.scenario, p) for p in parameters})
        self.rows_model.set_columns(list(parameters), metrics, kinds, descriptions={
            m: QCoreApplication.translate("Metrics", i.description)
            for m in metrics if (i := metric_info(m)) is not None})
        self.summary_model.set_summary(list(parameters), self.metric_name(), "", [])
        self.plot.clear()
        self.progress.setRange(0, max(1, self.total))
        self.progress.setValue(0)
        self._started_at = time.monotonic()
        self._state = "running"
        thread = SweepThread(spec, self.workers_box.value(), self)
        thread.row_done.connect(self._on_row)
        thread.failed.connect(self._on_failed)
        thread.finished.connect(self._on_thread_finished)
        self.sweep_thread = thread
        self._problem = ""
        self._say(self.tr("Running {n} runs in {k} worker processes\u2026").format(
            n=self.total, k=self.workers_box.value()) if self.workers_box.value() > 1 else
            self.tr("Running {n} runs\u2026").format(n=self.total))
        self._update_buttons()
        thread.start()
        self.started.emit()
        return True

    def cancel(self) -> None:
        """Stop the sweep under way; the rows that finished stay."""
        if self.sweep_thread is not None:
            self.sweep_thread.cancel()
            self._state = "cancelled"
            self._say(self.tr("Cancelling\u2026"))

    def wait(self, msecs: int = 60_000) -> bool:
        """Wait for the sweep's thread to end (for scripts); True when it did."""
        thread = self.sweep_thread
        return thread is None or thread.wait(msecs)

    def _show_path_problem(self, exc: PathError) -> None:
        for row in self.param_rows:
            if row.active and row.path() == exc.path:
                row.show_error(self.tr("Field {path}").format(path=str(exc)))
                break
        else:
            self._say(str(exc), error=True)
        self._update_buttons()

    def _on_row(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        self.rows_model.append_rows([row])
        done = len(self.rows)
        self.progress.setValue(min(done, self.progress.maximum()))
        if self._state == "running":
            elapsed = time.monotonic() - self._started_at
            left = elapsed / done * (self.total - done) if done else 0.0
            self._say(self.tr("{done} of {total} runs, about {left} left").format(
                done=done, total=self.total, left=format_duration(int(math.ceil(left)) * 10**9)))
        self.rows_changed.emit(done)
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def _on_failed(self, message: str) -> None:
        self._problem = message

    def _on_thread_finished(self) -> None:
        thread, self.sweep_thread = self.sweep_thread, None
        if thread is not None:
            thread.deleteLater()
        done = len(self.rows)
        errors = sum(1 for r in self.rows if r.get("error"))
        err = self.tr(", {n} with an error").format(n=errors) if errors else ""
        if self._problem:
            self._state = "failed"
            self._say(self.tr("The sweep stopped: {problem}").format(problem=self._problem),
                      error=True)
        elif self._state == "cancelled":
            self._say(self.tr("Cancelled: {done} of {total} runs kept{errors}").format(
                done=done, total=self.total, errors=err))
        else:
            self._state = "finished"
            self._say(self.tr("Done: {done} runs in {time}{errors}").format(
                done=done, time=format_duration(
                    int(round(time.monotonic() - self._started_at)) * 10**9 or 10**9),
                errors=err))
        self._refresh_timer.stop()
        self.refresh()
        self._update_buttons()
        self.finished.emit()

    def _say(self, text: str, error: bool = False) -> None:
        palette = self.status_label.palette()
        role = QPalette.ColorRole.WindowText
        palette.setColor(role, error_colour(self.palette()) if error
                         else self.palette().color(role))
        self.status_label.setPalette(palette)
        self.status_label.setText(text)

    def status(self) -> str:
        """The line under the progress bar."""
        return self.status_label.text()

    # -- drawing --------------------------------------------------------------------------

    def _metric_kind(self, name: str, per_run: bool = False) -> str:
        info = metric_info(name)
        if info is None:
            return ""
        if info.kind == "proportion" and per_run:
            return ""  # one run: 0 or 1
        return info.kind

    def _on_view_changed(self) -> None:
        if self.rows:
            self.refresh()
        else:
            self._label_axes()

    def _label_axes(self) -> tuple[str, str]:
        x = self.x_parameter()
        metric = self.metric_name()
        x_kind = field_kind(self.scenario, x) if x else ""
        y_kind = self._metric_kind(metric)
        info = metric_info(metric)
        unit = info.unit if info is not None else ""
        y_label = metric if unit in ("", "1", "ns") or y_kind == "time" else \
            self.tr("{metric} ({unit})").format(metric=metric, unit=unit)
        if y_kind == "proportion":
            y_label = self.tr("{metric}: share of runs").format(metric=metric)
        x_label = self.tr("{path} (hosts)").format(path=x) if x_kind == "count" else x
        self.plot.set_axes(x_label, "duration" if x_kind == "duration" else "",
                           y_label, y_kind)
        return x_kind, y_kind

    def refresh(self) -> None:
        """Draw the summary, the plot and the theory again from the rows so far."""
        spec = self.spec
        metric = self.metric_name()
        if spec is None or not metric:
            return
        params = list(spec.parameters)
        summary = summarize(self.rows, params, [metric])
        kinds = {p: field_kind(self.scenario, p) for p in params}
        self.summary_model.set_summary(params, metric, self._metric_kind(metric), summary,
                                       kinds=kinds)
        x_param = self.x_parameter() if self.x_parameter() in params else params[0]
        others = [p for p in params if p != x_param]
        other = others[0] if others else None
        x_kind, _y_kind = self._label_axes()
        x_values = spec.parameters[x_param]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool)
                      for v in x_values)
        categories = None if numeric else [value_text(v, x_kind) for v in x_values]
        if categories is not None:
            self.plot.x_axis.categories = categories
        position = {canonical(v): i for i, v in enumerate(x_values)}
        groups: dict[str, list[dict[str, Any]]] = {}
        group_value: dict[str, Any] = {}
        for entry in summary:
            key = canonical(entry.get(other)) if other else ""
            groups.setdefault(key, []).append(entry)
            group_value[key] = entry.get(other) if other else None
        series = []
        notes: list[str] = []
        for key, entries in groups.items():
            entries = [e for e in entries if e.get(f"{metric}.mean") is not None]
            if not numeric:
                entries.sort(key=lambda e: position.get(canonical(e.get(x_param)), 0))
            else:
                entries.sort(key=lambda e: e[x_param])
            xs = [float(e[x_param]) if numeric else float(position[canonical(e[x_param])])
                  for e in entries]
            value = group_value[key]
            theory = None
            if numeric:
                scenario = self.scenario.model_dump(mode="json")
                if other is not None:
                    try:
                        scenario = spec.variant({other: value})
                    except (ValueError, KeyError):
                        scenario = None  # type: ignore[assignment]
                theory = theory_for(scenario, x_param, metric, spec.until) \
                    if scenario is not None else None
            label = "" if other is None else self.tr("{path} = {value}").format(
                path=other, value=value_text(value, kinds.get(other, "")))
            s = PlotSeries(
                x=xs, mean=[float(e[f"{metric}.mean"]) for e in entries],
                low=[_num(e.get(f"{metric}.low")) for e in entries],
                high=[_num(e.get(f"{metric}.high")) for e in entries],
                keys=[{p: e.get(p) for p in params} for e in entries], label=label,
                theory=theory.curve if theory is not None else None,
                formula=QCoreApplication.translate("Theory", theory.formula) if theory else "")
            series.append(s)
            if theory is not None and not notes:
                notes.append(self.tr("Theory: {formula}. {note}").format(
                    formula=s.formula,
                    note=theory.note_text(lambda t: QCoreApplication.translate("Theory", t))))
        self.plot.set_series(series)
        self.theory_label.setText(notes[0] if notes else "")
        self.theory_label.setVisible(bool(notes))

    def theory_shown(self) -> bool:
        """Whether the plot shows a curve from theory."""
        return any(s.theory is not None for s in self.plot.series)

    # -- opening a run --------------------------------------------------------------------

    def open_point(self, combo: dict[str, Any]) -> bool:
        """Ask to open a run of the combination ``combo``: the run whose metric is nearest
        the combination's mean (the lowest seed among equals)."""
        spec = self.spec
        if spec is None:
            return False
        metric = self.metric_name()
        want = tuple(canonical(combo.get(p)) for p in spec.parameters)
        runs = [r for r in self.rows if not r.get("error")
                and tuple(canonical(r.get(p)) for p in spec.parameters) == want]
        if not runs:
            return False
        values = [float(r[metric]) for r in runs if _is_number(r.get(metric))]
        mean = sum(values) / len(values) if values else 0.0
        runs.sort(key=lambda r: (abs(float(r[metric]) - mean) if _is_number(r.get(metric))
                                 else math.inf, r["seed"]))
        return self.open_row(runs[0])

    def open_row(self, row: dict[str, Any]) -> bool:
        """Ask to open the run of ``row`` (its scenario variant and seed)."""
        job = self.jobs.get(int(row.get("run", -1)))
        if job is None or job.error:
            self._say(self.tr("Run {run} cannot be opened: {problem}").format(
                run=row.get("run"), problem=(job.error if job else self.tr("unknown run"))),
                error=True)
            return False
        title = self.tr("{title} \u2014 run {run}, seed {seed}").format(
            title=self.scenario.title or self.tr("Experiment"), run=job.index, seed=job.seed)
        self.run_requested.emit(job.scenario, job.seed,
                                self.spec.until if self.spec else None, title)
        return True

    def _on_row_activated(self, index: QModelIndex) -> None:
        row = self.rows_model.data(index, ROW_ROLE)
        if row is not None:
            self.open_row(row)

    # -- export ---------------------------------------------------------------------------

    def _ask_save_path(self, title: str, suffix: str, filters: str) -> str | None:
        name = (self.scenario.title or "experiment").replace("/", "-") + suffix
        start = str(Path(self.base or Path.home()) / name)
        path, _ = QFileDialog.getSaveFileName(self, title, start, filters)
        if not path:
            return None
        return path if Path(path).suffix else path + suffix

    def export_csv(self, path: str | os.PathLike | None = None) -> bool:
        """Write the rows (all the runs so far) to a CSV file (or Parquet, by its suffix)."""
        if path is None:
            path = self.ask_save_path(self.tr("Export rows"), ".csv",
                                      self.tr("CSV files (*.csv);;Parquet files (*.parquet)"))
            if path is None:
                return False
        try:
            write_rows(path, self.rows, False,
                       row_columns(self.spec) if self.spec is not None else None)
        except (OSError, ValueError, ImportError) as exc:
            self._say(self.tr("Cannot write {path}: {problem}").format(
                path=path, problem=getattr(exc, "strerror", None) or exc), error=True)
            return False
        self._say(self.tr("Wrote {n} rows to {path}").format(n=len(self.rows), path=path))
        return True

    def export_png(self, path: str | os.PathLike | None = None) -> bool:
        """Write the plot as a PNG image."""
        return self._export_plot(path, ".png", self.tr("PNG images (*.png)"),
                                 self.plot.export_png)

    def export_svg(self, path: str | os.PathLike | None = None) -> bool:
        """Write the plot as an SVG drawing."""
        return self._export_plot(path, ".svg", self.tr("SVG drawings (*.svg)"),
                                 self.plot.export_svg)

    def _export_plot(self, path: str | os.PathLike | None, suffix: str, filters: str,
                     write: Callable[[str], None]) -> bool:
        if path is None:
            path = self.ask_save_path(self.tr("Export plot"), suffix, filters)
            if path is None:
                return False
        try:
            write(os.fspath(path))
        except (OSError, ValueError) as exc:
            self._say(self.tr("Cannot write {path}: {problem}").format(path=path, problem=exc),
                      error=True)
            return False
        if not Path(path).is_file():
            self._say(self.tr("Cannot write {path}").format(path=path), error=True)
            return False
        self._say(self.tr("Wrote the plot to {path}").format(path=path))
        return True

    # -- Qt -------------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        """A theme change restyles the plot and the inline errors."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.plot.apply_theme(self.palette())
            for row in self.param_rows:
                row._paint_error()
            self._update_buttons()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        """Closing stops a sweep under way (its finished rows stay in the window)."""
        if self.sweep_thread is not None:
            self.sweep_thread.cancel()
            self.sweep_thread.wait(10_000)
        super().closeEvent(event)


def _num(v: Any) -> float:
    return float(v) if _is_number(v) else math.nan


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
