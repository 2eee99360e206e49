"""Parameter strategies of the coordination behaviours."""

from __future__ import annotations
