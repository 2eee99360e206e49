"""The event log: a virtual table over every event of a trace, filtered by host, kind and text.

:class:`EventTableModel` formats a row only when the view asks for it, and
keeps the positions of the visible (filtered) events in a numpy array built
with masks over the timeline's columns, so a million rows scroll and filter
smoothly. :class:`EventLog` is the dock widget: the filters, the table, and
the ``event_activated(seq, t)`` signal a main window connects to the player.

The module also holds the readable, translatable texts and colours of
events that the space-time diagram shares (:func:`event_title`,
:func:`event_details`, :func:`kind_colour`).
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sandbox.scenario.units import format_ns, seconds_text
from sandbox.trace import describe
from sandbox.trace.timeline import Timeline

from .player import time_digits
from .theme import is_dark

__all__ = [
    "KIND_GROUPS",
    "EventLog",
    "EventTableModel",
    "event_details",
    "event_title",
    "format_ns",
    "kind_colour",
    "kind_label",
]


def _tr(text: str) -> str:
    return QCoreApplication.translate("EventLog", text)


#: Groups of kinds the kind filter offers, by a stable key.
KIND_GROUPS: dict[str, tuple[str, ...]] = {
    "messages": ("send", "deliver", "drop", "corrupt", "duplicate"),
    "failures": ("crash", "recover", "pause", "resume", "byzantine", "suspect", "unsuspect",
                 "partition", "heal", "link_cut", "link_heal"),
    "clocks": ("clock_adjust",),
    "memory": ("mem",),
    "protocol": ("state",),
    "application": ("app", "timer"),
}

_LIGHT = {
    "send": "#4a5563", "deliver": "#1e6bd6", "drop": "#d93025", "corrupt": "#e8710a",
    "duplicate": "#0f8fa8", "crash": "#d93025", "recover": "#1e8e3e", "pause": "#b07d00",
    "resume": "#1e8e3e", "byzantine": "#9334e6", "suspect": "#e37400", "unsuspect": "#7d868f",
    "clock_adjust": "#3367d6", "mem": "#0b8a8f", "timer": "#7d868f", "app": "#5f6b7a",
    "partition": "#c5221f", "heal": "#1e8e3e", "link_cut": "#c5221f", "link_heal": "#1e8e3e",
    "state": "#8430ce",
}
_DARK = {
    "send": "#b9c2cd", "deliver": "#7cacf8", "drop": "#ff7b72", "corrupt": "#ffa657",
    "duplicate": "#56d4e8", "crash": "#ff7b72", "recover": "#6fdd8b", "pause": "#e3b341",
    "resume": "#6fdd8b", "byzantine": "#d2a8ff", "suspect": "#ffa657", "unsuspect": "#9aa4ae",
    "clock_adjust": "#8ab4f8", "mem": "#4fd1c5", "timer": "#9aa4ae", "app": "#aab4bf",
    "partition": "#ff7b72", "heal": "#6fdd8b", "link_cut": "#ff7b72", "link_heal": "#6fdd8b",
    "state": "#c58af9",
}


def kind_colour(kind: str, palette: QPalette | None = None) -> QColor:
    """The colour that stands for an event kind, readable on the palette's base colour."""
    table = _DARK if is_dark(palette) else _LIGHT
    return QColor(table.get(kind, table["app"]))


def _tr_event(text: str) -> str:
    return QCoreApplication.translate(describe.CONTEXT, text)


def kind_label(kind: str) -> str:
    """The translated name of an event kind."""
    return describe.kind_label(kind, _tr_event)


def event_title(tl: Timeline, i: int) -> str:
    """A one-line summary of event ``i``: ``p1 · deliver m12 from p0``."""
    ev = tl.events[i]
    return _tr("{host} · {what}").format(host=ev.host or _tr("network"),
                                         what=describe.event_headline(ev, _tr_event))


def event_details(tl: Timeline, i: int) -> str:
    """The details of event ``i`` in words: latency, drop reason, crash mode, page, ..."""
    return ", ".join(describe.event_details(tl.events[i], _tr_event, format_ns))


class EventTableModel(QAbstractTableModel):
    """A virtual table of the events of a :class:`~sandbox.trace.timeline.Timeline`.

    Columns: time, host, local time, kind, message, peer, details. Only the
    rows the view shows are ever formatted. :meth:`set_filter` keeps the
    events of one host, of some kinds and whose text contains a string; the
    visible event positions are :attr:`rows` (a numpy array). Events after
    the cursor (:meth:`set_time`) are shown dimmed.
    """

    COLUMNS = ("time", "host", "local", "kind", "message", "peer", "details")
    TIME, HOST, LOCAL, KIND, MESSAGE, PEER, DETAILS = range(7)

    #: Roles that return the raw values of a row.
    SeqRole = Qt.ItemDataRole.UserRole + 1
    TimeRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._tl: Timeline | None = None
        self._rows = np.empty(0, dtype=np.int64)
        self._time: int | None = None
        self._digits = 6
        self._host: str | None = None
        self._kinds: tuple[str, ...] | None = None
        self._text = ""
        self._blob: str | None = None
        self._line_starts: np.ndarray | None = None
        self._mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self._headers = (self.tr("Time (s)"), self.tr("Host"), self.tr("Local (s)"),
                         self.tr("Kind"), self.tr("Message"), self.tr("Peer"),
                         self.tr("Details"))

    # -- the data ----------------------------------------------------------------------
    @property
    def timeline(self) -> Timeline | None:
        """The timeline shown."""
        return self._tl

    def set_timeline(self, timeline: Timeline | None) -> None:
        """Show the events of ``timeline`` (filters are kept)."""
        self.beginResetModel()
        self._tl = timeline
        self._blob = None
        self._line_starts = None
        self._digits = min(9, time_digits(timeline.end) + 3) if timeline is not None else 6
        self._rows = self._compute_rows()
        self.endResetModel()

    @property
    def rows(self) -> np.ndarray:
        """Positions of the visible events, in order."""
        return self._rows

    def seq_at(self, row: int) -> int:
        """The event position shown at ``row``."""
        return int(self._rows[row])

    def row_of(self, seq: int) -> int:
        """The row that shows event ``seq`` (-1 if it is filtered out)."""
        r = int(np.searchsorted(self._rows, seq))
        return r if r < len(self._rows) and self._rows[r] == seq else -1

    def row_at_time(self, t: int) -> int:
        """The last row whose event happened at or before ``t`` (-1 if none)."""
        if self._tl is None or not len(self._rows):
            return -1
        return int(np.searchsorted(self._rows, self._tl.index_at(t))) - 1

    def set_time(self, t: int | None) -> None:
        """Dim the events after ``t`` (None: dim nothing)."""
        if t == self._time:
            return
        self._time = t
        if len(self._rows):
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._rows) - 1, len(self.COLUMNS) - 1),
                                  [Qt.ItemDataRole.ForegroundRole])

    # -- filtering ---------------------------------------------------------------------
    def set_filter(self, host: str | None = None, kinds: Any = None, text: str = "") -> None:
        """Keep the events of ``host`` (None: all), of ``kinds`` (None: all) containing ``text``.

        The text match is case-insensitive over the kind, host, peer, message
        id (``m12``) and the event's details.
        """
        kinds = tuple(kinds) if kinds is not None else None
        if (host, kinds, text) == (self._host, self._kinds, self._text):
            return
        self.beginResetModel()
        self._host, self._kinds, self._text = host, kinds, text
        self._rows = self._compute_rows()
        self.endResetModel()

    @property
    def filter(self) -> tuple[str | None, tuple[str, ...] | None, str]:
        """The current filter: (host, kinds, text)."""
        return self._host, self._kinds, self._text

    def _compute_rows(self) -> np.ndarray:
        tl = self._tl
        if tl is None:
            return np.empty(0, dtype=np.int64)
        n = len(tl)
        mask: np.ndarray | None = None
        if self._host is not None:
            code = tl.host_index.get(self._host, -2)
            mask = tl.host_code == code
        if self._kinds is not None:
            codes = [i for i, k in enumerate(tl.kinds) if k in self._kinds]
            m = np.isin(tl.kind_code, codes)
            mask = m if mask is None else mask & m
        if self._text.strip():
            m = self._text_mask(self._text.strip().lower())
            mask = m if mask is None else mask & m
        return np.arange(n, dtype=np.int64) if mask is None else np.flatnonzero(mask)

    def _text_mask(self, needle: str) -> np.ndarray:
        tl = self._tl
        assert tl is not None
        if self._blob is None:
            self._build_blob()
        assert self._blob is not None and self._line_starts is not None
        mask = np.zeros(len(tl), dtype=bool)
        offsets = np.fromiter((m.start() for m in re.finditer(re.escape(needle), self._blob)),
                              dtype=np.int64)
        if len(offsets):
            mask[np.searchsorted(self._line_starts, offsets, side="right") - 1] = True
        return mask

    def _build_blob(self) -> None:
        """One lower-case line of searchable text per event, joined (built on the first search)."""
        tl = self._tl
        assert tl is not None
        kinds = [f"{k} {kind_label(k)}".lower() for k in tl.kinds]
        hosts = tl.hosts
        lines = []
        for ev, k, h, p in zip(tl.events, tl.kind_code.tolist(), tl.host_code.tolist(),
                               tl.peer_code.tolist(), strict=True):
            line = f"{kinds[k]}\t{hosts[h] if h >= 0 else ''}\t{hosts[p] if p >= 0 else ''}"
            if ev.msg is not None:
                line += f"\tm{ev.msg}\t"
            if ev.data:
                line += "\t" + str(ev.data)
            lines.append(line.replace("\n", " ").lower())
        lengths = np.fromiter((len(x) + 1 for x in lines), dtype=np.int64, count=len(lines))
        self._line_starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        self._blob = "\n".join(lines)

    # -- Qt model interface ------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        tl = self._tl
        if tl is None or not index.isValid():
            return None
        row, col = index.row(), index.column()
        if row >= len(self._rows):
            return None
        i = int(self._rows[row])
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(tl, i, col)
        if role == Qt.ItemDataRole.ForegroundRole:
            if self._time is not None and tl.t[i] > self._time:
                return QApplication.palette().color(QPalette.ColorGroup.Disabled,
                                                    QPalette.ColorRole.Text)
            if col == self.KIND:
                return kind_colour(tl.events[i].kind)
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col in (self.TIME, self.LOCAL, self.MESSAGE):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.FontRole:
            return self._mono if col in (self.TIME, self.LOCAL) else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.DETAILS:
                ev = tl.events[i]
                return event_title(tl, i) + ("\n" + json.dumps(ev.data, indent=1)
                                             if ev.data else "")
            return None
        if role == self.SeqRole:
            return i
        if role == self.TimeRole:
            return int(tl.t[i])
        return None

    def _display(self, tl: Timeline, i: int, col: int) -> str:
        digits = self._digits
        if col == self.TIME:
            return seconds_text(int(tl.t[i]), digits)
        if col == self.HOST:
            return tl.host_name(int(tl.host_code[i])) or "—"
        if col == self.LOCAL:
            if tl.host_code[i] < 0:
                return ""
            return seconds_text(int(tl.local[i]), digits)
        if col == self.KIND:
            return kind_label(tl.kinds[tl.kind_code[i]])
        if col == self.MESSAGE:
            m = int(tl.msg[i])
            return f"m{m}" if m >= 0 else ""
        if col == self.PEER:
            return tl.host_name(int(tl.peer_code[i]))
        return event_details(tl, i)


class EventLog(QWidget):
    """The event log dock: host, kind and text filters over a virtual table of events.

    ``event_activated(seq, t)`` is emitted when the user picks a row (click
    or keyboard); :meth:`select_event` selects an event from outside without
    emitting it. :meth:`set_time` dims the events still to come and, with
    "Follow" checked, scrolls to the last event that has happened.
    """

    event_activated = Signal(int, "qint64")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = EventTableModel(self)
        self._programmatic = False
        self._row_just_changed = False

        self.host_combo = QComboBox(self)
        self.host_combo.setObjectName("hostFilter")
        self.host_combo.setToolTip(self.tr("Show the events of one host"))
        self.host_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("kindFilter")
        self.kind_combo.setToolTip(self.tr("Show one kind or group of kinds of event"))
        self.kind_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("searchFilter")
        self.search_edit.setPlaceholderText(self.tr("Search events…"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setToolTip(
            self.tr("Keep the events whose kind, hosts, message id or details contain this text"))
        self.follow_check = QCheckBox(self.tr("Follow"), self)
        self.follow_check.setToolTip(self.tr("Scroll to the last event before the time cursor"))
        self.follow_check.setChecked(True)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("countLabel")
        self._playing = False

        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vh = self.table.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 6)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setStretchLastSection(True)
        hh.setHighlightSections(False)
        digit = self.fontMetrics().horizontalAdvance("0")
        for col, chars in ((EventTableModel.TIME, 13), (EventTableModel.HOST, 9),
                           (EventTableModel.LOCAL, 13), (EventTableModel.KIND, 11),
                           (EventTableModel.MESSAGE, 8), (EventTableModel.PEER, 9)):
            self.table.setColumnWidth(col, digit * chars + 12)

        filters = QHBoxLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        filters.setSpacing(6)
        filters.addWidget(self.host_combo)
        filters.addWidget(self.kind_combo)
        filters.addWidget(self.search_edit, 1)
        filters.addWidget(self.follow_check)
        filters.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        # said over the table when the filters hide every event, with a way out
        self.empty_label = QLabel(self.tr("No event matches the filter."), self.table.viewport())
        self.empty_label.setObjectName("emptyFilterLabel")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.clear_filter_button = QPushButton(self.tr("Clear the filter"), self.table.viewport())
        self.clear_filter_button.setObjectName("clearFilterButton")
        self.clear_filter_button.setToolTip(self.tr("Show every event again"))
        self.clear_filter_button.clicked.connect(self.clear_filter)
        self.empty_label.hide()
        self.clear_filter_button.hide()
        self.table.viewport().installEventFilter(self)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self._apply_filter)
        self.host_combo.currentIndexChanged.connect(self._apply_filter)
        self.kind_combo.currentIndexChanged.connect(self._apply_filter)
        self.search_edit.textChanged.connect(self._search_timer.start)
        self.search_edit.returnPressed.connect(self._apply_filter)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.table.clicked.connect(self._on_clicked)
        self._fill_combos()
        self._update_count()

    # -- public ------------------------------------------------------------------------
    @property
    def timeline(self) -> Timeline | None:
        """The timeline shown."""
        return self.model.timeline

    def set_timeline(self, timeline: Timeline | None) -> None:
        """Show the events of ``timeline``; the filters are reset."""
        self.model.set_timeline(timeline)
        self._fill_combos()
        self._apply_filter()

    def set_filter(self, host: str | None = None, kind: str | None = None, text: str = "") -> None:
        """Set the filter widgets: a host id, a kind or group key (see KIND_GROUPS), a text."""
        hi = self.host_combo.findData(host) if host else 0
        ki = self.kind_combo.findData(kind) if kind else 0
        for combo, i in ((self.host_combo, hi), (self.kind_combo, ki)):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, i))
            combo.blockSignals(False)
        self.search_edit.blockSignals(True)
        self.search_edit.setText(text)
        self.search_edit.blockSignals(False)
        self._apply_filter()

    def clear_filter(self) -> None:
        """Show every event: all hosts, all kinds, no search text."""
        self.set_filter(None, None, "")

    @property
    def filter_hides_everything(self) -> bool:
        """Whether a trace is shown and its events are all hidden by the filters."""
        tl = self.model.timeline
        return tl is not None and len(tl) > 0 and not len(self.model.rows)

    def set_playing(self, playing: bool) -> None:
        """Whether the player is playing (the log scrolls then); paused, the log selects the
        event at the cursor as it is moved (seek, step)."""
        self._playing = bool(playing)
        if not playing and self.model.timeline is not None and self.model._time is not None:
            self.set_time(self.model._time)

    def select_event(self, seq: int) -> None:
        """Select and scroll to event ``seq`` without emitting ``event_activated``.

        If the filters hide it, the selection is cleared.
        """
        row = self.model.row_of(seq)
        self._programmatic = True
        try:
            sm = self.table.selectionModel()
            if row < 0:
                sm.clearSelection()
                return
            index = self.model.index(row, 0)
            sm.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                               | QItemSelectionModel.SelectionFlag.Rows)
            self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        finally:
            self._programmatic = False

    def selected_event(self) -> int | None:
        """The position of the selected event (None if none)."""
        index = self.table.selectionModel().currentIndex()
        rows = self.table.selectionModel().selectedRows()
        if not index.isValid() or not rows:
            return None
        return self.model.seq_at(index.row())

    def set_time(self, t: int) -> None:
        """Follow the player's cursor: dim events still to come and, with "Follow" checked,
        scroll to the last event that has happened; while paused (see :meth:`set_playing`)
        that event is selected too (one chosen among events at the same time is kept)."""
        self.model.set_time(t)
        if not self.follow_check.isChecked():
            return
        row = self.model.row_at_time(t)
        if row < 0:
            return
        if self._playing:
            self.table.scrollTo(self.model.index(row, 0),
                                QAbstractItemView.ScrollHint.EnsureVisible)
            return
        tl = self.model.timeline
        seq = self.model.seq_at(row)
        current = self.selected_event()
        if current is not None and tl is not None and current <= seq \
                and int(tl.t[current]) == int(tl.t[seq]):
            seq = current  # picked among events of the same instant: keep it
        if seq != current:
            self.select_event(seq)
        else:
            self.table.scrollTo(self.model.index(self.model.row_of(seq), 0),
                                QAbstractItemView.ScrollHint.EnsureVisible)

    # -- reactions ---------------------------------------------------------------------
    def _fill_combos(self) -> None:
        tl = self.model.timeline
        for combo in (self.host_combo, self.kind_combo):
            combo.blockSignals(True)
            combo.clear()
        self.host_combo.addItem(self.tr("All hosts"), None)
        self.kind_combo.addItem(self.tr("All kinds"), None)
        group_names = {"messages": self.tr("Messages"), "failures": self.tr("Failures"),
                       "clocks": self.tr("Clocks"), "memory": self.tr("Memory"),
                       "protocol": self.tr("Protocol state"),
                       "application": self.tr("Application")}
        if tl is not None:
            for h in tl.hosts:
                self.host_combo.addItem(h, h)
            counts = np.bincount(tl.kind_code.astype(np.int64), minlength=len(tl.kinds))
            present = {tl.kinds[i] for i in np.flatnonzero(counts)}
            for key, kinds in KIND_GROUPS.items():
                if present & set(kinds):
                    self.kind_combo.addItem(group_names[key], key)
            self.kind_combo.insertSeparator(self.kind_combo.count())
            for i in np.flatnonzero(counts).tolist():
                self.kind_combo.addItem(self.tr("{0} ({1})").format(
                    kind_label(tl.kinds[i]), f"{int(counts[i]):,}"), tl.kinds[i])
        for combo in (self.host_combo, self.kind_combo):
            combo.blockSignals(False)

    def _apply_filter(self) -> None:
        self._search_timer.stop()
        selected = self.selected_event()
        host = self.host_combo.currentData()
        key = self.kind_combo.currentData()
        kinds = None if key is None else KIND_GROUPS.get(key, (key,))
        text = self.search_edit.text()
        if text.strip() and self.model._blob is None and self.timeline is not None \
                and len(self.timeline) > 100_000:
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                self.model.set_filter(host, kinds, text)
            finally:
                QGuiApplication.restoreOverrideCursor()
        else:
            self.model.set_filter(host, kinds, text)
        self._update_count()
        if selected is not None:
            self.select_event(selected)

    def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802 - Qt override
        """Keep the empty-filter message centred on the table."""
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._place_empty()
        return super().eventFilter(watched, event)

    def _place_empty(self) -> None:
        area = self.table.viewport().rect()
        hint = self.empty_label.sizeHint()
        button = self.clear_filter_button.sizeHint()
        top = max(4, area.height() // 2 - (hint.height() + button.height() + 6) // 2)
        self.empty_label.setGeometry(0, top, area.width(), hint.height())
        self.clear_filter_button.setGeometry((area.width() - button.width()) // 2,
                                             top + hint.height() + 6, button.width(),
                                             button.height())

    def _update_empty(self) -> None:
        empty = self.filter_hides_everything
        if empty:
            self._place_empty()
        self.empty_label.setVisible(empty)
        self.clear_filter_button.setVisible(empty)

    def _update_count(self) -> None:
        self._update_empty()
        tl = self.model.timeline
        total = len(tl) if tl is not None else 0
        shown = len(self.model.rows)
        if shown == total:
            self.count_label.setText(self.tr("{0} events").format(f"{total:,}"))
        else:
            self.count_label.setText(self.tr("{0} of {1}").format(f"{shown:,}", f"{total:,}"))

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._programmatic or not current.isValid():
            return
        self._row_just_changed = QApplication.mouseButtons() != Qt.MouseButton.NoButton
        self._emit_row(current.row())

    def _on_clicked(self, index: QModelIndex) -> None:
        # the press that made the row current has emitted already; a click on the row
        # that was current before seeks there again
        if self._row_just_changed:
            self._row_just_changed = False
            return
        if index.isValid():
            self._emit_row(index.row())

    def _emit_row(self, row: int) -> None:
        seq = self.model.seq_at(row)
        tl = self.model.timeline
        if tl is not None:
            self.event_activated.emit(seq, int(tl.t[seq]))
