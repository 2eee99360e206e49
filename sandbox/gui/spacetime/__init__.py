"""The space-time (Lamport) diagram: a Qt-free layout, its painter and the dock widget.

``layout`` maps time to pixels and knows the window, the lanes, zoom, pan and
follow without importing Qt (it is tested without a display); ``painter``
draws a layout with QPainter and caches what does not move with the cursor;
``widget`` is :class:`SpaceTimeView`, the dock widget wiring the two to the
mouse, the scroll bars and the selection. The Qt names are imported on first
use, so that ``sandbox.gui.spacetime.layout`` can be imported without Qt.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .layout import DETAIL_LIMIT, DiagramLayout, Frame, Rect

__all__ = ["DETAIL_LIMIT", "DiagramColours", "DiagramLayout", "DiagramPainter", "Frame", "Rect",
           "SpaceTimeView"]

#: The names that import Qt, and the module each comes from.
_LAZY = {"SpaceTimeView": ".widget", "DiagramPainter": ".painter", "DiagramColours": ".painter"}


def __getattr__(name: str) -> Any:
    """Import the Qt parts (the widget, the painter) when first asked for."""
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
