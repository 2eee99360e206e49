"""The Faults panel: the scenario's fault schedule as a list by time, editable in place.

Every scheduled fault of the scenario (crash, recover, pause, Byzantine,
partition, clock jump, loss burst, link cut, dropped message) is a row with
its time, kind and target, sorted by time. The fault selected is edited in a
form below the list (the inspector's form machinery, one field per field of
the kind); Delete (or the Remove button) removes the selected faults; "Add
fault" adds any kind at the player's time (0 without a run), aimed at the host
or link selected on the canvas. Every change is one undoable step of the
document (the run shown recomputes itself on a change of the schedule, see
:class:`~sandbox.gui.shown_run.ShownRun`). Selecting a row selects the
fault's target on the canvas and, with a run shown, moves the player to the
fault's time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QSplitter,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..scenario.units import format_seconds
from .faults_menu import (
    FAULT_KINDS,
    fault_colour,
    fault_hosts,
    fault_summary,
    fault_target,
    fault_time,
    kind_label,
    new_fault,
)
from .forms import FormScrollArea, ModelForm, form_page
from .forms.specs import error_text
from .theme import is_dark

__all__ = ["FaultsPanel", "SidesEditor", "parse_sides", "sides_text"]

#: Where a row keeps the index of its fault in ``scenario.faults``.
INDEX_ROLE = Qt.ItemDataRole.UserRole


def sides_text(sides: Sequence[Sequence[str]]) -> str:
    """The sides of a partition as one line: ``a, b | c, d``."""
    return " | ".join(", ".join(side) for side in sides)


def parse_sides(text: str) -> list[list[str]]:
    """Read ``a, b | c, d`` back into sides (hosts by commas or spaces, sides by ``|``)."""
    sides = []
    for part in text.split("|"):
        hosts = [h for h in part.replace(",", " ").split() if h]
        if hosts:
            sides.append(hosts)
    return sides


class SidesEditor(QWidget):
    """The sides of a partition in one line edit (``a, b | c, d``), committed on Enter or when
    it loses focus; a refused edit shows why and puts the last good sides back."""

    failed = Signal(str)

    def __init__(self, commit: Callable[[list[list[str]]], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._commit = commit
        self._sides: list[list[str]] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.edit = QLineEdit(self)
        self.edit.setObjectName("sidesEdit")
        self.edit.setToolTip(self.tr("The hosts of each side, by commas; the sides apart by "
                                     "a bar: a, b | c, d"))
        self.edit.editingFinished.connect(self._on_finished)
        self.error = QLabel(self)
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.edit)
        layout.addWidget(self.error)

    def set_objects(self, values: Sequence[Any]) -> None:
        """Show the sides of the (one) partition edited."""
        self._sides = [list(side) for side in values[0]] if values else []
        self.edit.setText(sides_text(self._sides))

    def _on_finished(self) -> None:
        sides = parse_sides(self.edit.text())
        if sides == self._sides:
            self.error.hide()
            return
        try:
            self._commit(sides)
        except (ValueError, TypeError, KeyError) as exc:
            message = error_text(exc)
            self.error.setText(message)
            self.error.show()
            self.edit.setText(sides_text(self._sides))
            self.failed.emit(self.tr("Sides: {0}").format(message))
        else:
            self.error.hide()


def _chip(colour: QColor) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    p.drawRoundedRect(1, 1, 10, 10, 2.5, 2.5)
    p.end()
    return QIcon(pixmap)


class FaultsPanel(QWidget):
    """The fault schedule of ``document``: a list by time, a form for the selected fault.

    ``scene`` (the canvas) gets the selected fault's target selected and gives
    the target of a new fault; ``player`` gives the time of a new fault and is
    moved to a fault's time when it plays a run. ``apply_fault(fault)`` adds a
    fault (the window's :meth:`FaultController.apply_fault`, which reports a
    refusal; the document's ``add_fault`` by default). ``message`` carries what
    went wrong, for the status bar.
    """

    message = Signal(str)

    def __init__(self, document: Any, scene: Any = None, player: Any = None,
                 apply_fault: Callable[[Any], Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.scene = scene
        self.player = player
        self._apply_fault = apply_fault
        self._form: ModelForm | None = None
        self._form_key: tuple[int, str] | None = None

        self.add_button = QToolButton(self)
        self.add_button.setObjectName("addFaultButton")
        self.add_button.setText(self.tr("Add fault"))
        self.add_button.setToolTip(self.tr("Add a fault at the player's time (at 0 without a "
                                           "run), aimed at the host or link selected"))
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.add_menu = QMenu(self.add_button)
        self.add_menu.setObjectName("addFaultMenu")
        self.add_menu.setToolTipsVisible(True)
        self.add_menu.aboutToShow.connect(self._update_add_menu)
        self.add_actions: dict[str, Any] = {}
        for kind in FAULT_KINDS:
            action = self.add_menu.addAction(kind_label(kind))
            action.setObjectName(f"add_fault_{kind}")
            action.triggered.connect(lambda _c=False, k=kind: self.add_fault(k))
            self.add_actions[kind] = action
        self.add_button.setMenu(self.add_menu)
        self.remove_button = QToolButton(self)
        self.remove_button.setObjectName("removeFaultButton")
        self.remove_button.setText(self.tr("Remove"))
        self.remove_button.setToolTip(self.tr("Remove the selected faults (Delete)"))
        self.remove_button.clicked.connect(self.remove_selected)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("faultsCount")

        self.tree = QTreeWidget(self)
        self.tree.setObjectName("faultsList")
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels([self.tr("Time"), self.tr("Fault"), self.tr("Target"),
                                   self.tr("Details")])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.tree.header()
        header.setStretchLastSection(True)
        for col in range(2):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(2, 120)  # a long partition is elided: its row's tooltip has it all
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.tree.itemSelectionChanged.connect(self._on_selection)
        self.tree.installEventFilter(self)

        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("faultsEmpty")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setText(self.tr(
            "No faults scheduled.\n\nRight-click a host or a link while a run is shown, "
            "or press Add fault to schedule a crash, a pause, a partition, a loss burst..."))

        self.form_area = FormScrollArea(self)
        self.form_area.setObjectName("faultForm")
        self.form_hint = QLabel(self.tr("Select a fault to edit it."), self)
        self.form_hint.setObjectName("faultFormHint")
        self.form_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.form_hint.setWordWrap(True)
        self.form_area.setWidget(form_page(self.form_hint))

        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.tree)
        top_layout.addWidget(self.empty_label, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.form_area)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([180, 160])  # the list and the form share the height
        self.splitter.setChildrenCollapsible(False)
        # a small least height: the panel shares the column with the inspector, over the run
        # docks, and must not make the window taller than a small screen
        for widget in (self.tree, self.empty_label, self.form_area, top):
            widget.setMinimumHeight(12)

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        layout.addLayout(buttons)
        layout.addWidget(self.splitter, 1)

        document.settings_changed.connect(self._on_settings_changed)
        document.reset.connect(self.refresh)
        for signal in (document.host_added, document.host_removed, document.host_changed,
                       document.link_added, document.link_removed):
            signal.connect(self._on_targets_changed)
        self.refresh()

    # -- what is shown ----------------------------------------------------------------------

    @property
    def faults(self) -> list[Any]:
        """The scenario's faults in the order of the rows (by time, then schedule order)."""
        return [self.document.scenario.faults[i] for i in self.row_indices()]

    def row_indices(self) -> list[int]:
        """The index in ``scenario.faults`` of the fault of each row, top to bottom."""
        return [int(self.tree.topLevelItem(r).data(0, INDEX_ROLE))
                for r in range(self.tree.topLevelItemCount())]

    def selected_indices(self) -> list[int]:
        """The indices in ``scenario.faults`` of the selected rows' faults, in schedule order."""
        return sorted(int(item.data(0, INDEX_ROLE)) for item in self.tree.selectedItems())

    @property
    def form(self) -> ModelForm | None:
        """The form of the fault selected (None when not exactly one is)."""
        return self._form

    def select_fault(self, index: int) -> None:
        """Select the row of the fault at ``index`` of ``scenario.faults``."""
        for r in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(r)
            if int(item.data(0, INDEX_ROLE)) == index:
                self.tree.setCurrentItem(item)
                item.setSelected(True)
                self.tree.scrollToItem(item)
                return

    def refresh(self) -> None:
        """Show the scenario's faults again (keeping the selection by index)."""
        faults = list(self.document.scenario.faults)
        selected = set(self.selected_indices())
        order = sorted(range(len(faults)), key=lambda i: (fault_time(faults[i]), i))
        dark = is_dark(self.palette())
        with QSignalBlocker(self.tree):
            self.tree.clear()
            for i in order:
                fault = faults[i]
                item = QTreeWidgetItem([format_seconds(fault_time(fault), 6),
                                        kind_label(fault.kind), fault_target(fault),
                                        fault_summary(fault)])
                item.setData(0, INDEX_ROLE, i)
                item.setIcon(1, _chip(fault_colour(fault.kind, dark)))
                tip = self.tr("{kind} {target} at {time}").format(
                    kind=kind_label(fault.kind), target=fault_target(fault),
                    time=format_seconds(fault_time(fault), 9))
                if fault_summary(fault):
                    tip += f"\n{fault_summary(fault)}"
                for col in range(4):
                    item.setToolTip(col, tip)
                self.tree.addTopLevelItem(item)
                if i in selected:
                    item.setSelected(True)
        empty = not faults
        self.tree.setVisible(not empty)
        self.empty_label.setVisible(empty)
        self.count_label.setText(self.tr("{n} scheduled").format(n=len(faults)) if faults
                                 else "")
        self._update_buttons()
        self._update_form()

    def _on_settings_changed(self, name: str) -> None:
        if name == "faults":
            self.refresh()

    def _on_targets_changed(self, *_args: Any) -> None:
        self._form_key = None  # the host choices of the form change
        self._update_form()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(bool(self.tree.selectedItems()))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        """Redraw the kind chips in the colours of a new palette."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.refresh()

    # -- the form of the selected fault --------------------------------------------------------

    def _host_choices(self) -> list[tuple[Any, str]]:
        return [(h.id, h.id if not h.label or h.label == h.id else f"{h.id} \u00b7 {h.label}")
                for h in self.document.scenario.hosts]

    def _update_form(self) -> None:
        indices = self.selected_indices()
        faults = self.document.scenario.faults
        if len(indices) != 1 or not 0 <= indices[0] < len(faults):
            text = self.tr("Select a fault to edit it.") if not indices else \
                self.tr("{n} faults selected: Delete removes them.").format(n=len(indices))
            if self._form is not None or self.form_hint.text() != text:
                self._form = None
                self._form_key = None
                self.form_hint = self._replace_form_page(text)
            return
        index = indices[0]
        fault = faults[index]
        key = (index, fault.kind)
        if self._form is None or self._form_key != key:
            self._form = self._build_form(index, fault)
            self._form_key = key
            self.form_area.setWidget(form_page(self._form))
        self._form.set_objects([fault])
        self._fit_end_fallback(self._form, fault)

    def _replace_form_page(self, text: str) -> QLabel:
        hint = QLabel(text)
        hint.setObjectName("faultFormHint")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setWordWrap(True)
        self.form_area.setWidget(form_page(hint))
        return hint

    def _build_form(self, index: int, fault: Any) -> ModelForm:
        hosts = self._host_choices

        def commit(name: str, value: Any) -> None:
            self._commit(index, name, value)

        sections: dict[str, Callable[[], QWidget]] = {}
        if fault.kind == "partition":
            sections["sides"] = lambda: SidesEditor(lambda sides: commit("sides", sides))
        form = ModelForm(type(fault), commit, exclude=("kind",),
                         choices={"host": hosts, "a": hosts, "b": hosts}, sections=sections,
                         key="faults")
        form.setObjectName("faultFields")
        form.failed.connect(self.message)
        labels = {"at": self.tr("At"), "start": self.tr("Start"), "end": self.tr("End"),
                  "host": self.tr("Host"), "delta": self.tr("Clock step"),
                  "msg": self.tr("Message id"), "one_way": self.tr("One way"),
                  "probability": self.tr("Probability")}
        for name, editor in form.editors.items():
            label = form.form.labelForField(editor)
            if name in labels and isinstance(label, QLabel):
                label.setText(labels[name])
            box = getattr(editor, "none_box", None)
            if name == "end" and box is not None:
                box.setText(self.tr("until the end of the run"))
        form.align_labels()
        return form

    def _fit_end_fallback(self, form: ModelForm, fault: Any) -> None:
        # clearing "until the end" starts from a second after the fault begins, which is valid
        editor = form.editors.get("end")
        if editor is not None and hasattr(editor, "none_box"):
            editor._fallback = lambda: fault_time(fault) + 1_000_000_000  # type: ignore[method-assign]

    def _commit(self, index: int, name: str, value: Any) -> None:
        """Set the field ``name`` of the fault at ``index``: one undoable edit of the schedule
        (a ValueError, pydantic's too, refuses it and says why)."""
        faults = list(self.document.scenario.faults)
        fault = faults[index]
        faults[index] = type(fault).model_validate({**fault.model_dump(), name: value})
        if faults[index] != fault:
            self.document.set_setting("faults", faults)

    # -- selection ----------------------------------------------------------------------------

    def _on_selection(self) -> None:
        self._update_buttons()
        self._update_form()
        indices = self.selected_indices()
        if len(indices) != 1:
            return
        fault = self.document.scenario.faults[indices[0]]
        self._select_target(fault)
        if self.player is not None and self.player.timeline is not None:
            self.player.seek(fault_time(fault))

    def _select_target(self, fault: Any) -> None:
        if self.scene is None:
            return
        if fault.kind in ("link_cut", "loss_burst"):
            pair = {fault.a, fault.b}
            links = [i for i, lk in enumerate(self.document.scenario.links)
                     if {lk.a, lk.b} == pair]
            self.scene.select(link_indices=links)
        elif fault_hosts(fault):
            self.scene.select(host_ids=fault_hosts(fault))
        # a selection on the canvas raises the inspector; the schedule being read stays in front
        dock = self.parentWidget()
        if isinstance(dock, QDockWidget) and self.isVisible():
            dock.raise_()

    # -- adding and removing -----------------------------------------------------------------

    def _now(self) -> int:
        if self.player is not None and self.player.timeline is not None:
            return int(self.player.time)
        return 0

    def _selected_host(self) -> str | None:
        hosts = self.scene.selected_host_ids() if self.scene is not None else []
        return hosts[0] if hosts else None

    def _selected_link(self) -> tuple[str, str] | None:
        links = self.scene.selected_link_indices() if self.scene is not None else []
        all_links = self.document.scenario.links
        if links and 0 <= links[0] < len(all_links):
            return all_links[links[0]].a, all_links[links[0]].b
        return None

    def _message_now(self) -> int | None:
        """A message of the run shown in flight at the player's time (or the next one sent)."""
        tl = self.player.timeline if self.player is not None else None
        if tl is None or not len(tl.msg_id):
            return None
        t = int(self.player.time)
        inflight = tl.message_indices(t)
        if len(inflight):
            return int(tl.msg_id[int(inflight[0])])
        later = [i for i, ts in enumerate(tl.msg_t_send.tolist()) if ts >= t]
        return int(tl.msg_id[later[0]]) if later else None

    def _update_add_menu(self) -> None:
        scenario = self.document.scenario
        for kind, action in self.add_actions.items():
            fault = new_fault(kind, scenario, self._now(), self._selected_host(),
                              self._selected_link(), self._message_now())
            action.setEnabled(fault is not None)
            if fault is not None:
                action.setToolTip(self.tr("{kind} {target} at {time}").format(
                    kind=kind_label(kind), target=fault_target(fault),
                    time=format_seconds(fault_time(fault), 6)))
            elif kind == "drop_message":
                action.setToolTip(self.tr("Run the scenario first: a dropped message is one "
                                          "of the run's messages"))
            elif kind in ("link_cut", "loss_burst"):
                action.setToolTip(self.tr("Add a link first"))
            elif kind == "partition":
                action.setToolTip(self.tr("A partition needs two hosts or more"))
            else:
                action.setToolTip(self.tr("Add a host first"))

    def add_fault(self, kind: str) -> bool:
        """Add a fault of ``kind`` at the player's time (one undo step) and select it."""
        fault = new_fault(kind, self.document.scenario, self._now(), self._selected_host(),
                          self._selected_link(), self._message_now())
        if fault is None:
            self.message.emit(self.tr("Nothing to aim a {kind} at in this scenario").format(
                kind=kind_label(kind).lower()))
            return False
        count = len(self.document.scenario.faults)
        if self._apply_fault is not None:
            if self._apply_fault(fault) is False:
                return False
        else:
            try:
                self.document.add_fault(fault)
            except ValueError as exc:
                self.message.emit(error_text(exc))
                return False
        if len(self.document.scenario.faults) > count:
            self.tree.clearSelection()
            self.select_fault(len(self.document.scenario.faults) - 1)
        return True

    def remove_selected(self) -> bool:
        """Remove the selected faults, as one undo step."""
        indices = self.selected_indices()
        if not indices:
            return False
        with QSignalBlocker(self.tree):
            self.tree.clearSelection()  # the indices of the faults after them change
        if len(indices) == 1:
            self.document.remove_fault(indices[0])
        else:
            drop = set(indices)
            kept = [f for i, f in enumerate(self.document.scenario.faults) if i not in drop]
            self.document.set_setting("faults", kept)
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """Delete (or Backspace) in the list removes the selected faults."""
        if watched is self.tree and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent) \
                and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) \
                and self.tree.selectedItems():
            self.remove_selected()
            return True
        return super().eventFilter(watched, event)
