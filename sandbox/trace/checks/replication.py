"""Checkers of the replication protocols' guarantees (see the base module)."""

from __future__ import annotations
