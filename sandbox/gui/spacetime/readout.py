"""The texts of the space-time diagram: the selected event's readout, tooltips."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from sandbox.scenario.units import seconds_text
from sandbox.trace.timeline import Timeline

from ..event_log import event_details, event_title, format_ns
from ..player import time_digits
from .frame import Selection

__all__ = ["selection_html", "tooltip_text"]


def _tr(text: str) -> str:
    return QCoreApplication.translate("SpaceTimeView", text)


def selection_html(tl: Timeline | None, sel: Selection | None) -> str:
    """The readout of the selected event: what, when, its Lamport and vector clocks (rich text)."""
    if tl is None or sel is None:
        return _tr("Click an event to see its causal past and future "
                   "and its Lamport and vector clocks.")
    i = sel.seq
    digits = time_digits(tl.end) + 3
    parts = [f"<b>{event_title(tl, i)}</b>"]
    details = event_details(tl, i)
    if details:
        parts.append(details.replace("&", "&amp;").replace("<", "&lt;"))
    parts.append(_tr("t = {0} s").format(seconds_text(int(tl.t[i]), digits)))
    if tl.host_code[i] >= 0:
        parts.append(_tr("local {0} s").format(seconds_text(int(tl.local[i]), digits)))
        lamport = tl.lamport_clock(i)
        vector = tl.vector_clock(i) or {}
        parts.append(_tr("Lamport {0}").format(lamport))
        parts.append(_tr("vector ⟨{0}⟩").format(
            ", ".join(f"{h}:{vector[h]}" for h in tl.hosts if h in vector)))
        past = int(sel.past.sum())
        future = int(sel.future.sum())
        parts.append(_tr("{0} events before, {1} after").format(past, future))
    return " · ".join(parts)


def tooltip_text(tl: Timeline, seq: int) -> str:
    """The tooltip of event ``seq``: what it is, its real time and its host's local time."""
    digits = time_digits(tl.end) + 3
    text = event_title(tl, seq)
    details = event_details(tl, seq)
    if details:
        text += "\n" + details
    text += "\n" + _tr("t = {0} s").format(seconds_text(int(tl.t[seq]), digits))
    if tl.host_code[seq] >= 0:
        skew = int(tl.local[seq]) - int(tl.t[seq])
        text += "  " + _tr("(local {0} s, {1} {2})").format(
            seconds_text(int(tl.local[seq]), digits), "+" if skew >= 0 else "", format_ns(skew))
    return text
