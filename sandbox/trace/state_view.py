"""How protocol state is shown (Qt-free): which fields of a host are badges and bands, and the
short text of a badge.

Each behaviour's record declares the state it reports
(:class:`~sandbox.scenario.registry.StateField`); a trace says which behaviour
each host runs (its header's scenario). The canvas badge of a host joins its
badge fields (``leader · term 3 · token``); the space-time diagram colours a
host's line by its band field (its role). Fields a trace reports that no record
declares (a user's behaviour without a record) are shown as text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..scenario.registry import QT_TRANSLATE_NOOP, StateField, behaviour, is_registered
from ..scenario.units import format_number

__all__ = ["band_field", "badge_parts", "badge_text", "field_label", "host_fields",
           "value_text", "ROLE_TONES", "role_tone"]

Translate = Callable[[str], str]


def _same(text: str) -> str:
    return text


_T = {
    "number": QT_TRANSLATE_NOOP("State", "{field} {value}"),
    "hosts": QT_TRANSLATE_NOOP("State", "{field}: {value}"),
    "none": QT_TRANSLATE_NOOP("State", "none"),
}

#: Words of roles, by tone: how strongly the views mark a host in that role.
ROLE_TONES: dict[str, tuple[str, ...]] = {
    "lead": ("leader", "primary", "coordinator", "sequencer", "holder", "in_cs", "token",
             "proposer", "master"),
    "contend": ("candidate", "electing", "prepared", "uncertain", "waiting", "wanted",
                "requesting", "proposing", "preparing"),
    "follow": ("follower", "backup", "replica", "participant", "acceptor", "learner", "idle",
               "released", "slave"),
    "done": ("committed", "decided", "chosen", "learnt", "learned", "done"),
    "bad": ("aborted", "failed", "blocked", "suspected"),
}


def role_tone(value: Any) -> str | None:
    """The tone of a role value (``"lead"``, ``"contend"``, ``"follow"``, ``"done"``,
    ``"bad"``), or None for a value of no known tone."""
    if not isinstance(value, str):
        return None
    word = value.lower()
    for tone, words in ROLE_TONES.items():
        if word in words:
            return tone
    return None


def host_fields(scenario: Mapping[str, Any] | None) -> dict[str, tuple[StateField, ...]]:
    """Host id -> the state fields its behaviour declares (hosts of unknown behaviours: none)."""
    out: dict[str, tuple[StateField, ...]] = {}
    hosts = scenario.get("hosts") if isinstance(scenario, Mapping) else None
    for h in hosts if isinstance(hosts, list) else ():
        if not isinstance(h, dict):
            continue
        b = h.get("behaviour")
        name = b.get("name") if isinstance(b, dict) else None
        out[str(h.get("id"))] = behaviour(name).state \
            if isinstance(name, str) and is_registered(name) else ()
    return out


def band_field(fields: tuple[StateField, ...]) -> str | None:
    """The field that colours the host's line in the diagram (None: none)."""
    return next((f.name for f in fields if f.band), None)


def field_label(name: str) -> str:
    """A field's name as a reader sees it: ``commit_index`` -> ``commit index``."""
    return name.replace("_", " ")


def value_text(value: Any, limit: int = 24, tr: Translate = _same) -> str:
    """A short text of a state value: numbers with the one formatter, lists joined."""
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, (int, float)):
        return format_number(value)
    if isinstance(value, list):
        if not value:
            return tr(_T["none"])
        text = ",".join(value_text(v, limit, tr) for v in value)
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def badge_parts(fields: tuple[StateField, ...], values: Mapping[str, Any],
                tr: Translate = _same) -> list[tuple[str, str]]:
    """The parts of a host's badge, as (field name, text), for its badge fields that have a
    value (a flag only when true, an empty list of hosts not at all)."""
    out = []
    for f in fields:
        if not f.badge or f.name not in values:
            continue
        v = values[f.name]
        if v is None or (f.kind == "flag" and not v) or (f.kind == "hosts" and not v):
            continue
        label = field_label(f.name)
        if f.kind == "flag":
            text = label
        elif f.kind == "number":
            text = tr(_T["number"]).format(field=label, value=value_text(v, tr=tr))
        elif f.kind == "hosts":
            text = tr(_T["hosts"]).format(field=label, value=value_text(v, tr=tr))
        else:
            text = value_text(v, tr=tr)
        out.append((f.name, text))
    return out


def badge_text(fields: tuple[StateField, ...], values: Mapping[str, Any],
               tr: Translate = _same) -> str:
    """A host's badge: its badge fields' texts joined by `` · `` (empty: no badge)."""
    return " · ".join(text for _, text in badge_parts(fields, values, tr))
