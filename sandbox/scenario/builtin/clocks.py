"""Parameter models and registry records of the clocks protocols: logical clocks (Lamport,
vector) and NTP-like synchronisation."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from ..behaviours import Params
from ..model import Duration, Ident, Probability
from ..registry import QT_TRANSLATE_NOOP as _noop
from ..registry import BehaviourInfo, StateField, register


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


_P = "sandbox.engine.protocols"

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
