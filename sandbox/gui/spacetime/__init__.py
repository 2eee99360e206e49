"""The space-time (Lamport) diagram: a Qt-free layout, its painter and the dock widget.

Without Qt (tested without a display): ``layout`` maps time to pixels and
keeps the window, the axis, zoom, pan and follow; ``frame`` holds what it
computes for a canvas size (lanes, event positions, densities). With Qt:
``painter`` draws a frame and caches what does not move with the cursor
(with ``elements`` for messages, events and marks, ``style`` for colours and
pens, ``readout`` for texts); ``canvas`` is the painted area and its mouse;
``widget`` is :class:`SpaceTimeView`, the dock widget wiring them to the
toolbar, the scroll bars and the selection. The Qt names are imported on
first use, so that the package and its layout can be imported without Qt.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .frame import DETAIL_LIMIT, Frame, Rect, Selection
from .layout import DiagramLayout

__all__ = ["DETAIL_LIMIT", "DiagramColours", "DiagramLayout", "DiagramPainter", "Frame", "Rect",
           "Selection", "SpaceTimeView"]

#: The names that import Qt, and the module each comes from.
_LAZY = {"SpaceTimeView": ".widget", "DiagramPainter": ".painter", "DiagramColours": ".style"}


def __getattr__(name: str) -> Any:
    """Import the Qt parts (the widget, the painter) when first asked for."""
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
