"""The base class of a page of the plots dock: plots, titles, the time cursor, theme and exports.

A page (:class:`PlotPage`) is one tab of the plots dock: a line of figures
over a stack of pyqtgraph plots, or a placeholder text when there is
nothing to draw. A subclass builds its plots in ``__init__`` with
:meth:`PlotPage.add_plot` and :meth:`PlotPage.add_curve`, draws a run in
:meth:`PlotPage.set_timeline` and records what it drew with
:meth:`PlotPage.record` (the series exported to CSV). The dock moves the
time cursor of every page with :meth:`PlotPage.set_time`.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import QCoreApplication, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QGraphicsItem,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...trace import series as S
from ...trace.events import TraceEvent
from ..theme import is_dark
from .style import CACHE, LEFT_AXIS_WIDTH, style_item, style_legend

__all__ = ["PlotPage", "PlotRun", "Series", "bin_edges", "bin_width", "step_curve",
           "write_series_csv"]


@dataclass
class Series:
    """One drawn series, as exported to CSV: values in the units of the axes."""

    plot: str
    name: str
    x: np.ndarray
    y: np.ndarray
    x_unit: str
    y_unit: str


@dataclass(frozen=True)
class PlotRun:
    """The run every page draws: the trace's header and events, its end and its columns."""

    #: The header of the trace (with the scenario), empty when none.
    header: dict[str, Any]
    #: The events of the trace, in time order.
    events: Sequence[TraceEvent]
    #: The end of the run in real time (ns), from :func:`sandbox.trace.series.run_end`.
    end: int
    #: The events as columns (:func:`sandbox.trace.series.columns`), shared by the pages.
    cols: S.Columns


def bin_edges(t: np.ndarray, end: int, bin_ns: int) -> np.ndarray:
    """Bin edges in seconds from bin starts in ns (the last edge is the end of the run)."""
    last = float(end) if end > t[-1] else float(t[-1] + bin_ns)
    return np.append(t, last) / S.NS_PER_S


def step_curve(edges: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The corners of a step curve: ``values[i]`` held from ``edges[i]`` to ``edges[i+1]``."""
    return np.repeat(edges, 2)[1:-1], np.repeat(np.asarray(values, dtype=np.float64), 2)


def bin_width(end: int, count: int, per_bin: float, lo: int, hi: int) -> int:
    """A round bin width giving about ``count / per_bin`` bins, between ``lo`` and ``hi`` bins."""
    n = int(min(hi, max(lo, count / per_bin)))
    return S.nice_bin(max(end, 1), n)


def write_series_csv(path: str | os.PathLike, rows: Iterable[Series]) -> None:
    """Write series as CSV, one row per point: ``plot, series, x, x_unit, y, y_unit``."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["plot", "series", "x", "x_unit", "y", "y_unit"])
        for s in rows:
            for xv, yv in zip(s.x.tolist(), s.y.tolist(), strict=False):
                writer.writerow([s.plot, s.name, repr(float(xv)), s.x_unit,
                                 repr(float(yv)), s.y_unit])


class PlotPage(QStackedWidget):
    """One tab of the plots dock: a line of figures over plots, or a placeholder text.

    Subclasses set :attr:`name`, override :meth:`short_title` and
    :meth:`title`, build their plots in ``__init__`` and draw a run in
    :meth:`set_timeline` (calling the base first). Titles are short on
    screen; :meth:`set_title` keeps a long one, with the figures of the run,
    for exported images.
    """

    #: The name of the page: its key in the registry, in exports and in ``show_plot``.
    name: str = ""
    #: The translation context of the page's strings.
    tr_context: str = "PlotsPanel"

    #: The user dragged a time cursor of this page to this real time (ns, not clamped).
    cursor_dragged = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"plot_page_{self.name}")
        self._run: PlotRun | None = None
        self._plots: list[pg.PlotItem] = []
        self._time_plots: list[pg.PlotItem] = []
        self._cursors: list[pg.InfiniteLine] = []
        self._titles: dict[int, str] = {}  # the title on screen, by id of plot
        self._long_titles: dict[int, str] = {}  # with the figures of the run, for exports
        self._styled: list[tuple[Any, str, dict[str, Any]]] = []
        self._legends: list[pg.LegendItem] = []
        self._series: list[Series] = []
        self._palette: QPalette | None = None
        glw = pg.GraphicsLayoutWidget()
        glw.setObjectName(f"plot_layout_{self.name}")
        glw.ci.setContentsMargins(6, 2, 10, 6)
        glw.ci.setSpacing(6)
        glw.setMinimumSize(200, 150)
        self._area = glw
        summary = QLabel()
        summary.setObjectName(f"plot_summary_{self.name}")
        summary.setWordWrap(True)
        summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        summary.setContentsMargins(8, 4, 8, 0)
        summary.setAutoFillBackground(True)
        summary.setBackgroundRole(QPalette.ColorRole.Base)
        summary.setForegroundRole(QPalette.ColorRole.Text)
        summary.hide()
        self._summary = summary
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(summary)
        column.addWidget(glw, 1)
        self._body = body
        label = QLabel()
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        label.setMargin(24)
        label.setAutoFillBackground(True)
        label.setBackgroundRole(QPalette.ColorRole.Base)
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._placeholder = label
        self.addWidget(body)
        self.addWidget(label)

    def tr(self, text: str, disambiguation: str | None = None, n: int = -1) -> str:
        """Translate ``text`` in the context :attr:`tr_context` (the same for every page)."""
        return QCoreApplication.translate(self.tr_context, text, disambiguation, n)

    # -- what the page is -------------------------------------------------------------------
    def short_title(self) -> str:
        """The text of the page's tab."""
        return self.name

    def title(self) -> str:
        """What the page shows, in a sentence (the tooltip of its tab)."""
        return ""

    @property
    def plot_area(self) -> pg.GraphicsLayoutWidget:
        """The pyqtgraph layout that holds the page's plots and legends."""
        return self._area

    @property
    def plots(self) -> tuple[pg.PlotItem, ...]:
        """Every plot of the page, in the order they were added."""
        return tuple(self._plots)

    @property
    def shown_plots(self) -> tuple[pg.PlotItem, ...]:
        """The plots laid out on the page now (a plot taken out of the layout is not)."""
        items = self._area.ci.items
        return tuple(p for p in self._plots if p in items)

    @property
    def time_plots(self) -> tuple[pg.PlotItem, ...]:
        """The plots over real time (their x axes are linked across pages)."""
        return tuple(self._time_plots)

    @property
    def cursors(self) -> tuple[pg.InfiniteLine, ...]:
        """The time cursors, one per plot over time."""
        return tuple(self._cursors)

    @property
    def run(self) -> PlotRun | None:
        """The run drawn, or None after :meth:`clear`."""
        return self._run

    @property
    def placeholder_text(self) -> str | None:
        """The text shown instead of the plots, or None when the plots are shown."""
        return self._placeholder.text() if self.currentWidget() is self._placeholder else None

    @property
    def summary_shown(self) -> bool:
        """Whether the line of figures over the plots is shown."""
        return not self._summary.isHidden()

    def summary(self) -> str:
        """The figures of the run shown over the plots (empty if none)."""
        return self._summary.text()

    def series(self) -> list[Series]:
        """The series drawn, for export."""
        return list(self._series)

    # -- building ---------------------------------------------------------------------------
    def add_plot(self, row: int, title: str, left: str, left_units: str | None = None,
                 time_axis: bool = True, axis_items: dict[str, pg.AxisItem] | None = None,
                 ) -> pg.PlotItem:
        """A plot in row ``row``; a plot over time gets a real time axis and a time cursor."""
        plot = self._area.addPlot(row=row, col=0, axisItems=axis_items)
        self._plots.append(plot)
        plot.setMenuEnabled(False)
        plot.showGrid(x=True, y=True, alpha=0.15)
        for name in ("left", "bottom"):
            # axes draw the grid across the plot: cached, a moving cursor does not redraw them
            plot.getAxis(name).setCacheMode(CACHE)
        plot.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
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
        return plot

    def add_baseline(self, plot: pg.PlotItem) -> None:
        """A faint line at y = 0 that also keeps 0 in the automatic y range."""
        line = pg.InfiniteLine(pos=0.0, angle=0, movable=False)
        plot.addItem(line)
        self.add_styled(line, "zero", width=1.0, style=Qt.PenStyle.DashLine)

    def add_legend(self, row: int, plot: pg.PlotItem) -> pg.LegendItem:
        """A legend beside ``plot`` (to its right, so it never hides a curve)."""
        legend = pg.LegendItem(colCount=1, verSpacing=-6, horSpacing=12)
        legend.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        plot.legend = legend  # named curves added to the plot join it
        self._area.ci.addItem(legend, row=row, col=1)
        self._area.ci.layout.setAlignment(legend, Qt.AlignmentFlag.AlignTop)
        self._legends.append(legend)
        return legend

    def add_curve(self, plot: pg.PlotItem, role: str, name: str | None = None, *,
                  width: float = 2.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine,
                  fill: int | None = None, step: bool = False, long: bool = False,
                  symbol: str | None = None, symbol_size: int = 5,
                  symbol_alpha: int = 150) -> pg.PlotDataItem:
        """A curve styled by colour ``role`` (restyled when the theme changes)."""
        kwargs: dict[str, Any] = {"name": name, "antialias": True}
        if step:
            kwargs["stepMode"] = "center"
        if symbol is not None:
            kwargs.update(symbol=symbol, symbolSize=symbol_size, pen=None)
        curve = pg.PlotDataItem(**kwargs)
        curve.curve.setCacheMode(CACHE)
        if long:
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
        plot.addItem(curve)
        self.add_styled(curve, role, width=width, style=style, fill=fill, symbol=symbol,
                        symbol_alpha=symbol_alpha)
        return curve

    def add_styled(self, item: Any, role: str, **opts: Any) -> None:
        """Style ``item`` (a curve or line) by colour ``role`` now and when the theme changes."""
        self._styled.append((item, role, opts))

    @staticmethod
    def set_legend_entry(legend: pg.LegendItem, curve: pg.PlotDataItem, visible: bool,
                         name: str) -> None:
        """Show or hide ``curve``, with its entry ``name`` in ``legend``."""
        curve.setVisible(visible)
        present = legend.getLabel(curve) is not None
        if visible and not present:
            legend.addItem(curve, name)
        elif not visible and present:
            legend.removeItem(curve)

    # -- theme ------------------------------------------------------------------------------
    def apply_theme(self, palette: QPalette) -> None:
        """Restyle the page for ``palette`` (light or dark): backgrounds, axes, curves."""
        self._palette = QPalette(palette)
        bg = palette.color(QPalette.ColorRole.Base)
        fg = palette.color(QPalette.ColorRole.Text)
        axis_pen = pg.mkPen(palette.color(QPalette.ColorRole.Mid), width=1)
        dark = is_dark(palette)
        accent = palette.color(QPalette.ColorRole.Highlight)
        self._area.setBackground(bg)
        for plot in self._plots:
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(axis_pen)
                axis.setTextPen(fg)
            plot.setTitle(self._titles.get(id(plot), ""), color=fg.name(), size="10pt", bold=True)
        for legend in self._legends:
            style_legend(legend, palette)
        cursor_pen = pg.mkPen(accent, width=2)
        hover = QColor(accent).lighter(130) if dark else QColor(accent).darker(130)
        for cursor in self._cursors:
            cursor.setPen(cursor_pen)
            cursor.setHoverPen(pg.mkPen(hover, width=4))
        for item, role, opts in self._styled:
            style_item(item, role, opts, dark)

    def theme_palette(self) -> QPalette:
        """The palette of the last :meth:`apply_theme` (the page's own before the first)."""
        return self._palette if self._palette is not None else self.palette()

    # -- data -------------------------------------------------------------------------------
    def set_timeline(self, run: PlotRun) -> None:
        """Draw ``run``; subclasses call this first, then draw and :meth:`record`."""
        self._run = run
        self._series = []
        self.set_summary(None)

    def clear(self) -> None:
        """Forget the run: the page shows a hint to run the scenario."""
        self._run = None
        self._series = []
        self._summary.hide()
        self.show_placeholder(self.tr("Run the scenario to see its plots."))

    def show_placeholder(self, text: str | None) -> None:
        """Show ``text`` instead of the plots, or the plots when ``text`` is None."""
        if text is None:
            self.setCurrentWidget(self._body)
        else:
            self._placeholder.setText(text)
            self.setCurrentWidget(self._placeholder)
            self._summary.hide()

    def record(self, name: str, x: np.ndarray, y: np.ndarray, x_unit: str, y_unit: str) -> None:
        """Keep a drawn series for export (values in the units of the axes)."""
        self._series.append(Series(self.name, name, np.asarray(x), np.asarray(y), x_unit,
                                   y_unit))

    def set_title(self, plot: pg.PlotItem, title: str, detail: str | None = None) -> None:
        """Title ``plot`` (short, on screen); exports add ``detail``, the figures of the run."""
        self._titles[id(plot)] = title
        self._long_titles[id(plot)] = self.tr("{0}: {1}").format(title, detail) if detail \
            else title
        self._show_title(plot, title)

    def _show_title(self, plot: pg.PlotItem, text: str) -> None:
        plot.setTitle(text, color=self.theme_palette().color(QPalette.ColorRole.Text).name(),
                      size="10pt", bold=True)

    def set_summary(self, text: str | None) -> None:
        """The line of figures over the plots (hidden when None)."""
        self._summary.setText(text or "")
        self._summary.setVisible(bool(text))

    def fit_legends(self) -> None:
        """Keep the legend column wide enough for its labels, however long the titles."""
        ci = self._area.ci
        widths = [legend.boundingRect().width() for legend in self._legends
                  if legend.parentItem() is ci and legend.isVisible()]
        ci.layout.setColumnMinimumWidth(1, max(widths, default=0.0))

    # -- time cursor ------------------------------------------------------------------------
    def set_time(self, t_ns: int) -> None:
        """Move the time cursors to real time ``t_ns``."""
        x = int(t_ns) / S.NS_PER_S
        for cursor in self._cursors:
            if cursor.value() != x:
                cursor.setValue(x)

    def _on_cursor_dragged(self, line: pg.InfiniteLine) -> None:
        self.cursor_dragged.emit(int(round(float(line.value()) * S.NS_PER_S)))

    # -- export -----------------------------------------------------------------------------
    def _export_item(self, shown: QSize | None) -> pg.GraphicsLayout:
        glw = self._area
        if not glw.isVisible():
            # a hidden page has never been laid out: give its plots the size of a shown one
            w = max(shown.width() if shown else 0, 900)
            h = max(shown.height() if shown else 0, 560)
            glw.ci.resize(w, h)
        return glw.ci

    @contextmanager
    def _exporting(self) -> Iterator[None]:
        """Prepare the page for export: titles with the figures of the run (where they fit) and
        items painted directly (a cache would put bitmaps in an SVG)."""
        items = [i for i in self._area.scene().items()
                 if i.cacheMode() != QGraphicsItem.CacheMode.NoCache]
        for item in items:
            item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        room = self._area.ci.size().width() - LEFT_AXIS_WIDTH - 40
        room -= self._area.ci.layout.columnMinimumWidth(1)
        for plot in self._plots:
            self._show_title(plot, self._long_titles.get(id(plot), ""))
            if plot.titleLabel.minimumWidth() > room:
                self._show_title(plot, self._titles.get(id(plot), ""))
        self._settle()
        try:
            yield
        finally:
            for item in items:
                item.setCacheMode(CACHE)
            for plot in self._plots:
                self._show_title(plot, self._titles.get(id(plot), ""))
            self._settle()

    def _settle(self) -> None:
        """Lay the plots out now (titles changed) rather than on the next event."""
        self._area.ci.layout.activate()
        for plot in self._plots:
            plot.layout.activate()

    def export_png(self, path: str | os.PathLike, width: int | None = None,
                   shown: QSize | None = None) -> None:
        """Save the page as a PNG image, ``width`` pixels wide if given.

        A page never shown is laid out at ``shown`` (the size of the page on
        screen), at least 900 × 560.
        """
        exporter = ImageExporter(self._export_item(shown))
        if width:
            exporter.parameters()["width"] = int(width)
        with self._exporting():
            exporter.export(os.fspath(path))

    def export_svg(self, path: str | os.PathLike, shown: QSize | None = None) -> None:
        """Save the page as an SVG drawing (vector lines and text).

        The scene is painted on a :class:`~PySide6.QtSvg.QSvgGenerator`: the
        pyqtgraph SVG exporter cannot read the paths recent Qt versions write.
        """
        item = self._export_item(shown)
        source = item.sceneBoundingRect()
        w, h = max(1, round(source.width())), max(1, round(source.height()))
        generator = QSvgGenerator()
        generator.setFileName(os.fspath(path))
        generator.setSize(QSize(w, h))
        generator.setViewBox(QRectF(0, 0, w, h))
        # the generator's default 72 dpi would shrink text and pixel-aligned axes against the data
        generator.setResolution(max(72, self.logicalDpiX()))
        generator.setTitle(self.short_title())
        generator.setDescription(self.tr("DS Sandbox plot"))
        painter = QPainter(generator)
        try:
            with self._exporting():
                target = QRectF(0, 0, w, h)
                painter.fillRect(target, self._area.backgroundBrush())
                item.scene().prepareForPaint()
                item.scene().render(painter, target, source)
        finally:
            painter.end()

    def export_csv(self, path: str | os.PathLike) -> None:
        """Save the page's series as CSV (see :func:`write_series_csv`)."""
        write_series_csv(path, self._series)
