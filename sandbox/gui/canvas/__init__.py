"""The topology canvas: a scene that mirrors the Document, its view, items, gestures and palette."""

from .items import GroupItem, HostItem, LinkItem, kind_icon
from .palette import Palette
from .scene import CanvasScene
from .view import GROUP_KIND_MIME, HOST_KIND_MIME, CanvasView

__all__ = [
    "GROUP_KIND_MIME", "HOST_KIND_MIME", "CanvasScene", "CanvasView", "GroupItem", "HostItem",
    "LinkItem", "Palette", "kind_icon",
]
