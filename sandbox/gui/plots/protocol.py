"""The protocol page: a numeric protocol state field (term, commit index, queue length) of
every host over time, one step curve per host, the field picked above the plot."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QComboBox, QWidget

from ...trace import series as S
from ...trace.state_view import field_label
from ..theme import host_colour
from .base import PlotPage, PlotRun, step_curve
from .registry import register_page
from .style import CACHE

__all__ = ["ProtocolPage"]


@register_page
class ProtocolPage(PlotPage):
    """One curve per host of the protocol state field chosen in the box above the plot."""

    name = "protocol"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = self.add_plot(0, self.tr("Protocol state"), self.tr("value"))
        self._legend = self.add_legend(0, self.plot)
        self._curves: list[pg.PlotDataItem] = []
        self._index: list[int] = []
        self._data: S.StateSeries | None = None
        self._hosts: list[str] = []
        combo = QComboBox(self)
        combo.setObjectName("protocol_field")
        combo.setToolTip(self.tr("The protocol state field to plot"))
        combo.currentIndexChanged.connect(self._draw)
        self.field_box = combo
        layout = self._body.layout()
        layout.insertWidget(0, combo)

    def short_title(self) -> str:
        """The tab's text."""
        return self.tr("Protocol")

    def title(self) -> str:
        """The tab's tooltip."""
        return self.tr("A protocol state field of each host over time (term, commit index, ...)")

    @property
    def fields(self) -> list[str]:
        """The numeric state fields the box offers (empty without a run that reports any)."""
        return list(self._data.fields) if self._data is not None else []

    def show_field(self, name: str) -> bool:
        """Plot field ``name``; False when the run has no such numeric field."""
        i = self.field_box.findData(name)
        if i < 0:
            return False
        self.field_box.setCurrentIndex(i)
        return True

    def apply_theme(self, palette: QPalette) -> None:
        """Restyle the page; host curves keep their hosts' colours."""
        super().apply_theme(palette)
        for curve, index in zip(self._curves, self._index, strict=True):
            curve.setPen(pg.mkPen(host_colour(index), width=2))

    def clear(self) -> None:
        """Forget the run."""
        for curve in self._curves:
            curve.setData([], [])
        self._data = None
        self.field_box.blockSignals(True)
        self.field_box.clear()
        self.field_box.blockSignals(False)
        super().clear()

    def set_timeline(self, run: PlotRun) -> None:
        """Read the run's numeric protocol state and plot the first field (or the one shown)."""
        super().set_timeline(run)
        self._data = S.state_series(run.events, run.cols)
        self._hosts = S.scenario_hosts(run.header)
        previous = self.field_box.currentData()
        self.field_box.blockSignals(True)
        self.field_box.clear()
        for f in self._data.fields:
            self.field_box.addItem(field_label(f), f)
        i = self.field_box.findData(previous)
        self.field_box.setCurrentIndex(max(0, i))
        self.field_box.blockSignals(False)
        self.field_box.setVisible(bool(self._data.fields))
        self._draw()

    def _draw(self, *_args: object) -> None:
        run, data = self.run, self._data
        if run is None or data is None:
            return
        field = self.field_box.currentData()
        if not data.fields or field not in data.values:
            self.show_placeholder(self.tr("The protocols of this run report no number "
                                          "(such as a term or a commit index) to plot."))
            return
        by_host = data.values[field]
        order = {h: i for i, h in enumerate(self._hosts)}
        names = sorted(by_host, key=lambda h: (order.get(h, len(order)), h))
        while len(self._curves) < len(names):
            curve = pg.PlotDataItem(antialias=True, connect="finite")
            curve.curve.setCacheMode(CACHE)
            curve.setClipToView(True)
            self.plot.addItem(curve)
            self._index.append(len(self._curves))
            self._curves.append(curve)
        for curve in self._curves[len(names):]:
            curve.setData([], [])
            curve.setVisible(False)
        self._legend.clear()
        self._legend.setColumnCount(max(1, math.ceil(len(names) / 12)))
        end_s = max(run.end, 1) / S.NS_PER_S
        self._series.clear()
        top = 0.0
        whole = True
        for i, host in enumerate(names):
            t, y = by_host[host]
            edges = np.append(t / S.NS_PER_S, end_s)
            x, yy = step_curve(edges, y)
            curve = self._curves[i]
            self._index[i] = order.get(host, i)
            curve.setPen(pg.mkPen(host_colour(self._index[i]), width=2))
            curve.setData(x, yy)
            curve.setVisible(True)
            if len(names) <= 24:
                self._legend.addItem(curve, host)
            self.record(f"{field_label(field)} {host}", t / S.NS_PER_S, y, "s", field)
            finite = y[np.isfinite(y)]
            if finite.size:
                top = max(top, float(finite.max()))
                whole = whole and bool(np.all(finite == np.round(finite)))
        label = field_label(field)
        self.plot.setLabel("left", label)
        self.set_title(self.plot, self.tr("Protocol state: {0}").format(label))
        self.set_summary(self.tr("{0} of {1} hosts over time; a gap is a crash.").format(
            label[:1].upper() + label[1:], len(names)))
        self.plot.setYRange(0, max(1.0, top), padding=0.1)
        axis = self.plot.getAxis("left")
        if whole:  # a term, an index, a count: whole ticks
            step = max(1, S.nice_bin(max(1, int(top)), 5))
            axis.setTickSpacing(step, step)
        else:
            axis.setTickSpacing()
        self.show_placeholder(None)
        self.fit_legends()
