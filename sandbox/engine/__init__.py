"""The SimPy engine: network, clocks, failures, memory, node API and built-in protocols (no Qt)."""

from .limits import Limits, RunLimitExceeded, RunRefused
from .network import Message
from .node import Node
from .rng import Streams, stream
from .runner import Reporter, RunCancelled, RunResult, run, run_summary
from .simulation import Simulation

__all__ = ["Limits", "Message", "Node", "Reporter", "RunCancelled", "RunLimitExceeded",
           "RunRefused", "RunResult", "Simulation", "Streams", "run", "run_summary", "stream"]
