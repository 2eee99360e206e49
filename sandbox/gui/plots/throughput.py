"""The throughput page: messages per second against the offered load, and request latency."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from ...scenario.units import format_duration
from ...trace import series as S
from .base import PlotPage, PlotRun, bin_edges, bin_width, step_curve

__all__ = ["ThroughputPage", "workload_profile"]


def workload_profile(header: dict, end: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The configured request rate of the workload clients over the run (s, req/s), if any."""
    scenario = header.get("scenario") or {}
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
    ts = np.linspace(0, max(end, 1), 800)
    return ts / S.NS_PER_S, np.array([rate(int(t)) * share for t in ts])


class ThroughputPage(PlotPage):
    """Messages delivered and sent per second, requests issued and the workload's profile;
    below, the latency of client requests (only when the run has requests)."""

    name = "throughput"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        plot = self.add_plot(0, self.tr("Throughput"), self.tr("per second"))
        #: The plot of rates (messages and requests per second).
        self.rate_plot = plot
        self.add_baseline(plot)
        self._rate_legend = self.add_legend(0, plot)
        self._delivered = self.add_curve(plot, "delivered", self.tr("delivered msg/s"))
        self._delivered.setZValue(3)
        self._sent = self.add_curve(plot, "sent", self.tr("sent msg/s"), width=1.5)
        self._offered = self.add_curve(plot, "offered", self.tr("requests/s"))
        self._profile = self.add_curve(plot, "profile", self.tr("workload req/s"),
                                       style=Qt.PenStyle.DashLine, long=True)
        req = self.add_plot(1, self.tr("Request latency"), self.tr("latency"), "s")
        #: The plot of request latencies (taken out of the page when a run has no requests).
        self.request_plot = req
        self.add_baseline(req)
        self._request_legend = self.add_legend(1, req)
        self._request_dots = self.add_curve(req, "request", self.tr("a request"), symbol="o",
                                            symbol_size=5, symbol_alpha=170, long=True)
        self._request_mean = self.add_curve(req, "request_mean", self.tr("mean per bin"),
                                            width=2.0)
        self.plot_area.ci.layout.setRowStretchFactor(0, 3)
        self.plot_area.ci.layout.setRowStretchFactor(1, 2)

    def short_title(self) -> str:
        """The tab's text."""
        return self.tr("Throughput")

    def title(self) -> str:
        """The tab's tooltip."""
        return self.tr("Messages per second, offered load and request latency")

    def set_timeline(self, run: PlotRun) -> None:
        """Draw the rates of ``run`` in bins, and its requests' latencies if it has any."""
        super().set_timeline(run)
        events = run.events
        end = max(run.end, 1)
        sends = int(run.cols.where("send").size)
        bin_ns = bin_width(end, sends, 15.0, 20, 200)
        tp = S.throughput(events, bin_ns, end, cols=run.cols)
        x = bin_edges(tp.t, end, bin_ns)
        self._delivered.setData(*step_curve(x, tp.delivered))
        self._sent.setData(*step_curve(x, tp.sent))
        centres = (x[:-1] + x[1:]) / 2
        self.record(self.tr("delivered msg/s"), centres, tp.delivered, "s", "1/s")
        self.record(self.tr("sent msg/s"), centres, tp.sent, "s", "1/s")
        load = S.offered_load(run.header, events, bin_ns, cols=run.cols)
        has_load = bool(load.rate.any())
        self.set_legend_entry(self._rate_legend, self._offered, has_load, self.tr("requests/s"))
        if has_load:
            self._offered.setData(*step_curve(x, load.rate))
            self.record(self.tr("requests issued/s"), centres, load.rate, "s", "1/s")
        else:
            self._offered.setData([], [])
        profile = workload_profile(run.header, run.end)
        self.set_legend_entry(self._rate_legend, self._profile, profile is not None,
                              self.tr("workload req/s"))
        if profile is not None:
            self._profile.setData(*profile)
            self.record(self.tr("workload profile (req/s)"), profile[0], profile[1], "s", "1/s")
        else:
            self._profile.setData([], [])
        self._set_requests(S.requests(events, bin_ns, end, cols=run.cols), centres)
        self.show_placeholder(None)

    def _set_requests(self, req: S.Requests, centres: np.ndarray) -> None:
        layout = self.plot_area.ci
        has_requests = bool(req.done_t.size or req.failed.any())
        in_layout = self.request_plot in layout.items
        if has_requests and not in_layout:
            layout.addItem(self.request_plot, row=1, col=0)
            layout.addItem(self._request_legend, row=1, col=1)
            layout.layout.setAlignment(self._request_legend, Qt.AlignmentFlag.AlignTop)
            layout.layout.setRowStretchFactor(1, 2)
        elif not has_requests and in_layout:
            layout.removeItem(self.request_plot)
            layout.removeItem(self._request_legend)
        if not has_requests:
            self._request_dots.setData([], [])
            self._request_mean.setData([], [])
            self.set_summary(None)
            return
        self._request_dots.setData(req.done_t / S.NS_PER_S, req.done_latency / S.NS_PER_S)
        mean = req.mean_latency / S.NS_PER_S
        self._request_mean.setData(centres, mean, connect="finite")
        self.record(self.tr("request latency"), req.done_t / S.NS_PER_S,
                    req.done_latency / S.NS_PER_S, "s", "s")
        self.record(self.tr("mean request latency per bin"), centres, mean, "s", "s")
        failed = int(req.failed.sum())
        detail = self.tr("{0} done, {1} failed").format(int(req.done.sum()), failed)
        self.set_title(self.request_plot, self.tr("Request latency"), detail)
        summary = self.tr("Client requests: {0}").format(detail)
        if req.done_latency.size:
            summary += self.tr(", mean latency {0}").format(
                format_duration(round(float(np.mean(req.done_latency)))))
        self.set_summary(summary + ".")
