"""Colours and pens of the plot pages: series colours by role, for the light and dark themes."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QGraphicsItem

__all__ = ["CACHE", "COLOURS", "LEFT_AXIS_WIDTH", "colour", "style_item", "style_legend"]

#: Width of every left axis, so the time axes of stacked plots line up.
LEFT_AXIS_WIDTH = 70

#: Cache mode of axes and curves: repainting under a moving cursor blits them.
CACHE = QGraphicsItem.CacheMode.DeviceCoordinateCache

#: Series colours by role: (light theme, dark theme).
COLOURS: dict[str, tuple[str, str]] = {
    "delivered": ("#0c8599", "#3bc9db"),
    "sent": ("#e07b16", "#ffa94d"),
    "offered": ("#2f9e44", "#69db7c"),
    "profile": ("#6e7781", "#9aa4b0"),
    "hist": ("#4e79a7", "#74a6e0"),
    "percentile": ("#6e7781", "#9aa4b0"),
    "request": ("#7048e8", "#b197fc"),
    "request_mean": ("#1f2328", "#e6e8eb"),
    "up": ("#2f9e44", "#69db7c"),
    "failures": ("#d1242f", "#ff6b6b"),
    "local": ("#2f9e44", "#69db7c"),
    "remote": ("#d1242f", "#ff8787"),
    "zero": ("#8c949e", "#6b7079"),
}


def colour(role: str, dark: bool) -> QColor:
    """The colour of series role ``role`` (a key of :data:`COLOURS`) in a light or dark theme."""
    light, dark_name = COLOURS[role]
    return QColor(dark_name if dark else light)


def style_item(item: Any, role: str, opts: dict[str, Any], dark: bool) -> None:
    """Give a curve or line the pen (and fill or symbol brush) of ``role`` in the theme.

    ``opts`` holds ``width``, ``style``, ``fill`` (alpha of a fill down to 0),
    ``symbol`` and ``symbol_alpha`` as the curve was made with.
    """
    c = colour(role, dark)
    pen = pg.mkPen(c, width=opts.get("width", 2.0),
                   style=opts.get("style", Qt.PenStyle.SolidLine))
    if isinstance(item, pg.InfiniteLine):
        item.setPen(pen)
        return
    if opts.get("symbol"):
        brush = QColor(c)
        brush.setAlpha(opts.get("symbol_alpha", 150))
        item.setSymbolBrush(brush)
        item.setSymbolPen(None)
        return
    item.setPen(pen)
    if opts.get("fill") is not None:
        brush = QColor(c)
        brush.setAlpha(opts["fill"])
        item.setFillLevel(0)
        item.setBrush(brush)


def style_legend(legend: pg.LegendItem, palette: QPalette) -> None:
    """A legend without frame or background, its labels in the text colour of ``palette``."""
    legend.setBrush(None)
    legend.setPen(None)
    fg = palette.color(QPalette.ColorRole.Text)
    legend.setLabelTextColor(fg)
    for _sample, label in legend.items:  # setLabelTextColor does not redraw existing labels
        label.setText(label.text, color=fg)
