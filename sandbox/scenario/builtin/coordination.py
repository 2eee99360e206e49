"""Parameter models and registry records of the coordination protocols."""

from __future__ import annotations
