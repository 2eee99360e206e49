"""The memory map: the DSM address space as a grid of pages coloured by their home host.

The placement comes from :func:`sandbox.scenario.placement.page_homes`, the
same function the engine uses. A heat overlay (:meth:`MemoryMapView.set_heat`)
shows how hot each page is during a run: a square in the heat scale's colour
inside each page touched, framed by its home host's colour (the colour of
that host in the legend, the space-time diagram and the plots); the scale
is drawn under the legend.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QHelpEvent, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from sandbox.scenario.units import format_bytes

from ..scenario.model import Scenario
from ..scenario.placement import page_counts, page_homes
from .batching import ChangeBatcher
from .theme import host_colours

#: Most cells drawn; beyond this each cell stands for several consecutive pages.
MAX_CELLS = 4096


def _tr(text: str) -> str:
    return QCoreApplication.translate("MemoryMapView", text)


class MemoryMapView(QWidget):
    """A grid of the pages of the DSM address space, each coloured by its home host.

    Call :meth:`set_scenario` (or :meth:`set_document`, which follows the
    document's changes). Hover a page for its number, address range and home
    host. :meth:`set_heat` lays a heat overlay (0 cold .. 1 hot) over pages.
    """

    LEGEND_ROW = 20
    HEADER = 22

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scenario: Scenario | None = None
        self._doc: Any = None
        self._homes: list[str] = []
        self._colours: dict[str, QColor] = {}
        self._heat: dict[int, float] = {}
        self._page_size = 4096
        self._cells = 0
        self._per_cell = 1
        self._grid = QRect()
        self._cell = 0
        self._cols = 1
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 100)
        self._batcher = ChangeBatcher(self._on_changed, self)

    # -- data --------------------------------------------------------------------------------

    def set_document(self, document: Any) -> None:
        """Show the document's scenario and follow its changes (hosts, memory settings)."""
        if self._doc is not None:
            try:
                self._doc.reset.disconnect(self._on_reset)
            except (RuntimeError, TypeError):
                pass
        self._doc = document
        self._batcher.attach(document, self._signals(document))
        document.reset.connect(self._on_reset)
        self.set_scenario(document.scenario)

    @staticmethod
    def _signals(doc: Any) -> list[Any]:
        return [doc.host_added, doc.host_removed, doc.host_changed, doc.settings_changed]

    def _on_changed(self, *_args: Any) -> None:
        if self._doc is not None:
            self.set_scenario(self._doc.scenario)

    def _on_reset(self) -> None:
        self._on_changed()

    def set_scenario(self, scenario: Scenario) -> None:
        """Compute the placement of ``scenario``'s pages and show it."""
        self._scenario = scenario
        self._homes = page_homes(scenario)
        self._page_size = scenario.memory.page_size
        every = host_colours([h.id for h in scenario.hosts])
        self._colours = {hid: every.get(hid, QColor("#808080"))
                         for hid in dict.fromkeys(self._homes)}
        pages = len(self._homes)
        self._per_cell = max(1, math.ceil(pages / MAX_CELLS))
        self._cells = math.ceil(pages / self._per_cell) if pages else 0
        self.setToolTip("")
        self.update()

    def page_homes(self) -> list[str]:
        """The home host of every page, as shown."""
        return list(self._homes)

    def host_colours(self) -> dict[str, QColor]:
        """The colour of each host that holds pages."""
        return dict(self._colours)

    def set_heat(self, heat: Mapping[int, float] | None) -> None:
        """Overlay heat per page (0 cold .. 1 hot; larger values are clipped); None clears."""
        self._heat = {int(p): max(0.0, min(1.0, float(v))) for p, v in (heat or {}).items()}
        self.update()

    def heat(self) -> dict[int, float]:
        """The heat overlay shown (page -> 0..1)."""
        return dict(self._heat)

    @property
    def cell_count(self) -> int:
        """How many cells the grid has (a cell stands for :attr:`pages_per_cell` pages)."""
        return self._cells

    @property
    def pages_per_cell(self) -> int:
        """How many consecutive pages one cell stands for (1 unless there are many pages)."""
        return self._per_cell

    @property
    def grid_rect(self) -> QRect:
        """Where the grid of cells is drawn, for the widget's current size."""
        self._layout()
        return QRect(self._grid)

    # -- geometry ----------------------------------------------------------------------------

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(300, 220)

    def _legend(self, width: int) -> list[list[tuple[str, QColor, QRect]]]:
        """Rows of legend entries (host, colour, rect relative to the legend's top left)."""
        fm = QFontMetrics(self.font())
        counts = page_counts(self._homes)
        rows: list[list[tuple[str, QColor, QRect]]] = [[]]
        x = 0
        for hid, colour in self._colours.items():
            text = f"{hid} ({counts.get(hid, 0)})"
            w = 14 + fm.horizontalAdvance(text) + 12
            if x and x + w > width:
                rows.append([])
                x = 0
            top = (len(rows) - 1) * self.LEGEND_ROW
            rows[-1].append((text, colour, QRect(x, top, w, self.LEGEND_ROW)))
            x += w
        return [r for r in rows if r]

    @property
    def heat_scale_shown(self) -> bool:
        """Whether the heat scale is drawn (while a heat overlay is shown)."""
        return bool(self._heat)

    @property
    def heat_scale_rect(self) -> QRect:
        """Where the heat scale's colour bar is drawn (empty without a heat overlay)."""
        legend = self._layout()
        if not self.heat_scale_shown:
            return QRect()
        top = self._grid.bottom() + 8 + len(legend) * self.LEGEND_ROW
        fm = QFontMetrics(self.font())
        left = 8 + fm.horizontalAdvance(_tr("Accesses:")) + 8
        width = max(40, min(180, self.width() - left - 8 - fm.horizontalAdvance(_tr("most")) - 8
                            - fm.horizontalAdvance(_tr("few")) - 8))
        return QRect(left + fm.horizontalAdvance(_tr("few")) + 6, top + 5, width,
                     self.LEGEND_ROW - 10)

    #: The heat scale, from a page touched a little to the most accessed one.
    HEAT_STOPS = ((0.0, QColor("#fde68a")), (0.5, QColor("#f97316")), (1.0, QColor("#b91c1c")))

    @classmethod
    def heat_colour(cls, heat: float) -> QColor:
        """The colour of ``heat`` (0 few accesses .. 1 the most) on the heat scale."""
        h = max(0.0, min(1.0, heat))
        stops = cls.HEAT_STOPS
        for (a, ca), (b, cb) in zip(stops, stops[1:], strict=False):
            if h <= b:
                f = (h - a) / (b - a) if b > a else 0.0
                return QColor.fromRgbF(ca.redF() + (cb.redF() - ca.redF()) * f,
                                       ca.greenF() + (cb.greenF() - ca.greenF()) * f,
                                       ca.blueF() + (cb.blueF() - ca.blueF()) * f)
        return QColor(stops[-1][1])

    def heat_inset(self) -> int:
        """How far in from its edges a cell's heat square is drawn (its home's colour shows
        around it); 0 when cells are too small for a frame: the heat fills them."""
        return max(2, self._cell // 4) if self._cell >= 8 else 0

    def _layout(self) -> list[list[tuple[str, QColor, QRect]]]:
        margin = 8
        area = self.rect().adjusted(margin, margin, -margin, -margin)
        legend = self._legend(area.width())
        legend_h = (len(legend) + (1 if self.heat_scale_shown else 0)) * self.LEGEND_ROW
        grid = QRect(area.left(), area.top() + self.HEADER, area.width(),
                     max(1, area.height() - self.HEADER - legend_h - 6))
        n = max(self._cells, 1)
        cell = 2
        for size in range(32, 1, -1):
            cols = max(1, grid.width() // size)
            if math.ceil(n / cols) * size <= grid.height():
                cell = size
                break
        self._cell = cell
        self._cols = max(1, grid.width() // cell)
        rows = math.ceil(n / self._cols)
        self._grid = QRect(grid.left(), grid.top(), self._cols * cell, rows * cell)
        return legend

    def cell_at(self, pos: QPoint) -> int | None:
        """The cell under a point of the widget, or None."""
        self._layout()
        if not self._grid.contains(pos) or self._cell <= 0:
            return None
        col = (pos.x() - self._grid.left()) // self._cell
        row = (pos.y() - self._grid.top()) // self._cell
        index = row * self._cols + col
        return index if 0 <= index < self._cells else None

    def page_tooltip(self, page: int) -> str:
        """The tooltip text of a page: number, address range and home host."""
        start = page * self._page_size
        end = start + self._page_size - 1
        return _tr("Page {page}\nAddresses 0x{start:x} \u2013 0x{end:x}\nHome: {home}").format(
            page=page, start=start, end=end, home=self._homes[page])

    def cell_tooltip(self, cell: int) -> str:
        """The tooltip of a cell: its page, or the range of pages it stands for."""
        first = cell * self._per_cell
        last = min(len(self._homes), first + self._per_cell) - 1
        if first == last:
            return self.page_tooltip(first)
        homes = list(dict.fromkeys(self._homes[first:last + 1]))
        return _tr("Pages {first} \u2013 {last}\nAddresses 0x{start:x} \u2013 0x{end:x}\n"
                   "Homes: {homes}").format(
            first=first, last=last, start=first * self._page_size,
            end=(last + 1) * self._page_size - 1, homes=", ".join(homes))

    def event(self, event: QEvent) -> bool:
        """Show the tooltip of the page under the mouse."""
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            cell = self.cell_at(event.pos())
            if cell is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), self.cell_tooltip(cell), self)
            return True
        return super().event(event)

    # -- painting ----------------------------------------------------------------------------

    def _header_text(self) -> str:
        if self._scenario is None:
            return ""
        memory = self._scenario.memory
        if not self._homes:
            return _tr("No hosts: add hosts to hold the pages.")
        placement = QCoreApplication.translate("Choice", memory.placement.replace("_", " "))
        text = _tr("{pages} pages \u00d7 {size} = {total}, {placement}").format(
            pages=memory.pages, size=format_bytes(memory.page_size),
            total=format_bytes(memory.pages * memory.page_size), placement=placement)
        if self._per_cell > 1:
            text += _tr(" ({n} pages per cell)").format(n=self._per_cell)
        return text

    def _cell_colour(self, cell: int) -> QColor:
        first = cell * self._per_cell
        if self._per_cell == 1:
            return self._colours[self._homes[first]]
        # A cell of several pages shows the mix of their homes' colours.
        counts = page_counts(self._homes[first:first + self._per_cell])
        total = sum(counts.values())
        r = g = b = 0.0
        for hid, n in counts.items():
            c = self._colours[hid]
            r, g, b = r + c.redF() * n, g + c.greenF() * n, b + c.blueF() * n
        return QColor.fromRgbF(r / total, g / total, b / total)

    def cell_heat(self, cell: int) -> float:
        """The heat drawn on a cell: the hottest of its pages (0 without an overlay)."""
        if not self._heat:
            return 0.0
        first = cell * self._per_cell
        return max((self._heat.get(p, 0.0) for p in range(first, first + self._per_cell)),
                   default=0.0)

    def paintEvent(self, _event: QEvent) -> None:  # noqa: N802 - Qt override
        """Draw the header, the page grid (with heat) and the legend."""
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        legend = self._layout()
        margin = 8
        text_colour = palette.color(QPalette.ColorRole.Text)
        painter.setPen(text_colour)
        header = QRect(margin, margin, self.width() - 2 * margin, self.HEADER)
        text = QFontMetrics(self.font()).elidedText(
            self._header_text(), Qt.TextElideMode.ElideRight, header.width())
        painter.drawText(header, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        cell = self._cell
        gap = 1 if cell >= 6 else 0
        for i in range(self._cells):
            row, col = divmod(i, self._cols)
            rect = QRectF(self._grid.left() + col * cell, self._grid.top() + row * cell,
                          cell - gap, cell - gap)
            painter.fillRect(rect, self._cell_colour(i))
            heat = self.cell_heat(i)
            if heat > 0:
                inset = self.heat_inset()
                painter.fillRect(rect.adjusted(inset, inset, -inset, -inset),
                                 self.heat_colour(heat))
        top = self._grid.bottom() + 8
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for row in legend:
            for text, colour, rect in row:
                r = rect.translated(margin, top)
                swatch = QRectF(r.left(), r.center().y() - 5, 10, 10)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colour)
                painter.drawRoundedRect(swatch, 2, 2)
                painter.setPen(text_colour)
                painter.drawText(r.adjusted(14, 0, 0, 0),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        if self.heat_scale_shown:
            self._paint_heat_scale(painter, text_colour)
        painter.end()

    def _paint_heat_scale(self, painter: QPainter, text_colour: QColor) -> None:
        """The heat scale: the colour of a page's heat square, from few recent accesses to the
        most (the page's home colour frames the square)."""
        bar = self.heat_scale_rect
        row = QRect(8, bar.top() - 5, self.width() - 16, self.LEGEND_ROW)
        centre = Qt.AlignmentFlag.AlignVCenter
        painter.setPen(text_colour)
        fm = QFontMetrics(self.font())
        painter.drawText(row, Qt.AlignmentFlag.AlignLeft | centre, _tr("Accesses:"))
        painter.drawText(QRect(bar.left() - fm.horizontalAdvance(_tr("few")) - 4, row.top(),
                               fm.horizontalAdvance(_tr("few")), row.height()),
                         Qt.AlignmentFlag.AlignRight | centre, _tr("few"))
        steps = max(1, bar.width())
        for x in range(steps):
            painter.fillRect(QRect(bar.left() + x, bar.top(), 1, bar.height()),
                             self.heat_colour(x / max(1, steps - 1)))
        painter.drawText(QRect(bar.right() + 6, row.top(), row.width(), row.height()),
                         Qt.AlignmentFlag.AlignLeft | centre, _tr("most"))


def legend_entries(view: MemoryMapView) -> Sequence[tuple[str, str]]:
    """The legend as (host id, colour name) pairs, in order (for tests and exports)."""
    return [(hid, colour.name()) for hid, colour in view.host_colours().items()]
