"""Export from the GUI: every trace format reads back, plots and the space-time view are saved."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyqtgraph as pg
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from sandbox.gui import export_dialogs as ed
from sandbox.gui.export_dialogs import export_plot, export_spacetime, export_trace
from sandbox.gui.plots import PlotsPanel
from sandbox.gui.run_controller import run_scenario
from sandbox.presets import preset_path
from sandbox.scenario import load
from sandbox.trace import CSV_COLUMNS, check_shiviz_clocks, read_jsonl


@pytest.fixture(scope="module")
def trace():
    result = run_scenario(load(preset_path("message_passing_basics")))
    return result.header, result.events


@pytest.fixture
def parent(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    return w


class Asker:
    """A stand-in for QFileDialog.getSaveFileName that answers and remembers the question."""

    def __init__(self, path, selected=""):
        self.answer = (str(path) if path else "", selected)
        self.asked = None

    def __call__(self, parent, caption, directory, filters):
        self.asked = (caption, directory, filters.split(";;"))
        return self.answer


def no_error(parent, title, text):
    raise AssertionError(f"unexpected error: {text}")


def test_jsonl_reads_back_identical(parent, trace, tmp_path):
    header, events = trace
    path = export_trace(parent, header, events, tmp_path / "t.jsonl", show_error=no_error)
    assert path == tmp_path / "t.jsonl"
    assert read_jsonl(path) == (header, events)
    assert not list(tmp_path.glob("*.part"))


def test_csv_parses_with_one_row_per_event(parent, trace, tmp_path):
    header, events = trace
    path = export_trace(parent, header, events, tmp_path / "t.csv", show_error=no_error)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == len(events) + 1
    assert [int(r[1]) for r in rows[1:]] == [e.t for e in events]


def test_shiviz_log_passes_the_shiviz_checks(parent, trace, tmp_path):
    header, events = trace
    path = export_trace(parent, header, events, tmp_path / "t.log", show_error=no_error)
    assert check_shiviz_clocks(path) == []


def test_chrome_trace_is_json(parent, trace, tmp_path):
    header, events = trace
    path = export_trace(parent, header, events, tmp_path / "t.json", show_error=no_error)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["traceEvents"] and data["displayTimeUnit"] == "ns"


def test_the_dialog_offers_every_format_and_the_filter_picks_it(parent, trace, tmp_path):
    header, events = trace
    asker = Asker(tmp_path / "run", "ShiViz log (*.log)")
    path = export_trace(parent, header, events, ask_path=asker, show_error=no_error)
    assert path == tmp_path / "run.log"                  # the filter's suffix is added
    assert check_shiviz_clocks(path) == []
    caption, directory, filters = asker.asked
    assert caption == "Export Trace"
    assert Path(directory).name == "message-passing-basics-seed1.jsonl"
    assert len(filters) == 4 and any("Chrome" in f for f in filters)
    # the next dialog opens in the folder of this export
    again = Asker("")
    assert export_trace(parent, header, events, ask_path=again) is None     # cancelled
    assert Path(again.asked[1]).parent == tmp_path


def test_a_typed_suffix_wins_over_the_filter(parent, trace, tmp_path):
    header, events = trace
    asker = Asker(tmp_path / "x.json", "DS Sandbox trace, JSONL (*.jsonl)")
    path = export_trace(parent, header, events, ask_path=asker, show_error=no_error)
    assert path == tmp_path / "x.json"
    assert "traceEvents" in json.loads(path.read_text())


def test_an_error_is_shown_and_leaves_no_file(parent, trace, tmp_path):
    header, events = trace
    errors = []
    target = tmp_path / "missing" / "t.jsonl"
    result = export_trace(parent, header, events, target,
                          show_error=lambda p, title, text: errors.append((title, text)))
    assert result is None
    assert errors and errors[0][0] == "Cannot export" and str(target) in errors[0][1]
    with pytest.raises(ValueError, match="unknown format"):
        export_trace(parent, header, events, tmp_path / "t.x", fmt="xml")


def test_an_export_error_removes_the_partial_file(parent, trace, tmp_path, monkeypatch):
    header, events = trace

    def broken(header, events, fmt, path):
        Path(path).write_text("half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ed, "export_trace_file", broken)
    errors = []
    assert export_trace(parent, header, events, tmp_path / "t.jsonl",
                        show_error=lambda *a: errors.append(a[2])) is None
    assert "No space left" in errors[0]
    assert list(tmp_path.iterdir()) == []


# -- plots and the space-time view --------------------------------------------------------------


@pytest.fixture
def panel(qtbot, trace):
    p = PlotsPanel()
    qtbot.addWidget(p)
    p.resize(800, 500)
    p.show()
    qtbot.waitExposed(p)
    p.set_trace(*trace)
    p.show_plot("throughput")
    return p


def test_export_plot_png_svg_csv(parent, panel, tmp_path):
    png = export_plot(parent, panel, tmp_path / "p.png", show_error=no_error)
    assert QImage(str(png)).width() >= 1200
    svg = export_plot(parent, panel, tmp_path / "p.svg", show_error=no_error)
    assert "<svg" in svg.read_text()
    current = export_plot(parent, panel, tmp_path / "p.csv", show_error=no_error)
    with open(current, newline="") as fh:
        assert {r["plot"] for r in csv.DictReader(fh)} == {"throughput"}


def test_export_plot_all_series_through_the_dialog(parent, panel, tmp_path):
    asker = Asker(tmp_path / "all", "CSV, the series of every plot (*.csv)")
    path = export_plot(parent, panel, ask_path=asker, show_error=no_error)
    assert path == tmp_path / "all.csv"
    with open(path, newline="") as fh:
        assert len({r["plot"] for r in csv.DictReader(fh)}) == 4
    assert Path(asker.asked[1]).name.endswith("-throughput.png")


class FakeSpacetime:
    """A view with the export_image(path) of the space-time diagram."""

    def __init__(self, ok=True):
        self.ok = ok
        self.paths = []

    def export_image(self, path):
        self.paths.append(path)
        if self.ok:
            Path(path).write_bytes(b"image")
        return self.ok


def test_export_spacetime_asks_and_calls_the_view(parent, tmp_path):
    view = FakeSpacetime()
    path = export_spacetime(parent, view, ask_path=Asker(tmp_path / "d", "SVG drawing (*.svg)"),
                            show_error=no_error)
    assert path == tmp_path / "d.svg" and view.paths == [str(tmp_path / "d.svg")]
    assert export_spacetime(parent, view, tmp_path / "e.png", show_error=no_error) \
        == tmp_path / "e.png"


def test_export_spacetime_failure_is_shown(parent, tmp_path):
    errors = []
    assert export_spacetime(parent, FakeSpacetime(ok=False), tmp_path / "d.png",
                            show_error=lambda *a: errors.append(a)) is None
    assert len(errors) == 1


def test_export_the_real_space_time_view(parent, qtbot, trace, tmp_path):
    from sandbox.gui.spacetime import SpaceTimeView
    from sandbox.trace.timeline import Timeline

    view = SpaceTimeView()
    qtbot.addWidget(view)
    view.set_timeline(Timeline(*trace))
    png = export_spacetime(parent, view, ask_path=Asker(tmp_path / "st", "PNG image (*.png)"),
                           show_error=no_error)
    assert png == tmp_path / "st.png" and not QImage(str(png)).isNull()
    svg = export_spacetime(parent, view, tmp_path / "st.svg", show_error=no_error)
    assert "<svg" in svg.read_text()


def test_plots_follow_the_player(qtbot, panel, trace):
    """Wired as the main window does: the player's time moves the plot cursors, a drag seeks."""
    from sandbox.gui.player import Player
    from sandbox.trace.timeline import Timeline

    player = Player(Timeline(*trace))
    player.time_changed.connect(panel.set_time)
    panel.seek_requested.connect(player.seek)
    player.seek(3_000_000_000)
    assert set(panel.cursor_positions()) == {3.0}
    cursor = next(item for view in panel.findChildren(pg.GraphicsView)
                  for item in view.scene().items()
                  if isinstance(item, pg.InfiniteLine) and item.movable)
    cursor.setValue(1.5)
    cursor.sigDragged.emit(cursor)
    assert player.time == 1_500_000_000
