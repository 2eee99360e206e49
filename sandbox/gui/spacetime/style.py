"""The look of the space-time diagram: its colours for a palette, pens, arrow heads and crosses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QLineF, QPointF, Qt
from PySide6.QtGui import QColor, QPalette, QPen

from ..event_log import kind_colour
from ..theme import is_dark

__all__ = ["DiagramColours", "crosses", "heads", "lines", "make_pen", "mix", "points"]


@dataclass
class DiagramColours:
    """The colours of the diagram for one palette (light or dark)."""

    base: QColor
    window: QColor
    text: QColor
    faint: QColor
    grid: QColor
    lane: QColor
    alt: QColor
    cursor: QColor
    select: QColor
    past: QColor
    future: QColor
    message: QColor
    mem: QColor
    corrupted: QColor
    byz: QColor
    late: QColor
    dup: QColor
    drop: QColor
    crash: QColor
    recover: QColor
    pause: QColor
    suspect: QColor
    clock: QColor

    @classmethod
    def of(cls, palette: QPalette) -> DiagramColours:
        """The colours for ``palette``: its own roles, and semantic colours for its lightness."""
        dark = is_dark(palette)
        text = palette.color(QPalette.ColorRole.Text)
        base = palette.color(QPalette.ColorRole.Base)
        faint = QColor(text)
        faint.setAlphaF(0.55)
        grid = QColor(text)
        grid.setAlphaF(0.08)
        lane = QColor(text)
        lane.setAlphaF(0.45)
        alt = QColor(text)
        alt.setAlphaF(0.025 if not dark else 0.04)
        message = QColor("#8b949e" if dark else "#5b6573")

        def k(kind: str) -> QColor:
            return kind_colour(kind, palette)

        return cls(
            base=base, window=palette.color(QPalette.ColorRole.Window), text=text,
            faint=faint, grid=grid, lane=lane, alt=alt,
            cursor=QColor("#ff5c8a" if dark else "#e0245e"),
            select=palette.color(QPalette.ColorRole.Highlight),
            past=QColor("#58a6ff" if dark else "#1a63d6"),
            future=QColor("#f778ba" if dark else "#c2187a"),
            message=message, mem=k("mem"), corrupted=k("corrupt"), byz=k("byzantine"),
            late=QColor("#e3b341" if dark else "#a77800"), dup=k("duplicate"), drop=k("drop"),
            crash=k("crash"), recover=k("recover"), pause=k("pause"), suspect=k("suspect"),
            clock=k("clock_adjust"),
        )


def lines(x0: Any, y0: Any, x1: Any, y1: Any) -> list[QLineF]:
    """Segments from ``(x0, y0)`` to ``(x1, y1)`` (arrays of the same length)."""
    return [QLineF(a, b, c, d) for a, b, c, d in zip(np.asarray(x0).tolist(), np.asarray(y0).tolist(),
                                                     np.asarray(x1).tolist(), np.asarray(y1).tolist(),
                                                     strict=True)]


def points(x: Any, y: Any) -> list[QPointF]:
    """Points at ``(x, y)`` (arrays of the same length)."""
    return [QPointF(a, b) for a, b in zip(np.asarray(x).tolist(), np.asarray(y).tolist(),
                                           strict=True)]


def make_pen(colour: QColor, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine,
             cap: Qt.PenCapStyle = Qt.PenCapStyle.FlatCap) -> QPen:
    """A pen; keep round caps for points: on wide long lines they are very slow to stroke."""
    out = QPen(colour, width, style)
    out.setCapStyle(cap)
    return out


def mix(a: QColor, b: QColor, weight: float) -> QColor:
    """``weight`` of ``a`` and the rest of ``b``, opaque."""
    w = min(max(weight, 0.0), 1.0)
    return QColor(round(a.red() * w + b.red() * (1 - w)), round(a.green() * w + b.green() * (1 - w)),
                  round(a.blue() * w + b.blue() * (1 - w)))


def heads(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray,
          length: float = 7.0, half: float = 3.2) -> list[QLineF]:
    """The two strokes of an arrow head at the end of each segment long enough to carry one."""
    dx, dy = x1 - x0, y1 - y0
    norm = np.hypot(dx, dy)
    ok = norm > length * 1.3
    if not ok.any():
        return []
    dx, dy, norm = dx[ok] / norm[ok], dy[ok] / norm[ok], norm[ok]
    tx, ty = x1[ok], y1[ok]
    bx, by = tx - dx * length, ty - dy * length
    nx, ny = -dy * half, dx * half
    return lines(tx, ty, bx + nx, by + ny) + lines(tx, ty, bx - nx, by - ny)


def crosses(x: np.ndarray, y: np.ndarray, r: float) -> list[QLineF]:
    """A cross of half-width ``r`` at each point ``(x, y)``."""
    return lines(x - r, y - r, x + r, y + r) + lines(x - r, y + r, x + r, y - r)
