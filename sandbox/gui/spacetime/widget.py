"""The space-time diagram's dock widget: toolbar, canvas, scroll bars, selection and readout.

Time runs to the right, hosts are lines from top to bottom; the axis is
real time or any host's local clock. Only what is visible is drawn: the
events of the visible time window are found by bisection on the
timeline's sorted times and the messages by its interval index; when too
many events are in view they are drawn as a density strip per host until
the user zooms in. Clicking an event selects it, highlights its causal
past and future and shows its Lamport and vector clocks.

:class:`SpaceTimeView` wires a :class:`~.layout.DiagramLayout` (where
things go, without Qt) and a :class:`~.painter.DiagramPainter` (drawing,
and its cache) to the mouse, the toolbar and the scroll bars. Moving the
cursor repaints only two narrow strips from the painter's cached drawing;
with follow on, the window jumps ahead when the cursor leaves it: only
then is the diagram drawn again.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QScrollBar,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sandbox.trace.timeline import Timeline

from .canvas import DiagramCanvas
from .frame import DETAIL_LIMIT, Frame, Selection
from .layout import RULER_H, DiagramLayout
from .legend import DiagramLegend
from .painter import DiagramPainter
from .readout import selection_html
from .style import DiagramColours

__all__ = ["DETAIL_LIMIT", "SpaceTimeView"]


class SpaceTimeView(QWidget):
    """The space-time diagram of a trace, with its toolbar, scroll bars and readout.

    ``set_timeline(tl)`` shows a trace; ``set_time(t)`` moves the time
    cursor (the player's); ``set_axis(None | host)`` picks real time or a
    host's local clock for the axis; ``select_event(seq)`` selects an event
    from outside (the event log) and ``event_selected(seq)`` is emitted when
    the user clicks one. Wheel (or Ctrl+wheel) zooms around the mouse,
    Shift+wheel and dragging pan, Alt+wheel scrolls the hosts.
    ``export_image(path)`` writes the diagram as PNG or SVG. Where things
    are drawn is :attr:`diagram_layout` (see :meth:`frame`); the drawing
    and its cache are :attr:`painter`.
    """

    event_selected = Signal(int)
    #: What one pixel of the plot spans now (ns of the axis), after a zoom, pan or new run.
    resolution_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._diagram = DiagramLayout()
        self._selection: Selection | None = None
        self._syncing = False

        self.axis_combo = QComboBox(self)
        self.axis_combo.setObjectName("axisCombo")
        self.axis_combo.setToolTip(self.tr("Place events by real time or by a host's local clock"))
        self.axis_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.axis_combo.currentIndexChanged.connect(self._on_axis_combo)
        self.zoom_in_button = self._tool("+", self.tr("Zoom in (wheel)"), lambda: self.zoom(2.0))
        self.zoom_out_button = self._tool("−", self.tr("Zoom out (wheel)"), lambda: self.zoom(0.5))
        self.fit_button = self._tool(self.tr("Fit"), self.tr("Show the whole run"),
                                     self.zoom_to_fit)
        self.follow_check = QCheckBox(self.tr("Follow cursor"), self)
        self.follow_check.setToolTip(self.tr("Scroll to keep the time cursor in view"))
        self.follow_check.setChecked(True)
        self.follow_check.toggled.connect(self._on_follow)
        self.export_button = self._tool(self.tr("Export…"),
                                        self.tr("Save the diagram as a PNG or SVG image"),
                                        self._export_dialog)
        #: every line, dot and mark the diagram draws, drawn the same way
        self.legend_label = DiagramLegend(self)
        self.legend_label.setObjectName("legendLabel")
        self.info_label = QLabel(self)
        self.info_label.setObjectName("infoLabel")
        self.info_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info_label.setWordWrap(True)
        self.info_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.canvas = DiagramCanvas(self)
        self.canvas.clicked.connect(self._on_clicked)
        self.canvas.resized.connect(self._on_canvas_resized)
        #: draws the diagram and keeps the drawing that does not move with the cursor
        self.painter = DiagramPainter(self._diagram, self, self.canvas)
        self.hbar = QScrollBar(Qt.Orientation.Horizontal, self)
        self.vbar = QScrollBar(Qt.Orientation.Vertical, self)
        self.vbar.hide()
        self.hbar.valueChanged.connect(self._on_hbar)
        self.vbar.valueChanged.connect(self._on_vbar)

        toolbar = QHBoxLayout()
        toolbar.setContentsMargins(0, 0, 0, 0)
        toolbar.setSpacing(4)
        toolbar.addWidget(QLabel(self.tr("Axis:"), self))
        toolbar.addWidget(self.axis_combo)
        toolbar.addSpacing(8)
        toolbar.addWidget(self.zoom_in_button)
        toolbar.addWidget(self.zoom_out_button)
        toolbar.addWidget(self.fit_button)
        toolbar.addSpacing(8)
        toolbar.addWidget(self.follow_check)
        toolbar.addStretch(1)
        toolbar.addWidget(self.export_button)
        grid = QHBoxLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(0)
        grid.addWidget(self.canvas, 1)
        grid.addWidget(self.vbar)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(3)
        layout.addLayout(toolbar)
        layout.addLayout(grid, 1)
        layout.addWidget(self.hbar)
        layout.addWidget(self.info_label)
        layout.addWidget(self.legend_label)
        self._fill_axis_combo()
        self._update_legend()
        self._update_info()

    def _tool(self, text: str, tip: str, slot: Any) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.clicked.connect(slot)
        return button

    # -- public API --------------------------------------------------------------------
    @property
    def timeline(self) -> Timeline | None:
        """The timeline shown."""
        return self._diagram.timeline

    @property
    def header(self) -> dict[str, Any] | None:
        """The header of the trace shown (export dialogs name files after its scenario)."""
        tl = self._diagram.timeline
        return tl.header if tl is not None else None

    @property
    def diagram_layout(self) -> DiagramLayout:
        """Where things are drawn: the window, the axis, the cursor and follow mode."""
        return self._diagram

    @property
    def colours(self) -> DiagramColours:
        """The colours the diagram is drawn in (those of the current palette)."""
        return self.painter.colours()

    def frame(self) -> Frame | None:
        """What is in view on :attr:`canvas` now, placed in its pixels (None without a timeline)."""
        return self._compute_layout()

    def set_timeline(self, timeline: Timeline | None, keep_window: bool | None = None) -> None:
        """Show ``timeline`` (no selection): the whole run on the real-time axis, or with
        ``keep_window`` the axis and window shown before, when they still fit the new run.

        By default (None) the window is kept for a new run of the same hosts (a recompute
        after an edit, a run again); a zoom that no longer fits the run is let go.
        """
        before = self._diagram.timeline
        if keep_window is None:
            keep_window = (before is not None and timeline is not None
                           and list(before.hosts) == list(timeline.hosts))
        window, axis = self._diagram.window, self._diagram.axis
        self._diagram.set_timeline(timeline)
        if keep_window and timeline is not None:
            if axis is not None and axis in timeline.host_index:
                self._diagram.set_axis(axis)
            if not self._diagram.keep_window(window):
                self._diagram.set_axis(None)
                self._diagram.fit()
        self._selection = None
        self.painter.selection = None
        self.painter.timeline_changed()
        self._fill_axis_combo()
        self._window_changed()
        self._update_info()

    @property
    def time(self) -> int:
        """The real time of the cursor (ns)."""
        return self._diagram.time

    def set_time(self, t: int) -> None:
        """Move the time cursor to real time ``t``; with follow on, keep it in view.

        Cheap while the window stays: only the strips under the old and new
        cursor (and the host names, when a host changed state) are repainted
        from the cached drawing.
        """
        before = self._diagram.time
        if self._diagram.move_cursor(t):
            self._window_changed()
            return
        damage = self.painter.damage(before)
        if damage is None:
            self.canvas.update()
            return
        for rect in damage:
            self.canvas.update(rect)

    @property
    def axis(self) -> str | None:
        """The host whose local clock is the axis (None: real time)."""
        return self._diagram.axis

    def set_axis(self, host: str | None) -> None:
        """Use ``host``'s local clock as the axis (None: real time), keeping the same moment in view."""
        if not self._diagram.set_axis(host):
            return
        i = self.axis_combo.findData(host)
        if i >= 0 and i != self.axis_combo.currentIndex():
            self._syncing = True
            self.axis_combo.setCurrentIndex(i)
            self._syncing = False
        self._window_changed()
        self._update_info()

    @property
    def window(self) -> tuple[float, float]:
        """The visible range of the axis (ns of real time or of the axis host's clock)."""
        return self._diagram.window

    def set_window(self, a0: float, a1: float) -> None:
        """Show the range ``[a0, a1]`` of the axis."""
        self._diagram.set_window(a0, a1)
        self._window_changed()

    def zoom(self, factor: float, anchor: float | None = None) -> None:
        """Zoom in (``factor`` > 1) or out around the axis value ``anchor`` (the centre by default)."""
        self._diagram.zoom(factor, anchor)
        self._window_changed()

    def zoom_to_fit(self) -> None:
        """Show the whole run."""
        self._diagram.fit()
        self._window_changed()

    @property
    def follow(self) -> bool:
        """Whether the view scrolls to keep the cursor visible."""
        return self._diagram.follow

    def set_follow(self, follow: bool) -> None:
        """Keep the cursor in view (or not)."""
        self.follow_check.setChecked(follow)

    @property
    def selected_event(self) -> int | None:
        """The position of the selected event (None if none)."""
        return self._selection.seq if self._selection is not None else None

    @property
    def causal_past(self) -> frozenset[int]:
        """The positions of the events in the selected event's causal past (empty: none)."""
        sel = self._selection
        return frozenset(sel.past.nonzero()[0].tolist()) if sel is not None else frozenset()

    @property
    def causal_future(self) -> frozenset[int]:
        """The positions of the events in the selected event's causal future (empty: none)."""
        sel = self._selection
        return frozenset(sel.future.nonzero()[0].tolist()) if sel is not None else frozenset()

    def select_event(self, seq: int | None, related: Sequence[int] = ()) -> None:
        """Select event ``seq`` (None or -1 clears) without emitting ``event_selected``;
        ``related`` are positions of events marked with it (what explains a broken guarantee)."""
        self._select(None if seq is None or seq < 0 else int(seq), emit=False,
                     related=tuple(int(r) for r in related))

    @property
    def related_events(self) -> tuple[int, ...]:
        """The positions of the events marked with the selected one (empty: none)."""
        sel = self._selection
        return sel.related if sel is not None else ()

    def event_position(self, seq: int) -> QPointF | None:
        """Where event ``seq`` is drawn on :attr:`canvas` (None if not in view one by one)."""
        at = self._diagram.event_position(self._compute_layout(), seq)
        return QPointF(*at) if at is not None else None

    def reveal_event(self, seq: int) -> None:
        """Scroll (and zoom in if needed) so that event ``seq`` is drawn on its own."""
        before = self._diagram.window
        vscroll = self._diagram.reveal(seq, self._compute_layout)
        if self._diagram.window != before:
            self._window_changed()
        if vscroll is not None and self.vbar.isVisible():
            self.vbar.setValue(int(vscroll))

    def export_image(self, path: str | Path, size: QSize | None = None, *,
                     with_selection: bool = False) -> bool:
        """Write the diagram as it is shown to ``path``: SVG for ``.svg``, else a raster image.

        The highlight of the selected event (and its causal past and future)
        is left out unless ``with_selection``. ``size`` defaults to the size on screen (or 1200 pixels wide when the
        view has never been shown). Returns whether the file was written.
        """
        path = Path(path)
        tl = self._diagram.timeline
        if size is None:
            size = self.canvas.size()
            if not self.canvas.isVisible() or size.width() < 200 or size.height() < 80:
                n = len(tl.hosts) if tl is not None else 4
                size = QSize(1200, RULER_H + 12 + max(4, n) * 36)
        frame = self._compute_layout(QRect(0, 0, size.width(), size.height()))
        if with_selection:
            return self.painter.export(path, size, frame)
        selection, self.painter.selection = self.painter.selection, None
        try:
            return self.painter.export(path, size, frame)
        finally:
            self.painter.selection = selection

    # -- the window and the scroll bars --------------------------------------------------
    def _invalidate(self) -> None:
        """Draw the diagram again on the next paint (not only its cursor)."""
        self.painter.invalidate()

    @property
    def _static(self) -> QImage | None:
        # the cached drawing, read by tests/benchmarks/bench_frame.py
        return self.painter.cached_image

    def _window_changed(self) -> None:
        """The window, axis or timeline changed: draw again and set the scroll bar."""
        self._invalidate()
        self._sync_hbar()
        self.canvas.update()
        a0, a1 = self._diagram.window
        self.resolution_changed.emit(int(max(0.0, a1 - a0) / max(1, self.canvas.width())))

    def _sync_hbar(self) -> None:
        bar = self._diagram.hbar()
        self._syncing = True
        try:
            self.hbar.setRange(bar.minimum, bar.maximum)
            self.hbar.setPageStep(bar.page_step)
            self.hbar.setSingleStep(bar.single_step)
            self.hbar.setValue(bar.value)
        finally:
            self._syncing = False

    def _on_hbar(self, value: int) -> None:
        if self._syncing:
            return
        self._diagram.scroll_to(value)
        self._invalidate()
        self.canvas.update()

    def _sync_vbar(self, content: float, visible: float) -> None:
        need = content > visible + 1
        self._syncing = True
        try:
            if need:
                self.vbar.setRange(0, int(content - visible))
                self.vbar.setPageStep(int(visible))
                self.vbar.setSingleStep(20)
                self.vbar.setValue(int(self._diagram.vscroll))
            if need != self.vbar.isVisible():
                self.vbar.setVisible(need)
        finally:
            self._syncing = False

    def _on_vbar(self, value: int) -> None:
        if self._syncing:
            return
        self._diagram.set_vscroll(value)
        self._invalidate()
        self.canvas.update()

    def _on_canvas_resized(self) -> None:
        self._diagram.forget_frame()
        self._invalidate()

    def _label_width(self) -> int:
        fm = self.canvas.fontMetrics()
        tl = self._diagram.timeline
        hosts = tl.hosts if tl is not None else []
        widest = max([fm.horizontalAdvance(h) for h in hosts] + [fm.horizontalAdvance("real time")])
        return min(160, widest + 26)

    def _compute_layout(self, rect: QRect | None = None) -> Frame | None:
        """The frame of the window on ``rect`` (the canvas by default); sets the vertical bar."""
        if self._diagram.timeline is None:
            return None
        rect = rect or self.canvas.rect()
        cached = self._diagram.cached_frame(rect.width(), rect.height())
        if cached is not None:
            return cached
        screen = rect == self.canvas.rect()
        frame = self._diagram.frame(rect.width(), rect.height(), self._label_width(), screen)
        if screen and frame is not None:
            self._sync_vbar(frame.content, frame.plot.height)
        return frame

    # -- toolbar and readout -------------------------------------------------------------
    def _fill_axis_combo(self) -> None:
        self._syncing = True
        tl = self._diagram.timeline
        try:
            self.axis_combo.clear()
            self.axis_combo.addItem(self.tr("Real time"), None)
            if tl is not None:
                for h in tl.hosts:
                    self.axis_combo.addItem(self.tr("{0} local clock").format(h), h)
            i = self.axis_combo.findData(self._diagram.axis)
            self.axis_combo.setCurrentIndex(max(0, i))
        finally:
            self._syncing = False

    def _on_axis_combo(self, index: int) -> None:
        if self._syncing or index < 0:
            return
        self.set_axis(self.axis_combo.itemData(index))

    def _on_follow(self, checked: bool) -> None:
        self._diagram.follow = checked
        if checked:
            self.set_time(self._diagram.time)

    def _export_dialog(self) -> None:
        # the same dialog as File > Export (its choice of keeping the highlight included)
        from ..export_dialogs import export_spacetime

        export_spacetime(self, self)

    def _update_legend(self) -> None:
        self.legend_label.update()

    def _update_info(self) -> None:
        self.info_label.setText(selection_html(self._diagram.timeline, self._selection))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._update_legend()
            self._diagram.forget_frame()
            self._invalidate()
            self.canvas.update()
        elif event.type() == QEvent.Type.FontChange:
            self._diagram.forget_frame()
            self._invalidate()
            self.canvas.update()
        super().changeEvent(event)

    # -- selection -----------------------------------------------------------------------
    def _select(self, seq: int | None, emit: bool, related: tuple[int, ...] = ()) -> None:
        tl = self._diagram.timeline
        if tl is None or seq is None or not 0 <= seq < len(tl):
            self._selection = None
        else:
            self._selection = Selection.of(tl, seq, related)
        self.painter.selection = self._selection
        self._update_info()
        self.canvas.update()
        if emit and self._selection is not None:
            self.event_selected.emit(self._selection.seq)

    def _on_clicked(self, hit: int | None) -> None:
        self._select(hit, emit=hit is not None)
