"""The Help menu: keyboard shortcuts, getting started, glossary and About DS Sandbox.

:class:`HelpController` (the window's ``help``) opens the windows of
:mod:`.windows` (non-modal, one of each, raised when open again); their
words are in the Qt-free :mod:`.content`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtWidgets import QDialog, QMainWindow, QMessageBox

from .windows import GettingStarted, Glossary, ShortcutsWindow, about_text, trigger

__all__ = ["HelpController"]


class HelpController(QObject):
    """Opens the Help menu's windows for ``window`` (a main window with an ``action_table``).

    A getting-started link does its step with ``window``'s action of that id
    (``run``, ``play``), or pops up File > Presets for ``presets``.
    """

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._open: dict[str, QDialog] = {}

    def _show(self, name: str, make: Any) -> QDialog:
        dialog = self._open.get(name)
        if dialog is not None and dialog.isVisible():
            dialog.raise_()  # open already: brought to the front
            dialog.activateWindow()
            return dialog
        if dialog is not None:
            dialog.deleteLater()
        dialog = self._open[name] = make()
        dialog.show()
        return dialog

    def shown(self, name: str) -> QDialog | None:
        """The window ``shortcuts``, ``start`` or ``glossary`` if it is open."""
        dialog = self._open.get(name)
        return dialog if dialog is not None and dialog.isVisible() else None

    def show_shortcuts(self) -> ShortcutsWindow:
        """Help > Keyboard Shortcuts (built from the action table as it is now)."""
        table = self.window.action_table  # type: ignore[attr-defined]
        return self._show("shortcuts", lambda: ShortcutsWindow(table, self.window))

    def show_getting_started(self) -> GettingStarted:
        """Help > Getting Started."""
        return self._show("start", lambda: GettingStarted(self.do_step, self.window))

    def show_glossary(self) -> Glossary:
        """Help > Glossary."""
        return self._show("glossary", lambda: Glossary(self.window))

    def show_about(self) -> None:
        """Help > About DS Sandbox."""
        QMessageBox.about(self.window, QCoreApplication.translate("Help", "About DS Sandbox"),
                          about_text())

    def do_step(self, action_id: str) -> bool:
        """Do a getting-started step: trigger the window's action, or show the presets menu.
        Whether something was done (a disabled action, Play with no run, is not)."""
        window: Any = self.window
        if action_id == "presets":
            menu = window.action_table.menus["presets"]
            menu.popup(window.mapToGlobal(window.rect().center()))
            return True
        return trigger(window.action_table, action_id)
