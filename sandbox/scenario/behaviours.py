"""The built-in behaviours (protocols) as data: their parameter models and registry records.

Each behaviour is registered once (:mod:`sandbox.scenario.registry`) with its
name, title, summary, category, pydantic parameter model, the entry point of
its code in :mod:`sandbox.engine.protocols`, and what it reports; files are
validated and the editor builds its forms from these records without
importing the engine.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .model import Duration, Finite, Ident, Probability
from .registry import QT_TRANSLATE_NOOP as _noop
from .registry import BehaviourInfo, Metric, StateField, behaviour, is_registered, names, register


class Params(BaseModel):
    """Base of behaviour parameters: unknown parameters are refused."""

    model_config = ConfigDict(extra="forbid")

    #: Names of fields that hold host ids (checked against the scenario's hosts).
    host_fields: ClassVar[tuple[str, ...]] = ()
    #: For a host field, the behaviours of the hosts it should name by default (the editor
    #: fills a new behaviour's field with them: a client's server, a group's replicas).
    host_prefers: ClassVar[dict[str, tuple[str, ...]]] = {}


class IdleParams(Params):
    """A host that runs nothing of its own (it still serves memory and relays)."""


class ServerParams(Params):
    """Request/reply server: serves each request after a processing time, on its cores."""

    service_time: Duration = Field(1_000_000, description="Processing time of one request")
    service_dist: Literal["constant", "exponential"] = "exponential"
    queue_limit: int = Field(1000, ge=1, le=1_000_000_000, description="Requests waiting beyond this are refused")


class ClientParams(Params):
    """Request/reply client: sends requests to a server, with timeouts and retries."""

    server: Ident = Field(description="Host that serves the requests")
    interval: Duration = Field(100_000_000, ge=1, description="Time between requests")
    timeout: Duration = Field(50_000_000, ge=1, description="How long to wait for a reply")
    retries: int = Field(2, ge=0, le=100, description="Retries after a timeout")
    count: int = Field(0, ge=0, le=1_000_000_000, description="Requests to send; 0 is unlimited")
    size: int = Field(64, ge=1, le=1 << 30, description="Request size in bytes")
    host_fields: ClassVar[tuple[str, ...]] = ("server",)
    host_prefers: ClassVar[dict[str, tuple[str, ...]]] = {"server": ("rr_server",)}


class WorkloadClientParams(Params):
    """Sends requests at the scenario's workload rate profile to one or more servers."""

    servers: list[Ident] = Field(min_length=1, description="Servers, used round-robin")
    timeout: Duration = Field(1_000_000_000, ge=1)
    share: Finite = Field(1.0, gt=0, le=1.0, description="Fraction of the workload this client makes")
    host_fields: ClassVar[tuple[str, ...]] = ("servers",)
    host_prefers: ClassVar[dict[str, tuple[str, ...]]] = {"servers": ("rr_server",)}


class HeartbeatParams(Params):
    """Heartbeat failure detector: sends heartbeats, suspects peers that fall silent."""

    peers: list[Ident] = Field(default_factory=list, description="Monitored hosts; empty is all")
    interval: Duration = Field(100_000_000, ge=1, description="Time between heartbeats")
    timeout: Duration = Field(300_000_000, ge=1, description="Silence after which a peer is suspected")
    host_fields: ClassVar[tuple[str, ...]] = ("peers",)


class TimeServerParams(Params):
    """Answers clock requests with its local time; applies adjustments it is sent (Berkeley)."""


class CristianParams(Params):
    """Cristian's algorithm: asks a time server, sets the clock to T + RTT/2."""

    server: Ident
    interval: Duration = Field(1_000_000_000, ge=1, description="Time between synchronisations")
    mode: Literal["step", "slew"] = "step"
    timeout: Duration = Field(500_000_000, ge=1)
    host_fields: ClassVar[tuple[str, ...]] = ("server",)
    host_prefers: ClassVar[dict[str, tuple[str, ...]]] = {"server": ("time_server", "ntp_server")}


class BerkeleyParams(Params):
    """Berkeley algorithm leader: polls peers, averages the clocks, sends each its correction."""

    peers: list[Ident] = Field(default_factory=list, description="Followers; empty is all")
    interval: Duration = Field(1_000_000_000, ge=1)
    mode: Literal["step", "slew"] = "step"
    timeout: Duration = Field(500_000_000, ge=1)
    host_fields: ClassVar[tuple[str, ...]] = ("peers",)


class BroadcastParams(Params):
    """Best-effort or reliable broadcast: every host delivers what any host broadcasts, in
    the order the ordering layer allows (none, FIFO, causal or total)."""

    mode: Literal["best_effort", "reliable"] = Field(
        "best_effort", description="Best-effort: each member is sent a value once; reliable: "
        "relayed on first receipt and retransmitted until acknowledged")
    ordering: Literal["none", "fifo", "causal", "total_sequencer", "total_lamport"] = Field(
        "none", description="Delivery order: none (on receipt), fifo (per origin), causal "
        "(after what its origin had seen), total_sequencer (numbered by the member of smallest "
        "id), total_lamport (Lamport timestamps and acknowledgements, no sequencer)")
    peers: list[Ident] = Field(default_factory=list, description="Group members; empty is all")
    count: int = Field(0, ge=0, le=1_000_000_000, description="Broadcasts this host originates")
    interval: Duration = Field(200_000_000, ge=1, description="Time between its broadcasts")
    retransmit: Duration = Field(
        50_000_000, ge=1, description="Reliable mode: retransmit unacknowledged copies after this"
    )
    host_fields: ClassVar[tuple[str, ...]] = ("peers",)


class DsmWorkerParams(Params):
    """Reads and writes the shared address space with an access pattern."""

    pattern: Literal["sequential", "random", "hot_spot", "local"] = "random"
    operations: int = Field(100, ge=0, le=1_000_000_000,
                            description="Accesses to make; 0 is unlimited")
    write_ratio: Probability = 0.3
    think_time: Duration = Field(1_000_000, description="Pause between accesses")
    hot_fraction: Probability = Field(0.1, description="Hot spot: fraction of pages that are hot")


class PingParams(Params):
    """Sends a message to random peers at exponential intervals (the benchmark workload)."""

    peers: list[Ident] = Field(default_factory=list, description="Candidates; empty is all")
    interval: Duration = Field(10_000_000, ge=1, description="Mean time between sends")
    count: int = Field(0, ge=0, le=1_000_000_000, description="Messages to send; 0 is unlimited")
    host_fields: ClassVar[tuple[str, ...]] = ("peers",)


# -- the records ---------------------------------------------------------------------------
# Every built-in behaviour is described here once; the engine finds its code by entry point.

_P = "sandbox.engine.protocols"
_LATENCY = Metric("app:request_done.latency", "ns", _noop("Metric", "Time from a request to its reply"))
_CLOCK_SKEW = Metric("max_clock_skew", "ns", _noop("Metric", "Largest spread of the hosts' clocks"))

register(BehaviourInfo(
    "idle", _noop("Behaviour", "Idle"), _noop("Behaviour", "Runs nothing of its own"), "basic",
    IdleParams, f"{_P}.basic:idle"))
register(BehaviourInfo(
    "rr_server", _noop("Behaviour", "Request/reply server"),
    _noop("Behaviour", "Serves each request after a processing time, on its cores"), "requests",
    ServerParams, f"{_P}.requests:rr_server",
    metrics=(Metric("app:refused", "", _noop("Metric", "Requests refused because the queue was full")),)))
register(BehaviourInfo(
    "rr_client", _noop("Behaviour", "Request/reply client"),
    _noop("Behaviour", "Sends requests to a server, with timeouts and retries"), "requests",
    ClientParams, f"{_P}.requests:rr_client",
    metrics=(_LATENCY,
             Metric("app:request_failed", "", _noop("Metric", "Requests that got no reply"))),
    state=(StateField("sent", _noop("State", "Requests sent so far")),)))
register(BehaviourInfo(
    "workload_client", _noop("Behaviour", "Workload client"),
    _noop("Behaviour", "Sends requests at the scenario's workload rate to one or more servers"),
    "requests", WorkloadClientParams, f"{_P}.requests:workload_client",
    metrics=(_LATENCY,
             Metric("app:request_failed", "", _noop("Metric", "Requests that got no reply")))))
register(BehaviourInfo(
    "heartbeat", _noop("Behaviour", "Heartbeat failure detector"),
    _noop("Behaviour", "Sends heartbeats, suspects peers that fall silent"), "failure_detection",
    HeartbeatParams, f"{_P}.failure_detection:heartbeat",
    metrics=(Metric("suspicions", "", _noop("Metric", "Times a peer was suspected")),
             Metric("false_suspicions", "", _noop("Metric", "Suspicions of a host that was up"))),
    guarantees=("failure_detection.completeness", "failure_detection.accuracy")))
register(BehaviourInfo(
    "time_server", _noop("Behaviour", "Time server"),
    _noop("Behaviour", "Answers clock requests with its local time; applies the corrections it is sent"),
    "clocks", TimeServerParams, f"{_P}.clocks:time_server", metrics=(_CLOCK_SKEW,)))
register(BehaviourInfo(
    "cristian", _noop("Behaviour", "Cristian's algorithm"),
    _noop("Behaviour", "Asks a time server and sets the clock to its time plus half the round trip"),
    "clocks", CristianParams, f"{_P}.clocks:cristian", metrics=(_CLOCK_SKEW,),
    guarantees=("clocks.monotonic",)))
register(BehaviourInfo(
    "berkeley", _noop("Behaviour", "Berkeley algorithm"),
    _noop("Behaviour", "A leader polls its peers, averages the clocks and sends each its correction"),
    "clocks", BerkeleyParams, f"{_P}.clocks:berkeley", metrics=(_CLOCK_SKEW,),
    guarantees=("clocks.monotonic",)))
register(BehaviourInfo(
    "broadcast", _noop("Behaviour", "Broadcast"),
    _noop("Behaviour", "Best-effort or reliable, with an ordering layer: none, FIFO, causal or total"),
    "broadcast", BroadcastParams, f"{_P}.broadcast:broadcast",
    metrics=(Metric("app:bcast_deliver", "", _noop("Metric", "Broadcast messages delivered")),),
    state=(StateField("delivered", _noop("State", "Broadcasts this host has delivered (with an "
                                         "ordering on)"), "number"),
           StateField("held_back", _noop("State", "Received broadcasts held back until the "
                                         "ordering lets them be delivered"), "number",
                      badge=True),
           StateField("sequencer", _noop("State", "Total order by sequencer: the host that "
                                         "numbers the broadcasts"), "text", badge=True),
           StateField("next_seq", _noop("State", "Total order by sequencer: the next number "
                                        "to give (at the sequencer) or to deliver"), "number")),
    guarantees=("broadcast.integrity", "broadcast.validity", "broadcast.agreement",
                "broadcast.fifo_order", "broadcast.causal_order", "broadcast.total_order")))
register(BehaviourInfo(
    "dsm_worker", _noop("Behaviour", "Memory worker"),
    _noop("Behaviour", "Reads and writes the shared address space with an access pattern"),
    "memory", DsmWorkerParams, f"{_P}.memory:dsm_worker",
    metrics=(Metric("mem_local_mean_cost", "ns", _noop("Metric", "Mean cost of a local access")),
             Metric("mem_remote_mean_cost", "ns", _noop("Metric", "Mean cost of a remote access"))),
    state=(StateField("done", _noop("State", "Accesses made so far")),)))
register(BehaviourInfo(
    "ping", _noop("Behaviour", "Ping"),
    _noop("Behaviour", "Sends a message to random peers at exponential intervals"), "basic",
    PingParams, f"{_P}.basic:ping"))


def behaviour_summary(name: str) -> str:
    """The one-line summary of behaviour ``name``."""
    return behaviour(name).summary


def parse_params(name: str, params: dict) -> Params:
    """Validate ``params`` for behaviour ``name`` and return the model (raises on error)."""
    return behaviour(name).params.model_validate(params)  # type: ignore[return-value]


def behaviour_problems(name: str, params: dict, host_ids: set[str]) -> list[tuple[str, str]]:
    """Problems of a behaviour spec as (path, message); empty when it is valid."""
    if not is_registered(name):
        return [("name", f"unknown behaviour {name!r} (known: {', '.join(names())})")]
    try:
        model = parse_params(name, params)
    except ValidationError as exc:
        out = []
        from .io import format_loc, friendly_message

        for err in exc.errors(include_url=False):
            loc = format_loc(("params", *err["loc"]))
            out.append((loc, friendly_message(err)))
        return out
    problems = []
    for field in model.host_fields:
        value = getattr(model, field)
        values = value if isinstance(value, list) else [value]
        for i, host in enumerate(values):
            if host not in host_ids:
                path = f"params.{field}[{i}]" if isinstance(value, list) else f"params.{field}"
                problems.append((path, f"unknown host {host!r}"))
    return problems


# The course's protocols, one module per family (they use Params above).
from . import builtin  # noqa: E402,F401
