"""The editor's document: owns the Scenario and its undo stack, and announces every change.

The :class:`Document` is the single source of truth of the editor. Views (the
canvas, the inspector, the settings panel) read ``document.scenario`` and
follow the signals; they change the scenario only through the edit API,
:class:`sandbox.gui.edits.Edits` (``document.edits``; the document offers each
of its methods under the same name: ``document.add_host(...)``), each call of
which pushes exactly one undoable step on ``document.undo_stack``. The
commands in :mod:`sandbox.gui.commands` call the low-level mutators here
(``_insert_host``, ``_remove_link``, ``_replace_group``, ``_set_setting`` ...),
which change the model and emit one signal each.

Pydantic models are never mutated in place: an edit replaces the whole host,
link or group by an updated copy, so that undo can put the old object back.
References between objects (a host renamed or removed, a group removed) are
kept consistent by the edits, with the Qt-free rules of
:mod:`sandbox.scenario.references`. An impossible edit raises
:class:`EditError` (a ``ValueError``) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from ..scenario import references
from ..scenario.model import Group, Host, Link, Scenario
from ..scenario.references import GROUP_ID_PREFIX, HOST_ID_PREFIX
from .edits import SETTINGS, EditError, Edits

__all__ = ["GROUP_ID_PREFIX", "HOST_ID_PREFIX", "SETTINGS", "Document", "EditError"]


class _EditMethod:
    """A method of the document that is the same-named method of its edit API."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.__doc__ = getattr(Edits, name).__doc__

    def __get__(self, doc: Any, owner: type | None = None) -> Any:
        if doc is None:
            return getattr(Edits, self.name)
        return getattr(doc.edits, self.name)


class Document(QObject):
    """Owns a Scenario and a QUndoStack; every change of the scenario is announced by a signal.

    The scenario given (here or to :meth:`set_scenario`) is copied: the
    caller's object is never changed by an edit.

    Signals carry the index in the scenario's list and the new (or removed)
    object. ``settings_changed`` carries the name of a scenario-level field
    (one of :data:`SETTINGS`); ``reset`` says the whole scenario was replaced.
    """

    host_added = Signal(int, object)
    host_removed = Signal(int, object)
    host_changed = Signal(int, object)
    link_added = Signal(int, object)
    link_removed = Signal(int, object)
    link_changed = Signal(int, object)
    group_added = Signal(int, object)
    group_removed = Signal(int, object)
    group_changed = Signal(int, object)
    settings_changed = Signal(str)
    reset = Signal()
    dirty_changed = Signal(bool)
    path_changed = Signal(object)

    def __init__(self, scenario: Scenario | None = None, path: str | Path | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        # a deep copy: the edits replace the document's lists in place, never the caller's
        self._scenario = scenario.model_copy(deep=True) if scenario is not None else Scenario()
        self._path = Path(path) if path is not None else None
        self._host_index: dict[str, int] | None = None
        self._group_index: dict[str, int] | None = None
        #: The undo stack; the main window makes its Undo and Redo actions from it.
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        #: The undoable edit API (its methods are the document's too: ``add_host`` ...).
        self.edits = Edits(self)

    # -- state -------------------------------------------------------------------------------

    @property
    def scenario(self) -> Scenario:
        """The scenario (read it freely; change it only through the edit API)."""
        return self._scenario

    @property
    def path(self) -> Path | None:
        """The file the scenario was opened from or saved to, or None."""
        return self._path

    @property
    def is_dirty(self) -> bool:
        """Whether there are changes since the last save (or open)."""
        return not self.undo_stack.isClean()

    def set_scenario(self, scenario: Scenario, path: str | Path | None = None) -> None:
        """Replace the whole scenario (New, Open): clears the undo stack and emits ``reset``.

        The document keeps a deep copy: editing never changes ``scenario`` itself.
        """
        self._scenario = scenario.model_copy(deep=True)
        self._invalidate()
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self._set_path(Path(path) if path is not None else None)
        self.reset.emit()

    def mark_saved(self, path: str | Path | None = None) -> None:
        """Record that the scenario was saved (to ``path`` if given): it is clean again."""
        self.undo_stack.setClean()
        if path is not None:
            self._set_path(Path(path))

    def _set_path(self, path: Path | None) -> None:
        if path != self._path:
            self._path = path
            self.path_changed.emit(path)

    def _on_clean_changed(self, clean: bool) -> None:
        self.dirty_changed.emit(not clean)

    # -- look-ups ----------------------------------------------------------------------------

    def _invalidate(self) -> None:
        self._host_index = None
        self._group_index = None

    def host_index(self, host_id: str) -> int:
        """The index of the host with this id (KeyError if there is none)."""
        if self._host_index is None:
            self._host_index = {h.id: i for i, h in enumerate(self._scenario.hosts)}
        return self._host_index[host_id]

    def group_index(self, group_id: str) -> int:
        """The index of the group with this id (KeyError if there is none)."""
        if self._group_index is None:
            self._group_index = {g.id: i for i, g in enumerate(self._scenario.groups)}
        return self._group_index[group_id]

    def host(self, host_id: str) -> Host:
        """The host with this id (KeyError if there is none)."""
        return self._scenario.hosts[self.host_index(host_id)]

    def group(self, group_id: str) -> Group:
        """The group with this id (KeyError if there is none)."""
        return self._scenario.groups[self.group_index(group_id)]

    def links_of(self, host_id: str) -> list[int]:
        """Indices of the links that touch a host, in order."""
        return [i for i, lk in enumerate(self._scenario.links) if host_id in (lk.a, lk.b)]

    def group_descendants(self, group_id: str) -> list[str]:
        """The ids of the groups nested (at any depth) in a group, not including it."""
        return references.group_descendants(self._scenario, group_id)

    def new_host_id(self, kind: str = "machine", taken: Iterable[str] = ()) -> str:
        """A fresh host id for a kind (``h1``, ``h2`` ...; ``vm1``; ``ct1``), unused so far."""
        return references.fresh_host_id(self._scenario, kind, taken)

    def new_group_id(self, kind: str = "rack", taken: Iterable[str] = ()) -> str:
        """A fresh group id for a kind (``rack1``, ``dc1``, ``region1`` ...)."""
        return references.fresh_group_id(self._scenario, kind, taken)

    # -- low-level mutators: only commands call these ------------------------------------------

    def _insert_host(self, index: int, host: Host) -> None:
        self._scenario.hosts.insert(index, host)
        self._host_index = None
        self.host_added.emit(index, host)

    def _remove_host(self, index: int) -> Host:
        host = self._scenario.hosts.pop(index)
        self._host_index = None
        self.host_removed.emit(index, host)
        return host

    def _replace_host(self, index: int, host: Host) -> None:
        old = self._scenario.hosts[index]
        self._scenario.hosts[index] = host
        if old.id != host.id:
            self._host_index = None
        self.host_changed.emit(index, host)

    def _insert_link(self, index: int, link: Link) -> None:
        self._scenario.links.insert(index, link)
        self.link_added.emit(index, link)

    def _remove_link(self, index: int) -> Link:
        link = self._scenario.links.pop(index)
        self.link_removed.emit(index, link)
        return link

    def _replace_link(self, index: int, link: Link) -> None:
        self._scenario.links[index] = link
        self.link_changed.emit(index, link)

    def _insert_group(self, index: int, group: Group) -> None:
        self._scenario.groups.insert(index, group)
        self._group_index = None
        self.group_added.emit(index, group)

    def _remove_group(self, index: int) -> Group:
        group = self._scenario.groups.pop(index)
        self._group_index = None
        self.group_removed.emit(index, group)
        return group

    def _replace_group(self, index: int, group: Group) -> None:
        old = self._scenario.groups[index]
        self._scenario.groups[index] = group
        if old.id != group.id:
            self._group_index = None
        self.group_changed.emit(index, group)

    def _set_setting(self, name: str, value: Any) -> None:
        if name not in SETTINGS:
            raise KeyError(name)
        setattr(self._scenario, name, list(value) if name == "faults" else value)
        self.settings_changed.emit(name)

    # -- the edit API, offered under the same names ----------------------------------------------

    add_host = _EditMethod()
    add_hosts = _EditMethod()
    add_link = _EditMethod()
    add_group = _EditMethod()
    remove = _EditMethod()
    remove_fault = _EditMethod()
    move_hosts = _EditMethod()
    move_items = _EditMethod()
    move_group = _EditMethod()
    resize_group = _EditMethod()
    set_host_fields = _EditMethod()
    set_link_fields = _EditMethod()
    set_group_fields = _EditMethod()
    set_setting = _EditMethod()
    add_fault = _EditMethod()
    set_behaviour_files = _EditMethod()
    rename_host = _EditMethod()
    rename_group = _EditMethod()
    paste = _EditMethod()
    duplicate = _EditMethod()

