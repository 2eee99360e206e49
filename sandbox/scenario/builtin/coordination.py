"""Parameter models and registry records of the coordination protocols: mutual exclusion,
leader election and two-phase commit.

Where a protocol needs an agreed order of the hosts (the token ring, the bully's
"highest" host, the election ring), hosts are ranked by their ids in natural
order (``h2`` before ``h10``) unless a members list gives the order.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ..behaviours import Params
from ..model import Duration, Ident, Probability
from ..registry import QT_TRANSLATE_NOOP as _noop
from ..registry import BehaviourInfo, Metric, StateField, register

_P = "sandbox.engine.protocols"


# -- mutual exclusion ----------------------------------------------------------------------


class MutexParams(Params):
    """Distributed mutual exclusion: a central lock server, a token ring or Ricart-Agrawala.

    One behaviour with an ``algorithm`` choice, so the same hosts and load can be
    run under each algorithm by changing one parameter (and the three share
    their events, state and checkers).
    """

    algorithm: Literal["central", "token_ring", "ricart_agrawala"] = Field(
        "central", description="central: a coordinator queues requests and grants the lock; "
        "token_ring: a token passed around the ring; ricart_agrawala: permission from every "
        "other member, by Lamport timestamps")
    members: list[Ident] = Field(
        default_factory=list,
        description="The hosts taking part, in ring order; empty is all hosts (natural order of ids)")
    coordinator: list[Ident] = Field(
        default_factory=list, max_length=1,
        description="central: the host that grants the lock (it makes no requests of its own); "
        "empty is the first member")
    interval: Duration = Field(
        200_000_000, ge=1,
        description="Mean time (exponential) from leaving the critical section to the next request")
    hold: Duration = Field(20_000_000, ge=0, description="Time spent in the critical section")
    count: int = Field(0, ge=0, le=1_000_000_000,
                       description="Requests this host makes; 0 is unlimited")
    pass_delay: Duration = Field(
        1_000_000, ge=1_000,
        description="token_ring: how long a host keeps the token before passing it on")
    host_fields: ClassVar[tuple[str, ...]] = ("members", "coordinator")


register(BehaviourInfo(
    "mutex", _noop("Behaviour", "Mutual exclusion"),
    _noop("Behaviour", "Hosts take turns in a critical section: central server, token ring or "
                       "Ricart-Agrawala"),
    "coordination", MutexParams, f"{_P}.mutex:mutex",
    metrics=(Metric("app:cs_enter", "", _noop("Metric", "Entries into the critical section")),),
    state=(
        StateField("in_cs", _noop("State", "In the critical section"), "flag", badge=True),
        StateField("token", _noop("State", "Holds the token (token ring)"), "flag", badge=True),
        StateField("waiting", _noop("State", "Requests queued at the coordinator (central)"),
                   "number", badge=True),
        StateField("queue", _noop("State", "The hosts queued at the coordinator, in order "
                                           "(central), or whose replies are deferred "
                                           "(Ricart-Agrawala)"), "hosts"),
        StateField("role", _noop("State", "coordinator, idle, waiting (requested) or in_cs"),
                   "text", band=True),
    ),
    guarantees=("coordination.mutual_exclusion", "coordination.no_starvation")))


# -- leader election -----------------------------------------------------------------------


class ElectionParams(Params):
    """Leader election by the bully algorithm or on a ring, started when the leader is silent."""

    algorithm: Literal["bully", "ring"] = Field(
        "bully", description="bully: the highest host that answers wins; ring: an election "
        "message collects the live hosts around the ring and the highest is announced")
    members: list[Ident] = Field(
        default_factory=list,
        description="The hosts taking part, lowest to highest rank; empty is all hosts "
        "(natural order of ids)")
    heartbeat: Duration = Field(50_000_000, ge=1,
                                description="Time between the leader's heartbeats")
    timeout: Duration = Field(
        200_000_000, ge=1,
        description="Silence of the leader after which a host starts an election")
    answer_timeout: Duration = Field(
        50_000_000, ge=1,
        description="bully: how long to wait for an answer from a higher host; "
        "ring: how long to wait for the next host's acknowledgement")
    start_delay: Duration = Field(
        0, description="When the first election starts (plus a small random spread)")
    host_fields: ClassVar[tuple[str, ...]] = ("members",)


register(BehaviourInfo(
    "election", _noop("Behaviour", "Leader election"),
    _noop("Behaviour", "Elects a leader (bully or ring) and elects again when it falls silent"),
    "coordination", ElectionParams, f"{_P}.election:election",
    metrics=(Metric("app:elected", "", _noop("Metric", "Leaders elected")),),
    state=(
        StateField("role", _noop("State", "leader, follower or candidate"), "text",
                   badge=True, band=True),
        StateField("leader", _noop("State", "The host this host takes as leader"), "text",
                   badge=True),
        StateField("epoch", _noop("State", "The number of the election that chose the leader"),
                   "number"),
    ),
    guarantees=("coordination.one_leader",)))


# -- two-phase commit ----------------------------------------------------------------------


class TpcCoordinatorParams(Params):
    """Two-phase commit coordinator: asks the participants to prepare, then decides."""

    participants: list[Ident] = Field(
        default_factory=list, description="The participants; empty is every other host")
    count: int = Field(5, ge=0, le=1_000_000_000,
                       description="Transactions to run; 0 is unlimited")
    interval: Duration = Field(200_000_000, ge=1,
                               description="Time from one transaction's decision to the next")
    vote_timeout: Duration = Field(
        100_000_000, ge=1,
        description="How long to wait for the votes; a missing vote aborts the transaction")
    retransmit: Duration = Field(
        50_000_000, ge=1,
        description="Resend the prepare (while voting) and the decision (until acknowledged) "
                    "after this")
    log_time: Duration = Field(
        5_000_000,
        description="Time to force the decision to the log before sending it (a crash then "
                    "leaves the prepared participants blocked)")
    host_fields: ClassVar[tuple[str, ...]] = ("participants",)


class TpcParticipantParams(Params):
    """Two-phase commit participant: votes, then waits (blocked) for the decision."""

    yes_probability: Probability = Field(
        0.9, description="Probability of voting yes to a prepare")
    ask_interval: Duration = Field(
        100_000_000, ge=1,
        description="While prepared (uncertain), ask the coordinator for the decision this often")


register(BehaviourInfo(
    "tpc_coordinator", _noop("Behaviour", "Two-phase commit coordinator"),
    _noop("Behaviour", "Runs transactions: asks every participant to prepare, commits only if "
                       "all vote yes"),
    "coordination", TpcCoordinatorParams, f"{_P}.commit:tpc_coordinator",
    metrics=(Metric("app:tpc_decide", "", _noop("Metric", "Transactions decided")),),
    state=(
        StateField("phase", _noop("State", "idle, voting (waiting for votes), committed or "
                                           "aborted"), "text", badge=True, band=True),
        StateField("tx", _noop("State", "The current transaction"), "number", badge=True),
    ),
    guarantees=("coordination.atomicity", "coordination.commit_termination")))
register(BehaviourInfo(
    "tpc_participant", _noop("Behaviour", "Two-phase commit participant"),
    _noop("Behaviour", "Votes on each transaction and, once prepared, blocks until it learns "
                       "the decision"),
    "coordination", TpcParticipantParams, f"{_P}.commit:tpc_participant",
    state=(
        StateField("phase", _noop("State", "idle, prepared (voted yes: uncertain), committed or "
                                           "aborted"), "text", badge=True, band=True),
        StateField("tx", _noop("State", "The transaction of that phase"), "number", badge=True),
    ),
    guarantees=("coordination.atomicity", "coordination.commit_termination")))
