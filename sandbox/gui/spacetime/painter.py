"""Paints the space-time diagram from its layout, caching what does not move with the cursor.

What does not depend on the time cursor (lanes, messages, events, marks,
the selection, the ruler) is drawn once into an image, keyed on the
window, axis, size, selection, palette and device pixel ratio; the host
names (coloured by the hosts' state at the cursor) are a second, small
image redrawn only when a host changes state. The faults the run was computed
with are marked on their hosts' lanes at their times, in their kind's colour,
with a faint band for those that last (pause, partition, loss burst, cut). Moving the cursor repaints
two narrow strips from these images and draws the cursor on top, so
playback costs little however many events are in view.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QLineF, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPalette, QPen, QPolygonF
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QWidget

from sandbox.trace.timeline import Timeline

from ...trace.state_view import band_field, host_fields, value_text
from ..faults_menu import fault_colour, fault_end, fault_hosts, fault_time, run_faults
from ..theme import host_colour, is_dark, state_colour
from .elements import (
    draw_fault_mark,
    paint_events,
    paint_marks_only,
    paint_messages,
    paint_selection,
)
from .frame import Frame, Selection, state_change_times
from .layout import RULER_H, DiagramLayout
from .style import DiagramColours

__all__ = ["DiagramColours", "DiagramPainter"]


def _tr(text: str) -> str:
    return QCoreApplication.translate("SpaceTimeView", text)


class DiagramPainter:
    """Draws a :class:`~.layout.DiagramLayout` on a canvas, from cached images on screen.

    The colours come from ``owner``'s palette, the font and the pixel ratio
    from ``canvas``. ``paint_screen`` paints the canvas (drawing the cached
    images first when they are stale), ``paint`` draws everything directly
    (exports), ``damage`` says what a cursor move needs repainted.
    """

    def __init__(self, layout: DiagramLayout, owner: QWidget, canvas: QWidget) -> None:
        self.layout = layout
        self._owner = owner
        self._canvas = canvas
        self._selection: Selection | None = None
        self._generation = 0  # bumped whenever the cached images must be drawn again
        self._static: QImage | None = None
        self._static_key: tuple | None = None
        self._names: QImage | None = None
        self._names_key: tuple | None = None
        self._status_times = np.empty(0, dtype=np.int64)  # when any host changes state
        self._colour_cache: tuple[int, DiagramColours] | None = None
        self._density: tuple[Frame, int, QImage, np.ndarray] | None = None
        self._drawings = 0
        self._bands: dict[str, str] = {}  # host -> the state field its line is coloured by
        self._faults: list = []  # the faults of the run shown (its trace header's scenario)

    # -- state -----------------------------------------------------------------------
    @property
    def selection(self) -> Selection | None:
        """The highlighted event and its causal past and future (None: no highlight)."""
        return self._selection

    @selection.setter
    def selection(self, selection: Selection | None) -> None:
        self._selection = selection
        self.invalidate()

    @property
    def cached(self) -> bool:
        """Whether a drawing of the diagram is kept (cursor moves then repaint from it)."""
        return self._static is not None

    @property
    def cached_image(self) -> QImage | None:
        """The kept drawing of what does not move with the cursor (None when it must be drawn)."""
        return self._static

    @property
    def drawings(self) -> int:
        """How many times the diagram (not only its cursor) has been drawn for the screen."""
        return self._drawings

    def invalidate(self) -> None:
        """Forget the cached images: the next paint draws the diagram again."""
        self._generation += 1
        self._static = None
        self._names = None

    def timeline_changed(self) -> None:
        """Read the times at which the hosts change state from the layout's new timeline."""
        tl = self.layout.timeline
        self._status_times = state_change_times(tl)
        self._faults = run_faults(tl.scenario) if tl is not None else []
        self._bands = {}
        if tl is not None and tl.state_fields:
            for h, fields in host_fields(tl.scenario).items():
                band = band_field(fields)
                if band is not None and tl.state_intervals(h, band):
                    self._bands[h] = band
        self.invalidate()

    def band_of(self, host: str) -> str | None:
        """The protocol state field that colours ``host``'s line (its role), or None."""
        return self._bands.get(host)

    def colours(self) -> DiagramColours:
        """The colours of the current palette (computed once per palette)."""
        palette = self._owner.palette()
        key = palette.cacheKey()
        if self._colour_cache is None or self._colour_cache[0] != key:
            self._colour_cache = (key, DiagramColours.of(palette))
        return self._colour_cache[1]

    def names_width(self, lay: Frame) -> float:
        """The width of the host names' column, short of its border line."""
        return max(1.0, lay.plot.left - 7)

    # -- the cache -------------------------------------------------------------------
    def _names_state(self) -> int:
        """How many host state changes have happened at the cursor (the names' cache key)."""
        return int(np.searchsorted(self._status_times, self.layout.time, side="right"))

    def _static_key_now(self, rect: QRect) -> tuple:
        """What the cached drawing depends on: window, axis, size, selection, palette, pixel ratio."""
        layout = self.layout
        a0, a1 = layout.window
        selected = self._selection.seq if self._selection is not None else None
        return (self._generation, a0, a1, layout.vscroll, layout.axis, selected,
                rect.width(), rect.height(), self._canvas.devicePixelRatioF(),
                self._owner.palette().cacheKey(), self._canvas.font().key())

    def _cache_image(self, width: float, height: float) -> QImage:
        """An opaque image of ``width`` x ``height`` logical pixels at the canvas's pixel ratio."""
        dpr = self._canvas.devicePixelRatioF()
        image = QImage(max(1, math.ceil(width * dpr)), max(1, math.ceil(height * dpr)),
                       QImage.Format.Format_RGB32)
        image.setDevicePixelRatio(dpr)
        return image

    def damage(self, before: int) -> list[QRect] | None:
        """What to repaint after the cursor moved from real time ``before`` (None: everything)."""
        rect = self._canvas.rect()
        lay = self.layout.cached_frame(rect.width(), rect.height())
        if self._static is None or self._static_key != self._static_key_now(rect) or lay is None:
            return None
        x0, x1 = self.layout.cursor_x(lay, before), self.layout.cursor_x(lay)
        names_stale = self._names_key != (self._static_key, self._names_state())
        if x0 == x1 and not names_stale:
            return []
        out = [QRect(math.floor(x) - 7, 0, 15, rect.height()) for x in (x0, x1)
               if lay.plot.left - 8 <= x <= lay.plot.right + 8]
        if names_stale:
            out.append(QRect(0, 0, math.ceil(lay.plot.left), rect.height()))
        return out

    def paint_screen(self, p: QPainter, rect: QRect, lay: Frame | None) -> None:
        """Paint the canvas from the cached images, drawing them first when they are stale."""
        tl = self.layout.timeline
        if tl is None or lay is None:
            self.paint(p, rect, None)
            return
        c = self.colours()
        key = self._static_key_now(rect)
        if self._static is None or self._static_key != key:
            image = self._cache_image(rect.width(), rect.height())
            painter = QPainter(image)
            try:
                painter.setFont(self._canvas.font())
                self._paint_static(painter, rect, c, lay, tl)
            finally:
                painter.end()
            self._static, self._static_key = image, key
            self._names = None
            self._drawings += 1
        names_key = (key, self._names_state())
        if self._names is None or self._names_key != names_key:
            image = self._cache_image(self.names_width(lay), rect.height())
            painter = QPainter(image)
            try:
                painter.setFont(self._canvas.font())
                self._paint_labels(painter, c, lay, tl, rect)
            finally:
                painter.end()
            self._names, self._names_key = image, names_key
        p.drawImage(QPointF(0, 0), self._static)
        p.drawImage(QPointF(0, 0), self._names)
        self._paint_now(p, c, lay)

    def export(self, path: Path, size: QSize, lay: Frame | None) -> bool:
        """Draw ``lay`` at ``size`` into ``path``: SVG for ``.svg``, else a raster image at twice
        the size (device pixel ratio 2). Returns whether the file was written."""
        rect = QRect(0, 0, size.width(), size.height())
        if path.suffix.lower() == ".svg":
            gen = QSvgGenerator()
            gen.setFileName(str(path))
            gen.setSize(size)
            gen.setViewBox(rect)
            gen.setTitle(_tr("Space-time diagram"))
            gen.setDescription(_tr("Exported from DS Sandbox"))
            painter = QPainter()
            if not painter.begin(gen):
                return False
            try:
                self.paint(painter, rect, lay)
            finally:
                painter.end()
            return path.is_file()
        scale = 2
        image = QImage(size * scale, QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(scale)
        image.fill(self._owner.palette().color(QPalette.ColorRole.Base))
        painter = QPainter(image)
        try:
            self.paint(painter, rect, lay)
        finally:
            painter.end()
        return image.save(str(path))

    # -- painting --------------------------------------------------------------------
    def paint(self, p: QPainter, rect: QRect, lay: Frame | None) -> None:
        """Paint everything directly (exports; the screen goes through :meth:`paint_screen`)."""
        c = self.colours()
        p.setFont(self._canvas.font())
        tl = self.layout.timeline
        if tl is None or lay is None:
            p.fillRect(rect, c.base)
            p.setPen(c.faint)
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter,
                       _tr("Run a scenario or open a trace to see its space-time diagram."))
            return
        self._paint_static(p, rect, c, lay, tl)
        self._paint_labels(p, c, lay, tl, rect)
        self._paint_now(p, c, lay)

    def _density_image(self, lay: Frame) -> QImage | None:
        """The density strips of ``lay`` as an image in the message colour (kept per frame)."""
        if lay.density_alpha is None or lay.density_rows is None:
            return None
        colour = DiagramColours.of(self._owner.palette()).message
        rgba = colour.rgba()
        if self._density is not None and self._density[0] is lay and self._density[1] == rgba:
            return self._density[2]
        h, w = lay.density_alpha.shape
        buf = np.zeros((h, w, 4), dtype=np.uint8)
        rows = lay.density_rows
        # premultiplied-free RGBA: the colour on the strips, the density in alpha
        buf[rows, :, 0] = colour.red()
        buf[rows, :, 1] = colour.green()
        buf[rows, :, 2] = colour.blue()
        buf[:, :, 3] = lay.density_alpha
        image = QImage(buf.data, w, h, 4 * w, QImage.Format.Format_RGBA8888)
        self._density = (lay, rgba, image, buf)  # the image reads buf: keep both
        return image

    def _paint_static(self, p: QPainter, rect: QRect, c: DiagramColours, lay: Frame,
                      tl: Timeline) -> None:
        """Everything that does not move with the cursor (the host names apart)."""
        p.fillRect(rect, c.base)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        plot = lay.plot
        p.save()
        p.setClipRect(QRectF(plot.left - 8, plot.top, plot.width + 16, plot.height))
        self._paint_lanes(p, c, lay, tl)
        self._paint_grid(p, c, lay)
        selection = self._selection
        selecting = selection is not None
        if lay.detail:
            paint_messages(p, c, lay, tl, dim=selecting)
            paint_events(p, c, lay, tl, dim=selecting)
            if selection is not None:
                paint_selection(p, c, lay, tl, selection)
        else:
            density = self._density_image(lay)
            if density is not None:
                p.drawImage(QPointF(plot.left, plot.top), density)
            paint_marks_only(p, c, lay, tl, self.layout)
        p.restore()
        self._paint_ruler(p, c, lay, rect)
        # the column of host names (drawn over by _paint_labels) and its border
        width = plot.left - 6
        p.fillRect(QRectF(0, 0, width, rect.height()), c.window)
        p.setPen(QPen(c.grid, 1))
        p.drawLine(QLineF(width, 0, width, rect.height()))
        if not lay.detail:
            p.setPen(c.faint)
            small = QFont(p.font())
            small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
            p.setFont(small)
            p.drawText(QRectF(plot.left, plot.bottom - 18, plot.width - 4, 16),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       _tr("{0} events in view: zoom in to see messages").format(
                           f"{lay.i1 - lay.i0:,}"))

    def _paint_now(self, p: QPainter, c: DiagramColours, lay: Frame) -> None:
        """The time cursor: a line across the plot and its head on the ruler."""
        plot = lay.plot
        x = self.layout.cursor_x(lay)
        if not plot.left - 1 <= x <= plot.right + 1:
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(c.cursor, 1.6))
        p.drawLine(QLineF(x, plot.top, x, plot.bottom))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(c.cursor))
        p.drawPolygon(QPolygonF([QPointF(x - 5, RULER_H - 8), QPointF(x + 5, RULER_H - 8),
                                 QPointF(x, RULER_H - 1)]))
        p.setBrush(Qt.BrushStyle.NoBrush)

    def _paint_lanes(self, p: QPainter, c: DiagramColours, lay: Frame, tl: Timeline) -> None:
        """A line per host on alternate shading, broken where the host is crashed or paused."""
        plot = lay.plot
        x_of = self.layout.cursor_x
        x_left, x_right = plot.left - 8, plot.right + 8
        for i, y in enumerate(lay.lane_y.tolist()):
            if i % 2 == 1:
                p.fillRect(QRectF(x_left, y - lay.lane_h / 2, x_right - x_left, lay.lane_h), c.alt)
        if self._bands:
            self._paint_bands(p, lay, tl)
        if self._faults:
            self._paint_faults(p, lay, tl)
        start = max(plot.left, x_of(lay, 0))
        end = min(plot.right + 8, x_of(lay, tl.end))
        pen = QPen(c.lane, 1.4)
        p.setPen(pen)
        p.drawLines([QLineF(start, y, end, y) for y in lay.lane_y.tolist()])
        # crashed and paused periods
        for i, h in enumerate(tl.hosts):
            y = float(lay.lane_y[i])
            if y < plot.top - lay.lane_h or y > plot.bottom + lay.lane_h:
                continue
            for a, b, status in tl.status_intervals(h):
                if b < lay.t0 or a > lay.t1:
                    continue
                xa = max(plot.left - 8, x_of(lay, a))
                xb = min(plot.right + 8, x_of(lay, b))
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

    @property
    def faults(self) -> list:
        """The faults marked on the diagram: those of the run shown, in schedule order."""
        return list(self._faults)

    def fault_lanes(self, tl: Timeline, fault: object) -> list[int]:
        """The lanes (host positions) a fault is marked on: its hosts', or for a dropped
        message its sender's."""
        hosts = fault_hosts(fault)
        if not hosts and getattr(fault, "kind", "") == "drop_message":
            i = tl.message_index(int(fault.msg))  # type: ignore[attr-defined]
            if i >= 0:
                return [int(tl.msg_src[i])]
        return [tl.host_index[h] for h in hosts if h in tl.host_index]

    def _paint_faults(self, p: QPainter, lay: Frame, tl: Timeline) -> None:
        """Each fault as a short stroke with a small head across its hosts' lanes at its time,
        and a faint band along them to its end when it lasts."""
        plot = lay.plot
        x_of = self.layout.cursor_x
        dark = is_dark(self._owner.palette())
        half = lay.lane_h * 0.36
        lo, hi = plot.left - 8, plot.right + 8
        for fault in self._faults:
            colour = fault_colour(fault.kind, dark)
            start = fault_time(fault)
            end = fault_end(fault)
            if end is None and fault.kind in ("partition", "link_cut"):
                end = tl.end
            if start > lay.t1 or (end if end is not None else start) < lay.t0:
                continue
            x = x_of(lay, start)
            for i in self.fault_lanes(tl, fault):
                y = float(lay.lane_y[i])
                if y < plot.top - lay.lane_h or y > plot.bottom + lay.lane_h:
                    continue
                if end is not None and end > start:
                    xa, xb = max(lo, x), min(hi, x_of(lay, end))
                    if xb > xa:
                        band = QColor(colour)
                        band.setAlphaF(0.14 if dark else 0.10)
                        p.fillRect(QRectF(xa, y - half, xb - xa, 2 * half), band)
                        edge = QColor(colour)
                        edge.setAlphaF(0.55)
                        p.fillRect(QRectF(xa, y + half - 1.5, xb - xa, 1.5), edge)
                if not lo <= x <= hi:
                    continue
                draw_fault_mark(p, colour, x, y, half)

    def _paint_bands(self, p: QPainter, lay: Frame, tl: Timeline) -> None:
        """Each host's role as a band along its line, in the role's colour, named where it
        begins when there is room."""
        plot = lay.plot
        x_of = self.layout.cursor_x
        dark = is_dark(self._owner.palette())
        font = QFont(self._canvas.font())
        font.setPointSizeF(max(6.5, font.pointSizeF() - 2))
        p.setFont(font)
        fm = p.fontMetrics()
        half = lay.lane_h * 0.42
        for i, h in enumerate(tl.hosts):
            band = self._bands.get(h)
            if band is None:
                continue
            y = float(lay.lane_y[i])
            if y < plot.top - lay.lane_h or y > plot.bottom + lay.lane_h:
                continue
            for a, b, value, _seq in tl.state_intervals(h, band):
                if b < lay.t0 or a > lay.t1:
                    continue
                xa = max(plot.left - 8, x_of(lay, a))
                xb = min(plot.right + 8, x_of(lay, b))
                colour = state_colour(value, dark)
                fill = QColor(colour)
                fill.setAlphaF(0.22 if dark else 0.16)
                p.fillRect(QRectF(xa, y - half, max(1.0, xb - xa), 2 * half), fill)
                p.fillRect(QRectF(xa, y - half, max(1.0, xb - xa), 2.0), colour)
                text = value_text(value)
                room = xb - xa - 6
                if lay.lane_h >= 14 and room >= fm.horizontalAdvance(text):
                    p.setPen(colour.lighter(130) if dark else colour.darker(130))
                    p.drawText(QPointF(xa + 3, y - half + fm.ascent() + 1), text)

    def _paint_grid(self, p: QPainter, c: DiagramColours, lay: Frame) -> None:
        """A faint vertical line at each tick of the ruler."""
        plot = lay.plot
        xs = [x for _v, x in self.layout.ticks(lay)]
        p.setPen(QPen(c.grid, 1))
        p.drawLines([QLineF(x, plot.top, x, plot.bottom) for x in xs])

    def _paint_ruler(self, p: QPainter, c: DiagramColours, lay: Frame, rect: QRect) -> None:
        """The time ruler above the plot, with the values of its ticks."""
        plot = lay.plot
        p.fillRect(QRectF(0, 0, rect.width(), RULER_H), c.window)
        p.setPen(QPen(c.lane, 1))
        p.drawLine(QLineF(0, RULER_H - 0.5, rect.width(), RULER_H - 0.5))
        unit, name, decimals = self.layout.tick_format(lay)
        font = QFont(p.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        p.setFont(font)
        fm = p.fontMetrics()
        for v, x in self.layout.ticks(lay):
            p.setPen(QPen(c.lane, 1))
            p.drawLine(QLineF(x, RULER_H - 6, x, RULER_H - 1))
            text = f"{v / unit:.{decimals}f} {name}"
            w = fm.horizontalAdvance(text)
            if x - w / 2 >= plot.left - 4 and x + w / 2 <= rect.width() - 2:
                p.setPen(c.text)
                p.drawText(QPointF(x - w / 2, RULER_H - 9), text)

    def _paint_labels(self, p: QPainter, c: DiagramColours, lay: Frame, tl: Timeline,
                      rect: QRect) -> None:
        """The host names, coloured by the host's state at the cursor, and the axis's name."""
        plot = lay.plot
        axis_host = self.layout.axis
        width = plot.left - 6
        p.fillRect(QRectF(0, 0, self.names_width(lay), rect.height()), c.window)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        font = QFont(self._canvas.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        p.setFont(font)
        p.setPen(c.faint)
        axis = _tr("real time") if axis_host is None else _tr("{0} clock").format(axis_host)
        p.drawText(QRectF(6, 0, width - 8, RULER_H - 2),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   p.fontMetrics().elidedText(axis, Qt.TextElideMode.ElideRight, int(width - 8)))
        font = QFont(self._canvas.font())
        p.setFont(font)
        fm = p.fontMetrics()
        p.save()
        p.setClipRect(QRectF(0, RULER_H, width, rect.height() - RULER_H))
        states = tl.host_states(self.layout.time)
        for i, h in enumerate(tl.hosts):
            y = float(lay.lane_y[i])
            if y < RULER_H - lay.lane_h or y > rect.height() + lay.lane_h:
                continue
            chip = QRectF(8, y - 5, 10, 10)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QBrush(host_colour(i)))
            p.drawRoundedRect(chip, 2.5, 2.5)
            p.setBrush(Qt.BrushStyle.NoBrush)
            status = states.status.get(h, "up")
            bold = QFont(font)
            bold.setBold(h == axis_host)
            p.setFont(bold)
            p.setPen(c.crash if status == "crashed" else c.pause if status == "paused"
                     else c.text)
            p.drawText(QRectF(24, y - fm.height() / 2, width - 28, fm.height()),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       fm.elidedText(h, Qt.TextElideMode.ElideRight, int(width - 28)))
        p.restore()
