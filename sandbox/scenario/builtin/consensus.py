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
