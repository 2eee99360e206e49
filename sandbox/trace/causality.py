"""Causality of a trace: Lamport clocks, vector clocks, causal past and future of an event.

The happened-before relation is built from two kinds of causal link:

* events on one host are ordered by their position in the trace (their ``seq``);
* a ``deliver`` follows the ``send`` of the same message id. A duplicated copy
  (a ``duplicate`` event with its own ``msg`` and ``data["of"]`` naming the
  original) has the *original* send as its causal predecessor.

Events of the network as a whole (host ``""``: partitions, heals, ...) are not
on any process line; they get no clock (``None``) and are never in the causal
past or future of anything. Every function takes the events in trace order
and runs in a single pass, so it stays fast for hundreds of thousands of events.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from .events import TraceEvent

__all__ = [
    "causal_future",
    "causal_past",
    "happened_before",
    "iter_causal_links",
    "iter_vector_clocks",
    "lamport_clocks",
    "message_links",
    "vector_clocks",
]


def iter_causal_links(events: Iterable[TraceEvent]) -> Iterator[tuple[int | None, int | None]]:
    """Yield, for every event in order, ``(previous, send)``: its direct causal predecessors.

    ``previous`` is the position of the previous event on the same host (or
    None); ``send`` is, for a ``deliver``, the position of the send of its
    message (the original send for a duplicated copy), else None. An event
    with host ``""`` yields ``(None, None)``.
    """
    last_on_host: dict[str, int] = {}
    send_at: dict[int, int] = {}
    for i, ev in enumerate(events):
        kind = ev.kind
        if kind == "duplicate" and ev.msg is not None and ev.data:
            original = send_at.get(ev.data.get("of"))  # type: ignore[arg-type]
            if original is not None:
                send_at[ev.msg] = original
        host = ev.host
        if not host:
            yield None, None
            continue
        prev = last_on_host.get(host)
        last_on_host[host] = i
        src = None
        if kind == "send":
            if ev.msg is not None:
                send_at[ev.msg] = i
        elif kind == "deliver" and ev.msg is not None:
            src = send_at.get(ev.msg)
        yield prev, src


def message_links(events: Iterable[TraceEvent]) -> dict[int, int]:
    """Map the position of every ``deliver`` whose send is in the trace to that send's position."""
    return {i: src for i, (_prev, src) in enumerate(iter_causal_links(events)) if src is not None}


def lamport_clocks(events: Iterable[TraceEvent]) -> list[int | None]:
    """The Lamport clock of every event, indexed by position (None for host ``""``).

    Each event's clock is one more than the largest clock of its causal
    predecessors (the previous event on its host, and the send of a delivered
    message); a host's first event with no received message has clock 1.
    """
    events = events if isinstance(events, Sequence) else list(events)
    out: list[int | None] = []
    append = out.append
    for ev, (prev, src) in zip(events, iter_causal_links(events), strict=True):
        if not ev.host:
            append(None)
            continue
        c = out[prev] if prev is not None else 0
        if src is not None:
            s = out[src]
            if s is not None and s > c:  # type: ignore[operator]
                c = s
        append(c + 1)  # type: ignore[operator]
    return out


def iter_vector_clocks(events: Iterable[TraceEvent]) -> Iterator[dict[str, int] | None]:
    """Yield the vector clock of every event in order (see :func:`vector_clocks`).

    Streams: it keeps the latest clock of each host and the clock of every
    send, not the clocks of all events. Each yielded dict is a fresh object.
    """
    latest: dict[str, dict[str, int]] = {}
    send_vc: dict[int, dict[str, int]] = {}
    for ev in events:
        kind = ev.kind
        if kind == "duplicate" and ev.msg is not None and ev.data:
            original = send_vc.get(ev.data.get("of"))  # type: ignore[arg-type]
            if original is not None:
                send_vc[ev.msg] = original
        host = ev.host
        if not host:
            yield None
            continue
        before = latest.get(host)
        vc = dict(before) if before is not None else {}
        if kind == "deliver" and ev.msg is not None:
            sent = send_vc.get(ev.msg)
            if sent is not None:
                for h, c in sent.items():
                    if vc.get(h, 0) < c:
                        vc[h] = c
        vc[host] = vc.get(host, 0) + 1
        latest[host] = vc
        if kind == "send" and ev.msg is not None:
            send_vc[ev.msg] = vc
        yield dict(vc)


def vector_clocks(events: Iterable[TraceEvent]) -> list[dict[str, int] | None]:
    """The vector clock of every event, indexed by position (None for host ``""``).

    Clocks are sparse dicts host -> count: a host's own entry goes up by one
    for each of its events, and a ``deliver`` takes the element-wise maximum
    with the clock of its send before incrementing. Hosts never heard of are
    absent (count 0).
    """
    return list(iter_vector_clocks(events))


def happened_before(vc_a: Mapping[str, int] | None, vc_b: Mapping[str, int] | None) -> bool:
    """True when the event with clock ``vc_a`` happened before the one with clock ``vc_b``.

    That is: every entry of ``vc_a`` is at most the same entry of ``vc_b``
    (missing entries count 0) and the two clocks differ. False if either is None.
    Two events are concurrent when neither happened before the other.
    """
    if vc_a is None or vc_b is None:
        return False
    strictly = False
    for h, c in vc_a.items():
        other = vc_b.get(h, 0)
        if c > other:
            return False
        if c < other:
            strictly = True
    if strictly:
        return True
    # vc_a <= vc_b entry by entry; they differ only if vc_b has a positive entry vc_a lacks
    return any(c > 0 and h not in vc_a for h, c in vc_b.items())


def causal_past(events: Sequence[TraceEvent], i: int) -> set[int]:
    """Positions of every event that happened before event ``i`` (``i`` itself excluded).

    One backward pass from ``i``: an event is in the past when it is on a
    host whose line is already reached at or after it, or when it is the send
    of a message delivered by an event of the past. Empty for host ``""``.
    """
    ev = events[i]
    if not ev.host:
        return set()
    past: set[int] = set()
    reach: dict[str, int] = {ev.host: i - 1}  # host -> latest position of that host in the past
    pending: set[int] = set()  # messages delivered in the past whose send is not reached yet
    if ev.kind == "deliver" and ev.msg is not None:
        pending.add(ev.msg)
    for j in range(i - 1, -1, -1):
        e = events[j]
        kind = e.kind
        if kind == "duplicate" and e.msg in pending and e.data:
            pending.discard(e.msg)
            of = e.data.get("of")
            if of is not None:
                pending.add(of)
        host = e.host
        if not host:
            continue
        inside = reach.get(host, -1) >= j
        if kind == "send" and e.msg in pending:
            pending.discard(e.msg)
            inside = True
        if not inside:
            continue
        past.add(j)
        reach[host] = j
        if kind == "deliver" and e.msg is not None:
            pending.add(e.msg)
    return past


def causal_future(events: Sequence[TraceEvent], i: int) -> set[int]:
    """Positions of every event that event ``i`` happened before (``i`` itself excluded).

    One forward pass from ``i`` that propagates "knows of ``i``" along hosts
    and messages. Empty for host ``""``.
    """
    ev = events[i]
    if not ev.host:
        return set()
    future: set[int] = set()
    hosts = {ev.host}
    msgs: set[int] = set()  # messages that carry knowledge of event i
    if ev.kind == "send" and ev.msg is not None:
        msgs.add(ev.msg)
    for j in range(i + 1, len(events)):
        e = events[j]
        kind = e.kind
        if kind == "duplicate" and e.msg is not None and e.data and e.data.get("of") in msgs:
            msgs.add(e.msg)
        host = e.host
        if not host:
            continue
        if host in hosts:
            future.add(j)
            if kind == "send" and e.msg is not None:
                msgs.add(e.msg)
        elif kind == "deliver" and e.msg in msgs:
            future.add(j)
            hosts.add(host)
        elif kind == "send" and e.msg in msgs:
            msgs.discard(e.msg)  # a message id reused by a send that knows nothing of i
    return future
