"""Mouse interactions of the canvas, one object each: move, new link, resize a group box.

:func:`interaction_for_press` decides which one a press begins;
:func:`drop_host` and :func:`drop_group` make what a palette drop asks for.

The scene hands mouse events to the current interaction. An interaction
changes only items while the mouse moves (live feedback) and commits one
edit through the Document's edit API when the button is released, so that a
drag is one undo step. Esc (or :meth:`Interaction.cancel`) puts the items
back. Each interaction emits ``started``, then ``finished`` or ``cancelled``.

Rubber-band selection is Qt's own (``QGraphicsView.RubberBandDrag``).
"""

from __future__ import annotations

import gc
from contextlib import ExitStack
from typing import TYPE_CHECKING

from PySide6.QtCore import QLineF, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSceneMouseEvent

from ...scenario.model import Group, Host
from ..document import EditError
from .items import (
    GROUP_SIZES,
    GhostLinkItem,
    GroupItem,
    HostItem,
    LinkItem,
    LinkLabelItem,
    batch_link_updates,
    defer_link_paths,
    nesting_parent,
)

if TYPE_CHECKING:
    from .scene import CanvasScene


class Interaction(QObject):
    """Base of the interactions: receives the scene's mouse and key events until it ends."""

    started = Signal()
    finished = Signal()
    cancelled = Signal()

    def __init__(self, scene: CanvasScene) -> None:
        super().__init__(scene)
        self.scene = scene
        self._done = False

    @property
    def done(self) -> bool:
        """Whether the interaction has finished or been cancelled."""
        return self._done

    def start(self, event: QGraphicsSceneMouseEvent) -> None:
        """Begin at a mouse press."""
        self.started.emit()

    def mouse_move(self, event: QGraphicsSceneMouseEvent) -> None:
        """Follow the mouse."""

    def mouse_release(self, event: QGraphicsSceneMouseEvent) -> None:
        """Commit at the release (default: just finish)."""
        self.finish()

    def key_press(self, key: int) -> bool:
        """Esc cancels; return True when the key was used."""
        if key == Qt.Key.Key_Escape:
            self.cancel()
            return True
        return False

    def cancel(self) -> None:
        """Undo the live feedback and end without an edit."""
        if self._done:
            return
        self._done = True
        self.revert()
        self.cleanup()
        self.cancelled.emit()

    def finish(self) -> None:
        """End after committing."""
        if self._done:
            return
        self._done = True
        self.cleanup()
        self.finished.emit()

    def revert(self) -> None:
        """Put items back as they were at the start (for cancel)."""

    def cleanup(self) -> None:
        """Remove temporary items and highlights."""


class MoveInteraction(Interaction):
    """Drag the selected hosts and group boxes (a group takes its hosts and nested groups).

    Items move live (snapped to the grid by the item under the pointer); on
    release one ``Document.move_items`` call moves them in the model and puts
    each dragged host into the innermost group box under its centre.
    """

    def __init__(self, scene: CanvasScene, anchor: HostItem | GroupItem) -> None:
        super().__init__(scene)
        self.anchor = anchor
        self._press = QPointF()
        self._hosts: dict[HostItem, QPointF] = {}
        self._groups: dict[GroupItem, QPointF] = {}
        self._direct_hosts: list[HostItem] = []
        self._moved = False
        self._target: GroupItem | None = None
        self._deferred = ExitStack()

    def start(self, event: QGraphicsSceneMouseEvent) -> None:
        """Remember where every moving item started."""
        scene = self.scene
        self._press = event.scenePos()
        hosts = [it for it in scene.selectedItems() if isinstance(it, HostItem)]
        groups = [it for it in scene.selectedItems() if isinstance(it, GroupItem)]
        member_groups: set[str] = set()
        for g in groups:
            member_groups.add(g.group_id)
            member_groups.update(scene.document.group_descendants(g.group_id))
        for gid in member_groups:
            item = scene.group_item(gid)
            if item is not None:
                self._groups[item] = item.pos()
        for item in scene.host_items():
            if item.host.group in member_groups:
                self._hosts[item] = item.pos()
        for item in hosts:
            if item not in self._hosts:
                self._direct_hosts.append(item)
                self._hosts[item] = item.pos()
        self._deferred.enter_context(defer_link_paths())
        # No cyclic garbage collection pauses in the middle of a drag; it resumes after.
        if gc.isenabled():
            gc.disable()
            self._deferred.callback(gc.enable)
        super().start(event)

    def mouse_move(self, event: QGraphicsSceneMouseEvent) -> None:
        """Move the items by the (snapped) distance from the press."""
        delta = event.scenePos() - self._press
        if not self._moved:
            if abs(delta.x()) + abs(delta.y()) < 3:
                return
            self._moved = True
            moving = set()
            for item in self._hosts:
                moving.update(item.links)
            self.scene.link_layer().begin_motion(moving)
        start = self._hosts.get(self.anchor) or self._groups.get(self.anchor) or QPointF()
        target = self.scene.snap(start + delta)
        delta = target - start
        with batch_link_updates():
            for item, pos in self._groups.items():
                item.setPos(pos + delta)
            for item, pos in self._hosts.items():
                item.setPos(pos + delta)
        if self._direct_hosts:
            anchor = self.anchor if isinstance(self.anchor, HostItem) else self._direct_hosts[0]
            self._set_target(self.scene.group_at(anchor.pos(), exclude=self._groups))

    def _set_target(self, target: GroupItem | None) -> None:
        if target is not self._target:
            if self._target is not None:
                self._target.set_drop_target(False)
            self._target = target
            if target is not None:
                target.set_drop_target(True)

    def mouse_release(self, event: QGraphicsSceneMouseEvent) -> None:
        """Commit one move (and group membership) edit."""
        if not self._moved:
            self.finish()
            return
        hosts = {it.host_id: (it.pos().x(), it.pos().y()) for it in self._hosts}
        groups = {it.group_id: (it.pos().x(), it.pos().y()) for it in self._groups}
        membership = {}
        for item in self._direct_hosts:
            target = self.scene.group_at(item.pos(), exclude=())
            membership[item.host_id] = target.group_id if target is not None else None
        try:
            self.scene.document.move_items(hosts, groups, membership)
        except EditError:
            self.cancel()
            return
        self.finish()

    def revert(self) -> None:
        """Put every item back where it was."""
        with batch_link_updates():
            for item, pos in self._groups.items():
                item.setPos(pos)
            for item, pos in self._hosts.items():
                item.setPos(pos)

    def cleanup(self) -> None:
        """Clear the drop-target highlight and bring the links' picking paths up to date."""
        self._set_target(None)
        self._deferred.close()
        if self._moved:
            self.scene.link_layer().end_motion()

    def moved_items(self) -> list[HostItem | GroupItem]:
        """The items this interaction moves."""
        return [*self._hosts, *self._groups]


class LinkInteraction(Interaction):
    """Drag from a host to another to create a link (Shift+drag, or any drag with the Link tool).

    A dashed line follows the pointer and the host under it is highlighted;
    releasing on another host adds the link, anywhere else cancels.
    """

    def __init__(self, scene: CanvasScene, source: HostItem) -> None:
        super().__init__(scene)
        self.source = source
        self._ghost: GhostLinkItem | None = None
        self._target: HostItem | None = None

    def start(self, event: QGraphicsSceneMouseEvent) -> None:
        """Show the dashed line from the source host."""
        self._ghost = GhostLinkItem(self.source.pos())
        self.scene.addItem(self._ghost)
        self.source.set_link_target(True)
        super().start(event)

    def mouse_move(self, event: QGraphicsSceneMouseEvent) -> None:
        """Follow the pointer and highlight a possible target host."""
        pos = event.scenePos()
        target = self.scene.host_at(pos)
        if target is self.source:
            target = None
        if target is not self._target:
            if self._target is not None:
                self._target.set_link_target(False)
            self._target = target
            if target is not None:
                target.set_link_target(True)
        if self._ghost is not None:
            self._ghost.set_end(target.pos() if target is not None else pos)

    def mouse_release(self, event: QGraphicsSceneMouseEvent) -> None:
        """Add the link when released on another host, cancel otherwise."""
        self.mouse_move(event)
        target = self._target
        if target is None:
            self.cancel()
            return
        try:
            self.scene.document.add_link({"a": self.source.host_id, "b": target.host_id})
        except EditError as exc:
            self.scene.message.emit(str(exc.problems[0][1]) if exc.problems else str(exc))
            self.cancel()
            return
        self.finish()

    def cleanup(self) -> None:
        """Remove the dashed line and highlights."""
        if self._ghost is not None:
            self.scene.removeItem(self._ghost)
            self._ghost = None
        if self._target is not None:
            self._target.set_link_target(False)
            self._target = None
        self.source.set_link_target(False)


class ResizeInteraction(Interaction):
    """Drag a group box's corner grip to resize it; one edit on release."""

    MIN_SIZE = 80.0

    def __init__(self, scene: CanvasScene, item: GroupItem) -> None:
        super().__init__(scene)
        self.item = item
        self._start_size = (item.group.width, item.group.height)
        self._press = QPointF()

    def start(self, event: QGraphicsSceneMouseEvent) -> None:
        """Remember the size at the press."""
        self._press = event.scenePos()
        super().start(event)

    def _size_at(self, pos: QPointF) -> tuple[float, float]:
        corner = self.item.pos() + QPointF(*self._start_size) + (pos - self._press)
        corner = self.scene.snap(corner)
        w = max(self.MIN_SIZE, corner.x() - self.item.pos().x())
        h = max(self.MIN_SIZE, corner.y() - self.item.pos().y())
        return w, h

    def mouse_move(self, event: QGraphicsSceneMouseEvent) -> None:
        """Resize the box live."""
        self.item.set_size(*self._size_at(event.scenePos()))

    def mouse_release(self, event: QGraphicsSceneMouseEvent) -> None:
        """Commit the new size."""
        w, h = self._size_at(event.scenePos())
        if (w, h) == self._start_size:
            self.finish()
            return
        try:
            self.scene.document.resize_group(self.item.group_id, w, h)
        except EditError:
            self.cancel()
            return
        self.finish()

    def revert(self) -> None:
        """Back to the size at the start."""
        self.item.set_size(*self._start_size)


#: How near a link (in screen pixels, whatever the zoom) a click still picks it.
LINK_SLOP_PX = 6.0


def link_slop(scene: CanvasScene) -> float:
    """:data:`LINK_SLOP_PX` in scene units at the zoom of the scene's (first) view."""
    views = scene.views()
    zoom = views[0].transform().m11() if views else 1.0
    return LINK_SLOP_PX / max(zoom, 1e-6)


def item_at(scene: CanvasScene, pos: QPointF, slop: float | None = None) -> QGraphicsItem | None:
    """The topmost host, link or group box under a scene point (a label stands for its link).

    A thin link counts as under the point within ``slop`` scene units of it
    (:func:`link_slop`, a few screen pixels, by default): where only a group
    box or nothing is under the point itself, the nearest such link is taken.
    """
    hit: QGraphicsItem | None = None
    for item in scene.items(pos, Qt.ItemSelectionMode.IntersectsItemShape,
                            Qt.SortOrder.DescendingOrder, QTransform()):
        if isinstance(item, LinkLabelItem):
            return item.link_item
        if isinstance(item, (HostItem, LinkItem)):
            return item
        if isinstance(item, GroupItem):
            hit = item
            break
    r = link_slop(scene) if slop is None else slop
    if r <= 0:
        return hit
    area = QRectF(pos.x() - r, pos.y() - r, 2 * r, 2 * r)
    near = [item for item in scene.items(area, Qt.ItemSelectionMode.IntersectsItemShape,
                                         Qt.SortOrder.DescendingOrder, QTransform())
            if isinstance(item, LinkItem)]
    if not near:
        return hit
    return min(near, key=lambda item: _distance_to_line(item, pos))


def _distance_to_line(item: LinkItem, pos: QPointF) -> float:
    """How far ``pos`` is from the straight line between the link's ends (scene units)."""
    a, b = item.source.scenePos(), item.target.scenePos()
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length2 = dx * dx + dy * dy
    if length2 <= 0:
        return float(QLineF(a, pos).length())
    f = max(0.0, min(1.0, ((pos.x() - a.x()) * dx + (pos.y() - a.y()) * dy) / length2))
    return float(QLineF(QPointF(a.x() + f * dx, a.y() + f * dy), pos).length())


def interaction_for_press(scene: CanvasScene, event: QGraphicsSceneMouseEvent
                          ) -> tuple[bool, Interaction | None]:
    """What a left-button press on the scene does: (whether it is handled, the gesture to begin).

    On a host with Shift or the Link tool: a new link. On the grip of a
    selected group box: a resize. On a host, group box or link: select it
    (Ctrl toggles it), then move the selection unless it is a link. Elsewhere
    the press is not handled (the view's rubber band takes it).
    """
    pos = event.scenePos()
    item = item_at(scene, pos)
    toggle = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
    if isinstance(item, HostItem) and (
            scene.link_tool or event.modifiers() & Qt.KeyboardModifier.ShiftModifier):
        return True, LinkInteraction(scene, item)
    if (isinstance(item, GroupItem) and item.isSelected() and not toggle
            and item.grip_rect().adjusted(-4, -4, 4, 4).contains(item.mapFromScene(pos))):
        return True, ResizeInteraction(scene, item)
    if isinstance(item, (HostItem, GroupItem, LinkItem)):
        if toggle:
            item.setSelected(not item.isSelected())
            return True, None
        if not item.isSelected():
            blocked = scene.blockSignals(True)
            scene.clearSelection()
            scene.blockSignals(blocked)
            item.setSelected(True)
        return True, None if isinstance(item, LinkItem) else MoveInteraction(scene, item)
    return False, None


def drop_host(scene: CanvasScene, kind: str, pos: QPointF) -> str:
    """A palette drop: create a host of ``kind`` at a scene point (snapped), in the group box
    under it, and select it. Returns its id."""
    p = scene.snap(pos)
    group = scene.group_at(p)
    doc = scene.document
    host = Host(id=doc.new_host_id(kind), kind=kind, x=p.x(), y=p.y(),
                group=group.group_id if group is not None else None)
    doc.add_host(host)
    scene.select(host_ids=[host.id])
    return host.id


def drop_group(scene: CanvasScene, kind: str, pos: QPointF) -> str:
    """A palette drop: create a group box of ``kind`` with its top-left corner at a scene point.

    It nests in the innermost larger group under the point, and takes in
    the hosts whose centres fall inside it (those not in a smaller group).
    Returns its id.
    """
    p = scene.snap(pos)
    w, h = GROUP_SIZES.get(kind, (300.0, 200.0))
    doc = scene.document
    parent = nesting_parent(scene.group_items(), kind, p)
    group = Group(id=doc.new_group_id(kind), kind=kind, parent=parent,
                  x=p.x(), y=p.y(), width=w, height=h)
    box = QRectF(p.x(), p.y(), w, h)
    members = [it.host_id for it in scene.host_items()
               if box.contains(it.pos()) and it.host.group in (None, parent)]
    doc.add_group(group, members)
    scene.select(group_ids=[group.id])
    return group.id
