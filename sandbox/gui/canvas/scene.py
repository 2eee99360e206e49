"""The canvas scene: one item per host, link and group, kept in step with the Document's signals.

The scene never writes the model except through the Document's edit API
(``add_host``, ``move_items``, ``remove`` ...); the items change only when the
document announces a change. Mouse gestures are handled by interaction
objects (:mod:`.interactions`):

* press on a host or group title and drag: move the selection (one undo step);
* Shift+drag from a host to another host, or any drag with the Link tool on:
  create a link;
* drag the corner grip of a selected group box: resize it;
* press on empty canvas and drag: rubber-band selection (done by the view);
* Delete or Backspace: remove the selection; Esc: cancel the gesture, leave
  the Link tool, or clear the selection.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
)

from ...scenario.model import Group, Host, Link
from ..document import Document
from .interactions import Interaction, drop_group, drop_host, interaction_for_press, item_at
from .items import (
    GROUP_RANK,
    GROUP_SIZES,
    Z_LINK,
    GroupItem,
    HostItem,
    LinkItem,
    LinkLabels,
    LinkLayer,
    innermost_group,
)

__all__ = ["GROUP_RANK", "GROUP_SIZES", "CanvasScene"]
#: Room kept around the items so the user can pan and drop beyond them.
SCENE_MARGIN = 1500.0
#: Below this zoom the link labels are hidden (too small to read).
LABEL_MIN_ZOOM = 0.45
#: Below this zoom the group boxes are cached as pixmaps.
GROUP_CACHE_MAX_ZOOM = 0.5


class CanvasScene(QGraphicsScene):
    """A QGraphicsScene that mirrors a :class:`Document` and edits it through its API."""

    #: The selection changed (hosts, links or groups).
    selection_changed = Signal()
    #: The Link tool was switched on or off.
    link_tool_changed = Signal(bool)
    #: A host was double-clicked (its id).
    host_activated = Signal(str)
    #: A short message for the status bar (an edit refused, for example).
    message = Signal(str)
    #: An interaction started or ended (the run animation may pause meanwhile).
    interaction_started = Signal()
    interaction_ended = Signal()

    def __init__(self, document: Document, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        #: Grid step in scene units.
        self.grid_size = 20
        #: Whether positions snap to the grid.
        self.snap_enabled = True
        self._link_tool = False
        self._host_items: list[HostItem] = []
        self._host_by_id: dict[str, HostItem] = {}
        self._link_items: list[LinkItem] = []
        self._group_items: list[GroupItem] = []
        self._group_by_id: dict[str, GroupItem] = {}
        self._pending_links: set[LinkItem] = set()
        self._labels = LinkLabels(document)
        self._interaction: Interaction | None = None
        self._last_paste: str | None = None
        self._paste_count = 0
        self._labels_shown = True
        self._group_cache = False
        self._link_layer = LinkLayer()
        self._label_layer = QGraphicsRectItem()
        # Items move a lot while dragged and there are few of them: no BSP tree to update.
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.selectionChanged.connect(self.selection_changed)
        self.sceneRectChanged.connect(self._on_scene_rect_changed)
        doc = document
        doc.host_added.connect(self._on_host_added)
        doc.host_removed.connect(self._on_host_removed)
        doc.host_changed.connect(self._on_host_changed)
        doc.link_added.connect(self._on_link_added)
        doc.link_removed.connect(self._on_link_removed)
        doc.link_changed.connect(self._on_link_changed)
        doc.group_added.connect(self._on_group_added)
        doc.group_removed.connect(self._on_group_removed)
        doc.group_changed.connect(self._on_group_changed)
        doc.settings_changed.connect(self._on_settings_changed)
        doc.reset.connect(self._on_reset)
        self._on_reset()

    # -- look-ups ----------------------------------------------------------------------------

    def host_item(self, host_id: str) -> HostItem | None:
        """The item of a host, or None."""
        return self._host_by_id.get(host_id)

    def group_item(self, group_id: str) -> GroupItem | None:
        """The item of a group, or None."""
        return self._group_by_id.get(group_id)

    def link_item(self, index: int) -> LinkItem:
        """The item of the link at an index of the scenario's links."""
        return self._link_items[index]

    def host_items(self) -> list[HostItem]:
        """Every host item, in the scenario's order."""
        return list(self._host_items)

    def link_items(self) -> list[LinkItem]:
        """Every link item, in the scenario's order."""
        return list(self._link_items)

    def group_items(self) -> list[GroupItem]:
        """Every group item, in the scenario's order."""
        return list(self._group_items)

    def host_at(self, pos: QPointF) -> HostItem | None:
        """The topmost host under a scene point."""
        for item in self.items(pos):
            if isinstance(item, HostItem):
                return item
        return None

    def group_at(self, pos: QPointF, exclude: Iterable[GroupItem] = ()) -> GroupItem | None:
        """The innermost (smallest) group box that contains a scene point."""
        return innermost_group(self._group_items, pos, exclude)

    def itemsBoundingRect(self) -> QRectF:  # noqa: N802 - Qt name, for Python callers
        """The area the hosts, links and group boxes cover (not the scene-wide link layer).

        This is what exports and "fit to view" show.
        """
        rect = QRectF()
        for items in (self._host_items, self._group_items, self._link_items):
            for item in items:
                rect = rect.united(item.sceneBoundingRect())
        for item in self._link_items:
            label = item.label
            if label.isVisibleTo(self._label_layer):
                rect = rect.united(label.sceneBoundingRect())
        return rect

    # -- grid ----------------------------------------------------------------------------------

    def snap(self, pos: QPointF) -> QPointF:
        """The nearest grid point (``pos`` itself when snapping is off)."""
        if not self.snap_enabled:
            return QPointF(pos)
        g = self.grid_size
        return QPointF(round(pos.x() / g) * g, round(pos.y() / g) * g)

    def set_snap(self, on: bool) -> None:
        """Switch snapping to the grid on or off."""
        self.snap_enabled = bool(on)

    # -- link tool -----------------------------------------------------------------------------

    @property
    def link_tool(self) -> bool:
        """Whether the Link tool is on (any drag from a host draws a link)."""
        return self._link_tool

    def set_link_tool(self, on: bool) -> None:
        """Switch the Link tool on or off."""
        on = bool(on)
        if on != self._link_tool:
            self._link_tool = on
            self.link_tool_changed.emit(on)

    # -- selection -------------------------------------------------------------------------------

    def selected_host_ids(self) -> list[str]:
        """Ids of the selected hosts, in the scenario's order."""
        return [it.host_id for it in self._host_items if it.isSelected()]

    def selected_link_indices(self) -> list[int]:
        """Indices of the selected links."""
        return [i for i, it in enumerate(self._link_items) if it.isSelected()]

    def selected_group_ids(self) -> list[str]:
        """Ids of the selected groups, in the scenario's order."""
        return [it.group_id for it in self._group_items if it.isSelected()]

    def select(self, host_ids: Iterable[str] = (), link_indices: Iterable[int] = (),
               group_ids: Iterable[str] = ()) -> None:
        """Select exactly these objects (one ``selection_changed``)."""
        items: list[QGraphicsItem] = [self._host_by_id[h] for h in host_ids
                                      if h in self._host_by_id]
        items += [self._link_items[i] for i in link_indices if 0 <= i < len(self._link_items)]
        items += [self._group_by_id[g] for g in group_ids if g in self._group_by_id]
        blocked = self.blockSignals(True)
        try:
            self.clearSelection()
            for item in items:
                item.setSelected(True)
        finally:
            self.blockSignals(blocked)
        self.selection_changed.emit()

    def delete_selection(self) -> None:
        """Remove the selected hosts (with their links), links and groups: one undo step."""
        hosts, links, groups = (self.selected_host_ids(), self.selected_link_indices(),
                                self.selected_group_ids())
        if hosts or links or groups:
            self.document.remove(host_ids=hosts, link_indices=links, group_ids=groups)

    # -- clipboard helpers -------------------------------------------------------------------------

    def copy_selection(self) -> dict[str, list[dict[str, Any]]]:
        """The selection as JSON-able data: ``{"hosts", "links", "groups"}``.

        A selected group takes its nested groups and their hosts along; the
        links among the copied hosts come too.
        """
        doc = self.document
        group_ids: list[str] = []
        for gid in self.selected_group_ids():
            for g in (gid, *doc.group_descendants(gid)):
                if g not in group_ids:
                    group_ids.append(g)
        gset = set(group_ids)
        chosen = set(self.selected_host_ids())
        hosts = [h for h in doc.scenario.hosts if h.id in chosen or h.group in gset]
        ids = {h.id for h in hosts}
        links = [lk for lk in doc.scenario.links if lk.a in ids and lk.b in ids]
        groups = [g for g in doc.scenario.groups if g.id in gset]
        return {
            "hosts": [h.model_dump(mode="json") for h in hosts],
            "links": [lk.model_dump(mode="json") for lk in links],
            "groups": [g.model_dump(mode="json") for g in groups],
        }

    def paste(self, data: dict[str, Any], offset: tuple[float, float] | None = None
              ) -> list[str]:
        """Paste data made by :meth:`copy_selection` (one undo step) and select the copies.

        Pasting the same data again shifts each copy a little further.
        Returns the new host ids.
        """
        key = json.dumps(data, sort_keys=True)
        if offset is None:
            self._paste_count = self._paste_count + 1 if key == self._last_paste else 1
            step = 2 * self.grid_size * self._paste_count
            offset = (step, step)
        self._last_paste = key
        hosts, groups = self.document.paste(data.get("hosts", []), data.get("links", []),
                                            data.get("groups", []), offset)
        self.select(host_ids=hosts, group_ids=groups)
        return hosts

    def duplicate_selection(self) -> list[str]:
        """Duplicate the selected hosts (and the links among them); select the copies."""
        ids = self.selected_host_ids()
        if not ids:
            return []
        new = self.document.duplicate(ids, (2 * self.grid_size, 2 * self.grid_size))
        self.select(host_ids=new)
        return new

    # -- drops from the palette ---------------------------------------------------------------------

    def drop_host(self, kind: str, pos: QPointF) -> str:
        """Create a host of ``kind`` at a scene point (snapped), in the group box under it."""
        return drop_host(self, kind, pos)

    def drop_group(self, kind: str, pos: QPointF) -> str:
        """Create a group box of ``kind`` with its top-left corner at a scene point, nested
        and taking in hosts as :func:`.interactions.drop_group` says."""
        return drop_group(self, kind, pos)

    # -- mouse and keys ----------------------------------------------------------------------------

    @property
    def interaction(self) -> Interaction | None:
        """The interaction under way, or None."""
        return self._interaction

    def _begin(self, interaction: Interaction, event: QGraphicsSceneMouseEvent) -> None:
        self._interaction = interaction
        interaction.finished.connect(self._end_interaction)
        interaction.cancelled.connect(self._end_interaction)
        interaction.start(event)
        self.interaction_started.emit()

    def _end_interaction(self) -> None:
        interaction, self._interaction = self._interaction, None
        if interaction is not None:
            interaction.deleteLater()
            self.interaction_ended.emit()

    def cancel_interaction(self) -> None:
        """Cancel the gesture under way, if any."""
        if self._interaction is not None:
            self._interaction.cancel()

    # -- level of detail ---------------------------------------------------------------------------

    def set_view_zoom(self, zoom: float) -> None:
        """Adapt the detail to a view's zoom: link labels show from LABEL_MIN_ZOOM up."""
        overview = zoom < GROUP_CACHE_MAX_ZOOM
        if overview != self._group_cache:
            # Zoomed out, group boxes are small and many are visible: cache them. Zoomed
            # in, a box is larger than the view and a few are painted directly.
            self._group_cache = overview
            mode = (QGraphicsItem.CacheMode.DeviceCoordinateCache if overview
                    else QGraphicsItem.CacheMode.NoCache)
            for item in self._group_items:
                item.setCacheMode(mode)
        shown = zoom >= LABEL_MIN_ZOOM
        if shown != self._labels_shown:
            self._labels_shown = shown
            self._label_layer.setVisible(shown)
            if shown:
                for item in self._link_items:
                    item.sync_label()

    def render(self, painter, target=None, source=None,
               mode=Qt.AspectRatioMode.KeepAspectRatio) -> None:
        """Render like QGraphicsScene.render, with link labels shown whatever the zoom
        (exports draw at their own scale)."""
        shown = self._labels_shown
        self._label_layer.setVisible(True)
        for item in self._link_items:
            item.sync_label()
        try:
            super().render(painter, target if target is not None else QRectF(),
                           source if source is not None else QRectF(), mode)
        finally:
            self._label_layer.setVisible(shown)

    @property
    def labels_shown(self) -> bool:
        """Whether link labels are shown at the current zoom."""
        return self._labels_shown

    def link_layer(self) -> LinkLayer:
        """The item that draws the plain link lines."""
        return self._link_layer

    def _on_scene_rect_changed(self, rect: QRectF) -> None:
        self._link_layer.set_bounds(rect)

    def _make_layers(self) -> None:
        self._link_layer = LinkLayer()
        self.addItem(self._link_layer)
        self._label_layer = QGraphicsRectItem()
        self._label_layer.setPen(Qt.PenStyle.NoPen)
        self._label_layer.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
        self._label_layer.setZValue(Z_LINK + 0.5)
        self._label_layer.setVisible(self._labels_shown)
        self.addItem(self._label_layer)

    def _new_link_item(self, link: Link, a: HostItem, b: HostItem) -> LinkItem:
        item = LinkItem(link, a, b, self._labels.text(link), self._link_layer,
                        self._label_layer)
        a.links.add(item)
        b.links.add(item)
        self.addItem(item)
        return item

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        """Start the interaction the press asks for (see the module documentation)."""
        if self._interaction is not None:
            event.accept()
            return
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        handled, interaction = interaction_for_press(self, event)
        if interaction is not None:
            self._begin(interaction, event)
        if handled:
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        """Feed the interaction under way."""
        if self._interaction is not None:
            self._interaction.mouse_move(event)
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        """Let the interaction under way commit its edit."""
        if self._interaction is not None:
            if event.button() == Qt.MouseButton.LeftButton:
                self._interaction.mouse_release(event)
            event.accept()
            return
        super().mouseReleaseEvent(event)
        # The release that ends a rubber band or a cancelled gesture is ours too.
        event.accept()

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        """Double-click on a host: ``host_activated``."""
        item = item_at(self, event.scenePos())
        if isinstance(item, HostItem) and event.button() == Qt.MouseButton.LeftButton:
            self.host_activated.emit(item.host_id)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Delete removes the selection; Esc cancels, leaves the Link tool or deselects."""
        key = event.key()
        if self._interaction is not None and self._interaction.key_press(key):
            event.accept()
            return
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selection()
            event.accept()
            return
        if key == Qt.Key.Key_Escape:
            if self._link_tool:
                self.set_link_tool(False)
            else:
                self.clearSelection()
            event.accept()
            return
        super().keyPressEvent(event)

    def event(self, event: QEvent) -> bool:
        """Repaint every item (their caches too) when the palette changes."""
        if event.type() == QEvent.Type.PaletteChange:
            for item in self.items():
                item.update()
        return super().event(event)

    # -- following the document ----------------------------------------------------------------------

    def _grow(self, rect: QRectF) -> None:
        current = self.sceneRect()
        if not current.contains(rect):
            self.setSceneRect(current.united(
                rect.adjusted(-SCENE_MARGIN, -SCENE_MARGIN, SCENE_MARGIN, SCENE_MARGIN)))

    def _attach(self, item: LinkItem) -> bool:
        a = self._host_by_id.get(item.link.a)
        b = self._host_by_id.get(item.link.b)
        if a is None or b is None:
            # Mid-way through a rename: the hosts catch up within the same command.
            self._pending_links.add(item)
            return False
        self._pending_links.discard(item)
        if (a, b) != (item.source, item.target):
            item.set_ends(a, b)
        return True

    def _resolve_pending(self) -> None:
        for item in list(self._pending_links):
            self._attach(item)

    def _on_reset(self) -> None:
        if self._interaction is not None:
            self._interaction.cancel()
        self.clear()
        self._make_layers()
        self._host_items, self._link_items, self._group_items = [], [], []
        self._host_by_id, self._group_by_id = {}, {}
        self._pending_links = set()
        self._labels.invalidate()
        s = self.document.scenario
        for g in s.groups:
            item = self._new_group_item(g)
            self.addItem(item)
            self._group_items.append(item)
            self._group_by_id[g.id] = item
        for h in s.hosts:
            item = HostItem(h)
            self.addItem(item)
            self._host_items.append(item)
            self._host_by_id[h.id] = item
        for lk in s.links:
            self._link_items.append(
                self._new_link_item(lk, self._host_by_id[lk.a], self._host_by_id[lk.b]))
        rect = self.itemsBoundingRect()
        if rect.isNull():
            rect = QRectF(-400, -300, 800, 600)
        self.setSceneRect(rect.adjusted(-SCENE_MARGIN, -SCENE_MARGIN, SCENE_MARGIN, SCENE_MARGIN))
        self._link_layer.set_bounds(self.sceneRect())
        self.selection_changed.emit()

    def _on_host_added(self, index: int, host: Host) -> None:
        item = HostItem(host)
        self.addItem(item)
        self._host_items.insert(index, item)
        self._host_by_id[host.id] = item
        self._labels.invalidate()
        self._resolve_pending()
        self._grow(item.sceneBoundingRect())

    def _on_host_removed(self, index: int, host: Host) -> None:
        item = self._host_items.pop(index)
        if self._host_by_id.get(host.id) is item:
            del self._host_by_id[host.id]
        self._labels.invalidate()
        if self._interaction is not None:
            self._interaction.cancel()
        self.removeItem(item)

    def _on_host_changed(self, index: int, host: Host) -> None:
        item = self._host_items[index]
        old = item.host
        if old.id != host.id:
            if self._host_by_id.get(old.id) is item:
                del self._host_by_id[old.id]
            self._host_by_id[host.id] = item
        item.set_host(host)
        if old.id != host.id:
            self._resolve_pending()
        if old.group != host.group or old.id != host.id:
            self._labels.invalidate()
            self._labels.relabel(item.links)
        self._grow(item.sceneBoundingRect())

    def _on_link_added(self, index: int, link: Link) -> None:
        item = self._new_link_item(link, self._host_by_id[link.a], self._host_by_id[link.b])
        self._link_items.insert(index, item)

    def _on_link_removed(self, index: int, link: Link) -> None:
        item = self._link_items.pop(index)
        item.source.links.discard(item)
        item.target.links.discard(item)
        self._pending_links.discard(item)
        self.removeItem(item.label)
        self.removeItem(item)

    def _on_link_changed(self, index: int, link: Link) -> None:
        item = self._link_items[index]
        item.link = link
        if self._attach(item):
            item.set_link(link, self._labels.text(link))
        else:
            item.set_link(link)

    def _new_group_item(self, group: Group) -> GroupItem:
        item = GroupItem(group)
        if self._group_cache:
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        return item

    def _on_group_added(self, index: int, group: Group) -> None:
        item = self._new_group_item(group)
        self.addItem(item)
        self._group_items.insert(index, item)
        self._group_by_id[group.id] = item
        self._labels.invalidate()
        self._labels.relabel(self._link_items)
        self._grow(item.sceneBoundingRect())

    def _on_group_removed(self, index: int, group: Group) -> None:
        item = self._group_items.pop(index)
        if self._group_by_id.get(group.id) is item:
            del self._group_by_id[group.id]
        self._labels.invalidate()
        if self._interaction is not None:
            self._interaction.cancel()
        self.removeItem(item)
        self._labels.relabel(self._link_items)

    def _on_group_changed(self, index: int, group: Group) -> None:
        item = self._group_items[index]
        old = item.group
        if old.id != group.id:
            if self._group_by_id.get(old.id) is item:
                del self._group_by_id[old.id]
            self._group_by_id[group.id] = item
        item.set_group(group)
        if (old.id, old.kind, old.parent) != (group.id, group.kind, group.parent):
            self._labels.invalidate()
            self._labels.relabel(self._link_items)
        self._grow(item.sceneBoundingRect())

    def _on_settings_changed(self, name: str) -> None:
        if name == "locality":
            self._labels.relabel(self._link_items)
