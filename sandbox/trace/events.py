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
state:    the protocol state fields that changed on the host, name -> value (a value of
          None means the field is cleared); see :meth:`sandbox.engine.node.Node.report_state`
"""

from __future__ import annotations

import json
import json.encoder as _json_encoder
import re
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

#: Every kind of event the engine writes.
KINDS: tuple[str, ...] = (
    "send", "deliver", "drop", "corrupt", "duplicate",
    "crash", "recover", "pause", "resume", "byzantine",
    "suspect", "unsuspect", "clock_adjust",
    "mem", "timer", "app",
    "partition", "heal", "link_cut", "link_heal",
    "state",
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
        """The inverse of :meth:`to_dict`, checking every field.

        ``seq`` and ``t`` are whole numbers from 0 to 2**63 - 1, ``local`` and
        ``msg`` whole numbers in the signed 64-bit range, ``kind``, ``host`` and
        ``peer`` names of letters, digits, ``_ . -`` (``host`` may be empty),
        ``data`` a JSON object or null, in which the details that readers take
        apart or look up (``path``, ``link``, ``sides``, a duplicate's ``of``;
        see the module docstring) are lists (``of``: a message id) when they
        are set. Anything else raises :class:`EventError` saying which field
        is wrong.
        """
        try:
            seq, t, kind, host, local = d["seq"], d["t"], d["kind"], d["host"], d["local"]
            msg, peer, data = d.get("msg"), d.get("peer"), d.get("data")
        except (KeyError, TypeError, AttributeError):
            raise EventError(_shape_problem(d)) from None
        try:  # one expression for the usual event; names seen before are in _NAMES
            ok = (type(seq) is int and type(t) is int and type(local) is int
                  and 0 <= seq < _LIMIT and 0 <= t < _LIMIT and -_LIMIT <= local < _LIMIT
                  and (msg is None or (type(msg) is int and -_LIMIT <= msg < _LIMIT))
                  and kind in _NAMES and (host in _NAMES or host == "")
                  and (peer is None or peer in _NAMES)
                  and (data is None or (type(data) is dict
                                        and (kind not in _TYPED or _details_ok(kind, data)))))
        except TypeError:  # an unhashable kind, host or peer
            ok = False
        if not ok:
            _check_fields(seq, t, kind, host, local, msg, peer, data)
        # tuple.__new__ is what the named tuple's own __new__ calls, without a Python frame
        return tuple.__new__(cls, (seq, t, kind, host, local, msg, peer, data or None))


class EventError(ValueError):
    """An event that is not valid; the message says which field is wrong (no file or line)."""


_LIMIT = 1 << 63
_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
#: Kinds and host ids already checked against _NAME (bounded, so a hostile trace cannot
#: make it grow without end; names past the bound are checked every time).
_NAMES: set[str] = set(KINDS)
_NAMES_MAX = 1 << 16
_FIELDS = ("seq", "t", "kind", "host", "local")
#: The details readers take apart (lists of hosts or sides) or look up (message ids), by kind.
_TYPED: dict[str, tuple[tuple[str, type], ...]] = {
    "send": (("path", list),), "drop": (("link", list),), "link_cut": (("link", list),),
    "link_heal": (("link", list),), "partition": (("sides", list),), "heal": (("sides", list),),
    "duplicate": (("of", int),),
}
_TYPE_NAMES = {list: "a list", int: "a message id (a whole number)"}


def _details_ok(kind: str, data: dict[str, Any]) -> bool:
    """Whether the typed details of ``data`` have their types (or are absent, or null)."""
    for key, kind_of in _TYPED[kind]:
        value = data.get(key)
        if value is not None and type(value) is not kind_of:
            return False
    return True


def _show(value: Any) -> str:
    """A short text of a JSON value for a message."""
    if type(value) is int and value.bit_length() > 100:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    try:
        text = json.dumps(value, ensure_ascii=True)
    except (TypeError, ValueError, RecursionError):
        text = type(value).__name__
    return text if len(text) <= 40 else text[:39] + "…"


def _shape_problem(d: Any) -> str:
    if not isinstance(d, dict):
        return f"an event must be a JSON object, not {_show(d)}"
    missing = next(f for f in _FIELDS if f not in d)
    return f'the event has no "{missing}" field'


def _check_fields(seq: Any, t: Any, kind: Any, host: Any, local: Any, msg: Any, peer: Any,
                  data: Any) -> None:
    """Raise EventError naming the first bad field; remember good new names."""
    for field, value, low in (("seq", seq, 0), ("t", t, 0), ("local", local, -_LIMIT),
                              ("msg", msg, -_LIMIT)):
        if field == "msg" and value is None:
            continue
        if type(value) is not int:
            raise EventError(f'"{field}" must be a whole number, not {_show(value)}')
        if not low <= value < _LIMIT:
            span = "0" if low == 0 else "-2**63"
            raise EventError(f'"{field}" is out of range: {_show(value)} is not between {span} '
                             "and 2**63 - 1")
    for field, value, empty in (("kind", kind, False), ("host", host, True),
                                ("peer", peer, False)):
        if (value is None and field == "peer") or (value == "" and empty):
            continue
        if not isinstance(value, str) or not _NAME.fullmatch(value):
            raise EventError(f'"{field}" must be a name of letters, digits, "_", "." and "-" '
                             f"(at most 64), not {_show(value)}")
        if len(_NAMES) < _NAMES_MAX:
            _NAMES.add(value)
    if data is not None and type(data) is not dict:
        raise EventError(f'"data" must be a JSON object or null, not {_show(data)}')
    if data is not None and kind in _TYPED and not _details_ok(kind, data):
        key, kind_of = next((k, t) for k, t in _TYPED[kind]
                            if data.get(k) is not None and type(data[k]) is not t)
        raise EventError(f'"data" of a {kind} event: "{key}" must be {_TYPE_NAMES[kind_of]}, '
                         f"not {_show(data[key])}")


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
