"""The group box of the canvas: a rack, data centre or region, with its resize grip.

The item only shows a model group; it never changes the model. Also here:
the default sizes of new boxes and how group kinds nest.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QStyleOptionGraphicsItem

from ....scenario.model import Group
from .common import (
    GROUP_KIND_COLOURS,
    Z_GROUP,
    group_kind_name,
    item_colours,
    mix,
    pixel_font,
    round_pen,
    tr,
)
from .icons import draw_kind_icon

#: Default size of a new group box, by kind.
GROUP_SIZES = {"rack": (280.0, 360.0), "datacenter": (640.0, 440.0), "region": (1000.0, 680.0)}
#: How far inside which group kind a group kind may nest.
GROUP_RANK = {"rack": 0, "datacenter": 1, "region": 2}


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
                        + tr("Drop hosts in the box to group them; drag the corner to resize.")
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
        c = item_colours(self)
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
        title_font = pixel_font(12, bold=True)
        fm = QFontMetricsF(title_font)
        kind_font = pixel_font(10)
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
            p.setPen(round_pen(c.highlight if selected else ink, 1.4))
            for k in (4, 8, 12):
                p.drawLine(QPointF(g.right() - k, g.bottom() - 2), QPointF(g.right() - 2,
                                                                         g.bottom() - k))


def innermost_group(items: Iterable[GroupItem], pos: QPointF,
                    exclude: Iterable[GroupItem] = ()) -> GroupItem | None:
    """The innermost (smallest) of the group boxes ``items`` that contains a scene point."""
    exclude = set(exclude)
    best, best_area = None, float("inf")
    for item in items:
        if item in exclude:
            continue
        rect = item.box().translated(item.pos())
        area = rect.width() * rect.height()
        if rect.contains(pos) and area < best_area:
            best, best_area = item, area
    return best


def nesting_parent(items: Iterable[GroupItem], kind: str, pos: QPointF) -> str | None:
    """The id of the group a new group of ``kind`` at ``pos`` nests in, or None.

    That is the innermost group box under the point of a larger kind
    (see :data:`GROUP_RANK`).
    """
    parent = None
    rank = GROUP_RANK.get(kind, 0)
    best_area = float("inf")
    for item in items:
        rect = item.box().translated(item.pos())
        area = rect.width() * rect.height()
        if (GROUP_RANK.get(item.group.kind, 0) > rank and rect.contains(pos)
                and area < best_area):
            parent, best_area = item.group_id, area
    return parent
