"""Links of the canvas: the line between two host cards, its label pill, a new link's ghost.

A :class:`LinkItem` only shows a model link; it never changes the model. The
scene gives it the new link when the document announces a change
(``set_link``); the run animation shows a cut with :meth:`LinkItem.set_cut`.
Plain lines are drawn in one batch by the :class:`~.link_layer.LinkLayer`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QStyleOptionGraphicsItem,
)

from ....engine.network import group_chain, locality_latency
from ....scenario.model import Link
from ....scenario.units import format_latency, format_percent
from .common import (
    CRASH_COLOUR,
    HOST_HEIGHT,
    HOST_WIDTH,
    Z_LINK,
    Z_OVERLAY,
    item_colours,
    mix,
    pixel_font,
    round_pen,
    tr,
)
from .motion import DEFERRED_PATHS

if TYPE_CHECKING:
    from ...document import Document
    from .host import HostItem
    from .link_layer import LinkLayer


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
            w = math.ceil(QFontMetricsF(pixel_font(10)).horizontalAdvance(text) / 2) * 2 + 12
            self.setRect(QRectF(-w / 2, -9, w, 18))
        self.setVisible(bool(text) and not self.link_item.is_cut)
        self.link_item.sync_label()
        self.update()

    def paint(self, p: QPainter, option, widget=None) -> None:
        """A rounded pill with the text."""
        c = item_colours(self)
        selected = self.link_item.isSelected()
        box = self.rect()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(c.highlight if selected else c.card_border, 1))
        p.setBrush(c.label_background)
        p.drawRoundedRect(box.adjusted(0.5, 0.5, -0.5, -0.5), 8.5, 8.5)
        p.setPen(c.text if selected else mix(c.text, c.muted, 0.4))
        p.setFont(pixel_font(10))
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
            tip.append(tr("Latency: %1, mean %2").replace("%1", lk.latency.dist)
                       .replace("%2", format_latency(lk.latency.mean)))
        else:
            tip.append(tr("Latency: default for the hosts' locality"))
        for name, value in ((tr("Loss"), lk.loss), (tr("Corruption"), lk.corruption),
                            (tr("Duplication"), lk.duplication),
                            (tr("Reordering"), lk.reordering)):
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
        if DEFERRED_PATHS and self.draws_in_layer() and not self._cut:
            # Mid-drag: the path only serves picking; it is set when the drag ends.
            self._path_stale = True
            DEFERRED_PATHS[-1].add(self)
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
        c = item_colours(self)
        selected = self.isSelected()
        colour = c.highlight if selected else (CRASH_COLOUR if self._cut else c.link)
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
            p.setPen(round_pen(CRASH_COLOUR, 2.2))
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
        c = item_colours(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(c.highlight, 2, Qt.PenStyle.DashLine)
        pen.setDashPattern([4.0, 3.0])
        p.setPen(pen)
        p.drawLine(self._line)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(c.highlight))
        p.drawEllipse(self._line.p2(), 4, 4)


class LinkLabels:
    """The at-a-glance labels of a document's links (:func:`link_label_text`).

    A link without its own latency shows the default of its hosts' locality,
    which depends on the groups; :meth:`invalidate` forgets the group chains
    when hosts or groups change.
    """

    def __init__(self, document: Document) -> None:
        self._document = document
        self._chains: dict[str, dict[str, str]] | None = None

    def invalidate(self) -> None:
        """Hosts or groups changed: work the locality out again next time."""
        self._chains = None

    def _chain(self) -> dict[str, dict[str, str]]:
        if self._chains is None:
            self._chains = group_chain(self._document.scenario)
        return self._chains

    def text(self, link: Link) -> str:
        """The label of ``link`` in the document's scenario."""
        auto = None
        if link.latency is None:
            auto = locality_latency(self._document.scenario, self._chain(), link.a, link.b)
        return link_label_text(link, auto)

    def relabel(self, items: Iterable[LinkItem]) -> None:
        """Give the items of links without their own latency their label again."""
        for item in items:
            if item.link.latency is None:
                item.set_label(self.text(item.link))
