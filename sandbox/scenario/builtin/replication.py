"""Parameter models and registry records of the replication protocols: primary-backup with a
heartbeat failure detector and failover, quorum replication (N, R, W) with read repair, and
a key-value client that drives either."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ..behaviours import Params
from ..model import Duration, Ident, Probability
from ..registry import QT_TRANSLATE_NOOP as _noop
from ..registry import BehaviourInfo, Metric, StateField, register


class PrimaryBackupParams(Params):
    """A replica of a primary-backup group: heartbeats, failover by views, writes forwarded."""

    replicas: list[Ident] = Field(
        min_length=1,
        description="The group's replicas in order: view v's primary is replica v mod N")
    interval: Duration = Field(50_000_000, ge=1, description="Time between heartbeats")
    timeout: Duration = Field(
        150_000_000, ge=1,
        description="Silence after which a replica is suspected (the primary: a failover)")
    host_fields: ClassVar[tuple[str, ...]] = ("replicas",)
    host_prefers: ClassVar[dict[str, tuple[str, ...]]] = {"replicas": ("primary_backup",)}


class QuorumReplicaParams(Params):
    """A replica of a quorum-replicated store: keeps key -> (version, value)."""


class KvClientParams(Params):
    """Reads and writes keys on a replicated store, quorum or primary-backup."""

    replicas: list[Ident] = Field(
        min_length=1, description="The store's replicas (quorum: N is their number)")
    protocol: Literal["quorum", "primary_backup"] = Field(
        "quorum",
        description="quorum: ask R replicas to read, W to write; primary_backup: send each "
                    "operation to the primary, following redirects")
    r: int = Field(2, ge=1, le=1000,
                   description="Quorum: replies a read waits for (R; more than N is read as N)")
    w: int = Field(2, ge=1, le=1000,
                   description="Quorum: acknowledgements a write waits for (W; more than N is "
                               "read as N)")
    read_repair: bool = Field(
        True, description="Quorum: write the newest value back to the stale replicas a read saw")
    read_ratio: Probability = Field(0.5, description="Fraction of operations that are reads")
    keys: int = Field(3, ge=1, le=1000, description="Keys used (k0, k1, ...), picked at random")
    interval: Duration = Field(50_000_000, ge=1, description="Time between operations")
    timeout: Duration = Field(
        100_000_000, ge=1,
        description="How long one try waits for its replies (quorum: then every replica not "
                    "yet heard is asked; primary-backup: the next replica is tried)")
    retries: int = Field(2, ge=0, le=100,
                         description="Tries after the first before the operation fails")
    count: int = Field(0, ge=0, le=1_000_000_000,
                       description="Operations to make; 0 is unlimited")
    host_fields: ClassVar[tuple[str, ...]] = ("replicas",)
    host_prefers: ClassVar[dict[str, tuple[str, ...]]] = {"replicas": ("quorum_replica", "primary_backup")}


_P = "sandbox.engine.protocols"

register(BehaviourInfo(
    "primary_backup", _noop("Behaviour", "Primary-backup replica"),
    _noop("Behaviour",
          "The primary applies writes, forwards them to the live backups and replies once they "
          "acknowledge; a backup takes over when the primary falls silent"),
    "replication", PrimaryBackupParams, f"{_P}.replication:primary_backup",
    metrics=(Metric("app:pb_view_change", "", _noop("Metric", "Views this replica moved to")),),
    state=(StateField("role", _noop("State", "Primary or backup"), "text", badge=True,
                      band=True),
           StateField("view", _noop("State", "The view number (its primary is replica view "
                                             "mod N)"), "number", badge=True),
           StateField("primary", _noop("State", "The replica this one believes is primary"),
                      "text")),
    guarantees=("replication.single_primary", "replication.one_primary_at_a_time",
                "replication.read_latest")))
register(BehaviourInfo(
    "quorum_replica", _noop("Behaviour", "Quorum replica"),
    _noop("Behaviour",
          "Keeps key -> (version, value); answers reads and keeps a written value only if its "
          "version is newer"),
    "replication", QuorumReplicaParams, f"{_P}.replication:quorum_replica",
    state=(StateField("keys", _noop("State", "Keys this replica holds"), "number", badge=True),
           StateField("latest", _noop("State", "The highest version counter it holds"),
                      "number", badge=True)),
    guarantees=("replication.read_latest",)))
register(BehaviourInfo(
    "kv_client", _noop("Behaviour", "Key-value client"),
    _noop("Behaviour",
          "Reads and writes keys on a replicated store: quorum (R of N, W of N) or "
          "primary-backup"),
    "replication", KvClientParams, f"{_P}.replication:kv_client",
    metrics=(Metric("app:request_done.latency", "ns",
                    _noop("Metric", "Time from an operation to its result")),
             Metric("app:request_failed", "", _noop("Metric", "Operations that failed")),
             Metric("app:kv_repair", "", _noop("Metric", "Read repairs sent"))),
    state=(StateField("in_flight", _noop("State", "Operations waiting for their result"),
                      "number", badge=True),
           StateField("done", _noop("State", "Operations that succeeded"), "number"),
           StateField("failed", _noop("State", "Operations that failed"), "number")),
    guarantees=("replication.read_latest",)))
