"""The windows of the Help menu: keyboard shortcuts, getting started, glossary, about.

The shortcuts window is built from the main window's action table
(:mod:`sandbox.gui.actions`) each time it opens, so it lists exactly the
shortcuts the menus have, grouped by menu; the texts come from
:mod:`.content`.
"""

from __future__ import annotations

import html
import platform
from collections.abc import Callable, Iterable
from importlib.metadata import PackageNotFoundError, metadata
from typing import Any

import PySide6
from PySide6.QtCore import QCoreApplication, Qt, QUrl, qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ... import __version__
from ..actions import ActionRow, Actions, MenuRow
from .content import CONTEXT, FIELD_CONTEXT, GESTURES, GLOSSARY, STEPS

__all__ = ["GettingStarted", "Glossary", "ShortcutsWindow", "about_text", "shortcut_rows"]


translate = QCoreApplication.translate


def _tr(text: str) -> str:
    """Translate a text of :mod:`.content` (marked there for lupdate)."""
    return QCoreApplication.translate(CONTEXT, text)


def _plain(text: str) -> str:
    """A menu text without its mnemonic marks and ellipsis (``"&Open\u2026"`` -> ``Open``)."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("\u2026.")


def _menu_titles(table: Actions) -> dict[str, str]:
    """The shown title of each menu of the table, with its parents (``View \u203a Panels``)."""
    rows = {row.id: row for row in table.rows if isinstance(row, MenuRow)}
    titles: dict[str, str] = {}
    for row_id, row in rows.items():
        parts, cur = [], row
        while cur is not None:
            menu = table.menus.get(cur.id)
            parts.append(_plain(menu.title()) if menu is not None else cur.id)
            cur = rows.get(cur.menu) if cur.menu is not None else None
        titles[row_id] = " \u203a ".join(reversed(parts))
    return titles


def _key_name(key: str) -> str:
    """A key as shown: punctuation keys by name (a lone "," is hard to read)."""
    names = {",": translate("Help", "Comma"), ".": translate("Help", "Full stop")}
    return names.get(key, key)


def shortcut_rows(table: Actions) -> list[tuple[str, str, str, str]]:
    """(menu, action, shortcuts, description) of every action of ``table`` with a shortcut,
    in menu order; the shortcuts as the platform writes them, joined by middle dots."""
    titles = _menu_titles(table)
    out = []
    for row in table.rows:
        if not isinstance(row, ActionRow):
            continue
        action = table.actions[row.id]
        keys = [_key_name(k.toString(QKeySequence.SequenceFormat.NativeText))
                for k in action.shortcuts()]
        keys = [k for k in keys if k]
        if not keys:
            continue
        tip = action.statusTip() or action.toolTip()
        if row.scope == "canvas":
            tip = (translate("Help", "{tip} (on the canvas)").format(tip=tip) if tip
                   else translate("Help", "On the canvas"))
        out.append((titles.get(row.menu or "", ""), _plain(action.text()), "  \u00b7  ".join(keys),
                    tip))
    return out



def _search_field(parent: QWidget, on_change: Callable[[str], None]) -> QLineEdit:
    """The search field above a help window's list: it filters as it is typed."""
    edit = QLineEdit(parent)
    edit.setPlaceholderText(translate("Help", "Search"))
    edit.setClearButtonEnabled(True)
    edit.textChanged.connect(on_change)
    return edit

class _Filtered(QDialog):
    """A dialog with a search field above a tree whose rows it filters."""

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        self.search = _search_field(self, self._filter)
        layout.addWidget(self.search)
        self.tree = QTreeWidget(self)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setWordWrap(True)
        layout.addWidget(self.tree, 1)
        self.empty = QLabel(self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()
        layout.addWidget(self.empty)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _filter(self, text: str) -> None:
        """Show the rows with ``text`` in any column (a group shows if any of its rows does)."""
        needle = text.strip().casefold()
        shown = 0
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            children = [top.child(j) for j in range(top.childCount())]
            if not children:
                children = [top]
            any_shown = False
            for item in children:
                hay = " ".join(item.text(c) for c in range(self.tree.columnCount()))
                visible = not needle or needle in hay.casefold() or (
                    item is not top and needle in top.text(0).casefold())
                item.setHidden(not visible)
                any_shown |= visible
                shown += visible
            if top.childCount():
                top.setHidden(not any_shown)
        self.empty.setText(translate("Help", "Nothing matches \u201c{text}\u201d")
                           .format(text=text.strip()))
        self.empty.setVisible(shown == 0)

    def visible_rows(self) -> list[list[str]]:
        """The texts of the rows shown (leaves only), for tests and scripts."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            items = [top.child(j) for j in range(top.childCount())] or [top]
            out.extend([item.text(c) for c in range(self.tree.columnCount())]
                       for item in items if not item.isHidden() and not top.isHidden())
        return out


class ShortcutsWindow(_Filtered):
    """Help > Keyboard Shortcuts: every shortcut of the menus, grouped by menu, searchable,
    and the canvas's mouse gestures."""

    def __init__(self, table: Actions, parent: QWidget | None = None) -> None:
        super().__init__(translate("Help", "Keyboard Shortcuts"), parent)
        self.setObjectName("ShortcutsWindow")
        self.resize(900, 640)
        self.tree.setHeaderLabels([translate("Help", "Action"), translate("Help", "Shortcut"),
                                   translate("Help", "What it does")])
        groups: dict[str, QTreeWidgetItem] = {}
        for menu, name, keys, tip in shortcut_rows(table):
            top = groups.get(menu)
            if top is None:
                top = groups[menu] = QTreeWidgetItem(self.tree,
                                                     [menu or translate("Help", "Window")])
                top.setFirstColumnSpanned(True)
                font = top.font(0)
                font.setBold(True)
                top.setFont(0, font)
            item = QTreeWidgetItem(top, [name, keys, tip])
            item.setToolTip(2, tip)
        gestures = QTreeWidgetItem(self.tree, [translate("Help", "Canvas: mouse and keys")])
        gestures.setFirstColumnSpanned(True)
        font = gestures.font(0)
        font.setBold(True)
        gestures.setFont(0, font)
        for gesture, effect in GESTURES:
            QTreeWidgetItem(gestures, [_tr(gesture), "", _tr(effect)])
        self.tree.expandAll()
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 250)
        header.resizeSection(1, 210)
        header.setStretchLastSection(True)
        self.search.setFocus()


def _glossary_items() -> Iterable[tuple[str, str, str]]:
    """(term, definition, where) of every glossary entry, translated."""
    for term in GLOSSARY:
        parts = [QCoreApplication.translate(FIELD_CONTEXT, term.field)] if term.field else []
        if term.text:
            parts.append(_tr(term.text))
        definition = ". ".join(p.rstrip(".") for p in parts) + "."
        yield _tr(term.term), definition, _tr(term.where) if term.where else ""


class Glossary(QDialog):
    """Help > Glossary: the terms of the settings, what they mean and where they are set;
    the search field keeps the entries that hold its text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("Help", "Glossary"))
        self.setObjectName("Glossary")
        self.resize(700, 640)
        self._items = list(_glossary_items())
        layout = QVBoxLayout(self)
        self.search = _search_field(self, self._filter)
        layout.addWidget(self.search)
        self.browser = QTextBrowser(self)
        layout.addWidget(self.browser, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.shown: list[str] = []
        self._filter("")
        self.search.setFocus()

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        rows = [item for item in self._items
                if not needle or needle in " ".join(item).casefold()]
        self.shown = [term for term, _d, _w in rows]
        if not rows:
            self.browser.setHtml("<p><i>{}</i></p>".format(html.escape(
                translate("Help", "Nothing matches \u201c{text}\u201d").format(
                    text=text.strip()))))
            return
        where = translate("Help", "Where: {place}")
        parts = []
        for term, definition, place in rows:
            parts.append(f"<p><b>{html.escape(term)}</b><br>{html.escape(definition)}")
            if place:
                parts.append(f"<br><i>{html.escape(where.format(place=place))}</i>")
            parts.append("</p>")
        self.browser.setHtml("".join(parts))


class GettingStarted(QDialog):
    """Help > Getting Started: build, run, watch, inject a fault, measure; the steps that an
    action does have a link that does it (``do(action id)`` is called)."""

    def __init__(self, do: Callable[[str], Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("Help", "Getting Started"))
        self.setObjectName("GettingStarted")
        self.resize(640, 560)
        self._do = do
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser(self)
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._on_anchor)
        self.browser.setHtml(self.page())
        layout.addWidget(self.browser, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    @staticmethod
    def page() -> str:
        """The page as HTML."""
        title = translate("Help", "Getting started with DS Sandbox")
        intro = translate("Help", "A distributed system in five steps. Help \u203a Glossary "
                                  "explains the terms of the settings; Help \u203a Keyboard "
                                  "Shortcuts lists the keys.")
        parts = [f"<h2>{html.escape(title)}</h2>", f"<p>{html.escape(intro)}</p>"]
        for step in STEPS:
            parts.append(f"<h3>{html.escape(_tr(step.heading))}</h3>")
            parts.append(f"<p>{html.escape(_tr(step.text))}</p>")
            if step.action:
                parts.append(f'<p><a href="do:{step.action}">{html.escape(_tr(step.button))}'
                             "</a></p>")
        return "\n".join(parts)

    def _on_anchor(self, url: QUrl) -> None:
        if url.scheme() == "do":
            self._do(url.path())


def about_text() -> str:
    """The About box's text: version, licence, and the Qt, PySide6 and Python versions."""
    try:
        meta = metadata("ds-sandbox")
        licence = meta.get("License-Expression") or meta.get("License") or "MIT"
    except PackageNotFoundError:  # run from a source tree that is not installed
        licence = "MIT"
    return translate("Help", "<h3>DS Sandbox {version}</h3>"
                             "<p>Build, run, watch and measure distributed systems: clocks, "
                             "failures, messages and shared memory.</p>"
                             "<p>Licence: {licence}</p>"
                             "<p>Qt {qt} \u00b7 PySide6 {pyside} \u00b7 Python {python}</p>"
                             ).format(version=html.escape(__version__),
                                      licence=html.escape(licence), qt=qVersion(),
                                      pyside=PySide6.__version__,
                                      python=platform.python_version())


def trigger(actions: Actions, action_id: str) -> bool:
    """Trigger the table's action ``action_id`` if it is enabled; whether it was."""
    action: QAction | None = actions.actions.get(action_id)
    if action is None or not action.isEnabled():
        return False
    action.trigger()
    return True
