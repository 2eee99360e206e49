"""Parameter strategies of the clocks behaviours."""

from __future__ import annotations
