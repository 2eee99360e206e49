"""The SimPy engine: network, clocks, failures, memory, node API and built-in protocols (no Qt)."""

from .limits import Limits, RunLimitExceeded, RunRefused
from .network import Message
from .node import Node
from .rng import Streams, stream
from .runner import Reporter, RunCancelled, RunResult, run, run_summary
from .simulation import Simulation
from .user_code import CodeNotAllowed, LoadedFile, LoadedFiles, UserCodeError, load_file, load_files

__all__ = ["CodeNotAllowed", "Limits", "LoadedFile", "LoadedFiles", "Message", "Node", "Reporter",
           "RunCancelled", "RunLimitExceeded", "RunRefused", "RunResult", "Simulation", "Streams",
           "UserCodeError", "load_file", "load_files", "run", "run_summary", "stream"]
