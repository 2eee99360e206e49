"""Parameter strategies of the failure_detection behaviours."""

from __future__ import annotations
