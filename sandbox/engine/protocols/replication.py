"""Replication: primary-backup with a heartbeat failure detector and failover, quorum
replication with read repair, and a key-value client that drives either.

``primary_backup`` (one per replica). The replicas, in the order of the
``replicas`` parameter, go through numbered views; the primary of view ``v``
is ``replicas[v % N]``, so a view has one primary by construction. Every
replica sends a heartbeat carrying its view every ``interval`` and suspects a
replica silent for ``timeout``. A replica that suspects the primary of its
view moves to the next view (again while that view's primary is suspected)
and a replica that hears of a higher view adopts it, so the old primary steps
down when it hears from the others. The primary applies a client's write with
the version ``[view, n]`` (newer than every version of an earlier view),
forwards it to every backup it does not suspect, and replies once all of them
have acknowledged (a backup suspected meanwhile is no longer waited for;
forwards are sent again every interval). A backup refuses a forward of an
older view, which makes the stale primary step down and fail its pending
writes. Reads are answered by the primary from its store. A replica that is
not the primary answers with a redirect to the primary it believes in. The
primary sends its whole store to a replica that (re)joins, and a replica that
restarts waits one timeout, learning the view from heartbeats, before it may
act as primary.

``quorum_replica`` keeps ``key -> (version, value)``; a version is
``[counter, client id]`` (compared in that order). It answers ``quorum_get``
with what it holds and keeps a ``quorum_put`` or ``quorum_repair`` only if
its version is newer. The store is in ``node.state`` (kept across a crash when
the host keeps its state).

``kv_client`` makes an operation every ``interval`` (a read with probability
``read_ratio``, else a write of a fresh value) on a random key; operations run
concurrently. Quorum: a read asks R random replicas for the key and returns
the newest version among the first R replies, then (``read_repair``) sends
that value to the replicas among them that answered with an older one. A
write first reads the versions of R replicas the same way and writes with
version ``[highest counter + 1, client id]`` (a write reads versions first;
no client-side counter) to W random replicas, waiting for W
acknowledgements. A try waits ``timeout``; then every replica not yet heard
is asked; after ``retries`` more tries the operation fails. Primary-backup:
the client sends the operation to the replica it believes is the primary,
follows a redirect (unless to a replica that timed out in this operation)
and tries the next replica in order after a timeout.

App events:

- ``kv_invoke`` (client, an operation begins): ``id`` (the operation id),
  ``op`` ("read" | "write"), ``key``, ``value`` (the value written; None for a
  read);
- ``kv_return`` (client, the operation ends): ``id``, ``op``, ``key``, ``ok``,
  ``value`` (read: the value read; write: the value written), ``version``
  (the version read or written; None if none), ``latency`` (ns), ``tries`` (the
  tries of its longest phase: a quorum write reads versions, then writes);
- ``kv_repair`` (client, read repair): ``id``, ``key``, ``version``,
  ``targets`` (the stale replicas sent the newest value);
- ``request_done`` (client, an operation succeeded): ``req`` (the operation
  id), ``latency`` (ns), ``tries``, ``ok`` (True), as the request/reply client
  writes it, for the latency and throughput plots;
- ``request_failed`` (client, an operation failed): ``req``, ``latency``,
  ``tries``;
- ``pb_view_change`` (primary-backup replica, it moved to a new view):
  ``view``, ``primary``, ``reason`` ("suspect": it suspects the old primary; "heard": a
  heartbeat, forward or store of a higher view; "refused": a backup refused its forward;
  "restart": it was the primary before a crash).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from sandbox.scenario.builtin import replication as P

from ..network import Message
from ..node import Node
from ._common import crash_notice, kind

_FOREVER = 10**18

# -- versions and stores ------------------------------------------------------------------


def _valid(v: Any) -> list | None:
    """A copy of version ``v`` (``[counter, tie-break]``: an int and an int or a text), or
    None if ``v`` is not a version."""
    if isinstance(v, (list, tuple)) and len(v) == 2:
        a, b = v
        if isinstance(a, int) and not isinstance(a, bool) and isinstance(b, (int, str)) \
                and not isinstance(b, bool):
            return [a, b]
    return None


def _order(v: list) -> tuple:
    """A comparable form of a valid version (ints and texts as tie-breaks never meet)."""
    a, b = v
    return (a, 1, 0, b) if isinstance(b, str) else (a, 0, b, "")


def _newer(a: Any, b: Any) -> bool:
    """Whether version ``a`` is newer than ``b`` (a missing or odd version is oldest)."""
    va, vb = _valid(a), _valid(b)
    if va is None:
        return False
    return vb is None or _order(va) > _order(vb)


def _key(p: dict) -> str | None:
    k = p.get("key")
    return k if isinstance(k, str) else None


def _plain(value: Any) -> Any:
    """A value as the trace may keep it (JSON-plain), else its text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


# -- primary-backup -----------------------------------------------------------------------


def primary_backup(node: Node, params: P.PrimaryBackupParams) -> Generator:
    """A replica of a primary-backup group (see the module docstring)."""
    replicas = list(dict.fromkeys(params.replicas))
    n = len(replicas)
    me = node.id
    others = [r for r in replicas if r != me]
    state = node.state
    store: dict[str, list] = state.setdefault("pb_store", {})
    restarted = bool(state.get("pb_started")) or node.now > 0
    state["pb_started"] = True
    view: int = int(state.get("pb_view", 0))
    counter: int = int(state.get("pb_counter", 0))
    now0 = node.now
    # A replica that restarts may not claim to be primary before this (it learns the view).
    joined_at = now0 + params.timeout if restarted else now0
    ready = not restarted
    last = dict.fromkeys(others, now0)
    suspected: set[str] = set()
    incarnation = node.rng.getrandbits(32)
    seen_inc: dict[str, int] = {}
    #: write id -> [client, request id, key, value, version, backups still to ack]
    pending: dict[int, list] = {}
    next_wid = 0

    if me not in replicas:
        # Not a member of its own group: answer clients with a redirect to the first replica.
        def stranger(msg: Message) -> None:
            p = msg.payload
            if not msg.corrupted and kind(msg) == "kv_req":
                node.send(msg.src, {"type": "kv_resp", "id": p.get("id"), "ok": False,
                                    "redirect": replicas[0]})
        node.handler = stranger
        while True:
            yield from node.sleep(_FOREVER)

    def primary_of(v: int) -> str:
        return replicas[v % n]

    def is_primary() -> bool:
        return ready and primary_of(view) == me

    def show() -> None:
        node.report_state(role="primary" if is_primary() else "backup", view=view,
                          primary=primary_of(view))

    def fail_pending() -> None:
        for wid in sorted(pending):
            client, rid, *_ = pending.pop(wid)
            node.send(client, {"type": "kv_resp", "id": rid, "ok": False,
                               "redirect": primary_of(view)})

    def move_to(v: int, reason: str) -> None:
        nonlocal view
        if v <= view:
            return
        was = is_primary()
        view = v
        # Skip the views whose primary this replica suspects.
        while primary_of(view) != me and primary_of(view) in suspected:
            view += 1
        state["pb_view"] = view
        node.app("pb_view_change", view=view, primary=primary_of(view), reason=reason)
        if was and not is_primary():
            fail_pending()
        if is_primary():
            sync(others)
        show()

    def sync(to: list[str]) -> None:
        payload = {"type": "pb_sync", "view": view,
                   "store": {k: list(store[k]) for k in sorted(store)}}
        for r in to:
            if r not in suspected:
                node.send(r, payload, 64 + 32 * len(store))

    def apply(key: str, version: Any, value: Any) -> None:
        v = _valid(version)
        cur = store.get(key)
        if v is not None and (cur is None or _newer(v, cur[0])):
            store[key] = [v, value]

    def finish_write(wid: int) -> None:
        entry = pending.pop(wid, None)
        if entry is not None:
            client, rid, key, value, version = entry[:5]
            node.send(client, {"type": "kv_resp", "id": rid, "ok": True, "value": value,
                               "version": version})

    def forward(wid: int, to: list[str]) -> None:
        entry = pending[wid]
        for b in to:
            node.send(b, {"type": "pb_fwd", "view": view, "wid": wid, "key": entry[2],
                          "value": entry[3], "version": entry[4]})

    def on_client(msg: Message) -> None:
        nonlocal counter, next_wid
        p = msg.payload
        rid = p.get("id")
        if not is_primary():
            node.send(msg.src, {"type": "kv_resp", "id": rid, "ok": False,
                                "redirect": primary_of(view)})
            return
        key = _key(p)
        if key is None:
            node.send(msg.src, {"type": "kv_resp", "id": rid, "ok": False, "redirect": None})
            return
        if p.get("op") == "write":
            counter += 1
            state["pb_counter"] = counter
            version = [view, counter]
            value = _plain(p.get("value"))
            apply(key, version, value)
            next_wid += 1
            backups = [b for b in others if b not in suspected]
            pending[next_wid] = [msg.src, rid, key, value, version, set(backups)]
            if backups:
                forward(next_wid, backups)
            else:
                finish_write(next_wid)
        else:
            cur = store.get(key)
            node.send(msg.src, {"type": "kv_resp", "id": rid, "ok": True,
                                "value": cur[1] if cur else None,
                                "version": cur[0] if cur else None})

    def on_message(msg: Message) -> None:
        p = msg.payload
        if msg.corrupted or not isinstance(p, dict):
            return
        k = kind(msg)
        if k == "kv_req":
            on_client(msg)
            return
        src = msg.src
        if k == "crash_notice":  # a fail-stop crash is announced: suspect at the next tick
            if crash_notice(msg) is None:  # not the engine's: a forgery, ignored
                return
            gone = p.get("host")
            if isinstance(gone, str) and gone in last:
                last[gone] = -_FOREVER
            return
        if src not in last:
            return  # not a member of the group
        last[src] = node.now
        if src in suspected:
            suspected.discard(src)
            node.unsuspect(src)
            if is_primary():
                sync([src])
        v = p.get("view")
        v = v if isinstance(v, int) and not isinstance(v, bool) else -1
        if k == "pb_heartbeat":
            inc = p.get("inc")
            if seen_inc.get(src) != inc:
                seen_inc[src] = inc if isinstance(inc, int) else -1
                if is_primary():
                    sync([src])
            move_to(v, "heard")
        elif k == "pb_sync":
            if v >= view:
                move_to(v, "heard")
                store_in = p.get("store")
                if isinstance(store_in, dict):
                    for key in sorted(store_in):
                        item = store_in[key]
                        if isinstance(key, str) and isinstance(item, list) and len(item) == 2:
                            apply(key, item[0], _plain(item[1]))
        elif k == "pb_fwd":
            wid = p.get("wid")
            if v < view:
                node.send(src, {"type": "pb_nack", "view": view, "wid": wid})
                return
            move_to(v, "heard")
            key = _key(p)
            if key is not None:
                apply(key, p.get("version"), _plain(p.get("value")))
            node.send(src, {"type": "pb_ack", "view": view, "wid": wid})
        elif k == "pb_ack":
            entry = pending.get(p.get("wid"))  # type: ignore[arg-type]
            if entry is not None:
                entry[5].discard(src)
                if not entry[5]:
                    finish_write(p["wid"])
        elif k == "pb_nack":
            move_to(v, "refused")

    def tick() -> None:
        nonlocal ready
        now = node.now
        if not ready and now >= joined_at:
            # Back after a crash: never resume as the primary of a view it may have left
            # half done (its counter may be lost); the view moves on instead.
            ready = True
            if primary_of(view) == me:
                move_to(view + 1, "restart")
        newly = [r for r in others if r not in suspected and now - last[r] > params.timeout]
        for r in newly:
            suspected.add(r)
            node.suspect(r)
        if newly:
            for wid in sorted(pending):
                entry = pending.get(wid)
                if entry is not None:
                    entry[5].difference_update(newly)
                    if not entry[5]:
                        finish_write(wid)
            if primary_of(view) in suspected:
                move_to(view + 1, "suspect")
        for wid in sorted(pending):  # forwards not yet acknowledged are sent again
            if wid in pending:
                forward(wid, sorted(pending[wid][5]))
        show()

    node.handler = on_message
    show()
    if restarted:
        node.broadcast({"type": "pb_heartbeat", "view": view, "inc": incarnation}, others, 32)
    while True:
        node.broadcast({"type": "pb_heartbeat", "view": view, "inc": incarnation}, others, 32)
        yield from node.sleep(params.interval)
        tick()


# -- quorum replication -------------------------------------------------------------------


def quorum_replica(node: Node, params: P.QuorumReplicaParams) -> Generator:
    """Keep key -> (version, value); answer reads; keep writes whose version is newer."""
    store: dict[str, list] = node.state.setdefault("quorum_store", {})

    def show() -> None:
        counters = [v[0][0] for v in store.values() if _valid(v[0]) is not None]
        node.report_state(keys=len(store), latest=max(counters) if counters else 0)

    def on_message(msg: Message) -> None:
        if msg.corrupted:
            return
        p = msg.payload
        k = kind(msg)
        key = _key(p) if isinstance(p, dict) else None
        if key is None:
            return
        if k == "quorum_get":
            cur = store.get(key)
            node.send(msg.src, {"type": "quorum_got", "id": p.get("id"), "key": key,
                                "version": cur[0] if cur else None,
                                "value": cur[1] if cur else None})
        elif k in ("quorum_put", "quorum_repair"):
            version = _valid(p.get("version"))
            cur = store.get(key)
            if version is not None and (cur is None or _newer(version, cur[0])):
                store[key] = [version, _plain(p.get("value"))]
                show()
            if k == "quorum_put":
                node.send(msg.src, {"type": "quorum_put_ok", "id": p.get("id"), "key": key})

    node.handler = on_message
    show()
    while True:
        yield from node.sleep(_FOREVER)


# -- the client ---------------------------------------------------------------------------


def kv_client(node: Node, params: P.KvClientParams) -> Generator:
    """Read and write random keys on a quorum or primary-backup store (see the docstring)."""
    replicas = list(dict.fromkeys(params.replicas))
    n = len(replicas)
    state = node.state
    live: set[str] = set()
    counts = {"done": 0, "failed": 0}
    #: Replies of ended operations, and any stray message, are taken here (none piles up).
    kinds = ("quorum_got", "quorum_put_ok", "kv_resp")

    def stray(m: Message) -> bool:
        return kind(m) not in kinds or m.corrupted or m.payload.get("id") not in live

    def drain() -> Generator:
        while True:
            yield from node.receive(match=stray)

    def show() -> None:
        node.report_state(in_flight=len(live), done=counts["done"], failed=counts["failed"])

    def collect(oid: str, want: str, targets: list[str], need: int, payload: dict,
                ) -> Generator[Any, Any, tuple[dict[str, dict], int]]:
        """Ask ``need`` random targets; on a timeout ask every one not heard; replies by host."""
        replies: dict[str, dict] = {}
        order = list(targets)
        node.rng.shuffle(order)
        ask = order[:need]
        tries = 0
        for attempt in range(params.retries + 1):
            tries = attempt + 1
            if attempt > 0:
                ask = [t for t in targets if t not in replies]
            for t in ask:
                node.send(t, payload)
            deadline = node.now + params.timeout
            while len(replies) < need and node.now < deadline:

                def match(m: Message) -> bool:
                    return (kind(m) == want and not m.corrupted and m.payload.get("id") == oid
                            and m.src in targets)

                msg = yield from node.receive(timeout=deadline - node.now, match=match)
                if msg is None:
                    break
                replies.setdefault(msg.src, msg.payload)
            if len(replies) >= need:
                break
            node.timer(f"timeout {oid}")
        return replies, tries

    def quorum_op(oid: str, op: str, key: str, value: Any) -> Generator[Any, Any, tuple]:
        r = min(params.r, n)
        w = min(params.w, n)
        seen, tries = yield from collect(oid, "quorum_got", replicas, r,
                                         {"type": "quorum_get", "id": oid, "key": key})
        if len(seen) < r:
            return False, None, None, tries
        newest: Any = None
        newest_value: Any = None
        for h in replicas:
            if h in seen and _newer(seen[h].get("version"), newest):
                newest = _valid(seen[h].get("version"))
                newest_value = _plain(seen[h].get("value"))
        if op == "read":
            if params.read_repair and newest is not None:
                stale = [h for h in replicas if h in seen and _newer(newest,
                                                                     seen[h].get("version"))]
                if stale:
                    for h in stale:
                        node.send(h, {"type": "quorum_repair", "key": key, "version": newest,
                                      "value": newest_value})
                    node.app("kv_repair", id=oid, key=key, version=newest, targets=stale)
            return True, newest_value, newest, tries
        version = [(newest[0] if newest else 0) + 1, node.id]
        acks, more = yield from collect(oid, "quorum_put_ok", replicas, w,
                                        {"type": "quorum_put", "id": oid, "key": key,
                                         "version": version, "value": value})
        return len(acks) >= w, value, version, max(tries, more)

    def pb_op(oid: str, op: str, key: str, value: Any) -> Generator[Any, Any, tuple]:
        timed_out: set[str] = set()
        target = state.get("kv_primary")
        if target not in replicas:
            target = replicas[0]
        tries = 0
        for attempt in range(params.retries + 1):
            tries = attempt + 1
            node.send(target, {"type": "kv_req", "id": oid, "op": op, "key": key,
                               "value": value})

            def match(m: Message, target: str = target) -> bool:
                return (kind(m) == "kv_resp" and not m.corrupted and m.src == target
                        and m.payload.get("id") == oid)

            msg = yield from node.receive(timeout=params.timeout, match=match)
            nxt = replicas[(replicas.index(target) + 1) % n]
            if msg is None:
                node.timer(f"timeout {oid}")
                timed_out.add(target)
                target = nxt
                continue
            p = msg.payload
            if p.get("ok"):
                state["kv_primary"] = target
                return True, _plain(p.get("value")), _valid(p.get("version")), tries
            redirect = p.get("redirect")
            target = redirect if redirect in replicas and redirect != target \
                and redirect not in timed_out else nxt
        return False, None, None, tries

    # Ids stay unique across restarts (a reply to an operation before a crash matches none).
    prefix = node.id if node.now == 0 else f"{node.id}@{node.now}"

    def operation(i: int) -> Generator:
        oid = f"{prefix}-{i}"
        key = f"k{node.rng.randrange(params.keys)}"
        op = "read" if node.rng.random() < params.read_ratio else "write"
        value = None if op == "read" else oid
        start = node.now
        live.add(oid)
        show()
        node.app("kv_invoke", id=oid, op=op, key=key, value=value)
        run = quorum_op if params.protocol == "quorum" else pb_op
        ok, got, version, tries = yield from run(oid, op, key, value)
        latency = node.now - start
        live.discard(oid)
        node.app("kv_return", id=oid, op=op, key=key, ok=ok, value=got if ok else None,
                 version=version if ok else None, latency=latency, tries=tries)
        if ok:
            counts["done"] += 1
            node.app("request_done", req=oid, latency=latency, tries=tries, ok=True)
        else:
            counts["failed"] += 1
            node.app("request_failed", req=oid, latency=latency, tries=tries)
        show()

    node.spawn(drain())
    show()
    i = int(state.get("kv_sent", 0))
    while params.count == 0 or i < params.count:
        i += 1
        state["kv_sent"] = i
        node.spawn(operation(i))
        yield from node.sleep(params.interval)
