"""The layer that draws every plain link line of the canvas in one call (cached in a drag)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QGraphicsItem

from .common import CRASH_COLOUR, Z_LINK, CanvasColours, item_colours

if TYPE_CHECKING:
    from .link import LinkItem


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
        for lines, colour in ((self._plain, c.link), (self._cut, CRASH_COLOUR)):
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
        c = item_colours(self)
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
