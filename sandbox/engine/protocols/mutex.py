"""Distributed mutual exclusion: a central lock server, a token ring, Ricart-Agrawala.

One behaviour, ``mutex``, with an ``algorithm`` parameter. Every member but
the central coordinator repeats: wait an exponential time (mean ``interval``),
request the critical section, enter it once the algorithm allows, stay
``hold``, leave it.

- **central**: requests go to the coordinator, which keeps a FIFO queue and
  grants the lock to one host at a time; the holder releases it when it leaves.
  A crashed coordinator (or holder) stops every later grant.
- **token_ring**: one token goes around the members in ring order (the first
  member starts with it); a host enters only while it holds the token. A crash
  of the holder, or of the host the token is passed to, loses the token.
- **ricart_agrawala**: a request, stamped with a Lamport time, goes to every
  other member; a member replies at once unless it is in the critical section
  or has an earlier request of its own (then it defers the reply until it
  leaves). A host enters with a reply from every other member; one crashed
  member blocks everyone.

Requests and grants carry a random number drawn at each start of the behaviour
(an incarnation), so a message from before a crash is never taken for a reply
to a later request. Token messages carry a hop count; a token whose count is
not above the highest seen (a duplicate) is dropped.

App events (``node.app``):

``cs_request``  host, req: the host asks for the critical section (its req-th request)
``cs_enter``    host, req: it enters the critical section
``cs_exit``     host, req: it leaves it

State (``node.report_state``): ``role`` (coordinator | idle | waiting | in_cs),
``in_cs`` (flag), ``token`` (flag, token ring), ``waiting`` (number of requests
queued, central coordinator), ``queue`` (hosts queued at the coordinator, or
whose Ricart-Agrawala replies are deferred).

Messages: ``mx_request``, ``mx_grant``, ``mx_release`` (central), ``mx_token``
(token ring), ``mx_ra_req``, ``mx_ra_ok`` (Ricart-Agrawala).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable
from typing import Any

from sandbox.scenario.builtin import coordination as C

from ..network import Message
from ..node import Node
from ._common import kind


def _natural(ids: Iterable[str]) -> list[str]:
    """Host ids in natural order (h2 before h10), without repeats."""

    def key(s: str) -> tuple:
        return tuple((0, int(p), "") if p.isdigit() else (1, 0, p)
                     for p in re.split(r"(\d+)", s) if p)

    return sorted(set(ids), key=lambda s: (key(s), s))


def _members(node: Node, given: list[str]) -> list[str]:
    if given:
        out: list[str] = []
        for h in given:
            if h not in out:
                out.append(h)
        return out
    return _natural([node.id, *node.peers])


def _gap(node: Node, mean: int) -> int:
    return max(1, int(node.rng.expovariate(1.0 / mean)))


def _forever(node: Node) -> Generator:
    while True:
        yield from node.receive(match=lambda m: False)


def mutex(node: Node, params: C.MutexParams) -> Generator:
    """Take turns in a critical section by the chosen algorithm (see the module docstring)."""
    members = _members(node, params.members)
    if node.id not in members:
        yield from _forever(node)
        return
    if params.algorithm == "token_ring":
        yield from _token_ring(node, params, members)
        return
    nonce = node.rng.getrandbits(32)
    if params.algorithm == "central":
        coord = params.coordinator[0] if params.coordinator else members[0]
        if node.id == coord:
            yield from _coordinator(node, members)
            return
        acquire, release = _central_client(node, coord, nonce)
    else:
        acquire, release = _ricart_agrawala(node, [m for m in members if m != node.id], nonce)
    yield from _requests(node, params, acquire, release)


def _requests(node: Node, params: C.MutexParams, acquire: Any, release: Any) -> Generator:
    """The request cycle shared by central and Ricart-Agrawala."""
    node.report_state(role="idle", in_cs=False)
    made = 0
    while params.count == 0 or made < params.count:
        yield from node.sleep(_gap(node, params.interval))
        made += 1
        req = node.state["mx_req"] = node.state.get("mx_req", 0) + 1
        node.app("cs_request", host=node.id, req=req)
        node.report_state(role="waiting")
        yield from acquire(req)
        node.app("cs_enter", host=node.id, req=req)
        node.report_state(role="in_cs", in_cs=True)
        yield from node.sleep(params.hold)
        node.app("cs_exit", host=node.id, req=req)
        node.report_state(role="idle", in_cs=False)
        release(req)
    yield from _forever(node)


# -- central -------------------------------------------------------------------------------


def _coordinator(node: Node, members: list[str]) -> Generator:
    holder: tuple[str, Any, Any] | None = None
    queue: list[tuple[str, Any, Any]] = []
    granted: dict[tuple[str, Any], int] = {}  # (host, nonce) -> the last request granted
    node.report_state(role="coordinator", waiting=0, queue=[])
    while True:
        msg = yield from node.receive()
        if msg is None or msg.corrupted or msg.src not in members:
            continue
        k, p = kind(msg), msg.payload
        if k not in ("mx_request", "mx_release"):
            continue
        req = p.get("req")
        if not isinstance(req, int):
            continue
        key = (msg.src, req, p.get("nonce"))
        if k == "mx_request":
            if key != holder and key not in queue and req > granted.get((msg.src, key[2]), 0):
                queue.append(key)
        elif key == holder:
            holder = None
        if holder is None and queue:
            holder = queue.pop(0)
            granted[(holder[0], holder[2])] = holder[1]
            node.send(holder[0], {"type": "mx_grant", "req": holder[1], "nonce": holder[2]}, 32)
        node.report_state(waiting=len(queue), queue=[h for h, _, _ in queue])


def _central_client(node: Node, coord: str, nonce: int) -> tuple[Any, Any]:
    def is_grant(req: int) -> Any:
        def match(m: Message) -> bool:
            return (not m.corrupted and m.src == coord and kind(m) == "mx_grant"
                    and m.payload.get("req") == req and m.payload.get("nonce") == nonce)
        return match

    def acquire(req: int) -> Generator:
        node.send(coord, {"type": "mx_request", "req": req, "nonce": nonce}, 32)
        yield from node.receive(match=is_grant(req))

    def release(req: int) -> None:
        node.send(coord, {"type": "mx_release", "req": req, "nonce": nonce}, 32)

    return acquire, release


# -- token ring ----------------------------------------------------------------------------


def _is_token(m: Message) -> bool:
    return not m.corrupted and kind(m) == "mx_token"


def _token_ring(node: Node, params: C.MutexParams, ring: list[str]) -> Generator:
    nxt = ring[(ring.index(node.id) + 1) % len(ring)] if len(ring) > 1 else None
    has_token = node.id == ring[0] and not node.state.get("mx_started")
    node.state["mx_started"] = True
    count = 0
    made = 0
    pending: int | None = None

    def schedule() -> int | None:
        return node.now + _gap(node, params.interval) \
            if params.count == 0 or made < params.count else None

    def request() -> int:
        nonlocal made
        made += 1
        req = node.state["mx_req"] = node.state.get("mx_req", 0) + 1
        node.app("cs_request", host=node.id, req=req)
        node.report_state(role="waiting")
        return req

    next_at = schedule()
    node.report_state(role="idle", in_cs=False, token=has_token)
    while True:
        if pending is None and next_at is not None and node.now >= next_at:
            pending, next_at = request(), None
        if has_token:
            if pending is not None:
                node.app("cs_enter", host=node.id, req=pending)
                node.report_state(role="in_cs", in_cs=True)
                yield from node.sleep(params.hold)
                node.app("cs_exit", host=node.id, req=pending)
                node.report_state(role="idle", in_cs=False)
                pending = None
                next_at = schedule()
            if nxt is None:  # a ring of one keeps the token
                if next_at is None:
                    yield from _forever(node)
                else:
                    yield from node.sleep(max(1, next_at - node.now))
                continue
            yield from node.sleep(params.pass_delay)
            if pending is None and next_at is not None and node.now >= next_at:
                continue  # a request came due while holding the token: use it
            has_token = False
            node.report_state(token=False)
            node.send(nxt, {"type": "mx_token", "n": count + 1}, 32)
            continue
        timeout = None if pending is not None or next_at is None else max(1, next_at - node.now)
        msg = yield from node.receive(timeout=timeout, match=_is_token)
        if msg is None:
            continue
        n = msg.payload.get("n")
        if isinstance(n, int) and n > node.state.get("mx_seen", 0) and msg.src in ring:
            node.state["mx_seen"] = count = n
            has_token = True
            node.report_state(token=True)


# -- Ricart-Agrawala -----------------------------------------------------------------------


def _ricart_agrawala(node: Node, others: list[str], nonce: int) -> tuple[Any, Any]:
    clock = 0
    mine: int | None = None  # the timestamp of this host's current request
    in_cs = False
    deferred: list[tuple[str, Any, Any]] = []

    def on_request(msg: Message) -> None:
        nonlocal clock
        if msg.corrupted or msg.src not in others:
            return
        p = msg.payload
        ts = p.get("ts")
        if not isinstance(ts, int):
            return
        clock = max(clock, ts) + 1
        if in_cs or (mine is not None and (mine, node.id) < (ts, msg.src)):
            deferred.append((msg.src, p.get("req"), p.get("nonce")))
            node.report_state(queue=[d[0] for d in deferred])
        else:
            node.send(msg.src, {"type": "mx_ra_ok", "req": p.get("req"),
                                "nonce": p.get("nonce")}, 32)

    node.on_message("mx_ra_req", on_request)

    def acquire(req: int) -> Generator:
        nonlocal clock, mine, in_cs
        clock += 1
        mine = clock
        node.broadcast({"type": "mx_ra_req", "ts": mine, "req": req, "nonce": nonce},
                       others, 32)

        def is_ok(m: Message) -> bool:
            return (not m.corrupted and kind(m) == "mx_ra_ok" and m.payload.get("req") == req
                    and m.payload.get("nonce") == nonce)

        oks: set[str] = set()
        while len(oks) < len(others):
            msg = yield from node.receive(match=is_ok)
            if msg is not None and msg.src in others:
                oks.add(msg.src)
        in_cs = True

    def release(req: int) -> None:
        nonlocal mine, in_cs
        in_cs = False
        mine = None
        for host, r, n in deferred:
            node.send(host, {"type": "mx_ra_ok", "req": r, "nonce": n}, 32)
        deferred.clear()
        node.report_state(queue=[])

    return acquire, release
