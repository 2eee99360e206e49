"""The Problems dock: what is wrong with the scenario, and which settings do nothing in it.

It lists the scenario's validation problems (references to hosts or groups that do not
exist, duplicate links...) and its hints (:mod:`sandbox.scenario.hints`: DSM with no host
touching memory, hosts sending where no link leads, crashes too rare to show...), each
with the field it is about in the one path language. The list follows the document as it
is edited. Clicking a row emits ``activated`` with the path; :func:`show_problem` selects
the object in the window and brings its field into view in the Inspector (or, for a
scenario setting, in the Scenario dock). Scenario-level hints are also shown under their
fields in the forms given to :meth:`ProblemsPanel.attach_form`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from ..scenario.hints import hints
from ..scenario.model import Scenario, cross_field_problems
from ..scenario.paths import COLLECTIONS, PathError, format_path, link_key, resolve
from .batching import ChangeBatcher
from .forms import FieldHint, ModelForm
from .inspector import hint_text_of

__all__ = ["Problem", "ProblemsPanel", "id_path", "scenario_problems", "show_problem"]


def _tr(text: str) -> str:
    return QCoreApplication.translate("Problems", text)


#: The order of severities in the list, worst first.
SEVERITIES = ("error", "warning", "hint")


@dataclass(frozen=True)
class Problem:
    """One row of the list: the field (a path, objects by id), its text, its severity
    (``error``, ``warning`` or ``hint``) and a code (``"problem"`` for a validation
    problem, else the hint's code)."""

    path: str
    text: str
    severity: str
    code: str = "problem"


def id_path(scenario: Scenario, path: str) -> str:
    """A validation problem's path with objects named by id (``hosts[2].group`` ->
    ``hosts[h3].group``, ``links[0]`` -> ``links[h1-h2]``), as the path language names them."""
    head, bracket, rest = path.partition("[")
    if not bracket or head not in COLLECTIONS:
        return path
    index, close, tail = rest.partition("]")
    if not close or not index.isdigit():
        return path
    i = int(index)
    items = getattr(scenario, head)
    if not 0 <= i < len(items):
        return path
    key = link_key(items, i) if head == "links" else items[i].id
    return format_path(tail.lstrip(".").split(".") if tail else (), collection=head, key=key)


def scenario_problems(scenario: Scenario) -> list[Problem]:
    """Every validation problem and hint of ``scenario``, worst first, texts translated."""
    out = [Problem(id_path(scenario, path), message, "error")
           for path, message in cross_field_problems(scenario)]
    out += [Problem(h.path, hint_text_of(h), h.severity, h.code) for h in hints(scenario)]
    return sorted(out, key=lambda p: SEVERITIES.index(p.severity))


class ProblemsPanel(QWidget):
    """The Problems dock's content: a list of the current scenario's problems and hints.

    ``activated`` carries the path of a row the user clicked (or pressed Enter on).
    """

    activated = Signal(str)

    def __init__(self, document: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doc: Any = None
        self.problems: list[Problem] = []
        self._forms: list[ModelForm] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        #: One row a problem: its text, wrapped, and the field's path under it.
        self.list = QListWidget(self)
        self.list.setObjectName("ProblemsList")
        self.list.setWordWrap(True)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setUniformItemSizes(False)
        self.list.setAlternatingRowColors(True)
        self.list.setSpacing(2)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.itemClicked.connect(self._on_item)
        self.list.itemActivated.connect(self._on_item)
        layout.addWidget(self.list, 1)
        self.empty = QLabel(_tr("No problems: every setting has an effect in this scenario."),
                            self)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty.setContentsMargins(12, 24, 12, 12)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(self.empty, 1)
        self._batcher = ChangeBatcher(self.refresh, self)
        if document is not None:
            self.set_document(document)
        else:
            self._show([])

    def set_document(self, document: Any) -> None:
        """List the problems of ``document``'s scenario and follow its edits."""
        if self._doc is not None:
            try:
                self._doc.reset.disconnect(self.refresh)
            except (RuntimeError, TypeError):
                pass
        self._doc = document
        self._batcher.attach(document, [
            document.host_added, document.host_removed, document.host_changed,
            document.link_added, document.link_removed, document.link_changed,
            document.group_added, document.group_removed, document.group_changed,
            document.settings_changed])
        document.reset.connect(self.refresh)
        self.refresh()

    def attach_form(self, form: ModelForm) -> None:
        """Show the scenario-level hints (``model.communication``, ``workload.profile``) under
        their fields in ``form``, a form of the Scenario's settings."""
        self._forms.append(form)
        self._push_hints()

    def refresh(self) -> None:
        """List the current problems again."""
        if self._doc is None:
            return
        self._show(scenario_problems(self._doc.scenario))

    def _show(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        self.list.clear()
        style = self.style()
        icons = {"error": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
                 "warning": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
                 "hint": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)}
        for problem in self.problems:
            item = QListWidgetItem(icons[problem.severity], f"{problem.text}\n{problem.path}")
            item.setToolTip(_tr("{path}: click to show it").format(path=problem.path))
            item.setData(Qt.ItemDataRole.UserRole, problem.path)
            self.list.addItem(item)
        self.list.setVisible(bool(self.problems))
        self.empty.setVisible(not self.problems)
        self._update_title()
        self._push_hints()

    def _update_title(self) -> None:
        """The dock's title counts the rows: "Problems (4)"."""
        dock = self.parentWidget()
        if isinstance(dock, QDockWidget):
            dock.setWindowTitle(_tr("Problems ({n})").format(n=len(self.problems))
                                if self.problems else _tr("Problems"))

    def event(self, event: QEvent) -> bool:
        """Put into a dock, the panel gives it its title."""
        if event.type() == QEvent.Type.ParentChange:
            self._update_title()
        return super().event(event)

    def _push_hints(self) -> None:
        setting: dict[str, list[FieldHint]] = {}
        for p in self.problems:
            if p.severity != "error" and p.path.partition("[")[0] not in COLLECTIONS:
                setting.setdefault(p.path, []).append((p.text, p.severity))
        for form in self._forms:
            form.set_hints(setting)

    def counts(self) -> dict[str, int]:
        """How many rows of each severity the list holds."""
        return {s: sum(p.severity == s for p in self.problems) for s in SEVERITIES}

    def path_at(self, row: int) -> str:
        """The path of the problem in row ``row``."""
        return self.list.item(row).data(Qt.ItemDataRole.UserRole)

    def _on_item(self, item: QListWidgetItem) -> None:
        self.activated.emit(item.data(Qt.ItemDataRole.UserRole))


def show_problem(window: Any, path: str) -> bool:
    """Show the field at ``path`` in ``window`` (a MainWindow): a host's, link's or group's
    field selects that object on the canvas and brings the field into view in the raised
    Inspector; a scenario setting is brought into view in the raised Scenario dock. False
    when the path names nothing of the scenario (any more)."""
    scenario = window.document.scenario
    collection = path.partition("[")[0]
    if collection in COLLECTIONS:
        try:
            found = resolve(scenario.model_dump(), path.split(".")[0])
        except PathError:
            return False
        if not found:
            return False
        where = found[0]
        window.scene.select(
            host_ids=[where.key] if collection == "hosts" else [],
            link_indices=[where.index] if collection == "links" else [],
            group_ids=[where.key] if collection == "groups" else [])
        window.inspector_dock.show()
        window.inspector_dock.raise_()
        return bool(window.inspector.show_field(path))
    window.settings_dock.show()
    window.settings_dock.raise_()
    settings = window.settings_panel
    editor = settings.form.reveal(path)
    if editor is None:
        return False
    editor.setFocus(Qt.FocusReason.OtherFocusReason)
    settings.scroll.ensureWidgetVisible(editor, 20, 40)
    return True
