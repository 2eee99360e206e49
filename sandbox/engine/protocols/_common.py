"""Helpers shared by the built-in protocols."""

from __future__ import annotations

from typing import Any

from ..network import Message


def kind(msg: Message) -> Any:
    """The ``type`` of a message whose payload is a dict (None otherwise)."""
    p = msg.payload
    return p.get("type") if isinstance(p, dict) else None


def crash_notice(msg: Message) -> str | None:
    """The host a fail-stop crash notice announces, or None for any other message. Only the
    engine sends notices (on its own "sys" channel): an app message that looks like one is
    not (a behaviour cannot forge it)."""
    if msg.channel != "sys" or kind(msg) != "crash_notice":
        return None
    host = msg.payload.get("host")
    return host if isinstance(host, str) else None
