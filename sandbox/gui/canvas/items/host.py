"""The host card of the canvas: kind icon, label, behaviour, clock badge and run-state marks.

The item only shows a model object; it never changes the model. The scene
gives it the new host when the document announces a change (``set_host``);
the run animation adds its marks through small methods that only repaint:
:meth:`HostItem.set_state` and :meth:`HostItem.set_clock_text`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QStyleOptionGraphicsItem

from ....scenario.model import Host
from ....scenario.units import format_latency
from .common import (
    BYZANTINE_COLOUR,
    CLOCK_COLOUR,
    CRASH_COLOUR,
    HOST_HEIGHT,
    HOST_KIND_COLOURS,
    HOST_STATES,
    HOST_WIDTH,
    SUSPECT_COLOUR,
    Z_HOST,
    CanvasColours,
    host_kind_name,
    item_colours,
    mix,
    pixel_font,
    round_pen,
    tr,
    with_alpha,
)
from .icons import draw_clock_glyph, draw_kind_icon
from .motion import LINK_BATCH

if TYPE_CHECKING:
    from .link import LinkItem


def default_clock_text(host: Host) -> str:
    """The clock badge of a host from its model: drift and offset, empty for a perfect clock."""
    parts = []
    if host.clock.drift_ppm:
        parts.append(f"{host.clock.drift_ppm:+g}ppm")
    if host.clock.offset:
        sign = "+" if host.clock.offset > 0 else ""
        parts.append(sign + format_latency(host.clock.offset))
    return " ".join(parts)



def fit_parts(parts: list[str], fm: QFontMetricsF, width: float, sep: str = " · ") -> str:
    """The most of ``parts`` (in order, joined by ``sep``) that fits in ``width``: whole parts
    are left out from the end first ("dsm_worker · 16 pages", not "dsm_worker · 1…"); only a
    first part too long alone is elided."""
    for n in range(len(parts), 1, -1):
        text = sep.join(parts[:n])
        if fm.horizontalAdvance(text) <= width:
            return text
    return fm.elidedText(parts[0] if parts else "", Qt.TextElideMode.ElideRight, width)

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
            sub.append(tr("%1 cores").replace("%1", str(h.cores)))
        if h.memory_pages:
            sub.append(tr("%1 pages").replace("%1", str(h.memory_pages)))
        self._subtitle_parts = sub
        self._subtitle = " · ".join(sub)
        tip = [f"<b>{h.title}</b> ({h.id})" if h.label else f"<b>{h.id}</b>",
               host_kind_name(h.kind), tr("Behaviour: %1").replace("%1", h.behaviour.name)]
        clock = default_clock_text(h)
        if clock:
            tip.append(tr("Clock: %1").replace("%1", clock))
        tip.append("<i>" + tr("Drag to move. Shift+drag to another host (or use the Link "
                               "tool) to connect them.") + "</i>")
        self.setToolTip("<br>".join(tip))

    def itemChange(self, change, value):  # noqa: N802 - Qt override
        """Keep attached links on the host when it moves."""
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            self.xy = (value.x(), value.y())
            if LINK_BATCH:
                LINK_BATCH[-1].update(self.links)
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
        c = item_colours(self)
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
            border, width, style = SUSPECT_COLOUR, 2.0, Qt.PenStyle.DashLine
        elif state == "byzantine":
            border, width = BYZANTINE_COLOUR, 2.0
        elif state == "crashed":
            border, width = CRASH_COLOUR, 1.5
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
        title_font = pixel_font(13, bold=True)
        p.setFont(title_font)
        p.setPen(c.text)
        fm = QFontMetricsF(title_font)
        title = fm.elidedText(self.host.title, Qt.TextElideMode.ElideRight, text_width)
        p.drawText(QRectF(text_left, card.top() + 8, text_width, 18),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        sub_font = pixel_font(11)
        p.setFont(sub_font)
        p.setPen(c.muted)
        sub = fit_parts(self._subtitle_parts, QFontMetricsF(sub_font), text_width)
        p.drawText(QRectF(text_left, card.top() + 27, text_width, 16),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, sub)
        p.setOpacity(1.0)
        self._paint_clock_badge(p, c, card)
        self._paint_state_mark(p, c, tile)

    def _paint_clock_badge(self, p: QPainter, c: CanvasColours, card: QRectF) -> None:
        text = self.clock_text()
        if not text:
            return
        font = pixel_font(10, bold=True)
        fm = QFontMetricsF(font)
        w = fm.horizontalAdvance(text) + 22
        badge = QRectF(card.right() - w + 4, card.top() - 10, w, 17)
        fill = mix(c.card, CLOCK_COLOUR, 0.22 if c.dark else 0.16)
        p.setPen(QPen(with_alpha(CLOCK_COLOUR, 200), 1))
        p.setBrush(fill)
        p.drawRoundedRect(badge, 8.5, 8.5)
        ink = CLOCK_COLOUR.lighter(120) if c.dark else CLOCK_COLOUR.darker(170)
        draw_clock_glyph(p, QPointF(badge.left() + 9, badge.center().y()), 4.2, ink)
        p.setFont(font)
        p.setPen(ink)
        p.drawText(badge.adjusted(16, 0, -5, 0), Qt.AlignmentFlag.AlignCenter, text)

    def _paint_state_mark(self, p: QPainter, c: CanvasColours, tile: QRectF) -> None:
        state = self._state
        if state == "up":
            return
        centre = QPointF(tile.right() - 2, tile.bottom() - 2)
        colour = {"crashed": CRASH_COLOUR, "paused": c.muted, "suspected": SUSPECT_COLOUR,
                  "byzantine": BYZANTINE_COLOUR}[state]
        p.setPen(QPen(c.card, 2))
        p.setBrush(colour)
        p.drawEllipse(centre, 8, 8)
        p.setPen(round_pen(QColor("white"), 1.8))
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
