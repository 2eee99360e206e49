"""The built-in protocols, one module per protocol or family, written against the node API.

Each is a generator function ``(node, params)`` found through its record in the
behaviour registry (:mod:`sandbox.scenario.registry`), whose entry point
names it; ``params`` is the validated parameter model. Corrupted messages are
treated as failing their checksum: protocols discard them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Generator
from functools import cache
from typing import Any

from sandbox.scenario.registry import BehaviourInfo

from ..node import Node

#: A behaviour's code: ``fn(node, params)`` returns the generator SimPy runs.
Behaviour = Callable[[Node, Any], Generator]

__all__ = ["Behaviour", "BehaviourLoadError", "load_behaviour"]


class BehaviourLoadError(LookupError):
    """A registry record's entry point does not lead to a callable."""


@cache
def _resolve(entry_point: str) -> Behaviour:
    module_name, _, attr = entry_point.partition(":")
    try:
        fn = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise BehaviourLoadError(f"entry point {entry_point!r}: {exc}") from None
    if not callable(fn):
        raise BehaviourLoadError(f"entry point {entry_point!r} is not callable")
    return fn


def load_behaviour(info: BehaviourInfo) -> Behaviour:
    """The code of the behaviour a registry record describes (imported on first use)."""
    return _resolve(info.entry_point)
