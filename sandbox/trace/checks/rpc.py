"""Checkers of the rpc protocols' guarantees (see the base module)."""

from __future__ import annotations
