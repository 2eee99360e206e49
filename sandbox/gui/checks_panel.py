"""The Checks panel: each guarantee of the run's protocols with a pass or fail mark, at the
player's time.

The verdicts come from :mod:`sandbox.trace.checks` (computed as the run went,
or when a trace is opened). As the run is shown, a guarantee that breaks later
reads "holds so far" until the cursor reaches the event that broke it; one that
held reads "held" once the cursor reaches the end. Activating a broken
guarantee (click, Enter) asks the window to show the event that broke it
(``event_requested(seq)``): the diagram, the log and the canvas select it and
the diagram highlights its causal past. A guarantee the configuration does not
promise (causal order with the causal layer off) is shown in grey, so that a
user who switched a layer off sees what breaks without taking it for a bug.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..scenario.units import format_seconds
from ..trace.checks import Verdict, checker, checker_names
from .theme import error_colour, is_dark

__all__ = ["ChecksPanel", "row_status"]


def _tr(text: str) -> str:
    return QCoreApplication.translate("ChecksPanel", text)


def _tr_check(text: str) -> str:
    return QCoreApplication.translate("Check", text)


#: The states a row can be in, at the player's time.
STATES = ("holds", "held", "broken", "error")


def row_status(v: Verdict, t: int, end: int) -> str:
    """What a verdict reads at time ``t`` of a run ending at ``end``: ``holds`` (so far),
    ``held`` (the cursor is at the end), ``broken`` (the cursor has passed the breaking
    event) or ``error`` (the checker itself failed)."""
    if v.error:
        return "error"
    if not v.ok and (v.t is None or t >= v.t):
        return "broken"
    return "held" if t >= end else "holds"


class ChecksPanel(QWidget):
    """The list of guarantees of the run shown and their verdicts at the player's time."""

    #: The user asked to see the event (its seq) that broke a guarantee, with the seqs of the
    #: events that explain it (a tuple).
    event_requested = Signal(int, object)

    COLUMNS = 2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._verdicts: list[Verdict] = []
        self._time = 0
        self._end = 0
        self._loaded = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        self.summary_label = QLabel(self)
        self.summary_label.setWordWrap(True)
        layout.addWidget(self.summary_label)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("ChecksTree")
        self.tree.setColumnCount(self.COLUMNS)
        self.tree.setHeaderLabels([_tr("Guarantee"), _tr("Result")])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(False)
        self.tree.setWordWrap(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.tree.itemActivated.connect(self._on_activated)
        self.tree.itemClicked.connect(self._on_activated)
        self.tree.currentItemChanged.connect(lambda *_: self._show_detail())
        layout.addWidget(self.tree, 1)
        #: The whole text of the current row: what the guarantee asserts and its result.
        self.detail_label = QLabel(self)
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.detail_label)
        self.hint_label = QLabel(self)
        self.hint_label.setWordWrap(True)
        self.hint_label.setEnabled(False)
        layout.addWidget(self.hint_label)
        self._refresh()

    # -- API ------------------------------------------------------------------------------
    @property
    def verdicts(self) -> list[Verdict]:
        """The verdicts shown (empty without a run, or when nothing is checked)."""
        return list(self._verdicts)

    def set_verdicts(self, verdicts: Sequence[Verdict] | None, end: int = 0) -> None:
        """Show ``verdicts`` of a run ending at ``end`` (None: no run is shown)."""
        self._loaded = verdicts is not None
        self._verdicts = list(verdicts or ())
        self._end = int(end)
        self._time = 0
        self._rebuild()

    def set_time(self, t: int) -> None:
        """Follow the player: each row reads its state at ``t``."""
        t = int(t)
        if t == self._time:
            return
        before = [row_status(v, self._time, self._end) for v in self._verdicts]
        self._time = t
        if before != [row_status(v, t, self._end) for v in self._verdicts]:
            self._refresh()

    def status(self, name: str) -> str | None:
        """The state of guarantee ``name`` at the player's time (None: not shown)."""
        for v in self._verdicts:
            if v.name == name:
                return row_status(v, self._time, self._end)
        return None

    def row_text(self, name: str) -> str:
        """The result text of guarantee ``name`` as shown (empty: not shown)."""
        for i, v in enumerate(self._verdicts):
            if v.name == name:
                return self.tree.topLevelItem(i).text(1)
        return ""

    def activate(self, name: str) -> bool:
        """Show the event that broke guarantee ``name`` (as a click on its row does); False
        when it has not broken."""
        for i, v in enumerate(self._verdicts):
            if v.name == name:
                return self._request(i)
        return False

    # -- drawing --------------------------------------------------------------------------
    def changeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() in (event.Type.PaletteChange, event.Type.StyleChange):
            self._refresh()

    def _rebuild(self) -> None:
        self.tree.clear()
        for v in self._verdicts:
            item = QTreeWidgetItem(self.tree)
            title = _tr_check(v.title) if v.title else v.name
            item.setText(0, title)
            known = v.name in checker_names()
            description = _tr_check(checker(v.name).description) if known else ""
            tip = f"{title} ({v.name})" + (f"\n{description}" if description else "")
            item.setToolTip(0, tip)
        self._refresh()

    def _refresh(self) -> None:
        palette = self.palette()
        dark = is_dark(palette)
        bad = error_colour(palette)
        good = QColor("#6fdd8b" if dark else "#1e7e34")
        faint = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        counts = dict.fromkeys(STATES, 0)
        for i, v in enumerate(self._verdicts):
            item = self.tree.topLevelItem(i)
            state = row_status(v, self._time, self._end)
            counts[state] += 1
            if state == "broken":
                text = _tr("✗ broken at {time} (event {seq}): {reason}").format(
                    time=format_seconds(v.t or 0), seq=v.seq, reason=v.reason(_tr_check))
                colour = bad
            elif state == "error":
                text = _tr("⚠ could not be checked: {reason}").format(
                    reason=v.reason(_tr_check))
                colour = bad
            elif state == "held":
                text = _tr("✓ held ({n} checked)").format(n=f"{v.checked:,}")
                colour = good
            else:
                text = _tr("✓ holds so far")
                colour = good
            if not v.promised:
                text = _tr("{text} — not promised by this configuration").format(text=text)
                colour = faint
            item.setText(1, text)
            item.setToolTip(1, text)
            item.setForeground(1, colour)
            item.setForeground(0, faint if not v.promised else palette.color(QPalette.ColorRole.Text))
            flags = item.flags()
            item.setData(0, Qt.ItemDataRole.UserRole, v.name)
            item.setFlags(flags | Qt.ItemFlag.ItemIsEnabled)
        self._show_detail()
        if not self._loaded:
            self.summary_label.setText(_tr("Run the scenario to check the guarantees of its "
                                           "protocols."))
            self.hint_label.setText("")
        elif not self._verdicts:
            self.summary_label.setText(_tr("No guarantee to check: the protocols of this run "
                                           "declare none."))
            self.hint_label.setText("")
        else:
            broken = counts["broken"] + counts["error"]
            self.summary_label.setText(
                _tr("{n} guarantees: {ok} hold, {broken} broken so far.").format(
                    n=len(self._verdicts), ok=len(self._verdicts) - broken, broken=broken))
            self.hint_label.setText(_tr("Click a broken guarantee to see the event that broke "
                                        "it and its causal past."))

    def _show_detail(self) -> None:
        item = self.tree.currentItem()
        row = self.tree.indexOfTopLevelItem(item) if item is not None else -1
        if not 0 <= row < len(self._verdicts):
            self.detail_label.setText("")
            self.detail_label.hide()
            return
        v = self._verdicts[row]
        known = v.name in checker_names()
        description = _tr_check(checker(v.name).description) if known else ""
        text = _tr("{title} ({name}): {description}").format(
            title=item.text(0), name=v.name, description=description) if description \
            else item.text(0)
        self.detail_label.setText(f"{text}\n{item.text(1)}")
        self.detail_label.show()

    # -- input ----------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            item = self.tree.currentItem()
            if item is not None:
                self._on_activated(item, 0)
                return
        super().keyPressEvent(event)

    def _on_activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        self._request(self.tree.indexOfTopLevelItem(item))

    def _request(self, row: int) -> bool:
        if not 0 <= row < len(self._verdicts):
            return False
        v = self._verdicts[row]
        if v.ok or v.seq is None:
            return False
        self.tree.setCurrentItem(self.tree.topLevelItem(row))
        self.event_requested.emit(int(v.seq), tuple(v.related))
        return True
