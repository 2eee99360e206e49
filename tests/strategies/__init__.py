"""Hypothesis strategies of every behaviour's parameters, one module per family (the random
scenarios of tests/engine/test_random_scenarios.py draw from them)."""

from __future__ import annotations

from . import (  # noqa: F401,I001  # noqa: F401,I001
    broadcast,
    clocks,
    consensus,
    coordination,
    failure_detection,
    first,
    gossip,
    replication,
    rpc,
)
from .common import PARAMS, params_for

__all__ = ["PARAMS", "params_for"]
