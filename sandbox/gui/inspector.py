"""The inspector: the forms of the selected hosts, links or groups, and of behaviour parameters.

The forms come from :mod:`sandbox.gui.forms` (generated from the pydantic
fields of :class:`~sandbox.scenario.model.Host`, ``Link`` and ``Group``);
every committed edit goes to the document's edit API, which may refuse it.
:class:`BehaviourEditor` picks a host's behaviour and shows the form of its
parameters; :class:`Inspector` is the dock content that shows the form of
the selection and follows the document's signals, so that undo and redo
update it.

The form machinery is re-exported here, so ``from sandbox.gui.inspector
import ModelForm`` (and the other names of :mod:`sandbox.gui.forms`) works.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QPoint, Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QFont, QPalette
from PySide6.QtWidgets import QApplication, QFormLayout, QLabel, QMenu, QVBoxLayout, QWidget

from ..engine.network import group_chain, locality_latency
from ..scenario import registry
from ..scenario.hints import Hint, crash_rate, hints
from ..scenario.model import BehaviourSpec, FailureSpec, Group, Host, LatencySpec, Link
from ..scenario.paths import WILDCARD, format_path, link_key
from ..scenario.units import MAX_DURATION
from .batching import ChangeBatcher
from .forms import (
    MIXED,
    MIXED_TEXT,
    NONE_FALLBACKS,
    BandwidthEditor,
    CheckEditor,
    ChoiceEditor,
    ChoiceProvider,
    Commit,
    DurationEditor,
    FieldEditor,
    FieldHint,
    FieldSpec,
    FloatEditor,
    FormScrollArea,
    IntEditor,
    ListEditor,
    ModelForm,
    OptionalEditor,
    PointsEditor,
    ReadOnlyEditor,
    Section,
    TextEditor,
    UnitTextEditor,
    choice_text,
    common_value,
    describe_field,
    error_text,
    field_label,
    form_page,
    format_bandwidth,
    make_editor,
    parse_bandwidth,
)

__all__ = [
    "MIXED",
    "MIXED_TEXT",
    "BandwidthEditor",
    "BehaviourEditor",
    "CheckEditor",
    "ChoiceEditor",
    "ChoiceProvider",
    "Commit",
    "DurationEditor",
    "FieldEditor",
    "FieldSpec",
    "FloatEditor",
    "FormScrollArea",
    "Inspector",
    "IntEditor",
    "ListEditor",
    "ModelForm",
    "OptionalEditor",
    "PointsEditor",
    "ReadOnlyEditor",
    "Section",
    "TextEditor",
    "UnitTextEditor",
    "choice_text",
    "common_value",
    "describe_field",
    "error_text",
    "field_label",
    "form_page",
    "format_bandwidth",
    "make_editor",
    "parse_bandwidth",
]


def _tr(text: str, context: str = "Inspector") -> str:
    return QCoreApplication.translate(context, text)


#: How random failures of a host are given: (value, text) of the "Failures happen by" choice.
FAILURE_MODES = (("probability", QT_TRANSLATE_NOOP("Inspector", "probability per period")),
                 ("mttf", QT_TRANSLATE_NOOP("Inspector", "MTTF and MTTR")))
#: The most hints of one field the inspector lists (the Problems list has them all).
MOST_HINTS = 3


def hint_text_of(hint: Hint) -> str:
    """A hint's text, translated in the ``Hint`` context."""
    return hint.text(lambda t: QCoreApplication.translate("Hint", t))


def failure_mode(failures: FailureSpec) -> str:
    """How the engine draws the host's random crashes: ``"mttf"`` when MTTF is set (it wins
    over a probability), else ``"probability"``."""
    return "mttf" if failures.mttf is not None else "probability"


def failures_by(failures: FailureSpec, mode: str) -> FailureSpec:
    """``failures`` given the other way, with the other field cleared: MTTF (the crash
    probability set to 0) or a probability per period (MTTF unset). The crash rate is kept
    where it can be (MTTF = 1/rate; p = 1 − e^(−period/MTTF), the period shortened to the
    MTTF when p would round to 1); no rate gives an MTTF of 30 days."""
    data = failures.model_dump()
    if mode == "mttf":
        if failures.mttf is not None:
            data["crash_probability"] = 0.0
        else:
            rate = crash_rate(failures)
            data["mttf"] = (min(max(round(1.0 / rate), 1), MAX_DURATION) if rate > 0.0
                            else NONE_FALLBACKS["mttf"])
            data["crash_probability"] = 0.0
    elif mode == "probability":
        mttf = failures.mttf
        data["mttf"] = None
        if mttf is not None:
            p = -math.expm1(-failures.crash_period / mttf)
            if p > 0.999:
                data["crash_period"], p = mttf, -math.expm1(-1.0)
            data["crash_probability"] = p
    else:
        raise ValueError(f"unknown failure mode {mode!r}")
    return FailureSpec.model_validate(data)


# -- behaviour ---------------------------------------------------------------------------------


def _behaviour_choices() -> list[tuple[str, str]]:
    """The protocols of the registry now (built-ins and loaded users' files), by category."""
    return [(info.name, QCoreApplication.translate("Behaviour", info.title))
            for group in registry.categories().values() for info in group]


class BehaviourEditor(QWidget):
    """The behaviour of hosts: a combo of the built-in behaviours and a form of its parameters.

    ``commit("behaviour", BehaviourSpec)`` changes the behaviour (with default
    parameters); ``commit("behaviour.params.<name>", value)`` sets one
    parameter on every selected host.
    """

    failed = Signal(str)
    #: A refused parameter got a good value (the text ``failed`` carried): see ModelForm.
    error_fixed = Signal(str)

    def __init__(self, commit: Commit, host_choices: ChoiceProvider,
                 default_params: Callable[[str], dict], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._commit = commit
        self._host_choices = host_choices
        self._default_params = default_params
        self._name: str | None = None
        self._specs: list[BehaviourSpec] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        row = QFormLayout()
        row.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        row.setHorizontalSpacing(10)
        # The protocols of the registry, by category, each shown by its title.
        infos = [info for group in registry.categories().values() for info in group]
        self.name_spec = FieldSpec(
            name="name", kind="choice", choices=tuple(info.name for info in infos),
            description=BehaviourSpec.model_fields["name"].description or "")
        # a provider: the behaviours a user's file registers appear when it is loaded
        self.name_editor = ChoiceEditor(self.name_spec, provider=_behaviour_choices, parent=self)
        for i, info in enumerate(infos):
            self.name_editor.combo.setItemData(
                i, QCoreApplication.translate("Behaviour", info.summary),
                Qt.ItemDataRole.ToolTipRole)
        self.name_editor.committed.connect(self._on_name)
        self.label = QLabel(_tr("Protocol"), self)
        self.label.setBuddy(self.name_editor)
        row.addRow(self.label, self.name_editor)
        layout.addLayout(row)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(self.summary)
        self.params: ModelForm | None = None
        self._params_hints: dict[str, list[FieldHint]] = {}
        self._params_holder = QVBoxLayout()
        self._params_holder.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._params_holder)

    def set_objects(self, specs: Sequence[BehaviourSpec]) -> None:
        """Show the behaviours of the selected hosts."""
        self._specs = list(specs)
        names = common_value([s.name for s in self._specs])
        self.name_editor.set_value(names)
        if names is MIXED or names is None:
            self.summary.setText(_tr("The selected hosts run different behaviours."))
            self._set_params_form(None)
            return
        if not registry.is_registered(names):
            self.summary.setText(_tr("Unknown behaviour {name!r}.").format(name=names))
            self._set_params_form(None)
            return
        info = registry.behaviour(names)
        self.summary.setText(QCoreApplication.translate("Behaviour", info.summary))
        if names != self._name or self.params is None:
            self._set_params_form(names)
        assert self.params is not None
        cls = info.params
        objects = []
        for s in self._specs:
            try:
                objects.append(cls.model_validate(s.params))
            except ValidationError:
                objects.append(cls.model_construct(**s.params))
        self.params.set_objects(objects)

    def _set_params_form(self, name: str | None) -> None:
        if self.params is not None:
            self._params_holder.removeWidget(self.params)
            self.params.hide()
            self.params.setParent(None)
            self.params.deleteLater()
            self.params = None
        self._name = name
        if name is None:
            return
        self._label_width = getattr(self, "_label_width", 0)
        cls = registry.behaviour(name).params
        choices = {f: self._host_choices for f in cls.host_fields
                   if cls.model_fields[f].annotation is str}
        self.params = ModelForm(cls, self._commit, prefix="behaviour.params.", choices=choices,
                                key=f"behaviour.{name}", parent=self)
        self.params.failed.connect(self.failed)
        self.params.error_fixed.connect(self.error_fixed)
        self.params.set_hints(self._params_hints)
        self._params_holder.addWidget(self.params)
        if self._label_width:
            self.params.align_labels(self._label_width)
        self.params.show()

    def label_extent(self) -> int:
        """The width the "Protocol" label needs (a form lines up its labels with it)."""
        return self.label.sizeHint().width()

    def align_labels(self, width: int) -> None:
        """Give the labels (and those of the parameters) the same width."""
        self._label_width = width
        self.label.setMinimumWidth(width)
        if self.params is not None:
            self.params.align_labels(width)

    def clear_errors(self) -> None:
        """Hide the inline errors."""
        self.name_editor.clear_error()
        if self.params is not None:
            self.params.clear_errors()

    def set_hints(self, hints: dict[str, Sequence[FieldHint]]) -> None:
        """Show hints under the protocol (``"name"``) and its parameters (``"params.<name>"``)."""
        self.name_editor.set_hints([h for path, items in hints.items()
                                    if path in ("", "name") for h in items])
        self._params_hints = {path.partition(".")[2]: list(items)
                              for path, items in hints.items() if path.startswith("params.")}
        if self.params is not None:
            self.params.set_hints(self._params_hints)

    def field_hints(self, path: str) -> str:
        """The hint text under the field at ``path`` (``name``, ``params.peers``), or ""."""
        if path == "name":
            return self.name_editor.hint_message()
        if path.startswith("params.") and self.params is not None:
            return self.params.field_hints(path.partition(".")[2])
        return ""

    def field_editor(self, path: str) -> FieldEditor | None:
        """The editor of the field at ``path`` (``name``, ``params.peers``), or None."""
        if path == "name":
            return self.name_editor
        if path.startswith("params.") and self.params is not None:
            return self.params.field_editor(path.partition(".")[2])
        return None

    def _on_name(self, name: str) -> None:
        try:
            spec = BehaviourSpec(name=name, params=self._default_params(name))
            self._commit("behaviour", spec)
        except (ValueError, TypeError, KeyError) as exc:
            message = error_text(exc)
            self.name_editor.show_error(message)
            self.name_editor.restore()
            self.failed.emit(f"{field_label('behaviour')}: {message}")
        else:
            self.name_editor.clear_error()


# -- the inspector -----------------------------------------------------------------------------


class Inspector(QWidget):
    """The dock content that edits the selection: hosts, else links, else groups.

    Call :meth:`set_selection` when the canvas selection changes. Edits go
    through the document (one undo step each, for all selected objects); the
    form follows the document's signals, so undo and redo show up at once.
    ``message`` carries refused edits for the status bar.
    """

    message = Signal(str)
    #: A refused edit reported by ``message`` was fixed (the field took a good value): the
    #: same text, for the status bar to take back if it still shows it.
    message_withdrawn = Signal(str)
    #: "Sweep this field..." was chosen on a field row: its path in the one path language
    #: (``hosts[h1].failures.mttr``; ``hosts[*]...`` for several selected hosts).
    sweep_requested = Signal(str)

    def __init__(self, document: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: Pops up a context menu (tests replace it): ``exec_menu(menu, global_pos)``.
        self.exec_menu: Callable[[QMenu, QPoint], Any] = lambda menu, pos: menu.exec(pos)
        self._doc: Any = None
        self._hosts: list[str] = []
        self._links: list[int] = []
        self._groups: list[str] = []
        self.kind: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(self)
        font = QFont(self.title.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.title.setContentsMargins(8, 6, 8, 0)
        self.subtitle = QLabel(self)
        self.subtitle.setWordWrap(True)
        self.subtitle.setContentsMargins(8, 0, 8, 4)
        self.subtitle.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        self.scroll = FormScrollArea(self)
        layout.addWidget(self.scroll, 1)
        self.empty = QLabel(_tr(
            "Select a host, a link or a group on the canvas to edit it here.\n\n"
            "Several selected hosts are edited together."))
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty.setContentsMargins(12, 24, 12, 12)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.scroll.setWidget(self.empty)
        self._pages: dict[str, QWidget] = {"": self.empty}
        self.forms: dict[str, ModelForm] = {}
        self._batcher = ChangeBatcher(self._show_selection, self)
        self._build_forms()
        if document is not None:
            self.set_document(document)
        self._show_selection()

    # -- forms ---------------------------------------------------------------------------------

    def _build_forms(self) -> None:
        host_form = ModelForm(
            Host, self._commit_host,
            fields=["id", "label", "kind", "group", "cores", "memory_pages", "x", "y",
                    "behaviour", "clock", "failures"],
            choices={"group": self._group_choices}, single_only=("id",),
            sections={"behaviour": self._make_behaviour_editor}, key="host")
        link_form = ModelForm(
            Link, self._commit_link,
            fields=["a", "b", "directed", "loss", "corruption", "duplication", "reordering",
                    "timing_probability", "timing_slowdown", "bandwidth", "latency"],
            choices={"a": self._host_choices, "b": self._host_choices},
            defaults={"latency": self._locality_latency}, key="link")
        group_form = ModelForm(
            Group, self._commit_group,
            fields=["id", "label", "kind", "parent", "x", "y", "width", "height"],
            choices={"parent": self._group_choices}, single_only=("id",), key="group")
        self._build_failure_mode(host_form.subform("failures"))
        for kind, form in (("host", host_form), ("link", link_form), ("group", group_form)):
            form.align_labels()
            form.failed.connect(self.message)
            form.error_fixed.connect(self.message_withdrawn)
            self._pages[kind] = form_page(form)
            self.forms[kind] = form

    def _build_failure_mode(self, failures: Any) -> None:
        """The "Failures happen by" choice at the top of the failures section: a probability
        per period or MTTF/MTTR; the field of the other way is greyed out."""
        spec = FieldSpec(
            name="failure_mode", kind="choice", choices=tuple(v for v, _t in FAILURE_MODES),
            description=QT_TRANSLATE_NOOP(
                "FieldDescription", "How random crashes are given: a probability of a crash "
                "per period (an annual failure rate), or a mean time to failure. Switching "
                "clears the field of the other way (the crash rate is kept)."))
        self.failure_mode = ChoiceEditor(spec, [(v, _tr(t)) for v, t in FAILURE_MODES],
                                         parent=failures)
        self.failure_mode.committed.connect(self._on_failure_mode)
        self.failure_mode_label = QLabel(_tr("Failures happen by"), failures)
        self.failure_mode_label.setBuddy(self.failure_mode)
        self.failure_mode_label.setToolTip(self.failure_mode.toolTip())
        failures.form.insertRow(0, self.failure_mode_label, self.failure_mode)
        # the choice says whether MTTF is used: its own "use probability" box would be a second
        failures.editors["mttf"].none_box.hide()

    def _show_failure_mode(self, hosts: Sequence[Host]) -> None:
        mode = common_value([failure_mode(h.failures) for h in hosts])
        self.failure_mode.set_value(mode)
        failures = self.forms["host"].subform("failures")
        failures.set_field_enabled("crash_probability", mode != "mttf")
        failures.set_field_enabled("crash_period", mode != "mttf")
        failures.set_field_enabled("mttf", mode != "probability")

    def _on_failure_mode(self, mode: str) -> None:
        """Switch the selected hosts' failures to ``mode``: one undo step."""
        try:
            doc = self._need_doc()
            changed = [(hid, new) for hid in self._hosts
                       for old in (doc.host(hid).failures,)
                       for new in (failures_by(old, mode),) if new != old]
            if len(changed) == 1 or len({new for _h, new in changed}) == 1:
                doc.set_host_fields([hid for hid, _n in changed], "failures", changed[0][1])
            elif changed:
                doc.undo_stack.beginMacro(_tr("Edit failures"))
                try:
                    for hid, new in changed:
                        doc.set_host_fields([hid], "failures", new)
                finally:
                    doc.undo_stack.endMacro()
        except (ValueError, TypeError, KeyError) as exc:
            message = error_text(exc)
            self.failure_mode.show_error(message)
            self.failure_mode.restore()
            self.message.emit(f"{_tr('Failures happen by')}: {message}")
        else:
            self.failure_mode.clear_error()

    def _make_behaviour_editor(self) -> BehaviourEditor:
        self.behaviour = BehaviourEditor(self._commit_host, self._host_choices,
                                         self._default_params)
        return self.behaviour

    def _locality_latency(self, links: Sequence[Link]) -> LatencySpec:
        """The latency a link without its own gets from the locality of its hosts."""
        if self._doc is None or not links:
            return LatencySpec()
        scenario = self._doc.scenario
        chains = group_chain(scenario)
        means = {locality_latency(scenario, chains, lk.a, lk.b) for lk in links}
        return LatencySpec(mean=means.pop()) if len(means) == 1 else LatencySpec()

    def _host_choices(self) -> list[tuple[Any, str]]:
        if self._doc is None:
            return []
        return [(h.id, h.id if not h.label or h.label == h.id else f"{h.id} \u2014 {h.label}")
                for h in self._doc.scenario.hosts]

    def _group_choices(self) -> list[tuple[Any, str]]:
        if self._doc is None:
            return []
        return [(g.id, g.id if not g.label or g.label == g.id else f"{g.id} \u2014 {g.label}")
                for g in self._doc.scenario.groups]

    def _default_params(self, name: str) -> dict:
        """Parameters for a newly chosen behaviour: its required host fields filled in, with
        the hosts of the behaviours the field prefers (a client's server, a group's replicas;
        ``host_prefers`` of the parameter model) when there are any."""
        cls = registry.behaviour(name).params
        params: dict[str, Any] = {}
        if self._doc is None:
            return params
        hosts = self._doc.scenario.hosts
        selected = set(self._hosts)
        prefers_of = getattr(cls, "host_prefers", {})
        for field in cls.host_fields:
            info = cls.model_fields[field]
            if not info.is_required():
                continue
            prefers = prefers_of.get(field, ())
            if info.annotation is not str:  # a list: every preferred host (the group)
                group = [h.id for h in hosts if h.behaviour.name in prefers
                         or (name in prefers and h.id in selected)]
                others = [h.id for h in hosts if h.id not in selected] or [h.id for h in hosts]
                if group or others:
                    params[field] = group or others[:1]
                continue
            candidates = ([h.id for h in hosts if h.id not in selected
                           and h.behaviour.name in prefers]
                          + [h.id for h in hosts if h.id not in selected]
                          + [h.id for h in hosts])
            if candidates:
                params[field] = candidates[0]
        return params

    # -- document ------------------------------------------------------------------------------

    @property
    def document(self) -> Any:
        """The document edited (None before :meth:`set_document`)."""
        return self._doc

    def set_document(self, document: Any) -> None:
        """Edit ``document``: follow its signals; the selection is cleared."""
        if self._doc is not None:
            try:
                self._doc.reset.disconnect(self._on_reset)
            except (RuntimeError, TypeError):
                pass
        self._doc = document
        self._batcher.attach(document, self._signals(document))
        document.reset.connect(self._on_reset)
        self.set_selection()

    @staticmethod
    def _signals(doc: Any) -> list[Any]:
        return [doc.host_added, doc.host_removed, doc.host_changed, doc.link_added,
                doc.link_removed, doc.link_changed, doc.group_added, doc.group_removed,
                doc.group_changed, doc.settings_changed]

    def set_selection(self, hosts: Sequence[str] = (), links: Sequence[int] = (),
                      groups: Sequence[str] = ()) -> None:
        """Show the selected hosts (by id), else links (by index), else groups (by id)."""
        self._hosts = list(hosts)
        self._links = list(links)
        self._groups = list(groups)
        for form in self.forms.values():
            form.clear_errors()
        self._show_selection()

    def selection(self) -> tuple[list[str], list[int], list[str]]:
        """The selection shown: (host ids, link indices, group ids)."""
        return list(self._hosts), list(self._links), list(self._groups)

    def refresh(self) -> None:
        """Show the current values of the selection again."""
        self._show_selection()

    def _on_reset(self) -> None:
        self.set_selection()

    def _valid_selection(self) -> tuple[list[Any], list[Any], list[Any]]:
        if self._doc is None:
            return [], [], []
        scenario = self._doc.scenario
        by_id = {h.id: h for h in scenario.hosts}
        hosts = [by_id[h] for h in self._hosts if h in by_id]
        self._hosts = [h.id for h in hosts]
        links = [scenario.links[i] for i in self._links if 0 <= i < len(scenario.links)]
        self._links = [i for i in self._links if 0 <= i < len(scenario.links)]
        groups_by_id = {g.id: g for g in scenario.groups}
        groups = [groups_by_id[g] for g in self._groups if g in groups_by_id]
        self._groups = [g.id for g in groups]
        return hosts, links, groups

    def _show_selection(self) -> None:
        hosts, links, groups = self._valid_selection()
        others = 0
        if hosts:
            self.kind, objects = "host", hosts
            others = len(links) + len(groups)
            if len(hosts) == 1:
                title = _tr("Host {name}").format(name=hosts[0].title)
            else:
                title = _tr("{n} hosts").format(n=len(hosts))
        elif links:
            self.kind, objects = "link", links
            others = len(groups)
            if len(links) == 1:
                arrow = "\u2192" if links[0].directed else "\u2194"
                title = _tr("Link {a} {arrow} {b}").format(a=links[0].a, arrow=arrow, b=links[0].b)
            else:
                title = _tr("{n} links").format(n=len(links))
        elif groups:
            self.kind, objects = "group", groups
            if len(groups) == 1:
                title = _tr("Group {name}").format(name=groups[0].label or groups[0].id)
            else:
                title = _tr("{n} groups").format(n=len(groups))
        else:
            self.kind, objects = None, []
            title = _tr("Inspector")
        self.title.setText(title)
        if others:
            self.subtitle.setText(
                _tr("1 more selected item is not shown") if others == 1
                else _tr("{n} more selected items are not shown").format(n=others))
        elif self.kind == "host" and len(hosts) > 1:
            self.subtitle.setText(_tr("Edits apply to every selected host."))
        else:
            self.subtitle.setText("")
        self.subtitle.setVisible(bool(self.subtitle.text()))
        if self.kind is not None:
            self.forms[self.kind].set_objects(objects)
            if self.kind == "host":
                self._show_failure_mode(hosts)
            self.forms[self.kind].set_hints(self.selection_hints())
        self._set_page(self._pages[self.kind or ""])

    # -- hints: settings that do nothing -------------------------------------------------------

    def _selection_prefixes(self) -> list[str]:
        """The paths of the objects shown (``hosts[h1].``), in the one path language."""
        if self._doc is None or self.kind is None:
            return []
        if self.kind == "host":
            keys, collection = self._hosts, "hosts"
        elif self.kind == "link":
            links = self._doc.scenario.links
            keys, collection = [link_key(links, i) for i in self._links], "links"
        else:
            keys, collection = self._groups, "groups"
        return [format_path((), collection=collection, key=k) + "." for k in keys]

    def selection_hints(self) -> dict[str, list[FieldHint]]:
        """The hints (:mod:`sandbox.scenario.hints`) of the objects shown, by field path
        relative to them (``failures.crash_probability``): (translated text, severity)."""
        prefixes = self._selection_prefixes()
        if not prefixes:
            return {}
        out: dict[str, list[FieldHint]] = {}
        more: dict[str, int] = {}
        for hint in hints(self._doc.scenario):
            for prefix in prefixes:
                if not hint.path.startswith(prefix):
                    continue
                field = hint.path[len(prefix):]
                item = (hint_text_of(hint), hint.severity)
                items = out.setdefault(field, [])
                if item in items:
                    continue
                if len(items) < MOST_HINTS:
                    items.append(item)
                else:
                    more[field] = more.get(field, 0) + 1
        for field, n in more.items():
            out[field].append((_tr("and {n} more in the Problems list").format(n=n), "hint"))
        return out

    def show_field(self, path: str) -> bool:
        """Bring the field at ``path`` (``hosts[h1].failures.mttf``, the one path language) of
        the objects shown into view: its sections opened, the editor scrolled to and
        focused. False when the inspector does not show that object or field."""
        form = self.current_form()
        for prefix in self._selection_prefixes():
            if form is not None and path.startswith(prefix):
                editor = form.reveal(path[len(prefix):])
                if editor is None:
                    return False
                self._shown_field = editor
                editor.setFocus(Qt.FocusReason.OtherFocusReason)
                self.scroll.ensureWidgetVisible(editor, 20, 40)
                return True
        return False

    def _set_page(self, page: QWidget) -> None:
        if self.scroll.widget() is not page:
            # Take the shown page out (setWidget would delete it); the inspector keeps it.
            self.scroll.takeWidget()
            self.scroll.setWidget(page)

    def current_form(self) -> ModelForm | None:
        """The form shown now, or None when nothing is selected."""
        return self.forms.get(self.kind or "")

    # -- "Sweep this field..." -----------------------------------------------------------------

    def field_path_at(self, widget: QWidget | None) -> str | None:
        """The path of the field whose row holds ``widget`` (its label or editor), in the one
        path language, for the selection shown; None elsewhere. One host or group is named
        by id, several hosts by ``hosts[*]`` (every host: a sweep sets them all)."""
        form = self.current_form()
        if widget is None or form is None or not self.isAncestorOf(widget):
            return None
        for sub in (form, *form.findChildren(ModelForm)):
            for name, editor in sub.editors.items():
                label = sub.form.labelForField(editor)
                if widget is label or widget is editor or editor.isAncestorOf(widget):
                    return self._path_of(sub.prefix + name)
        return None

    def _path_of(self, relative: str) -> str | None:
        if self._doc is None:
            return None
        if self.kind == "host" and self._hosts:
            key = self._hosts[0] if len(self._hosts) == 1 else WILDCARD
            return format_path(relative, collection="hosts", key=key)
        if self.kind == "link" and self._links:
            key = link_key(self._doc.scenario.links, self._links[0]) \
                if len(self._links) == 1 else WILDCARD
            return format_path(relative, collection="links", key=key)
        if self.kind == "group" and len(self._groups) == 1:
            return format_path(relative, collection="groups", key=self._groups[0])
        return None

    def field_menu(self, widget: QWidget | None) -> QMenu | None:
        """The context menu of the field row that holds ``widget`` ("Sweep this field..."),
        or None when ``widget`` is in no field row."""
        path = self.field_path_at(widget)
        if path is None:
            return None
        menu = QMenu(self)
        action = menu.addAction(_tr("Sweep This Field\u2026"))
        action.setToolTip(_tr("Open the Experiment window with {path} to vary").format(path=path))
        action.triggered.connect(lambda _checked=False, p=path: self.sweep_requested.emit(p))
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 - Qt override
        """A right click on a field's label (editors keep their own menus) offers to sweep it."""
        menu = self.field_menu(QApplication.widgetAt(event.globalPos()))
        if menu is None:
            super().contextMenuEvent(event)
            return
        self.exec_menu(menu, event.globalPos())
        menu.deleteLater()

    # -- commits -------------------------------------------------------------------------------

    def _need_doc(self) -> Any:
        if self._doc is None:
            raise ValueError(_tr("no document to edit"))
        return self._doc

    def _commit_host(self, path: str, value: Any) -> None:
        self._need_doc().set_host_fields(list(self._hosts), path, value)
        if path == "id":
            self._hosts = [value]
            self._show_selection()

    def _commit_link(self, path: str, value: Any) -> None:
        self._need_doc().set_link_fields(list(self._links), path, value)

    def _commit_group(self, path: str, value: Any) -> None:
        self._need_doc().set_group_fields(list(self._groups), path, value)
        if path == "id":
            self._groups = [value]
            self._show_selection()
