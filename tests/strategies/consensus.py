"""Parameter strategies of the consensus behaviours."""

from __future__ import annotations
