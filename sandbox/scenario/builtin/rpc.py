"""Parameter models and registry records of the rpc protocols."""

from __future__ import annotations
