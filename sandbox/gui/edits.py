"""The editor's undoable edit API: each call validates, then pushes one step on the undo stack.

:class:`Edits` works on a :class:`~sandbox.gui.document.Document` (which owns
the scenario, its signals and its undo stack; ``document.edits`` is the
instance, and the document offers every method here under the same name).
An edit computes the new objects first, with the Qt-free
:mod:`sandbox.scenario.references` (renames and removals keep references
consistent) and :mod:`sandbox.scenario.paths` (a field named by its path,
``"clock.drift_ppm"``), checks the result, and only then pushes small
commands (:mod:`sandbox.gui.commands`) that change the model.

Every edit is validated before anything changes: an impossible value raises
:class:`EditError` (a ``ValueError``) whose ``problems`` name each path, and
the scenario is left exactly as it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QUndoCommand

from ..scenario import references
from ..scenario.io import validation_problems
from ..scenario.model import Group, Host, Link, Scenario, cross_field_problems
from ..scenario.paths import PathError, parse_path, set_value
from .commands import InsertCommand, RemoveCommand, ReplaceCommand, SetSettingCommand, macro

if TYPE_CHECKING:
    from .document import Document

#: Scenario-level fields edited with :meth:`Edits.set_setting`.
SETTINGS = ("title", "description", "model", "locality", "memory", "workload", "faults", "run",
            "behaviour_files")


def _tr(text: str, n: int = -1) -> str:
    # The context stays "Document": the edits were the document's and keep its translations.
    return QCoreApplication.translate("Document", text, None, n)


class EditError(ValueError):
    """An edit was refused; ``problems`` is a list of (path, message) and nothing changed."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(f"{p}: {m}" if p else m for p, m in self.problems))


@cache
def _setting_adapter(name: str) -> TypeAdapter:
    return TypeAdapter(Scenario.model_fields[name].annotation)


def _plain(value: Any) -> Any:
    """A model (or a list of models) as plain Python data, anything else unchanged."""
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _set_field(data: dict[str, Any], path: str, root: type[BaseModel], value: Any) -> None:
    """Set the field at ``path`` (relative to ``root``) in plain ``data``, in the path language."""
    try:
        set_value(data, parse_path(path, root), _plain(value))
    except PathError as exc:
        raise EditError([(path, exc.reason)]) from None


def _updated(model: BaseModel, path: str, value: Any) -> BaseModel:
    """A validated copy of ``model`` with the field at dotted ``path`` set to ``value``."""
    data = model.model_dump()
    _set_field(data, path, type(model), value)
    try:
        return type(model).model_validate(data)
    except ValidationError as exc:
        raise EditError(validation_problems(exc)) from None


def _as(cls: type[BaseModel], obj: Any) -> Any:
    if isinstance(obj, cls):
        return obj
    try:
        return cls.model_validate(_plain(obj))
    except ValidationError as exc:
        raise EditError(validation_problems(exc)) from None


def _changes(before: Sequence[Any], after: Sequence[Any]) -> list[tuple[int, Any, Any]]:
    """(index, old, new) for each object that is not the same object after an edit."""
    return [(i, old, new) for i, (old, new) in enumerate(zip(before, after, strict=True))
            if new is not old]


_NUMBERED = re.compile(r"^(?P<base>.*?)(?P<sep>[ _\-#]?)(?P<n>\d+)$", re.DOTALL)


def _label_number(label: str) -> tuple[str, str, int]:
    """A label as (base, separator, number): ``"Replica 4"`` is ("Replica", " ", 4); a label
    without a number at its end has number 1 and a space to put before the next one."""
    m = _NUMBERED.match(label)
    if m is None or not m.group("base").strip():  # "42" alone is a name, not a numbered one
        return label, " ", 1
    return m.group("base"), m.group("sep"), int(m.group("n"))


_L = TypeVar("_L", Host, Group)


def fresh_labels(taken: Iterable[str], copies: Sequence[_L]) -> list[_L]:
    """``copies`` with labels that are not in ``taken`` nor given to an earlier copy.

    A copy whose label is free keeps it (a cut pasted back is unchanged); one
    whose label is taken gets the next number of that label, one above the
    highest in use: five copies of "Replica 4" beside Replica 1 to 4 become
    "Replica 5" to "Replica 9", a copy of "Server" becomes "Server 2". Empty
    labels stay empty (the id is shown).
    """
    used = set(taken)
    highest: dict[str, int] = {}

    def note(label: str) -> None:
        base, _sep, n = _label_number(label)
        highest[base] = max(highest.get(base, 0), n)

    for label in used:
        note(label)
    out = []
    for obj in copies:
        label = obj.label
        if label and label in used:
            base, sep, _n = _label_number(label)
            n = highest.get(base, 1) + 1
            while f"{base}{sep}{n}" in used:
                n += 1
            label = f"{base}{sep}{n}"
            obj = obj.model_copy(update={"label": label})
        if label:
            used.add(label)
            note(label)
        out.append(obj)
    return out


class Edits:
    """The high-level, undoable edit API of a document; every call is one undo step."""

    def __init__(self, doc: Document) -> None:
        self._doc = doc

    @property
    def _scenario(self) -> Scenario:
        return self._doc.scenario

    # -- validation ----------------------------------------------------------------------------

    def _check(self, **lists: Any) -> None:
        """Refuse an edit whose result (the scenario with ``lists`` replaced) has new problems."""
        after = cross_field_problems(self._scenario.model_copy(update=lists))
        if not after:
            return
        before = set(cross_field_problems(self._scenario))
        new = [p for p in after if p not in before]
        if new:
            raise EditError(new)

    def _push(self, cmd: QUndoCommand) -> None:
        self._doc.undo_stack.push(cmd)

    # -- adding --------------------------------------------------------------------------------

    def add_host(self, host: Host | Mapping) -> Host:
        """Add a host at the end (one undo step); returns the validated host."""
        return self.add_hosts([host])[0]

    def add_hosts(self, hosts: Sequence[Host | Mapping]) -> list[Host]:
        """Add hosts at the end in one undo step; refuses duplicate ids and unknown groups."""
        hosts = [_as(Host, h) for h in hosts]
        if not hosts:
            return []
        self._check(hosts=self._scenario.hosts + hosts)
        n = len(hosts)
        text = _tr("Add host") if n == 1 else _tr("Add %n hosts", n)
        cmd = macro(text)
        start = len(self._scenario.hosts)
        for k, h in enumerate(hosts):
            InsertCommand(self._doc, "host", start + k, h, text, cmd)
        self._push(cmd)
        return hosts

    def add_link(self, link: Link | Mapping) -> Link:
        """Add a link at the end (one undo step); refuses unknown hosts and a second link
        between the same two hosts (in the same direction, for directed links)."""
        link = _as(Link, link)
        for i, other in enumerate(self._scenario.links):
            same = (other.a, other.b) == (link.a, link.b)
            reverse = (other.a, other.b) == (link.b, link.a)
            if same or (reverse and not (link.directed and other.directed)):
                raise EditError([(f"links[{i}]", _tr("%1 and %2 are already linked")
                                  .replace("%1", link.a).replace("%2", link.b))])
        self._check(links=self._scenario.links + [link])
        self._push(InsertCommand(self._doc, "link", len(self._scenario.links), link,
                                 _tr("Add link")))
        return link

    def add_group(self, group: Group | Mapping, members: Iterable[str] = ()) -> Group:
        """Add a group box at the end, putting the hosts ``members`` in it (one undo step)."""
        group = _as(Group, group)
        self._check(groups=self._scenario.groups + [group])
        text = _tr("Add group")
        cmd = macro(text)
        InsertCommand(self._doc, "group", len(self._scenario.groups), group, text, cmd)
        changes = []
        for hid in members:
            i = self._doc.host_index(hid)
            h = self._scenario.hosts[i]
            if h.group != group.id:
                changes.append((i, h, h.model_copy(update={"group": group.id})))
        if changes:
            ReplaceCommand(self._doc, "host", changes, text, cmd)
        self._push(cmd)
        return group

    # -- removing ------------------------------------------------------------------------------

    def remove(self, host_ids: Iterable[str] = (), link_indices: Iterable[int] = (),
               group_ids: Iterable[str] = ()) -> None:
        """Remove hosts (with their links), links and groups in one undo step.

        Undo puts every object back at its original index, in order. What
        happens to references is said in :mod:`sandbox.scenario.references`.
        """
        s = self._scenario
        host_ids, group_ids = list(host_ids), list(group_ids)
        gone = references.removal(s, host_ids, link_indices, group_ids)
        if not gone:
            return
        hosts, links, groups = len(gone.hosts), len(gone.links), len(gone.groups)
        n = hosts + links + groups
        if hosts and not groups:
            text = _tr("Delete host") if hosts == 1 else _tr("Delete %n hosts", hosts)
        elif links and n == links:
            text = _tr("Delete link") if n == 1 else _tr("Delete %n links", n)
        elif groups and n == groups:
            text = _tr("Delete group") if n == 1 else _tr("Delete %n groups", n)
        else:
            text = _tr("Delete %n items", n)
        cmd = macro(text)
        detached = references.detach(s, host_ids, group_ids, gone.links)
        host_changes = _changes(s.hosts, detached.hosts)
        if host_changes:
            ReplaceCommand(self._doc, "host", host_changes, text, cmd)
        group_changes = _changes(s.groups, detached.groups)
        if group_changes:
            ReplaceCommand(self._doc, "group", group_changes, text, cmd)
        if detached.faults != s.faults:
            SetSettingCommand(self._doc, "faults", list(s.faults), detached.faults, text, cmd)
        for kind, indices in (("link", gone.links), ("host", gone.hosts),
                              ("group", gone.groups)):
            for i in reversed(indices):
                RemoveCommand(self._doc, kind, i, text, cmd)
        self._push(cmd)

    def remove_fault(self, index: int) -> None:
        """Remove the fault at an index (one undo step)."""
        faults = list(self._scenario.faults)
        new = faults[:index] + faults[index + 1:]
        self._push(SetSettingCommand(self._doc, "faults", faults, new, _tr("Delete fault")))

    # -- moving --------------------------------------------------------------------------------

    def move_hosts(self, positions: Mapping[str, tuple[float, float]],
                   groups: Mapping[str, str | None] | None = None) -> None:
        """Move hosts to new positions (and optionally into groups) in one undo step."""
        self.move_items(positions, {}, groups)

    def move_items(self, host_positions: Mapping[str, tuple[float, float]],
                   group_positions: Mapping[str, tuple[float, float]] | None = None,
                   host_groups: Mapping[str, str | None] | None = None) -> None:
        """Move hosts and group boxes, and set hosts' groups, all in one undo step.

        ``host_groups`` maps a host id to the group it was dropped into (or
        None for outside every group); hosts not named keep their group.
        """
        doc = self._doc
        group_positions = group_positions or {}
        host_groups = host_groups or {}
        host_changes = []
        for hid in dict.fromkeys([*host_positions, *host_groups]):
            i = doc.host_index(hid)
            h = self._scenario.hosts[i]
            update: dict[str, Any] = {}
            if hid in host_positions:
                x, y = host_positions[hid]
                if (float(x), float(y)) != (h.x, h.y):
                    update.update(x=float(x), y=float(y))
            if hid in host_groups and host_groups[hid] != h.group:
                update["group"] = host_groups[hid]
            if update:
                host_changes.append((i, h, h.model_copy(update=update)))
        group_changes = []
        for gid, (x, y) in group_positions.items():
            i = doc.group_index(gid)
            g = self._scenario.groups[i]
            if (float(x), float(y)) != (g.x, g.y):
                group_changes.append((i, g, g.model_copy(update={"x": float(x), "y": float(y)})))
        if not host_changes and not group_changes:
            return
        if any(old.group != new.group for _i, old, new in host_changes):
            hosts = self._scenario.hosts[:]
            for i, _old, new in host_changes:
                hosts[i] = new
            self._check(hosts=hosts)
        n_hosts, n_groups = len(host_changes), len(group_changes)
        if n_groups == 0:
            text = _tr("Move host") if n_hosts == 1 else _tr("Move %n hosts", n_hosts)
        elif n_hosts == 0:
            text = _tr("Move group") if n_groups == 1 else _tr("Move %n groups", n_groups)
        else:
            text = _tr("Move %n items", n_hosts + n_groups)
        cmd = macro(text)
        if group_changes:
            ReplaceCommand(doc, "group", group_changes, text, cmd)
        if host_changes:
            ReplaceCommand(doc, "host", host_changes, text, cmd)
        self._push(cmd)

    def move_group(self, group_id: str, x: float, y: float, with_members: bool = True) -> None:
        """Move a group box to (x, y); with its hosts and nested groups by default (one step)."""
        doc = self._doc
        g = doc.group(group_id)
        dx, dy = x - g.x, y - g.y
        groups = {group_id: (x, y)}
        hosts: dict[str, tuple[float, float]] = {}
        if with_members:
            inner = [group_id, *doc.group_descendants(group_id)]
            for gid in inner[1:]:
                gg = doc.group(gid)
                groups[gid] = (gg.x + dx, gg.y + dy)
            members = set(inner)
            for h in self._scenario.hosts:
                if h.group in members:
                    hosts[h.id] = (h.x + dx, h.y + dy)
        self.move_items(hosts, groups)

    def resize_group(self, group_id: str, width: float, height: float) -> None:
        """Give a group box a new size (one undo step)."""
        i = self._doc.group_index(group_id)
        old = self._scenario.groups[i]
        new = _updated(_updated(old, "width", float(width)), "height", float(height))
        if new != old:
            self._push(ReplaceCommand(self._doc, "group", [(i, old, new)], _tr("Resize group")))

    # -- field edits ---------------------------------------------------------------------------

    def _field_changes(self, objects: Sequence[BaseModel], indices: Iterable[int], path: str,
                       value: Any) -> tuple[list[Any], list[tuple[int, Any, Any]]]:
        """The list with the field at ``path`` set on the objects at ``indices``, and changes."""
        objects = list(objects)
        changes = []
        for i in indices:
            old = objects[i]
            new = _updated(old, path, value)
            if new != old:
                objects[i] = new
                changes.append((i, old, new))
        return objects, changes

    def set_host_fields(self, host_ids: Iterable[str], path: str, value: Any) -> None:
        """Set the field at ``path`` (``"clock.drift_ppm"``, in the path language relative to a
        host) on hosts, in one undo step.

        The value is validated through the model (and across the scenario:
        groups and behaviour parameters must name existing objects); on an
        impossible value :class:`EditError` is raised and nothing changes.
        Setting ``"id"`` renames one host (see :meth:`rename_host`).
        """
        host_ids = list(dict.fromkeys(host_ids))
        if path == "id":
            if len(host_ids) != 1:
                raise EditError([("id", _tr("only one host at a time can be renamed"))])
            self.rename_host(host_ids[0], value)
            return
        indices = [self._doc.host_index(hid) for hid in host_ids]
        hosts, changes = self._field_changes(self._scenario.hosts, indices, path, value)
        if not changes:
            return
        self._check(hosts=hosts)
        n = len(changes)
        text = (_tr("Edit host") if n == 1 else _tr("Edit %n hosts", n))
        self._push(ReplaceCommand(self._doc, "host", changes, text))

    def set_link_fields(self, indices: Iterable[int], path: str, value: Any) -> None:
        """Set the field at ``path`` (``"latency.mean"``, ``"loss"``) on links, one step.

        Setting a sub-field of an unset latency starts from the default latency.
        """
        links, changes = self._field_changes(self._scenario.links, dict.fromkeys(indices),
                                             path, value)
        if not changes:
            return
        self._check(links=links)
        n = len(changes)
        text = _tr("Edit link") if n == 1 else _tr("Edit %n links", n)
        self._push(ReplaceCommand(self._doc, "link", changes, text))

    def set_group_fields(self, group_ids: Iterable[str], path: str, value: Any) -> None:
        """Set the field at ``path`` on groups in one undo step (``"id"`` renames one)."""
        group_ids = list(dict.fromkeys(group_ids))
        if path == "id":
            if len(group_ids) != 1:
                raise EditError([("id", _tr("only one group at a time can be renamed"))])
            self.rename_group(group_ids[0], value)
            return
        indices = [self._doc.group_index(gid) for gid in group_ids]
        groups, changes = self._field_changes(self._scenario.groups, indices, path, value)
        if not changes:
            return
        self._check(groups=groups)
        n = len(changes)
        text = _tr("Edit group") if n == 1 else _tr("Edit %n groups", n)
        self._push(ReplaceCommand(self._doc, "group", changes, text))

    def set_setting(self, path: str, value: Any) -> None:
        """Set a scenario-level field by path (``"memory.page_size"``, ``"run.seed"``,
        ``"title"``, ``"faults"``) in one undo step, validated like a file."""
        name = path.partition(".")[0].partition("[")[0]
        if name not in SETTINGS:
            raise EditError([(path, _tr("not a scenario setting (one of %1)")
                              .replace("%1", ", ".join(SETTINGS)))])
        old = getattr(self._scenario, name)
        data = {name: _plain(old)}
        _set_field(data, path, Scenario, value)
        try:
            new = _setting_adapter(name).validate_python(data[name])
        except ValidationError as exc:
            raise EditError([(".".join(p for p in (name, q) if p), m)
                             for q, m in validation_problems(exc)]) from None
        if new == old:
            return
        if name == "faults":
            self._check(faults=new)
        text = _tr("Edit settings") if name != "faults" else _tr("Edit faults")
        self._push(SetSettingCommand(self._doc, name, old, new, text))

    def set_behaviour_files(self, files: Sequence[Any], text: str = "") -> None:
        """Replace the scenario's behaviour files (path, sha256, the names each defines) in one
        undo step (``text`` names it in the Edit menu), validated like a file."""
        old = list(self._scenario.behaviour_files)
        try:
            new = _setting_adapter("behaviour_files").validate_python([_plain(f) for f in files])
        except ValidationError as exc:
            raise EditError([(".".join(p for p in ("behaviour_files", q) if p), m)
                             for q, m in validation_problems(exc)]) from None
        if new == old:
            return
        self._check(behaviour_files=new)
        self._push(SetSettingCommand(self._doc, "behaviour_files", old, new,
                                     text or _tr("Edit behaviour files")))

    def add_fault(self, fault: Any) -> None:
        """Append a fault to the scenario's fault schedule (one undo step)."""
        faults = list(self._scenario.faults)
        new = _setting_adapter("faults").validate_python([*map(_plain, faults), _plain(fault)])
        self._check(faults=new)
        self._push(SetSettingCommand(self._doc, "faults", faults, new, _tr("Add fault")))

    # -- renaming ------------------------------------------------------------------------------

    def rename_host(self, old_id: str, new_id: str) -> None:
        """Rename a host and every reference to it (links, faults, behaviours), one undo step."""
        if new_id == old_id:
            return
        s = self._scenario
        _updated(self._doc.host(old_id), "id", new_id)  # a valid id?
        if new_id in {h.id for h in s.hosts}:
            raise EditError([("id", _tr("there is already a host %1").replace("%1", repr(new_id)))])
        after = references.rename_host(s, old_id, new_id)
        text = _tr("Rename host")
        cmd = macro(text)
        ReplaceCommand(self._doc, "host", _changes(s.hosts, after.hosts), text, cmd)
        link_changes = _changes(s.links, after.links)
        if link_changes:
            ReplaceCommand(self._doc, "link", link_changes, text, cmd)
        if after.faults != s.faults:
            SetSettingCommand(self._doc, "faults", list(s.faults), after.faults, text, cmd)
        self._push(cmd)

    def rename_group(self, old_id: str, new_id: str) -> None:
        """Rename a group and the references to it (hosts' group, groups' parent), one step."""
        if new_id == old_id:
            return
        s = self._scenario
        i = self._doc.group_index(old_id)
        _updated(s.groups[i], "id", new_id)  # a valid id?
        if new_id in {g.id for g in s.groups}:
            raise EditError([("id", _tr("there is already a group %1")
                                     .replace("%1", repr(new_id)))])
        after = references.rename_group(s, old_id, new_id)
        text = _tr("Rename group")
        cmd = macro(text)
        # The renamed group first, then the groups nested in it.
        group_changes = sorted(_changes(s.groups, after.groups), key=lambda c: c[0] != i)
        ReplaceCommand(self._doc, "group", group_changes, text, cmd)
        host_changes = _changes(s.hosts, after.hosts)
        if host_changes:
            ReplaceCommand(self._doc, "host", host_changes, text, cmd)
        self._push(cmd)

    # -- copies --------------------------------------------------------------------------------

    def paste(self, hosts: Sequence[Host | Mapping] = (), links: Sequence[Link | Mapping] = (),
              groups: Sequence[Group | Mapping] = (), offset: tuple[float, float] = (40.0, 40.0),
              text: str | None = None) -> tuple[list[str], list[str]]:
        """Add copies of objects with fresh unique ids, shifted by ``offset``, in one undo step.

        References are mapped to the copies (see :func:`sandbox.scenario.references.copies`).
        A copy whose label is taken gets the next number of that label
        (:func:`fresh_labels`). Returns the new host ids and the new group ids, in order.
        """
        made = references.copies(self._scenario, [_as(Host, h) for h in hosts],
                                 [_as(Link, lk) for lk in links],
                                 [_as(Group, g) for g in groups], offset)
        if not (made.hosts or made.groups):
            return [], []
        s = self._scenario
        made.hosts[:] = fresh_labels([h.label for h in s.hosts], made.hosts)
        made.groups[:] = fresh_labels([g.label for g in s.groups], made.groups)
        self._check(hosts=s.hosts + made.hosts, links=s.links + made.links,
                    groups=s.groups + made.groups)
        text = text or _tr("Paste")
        cmd = macro(text)
        for kind, objects, start in (("group", made.groups, len(s.groups)),
                                     ("host", made.hosts, len(s.hosts)),
                                     ("link", made.links, len(s.links))):
            for k, obj in enumerate(objects):
                InsertCommand(self._doc, kind, start + k, obj, text, cmd)
        self._push(cmd)
        return [h.id for h in made.hosts], [g.id for g in made.groups]

    def duplicate(self, host_ids: Iterable[str], offset: tuple[float, float] = (40.0, 40.0)
                  ) -> list[str]:
        """Copy hosts and the links among them next to the originals (one step); new ids."""
        ids = list(dict.fromkeys(host_ids))
        chosen = set(ids)
        hosts = [self._doc.host(hid) for hid in ids]
        links = [lk for lk in self._scenario.links if lk.a in chosen and lk.b in chosen]
        new_ids, _ = self.paste(hosts, links, (), offset, _tr("Duplicate"))
        return new_ids


#: The names of the edit API: the document offers each of them as its own method.
EDIT_METHODS = ("add_host", "add_hosts", "add_link", "add_group", "remove", "remove_fault",
                "move_hosts", "move_items", "move_group", "resize_group", "set_host_fields",
                "set_link_fields", "set_group_fields", "set_setting", "add_fault",
                "rename_host", "rename_group", "paste", "duplicate")
