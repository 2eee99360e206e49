"""Parameter models and registry records of the replication protocols."""

from __future__ import annotations
