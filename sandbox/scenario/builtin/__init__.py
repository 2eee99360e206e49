"""The records and parameter models of the course's protocols, one module per family.

:mod:`sandbox.scenario.behaviours` holds the first behaviours and the
:class:`~sandbox.scenario.behaviours.Params` base; it imports this package at
its end, so every record is registered once, in a fixed order, whatever is
imported first.
"""

from __future__ import annotations

from . import (  # noqa: F401,I001  # noqa: F401,I001
    broadcast,
    clocks,
    consensus,
    coordination,
    failure_detection,
    gossip,
    replication,
    rpc,
)
