"""Guarantees checked on a trace (Qt-free): see :mod:`.base` for the interface.

Each family module registers its checkers; importing this package registers all.
"""

from __future__ import annotations

# The families, each registering its checkers (the order is the order of listings).
from . import (  # noqa: E402,F401,I001  # noqa: E402,F401,I001
    broadcast,
    clocks,
    consensus,
    coordination,
    failure_detection,
    gossip,
    replication,
    rpc,
)
from .base import (
    CheckContext,
    Checker,
    CheckRun,
    CheckSink,
    Verdict,
    checker,
    checker_names,
    checkers,
    format_verdict,
    guarantees_of,
    register_checker,
    run_checks,
    unregister_checker,
)

__all__ = [
    "CheckContext",
    "CheckRun",
    "CheckSink",
    "Checker",
    "Verdict",
    "checker",
    "checker_names",
    "checkers",
    "format_verdict",
    "guarantees_of",
    "register_checker",
    "run_checks",
    "unregister_checker",
]
