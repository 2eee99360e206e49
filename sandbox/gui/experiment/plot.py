"""The Experiment dialog's plot: a metric's mean per parameter value, its 95% band and error
bars, and the curve from theory with its formula in the legend."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import QCoreApplication, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from ...scenario.units import format_latency, format_number, format_percent
from ..plots.style import LEFT_AXIS_WIDTH, colour, style_legend
from ..theme import host_colour, is_dark

__all__ = ["ExperimentPlot", "PlotSeries", "UnitAxis", "value_text"]


def _tr(text: str) -> str:
    return QCoreApplication.translate("ExperimentPlot", text)


def value_text(value: Any, kind: str) -> str:
    """A value for an axis or a cell, through the one formatter: ``kind`` is ``time`` (ns),
    ``duration`` (ns), ``proportion`` or ``ratio`` (0..1, as a percentage), else a number."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2013"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if kind in ("time", "duration"):
        return format_latency(round(value))
    if kind in ("proportion", "ratio"):
        return format_percent(float(value))
    return format_number(value)


class UnitAxis(pg.AxisItem):
    """An axis whose ticks read in the values' unit (durations, percentages, numbers), or the
    names of categories at 0, 1, 2... when ``categories`` is set."""

    def __init__(self, orientation: str, kind: str = "", **kwargs: Any) -> None:
        super().__init__(orientation, **kwargs)
        self.kind = kind
        self.categories: list[str] | None = None
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph override
        """Tick labels in the axis's unit."""
        if self.categories is not None:
            out = []
            for v in values:
                i = round(v)
                out.append(self.categories[i] if abs(v - i) < 1e-6
                           and 0 <= i < len(self.categories) else "")
            return out
        if self.kind in ("time", "duration", "proportion", "ratio"):
            return [value_text(float(v) if self.kind in ("proportion", "ratio") else v,
                               self.kind) for v in values]
        return super().tickStrings(values, scale, spacing)

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803 - pyqtgraph override
        """Categories get one tick each."""
        if self.categories is not None:
            return [(1.0, [float(i) for i in range(len(self.categories))
                           if minVal - 0.5 <= i <= maxVal + 0.5])]
        return super().tickValues(minVal, maxVal, size)


@dataclass
class PlotSeries:
    """One series of points: the mean of a metric per x value with its 95% interval.

    ``label`` names the series in the legend (the second parameter's value, or empty);
    ``keys`` are the combinations (dicts) of the points, for clicks; ``theory`` the curve from
    theory for this series, if any, and ``formula`` its text."""

    x: list[float]
    mean: list[float]
    low: list[float]
    high: list[float]
    keys: list[dict[str, Any]]
    label: str = ""
    theory: Callable[[float], float] | None = None
    formula: str = ""
    items: dict[str, Any] = field(default_factory=dict)


class ExperimentPlot(QWidget):
    """The plot of a sweep: per series, the 95% band (a FillBetweenItem), the error bars, the
    means as clickable points, and the theory curve drawn across the x range.

    :meth:`set_series` draws; :meth:`apply_theme` restyles; :meth:`export_png` and
    :meth:`export_svg` write the plot. ``point_clicked`` carries the combination of a
    clicked point.
    """

    #: A mean point was clicked: the combination (dict of parameter values) it stands for.
    point_clicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.x_axis = UnitAxis("bottom")
        self.y_axis = UnitAxis("left")
        self.widget = pg.PlotWidget(axisItems={"bottom": self.x_axis, "left": self.y_axis})
        self.widget.setObjectName("ExperimentPlotWidget")
        self.plot_item: pg.PlotItem = self.widget.getPlotItem()
        self.plot_item.setMenuEnabled(False)
        self.plot_item.showGrid(x=True, y=True, alpha=0.15)
        self.y_axis.setWidth(LEFT_AXIS_WIDTH)
        self.legend = self.plot_item.addLegend(offset=(-10, 6), verSpacing=-4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.widget)
        self.series: list[PlotSeries] = []
        self._x_label = ""
        self._y_label = ""
        self._log_x = False
        self.apply_theme(QApplication.palette())

    # -- drawing -------------------------------------------------------------------------------

    def set_axes(self, x_label: str, x_kind: str, y_label: str, y_kind: str,
                 categories: Sequence[str] | None = None) -> None:
        """Name the axes (labels with their units) and say how their ticks read."""
        self._x_label, self._y_label = x_label, y_label
        self.x_axis.kind, self.y_axis.kind = x_kind, y_kind
        self.x_axis.categories = list(categories) if categories is not None else None
        self.plot_item.setLabel("bottom", x_label)
        self.plot_item.setLabel("left", y_label)
        self.x_axis.picture = None
        self.y_axis.picture = None
        self._label_colours()

    def clear(self) -> None:
        """Remove every series (the axes stay)."""
        for s in self.series:
            for item in s.items.values():
                self.plot_item.removeItem(item)
        self.series = []
        self.legend.clear()

    def set_series(self, series: Sequence[PlotSeries]) -> None:
        """Draw ``series`` (replacing what was drawn)."""
        self.clear()
        dark = is_dark(self.palette())
        many = len(series) > 1
        xs_all = [x for s in series for x in s.x]
        lo, hi = (min(xs_all), max(xs_all)) if xs_all else (0.0, 1.0)
        for n, s in enumerate(series):
            c = host_colour(n) if many else colour("delivered", dark)
            x = np.asarray(s.x, dtype=float)
            y = np.asarray(s.mean, dtype=float)
            low = np.asarray(s.low, dtype=float)
            high = np.asarray(s.high, dtype=float)
            band_low = pg.PlotCurveItem(x, np.where(np.isfinite(low), low, y), pen=None)
            band_high = pg.PlotCurveItem(x, np.where(np.isfinite(high), high, y), pen=None)
            fill = QColor(c)
            fill.setAlpha(60)
            band = pg.FillBetweenItem(band_low, band_high, brush=fill)
            bar_pen = pg.mkPen(c, width=1.2)
            top = np.where(np.isfinite(high), high - y, 0.0)
            bottom = np.where(np.isfinite(low), y - low, 0.0)
            bars = pg.ErrorBarItem(x=x, y=y, top=top, bottom=bottom, beam=self._beam(x),
                                   pen=bar_pen)
            name = s.label or _tr("mean, 95% interval")
            points = pg.PlotDataItem(x, y, pen=pg.mkPen(c, width=2), symbol="o", symbolSize=8,
                                     symbolBrush=c, symbolPen=pg.mkPen(c.darker(130)),
                                     name=name, antialias=True)
            points.setCurveClickable(False)
            points.sigPointsClicked.connect(
                lambda _item, pts, _ev=None, s=s: self._on_clicked(s, pts))
            points.setToolTip(_tr("Click a point to open a run of it in the main window"))
            for item in (band_low, band_high, band, bars, points):
                self.plot_item.addItem(item)
            s.items = {"band_low": band_low, "band_high": band_high, "band": band,
                       "bars": bars, "points": points}
            if s.theory is not None and xs_all:
                tx, ty = self._theory_points(s.theory, lo, hi)
                tc = colour("sent", dark) if not many else QColor(c).lighter(130 if dark else 70)
                theory = pg.PlotDataItem(tx, ty, pen=pg.mkPen(tc, width=2,
                                                             style=Qt.PenStyle.DashLine),
                                         connect="finite", antialias=True,
                                         name=_tr("theory: {formula}").format(formula=s.formula)
                                         if not s.label else
                                         _tr("theory ({label})").format(label=s.label))
                theory.setZValue(-1)
                self.plot_item.addItem(theory)
                s.items["theory"] = theory
            band.setZValue(-2)
        self.series = list(series)
        self._place_legend()
        style_legend(self.legend, self.palette())

    def _place_legend(self) -> None:
        """The legend in the top corner the curves leave free: top left over a rising
        curve, top right over a falling one."""
        rising = 0
        for s in self.series:
            ys = [v for v in s.mean if math.isfinite(v)]
            if len(ys) >= 2:
                rising += 1 if ys[-1] >= ys[0] else -1
        if rising > 0:
            self.legend.anchor((0, 0), (0, 0), offset=(10, 6))
        else:
            self.legend.anchor((1, 0), (1, 0), offset=(-10, 6))

    def _beam(self, x: np.ndarray) -> float:
        if len(x) < 2:
            return 0.1 if len(x) else 0.0
        span = float(np.nanmax(x) - np.nanmin(x))
        return span / max(10, 4 * len(x)) if span > 0 else 0.1

    @staticmethod
    def _theory_points(curve: Callable[[float], float], lo: float,
                       hi: float) -> tuple[np.ndarray, np.ndarray]:
        """The curve sampled finely across [lo, hi] (a little past both ends)."""
        pad = (hi - lo) * 0.02 if hi > lo else max(abs(lo) * 0.1, 1.0)
        xs = np.linspace(lo - pad, hi + pad, 240)
        ys = np.array([curve(float(v)) for v in xs], dtype=float)
        return xs, ys

    def _on_clicked(self, series: PlotSeries, points: Any) -> None:
        if not len(points):
            return
        i = int(points[0].index())
        if 0 <= i < len(series.keys):
            self.point_clicked.emit(dict(series.keys[i]))

    def click_point(self, series: int, index: int) -> None:
        """Act as if the point ``index`` of series ``series`` was clicked (for scripts)."""
        s = self.series[series]
        self.point_clicked.emit(dict(s.keys[index]))

    # -- theme and export ----------------------------------------------------------------------

    def apply_theme(self, palette: QPalette) -> None:
        """Backgrounds, axes and legend for ``palette``; the series are drawn again."""
        self.setPalette(palette)
        self.widget.setBackground(palette.color(QPalette.ColorRole.Base))
        pen = pg.mkPen(palette.color(QPalette.ColorRole.Mid), width=1)
        fg = palette.color(QPalette.ColorRole.Text)
        for axis in (self.x_axis, self.y_axis):
            axis.setPen(pen)
            axis.setTextPen(fg)
        self._label_colours()
        style_legend(self.legend, palette)
        if self.series:
            self.set_series(self.series)

    def _label_colours(self) -> None:
        fg = self.palette().color(QPalette.ColorRole.Text).name()
        self.plot_item.setLabel("bottom", self._x_label, color=fg)
        self.plot_item.setLabel("left", self._y_label, color=fg)

    def export_png(self, path: str, width: int = 1200) -> None:
        """Write the plot as a PNG image ``width`` pixels wide."""
        exporter = ImageExporter(self.plot_item)
        exporter.parameters()["width"] = width
        exporter.export(path)

    def export_svg(self, path: str) -> None:
        """Write the plot as an SVG drawing (vector lines and text).

        Painted on a QSvgGenerator, as the plots dock's pages do
        (:meth:`sandbox.gui.plots.base.PlotPage.export_svg`): pyqtgraph's SVGExporter
        cannot read the paths this Qt writes."""
        source = self.plot_item.sceneBoundingRect()
        w, h = max(1, round(source.width())), max(1, round(source.height()))
        generator = QSvgGenerator()
        generator.setFileName(path)
        generator.setSize(QSize(w, h))
        generator.setViewBox(QRectF(0, 0, w, h))
        generator.setResolution(max(72, self.logicalDpiX()))
        generator.setTitle(_tr("Experiment"))
        painter = QPainter(generator)
        try:
            target = QRectF(0, 0, w, h)
            painter.fillRect(target, self.widget.backgroundBrush())
            scene = self.plot_item.scene()
            scene.prepareForPaint()
            scene.render(painter, target, source)
        finally:
            painter.end()
