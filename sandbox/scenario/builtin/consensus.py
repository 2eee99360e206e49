"""Parameter models and registry records of the consensus protocols."""

from __future__ import annotations
