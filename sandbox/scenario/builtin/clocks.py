"""Parameter models and registry records of the clocks protocols: logical clocks (Lamport,
vector) and NTP-like synchronisation."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ..behaviours import Params
from ..model import Duration, Ident, Probability
from ..registry import QT_TRANSLATE_NOOP as _noop
from ..registry import BehaviourInfo, Metric, StateField, register


class LamportParams(Params):
    """Lamport clocks: local events and messages to random peers, each timestamped."""

    peers: list[Ident] = Field(default_factory=list, description="Hosts it sends to; empty is all")
    interval: Duration = Field(50_000_000, ge=1, description="Mean time between its own events")
    count: int = Field(0, ge=0, le=1_000_000_000,
                       description="Own events (local or send) to make; 0 is unlimited")
    send_ratio: Probability = Field(0.5, description="Fraction of its own events that are sends")
    host_fields: ClassVar[tuple[str, ...]] = ("peers",)


class VectorClockParams(LamportParams):
    """Vector clocks: local events and messages to random peers, each with its vector."""


class NtpServerParams(Params):
    """An NTP-like server: replies with the time a request arrived and the time it leaves."""

    service_time: Duration = Field(100_000, description="Time between a request's arrival (t2) "
                                                        "and its reply (t3)")


class NtpParams(Params):
    """An NTP-like client: four timestamps, a least-delay filter, slewing or stepping."""

    server: Ident = Field(description="Host that serves the time (ntp_server or time_server)")
    interval: Duration = Field(1_000_000_000, ge=1, description="Time between polls")
    timeout: Duration = Field(500_000_000, ge=1, description="How long to wait for a reply")
    filter: int = Field(8, ge=1, le=64, description="Samples kept; the least-delay one is used")
    mode: Literal["slew", "step", "auto"] = Field(
        "auto", description="slew: always slew (the clock never goes back); step: always step; "
                            "auto: step when the offset is larger than step_threshold")
    step_threshold: Duration = Field(
        128_000_000, description="auto: the offset above which the clock is stepped")
    host_fields: ClassVar[tuple[str, ...]] = ("server",)
    host_prefers: ClassVar[dict[str, tuple[str, ...]]] = {"server": ("ntp_server", "time_server")}


_P = "sandbox.engine.protocols"
_SKEW = Metric("max_clock_skew", "ns", _noop("Metric", "Largest spread of the hosts' clocks"))

register(BehaviourInfo(
    "lamport", _noop("Behaviour", "Lamport clock"),
    _noop("Behaviour", "Local events and messages to random peers, timestamped by Lamport's rule"),
    "clocks", LamportParams, f"{_P}.logical_clocks:lamport",
    state=(StateField("clock", _noop("State", "The host's Lamport clock"), "number",
                      badge=True),),
    guarantees=("clocks.lamport_condition",)))
register(BehaviourInfo(
    "vector_clock", _noop("Behaviour", "Vector clock"),
    _noop("Behaviour", "Local events and messages to random peers, timestamped by vector clocks"),
    "clocks", VectorClockParams, f"{_P}.logical_clocks:vector_clock",
    state=(StateField("vector", _noop("State", "The host's vector clock, by host id"), "text",
                      badge=True),),
    guarantees=("clocks.vector_condition",)))
register(BehaviourInfo(
    "ntp_server", _noop("Behaviour", "NTP server"),
    _noop("Behaviour", "Replies to clock requests with their arrival and departure times"),
    "clocks", NtpServerParams, f"{_P}.clocks:ntp_server", metrics=(_SKEW,)))
register(BehaviourInfo(
    "ntp", _noop("Behaviour", "NTP client"),
    _noop("Behaviour", "Estimates its offset from four timestamps, keeps the least-delay sample "
                       "and slews or steps its clock"),
    "clocks", NtpParams, f"{_P}.clocks:ntp", metrics=(_SKEW,),
    state=(StateField("offset", _noop("State", "The estimated offset from the server's clock"),
                      "number", badge=True),
           StateField("delay", _noop("State", "The round-trip delay of the sample used"),
                      "number")),
    guarantees=("clocks.monotonic",)))
