"""Parameter models and registry records of the gossip protocols."""

from __future__ import annotations
