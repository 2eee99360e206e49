"""Parameter strategies of the replication behaviours."""

from __future__ import annotations
