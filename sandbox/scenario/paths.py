"""The path language: one way to name "this field of this object" in a scenario, by id.

The editor and parameter sweeps address a field with the same text::

    title                              a scenario setting
    memory.page_size  run.seed  model.synchrony
    hosts[h1].clock.drift_ppm          a field of the host with id h1
    hosts[*].failures.mttr             the same field of every host
    hosts[h1].behaviour.params.server  a behaviour parameter
    groups[rack1].width                a field of a group, by id
    links[h1-h2].loss                  a field of the link between h1 and h2
    links[h1-h2#2].loss                the second of two links between h1 and h2
    links[*].latency.mean              every link

Objects are named by id, never by their position in a list: ``hosts[0]`` is
refused with a hint naming the id to write. A link is named by its two ends,
``a-b``: an undirected link matches in either order (``links[h2-h1]`` is the
same link as ``links[h1-h2]``), a directed link only from its ``a`` to its
``b``. Should several links match one pair of ends, they are numbered in
scenario order and must be told apart with ``#n`` (from 1). Host ids may
contain ``-``: every way of cutting the key at a ``-`` is tried, and a key
that names links in two ways is refused as ambiguous.

A path is checked against the scenario models when it is parsed (``clok``
is refused: there is no such field, did you mean ``clock``?) and against the
data when it is resolved (unknown host ``h9``; a behaviour parameter the
host's behaviour does not have). With a wildcard, hosts whose behaviour has no
such parameter are left out; a path that then matches no host is refused.

Lists without ids (``faults``, ``workload.points``, a behaviour's ``peers``)
are values: they are read and set whole. A path may also be parsed relative to
a host, link or group (``parse_path("clock.drift_ppm", root=Host)``), which is
how the editor sets a field of the selected objects.

Every problem raises :class:`PathError` (a ``ValueError``) naming the path and
what is wrong with it.
"""

from __future__ import annotations

import copy
import difflib
import re
import types
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from .model import BehaviourSpec, Group, Host, Link, Scenario
from .references import params_model_of

#: The lists of objects with ids, and the model of their items.
COLLECTIONS: dict[str, type[BaseModel]] = {"hosts": Host, "links": Link, "groups": Group}
#: The wildcard key: every object of a collection.
WILDCARD = "*"

_NOUNS: dict[type[BaseModel], str] = {Scenario: "the scenario", Host: "a host", Link: "a link",
                                      Group: "a group"}
_SINGULAR = {"hosts": "host", "links": "link", "groups": "group"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# What a field holds, besides a nested model class.
_VALUE, _LIST, _DICT, _PARAMS = "value", "list", "dict", "params"


class PathError(ValueError):
    """A path that cannot be parsed or does not name anything; ``path`` and ``reason`` say why."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}" if path else reason)


@dataclass(frozen=True)
class ParsedPath:
    """A parsed path: an optional object selector and the field names below it.

    ``collection`` and ``key`` select objects (``"hosts"``, ``"h1"`` or ``"*"``);
    both are None for a scenario setting or a path relative to ``root``.
    ``fields`` are the field names, outermost first. ``params_at`` is the
    position in ``fields`` where behaviour parameter names start (they are
    checked against each host's behaviour when the path is resolved).
    """

    text: str
    root: type[BaseModel]
    collection: str | None
    key: str | None
    fields: tuple[str, ...]
    params_at: int | None = None

    @property
    def is_wildcard(self) -> bool:
        """Whether the path selects every object of its collection."""
        return self.key == WILDCARD

    @property
    def model(self) -> type[BaseModel]:
        """The model the field names start from (Host for ``hosts[h1].clock``)."""
        return COLLECTIONS[self.collection] if self.collection else self.root

    def __str__(self) -> str:
        return format_path(self.fields, collection=self.collection, key=self.key)


@dataclass(frozen=True)
class Location:
    """One concrete place a path resolved to: an object of a collection (by index) and fields.

    ``index`` is the object's position in ``collection`` (None for a setting
    or a relative path); ``key`` is its canonical key (``"h1"``, ``"h1-h2"``,
    ``"h1-h2#2"``); ``path`` is the concrete path text.
    """

    collection: str | None
    index: int | None
    key: str | None
    fields: tuple[str, ...]

    @property
    def path(self) -> str:
        """The concrete path, e.g. ``hosts[h1].clock.drift_ppm``."""
        return format_path(self.fields, collection=self.collection, key=self.key)

    def __str__(self) -> str:
        return self.path


def format_path(fields: str | Sequence[str] = (), *, collection: str | None = None,
                key: str | None = None) -> str:
    """The text of a path: ``format_path("clock.drift_ppm", collection="hosts", key="h1")``."""
    names = fields.split(".") if isinstance(fields, str) else list(fields)
    names = [n for n in names if n]
    head = f"{collection}[{key}]" if collection is not None else ""
    return ".".join([head, *names] if head else names)


def link_key(links: Sequence[Any], index: int) -> str:
    """The canonical key of the link at ``index``: ``a-b``, or ``a-b#n`` if others share it."""
    a, b = _get(links[index], "a"), _get(links[index], "b")
    matches = _links_between(links, a, b)
    return f"{a}-{b}" if len(matches) == 1 else f"{a}-{b}#{matches.index(index) + 1}"


# -- parsing ----------------------------------------------------------------------------------


@cache
def parse_path(text: str, root: type[BaseModel] = Scenario) -> ParsedPath:
    """Parse and check a path against the models (from ``root``, the Scenario by default).

    Raises :class:`PathError` for bad syntax, unknown fields, index syntax
    and selectors where there is no collection of objects with ids.
    """
    if isinstance(text, ParsedPath):
        return text
    segments = _split(text)
    collection = key = None
    first, first_key = segments[0]
    if first_key is not None and root is Scenario and first in COLLECTIONS:
        collection, key = first, first_key
        if collection == "links" and key != WILDCARD:
            _check_link_key(text, key)
        segments = segments[1:]
    elif root is Scenario and first in COLLECTIONS:
        raise PathError(text, f"{first} is a list: name one by id, {first}[<id>], "
                              f"or all with {first}[*]")
    model = COLLECTIONS[collection] if collection else root
    params_at = _check_fields(text, model, segments, prefix=format_path(
        (), collection=collection, key=key))
    fields = tuple(name for name, _ in segments)
    if not fields and collection is None:
        raise PathError(text, "empty path")
    return ParsedPath(text, root, collection, key, fields, params_at)


def _split(text: str) -> list[tuple[str, str | None]]:
    """Cut a path into (name, bracket key or None) segments."""
    if not isinstance(text, str) or not text.strip():
        raise PathError(str(text), "empty path")
    out: list[tuple[str, str | None]] = []
    pos = 0
    while True:
        m = _NAME.match(text, pos)
        if m is None:
            what = text[pos] if pos < len(text) else "the end"
            if pos < len(text) and text[pos].isdigit():
                raise PathError(text, "a list item is named by id, not by position: write "
                                      "hosts[<id>], not hosts.0")
            raise PathError(text, f"a field name was expected at {what!r} (column {pos + 1})")
        name, pos, key = m.group(), m.end(), None
        if text.startswith("[", pos):
            end = text.find("]", pos)
            if end < 0:
                raise PathError(text, f"'[' after {name!r} is not closed")
            key = text[pos + 1:end].strip()
            if not key:
                raise PathError(text, f"empty brackets after {name!r}: name an object by id")
            pos = end + 1
            if text.startswith("[", pos):
                raise PathError(text, "one selector per object: hosts[h1].clock, not hosts[h1][0]")
        out.append((name, key))
        if pos == len(text):
            return out
        if text[pos] != ".":
            raise PathError(text, f"'.' expected at {text[pos]!r} (column {pos + 1})")
        pos += 1


def _check_link_key(text: str, key: str) -> None:
    ends, _, number = key.rpartition("#") if "#" in key else (key, "", "")
    if "#" in key and not (number.isdigit() and int(number) >= 1):
        raise PathError(text, f"after '#' comes the number of the link, from 1 (not {number!r})")
    if _looks_like_index(ends):
        return  # refused with a hint when resolved against data
    if "-" not in ends.strip("-"):
        raise PathError(text, f"a link is named by its two ends, links[a-b], not {key!r}")


def _check_fields(text: str, model: Any, segments: Sequence[tuple[str, str | None]],
                  prefix: str, behaviour: str | None = None, dynamic: bool = False
                  ) -> int | None:
    """Check field names down the models; return where behaviour parameters start, if they do.

    Statically (``dynamic=False``) the check stops at a behaviour's ``params``;
    dynamically it goes on with the parameter model of ``behaviour``.
    """
    kind: Any = model
    params_at = None
    for i, (name, key) in enumerate(segments):
        here = format_path([n for n, _ in segments[:i]] if not prefix else
                           [prefix, *(n for n, _ in segments[:i])])
        if kind == _PARAMS:
            params_at = i
            if not dynamic:
                return params_at
            kind = params_model_of(behaviour or "")
            if kind is None:
                return params_at  # unknown behaviour: its parameters are not known
            here_noun = f"behaviour {behaviour!r}"
        else:
            here_noun = _NOUNS.get(kind, "it") if i == 0 else repr(here)
        if kind == _DICT:
            return params_at
        if kind in (_VALUE, _LIST):
            what = "a list without ids (set it whole)" if kind == _LIST else "a value"
            raise PathError(text, f"{here!r} is {what}; it has no field {name!r}")
        fields = list(kind.model_fields)
        if name not in fields:
            raise PathError(text, f"no {'parameter' if params_at is not None else 'field'} "
                                  f"{name!r} in {here_noun}{_suggest(name, fields)}")
        kind = _field_kind(kind, name)
        if key is not None:
            if kind == _LIST:
                raise PathError(text, f"{format_path([here, name])!r} has no ids: items are not "
                                      f"named by position; set the whole list")
            raise PathError(text, f"{format_path([here, name])!r} is not a list of objects")
    return params_at


def _suggest(name: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=3, cutoff=0.6)
    if close:
        return "; did you mean " + " or ".join(repr(c) for c in close) + "?"
    return f" (it has: {', '.join(choices)})" if choices else " (it has none)"


@cache
def _field_kind(model: type[BaseModel], name: str) -> Any:
    if model is BehaviourSpec and name == "params":
        return _PARAMS
    return _kind_of(model.model_fields[name].annotation)


def _kind_of(annotation: Any) -> Any:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _kind_of(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        args = [a for a in get_args(annotation) if a is not type(None)]
        return _kind_of(args[0]) if len(args) == 1 else _VALUE
    if origin in (list, tuple, set, frozenset) or annotation in (list, tuple, set):
        return _LIST
    if origin is dict or annotation is dict:
        return _DICT
    if origin is None and isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if origin is Literal:
        return _VALUE
    return _VALUE


# -- resolving --------------------------------------------------------------------------------


def resolve(data: Any, path: str | ParsedPath) -> list[Location]:
    """The concrete locations a path names in a scenario (a model or its dict), in order.

    ``data`` is the root of the path: a Scenario (or its dict) for an absolute
    path, a host, link or group for a relative one. A wildcard gives one
    location per object (none for an empty list).
    """
    p = parse_path(path) if isinstance(path, str) else path
    if p.collection is None:
        if p.params_at is not None:
            _check_params(p, data, p.text)
        return [Location(None, None, None, p.fields)]
    items = _get(data, p.collection)
    if p.key == WILDCARD:
        found = list(range(len(items)))
    elif p.collection == "links":
        found = [_find_link(p.text, items, p.key or "", _host_ids(data))]
    else:
        found = [_find_by_id(p.text, p.collection, items, p.key or "")]
    out = []
    first_error: PathError | None = None
    for i in found:
        if p.params_at is not None:
            try:
                _check_params(p, items[i], p.text)
            except PathError as exc:
                if not p.is_wildcard:
                    raise
                first_error = first_error or exc
                continue
        key = link_key(items, i) if p.collection == "links" else str(_get(items[i], "id"))
        out.append(Location(p.collection, i, key, p.fields))
    if not out and first_error is not None:
        raise PathError(p.text, "no host's behaviour has this parameter; " + first_error.reason)
    return out


def _check_params(p: ParsedPath, obj: Any, text: str) -> None:
    behaviour = _get(_get(obj, "behaviour"), "name")
    start = p.params_at or 0
    segments = [(n, None) for n in p.fields[start:]]
    prefix = format_path(p.fields[:start], collection=p.collection,
                         key=None if p.collection is None else _key_of(p, obj))
    _check_fields(text, _PARAMS, segments, prefix, behaviour, dynamic=True)


def _key_of(p: ParsedPath, obj: Any) -> str | None:
    return str(_get(obj, "id")) if p.collection != "links" else p.key


def _find_by_id(text: str, collection: str, items: Sequence[Any], key: str) -> int:
    ids = [str(_get(item, "id")) for item in items]
    if key in ids:
        return ids.index(key)
    noun = _SINGULAR[collection]
    if _looks_like_index(key):
        n = int(key)
        hint = (f": write {collection}[{ids[n]}]" if -len(ids) <= n < len(ids)
                else f" ({noun}s: {', '.join(ids[:8])})" if ids else "")
        raise PathError(text, f"{collection} are named by id, not by position{hint}")
    raise PathError(text, f"unknown {noun} {key!r}{_suggest_ids(key, ids)}")


def _suggest_ids(key: str, ids: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, ids, n=3, cutoff=0.5)
    if close:
        return "; did you mean " + " or ".join(repr(c) for c in close) + "?"
    if not ids:
        return " (there are none)"
    more = ", ..." if len(ids) > 8 else ""
    return f" (there are {', '.join(ids[:8])}{more})"


def _looks_like_index(key: str) -> bool:
    return bool(re.fullmatch(r"-?\d+", key))


def _links_between(links: Sequence[Any], a: str, b: str) -> list[int]:
    """Indices of the links that ``links[a-b]`` matches, in order."""
    out = []
    for i, lk in enumerate(links):
        la, lb = _get(lk, "a"), _get(lk, "b")
        if (la, lb) == (a, b) or ((lb, la) == (a, b) and not _get(lk, "directed")):
            out.append(i)
    return out


def _find_link(text: str, links: Sequence[Any], key: str, host_ids: list[str]) -> int:
    ends, _, number = key.rpartition("#") if "#" in key else (key, "", "")
    if _looks_like_index(ends) and not number:
        n = int(ends)
        hint = (f": write links[{link_key(links, n)}]" if -len(links) <= n < len(links) else "")
        raise PathError(text, f"links are named by their ends, not by position{hint}")
    readings = []
    for cut in (m.start() for m in re.finditer("-", ends)):
        a, b = ends[:cut], ends[cut + 1:]
        if a and b:
            readings.append((a, b, _links_between(links, a, b)))
    found = [(a, b, m) for a, b, m in readings if m]
    if len(found) > 1:
        names = " and ".join(f"{a!r}-{b!r}" for a, b, _ in found)
        raise PathError(text, f"ambiguous link key {ends!r}: it reads as {names}")
    if not found:
        raise PathError(text, _no_link_reason(readings, host_ids))
    a, b, matches = found[0]
    if number:
        if int(number) > len(matches):
            raise PathError(text, f"there {'is' if len(matches) == 1 else 'are'} only "
                                  f"{len(matches)} link{'s' if len(matches) > 1 else ''} "
                                  f"between {a} and {b}")
        return matches[int(number) - 1]
    if len(matches) > 1:
        options = " or ".join(f"links[{a}-{b}#{k}]" for k in range(1, len(matches) + 1))
        raise PathError(text, f"{len(matches)} links join {a} and {b}: write {options}")
    return matches[0]


def _no_link_reason(readings: list[tuple[str, str, list[int]]], host_ids: list[str]) -> str:
    known = set(host_ids)
    for a, b, _ in readings:
        if a in known and b in known:
            return f"no link from {a} to {b}" if a != b else f"no link from {a} to itself"
    for a, b, _ in readings:
        for end in (a, b):
            if end not in known:
                return f"unknown host {end!r}{_suggest_ids(end, host_ids)}"
    return "a link is named by its two ends, links[a-b]"


def _host_ids(data: Any) -> list[str]:
    try:
        return [str(_get(h, "id")) for h in _get(data, "hosts")]
    except (KeyError, AttributeError, TypeError):
        return []


# -- reading and writing ----------------------------------------------------------------------


def get_values(data: Any, path: str | ParsedPath) -> list[Any]:
    """The values at every location of a path, in order (``data``: a model or a dict).

    An unset (None) object on the way gives None; a behaviour parameter not
    written in the file gives its default.
    """
    p = parse_path(path) if isinstance(path, str) else path
    out = []
    for loc in resolve(data, p):
        target = _get(data, loc.collection)[loc.index] if loc.collection else data
        out.append(_read(target, loc.fields, p.params_at))
    return out


def get_value(data: Any, path: str | ParsedPath) -> Any:
    """The value at a path that names exactly one location (see :func:`get_values`)."""
    p = parse_path(path) if isinstance(path, str) else path
    values = get_values(data, p)
    if len(values) != 1:
        raise PathError(p.text, f"names {len(values)} places, not one: use get_values")
    return values[0]


def set_value(data: dict[str, Any], path: str | ParsedPath, value: Any) -> list[Location]:
    """Set ``value`` at every location of a path in a dict (changed in place); return them.

    ``data`` is plain data, as ``model_dump()`` gives (a scenario for an
    absolute path, a host, link or group for a relative one). An unset (None)
    object on the way is started empty, so its other fields take their
    defaults when the dict is validated. Every location gets its own copy of
    ``value``. ``set_value(data, "hosts[*].failures.mttr", v)`` is what a
    sweep needs.
    """
    if not isinstance(data, dict):
        raise TypeError("set_value changes plain data (a dict, as model_dump() gives), "
                        f"not {type(data).__name__}")
    p = parse_path(path) if isinstance(path, str) else path
    locations = resolve(data, p)
    for n, loc in enumerate(locations):
        item = value if n == 0 else copy.deepcopy(value)
        if loc.collection is not None and not loc.fields:
            data[loc.collection][loc.index] = item
            continue
        target = data[loc.collection][loc.index] if loc.collection else data
        for name in loc.fields[:-1]:
            if target.get(name) is None:
                target[name] = {}
            target = target[name]
        target[loc.fields[-1]] = item
    return locations


def _read(target: Any, fields: Sequence[str], params_at: int | None) -> Any:
    parent = None
    for i, name in enumerate(fields):
        if target is None:
            return None
        if params_at is not None and i == params_at and isinstance(target, dict) \
                and name not in target:
            # ``parent`` is the behaviour spec that holds these parameters.
            return _param_default(_get(parent, "name"), name)
        parent, target = target, _get(target, name)
    return target


def _param_default(behaviour: str | None, name: str) -> Any:
    model = params_model_of(behaviour or "")
    field = model.model_fields.get(name) if model is not None else None
    if field is None or field.is_required():
        raise PathError(name, f"parameter {name!r} is not set")
    return field.get_default(call_default_factory=True)


def _get(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return obj[name]
    try:
        return getattr(obj, name)
    except AttributeError:
        raise KeyError(name) from None
