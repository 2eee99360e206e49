"""The fields a sweep may vary, named in the one path language, and what kind of value each
holds (for the axis and the cells: a duration reads as one)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ...scenario.model import Group, Host, Link, Scenario
from ...scenario.paths import PathError, format_path, link_key, parse_path
from ...scenario.references import params_model_of
from ...sweep.spec import HOST_COUNT_FIELD, count_path_host
from ..forms import describe_field

__all__ = ["field_kind", "sweepable_paths"]

#: Field kinds a sweep can give values to (see :func:`~sandbox.gui.forms.describe_field`).
_SWEEPABLE = {"bool", "choice", "int", "float", "probability", "duration"}
#: Fields that are no question to ask a sweep (where things are drawn, names).
_SKIP = {"id", "label", "x", "y", "width", "height", "title", "description", "a", "b",
         "parent", "group", "schema_version", "seed"}


def _fields(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The sweepable fields of ``model`` and of the models nested in it, as name tuples."""
    out: list[tuple[str, ...]] = []
    for name, info in model.model_fields.items():
        if name in _SKIP:
            continue
        spec = describe_field(name, info)
        if spec.kind == "model" and spec.model is not None:
            out.extend(_fields(spec.model, (*prefix, name)))
        elif spec.kind in _SWEEPABLE:
            out.append((*prefix, name))
    return out


def _params(behaviour: str) -> list[tuple[str, ...]]:
    model = params_model_of(behaviour)
    if model is None:
        return []
    return [("behaviour", "params", *f) for f in _fields(model)]


def sweepable_paths(scenario: Scenario) -> list[str]:
    """Every path a sweep of ``scenario`` may vary, most asked first: the number of hosts
    like each host, every host's fields (``hosts[*]``), each host's, the links', the
    scenario's settings (workload, run length, model, memory)."""
    out: list[str] = []
    host_fields = [f for f in _fields(Host) if f[0] != "behaviour"]
    out.extend(format_path(HOST_COUNT_FIELD, collection="hosts", key=h.id)
               for h in scenario.hosts)
    if scenario.hosts:
        out.extend(format_path(f, collection="hosts", key="*") for f in host_fields)
        names = {h.behaviour.name for h in scenario.hosts}
        if len(names) == 1:
            out.extend(format_path(f, collection="hosts", key="*") for f in _params(names.pop()))
    for h in scenario.hosts:
        out.extend(format_path(f, collection="hosts", key=h.id)
                   for f in (*host_fields, *_params(h.behaviour.name)))
    link_fields = _fields(Link)
    if scenario.links:
        out.extend(format_path(f, collection="links", key="*") for f in link_fields)
    for i in range(len(scenario.links)):
        key = link_key(scenario.links, i)
        out.extend(format_path(f, collection="links", key=key) for f in link_fields)
    for g in scenario.groups:
        out.extend(format_path(f, collection="groups", key=g.id) for f in _fields(Group))
    for name in ("workload", "run", "model", "locality", "memory"):
        info = Scenario.model_fields[name]
        spec = describe_field(name, info)
        if spec.model is not None:
            out.extend(format_path(f) for f in _fields(spec.model, (name,)))
    seen: set[str] = set()
    return [p for p in out if not (p in seen or seen.add(p))]  # type: ignore[func-returns-value]


def field_kind(scenario: Scenario, path: str) -> str:
    """How the values of ``path`` read: ``duration`` (ns), ``probability``, ``int``,
    ``float``, ``bool``, ``choice``, ``count`` (of hosts), or "" when unknown."""
    if count_path_host(path) is not None:
        return "count"
    try:
        p = parse_path(path.strip())
    except PathError:
        return ""
    model: Any = p.model
    fields = list(p.fields)
    if p.params_at is not None:
        behaviour = _behaviour_of(scenario, p.key)
        model = params_model_of(behaviour) if behaviour else None
        fields = fields[p.params_at:]
    for i, name in enumerate(fields):
        if model is None or name not in getattr(model, "model_fields", {}):
            return ""
        spec = describe_field(name, model.model_fields[name])
        if i == len(fields) - 1:
            return spec.kind
        model = spec.model
    return ""


def _behaviour_of(scenario: Scenario, key: str | None) -> str | None:
    if key in (None, "*"):
        names = {h.behaviour.name for h in scenario.hosts}
        return names.pop() if len(names) == 1 else None
    try:
        return scenario.host(key or "").behaviour.name
    except KeyError:
        return None
