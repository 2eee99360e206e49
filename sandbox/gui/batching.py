"""Run a view's refresh once per undo step, however many change signals the step emits.

An edit of 50 hosts emits 50 ``host_changed`` signals; a view that rebuilds
itself on each would do 50 times the work. A :class:`ChangeBatcher` marks the
view stale on every change signal and refreshes it once, when the undo stack
reports the step done (``indexChanged``) or, for changes outside the stack,
on the next turn of the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, QTimer


class ChangeBatcher(QObject):
    """Calls ``callback`` once after a burst of change signals of a document."""

    def __init__(self, callback: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._callback = callback
        self._stale = False
        self._connections: list[tuple[Any, Callable[..., None]]] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.flush)

    @property
    def stale(self) -> bool:
        """Whether a change is waiting for the refresh."""
        return self._stale

    def attach(self, document: Any, signals: Sequence[Any]) -> None:
        """Follow ``signals`` of ``document``; refresh when its undo stack finishes a step."""
        self.detach()
        for signal in signals:
            signal.connect(self.mark)
            self._connections.append((signal, self.mark))
        stack = getattr(document, "undo_stack", None)
        if stack is not None:
            stack.indexChanged.connect(self._on_index_changed)
            self._connections.append((stack.indexChanged, self._on_index_changed))

    def detach(self) -> None:
        """Stop following the document."""
        for signal, slot in self._connections:
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        self._connections.clear()
        self._timer.stop()
        self._stale = False

    def mark(self, *_args: Any) -> None:
        """Note a change; the refresh follows at the end of the step."""
        self._stale = True
        self._timer.start()

    def _on_index_changed(self, _index: int) -> None:
        self.flush()

    def flush(self) -> None:
        """Refresh now if a change is waiting."""
        if not self._stale:
            return
        self._stale = False
        self._timer.stop()
        self._callback()
