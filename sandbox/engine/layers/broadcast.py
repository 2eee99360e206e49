"""Ordered broadcast as a layer: FIFO, causal or total order above best-effort or reliable
dissemination, usable from any behaviour's code.

Two objects, both built only on the node API:

- :class:`Dissemination` sends items to a group, best-effort (each member once) or
  reliable (retransmitted until acknowledged; a relayed type is relayed by every member on
  first receipt, so it reaches every correct member even if its origin crashes). It takes
  its message types with ``node.on_message``.
- :class:`OrderedBroadcast` sits above one: ``broadcast(value)`` sends a value to the group
  and the layer *holds back* every value it receives until the chosen ordering allows it,
  then calls ``deliver(id, origin, value, info)``. Orderings:

  - ``none``: deliver on first receipt;
  - ``fifo``: the values of one origin in the order it broadcast them (a per-origin
    sequence number ``seq``);
  - ``causal``: a value after every value its origin had delivered or broadcast before
    it (a vector of per-origin delivery counts, ``deps``; implies FIFO);
  - ``total_sequencer``: a fixed sequencer (the first member unless named) gives every
    value a global number in a ``bcast_order`` item; members deliver in that order;
  - ``total_lamport``: no sequencer: each value carries a Lamport timestamp; each member
    acknowledges each value to every member with a ``bcast_stamp`` (later timestamp);
    a member delivers the queued value of smallest (timestamp, origin) once it has heard
    from every other member something stamped later. A member's items are processed in
    the order it sent them (a per-sender number ``lseq``), as Lamport's algorithm needs
    FIFO channels.

  The total orders block while a member (or the sequencer) is down: agreeing on an order
  despite crashes needs consensus.

Use from a behaviour::

    def deliver(bid, origin, value, info):
        node.app("bcast_deliver", id=bid, origin=origin, value=value, **info)

    layer = OrderedBroadcast(node, deliver, ordering="causal", mode="reliable")
    layer.broadcast(42)

Messages (payload ``type``): ``bcast`` (a value: id, origin, value and the ordering's
fields), ``bcast_order`` (sequencer: id, seq), ``bcast_stamp`` (Lamport acknowledgement:
id, ts, sender, lseq), ``bcast_ack`` (reliable mode: the item id received).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from ..network import Message
from ..node import Node

__all__ = ["ORDERINGS", "Dissemination", "OrderedBroadcast"]

#: The orderings :class:`OrderedBroadcast` offers.
ORDERINGS: tuple[str, ...] = ("none", "fifo", "causal", "total_sequencer", "total_lamport")

#: Retransmissions of one item to one member before the sender gives up.
MAX_TRIES = 50

Receive = Callable[[str, dict[str, Any], str], None]


def _body(msg: Message) -> dict[str, Any] | None:
    """The payload of a sound message (a dict with a text ``id``), else None."""
    p = msg.payload
    if msg.corrupted or not isinstance(p, dict) or not isinstance(p.get("id"), str):
        return None
    return p


def _vector(deps: Any) -> bool:
    """Whether ``deps`` is a vector of delivery counts (host id -> whole number)."""
    return isinstance(deps, dict) and all(
        isinstance(h, str) and type(n) is int for h, n in deps.items())


class Dissemination:
    """Sends items (payload dicts with a unique text ``id``) to a group of members.

    ``mode`` is ``best_effort`` or ``reliable``; ``types`` are the payload types it takes
    with ``node.on_message`` and gives to ``receive(type, payload, src)`` once per item;
    items of the ``relayed`` types are relayed on first receipt in reliable mode.
    ``store`` keeps what it has seen (pass ``node.state``'s dict to keep it across a crash).
    """

    def __init__(self, node: Node, members: list[str], receive: Receive, *,
                 mode: str = "best_effort", retransmit: int = 50_000_000,
                 types: tuple[str, ...] = ("bcast",), relayed: tuple[str, ...] = ("bcast",),
                 store: dict[str, Any] | None = None) -> None:
        self.node = node
        self.members = [m for m in members if m != node.id]
        self.reliable = mode == "reliable"
        self.retransmit = max(1, int(retransmit))
        self._receive = receive
        self._relayed = frozenset(relayed)
        store = {} if store is None else store
        self._seen: set[str] = store.setdefault("seen", set())
        self._unacked: dict[tuple[str, str], int] = {}
        self._items: dict[str, dict[str, Any]] = {}
        for t in types:
            node.on_message(t, self._on_item)
        if self.reliable:
            node.on_message("bcast_ack", self._on_ack)
            node.spawn(self._retransmit_loop())

    def send(self, payload: dict[str, Any], to: list[str] | None = None) -> None:
        """Send an item to every member (or to ``to``); it counts as seen here."""
        self._seen.add(payload["id"])
        self._transmit(payload, self.members if to is None else [p for p in to if p != self.node.id])

    def _transmit(self, payload: dict[str, Any], to: list[str]) -> None:
        if self.reliable:
            self._items[payload["id"]] = payload
        for p in to:
            self.node.send(p, payload)
            if self.reliable:
                self._unacked[(payload["id"], p)] = 0

    def _on_ack(self, msg: Message) -> None:
        body = _body(msg)
        if body is not None:
            self._unacked.pop((body["id"], msg.src), None)

    def _on_item(self, msg: Message) -> None:
        body = _body(msg)
        if body is None:
            return
        iid = body["id"]
        if self.reliable:
            self.node.send(msg.src, {"type": "bcast_ack", "id": iid}, 16)
        if iid in self._seen:
            return
        self._seen.add(iid)
        kind = str(body.get("type"))
        if self.reliable and kind in self._relayed:
            origin = body.get("origin")
            self._transmit(body, [p for p in self.members if p not in (msg.src, origin)])
        self._receive(kind, body, msg.src)

    def _retransmit_loop(self) -> Generator:
        while True:
            yield from self.node.sleep(self.retransmit)
            for (iid, p), tries in list(self._unacked.items()):
                item = self._items.get(iid)
                if tries >= MAX_TRIES or item is None:
                    del self._unacked[(iid, p)]
                    continue
                self._unacked[(iid, p)] = tries + 1
                self.node.send(p, dict(item, retry=tries + 1))


class OrderedBroadcast:
    """Broadcast with an ordering, above a :class:`Dissemination` (see the module docstring).

    ``deliver(id, origin, value, info)`` is called for each value when the ordering lets
    it through (``info``: the ordering's fields, e.g. ``seq``, ``ts``); ``on_send(id, value,
    fields)`` when this host broadcasts a value, before anything is sent; ``on_change()``
    after anything that changes :attr:`held_back`, :attr:`delivered` or :attr:`next_seq`.
    ``members`` is the group (empty or None: every host); ``sequencer`` the sequencer of
    ``total_sequencer`` (default: the member of smallest host id). Every member of the group
    must run the layer with the same ordering.
    """

    def __init__(self, node: Node, deliver: Callable[[str, str, Any, dict[str, Any]], None], *,
                 ordering: str = "causal", mode: str = "best_effort",
                 members: list[str] | None = None, retransmit: int = 50_000_000,
                 sequencer: str | None = None, store: dict[str, Any] | None = None,
                 on_send: Callable[[str, Any, dict[str, Any]], None] | None = None,
                 on_change: Callable[[], None] | None = None) -> None:
        if ordering not in ORDERINGS:
            raise ValueError(f"unknown ordering {ordering!r} (one of {', '.join(ORDERINGS)})")
        self.node = node
        self.ordering = ordering
        #: The group, sorted by host id (every member sees the same list).
        self.group: list[str] = sorted({*(members or node.peers), node.id})
        #: The sequencer of ``total_sequencer``: the one named, else the smallest host id.
        self.sequencer: str = sequencer if sequencer in self.group else self.group[0]
        self._deliver = deliver
        self._changed = on_change or (lambda: None)
        self._sent = on_send or (lambda bid, value, fields: None)
        s = {} if store is None else store
        self._s = s
        s.setdefault("sent", 0)              # values this host broadcast
        s.setdefault("delivered", set())     # ids delivered
        s.setdefault("count", 0)             # values delivered
        s.setdefault("held", {})             # id -> (origin, value, fields) not yet delivered
        s.setdefault("next", {})             # fifo: origin -> next seq; causal: the vector
        s.setdefault("gseq", 0)              # sequencer: numbers given; others: next to deliver
        s.setdefault("orders", {})           # total_sequencer: seq -> id
        s.setdefault("clock", 0)             # total_lamport: the Lamport clock
        s.setdefault("lseq", 0)              # total_lamport: items this host sent
        s.setdefault("expect", {})           # total_lamport: sender -> next lseq to process
        s.setdefault("pending", {})          # total_lamport: sender -> {lseq: item}
        s.setdefault("latest", {})           # total_lamport: sender -> latest timestamp
        s.setdefault("queue", {})            # total_lamport: id -> (ts, origin)
        types = ("bcast", "bcast_order", "bcast_stamp")
        self.dissemination = Dissemination(
            node, self.group, self._on_item, mode=mode, retransmit=retransmit, types=types,
            relayed=("bcast", "bcast_order"), store=s.setdefault("dissemination", {}))

    # -- what it shows ------------------------------------------------------------------
    @property
    def held_back(self) -> int:
        """Values received (or broadcast) and not yet delivered."""
        return len(self._s["held"])

    @property
    def delivered(self) -> int:
        """Values delivered so far."""
        return int(self._s["count"])

    @property
    def next_seq(self) -> int:
        """total_sequencer: at the sequencer the next number it gives, elsewhere the next
        number to deliver (other orderings: 0)."""
        if self.ordering != "total_sequencer":
            return 0
        return int(self._s["gseq"]) + 1

    # -- broadcasting -------------------------------------------------------------------
    def broadcast(self, value: Any) -> tuple[str, dict[str, Any]]:
        """Broadcast ``value`` to the group; returns its id and the ordering's fields."""
        s = self._s
        s["sent"] += 1
        bid = f"{self.node.id}#{s['sent']}"
        fields: dict[str, Any] = {}
        if self.ordering == "fifo":
            fields["seq"] = s["sent"]
        elif self.ordering == "causal":
            vc = s["next"]
            fields["deps"] = {h: int(vc[h]) for h in sorted(vc) if vc[h]}
            fields["seq"] = s["sent"]
        elif self.ordering == "total_lamport":
            s["clock"] += 1
            s["lseq"] += 1
            fields["ts"] = s["clock"]
            fields["lseq"] = s["lseq"]
        self._sent(bid, value, fields)
        payload = {"type": "bcast", "id": bid, "value": value, "origin": self.node.id, **fields}
        self.dissemination.send(payload)
        self._accept(bid, self.node.id, value, fields)
        return bid, fields

    # -- receiving ----------------------------------------------------------------------
    def _on_item(self, kind: str, body: dict[str, Any], src: str) -> None:
        if kind == "bcast":
            origin = body.get("origin")
            if not isinstance(origin, str) or origin not in self.group:
                return
            fields: dict[str, Any] = {k: body[k] for k in ("seq", "deps", "ts", "lseq") if k in body}
            self._accept(body["id"], origin, body.get("value"), fields)
        elif kind == "bcast_order" and self.ordering == "total_sequencer":
            seq, bid = body.get("seq"), body.get("of")
            if type(seq) is int and isinstance(bid, str) and seq > self._s["gseq"]:
                self._s["orders"][seq] = bid
                self._flush()
        elif kind == "bcast_stamp" and self.ordering == "total_lamport":
            sender = body.get("sender")
            if isinstance(sender, str) and sender in self.group:
                self._lamport_item(sender, body)

    def _accept(self, bid: str, origin: str, value: Any, fields: dict[str, Any]) -> None:
        s = self._s
        if bid in s["delivered"] or bid in s["held"]:
            return
        if self.ordering == "total_lamport":
            ts, lseq = fields.get("ts"), fields.get("lseq")
            if type(ts) is not int or type(lseq) is not int:
                return
            s["held"][bid] = (origin, value, {"ts": ts})
            if origin == self.node.id:
                s["queue"][bid] = (ts, origin)
                s["latest"][origin] = ts
            else:
                self._lamport_item(origin, {"kind": "value", "id": bid, "ts": ts, "lseq": lseq,
                                            "origin": origin})
            self._changed()
            self._flush()
            return
        if self.ordering in ("fifo", "causal") and type(fields.get("seq")) is not int:
            return
        if self.ordering == "causal" and not _vector(fields.get("deps")):
            return
        s["held"][bid] = (origin, value, dict(fields))
        if self.ordering == "total_sequencer" and self.node.id == self.sequencer:
            s["gseq"] += 1
            s["orders"][s["gseq"]] = bid
            self.dissemination.send({"type": "bcast_order", "id": f"order#{s['gseq']}",
                                     "seq": s["gseq"], "of": bid})
        self._changed()
        self._flush()

    def _lamport_item(self, sender: str, item: dict[str, Any]) -> None:
        """Process the items of ``sender`` (values and stamps) in the order it sent them."""
        s = self._s
        lseq = item.get("lseq")
        if type(lseq) is not int:
            return
        pending = s["pending"].setdefault(sender, {})
        pending.setdefault(lseq, item)
        expect = s["expect"]
        while expect.get(sender, 1) in pending:
            it = pending.pop(expect.get(sender, 1))
            expect[sender] = expect.get(sender, 1) + 1
            ts = it.get("ts")
            if type(ts) is not int:
                continue
            s["clock"] = max(s["clock"], ts) + 1
            s["latest"][sender] = max(s["latest"].get(sender, 0), ts)
            if it.get("kind") == "value":
                s["queue"][it["id"]] = (ts, sender)
                s["clock"] += 1
                s["lseq"] += 1
                self.dissemination.send({"type": "bcast_stamp", "id": f"{self.node.id}>{it['id']}",
                                         "of": it["id"], "ts": s["clock"], "sender": self.node.id,
                                         "lseq": s["lseq"]})
        self._flush()

    # -- delivering ---------------------------------------------------------------------
    def _flush(self) -> None:
        """Deliver every held-back value the ordering now allows."""
        progress = True
        while progress:
            progress = False
            for bid in self._ready():
                self._hand_over(bid)
                progress = True

    def _ready(self) -> list[str]:
        s = self._s
        held = s["held"]
        if self.ordering == "none":
            return sorted(held)
        if self.ordering == "fifo":
            nxt = s["next"]
            return [b for b in sorted(held)
                    if held[b][2].get("seq") == nxt.get(held[b][0], 0) + 1][:1]
        if self.ordering == "causal":
            vc = s["next"]
            for b in sorted(held):
                origin, _, f = held[b]
                deps = f.get("deps", {})
                if f.get("seq") != vc.get(origin, 0) + 1:
                    continue
                if all(vc.get(h, 0) >= n for h, n in deps.items() if h != origin):
                    return [b]
            return []
        if self.ordering == "total_sequencer":
            bid = s["orders"].get(s["gseq"] + 1) if self.node.id != self.sequencer else None
            if self.node.id == self.sequencer:
                # The sequencer numbered values as it took them: deliver them in that order.
                for seq in sorted(s["orders"]):
                    if s["orders"][seq] in held:
                        return [s["orders"][seq]]
                return []
            if bid is not None and bid in held:
                return [bid]
            return []
        # total_lamport: the queued value of smallest (ts, origin), once every other member
        # has sent something stamped later.
        queue = s["queue"]
        if not queue:
            return []
        bid = min(queue, key=lambda b: (queue[b][0], queue[b][1], b))
        ts, origin = queue[bid]
        latest = s["latest"]
        for q in self.group:
            if q != self.node.id and (latest.get(q, 0), q) < (ts, origin):
                return []
        return [bid] if bid in held else []

    def _hand_over(self, bid: str) -> None:
        s = self._s
        origin, value, fields = s["held"].pop(bid)
        s["delivered"].add(bid)
        s["count"] += 1
        info: dict[str, Any] = {}
        if self.ordering in ("fifo", "causal"):
            s["next"][origin] = s["next"].get(origin, 0) + 1
            info["seq"] = fields.get("seq")
        elif self.ordering == "total_sequencer":
            if self.node.id == self.sequencer:
                seq = next((k for k, v in s["orders"].items() if v == bid), None)
                s["orders"].pop(seq, None)
                info["order"] = seq
            else:
                s["gseq"] += 1
                s["orders"].pop(s["gseq"], None)
                info["order"] = s["gseq"]
        elif self.ordering == "total_lamport":
            s["queue"].pop(bid, None)
            info["ts"] = fields.get("ts")
        self._deliver(bid, origin, value, info)
        self._changed()
