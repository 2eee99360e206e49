"""Helpers shared by the built-in protocols."""

from __future__ import annotations

from typing import Any

from ..network import Message


def kind(msg: Message) -> Any:
    """The ``type`` of a message whose payload is a dict (None otherwise)."""
    p = msg.payload
    return p.get("type") if isinstance(p, dict) else None
