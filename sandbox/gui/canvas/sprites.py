"""The sprites of the canvas animation: the overlay item that draws a frame of what is in flight.

:class:`AnimationLayer` draws the :class:`~sandbox.trace.inflight.Frame` its
:class:`~.animation.CanvasAnimator` holds: message dots (sprites stamped into
one image with numpy on screen, vector shapes in an export), drop crosses and
their reasons, memory pulses, state flashes, clock readouts and "suspected
by" tags.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPaintEngine,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from ...trace.inflight import (
    COST_BINS,
    LATE_OFFSET,
    N_BASE,
    STYLE_MEMORY,
    STYLE_SYSTEM,
    Frame,
)
from ..theme import state_colour
from .items import HOST_HEIGHT, HOST_WIDTH, Z_HOST, CanvasColours, canvas_colours, mix, with_alpha

if TYPE_CHECKING:
    from .animation import CanvasAnimator

#: Sideways offsets (device pixels): the lane of a direction and a duplicate's extra shift.
LANE_PX = 3.5
DUP_PX = 8.0
#: Radius (device pixels) of a dot, of the ring of a late one, and of a memory diamond.
DOT_RADIUS = 5.4
LATE_RADIUS = 8.4
DIAMOND_RADIUS = 7.0
#: Below this zoom host cards hide their clock badge (as HostItem draws them).
BADGE_MIN_ZOOM = 0.3
#: Half the width of a drop cross (device pixels) and its fading steps.
CROSS_ARM = 5.5
CROSS_STEPS = 6
#: Marks are drawn this much smaller when the view is zoomed out below SMALL_MARKS_ZOOM.
SMALL_MARKS = 0.75
SMALL_MARKS_ZOOM = 0.5
#: Above this many, drop crosses are drawn without their reason label.
MAX_LABELLED_CROSSES = 40

#: Sprites of drop crosses (one per fading step) come after the dots' (late ones included).
_CROSS0 = 2 * N_BASE

_ORANGE = QColor("#f97316")
_MAGENTA = QColor("#c026d3")
_RED = QColor("#e5484d")
_GREEN = QColor("#22c55e")
_AMBER = QColor("#f59e0b")
_COST_STOPS = ((0.0, QColor("#10b981")), (0.45, QColor("#eab308")),
               (0.75, QColor("#f97316")), (1.0, QColor("#dc2626")))

_CLOCK = QColor("#f5a524")
_STATE_FLASH = {"crash": _RED, "recover": _GREEN, "clock_adjust": _AMBER}


def ramp(f: float) -> QColor:
    """The cost colour at ``f`` (0 cheap .. 1 expensive)."""
    f = min(1.0, max(0.0, f))
    for (a, ca), (b, cb) in zip(_COST_STOPS, _COST_STOPS[1:], strict=False):
        if f <= b:
            return mix(ca, cb, (f - a) / (b - a))
    return QColor(_COST_STOPS[-1][1])


def style_colours(c: CanvasColours) -> list[QColor]:
    """The fill colour of each base style, for the palette ``c``."""
    normal = QColor(c.highlight)
    if c.dark:
        normal = normal.lighter(125)
    system = mix(c.muted, c.text, 0.2)
    bins = [ramp((k + 0.5) / COST_BINS) for k in range(COST_BINS)]
    unknown = mix(c.muted, QColor("#10b981"), 0.5)
    return [normal, _ORANGE, _MAGENTA, system, *bins, unknown]


def pulse_centre(x: float, y: float) -> tuple[float, float]:
    """Where the memory pulse of the host card centred at (x, y) is drawn: on its icon."""
    return x - HOST_WIDTH / 2 + 26, y


def badge_font() -> QFont:
    """The font of a clock readout (as the host card's own badge)."""
    font = QFont(QGuiApplication.font())
    font.setPixelSize(10)
    font.setBold(True)
    return font


def badge_rect(xy: tuple[float, float], text_width: float) -> QRectF:
    """The clock badge of a host card centred at ``xy`` (where HostItem puts its own)."""
    w = text_width + 22
    return QRectF(xy[0] + HOST_WIDTH / 2 - w + 4, xy[1] - HOST_HEIGHT / 2 - 10, w, 17)


def _tag_font(p: QPainter) -> tuple[QFontMetricsF, float]:
    """Set the small bold font of the tags drawn by hosts (suspicions, protocol badges) on
    ``p``; return its metrics and the lift that centres its text on a line."""
    font = QFont(QGuiApplication.font())
    font.setPixelSize(10)
    font.setBold(True)
    p.setFont(font)
    fm = QFontMetricsF(font)
    return fm, (fm.ascent() - fm.descent()) / 2


class AnimationLayer(QGraphicsItem):
    """The overlay that draws a frame of the animation over the whole scene.

    It never takes mouse or hover events and has an empty shape, so the
    editor's picking ignores it. On screen the dots are stamped as sprites
    into one image (fast); when rendered to another device (an export) each
    is drawn as a vector shape.
    """

    def __init__(self, animator: CanvasAnimator) -> None:
        super().__init__()
        self._animator = animator
        self._bounds = QRectF()
        self._sprites: list[tuple[np.ndarray, np.ndarray]] = []
        self._sprite_key: tuple[Any, ...] | None = None
        self._sprite_size = 0
        self._buffer: np.ndarray | None = None
        self._image: QImage | None = None
        self._buffer_key: tuple[int, int, int] | None = None
        self._badges: dict[tuple, QPixmap] = {}
        self._stamped: tuple | None = None
        self.setZValue(Z_HOST + 0.5)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, False)
        # exposedRect tells paint which part of the scene is being drawn.
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)

    def set_bounds(self, rect: QRectF) -> None:
        """The area the overlay may draw in (the scene rect)."""
        if rect != self._bounds:
            self.prepareGeometryChange()
            self._bounds = QRectF(rect)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        """The whole scene."""
        return self._bounds

    def shape(self) -> QPainterPath:
        """Empty: the overlay is never under the pointer."""
        return QPainterPath()

    # -- sprites -------------------------------------------------------------------------
    def _ensure_sprites(self, c: CanvasColours, dpr: float, scale: float) -> None:
        """Render the sprite of every mark for the palette, pixel ratio and mark scale."""
        key = (id(c), round(dpr, 3), scale)
        if self._sprite_key == key and self._sprites:
            return
        dpr *= scale
        size = int(math.ceil((2 * LATE_RADIUS + 4) * dpr)) | 1
        colours = self._animator.style_colours(c)
        outline = c.card if c.dark else QColor("white")
        sprites: list[tuple[np.ndarray, np.ndarray]] = []
        for late in (False, True):
            for base in range(N_BASE):
                img = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
                img.fill(0)
                p = QPainter(img)
                p.setRenderHint(QPainter.RenderHint.Antialiasing)
                p.scale(dpr, dpr)
                centre = QPointF(size / dpr / 2, size / dpr / 2)
                _draw_dot(p, centre, base, late, colours[base], outline)
                p.end()
                bits = np.frombuffer(img.constBits(), dtype=np.uint32, count=size * size)
                used = np.flatnonzero(bits)
                # Each sprite keeps only its painted pixels: (offsets y, x) and values.
                sprites.append((np.stack(np.divmod(used, size)).astype(np.int32),
                                bits[used].copy()))
        for step in range(1, CROSS_STEPS + 1):
            img = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
            img.fill(0)
            p = QPainter(img)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.scale(dpr, dpr)
            p.setOpacity(step / CROSS_STEPS)
            _draw_cross(p, QPointF(size / dpr / 2, size / dpr / 2), c.background)
            p.end()
            bits = np.frombuffer(img.constBits(), dtype=np.uint32, count=size * size)
            used = np.flatnonzero(bits)
            sprites.append((np.stack(np.divmod(used, size)).astype(np.int32), bits[used].copy()))
        self._sprites = sprites
        self._sprite_size = size
        self._sprite_key = key

    def _ensure_buffer(self, w: int, h: int) -> tuple[np.ndarray, QImage]:
        s = self._sprite_size
        key = (w, h, s)
        if self._buffer_key != key or self._buffer is None or self._image is None:
            stride = w + 2 * s
            self._buffer = np.zeros(stride * (h + 2 * s), dtype=np.uint32)
            self._image = QImage(self._buffer.data, stride, h + 2 * s, stride * 4,
                                 QImage.Format.Format_ARGB32_Premultiplied)
            self._buffer_key = key
            self._stamped = None
        return self._buffer, self._image

    # -- painting ------------------------------------------------------------------------
    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        """Flashes, pulses, clock readouts and suspicions, then the dots and the drop crosses."""
        animator = self._animator
        frame = animator.frame
        if frame is None:
            return
        c = canvas_colours(self.scene().palette() if self.scene() is not None else None)
        transform = p.worldTransform()
        zoom = math.hypot(transform.m11(), transform.m12()) or 1.0
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_flashes(p, frame, zoom)
        self._paint_pulses(p, frame, zoom)
        engine = p.paintEngine()
        raster = (widget is not None and engine is not None
                  and engine.type() == QPaintEngine.Type.Raster)
        area = self._visible_area(p, option)
        self._paint_badges(p, c, area, zoom, raster)
        self._paint_suspects(p, c, area, zoom)
        self._paint_protocol(p, c, area, zoom)
        x, y = animator.dot_xy(zoom)
        if raster:
            steps = np.clip(np.ceil(frame.cross_alpha * CROSS_STEPS), 1, CROSS_STEPS)
            self._stamp(p, c, np.concatenate([x, frame.cross_x]),
                        np.concatenate([y, frame.cross_y]),
                        np.concatenate([frame.style, (_CROSS0 - 1 + steps).astype(np.int16)]))
            self._paint_cross_labels(p, c, frame, zoom)
        else:
            self._draw_dots(p, c, frame, x, y, zoom)
            self._paint_crosses(p, c, frame, zoom)

    def _stamp(self, p: QPainter, c: CanvasColours, x: np.ndarray, y: np.ndarray,
               style: np.ndarray) -> None:
        """Stamp the sprite of each mark (a dot or a cross) into one image, then draw it once.

        Styles are stamped in order (normal dots first, then the rarer, more
        telling marks, crosses last) so that those lie on top where marks overlap.
        """
        if not len(x):
            return
        device = p.device()
        dpr = device.devicePixelRatioF() if hasattr(device, "devicePixelRatioF") else 1.0
        t = p.worldTransform()
        zoom = math.hypot(t.m11(), t.m12()) or 1.0
        self._ensure_sprites(c, dpr, SMALL_MARKS if zoom < SMALL_MARKS_ZOOM else 1.0)
        w = int(math.ceil(device.width() * dpr))
        h = int(math.ceil(device.height() * dpr))
        s = self._sprite_size
        dx = (t.m11() * x + t.m21() * y + t.dx()) * dpr
        dy = (t.m12() * x + t.m22() * y + t.dy()) * dpr
        left = np.rint(dx) - s // 2
        top = np.rint(dy) - s // 2
        inside = (left > -s) & (left < w) & (top > -s) & (top < h)
        if not inside.any():
            return
        buf, image = self._ensure_buffer(w, h)
        # A partial repaint of the same frame (a hover, a tooltip) reuses the image.
        key = (self._animator.frame.serial, t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy(),
               self._sprite_key, len(x))
        if key != self._stamped:
            self._stamped = key
            self._fill(buf, w, s, style, left, top, inside)
        image.setDevicePixelRatio(dpr)
        p.save()
        p.resetTransform()
        p.drawImage(QPointF(-s / dpr, -s / dpr), image)
        p.restore()

    def _fill(self, buf: np.ndarray, w: int, s: int, style: np.ndarray, left: np.ndarray,
              top: np.ndarray, inside: np.ndarray) -> None:
        """Clear the image and stamp the marks inside it, style by style."""
        stride = w + 2 * s
        buf.fill(0)
        style = style[inside]
        base = ((top[inside] + s) * stride + (left[inside] + s)).astype(np.int32)
        present = np.bincount(style, minlength=len(self._sprites))
        for st in np.flatnonzero(present).tolist():
            offsets, values = self._sprites[st]
            at = base if present[st] == len(base) else base[style == st]
            where = at[:, None] + (offsets[0] * stride + offsets[1])[None, :]
            buf[where] = values

    def _draw_dots(self, p: QPainter, c: CanvasColours, frame: Frame, x: np.ndarray,
                   y: np.ndarray, zoom: float) -> None:
        colours = self._animator.style_colours(c)
        outline = c.card if c.dark else QColor("white")
        p.save()
        for xi, yi, st in zip(x.tolist(), y.tolist(), frame.style.tolist(), strict=True):
            late = st >= LATE_OFFSET
            base = st - LATE_OFFSET if late else st
            p.save()
            p.translate(xi, yi)
            p.scale(1 / zoom, 1 / zoom)
            _draw_dot(p, QPointF(0, 0), base, late, colours[base], outline)
            p.restore()
        p.restore()

    def _paint_crosses(self, p: QPainter, c: CanvasColours, frame: Frame, zoom: float) -> None:
        """The drop crosses as vector shapes (exports), then their labels."""
        for x, y, a in zip(frame.cross_x.tolist(), frame.cross_y.tolist(),
                           frame.cross_alpha.tolist(), strict=True):
            p.save()
            p.translate(x, y)
            p.scale(1 / zoom, 1 / zoom)
            p.setOpacity(max(0.0, min(1.0, a)))
            _draw_cross(p, QPointF(0, 0), c.background)
            p.restore()
        self._paint_cross_labels(p, c, frame, zoom)

    def _paint_cross_labels(self, p: QPainter, c: CanvasColours, frame: Frame,
                            zoom: float) -> None:
        """Why each message was lost, under its cross, when there are few and they are near."""
        n = len(frame.cross_x)
        if not n or n > MAX_LABELLED_CROSSES or zoom < 0.6:
            return
        font = QFont(QGuiApplication.font())
        font.setPixelSize(10)
        fm = QFontMetricsF(font)
        p.setFont(font)
        for k, (x, y, a, ux, uy) in enumerate(zip(
                frame.cross_x.tolist(), frame.cross_y.tolist(), frame.cross_alpha.tolist(),
                frame.cross_ux.tolist(), frame.cross_uy.tolist(), strict=True)):
            text = self._animator.reason_text(frame.cross_reason[k])
            if not text:
                continue
            alpha = max(0, min(255, int(255 * a)))
            w = fm.horizontalAdvance(text) + 10
            # Behind the cross, on the way the message came: clear of the host it was
            # heading for.
            back = 12 + abs(ux) * w / 2 + abs(uy) * 8
            box = QRectF(-ux * back - w / 2, -uy * back - 7.5, w, 15)
            p.save()
            p.translate(x, y)
            p.scale(1 / zoom, 1 / zoom)
            p.setPen(QPen(with_alpha(_RED, int(alpha * 0.55)), 1))
            p.setBrush(with_alpha(c.card, int(alpha * 0.92)))
            p.drawRoundedRect(box, 7.5, 7.5)
            p.setPen(with_alpha(mix(_RED, c.text, 0.3), alpha))
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
            p.restore()

    def _paint_pulses(self, p: QPainter, frame: Frame, zoom: float) -> None:
        if not frame.pulses:
            return
        for hx, hy, age, cost in frame.pulses:
            x, y = pulse_centre(hx, hy)
            colour = self._animator.cost_colour(cost)
            fade = 1.0 - age
            r = (9.0 + 13.0 * age) / zoom
            pen = QPen(with_alpha(colour, int(235 * fade + 20)), 2.6 - 1.4 * age)
            pen.setCosmetic(True)
            p.setPen(pen)
            p.setBrush(with_alpha(colour, int(70 * fade)))
            p.drawEllipse(QPointF(x, y), r, r)

    def _paint_flashes(self, p: QPainter, frame: Frame, zoom: float) -> None:
        if not frame.flashes:
            return
        p.setBrush(Qt.BrushStyle.NoBrush)
        for x, y, age, kind in frame.flashes:
            colour = _STATE_FLASH.get(kind, _AMBER)
            pen = QPen(with_alpha(colour, int(220 * (1.0 - age))), 3.0 - 1.5 * age)
            pen.setCosmetic(True)
            p.setPen(pen)
            if kind == "clock_adjust":
                centre = QPointF(x + HOST_WIDTH / 2 - 14, y - HOST_HEIGHT / 2 - 2)
                r = (7.0 + 10.0 * age) / zoom
                p.drawEllipse(centre, r, r)
                continue
            grow = (4.0 + 18.0 * age) / zoom
            rect = QRectF(x - HOST_WIDTH / 2 - grow, y - HOST_HEIGHT / 2 - grow,
                          HOST_WIDTH + 2 * grow, HOST_HEIGHT + 2 * grow)
            p.drawRoundedRect(rect, 9 + grow, 9 + grow)

    def _paint_suspects(self, p: QPainter, c: CanvasColours, area: QRectF, zoom: float) -> None:
        """A "suspected by …" tag under each suspected host in ``area``."""
        if zoom < 0.45:
            return
        labels = self._animator.suspect_labels()
        if not labels:
            return
        fm, lift = _tag_font(p)
        ink = _AMBER.lighter(115) if c.dark else _AMBER.darker(150)
        border = QPen(with_alpha(_AMBER, 210), 1)
        fill = mix(c.card, _AMBER, 0.22 if c.dark else 0.14)
        reach = area.adjusted(-HOST_WIDTH, -HOST_HEIGHT, HOST_WIDTH, HOST_HEIGHT)
        for (x, y), text in labels:
            if not reach.contains(x, y):
                continue
            adv = fm.horizontalAdvance(text)
            box = QRectF(x - (adv + 14) / 2, y + HOST_HEIGHT / 2 + 5, adv + 14, 16)
            p.setPen(border)
            p.setBrush(fill)
            p.drawRoundedRect(box, 8, 8)
            p.setPen(ink)
            p.drawText(QPointF(box.left() + 7, box.center().y() + lift), text)

    def _paint_protocol(self, p: QPainter, c: CanvasColours, area: QRectF, zoom: float) -> None:
        """Each host's protocol badge (role, term, token...) above its card, in its role's
        colour."""
        if zoom < 0.45:
            return
        badges = self._animator.protocol_badges()
        if not badges:
            return
        fm, lift = _tag_font(p)
        reach = area.adjusted(-HOST_WIDTH, -HOST_HEIGHT, HOST_WIDTH, HOST_HEIGHT)
        for (x, y), text, role in badges:
            if not reach.contains(x, y):
                continue
            tone = state_colour(role, c.dark) if role is not None else c.muted
            shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, HOST_WIDTH + 40)
            adv = fm.horizontalAdvance(shown)
            box = QRectF(x - HOST_WIDTH / 2 - 2, y - HOST_HEIGHT / 2 - 30, adv + 24, 17)
            p.setPen(QPen(with_alpha(tone, 220), 1))
            p.setBrush(mix(c.card, tone, 0.24 if c.dark else 0.13))
            p.drawRoundedRect(box, 8.5, 8.5)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(tone)
            p.drawEllipse(QPointF(box.left() + 9, box.center().y()), 3.5, 3.5)
            p.setPen(tone.lighter(125) if c.dark else tone.darker(135))
            p.drawText(QPointF(box.left() + 17, box.center().y() + lift), shown)

    @staticmethod
    def _visible_area(p: QPainter, option: QStyleOptionGraphicsItem) -> QRectF:
        """The part of the scene being painted (exposed and on the device)."""
        area = option.exposedRect
        device = p.device()
        inverse, ok = p.worldTransform().inverted()
        if ok and device is not None:
            seen = inverse.mapRect(QRectF(0, 0, device.width(), device.height()))
            area = area.intersected(seen) if not area.isEmpty() else seen
        return area

    def _paint_badges(self, p: QPainter, c: CanvasColours, area: QRectF, zoom: float,
                      raster: bool) -> None:
        """Every visible host's clock readout, in the look of the host card's own badge.

        On screen each badge's frame comes from a small cached pixmap (one
        per width); only its text is drawn each frame.
        """
        animator = self._animator
        tl = animator.timeline
        if tl is None or zoom < BADGE_MIN_ZOOM:
            return
        hx, hy = animator.host_positions()
        pad_x, pad_y = HOST_WIDTH / 2 + 12, HOST_HEIGHT / 2 + 14
        seen = np.flatnonzero((hx >= area.left() - pad_x) & (hx <= area.right() + pad_x)
                              & (hy >= area.top() - pad_y) & (hy <= area.bottom() + pad_y))
        if not len(seen):
            return
        font = badge_font()
        fm = QFontMetricsF(font)
        p.setFont(font)
        ink = _CLOCK.lighter(120) if c.dark else _CLOCK.darker(170)
        scene = animator.scene
        selected = animator.selected_host
        lift = (fm.ascent() - fm.descent()) / 2
        dpr = p.device().devicePixelRatioF() if raster else 1.0
        for k in seen.tolist():
            h = tl.hosts[k]
            text = animator.clock_text(h)
            item = scene.host_item(h)
            if not text or item is None:
                continue
            box = badge_rect((float(hx[k]), float(hy[k])),
                              math.ceil(fm.horizontalAdvance(text)))
            p.setOpacity(0.6 if item.state == "crashed" else 1.0)
            if raster:
                pix = self._badge_pixmap(int(box.width()), c, h == selected, dpr)
                p.drawPixmap(QPointF(box.left() - 4, box.top() - 4), pix)
            else:
                _draw_badge_frame(p, box, c, h == selected)
            p.setPen(ink)
            # A plain baseline position: much cheaper than laying out in a rectangle.
            p.drawText(QPointF(box.left() + 16.5, box.center().y() + lift), text)
        p.setOpacity(1.0)

    def _badge_pixmap(self, width: int, c: CanvasColours, selected: bool, dpr: float) -> QPixmap:
        key = (width, selected, id(c), round(dpr, 3))
        pix = self._badges.get(key)
        if pix is None:
            if len(self._badges) > 64:
                self._badges.clear()
            pix = QPixmap(math.ceil((width + 8) * dpr), math.ceil(25 * dpr))
            pix.setDevicePixelRatio(dpr)
            pix.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pix)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            _draw_badge_frame(painter, QRectF(4, 4, width, 17), c, selected)
            painter.end()
            self._badges[key] = pix
        return pix


def _draw_badge_frame(p: QPainter, box: QRectF, c: CanvasColours, selected: bool) -> None:
    """A clock badge without its text: the pill, the clock glyph, a ring when selected."""
    ink = _CLOCK.lighter(120) if c.dark else _CLOCK.darker(170)
    if selected:
        p.setPen(QPen(c.highlight, 2.0))
        p.setBrush(Qt.BrushStyle.NoBrush)
        r = box.adjusted(-2.5, -2.5, 2.5, 2.5)
        p.drawRoundedRect(r, r.height() / 2, r.height() / 2)
    p.setPen(QPen(with_alpha(_CLOCK, 200), 1))
    p.setBrush(mix(c.card, _CLOCK, 0.22 if c.dark else 0.16))
    p.drawRoundedRect(box, 8.5, 8.5)
    centre = QPointF(box.left() + 9, box.center().y())
    p.setPen(QPen(ink, 1.2))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(centre, 4.2, 4.2)
    p.drawLine(centre, centre + QPointF(0, -2.5))
    p.drawLine(centre, centre + QPointF(2.1, 0))


def _draw_dot(p: QPainter, centre: QPointF, base: int, late: bool, colour: QColor,
              outline: QColor) -> None:
    """One message mark at ``centre`` (device-independent pixels)."""
    if late:
        p.setPen(QPen(_RED, 2.0))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(centre, LATE_RADIUS - 1.0, LATE_RADIUS - 1.0)
    p.setPen(QPen(outline, 1.5))
    p.setBrush(colour)
    if base >= STYLE_MEMORY:
        r = DIAMOND_RADIUS
        p.drawPolygon(QPolygonF([centre + QPointF(0, -r), centre + QPointF(r, 0),
                                 centre + QPointF(0, r), centre + QPointF(-r, 0)]))
    elif base == STYLE_SYSTEM:
        p.drawEllipse(centre, DOT_RADIUS - 1.0, DOT_RADIUS - 1.0)
    else:
        p.drawEllipse(centre, DOT_RADIUS, DOT_RADIUS)


def _draw_cross(p: QPainter, centre: QPointF, halo: QColor) -> None:
    """A drop cross at ``centre`` (device-independent pixels) on a halo of ``halo``."""
    d = CROSS_ARM
    lines = [QLineF(centre + QPointF(-d, -d), centre + QPointF(d, d)),
             QLineF(centre + QPointF(-d, d), centre + QPointF(d, -d))]
    for colour, width in ((with_alpha(halo, 210), 5.5), (_RED, 2.6)):
        pen = QPen(colour, width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        p.drawLines(lines)
