"""The behaviour registry: every behaviour (protocol) described once, for validation, the
editor, the command line and the engine alike.

A :class:`BehaviourInfo` record gives a behaviour's name, title, one-line
summary, category, pydantic parameter model, the entry point of its code
(``"package.module:function"``, imported only by the engine, so validating a
scenario never runs code) and what it reports: run metrics and protocol state.
Records are added with :func:`register`; nothing else keeps a list of
behaviours. The built-in records are made in :mod:`sandbox.scenario.behaviours`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from pydantic import BaseModel

__all__ = [
    "CATEGORIES",
    "QT_TRANSLATE_NOOP",
    "STATE_KINDS",
    "BehaviourInfo",
    "Metric",
    "StateField",
    "UnknownBehaviour",
    "behaviour",
    "behaviours",
    "categories",
    "is_registered",
    "names",
    "register",
    "unregister",
    "user_names",
]


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - the name lupdate reads
    """Mark ``text`` for translation in ``context`` (Qt's extraction tool reads these calls);
    returns it unchanged. The views translate it when they show it."""
    return text


_noop = QT_TRANSLATE_NOOP


#: The categories behaviours are grouped in, in the order menus show them: id -> title.
CATEGORIES: dict[str, str] = {
    "basic": _noop("Category", "Basic"),
    "requests": _noop("Category", "Requests"),
    "failure_detection": _noop("Category", "Failure detection"),
    "clocks": _noop("Category", "Clock synchronisation"),
    "broadcast": _noop("Category", "Broadcast"),
    "gossip": _noop("Category", "Gossip"),
    "replication": _noop("Category", "Replication"),
    "coordination": _noop("Category", "Coordination"),
    "consensus": _noop("Category", "Consensus"),
    "memory": _noop("Category", "Shared memory"),
}

#: How a protocol state field is shown: a category (role, leader: a badge, a band on the
#: diagram), a number (term, commit index: plotted), hosts (suspects, members), a flag.
STATE_KINDS: tuple[str, ...] = ("text", "number", "hosts", "flag")


@dataclass(frozen=True)
class Metric:
    """A figure a behaviour feeds into the run summary: its key there, unit and meaning."""

    key: str
    unit: str
    description: str


@dataclass(frozen=True)
class StateField:
    """A piece of protocol state a behaviour reports for its host (``node.report_state``).

    ``kind`` is one of :data:`STATE_KINDS`; ``badge`` says whether the canvas
    shows it on the host, ``band`` whether the space-time diagram colours the
    host's line by its value (one field of a behaviour at most: its role).
    """

    name: str
    description: str
    kind: str = "text"
    badge: bool = False
    band: bool = False

    def __post_init__(self) -> None:
        if self.kind not in STATE_KINDS:
            raise ValueError(f"state field {self.name!r}: unknown kind {self.kind!r} "
                             f"(one of {', '.join(STATE_KINDS)})")


@dataclass(frozen=True)
class BehaviourInfo:
    """One behaviour, described once.

    ``entry_point`` is ``"module:function"``; the function is a generator
    ``function(node, params)`` written against the node API
    (:mod:`sandbox.engine.node`), where ``params`` is an instance of
    ``params``. ``host_fields`` of the parameter model name the parameters
    that hold host ids (checked against the scenario, rewritten on a rename).
    """

    name: str
    title: str
    summary: str
    category: str
    params: type[BaseModel]
    entry_point: str
    metrics: tuple[Metric, ...] = ()
    state: tuple[StateField, ...] = ()
    #: The names of the guarantees checked on its traces (checkers in sandbox.trace.checks).
    guarantees: tuple[str, ...] = ()
    #: Where it came from: "builtin", or a user's file (later).
    origin: str = field(default="builtin", compare=False)

    @property
    def host_fields(self) -> tuple[str, ...]:
        """The names of the parameters that hold host ids."""
        return tuple(getattr(self.params, "host_fields", ()))

    @property
    def category_title(self) -> str:
        """The title of this behaviour's category."""
        return CATEGORIES.get(self.category, self.category)


class UnknownBehaviour(KeyError):
    """No behaviour of that name is registered; the message lists the known ones."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(name)

    def __str__(self) -> str:
        return f"unknown behaviour {self.name!r} (known: {', '.join(_REGISTRY)})"


_REGISTRY: dict[str, BehaviourInfo] = {}


def register(info: BehaviourInfo) -> BehaviourInfo:
    """Add a behaviour; a second record of the same name, or a bad record, is refused."""
    if info.name in _REGISTRY:
        raise ValueError(f"behaviour {info.name!r} is registered twice")
    if info.category not in CATEGORIES:
        raise ValueError(f"behaviour {info.name!r}: unknown category {info.category!r} "
                         f"(one of {', '.join(CATEGORIES)})")
    module, sep, function = info.entry_point.partition(":")
    if not (module and sep and function):
        raise ValueError(f"behaviour {info.name!r}: entry point {info.entry_point!r} "
                         "must look like 'package.module:function'")
    if sum(f.band for f in info.state) > 1:
        raise ValueError(f"behaviour {info.name!r}: at most one state field is a band")
    _REGISTRY[info.name] = info
    return info


def unregister(name: str) -> None:
    """Take a user's behaviour out of the registry (before its file is loaded again); a
    built-in one cannot be taken out (ValueError), an unknown name is ignored."""
    info = _REGISTRY.get(name)
    if info is None:
        return
    if info.origin == "builtin":
        raise ValueError(f"behaviour {name!r} is built in and cannot be unregistered")
    del _REGISTRY[name]


def user_names() -> tuple[str, ...]:
    """The names of the behaviours loaded from users' files, in registration order."""
    return tuple(n for n, info in _REGISTRY.items() if info.origin != "builtin")


def behaviour(name: str) -> BehaviourInfo:
    """The record of behaviour ``name``; :class:`UnknownBehaviour` if there is none."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownBehaviour(name) from None


def is_registered(name: str) -> bool:
    """Whether a behaviour of this name exists."""
    return name in _REGISTRY


def names() -> tuple[str, ...]:
    """Every behaviour name, in registration order."""
    return tuple(_REGISTRY)


def behaviours() -> Iterator[BehaviourInfo]:
    """Every record, in registration order."""
    return iter(tuple(_REGISTRY.values()))


def categories() -> dict[str, list[BehaviourInfo]]:
    """The records grouped by category, categories in :data:`CATEGORIES` order, empty ones left out."""
    out: dict[str, list[BehaviourInfo]] = {}
    for cat in CATEGORIES:
        group = [info for info in _REGISTRY.values() if info.category == cat]
        if group:
            out[cat] = group
    return out
