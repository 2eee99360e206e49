"""Parameter strategies of the gossip behaviours."""

from __future__ import annotations
