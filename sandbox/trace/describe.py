"""The one describer of trace events in words, for the event log, the diagram's tooltips and
the exporters (ShiViz, Perfetto).

Texts are built from whole templates with named or numbered fields, never by
gluing English words, so that a translation can reorder them. Every template
is marked with ``QT_TRANSLATE_NOOP("Event", ...)`` for Qt's extraction tool;
a caller passes ``tr``, a function that translates a template (the GUI
passes Qt's translator; exports and the command line keep English).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..scenario.registry import QT_TRANSLATE_NOOP
from ..scenario.units import format_duration
from .events import TraceEvent

__all__ = ["CONTEXT", "KIND_LABELS", "describe_event", "event_details", "event_headline",
           "kind_label"]

#: The translation context of every template here.
CONTEXT = "Event"

Translate = Callable[[str], str]
FormatDuration = Callable[[int], str]


def _same(text: str) -> str:
    return text


def _n(text: str) -> str:
    return QT_TRANSLATE_NOOP("Event", text)


#: The name of each event kind, as a reader sees it.
KIND_LABELS: dict[str, str] = {
    "send": _n("send"), "deliver": _n("deliver"), "drop": _n("drop"),
    "corrupt": _n("corrupt"), "duplicate": _n("duplicate"), "crash": _n("crash"),
    "recover": _n("recover"), "pause": _n("pause"), "resume": _n("resume"),
    "byzantine": _n("Byzantine"), "suspect": _n("suspect"), "unsuspect": _n("unsuspect"),
    "clock_adjust": _n("clock adjust"), "mem": _n("memory"), "timer": _n("timer"),
    "app": _n("application"), "partition": _n("partition"), "heal": _n("heal"),
    "link_cut": _n("link cut"), "link_heal": _n("link heal"), "state": _n("protocol state"),
}

_T = {
    "msg_to": _n("{kind} m{msg} to {peer}"),
    "msg_from": _n("{kind} m{msg} from {peer}"),
    "msg": _n("{kind} m{msg}"),
    "channel": _n("channel {0}"),
    "bytes": _n("{0} B"),
    "byzantine": _n("Byzantine ({0})"),
    "late": _n("late"),
    "via": _n("via {0}"),
    "latency": _n("latency {0}"),
    "corrupted": _n("corrupted"),
    "copy_of": _n("copy of m{0}"),
    "duplicate": _n("a duplicate"),
    "reason": _n("reason: {0}"),
    "on_link": _n("on link {0}"),
    "state": _n("state {0}"),
    "cause": _n("cause: {0}"),
    "for": _n("for {0}"),
    "suspects": _n("suspects {0}"),
    "trusts": _n("trusts {0} again"),
    "adjust": _n("{mode} by {delta}"),
    "page": _n("{op} page {page}"),
    "page_home": _n("{op} page {page} @ {home}"),
    "remote": _n("remote"),
    "local": _n("local"),
    "cost": _n("cost {0}"),
    "failed": _n("failed"),
    "failed_why": _n("failed ({0})"),
    "one_way": _n("one way"),
    "byz_probability": _n("{behaviour}, probability {probability}"),
    "lost": _n("{text} [LOST: {reason}]"),
    "with_details": _n("{text} ({details})"),
    "field_value": _n("{field} = {value}"),
    "field_cleared": _n("{field} cleared"),
}


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                           separators=(", ", ": "))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _one_line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


def kind_label(kind: str, tr: Translate = _same) -> str:
    """The name of an event kind (translated by ``tr``); an unknown kind is its own name."""
    label = KIND_LABELS.get(kind)
    return tr(label) if label is not None else kind


def event_headline(ev: TraceEvent, tr: Translate = _same) -> str:
    """What happened, in a few words: ``deliver m12 from p0``, ``crash``, ``application``."""
    kind = kind_label(ev.kind, tr)
    if ev.msg is None:
        return kind
    if ev.peer:
        key = "msg_from" if ev.kind == "deliver" else "msg_to"
        return tr(_T[key]).format(kind=kind, msg=ev.msg, peer=ev.peer)
    return tr(_T["msg"]).format(kind=kind, msg=ev.msg)


def event_details(ev: TraceEvent, tr: Translate = _same,
                  duration: FormatDuration = format_duration, *, payload: bool = True,
                  latency: int | None = None) -> list[str]:
    """The details of an event as phrases: latency, drop reason, crash mode, page, ...

    ``duration`` formats durations; ``payload`` says whether a send shows its
    payload; ``latency`` (ns) is shown on a delivery whose data carries none.
    """
    d = ev.data or {}
    kind = ev.kind
    t = lambda key: tr(_T[key])  # noqa: E731 - a short local helper
    out: list[str] = []
    if kind == "send":
        if d.get("channel"):
            out.append(t("channel").format(d["channel"]))
        if "size" in d:
            out.append(t("bytes").format(d["size"]))
        if d.get("byz"):
            out.append(t("byzantine").format(d["byz"]))
        if d.get("late"):
            out.append(t("late"))
        if d.get("path"):
            out.append(t("via").format(" → ".join(map(str, d["path"]))))
        if payload and "payload" in d:
            out.append(_short(d["payload"]))
    elif kind == "deliver":
        lat = d.get("latency", latency)
        if isinstance(lat, int):
            out.append(t("latency").format(duration(lat)))
        if d.get("corrupted"):
            out.append(t("corrupted"))
        if d.get("byz"):
            out.append(t("byzantine").format(d["byz"]))
        if d.get("late"):
            out.append(t("late"))
        dup = d.get("dup")
        if isinstance(dup, bool):
            if dup:
                out.append(t("duplicate"))
        elif dup is not None:
            out.append(t("copy_of").format(dup))
        if d.get("channel"):
            out.append(t("channel").format(d["channel"]))
    elif kind == "drop":
        out.append(t("reason").format(d.get("reason", "?")))
        if d.get("link"):
            out.append(t("on_link").format("–".join(map(str, d["link"]))))
    elif kind == "duplicate":
        out.append(t("copy_of").format(d.get("of", "?")))
    elif kind == "crash":
        out.append(str(d.get("mode", "")).replace("_", "-"))
        if d.get("state"):
            out.append(t("state").format(d["state"]))
        if d.get("cause"):
            out.append(t("cause").format(d["cause"]))
    elif kind in ("recover", "pause", "resume"):
        if isinstance(d.get("duration"), int) and d["duration"]:
            out.append(t("for").format(duration(d["duration"])))
        if d.get("cause"):
            out.append(t("cause").format(d["cause"]))
    elif kind in ("suspect", "unsuspect"):
        target = d.get("target", ev.peer or "?")
        out.append(t("suspects" if kind == "suspect" else "trusts").format(target))
    elif kind == "clock_adjust":
        delta = d.get("delta", 0)
        delta = int(delta) if isinstance(delta, (int, float)) else 0
        out.append(t("adjust").format(mode=d.get("mode", "step"),
                                      delta=("+" if delta >= 0 else "") + duration(delta)))
        if d.get("reason"):
            out.append(str(d["reason"]))
    elif kind == "mem":
        fields = {"op": d.get("op", "?"), "page": d.get("page", "?"), "home": d.get("home")}
        out.append(t("page_home" if d.get("home") else "page").format(**fields))
        out.append(t("remote") if d.get("remote") else t("local"))
        if isinstance(d.get("cost"), int):
            out.append(t("cost").format(duration(d["cost"])))
        if d.get("ok") is False:
            out.append(t("failed_why").format(d["error"]) if d.get("error") else t("failed"))
    elif kind in ("partition", "heal"):
        sides = d.get("sides") or []
        out.append(" | ".join("[" + ", ".join(map(str, side)) + "]" if isinstance(side, list)
                              else str(side) for side in sides))
        if d.get("one_way"):
            out.append(t("one_way"))
    elif kind in ("link_cut", "link_heal"):
        if d.get("link"):
            out.append("–".join(map(str, d["link"])))
        if d.get("name"):
            out.append(str(d["name"]))
    elif kind == "byzantine":
        out.append(t("byz_probability").format(behaviour=d.get("behaviour", "?"),
                                               probability=d.get("probability", "?")))
    elif kind == "state":
        for name, value in d.items():
            if value is None:
                out.append(t("field_cleared").format(field=name))
            else:
                shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
                out.append(t("field_value").format(field=name, value=_short(shown, 40)))
    else:  # timer, app and anything new
        rest = {k: v for k, v in d.items() if k != "name"}
        if d.get("name"):
            out.append(str(d["name"]))
        if rest:
            out.append(_short(rest))
    return [_one_line(x) for x in out if x]


def describe_event(ev: TraceEvent, *, lost: str | None = None, latency: int | None = None,
                   tr: Translate = _same) -> str:
    """One line for an exported trace: ``deliver m12 from a (latency 5ms)``.

    ``lost`` is the drop reason of a message that never arrives: the text
    of its send (or of the duplicate that made it) then ends in
    ``[LOST: reason]``. ``latency`` (ns) is shown on a delivery whose data
    carries none. Payloads are left out.
    """
    text = event_headline(ev, tr)
    details = event_details(ev, tr, payload=False, latency=latency)
    if details:
        text = tr(_T["with_details"]).format(text=text, details=", ".join(details))
    if lost is not None:
        text = tr(_T["lost"]).format(text=text, reason=lost)
    return _one_line(text)
