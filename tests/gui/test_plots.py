"""The plots panel: series of real runs, the time cursor, linked x axes, themes, exports, pages."""

from __future__ import annotations

import csv
import math

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import QApplication, QGraphicsItem

from sandbox.gui.plots import PLOTS, PlotPage, PlotsPanel, register_page, unregister_page
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
    throughput = panel.page("throughput")
    assert throughput.request_plot in throughput.shown_plots
    # no memory access in this run: the memory tab says so instead of drawing empty axes
    hint = panel.page("memory").placeholder_text
    assert hint is not None
    assert "memory" in hint.lower()


def test_memory_costs_of_a_dsm_run(panel, runs):
    panel.set_trace(*runs["dsm_numa"])
    assert panel.page("memory").placeholder_text is None       # the plots are shown
    series = {s.name: s for s in panel.series("memory")}
    local, remote = series["local mean cost"].y, series["remote mean cost"].y
    assert all(math.isclose(v, 100e-9) for v in local if not math.isnan(v))
    assert min(v for v in remote if not math.isnan(v)) > 1e-5   # remote costs real messages
    # requests are absent in this run: the request latency plot is taken out of the page
    throughput = panel.page("throughput")
    assert throughput.request_plot not in throughput.shown_plots
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
    n = len(panel.time_plots())  # a cursor on every plot over time, of every page
    assert n >= 9 and len(panel.cursor_positions()) == n
    panel.set_time(2_500_000_000)
    assert panel.cursor_positions() == [2.5] * n
    assert panel.time() == 2_500_000_000


def test_dragging_a_cursor_asks_to_seek(panel, qtbot, runs):
    panel.set_trace(*runs["message_passing_basics"])
    cursor = panel.page("availability").cursors[0]              # one of many
    cursor.setValue(1.25)
    with qtbot.waitSignal(panel.seek_requested) as blocker:
        cursor.sigDragged.emit(cursor)
    assert blocker.args == [1_250_000_000]
    assert panel.cursor_positions() == [1.25] * len(panel.time_plots())


def test_time_axes_are_linked(panel, runs):
    panel.set_trace(*runs["crash_heartbeat"])
    assert all(p.viewRange()[0][1] == pytest.approx(8.08, abs=0.1) for p in panel.time_plots())
    panel.time_plots()[2].setXRange(2.0, 4.0, padding=0)
    for plot in panel.time_plots():
        assert plot.viewRange()[0] == pytest.approx([2.0, 4.0])


def test_tabs(panel, runs):
    panel.set_trace(*runs["message_passing_basics"])
    for name in PLOTS:
        panel.show_plot(name)
        assert panel.current_plot() == name
        assert panel.tabs.currentWidget() is panel.page_widget(name)


def test_theme_follows_the_palette(panel, runs):
    panel.set_trace(*runs["message_passing_basics"])
    clocks = panel.page("clocks")
    layout = clocks.plot_area
    panel.setPalette(dark_palette())
    assert layout.backgroundBrush().color() == dark_palette().color(QPalette.ColorRole.Base)
    title = clocks.plot.titleLabel.text
    panel.setPalette(light_palette())
    assert layout.backgroundBrush().color() == light_palette().color(QPalette.ColorRole.Base)
    assert clocks.plot.titleLabel.text == title


def test_empty_and_cleared(panel):
    panel.set_trace({"scenario": {"hosts": [], "run": {"duration": 10}}}, [])
    panel.clear()
    for name in PLOTS:
        assert panel.page(name).placeholder_text == "Run the scenario to see its plots."
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
    assert math.isfinite(float(rows[0]["x"])) and math.isfinite(float(rows[0]["y"]))
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
        page = panel.page(plot)
        if page.placeholder_text is not None:
            continue
        glw = page.plot_area
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
    availability = panel.page("availability")
    assert availability.summary_shown
    assert availability.up_plot.titleLabel.text == "Hosts up"
    seen = []
    availability.up_plot.titleLabel.setText = lambda text, **kw: seen.append(text)
    panel.export_png(tmp_path / "a.png", plot="availability")
    del availability.up_plot.titleLabel.setText
    assert "Hosts up: 5 hosts, 80.00 % available overall" in seen   # while exporting
    assert seen[-1] == "Hosts up"                                   # and back after
    panel.set_trace(*runs["dsm_numa"])
    assert "remote" in panel.summary("memory") and "slower" in panel.summary("memory")
    assert panel.summary("throughput") == ""          # no client requests in this run
    assert not panel.page("throughput").summary_shown


def test_moving_the_cursor_computes_no_automatic_range(panel, runs, monkeypatch, qtbot):
    panel.set_trace(*runs["clock_sync_cristian"])
    panel.show_plot("clocks")
    calls = []
    for plot in panel.time_plots():
        vb = plot.getViewBox()

        def counted(vb=vb, original=vb.updateAutoRange):
            calls.append(vb)
            original()
        monkeypatch.setattr(vb, "updateAutoRange", counted)

    def paints_without_range():
        """Paint the panel (a view box computes a pending automatic range as it paints)."""
        before = len(calls)
        panel.grab()
        return len(calls) == before

    QApplication.processEvents()                       # the tab shown: its ranges computed
    qtbot.waitUntil(paints_without_range)
    calls.clear()
    for k in range(10):
        panel.set_time(k * 1_000_000_000)
        QApplication.processEvents()
    assert calls == []
    assert paints_without_range()                      # no automatic range left pending
    assert panel.cursor_positions() == [9.0] * len(panel.time_plots())
    cursors = [cursor for page in panel.pages() for cursor in page.cursors]
    assert len(cursors) == len(panel.time_plots())
    for cursor in cursors:
        assert not cursor.flags() & QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges


# -- the registry of pages --------------------------------------------------------------------


class ProbePage(PlotPage):
    """A page a protocol could add: one plot over time; it notes the runs and times it is given."""

    name = "probe"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = self.add_plot(0, "Probe", "things")
        self.curve = self.add_curve(self.plot, "delivered", "things")
        self.timelines = []
        self.times = []

    def short_title(self):
        return "Probe"

    def title(self):
        return "A page registered by a test"

    def set_timeline(self, run):
        super().set_timeline(run)
        self.timelines.append(run)
        x = [0.0, run.end / S]
        self.curve.setData(x, [1.0, 2.0])
        self.record("things", x, [1.0, 2.0], "s", "count")
        self.show_placeholder(None)

    def set_time(self, t_ns):
        super().set_time(t_ns)
        self.times.append(t_ns)


@pytest.fixture
def probe_registered():
    register_page(ProbePage, before="memory")
    yield ProbePage
    unregister_page(ProbePage.name)


def test_a_registered_page_is_a_tab_and_follows_the_run(qtbot, runs, probe_registered, tmp_path):
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 560)
    names = panel.plot_names()
    assert names[:6] == ("clocks", "latency", "throughput", "availability", "probe", "memory")
    assert names == PLOTS[:4] + ("probe",) + PLOTS[4:]
    probe = panel.page("probe")
    assert isinstance(probe, ProbePage)
    index = names.index("probe")
    assert panel.tabs.widget(index) is probe
    assert panel.tabs.tabText(index) == "Probe"
    assert panel.tabs.tabToolTip(index) == "A page registered by a test"
    assert probe.placeholder_text == "Run the scenario to see its plots."
    header, events = runs["message_passing_basics"]
    panel.set_trace(header, events)
    assert len(probe.timelines) == 1
    run = probe.timelines[0]
    assert run.header is header and run.events is events and run.end == 5 * S
    assert probe.placeholder_text is None
    assert probe.times == [0]                          # set_trace puts the cursor at the start
    panel.set_time(2 * S)
    assert probe.times[-1] == 2 * S
    assert probe.cursors[0].value() == 2.0
    assert len(panel.cursor_positions()) == len(panel.time_plots())  # its cursor joined
    assert probe.plot in panel.time_plots()
    panel.time_plots()[0].setXRange(1.0, 3.0, padding=0)
    assert probe.plot.viewRange()[0] == pytest.approx([1.0, 3.0])   # its time axis is linked
    panel.show_plot("probe")
    assert panel.current_plot() == "probe"
    path = tmp_path / "probe.csv"
    panel.export_csv(path)
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["plot"], r["series"], float(r["y"])) for r in rows] == [
        ("probe", "things", 1.0), ("probe", "things", 2.0)]
    assert "probe" in {s.plot for s in panel.series()}


def test_registry_refuses_a_second_page_of_a_name(probe_registered):
    with pytest.raises(ValueError, match="registered already"):
        register_page(ProbePage)
    with pytest.raises(ValueError, match="no plot page"):
        register_page(type("Other", (ProbePage,), {"name": "other"}), before="nope")


def test_an_unregistered_page_is_not_in_new_panels(qtbot):
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    assert "probe" not in panel.plot_names()
    assert panel.plot_names() == PLOTS
