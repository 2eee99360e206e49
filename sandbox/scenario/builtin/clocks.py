"""Parameter models and registry records of the clocks protocols."""

from __future__ import annotations
