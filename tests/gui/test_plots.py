"""The plots panel: series of real runs, the time cursor, linked x axes, themes and exports."""

from __future__ import annotations

import csv
import math

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import QApplication, QGraphicsItem

from sandbox.gui.plots import PLOTS, PlotsPanel
from sandbox.gui.run_controller import run_scenario
from sandbox.gui.theme import dark_palette, light_palette
from sandbox.presets import preset_path
from sandbox.scenario import load

S = 1_000_000_000


@pytest.fixture(scope="module")
def runs():
    """Traces of the presets the plots are about (run once for the module)."""
    out = {}
    for name in ("message_passing_basics", "dsm_numa", "crash_heartbeat", "clock_sync_cristian"):
        result = run_scenario(load(preset_path(name)))
        out[name] = (result.header, result.events)
    return out


@pytest.fixture
def panel(qtbot):
    p = PlotsPanel()
    qtbot.addWidget(p)
    p.resize(900, 560)
    p.show()
    qtbot.waitExposed(p)
    return p


def test_every_plot_has_series_for_a_message_passing_run(panel, runs):
    panel.set_trace(*runs["message_passing_basics"])
    names = {s.plot: [x.name for x in panel.series(s.plot)] for s in panel.series()}
    assert set(names) == {"clocks", "latency", "throughput", "availability"}
    assert names["clocks"] == ["client1", "server", "client2", "backup"]
    latency = panel.series("latency")[0]
    assert int(latency.y.sum()) == 88                     # every delivered message is counted
    assert panel._request_plot in panel._pages["throughput"].layout.ci.items
    # no memory access in this run: the memory tab says so instead of drawing empty axes
    page = panel._pages["memory"]
    assert page.stack.currentWidget() is page.placeholder
    assert "memory" in page.placeholder.text().lower()


def test_memory_costs_of_a_dsm_run(panel, runs):
    panel.set_trace(*runs["dsm_numa"])
    page = panel._pages["memory"]
    assert page.stack.currentWidget() is page.body
    series = {s.name: s for s in panel.series("memory")}
    local, remote = series["local mean cost"].y, series["remote mean cost"].y
    assert all(math.isclose(v, 100e-9) for v in local if not math.isnan(v))
    assert min(v for v in remote if not math.isnan(v)) > 1e-5   # remote costs real messages
    # requests are absent in this run: the request latency plot is taken out of the page
    assert panel._request_plot not in panel._pages["throughput"].layout.ci.items
    assert panel.suggested_plot() == "memory"


def test_availability_of_the_crash_preset(panel, runs):
    panel.set_trace(*runs["crash_heartbeat"])
    series = {s.name: s for s in panel.series("availability")}
    up = series["hosts up (%)"]
    assert up.y[0] == pytest.approx(100.0)
    assert min(up.y) == pytest.approx(60.0)                    # p1 and p3 down between 3s and 5s
    assert series["crashes so far"].y[-1] == 2
    assert panel.suggested_plot() == "availability"


def test_clock_curves_follow_synchronisation(panel, runs):
    panel.set_trace(*runs["clock_sync_cristian"])
    curves = {s.name: s for s in panel.series("clocks")}
    assert set(curves) == {"ts", "c0", "c1", "c2", "c3"}
    assert curves["c0"].y[0] == pytest.approx(-6e-3)            # the initial offset, in seconds
    assert abs(curves["c0"].y[-1]) < 2e-3                       # kept close by Cristian
    assert curves["c3"].y[-1] == pytest.approx(0.0, abs=1e-5)   # 3ms - 150ppm x 20s, no sync
    assert panel.suggested_plot() == "clocks"


def test_set_time_moves_every_cursor(panel, runs):
    panel.set_trace(*runs["message_passing_basics"])
    assert len(panel.cursor_positions()) == 7
    panel.set_time(2_500_000_000)
    assert panel.cursor_positions() == [2.5] * 7
    assert panel.time() == 2_500_000_000


def test_dragging_a_cursor_asks_to_seek(panel, qtbot, runs):
    panel.set_trace(*runs["message_passing_basics"])
    cursor = panel._cursors[3]
    cursor.setValue(1.25)
    with qtbot.waitSignal(panel.seek_requested) as blocker:
        cursor.sigDragged.emit(cursor)
    assert blocker.args == [1_250_000_000]
    assert panel.cursor_positions() == [1.25] * 7


def test_time_axes_are_linked(panel, runs):
    panel.set_trace(*runs["crash_heartbeat"])
    assert all(p.viewRange()[0][1] == pytest.approx(8.08, abs=0.1) for p in panel._time_plots)
    panel._time_plots[2].setXRange(2.0, 4.0, padding=0)
    for plot in panel._time_plots:
        assert plot.viewRange()[0] == pytest.approx([2.0, 4.0])


def test_tabs(panel, runs):
    panel.set_trace(*runs["message_passing_basics"])
    for name in PLOTS:
        panel.show_plot(name)
        assert panel.current_plot() == name
        assert panel.tabs.currentWidget() is panel.page_widget(name)


def test_theme_follows_the_palette(panel, runs):
    panel.set_trace(*runs["message_passing_basics"])
    layout = panel._pages["clocks"].layout
    panel.setPalette(dark_palette())
    assert layout.backgroundBrush().color() == dark_palette().color(QPalette.ColorRole.Base)
    title = panel._clock_plot.titleLabel.text
    panel.setPalette(light_palette())
    assert layout.backgroundBrush().color() == light_palette().color(QPalette.ColorRole.Base)
    assert panel._clock_plot.titleLabel.text == title


def test_empty_and_cleared(panel):
    panel.set_trace({"scenario": {"hosts": [], "run": {"duration": 10}}}, [])
    panel.clear()
    for name in PLOTS:
        page = panel._pages[name]
        assert page.stack.currentWidget() is page.placeholder
    assert panel.series() == []


# -- exports ----------------------------------------------------------------------------------


def test_export_png_and_svg(panel, runs, tmp_path):
    panel.set_trace(*runs["dsm_numa"])
    panel.show_plot("memory")
    png, svg = tmp_path / "p.png", tmp_path / "p.svg"
    panel.export_png(png)
    panel.export_svg(svg)
    image = QImage(str(png))
    assert not image.isNull() and image.width() >= 400
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text and len(text) > 5000
    wide = tmp_path / "wide.png"
    panel.export_png(wide, width=1600)
    assert QImage(str(wide)).width() == 1600


def test_export_a_tab_that_was_never_shown(qtbot, runs, tmp_path):
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.set_trace(*runs["crash_heartbeat"])
    path = tmp_path / "hidden.png"
    panel.export_png(path, plot="availability")
    image = QImage(str(path))
    assert image.width() >= 400 and image.height() >= 200


def test_export_csv_current_and_all(panel, runs, tmp_path):
    panel.set_trace(*runs["message_passing_basics"])
    panel.show_plot("throughput")
    current, every = tmp_path / "current.csv", tmp_path / "all.csv"
    panel.export_csv(current)
    panel.export_csv(every, which="all")
    with open(current, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {r["plot"] for r in rows} == {"throughput"}
    assert {"delivered msg/s", "sent msg/s", "requests issued/s", "request latency"} <= {
        r["series"] for r in rows}
    float(rows[0]["x"]), float(rows[0]["y"])
    assert list(rows[0]) == ["plot", "series", "x", "x_unit", "y", "y_unit"]
    with open(every, newline="") as fh:
        plots = {r["plot"] for r in csv.DictReader(fh)}
    assert plots == {"clocks", "latency", "throughput", "availability"}
    with pytest.raises(ValueError, match="which"):
        panel.export_csv(tmp_path / "x.csv", which="nope")


# -- narrow docks, cheap cursors --------------------------------------------------------------


@pytest.mark.parametrize("name", ["message_passing_basics", "dsm_numa", "crash_heartbeat",
                                  "clock_sync_cristian"])
def test_every_tab_fits_a_400_pixel_dock(qtbot, runs, name):
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.resize(400, 420)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_trace(*runs[name])
    for plot in PLOTS:
        panel.show_plot(plot)
        QApplication.processEvents()
        page = panel._pages[plot]
        if page.stack.currentWidget() is page.placeholder:
            continue
        glw = page.layout
        needed = glw.ci.effectiveSizeHint(Qt.SizeHint.MinimumSize).width()
        assert needed <= glw.viewport().width(), f"{plot}: {needed} px needed"
        assert glw.ci.geometry().right() <= glw.viewport().width() + 0.5   # nothing cut
        for item in page.plots:                        # short titles
            assert item.titleLabel.minimumWidth() < 200, item.titleLabel.text
    assert panel.minimumSizeHint().width() <= 400


def test_the_figures_of_a_run_are_above_the_plots_and_in_exported_titles(panel, runs,
                                                                          tmp_path):
    panel.set_trace(*runs["crash_heartbeat"])
    assert panel.summary("availability") == "5 hosts, 80.00 % available overall; 2 crashes."
    assert not panel._pages["availability"].summary.isHidden()
    assert panel._up_plot.titleLabel.text == "Hosts up"
    seen = []
    panel._up_plot.titleLabel.setText = lambda text, **kw: seen.append(text)
    panel.export_png(tmp_path / "a.png", plot="availability")
    del panel._up_plot.titleLabel.setText
    assert "Hosts up: 5 hosts, 80.00 % available overall" in seen   # while exporting
    assert seen[-1] == "Hosts up"                                   # and back after
    panel.set_trace(*runs["dsm_numa"])
    assert "remote" in panel.summary("memory") and "slower" in panel.summary("memory")
    assert panel.summary("throughput") == ""          # no client requests in this run
    assert panel._pages["throughput"].summary.isHidden()


def test_moving_the_cursor_computes_no_automatic_range(panel, runs, monkeypatch, qtbot):
    panel.set_trace(*runs["clock_sync_cristian"])
    panel.show_plot("clocks")
    viewboxes = [plot.getViewBox() for plot in panel._time_plots]
    QApplication.processEvents()                       # the tab shown: its ranges computed
    qtbot.waitUntil(lambda: not panel._clock_plot.getViewBox()._autoRangeNeedsUpdate)
    calls = []
    for plot in panel._time_plots:
        vb = plot.getViewBox()

        def counted(vb=vb, original=vb.updateAutoRange):
            calls.append(vb)
            original()
        monkeypatch.setattr(vb, "updateAutoRange", counted)
    for k in range(10):
        panel.set_time(k * 1_000_000_000)
        QApplication.processEvents()
    assert calls == []
    assert not viewboxes[0]._autoRangeNeedsUpdate
    assert panel.cursor_positions() == [9.0] * len(panel._cursors)
    for cursor in panel._cursors:
        assert not cursor.flags() & QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
