"""The plots dock: clock skew, message latency, throughput and load, availability, memory cost.

:class:`PlotsPanel` shows the measures of a run on pyqtgraph plots, one tab
per page of the registry (:mod:`.registry`). The series come from
:mod:`sandbox.trace.series` (Qt-free); the pages only draw them. Every plot
over time has its x axis in seconds of real time, linked to the others
(zoom one, they all follow), and a vertical time cursor that follows the
player through :meth:`PlotsPanel.set_time`; dragging a cursor asks the
player to seek (``seek_requested``).

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

import os
from collections.abc import Sequence
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QSize, Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ...trace import series as S
from ...trace.events import TraceEvent
from .base import PlotPage, PlotRun, Series, write_series_csv
from .registry import page_classes

__all__ = ["PlotsPanel"]


class PlotsPanel(QWidget):
    """Tabs of plots of one trace, with a time cursor that follows the player.

    The tabs are the pages of the registry when the panel is made. Call
    :meth:`set_trace` with a run's header and events, then :meth:`set_time`
    as the player moves. ``seek_requested(t_ns)`` is emitted when the user
    drags a time cursor.
    """

    #: The user dragged a time cursor to this real time (ns).
    seek_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PlotsPanel")
        self._header: dict[str, Any] = {}
        self._end = 0
        self._cols = S.columns([])
        self._t = 0
        self._linking = False
        self._applying_theme = False

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.setObjectName("plots_tabs")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self._pages: dict[str, PlotPage] = {}
        for page_class in page_classes():
            page = page_class()
            self._pages[page.name] = page
            index = self.tabs.addTab(page, page.short_title())
            self.tabs.setTabToolTip(index, page.title())
        self._time_plots = [plot for page in self._pages.values() for plot in page.time_plots]
        self._cursors = [cursor for page in self._pages.values() for cursor in page.cursors]
        for page in self._pages.values():
            page.cursor_dragged.connect(self._on_cursor_dragged)
        for plot in self._time_plots:
            plot.sigXRangeChanged.connect(self._on_x_range_changed)
        self._apply_theme()
        self.clear()

    # -- pages ------------------------------------------------------------------------------
    def plot_names(self) -> tuple[str, ...]:
        """The names of the pages (tabs), in order."""
        return tuple(self._pages)

    def page(self, name: str) -> PlotPage:
        """The page (tab) called ``name``."""
        return self._pages[name]

    def pages(self) -> list[PlotPage]:
        """Every page, in the order of the tabs."""
        return list(self._pages.values())

    def page_widget(self, name: str) -> QWidget:
        """The widget of the tab ``name`` (for screenshots)."""
        return self._pages[name]

    def time_plots(self) -> list[pg.PlotItem]:
        """Every plot over real time, page by page (their x axes are linked)."""
        return list(self._time_plots)

    def current_plot(self) -> str:
        """The name (one of :meth:`plot_names`) of the tab shown."""
        return self.plot_names()[max(0, self.tabs.currentIndex())]

    def show_plot(self, name: str) -> None:
        """Show the tab called ``name`` (one of :meth:`plot_names`)."""
        self.tabs.setCurrentIndex(self.plot_names().index(name))

    def suggested_plot(self) -> str:
        """The plot that says most about the current trace (for the first view of a run)."""
        cols = self._cols
        if cols.where("mem").size:
            return "memory"
        for name in ("gossip", "protocol"):  # a protocol's own page, when it drew something
            page = self._pages.get(name)
            if page is not None and page.series():
                return name
        if cols.where("crash").size:
            return "availability"
        clocks = self._pages["clocks"].series() if "clocks" in self._pages else []
        if cols.where("clock_adjust").size or any(
                (s.y.max() - s.y.min()) > 0 for s in clocks if s.y.size):
            return "clocks"
        return "throughput"

    # -- theme ------------------------------------------------------------------------------
    def _apply_theme(self) -> None:
        """Restyle every page for the current palette (light or dark)."""
        if self._applying_theme:
            return
        self._applying_theme = True
        try:
            palette = self.palette()
            for page in self._pages.values():
                page.apply_theme(palette)
        finally:
            self._applying_theme = False

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        """Restyle the plots when the palette changes (light / dark theme)."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._apply_theme()
        super().changeEvent(event)

    # -- data -------------------------------------------------------------------------------
    @property
    def header(self) -> dict[str, Any]:
        """The header of the trace shown (empty when none)."""
        return self._header

    def clear(self) -> None:
        """Forget the trace: every tab shows a hint to run the scenario."""
        self._header, self._end = {}, 0
        self._cols = S.columns([])
        for page in self._pages.values():
            page.clear()

    def set_trace(self, header: dict[str, Any], events: Sequence[TraceEvent],
                  cols: S.Columns | None = None) -> None:
        """Draw the plots of a trace (header with the scenario, events in time order).

        ``cols`` are the trace's columns when the caller has them already (a
        timeline's :meth:`~sandbox.trace.timeline.Timeline.series_columns`),
        which saves passes over the events."""
        self._header = header or {}
        self._end = S.run_end(self._header, events)
        self._cols = cols if cols is not None and len(cols.t) == len(events) else \
            S.columns(events)
        run = PlotRun(self._header, events, self._end, self._cols)
        for page in self._pages.values():
            page.set_timeline(run)
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
        for page in self._pages.values():
            page.fit_legends()
        self.set_time(min(self._t, self._end))

    def summary(self, name: str) -> str:
        """The figures of the run shown over the plots of tab ``name`` (empty if none)."""
        return self._pages[name].summary()

    def series(self, name: str | None = None) -> list[Series]:
        """The series drawn on the plot ``name`` (every plot when None), for export."""
        if name is None:
            return [s for page in self._pages.values() for s in page.series()]
        return self._pages[name].series()

    # -- time cursor ------------------------------------------------------------------------
    def set_time(self, t_ns: int) -> None:
        """Move the time cursor of every plot over time to real time ``t_ns``."""
        self._t = int(t_ns)
        for page in self._pages.values():
            page.set_time(self._t)

    def time(self) -> int:
        """The real time (ns) the cursors show."""
        return self._t

    def cursor_positions(self) -> list[float]:
        """Where the time cursors are, in seconds (one per plot over time)."""
        return [float(c.value()) for c in self._cursors]

    def _on_cursor_dragged(self, t_ns: int) -> None:
        t = max(0, min(int(t_ns), self._end))
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

    # -- export -----------------------------------------------------------------------------
    def _export_page(self, name: str | None) -> tuple[PlotPage, QSize | None]:
        """The page to export and the size of the page shown (to lay out a hidden page)."""
        page = self._pages[name or self.current_plot()]
        shown = self.tabs.currentWidget().size() if self.tabs.isVisible() else None
        return page, shown

    def export_png(self, path: str | os.PathLike, width: int | None = None,
                   plot: str | None = None) -> None:
        """Save the current plot (or ``plot``) as a PNG image, ``width`` pixels wide if given."""
        page, shown = self._export_page(plot)
        page.export_png(path, width, shown)

    def export_svg(self, path: str | os.PathLike, plot: str | None = None) -> None:
        """Save the current plot (or ``plot``) as an SVG drawing (vector lines and text)."""
        page, shown = self._export_page(plot)
        page.export_svg(path, shown)

    def export_csv(self, path: str | os.PathLike, which: str = "current") -> None:
        """Save series as CSV: the current plot's (``which="current"``), every plot's (``"all"``)
        or one plot's (``which`` a name of :meth:`plot_names`).

        One row per point: ``plot, series, x, x_unit, y, y_unit`` (times in
        seconds, durations in seconds, rates per second). Empty values are NaN.
        """
        if which == "all":
            rows = self.series()
        elif which == "current":
            rows = self.series(self.current_plot())
        elif which in self._pages:
            rows = self.series(which)
        else:
            raise ValueError(f"which must be 'current', 'all' or a plot name, not {which!r}")
        write_series_csv(path, rows)
