"""The availability page: the share of hosts up over time, and the crashes so far."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QWidget

from ...trace import series as S
from .base import PlotPage, PlotRun, bin_edges, step_curve

__all__ = ["AvailabilityPage"]


class AvailabilityPage(PlotPage):
    """Hosts up (%) in bins over the run, and the count of crashes so far below it."""

    name = "availability"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        up = self.add_plot(0, self.tr("Hosts up"), self.tr("hosts up (%)"))
        up.setAutoVisible(y=False)
        up.enableAutoRange(axis="y", enable=False)
        # room for the labels of 0 and 100: axes with a grid hide labels that stick out
        up.setYRange(0, 100, padding=0.12)
        #: The plot of the share of hosts up.
        self.up_plot = up
        self._up = self.add_curve(up, "up", fill=50)
        fail = self.add_plot(1, self.tr("Crashes so far"), self.tr("crashes"))
        #: The plot of the count of crashes so far.
        self.fail_plot = fail
        self._failures = self.add_curve(fail, "failures")
        self.plot_area.ci.layout.setRowStretchFactor(0, 3)
        self.plot_area.ci.layout.setRowStretchFactor(1, 2)

    def short_title(self) -> str:
        """The tab's text."""
        return self.tr("Availability")

    def title(self) -> str:
        """The tab's tooltip."""
        return self.tr("Hosts up and crashes over time")

    def set_timeline(self, run: PlotRun) -> None:
        """Draw the hosts up and the crashes of ``run``."""
        super().set_timeline(run)
        end = max(run.end, 1)
        av = S.availability(run.header, run.events, S.nice_bin(end, 400), cols=run.cols)
        bin_ns = S.nice_bin(end, 400)
        x = bin_edges(av.t, end, bin_ns)
        if av.hosts == 0:
            self.show_placeholder(self.tr("This scenario has no hosts."))
            return
        up = av.up * 100
        self._up.setData(*step_curve(x, up))
        self._failures.setData(*step_curve(x, av.failures))
        centres = (x[:-1] + x[1:]) / 2
        self.record(self.tr("hosts up (%)"), centres, up, "s", "%")
        self.record(self.tr("crashes so far"), x[1:], av.failures, "s", "count")
        widths = np.diff(x)
        overall = float(np.sum(up * widths) / np.sum(widths)) if widths.sum() > 0 else 100.0
        detail = self.tr("{0} hosts, {1:.2f} % available overall").format(av.hosts, overall)
        self.set_title(self.up_plot, self.tr("Hosts up"), detail)
        top = int(av.failures[-1]) if av.failures.size else 0
        self.set_summary(self.tr("{0}; {1} crashes.").format(
            detail[:1].upper() + detail[1:], top))
        self.fail_plot.setYRange(0, max(1, top), padding=0.2)
        step = max(1, S.nice_bin(max(1, top), 5))
        self.fail_plot.getAxis("left").setTickSpacing(step, step)
        self.show_placeholder(None)
