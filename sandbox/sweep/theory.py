"""The curves theory gives for a sweep: a metric as a function of the swept parameter's value.

Where the project knows a closed form for what a sweep measures, the plot shows it beside
the measured means:

* **P(some host failed)** = 1 − (1 − p)ⁿ for n hosts that each fail within the run with
  probability p. p comes from the host's failure settings exactly as the engine draws its
  crashes (:func:`sandbox.engine.faults.random_failures`): the time to the first crash is
  exponential with rate 1/MTTF, or −ln(1 − crash_probability)/crash_period, and a crash at
  time T (the end of the run) or later is not in the run, so p = 1 − exp(−rate·(T − 1)).
  A host with a scheduled crash before the end fails for sure.
* **Availability** = MTTF/(MTTF + MTTR), the steady state of a host that fails and is
  repaired at exponential times, averaged over the hosts (a host that never fails is up).
* **M/M/1 mean response time** = 1/(μ − λ) for a one-core ``rr_server`` with exponential
  service (μ = 1/service_time) under a constant Poisson workload of λ requests per second,
  plus the round trip on the link the client measures it over.

:func:`theory_for` picks the curve for a metric and a swept parameter (the one path
language, :mod:`sandbox.scenario.paths`, and ``hosts[ID].count`` for the number of hosts
like ``ID``); the other values come from the scenario. Qt-free: the formula and note
texts are marked for translation and translated where they are shown.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sandbox.scenario import scenario_from_dict
from sandbox.scenario.model import FailureSpec, Scenario
from sandbox.scenario.paths import PathError, parse_path, set_value
from sandbox.scenario.registry import QT_TRANSLATE_NOOP
from sandbox.scenario.units import format_ns

__all__ = ["LATENCY_METRICS", "Theory", "availability", "failure_probability",
           "failure_rate", "mm1_response_time", "p_some_failed", "theory_for"]

CONTEXT = "Theory"
NS_PER_S = 1_000_000_000

#: The metrics of a request's mean response time (client-side, reply received), in ns.
LATENCY_METRICS = frozenset({"request_latency_mean"})

#: ``hosts[ID].count``: how many hosts like ID (a sweep's parameter, not a field; see
#: :func:`sandbox.sweep.spec.with_copies`).
_COUNT = re.compile(r"^hosts\[(?P<key>[^\]*]+)\]\.count$")


@dataclass(frozen=True)
class Theory:
    """A curve from theory: ``formula`` (marked for translation in context ``Theory``),
    ``curve(x)`` the metric at the swept parameter's value ``x`` (NaN where it has no value),
    and ``note`` (also translatable, a template whose fields are in ``values``) saying what
    the curve assumes and which values it took from the scenario."""

    formula: str
    curve: Callable[[float], float]
    note: str = ""
    values: dict[str, str] | None = None

    def note_text(self, tr: Callable[[str], str] = lambda t: t) -> str:
        """The note with its values filled in, translated by ``tr``."""
        return tr(self.note).format(**(self.values or {}))


# -- the formulas -------------------------------------------------------------------------------


def failure_rate(failures: dict[str, Any]) -> float:
    """A host's crash rate per ns, as the engine draws it (``failures``: a FailureSpec as a
    dict; :attr:`~sandbox.scenario.model.FailureSpec.crash_rate`); 0 for a host that never
    fails at random."""
    # constructed, not validated: a theory curve asks at values between the whole ns
    return FailureSpec.model_construct(**failures).crash_rate


def failure_probability(host: dict[str, Any], until: int,
                        faults: Sequence[dict[str, Any]] = ()) -> float:
    """The probability that ``host`` (a dict) crashes within a run of ``until`` ns: 1 with a
    scheduled crash before the end, else that its first random crash comes before the end."""
    hid = host.get("id")
    if any(f.get("kind") == "crash" and f.get("host") == hid and int(f.get("at", 0)) < until
           for f in faults):
        return 1.0
    rate = failure_rate(host.get("failures") or {})
    return -math.expm1(-rate * max(0, until - 1))


def p_some_failed(probabilities: list[float]) -> float:
    """P(at least one host failed) for independent hosts: 1 − Π(1 − pᵢ); for n hosts of
    probability p, 1 − (1 − p)ⁿ."""
    log_none = sum(math.log1p(-p) if p < 1.0 else -math.inf for p in probabilities)
    return -math.expm1(log_none)


def availability(mttf: float, mttr: float) -> float:
    """Steady-state availability of a host repaired after each failure: MTTF/(MTTF + MTTR)."""
    return mttf / (mttf + mttr)


def mm1_response_time(arrival_rate: float, service_rate: float) -> float:
    """Mean time in an M/M/1 system, 1/(μ − λ) (rates per second; seconds), inf when λ ≥ μ."""
    if arrival_rate >= service_rate:
        return math.inf
    return 1.0 / (service_rate - arrival_rate)


# -- from a scenario ----------------------------------------------------------------------------


def _some_failed(data: dict[str, Any], until: int, counts: dict[str, float]) -> float:
    """P(some host failed), with ``counts[id]`` hosts like ``id`` (1 for the others): the
    count may be fractional, so the curve is drawn smooth between whole numbers of hosts."""
    faults = data.get("faults") or []
    log_none = 0.0
    for host in data["hosts"]:
        p = failure_probability(host, until, faults)
        n = counts.get(host["id"], 1.0)
        if n > 0:
            log_none += n * math.log1p(-p) if p < 1.0 else -math.inf
    return -math.expm1(log_none)


def _availability(data: dict[str, Any]) -> float:
    """The mean over hosts of each host's steady-state availability; NaN when a host that
    fails is never repaired (then there is no steady state)."""
    values = []
    for host in data["hosts"]:
        f = host.get("failures") or {}
        rate = failure_rate(f)
        if rate <= 0.0:
            values.append(1.0)
            continue
        if f.get("mttr") is None:
            return math.nan
        values.append(availability(1.0 / rate, float(f["mttr"])))
    return sum(values) / len(values) if values else math.nan


@dataclass(frozen=True)
class _Queue:
    server: str
    client: str


def _queue(data: dict[str, Any]) -> _Queue | None:
    """The M/M/1 queue of the scenario: one single-core ``rr_server`` with exponential service,
    its clients ``workload_client`` hosts sending to it alone, a constant workload."""
    if (data.get("workload") or {}).get("profile", "constant") != "constant":
        return None
    servers = [h for h in data["hosts"] if (h.get("behaviour") or {}).get("name") == "rr_server"]
    if len(servers) != 1:
        return None
    server = servers[0]
    params = server["behaviour"].get("params") or {}
    if server.get("cores", 1) != 1 or params.get("service_dist", "exponential") != "exponential":
        return None
    clients = [h for h in data["hosts"]
               if (h.get("behaviour") or {}).get("name") == "workload_client"]
    if not clients or any((c["behaviour"].get("params") or {}).get("servers") != [server["id"]]
                          for c in clients):
        return None
    return _Queue(server["id"], clients[0]["id"])


def _round_trip(data: dict[str, Any], a: str, b: str) -> float:
    """Twice the mean one-way latency between ``a`` and ``b`` (their link's, else the locality
    default), in ns."""
    for link in data.get("links") or []:
        if {link.get("a"), link.get("b")} == {a, b} and link.get("latency"):
            return 2.0 * float(link["latency"].get("mean", 0))
    from sandbox.engine.network import group_chain, locality_latency

    scenario = scenario_from_dict(data)
    return 2.0 * float(locality_latency(scenario, group_chain(scenario), a, b))


def _response_time(data: dict[str, Any], queue: _Queue, rtt: float | None) -> float:
    hosts = {h["id"]: h for h in data["hosts"]}
    params = hosts[queue.server]["behaviour"].get("params") or {}
    service = float(params.get("service_time", 1_000_000))
    lam = float(data["workload"].get("base_rate", 10.0)) * sum(
        float((h["behaviour"].get("params") or {}).get("share", 1.0)) for h in hosts.values()
        if h["behaviour"].get("name") == "workload_client")
    t = mm1_response_time(lam, NS_PER_S / service)
    trip = _round_trip(data, queue.client, queue.server) if rtt is None else rtt
    return t * NS_PER_S + trip if math.isfinite(t) else math.nan


# -- which curve ---------------------------------------------------------------------------------

_FAILURE_FIELDS = {"mttf", "crash_probability", "crash_period"}

_F_SOME = QT_TRANSLATE_NOOP("Theory", "1 \u2212 (1 \u2212 p)\u207f")
_N_SOME = QT_TRANSLATE_NOOP(
    "Theory", "P(some host failed) for n hosts that each fail within a run of T = {until} "
              "with probability p = 1 \u2212 e^(\u2212rate\u00b7T), the engine's exponential "
              "time to a first crash (rate = 1/MTTF, or \u2212ln(1 \u2212 crash probability)"
              "/crash period)")
_F_AVAIL = QT_TRANSLATE_NOOP("Theory", "MTTF / (MTTF + MTTR)")
_N_AVAIL = QT_TRANSLATE_NOOP(
    "Theory", "Steady-state availability, averaged over the hosts; a run starts with every "
              "host up, so a short run lies a little above it (by about "
              "MTTF\u00b7MTTR\u00b2/((MTTF + MTTR)\u00b2\u00b7T))")
_F_MM1 = QT_TRANSLATE_NOOP("Theory", "1 / (\u03bc \u2212 \u03bb)")
_F_MM1_RTT = QT_TRANSLATE_NOOP("Theory", "1 / (\u03bc \u2212 \u03bb) + RTT")
_N_MM1 = QT_TRANSLATE_NOOP(
    "Theory", "M/M/1 mean response time of {server} (one core, exponential service), plus the "
              "round trip of {rtt} to {client}; requests that time out are not in the mean")


def _until(data: dict[str, Any], until: int | None) -> int:
    return int(until if until is not None else (data.get("run") or {}).get("duration",
                                                                          10 * NS_PER_S))


def theory_for(scenario: dict[str, Any] | Scenario, parameter: str, metric: str,
               until: int | None = None) -> Theory | None:
    """The curve of ``metric`` against the value of ``parameter`` (a path, or
    ``hosts[ID].count``), the other values from ``scenario``; None when the project knows no
    formula for that pair (or the scenario is not one the formula describes).

    ``until`` is the run length the sweep uses (the scenario's ``run.duration`` when None).
    """
    data = (scenario.model_dump(mode="json") if isinstance(scenario, Scenario)
            else scenario_from_dict(scenario).model_dump(mode="json"))
    count = _COUNT.match(parameter.strip())
    fields: tuple[str, ...] = ()
    if count is None:
        try:
            fields = parse_path(parameter.strip()).fields
        except PathError:
            return None
    if metric == "any_failed":
        return _some_failed_theory(data, parameter, count, fields, until)
    if metric == "availability":
        return _availability_theory(data, parameter, fields)
    if metric in LATENCY_METRICS:
        return _mm1_theory(data, parameter, fields)
    return None


def _setter(data: dict[str, Any], parameter: str) -> Callable[[float], dict[str, Any]]:
    """A function of x: a copy of ``data`` with the parameter set to x (an int where the field
    holds whole numbers, as parse_values gives them)."""
    def at(x: float) -> dict[str, Any]:
        d = copy.deepcopy(data)
        value: Any = x
        if isinstance(x, float) and x.is_integer() and _holds_int(data, parameter):
            value = int(x)
        set_value(d, parameter, value)
        return d
    return at


def _holds_int(data: dict[str, Any], parameter: str) -> bool:
    last = parse_path(parameter).fields[-1]
    return last in {"mttf", "mttr", "crash_period", "service_time", "duration", "count", "cores"}


def _safe(f: Callable[[float], float]) -> Callable[[float], float]:
    def curve(x: float) -> float:
        try:
            return float(f(x))
        except (ValueError, TypeError, KeyError, ZeroDivisionError, OverflowError):
            return math.nan
    return curve


def _some_failed_theory(data: dict[str, Any], parameter: str, count: re.Match[str] | None,
                        fields: tuple[str, ...], until: int | None) -> Theory | None:
    T = _until(data, until)
    values = {"until": format_ns(T)}
    if count is not None:
        key = count.group("key")  # n hosts like key: it and n - 1 copies (sweep.spec)
        if key not in [h["id"] for h in data["hosts"]]:
            return None
        return Theory(_F_SOME, _safe(lambda n: _some_failed(data, T, {key: max(0.0, n)})),
                      _N_SOME, values)
    if fields == ("run", "duration"):
        return Theory(_F_SOME, _safe(lambda t: _some_failed(data, int(t), {})), _N_SOME, values)
    if len(fields) >= 2 and fields[-2] == "failures" and fields[-1] in _FAILURE_FIELDS:
        at = _setter(data, parameter)
        return Theory(_F_SOME, _safe(lambda x: _some_failed(at(x), T, {})), _N_SOME, values)
    return None


def _availability_theory(data: dict[str, Any], parameter: str,
                         fields: tuple[str, ...]) -> Theory | None:
    if not (len(fields) >= 2 and fields[-2] == "failures"
            and fields[-1] in _FAILURE_FIELDS | {"mttr"}):
        return None
    at = _setter(data, parameter)
    return Theory(_F_AVAIL, _safe(lambda x: _availability(at(x))), _N_AVAIL, {})


def _mm1_theory(data: dict[str, Any], parameter: str, fields: tuple[str, ...]) -> Theory | None:
    queue = _queue(data)
    if queue is None:
        return None
    if fields not in {("workload", "base_rate"), ("behaviour", "params", "service_time"),
                      ("behaviour", "params", "share")}:
        return None
    rtt = _round_trip(data, queue.client, queue.server)
    at = _setter(data, parameter)
    formula = _F_MM1_RTT if rtt else _F_MM1
    return Theory(formula, _safe(lambda x: _response_time(at(x), queue, rtt)), _N_MM1,
                  {"server": queue.server, "client": queue.client, "rtt": format_ns(int(rtt))})
