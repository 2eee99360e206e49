"""Canvas animation of a run: messages in flight, drops, host states, clocks, cut links, memory.

A :class:`CanvasAnimator` shows a :class:`~sandbox.trace.timeline.Timeline`
on a :class:`~sandbox.gui.canvas.scene.CanvasScene` at the time the player
gives it (:meth:`CanvasAnimator.set_time`). It changes the scene's items
only through their small run-state methods (``HostItem.set_state``,
``HostItem.set_clock_text``, ``LinkItem.set_cut``) and draws everything else
in one overlay item of its own, :class:`AnimationLayer`:

* every message in flight is a dot moving along its link (or its routed
  path) at its latency, on the right-hand lane of its direction; its colour
  says what it is: normal (the palette's highlight), corrupted (orange, from a
  third of its way on), Byzantine (magenta), a system notice (grey), and a
  memory-channel message of the DSM (a diamond coloured by the cost of the
  access it serves, cheap green to expensive red). A late message (timing
  failure) wears a red ring; a duplicate travels a little to the side;
* a dropped message travels to where it was lost and ends in a red cross
  that fades out, labelled with the reason when there are few; one dropped
  because its destination was down ends next to that destination;
* hosts are up, crashed, paused, suspected (tagged with who suspects them)
  or Byzantine; a crash and a recovery flash around the card;
* every host shows its local clock and skew (``1.204 s (+4.1 ms)``) in a
  badge where the card has its own; the selected host's has more digits and
  a highlight ring. The overlay draws these readouts (the cards' own badges
  are blanked with ``set_clock_text("")`` while a run is shown): a readout
  changes every frame, and a changed card re-renders its cached pixmap;
* links cut by a fault or crossing an active partition are shown cut;
* a local memory access pulses inside its host, coloured by its cost;
  :meth:`CanvasAnimator.memory_heat` gives the page heat the memory map shows.

Effects that must last long enough to be seen (a cross, a pulse, a flash) are
timed by the *effect window*, a span of simulated time worth
:data:`EFFECT_SECONDS` of wall time at the player's speed
(:meth:`CanvasAnimator.set_speed`); a drop cross lingers for its message's
flight time, at least one window and at most four.

Performance: a frame finds the messages in flight with the timeline's
interval index and places them with numpy; the overlay stamps pre-rendered
sprites into one image with numpy and draws that image once, so 2,000 dots
cost a few milliseconds. Host items are touched only when a state changes.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import shiboken6
from PySide6.QtCore import QLineF, QObject, QPointF, QRectF, Qt, Signal
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

from ...trace.timeline import (
    END_DROP,
    FLAG_BYZ,
    FLAG_CORRUPTED,
    FLAG_DUP,
    FLAG_LATE,
    NEVER,
    STATE_KINDS,
    Timeline,
)
from .items import HOST_HEIGHT, HOST_WIDTH, Z_HOST, CanvasColours, canvas_colours, mix, with_alpha

__all__ = [
    "EFFECT_SECONDS",
    "STYLE_NAMES",
    "AnimationLayer",
    "CanvasAnimator",
    "format_clock",
    "format_skew",
]

#: Wall-clock seconds an effect (a drop cross, a pulse, a flash) lasts at any speed.
EFFECT_SECONDS = 0.6
#: Where along its last hop a message lost on a link ends (0 start .. 1 end).
LOSS_AT = 0.72
#: Where a message stopped at the start of a cut or partitioned hop ends.
BLOCKED_AT = 0.16
#: Where a message dropped on arrival (destination down, partition, omission) ends.
ARRIVAL_AT = 0.9
#: Where a message dropped as it was sent (send omission, no route) ends.
SOURCE_AT = 0.1
#: Fraction of its flight after which a corrupted message shows corrupted.
CORRUPT_FROM = 0.35
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
#: How many cost bins colour memory-channel messages and pulses.
COST_BINS = 8
#: Above this many, drop crosses are drawn without their reason label.
MAX_LABELLED_CROSSES = 40
#: Local memory pulses shown per host at once (the most recent).
PULSES_PER_HOST = 3

# Dot styles (the base of a sprite index; a late one adds LATE_OFFSET).
_NORMAL, _CORRUPTED, _BYZ, _SYSTEM = 0, 1, 2, 3
_MEM0 = 4
_N_BASE = _MEM0 + COST_BINS + 1  # the last memory bin: cost unknown (invalidations)
LATE_OFFSET = _N_BASE
_CROSS0 = 2 * _N_BASE  # sprites of drop crosses, one per fading step

#: Names of the base styles, as :meth:`CanvasAnimator.dot_positions` reports them.
STYLE_NAMES = ("normal", "corrupted", "byzantine", "system") + ("memory",) * (COST_BINS + 1)

_ORANGE = QColor("#f97316")
_MAGENTA = QColor("#c026d3")
_RED = QColor("#e5484d")
_GREEN = QColor("#22c55e")
_AMBER = QColor("#f59e0b")
_COST_STOPS = ((0.0, QColor("#10b981")), (0.45, QColor("#eab308")),
               (0.75, QColor("#f97316")), (1.0, QColor("#dc2626")))

_CLOCK = QColor("#f5a524")
_STATE_FLASH = {"crash": _RED, "recover": _GREEN, "clock_adjust": _AMBER}


def _ramp(f: float) -> QColor:
    """The cost colour at ``f`` (0 cheap .. 1 expensive)."""
    f = min(1.0, max(0.0, f))
    for (a, ca), (b, cb) in zip(_COST_STOPS, _COST_STOPS[1:], strict=False):
        if f <= b:
            return mix(ca, cb, (f - a) / (b - a))
    return QColor(_COST_STOPS[-1][1])


def format_skew(ns: int) -> str:
    """A clock's skew, signed, in a readable unit: ``+4.1 ms``, ``-350 µs``, ``±0``."""
    if ns == 0:
        return "±0"
    a = abs(ns)
    value, unit = float(ns), "ns"
    for scale, name in ((1e9, "s"), (1e6, "ms"), (1e3, "µs")):
        if a >= scale:
            value, unit = ns / scale, name
            break
    text = f"{value:+.3g}"
    if "e" in text:
        text = f"{value:+.0f}"
    return f"{text} {unit}"


def format_clock(local: int, skew: int, digits: int = 3) -> str:
    """A clock readout: local time in seconds, then the skew when there is any.

    ``format_clock(1_204_000_000, 4_100_000)`` is ``"1.204 s (+4.1 ms)"``.
    """
    text = f"{local / 1e9:.{digits}f} s"
    return f"{text} ({format_skew(skew)})" if skew else text


def _digits(duration: int, speed: float = 1.0) -> int:
    """Decimals of a second worth showing: enough for the run's length (3, 6 or 9) and
    for the readout to move at the playback speed (its last digit about 30 times a second)."""
    by_length = 3 if duration >= 1_000_000_000 else 6 if duration >= 1_000_000 else 9
    by_speed = math.ceil(-math.log10(max(speed, 1e-9) / 30.0))
    return max(by_length, min(9, by_speed))


def _badge_font() -> QFont:
    font = QFont(QGuiApplication.font())
    font.setPixelSize(10)
    font.setBold(True)
    return font


def _badge_rect(xy: tuple[float, float], text_width: float) -> QRectF:
    """The clock badge of a host card centred at ``xy`` (where HostItem puts its own)."""
    w = text_width + 22
    return QRectF(xy[0] + HOST_WIDTH / 2 - w + 4, xy[1] - HOST_HEIGHT / 2 - 10, w, 17)


def _clip_ends(ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where the segments between card centres (a, b) leave card a and enter card b."""
    dx, dy = bx - ax, by - ay
    hw, hh = HOST_WIDTH / 2, HOST_HEIGHT / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        tx = np.where(dx != 0, hw / np.abs(dx), np.inf)
        ty = np.where(dy != 0, hh / np.abs(dy), np.inf)
    s = np.minimum(np.minimum(tx, ty), 0.5)
    return ax + dx * s, ay + dy * s, bx - dx * s, by - dy * s


_SERIAL = itertools.count(1)


class _Frame:
    """What one time shows: dots, crosses, pulses, flashes and labels (scene coordinates)."""

    __slots__ = ("ids", "x", "y", "nx", "ny", "off", "style", "dup", "cross_ids", "cross_x",
                 "cross_y", "cross_alpha", "cross_reason", "cross_ux", "cross_uy", "pulses", "flashes", "serial")

    def __init__(self) -> None:
        empty_f = np.empty(0, dtype=np.float64)
        self.ids = np.empty(0, dtype=np.int64)
        self.x = self.y = self.nx = self.ny = self.off = empty_f
        self.style = np.empty(0, dtype=np.int16)
        self.dup = np.empty(0, dtype=bool)
        self.cross_ids = np.empty(0, dtype=np.int64)
        self.cross_x = self.cross_y = self.cross_alpha = empty_f
        self.cross_reason: list[str] = []
        #: The direction each dropped message was travelling (unit vectors).
        self.cross_ux = self.cross_uy = empty_f
        #: (x, y, age 0..1, colour) of local memory pulses.
        self.pulses: list[tuple[float, float, float, QColor]] = []
        #: (host x, host y, age 0..1, kind) of state flashes.
        self.flashes: list[tuple[float, float, float, str]] = []
        #: A number that changes with every frame built (caches key on it).
        self.serial = next(_SERIAL)


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
            for base in range(_N_BASE):
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

    def _draw_dots(self, p: QPainter, c: CanvasColours, frame: _Frame, x: np.ndarray,
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

    def _paint_crosses(self, p: QPainter, c: CanvasColours, frame: _Frame, zoom: float) -> None:
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

    def _paint_cross_labels(self, p: QPainter, c: CanvasColours, frame: _Frame,
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
            text = frame.cross_reason[k]
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

    def _paint_pulses(self, p: QPainter, frame: _Frame, zoom: float) -> None:
        if not frame.pulses:
            return
        for x, y, age, colour in frame.pulses:
            fade = 1.0 - age
            r = (9.0 + 13.0 * age) / zoom
            pen = QPen(with_alpha(colour, int(235 * fade + 20)), 2.6 - 1.4 * age)
            pen.setCosmetic(True)
            p.setPen(pen)
            p.setBrush(with_alpha(colour, int(70 * fade)))
            p.drawEllipse(QPointF(x, y), r, r)

    def _paint_flashes(self, p: QPainter, frame: _Frame, zoom: float) -> None:
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
        font = QFont(QGuiApplication.font())
        font.setPixelSize(10)
        font.setBold(True)
        fm = QFontMetricsF(font)
        lift = (fm.ascent() - fm.descent()) / 2
        p.setFont(font)
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
        font = _badge_font()
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
            box = _badge_rect((float(hx[k]), float(hy[k])),
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
    if base >= _MEM0:
        r = DIAMOND_RADIUS
        p.drawPolygon(QPolygonF([centre + QPointF(0, -r), centre + QPointF(r, 0),
                                 centre + QPointF(0, r), centre + QPointF(-r, 0)]))
    elif base == _SYSTEM:
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


class CanvasAnimator(QObject):
    """Shows a run's timeline on a canvas scene at the player's time.

    ``CanvasAnimator(scene, timeline)``; then :meth:`set_time` for every
    frame (connect the player's ``time_changed``) and :meth:`set_speed` when
    the playback speed changes. :meth:`set_timeline` with None, or
    :meth:`clear`, removes every mark and gives the hosts and links back
    their editor look. :meth:`message_at` finds the message dot under a
    point (for the "drop this message" menu); :meth:`memory_heat` gives the
    page heat for the memory map.
    """

    #: The frame shown changed (after :meth:`set_time` or :meth:`set_timeline`).
    frame_changed = Signal()

    def __init__(self, scene, timeline: Timeline | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._scene = scene
        self._tl: Timeline | None = None
        self._time = 0
        self._speed = 1.0
        self._window_override: int | None = None
        self._frame: _Frame | None = None
        self._xy_cache: tuple[float, np.ndarray, np.ndarray] | None = None
        self._selected: str | None = None
        self._state_key = -1
        self._states_applied = False
        self._suspecters: dict[str, list[str]] = {}
        self._clock_cache: dict[tuple[str, bool], str] = {}
        self._layer: AnimationLayer | None = None
        # After a drag on the canvas the dots follow the hosts to their new places.
        scene.interaction_ended.connect(self._refresh)
        self._reason_text = {
            "loss": self.tr("lost"), "partition": self.tr("partitioned"),
            "crashed": self.tr("host down"), "link_cut": self.tr("link cut"),
            "no_route": self.tr("no route"), "omission": self.tr("omitted"),
            "injected": self.tr("dropped"),
        }
        if timeline is not None:
            self.set_timeline(timeline)

    # -- public API ----------------------------------------------------------------------
    @property
    def scene(self):
        """The canvas scene animated."""
        return self._scene

    @property
    def timeline(self) -> Timeline | None:
        """The timeline shown (None when idle)."""
        return self._tl

    @property
    def time(self) -> int:
        """The real time shown (ns)."""
        return self._time

    @property
    def frame(self) -> _Frame | None:
        """The frame shown (None when idle); the overlay draws it."""
        return self._frame

    @property
    def layer(self) -> AnimationLayer | None:
        """The overlay item (None when idle)."""
        return self._layer

    @property
    def selected_host(self) -> str | None:
        """The host whose clock readout is emphasised (more digits, a highlight ring)."""
        return self._selected

    @selected_host.setter
    def selected_host(self, host_id: str | None) -> None:
        self.set_selected_host(host_id)

    def set_selected_host(self, host_id: str | None) -> None:
        """Emphasise ``host_id``'s clock readout (None: no emphasis)."""
        host_id = host_id or None
        if host_id == self._selected:
            return
        self._selected = host_id
        if self._tl is not None:
            self._clock_cache = {}
            self._repaint()

    @property
    def speed(self) -> float:
        """The playback speed the effect window follows (simulated s per wall s)."""
        return self._speed

    def set_speed(self, speed: float) -> None:
        """Follow the player's speed: effects last about :data:`EFFECT_SECONDS` of wall time."""
        speed = float(speed)
        if speed > 0 and speed != self._speed:
            self._speed = speed
            self._refresh()

    @property
    def effect_window(self) -> int:
        """How long (simulated ns) an effect (cross, pulse, flash) lasts."""
        if self._window_override is not None:
            return self._window_override
        return max(1, int(EFFECT_SECONDS * self._speed * 1e9))

    def set_effect_window(self, ns: int | None) -> None:
        """Fix the effect window to ``ns`` (None: follow the speed again)."""
        self._window_override = None if ns is None else max(1, int(ns))
        self._refresh()

    def set_timeline(self, timeline: Timeline | None) -> None:
        """Show ``timeline`` from time 0; None clears every mark and restores the hosts."""
        if timeline is None:
            self.clear()
            return
        self._restore_items()
        self._tl = timeline
        self._prepare(timeline)
        self._time = 0
        self._state_key = -1
        self._clock_cache = {}
        self.set_time(0)

    def clear(self) -> None:
        """Forget the timeline: remove the overlay, hosts up with their own clock badge, links whole."""
        self._restore_items()
        self._tl = None
        self._frame = None
        self._xy_cache = None
        self._state_key = -1
        self._suspecters = {}
        self._clock_cache = {}
        if self._layer is not None and shiboken6.isValid(self._layer):
            scene = self._layer.scene()
            if scene is not None:
                scene.removeItem(self._layer)
        self._layer = None
        self.frame_changed.emit()

    def set_time(self, t_ns: int) -> None:
        """Show the run at real time ``t_ns``."""
        tl = self._tl
        self._time = int(t_ns)
        if tl is None:
            return
        self._ensure_layer()
        self._blank_badges()
        self._update_states()
        self._clock_cache = {}
        self._frame = self._build_frame(self._time)
        self._xy_cache = None
        self._repaint()
        self.frame_changed.emit()

    def message_at(self, scene_pos: QPointF, tolerance: float | None = None) -> int | None:
        """The id of the message dot under ``scene_pos`` (the nearest within reach), or None.

        ``tolerance`` is in scene units; by default a few pixels at the zoom
        of the scene's first view.
        """
        f = self._frame
        if f is None or not len(f.ids):
            return None
        zoom = self._view_zoom()
        reach = tolerance if tolerance is not None else (DOT_RADIUS + 3.0) / zoom
        x, y = self.dot_xy(zoom)
        d2 = (x - scene_pos.x()) ** 2 + (y - scene_pos.y()) ** 2
        k = int(np.argmin(d2))
        if d2[k] > reach * reach:
            return None
        return int(f.ids[k])

    def dot_positions(self) -> list[tuple[int, QPointF, str]]:
        """Every message dot shown: (message id, scene position, style).

        The style is a name of :data:`STYLE_NAMES` with ``+late`` for a late
        message and ``+dup`` for a duplicate: ``"corrupted+late"``.
        """
        f = self._frame
        if f is None:
            return []
        x, y = self.dot_xy(self._view_zoom())
        out = []
        for i, xi, yi, st, dup in zip(f.ids.tolist(), x.tolist(), y.tolist(), f.style.tolist(),
                                      f.dup.tolist(), strict=True):
            late = st >= LATE_OFFSET
            name = STYLE_NAMES[st - LATE_OFFSET if late else st]
            if late:
                name += "+late"
            if dup:
                name += "+dup"
            out.append((i, QPointF(xi, yi), name))
        return out

    def crosses(self) -> list[tuple[int, QPointF, str]]:
        """Every drop cross shown: (message id, scene position, reason)."""
        f = self._frame
        if f is None:
            return []
        reasons = self._tl.drop_reasons if self._tl is not None else []
        out = []
        for k, (i, x, y) in enumerate(zip(f.cross_ids.tolist(), f.cross_x.tolist(),
                                          f.cross_y.tolist(), strict=True)):
            r = int(self._tl.msg_reason[self._tl.message_index(i)]) if self._tl else -1
            out.append((i, QPointF(x, y), reasons[r] if r >= 0 else f.cross_reason[k]))
        return out

    def pulses(self) -> list[tuple[QPointF, float]]:
        """The local memory-access pulses shown: (scene centre, age 0..1)."""
        f = self._frame
        return [] if f is None else [(QPointF(x, y), age) for x, y, age, _ in f.pulses]

    def flashes(self) -> list[tuple[QPointF, str]]:
        """The state flashes shown: (host centre, event kind)."""
        f = self._frame
        return [] if f is None else [(QPointF(x, y), kind) for x, y, _, kind in f.flashes]

    def memory_heat(self, t: int | None = None) -> dict[int, float]:
        """Heat of the DSM pages at ``t`` (default: the time shown): page -> 0..1.

        Every access (local or remote) heats its page; heat decays with the
        effect window and is relative to the hottest page at that time.
        """
        tl = self._tl
        if tl is None or not len(tl.mem_t):
            return {}
        t = self._time if t is None else int(t)
        w = self.effect_window
        sl = tl.mem_between(t - 3 * w, t)
        pages = tl.mem_page[sl]
        ok = pages >= 0
        if not ok.any():
            return {}
        age = (t - tl.mem_t[sl][ok]).astype(np.float64)
        weight = np.exp(-age / w)
        p = pages[ok]
        sums = np.bincount(p, weights=weight)
        nz = np.flatnonzero(sums > 0)
        top = float(sums[nz].max())
        heat = (sums[nz] / max(top, 1.0)) ** 0.6
        keep = heat >= 0.02
        return dict(zip(nz[keep].tolist(), heat[keep].round(4).tolist(), strict=True))

    def cost_colour(self, cost: float) -> QColor:
        """The colour of a memory access of ``cost`` ns (log scale, local cost green)."""
        return _ramp(self._cost_fraction(cost))

    def style_colours(self, c: CanvasColours) -> list[QColor]:
        """The fill colour of each base style, for the palette ``c``."""
        normal = QColor(c.highlight)
        if c.dark:
            normal = normal.lighter(125)
        system = mix(c.muted, c.text, 0.2)
        bins = [_ramp((k + 0.5) / COST_BINS) for k in range(COST_BINS)]
        unknown = mix(c.muted, QColor("#10b981"), 0.5)
        return [normal, _ORANGE, _MAGENTA, system, *bins, unknown]

    def suspect_labels(self) -> list[tuple[tuple[float, float], str]]:
        """(host centre, "suspected by …") for every host a failure detector suspects."""
        out = []
        for target, who in self._suspecters.items():
            item = self._scene.host_item(target)
            if item is None or item.state == "crashed" and not who:
                continue
            shown = ", ".join(who[:3]) + ("…" if len(who) > 3 else "")
            out.append((item.xy, self.tr("suspected by {0}").format(shown)))
        return out

    def badge_rect(self, host_id: str) -> QRectF | None:
        """Where ``host_id``'s clock readout is drawn, in scene coordinates (None: nowhere)."""
        item = self._scene.host_item(host_id)
        text = self.clock_text(host_id)
        if item is None or not text:
            return None
        return _badge_rect(item.xy, QFontMetricsF(_badge_font()).horizontalAdvance(text))

    # -- preparing a timeline ------------------------------------------------------------
    def _prepare(self, tl: Timeline) -> None:
        n = len(tl.msg_id)
        #: Per message, computed the first time it is shown: the fraction of its last
        #: hop where it ends (NaN: not yet known) and the cost of its memory access.
        self._end_at = np.full(n, np.nan)
        self._cost = np.full(n, np.nan)
        self._routes: dict[int, tuple[tuple[int, int], ...]] = {}
        self._ch_mem = tl.channels.index("mem") if "mem" in tl.channels else -99
        self._ch_sys = tl.channels.index("sys") if "sys" in tl.channels else -99
        codes = [tl.kinds.index(k) for k in STATE_KINDS if k in tl.kinds]
        self._state_t = tl.t[np.isin(tl.kind_code, codes)]
        flash_codes = [tl.kinds.index(k) for k in _STATE_FLASH if k in tl.kinds]
        fpos = np.flatnonzero(np.isin(tl.kind_code, flash_codes))
        self._flash_t = tl.t[fpos]
        self._flash_host = tl.host_code[fpos]
        self._flash_kind = tl.kind_code[fpos]
        # Memory accesses: local ones pulse; remote ones give the cost of their messages.
        local = ~tl.mem_remote
        self._local_t = tl.mem_t[local]
        self._local_host = tl.host_code[tl.mem_pos[local]]
        self._local_cost = tl.mem_cost[local]
        remote = tl.mem_remote
        rhost = tl.host_code[tl.mem_pos[remote]]
        order = np.lexsort((tl.mem_t[remote], rhost))
        self._remote_host = rhost[order]
        self._remote_t = tl.mem_t[remote][order]
        self._remote_cost = tl.mem_cost[remote][order]
        self._remote_page = tl.mem_page[remote][order]
        self._req_cost: dict[int, float] = {}
        costs = tl.mem_cost[tl.mem_cost > 0]
        spec = (tl.scenario.get("memory") or {}) if isinstance(tl.scenario, dict) else {}
        lo = spec.get("local_cost") if isinstance(spec, dict) else None
        if not isinstance(lo, int) or lo <= 0:
            lo = int(costs.min()) if len(costs) else 1
        hi = int(costs.max()) if len(costs) else lo * 10
        self._cost_lo = float(max(1, lo))
        self._cost_hi = float(max(hi, self._cost_lo * 10))

    def _cost_fraction(self, cost: float) -> float:
        if not cost or cost <= 0 or not math.isfinite(cost):
            return 0.0
        lo, hi = getattr(self, "_cost_lo", 1.0), getattr(self, "_cost_hi", 10.0)
        return min(1.0, max(0.0, math.log(cost / lo) / math.log(hi / lo)))

    def _learn(self, idx: np.ndarray) -> None:
        """Work out where each of these messages ends (and what it costs) the first time."""
        tl = self._tl
        events = tl.events
        hidx = tl.host_index
        for i in idx.tolist():
            src, dst = int(tl.msg_src[i]), int(tl.msg_dst[i])
            d = events[int(tl.msg_send_pos[i])].data or {}
            path = d.get("path")
            hops: list[tuple[int, int]]
            if isinstance(path, list) and len(path) > 2:
                codes = [hidx.get(h, -1) for h in path]
                hops = list(zip(codes, codes[1:], strict=False))
            else:
                hops = [(src, dst)]
            end_at = 1.0
            end_pos = int(tl.msg_end_pos[i])
            if end_pos >= 0 and tl.msg_end_kind[i] == END_DROP:
                r = int(tl.msg_reason[i])
                reason = tl.drop_reasons[r] if r >= 0 else ""
                link = (events[end_pos].data or {}).get("link")
                k = None
                if isinstance(link, list) and len(link) == 2:
                    pair = (hidx.get(link[0], -2), hidx.get(link[1], -2))
                    k = next((j for j, hop in enumerate(hops) if hop == pair), len(hops) - 1)
                if k is not None:
                    hops = hops[:k + 1]
                    end_at = BLOCKED_AT if reason in ("link_cut", "partition") else LOSS_AT
                elif tl.msg_t_end[i] == tl.msg_t_send[i]:
                    hops = hops[:1]
                    end_at = SOURCE_AT
                else:
                    end_at = ARRIVAL_AT
            self._end_at[i] = end_at
            if len(hops) > 1:
                self._routes[i] = tuple(hops)
            if tl.msg_channel[i] == self._ch_mem:
                self._cost[i] = self._memory_cost(i, d)

    def _memory_cost(self, i: int, send_data: dict[str, Any]) -> float:
        """The cost of the access a memory-channel message serves (NaN when none)."""
        tl = self._tl
        payload = send_data.get("payload")
        if not isinstance(payload, dict):
            return math.nan
        kind = payload.get("type")
        req = payload.get("req")
        if kind == "mem_req":
            host, page = int(tl.msg_src[i]), payload.get("page")
        elif kind == "mem_rep":
            if isinstance(req, int) and req in self._req_cost:
                return self._req_cost[req]
            host, page = int(tl.msg_dst[i]), None
        else:
            return math.nan
        t0 = int(tl.msg_t_send[i])
        lo = int(np.searchsorted(self._remote_host, host, side="left"))
        hi = int(np.searchsorted(self._remote_host, host, side="right"))
        j = lo + int(np.searchsorted(self._remote_t[lo:hi], t0, side="left"))
        cost = math.nan
        for k in range(j, min(hi, j + 8)):
            if page is None or int(self._remote_page[k]) == page:
                cost = float(self._remote_cost[k])
                break
        if isinstance(req, int) and kind == "mem_req":
            self._req_cost[req] = cost
        return cost

    # -- a frame -------------------------------------------------------------------------
    def host_positions(self) -> tuple[np.ndarray, np.ndarray]:
        """Centres (x, y arrays) of the trace's hosts on the canvas now, by host code.

        A host missing from the canvas reads NaN, and so does code -1.
        """
        return self._host_xy()

    def _host_xy(self) -> tuple[np.ndarray, np.ndarray]:
        tl = self._tl
        xs = np.full(len(tl.hosts) + 1, np.nan)
        ys = np.full(len(tl.hosts) + 1, np.nan)
        scene = self._scene
        for k, h in enumerate(tl.hosts):
            item = scene.host_item(h)
            if item is not None:
                xs[k], ys[k] = item.xy
        return xs, ys  # index -1 (no host) reads NaN

    def _build_frame(self, t: int) -> _Frame:
        tl = self._tl
        frame = _Frame()
        w = self.effect_window
        idx = tl.message_indices(t, linger=4 * w)
        t0 = tl.msg_t_send[idx]
        t1 = tl.msg_t_end[idx]
        ended = t1 <= t
        dropped = tl.msg_end_kind[idx] == END_DROP
        if ended.any():
            flight = (t1 - t0).astype(np.float64)
            linger = np.clip(flight, w, 4 * w)
            keep = ~ended | (dropped & ((t - t1) < linger))
            idx, t0, t1, ended = idx[keep], t0[keep], t1[keep], ended[keep]
        unknown = idx[np.isnan(self._end_at[idx])]
        if len(unknown):
            self._learn(unknown)
        hx, hy = self._host_xy()
        src = tl.msg_src[idx]
        dst = tl.msg_dst[idx]
        ok = np.isfinite(hx[src]) & np.isfinite(hx[dst]) & (src != dst)
        idx, t0, t1, ended, src, dst = idx[ok], t0[ok], t1[ok], ended[ok], src[ok], dst[ok]
        n = len(idx)
        if not n:
            self._add_effects(frame, t, w, hx, hy)
            return frame
        span = np.where(t1 == NEVER, np.maximum(tl.end - t0, 1) * 1.1, t1 - t0).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(span > 0, (t - t0) / span, 1.0)
        frac = np.clip(np.where(ended, 1.0, frac), 0.0, 1.0)
        end_at = self._end_at[idx]
        ax, ay, bx, by = _clip_ends(hx[src], hy[src], hx[dst], hy[dst])
        s = frac * end_at
        x = ax + (bx - ax) * s
        y = ay + (by - ay) * s
        dxs, dys = bx - ax, by - ay
        if self._routes:
            for k in np.flatnonzero([i in self._routes for i in idx.tolist()]).tolist():
                hops = self._routes[int(idx[k])]
                pos = self._along_route(hops, float(frac[k]), float(end_at[k]), hx, hy)
                if pos is None:
                    continue
                x[k], y[k], dxs[k], dys[k] = pos
        length = np.hypot(dxs, dys)
        length[length == 0] = 1.0
        flags = tl.msg_flags[idx]
        dup = (flags & FLAG_DUP) != 0
        # Lanes: each direction on its right-hand side; a duplicate further out.
        frame.nx = -dys / length
        frame.ny = dxs / length
        frame.off = np.where(dup, LANE_PX + DUP_PX, LANE_PX)
        chan = tl.msg_channel[idx]
        style = np.full(n, _NORMAL, dtype=np.int16)
        style[chan == self._ch_sys] = _SYSTEM
        style[((flags & FLAG_CORRUPTED) != 0) & (frac >= CORRUPT_FROM)] = _CORRUPTED
        style[(flags & FLAG_BYZ) != 0] = _BYZ
        mem = chan == self._ch_mem
        if mem.any():
            cost = self._cost[idx[mem]]
            bins = np.full(len(cost), COST_BINS, dtype=np.int16)
            known = np.isfinite(cost) & (cost > 0)
            if known.any():
                f = np.log(cost[known] / self._cost_lo) / math.log(self._cost_hi / self._cost_lo)
                bins[known] = np.clip((f * COST_BINS).astype(np.int16), 0, COST_BINS - 1)
            style[mem] = _MEM0 + bins
        style[(flags & FLAG_LATE) != 0] += LATE_OFFSET
        flying = ~ended
        frame.ids = tl.msg_id[idx][flying]
        frame.x, frame.y = x[flying], y[flying]
        frame.nx, frame.ny, frame.off = frame.nx[flying], frame.ny[flying], frame.off[flying]
        frame.style, frame.dup = style[flying], dup[flying]
        if ended.any():
            age = (t - t1[ended]).astype(np.float64)
            flight = (t1[ended] - t0[ended]).astype(np.float64)
            linger = np.clip(flight, w, 4 * w)
            frame.cross_ids = tl.msg_id[idx][ended]
            frame.cross_x, frame.cross_y = x[ended], y[ended]
            frame.cross_ux, frame.cross_uy = (dxs / length)[ended], (dys / length)[ended]
            frame.cross_alpha = np.clip(1.0 - age / linger, 0.0, 1.0) ** 0.7
            reasons = tl.msg_reason[idx][ended].tolist()
            frame.cross_reason = [
                self._reason_text.get(tl.drop_reasons[r], tl.drop_reasons[r]) if r >= 0 else ""
                for r in reasons]
        self._add_effects(frame, t, w, hx, hy)
        return frame

    def _along_route(self, hops: tuple[tuple[int, int], ...], frac: float, end_at: float,
                     hx: np.ndarray, hy: np.ndarray) -> tuple[float, float, float, float] | None:
        """Position and direction ``frac`` of the way along a routed message's hops."""
        a = np.array([h[0] for h in hops])
        b = np.array([h[1] for h in hops])
        if not (np.isfinite(hx[a]).all() and np.isfinite(hx[b]).all()):
            return None
        ax, ay, bx, by = _clip_ends(hx[a], hy[a], hx[b], hy[b])
        lengths = np.hypot(bx - ax, by - ay)
        lengths[-1] *= end_at
        total = float(lengths.sum())
        goal = frac * total
        k = 0
        while k < len(hops) - 1 and goal > lengths[k]:
            goal -= lengths[k]
            k += 1
        full = math.hypot(bx[k] - ax[k], by[k] - ay[k]) or 1.0
        s = min(1.0, goal / full)
        return (ax[k] + (bx[k] - ax[k]) * s, ay[k] + (by[k] - ay[k]) * s,
                bx[k] - ax[k], by[k] - ay[k])

    def _add_effects(self, frame: _Frame, t: int, w: int, hx: np.ndarray,
                     hy: np.ndarray) -> None:
        """Local memory pulses and state flashes of the last effect window."""
        tl = self._tl
        lo = int(np.searchsorted(self._local_t, t - w, side="right"))
        hi = int(np.searchsorted(self._local_t, t, side="right"))
        if hi > lo:
            hosts = self._local_host[lo:hi]
            times = self._local_t[lo:hi]
            order = np.lexsort((-times, hosts))
            hs = hosts[order]
            first = np.searchsorted(hs, hs, side="left")
            rank = np.arange(len(hs)) - first
            pick = order[rank < PULSES_PER_HOST]
            for j in pick.tolist():
                h = int(hosts[j])
                if h < 0 or not math.isfinite(hx[h]):
                    continue
                age = (t - int(times[j])) / w
                cost = float(self._local_cost[lo + j])
                frame.pulses.append((float(hx[h]) - HOST_WIDTH / 2 + 26, float(hy[h]),
                                     min(1.0, age), self.cost_colour(cost)))
        lo = int(np.searchsorted(self._flash_t, t - w, side="right"))
        hi = int(np.searchsorted(self._flash_t, t, side="right"))
        for j in range(max(lo, hi - 200), hi):
            h = int(self._flash_host[j])
            if h < 0 or not math.isfinite(hx[h]):
                continue
            age = (t - int(self._flash_t[j])) / w
            frame.flashes.append((float(hx[h]), float(hy[h]), min(1.0, age),
                                  tl.kinds[int(self._flash_kind[j])]))

    def dot_xy(self, zoom: float) -> tuple[np.ndarray, np.ndarray]:
        """Scene positions of the dots drawn at ``zoom`` (lanes are a few pixels wide)."""
        f = self._frame
        if f is None:
            return np.empty(0), np.empty(0)
        cache = self._xy_cache
        if cache is not None and cache[0] == zoom:
            return cache[1], cache[2]
        off = f.off / zoom
        x = f.x + f.nx * off
        y = f.y + f.ny * off
        self._xy_cache = (zoom, x, y)
        return x, y

    # -- hosts and links -----------------------------------------------------------------
    def _update_states(self) -> None:
        tl = self._tl
        key = int(np.searchsorted(self._state_t, self._time, side="right"))
        if key == self._state_key:
            return
        self._state_key = key
        states = tl.host_states(self._time)
        suspected = states.suspected()
        scene = self._scene
        for h in tl.hosts:
            item = scene.host_item(h)
            if item is None:
                continue
            state = states.status.get(h, "up")
            if state == "up":
                if h in suspected:
                    state = "suspected"
                elif h in states.byzantine:
                    state = "byzantine"
            item.set_state(state)
        who: dict[str, list[str]] = {}
        for watcher, targets in states.suspects.items():
            for target in targets:
                who.setdefault(target, []).append(watcher)
        self._suspecters = {h: sorted(v) for h, v in who.items()}
        known = tl.host_index
        for item in scene.link_items():
            a, b = item.link.a, item.link.b
            cut = a in known and b in known and (
                states.is_cut(a, b) or states.blocked(a, b) or states.blocked(b, a))
            item.set_cut(cut)
        self._states_applied = True

    def clock_text(self, host_id: str) -> str:
        """The clock readout of ``host_id`` at the time shown: ``1.204 s (+4.1 ms)``.

        The selected host's readout has three more digits. Empty when idle
        or for a host the trace does not know.
        """
        tl = self._tl
        if tl is None or host_id not in tl.host_index:
            return ""
        key = (host_id, host_id == self._selected)
        text = self._clock_cache.get(key)
        if text is None:
            t = self._time
            local = int(tl.local_time(host_id, t))
            digits = _digits(tl.end, self._speed)
            if host_id == self._selected:
                digits = min(9, digits + 3)
            text = self._clock_cache[key] = format_clock(local, local - t, digits)
        return text

    def _blank_badges(self) -> None:
        """Hide the hosts' own clock badges: the overlay draws the running readouts.

        A readout changes every frame; drawn by the host item it would
        re-render the item's cached card each time (about half a millisecond
        a card), drawn by the overlay it costs a few dozen microseconds.
        """
        scene = self._scene
        for h in self._tl.hosts:
            item = scene.host_item(h)
            if item is not None:
                item.set_clock_text("")

    def _restore_items(self) -> None:
        """Give the hosts and links their editor look back."""
        tl = self._tl
        scene = self._scene
        if tl is None:
            return
        for h in tl.hosts:
            item = scene.host_item(h)
            if item is not None:
                item.set_state("up")
                item.set_clock_text(None)
        if self._states_applied:
            for item in scene.link_items():
                item.set_cut(False)
        self._states_applied = False

    # -- plumbing ------------------------------------------------------------------------
    def _ensure_layer(self) -> None:
        layer = self._layer
        if layer is None or not shiboken6.isValid(layer) or layer.scene() is not self._scene:
            layer = self._layer = AnimationLayer(self)
            self._scene.addItem(layer)
            # A scene reset (a new document) clears every item; the next frame makes a new one.
            self._state_key = -1
        layer.set_bounds(self._scene.sceneRect())

    def _view_zoom(self) -> float:
        views = self._scene.views()
        if not views:
            return 1.0
        t = views[0].transform()
        return math.hypot(t.m11(), t.m12()) or 1.0

    def _repaint(self) -> None:
        if self._layer is not None and shiboken6.isValid(self._layer):
            self._layer.update()

    def _refresh(self) -> None:
        if self._tl is not None:
            self.set_time(self._time)
