"""Graphics items of the canvas: hosts, links and group boxes, drawn from the palette's colours.

Items only show a model object; they never change the model. The scene
creates one item per host, link and group, and gives each item the new model
object when the document announces a change (``set_host``, ``set_link``,
``set_group``). The run animation adds its own marks through small methods
that only repaint: :meth:`HostItem.set_state`, :meth:`HostItem.set_clock_text`,
:meth:`LinkItem.set_cut`.

Colours come from the scene's QPalette (window, base, text, highlight) mixed
with a few kind colours, so items read well in light and dark palettes.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QIcon,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QStyleOptionGraphicsItem,
)

from ...scenario.model import Group, Host, Link
from ...scenario.units import format_duration

#: Width and height of a host card, in scene units.
HOST_WIDTH = 156.0
HOST_HEIGHT = 52.0

#: Accent colour of each host kind.
HOST_KIND_COLOURS = {"machine": "#4f6bed", "vm": "#9b5de5", "container": "#0f9d8a"}
#: Colour of each group kind.
GROUP_KIND_COLOURS = {"rack": "#0284c7", "datacenter": "#16a34a", "region": "#d97706"}
#: Stacking order: regions behind data centres behind racks behind links behind hosts.
Z_GROUP = {"region": -30.0, "datacenter": -20.0, "rack": -10.0}
Z_LINK = -1.0
Z_HOST = 1.0
Z_OVERLAY = 10.0

#: Host states the run animation may set.
HOST_STATES = ("up", "crashed", "paused", "suspected", "byzantine")

_CRASH = QColor("#e5484d")
_SUSPECT = QColor("#f59e0b")
_BYZANTINE = QColor("#c2255c")
_CLOCK = QColor("#f5a524")


def _tr(text: str) -> str:
    return QCoreApplication.translate("Canvas", text)


def host_kind_name(kind: str) -> str:
    """The translated name of a host kind."""
    return {"machine": _tr("Machine"), "vm": _tr("Virtual machine"),
            "container": _tr("Container")}.get(kind, kind)


def group_kind_name(kind: str) -> str:
    """The translated name of a group kind."""
    return {"rack": _tr("Rack"), "datacenter": _tr("Data centre"),
            "region": _tr("Region")}.get(kind, kind)


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """The colour ``t`` of the way from ``a`` to ``b`` (0 is ``a``, 1 is ``b``)."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
        a.alphaF() + (b.alphaF() - a.alphaF()) * t,
    )


def with_alpha(colour: QColor, alpha: int) -> QColor:
    """A copy of ``colour`` with alpha ``alpha`` (0..255)."""
    c = QColor(colour)
    c.setAlpha(alpha)
    return c


@dataclass(frozen=True)
class CanvasColours:
    """The colours of the canvas, derived from a palette."""

    dark: bool
    background: QColor
    grid_minor: QColor
    grid_major: QColor
    card: QColor
    card_border: QColor
    text: QColor
    muted: QColor
    highlight: QColor
    link: QColor
    label_background: QColor
    shadow: QColor


_COLOUR_CACHE: dict[int, CanvasColours] = {}


def _colours(key: int, palette: QPalette) -> CanvasColours:
    cached = _COLOUR_CACHE.get(key)
    if cached is not None:
        return cached
    if len(_COLOUR_CACHE) > 16:
        _COLOUR_CACHE.clear()
    _COLOUR_CACHE[key] = out = _make_colours(palette)
    return out


def _make_colours(palette: QPalette) -> CanvasColours:
    window = palette.color(QPalette.ColorRole.Window)
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    highlight = palette.color(QPalette.ColorRole.Highlight)
    dark = window.lightness() < 128
    if dark:
        background = mix(base, window, 0.35)
        card = mix(base, text, 0.09)
    else:
        background = mix(window, base, 0.35)
        card = base
    return CanvasColours(
        dark=dark,
        background=background,
        grid_minor=mix(background, text, 0.05 if dark else 0.06),
        grid_major=mix(background, text, 0.10 if dark else 0.12),
        card=card,
        card_border=mix(card, text, 0.22 if dark else 0.20),
        text=text,
        muted=mix(text, background, 0.45),
        highlight=highlight,
        link=mix(background, text, 0.42 if dark else 0.45),
        label_background=mix(card, background, 0.15),
        shadow=QColor(0, 0, 0, 110 if dark else 30),
    )


def canvas_colours(palette: QPalette | None = None) -> CanvasColours:
    """The canvas colours for ``palette`` (the application's by default)."""
    if palette is None:
        palette = QGuiApplication.palette()
    return _colours(palette.cacheKey(), palette)


def _item_colours(item: QGraphicsItem) -> CanvasColours:
    scene = item.scene()
    return canvas_colours(scene.palette() if scene is not None else None)


def _pen(colour: QColor, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine,
         cap: Qt.PenCapStyle = Qt.PenCapStyle.RoundCap) -> QPen:
    pen = QPen(colour, width, style)
    pen.setCapStyle(cap)
    return pen


def _font(pixel_size: int, bold: bool = False) -> QFont:
    font = QFont(QGuiApplication.font())
    font.setPixelSize(pixel_size)
    font.setBold(bold)
    return font


def format_latency(ns: int) -> str:
    """A duration for a label: ``5ms``, ``50µs``."""
    return format_duration(ns).replace("us", "µs")


def format_percent(p: float) -> str:
    """A probability as a short percentage: ``5%``, ``0.5%``."""
    return f"{p * 100:.3g}%"


# -- icons ------------------------------------------------------------------------------------


def draw_kind_icon(p: QPainter, rect: QRectF, kind: str, colour: QColor) -> None:
    """Draw the icon of a host kind (machine, vm, container) or group kind in ``rect``.

    machine: a server with two drive bays; vm: a window inside a dashed frame;
    container: a cube; rack: a cabinet of units; datacenter: a building;
    region: a globe.
    """
    p.save()
    s = min(rect.width(), rect.height())
    r = QRectF(0, 0, s, s)
    r.moveCenter(rect.center())
    w = max(1.0, s / 14)
    pen = QPen(colour, w)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    fill = with_alpha(colour, 60)
    x, y = r.left(), r.top()
    if kind == "machine":
        for k in range(2):
            bay = QRectF(x + s * 0.12, y + s * (0.16 + 0.36 * k), s * 0.76, s * 0.3)
            p.setBrush(fill)
            p.drawRoundedRect(bay, s * 0.06, s * 0.06)
            p.setBrush(colour)
            p.drawEllipse(QPointF(bay.right() - s * 0.12, bay.center().y()), s * 0.045, s * 0.045)
            p.drawLine(QPointF(bay.left() + s * 0.1, bay.center().y()),
                       QPointF(bay.left() + s * 0.36, bay.center().y()))
    elif kind == "vm":
        dashed = QPen(colour, w * 0.8, Qt.PenStyle.DashLine)
        dashed.setDashPattern([2.0, 2.0])
        p.setPen(dashed)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(r.adjusted(s * 0.06, s * 0.06, -s * 0.06, -s * 0.06), s * 0.1, s * 0.1)
        win = r.adjusted(s * 0.22, s * 0.26, -s * 0.22, -s * 0.24)
        p.setPen(pen)
        p.setBrush(fill)
        p.drawRoundedRect(win, s * 0.05, s * 0.05)
        bar = QRectF(win.left(), win.top(), win.width(), win.height() * 0.28)
        p.setBrush(colour)
        p.drawRoundedRect(bar, s * 0.04, s * 0.04)
    elif kind == "container":
        c = r.center()
        h = s * 0.38
        top = QPointF(c.x(), c.y() - h)
        left_up = QPointF(c.x() - h * 0.9, c.y() - h * 0.5)
        right_up = QPointF(c.x() + h * 0.9, c.y() - h * 0.5)
        mid = QPointF(c.x(), c.y())
        left_down = QPointF(c.x() - h * 0.9, c.y() + h * 0.5)
        right_down = QPointF(c.x() + h * 0.9, c.y() + h * 0.5)
        bottom = QPointF(c.x(), c.y() + h)
        p.setBrush(with_alpha(colour, 110))
        p.drawPolygon(QPolygonF([top, right_up, mid, left_up]))
        p.setBrush(with_alpha(colour, 60))
        p.drawPolygon(QPolygonF([left_up, mid, bottom, left_down]))
        p.setBrush(with_alpha(colour, 30))
        p.drawPolygon(QPolygonF([mid, right_up, right_down, bottom]))
    elif kind == "rack":
        cab = QRectF(x + s * 0.24, y + s * 0.08, s * 0.52, s * 0.84)
        p.setBrush(fill)
        p.drawRoundedRect(cab, s * 0.05, s * 0.05)
        for k in range(4):
            yy = cab.top() + cab.height() * (0.2 + 0.2 * k)
            p.drawLine(QPointF(cab.left() + s * 0.08, yy), QPointF(cab.right() - s * 0.08, yy))
    elif kind == "datacenter":
        body = QRectF(x + s * 0.14, y + s * 0.3, s * 0.72, s * 0.6)
        p.setBrush(fill)
        p.drawPolygon(QPolygonF([QPointF(body.left(), body.top()),
                                 QPointF(body.center().x(), y + s * 0.1),
                                 QPointF(body.right(), body.top()),
                                 body.bottomRight(), body.bottomLeft()]))
        p.setBrush(colour)
        for i in range(3):
            for j in range(2):
                cell = QRectF(body.left() + s * (0.1 + 0.2 * i), body.top() + s * (0.1 + 0.2 * j),
                              s * 0.1, s * 0.1)
                p.drawRect(cell)
    elif kind == "region":
        globe = r.adjusted(s * 0.12, s * 0.12, -s * 0.12, -s * 0.12)
        p.setBrush(fill)
        p.drawEllipse(globe)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(globe.adjusted(globe.width() * 0.28, 0, -globe.width() * 0.28, 0))
        p.drawLine(QPointF(globe.left(), globe.center().y()),
                   QPointF(globe.right(), globe.center().y()))
        p.drawLine(QPointF(globe.center().x(), globe.top()),
                   QPointF(globe.center().x(), globe.bottom()))
    else:
        p.setBrush(fill)
        p.drawRoundedRect(r.adjusted(s * 0.15, s * 0.15, -s * 0.15, -s * 0.15), s * 0.1, s * 0.1)
    p.restore()


def kind_icon(kind: str, size: int = 32, colour: QColor | str | None = None,
              dark: bool = False) -> QIcon:
    """A QIcon of a host or group kind, in the kind's colour unless one is given.

    ``dark`` lightens the colour for a dark palette.
    """
    if colour is None:
        colour = HOST_KIND_COLOURS.get(kind) or GROUP_KIND_COLOURS.get(kind, "#808080")
    colour = QColor(colour)
    if dark:
        colour = colour.lighter(135)
    icon = QIcon()
    for scale in (1, 2):
        pix = QPixmap(size * scale, size * scale)
        pix.setDevicePixelRatio(scale)
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        draw_kind_icon(p, QRectF(0, 0, size, size), kind, colour)
        p.end()
        icon.addPixmap(pix)
    return icon


def _draw_clock_glyph(p: QPainter, centre: QPointF, radius: float, colour: QColor) -> None:
    p.save()
    p.setPen(QPen(colour, max(1.0, radius / 3.5)))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(centre, radius, radius)
    p.drawLine(centre, centre + QPointF(0, -radius * 0.6))
    p.drawLine(centre, centre + QPointF(radius * 0.5, 0))
    p.restore()


# -- hosts ------------------------------------------------------------------------------------


def default_clock_text(host: Host) -> str:
    """The clock badge of a host from its model: drift and offset, empty for a perfect clock."""
    parts = []
    if host.clock.drift_ppm:
        parts.append(f"{host.clock.drift_ppm:+g}ppm")
    if host.clock.offset:
        sign = "+" if host.clock.offset > 0 else ""
        parts.append(sign + format_latency(host.clock.offset))
    return " ".join(parts)


class HostItem(QGraphicsRectItem):
    """A host on the canvas: a card with the kind icon, label, behaviour and a clock badge.

    The item's position is the host's (x, y), the centre of the card. Links
    attached to the host follow it: ``itemChange`` tells each of
    :attr:`links` to update when the position changes.
    """

    Type = QGraphicsItem.UserType + 1

    def __init__(self, host: Host) -> None:
        super().__init__()
        self.host = host
        #: The links attached to this host (kept by the scene).
        self.links: set[LinkItem] = set()
        self._state = "up"
        self._clock_override: str | None = None
        self._hover = False
        self._link_target = False
        #: The position as plain floats (links read it often while hosts are dragged).
        self.xy = (host.x, host.y)
        # A fixed rectangle: Qt computes the bounding rect without calling Python.
        self.setRect(self.card_rect().adjusted(-6, -16, 10, 8))
        self.setPen(QPen(Qt.PenStyle.NoPen))
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setAcceptHoverEvents(True)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(Z_HOST)
        self.setPos(host.x, host.y)
        self._refresh_text()

    def type(self) -> int:  # noqa: A003 - Qt override
        """The item type (for qgraphicsitem_cast-style checks)."""
        return self.Type

    @property
    def host_id(self) -> str:
        """The id of the host shown."""
        return self.host.id

    @property
    def state(self) -> str:
        """The state the run animation set (``up`` when idle)."""
        return self._state

    def set_host(self, host: Host) -> None:
        """Show a new version of the host (moves the item and repaints when needed)."""
        old, self.host = self.host, host
        self.setPos(host.x, host.y)
        if old.model_copy(update={"x": 0, "y": 0}) != host.model_copy(update={"x": 0, "y": 0}):
            self._refresh_text()
            self.update()

    def set_state(self, state: str) -> None:
        """Show a run state: ``up``, ``crashed``, ``paused``, ``suspected`` or ``byzantine``."""
        if state not in HOST_STATES:
            raise ValueError(f"unknown host state {state!r}")
        if state != self._state:
            self._state = state
            self.update()

    def set_clock_text(self, text: str | None) -> None:
        """Show ``text`` in the clock badge (a local time readout); None shows the model's."""
        if text != self._clock_override:
            self._clock_override = text
            self.update()

    def clock_text(self) -> str:
        """The text of the clock badge (empty: no badge)."""
        if self._clock_override is not None:
            return self._clock_override
        return default_clock_text(self.host)

    def set_link_target(self, on: bool) -> None:
        """Mark the host as the target of a link being drawn."""
        if on != self._link_target:
            self._link_target = on
            self.update()

    def card_rect(self) -> QRectF:
        """The card, in item coordinates."""
        return QRectF(-HOST_WIDTH / 2, -HOST_HEIGHT / 2, HOST_WIDTH, HOST_HEIGHT)

    def shape(self) -> QPainterPath:
        """The rounded card (for picking and rubber-band selection)."""
        path = QPainterPath()
        path.addRoundedRect(self.card_rect(), 9, 9)
        return path

    def _refresh_text(self) -> None:
        h = self.host
        sub = [h.behaviour.name]
        if h.cores > 1:
            sub.append(_tr("%1 cores").replace("%1", str(h.cores)))
        if h.memory_pages:
            sub.append(_tr("%1 pages").replace("%1", str(h.memory_pages)))
        self._subtitle = " · ".join(sub)
        tip = [f"<b>{h.title}</b> ({h.id})" if h.label else f"<b>{h.id}</b>",
               host_kind_name(h.kind), _tr("Behaviour: %1").replace("%1", h.behaviour.name)]
        clock = default_clock_text(h)
        if clock:
            tip.append(_tr("Clock: %1").replace("%1", clock))
        tip.append("<i>" + _tr("Drag to move. Shift+drag to another host (or use the Link "
                               "tool) to connect them.") + "</i>")
        self.setToolTip("<br>".join(tip))

    def itemChange(self, change, value):  # noqa: N802 - Qt override
        """Keep attached links on the host when it moves."""
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            self.xy = (value.x(), value.y())
            if _LINK_BATCH:
                _LINK_BATCH[-1].update(self.links)
            else:
                for link in self.links:
                    link.update_geometry()
        return super().itemChange(change, value)

    def hoverEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Highlight the card under the pointer."""
        self._hover = True
        self.update()
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Stop highlighting."""
        self._hover = False
        self.update()
        super().hoverLeaveEvent(event)

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        """Draw the card: shadow, body, icon tile, label, subtitle, badges and state marks."""
        c = _item_colours(self)
        selected = self.isSelected()
        lod = option.levelOfDetailFromTransform(p.worldTransform())
        card = self.card_rect()
        accent = QColor(HOST_KIND_COLOURS.get(self.host.kind, "#808080"))
        state = self._state
        if lod < 0.3:
            # Far away: a plain coloured block is all one can see; a selected one is
            # haloed in the highlight colour.
            p.setPen(Qt.PenStyle.NoPen)
            if selected:
                p.setBrush(with_alpha(c.highlight, 110))
                p.drawRoundedRect(card.adjusted(-14, -14, 14, 14), 16, 16)
            p.setBrush(c.highlight if selected else (accent if state == "up" else c.muted))
            p.drawRoundedRect(card, 9, 9)
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if state == "crashed":
            p.setOpacity(0.55)
        # Shadow and selection glow.
        p.setPen(Qt.PenStyle.NoPen)
        if selected or self._link_target:
            p.setBrush(with_alpha(c.highlight, 70))
            p.drawRoundedRect(card.adjusted(-4, -4, 4, 4), 12, 12)
        else:
            p.setBrush(c.shadow)
            p.drawRoundedRect(card.translated(0, 2).adjusted(-0.5, 0, 0.5, 1.5), 10, 10)
        # Body.
        border = c.card_border
        width = 1.0
        style = Qt.PenStyle.SolidLine
        if selected or self._link_target:
            border, width = c.highlight, 2.0
        elif state == "suspected":
            border, width, style = _SUSPECT, 2.0, Qt.PenStyle.DashLine
        elif state == "byzantine":
            border, width = _BYZANTINE, 2.0
        elif state == "crashed":
            border, width = _CRASH, 1.5
        elif self._hover:
            border = mix(c.card_border, c.text, 0.35)
        pen = QPen(border, width, style)
        p.setPen(pen)
        p.setBrush(c.card)
        p.drawRoundedRect(card, 9, 9)
        # Icon tile.
        tile = QRectF(card.left() + 8, card.center().y() - 18, 36, 36)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(with_alpha(accent, 46 if c.dark else 30))
        p.drawRoundedRect(tile, 8, 8)
        icon_colour = accent.lighter(135) if c.dark else accent
        draw_kind_icon(p, tile.adjusted(5, 5, -5, -5), self.host.kind, icon_colour)
        # Text.
        text_left = tile.right() + 8
        text_width = card.right() - 8 - text_left
        title_font = _font(13, bold=True)
        p.setFont(title_font)
        p.setPen(c.text)
        fm = QFontMetricsF(title_font)
        title = fm.elidedText(self.host.title, Qt.TextElideMode.ElideRight, text_width)
        p.drawText(QRectF(text_left, card.top() + 8, text_width, 18),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        sub_font = _font(11)
        p.setFont(sub_font)
        p.setPen(c.muted)
        sub = QFontMetricsF(sub_font).elidedText(self._subtitle, Qt.TextElideMode.ElideRight,
                                                  text_width)
        p.drawText(QRectF(text_left, card.top() + 27, text_width, 16),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, sub)
        p.setOpacity(1.0)
        self._paint_clock_badge(p, c, card)
        self._paint_state_mark(p, c, tile)

    def _paint_clock_badge(self, p: QPainter, c: CanvasColours, card: QRectF) -> None:
        text = self.clock_text()
        if not text:
            return
        font = _font(10, bold=True)
        fm = QFontMetricsF(font)
        w = fm.horizontalAdvance(text) + 22
        badge = QRectF(card.right() - w + 4, card.top() - 10, w, 17)
        fill = mix(c.card, _CLOCK, 0.22 if c.dark else 0.16)
        p.setPen(QPen(with_alpha(_CLOCK, 200), 1))
        p.setBrush(fill)
        p.drawRoundedRect(badge, 8.5, 8.5)
        ink = _CLOCK.lighter(120) if c.dark else _CLOCK.darker(170)
        _draw_clock_glyph(p, QPointF(badge.left() + 9, badge.center().y()), 4.2, ink)
        p.setFont(font)
        p.setPen(ink)
        p.drawText(badge.adjusted(16, 0, -5, 0), Qt.AlignmentFlag.AlignCenter, text)

    def _paint_state_mark(self, p: QPainter, c: CanvasColours, tile: QRectF) -> None:
        state = self._state
        if state == "up":
            return
        centre = QPointF(tile.right() - 2, tile.bottom() - 2)
        colour = {"crashed": _CRASH, "paused": c.muted, "suspected": _SUSPECT,
                  "byzantine": _BYZANTINE}[state]
        p.setPen(QPen(c.card, 2))
        p.setBrush(colour)
        p.drawEllipse(centre, 8, 8)
        p.setPen(_pen(QColor("white"), 1.8))
        if state == "crashed":
            d = 3.5
            p.drawLine(centre + QPointF(-d, -d), centre + QPointF(d, d))
            p.drawLine(centre + QPointF(-d, d), centre + QPointF(d, -d))
        elif state == "paused":
            p.drawLine(centre + QPointF(-2, -3.5), centre + QPointF(-2, 3.5))
            p.drawLine(centre + QPointF(2, -3.5), centre + QPointF(2, 3.5))
        elif state == "suspected":
            p.drawLine(centre + QPointF(0, -4), centre + QPointF(0, 1))
            p.drawPoint(centre + QPointF(0, 3.8))
        else:
            p.drawLine(centre + QPointF(-3.5, 3), centre + QPointF(0, -4))
            p.drawLine(centre + QPointF(0, -4), centre + QPointF(3.5, 3))
            p.drawLine(centre + QPointF(-3.5, 3), centre + QPointF(3.5, 3))


# -- links ------------------------------------------------------------------------------------


def _clip_to_card(cx: float, cy: float, tx: float, ty: float,
                  margin: float = 0.0) -> tuple[float, float]:
    """Where the segment from a card's centre (cx, cy) towards (tx, ty) leaves the card."""
    dx, dy = tx - cx, ty - cy
    if dx == 0 and dy == 0:
        return cx, cy
    hw, hh = HOST_WIDTH / 2 + margin, HOST_HEIGHT / 2 + margin
    t = 1.0
    if dx:
        t = min(t, hw / abs(dx))
    if dy:
        t = min(t, hh / abs(dy))
    return cx + dx * t, cy + dy * t


_LINK_BATCH: list[set[LinkItem]] = []
_DEFERRED_PATHS: list[set[LinkItem]] = []


@contextmanager
def defer_link_paths():
    """Within this block (a whole drag), plain links skip updating their picking path.

    The lines are drawn from the link layer, which is always current; the
    paths are brought up to date when the block ends.
    """
    links: set[LinkItem] = set()
    _DEFERRED_PATHS.append(links)
    try:
        yield
    finally:
        _DEFERRED_PATHS.pop()
        for link in links:
            if link.scene() is not None:
                link.flush_path()


@contextmanager
def batch_link_updates():
    """Within this block, moving hosts marks their links; each link updates once at the end.

    Dragging 50 hosts moves each link between two of them only once per frame.
    """
    links: set[LinkItem] = set()
    _LINK_BATCH.append(links)
    try:
        yield
    finally:
        _LINK_BATCH.pop()
        for link in links:
            link.update_geometry()


def link_label_text(link: Link, auto_latency: int | None = None) -> str:
    """The at-a-glance label of a link: ``5ms · 5%`` (latency, then loss when there is any).

    A link without its own latency shows the locality default as ``≈50µs``.
    """
    parts = []
    if link.latency is not None:
        parts.append(format_latency(link.latency.mean))
    elif auto_latency is not None:
        parts.append("≈" + format_latency(auto_latency))
    if link.loss:
        parts.append(format_percent(link.loss))
    return " · ".join(parts)


class LinkLayer(QGraphicsItem):
    """Draws the lines of every plain link in one batch, under the link items.

    A thousand links drawn by a thousand ``paint`` calls is slow in Python;
    this item draws them with one ``drawLines`` call. Links that need more
    than a plain line (selected, directed) draw themselves; cut links are
    drawn here in red and their mark by the link item.
    """

    def __init__(self) -> None:
        super().__init__()
        self._plain: dict[LinkItem, QLineF] = {}
        self._cut: dict[LinkItem, QLineF] = {}
        self._bounds = QRectF()
        self._moving: set[LinkItem] = set()
        self._moving_list: list[LinkItem] = []
        self._static: tuple[tuple, QPixmap] | None = None
        self.setZValue(Z_LINK - 0.5)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def set_bounds(self, rect: QRectF) -> None:
        """The area the lines may cover (the scene rect)."""
        if rect != self._bounds:
            self.prepareGeometryChange()
            self._bounds = QRectF(rect)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        """The whole scene."""
        return self._bounds

    def refresh(self, item: LinkItem) -> None:
        """Take in a link item's line and state (plain, cut, or drawn by the item itself)."""
        self._plain.pop(item, None)
        self._cut.pop(item, None)
        if item.scene() is not None and item.isVisible() and item.draws_in_layer():
            (self._cut if item.is_cut else self._plain)[item] = item.line()
        if item not in self._moving:
            self._static = None
        self.update()

    def move(self, item: LinkItem, line: QLineF) -> None:
        """A link item's line moved (a no-op for links the layer does not draw)."""
        if item in self._plain:
            self._plain[item] = line
        elif item in self._cut:
            self._cut[item] = line
        else:
            return
        if item not in self._moving:
            self._static = None
        self.update()

    def discard(self, item: LinkItem) -> None:
        """Forget a link item."""
        self._static = None
        if self._plain.pop(item, None) is not None or self._cut.pop(item, None) is not None:
            self.update()

    def lines(self) -> list[QLineF]:
        """The plain and cut lines drawn (for tests)."""
        return [*self._plain.values(), *self._cut.values()]

    def begin_motion(self, moving: set[LinkItem]) -> None:
        """A drag starts: the other lines are drawn once into a cached pixmap, these live."""
        self._moving = set(moving)
        self._moving_list = list(self._moving)
        self._static = None

    def end_motion(self) -> None:
        """The drag ended: draw every line live again."""
        self._moving = set()
        self._moving_list = []
        self._static = None
        self.update()

    def _pen(self, colour: QColor, overview: bool) -> QPen:
        pen = QPen(colour, 1.2 if overview else 1.5)
        pen.setCosmetic(True)
        return pen

    def _draw(self, p: QPainter, c: CanvasColours, overview: bool, moving: bool | None) -> None:
        # Antialiased lines cost several times more than aliased ones in the raster
        # engine; in the overview (zoomed far out, every link visible) they go without.
        p.setRenderHint(QPainter.RenderHint.Antialiasing, not overview)
        for lines, colour in ((self._plain, c.link), (self._cut, _CRASH)):
            if moving is None:
                chosen = list(lines.values())
            elif moving:
                chosen = [lines[item] for item in self._moving_list if item in lines]
            else:
                chosen = [line for item, line in lines.items() if item not in self._moving]
            if chosen:
                p.setPen(self._pen(colour, overview))
                p.drawLines(chosen)

    def paint(self, p: QPainter, option, widget=None) -> None:
        """Every plain line with one call, then the cut ones in red.

        During a drag the lines that do not move come from a pixmap drawn once.
        """
        c = _item_colours(self)
        lod = option.levelOfDetailFromTransform(p.worldTransform())
        overview = lod < 0.5
        if not self._moving or widget is None:
            self._draw(p, c, overview, None)
            return
        ratio = widget.devicePixelRatioF()
        key = (p.worldTransform(), widget.width(), widget.height(), ratio, id(c))
        if self._static is None or self._static[0] != key:
            pix = QPixmap(round(widget.width() * ratio), round(widget.height() * ratio))
            pix.setDevicePixelRatio(ratio)
            pix.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pix)
            painter.setTransform(p.worldTransform())
            self._draw(painter, c, overview, False)
            painter.end()
            self._static = (key, pix)
        p.save()
        p.resetTransform()
        p.drawPixmap(0, 0, self._static[1])
        p.restore()
        self._draw(p, c, overview, True)


class LinkLabelItem(QGraphicsRectItem):
    """The small ``5ms · 5%`` pill in the middle of a link (cached; hidden when zoomed out)."""

    def __init__(self, link_item: LinkItem, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        #: The link this label belongs to (a click on the label selects it).
        self.link_item = link_item
        self._text = ""
        self.setPen(QPen(Qt.PenStyle.NoPen))
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setVisible(False)

    def text(self) -> str:
        """The label text."""
        return self._text

    def set_text(self, text: str) -> None:
        """Change the text (empty hides the label)."""
        if text == self._text:
            return
        self._text = text
        if text:
            # Whole units: at 100 % the cached pixmap keeps its size as the label moves.
            w = math.ceil(QFontMetricsF(_font(10)).horizontalAdvance(text) / 2) * 2 + 12
            self.setRect(QRectF(-w / 2, -9, w, 18))
        self.setVisible(bool(text) and not self.link_item.is_cut)
        self.link_item.sync_label()
        self.update()

    def paint(self, p: QPainter, option, widget=None) -> None:
        """A rounded pill with the text."""
        c = _item_colours(self)
        selected = self.link_item.isSelected()
        box = self.rect()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(c.highlight if selected else c.card_border, 1))
        p.setBrush(c.label_background)
        p.drawRoundedRect(box.adjusted(0.5, 0.5, -0.5, -0.5), 8.5, 8.5)
        p.setPen(c.text if selected else mix(c.text, c.muted, 0.4))
        p.setFont(_font(10))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, self._text)


class LinkItem(QGraphicsPathItem):
    """A link: a line between two host items with a small latency · loss label.

    Directed links are dashed with an arrow at ``b``. :meth:`update_geometry`
    follows the hosts; :meth:`set_cut` shows a cut (partition, link cut).

    With a :class:`LinkLayer` (as in the scene), a plain link has no contents
    of its own: the layer draws its line and :attr:`label` (a child of the
    scene's label layer) its label; the item is there to be picked, selected
    and to draw what is special (selection, direction arrow, cut mark).
    """

    Type = QGraphicsItem.UserType + 2

    def __init__(self, link: Link, source: HostItem, target: HostItem, label: str = "",
                 layer: LinkLayer | None = None,
                 label_parent: QGraphicsItem | None = None) -> None:
        super().__init__()
        self.link = link
        self.source = source
        self.target = target
        self._layer = layer
        self._cut = False
        self._line = QLineF()
        self._path_stale = False
        self._label_stale = False
        self._key: tuple[float, float, float, float] | None = None
        #: The label item (a child of ``label_parent``, or of this item).
        self.label = LinkLabelItem(self, label_parent if label_parent is not None else self)
        # The pen only shapes the clickable band around the line; paint draws the link.
        self.setPen(QPen(QColor(0, 0, 0, 0), 10))
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(Z_LINK)
        self.set_label(label)
        self.update_geometry()
        self._update_contents_flag()

    def type(self) -> int:  # noqa: A003 - Qt override
        """The item type."""
        return self.Type

    def draws_in_layer(self) -> bool:
        """Whether the layer draws this link's line (a plain, unselected, undirected link)."""
        return self._layer is not None and not self.isSelected() and not self.link.directed

    def _update_contents_flag(self) -> None:
        self.flush_path()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents,
                     self.draws_in_layer() and not self._cut)
        if self._layer is not None:
            self._layer.refresh(self)

    def set_link(self, link: Link, label: str | None = None) -> None:
        """Show a new version of the link."""
        self.link = link
        if label is not None:
            self.set_label(label)
        self.update_geometry(force=True)
        self._update_contents_flag()
        self.update()

    def set_ends(self, source: HostItem, target: HostItem) -> None:
        """Attach the link to other host items."""
        self.source.links.discard(self)
        self.target.links.discard(self)
        self.source, self.target = source, target
        source.links.add(self)
        target.links.add(self)
        self.update_geometry()

    def set_label(self, text: str) -> None:
        """Set the at-a-glance label (empty: none)."""
        self.label.set_text(text)
        lk = self.link
        tip = [f"<b>{lk.a} {'→' if lk.directed else '↔'} {lk.b}</b>"]
        if lk.latency is not None:
            tip.append(_tr("Latency: %1, mean %2").replace("%1", lk.latency.dist)
                       .replace("%2", format_latency(lk.latency.mean)))
        else:
            tip.append(_tr("Latency: default for the hosts' locality"))
        for name, value in ((_tr("Loss"), lk.loss), (_tr("Corruption"), lk.corruption),
                            (_tr("Duplication"), lk.duplication),
                            (_tr("Reordering"), lk.reordering)):
            if value:
                tip.append(f"{name}: {format_percent(value)}")
        tip_text = "<br>".join(tip)
        self.setToolTip(tip_text)
        self.label.setToolTip(tip_text)

    def label_text(self) -> str:
        """The label shown on the link."""
        return self.label.text()

    def set_cut(self, cut: bool) -> None:
        """Show the link as cut (a partition or a link-cut fault) or whole again.

        A cut link is red with a cross in the middle, where its label was.
        """
        if cut != self._cut:
            self._cut = cut
            self.label.setVisible(bool(self.label.text()) and not cut)
            self.sync_label()
            self._update_contents_flag()
            self.update()

    @property
    def is_cut(self) -> bool:
        """Whether the link is shown as cut."""
        return self._cut

    def line(self) -> QLineF:
        """The drawn line in scene coordinates, from card edge to card edge."""
        return QLineF(self._line)

    def update_geometry(self, force: bool = False) -> None:
        """Follow the two hosts' positions."""
        ax, ay = self.source.xy
        bx, by = self.target.xy
        x1, y1 = _clip_to_card(ax, ay, bx, by)
        x2, y2 = _clip_to_card(bx, by, ax, ay, 2.0 if self.link.directed else 0.0)
        key = (x1, y1, x2, y2)
        if not force and key == self._key:
            return
        self._key = key
        self._line = line = QLineF(x1, y1, x2, y2)
        if self.label.isVisible():
            self.label.setPos(round((x1 + x2) / 2), round((y1 + y2) / 2))
        else:
            self._label_stale = True
        layer = self._layer
        if layer is not None:
            layer.move(self, line)
        if _DEFERRED_PATHS and self.draws_in_layer() and not self._cut:
            # Mid-drag: the path only serves picking; it is set when the drag ends.
            self._path_stale = True
            _DEFERRED_PATHS[-1].add(self)
        else:
            self._set_path()

    def sync_label(self) -> None:
        """Put the label back in the middle of the line (it is not moved while hidden)."""
        if self._label_stale:
            self._label_stale = False
            c = self._line.center()
            self.label.setPos(round(c.x()), round(c.y()))

    def _set_path(self) -> None:
        self._path_stale = False
        path = QPainterPath(self._line.p1())
        path.lineTo(self._line.p2())
        self.setPath(path)

    def flush_path(self) -> None:
        """Bring the picking path up to date after a deferred update."""
        if self._path_stale:
            self._set_path()

    def itemChange(self, change, value):  # noqa: N802 - Qt override
        """Hand the line to the layer or draw it here when the selection changes."""
        if change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self._update_contents_flag()
            self.label.update()
        elif change == QGraphicsItem.GraphicsItemChange.ItemSceneHasChanged:
            if self._layer is not None:
                self._layer.refresh(self)
        return super().itemChange(change, value)

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        """Draw what the layer does not: a selected or directed line, its arrow, a cut mark."""
        c = _item_colours(self)
        selected = self.isSelected()
        colour = c.highlight if selected else (_CRASH if self._cut else c.link)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if not self.draws_in_layer():
            pen = QPen(colour, 2.6 if selected else 1.6)
            pen.setCosmetic(True)
            if self.link.directed:
                pen.setStyle(Qt.PenStyle.DashLine)
                pen.setDashPattern([4.0, 3.0])
            p.setPen(pen)
            p.drawLine(self._line)
            if self.link.directed:
                self._paint_arrow(p, colour)
        if self._cut:
            mid = self._line.center()
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(c.background)
            p.drawEllipse(mid, 8, 8)
            p.setPen(_pen(_CRASH, 2.2))
            d = 5.0
            p.drawLine(mid + QPointF(-d, -d), mid + QPointF(d, d))
            p.drawLine(mid + QPointF(-d, d), mid + QPointF(d, -d))

    def _paint_arrow(self, p: QPainter, colour: QColor) -> None:
        line = QLineF(self._line.p2(), self._line.p1())
        if line.length() < 1:
            return
        angle = math.atan2(line.dy(), line.dx())
        size = 10.0
        tip = self._line.p2()
        left = tip + QPointF(math.cos(angle + 0.45) * size, math.sin(angle + 0.45) * size)
        right = tip + QPointF(math.cos(angle - 0.45) * size, math.sin(angle - 0.45) * size)
        p.setPen(QPen(colour, 1.2))
        p.setBrush(colour)
        p.drawPolygon(QPolygonF([tip, left, right]))


# -- groups -----------------------------------------------------------------------------------


class GroupItem(QGraphicsRectItem):
    """A group box: a rack, data centre or region, labelled and tinted by its kind.

    The item's position is the group's (x, y), its top-left corner; the box
    is ``width`` x ``height``. A grip at the bottom-right corner resizes it.
    """

    Type = QGraphicsItem.UserType + 3
    #: Size of the resize grip, in scene units.
    GRIP = 14.0
    #: Height of the title band.
    HEADER = 26.0

    def __init__(self, group: Group) -> None:
        super().__init__()
        self.group = group
        self._drop_target = False
        self._hover = False
        self._size = (group.width, group.height)
        self.setPen(QPen(Qt.PenStyle.NoPen))
        self.setRect(QRectF(-3, -3, group.width + 6, group.height + 6))
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setAcceptHoverEvents(True)
        self.setZValue(Z_GROUP.get(group.kind, -10.0))
        self.setPos(group.x, group.y)
        self._refresh_tooltip()

    def type(self) -> int:  # noqa: A003 - Qt override
        """The item type."""
        return self.Type

    @property
    def group_id(self) -> str:
        """The id of the group shown."""
        return self.group.id

    def set_group(self, group: Group) -> None:
        """Show a new version of the group."""
        self.group = group
        self.setZValue(Z_GROUP.get(group.kind, -10.0))
        self.setPos(group.x, group.y)
        self.set_size(group.width, group.height)
        self._refresh_tooltip()
        self.update()

    def set_size(self, width: float, height: float) -> None:
        """Resize the box (live, during a resize drag)."""
        if (width, height) != self._size:
            self._size = (width, height)
            self.setRect(QRectF(-3, -3, width + 6, height + 6))

    def set_drop_target(self, on: bool) -> None:
        """Highlight the box as the group a dragged host would join."""
        if on != self._drop_target:
            self._drop_target = on
            self.update()

    def _refresh_tooltip(self) -> None:
        g = self.group
        self.setToolTip(f"<b>{g.label or g.id}</b><br>{group_kind_name(g.kind)}<br><i>"
                        + _tr("Drop hosts in the box to group them; drag the corner to resize.")
                        + "</i>")

    def box(self) -> QRectF:
        """The box in item coordinates (its top-left corner is the item's position)."""
        return QRectF(0, 0, *self._size)

    def grip_rect(self) -> QRectF:
        """The resize grip, in item coordinates."""
        r = self.box()
        return QRectF(r.right() - self.GRIP, r.bottom() - self.GRIP, self.GRIP, self.GRIP)

    def shape(self) -> QPainterPath:
        """The title band, the border and the grip: a press inside the box falls through
        to the canvas (rubber band) or to the hosts in it."""
        r = self.box()
        outer = QPainterPath()
        outer.addRoundedRect(r, 12, 12)
        header = min(self.HEADER, r.height() / 2)
        inner_rect = r.adjusted(6, header, -6, -6)
        if inner_rect.width() <= 0 or inner_rect.height() <= 0:
            return outer
        inner = QPainterPath()
        inner.addRect(inner_rect)
        grip = QPainterPath()
        grip.addRect(self.grip_rect().adjusted(-4, -4, 0, 0))
        return outer.subtracted(inner).united(grip)

    def hoverEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Show the grip."""
        self._hover = True
        self.update()
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Hide the grip."""
        self._hover = False
        self.update()
        super().hoverLeaveEvent(event)

    def hoverMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        """A resize cursor over the grip."""
        over = self.grip_rect().adjusted(-4, -4, 4, 4).contains(event.pos())
        if over:
            self.setCursor(Qt.CursorShape.SizeFDiagCursor)
        else:
            self.unsetCursor()
        super().hoverMoveEvent(event)

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        """Draw the tinted box, its title band with icon, label and kind, and the grip."""
        c = _item_colours(self)
        selected = self.isSelected()
        lod = option.levelOfDetailFromTransform(p.worldTransform())
        colour = QColor(GROUP_KIND_COLOURS.get(self.group.kind, "#808080"))
        ink = colour.lighter(140) if c.dark else colour.darker(115)
        r = self.box()
        strength = {"region": 0.6, "datacenter": 0.85}.get(self.group.kind, 1.0)
        fill = mix(c.background, colour, (0.11 if c.dark else 0.08) * strength)
        if self._drop_target:
            fill = mix(c.background, colour, 0.2)
        border = c.highlight if selected else mix(c.background, colour,
                                                  0.8 if self._drop_target else 0.6)
        # Big boxes: fill without antialiasing (fast), then an antialiased outline on top
        # hides the rough corners.
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(fill)
        p.drawRoundedRect(r, 12, 12)
        if lod >= 0.3:
            p.setBrush(mix(c.background, colour, 0.2 if c.dark else 0.14))
            p.save()
            p.setClipRect(QRectF(r.left(), r.top(), r.width(), min(self.HEADER, r.height())))
            p.drawRoundedRect(r, 12, 12)
            p.restore()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, lod >= 0.3)
        p.setPen(QPen(border, 2.5 if (selected or self._drop_target) else 1.4))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(r, 12, 12)
        if lod < 0.3:
            return
        draw_kind_icon(p, QRectF(r.left() + 8, r.top() + 4, 18, 18), self.group.kind, ink)
        title_font = _font(12, bold=True)
        fm = QFontMetricsF(title_font)
        kind_font = _font(10)
        kind_text = group_kind_name(self.group.kind).upper()
        kind_w = QFontMetricsF(kind_font).horizontalAdvance(kind_text) + 12
        avail = max(0.0, r.width() - 34 - kind_w - 8)
        title = fm.elidedText(self.group.label or self.group.id, Qt.TextElideMode.ElideRight,
                              avail)
        p.setFont(title_font)
        p.setPen(c.text)
        p.drawText(QRectF(r.left() + 32, r.top(), avail, self.HEADER),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        if avail > 30:
            p.setFont(kind_font)
            p.setPen(ink)
            p.drawText(QRectF(r.right() - kind_w - 6, r.top(), kind_w, self.HEADER),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, kind_text)
        if selected or self._hover:
            g = self.grip_rect()
            p.setPen(_pen(c.highlight if selected else ink, 1.4))
            for k in (4, 8, 12):
                p.drawLine(QPointF(g.right() - k, g.bottom() - 2), QPointF(g.right() - 2,
                                                                         g.bottom() - k))


class GhostLinkItem(QGraphicsItem):
    """The dashed line drawn while a new link is being dragged from a host."""

    def __init__(self, start: QPointF) -> None:
        super().__init__()
        self._line = QLineF(start, start)
        self.setZValue(Z_OVERLAY)

    def set_end(self, end: QPointF) -> None:
        """Move the free end."""
        self.prepareGeometryChange()
        self._line.setP2(end)

    def line(self) -> QLineF:
        """The line in scene coordinates."""
        return QLineF(self._line)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        """The line with room for the end dot."""
        return QRectF(self._line.p1(), self._line.p2()).normalized().adjusted(-8, -8, 8, 8)

    def paint(self, p: QPainter, option, widget=None) -> None:
        """A dashed highlight line with a dot at the free end."""
        c = _item_colours(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(c.highlight, 2, Qt.PenStyle.DashLine)
        pen.setDashPattern([4.0, 3.0])
        p.setPen(pen)
        p.drawLine(self._line)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(c.highlight))
        p.drawEllipse(self._line.p2(), 4, 4)
