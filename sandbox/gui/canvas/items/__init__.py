"""Graphics items of the canvas, one module per kind: hosts, links (and their layer), group boxes.

Items only show a model object; they never change the model. The scene
creates one item per host, link and group, and gives each item the new model
object when the document announces a change (``set_host``, ``set_link``,
``set_group``). The run animation adds its own marks through small methods
that only repaint: :meth:`HostItem.set_state`, :meth:`HostItem.set_clock_text`,
:meth:`LinkItem.set_cut`.

* :mod:`.common`: card sizes, stacking order, kind and state colours, palette mixing;
* :mod:`.icons`: the kind icons; :mod:`.motion`: link updates while hosts move;
* :mod:`.host`, :mod:`.link`, :mod:`.link_layer`, :mod:`.group`: the items.
"""

from .common import (
    GROUP_KIND_COLOURS,
    HOST_HEIGHT,
    HOST_KIND_COLOURS,
    HOST_STATES,
    HOST_WIDTH,
    Z_GROUP,
    Z_HOST,
    Z_LINK,
    Z_OVERLAY,
    CanvasColours,
    canvas_colours,
    group_kind_name,
    host_kind_name,
    mix,
    with_alpha,
)
from .group import GROUP_RANK, GROUP_SIZES, GroupItem, innermost_group, nesting_parent
from .host import HostItem, default_clock_text
from .icons import draw_kind_icon, kind_icon
from .link import GhostLinkItem, LinkItem, LinkLabelItem, LinkLabels, link_label_text
from .link_layer import LinkLayer
from .motion import batch_link_updates, defer_link_paths

__all__ = [
    "GROUP_KIND_COLOURS", "GROUP_RANK", "GROUP_SIZES", "HOST_HEIGHT", "HOST_KIND_COLOURS",
    "HOST_STATES", "HOST_WIDTH", "Z_GROUP", "Z_HOST", "Z_LINK", "Z_OVERLAY", "CanvasColours",
    "GhostLinkItem", "GroupItem", "HostItem", "LinkItem", "LinkLabelItem", "LinkLabels",
    "LinkLayer", "batch_link_updates", "canvas_colours", "default_clock_text",
    "defer_link_paths", "draw_kind_icon",
    "group_kind_name", "host_kind_name", "innermost_group", "kind_icon", "link_label_text",
    "mix", "nesting_parent", "with_alpha",
]
