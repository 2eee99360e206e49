"""Keeping references consistent: what renaming, removing and copying hosts and groups does.

Objects of a scenario name each other by id: a link names its two hosts, a
host its group, a group its parent, a fault the hosts it hits, and some
behaviour parameters name hosts (a client's ``server``, a detector's
``peers``; see :func:`host_fields_of`). The pure functions here take a
:class:`Scenario` and return a new one (never changing the one given, and
keeping every object that did not change as the same object):

* renaming a host renames it in links, faults and every behaviour parameter
  that names hosts (:func:`rename_host`);
* removing a host removes its links and the faults that name it; a partition
  loses it from its sides (and goes when fewer than two sides are left); a
  behaviour parameter that lists hosts drops it, and a behaviour whose single
  required host (a client's server) is removed falls back to ``idle``
  (:func:`remove_hosts`);
* renaming a group renames it in its hosts and child groups; removing one
  ungroups its hosts and lifts its child groups to the top (:func:`remove_groups`);
* copies (paste, duplicate) get fresh ids, and their references are mapped to
  the other copies (:func:`copies`).

No Qt here: the editor's undoable edits are built on these functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pydantic import BaseModel, ValidationError

from . import behaviours as _builtin  # noqa: F401 - registers the built-in behaviours
from . import registry
from .model import Group, Host, Link, LinkCutFault, LossBurstFault, PartitionFault, Scenario

#: Prefix of new host ids by kind.
HOST_ID_PREFIX = {"machine": "h", "vm": "vm", "container": "ct"}
#: Prefix of new group ids by kind.
GROUP_ID_PREFIX = {"rack": "rack", "datacenter": "dc", "region": "region"}

#: A rename (``old -> new``) or removal (``old -> None``) of host ids.
HostMapping = Mapping[str, str | None]


# -- the behaviour table: the only two look-ups of it ------------------------------------------


def params_model_of(behaviour: str) -> type[BaseModel] | None:
    """The parameter model of a behaviour, or None for a behaviour that is not known."""
    return registry.behaviour(behaviour).params if registry.is_registered(behaviour) else None


def host_fields_of(behaviour: str) -> tuple[str, ...]:
    """The names of a behaviour's parameters that hold host ids (empty if none or unknown)."""
    return tuple(getattr(params_model_of(behaviour), "host_fields", ()))


# -- what names a host --------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """One place that names a host: ``kind`` (host, link, fault), index in its list, field."""

    kind: str
    index: int
    field: str


def behaviour_hosts(host: Host) -> list[str]:
    """The host ids a host's behaviour parameters name, in field order."""
    out: list[str] = []
    for name in host_fields_of(host.behaviour.name):
        value = host.behaviour.params.get(name)
        if isinstance(value, list):
            out.extend(v for v in value if isinstance(v, str))
        elif isinstance(value, str):
            out.append(value)
    return out


def references_to(scenario: Scenario, host_id: str) -> list[Reference]:
    """Every place that names a host (not its own id): behaviours, link ends, faults."""
    out: list[Reference] = []
    for i, h in enumerate(scenario.hosts):
        for name in host_fields_of(h.behaviour.name):
            value = h.behaviour.params.get(name)
            if value == host_id or (isinstance(value, list) and host_id in value):
                out.append(Reference("host", i, f"behaviour.params.{name}"))
    for i, lk in enumerate(scenario.links):
        out.extend(Reference("link", i, end) for end in ("a", "b") if getattr(lk, end) == host_id)
    for i, f in enumerate(scenario.faults):
        for name in ("host", "a", "b"):
            if getattr(f, name, None) == host_id:
                out.append(Reference("fault", i, name))
        if isinstance(f, PartitionFault) and any(host_id in side for side in f.sides):
            out.append(Reference("fault", i, "sides"))
    return out


# -- mapping host references --------------------------------------------------------------------


def remap_behaviour(host: Host, mapping: HostMapping) -> Host:
    """The host with its behaviour's host parameters renamed or dropped (itself if unchanged).

    A dropped single host, or a list left empty where one is required, makes
    the behaviour ``idle``.
    """
    spec = host.behaviour
    fields = host_fields_of(spec.name)
    if not fields:
        return host
    params = dict(spec.params)
    changed = False
    for name in fields:
        if name not in params:
            continue
        value = params[name]
        if isinstance(value, list):
            new = [mapping.get(v, v) for v in value]
            new = [v for v in new if v is not None]
            if new != value:
                params[name] = new
                changed = True
        elif value in mapping:
            if mapping[value] is None:
                return host.model_copy(update={"behaviour": type(spec)()})
            params[name] = mapping[value]
            changed = True
    if not changed:
        return host
    params_model = params_model_of(spec.name)
    try:
        if params_model is not None:
            params_model.model_validate(params)
    except ValidationError:
        return host.model_copy(update={"behaviour": type(spec)()})
    return host.model_copy(update={"behaviour": spec.model_copy(update={"params": params})})


def remap_fault(fault: Any, mapping: HostMapping) -> Any:
    """The fault with its hosts renamed, or None when it named a removed host.

    A partition instead loses removed hosts from its sides, and is None only
    when fewer than two sides are left.
    """
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


def remap_hosts(scenario: Scenario, mapping: HostMapping, skip: Iterable[str] = ()) -> Scenario:
    """The scenario with references to hosts renamed (``new``) or removed (``None``).

    Behaviour parameters of hosts not in ``skip``, link ends and faults
    follow the mapping; the hosts' own ids and the links that touch a removed
    host are left as they are (:func:`remove_hosts` removes them).
    """
    skip = set(skip)
    hosts = [h if h.id in skip else remap_behaviour(h, mapping) for h in scenario.hosts]
    links = []
    for lk in scenario.links:
        a, b = mapping.get(lk.a, lk.a), mapping.get(lk.b, lk.b)
        if a is None or b is None or (a, b) == (lk.a, lk.b):
            links.append(lk)
        else:
            links.append(lk.model_copy(update={"a": a, "b": b}))
    faults = [f for f in (remap_fault(f, mapping) for f in scenario.faults) if f is not None]
    return scenario.model_copy(update={"hosts": hosts, "links": links, "faults": faults})


def rename_host(scenario: Scenario, old: str, new: str) -> Scenario:
    """The scenario with host ``old`` renamed ``new`` everywhere it is named.

    Raises KeyError for an unknown host and ValueError when ``new`` is taken.
    """
    index = scenario.host_ids().index(old) if old in scenario.host_ids() else None
    if index is None:
        raise KeyError(old)
    if new == old:
        return scenario
    if new in scenario.host_ids():
        raise ValueError(f"there is already a host {new!r}")
    out = remap_hosts(scenario, {old: new})
    out.hosts[index] = out.hosts[index].model_copy(update={"id": new})
    return out


def rename_group(scenario: Scenario, old: str, new: str) -> Scenario:
    """The scenario with group ``old`` renamed ``new`` (its hosts' group, its children's parent).

    Raises KeyError for an unknown group and ValueError when ``new`` is taken.
    """
    ids = [g.id for g in scenario.groups]
    if old not in ids:
        raise KeyError(old)
    if new == old:
        return scenario
    if new in ids:
        raise ValueError(f"there is already a group {new!r}")
    groups = []
    for g in scenario.groups:
        update = {k: new for k, v in (("id", g.id), ("parent", g.parent)) if v == old}
        groups.append(g.model_copy(update=update) if update else g)
    hosts = [h.model_copy(update={"group": new}) if h.group == old else h
             for h in scenario.hosts]
    return scenario.model_copy(update={"groups": groups, "hosts": hosts})


# -- removals -----------------------------------------------------------------------------------


@dataclass
class Removed:
    """What a removal takes: indices (in the scenario before) and the faults that went."""

    hosts: list[int] = field(default_factory=list)
    links: list[int] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    faults: list[Any] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.hosts or self.links or self.groups)


def removal(scenario: Scenario, host_ids: Iterable[str] = (), link_indices: Iterable[int] = (),
            group_ids: Iterable[str] = ()) -> Removed:
    """What removing these objects takes, without the faults: known ones only, with host links.

    The links of a removed host are removed with it; unknown ids and indices
    out of range are ignored. Indices are sorted.
    """
    hosts = set(host_ids)
    groups = set(group_ids)
    links = {i for i in link_indices if 0 <= i < len(scenario.links)}
    links |= {i for i, lk in enumerate(scenario.links) if lk.a in hosts or lk.b in hosts}
    return Removed(hosts=[i for i, h in enumerate(scenario.hosts) if h.id in hosts],
                   links=sorted(links),
                   groups=[i for i, g in enumerate(scenario.groups) if g.id in groups])


def unlinked_faults(scenario: Scenario, link_indices: Iterable[int]) -> list[Any]:
    """The link cuts and loss bursts that lose the last link between their hosts when the
    links at these indices go."""
    dropped = set(link_indices)
    linked = {frozenset((lk.a, lk.b)) for i, lk in enumerate(scenario.links) if i not in dropped}
    return [f for f in scenario.faults if isinstance(f, LinkCutFault | LossBurstFault)
            and frozenset((f.a, f.b)) not in linked]


def detach(scenario: Scenario, host_ids: Iterable[str] = (),
           group_ids: Iterable[str] = (), link_indices: Iterable[int] = ()) -> Scenario:
    """The scenario with every reference to these hosts, groups and links cleared, the
    objects kept.

    Behaviours of the other hosts and faults forget the hosts (see
    :func:`remap_fault`); hosts of a removed group are ungrouped and its child
    groups lifted to the top; a link cut or loss burst goes with the last link
    between its hosts. This is :func:`remove` before the removal itself.
    """
    hosts = set(host_ids) & set(scenario.host_ids())
    groups = set(group_ids) & {g.id for g in scenario.groups}
    unlinked = {id(f) for f in unlinked_faults(scenario, link_indices)}
    out = scenario.model_copy(update={"faults": [f for f in scenario.faults
                                                 if id(f) not in unlinked]})
    out = remap_hosts(out, dict.fromkeys(hosts), skip=hosts)
    return out.model_copy(update={
        "hosts": [h.model_copy(update={"group": None})
                  if h.id not in hosts and h.group in groups else h for h in out.hosts],
        "groups": [g.model_copy(update={"parent": None})
                   if g.id not in groups and g.parent in groups else g for g in out.groups],
    })


def remove(scenario: Scenario, host_ids: Iterable[str] = (), link_indices: Iterable[int] = (),
           group_ids: Iterable[str] = ()) -> tuple[Scenario, Removed]:
    """The scenario without these hosts (and their links), links and groups, and what went."""
    host_ids, group_ids = list(host_ids), list(group_ids)
    gone = removal(scenario, host_ids, link_indices, group_ids)
    out = detach(scenario, host_ids, group_ids, gone.links)
    mapping = dict.fromkeys(h for h in host_ids if h in scenario.host_ids())
    unlinked = {id(f) for f in unlinked_faults(scenario, gone.links)}
    gone.faults = [f for f in scenario.faults
                   if id(f) in unlinked or remap_fault(f, mapping) is None]
    drop = {"hosts": set(gone.hosts), "links": set(gone.links), "groups": set(gone.groups)}
    update = {name: [obj for i, obj in enumerate(getattr(out, name)) if i not in drop[name]]
              for name in drop}
    return out.model_copy(update=update), gone


def remove_hosts(scenario: Scenario, host_ids: Iterable[str]) -> tuple[Scenario, Removed]:
    """The scenario without these hosts, their links and the faults that name them."""
    return remove(scenario, host_ids=host_ids)


def remove_groups(scenario: Scenario, group_ids: Iterable[str]) -> tuple[Scenario, Removed]:
    """The scenario without these groups: their hosts ungrouped, child groups at the top."""
    return remove(scenario, group_ids=group_ids)


# -- fresh ids and copies -----------------------------------------------------------------------


def _fresh(prefix: str, used: set[str]) -> str:
    n = 1
    while f"{prefix}{n}" in used:
        n += 1
    return f"{prefix}{n}"


def fresh_host_id(scenario: Scenario, kind: str = "machine", taken: Iterable[str] = ()) -> str:
    """A host id for a kind (``h1``, ``h2`` ...; ``vm1``; ``ct1``) not used by the scenario."""
    return _fresh(HOST_ID_PREFIX.get(kind, "h"), set(scenario.host_ids()) | set(taken))


def fresh_group_id(scenario: Scenario, kind: str = "rack", taken: Iterable[str] = ()) -> str:
    """A group id for a kind (``rack1``, ``dc1``, ``region1`` ...) not used by the scenario."""
    used = {g.id for g in scenario.groups} | set(taken)
    return _fresh(GROUP_ID_PREFIX.get(kind, "group"), used)


def group_descendants(scenario: Scenario, group_id: str) -> list[str]:
    """The ids of the groups nested (at any depth) in a group, not including it."""
    children: dict[str, list[str]] = {}
    for g in scenario.groups:
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


def _mapped(ident: str | None, mapping: Mapping[str, str], existing: set[str]) -> str | None:
    """The copy of ``ident``, else ``ident`` itself if it exists, else None."""
    if ident is None:
        return None
    return mapping.get(ident, ident if ident in existing else None)


class Copies(NamedTuple):
    """Copies made by :func:`copies`, ready to append to the scenario."""

    hosts: list[Host]
    links: list[Link]
    groups: list[Group]


def copies(scenario: Scenario, hosts: Sequence[Host], links: Sequence[Link] = (),
           groups: Sequence[Group] = (), offset: tuple[float, float] = (40.0, 40.0)) -> Copies:
    """Copies of objects for ``scenario``: fresh ids, shifted by ``offset``, references mapped.

    Links join the copied hosts (links to hosts not copied are dropped); hosts
    go into the copied group or keep an existing one; groups nest in the
    copied parent or keep an existing one; behaviour parameters name the
    copies, keep hosts of the scenario and drop hosts that are neither.
    """
    dx, dy = offset
    gmap: dict[str, str] = {}
    taken: set[str] = set()
    for g in groups:
        gmap[g.id] = fresh_group_id(scenario, g.kind, taken)
        taken.add(gmap[g.id])
    existing_groups = {g.id for g in scenario.groups}
    new_groups = []
    for g in groups:
        parent = _mapped(g.parent, gmap, existing_groups)
        new_groups.append(g.model_copy(update={
            "id": gmap[g.id], "parent": parent, "x": g.x + dx, "y": g.y + dy}))
    hmap: dict[str, str] = {}
    taken = set()
    for h in hosts:
        hmap[h.id] = fresh_host_id(scenario, h.kind, taken)
        taken.add(hmap[h.id])
    existing_hosts = set(scenario.host_ids())
    new_hosts = []
    for h in hosts:
        group = _mapped(h.group, gmap, existing_groups)
        copy_ = h.model_copy(update={"id": hmap[h.id], "group": group,
                                     "x": h.x + dx, "y": h.y + dy})
        refs: dict[str, str | None] = dict(hmap)
        for named in behaviour_hosts(h):
            if named not in hmap and named not in existing_hosts:
                refs[named] = None
        new_hosts.append(remap_behaviour(copy_, refs))
    new_links = [lk.model_copy(update={"a": hmap[lk.a], "b": hmap[lk.b]})
                 for lk in links if lk.a in hmap and lk.b in hmap]
    return Copies(new_hosts, new_links, new_groups)
