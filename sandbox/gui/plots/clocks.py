"""The clocks page: each host's clock offset from real time, and the largest skew between hosts."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QWidget

from ...scenario.units import format_duration
from ...trace import series as S
from ..theme import host_colour
from .base import PlotPage, PlotRun
from .style import CACHE

__all__ = ["ClocksPage"]


class ClocksPage(PlotPage):
    """One curve per host: its local clock minus real time; hosts keep their canvas colours."""

    name = "clocks"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: The plot of clock offsets.
        self.plot = self.add_plot(0, self.tr("Clock offset"), self.tr("local − real"), "s")
        self.add_baseline(self.plot)
        self._legend = self.add_legend(0, self.plot)
        self._host_curves: list[pg.PlotDataItem] = []
        self._host_index: list[int] = []  # each curve's host's index in the scenario

    def short_title(self) -> str:
        """The tab's text."""
        return self.tr("Clocks")

    def title(self) -> str:
        """The tab's tooltip."""
        return self.tr("Each host's clock offset from real time")

    def apply_theme(self, palette: QPalette) -> None:
        """Restyle the page; host curves keep their hosts' colours."""
        super().apply_theme(palette)
        for curve, index in zip(self._host_curves, self._host_index, strict=True):
            curve.setPen(pg.mkPen(host_colour(index), width=2))

    def clear(self) -> None:
        """Forget the run and empty the host curves."""
        for curve in self._host_curves:
            curve.setData([], [])
        super().clear()

    def set_timeline(self, run: PlotRun) -> None:
        """Draw each host's clock offset over the run."""
        super().set_timeline(run)
        skew = S.clock_skew(run.header, run.events, n_points=600, cols=run.cols)
        hosts = S.scenario_hosts(run.header)
        order = {h: i for i, h in enumerate(hosts)}
        names = sorted(skew.offsets, key=lambda h: (order.get(h, len(order)), h))
        self._legend.clear()
        while len(self._host_curves) < len(names):
            curve = pg.PlotDataItem(antialias=True)
            curve.curve.setCacheMode(CACHE)
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            self.plot.addItem(curve)
            self._host_index.append(len(self._host_curves))
            self._host_curves.append(curve)
        for curve in self._host_curves[len(names):]:
            curve.setData([], [])
            curve.setVisible(False)
        x = skew.t / S.NS_PER_S
        show_legend = len(names) <= 24
        self._legend.setColumnCount(max(1, math.ceil(len(names) / 12)))
        for i, host in enumerate(names):
            curve = self._host_curves[i]
            self._host_index[i] = order.get(host, i)
            curve.setVisible(True)
            curve.setPen(pg.mkPen(host_colour(self._host_index[i]), width=2))
            y = skew.offsets[host] / S.NS_PER_S
            curve.setData(x, y)
            curve.opts["name"] = host
            if show_legend:
                self._legend.addItem(curve, host)
            self.record(host, x, y, "s", "s")
        self._legend.setVisible(show_legend and bool(names))
        detail = None
        if len(names) > 1:
            spread = round(float(np.ptp(np.vstack([skew.offsets[h] for h in names]),
                                        axis=0).max()))
            detail = self.tr("largest skew between hosts {0}").format(format_duration(spread)) \
                if spread else self.tr("no skew between hosts")
        self.set_title(self.plot, self.tr("Clock offset"), detail)
        self.set_summary(self.tr("Clock offset from real time: {0}.").format(detail)
                         if detail else None)
        self.show_placeholder(None if names else self.tr("This scenario has no hosts."))
