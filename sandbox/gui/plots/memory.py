"""The memory page: the mean cost of local and remote memory accesses, and their rates."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from ...scenario.units import format_duration
from ...trace import series as S
from .base import PlotPage, PlotRun, bin_edges, bin_width, step_curve

__all__ = ["DurationLogAxis", "MemoryPage"]


class DurationLogAxis(pg.AxisItem):
    """A log axis of durations in seconds whose ticks read as durations (100ns, 1us, 1ms)."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph override
        """Tick labels: durations where the axis is logarithmic."""
        if not self.logMode:
            return super().tickStrings(values, scale, spacing)
        out = []
        for v in values:
            seconds = 10.0 ** float(v)
            out.append(format_duration(round(seconds * S.NS_PER_S)) if seconds >= 1e-9 else "")
        return out


class MemoryPage(PlotPage):
    """Mean cost of an access (log scale) and accesses per second, local against remote."""

    name = "memory"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        cost = self.add_plot(0, self.tr("Memory access cost"), self.tr("cost"),
                             axis_items={"left": DurationLogAxis(orientation="left")})
        cost.setLogMode(y=True)
        #: The plot of the mean cost of an access.
        self.cost_plot = cost
        self.add_legend(0, cost)
        self._local_cost = self.add_curve(cost, "local", self.tr("local"))
        self._remote_cost = self.add_curve(cost, "remote", self.tr("remote"))
        count = self.add_plot(1, self.tr("Memory accesses"), self.tr("per second"))
        #: The plot of accesses per second.
        self.count_plot = count
        self.add_baseline(count)
        self.add_legend(1, count)
        self._local_count = self.add_curve(count, "local", self.tr("local"), width=1.5)
        self._remote_count = self.add_curve(count, "remote", self.tr("remote"), width=1.5)
        self.plot_area.ci.layout.setRowStretchFactor(0, 3)
        self.plot_area.ci.layout.setRowStretchFactor(1, 2)

    def short_title(self) -> str:
        """The tab's text."""
        return self.tr("Memory")

    def title(self) -> str:
        """The tab's tooltip."""
        return self.tr("Cost of local and remote memory accesses")

    def set_timeline(self, run: PlotRun) -> None:
        """Draw the memory costs of ``run`` in bins (a hint when it made no memory access)."""
        super().set_timeline(run)
        end = max(run.end, 1)
        accesses = int(run.cols.where("mem").size)
        if accesses == 0:
            for curve in (self._local_cost, self._remote_cost, self._local_count,
                          self._remote_count):
                curve.setData([], [])
            self.show_placeholder(self.tr(
                "No memory access in this run: memory costs are measured in the "
                "distributed shared memory (dsm) and shared memory models."))
            return
        bin_ns = bin_width(end, accesses, 80.0, 20, 200)
        mc = S.memory_costs(run.events, bin_ns, end, cols=run.cols)
        x = bin_edges(mc.t, end, bin_ns)
        centres = (x[:-1] + x[1:]) / 2
        local = mc.local_mean / S.NS_PER_S
        remote = mc.remote_mean / S.NS_PER_S
        self._local_cost.setData(centres, local, connect="finite")
        self._remote_cost.setData(centres, remote, connect="finite")
        widths = np.diff(x)
        local_rate = mc.local_count / widths
        remote_rate = mc.remote_count / widths
        self._local_count.setData(*step_curve(x, local_rate))
        self._remote_count.setData(*step_curve(x, remote_rate))
        self._set_cost_title(mc)
        self.record(self.tr("local mean cost"), centres, local, "s", "s")
        self.record(self.tr("remote mean cost"), centres, remote, "s", "s")
        self.record(self.tr("local accesses/s"), centres, local_rate, "s", "1/s")
        self.record(self.tr("remote accesses/s"), centres, remote_rate, "s", "1/s")
        self.show_placeholder(None)

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
        self.set_title(self.cost_plot, self.tr("Memory access cost"), cost)
        self.set_title(self.count_plot, self.tr("Memory accesses"), counts)
        self.set_summary(self.tr("Mean cost of an access: {0}. Accesses: {1}.").format(
            cost, counts))
