"""The gossip page: the infection curve of each rumour (hosts that know it, over time)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QWidget

from ...trace import series as S
from ...trace.events import TraceEvent
from ..theme import host_colour
from .base import PlotPage, PlotRun, step_curve
from .registry import register_page
from .style import CACHE

__all__ = ["GossipPage", "InfectionCurves", "infection_curves"]


class InfectionCurves:
    """Per rumour, the times (ns) at which the number of hosts that know it changes and that
    number from then on; ``hosts`` the hosts that run gossip (the most that can know)."""

    def __init__(self, curves: dict[str, tuple[np.ndarray, np.ndarray]], hosts: int) -> None:
        #: rumour -> (times in ns, hosts that know it from each time on), rumours in start order.
        self.curves = curves
        #: The hosts of the scenario that run the gossip behaviour.
        self.hosts = hosts


def infection_curves(header: Mapping[str, Any] | None, events: Sequence[TraceEvent],
                     cols: S.Columns | None = None) -> InfectionCurves:
    """The infection curve of every rumour of a trace (Qt-free).

    A host knows a rumour from its ``gossip_start`` or first ``gossip_infected`` of it; a
    crash of a host that does not keep its state makes it forget (it may learn again).
    """
    scenario = (header or {}).get("scenario") or {}
    specs = [h for h in scenario.get("hosts") or [] if isinstance(h, dict)]
    gossipers = sum(1 for h in specs
                    if isinstance(h.get("behaviour"), dict) and h["behaviour"].get("name") == "gossip")
    forgets = {str(h.get("id")) for h in specs
               if not (isinstance(h.get("failures"), dict)
                       and h["failures"].get("state_on_crash") == "kept")}
    cols = cols if cols is not None and len(cols.t) == len(events) else S.columns(events)
    positions = np.union1d(cols.where("app"), cols.where("crash"))
    knows: dict[str, set[str]] = {}
    points: dict[str, list[tuple[int, int]]] = {}
    for i in positions.tolist():
        ev = events[i]
        if ev.kind == "crash":
            if ev.host in forgets:
                for rid, who in knows.items():
                    if ev.host in who:
                        who.discard(ev.host)
                        points[rid].append((ev.t, len(who)))
            continue
        d = ev.data or {}
        rid = d.get("rumour")
        if d.get("name") not in ("gossip_start", "gossip_infected") or not isinstance(rid, str):
            continue
        who = knows.setdefault(rid, set())
        if ev.host not in who:
            if not who and rid not in points:
                points[rid] = [(ev.t, 0)]
            who.add(ev.host)
            points[rid].append((ev.t, len(who)))
    curves = {rid: (np.array([t for t, _ in pts], dtype=np.int64),
                    np.array([n for _, n in pts], dtype=np.float64))
              for rid, pts in points.items()}
    return InfectionCurves(curves, max(gossipers, max((len(w) for w in knows.values()), default=0)))


@register_page
class GossipPage(PlotPage):
    """One step curve per rumour: the hosts that know it over the run."""

    name = "gossip"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = self.add_plot(0, self.tr("Infection curves"), self.tr("hosts that know it"))
        self.add_baseline(self.plot)
        self._legend = self.add_legend(0, self.plot)
        self._curves: list[pg.PlotDataItem] = []
        self._all = pg.InfiniteLine(pos=0.0, angle=0, movable=False)
        self._all.setToolTip(self.tr("Hosts that run gossip"))
        self.plot.addItem(self._all)
        self.add_styled(self._all, "profile", width=1.0, style=Qt.PenStyle.DashLine)
        #: The curves of the run drawn (None before a run).
        self.data: InfectionCurves | None = None

    def short_title(self) -> str:
        """The tab's text."""
        return self.tr("Gossip")

    def title(self) -> str:
        """The tab's tooltip."""
        return self.tr("How many hosts know each rumour over time")

    def apply_theme(self, palette: QPalette) -> None:
        """Restyle the page; rumour curves keep their colours."""
        super().apply_theme(palette)
        for i, curve in enumerate(self._curves):
            curve.setPen(pg.mkPen(host_colour(i), width=2))

    def clear(self) -> None:
        """Forget the run."""
        for curve in self._curves:
            curve.setData([], [])
        self.data = None
        super().clear()

    def set_timeline(self, run: PlotRun) -> None:
        """Draw the infection curve of every rumour of ``run``."""
        super().set_timeline(run)
        data = infection_curves(run.header, run.events, run.cols)
        self.data = data
        if not data.curves:
            for curve in self._curves:
                curve.setData([], [])
            self.show_placeholder(self.tr(
                "This run spreads no rumour: give hosts the gossip behaviour, with rumours to "
                "start, to see how many hosts know each rumour over time."))
            return
        while len(self._curves) < len(data.curves):
            curve = pg.PlotDataItem(antialias=True)
            curve.curve.setCacheMode(CACHE)
            curve.setClipToView(True)
            curve.setPen(pg.mkPen(host_colour(len(self._curves)), width=2))
            self.plot.addItem(curve)
            self._curves.append(curve)
        for curve in self._curves[len(data.curves):]:
            curve.setData([], [])
            curve.setVisible(False)
        self._legend.clear()
        self._legend.setColumnCount(max(1, math.ceil(len(data.curves) / 12)))
        end_s = max(run.end, 1) / S.NS_PER_S
        finals = []
        for i, (rid, (t, n)) in enumerate(data.curves.items()):
            x, y = step_curve(np.append(t / S.NS_PER_S, end_s), n)
            curve = self._curves[i]
            curve.setData(x, y)
            curve.setVisible(True)
            if len(data.curves) <= 24:
                self._legend.addItem(curve, rid)
            self.record(rid, t / S.NS_PER_S, n, "s", "hosts")
            finals.append(int(n[-1]))
        self._all.setValue(data.hosts)
        self.plot.setYRange(0, max(1, data.hosts), padding=0.08)
        step = max(1, S.nice_bin(max(1, data.hosts), 5))  # whole hosts on the axis
        self.plot.getAxis("left").setTickSpacing(step, step)
        everyone = sum(f >= data.hosts for f in finals)
        detail = self.tr("rumours: {0}, reached every one of {1} hosts: {2}").format(
            len(finals), data.hosts, everyone)
        self.set_title(self.plot, self.tr("Infection curves"), detail)
        if everyone == len(finals):
            text = self.tr("Rumours: {0}; each reached all {1} hosts that gossip.").format(
                len(finals), data.hosts)
        else:
            short = ", ".join(f"{rid} ({f})" for rid, f in zip(data.curves, finals, strict=True)
                              if f < data.hosts)
            text = self.tr("Rumours: {0}; {1} reached all {2} hosts that gossip; the others "
                           "reached fewer: {3}.").format(len(finals), everyone, data.hosts, short)
        self.set_summary(text)
        self.show_placeholder(None)
        self.fit_legends()
