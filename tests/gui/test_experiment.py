"""The Experiment window: values checked as typed, real sweeps (here and in two worker
processes) filling the table and the plot, cancel, theory curves, export, opening it from the
inspector and the Run menu, and opening a run of a point in the main window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from sandbox.gui.experiment.dialog import ExperimentDialog
from sandbox.gui.file_controller import CANCEL
from sandbox.gui.main_window import MainWindow
from sandbox.scenario import scenario_from_dict
from sandbox.scenario.model import Scenario
from sandbox.sweep.results import read_rows

S = 1_000_000_000


def failing(duration: int = 100 * S, mttr: int | None = S) -> Scenario:
    return scenario_from_dict({
        "title": "Failing",
        "hosts": [{"id": "h1", "x": 0, "y": 0, "failures": {"mttf": 10 * S, "mttr": mttr}},
                  {"id": "h2", "x": 200, "y": 0}],
        "links": [{"a": "h1", "b": "h2"}],
        "run": {"duration": duration}})


@pytest.fixture
def dialog(qtbot) -> ExperimentDialog:
    d = ExperimentDialog(failing())
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    return d


def sweep(qtbot, d: ExperimentDialog, path: str, values: str, metric: str, seeds: int = 4,
          workers: int = 1, timeout: int = 60_000) -> None:
    d.set_parameter(path, values)
    d.set_metric(metric)
    d.seeds_box.setValue(seeds)
    d.workers_box.setMaximum(max(workers, d.workers_box.maximum()))
    d.workers_box.setValue(workers)
    with qtbot.waitSignal(d.finished, timeout=timeout):
        assert d.start()
    assert d.state == "finished", d.status()


def test_bad_values_show_an_error_and_disable_start(dialog):
    row = dialog.param_rows[0]
    dialog.set_parameter("hosts[*].failures.mttr", "1s..5s/3")
    assert dialog.start_button.isEnabled()
    assert row.error_label.isHidden()
    row.values_edit.setText("1s..oops")
    assert not dialog.start_button.isEnabled()
    assert not row.error_label.isHidden()
    assert "Values:" in row.error_label.text() and "oops" in row.error_label.text()
    assert "oops" in dialog.start_button.toolTip()
    row.values_edit.setText("1s,2s")
    assert dialog.start_button.isEnabled() and row.error_label.isHidden()
    # a path that names nothing says which host is unknown
    dialog.set_parameter("hosts[h9].failures.mttr", "1s,2s")
    assert not dialog.start_button.isEnabled()
    assert "h9" in row.error_label.text()
    dialog.set_parameter("hosts[h9].count", "1..3")
    assert "h9" in row.error_label.text() and "h1" in row.error_label.text()
    # a bad run length, too
    dialog.set_parameter("hosts[h1].count", "1..3")
    assert dialog.start_button.isEnabled()
    dialog.until_edit.setText("ten seconds")
    assert not dialog.start_button.isEnabled()
    assert not dialog.until_error.isHidden() and "Run length" in dialog.until_error.text()
    assert not dialog.start()


def test_a_field_gets_values_to_start_from(dialog):
    dialog.param_rows[0].values_edit.clear()
    dialog.set_parameter("hosts[h1].count")
    assert dialog.param_rows[0].values_edit.text() == "1..8"
    dialog.set_parameter("links[*].loss")
    assert dialog.param_rows[0].values_edit.text() == "0..0.5/6"
    paths = [dialog.param_rows[0].path_box.itemText(i)
             for i in range(dialog.param_rows[0].path_box.count())]
    assert "hosts[h1].count" in paths and "hosts[*].failures.mttr" in paths
    assert "links[h1-h2].loss" in paths and "workload.base_rate" in paths
    metric = dialog.metric_box.findData("any_failed")
    assert "P(some host failed)" in dialog.metric_box.itemData(metric, Qt.ItemDataRole.ToolTipRole)


def test_small_sweep_fills_table_plot_and_theory(qtbot, dialog):
    sweep(qtbot, dialog, "hosts[*].failures.mttr", "1s,3s,5s", "availability", seeds=4)
    assert len(dialog.rows) == 12
    assert dialog.rows_model.rowCount() == 12
    assert dialog.progress.value() == 12 and dialog.progress.maximum() == 12
    assert dialog.status().startswith("Done: 12 runs")
    # the summary: one row per value, with the mean and its interval
    assert dialog.summary_model.rowCount() == 3
    assert [r["n"] for r in dialog.summary_model.rows] == [4, 4, 4]
    # the plot: means at 1 s, 3 s, 5 s with the band, and the theory curve with its formula
    (series,) = dialog.plot.series
    assert series.x == [1.0 * S, 3.0 * S, 5.0 * S]
    assert series.items["points"].getData()[1].tolist() == pytest.approx(series.mean)
    assert "band" in series.items and "bars" in series.items
    assert dialog.theory_shown()
    theory = series.items["theory"]
    labels = [label.text for _sample, label in dialog.plot.legend.items]
    assert any("MTTF / (MTTF + MTTR)" in t for t in labels)
    tx, ty = theory.getData()
    # near mttr = 3 s: h1 is up 10/13 of the time, h2 always: the mean of the two
    assert ty[len(ty) // 2] == pytest.approx((10 / 13 + 1) / 2, abs=0.02)
    assert "MTTF / (MTTF + MTTR)" in dialog.theory_label.text()
    # changing the metric redraws from the same rows (no new runs)
    dialog.set_metric("crashes")
    assert not dialog.theory_shown()
    assert len(dialog.rows) == 12


def test_sweep_in_two_worker_processes_gives_the_same_rows(qtbot, dialog):
    sweep(qtbot, dialog, "hosts[*].failures.mttr", "1s,4s", "availability", seeds=3)
    local = sorted(dialog.rows, key=lambda r: r["run"])
    sweep(qtbot, dialog, "hosts[*].failures.mttr", "1s,4s", "availability", seeds=3,
          workers=2, timeout=120_000)
    assert dialog.rows_model.rowCount() == 6
    assert sorted(dialog.rows, key=lambda r: r["run"]) == local
    assert len(dialog.plot.series[0].x) == 2


def test_cancel_keeps_the_finished_rows_and_the_window_answers(qtbot, dialog):
    ticks = []
    timer = QTimer(dialog)
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    dialog.set_parameter("hosts[h1].count", "1..4")
    dialog.set_metric("any_failed")
    dialog.seeds_box.setValue(5000)  # 20 000 runs: far more than the test waits for
    dialog.workers_box.setValue(1)
    assert dialog.start()
    assert dialog.is_running() and not dialog.start_button.isEnabled()
    assert dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: len(dialog.rows) >= 5 and len(ticks) >= 5, timeout=30_000)
    with qtbot.waitSignal(dialog.finished, timeout=10_000):
        dialog.cancel()
    timer.stop()
    assert dialog.state == "cancelled"
    kept = len(dialog.rows)
    assert 5 <= kept < 20_000
    assert dialog.rows_model.rowCount() == kept
    assert dialog.status().startswith(f"Cancelled: {kept} of 20000 runs kept")
    assert dialog.start_button.isEnabled() and not dialog.cancel_button.isEnabled()
    assert dialog.plot.series  # what finished is drawn


def test_theory_curve_for_some_host_failed_against_host_count(qtbot):
    d = ExperimentDialog(failing(duration=5 * S, mttr=None))
    qtbot.addWidget(d)
    sweep(qtbot, d, "hosts[h1].count", "1..3", "any_failed", seeds=6)
    (series,) = d.plot.series
    assert series.x == [1.0, 2.0, 3.0]
    assert d.theory_shown()
    labels = [label.text for _sample, label in d.plot.legend.items]
    assert any("1 \u2212 (1 \u2212 p)\u207f" in t for t in labels)
    _tx, ty = series.items["theory"].getData()
    assert ty[0] < ty[-1]  # more hosts, more failures
    assert "P(some host failed)" in d.theory_label.text()


def test_export_writes_csv_png_and_svg(qtbot, dialog, tmp_path):
    assert not dialog.export_button.isEnabled()  # nothing to export yet
    sweep(qtbot, dialog, "hosts[*].failures.mttr", "1s,2s", "availability", seeds=2)
    assert dialog.export_button.isEnabled()
    asked = []
    dialog.ask_save_path = lambda title, suffix, filters: (
        asked.append(suffix) or str(tmp_path / f"out{suffix}"))
    dialog.export_csv_action.trigger()
    dialog.export_png_action.trigger()
    dialog.export_svg_action.trigger()
    assert asked == [".csv", ".png", ".svg"]
    rows = read_rows(tmp_path / "out.csv")
    assert len(rows) == 4 and {r["hosts[*].failures.mttr"] for r in rows} == {S, 2 * S}
    assert (tmp_path / "out.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (tmp_path / "out.svg").read_text(encoding="utf-8")
    # a file that cannot be written is a sentence, not a traceback
    assert not dialog.export_csv(tmp_path / "no_such_dir" / "x.csv")
    assert "Cannot write" in dialog.status()


def test_behaviour_files_need_the_main_windows_consent(qtbot):
    data = failing().model_dump(mode="json")
    data["behaviour_files"] = [{"path": "mine.py", "behaviours": ["mine"]}]
    d = ExperimentDialog(scenario_from_dict(data))
    qtbot.addWidget(d)
    d.set_parameter("hosts[h1].count", "1,2")
    assert not d.start()
    assert "behaviour files" in d.status()
    d.prepare_code = lambda scenario: (False, False)  # the user refused
    assert not d.start()
    assert "may not run" in d.status()
    assert not d.is_running() and not d.rows


# -- in the main window ------------------------------------------------------------------------


@pytest.fixture
def window(qtbot, tmp_path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(failing(duration=20 * S), settings=settings, autosave_dir=tmp_path / "auto")
    w.autoplay = False
    w._show_error = lambda title, message: None
    qtbot.addWidget(w)
    w.resize(1100, 700)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_run_menu_opens_the_experiment_window(window):
    action = window.experiment_action
    assert action in window.run_menu.actions()
    assert action.shortcut() == QKeySequence("Ctrl+E")
    action.trigger()
    dialog = window.experiments.dialog
    assert dialog is not None and dialog.isVisible()
    assert not dialog.isModal()
    assert dialog.scenario == window.document.scenario


def test_sweep_this_field_opens_the_dialog_with_its_path(qtbot, window):
    window.inspector.set_selection(["h1"])
    form = window.inspector.current_form()
    failures = form.subform("failures")
    label = failures.form.labelForField(failures.editors["mttr"])
    menu = window.inspector.field_menu(label)
    assert menu is not None
    (action,) = menu.actions()
    assert action.text() == "Sweep This Field\u2026"
    action.trigger()
    dialog = window.experiments.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.param_rows[0].path() == "hosts[h1].failures.mttr"
    assert dialog.param_rows[0].values_edit.text()  # values to start from
    assert dialog.start_button.isEnabled()
    # several hosts: every host's field; a link's field by its ends
    window.inspector.set_selection(["h1", "h2"])
    form = window.inspector.current_form()
    assert window.inspector.field_path_at(form.form.labelForField(form.editors["cores"])) \
        == "hosts[*].cores"
    window.inspector.set_selection(links=[0])
    form = window.inspector.current_form()
    assert window.inspector.field_path_at(form.form.labelForField(form.editors["loss"])) \
        == "links[h1-h2].loss"
    assert window.inspector.field_menu(window.inspector.title) is None  # not a field


def test_clicking_a_point_opens_that_run_in_the_main_window(qtbot, window):
    window.experiment_action.trigger()
    d = window.experiments.dialog
    sweep(qtbot, d, "hosts[h1].failures.mttr", "1s,3s", "availability", seeds=2)
    # click the second point (mttr = 3 s) where it is drawn
    for _ in range(5):
        QApplication.processEvents()  # the view takes the range of what was drawn
    points = d.plot.series[0].items["points"]
    spot = points.scatter.points()[1]
    pos = d.plot.widget.mapFromScene(points.scatter.mapToScene(spot.pos()))
    opened = []
    d.run_requested.connect(lambda data, seed, until, title: opened.append((data, seed)))
    qtbot.mouseClick(d.plot.widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert len(opened) == 1
    data, seed = opened[0]
    assert seed in (1, 2)
    variant = scenario_from_dict(data)
    assert variant.host("h1").failures.mttr == 3 * S
    # the main window shows the variant, untitled, and runs it with that seed
    qtbot.waitUntil(lambda: window.timeline is not None and not window.shown_run.is_running(),
                    timeout=30_000)
    assert window.document.path is None
    assert window.document.scenario.host("h1").failures.mttr == 3 * S
    assert "seed" in window.document.scenario.title
    assert window.run_seed == seed


def test_opening_a_run_never_drops_unsaved_edits_silently(qtbot, window):
    window.document.set_host_fields(["h1"], "cores", 4)
    asked = []
    window._ask_save_changes = lambda: asked.append(1) or CANCEL
    window.experiment_action.trigger()
    d = window.experiments.dialog
    sweep(qtbot, d, "hosts[h1].failures.mttr", "2s", "availability", seeds=1)
    assert not window.experiments.open_run(d.jobs[0].scenario, 1, None, "x")
    assert asked == [1]
    assert window.document.scenario.host("h1").cores == 4  # kept
    assert window.document.scenario.host("h1").failures.mttr == S
