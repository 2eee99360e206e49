"""Checkers of the failure_detection protocols' guarantees (see the base module)."""

from __future__ import annotations
