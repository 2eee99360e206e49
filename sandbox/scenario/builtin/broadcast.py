"""Parameter models and registry records of the broadcast protocols."""

from __future__ import annotations
