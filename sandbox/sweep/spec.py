"""What a sweep is: a scenario, the values of its parameters, the seeds; and its jobs.

A parameter is a path of the project's path language (:mod:`sandbox.scenario.paths`):
``hosts[*].failures.mttr``, ``links[a-b].loss``, ``hosts[h1].behaviour.params.fanout``.
One more path exists only here, ``hosts[ID].count`` (:data:`HOST_COUNT_FIELD`): the
number of hosts like ``ID`` (see :func:`with_copies`). Count paths are applied
first, so ``hosts[*]...`` reaches the copies.

:meth:`SweepSpec.jobs` is the cartesian product of the values times the seeds, in a
stable order. A value the scenario refuses (a probability of 2.0) is not an
exception there: the job carries the message and its run is an error row.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

from sandbox.scenario import Scenario, ScenarioError, scenario_from_dict
from sandbox.scenario.model import MAX_COORDINATE, PartitionFault
from sandbox.scenario.paths import PathError, parse_path, set_value
from sandbox.scenario.references import host_fields_of

__all__ = ["HOST_COUNT_FIELD", "Job", "SweepSpec", "canonical", "count_path_host",
           "with_copies"]

#: The field of ``hosts[ID].count``: how many hosts like ID the scenario has.
HOST_COUNT_FIELD = "count"
#: The largest host count a sweep may ask for.
MAX_COUNT = 10_000
_COUNT_PATH = re.compile(r"^\s*hosts\[(?P<id>[^\]]*)\]\." + HOST_COUNT_FIELD + r"\s*$")
#: How far each copy is placed from the previous one on the canvas.
COPY_OFFSET = 40.0


def count_path_host(path: str) -> str | None:
    """The host id of a ``hosts[ID].count`` path; None for any other path."""
    m = _COUNT_PATH.match(path)
    return m.group("id") if m else None


def _copy_ids(taken: set[str], host_id: str, n: int) -> list[str]:
    out: list[str] = []
    k = 2
    while len(out) < n - 1:
        candidate = f"{host_id}_{k}"
        if candidate not in taken and len(candidate) <= 64:
            out.append(candidate)
            taken.add(candidate)
        elif len(candidate) > 64:
            raise ValueError(f"host id {host_id!r} is too long to number its copies")
        k += 1
    return out


def with_copies(scenario: Scenario, host_id: str, count: Any) -> Scenario:
    """``scenario`` with ``count`` hosts like ``host_id``: it and ``count - 1`` copies.

    What a copy gets: every setting of the host (kind, cores, clock, failures,
    memory pages, behaviour and its parameters, group); an id ``ID_2``,
    ``ID_3``... not used by another host; the label numbered (``Server 2``); a
    place shifted on the canvas; a copy of each link of the host, to the same
    other end (directed links keep their direction). The copies are added
    after the host wherever a behaviour's list of hosts names it (a detector's
    ``peers``: its peers watch the copies too), and to its side of a
    partition. When the host and the peers of one of its lists name each other
    (all-to-all), the host's list also names the copies and each copy's list
    names the host and the other copies. Not copied: scheduled faults naming
    the host (a crash at 2 s stays a crash of the host itself) and single-host
    parameters (a client's ``server`` still names the host).

    A count of 1 returns ``scenario`` unchanged. ValueError for a bad count,
    KeyError for an unknown host.
    """
    if isinstance(count, float) and count.is_integer():
        count = int(count)
    if isinstance(count, bool) or not isinstance(count, int):
        raise ValueError(f"hosts[{host_id}].{HOST_COUNT_FIELD}: {count!r} is not a whole "
                         "number of hosts")
    count = int(count)
    if not 1 <= count <= MAX_COUNT:
        raise ValueError(f"hosts[{host_id}].{HOST_COUNT_FIELD}: {count} must be from 1 to "
                         f"{MAX_COUNT}")
    original = scenario.host(host_id)  # KeyError for an unknown host
    if count == 1:
        return scenario
    ids = _copy_ids(set(scenario.host_ids()), host_id, count)
    family = [host_id, *ids]
    by_id = {h.id: h for h in scenario.hosts}
    params = original.behaviour.params
    mutual: set[str] = set()  # the host's list fields whose hosts list it back
    for name in host_fields_of(original.behaviour.name):
        value = params.get(name)
        if isinstance(value, list) and any(
                p in by_id and by_id[p].behaviour.name == original.behaviour.name and
                host_id in (by_id[p].behaviour.params.get(name) or []) for p in value):
            mutual.add(name)

    def grown(values: list[Any], me: str | None) -> list[Any]:
        """A list of hosts with the copies after ``host_id`` (not naming ``me``)."""
        out: list[Any] = []
        for v in values:
            out.append(v)
            if v == host_id:
                out.extend(c for c in ids if c != me)
        return out

    def retarget(host: Any, me: str) -> Any:
        spec = host.behaviour
        fields = host_fields_of(spec.name)
        new = dict(spec.params)
        for name in fields:
            value = new.get(name)
            if not isinstance(value, list):
                continue
            if me in family and name in mutual:
                others = [v for v in value if v not in family]
                new[name] = others + [f for f in family if f != me]
            elif host_id in value:
                new[name] = grown(value, me)
        if new == spec.params:
            return host
        return host.model_copy(update={"behaviour": spec.model_copy(update={"params": new})})

    label = original.label or original.id
    hosts = []
    for h in scenario.hosts:
        hosts.append(retarget(h, h.id))
        if h.id == host_id:
            for k, cid in enumerate(ids, start=1):
                shift = COPY_OFFSET * k
                copy_ = original.model_copy(deep=True, update={
                    "id": cid, "label": f"{label} {k + 1}",
                    "x": min(MAX_COORDINATE, original.x + shift),
                    "y": min(MAX_COORDINATE, original.y + shift)})
                hosts.append(retarget(copy_, cid))
    links = list(scenario.links)
    for cid in ids:
        for lk in scenario.links:
            if (lk.a == host_id) != (lk.b == host_id):
                links.append(lk.model_copy(deep=True, update={
                    "a": cid if lk.a == host_id else lk.a,
                    "b": cid if lk.b == host_id else lk.b}))
    faults = []
    for f in scenario.faults:
        if isinstance(f, PartitionFault) and any(host_id in side for side in f.sides):
            f = f.model_copy(update={"sides": [grown(side, None) for side in f.sides]})
        faults.append(f)
    return scenario.model_copy(update={"hosts": hosts, "links": links, "faults": faults})


def canonical(value: Any) -> str:
    """A value as stable text: how rows are told apart when a sweep resumes."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@dataclass
class Job:
    """One run of a sweep: its number, parameter values, seed and scenario (a JSON dict).

    ``error`` is set when the values make no valid scenario: the run is then
    an error row with this message, and ``scenario`` is the unvaried one.
    """

    index: int
    combo: dict[str, Any]
    seed: int
    scenario: dict
    error: str = ""


def _problems(exc: ScenarioError) -> str:
    """The first problem of a refused variant, and how many more there are."""
    lines = [line.removeprefix("error: ") for line in exc.lines()]
    more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
    return (lines[0] if lines else "invalid scenario") + more


@dataclass
class SweepSpec:
    """A sweep: ``scenario`` (a JSON dict, as ``model_dump(mode="json")`` gives) run for
    every combination of ``parameters`` (path -> values) and every seed.

    ``until`` overrides the scenario's duration (ns); ``base`` is the folder its
    behaviour files are relative to; ``allow_code`` is the consent to run them.
    """

    scenario: dict
    parameters: dict[str, list] = field(default_factory=dict)
    seeds: list[int] = field(default_factory=lambda: [1])
    until: int | None = None
    base: str | None = None
    allow_code: bool = False

    def check_paths(self) -> None:
        """Raise :class:`PathError` for a path that names nothing (a typo, an unknown
        host), before any run; a count path checks its host exists."""
        for path in self.parameters:
            host = count_path_host(path)
            if host is not None:
                ids = [h.get("id") for h in self.scenario.get("hosts") or ()]
                if host == "*":
                    raise PathError(path, "a count names one host: hosts[ID].count")
                if host not in ids:
                    raise PathError(path, f"no host {host!r} (hosts: {', '.join(map(str, ids))})")
            else:
                parse_path(path)

    def variant(self, combo: dict[str, Any]) -> dict:
        """The scenario (JSON dict) with the values of ``combo``; ScenarioError when they
        make no valid scenario, PathError for a path that names nothing."""
        data = copy.deepcopy(self.scenario)
        counts = {p: v for p, v in combo.items() if count_path_host(p) is not None}
        if counts:
            scenario = scenario_from_dict(data)
            for path, value in counts.items():
                host = count_path_host(path) or ""
                try:
                    scenario = with_copies(scenario, host, value)
                except KeyError:
                    raise PathError(path, f"no host {host!r}") from None
                except ValueError as exc:
                    raise ScenarioError([(path, str(exc).split(": ", 1)[-1])]) from None
            data = scenario.model_dump(mode="json")
        for path, value in combo.items():
            if path not in counts:
                set_value(data, path, copy.deepcopy(value))
        return scenario_from_dict(data).model_dump(mode="json")

    def jobs(self) -> list[Job]:
        """Every run: each combination of the values (the first parameter varies slowest)
        times each seed, numbered from 0. A combination the scenario refuses gives jobs
        with its ``error``; a path that names nothing raises :class:`PathError`."""
        from . import grid

        out: list[Job] = []
        for combo in grid(self.parameters):
            error = ""
            try:
                data = self.variant(combo)
            except ScenarioError as exc:
                data, error = self.scenario, _problems(exc)
            for seed in self.seeds:
                out.append(Job(len(out), dict(combo), int(seed), data, error))
        return out

    def key(self, row_or_job: Any) -> tuple:
        """The parameter values and seed of a row (dict) or a :class:`Job`, as comparable
        text: a row read back from a file matches the job it came from."""
        if isinstance(row_or_job, Job):
            combo, seed = row_or_job.combo, row_or_job.seed
        else:
            combo, seed = row_or_job, row_or_job.get("seed")
        return (*(canonical(combo.get(p)) for p in self.parameters), canonical(seed))
