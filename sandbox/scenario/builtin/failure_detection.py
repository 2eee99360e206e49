"""Parameter models and registry records of the failure_detection protocols (the fixed-timeout
``heartbeat`` is recorded in :mod:`sandbox.scenario.behaviours`)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ..behaviours import Params
from ..model import Duration, Finite, Ident
from ..registry import QT_TRANSLATE_NOOP as _noop
from ..registry import BehaviourInfo, Metric, StateField, register


class AdaptiveHeartbeatParams(Params):
    """Heartbeats, with a suspicion timeout learnt from the intervals between arrivals."""

    peers: list[Ident] = Field(default_factory=list, description="Monitored hosts; empty is all")
    interval: Duration = Field(100_000_000, ge=1, description="Time between heartbeats")
    estimator: Literal["phi", "chen"] = Field(
        "phi", description="phi: phi accrual (suspicion level from the intervals' mean and "
                           "deviation); chen: the expected arrival plus a safety margin")
    threshold: Finite = Field(
        8.0, ge=0.5, le=15.0,
        description="phi: the suspicion level above which a peer is suspected "
                    "(phi 8: the chance that it is still up is 1e-8 under the learnt law)")
    min_std: Duration = Field(
        10_000_000, description="phi: the least standard deviation assumed of the intervals")
    margin: Duration = Field(
        100_000_000, description="chen: the safety margin added to the expected arrival")
    window: int = Field(50, ge=2, le=10_000, description="Intervals remembered per peer")
    max_timeout: Duration = Field(
        1_000_000_000, ge=1,
        description="The silence allowed before two intervals are known, and at most")
    host_fields: ClassVar[tuple[str, ...]] = ("peers",)


_P = "sandbox.engine.protocols"

register(BehaviourInfo(
    "adaptive_heartbeat", _noop("Behaviour", "Adaptive failure detector"),
    _noop("Behaviour", "Heartbeats, suspecting by a timeout learnt from the arrival intervals "
                       "(phi accrual or Chen)"),
    "failure_detection", AdaptiveHeartbeatParams, f"{_P}.failure_detection:adaptive_heartbeat",
    metrics=(Metric("suspicions", "", _noop("Metric", "Times a peer was suspected")),
             Metric("false_suspicions", "", _noop("Metric", "Suspicions of a host that was up"))),
    state=(StateField("suspects", _noop("State", "The peers this host suspects"), "hosts",
                      badge=True),),
    guarantees=("failure_detection.completeness", "failure_detection.accuracy")))
