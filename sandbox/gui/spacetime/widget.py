"""The space-time (Lamport) diagram: a line per host, messages as arrows, failures as marks.

Time runs to the right, hosts are lines from top to bottom. The axis is
real time or any host's local clock (every event is then placed at that
host's reading of the clock at the event's real time). Only what is visible
is drawn: the events of the visible time window are found by bisection on
the timeline's sorted times and the messages by its interval index; when
too many events are in view they are drawn as a density strip per host
until the user zooms in. Clicking an event selects it, highlights its
causal past and future and shows its Lamport and vector clocks.

What does not depend on the time cursor (lanes, messages, events, marks,
the selection, the ruler) is drawn once into an image, keyed on the
window, axis, size, selection, palette and device pixel ratio; the host
names (coloured by the hosts' state at the cursor) are a second, small
image redrawn only when a host changes state. Moving the cursor repaints
two narrow strips from these images and draws the cursor on top, so
playback costs little however many events are in view. With follow on,
the window jumps ahead when the cursor leaves it: only then is the diagram
drawn again.

:class:`SpaceTimeView` is the dock widget (toolbar, diagram, scroll bars,
selection readout and legend).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QLineF, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QScrollBar,
    QSizePolicy,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from sandbox.trace.timeline import (
    END_DELIVER,
    END_DROP,
    END_NONE,
    FLAG_BYZ,
    FLAG_CORRUPTED,
    FLAG_DUP,
    FLAG_LATE,
    Timeline,
)

from ..event_log import event_details, event_title, format_ns, kind_colour
from ..player import time_digits
from ..theme import host_colour, is_dark

__all__ = ["DETAIL_LIMIT", "SpaceTimeView"]

#: Above this many events in view, events are drawn as a density strip per host.
DETAIL_LIMIT = 20_000
#: Above this many state events (crashes, suspicions, ...) in view they are not drawn one by one.
_MARK_LIMIT = 5_000
#: Above this many events per pixel of width, events are drawn as a density strip too.
_PER_PIXEL = 6
_RULER_H = 26
_MIN_LANE = 18
_MAX_LANE = 120
_HIT_RADIUS = 8.0
_MIN_SPAN = 200.0  # the narrowest window, in ns of the axis

#: Where between the sender's line (0) and the receiver's (1) a dropped message ends.
_DROP_AT = {"crashed": 0.85, "omission": 0.85, "no_route": 0.0, "partition": 0.35,
            "link_cut": 0.35, "loss": 0.55, "injected": 0.55}

_NET_KINDS = ("partition", "heal", "link_cut", "link_heal")
_MARK_KINDS = ("crash", "recover", "pause", "resume", "byzantine", "suspect", "unsuspect",
               "clock_adjust")
_DOT_KINDS = ("send", "deliver", "corrupt", "duplicate", "mem", "timer", "app")


@dataclass
class _Colours:
    """The colours of the diagram for one palette (light or dark)."""

    base: QColor
    window: QColor
    text: QColor
    faint: QColor
    grid: QColor
    lane: QColor
    alt: QColor
    cursor: QColor
    select: QColor
    past: QColor
    future: QColor
    message: QColor
    mem: QColor
    corrupted: QColor
    byz: QColor
    late: QColor
    dup: QColor
    drop: QColor
    crash: QColor
    recover: QColor
    pause: QColor
    suspect: QColor
    clock: QColor

    @classmethod
    def of(cls, palette: QPalette) -> _Colours:
        """The colours for ``palette``: its own roles, and semantic colours for its lightness."""
        dark = is_dark(palette)
        text = palette.color(QPalette.ColorRole.Text)
        base = palette.color(QPalette.ColorRole.Base)
        faint = QColor(text)
        faint.setAlphaF(0.55)
        grid = QColor(text)
        grid.setAlphaF(0.08)
        lane = QColor(text)
        lane.setAlphaF(0.45)
        alt = QColor(text)
        alt.setAlphaF(0.025 if not dark else 0.04)
        message = QColor("#8b949e" if dark else "#5b6573")

        def k(kind: str) -> QColor:
            return kind_colour(kind, palette)

        return cls(
            base=base, window=palette.color(QPalette.ColorRole.Window), text=text,
            faint=faint, grid=grid, lane=lane, alt=alt,
            cursor=QColor("#ff5c8a" if dark else "#e0245e"),
            select=palette.color(QPalette.ColorRole.Highlight),
            past=QColor("#58a6ff" if dark else "#1a63d6"),
            future=QColor("#f778ba" if dark else "#c2187a"),
            message=message, mem=k("mem"), corrupted=k("corrupt"), byz=k("byzantine"),
            late=QColor("#e3b341" if dark else "#a77800"), dup=k("duplicate"), drop=k("drop"),
            crash=k("crash"), recover=k("recover"), pause=k("pause"), suspect=k("suspect"),
            clock=k("clock_adjust"),
        )


@dataclass
class _Layout:
    """What is in view, computed once per window, size and axis (the cursor is not part of it)."""

    key: tuple
    plot: QRectF
    lane_h: float
    lane_y: np.ndarray
    t0: int
    t1: int
    i0: int
    i1: int
    detail: bool
    pos: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    x: np.ndarray = field(default_factory=lambda: np.empty(0))
    y: np.ndarray = field(default_factory=lambda: np.empty(0))
    msgs: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    mx0: np.ndarray = field(default_factory=lambda: np.empty(0))
    my0: np.ndarray = field(default_factory=lambda: np.empty(0))
    mx1: np.ndarray = field(default_factory=lambda: np.empty(0))
    my1: np.ndarray = field(default_factory=lambda: np.empty(0))
    mend: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    density: QImage | None = None
    density_buf: Any = None


def _lines(x0: Any, y0: Any, x1: Any, y1: Any) -> list[QLineF]:
    return [QLineF(a, b, c, d) for a, b, c, d in zip(np.asarray(x0).tolist(), np.asarray(y0).tolist(),
                                                     np.asarray(x1).tolist(), np.asarray(y1).tolist(),
                                                     strict=True)]


def _points(x: Any, y: Any) -> list[QPointF]:
    return [QPointF(a, b) for a, b in zip(np.asarray(x).tolist(), np.asarray(y).tolist(),
                                           strict=True)]


def _pen(colour: QColor, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine,
         cap: Qt.PenCapStyle = Qt.PenCapStyle.FlatCap) -> QPen:
    """A pen; keep round caps for points: on wide long lines they are very slow to stroke."""
    pen = QPen(colour, width, style)
    pen.setCapStyle(cap)
    return pen


def _mix(a: QColor, b: QColor, weight: float) -> QColor:
    """``weight`` of ``a`` and the rest of ``b``, opaque."""
    w = min(max(weight, 0.0), 1.0)
    return QColor(round(a.red() * w + b.red() * (1 - w)), round(a.green() * w + b.green() * (1 - w)),
                  round(a.blue() * w + b.blue() * (1 - w)))


def _nice_step(raw: float) -> float:
    if raw <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * mag >= raw:
            return float(m * mag)
    return float(10 * mag)


class _Canvas(QWidget):
    """The painted diagram; the view does the work, this widget only forwards events."""

    def __init__(self, view: SpaceTimeView) -> None:
        super().__init__(view)
        self._view = view
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def sizeHint(self) -> QSize:
        return QSize(640, 240)

    def minimumSizeHint(self) -> QSize:
        return QSize(240, 90)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self._view._paint_screen(painter)
        finally:
            painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._view._on_canvas_resized()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._view._mouse_press(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._view._mouse_move(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._view._mouse_release(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        self._view._wheel(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            self._view._tooltip(event)  # type: ignore[arg-type]
            return True
        return super().event(event)


class SpaceTimeView(QWidget):
    """The space-time diagram of a trace, with its toolbar, scroll bars and readout.

    ``set_timeline(tl)`` shows a trace; ``set_time(t)`` moves the time
    cursor (the player's); ``set_axis(None | host)`` picks real time or a
    host's local clock for the axis; ``select_event(seq)`` selects an event
    from outside (the event log) and ``event_selected(seq)`` is emitted when
    the user clicks one. Wheel (or Ctrl+wheel) zooms around the mouse,
    Shift+wheel and dragging pan, Alt+wheel scrolls the hosts.
    ``export_image(path)`` writes the diagram as PNG or SVG.
    """

    event_selected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tl: Timeline | None = None
        self._time = 0
        self._axis: str | None = None
        self._a0 = 0.0
        self._a1 = 1.0
        self._full = (0.0, 1.0)
        self._vscroll = 0.0
        self._follow = True
        self._selected: int | None = None
        self._past: np.ndarray | None = None
        self._future: np.ndarray | None = None
        self._layout: _Layout | None = None
        self._press: QPointF | None = None
        self._press_state: tuple[float, float, float] = (0.0, 0.0, 0.0)
        self._dragging = False
        self._syncing = False
        # the cached drawing: what does not move with the cursor, and the host names
        self._generation = 0  # bumped whenever the cached images must be drawn again
        self._static: QImage | None = None
        self._static_key: tuple | None = None
        self._names: QImage | None = None
        self._names_key: tuple | None = None
        self._status_times = np.empty(0, dtype=np.int64)  # when any host changes state
        self._colour_cache: tuple[int, _Colours] | None = None

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
        self.legend_label = QLabel(self)
        self.legend_label.setObjectName("legendLabel")
        self.legend_label.setWordWrap(True)
        self.legend_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.info_label = QLabel(self)
        self.info_label.setObjectName("infoLabel")
        self.info_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info_label.setWordWrap(True)
        self.info_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.canvas = _Canvas(self)
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
        return self._tl

    @property
    def header(self) -> dict[str, Any] | None:
        """The header of the trace shown (export dialogs name files after its scenario)."""
        return self._tl.header if self._tl is not None else None

    def set_timeline(self, timeline: Timeline | None) -> None:
        """Show ``timeline`` (the whole run, real-time axis, no selection)."""
        self._tl = timeline
        self._axis = None
        self._selected = None
        self._past = self._future = None
        self._time = 0
        self._status_times = self._state_change_times(timeline)
        self._invalidate()
        self._fill_axis_combo()
        self._update_full()
        self.zoom_to_fit()
        self._update_info()

    @property
    def time(self) -> int:
        """The real time of the cursor (ns)."""
        return self._time

    def set_time(self, t: int) -> None:
        """Move the time cursor to real time ``t``; with follow on, keep it in view.

        Cheap while the window stays: only the strips under the old and new
        cursor (and the host names, when a host changed state) are repainted
        from the cached drawing.
        """
        before = self._time
        self._time = int(t)
        if self._follow and self._tl is not None:
            a = self._axis_value(self._time)
            span = self._a1 - self._a0
            if a < self._a0 or a > self._a1:
                start = a - 0.1 * span if a > self._a1 else a - 0.9 * span
                self._set_window(start, start + span)
                return
        self._update_cursor(before)

    @property
    def axis(self) -> str | None:
        """The host whose local clock is the axis (None: real time)."""
        return self._axis

    def set_axis(self, host: str | None) -> None:
        """Use ``host``'s local clock as the axis (None: real time), keeping the same moment in view."""
        if self._tl is not None and host is not None and host not in self._tl.host_index:
            raise KeyError(host)
        if host == self._axis:
            return
        centre_t = self._real_of_axis((self._a0 + self._a1) / 2)
        span = self._a1 - self._a0
        self._axis = host
        self._update_full()
        i = self.axis_combo.findData(host)
        if i >= 0 and i != self.axis_combo.currentIndex():
            self._syncing = True
            self.axis_combo.setCurrentIndex(i)
            self._syncing = False
        centre = self._axis_value(centre_t)
        self._set_window(centre - span / 2, centre + span / 2)
        self._update_info()

    @property
    def window(self) -> tuple[float, float]:
        """The visible range of the axis (ns of real time or of the axis host's clock)."""
        return self._a0, self._a1

    def set_window(self, a0: float, a1: float) -> None:
        """Show the range ``[a0, a1]`` of the axis."""
        self._set_window(a0, a1)

    def zoom(self, factor: float, anchor: float | None = None) -> None:
        """Zoom in (``factor`` > 1) or out around the axis value ``anchor`` (the centre by default)."""
        if anchor is None:
            anchor = (self._a0 + self._a1) / 2
        span = (self._a1 - self._a0) / factor
        full = self._full[1] - self._full[0]
        span = min(max(span, _MIN_SPAN), max(full * 1.02, _MIN_SPAN))
        frac = (anchor - self._a0) / (self._a1 - self._a0) if self._a1 > self._a0 else 0.5
        a0 = anchor - frac * span
        self._set_window(a0, a0 + span)

    def zoom_to_fit(self) -> None:
        """Show the whole run."""
        lo, hi = self._full
        pad = (hi - lo) * 0.01
        self._set_window(lo - pad, hi + pad)

    @property
    def follow(self) -> bool:
        """Whether the view scrolls to keep the cursor visible."""
        return self._follow

    def set_follow(self, follow: bool) -> None:
        """Keep the cursor in view (or not)."""
        self.follow_check.setChecked(follow)

    @property
    def selected_event(self) -> int | None:
        """The position of the selected event (None if none)."""
        return self._selected

    def select_event(self, seq: int | None) -> None:
        """Select event ``seq`` (None or -1 clears) without emitting ``event_selected``."""
        self._select(None if seq is None or seq < 0 else int(seq), emit=False)

    def event_position(self, seq: int) -> QPointF | None:
        """Where event ``seq`` is drawn on :attr:`canvas` (None if not in view one by one)."""
        lay = self._compute_layout()
        if lay is None or not lay.detail:
            return None
        j = int(np.searchsorted(lay.pos, seq))
        if j >= len(lay.pos) or lay.pos[j] != seq:
            return None
        return QPointF(float(lay.x[j]), float(lay.y[j]))

    def reveal_event(self, seq: int) -> None:
        """Scroll (and zoom in if needed) so that event ``seq`` is drawn on its own."""
        tl = self._tl
        if tl is None or not 0 <= seq < len(tl):
            return
        a = self._axis_value(int(tl.t[seq]))
        span = self._a1 - self._a0
        if not self._a0 <= a <= self._a1:
            self._set_window(a - span / 2, a + span / 2)
        for _ in range(12):
            lay = self._compute_layout()
            if lay is None or lay.detail:
                break
            span = (self._a1 - self._a0) / 4
            self._set_window(a - span / 2, a + span / 2)
        h = tl.host_code[seq]
        lay = self._compute_layout()
        if h >= 0 and lay is not None and self.vbar.isVisible():
            y = lay.lane_y[h]
            if not lay.plot.top() <= y <= lay.plot.bottom():
                self.vbar.setValue(int(self._vscroll + y - lay.plot.center().y()))

    def export_image(self, path: str | Path, size: QSize | None = None) -> bool:
        """Write the diagram as it is shown to ``path``: SVG for ``.svg``, else a raster image.

        ``size`` defaults to the size on screen (or 1200 pixels wide when the
        view has never been shown). Returns whether the file was written.
        """
        path = Path(path)
        if size is None:
            size = self.canvas.size()
            if not self.canvas.isVisible() or size.width() < 200 or size.height() < 80:
                n = len(self._tl.hosts) if self._tl is not None else 4
                size = QSize(1200, _RULER_H + 12 + max(4, n) * 36)
        rect = QRect(0, 0, size.width(), size.height())
        saved = self._layout
        self._layout = None
        try:
            if path.suffix.lower() == ".svg":
                gen = QSvgGenerator()
                gen.setFileName(str(path))
                gen.setSize(size)
                gen.setViewBox(rect)
                gen.setTitle(self.tr("Space-time diagram"))
                gen.setDescription(self.tr("Exported from DS Sandbox"))
                painter = QPainter()
                if not painter.begin(gen):
                    return False
                try:
                    self._paint(painter, rect)
                finally:
                    painter.end()
                return path.is_file()
            scale = 2
            image = QImage(size * scale, QImage.Format.Format_ARGB32_Premultiplied)
            image.setDevicePixelRatio(scale)
            image.fill(self.palette().color(QPalette.ColorRole.Base))
            painter = QPainter(image)
            try:
                self._paint(painter, rect)
            finally:
                painter.end()
            return image.save(str(path))
        finally:
            self._layout = saved

    # -- axis --------------------------------------------------------------------------
    def _axis_value(self, t: int) -> float:
        if self._axis is None or self._tl is None:
            return float(t)
        return float(self._tl.local_time(self._axis, int(t)))

    def _axis_values(self, ts: np.ndarray) -> np.ndarray:
        if self._axis is None or self._tl is None:
            return ts.astype(np.float64)
        return self._tl.local_time(self._axis, ts).astype(np.float64)

    def _real_of_axis(self, a: float) -> int:
        """A real time at which the axis reads about ``a``."""
        if self._axis is None or self._tl is None:
            return int(a)
        span = self._tl.real_span_for_local(self._axis, int(a), int(a))
        if span is None:
            return int(a)
        return (span[0] + span[1]) // 2

    def _real_span(self, a0: float, a1: float) -> tuple[int, int] | None:
        if self._axis is None or self._tl is None:
            return int(math.floor(a0)), int(math.ceil(a1))
        return self._tl.real_span_for_local(self._axis, int(math.floor(a0)), int(math.ceil(a1)))

    def _update_full(self) -> None:
        tl = self._tl
        end = tl.end if tl is not None else 1_000_000_000
        end = max(end, 1)
        if self._axis is None or tl is None:
            self._full = (0.0, float(end))
        else:
            ts = np.linspace(0, end, 513).astype(np.int64)
            values = self._axis_values(ts)
            self._full = (float(values.min()), float(values.max()))
            if self._full[1] <= self._full[0]:
                self._full = (self._full[0], self._full[0] + 1.0)

    def _set_window(self, a0: float, a1: float) -> None:
        span = max(a1 - a0, _MIN_SPAN)
        self._a0, self._a1 = float(a0), float(a0 + span)
        self._layout = None
        self._invalidate()
        self._sync_hbar()
        self.canvas.update()

    # -- scroll bars -------------------------------------------------------------------
    def _hbar_unit(self) -> float:
        lo, hi = self._full
        return max(1.0, (hi - lo) * 1.1 / 1_000_000)

    def _sync_hbar(self) -> None:
        lo, hi = self._full
        unit = self._hbar_unit()
        span = self._a1 - self._a0
        margin = span * 0.5
        self._syncing = True
        try:
            self.hbar.setRange(int((lo - margin) / unit), max(int((lo - margin) / unit),
                                                               int((hi + margin - span) / unit)))
            self.hbar.setPageStep(max(1, int(span / unit)))
            self.hbar.setSingleStep(max(1, int(span / unit / 10)))
            self.hbar.setValue(int(self._a0 / unit))
        finally:
            self._syncing = False

    def _on_hbar(self, value: int) -> None:
        if self._syncing:
            return
        span = self._a1 - self._a0
        a0 = value * self._hbar_unit()
        self._a0, self._a1 = a0, a0 + span
        self._layout = None
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
                self._vscroll = min(self._vscroll, float(content - visible))
                self.vbar.setValue(int(self._vscroll))
            else:
                self._vscroll = 0.0
            if need != self.vbar.isVisible():
                self.vbar.setVisible(need)
        finally:
            self._syncing = False

    def _on_vbar(self, value: int) -> None:
        if self._syncing:
            return
        self._vscroll = float(value)
        self._layout = None
        self._invalidate()
        self.canvas.update()

    def _on_canvas_resized(self) -> None:
        self._layout = None
        self._invalidate()

    # -- toolbar -----------------------------------------------------------------------
    def _fill_axis_combo(self) -> None:
        self._syncing = True
        try:
            self.axis_combo.clear()
            self.axis_combo.addItem(self.tr("Real time"), None)
            if self._tl is not None:
                for h in self._tl.hosts:
                    self.axis_combo.addItem(self.tr("{0} local clock").format(h), h)
            i = self.axis_combo.findData(self._axis)
            self.axis_combo.setCurrentIndex(max(0, i))
        finally:
            self._syncing = False

    def _on_axis_combo(self, index: int) -> None:
        if self._syncing or index < 0:
            return
        self.set_axis(self.axis_combo.itemData(index))

    def _on_follow(self, checked: bool) -> None:
        self._follow = checked
        if checked:
            self.set_time(self._time)

    def _export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export space-time diagram"), "spacetime.png",
            self.tr("PNG image (*.png);;SVG drawing (*.svg)"))
        if path:
            self.export_image(path)

    def _update_legend(self) -> None:
        c = _Colours.of(self.palette())
        items = [(c.message, self.tr("message")), (c.mem, self.tr("memory")),
                 (c.corrupted, self.tr("corrupted")), (c.byz, self.tr("Byzantine")),
                 (c.late, self.tr("late")), (c.dup, self.tr("duplicate")),
                 (c.drop, self.tr("✕ dropped")), (c.past, self.tr("causal past")),
                 (c.future, self.tr("causal future"))]
        self.legend_label.setText("&nbsp;&nbsp;".join(
            f'<span style="color:{col.name()}">■</span>&nbsp;{text}' for col, text in items))

    def _update_info(self) -> None:
        tl, i = self._tl, self._selected
        if tl is None or i is None:
            self.info_label.setText(self.tr("Click an event to see its causal past and future "
                                            "and its Lamport and vector clocks."))
            return
        digits = time_digits(tl.end) + 3
        parts = [f"<b>{event_title(tl, i)}</b>"]
        details = event_details(tl, i)
        if details:
            parts.append(details.replace("&", "&amp;").replace("<", "&lt;"))
        parts.append(self.tr("t = {0} s").format(f"{tl.t[i] / 1e9:.{digits}f}"))
        if tl.host_code[i] >= 0:
            parts.append(self.tr("local {0} s").format(f"{tl.local[i] / 1e9:.{digits}f}"))
            lamport = tl.lamport_clock(i)
            vector = tl.vector_clock(i) or {}
            parts.append(self.tr("Lamport {0}").format(lamport))
            parts.append(self.tr("vector ⟨{0}⟩").format(
                ", ".join(f"{h}:{vector[h]}" for h in tl.hosts if h in vector)))
            past = int(self._past.sum()) if self._past is not None else 0
            future = int(self._future.sum()) if self._future is not None else 0
            parts.append(self.tr("{0} events before, {1} after").format(past, future))
        self.info_label.setText(" · ".join(parts))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._update_legend()
            self._layout = None
            self._invalidate()
            self.canvas.update()
        elif event.type() == QEvent.Type.FontChange:
            self._layout = None
            self._invalidate()
            self.canvas.update()
        super().changeEvent(event)

    # -- selection ---------------------------------------------------------------------
    def _select(self, seq: int | None, emit: bool) -> None:
        tl = self._tl
        if tl is None or seq is None or not 0 <= seq < len(tl):
            self._selected = None
            self._past = self._future = None
        else:
            self._selected = seq
            n = len(tl)
            past = np.zeros(n, dtype=bool)
            future = np.zeros(n, dtype=bool)
            p = tl.causal_past(seq)
            f = tl.causal_future(seq)
            if p:
                past[np.fromiter(p, np.int64, len(p))] = True
            if f:
                future[np.fromiter(f, np.int64, len(f))] = True
            self._past, self._future = past, future
        self._invalidate()
        self._update_info()
        self.canvas.update()
        if emit and self._selected is not None:
            self.event_selected.emit(self._selected)

    # -- layout ------------------------------------------------------------------------
    def _label_width(self) -> int:
        fm = self.canvas.fontMetrics()
        hosts = self._tl.hosts if self._tl is not None else []
        widest = max([fm.horizontalAdvance(h) for h in hosts] + [fm.horizontalAdvance("real time")])
        return min(160, widest + 26)

    def _layout_key(self, rect: QRect) -> tuple:
        return (id(self._tl), self._a0, self._a1, rect.width(), rect.height(), self._vscroll,
                self._axis)

    def _compute_layout(self, rect: QRect | None = None) -> _Layout | None:
        tl = self._tl
        if tl is None:
            return None
        rect = rect or self.canvas.rect()
        key = self._layout_key(rect)
        if self._layout is not None and self._layout.key == key:
            return self._layout
        n_hosts = max(1, len(tl.hosts))
        label_w = self._label_width()
        plot = QRectF(label_w, _RULER_H, max(10, rect.width() - label_w - 12),
                      max(10, rect.height() - _RULER_H - 4))
        lane_h = min(_MAX_LANE, max(_MIN_LANE, plot.height() / n_hosts))
        content = lane_h * n_hosts
        if rect == self.canvas.rect():
            self._sync_vbar(content, plot.height())
        vscroll = self._vscroll if content > plot.height() + 1 else 0.0
        top = plot.top() + max(0.0, (plot.height() - content) / 2) if content < plot.height() \
            else plot.top()
        lane_y = top + (np.arange(n_hosts) + 0.5) * lane_h - vscroll
        span = self._real_span(self._a0, self._a1)
        if span is None:
            return _Layout(key, plot, lane_h, lane_y, 0, -1, 0, 0, True)
        t0, t1 = span
        i0 = int(np.searchsorted(tl.t, t0, side="left"))
        i1 = int(np.searchsorted(tl.t, t1, side="right"))
        detail = (i1 - i0) <= min(DETAIL_LIMIT, _PER_PIXEL * plot.width())
        lay = _Layout(key, plot, lane_h, lane_y, t0, t1, i0, i1, detail)
        scale = plot.width() / (self._a1 - self._a0)
        if detail:
            pos = np.arange(i0, i1, dtype=np.int64)
            x = plot.left() + (self._axis_values(tl.t[i0:i1]) - self._a0) * scale
            codes = tl.host_code[i0:i1]
            y = np.where(codes >= 0, lane_y[np.maximum(codes, 0)], plot.top())
            msgs = tl.messages_overlapping(t0, t1)
            src, dst = tl.msg_src[msgs], tl.msg_dst[msgs]
            ok = (src >= 0) & (dst >= 0)
            msgs, src, dst = msgs[ok], src[ok], dst[ok]
            ts, te = tl.msg_t_send[msgs], tl.msg_t_end[msgs]
            ending = tl.msg_end_kind[msgs]
            te_draw = np.where(ending == END_NONE, max(tl.end, int(tl.t[-1]) if len(tl) else 0),
                               te)
            mx0 = plot.left() + (self._axis_values(ts) - self._a0) * scale
            mx1 = plot.left() + (self._axis_values(te_draw) - self._a0) * scale
            ys, yd = lane_y[src], lane_y[dst]
            frac = np.ones(len(msgs))
            dropped = ending == END_DROP
            if dropped.any():
                reasons = tl.msg_reason[msgs[dropped]]
                table = np.array([_DROP_AT.get(r, 0.55) for r in tl.drop_reasons] + [0.55])
                f = table[np.where(reasons >= 0, reasons, len(tl.drop_reasons))]
                f = np.where(te[dropped] == ts[dropped], 0.0, f)
                frac[dropped] = f
            frac[ending == END_NONE] = 0.5
            my1 = ys + (yd - ys) * frac
            # a drop is drawn where its cross is
            ends = tl.msg_end_pos[msgs]
            here = dropped & (ends >= i0) & (ends < i1)
            y[ends[here] - i0] = my1[here]
            lay.pos, lay.x, lay.y = pos, x, y
            # clip to the view: long off-screen lines (dashed above all) are slow to stroke
            mx0, my0, mx1, my1, lay.mend = self._clip(mx0, ys.astype(np.float64), mx1, my1,
                                                      plot.left() - 30, plot.right() + 30)
            lay.msgs, lay.mx0, lay.my0, lay.mx1, lay.my1 = msgs, mx0, my0, mx1, my1
        else:
            self._density(lay, tl, scale)
        self._layout = lay if rect == self.canvas.rect() else None
        return lay

    @staticmethod
    def _clip(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray, xmin: float,
              xmax: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Cut segments to ``xmin <= x <= xmax``; also says which ends were kept."""
        dx, dy = x1 - x0, y1 - y0
        with np.errstate(divide="ignore", invalid="ignore"):
            ta = np.where(dx != 0, (xmin - x0) / dx, -np.inf)
            tb = np.where(dx != 0, (xmax - x0) / dx, np.inf)
        enter = np.clip(np.minimum(ta, tb), 0.0, 1.0)
        leave = np.clip(np.maximum(ta, tb), 0.0, 1.0)
        leave = np.maximum(leave, enter)
        kept = leave >= 1.0
        return (x0 + enter * dx, y0 + enter * dy, x0 + leave * dx, y0 + leave * dy, kept)

    def _density(self, lay: _Layout, tl: Timeline, scale: float) -> None:
        """Events per pixel column and host, as a translucent strip along each host's line."""
        plot = lay.plot
        w = max(1, int(plot.width()))
        h = max(1, int(plot.height()))
        codes = tl.host_code[lay.i0:lay.i1]
        x = ((self._axis_values(tl.t[lay.i0:lay.i1]) - self._a0) * scale).astype(np.int64)
        ok = (codes >= 0) & (x >= 0) & (x < w)
        n_hosts = len(lay.lane_y)
        counts = np.bincount(codes[ok].astype(np.int64) * w + x[ok],
                             minlength=n_hosts * w).reshape(n_hosts, w)
        top = int(plot.top())
        buf = np.zeros((h, w, 4), dtype=np.uint8)
        colour = _Colours.of(self.palette()).message
        cmax = counts.max() if counts.size else 0
        if cmax > 0:
            alpha = np.where(counts > 0, 60 + 195 * np.log1p(counts) / math.log1p(cmax), 0)
            band = max(2, int(lay.lane_h * 0.55) // 2)
            for i in range(n_hosts):
                yc = int(lay.lane_y[i]) - top
                y0, y1 = max(0, yc - band), min(h, yc + band + 1)
                if y1 <= y0:
                    continue
                a = alpha[i].astype(np.uint8)
                # premultiplied-free RGBA: the colour everywhere, the density in alpha
                buf[y0:y1, :, 0] = colour.red()
                buf[y0:y1, :, 1] = colour.green()
                buf[y0:y1, :, 2] = colour.blue()
                buf[y0:y1, :, 3] = a[None, :]
        lay.density_buf = buf
        lay.density = QImage(buf.data, w, h, 4 * w, QImage.Format.Format_RGBA8888)

    # -- the cached drawing -------------------------------------------------------------
    def _invalidate(self) -> None:
        """Forget the cached images: the next paint draws the diagram again."""
        self._generation += 1
        self._static = None
        self._names = None

    @staticmethod
    def _state_change_times(tl: Timeline | None) -> np.ndarray:
        """The sorted times at which some host crashes, recovers, pauses or resumes."""
        if tl is None:
            return np.empty(0, dtype=np.int64)
        times = [t for h in tl.hosts for a, b, _status in tl.status_intervals(h) for t in (a, b)]
        return np.unique(np.asarray(times, dtype=np.int64))

    def _names_state(self) -> int:
        """How many host state changes have happened at the cursor (the names' cache key)."""
        return int(np.searchsorted(self._status_times, self._time, side="right"))

    def _colours(self) -> _Colours:
        """The colours of the current palette (computed once per palette)."""
        palette = self.palette()
        key = palette.cacheKey()
        if self._colour_cache is None or self._colour_cache[0] != key:
            self._colour_cache = (key, _Colours.of(palette))
        return self._colour_cache[1]

    def _static_key_now(self, rect: QRect) -> tuple:
        """What the cached drawing depends on: window, axis, size, selection, palette, pixel ratio."""
        return (self._generation, self._a0, self._a1, self._vscroll, self._axis, self._selected,
                rect.width(), rect.height(), self.canvas.devicePixelRatioF(),
                self.palette().cacheKey(), self.canvas.font().key())

    def _cache_image(self, width: float, height: float) -> QImage:
        """An opaque image of ``width`` x ``height`` logical pixels at the canvas's pixel ratio."""
        dpr = self.canvas.devicePixelRatioF()
        image = QImage(max(1, math.ceil(width * dpr)), max(1, math.ceil(height * dpr)),
                       QImage.Format.Format_RGB32)
        image.setDevicePixelRatio(dpr)
        return image

    def _cursor_x(self, lay: _Layout, t: int) -> float:
        plot = lay.plot
        return plot.left() + (self._axis_value(t) - self._a0) * (plot.width() / (self._a1 - self._a0))

    def _update_cursor(self, before: int) -> None:
        """Repaint what moving the cursor from ``before`` changes (everything if not cached)."""
        rect = self.canvas.rect()
        lay = self._layout
        if (self._static is None or self._static_key != self._static_key_now(rect)
                or lay is None or lay.key != self._layout_key(rect)):
            self.canvas.update()
            return
        x0, x1 = self._cursor_x(lay, before), self._cursor_x(lay, self._time)
        if x0 == x1 and self._names_key == (self._static_key, self._names_state()):
            return
        for x in (x0, x1):
            if lay.plot.left() - 8 <= x <= lay.plot.right() + 8:
                self.canvas.update(QRect(math.floor(x) - 7, 0, 15, rect.height()))
        if self._names_key != (self._static_key, self._names_state()):
            self.canvas.update(QRect(0, 0, math.ceil(lay.plot.left()), rect.height()))

    def _paint_screen(self, p: QPainter) -> None:
        """Paint the canvas from the cached images, drawing them first when they are stale."""
        rect = self.canvas.rect()
        tl = self._tl
        lay = self._compute_layout(rect) if tl is not None else None
        if tl is None or lay is None:
            self._paint(p, rect)
            return
        c = self._colours()
        key = self._static_key_now(rect)
        if self._static is None or self._static_key != key:
            image = self._cache_image(rect.width(), rect.height())
            painter = QPainter(image)
            try:
                painter.setFont(self.canvas.font())
                self._paint_static(painter, rect, c, lay, tl)
            finally:
                painter.end()
            self._static, self._static_key = image, key
            self._names = None
        names_key = (key, self._names_state())
        if self._names is None or self._names_key != names_key:
            image = self._cache_image(self._names_width(lay), rect.height())
            painter = QPainter(image)
            try:
                painter.setFont(self.canvas.font())
                self._paint_labels(painter, c, lay, tl, rect)
            finally:
                painter.end()
            self._names, self._names_key = image, names_key
        p.drawImage(QPointF(0, 0), self._static)
        p.drawImage(QPointF(0, 0), self._names)
        self._paint_now(p, c, lay)

    # -- painting ----------------------------------------------------------------------
    def _paint(self, p: QPainter, rect: QRect) -> None:
        """Paint everything directly (exports; the screen goes through :meth:`_paint_screen`)."""
        c = self._colours()
        p.setFont(self.canvas.font())
        tl = self._tl
        lay = self._compute_layout(rect) if tl is not None else None
        if tl is None or lay is None:
            p.fillRect(rect, c.base)
            p.setPen(c.faint)
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter,
                       self.tr("Run a scenario or open a trace to see its space-time diagram."))
            return
        self._paint_static(p, rect, c, lay, tl)
        self._paint_labels(p, c, lay, tl, rect)
        self._paint_now(p, c, lay)

    def _paint_static(self, p: QPainter, rect: QRect, c: _Colours, lay: _Layout,
                      tl: Timeline) -> None:
        """Everything that does not move with the cursor (the host names apart)."""
        p.fillRect(rect, c.base)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        plot = lay.plot
        scale = plot.width() / (self._a1 - self._a0)
        p.save()
        p.setClipRect(QRectF(plot.left() - 8, plot.top(), plot.width() + 16, plot.height()))
        self._paint_lanes(p, c, lay, tl, scale)
        self._paint_ticks(p, c, lay, scale, grid=True)
        selecting = self._selected is not None
        if lay.detail:
            self._paint_messages(p, c, lay, tl, dim=selecting)
            self._paint_events(p, c, lay, tl, dim=selecting)
            if selecting:
                self._paint_selection(p, c, lay, tl)
        else:
            if lay.density is not None:
                p.drawImage(QPointF(plot.left(), plot.top()), lay.density)
            self._paint_marks_only(p, c, lay, tl, scale)
        p.restore()
        self._paint_ruler(p, c, lay, scale, rect)
        # the column of host names (drawn over by _paint_labels) and its border
        width = plot.left() - 6
        p.fillRect(QRectF(0, 0, width, rect.height()), c.window)
        p.setPen(QPen(c.grid, 1))
        p.drawLine(QLineF(width, 0, width, rect.height()))
        if not lay.detail:
            p.setPen(c.faint)
            small = QFont(p.font())
            small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
            p.setFont(small)
            p.drawText(QRectF(plot.left(), plot.bottom() - 18, plot.width() - 4, 16),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       self.tr("{0} events in view: zoom in to see messages").format(
                           f"{lay.i1 - lay.i0:,}"))

    def _paint_now(self, p: QPainter, c: _Colours, lay: _Layout) -> None:
        """The time cursor: a line across the plot and its head on the ruler."""
        plot = lay.plot
        x = self._cursor_x(lay, self._time)
        if not plot.left() - 1 <= x <= plot.right() + 1:
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(c.cursor, 1.6))
        p.drawLine(QLineF(x, plot.top(), x, plot.bottom()))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(c.cursor))
        p.drawPolygon(QPolygonF([QPointF(x - 5, _RULER_H - 8), QPointF(x + 5, _RULER_H - 8),
                                 QPointF(x, _RULER_H - 1)]))
        p.setBrush(Qt.BrushStyle.NoBrush)

    def _x_of(self, lay: _Layout, scale: float, t: int) -> float:
        return lay.plot.left() + (self._axis_value(t) - self._a0) * scale

    def _paint_lanes(self, p: QPainter, c: _Colours, lay: _Layout, tl: Timeline,
                     scale: float) -> None:
        plot = lay.plot
        x_left, x_right = plot.left() - 8, plot.right() + 8
        for i, y in enumerate(lay.lane_y.tolist()):
            if i % 2 == 1:
                p.fillRect(QRectF(x_left, y - lay.lane_h / 2, x_right - x_left, lay.lane_h), c.alt)
        start = max(plot.left(), self._x_of(lay, scale, 0))
        end = min(plot.right() + 8, self._x_of(lay, scale, tl.end))
        pen = QPen(c.lane, 1.4)
        p.setPen(pen)
        p.drawLines([QLineF(start, y, end, y) for y in lay.lane_y.tolist()])
        # crashed and paused periods
        for i, h in enumerate(tl.hosts):
            y = float(lay.lane_y[i])
            if y < plot.top() - lay.lane_h or y > plot.bottom() + lay.lane_h:
                continue
            for a, b, status in tl.status_intervals(h):
                if b < lay.t0 or a > lay.t1:
                    continue
                xa = max(plot.left() - 8, self._x_of(lay, scale, a))
                xb = min(plot.right() + 8, self._x_of(lay, scale, b))
                col = c.crash if status == "crashed" else c.pause
                band = QColor(col)
                band.setAlphaF(0.10)
                p.fillRect(QRectF(xa, y - lay.lane_h * 0.32, xb - xa, lay.lane_h * 0.64), band)
                p.setPen(QPen(c.base, 2.2))
                p.drawLine(QLineF(xa, y, xb, y))
                dash = QPen(col, 1.6, Qt.PenStyle.DashLine if status == "crashed"
                            else Qt.PenStyle.DotLine)
                p.setPen(dash)
                p.drawLine(QLineF(xa, y, xb, y))

    def _paint_ticks(self, p: QPainter, c: _Colours, lay: _Layout, scale: float,
                     grid: bool) -> None:
        plot = lay.plot
        step = _nice_step(90 / scale)
        first = math.ceil(self._a0 / step) * step
        xs = []
        v = first
        while v <= self._a1 and len(xs) < 400:
            xs.append(plot.left() + (v - self._a0) * scale)
            v += step
        if grid:
            p.setPen(QPen(c.grid, 1))
            p.drawLines([QLineF(x, plot.top(), x, plot.bottom()) for x in xs])

    def _message_pens(self, c: _Colours, dim: bool, crowd: float) -> dict[str, QPen]:
        """Pens of message lines. Long lines are drawn 1 px wide: Qt strokes wider
        translucent antialiased lines an order of magnitude slower. Dimmed lines
        are mixed with the background rather than made translucent."""
        def pen(col: QColor, width: float = 1.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine,
                alpha: float = 1.0) -> QPen:
            q = _mix(col, c.base, 0.3) if dim else QColor(col)
            a = alpha * (crowd if width == 1.0 else 1.0)
            if a < 1.0:
                q.setAlphaF(q.alphaF() * a)
            return _pen(q, width, style)

        return {
            "normal": pen(c.message, alpha=0.9),
            "mem": pen(c.mem, alpha=0.8),
            "corrupted": pen(c.corrupted, 1.5),
            "byz": pen(c.byz, 1.5),
            "late": pen(c.late, 1.0, Qt.PenStyle.DashLine),
            "dup": pen(c.dup, 1.0, Qt.PenStyle.DashDotLine),
            "dropped": pen(c.drop, 1.0, Qt.PenStyle.DashLine, alpha=0.5),
            "open": pen(c.message, 1.0, Qt.PenStyle.DotLine, alpha=0.6),
            "cross": pen(c.drop, 2.0),
        }

    def _message_groups(self, tl: Timeline, lay: _Layout) -> np.ndarray:
        """A style index per visible message (see the order in _paint_messages)."""
        msgs = lay.msgs
        flags = tl.msg_flags[msgs]
        ending = tl.msg_end_kind[msgs]
        mem = tl.channels.index("mem") if "mem" in tl.channels else -1
        group = np.zeros(len(msgs), dtype=np.int8)  # normal
        group[tl.msg_channel[msgs] == mem] = 1
        group[(flags & FLAG_DUP) != 0] = 5
        group[(flags & FLAG_LATE) != 0] = 4
        group[(flags & FLAG_CORRUPTED) != 0] = 2
        group[(flags & FLAG_BYZ) != 0] = 3
        group[ending == END_DROP] = 6
        group[ending == END_NONE] = 7
        return group

    def _paint_messages(self, p: QPainter, c: _Colours, lay: _Layout, tl: Timeline,
                        dim: bool) -> None:
        if not len(lay.msgs):
            return
        # many messages per pixel of width: fainter lines, so that density shows
        crowd = min(1.0, max(0.25, 1.5 * lay.plot.width() / len(lay.msgs)))
        pens = self._message_pens(c, dim, crowd)
        order = ("normal", "mem", "corrupted", "byz", "late", "dup", "dropped", "open")
        group = self._message_groups(tl, lay)
        heads = len(lay.msgs) <= 6000
        for g in (1, 0, 5, 4, 2, 3, 6, 7):
            sel = np.flatnonzero(group == g)
            if not len(sel):
                continue
            pen = pens[order[g]]
            p.setPen(pen)
            x0, y0, x1, y1 = lay.mx0[sel], lay.my0[sel], lay.mx1[sel], lay.my1[sel]
            p.drawLines(_lines(x0, y0, x1, y1))
            if heads and g not in (6, 7):
                solid = QPen(pen)
                solid.setStyle(Qt.PenStyle.SolidLine)
                p.setPen(solid)
                k = lay.mend[sel]
                p.drawLines(self._heads(x0[k], y0[k], x1[k], y1[k]))
        # crosses where dropped messages were lost
        drop = np.flatnonzero((group == 6) & lay.mend)
        if len(drop):
            p.setPen(pens["cross"])
            p.drawLines(self._crosses(lay.mx1[drop], lay.my1[drop], 4.0))

    @staticmethod
    def _heads(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray,
               length: float = 7.0, half: float = 3.2) -> list[QLineF]:
        dx, dy = x1 - x0, y1 - y0
        norm = np.hypot(dx, dy)
        ok = norm > length * 1.3
        if not ok.any():
            return []
        dx, dy, norm = dx[ok] / norm[ok], dy[ok] / norm[ok], norm[ok]
        tx, ty = x1[ok], y1[ok]
        bx, by = tx - dx * length, ty - dy * length
        nx, ny = -dy * half, dx * half
        return _lines(tx, ty, bx + nx, by + ny) + _lines(tx, ty, bx - nx, by - ny)

    @staticmethod
    def _crosses(x: np.ndarray, y: np.ndarray, r: float) -> list[QLineF]:
        return _lines(x - r, y - r, x + r, y + r) + _lines(x - r, y + r, x + r, y - r)

    def _paint_events(self, p: QPainter, c: _Colours, lay: _Layout, tl: Timeline,
                      dim: bool) -> None:
        if not len(lay.pos):
            return
        codes = tl.kind_code[lay.i0:lay.i1]
        alpha = 0.3 if dim else 1.0

        def col(q: QColor, a: float = 1.0) -> QColor:
            out = QColor(q)
            out.setAlphaF(out.alphaF() * a * alpha)
            return out

        def dots(kind: str, colour: QColor, width: float,
                 cap: Qt.PenCapStyle = Qt.PenCapStyle.RoundCap, where: np.ndarray | None = None
                 ) -> None:
            if kind not in tl.kinds:
                return
            sel = np.flatnonzero(codes == tl.kinds.index(kind)) if where is None else where
            if not len(sel):
                return
            pen = QPen(colour, width)
            pen.setCapStyle(cap)
            p.setPen(pen)
            p.drawPoints(_points(lay.x[sel], lay.y[sel]))

        dots("app", col(c.faint), 4.0)
        dots("timer", col(c.faint), 4.0)
        if "mem" in tl.kinds:
            mem_sel = np.flatnonzero(codes == tl.kinds.index("mem"))
            if len(mem_sel):
                remote = np.isin(lay.pos[mem_sel], tl.mem_pos[tl.mem_remote])
                dots("mem", col(c.mem, 0.45), 3.5, Qt.PenCapStyle.SquareCap, mem_sel[~remote])
                dots("mem", col(c.mem), 4.5, Qt.PenCapStyle.SquareCap, mem_sel[remote])
        dots("send", col(c.message), 4.5)
        dots("duplicate", col(c.dup), 5.0)
        dots("deliver", col(c.text, 0.8), 5.0)
        dots("corrupt", col(c.corrupted), 5.0)
        self._paint_marks(p, c, lay, tl, np.arange(len(lay.pos)), lay.x, lay.y, alpha)

    def _paint_marks_only(self, p: QPainter, c: _Colours, lay: _Layout, tl: Timeline,
                          scale: float) -> None:
        """In density mode: failures, suspicions and network events still drawn one by one."""
        codes = [tl.kinds.index(k) for k in _MARK_KINDS + _NET_KINDS if k in tl.kinds]
        pos = lay.i0 + np.flatnonzero(np.isin(tl.kind_code[lay.i0:lay.i1], codes))
        if not len(pos) or len(pos) > _MARK_LIMIT:
            return
        x = lay.plot.left() + (self._axis_values(tl.t[pos]) - self._a0) * scale
        hc = tl.host_code[pos]
        y = np.where(hc >= 0, lay.lane_y[np.maximum(hc, 0)], lay.plot.top())
        self._paint_marks(p, c, lay, tl, pos - lay.i0, x, y, 1.0, absolute=pos)

    def _paint_marks(self, p: QPainter, c: _Colours, lay: _Layout, tl: Timeline,
                     idx: np.ndarray, xs: np.ndarray, ys: np.ndarray, alpha: float,
                     absolute: np.ndarray | None = None) -> None:
        """Crashes, recoveries, pauses, suspicions, clock steps, Byzantine turns, network events."""
        positions = lay.i0 + idx if absolute is None else absolute
        codes = tl.kind_code[positions]
        wanted = [tl.kinds.index(k) for k in _MARK_KINDS + _NET_KINDS if k in tl.kinds]
        sel = np.flatnonzero(np.isin(codes, wanted))
        if not len(sel):
            return
        if absolute is None:
            xs, ys = xs[idx], ys[idx]
        s = max(4.0, min(7.0, lay.lane_h * 0.22))
        small = QFont(p.font())
        small.setPointSizeF(max(6.5, small.pointSizeF() - 2))
        p.setFont(small)
        fm_h = p.fontMetrics().height()
        few = len(sel) <= 300

        def colour(q: QColor) -> QColor:
            out = QColor(q)
            out.setAlphaF(out.alphaF() * alpha)
            return out

        plot = lay.plot
        for j in sel.tolist():
            pos = int(positions[j])
            kind = tl.kinds[codes[j]]
            x, y = float(xs[j]), float(ys[j])
            ev = tl.events[pos]
            d = ev.data or {}
            if kind == "crash":
                p.setPen(_pen(colour(c.crash), 2.6, cap=Qt.PenCapStyle.RoundCap))
                p.drawLine(QLineF(x - s, y - s, x + s, y + s))
                p.drawLine(QLineF(x - s, y + s, x + s, y - s))
            elif kind == "recover":
                p.setPen(QPen(colour(c.recover), 2.2))
                p.setBrush(QBrush(colour(c.base)))
                p.drawEllipse(QPointF(x, y), s * 0.8, s * 0.8)
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawLine(QLineF(x, y - s * 0.35, x, y + s * 0.35))
            elif kind in ("pause", "resume"):
                p.setPen(QPen(colour(c.pause), 2.2))
                if kind == "pause":
                    p.drawLine(QLineF(x - 2, y - s, x - 2, y + s))
                    p.drawLine(QLineF(x + 2, y - s, x + 2, y + s))
                else:
                    p.setBrush(QBrush(colour(c.pause)))
                    p.drawPolygon(QPolygonF([QPointF(x - s * 0.6, y - s * 0.8),
                                             QPointF(x + s * 0.8, y),
                                             QPointF(x - s * 0.6, y + s * 0.8)]))
                    p.setBrush(Qt.BrushStyle.NoBrush)
            elif kind in ("suspect", "unsuspect"):
                q = colour(c.suspect if kind == "suspect" else c.faint)
                top = y - lay.lane_h * 0.46
                p.setPen(QPen(q, 1.4))
                p.drawLine(QLineF(x, y, x, top))
                flag = QPolygonF([QPointF(x, top), QPointF(x + s * 1.5, top + s * 0.55),
                                  QPointF(x, top + s * 1.1)])
                p.setBrush(QBrush(q) if kind == "suspect" else Qt.BrushStyle.NoBrush)
                p.drawPolygon(flag)
                p.setBrush(Qt.BrushStyle.NoBrush)
                if few and d.get("target") and lay.lane_h >= 24:
                    p.drawText(QPointF(x + s * 1.7, top + fm_h * 0.6), str(d["target"]))
            elif kind == "clock_adjust":
                q = colour(c.clock)
                p.setPen(QPen(q, 1.4))
                p.setBrush(QBrush(q))
                p.drawPolygon(QPolygonF([QPointF(x, y - s * 0.8), QPointF(x + s * 0.8, y),
                                         QPointF(x, y + s * 0.8), QPointF(x - s * 0.8, y)]))
                p.setBrush(Qt.BrushStyle.NoBrush)
            elif kind == "byzantine":
                q = colour(c.byz)
                p.setPen(QPen(q, 2.0))
                p.drawPolygon(QPolygonF([QPointF(x, y - s), QPointF(x + s, y),
                                         QPointF(x, y + s), QPointF(x - s, y)]))
            elif kind in _NET_KINDS:
                bad = kind in ("partition", "link_cut")
                q = colour(c.crash if bad else c.recover)
                p.setPen(QPen(q, 1.2, Qt.PenStyle.DashLine))
                p.drawLine(QLineF(x, plot.top(), x, plot.bottom()))
                if few:
                    label = {"partition": self.tr("partition"), "heal": self.tr("heal"),
                             "link_cut": self.tr("cut {0}"), "link_heal": self.tr("heal {0}")}[kind]
                    if "{0}" in label:
                        label = label.format("–".join(d.get("link") or ()))
                    p.setPen(q)
                    p.drawText(QPointF(x + 3, plot.top() + fm_h * 0.8), label)

    def _paint_selection(self, p: QPainter, c: _Colours, lay: _Layout, tl: Timeline) -> None:
        sel = self._selected
        past, future = self._past, self._future
        if sel is None or past is None or future is None:
            return
        # messages on causal chains
        if len(lay.msgs):
            msgs = lay.msgs
            sp = tl.msg_send_pos[msgs].copy()
            dups = np.flatnonzero((tl.msg_flags[msgs] & FLAG_DUP) != 0)
            if len(dups):
                originals = np.array([tl.message_index(int(o)) for o in
                                      tl.msg_dup_of[msgs[dups]].tolist()], dtype=np.int64)
                ok = originals >= 0
                sp[dups[ok]] = tl.msg_send_pos[originals[ok]]
            ep = tl.msg_end_pos[msgs]
            delivered = tl.msg_end_kind[msgs] == END_DELIVER
            ep_safe = np.where(ep >= 0, ep, 0)
            in_past = delivered & past[sp] & (past[ep_safe] | (ep == sel))
            in_future = delivered & future[ep_safe] & (future[sp] | (sp == sel))
            for mask, colour in ((in_past, c.past), (in_future, c.future)):
                idx = np.flatnonzero(mask)
                if not len(idx):
                    continue
                p.setPen(_pen(colour, 2.0))
                x0, y0, x1, y1 = lay.mx0[idx], lay.my0[idx], lay.mx1[idx], lay.my1[idx]
                p.drawLines(_lines(x0, y0, x1, y1))
                k = lay.mend[idx]
                p.drawLines(self._heads(x0[k], y0[k], x1[k], y1[k], 8.0, 3.8))
        # events in the past and the future
        pos = lay.pos
        for mask, colour in ((past[pos], c.past), (future[pos], c.future)):
            idx = np.flatnonzero(mask)
            if not len(idx):
                continue
            pen = QPen(colour, 6.0)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            p.setPen(pen)
            p.drawPoints(_points(lay.x[idx], lay.y[idx]))
        self._paint_marks(p, c, lay, tl, np.flatnonzero(past[pos] | future[pos]),
                          lay.x, lay.y, 1.0)
        j = int(np.searchsorted(pos, sel))
        if j < len(pos) and pos[j] == sel:
            x, y = float(lay.x[j]), float(lay.y[j])
            p.setPen(QPen(c.select, 2.4))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawEllipse(QPointF(x, y), 7.0, 7.0)
            p.setPen(_pen(c.select, 7.0, cap=Qt.PenCapStyle.RoundCap))
            p.drawPoint(QPointF(x, y))

    def _paint_ruler(self, p: QPainter, c: _Colours, lay: _Layout, scale: float,
                     rect: QRect) -> None:
        plot = lay.plot
        p.fillRect(QRectF(0, 0, rect.width(), _RULER_H), c.window)
        p.setPen(QPen(c.lane, 1))
        p.drawLine(QLineF(0, _RULER_H - 0.5, rect.width(), _RULER_H - 0.5))
        step = _nice_step(90 / scale)
        reach = max(abs(self._a0), abs(self._a1))
        unit, name = next(((u, n) for u, n in ((1e9, "s"), (1e6, "ms"), (1e3, "µs"))
                           if reach >= u), (1.0, "ns"))
        decimals = min(9, max(0, int(round(math.log10(unit)))
                              - int(math.floor(math.log10(step)))))
        font = QFont(p.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        p.setFont(font)
        fm = p.fontMetrics()
        v = math.ceil(self._a0 / step) * step
        count = 0
        while v <= self._a1 and count < 400:
            x = plot.left() + (v - self._a0) * scale
            p.setPen(QPen(c.lane, 1))
            p.drawLine(QLineF(x, _RULER_H - 6, x, _RULER_H - 1))
            text = f"{v / unit:.{decimals}f} {name}"
            w = fm.horizontalAdvance(text)
            if x - w / 2 >= plot.left() - 4 and x + w / 2 <= rect.width() - 2:
                p.setPen(c.text)
                p.drawText(QPointF(x - w / 2, _RULER_H - 9), text)
            v += step
            count += 1

    def _names_width(self, lay: _Layout) -> float:
        """The width of the host names' column, short of its border line."""
        return max(1.0, lay.plot.left() - 7)

    def _paint_labels(self, p: QPainter, c: _Colours, lay: _Layout, tl: Timeline,
                      rect: QRect) -> None:
        """The host names, coloured by the host's state at the cursor, and the axis's name."""
        plot = lay.plot
        width = plot.left() - 6
        p.fillRect(QRectF(0, 0, self._names_width(lay), rect.height()), c.window)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        font = QFont(self.canvas.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        p.setFont(font)
        p.setPen(c.faint)
        axis = self.tr("real time") if self._axis is None else \
            self.tr("{0} clock").format(self._axis)
        p.drawText(QRectF(6, 0, width - 8, _RULER_H - 2),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   p.fontMetrics().elidedText(axis, Qt.TextElideMode.ElideRight, int(width - 8)))
        font = QFont(self.canvas.font())
        p.setFont(font)
        fm = p.fontMetrics()
        p.save()
        p.setClipRect(QRectF(0, _RULER_H, width, rect.height() - _RULER_H))
        states = tl.host_states(self._time)
        for i, h in enumerate(tl.hosts):
            y = float(lay.lane_y[i])
            if y < _RULER_H - lay.lane_h or y > rect.height() + lay.lane_h:
                continue
            chip = QRectF(8, y - 5, 10, 10)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QBrush(host_colour(i)))
            p.drawRoundedRect(chip, 2.5, 2.5)
            p.setBrush(Qt.BrushStyle.NoBrush)
            status = states.status.get(h, "up")
            bold = QFont(font)
            bold.setBold(h == self._axis)
            p.setFont(bold)
            p.setPen(c.crash if status == "crashed" else c.pause if status == "paused"
                     else c.text)
            p.drawText(QRectF(24, y - fm.height() / 2, width - 28, fm.height()),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       fm.elidedText(h, Qt.TextElideMode.ElideRight, int(width - 28)))
        p.restore()

    # -- mouse -------------------------------------------------------------------------
    def _hit(self, pos: QPointF) -> int | None:
        lay = self._compute_layout()
        if lay is None or not lay.detail or not len(lay.pos):
            return None
        d2 = (lay.x - pos.x()) ** 2 + (lay.y - pos.y()) ** 2
        j = int(np.argmin(d2))
        if d2[j] > _HIT_RADIUS ** 2:
            return None
        # among events drawn at the same spot, prefer the one that is not a plain send/deliver
        close = np.flatnonzero(d2 <= d2[j] + 1e-6)
        return int(lay.pos[close[-1]])

    def _mouse_press(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position()
            self._press_state = (self._a0, self._a1, self._vscroll)
            self._dragging = False

    def _mouse_move(self, event: QMouseEvent) -> None:
        if self._press is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        delta = event.position() - self._press
        if not self._dragging and abs(delta.x()) + abs(delta.y()) < 4:
            return
        self._dragging = True
        self.canvas.setCursor(Qt.CursorShape.ClosedHandCursor)
        a0, a1, vs = self._press_state
        lay = self._compute_layout()
        width = lay.plot.width() if lay is not None else max(1, self.canvas.width())
        shift = -delta.x() * (a1 - a0) / width
        if self.vbar.isVisible():
            self.vbar.setValue(int(vs - delta.y()))
        self._set_window(a0 + shift, a1 + shift)

    def _mouse_release(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._press is None:
            return
        was_drag = self._dragging
        self._press = None
        self._dragging = False
        self.canvas.unsetCursor()
        if was_drag:
            return
        hit = self._hit(event.position())
        self._select(hit, emit=hit is not None)

    def _wheel(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        mods = event.modifiers()
        dy = delta.y() or delta.x()
        if mods & Qt.KeyboardModifier.AltModifier:
            if self.vbar.isVisible():
                self.vbar.setValue(self.vbar.value() - dy // 2)
            event.accept()
            return
        if mods & Qt.KeyboardModifier.ShiftModifier or (delta.x() and not delta.y()):
            span = self._a1 - self._a0
            shift = -dy / 120 * span * 0.1
            self._set_window(self._a0 + shift, self._a1 + shift)
            event.accept()
            return
        lay = self._compute_layout()
        if lay is None:
            return
        x = event.position().x()
        anchor = self._a0 + (x - lay.plot.left()) / lay.plot.width() * (self._a1 - self._a0)
        self.zoom(1.25 ** (dy / 120), anchor)
        event.accept()

    def _tooltip(self, event: Any) -> None:
        tl = self._tl
        hit = self._hit(QPointF(event.pos()))
        if tl is None or hit is None:
            QToolTip.hideText()
            event.ignore()
            return
        digits = time_digits(tl.end) + 3
        text = event_title(tl, hit)
        details = event_details(tl, hit)
        if details:
            text += "\n" + details
        text += "\n" + self.tr("t = {0} s").format(f"{tl.t[hit] / 1e9:.{digits}f}")
        if tl.host_code[hit] >= 0:
            skew = int(tl.local[hit]) - int(tl.t[hit])
            text += "  " + self.tr("(local {0} s, {1} {2})").format(
                f"{tl.local[hit] / 1e9:.{digits}f}", "+" if skew >= 0 else "", format_ns(skew))
        QToolTip.showText(event.globalPos(), text, self.canvas)
