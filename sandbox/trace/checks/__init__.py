"""Guarantees checked on a trace (Qt-free): see :mod:`.base` for the interface.

Each family module registers its checkers; importing this package registers all.
"""

# ruff: noqa: I001 - the families are imported in the order of listings
from __future__ import annotations

from . import base as _base
from .base import *  # noqa: F403 - the interface, named once in base.__all__

# The families, each registering its checkers (the order is the order of listings).
from . import rpc, failure_detection, clocks, broadcast, gossip  # noqa: E402,F401,I001
from . import replication, coordination, consensus  # noqa: E402,F401,I001

__all__ = list(_base.__all__)
