"""Parameter strategies of the rpc behaviours."""

from __future__ import annotations
