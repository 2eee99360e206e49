"""Trace events: what the engine reports, and the one format every view and exporter reads.

An event is a :class:`TraceEvent` named tuple:

``seq``   its index in the trace (0, 1, 2, ...)
``t``     real (simulated) time in integer nanoseconds
``kind``  one of :data:`KINDS`
``host``  the host it happened on ("" for events of the network as a whole)
``local`` that host's local clock reading at ``t`` (ns); equals ``t`` when host is ""
``msg``   the message id it concerns, or None
``peer``  the other host: destination of a send, source of a delivery, or None
``data``  a dict of details, always JSON-serialisable; see below

Causal links: a ``send`` creates message ``msg``; its ``deliver`` (and any
``drop``/``corrupt`` of it) carries the same ``msg``. A ``duplicate`` creates
a new message id with ``data["of"]`` naming the original; the copy's
``deliver`` names the copy. Detail keys by kind (all optional):

send:     size, payload, path (list of hosts when routed), byz (behaviour), late
deliver:  payload, latency, late, corrupted, byz, dup
drop:     reason (loss | partition | crashed | no_route | omission | link_cut | injected)
corrupt:  (the message arrives flagged; deliver has corrupted=true)
duplicate: of
crash:    mode (fail_stop | fail_silent), state (lost | kept), cause (random | scheduled | injected)
recover / pause / resume: cause
suspect / unsuspect: target (the host suspected)
clock_adjust: delta (ns), mode (step | slew), reason
mem:      op (read | write), addr, page, home, remote (bool), cost (ns), ok (bool)
timer:    name
app:      name, plus any values the behaviour adds
partition / heal: sides, one_way   (host "")
byzantine: behaviour, probability
"""

from __future__ import annotations

import json
import json.encoder as _json_encoder
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

#: Every kind of event the engine writes.
KINDS: tuple[str, ...] = (
    "send", "deliver", "drop", "corrupt", "duplicate",
    "crash", "recover", "pause", "resume", "byzantine",
    "suspect", "unsuspect", "clock_adjust",
    "mem", "timer", "app",
    "partition", "heal", "link_cut", "link_heal",
)

#: The first value of ``format`` in a JSONL trace header.
TRACE_FORMAT = "ds-sandbox-trace"
#: Version of the JSONL trace format.
TRACE_VERSION = 1


class TraceEvent(NamedTuple):
    """One event of a run (see the module docstring for the fields)."""

    seq: int
    t: int
    kind: str
    host: str
    local: int
    msg: int | None = None
    peer: str | None = None
    data: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, leaving out empty fields."""
        out: dict[str, Any] = {"seq": self.seq, "t": self.t, "kind": self.kind,
                               "host": self.host, "local": self.local}
        if self.msg is not None:
            out["msg"] = self.msg
        if self.peer is not None:
            out["peer"] = self.peer
        if self.data:
            out["data"] = self.data
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TraceEvent:
        """The inverse of :meth:`to_dict`."""
        return cls(d["seq"], d["t"], d["kind"], d["host"], d["local"],
                   d.get("msg"), d.get("peer"), d.get("data") or None)


def _default(value: Any) -> Any:
    """Values JSON has no type for: sets become sorted lists, anything else its repr."""
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return repr(value)


_CEncoder = Callable[[Any, int], Iterable[str]]


def _make_c_encoder() -> _CEncoder | None:
    """CPython's C encoder, made once: much cheaper per call than json.dumps; None without it.

    ``json.encoder.c_make_encoder`` is None where the C module is missing (and typeshed
    does not declare the name, hence the getattr).
    """
    make = getattr(_json_encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has it
        return None
    return make(None, _default, _json_encoder.encode_basestring, None, ":", ",",
                False, False, True)


_c_encode: _CEncoder | None = _make_c_encoder()
_py_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"),
                              default=_default).encode


def _dumps(value: Any) -> str:
    """The compact JSON of a value, through the C encoder when there is one."""
    if _c_encode is not None:
        return "".join(_c_encode(value, 0))
    return _py_encode(value)  # pragma: no cover


def event_json(ev: TraceEvent) -> str:
    """The compact JSON line (no newline) of an event; stable byte for byte.

    Host ids are identifiers (letters, digits, ``_ . -``), so they need no
    escaping; anything else goes through the JSON encoder.
    """
    seq, t, kind, host, local, msg, peer, data = ev
    head = f'{{"seq":{seq},"t":{t},"kind":"{kind}","host":"{host}","local":{local}'
    if msg is not None:
        head += f',"msg":{msg}'
    if peer is not None:
        head += f',"peer":"{peer}"'
    if data:
        return f'{head},"data":{"".join(_c_encode(data, 0))}}}' if _c_encode else \
            f'{head},"data":{_dumps(data)}}}'
    return head + "}"
