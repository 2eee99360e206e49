"""The SimPy engine: network, clocks, failures, memory, node API and built-in protocols (no Qt)."""

from .behaviours import REGISTRY
from .network import Message
from .node import Node
from .rng import Streams, stream
from .simulation import Simulation

__all__ = ["REGISTRY", "Message", "Node", "Simulation", "Streams", "stream"]
