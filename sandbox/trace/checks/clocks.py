"""Checkers of the clocks protocols' guarantees (see the base module)."""

from __future__ import annotations
