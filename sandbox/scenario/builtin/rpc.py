"""Parameter models and registry records of the rpc protocols."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ..behaviours import Params
from ..model import Duration, Ident, Probability
from ..registry import QT_TRANSLATE_NOOP as _noop
from ..registry import BehaviourInfo, Metric, StateField, register


class RpcServerParams(Params):
    """A counter served by remote procedure call, at least once or at most once."""

    semantics: Literal["at_least_once", "at_most_once"] = Field(
        "at_least_once",
        description="at_least_once: execute every request that arrives; at_most_once: "
                    "remember executed request ids and answer retries from that table")
    service_time: Duration = Field(1_000_000, description="Time to execute one call")


class RpcClientParams(Params):
    """Calls a counter server by RPC, with timeouts and retries."""

    server: Ident = Field(description="Host that serves the calls")
    read_ratio: Probability = Field(
        0.2, description="Fraction of calls that are reads; the others increment the counter")
    interval: Duration = Field(100_000_000, ge=1, description="Time between calls")
    timeout: Duration = Field(50_000_000, ge=1, description="How long to wait for a reply")
    retries: int = Field(2, ge=0, le=100, description="Retries after a timeout")
    count: int = Field(0, ge=0, le=1_000_000_000, description="Calls to make; 0 is unlimited")
    host_fields: ClassVar[tuple[str, ...]] = ("server",)
    host_prefers: ClassVar[dict[str, tuple[str, ...]]] = {"server": ("rpc_server",)}


_P = "sandbox.engine.protocols"
_LATENCY = Metric("app:request_done.latency", "ns", _noop("Metric", "Time from a call to its reply"))

register(BehaviourInfo(
    "rpc_server", _noop("Behaviour", "RPC counter server"),
    _noop("Behaviour", "Serves a counter by remote procedure call, at least once or at most once"),
    "requests", RpcServerParams, f"{_P}.rpc:rpc_server",
    metrics=(Metric("app:rpc_execute", "", _noop("Metric", "Requests executed")),
             Metric("app:rpc_duplicate", "", _noop("Metric", "Retries not executed again"))),
    state=(StateField("executed", _noop("State", "Calls this server has executed"), "number",
                      badge=True),
           StateField("table", _noop("State", "Request ids in the at-most-once table"),
                      "number"),
           StateField("value", _noop("State", "The counter's value"), "number", badge=True)),
    guarantees=("rpc.at_most_once", "rpc.at_least_once")))
register(BehaviourInfo(
    "rpc_client", _noop("Behaviour", "RPC client"),
    _noop("Behaviour", "Calls a counter server by RPC, with timeouts and retries"),
    "requests", RpcClientParams, f"{_P}.rpc:rpc_client",
    metrics=(_LATENCY,
             Metric("app:request_failed", "", _noop("Metric", "Calls that got no reply"))),
    state=(StateField("in_flight", _noop("State", "Calls waiting for their reply"), "number",
                      badge=True),
           StateField("done", _noop("State", "Calls that got a reply"), "number"),
           StateField("failed", _noop("State", "Calls that got no reply"), "number")),
    guarantees=("rpc.at_least_once",)))
