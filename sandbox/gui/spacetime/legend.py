"""The legend of the space-time diagram: every line, dot and mark it draws, drawn the same way.

:class:`DiagramLegend` lays its entries out in rows that wrap to the width
it is given (a QLabel, so a layout can ask its height for a width). Each
sample is drawn with the diagram's own pens and :func:`~.elements.draw_mark`,
so the legend cannot drift from what the diagram shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QLineF, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from .elements import MARK_KINDS, NET_KINDS, draw_fault_mark, draw_mark, message_pens
from .style import DiagramColours, crosses, make_pen

__all__ = ["LEGEND_KEYS", "DiagramLegend", "LegendEntry", "legend_entries"]

#: The width and height of the sample drawn before each entry's name, in pixels.
SAMPLE_W = 24
SAMPLE_H = 16
#: Space after a sample and between two entries.
GAP = 4
SPACING = 12
ROW_H = 18


def _tr(text: str) -> str:
    return QCoreApplication.translate("SpaceTimeView", text)


Sample = Callable[[QPainter, DiagramColours, QRectF], None]


@dataclass(frozen=True)
class LegendEntry:
    """One entry of the legend: a stable key, its (translated) name and how to draw its sample."""

    key: str
    text: str
    draw: Sample


def _line(style: str) -> Sample:
    def draw(p: QPainter, c: DiagramColours, r: QRectF) -> None:
        pen = QPen(message_pens(c, False, 1.0)[style])
        pen.setWidthF(max(1.4, pen.widthF()))
        p.setPen(pen)
        y = r.center().y()
        end = r.right() - (6 if style == "dropped" else 2)
        p.drawLine(QLineF(r.left() + 2, y + 3, end, y - 3))
        if style == "dropped":
            p.setPen(message_pens(c, False, 1.0)["cross"])
            p.drawLines(crosses(np.array([end]), np.array([y - 3]), 3.5))
    return draw


def _thick(which: str) -> Sample:
    def draw(p: QPainter, c: DiagramColours, r: QRectF) -> None:
        colour = c.past if which == "past" else c.future
        p.setPen(make_pen(colour, 2.0))
        y = r.center().y()
        p.drawLine(QLineF(r.left() + 2, y + 3, r.right() - 4, y - 3))
        p.setPen(make_pen(colour, 6.0, cap=Qt.PenCapStyle.RoundCap))
        p.drawPoint(QPointF(r.left() + 3, y + 3))
    return draw


def _dot(colour_of: Callable[[DiagramColours], QColor], width: float,
         cap: Qt.PenCapStyle = Qt.PenCapStyle.RoundCap, alpha: float = 1.0) -> Sample:
    def draw(p: QPainter, c: DiagramColours, r: QRectF) -> None:
        p.setPen(QPen(c.lane, 1.4))
        y = r.center().y()
        p.drawLine(QLineF(r.left() + 1, y, r.right() - 1, y))
        colour = QColor(colour_of(c))
        colour.setAlphaF(colour.alphaF() * alpha)
        pen = QPen(colour, width)
        pen.setCapStyle(cap)
        p.setPen(pen)
        p.drawPoint(r.center())
    return draw


def _mark(kind: str) -> Sample:
    def draw(p: QPainter, c: DiagramColours, r: QRectF) -> None:
        y = r.center().y() + (3 if kind in ("suspect", "unsuspect") else 0)
        if kind not in NET_KINDS:
            p.setPen(QPen(c.lane, 1.4))
            p.drawLine(QLineF(r.left() + 1, y, r.right() - 1, y))
        x = r.center().x() - (3 if kind in ("suspect", "unsuspect") else 0)
        draw_mark(p, c, kind, x, y, 5.0, lane_h=SAMPLE_H * 1.5, top=r.top(), bottom=r.bottom())
    return draw


def _period(status: str) -> Sample:
    def draw(p: QPainter, c: DiagramColours, r: QRectF) -> None:
        col = c.crash if status == "crashed" else c.pause
        band = QColor(col)
        band.setAlphaF(0.10)
        y = r.center().y()
        p.fillRect(QRectF(r.left() + 1, y - 5, r.width() - 2, 10), band)
        p.setPen(QPen(col, 1.6, Qt.PenStyle.DashLine if status == "crashed"
                      else Qt.PenStyle.DotLine))
        p.drawLine(QLineF(r.left() + 1, y, r.right() - 1, y))
    return draw


def _selected(p: QPainter, c: DiagramColours, r: QRectF) -> None:
    p.setPen(QPen(c.select, 2.0))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(r.center(), 6.0, 6.0)
    p.setPen(make_pen(c.select, 6.0, cap=Qt.PenCapStyle.RoundCap))
    p.drawPoint(r.center())


def legend_entries() -> list[LegendEntry]:
    """Every entry of the legend, in order: message lines, events, marks, periods, highlight."""
    e = LegendEntry
    return [
        e("message", _tr("message"), _line("normal")),
        e("mem", _tr("memory"), _line("mem")),
        e("corrupted", _tr("corrupted"), _line("corrupted")),
        e("byz", _tr("Byzantine"), _line("byz")),
        e("late", _tr("late"), _line("late")),
        e("dup", _tr("duplicate"), _line("dup")),
        e("dropped", _tr("dropped"), _line("dropped")),
        e("open", _tr("in flight at the end"), _line("open")),
        e("send", _tr("send"), _dot(lambda c: c.message, 4.5)),
        e("deliver", _tr("deliver"), _dot(lambda c: c.text, 5.0, alpha=0.8)),
        e("event", _tr("local event"), _dot(lambda c: c.faint, 4.0)),
        e("mem_access", _tr("memory access"),
          _dot(lambda c: c.mem, 4.5, Qt.PenCapStyle.SquareCap)),
        e("crash", _tr("crash"), _mark("crash")),
        e("crashed", _tr("down"), _period("crashed")),
        e("recover", _tr("recover"), _mark("recover")),
        e("pause", _tr("pause"), _mark("pause")),
        e("paused", _tr("paused"), _period("paused")),
        e("resume", _tr("resume"), _mark("resume")),
        e("suspect", _tr("suspect"), _mark("suspect")),
        e("unsuspect", _tr("unsuspect"), _mark("unsuspect")),
        e("clock_adjust", _tr("clock step"), _mark("clock_adjust")),
        e("byzantine", _tr("turns Byzantine"), _mark("byzantine")),
        e("partition", _tr("partition, link cut"), _mark("partition")),
        e("heal", _tr("heal"), _mark("heal")),
        e("fault", _tr("scheduled fault (coloured by kind)"),
          lambda p, c, r: draw_fault_mark(p, c.text, r.center().x(), r.center().y() + 2,
                                          r.height() * 0.3)),
        e("past", _tr("causal past"), _thick("past")),
        e("future", _tr("causal future"), _thick("future")),
        e("selected", _tr("selected event"), _selected),
    ]


#: What each drawn kind is explained by in the legend (kinds that share a glyph share an entry).
LEGEND_KEYS: dict[str, str] = {
    **{k: k for k in MARK_KINDS}, "link_cut": "partition", "partition": "partition",
    "heal": "heal", "link_heal": "heal",
    "normal": "message", "mem": "mem", "corrupted": "corrupted", "byz": "byz", "late": "late",
    "dup": "dup", "dropped": "dropped", "open": "open", "cross": "dropped",
}


class DiagramLegend(QLabel):
    """The legend under the diagram, wrapped into as many rows as its width needs.

    A QLabel so that the window can treat it like one (word wrap, height for
    width); its text is the entries' names, for screen readers and tests.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entries = legend_entries()
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._sync_text()

    def entries(self) -> list[LegendEntry]:
        """The entries shown, in order."""
        return list(self._entries)

    def _sync_text(self) -> None:
        self.setText(" · ".join(e.text for e in self._entries))
        self.setAccessibleName(_tr("Legend"))

    def _placed(self, width: int) -> list[tuple[LegendEntry, QRectF]]:
        fm = QFontMetrics(self.font())
        out: list[tuple[LegendEntry, QRectF]] = []
        x = y = 0.0
        row_h = max(ROW_H, fm.height() + 2)
        for entry in self._entries:
            w = SAMPLE_W + GAP + fm.horizontalAdvance(entry.text)
            if x > 0 and x + w > width:
                x, y = 0.0, y + row_h
            out.append((entry, QRectF(x, y, w, row_h)))
            x += w + SPACING
        return out

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        placed = self._placed(max(1, width))
        return int(placed[-1][1].bottom()) + 2 if placed else 0

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        width = max(self.width(), 400)
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(120, ROW_H)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.LanguageChange):
            if event.type() == QEvent.Type.LanguageChange:
                self._entries = legend_entries()
                self._sync_text()
            self.updateGeometry()
        super().changeEvent(event)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        c = DiagramColours.of(self.palette())
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setFont(self.font())
            for entry, rect in self._placed(self.width()):
                sample = QRectF(rect.left(), rect.center().y() - SAMPLE_H / 2, SAMPLE_W, SAMPLE_H)
                p.save()
                entry.draw(p, c, sample)
                p.restore()
                p.setPen(c.text)
                p.drawText(QRectF(sample.right() + GAP, rect.top(), rect.width(), rect.height()),
                           Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, entry.text)
        finally:
            p.end()
