"""Parameters of the built-in behaviours (protocols), as data: the engine implements them.

Each behaviour has a name, a one-line summary and a pydantic model of its
parameters, so that files are validated and the editor can build a form for
them without importing the engine.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .model import Duration, Ident, Probability


class Params(BaseModel):
    """Base of behaviour parameters: unknown parameters are refused."""

    model_config = ConfigDict(extra="forbid")

    #: Names of fields that hold host ids (checked against the scenario's hosts).
    host_fields: ClassVar[tuple[str, ...]] = ()


class IdleParams(Params):
    """A host that runs nothing of its own (it still serves memory and relays)."""


class ServerParams(Params):
    """Request/reply server: serves each request after a processing time, on its cores."""

    service_time: Duration = Field(1_000_000, description="Processing time of one request")
    service_dist: Literal["constant", "exponential"] = "exponential"
    queue_limit: int = Field(1000, ge=1, description="Requests waiting beyond this are refused")


class ClientParams(Params):
    """Request/reply client: sends requests to a server, with timeouts and retries."""

    server: Ident = Field(description="Host that serves the requests")
    interval: Duration = Field(100_000_000, ge=1, description="Time between requests")
    timeout: Duration = Field(50_000_000, ge=1, description="How long to wait for a reply")
    retries: int = Field(2, ge=0, le=100, description="Retries after a timeout")
    count: int = Field(0, ge=0, description="Requests to send; 0 is unlimited")
    size: int = Field(64, ge=1, description="Request size in bytes")
    host_fields: ClassVar[tuple[str, ...]] = ("server",)


class WorkloadClientParams(Params):
    """Sends requests at the scenario's workload rate profile to one or more servers."""

    servers: list[Ident] = Field(min_length=1, description="Servers, used round-robin")
    timeout: Duration = Field(1_000_000_000, ge=1)
    share: float = Field(1.0, gt=0, le=1.0, description="Fraction of the workload this client makes")
    host_fields: ClassVar[tuple[str, ...]] = ("servers",)


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


class BerkeleyParams(Params):
    """Berkeley algorithm leader: polls peers, averages the clocks, sends each its correction."""

    peers: list[Ident] = Field(default_factory=list, description="Followers; empty is all")
    interval: Duration = Field(1_000_000_000, ge=1)
    mode: Literal["step", "slew"] = "step"
    timeout: Duration = Field(500_000_000, ge=1)
    host_fields: ClassVar[tuple[str, ...]] = ("peers",)


class BroadcastParams(Params):
    """Best-effort or reliable broadcast: every host delivers what any host broadcasts."""

    mode: Literal["best_effort", "reliable"] = "best_effort"
    peers: list[Ident] = Field(default_factory=list, description="Group members; empty is all")
    count: int = Field(0, ge=0, description="Broadcasts this host originates")
    interval: Duration = Field(200_000_000, ge=1, description="Time between its broadcasts")
    retransmit: Duration = Field(
        50_000_000, ge=1, description="Reliable mode: retransmit unacknowledged copies after this"
    )
    host_fields: ClassVar[tuple[str, ...]] = ("peers",)


class DsmWorkerParams(Params):
    """Reads and writes the shared address space with an access pattern."""

    pattern: Literal["sequential", "random", "hot_spot", "local"] = "random"
    operations: int = Field(100, ge=0, description="Accesses to make; 0 is unlimited")
    write_ratio: Probability = 0.3
    think_time: Duration = Field(1_000_000, description="Pause between accesses")
    hot_fraction: Probability = Field(0.1, description="Hot spot: fraction of pages that are hot")


class PingParams(Params):
    """Sends a message to random peers at exponential intervals (the benchmark workload)."""

    peers: list[Ident] = Field(default_factory=list, description="Candidates; empty is all")
    interval: Duration = Field(10_000_000, ge=1, description="Mean time between sends")
    count: int = Field(0, ge=0, description="Messages to send; 0 is unlimited")
    host_fields: ClassVar[tuple[str, ...]] = ("peers",)


#: Built-in behaviours: name -> parameter model.
BEHAVIOURS: dict[str, type[Params]] = {
    "idle": IdleParams,
    "rr_server": ServerParams,
    "rr_client": ClientParams,
    "workload_client": WorkloadClientParams,
    "heartbeat": HeartbeatParams,
    "time_server": TimeServerParams,
    "cristian": CristianParams,
    "berkeley": BerkeleyParams,
    "broadcast": BroadcastParams,
    "dsm_worker": DsmWorkerParams,
    "ping": PingParams,
}


def behaviour_summary(name: str) -> str:
    """The first line of a behaviour's description."""
    doc = BEHAVIOURS[name].__doc__ or ""
    return doc.strip().splitlines()[0] if doc else ""


def parse_params(name: str, params: dict) -> Params:
    """Validate ``params`` for behaviour ``name`` and return the model (raises on error)."""
    return BEHAVIOURS[name].model_validate(params)


def behaviour_problems(name: str, params: dict, host_ids: set[str]) -> list[tuple[str, str]]:
    """Problems of a behaviour spec as (path, message); empty when it is valid."""
    if name not in BEHAVIOURS:
        return [("name", f"unknown behaviour {name!r} (known: {', '.join(BEHAVIOURS)})")]
    try:
        model = parse_params(name, params)
    except ValidationError as exc:
        out = []
        from .io import friendly_message

        for err in exc.errors(include_url=False):
            loc = ".".join(str(p) for p in err["loc"])
            out.append((f"params.{loc}" if loc else "params", friendly_message(err)))
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
