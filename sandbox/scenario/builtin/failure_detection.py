"""Parameter models and registry records of the failure_detection protocols."""

from __future__ import annotations
