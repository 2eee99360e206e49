"""Checkers of the gossip protocols' guarantees (see the base module)."""

from __future__ import annotations
