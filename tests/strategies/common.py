"""What the parameter strategies share: the table they fill, units and host pickers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

US = 1_000
MS = 1_000_000
S = 1_000_000_000

#: Behaviour name -> fn(draw, ids) returning a dict with every parameter of the behaviour.
PARAMS: dict[str, Callable[[Any, list[str]], dict[str, Any]]] = {}


def params_for(name: str) -> Callable[[Callable], Callable]:
    """Register the parameter strategy of behaviour ``name`` (once)."""

    def add(fn: Callable) -> Callable:
        assert name not in PARAMS, f"two strategies for {name!r}"
        PARAMS[name] = fn
        return fn

    return add


def durations(lo: int, hi: int):
    return st.integers(lo, hi)


def hosts(ids: list[str]):
    """(a strategy of a unique list of hosts, a strategy of one host)."""
    return st.lists(st.sampled_from(ids), max_size=len(ids), unique=True), st.sampled_from(ids)
