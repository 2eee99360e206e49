"""Pydantic models of a scenario: hosts, links, groups, model, memory, workload, faults, run.

The scenario is the single source of truth of the product: the engine reads a
frozen copy, the editor changes it through undoable commands. Every time is an
integer number of nanoseconds; in files and on the command line a duration may
also be written with a unit (``"20ms"``).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from .units import MAX_DURATION, parse_duration

#: The schema version this code writes. Older files are migrated on load.
SCHEMA_VERSION: Final = 2


def _duration(value: Any) -> Any:
    # parse_duration reads text with a unit and refuses true, false, NaN and infinity.
    if isinstance(value, str | bool) or (isinstance(value, float) and not math.isfinite(value)):
        value = parse_duration(value)
    if isinstance(value, int | float) and not -MAX_DURATION <= value <= MAX_DURATION:
        raise ValueError("duration too long: the longest is 36525d (100 years)")
    return value


#: A non-negative duration in nanoseconds (a string with a unit is accepted), at most
#: :data:`~sandbox.scenario.units.MAX_DURATION` (100 years).
Duration = Annotated[
    int, BeforeValidator(_duration),
    Field(ge=0, le=MAX_DURATION, json_schema_extra={"unit": "ns"}),
]
#: A duration that may be negative (clock offsets, clock jumps).
SignedDuration = Annotated[
    int, BeforeValidator(_duration),
    Field(ge=-MAX_DURATION, le=MAX_DURATION, json_schema_extra={"unit": "ns"}),
]
#: A float that is a finite number: NaN and the infinities (also written ``"nan"``, or a
#: number such as ``1e400`` that reads as infinity) are refused. Every float of the model
#: is one, with a range of its own.
Finite = Annotated[float, Field(allow_inf_nan=False)]
#: A probability in [0, 1].
Probability = Annotated[Finite, Field(ge=0.0, le=1.0, json_schema_extra={"unit": "probability"})]
#: The largest coordinate on the canvas, either way (in scene units).
MAX_COORDINATE = 1e7
#: A position on the canvas.
Coordinate = Annotated[Finite, Field(ge=-MAX_COORDINATE, le=MAX_COORDINATE)]
#: A width or height on the canvas: 1 to a million scene units.
Extent = Annotated[Finite, Field(ge=1.0, le=1e6)]
#: The highest request rate of a workload, in requests per second.
MAX_RATE = 1e7
#: The highest bandwidth of a link: a petabit per second.
MAX_BANDWIDTH = 1e15


def _writable(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"the text holds a lone surrogate (U+{ord(text[exc.start]):04X} at position "
            f"{exc.start}), which cannot be saved in a file") from None
    return text


#: Free text (titles, labels, descriptions): any Unicode that can be written as UTF-8.
Text = Annotated[str, AfterValidator(_writable)]
#: An identifier: letters, digits, ``_``, ``-`` and ``.``.
Ident = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]


class Model(BaseModel):
    """Base of every scenario model: unknown fields are refused, assignment is validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


#: How fast a clock corrected by slewing catches up: 500 ppm, the limit NTP uses.
SLEW_PPM = 500.0


class ClockSpec(Model):
    """A host's physical clock: local(t) = offset + t * (1 + drift) quantised to resolution."""

    offset: SignedDuration = Field(0, description="Initial offset of the local clock from real time")
    drift_ppm: Finite = Field(
        0.0, ge=-100_000, le=100_000,
        description="Drift in parts per million: +50 runs 50 us fast every second",
        json_schema_extra={"unit": "ppm"},
    )
    resolution: Duration = Field(1, ge=1, description="Smallest step the clock can show")
    jitter: Duration = Field(0, description="Random error of each reading, uniform in +/- jitter")


ByzantineBehaviour = Literal["corrupt", "equivocate", "forge_clock", "replay"]


class FailureSpec(Model):
    """Every way a host may fail, random or by its own nature."""

    crash_probability: Probability = Field(
        0.0, description="Probability that the host crashes within one crash period"
    )
    crash_period: Duration = Field(
        365 * 86_400_000_000_000, ge=1,
        description="The period the crash probability refers to (a year: annual failure rate)",
    )
    mttf: Duration | None = Field(
        None, ge=1, description="Mean time to failure; when set it replaces the probability"
    )
    mttr: Duration | None = Field(
        None, ge=1, description="Mean time to repair; none means crash-stop (no recovery)"
    )
    state_on_crash: Literal["lost", "kept"] = Field(
        "lost", description="Whether volatile state (node.state) survives a crash"
    )
    crash_mode: Literal["fail_stop", "fail_silent"] = Field(
        "fail_silent",
        description="fail_stop: the other hosts are told of the crash; fail_silent: nobody is",
    )
    timing_probability: Probability = Field(
        0.0, description="Probability that a message this host sends violates its time bound"
    )
    timing_slowdown: Finite = Field(
        10.0, ge=1.0, le=1e6, description="How many times slower a late message is",
        json_schema_extra={"unit": "x"},
    )
    send_omission: Probability = Field(0.0, description="Probability a send is silently omitted")
    receive_omission: Probability = Field(
        0.0, description="Probability an arriving message is silently omitted"
    )
    byzantine_probability: Probability = Field(
        0.0, description="Probability that a message this host sends is malicious"
    )
    byzantine_behaviour: ByzantineBehaviour = Field(
        "corrupt", description="What a malicious host does to its messages"
    )

    @property
    def crash_rate(self) -> float:
        """The rate (per ns) of random crashes, the one the engine draws from: 1/MTTF when
        MTTF is set (it wins over the probability), else −ln(1 − p)/period for a crash
        probability p per period (30 per period for p = 1); 0 for a host that never fails at
        random (also for a probability so small the rate underflows)."""
        if self.mttf is not None:
            rate = 1.0 / self.mttf
        elif self.crash_probability >= 1.0:
            rate = 30.0 / self.crash_period
        else:
            rate = -math.log1p(-self.crash_probability) / self.crash_period
        return rate if rate > 0.0 and math.isfinite(rate) else 0.0


class BehaviourSpec(Model):
    """The protocol a host runs, by name, with its parameters."""

    name: Text = Field("idle", description="Behaviour name (see `sandbox behaviours`)")
    params: dict[str, Any] = Field(default_factory=dict, description="Behaviour parameters")


HostKind = Literal["machine", "vm", "container"]


class Host(Model):
    """A computer of the system: physical machine, virtual machine or container."""

    id: Ident
    label: Text = ""
    kind: HostKind = "machine"
    x: Coordinate = 0.0
    y: Coordinate = 0.0
    group: Ident | None = Field(None, description="The group (rack, data centre, region) it is in")
    cores: int = Field(1, ge=1, le=1024, description="Processor cores")
    clock: ClockSpec = Field(default_factory=ClockSpec)
    failures: FailureSpec = Field(default_factory=FailureSpec)
    memory_pages: int = Field(
        0, ge=0, le=1_000_000, description="Pages this host contributes to the DSM pool"
    )
    behaviour: BehaviourSpec = Field(default_factory=BehaviourSpec)

    @property
    def title(self) -> str:
        """The label, or the id where there is none."""
        return self.label or self.id


LatencyDist = Literal["constant", "uniform", "normal", "exponential", "lognormal", "pareto"]


class LatencySpec(Model):
    """A one-way latency distribution, described by its mean, spread and shape.

    constant: always ``mean``; uniform: ``mean +/- spread``; normal: mean and
    standard deviation ``spread`` (cut at 0); exponential: mean; lognormal:
    mean with log-standard-deviation ``shape``; pareto: mean with tail index
    ``shape`` (> 1; smaller is heavier).
    """

    dist: LatencyDist = "constant"
    mean: Duration = Field(1_000_000, description="Mean one-way latency")
    spread: Duration = Field(0, description="Half width (uniform) or standard deviation (normal)")
    shape: Finite = Field(
        1.5, gt=0, le=100, description="Log-std (lognormal) or tail index (pareto)"
    )

    @model_validator(mode="after")
    def _check(self) -> LatencySpec:
        if self.dist == "uniform" and self.spread > self.mean:
            raise ValueError("uniform latency: spread must not exceed mean (no negative latency)")
        if self.dist == "pareto" and self.shape <= 1.0:
            raise ValueError("pareto latency: shape (tail index) must be greater than 1")
        return self


class Link(Model):
    """A network link between two hosts, both ways unless ``directed``."""

    a: Ident
    b: Ident
    latency: LatencySpec | None = Field(
        None, description="Latency; none means the default for the hosts' locality"
    )
    bandwidth: Finite | None = Field(
        None, gt=0, le=MAX_BANDWIDTH, description="Bandwidth in bits per second; none is unlimited",
        json_schema_extra={"unit": "bit/s"},
    )
    loss: Probability = 0.0
    corruption: Probability = 0.0
    duplication: Probability = 0.0
    reordering: Probability = Field(0.0, description="Probability a message may overtake others")
    timing_probability: Probability = Field(
        0.0, description="Probability a message on this link violates its time bound"
    )
    timing_slowdown: Finite = Field(10.0, ge=1.0, le=1e6, json_schema_extra={"unit": "x"})
    directed: bool = Field(False, description="One way only, from a to b")


GroupKind = Literal["rack", "datacenter", "region"]


class Group(Model):
    """A box on the canvas: a rack, a data centre or a region; groups nest through ``parent``."""

    id: Ident
    label: Text = ""
    kind: GroupKind = "rack"
    parent: Ident | None = None
    x: Coordinate = 0.0
    y: Coordinate = 0.0
    width: Extent = 300.0
    height: Extent = 200.0


class LocalityLatency(Model):
    """Default one-way latencies by how far apart two hosts are."""

    same_host: Duration = Field(100, description="Core to core on one host")
    same_rack: Duration = Field(50_000, description="Hosts in one rack")
    same_datacenter: Duration = Field(500_000, description="Racks in one data centre")
    same_region: Duration = Field(2_000_000, description="Data centres in one region")
    cross_region: Duration = Field(50_000_000, description="Between regions")


class ComputationModel(Model):
    """Communication x synchrony: the computational model of the system."""

    communication: Literal["message_passing", "shared_memory", "dsm"] = "message_passing"
    synchrony: Literal["synchronous", "partially_synchronous", "asynchronous"] = "asynchronous"
    delivery_bound: Duration = Field(
        10_000_000, ge=1, description="Synchronous bound on message delivery"
    )
    step_bound: Duration = Field(1_000_000, ge=1, description="Synchronous bound on a local step")
    gst: Duration = Field(
        1_000_000_000, description="Global stabilisation time (partially synchronous)"
    )
    async_tail: Finite = Field(
        3.0, gt=1.0, le=10.0,
        description="Tail index of the asynchronous delay factor (smaller is heavier)",
    )


class MemorySpec(Model):
    """Memory layout: shared memory, or the pages of a DSM pool and what access costs."""

    page_size: int = Field(4096, ge=1, le=1 << 30, json_schema_extra={"unit": "bytes"})
    pages: int = Field(64, ge=1, le=10_000_000, description="Pages in the shared address space")
    placement: Literal["round_robin", "blocked", "by_capacity"] = "round_robin"
    local_cost: Duration = Field(100, description="Cost of a local access")
    remote_cost: Duration = Field(
        1_000, description="Processing at the home host of a remote access (network is extra)"
    )
    coherence: Literal["fixed_home", "migrate_on_write", "read_replication"] = "fixed_home"
    bus_capacity: int = Field(
        1, ge=1, le=1024, description="Concurrent accesses the memory bus serves (shared memory)"
    )
    timeout: Duration = Field(100_000_000, ge=1, description="Remote access timeout per try")
    retries: int = Field(3, ge=0, le=100)


class RatePoint(Model):
    """A point of a custom piecewise-linear rate profile."""

    t: Duration
    rate: Finite = Field(ge=0, le=MAX_RATE, json_schema_extra={"unit": "req/s"})


class WorkloadSpec(Model):
    """How many client requests arrive per second over time."""

    profile: Literal["constant", "diurnal", "lunch_peak", "black_friday", "custom"] = "constant"
    base_rate: Finite = Field(10.0, ge=0, le=MAX_RATE, json_schema_extra={"unit": "req/s"})
    peak_rate: Finite = Field(100.0, ge=0, le=MAX_RATE, json_schema_extra={"unit": "req/s"})
    period: Duration = Field(
        86_400_000_000_000, ge=1, description="Length of one day of the profile"
    )
    spike_at: Duration = Field(0, description="Black Friday: when the spike starts")
    spike_length: Duration = Field(1_000_000_000, ge=1, description="Black Friday: how long")
    points: list[RatePoint] = Field(default_factory=list, description="Custom profile points")

    @model_validator(mode="after")
    def _check(self) -> WorkloadSpec:
        if self.profile == "custom" and not self.points:
            raise ValueError("a custom workload profile needs at least one point")
        times = [p.t for p in self.points]
        if times != sorted(times):
            raise ValueError("custom workload points must be in increasing time order")
        return self


class CrashFault(Model):
    """Crash a host at a time."""

    kind: Literal["crash"] = "crash"
    host: Ident
    at: Duration


class RecoverFault(Model):
    """Recover a crashed host at a time."""

    kind: Literal["recover"] = "recover"
    host: Ident
    at: Duration


class PauseFault(Model):
    """Pause a host (it stops stepping but keeps its state) for a while."""

    kind: Literal["pause"] = "pause"
    host: Ident
    at: Duration
    duration: Duration = Field(ge=1)


class ByzantineFault(Model):
    """Make a host Byzantine from a time on."""

    kind: Literal["byzantine"] = "byzantine"
    host: Ident
    at: Duration
    behaviour: ByzantineBehaviour = "corrupt"
    probability: Probability = 1.0


class PartitionFault(Model):
    """Cut the network between sets of hosts from ``start`` to ``end`` (one way if asked)."""

    kind: Literal["partition"] = "partition"
    sides: list[list[Ident]] = Field(min_length=2)
    start: Duration
    end: Duration | None = None
    one_way: bool = Field(False, description="Block only from the first side to the others")

    @model_validator(mode="after")
    def _check(self) -> PartitionFault:
        if self.end is not None and self.end <= self.start:
            raise ValueError("partition end must be after its start")
        seen: set[str] = set()
        for side in self.sides:
            for host in side:
                if host in seen:
                    raise ValueError(f"host {host!r} is on more than one side of the partition")
                seen.add(host)
        return self


def partition_blocks(sides: Sequence[Collection[str]], one_way: bool, a: str, b: str) -> bool:
    """Whether a partition with these sides stops a message from host ``a`` to host ``b``.

    Hosts on no side are not affected; a one-way partition stops only messages
    from the first side to the others.
    """
    side_a = side_b = -1
    for i, side in enumerate(sides):
        if a in side:
            side_a = i
        if b in side:
            side_b = i
    if side_a < 0 or side_b < 0 or side_a == side_b:
        return False
    return not (one_way and side_a != 0)


class ClockJumpFault(Model):
    """Step a host's clock by ``delta`` at a time."""

    kind: Literal["clock_jump"] = "clock_jump"
    host: Ident
    at: Duration
    delta: SignedDuration


class LossBurstFault(Model):
    """Raise the loss of the link between ``a`` and ``b`` for a while."""

    kind: Literal["loss_burst"] = "loss_burst"
    a: Ident
    b: Ident
    start: Duration
    end: Duration
    loss: Probability = 1.0

    @model_validator(mode="after")
    def _check(self) -> LossBurstFault:
        if self.end <= self.start:
            raise ValueError("loss burst end must be after its start")
        return self


class LinkCutFault(Model):
    """Cut the link between ``a`` and ``b`` from ``start`` (until ``end`` if given)."""

    kind: Literal["link_cut"] = "link_cut"
    a: Ident
    b: Ident
    start: Duration
    end: Duration | None = None

    @model_validator(mode="after")
    def _check(self) -> LinkCutFault:
        if self.end is not None and self.end <= self.start:
            raise ValueError("link cut end must be after its start")
        return self


class DropMessageFault(Model):
    """Drop the message with this id while it is in flight (made by a click on it)."""

    kind: Literal["drop_message"] = "drop_message"
    msg: int = Field(ge=0, le=2**63 - 1)
    at: Duration


Fault = Annotated[
    CrashFault | RecoverFault | PauseFault | ByzantineFault | PartitionFault | ClockJumpFault
    | LossBurstFault | LinkCutFault | DropMessageFault,
    Field(discriminator="kind"),
]


class RunSpec(Model):
    """Seed and length of a run."""

    seed: int = Field(1, ge=0, le=2**63 - 1)
    duration: Duration = Field(10_000_000_000, ge=1)


class BehaviourFile(Model):
    """A Python file of the user's that defines behaviours, named by a scenario.

    ``path`` is relative to the scenario's folder (``/`` between parts);
    ``sha256`` is the file's hash when it was recorded (loading it again asks
    for consent when it differs); ``behaviours`` the names it defines, as
    recorded, so that a scenario naming them validates without running the
    file's code.
    """

    path: Text = Field(min_length=1, max_length=1024,
                       description="The file, relative to the scenario's folder")
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$",
                               description="The file's SHA-256 when it was recorded")
    behaviours: list[Ident] = Field(default_factory=list,
                                    description="The behaviours the file defines")


class Scenario(Model):
    """A whole scenario: what the user builds, saves, runs and shares."""

    schema_version: Literal[2] = SCHEMA_VERSION
    title: Text = ""
    description: Text = ""
    hosts: list[Host] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    groups: list[Group] = Field(default_factory=list)
    model: ComputationModel = Field(default_factory=ComputationModel)
    locality: LocalityLatency = Field(default_factory=LocalityLatency)
    memory: MemorySpec = Field(default_factory=MemorySpec)
    workload: WorkloadSpec = Field(default_factory=WorkloadSpec)
    faults: list[Fault] = Field(default_factory=list)
    run: RunSpec = Field(default_factory=RunSpec)
    behaviour_files: list[BehaviourFile] = Field(
        default_factory=list, description="The user's behaviour files the hosts may name")

    # "constants": a NaN stays a float through the serializer below (as without one), so
    # writing a scenario that holds one is refused instead of writing null
    model_config = ConfigDict(extra="forbid", validate_assignment=False,
                              ser_json_inf_nan="constants")

    @model_serializer(mode="wrap")
    def _leave_out_no_files(self, handler: SerializerFunctionWrapHandler,
                            info: SerializationInfo) -> Any:
        """A scenario without behaviour files is written as before they existed (the same
        bytes, so the same hashes and trace fingerprints)."""
        data = handler(self)
        if isinstance(data, dict) and not data.get("behaviour_files"):
            data.pop("behaviour_files", None)
        return data

    def user_behaviours(self) -> dict[str, BehaviourFile]:
        """Behaviour name -> the file that defines it, for the names the files record."""
        return {name: f for f in self.behaviour_files for name in f.behaviours}

    def host(self, host_id: str) -> Host:
        """Return the host with this id (KeyError if there is none)."""
        for host in self.hosts:
            if host.id == host_id:
                return host
        raise KeyError(host_id)

    def host_ids(self) -> list[str]:
        """The host ids in order."""
        return [h.id for h in self.hosts]

    @model_validator(mode="after")
    def _cross_check(self) -> Scenario:
        problems = cross_field_problems(self)
        if problems:
            raise ValueError("\n".join(f"{path}: {msg}" for path, msg in problems))
        return self


def cross_field_problems(s: Scenario) -> list[tuple[str, str]]:
    """Every problem across fields, as (path, message): unknown hosts, groups, duplicates."""
    from .behaviours import behaviour_problems

    problems: list[tuple[str, str]] = []
    host_ids: set[str] = set()
    for i, h in enumerate(s.hosts):
        if h.id in host_ids:
            problems.append((f"hosts[{i}].id", f"duplicate host id {h.id!r}"))
        host_ids.add(h.id)
    group_ids: set[str] = set()
    for i, g in enumerate(s.groups):
        if g.id in group_ids:
            problems.append((f"groups[{i}].id", f"duplicate group id {g.id!r}"))
        group_ids.add(g.id)
    for i, g in enumerate(s.groups):
        if g.parent is not None and g.parent not in group_ids:
            problems.append((f"groups[{i}].parent", f"unknown group {g.parent!r}"))
    parents = {g.id: g.parent for g in s.groups}
    for i, g in enumerate(s.groups):
        seen, cur = {g.id}, g.parent
        while cur is not None and cur in parents:
            if cur in seen:
                problems.append((f"groups[{i}].parent", "groups form a cycle"))
                break
            seen.add(cur)
            cur = parents[cur]
    from .registry import behaviour as registered_behaviour
    from .registry import is_registered

    def builtin(name: str) -> bool:
        return is_registered(name) and registered_behaviour(name).origin == "builtin"

    defined: dict[str, int] = {}
    for j, f in enumerate(s.behaviour_files):
        for k, name in enumerate(f.behaviours):
            if name in defined or builtin(name):
                problems.append((f"behaviour_files[{j}].behaviours[{k}]",
                                 f"behaviour {name!r} is defined twice" if name in defined
                                 else f"{name!r} is the name of a built-in behaviour"))
            defined.setdefault(name, j)
    for i, h in enumerate(s.hosts):
        if h.group is not None and h.group not in group_ids:
            problems.append((f"hosts[{i}].group", f"unknown group {h.group!r}"))
        if h.behaviour.name in defined and not is_registered(h.behaviour.name):
            continue  # a user's behaviour: its parameters are checked when its file is loaded
        for path, msg in behaviour_problems(h.behaviour.name, h.behaviour.params, host_ids):
            problems.append((f"hosts[{i}].behaviour.{path}", msg))
    for i, link in enumerate(s.links):
        for end in ("a", "b"):
            host = getattr(link, end)
            if host not in host_ids:
                problems.append((f"links[{i}].{end}", f"unknown host {host!r}"))
        if link.a == link.b:
            problems.append((f"links[{i}].b", "a link must join two different hosts"))
    problems += _link_problems(s, host_ids)
    for i, fault in enumerate(s.faults):
        for name in ("host", "a", "b"):
            host = getattr(fault, name, None)
            if host is not None and host not in host_ids:
                problems.append((f"faults[{i}].{name}", f"unknown host {host!r}"))
        if isinstance(fault, PartitionFault):
            for j, side in enumerate(fault.sides):
                for k, host in enumerate(side):
                    if host not in host_ids:
                        problems.append((f"faults[{i}].sides[{j}][{k}]", f"unknown host {host!r}"))
    return problems


def _link_problems(s: Scenario, host_ids: set[str]) -> list[tuple[str, str]]:
    """Duplicate links, and link faults on a pair of hosts that no link joins."""
    problems: list[tuple[str, str]] = []
    first: dict[tuple[str, ...], int] = {}
    linked: set[frozenset[str]] = set()
    for i, link in enumerate(s.links):
        # Two links are the same when they join the same pair the same way: both ways
        # (in either order), or one way from the same host.
        key = (link.a, link.b, "->") if link.directed else (*sorted((link.a, link.b)), "--")
        if key in first:
            way = (f"goes from {link.a} to {link.b}" if link.directed
                   else f"joins {link.a} and {link.b} both ways")
            problems.append((f"links[{i}]", f"duplicate of links[{first[key]}], which already "
                                            f"{way}"))
        else:
            first[key] = i
        linked.add(frozenset((link.a, link.b)))
    for i, fault in enumerate(s.faults):
        if (isinstance(fault, LinkCutFault | LossBurstFault) and fault.a in host_ids
                and fault.b in host_ids and frozenset((fault.a, fault.b)) not in linked):
            problems.append((f"faults[{i}]", f"no link between {fault.a} and {fault.b}"))
    return problems
