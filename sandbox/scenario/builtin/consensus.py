"""Parameter models and registry records of the consensus protocols."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from ..behaviours import Params
from ..model import Duration, Ident
from ..registry import QT_TRANSLATE_NOOP as _noop
from ..registry import BehaviourInfo, Metric, StateField, register

_P = "sandbox.engine.protocols"


class RaftParams(Params):
    """A Raft server: leader election, log replication, commit by majority, apply in order."""

    members: list[Ident] = Field(
        default_factory=list,
        description="The servers of the cluster (this host is one of them); empty is this host "
                    "and all its peers")
    election_min: Duration = Field(150_000_000, ge=1,
                                   description="Shortest election timeout (drawn at random)")
    election_max: Duration = Field(300_000_000, ge=1,
                                   description="Longest election timeout (drawn at random)")
    heartbeat: Duration = Field(50_000_000, ge=1,
                                description="Time between the leader's AppendEntries")
    command_interval: Duration = Field(
        200_000_000, description="Time between the commands a leader makes; 0 makes none")
    commands: int = Field(0, ge=0, le=1_000_000_000,
                          description="Commands this host makes as leader; 0 is unlimited")
    max_entries: int = Field(16, ge=1, le=10_000,
                             description="Most log entries in one AppendEntries")
    host_fields: ClassVar[tuple[str, ...]] = ("members",)

    @model_validator(mode="after")
    def _check(self) -> RaftParams:
        if self.election_max < self.election_min:
            raise ValueError("election_max must not be below election_min")
        return self


register(BehaviourInfo(
    "raft", _noop("Behaviour", "Raft"),
    _noop("Behaviour", "Elects a leader per term with random timeouts; the leader replicates its "
                       "log and commits entries a majority holds"),
    "consensus", RaftParams, f"{_P}.raft:raft",
    metrics=(Metric("app:raft_leader", "", _noop("Metric", "Leaders elected")),
             Metric("app:raft_commit", "", _noop("Metric", "Commit index advances"))),
    state=(StateField("role", _noop("State", "Follower, candidate or leader"), "text",
                      badge=True, band=True),
           StateField("term", _noop("State", "The current term"), "number", badge=True),
           StateField("leader", _noop("State", "The leader this host knows of")),
           StateField("commit_index", _noop("State", "The highest log index known committed"),
                      "number"),
           StateField("log_length", _noop("State", "Entries in the log"), "number"),
           StateField("voted_for", _noop("State", "The candidate voted for in this term"))),
    guarantees=("consensus.election_safety", "consensus.log_matching",
                "consensus.leader_completeness", "consensus.state_machine_safety")))


class PaxosParams(Params):
    """Single-decree Paxos: acceptor and learner, and a proposer if asked."""

    members: list[Ident] = Field(
        default_factory=list,
        description="The acceptors and learners (this host is one of them); empty is this host "
                    "and all its peers")
    proposer: bool = Field(True, description="Whether this host proposes a value")
    value: str = Field("", max_length=200,
                       description="The value this host proposes; empty is its host id")
    delay_min: Duration = Field(0, description="Shortest wait before the first proposal")
    delay_max: Duration = Field(100_000_000, description="Longest wait before the first proposal")
    timeout: Duration = Field(100_000_000, ge=1,
                              description="How long a phase waits for a majority's replies")
    backoff: Duration = Field(100_000_000,
                              description="Longest random wait before a retry with a higher ballot")
    host_fields: ClassVar[tuple[str, ...]] = ("members",)

    @model_validator(mode="after")
    def _check(self) -> PaxosParams:
        if self.delay_max < self.delay_min:
            raise ValueError("delay_max must not be below delay_min")
        return self


register(BehaviourInfo(
    "paxos", _noop("Behaviour", "Paxos (single decree)"),
    _noop("Behaviour", "Proposers ask a majority of acceptors to promise and then accept a "
                       "ballot; a value accepted by a majority is chosen"),
    "consensus", PaxosParams, f"{_P}.paxos:paxos",
    metrics=(Metric("app:paxos_learn", "", _noop("Metric", "Hosts that learnt the value")),),
    state=(StateField("phase", _noop("State", "Acceptor, waiting, prepare, accept or learnt"),
                      "text", badge=True, band=True),
           StateField("promised", _noop("State", "The round of the ballot promised"), "number"),
           StateField("accepted", _noop("State", "The value accepted")),
           StateField("chosen", _noop("State", "The value learnt as chosen"), badge=True)),
    guarantees=("consensus.paxos_agreement", "consensus.paxos_validity")))
