"""Parameter models and registry records of the gossip protocols."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ..behaviours import Params
from ..model import Duration, Ident
from ..registry import QT_TRANSLATE_NOOP as _noop
from ..registry import BehaviourInfo, Metric, StateField, register

_P = "sandbox.engine.protocols"


class GossipParams(Params):
    """Rumour mongering: every round a host contacts a few random members, pushing the
    rumours it still spreads, pulling those it lacks, or both, until a stop rule cools them."""

    mode: Literal["push", "pull", "push_pull"] = Field(
        "push", description="Push: send hot rumours to the contacted members; pull: ask them "
        "for theirs; push_pull: both")
    fanout: int = Field(2, ge=1, le=1000, description="Members contacted each round")
    round: Duration = Field(100_000_000, ge=1, description="Time between this host's rounds")
    rumours: int = Field(0, ge=0, le=1_000_000, description="Rumours this host starts")
    start: Duration = Field(100_000_000, ge=0, description="When this host starts its first rumour")
    every: Duration = Field(500_000_000, ge=1, description="Time between the rumours it starts")
    stop: Literal["rounds", "feedback"] = Field(
        "feedback", description="When a host stops spreading a rumour: after a number of "
        "rounds (blind), or after k contacts that already knew it (feedback)")
    rounds: int = Field(5, ge=1, le=1_000_000, description="Stop rule rounds: rounds a rumour is spread after it is learned")
    k: int = Field(2, ge=1, le=1_000_000, description="Stop rule feedback: contacts that already knew it before it is dropped")
    peers: list[Ident] = Field(default_factory=list, description="Group members; empty is all")
    host_fields: ClassVar[tuple[str, ...]] = ("peers",)


register(BehaviourInfo(
    "gossip", _noop("Behaviour", "Gossip"),
    _noop("Behaviour", "Spreads rumours by push, pull or push-pull rounds to random members"),
    "gossip", GossipParams, f"{_P}.gossip:gossip",
    metrics=(Metric("app:gossip_infected", "", _noop("Metric", "Hosts that learned a rumour")),),
    state=(StateField("infected", _noop("State", "Whether this host knows a rumour"), "flag",
                      badge=True),
           StateField("known", _noop("State", "Rumours this host knows"), "number", badge=True),
           StateField("hot", _noop("State", "Rumours this host still spreads"), "number")),
    guarantees=("gossip.coverage", "gossip.integrity")))
