"""Checkers of the broadcast protocols' guarantees (see the base module)."""

from __future__ import annotations
