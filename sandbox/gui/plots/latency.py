"""The latency page: a histogram of message latencies with the 50th, 90th and 99th percentiles."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

from ...scenario.units import format_duration
from ...trace import series as S
from ...trace.stats import percentile
from .base import PlotPage, PlotRun

__all__ = ["LatencyPage"]

#: The percentiles marked on the histogram.
PERCENTILES = (50, 90, 99)


class LatencyPage(PlotPage):
    """How long delivered messages took to arrive: a histogram, not a plot over time."""

    name = "latency"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        plot = self.add_plot(0, self.tr("Message latency"), self.tr("messages"), time_axis=False)
        plot.setLabel("bottom", self.tr("latency"), units="s")
        plot.setMouseEnabled(x=True, y=False)
        plot.setAutoVisible(y=True)
        #: The histogram plot.
        self.plot = plot
        self._hist = self.add_curve(plot, "hist", step=True, fill=90, width=1.5)
        self._percentiles: list[pg.InfiniteLine] = []
        for i, _p in enumerate(PERCENTILES):
            line = pg.InfiniteLine(pos=0.0, angle=90, movable=False, label="",
                                   labelOpts={"position": 0.93 - 0.09 * i,
                                              "anchors": [(0, 0.5), (0, 0.5)]})
            line.setZValue(50)
            plot.addItem(line, ignoreBounds=True)
            self.add_styled(line, "percentile", width=1.2, style=Qt.PenStyle.DashLine)
            self._percentiles.append(line)

    def short_title(self) -> str:
        """The tab's text."""
        return self.tr("Latency")

    def title(self) -> str:
        """The tab's tooltip."""
        return self.tr("How long messages take to arrive")

    def apply_theme(self, palette: QPalette) -> None:
        """Restyle the page; percentile labels are drawn over a veil of the background."""
        super().apply_theme(palette)
        fg = palette.color(QPalette.ColorRole.Text)
        bg = palette.color(QPalette.ColorRole.Base)
        for line in self._percentiles:
            line.label.setColor(fg)
            fill = QColor(bg)
            fill.setAlpha(200)
            line.label.fill = pg.mkBrush(fill)
            line.label.update()

    def set_timeline(self, run: PlotRun) -> None:
        """Draw the histogram of the latencies of the messages delivered in ``run``."""
        super().set_timeline(run)
        hist = S.latency_histogram(run.events, cols=run.cols)
        n = int(hist.samples.size)
        if n == 0:
            self._hist.setData([0, 1], [0])
            self.show_placeholder(self.tr("No message was delivered in this run."))
            return
        x = hist.edges / S.NS_PER_S
        self._hist.setData(x, hist.counts)
        self.record(self.tr("messages"), (x[:-1] + x[1:]) / 2, hist.counts, "s", "count")
        ordered = np.sort(hist.samples)
        for line, p in zip(self._percentiles, PERCENTILES, strict=True):
            value = percentile(ordered, p) or 0
            line.setValue(value / S.NS_PER_S)
            line.label.setFormat(self.tr("p{0} {1}").format(p, format_duration(value)))
            # a label near the right edge goes on the left of its line
            side = 1 if value > 0.7 * float(ordered[-1]) else 0
            line.label.anchors = [(side, 0.5), (side, 0.5)]
            line.label.updatePosition()
        mean = float(ordered.mean())
        detail = self.tr("{0} messages, mean {1}").format(n, format_duration(round(mean)))
        self.set_title(self.plot, self.tr("Message latency"), detail)
        self.set_summary(self.tr("{0} messages delivered, mean latency {1}.").format(
            n, format_duration(round(mean))))
        self.plot.setXRange(-0.01 * x[-1], x[-1] * 1.04, padding=0.0)
        self.plot.enableAutoRange(axis="y")
        self.show_placeholder(None)
