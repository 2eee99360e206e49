"""Checkers of the coordination protocols' guarantees (see the base module)."""

from __future__ import annotations
