"""The editor's document: owns the Scenario and its undo stack, and announces every change.

The :class:`Document` is the single source of truth of the editor. Views (the
canvas, the inspector, the settings panel) read ``document.scenario`` and
follow the signals; they change the scenario only through the high-level edit
API below, each call of which pushes exactly one undoable step on
``document.undo_stack``. The commands in :mod:`sandbox.gui.commands` call the
low-level mutators (``_insert_host``, ``_remove_link``, ``_replace_group``,
``_set_setting`` ...), which change the model and emit one signal each.

Pydantic models are never mutated in place: an edit replaces the whole host,
link or group by an updated copy, so that undo can put the old object back.

References between objects are kept consistent by the edits themselves:

* renaming a host (``set_host_fields([id], "id", new)`` or :meth:`rename_host`)
  renames it in links, faults and every behaviour parameter that names hosts;
* removing a host removes its links and the faults that name it; a behaviour
  parameter that lists hosts drops it, and a behaviour whose single required
  host (a client's server) is removed falls back to ``idle``;
* removing a group ungroups its hosts and lifts its child groups to the top.

Every edit is validated before anything changes: an impossible value raises
:class:`EditError` (a ``ValueError``) whose ``problems`` name each path, and
the scenario is left exactly as it was.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from ..scenario.behaviours import BEHAVIOURS
from ..scenario.io import validation_problems
from ..scenario.model import Group, Host, Link, PartitionFault, Scenario, cross_field_problems
from .commands import InsertCommand, RemoveCommand, ReplaceCommand, SetSettingCommand, macro

#: Scenario-level fields edited with :meth:`Document.set_setting`.
SETTINGS = ("title", "description", "model", "locality", "memory", "workload", "faults", "run")

#: Prefix of new host ids by kind.
HOST_ID_PREFIX = {"machine": "h", "vm": "vm", "container": "ct"}
#: Prefix of new group ids by kind.
GROUP_ID_PREFIX = {"rack": "rack", "datacenter": "dc", "region": "region"}


def _tr(text: str, n: int = -1) -> str:
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


def _set_in(data: Any, parts: Sequence[str], value: Any, path: str) -> Any:
    """Return ``data`` (plain dicts and lists) with the value at ``parts`` replaced."""
    if not parts:
        return value
    head, rest = parts[0], parts[1:]
    if isinstance(data, list):
        try:
            i = int(head)
            data = list(data)
            data[i] = _set_in(data[i], rest, value, path)
        except (ValueError, IndexError):
            raise EditError([(path, _tr("no item %1").replace("%1", repr(head)))]) from None
        return data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise EditError([(path, _tr("%1 is not a field").replace("%1", repr(head)))])
    data = dict(data)
    data[head] = _set_in(data.get(head), rest, value, path)
    return data


def _updated(model: BaseModel, path: str, value: Any, where: str = "") -> BaseModel:
    """A validated copy of ``model`` with the field at dotted ``path`` set to ``value``."""
    parts = path.split(".") if path else []
    data = _set_in(model.model_dump(), parts, _plain(value), path)
    try:
        return type(model).model_validate(data)
    except ValidationError as exc:
        prefix = f"{where}." if where else ""
        raise EditError([(prefix + p, m) for p, m in validation_problems(exc)]) from None


def _as(cls: type[BaseModel], obj: Any) -> Any:
    if isinstance(obj, cls):
        return obj
    try:
        return cls.model_validate(_plain(obj))
    except ValidationError as exc:
        raise EditError(validation_problems(exc)) from None


class Document(QObject):
    """Owns a Scenario and a QUndoStack; every change of the scenario is announced by a signal.

    Signals carry the index in the scenario's list and the new (or removed)
    object. ``settings_changed`` carries the name of a scenario-level field
    (one of :data:`SETTINGS`); ``reset`` says the whole scenario was replaced.
    """

    host_added = Signal(int, object)
    host_removed = Signal(int, object)
    host_changed = Signal(int, object)
    link_added = Signal(int, object)
    link_removed = Signal(int, object)
    link_changed = Signal(int, object)
    group_added = Signal(int, object)
    group_removed = Signal(int, object)
    group_changed = Signal(int, object)
    settings_changed = Signal(str)
    reset = Signal()
    dirty_changed = Signal(bool)
    path_changed = Signal(object)

    def __init__(self, scenario: Scenario | None = None, path: str | Path | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._scenario = scenario if scenario is not None else Scenario()
        self._path = Path(path) if path is not None else None
        self._host_index: dict[str, int] | None = None
        self._group_index: dict[str, int] | None = None
        #: The undo stack; the main window makes its Undo and Redo actions from it.
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)

    # -- state -------------------------------------------------------------------------------

    @property
    def scenario(self) -> Scenario:
        """The scenario (read it freely; change it only through the edit API)."""
        return self._scenario

    @property
    def path(self) -> Path | None:
        """The file the scenario was opened from or saved to, or None."""
        return self._path

    @property
    def is_dirty(self) -> bool:
        """Whether there are changes since the last save (or open)."""
        return not self.undo_stack.isClean()

    def set_scenario(self, scenario: Scenario, path: str | Path | None = None) -> None:
        """Replace the whole scenario (New, Open): clears the undo stack and emits ``reset``."""
        self._scenario = scenario
        self._invalidate()
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self._set_path(Path(path) if path is not None else None)
        self.reset.emit()

    def mark_saved(self, path: str | Path | None = None) -> None:
        """Record that the scenario was saved (to ``path`` if given): it is clean again."""
        self.undo_stack.setClean()
        if path is not None:
            self._set_path(Path(path))

    def _set_path(self, path: Path | None) -> None:
        if path != self._path:
            self._path = path
            self.path_changed.emit(path)

    def _on_clean_changed(self, clean: bool) -> None:
        self.dirty_changed.emit(not clean)

    # -- look-ups ----------------------------------------------------------------------------

    def _invalidate(self) -> None:
        self._host_index = None
        self._group_index = None

    def host_index(self, host_id: str) -> int:
        """The index of the host with this id (KeyError if there is none)."""
        if self._host_index is None:
            self._host_index = {h.id: i for i, h in enumerate(self._scenario.hosts)}
        return self._host_index[host_id]

    def group_index(self, group_id: str) -> int:
        """The index of the group with this id (KeyError if there is none)."""
        if self._group_index is None:
            self._group_index = {g.id: i for i, g in enumerate(self._scenario.groups)}
        return self._group_index[group_id]

    def host(self, host_id: str) -> Host:
        """The host with this id (KeyError if there is none)."""
        return self._scenario.hosts[self.host_index(host_id)]

    def group(self, group_id: str) -> Group:
        """The group with this id (KeyError if there is none)."""
        return self._scenario.groups[self.group_index(group_id)]

    def links_of(self, host_id: str) -> list[int]:
        """Indices of the links that touch a host, in order."""
        return [i for i, lk in enumerate(self._scenario.links) if host_id in (lk.a, lk.b)]

    def group_descendants(self, group_id: str) -> list[str]:
        """The ids of the groups nested (at any depth) in a group, not including it."""
        children: dict[str, list[str]] = {}
        for g in self._scenario.groups:
            if g.parent is not None:
                children.setdefault(g.parent, []).append(g.id)
        out: list[str] = []
        todo = list(children.get(group_id, []))
        while todo:
            gid = todo.pop(0)
            if gid in out or gid == group_id:
                continue
            out.append(gid)
            todo.extend(children.get(gid, []))
        return out

    def new_host_id(self, kind: str = "machine", taken: Iterable[str] = ()) -> str:
        """A fresh host id for a kind (``h1``, ``h2`` ...; ``vm1``; ``ct1``), unused so far."""
        used = {h.id for h in self._scenario.hosts} | set(taken)
        prefix = HOST_ID_PREFIX.get(kind, "h")
        n = 1
        while f"{prefix}{n}" in used:
            n += 1
        return f"{prefix}{n}"

    def new_group_id(self, kind: str = "rack", taken: Iterable[str] = ()) -> str:
        """A fresh group id for a kind (``rack1``, ``dc1``, ``region1`` ...)."""
        used = {g.id for g in self._scenario.groups} | set(taken)
        prefix = GROUP_ID_PREFIX.get(kind, "group")
        n = 1
        while f"{prefix}{n}" in used:
            n += 1
        return f"{prefix}{n}"

    # -- low-level mutators: only commands call these ------------------------------------------

    def _insert_host(self, index: int, host: Host) -> None:
        self._scenario.hosts.insert(index, host)
        self._host_index = None
        self.host_added.emit(index, host)

    def _remove_host(self, index: int) -> Host:
        host = self._scenario.hosts.pop(index)
        self._host_index = None
        self.host_removed.emit(index, host)
        return host

    def _replace_host(self, index: int, host: Host) -> None:
        old = self._scenario.hosts[index]
        self._scenario.hosts[index] = host
        if old.id != host.id:
            self._host_index = None
        self.host_changed.emit(index, host)

    def _insert_link(self, index: int, link: Link) -> None:
        self._scenario.links.insert(index, link)
        self.link_added.emit(index, link)

    def _remove_link(self, index: int) -> Link:
        link = self._scenario.links.pop(index)
        self.link_removed.emit(index, link)
        return link

    def _replace_link(self, index: int, link: Link) -> None:
        self._scenario.links[index] = link
        self.link_changed.emit(index, link)

    def _insert_group(self, index: int, group: Group) -> None:
        self._scenario.groups.insert(index, group)
        self._group_index = None
        self.group_added.emit(index, group)

    def _remove_group(self, index: int) -> Group:
        group = self._scenario.groups.pop(index)
        self._group_index = None
        self.group_removed.emit(index, group)
        return group

    def _replace_group(self, index: int, group: Group) -> None:
        old = self._scenario.groups[index]
        self._scenario.groups[index] = group
        if old.id != group.id:
            self._group_index = None
        self.group_changed.emit(index, group)

    def _set_setting(self, name: str, value: Any) -> None:
        if name not in SETTINGS:
            raise KeyError(name)
        setattr(self._scenario, name, list(value) if name == "faults" else value)
        self.settings_changed.emit(name)

    # -- validation --------------------------------------------------------------------------

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
        self.undo_stack.push(cmd)

    # -- references ----------------------------------------------------------------------------

    def _remap_hosts(self, mapping: Mapping[str, str | None], skip: set[str] = frozenset()
                     ) -> tuple[list[tuple[int, Host, Host]], list[tuple[int, Link, Link]], list]:
        """What renaming (``new`` id) or removing (``None``) hosts does to the references.

        Returns the host changes (behaviour parameters), the link changes (ends;
        links to removed hosts are not included, they are removed by the caller)
        and the new fault list. Hosts in ``skip`` are left alone.
        """
        host_changes = []
        for i, h in enumerate(self._scenario.hosts):
            if h.id in skip:
                continue
            new = self._remap_behaviour(h, mapping)
            if new is not h:
                host_changes.append((i, h, new))
        link_changes = []
        for i, lk in enumerate(self._scenario.links):
            a, b = mapping.get(lk.a, lk.a), mapping.get(lk.b, lk.b)
            if a is None or b is None:
                continue
            if (a, b) != (lk.a, lk.b):
                link_changes.append((i, lk, lk.model_copy(update={"a": a, "b": b})))
        faults = [f for f in (self._remap_fault(f, mapping) for f in self._scenario.faults)
                  if f is not None]
        return host_changes, link_changes, faults

    @staticmethod
    def _remap_behaviour(host: Host, mapping: Mapping[str, str | None]) -> Host:
        spec = host.behaviour
        params_model = BEHAVIOURS.get(spec.name)
        if params_model is None or not params_model.host_fields:
            return host
        params = dict(spec.params)
        changed = False
        for field in params_model.host_fields:
            if field not in params:
                continue
            value = params[field]
            if isinstance(value, list):
                new = [mapping.get(v, v) for v in value]
                new = [v for v in new if v is not None]
                if new != value:
                    params[field] = new
                    changed = True
            elif value in mapping:
                if mapping[value] is None:
                    return host.model_copy(update={"behaviour": type(spec)()})
                params[field] = mapping[value]
                changed = True
        if not changed:
            return host
        # A list that must not be empty (a workload client's servers) falls back to idle.
        try:
            params_model.model_validate(params)
        except ValidationError:
            return host.model_copy(update={"behaviour": type(spec)()})
        return host.model_copy(update={"behaviour": spec.model_copy(update={"params": params})})

    @staticmethod
    def _remap_fault(fault: Any, mapping: Mapping[str, str | None]) -> Any:
        update: dict[str, Any] = {}
        for name in ("host", "a", "b"):
            value = getattr(fault, name, None)
            if value is not None and value in mapping:
                if mapping[value] is None:
                    return None
                update[name] = mapping[value]
        if isinstance(fault, PartitionFault):
            sides = [[mapping.get(h, h) for h in side] for side in fault.sides]
            sides = [[h for h in side if h is not None] for side in sides]
            sides = [side for side in sides if side]
            if len(sides) < 2:
                return None
            if sides != fault.sides:
                update["sides"] = sides
        return fault.model_copy(update=update) if update else fault

    # -- high-level edit API -----------------------------------------------------------------

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
            InsertCommand(self, "host", start + k, h, text, cmd)
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
        self._push(InsertCommand(self, "link", len(self._scenario.links), link, _tr("Add link")))
        return link

    def add_group(self, group: Group | Mapping, members: Iterable[str] = ()) -> Group:
        """Add a group box at the end, putting the hosts ``members`` in it (one undo step)."""
        group = _as(Group, group)
        self._check(groups=self._scenario.groups + [group])
        text = _tr("Add group")
        cmd = macro(text)
        InsertCommand(self, "group", len(self._scenario.groups), group, text, cmd)
        changes = []
        for hid in members:
            i = self.host_index(hid)
            h = self._scenario.hosts[i]
            if h.group != group.id:
                changes.append((i, h, h.model_copy(update={"group": group.id})))
        if changes:
            ReplaceCommand(self, "host", changes, text, cmd)
        self._push(cmd)
        return group

    def remove(self, host_ids: Iterable[str] = (), link_indices: Iterable[int] = (),
               group_ids: Iterable[str] = ()) -> None:
        """Remove hosts (with their links), links and groups in one undo step.

        Undo puts every object back at its original index, in order. See the
        module documentation for what happens to references.
        """
        s = self._scenario
        hosts = {hid for hid in host_ids if hid in {h.id for h in s.hosts}}
        groups = {gid for gid in group_ids if gid in {g.id for g in s.groups}}
        links = {i for i in link_indices if 0 <= i < len(s.links)}
        links |= {i for i, lk in enumerate(s.links) if lk.a in hosts or lk.b in hosts}
        if not (hosts or groups or links):
            return
        n = len(hosts) + len(groups) + len(links)
        if hosts and not groups and len(hosts) == n - len(links):
            text = _tr("Delete host") if len(hosts) == 1 else _tr("Delete %n hosts", len(hosts))
        elif links and n == len(links):
            text = _tr("Delete link") if n == 1 else _tr("Delete %n links", n)
        elif groups and n == len(groups):
            text = _tr("Delete group") if n == 1 else _tr("Delete %n groups", n)
        else:
            text = _tr("Delete %n items", n)
        cmd = macro(text)
        host_changes, _links, faults = self._remap_hosts(dict.fromkeys(hosts), skip=hosts)
        by_index = {i: (i, old, new) for i, old, new in host_changes}
        for i, h in enumerate(s.hosts):
            if h.id not in hosts and h.group in groups:
                old, new = by_index.get(i, (i, h, h))[1:]
                by_index[i] = (i, old, new.model_copy(update={"group": None}))
        if by_index:
            ReplaceCommand(self, "host", [by_index[i] for i in sorted(by_index)], text, cmd)
        group_changes = [(i, g, g.model_copy(update={"parent": None}))
                         for i, g in enumerate(s.groups)
                         if g.id not in groups and g.parent in groups]
        if group_changes:
            ReplaceCommand(self, "group", group_changes, text, cmd)
        if faults != s.faults:
            SetSettingCommand(self, "faults", list(s.faults), faults, text, cmd)
        for i in sorted(links, reverse=True):
            RemoveCommand(self, "link", i, text, cmd)
        for i in sorted((self.host_index(h) for h in hosts), reverse=True):
            RemoveCommand(self, "host", i, text, cmd)
        for i in sorted((self.group_index(g) for g in groups), reverse=True):
            RemoveCommand(self, "group", i, text, cmd)
        self._push(cmd)

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
        group_positions = group_positions or {}
        host_groups = host_groups or {}
        host_changes = []
        for hid in dict.fromkeys([*host_positions, *host_groups]):
            i = self.host_index(hid)
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
            i = self.group_index(gid)
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
            ReplaceCommand(self, "group", group_changes, text, cmd)
        if host_changes:
            ReplaceCommand(self, "host", host_changes, text, cmd)
        self._push(cmd)

    def move_group(self, group_id: str, x: float, y: float, with_members: bool = True) -> None:
        """Move a group box to (x, y); with its hosts and nested groups by default (one step)."""
        g = self.group(group_id)
        dx, dy = x - g.x, y - g.y
        groups = {group_id: (x, y)}
        hosts: dict[str, tuple[float, float]] = {}
        if with_members:
            inner = [group_id, *self.group_descendants(group_id)]
            for gid in inner[1:]:
                gg = self.group(gid)
                groups[gid] = (gg.x + dx, gg.y + dy)
            members = set(inner)
            for h in self._scenario.hosts:
                if h.group in members:
                    hosts[h.id] = (h.x + dx, h.y + dy)
        self.move_items(hosts, groups)

    def resize_group(self, group_id: str, width: float, height: float) -> None:
        """Give a group box a new size (one undo step)."""
        i = self.group_index(group_id)
        old = self._scenario.groups[i]
        new = _updated(_updated(old, "width", float(width)), "height", float(height))
        if new != old:
            self._push(ReplaceCommand(self, "group", [(i, old, new)], _tr("Resize group")))

    def set_host_fields(self, host_ids: Iterable[str], path: str, value: Any) -> None:
        """Set the field at dotted ``path`` (``"clock.drift_ppm"``) on hosts, in one undo step.

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
        hosts = self._scenario.hosts[:]
        changes = []
        for hid in host_ids:
            i = self.host_index(hid)
            old = hosts[i]
            new = _updated(old, path, value)
            if new != old:
                hosts[i] = new
                changes.append((i, old, new))
        if not changes:
            return
        self._check(hosts=hosts)
        n = len(changes)
        text = (_tr("Edit host") if n == 1 else _tr("Edit %n hosts", n))
        self._push(ReplaceCommand(self, "host", changes, text))

    def set_link_fields(self, indices: Iterable[int], path: str, value: Any) -> None:
        """Set the field at dotted ``path`` (``"latency.mean"``, ``"loss"``) on links, one step.

        Setting a sub-field of an unset latency starts from the default latency.
        """
        links = self._scenario.links[:]
        changes = []
        for i in dict.fromkeys(indices):
            old = links[i]
            new = _updated(old, path, value)
            if new != old:
                links[i] = new
                changes.append((i, old, new))
        if not changes:
            return
        self._check(links=links)
        n = len(changes)
        text = _tr("Edit link") if n == 1 else _tr("Edit %n links", n)
        self._push(ReplaceCommand(self, "link", changes, text))

    def set_group_fields(self, group_ids: Iterable[str], path: str, value: Any) -> None:
        """Set the field at dotted ``path`` on groups in one undo step (``"id"`` renames one)."""
        group_ids = list(dict.fromkeys(group_ids))
        if path == "id":
            if len(group_ids) != 1:
                raise EditError([("id", _tr("only one group at a time can be renamed"))])
            self.rename_group(group_ids[0], value)
            return
        groups = self._scenario.groups[:]
        changes = []
        for gid in group_ids:
            i = self.group_index(gid)
            old = groups[i]
            new = _updated(old, path, value)
            if new != old:
                groups[i] = new
                changes.append((i, old, new))
        if not changes:
            return
        self._check(groups=groups)
        n = len(changes)
        text = _tr("Edit group") if n == 1 else _tr("Edit %n groups", n)
        self._push(ReplaceCommand(self, "group", changes, text))

    def set_setting(self, path: str, value: Any) -> None:
        """Set a scenario-level field by dotted path (``"memory.page_size"``, ``"run.seed"``,
        ``"title"``, ``"faults"``) in one undo step, validated like a file."""
        name, _, rest = path.partition(".")
        if name not in SETTINGS:
            raise EditError([(path, _tr("not a scenario setting (one of %1)")
                               .replace("%1", ", ".join(SETTINGS)))])
        old = getattr(self._scenario, name)
        data = _set_in(_plain(copy.copy(old)), rest.split(".") if rest else [], _plain(value),
                       path)
        try:
            new = _setting_adapter(name).validate_python(data)
        except ValidationError as exc:
            raise EditError([(".".join(p for p in (name, q) if p), m)
                             for q, m in validation_problems(exc)]) from None
        if new == old:
            return
        if name == "faults":
            self._check(faults=new)
        text = _tr("Edit settings") if name != "faults" else _tr("Edit faults")
        self._push(SetSettingCommand(self, name, old, new, text))

    def add_fault(self, fault: Any) -> None:
        """Append a fault to the scenario's fault schedule (one undo step)."""
        faults = list(self._scenario.faults)
        new = _setting_adapter("faults").validate_python([*map(_plain, faults), _plain(fault)])
        self._check(faults=new)
        self._push(SetSettingCommand(self, "faults", faults, new, _tr("Add fault")))

    def remove_fault(self, index: int) -> None:
        """Remove the fault at an index (one undo step)."""
        faults = list(self._scenario.faults)
        new = faults[:index] + faults[index + 1:]
        self._push(SetSettingCommand(self, "faults", faults, new, _tr("Delete fault")))

    def rename_host(self, old_id: str, new_id: str) -> None:
        """Rename a host and every reference to it (links, faults, behaviours), one undo step."""
        if new_id == old_id:
            return
        i = self.host_index(old_id)
        host = self._scenario.hosts[i]
        renamed = _updated(host, "id", new_id)
        if new_id in {h.id for h in self._scenario.hosts}:
            raise EditError([("id", _tr("there is already a host %1").replace("%1", repr(new_id)))])
        host_changes, link_changes, faults = self._remap_hosts({old_id: new_id})
        changes = {j: (j, old, new) for j, old, new in host_changes}
        base = changes.get(i, (i, host, host))[2]
        changes[i] = (i, host, base.model_copy(update={"id": renamed.id}))
        text = _tr("Rename host")
        cmd = macro(text)
        ReplaceCommand(self, "host", [changes[j] for j in sorted(changes)], text, cmd)
        if link_changes:
            ReplaceCommand(self, "link", link_changes, text, cmd)
        if faults != self._scenario.faults:
            SetSettingCommand(self, "faults", list(self._scenario.faults), faults, text, cmd)
        self._push(cmd)

    def rename_group(self, old_id: str, new_id: str) -> None:
        """Rename a group and the references to it (hosts' group, groups' parent), one step."""
        if new_id == old_id:
            return
        i = self.group_index(old_id)
        group = self._scenario.groups[i]
        renamed = _updated(group, "id", new_id)
        if new_id in {g.id for g in self._scenario.groups}:
            raise EditError([("id", _tr("there is already a group %1")
                                     .replace("%1", repr(new_id)))])
        text = _tr("Rename group")
        cmd = macro(text)
        group_changes = [(i, group, renamed)]
        for j, g in enumerate(self._scenario.groups):
            if g.parent == old_id:
                new = g.model_copy(update={"parent": new_id})
                if j == i:
                    group_changes[0] = (i, group, new.model_copy(update={"id": new_id}))
                else:
                    group_changes.append((j, g, new))
        ReplaceCommand(self, "group", group_changes, text, cmd)
        host_changes = [(j, h, h.model_copy(update={"group": new_id}))
                        for j, h in enumerate(self._scenario.hosts) if h.group == old_id]
        if host_changes:
            ReplaceCommand(self, "host", host_changes, text, cmd)
        self._push(cmd)

    def paste(self, hosts: Sequence[Host | Mapping] = (), links: Sequence[Link | Mapping] = (),
              groups: Sequence[Group | Mapping] = (), offset: tuple[float, float] = (40.0, 40.0),
              text: str | None = None) -> tuple[list[str], list[str]]:
        """Add copies of objects with fresh unique ids, shifted by ``offset``, in one undo step.

        References are mapped to the copies: links join the copied hosts (links
        to hosts not copied are dropped), hosts go into the copied group or
        keep an existing one, behaviour parameters name the copies. Returns
        the new host ids and the new group ids, in order.
        """
        hosts = [_as(Host, h) for h in hosts]
        links = [_as(Link, lk) for lk in links]
        groups = [_as(Group, g) for g in groups]
        dx, dy = offset
        gmap: dict[str, str] = {}
        taken_g: set[str] = set()
        for g in groups:
            gmap[g.id] = self.new_group_id(g.kind, taken_g)
            taken_g.add(gmap[g.id])
        existing_groups = {g.id for g in self._scenario.groups}
        new_groups = []
        for g in groups:
            parent = gmap.get(g.parent, g.parent if g.parent in existing_groups else None)
            new_groups.append(g.model_copy(update={
                "id": gmap[g.id], "parent": parent, "x": g.x + dx, "y": g.y + dy}))
        hmap: dict[str, str] = {}
        taken_h: set[str] = set()
        for h in hosts:
            hmap[h.id] = self.new_host_id(h.kind, taken_h)
            taken_h.add(hmap[h.id])
        existing_hosts = {h.id for h in self._scenario.hosts}
        mapping: dict[str, str | None] = dict(hmap)
        new_hosts = []
        for h in hosts:
            group = gmap.get(h.group, h.group if h.group in existing_groups else None)
            copy_ = h.model_copy(update={"id": hmap[h.id], "group": group,
                                         "x": h.x + dx, "y": h.y + dy})
            # References to hosts neither copied nor present are dropped.
            refs = dict(mapping)
            for field_host in self._behaviour_hosts(h):
                if field_host not in hmap and field_host not in existing_hosts:
                    refs[field_host] = None
            new_hosts.append(self._remap_behaviour(copy_, refs))
        new_links = [lk.model_copy(update={"a": hmap[lk.a], "b": hmap[lk.b]})
                     for lk in links if lk.a in hmap and lk.b in hmap]
        if not (new_hosts or new_groups):
            return [], []
        self._check(hosts=self._scenario.hosts + new_hosts,
                    links=self._scenario.links + new_links,
                    groups=self._scenario.groups + new_groups)
        text = text or _tr("Paste")
        cmd = macro(text)
        for k, g in enumerate(new_groups):
            InsertCommand(self, "group", len(self._scenario.groups) + k, g, text, cmd)
        for k, h in enumerate(new_hosts):
            InsertCommand(self, "host", len(self._scenario.hosts) + k, h, text, cmd)
        for k, lk in enumerate(new_links):
            InsertCommand(self, "link", len(self._scenario.links) + k, lk, text, cmd)
        self._push(cmd)
        return [h.id for h in new_hosts], [g.id for g in new_groups]

    @staticmethod
    def _behaviour_hosts(host: Host) -> list[str]:
        params_model = BEHAVIOURS.get(host.behaviour.name)
        out: list[str] = []
        for field in getattr(params_model, "host_fields", ()):
            value = host.behaviour.params.get(field)
            if isinstance(value, list):
                out.extend(v for v in value if isinstance(v, str))
            elif isinstance(value, str):
                out.append(value)
        return out

    def duplicate(self, host_ids: Iterable[str], offset: tuple[float, float] = (40.0, 40.0)
                  ) -> list[str]:
        """Copy hosts and the links among them next to the originals (one step); new ids."""
        ids = [hid for hid in dict.fromkeys(host_ids)]
        chosen = set(ids)
        hosts = [self.host(hid) for hid in ids]
        links = [lk for lk in self._scenario.links if lk.a in chosen and lk.b in chosen]
        new_ids, _ = self.paste(hosts, links, (), offset, _tr("Duplicate"))
        return new_ids
