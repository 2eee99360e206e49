"""The gossip page: the infection curve of each rumour (hosts that know it, over time)."""

from __future__ import annotations
