"""The main window's Edit menu: cut, copy, paste, duplicate, delete, select all, arrange.

The clipboard holds a selection as JSON (``copy_selection`` of the canvas
scene) under :data:`SELECTION_MIME`, with the same text as plain text. A
refused edit (a paste that would break the scenario, for example) shows its
message instead of raising. Edit > Arrange lays the topology out with
:func:`sandbox.scenario.arrange.arrange` as one undoable edit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, QCoreApplication, QMimeData, QPointF
from PySide6.QtGui import QGuiApplication

from ..scenario.arrange import Arrangement, Metrics, arrange
from . import release_clipboard_at_exit
from .commands import ReplaceCommand, macro

__all__ = ["SELECTION_MIME", "EditController"]

#: MIME type of hosts, links and groups on the clipboard (JSON from ``copy_selection``).
SELECTION_MIME = "application/x-dssandbox-selection+json"

translate = QCoreApplication.translate


class EditController:
    """Edits of the canvas selection through the clipboard, and new items from the palette.

    ``show_message(text)`` reports a refused edit; ``copied()`` is called
    when the clipboard got a selection (the Paste action follows).
    """

    def __init__(self, document: Any, scene: Any, view: Any,
                 show_message: Callable[..., None], copied: Callable[[], None]) -> None:
        self.document = document
        self.scene = scene
        self.view = view
        self._show_message = show_message
        self._copied = copied

    def facts(self) -> dict[str, bool]:
        """The facts the Edit actions are enabled by (:meth:`.actions.Actions.refresh`)."""
        scene = self.scene
        has_hosts = bool(scene.selected_host_ids())
        anything = has_hosts or bool(scene.selected_link_indices() or scene.selected_group_ids())
        mime = QGuiApplication.clipboard().mimeData()
        return {"hosts_or_groups_selected": has_hosts or bool(scene.selected_group_ids()),
                "hosts_selected": has_hosts, "anything_selected": anything,
                "selection_on_clipboard": mime is not None and mime.hasFormat(SELECTION_MIME)}

    def guard(self, edit: Callable[[], Any]) -> Any:
        """Run an edit; a refused one shows its message in the status bar (and gives None)."""
        try:
            return edit()
        except ValueError as exc:
            self._show_message(str(exc).splitlines()[0] if str(exc)
                               else translate("MainWindow", "Refused"))
            return None

    def _view_centre(self) -> QPointF:
        return self.view.mapToScene(self.view.viewport().rect().center())

    def add_host_at_centre(self, kind: str) -> None:
        """Add a host of ``kind`` in the middle of the view (a palette entry activated)."""
        self.guard(lambda: self.scene.drop_host(kind, self._view_centre()))

    def add_group_at_centre(self, kind: str) -> None:
        """Add a group of ``kind`` in the middle of the view."""
        from .canvas.scene import GROUP_SIZES

        w, h = GROUP_SIZES.get(kind, (300.0, 200.0))
        centre = self._view_centre()
        self.guard(lambda: self.scene.drop_group(kind, centre - QPointF(w / 2, h / 2)))

    def copy(self) -> bool:
        """Put the selected hosts, links and groups on the clipboard; False if none."""
        data = self.scene.copy_selection()
        if not (data.get("hosts") or data.get("groups")):
            return False
        text = json.dumps(data, indent=2)
        mime = QMimeData()
        mime.setData(SELECTION_MIME, QByteArray(text.encode("utf-8")))
        mime.setText(text)
        QGuiApplication.clipboard().setMimeData(mime)
        release_clipboard_at_exit()
        self._copied()
        return True

    def cut(self) -> None:
        """Copy the selection, then delete it (one undo step)."""
        if self.copy():
            self.delete()

    def paste(self) -> list[str]:
        """Paste hosts, links and groups from the clipboard; returns the new host ids."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None or not mime.hasFormat(SELECTION_MIME):
            return []
        try:
            data = json.loads(bytes(mime.data(SELECTION_MIME).data()).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            self._show_message(translate("MainWindow",
                                         "The clipboard does not hold a valid selection"))
            return []
        if not isinstance(data, dict):
            return []
        return self.guard(lambda: self.scene.paste(data)) or []

    def duplicate(self) -> list[str]:
        """Duplicate the selected hosts and the links among them."""
        return self.guard(self.scene.duplicate_selection) or []

    def delete(self) -> None:
        """Delete the selection (one undo step)."""
        self.guard(self.scene.delete_selection)

    def arrange(self, how: Arrangement) -> bool:
        """Lay out every host (``grid``, ``circle`` or ``by_group``) and size the group boxes to
        contain theirs, as one undo step; the view then shows it all. False if nothing moved."""
        from .canvas.items import HOST_HEIGHT, HOST_WIDTH
        from .canvas.items.group import GroupItem

        s = self.document.scenario
        if not s.hosts and not s.groups:
            self._show_message(translate("MainWindow", "Nothing to arrange: the scenario has no "
                                                       "hosts"))
            return False
        metrics = Metrics(card_width=HOST_WIDTH, card_height=HOST_HEIGHT,
                          header=GroupItem.HEADER + 8, snap=float(self.scene.grid_size))
        hosts, groups = arrange(s, how, metrics)
        host_changes = [(i, old, new) for i, (old, new) in enumerate(zip(s.hosts, hosts,
                                                                         strict=True))
                        if new is not old]
        group_changes = [(i, old, new) for i, (old, new) in enumerate(zip(s.groups, groups,
                                                                          strict=True))
                         if new is not old]
        if not host_changes and not group_changes:
            self._show_message(translate("MainWindow", "Already arranged"))
            return False
        text = {"grid": translate("MainWindow", "Arrange in a grid"),
                "circle": translate("MainWindow", "Arrange in a circle"),
                "by_group": translate("MainWindow", "Arrange by group")}[how]
        cmd = macro(text)
        if group_changes:
            ReplaceCommand(self.document, "group", group_changes, text, cmd)
        if host_changes:
            ReplaceCommand(self.document, "host", host_changes, text, cmd)
        self.document.undo_stack.push(cmd)
        self.view.fit()
        return True

    def arrange_grid(self) -> bool:
        """Edit > Arrange > Grid."""
        return self.arrange("grid")

    def arrange_circle(self) -> bool:
        """Edit > Arrange > Circle."""
        return self.arrange("circle")

    def arrange_by_group(self) -> bool:
        """Edit > Arrange > By Group."""
        return self.arrange("by_group")

    def select_all(self) -> None:
        """Select every host, link and group."""
        s = self.document.scenario
        self.scene.select([h.id for h in s.hosts], range(len(s.links)),
                          [g.id for g in s.groups])
