"""Hints: settings that do nothing in this scenario, and why (no Qt here).

A scenario may be valid and still hold settings that cannot have an effect:
DSM chosen but no host touches memory, a workload profile with no workload
client, hosts that send to hosts no link leads to, a crash probability so
small that no crash will happen in the run. :func:`hints` finds them; the
editor shows each under its field and in its Problems list, and
``sandbox validate`` prints them as ``hint:`` lines. A hint never makes a
scenario invalid.

Each :class:`Hint` names its field in the one path language
(:func:`~sandbox.scenario.paths.format_path`, objects by id), a stable
``code``, a translatable ``template`` with named fields and the ``args`` that
fill them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from . import registry
from .model import FailureSpec, Host, Scenario, WorkloadSpec
from .paths import format_path
from .registry import QT_TRANSLATE_NOOP
from .units import format_latency, format_number

__all__ = [
    "CRASH_VISIBLE",
    "HINT_CODES",
    "Hint",
    "crash_rate",
    "expected_crashes",
    "hints",
    "reachable_from",
    "send_targets",
]

#: Below this many crashes expected over the run, summed over every host that fails at
#: random, random crashes "will not show" in the run.
CRASH_VISIBLE = 0.05

#: Every hint code, with what it means.
HINT_CODES: dict[str, str] = {
    "memory_unused": "shared memory or DSM is chosen but no host runs a behaviour that "
                     "reads or writes memory",
    "memory_pages_unused": "a host contributes DSM pages but the mode is not DSM",
    "workload_unused": "the workload is set but no host runs a workload client",
    "no_route": "a host sends to hosts that no link (or chain of links) leads to",
    "crash_too_rare": "random crashes are so rare that none is expected in this run",
    "probability_ignored": "both MTTF and a crash probability are set; MTTF applies",
    "mttr_unused": "MTTR is set but the host never crashes at random",
}

#: The context the templates are translated in.
CONTEXT = "Hint"
_noop = QT_TRANSLATE_NOOP

Severity = Literal["hint", "warning"]


@dataclass(frozen=True)
class Hint:
    """A setting that does nothing (or something unexpected) in this scenario.

    ``path`` names the field (``hosts[h1].failures.crash_probability``,
    ``model.communication``); ``template`` is the English text with named
    fields (marked for translation in the ``"Hint"`` context), filled by
    ``args``; ``severity`` is ``"warning"`` when the run will show something
    the user likely did not want (messages dropped for want of a route), else
    ``"hint"``.
    """

    path: str
    code: str
    template: str
    args: dict[str, Any] = field(default_factory=dict)
    severity: Severity = "hint"

    def text(self, tr: Callable[[str], str] = lambda t: t) -> str:
        """The message with its fields filled in; ``tr`` translates the template first."""
        return tr(self.template).format(**self.args)

    def __str__(self) -> str:
        return f"{self.path}: {self.text()}"


# -- random failures, as the engine draws them ---------------------------------------------------


def crash_rate(failures: FailureSpec) -> float:
    """A host's random crash rate per nanosecond, as the engine draws it
    (:attr:`FailureSpec.crash_rate`)."""
    return failures.crash_rate


def expected_crashes(failures: FailureSpec, duration: int) -> float:
    """The number of random crashes a host is expected to have in a run of ``duration`` ns:
    rate × duration (the mean of the engine's exponential draws; for a rare crash this is
    also the probability that the host crashes at all)."""
    return crash_rate(failures) * duration


# -- who sends to whom, and where the links lead --------------------------------------------------


def send_targets(host: Host, host_ids: Iterable[str]) -> tuple[str, list[str]] | None:
    """The hosts ``host``'s behaviour sends to on its own, and the parameter that says so.

    These are the hosts its parameters name (``peers``, ``server``, ``members``...:
    the behaviour's ``host_fields``); when every one of them is an empty list, which
    the behaviours read as "every other host", all the other hosts. None for a
    behaviour that names no hosts (idle, a server: it only answers), an unknown one
    or parameters that do not validate.
    """
    name = host.behaviour.name
    if not registry.is_registered(name):
        return None
    cls = registry.behaviour(name).params
    fields = tuple(getattr(cls, "host_fields", ()))
    if not fields:
        return None
    try:
        params = cls.model_validate(host.behaviour.params)
    except ValidationError:
        return None
    named: list[str] = []
    where = fields[0]
    for f in fields:
        value = getattr(params, f)
        values = list(value) if isinstance(value, list | tuple) else [value]
        values = [v for v in values if isinstance(v, str)]
        if values and not named:
            where = f
        named += values
    targets = named or list(host_ids)
    return where, [t for t in dict.fromkeys(targets) if t != host.id]


def reachable_from(scenario: Scenario, src: str) -> set[str]:
    """The hosts a message from ``src`` can reach over the links, hop by hop (a directed link
    one way only), as the engine's routes do; partitions and link cuts, which come and go,
    are not counted. ``src`` itself is in the set."""
    adj: dict[str, set[str]] = {h.id: set() for h in scenario.hosts}
    for link in scenario.links:
        adj.setdefault(link.a, set()).add(link.b)
        if not link.directed:
            adj.setdefault(link.b, set()).add(link.a)
    seen = {src}
    todo = [src]
    while todo:
        for nxt in adj.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _id_list(ids: list[str], most: int = 5) -> str:
    shown = ", ".join(ids[:most])
    return shown if len(ids) <= most else f"{shown} (+{len(ids) - most})"


# -- the hints ------------------------------------------------------------------------------------


def _memory_hints(s: Scenario) -> list[Hint]:
    out: list[Hint] = []
    mode = s.model.communication
    if mode in ("dsm", "shared_memory") and s.hosts:
        infos = [registry.behaviour(h.behaviour.name) if registry.is_registered(h.behaviour.name)
                 else None for h in s.hosts]
        # a user's behaviour may read memory: say nothing then
        unknown = any(i is None or i.origin != "builtin" for i in infos)
        if not unknown and not any(i is not None and i.category == "memory" for i in infos):
            template = (_noop(CONTEXT, "DSM is chosen, but no host reads or writes memory: "
                                       "no host runs a memory behaviour (such as Memory "
                                       "worker), so the memory settings do nothing.")
                        if mode == "dsm" else
                        _noop(CONTEXT, "Shared memory is chosen, but no host reads or writes "
                                       "memory: no host runs a memory behaviour (such as "
                                       "Memory worker), so the memory settings do nothing."))
            out.append(Hint("model.communication", "memory_unused", template, {}))
    if mode != "dsm":
        for h in s.hosts:
            if h.memory_pages > 0:
                out.append(Hint(
                    format_path("memory_pages", collection="hosts", key=h.id),
                    "memory_pages_unused",
                    _noop(CONTEXT, "{host} contributes {pages} pages, but only the DSM mode "
                                   "has a pool of pages: the mode is {mode}."),
                    {"host": h.id, "pages": h.memory_pages, "mode": mode.replace("_", " ")}))
    return out


def _workload_hints(s: Scenario) -> list[Hint]:
    if any(h.behaviour.name == "workload_client" for h in s.hosts):
        return []
    default = WorkloadSpec()
    changed = [name for name in WorkloadSpec.model_fields
               if getattr(s.workload, name) != getattr(default, name)]
    if not changed:
        return []
    return [Hint(format_path(("workload", changed[0])), "workload_unused",
                 _noop(CONTEXT, "The workload is set ({profile}), but no host runs a Workload "
                                "client: nothing sends requests at this rate."),
                 {"profile": s.workload.profile.replace("_", " ")})]


def _route_hints(s: Scenario) -> list[Hint]:
    out: list[Hint] = []
    ids = s.host_ids()
    known = set(ids)
    for h in s.hosts:
        targets = send_targets(h, ids)
        if targets is None:
            continue
        where, to = targets
        to = [t for t in to if t in known]
        if not to:
            continue
        reach = reachable_from(s, h.id)
        missing = [t for t in to if t not in reach]
        if not missing:
            continue
        template = (_noop(CONTEXT, "{host} sends to {hosts}, but no link leads there: "
                                   "every message to them is dropped (no route).")
                    if len(missing) == 1 else
                    _noop(CONTEXT, "{host} sends to {count} hosts that no link leads to "
                                   "({hosts}): every message to them is dropped (no route)."))
        out.append(Hint(
            format_path(("behaviour", "params", where), collection="hosts", key=h.id),
            "no_route", template,
            {"host": h.id, "hosts": _id_list(missing), "count": len(missing)},
            severity="warning"))
    return out


def _failure_hints(s: Scenario) -> list[Hint]:
    out: list[Hint] = []
    duration = s.run.duration
    failing = [h for h in s.hosts if crash_rate(h.failures) > 0.0]
    total = sum(expected_crashes(h.failures, duration) for h in failing)
    for h in s.hosts:
        f = h.failures
        if f.mttf is not None and f.crash_probability > 0.0:
            out.append(Hint(
                format_path("failures.crash_probability", collection="hosts", key=h.id),
                "probability_ignored",
                _noop(CONTEXT, "MTTF is set ({mttf}), so this crash probability is not used: "
                               "crashes come at random with a mean time of MTTF between them."),
                {"mttf": format_latency(f.mttf)}))
        if f.mttr is not None and crash_rate(f) == 0.0:
            out.append(Hint(
                format_path("failures.mttr", collection="hosts", key=h.id), "mttr_unused",
                _noop(CONTEXT, "MTTR is set, but this host never crashes at random (no crash "
                               "probability or MTTF), so it never repairs by it."), {}))
    if failing and total < CRASH_VISIBLE:
        for h in failing:
            f = h.failures
            args = {"expected": format_number(expected_crashes(f, duration)),
                    "total": format_number(total), "duration": format_latency(duration)}
            if f.mttf is not None:
                path, template = "failures.mttf", _noop(
                    CONTEXT, "With an MTTF of {mttf}, about {expected} crashes are expected in "
                             "this run of {duration} ({total} for every host together): no "
                             "random crash will show. Lower the MTTF or lengthen the run.")
                args["mttf"] = format_latency(f.mttf)
            else:
                path, template = "failures.crash_probability", _noop(
                    CONTEXT, "A crash probability of {p} per {period} gives about {expected} "
                             "crashes in this run of {duration} ({total} for every host "
                             "together): no random crash will show. Raise it, shorten the "
                             "crash period or lengthen the run.")
                args["p"] = format_number(f.crash_probability)
                args["period"] = format_latency(f.crash_period)
            out.append(Hint(format_path(path, collection="hosts", key=h.id), "crash_too_rare",
                            template, args))
    return out


def hints(scenario: Scenario) -> list[Hint]:
    """Every hint of ``scenario``: settings that do nothing in it, and why (see
    :data:`HINT_CODES`), in a stable order: memory, workload, routes, failures."""
    return (_memory_hints(scenario) + _workload_hints(scenario) + _route_hints(scenario)
            + _failure_hints(scenario))
