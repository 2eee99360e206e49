"""Icons of host and group kinds, drawn with QPainter (on cards, group titles and the palette)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPolygonF

from ...theme import painted_icon
from .common import GROUP_KIND_COLOURS, HOST_KIND_COLOURS, with_alpha

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
    return painted_icon(
        size, lambda p, s, col: draw_kind_icon(p, QRectF(0, 0, s, s), kind, col),
        ((QIcon.Mode.Normal, colour),))


def draw_clock_glyph(p: QPainter, centre: QPointF, radius: float, colour: QColor) -> None:
    """A small clock face (a circle and two hands) at ``centre``."""
    p.save()
    p.setPen(QPen(colour, max(1.0, radius / 3.5)))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(centre, radius, radius)
    p.drawLine(centre, centre + QPointF(0, -radius * 0.6))
    p.drawLine(centre, centre + QPointF(radius * 0.5, 0))
    p.restore()
