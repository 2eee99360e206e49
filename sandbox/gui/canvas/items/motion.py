"""Link updates while hosts move: once per link per frame, picking paths at the drag's end.

The scene opens these blocks around a drag; :class:`~.host.HostItem` and
:class:`~.link.LinkItem` read the stacks of open blocks.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .link import LinkItem

#: The open :func:`batch_link_updates` blocks (innermost last): links to update at the end.
LINK_BATCH: list[set[LinkItem]] = []
#: The open :func:`defer_link_paths` blocks (innermost last): links whose path is stale.
DEFERRED_PATHS: list[set[LinkItem]] = []



@contextmanager
def defer_link_paths():
    """Within this block (a whole drag), plain links skip updating their picking path.

    The lines are drawn from the link layer, which is always current; the
    paths are brought up to date when the block ends.
    """
    links: set[LinkItem] = set()
    DEFERRED_PATHS.append(links)
    try:
        yield
    finally:
        DEFERRED_PATHS.pop()
        for link in links:
            if link.scene() is not None:
                link.flush_path()


@contextmanager
def batch_link_updates():
    """Within this block, moving hosts marks their links; each link updates once at the end.

    Dragging 50 hosts moves each link between two of them only once per frame.
    """
    links: set[LinkItem] = set()
    LINK_BATCH.append(links)
    try:
        yield
    finally:
        LINK_BATCH.pop()
        for link in links:
            link.update_geometry()
