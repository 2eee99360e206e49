"""Checkers of the consensus protocols' guarantees (see the base module)."""

from __future__ import annotations
