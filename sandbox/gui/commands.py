"""Undoable edits of a scenario: one small QUndoCommand per edit, touching the model only.

Every command changes the scenario solely through the low-level mutators of
:class:`sandbox.gui.document.Document` (``_insert_host``, ``_remove_link``,
``_replace_group``, ``_set_setting`` ...), which change the model and emit the
matching signal; the canvas and the panels follow those signals. A command
never touches an item or a widget. Several commands become one undo step by
being children of a :class:`MacroCommand` (see :func:`macro`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

if TYPE_CHECKING:
    from .document import Document

#: The kinds of list the mutators know: ``host``, ``link`` and ``group``.
KINDS = ("host", "link", "group")


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown object kind {kind!r}")
    return kind


class Command(QUndoCommand):
    """Base of the commands: a command given a :class:`MacroCommand` parent joins it.

    The children are held by the macro in Python (not through Qt parenting)
    so that no Python wrapper of a child can be collected while the stack
    still needs it.
    """

    def __init__(self, text: str = "", parent: MacroCommand | None = None) -> None:
        super().__init__(text)
        if parent is not None:
            parent.add(self)


class MacroCommand(Command):
    """A parent command: its children redo in order and undo in reverse order, as one step."""

    def __init__(self, text: str = "", parent: MacroCommand | None = None) -> None:
        super().__init__(text, parent)
        self._children: list[QUndoCommand] = []

    def add(self, cmd: QUndoCommand) -> None:
        """Append a child command (it runs after the ones already added)."""
        self._children.append(cmd)

    def children(self) -> list[QUndoCommand]:
        """The child commands in order."""
        return list(self._children)

    def redo(self) -> None:
        """Redo every child in order."""
        for cmd in self._children:
            cmd.redo()

    def undo(self) -> None:
        """Undo every child in reverse order."""
        for cmd in reversed(self._children):
            cmd.undo()


def macro(text: str, parent: MacroCommand | None = None) -> MacroCommand:
    """An empty macro: commands created with it as parent become one undo step."""
    return MacroCommand(text, parent)


class InsertCommand(Command):
    """Insert a host, link or group at an index; undo removes it again."""

    def __init__(self, doc: Document, kind: str, index: int, obj: Any, text: str = "",
                 parent: MacroCommand | None = None) -> None:
        super().__init__(text, parent)
        self._doc = doc
        self._kind = _check_kind(kind)
        self._index = index
        self._obj = obj

    def redo(self) -> None:
        """Insert the object."""
        getattr(self._doc, f"_insert_{self._kind}")(self._index, self._obj)

    def undo(self) -> None:
        """Remove the object from the index it was inserted at."""
        getattr(self._doc, f"_remove_{self._kind}")(self._index)


class RemoveCommand(Command):
    """Remove the host, link or group at an index; undo puts it back at that index."""

    def __init__(self, doc: Document, kind: str, index: int, text: str = "",
                 parent: MacroCommand | None = None) -> None:
        super().__init__(text, parent)
        self._doc = doc
        self._kind = _check_kind(kind)
        self._index = index
        self._obj: Any = None

    def redo(self) -> None:
        """Remove the object and remember it."""
        self._obj = getattr(self._doc, f"_remove_{self._kind}")(self._index)

    def undo(self) -> None:
        """Insert the remembered object at its original index."""
        getattr(self._doc, f"_insert_{self._kind}")(self._index, self._obj)


class ReplaceCommand(Command):
    """Replace objects of one kind at given indices (a move, a field edit); undo restores them.

    ``changes`` is a sequence of ``(index, old, new)``; the old objects are kept
    as they were (pydantic models are replaced, never mutated in place).
    """

    def __init__(self, doc: Document, kind: str, changes: Sequence[tuple[int, Any, Any]],
                 text: str = "", parent: MacroCommand | None = None) -> None:
        super().__init__(text, parent)
        self._doc = doc
        self._kind = _check_kind(kind)
        self._changes = list(changes)

    def redo(self) -> None:
        """Put the new objects in place."""
        replace = getattr(self._doc, f"_replace_{self._kind}")
        for index, _old, new in self._changes:
            replace(index, new)

    def undo(self) -> None:
        """Put the old objects back."""
        replace = getattr(self._doc, f"_replace_{self._kind}")
        for index, old, _new in reversed(self._changes):
            replace(index, old)


class SetSettingCommand(Command):
    """Set a scenario-level field (title, model, memory, faults, run ...); undo restores it."""

    def __init__(self, doc: Document, name: str, old: Any, new: Any, text: str = "",
                 parent: MacroCommand | None = None) -> None:
        super().__init__(text, parent)
        self._doc = doc
        self._name = name
        self._old = old
        self._new = new

    def redo(self) -> None:
        """Set the new value."""
        self._doc._set_setting(self._name, self._new)

    def undo(self) -> None:
        """Set the old value back."""
        self._doc._set_setting(self._name, self._old)
