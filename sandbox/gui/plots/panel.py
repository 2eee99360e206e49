"""The plots dock: clock skew, message latency, throughput and load, availability, memory cost.

:class:`PlotsPanel` shows the measures of a run on pyqtgraph plots, one tab
per topic. The series come from :mod:`sandbox.trace.series` (Qt-free); the
panel only draws them. Every plot over time has its x axis in seconds of
real time, linked to the others (zoom one, they all follow), and a vertical
time cursor that follows the player through :meth:`PlotsPanel.set_time`;
dragging a cursor asks the player to seek (``seek_requested``).

Curves are made once and fed with ``setData``; long curves are downsampled
and clipped to the view. Colours follow the light or dark palette of the
application, and hosts keep the colours they have on the canvas.

Plot titles are short, so that a narrow dock (about 400 pixels) still shows
whole plots; the figures of a run (largest skew, availability, costs) are
in a line of text above the plots that wraps, and in the titles of
exported images. Moving the time cursor only moves the cursor lines: they
do not tell their view boxes that their bounds changed, so no automatic
range is computed again on a frame.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QGraphicsItem,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...scenario.units import format_duration
from ...trace import series as S
from ...trace.events import TraceEvent
from ...trace.stats import percentile
from ..theme import host_colour, is_dark

__all__ = ["PLOTS", "PlotsPanel", "Series"]

#: The plots (tabs) of the panel, by name, in order.
PLOTS: tuple[str, ...] = ("clocks", "latency", "throughput", "availability", "memory")

#: Width of every left axis, so the time axes of stacked plots line up.
_LEFT_AXIS_WIDTH = 70

#: Cache mode of axes and curves: repainting under a moving cursor blits them.
_CACHE = QGraphicsItem.CacheMode.DeviceCoordinateCache

#: Series colours by role: (light theme, dark theme).
_COLOURS: dict[str, tuple[str, str]] = {
    "delivered": ("#0c8599", "#3bc9db"),
    "sent": ("#e07b16", "#ffa94d"),
    "offered": ("#2f9e44", "#69db7c"),
    "profile": ("#6e7781", "#9aa4b0"),
    "hist": ("#4e79a7", "#74a6e0"),
    "percentile": ("#6e7781", "#9aa4b0"),
    "request": ("#7048e8", "#b197fc"),
    "request_mean": ("#1f2328", "#e6e8eb"),
    "up": ("#2f9e44", "#69db7c"),
    "failures": ("#d1242f", "#ff6b6b"),
    "local": ("#2f9e44", "#69db7c"),
    "remote": ("#d1242f", "#ff8787"),
    "zero": ("#8c949e", "#6b7079"),
}


class _DurationLogAxis(pg.AxisItem):
    """A log axis of durations in seconds whose ticks read as durations (100ns, 1us, 1ms)."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph override
        if not self.logMode:
            return super().tickStrings(values, scale, spacing)
        out = []
        for v in values:
            seconds = 10.0 ** float(v)
            out.append(format_duration(round(seconds * S.NS_PER_S)) if seconds >= 1e-9 else "")
        return out


@dataclass
class Series:
    """One drawn series, as exported to CSV: values in the units of the axes."""

    plot: str
    name: str
    x: np.ndarray
    y: np.ndarray
    x_unit: str
    y_unit: str


@dataclass
class _Page:
    """One tab: a summary line over a stack of plots in one pyqtgraph layout, or a placeholder."""

    name: str
    stack: QStackedWidget
    body: QWidget
    summary: QLabel
    layout: pg.GraphicsLayoutWidget
    placeholder: QLabel
    plots: list[pg.PlotItem] = field(default_factory=list)


def _edges(t: np.ndarray, end: int, bin_ns: int) -> np.ndarray:
    """Bin edges in seconds from bin starts in ns (the last edge is the end of the run)."""
    last = float(end) if end > t[-1] else float(t[-1] + bin_ns)
    return np.append(t, last) / S.NS_PER_S


def _steps(edges: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The corners of a step curve: ``values[i]`` held from ``edges[i]`` to ``edges[i+1]``."""
    return np.repeat(edges, 2)[1:-1], np.repeat(np.asarray(values, dtype=np.float64), 2)


def _bins(end: int, count: int, per_bin: float, lo: int, hi: int) -> int:
    """A round bin width giving about ``count / per_bin`` bins, between ``lo`` and ``hi`` bins."""
    n = int(min(hi, max(lo, count / per_bin)))
    return S.nice_bin(max(end, 1), n)


class PlotsPanel(QWidget):
    """Tabs of plots of one trace, with a time cursor that follows the player.

    Call :meth:`set_trace` with a run's header and events, then
    :meth:`set_time` as the player moves. ``seek_requested(t_ns)`` is
    emitted when the user drags a time cursor.
    """

    #: The user dragged a time cursor to this real time (ns).
    seek_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PlotsPanel")
        self._header: dict[str, Any] = {}
        self._events: Sequence[TraceEvent] = []
        self._end = 0
        self._cols = S.columns([])
        self._t = 0
        self._series: dict[str, list[Series]] = {name: [] for name in PLOTS}
        self._time_plots: list[pg.PlotItem] = []
        self._cursors: list[pg.InfiniteLine] = []
        self._titles: dict[int, str] = {}  # the title on screen, by id of plot
        self._long_titles: dict[int, str] = {}  # with the figures of the run, for exports
        self._styled: list[tuple[Any, str, dict[str, Any]]] = []
        self._legends: list[pg.LegendItem] = []
        self._host_curves: list[pg.PlotDataItem] = []
        self._linking = False
        self._applying_theme = False

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.setObjectName("plots_tabs")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self._pages: dict[str, _Page] = {}
        titles = {
            "clocks": (self.tr("Clocks"), self.tr("Each host's clock offset from real time")),
            "latency": (self.tr("Latency"), self.tr("How long messages take to arrive")),
            "throughput": (self.tr("Throughput"),
                           self.tr("Messages per second, offered load and request latency")),
            "availability": (self.tr("Availability"),
                             self.tr("Hosts up and crashes over time")),
            "memory": (self.tr("Memory"), self.tr("Cost of local and remote memory accesses")),
        }
        for name in PLOTS:
            page = self._make_page(name)
            self._pages[name] = page
            index = self.tabs.addTab(page.stack, titles[name][0])
            self.tabs.setTabToolTip(index, titles[name][1])
        self._build_clocks()
        self._build_latency()
        self._build_throughput()
        self._build_availability()
        self._build_memory()
        self._apply_theme()
        self.clear()

    # -- building -------------------------------------------------------------------------
    def _make_page(self, name: str) -> _Page:
        stack = QStackedWidget()
        stack.setObjectName(f"plot_page_{name}")
        glw = pg.GraphicsLayoutWidget()
        glw.setObjectName(f"plot_layout_{name}")
        glw.ci.setContentsMargins(6, 2, 10, 6)
        glw.ci.setSpacing(6)
        glw.setMinimumSize(200, 150)
        summary = QLabel()
        summary.setObjectName(f"plot_summary_{name}")
        summary.setWordWrap(True)
        summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        summary.setContentsMargins(8, 4, 8, 0)
        summary.setAutoFillBackground(True)
        summary.setBackgroundRole(QPalette.ColorRole.Base)
        summary.setForegroundRole(QPalette.ColorRole.Text)
        summary.hide()
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(summary)
        column.addWidget(glw, 1)
        label = QLabel()
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        label.setMargin(24)
        label.setAutoFillBackground(True)
        label.setBackgroundRole(QPalette.ColorRole.Base)
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        stack.addWidget(body)
        stack.addWidget(label)
        return _Page(name, stack, body, summary, glw, label)

    def _add_plot(self, page: _Page, row: int, title: str, left: str, left_units: str | None = None,
                  time_axis: bool = True, axis_items: dict[str, pg.AxisItem] | None = None,
                  ) -> pg.PlotItem:
        plot = page.layout.addPlot(row=row, col=0, axisItems=axis_items)
        page.plots.append(plot)
        plot.setMenuEnabled(False)
        plot.showGrid(x=True, y=True, alpha=0.15)
        for name in ("left", "bottom"):
            # axes draw the grid across the plot: cached, a moving cursor does not redraw them
            plot.getAxis(name).setCacheMode(_CACHE)
        plot.getAxis("left").setWidth(_LEFT_AXIS_WIDTH)
        plot.setLabel("left", left, units=left_units)
        if left_units is None:
            plot.getAxis("left").enableAutoSIPrefix(False)
        self._titles[id(plot)] = self._long_titles[id(plot)] = title
        if time_axis:
            plot.setLabel("bottom", self.tr("real time (s)"))
            plot.getAxis("bottom").enableAutoSIPrefix(False)
            plot.setMouseEnabled(x=True, y=False)
            plot.setAutoVisible(y=True)
            cursor = pg.InfiniteLine(pos=0.0, angle=90, movable=True)
            # a moved cursor must not make its view box compute its automatic range again
            cursor.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges, False)
            cursor.setZValue(100)
            cursor.setToolTip(self.tr("Current time; drag to seek"))
            cursor.sigDragged.connect(self._on_cursor_dragged)
            plot.addItem(cursor, ignoreBounds=True)
            self._cursors.append(cursor)
            self._time_plots.append(plot)
            plot.sigXRangeChanged.connect(self._on_x_range_changed)
        return plot

    def _baseline(self, plot: pg.PlotItem) -> None:
        """A faint line at y = 0 that also keeps 0 in the automatic y range."""
        line = pg.InfiniteLine(pos=0.0, angle=0, movable=False)
        plot.addItem(line)
        self._styled.append((line, "zero", {"width": 1.0, "style": Qt.PenStyle.DashLine}))

    def _legend(self, page: _Page, row: int, plot: pg.PlotItem) -> pg.LegendItem:
        """A legend beside ``plot`` (to its right, so it never hides a curve)."""
        legend = pg.LegendItem(colCount=1, verSpacing=-6, horSpacing=12)
        legend.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        plot.legend = legend  # named curves added to the plot join it
        page.layout.ci.addItem(legend, row=row, col=1)
        page.layout.ci.layout.setAlignment(legend, Qt.AlignmentFlag.AlignTop)
        self._legends.append(legend)
        return legend

    def _curve(self, plot: pg.PlotItem, role: str, name: str | None = None, *,
               width: float = 2.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine,
               fill: int | None = None, step: bool = False, long: bool = False,
               symbol: str | None = None, symbol_size: int = 5,
               symbol_alpha: int = 150) -> pg.PlotDataItem:
        """A curve styled by colour ``role`` (restyled when the theme changes)."""
        opts: dict[str, Any] = {"width": width, "style": style, "fill": fill,
                                "symbol": symbol, "symbol_alpha": symbol_alpha}
        kwargs: dict[str, Any] = {"name": name, "antialias": True}
        if step:
            kwargs["stepMode"] = "center"
        if symbol is not None:
            kwargs.update(symbol=symbol, symbolSize=symbol_size, pen=None)
        curve = pg.PlotDataItem(**kwargs)
        curve.curve.setCacheMode(_CACHE)
        if long:
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
        plot.addItem(curve)
        self._styled.append((curve, role, opts))
        return curve

    def _build_clocks(self) -> None:
        page = self._pages["clocks"]
        self._clock_plot = self._add_plot(page, 0, self.tr("Clock offset"),
                                          self.tr("local − real"), "s")
        self._baseline(self._clock_plot)
        self._clock_legend = self._legend(page, 0, self._clock_plot)

    def _build_latency(self) -> None:
        page = self._pages["latency"]
        plot = self._add_plot(page, 0, self.tr("Message latency"), self.tr("messages"),
                              time_axis=False)
        plot.setLabel("bottom", self.tr("latency"), units="s")
        plot.setMouseEnabled(x=True, y=False)
        plot.setAutoVisible(y=True)
        self._latency_plot = plot
        self._hist = self._curve(plot, "hist", step=True, fill=90, width=1.5)
        self._percentiles: list[pg.InfiniteLine] = []
        for i, _p in enumerate((50, 90, 99)):
            line = pg.InfiniteLine(pos=0.0, angle=90, movable=False, label="",
                                   labelOpts={"position": 0.93 - 0.09 * i,
                                              "anchors": [(0, 0.5), (0, 0.5)]})
            line.setZValue(50)
            plot.addItem(line, ignoreBounds=True)
            self._styled.append((line, "percentile", {"width": 1.2,
                                                      "style": Qt.PenStyle.DashLine}))
            self._percentiles.append(line)

    def _build_throughput(self) -> None:
        page = self._pages["throughput"]
        plot = self._add_plot(page, 0, self.tr("Throughput"), self.tr("per second"))
        self._rate_plot = plot
        self._baseline(plot)
        self._rate_legend = self._legend(page, 0, plot)
        self._delivered = self._curve(plot, "delivered", self.tr("delivered msg/s"))
        self._delivered.setZValue(3)
        self._sent = self._curve(plot, "sent", self.tr("sent msg/s"), width=1.5)
        self._offered = self._curve(plot, "offered", self.tr("requests/s"))
        self._profile = self._curve(plot, "profile", self.tr("workload req/s"),
                                    style=Qt.PenStyle.DashLine, long=True)
        req = self._add_plot(page, 1, self.tr("Request latency"), self.tr("latency"), "s")
        self._request_plot = req
        self._baseline(req)
        self._request_legend = self._legend(page, 1, req)
        self._request_dots = self._curve(req, "request", self.tr("a request"), symbol="o",
                                         symbol_size=5, symbol_alpha=170, long=True)
        self._request_mean = self._curve(req, "request_mean", self.tr("mean per bin"),
                                         width=2.0)
        page.layout.ci.layout.setRowStretchFactor(0, 3)
        page.layout.ci.layout.setRowStretchFactor(1, 2)

    def _build_availability(self) -> None:
        page = self._pages["availability"]
        up = self._add_plot(page, 0, self.tr("Hosts up"), self.tr("hosts up (%)"))
        up.setAutoVisible(y=False)
        up.enableAutoRange(axis="y", enable=False)
        # room for the labels of 0 and 100: axes with a grid hide labels that stick out
        up.setYRange(0, 100, padding=0.12)
        self._up_plot = up
        self._up = self._curve(up, "up", fill=50)
        fail = self._add_plot(page, 1, self.tr("Crashes so far"), self.tr("crashes"))
        self._fail_plot = fail
        self._failures = self._curve(fail, "failures")
        page.layout.ci.layout.setRowStretchFactor(0, 3)
        page.layout.ci.layout.setRowStretchFactor(1, 2)

    def _build_memory(self) -> None:
        page = self._pages["memory"]
        cost = self._add_plot(page, 0, self.tr("Memory access cost"), self.tr("cost"),
                              axis_items={"left": _DurationLogAxis(orientation="left")})
        cost.setLogMode(y=True)
        self._cost_plot = cost
        self._legend(page, 0, cost)
        self._local_cost = self._curve(cost, "local", self.tr("local"))
        self._remote_cost = self._curve(cost, "remote", self.tr("remote"))
        count = self._add_plot(page, 1, self.tr("Memory accesses"), self.tr("per second"))
        self._count_plot = count
        self._baseline(count)
        self._legend(page, 1, count)
        self._local_count = self._curve(count, "local", self.tr("local"), width=1.5)
        self._remote_count = self._curve(count, "remote", self.tr("remote"), width=1.5)
        page.layout.ci.layout.setRowStretchFactor(0, 3)
        page.layout.ci.layout.setRowStretchFactor(1, 2)

    # -- theme ----------------------------------------------------------------------------
    def _colour(self, role: str) -> QColor:
        light, dark = _COLOURS[role]
        return QColor(dark if is_dark(self.palette()) else light)

    def _apply_theme(self) -> None:
        """Restyle every plot for the current palette (light or dark)."""
        if self._applying_theme:
            return
        self._applying_theme = True
        try:
            pal = self.palette()
            bg = pal.color(QPalette.ColorRole.Base)
            fg = pal.color(QPalette.ColorRole.Text)
            axis_pen = pg.mkPen(pal.color(QPalette.ColorRole.Mid), width=1)
            dark = is_dark(pal)
            accent = pal.color(QPalette.ColorRole.Highlight)
            for page in self._pages.values():
                page.layout.setBackground(bg)
                for plot in page.plots:
                    for name in ("left", "bottom"):
                        axis = plot.getAxis(name)
                        axis.setPen(axis_pen)
                        axis.setTextPen(fg)
                    plot.setTitle(self._titles.get(id(plot), ""), color=fg.name(), size="10pt",
                                  bold=True)
            for legend in self._legends:
                self._style_legend(legend)
            cursor_pen = pg.mkPen(accent, width=2)
            hover = QColor(accent).lighter(130) if dark else QColor(accent).darker(130)
            for cursor in self._cursors:
                cursor.setPen(cursor_pen)
                cursor.setHoverPen(pg.mkPen(hover, width=4))
            for item, role, opts in self._styled:
                self._style(item, role, opts)
            for i, curve in enumerate(self._host_curves):
                curve.setPen(pg.mkPen(self._host_colour(curve, i), width=2))
            for line in self._percentiles:
                line.label.setColor(fg)
                fill = QColor(bg)
                fill.setAlpha(200)
                line.label.fill = pg.mkBrush(fill)
                line.label.update()
        finally:
            self._applying_theme = False

    def _style_legend(self, legend: pg.LegendItem) -> None:
        pal = self.palette()
        legend.setBrush(None)
        legend.setPen(None)
        fg = pal.color(QPalette.ColorRole.Text)
        legend.setLabelTextColor(fg)
        for _sample, label in legend.items:  # setLabelTextColor does not redraw existing labels
            label.setText(label.text, color=fg)

    def _style(self, item: Any, role: str, opts: dict[str, Any]) -> None:
        colour = self._colour(role)
        pen = pg.mkPen(colour, width=opts.get("width", 2.0),
                       style=opts.get("style", Qt.PenStyle.SolidLine))
        if isinstance(item, pg.InfiniteLine):
            item.setPen(pen)
            return
        if opts.get("symbol"):
            brush = QColor(colour)
            brush.setAlpha(opts.get("symbol_alpha", 150))
            item.setSymbolBrush(brush)
            item.setSymbolPen(None)
            return
        item.setPen(pen)
        if opts.get("fill") is not None:
            brush = QColor(colour)
            brush.setAlpha(opts["fill"])
            item.setFillLevel(0)
            item.setBrush(brush)

    def _host_colour(self, curve: pg.PlotDataItem, fallback: int) -> QColor:
        return host_colour(getattr(curve, "_host_index", fallback))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        """Restyle the plots when the palette changes (light / dark theme)."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._apply_theme()
        super().changeEvent(event)

    # -- data -----------------------------------------------------------------------------
    def clear(self) -> None:
        """Forget the trace: every tab shows a hint to run the scenario."""
        self._header, self._events, self._end = {}, [], 0
        self._cols = S.columns([])
        self._series = {name: [] for name in PLOTS}
        for curve in self._host_curves:
            curve.setData([], [])
        for page in self._pages.values():
            page.summary.hide()
            self._show_placeholder(page, self.tr("Run the scenario to see its plots."))

    def _show_placeholder(self, page: _Page, text: str | None) -> None:
        if text is None:
            page.stack.setCurrentWidget(page.body)
        else:
            page.placeholder.setText(text)
            page.stack.setCurrentWidget(page.placeholder)
            page.summary.hide()

    def _record(self, plot: str, name: str, x: np.ndarray, y: np.ndarray, x_unit: str,
                y_unit: str) -> None:
        self._series[plot].append(Series(plot, name, np.asarray(x), np.asarray(y), x_unit,
                                         y_unit))

    def _show_title(self, plot: pg.PlotItem, text: str) -> None:
        plot.setTitle(text, color=self.palette().color(QPalette.ColorRole.Text).name(),
                      size="10pt", bold=True)

    def _set_title(self, plot: pg.PlotItem, title: str, detail: str | None = None) -> None:
        """Title ``plot`` (short, on screen); exports add ``detail``, the figures of the run."""
        self._titles[id(plot)] = title
        self._long_titles[id(plot)] = self.tr("{0}: {1}").format(title, detail) if detail \
            else title
        self._show_title(plot, title)

    def _set_summary(self, name: str, text: str | None) -> None:
        """The line of figures over the plots of tab ``name`` (hidden when None)."""
        summary = self._pages[name].summary
        summary.setText(text or "")
        summary.setVisible(bool(text))

    def summary(self, name: str) -> str:
        """The figures of the run shown over the plots of tab ``name`` (empty if none)."""
        return self._pages[name].summary.text()

    def set_trace(self, header: dict[str, Any], events: Sequence[TraceEvent]) -> None:
        """Draw the plots of a trace (header with the scenario, events in time order)."""
        self._header = header or {}
        self._events = events
        self._end = S.run_end(self._header, events)
        self._cols = S.columns(events)
        self._series = {name: [] for name in PLOTS}
        for name in PLOTS:
            self._set_summary(name, None)
        self._set_clocks()
        self._set_latency()
        self._set_throughput()
        self._set_availability()
        self._set_memory()
        end_s = max(self._end, 1) / S.NS_PER_S
        self._linking = True
        try:
            for plot in self._time_plots:
                plot.setLimits(xMin=-0.05 * end_s, xMax=1.05 * end_s)
                plot.setXRange(0.0, end_s, padding=0.01)
                for cursor in self._cursors:
                    cursor.setBounds((0.0, end_s))
        finally:
            self._linking = False
        self._fit_legends()
        self.set_time(min(self._t, self._end))

    def _fit_legends(self) -> None:
        """Keep the legend column wide enough for its labels, however long the titles."""
        for page in self._pages.values():
            widths = [legend.boundingRect().width() for legend in self._legends
                      if legend.parentItem() is page.layout.ci and legend.isVisible()]
            page.layout.ci.layout.setColumnMinimumWidth(1, max(widths, default=0.0))

    def _set_clocks(self) -> None:
        skew = S.clock_skew(self._header, self._events, n_points=600, cols=self._cols)
        hosts = S.scenario_hosts(self._header)
        order = {h: i for i, h in enumerate(hosts)}
        names = sorted(skew.offsets, key=lambda h: (order.get(h, len(order)), h))
        self._clock_legend.clear()
        while len(self._host_curves) < len(names):
            curve = pg.PlotDataItem(antialias=True)
            curve.curve.setCacheMode(_CACHE)
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            self._clock_plot.addItem(curve)
            self._host_curves.append(curve)
        for curve in self._host_curves[len(names):]:
            curve.setData([], [])
            curve.setVisible(False)
        x = skew.t / S.NS_PER_S
        show_legend = len(names) <= 24
        self._clock_legend.setColumnCount(max(1, math.ceil(len(names) / 12)))
        for i, host in enumerate(names):
            curve = self._host_curves[i]
            curve._host_index = order.get(host, i)
            curve.setVisible(True)
            curve.setPen(pg.mkPen(host_colour(curve._host_index), width=2))
            y = skew.offsets[host] / S.NS_PER_S
            curve.setData(x, y)
            curve.opts["name"] = host
            if show_legend:
                self._clock_legend.addItem(curve, host)
            self._record("clocks", host, x, y, "s", "s")
        self._clock_legend.setVisible(show_legend and bool(names))
        detail = None
        if len(names) > 1:
            spread = round(float(np.ptp(np.vstack([skew.offsets[h] for h in names]),
                                        axis=0).max()))
            detail = self.tr("largest skew between hosts {0}").format(format_duration(spread)) \
                if spread else self.tr("no skew between hosts")
        self._set_title(self._clock_plot, self.tr("Clock offset"), detail)
        self._set_summary("clocks", self.tr("Clock offset from real time: {0}.").format(detail)
                          if detail else None)
        page = self._pages["clocks"]
        self._show_placeholder(page, None if names else self.tr("This scenario has no hosts."))

    def _set_latency(self) -> None:
        hist = S.latency_histogram(self._events, cols=self._cols)
        page = self._pages["latency"]
        n = int(hist.samples.size)
        if n == 0:
            self._hist.setData([0, 1], [0])
            self._show_placeholder(page, self.tr("No message was delivered in this run."))
            return
        x = hist.edges / S.NS_PER_S
        self._hist.setData(x, hist.counts)
        self._record("latency", self.tr("messages"), (x[:-1] + x[1:]) / 2, hist.counts, "s",
                     "count")
        ordered = np.sort(hist.samples)
        for line, p in zip(self._percentiles, (50, 90, 99), strict=True):
            value = percentile(ordered, p) or 0
            line.setValue(value / S.NS_PER_S)
            line.label.setFormat(self.tr("p{0} {1}").format(p, format_duration(value)))
            # a label near the right edge goes on the left of its line
            side = 1 if value > 0.7 * float(ordered[-1]) else 0
            line.label.anchors = [(side, 0.5), (side, 0.5)]
            line.label.updatePosition()
        mean = float(ordered.mean())
        detail = self.tr("{0} messages, mean {1}").format(n, format_duration(round(mean)))
        self._set_title(self._latency_plot, self.tr("Message latency"), detail)
        self._set_summary("latency", self.tr("{0} messages delivered, mean latency {1}.").format(
            n, format_duration(round(mean))))
        self._latency_plot.setXRange(-0.01 * x[-1], x[-1] * 1.04, padding=0.0)
        self._latency_plot.enableAutoRange(axis="y")
        self._show_placeholder(page, None)

    def _workload_profile(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The configured request rate of the workload clients over the run, if any."""
        scenario = self._header.get("scenario") or {}
        share = 0.0
        for h in scenario.get("hosts") or []:
            behaviour = (h.get("behaviour") or {}) if isinstance(h, dict) else {}
            if behaviour.get("name") == "workload_client":
                share += float((behaviour.get("params") or {}).get("share", 1.0))
        if share <= 0:
            return None
        try:
            from ...engine.workload import rate_function
            from ...scenario.model import WorkloadSpec

            rate = rate_function(WorkloadSpec.model_validate(scenario.get("workload") or {}))
        except (ValueError, TypeError):
            return None
        ts = np.linspace(0, max(self._end, 1), 800)
        return ts / S.NS_PER_S, np.array([rate(int(t)) * share for t in ts])

    def _set_throughput(self) -> None:
        events = self._events
        end = max(self._end, 1)
        sends = int(self._cols.where("send").size)
        bin_ns = _bins(end, sends, 15.0, 20, 200)
        tp = S.throughput(events, bin_ns, end, cols=self._cols)
        x = _edges(tp.t, end, bin_ns)
        self._delivered.setData(*_steps(x, tp.delivered))
        self._sent.setData(*_steps(x, tp.sent))
        centres = (x[:-1] + x[1:]) / 2
        self._record("throughput", self.tr("delivered msg/s"), centres, tp.delivered, "s", "1/s")
        self._record("throughput", self.tr("sent msg/s"), centres, tp.sent, "s", "1/s")
        load = S.offered_load(self._header, events, bin_ns, cols=self._cols)
        has_load = bool(load.rate.any())
        self._set_visible(self._rate_legend, self._offered, has_load, self.tr("requests/s"))
        if has_load:
            self._offered.setData(*_steps(x, load.rate))
            self._record("throughput", self.tr("requests issued/s"), centres, load.rate, "s",
                         "1/s")
        else:
            self._offered.setData([], [])
        profile = self._workload_profile()
        self._set_visible(self._rate_legend, self._profile, profile is not None,
                          self.tr("workload req/s"))
        if profile is not None:
            self._profile.setData(*profile)
            self._record("throughput", self.tr("workload profile (req/s)"), profile[0],
                         profile[1], "s", "1/s")
        else:
            self._profile.setData([], [])
        req = S.requests(events, bin_ns, end, cols=self._cols)
        page = self._pages["throughput"]
        layout = page.layout.ci
        has_requests = bool(req.done_t.size or req.failed.any())
        in_layout = self._request_plot in layout.items
        if has_requests and not in_layout:
            layout.addItem(self._request_plot, row=1, col=0)
            layout.addItem(self._request_legend, row=1, col=1)
            layout.layout.setAlignment(self._request_legend, Qt.AlignmentFlag.AlignTop)
            layout.layout.setRowStretchFactor(1, 2)
        elif not has_requests and in_layout:
            layout.removeItem(self._request_plot)
            layout.removeItem(self._request_legend)
        if has_requests:
            self._request_dots.setData(req.done_t / S.NS_PER_S, req.done_latency / S.NS_PER_S)
            mean = req.mean_latency / S.NS_PER_S
            self._request_mean.setData(centres, mean, connect="finite")
            self._record("throughput", self.tr("request latency"), req.done_t / S.NS_PER_S,
                         req.done_latency / S.NS_PER_S, "s", "s")
            self._record("throughput", self.tr("mean request latency per bin"), centres, mean,
                         "s", "s")
            failed = int(req.failed.sum())
            detail = self.tr("{0} done, {1} failed").format(int(req.done.sum()), failed)
            self._set_title(self._request_plot, self.tr("Request latency"), detail)
            summary = self.tr("Client requests: {0}").format(detail)
            if req.done_latency.size:
                summary += self.tr(", mean latency {0}").format(
                    format_duration(round(float(np.mean(req.done_latency)))))
            self._set_summary("throughput", summary + ".")
        else:
            self._request_dots.setData([], [])
            self._request_mean.setData([], [])
            self._set_summary("throughput", None)
        self._show_placeholder(page, None)

    def _set_visible(self, legend: pg.LegendItem, curve: pg.PlotDataItem, visible: bool,
                     name: str) -> None:
        curve.setVisible(visible)
        present = legend.getLabel(curve) is not None
        if visible and not present:
            legend.addItem(curve, name)
        elif not visible and present:
            legend.removeItem(curve)

    def _set_availability(self) -> None:
        end = max(self._end, 1)
        av = S.availability(self._header, self._events, S.nice_bin(end, 400), cols=self._cols)
        bin_ns = S.nice_bin(end, 400)
        x = _edges(av.t, end, bin_ns)
        page = self._pages["availability"]
        if av.hosts == 0:
            self._show_placeholder(page, self.tr("This scenario has no hosts."))
            return
        up = av.up * 100
        self._up.setData(*_steps(x, up))
        self._failures.setData(*_steps(x, av.failures))
        centres = (x[:-1] + x[1:]) / 2
        self._record("availability", self.tr("hosts up (%)"), centres, up, "s", "%")
        self._record("availability", self.tr("crashes so far"), x[1:], av.failures, "s", "count")
        widths = np.diff(x)
        overall = float(np.sum(up * widths) / np.sum(widths)) if widths.sum() > 0 else 100.0
        detail = self.tr("{0} hosts, {1:.2f} % available overall").format(av.hosts, overall)
        self._set_title(self._up_plot, self.tr("Hosts up"), detail)
        top = int(av.failures[-1]) if av.failures.size else 0
        self._set_summary("availability", self.tr("{0}; {1} crashes.").format(
            detail[:1].upper() + detail[1:], top))
        self._fail_plot.setYRange(0, max(1, top), padding=0.2)
        step = max(1, S.nice_bin(max(1, top), 5))
        self._fail_plot.getAxis("left").setTickSpacing(step, step)
        self._show_placeholder(page, None)

    def _set_memory(self) -> None:
        events = self._events
        end = max(self._end, 1)
        accesses = int(self._cols.where("mem").size)
        page = self._pages["memory"]
        if accesses == 0:
            for curve in (self._local_cost, self._remote_cost, self._local_count,
                          self._remote_count):
                curve.setData([], [])
            self._show_placeholder(page, self.tr(
                "No memory access in this run: memory costs are measured in the "
                "distributed shared memory (dsm) and shared memory models."))
            return
        bin_ns = _bins(end, accesses, 80.0, 20, 200)
        mc = S.memory_costs(events, bin_ns, end, cols=self._cols)
        x = _edges(mc.t, end, bin_ns)
        centres = (x[:-1] + x[1:]) / 2
        local = mc.local_mean / S.NS_PER_S
        remote = mc.remote_mean / S.NS_PER_S
        self._local_cost.setData(centres, local, connect="finite")
        self._remote_cost.setData(centres, remote, connect="finite")
        widths = np.diff(x)
        local_rate = mc.local_count / widths
        remote_rate = mc.remote_count / widths
        self._local_count.setData(*_steps(x, local_rate))
        self._remote_count.setData(*_steps(x, remote_rate))
        self._set_cost_title(mc)
        self._record("memory", self.tr("local mean cost"), centres, local, "s", "s")
        self._record("memory", self.tr("remote mean cost"), centres, remote, "s", "s")
        self._record("memory", self.tr("local accesses/s"), centres, local_rate, "s", "1/s")
        self._record("memory", self.tr("remote accesses/s"), centres, remote_rate, "s", "1/s")
        self._show_placeholder(page, None)

    def _set_cost_title(self, mc: S.MemoryCosts) -> None:
        n_local, n_remote = int(mc.local_count.sum()), int(mc.remote_count.sum())
        total_local = float(np.nansum(mc.local_mean * mc.local_count))
        total_remote = float(np.nansum(mc.remote_mean * mc.remote_count))
        parts = []
        if n_local:
            parts.append(self.tr("local {0}").format(format_duration(round(total_local / n_local))))
        if n_remote:
            parts.append(self.tr("remote {0}").format(
                format_duration(round(total_remote / n_remote))))
        cost = ", ".join(parts)
        if n_local and n_remote and total_local > 0:
            ratio = (total_remote / n_remote) / (total_local / n_local)
            cost += self.tr(" (remote {0:,.0f}× slower)").format(ratio)
        counts = self.tr("{0} local, {1} remote").format(n_local, n_remote)
        self._set_title(self._cost_plot, self.tr("Memory access cost"), cost)
        self._set_title(self._count_plot, self.tr("Memory accesses"), counts)
        self._set_summary("memory", self.tr("Mean cost of an access: {0}. Accesses: {1}.").format(
            cost, counts))

    # -- time cursor ------------------------------------------------------------------------
    def set_time(self, t_ns: int) -> None:
        """Move the time cursor of every plot over time to real time ``t_ns``."""
        self._t = int(t_ns)
        x = self._t / S.NS_PER_S
        for cursor in self._cursors:
            if cursor.value() != x:
                cursor.setValue(x)

    def time(self) -> int:
        """The real time (ns) the cursors show."""
        return self._t

    def cursor_positions(self) -> list[float]:
        """Where the time cursors are, in seconds (one per plot over time)."""
        return [float(c.value()) for c in self._cursors]

    def _on_cursor_dragged(self, line: pg.InfiniteLine) -> None:
        t = int(round(float(line.value()) * S.NS_PER_S))
        t = max(0, min(t, self._end))
        self.set_time(t)
        self.seek_requested.emit(t)

    def _on_x_range_changed(self, viewbox: Any, x_range: Sequence[float]) -> None:
        if self._linking:
            return
        self._linking = True
        try:
            source = viewbox
            for plot in self._time_plots:
                if plot.getViewBox() is not source and plot is not source:
                    plot.setXRange(float(x_range[0]), float(x_range[1]), padding=0)
        finally:
            self._linking = False

    @property
    def header(self) -> dict[str, Any]:
        """The header of the trace shown (empty when none)."""
        return self._header

    # -- tabs -----------------------------------------------------------------------------
    def current_plot(self) -> str:
        """The name (one of :data:`PLOTS`) of the tab shown."""
        return PLOTS[max(0, self.tabs.currentIndex())]

    def show_plot(self, name: str) -> None:
        """Show the tab called ``name`` (one of :data:`PLOTS`)."""
        self.tabs.setCurrentIndex(PLOTS.index(name))

    def suggested_plot(self) -> str:
        """The plot that says most about the current trace (for the first view of a run)."""
        cols = self._cols
        if cols.where("mem").size:
            return "memory"
        if cols.where("crash").size:
            return "availability"
        if cols.where("clock_adjust").size or any(
                (s.y.max() - s.y.min()) > 0 for s in self._series["clocks"] if s.y.size):
            return "clocks"
        return "throughput"

    def series(self, name: str | None = None) -> list[Series]:
        """The series drawn on the plot ``name`` (every plot when None), for export."""
        if name is None:
            return [s for plot in PLOTS for s in self._series[plot]]
        return list(self._series[name])

    def page_widget(self, name: str) -> QWidget:
        """The widget of the tab ``name`` (for screenshots)."""
        return self._pages[name].stack

    # -- export -----------------------------------------------------------------------------
    def _export_item(self, name: str | None) -> pg.GraphicsLayout:
        glw = self._pages[name or self.current_plot()].layout
        if not glw.isVisible():
            # a hidden tab has never been laid out: give its plots the size of a shown one
            size = self.tabs.currentWidget().size() if self.tabs.isVisible() else None
            w = max(size.width() if size else 0, 900)
            h = max(size.height() if size else 0, 560)
            glw.ci.resize(w, h)
        return glw.ci

    @contextmanager
    def _exporting(self, name: str | None):
        """Prepare a tab for export: titles with the figures of the run (where they fit) and
        items painted directly (a cache would put bitmaps in an SVG)."""
        page = self._pages[name or self.current_plot()]
        items = [i for i in page.layout.scene().items()
                 if i.cacheMode() != QGraphicsItem.CacheMode.NoCache]
        for item in items:
            item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        room = page.layout.ci.size().width() - _LEFT_AXIS_WIDTH - 40
        room -= page.layout.ci.layout.columnMinimumWidth(1)
        for plot in page.plots:
            self._show_title(plot, self._long_titles.get(id(plot), ""))
            if plot.titleLabel.minimumWidth() > room:
                self._show_title(plot, self._titles.get(id(plot), ""))
        self._settle(page)
        try:
            yield
        finally:
            for item in items:
                item.setCacheMode(_CACHE)
            for plot in page.plots:
                self._show_title(plot, self._titles.get(id(plot), ""))
            self._settle(page)

    @staticmethod
    def _settle(page: _Page) -> None:
        """Lay the plots of ``page`` out now (titles changed) rather than on the next event."""
        page.layout.ci.layout.activate()
        for plot in page.plots:
            plot.layout.activate()

    def export_png(self, path: str | os.PathLike, width: int | None = None,
                   plot: str | None = None) -> None:
        """Save the current plot (or ``plot``) as a PNG image, ``width`` pixels wide if given."""
        exporter = ImageExporter(self._export_item(plot))
        if width:
            exporter.parameters()["width"] = int(width)
        with self._exporting(plot):
            exporter.export(os.fspath(path))

    def export_svg(self, path: str | os.PathLike, plot: str | None = None) -> None:
        """Save the current plot (or ``plot``) as an SVG drawing (vector lines and text).

        The scene is painted on a :class:`~PySide6.QtSvg.QSvgGenerator`: the
        pyqtgraph SVG exporter cannot read the paths recent Qt versions write.
        """
        item = self._export_item(plot)
        source = item.sceneBoundingRect()
        w, h = max(1, round(source.width())), max(1, round(source.height()))
        generator = QSvgGenerator()
        generator.setFileName(os.fspath(path))
        generator.setSize(QSize(w, h))
        generator.setViewBox(QRectF(0, 0, w, h))
        # the generator's default 72 dpi would shrink text and pixel-aligned axes against the data
        generator.setResolution(max(72, self.logicalDpiX()))
        generator.setTitle(self.tabs.tabText(PLOTS.index(plot or self.current_plot())))
        generator.setDescription(self.tr("DS Sandbox plot"))
        painter = QPainter(generator)
        try:
            with self._exporting(plot):
                target = QRectF(0, 0, w, h)
                painter.fillRect(target, self._pages[plot or self.current_plot()].layout
                                 .backgroundBrush())
                item.scene().prepareForPaint()
                item.scene().render(painter, target, source)
        finally:
            painter.end()

    def export_csv(self, path: str | os.PathLike, which: str = "current") -> None:
        """Save series as CSV: the current plot's (``which="current"``), every plot's (``"all"``)
        or one plot's (``which`` a name of :data:`PLOTS`).

        One row per point: ``plot, series, x, x_unit, y, y_unit`` (times in
        seconds, durations in seconds, rates per second). Empty values are NaN.
        """
        if which == "all":
            rows = self.series()
        elif which == "current":
            rows = self.series(self.current_plot())
        elif which in PLOTS:
            rows = self.series(which)
        else:
            raise ValueError(f"which must be 'current', 'all' or a plot name, not {which!r}")
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["plot", "series", "x", "x_unit", "y", "y_unit"])
            for s in rows:
                for xv, yv in zip(s.x.tolist(), s.y.tolist(), strict=False):
                    writer.writerow([s.plot, s.name, repr(float(xv)), s.x_unit,
                                     repr(float(yv)), s.y_unit])

