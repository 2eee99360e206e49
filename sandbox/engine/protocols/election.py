"""Leader election: the bully algorithm and the ring algorithm, with a heartbeat failure
detector that starts a new election when the leader falls silent.

Members are ranked lowest to highest in the order of the ``members`` parameter
(all hosts in natural order of ids when it is empty). The leader sends a
heartbeat to every other member each ``heartbeat``; a member that hears
nothing from its leader for ``timeout`` (or has no leader once ``start_delay``
and a small random spread have passed) starts an election.

- **bully**: the candidate sends ``el_election`` to every higher member; one
  that is up answers (``el_answer``) and starts its own election. A candidate
  with no answer within ``answer_timeout`` makes itself leader and tells every
  member (``el_coordinator``); one that was answered waits ``timeout`` for that
  message and starts again if it does not come. A coordinator message from a
  lower host makes a higher one start an election (it bullies it). The
  algorithm assumes that messages arrive within the timeouts: across a
  partition each side elects its own leader.
- **ring**: the candidate sends ``el_ring`` with the list of hosts seen so far
  to its successor in the ring; each member adds itself and passes it on,
  skipping a successor that does not acknowledge (``el_ring_ack``) within
  ``answer_timeout``. When the message comes back to its initiator, the
  highest host on the list is announced to all of them (``el_coordinator``).

Every election has an epoch: one more than the highest epoch the host has
seen; heartbeats and announcements carry it. A leader that hears of another
leader steps down if the other is higher (bully: by rank; ring: by epoch, then
rank).

App events (``node.app``):

``elected``  leader, epoch: this host has become the leader of that epoch

State (``node.report_state``): ``role`` (leader | follower | candidate),
``leader`` (the leader this host follows; None while it has none), ``epoch``.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable
from typing import Any

from sandbox.scenario.builtin import coordination as C

from ..node import Node
from ._common import kind


def _natural(ids: Iterable[str]) -> list[str]:
    """Host ids in natural order (h2 before h10), without repeats."""

    def key(s: str) -> tuple:
        return tuple((0, int(p), "") if p.isdigit() else (1, 0, p)
                     for p in re.split(r"(\d+)", s) if p)

    return sorted(set(ids), key=lambda s: (key(s), s))


def election(node: Node, params: C.ElectionParams) -> Generator:
    """Elect a leader by the bully or ring algorithm (see the module docstring)."""
    if params.members:
        members: list[str] = []
        for h in params.members:
            if h not in members:
                members.append(h)
    else:
        members = _natural([node.id, *node.peers])
    if node.id not in members:
        while True:
            yield from node.receive(match=lambda m: False)
    yield from _Election(node, params, members).run()


class _Election:
    """One host's side of the election (all its state; the loop in :meth:`run`)."""

    def __init__(self, node: Node, params: C.ElectionParams, members: list[str]) -> None:
        self.node, self.p, self.members = node, params, members
        self.rank = {h: i for i, h in enumerate(members)}
        self.me = self.rank[node.id]
        self.others = [h for h in members if h != node.id]
        self.bully = params.algorithm == "bully"
        self.role = "follower"
        self.leader: str | None = None
        self.epoch = 0  # the epoch of the leader followed (or led)
        self.seen = 0  # the highest epoch seen
        self.last_hb = node.now
        self.start_at: int | None = node.now + params.start_delay + node.rng.randrange(
            max(1, params.answer_timeout // 2))
        self.answer_by: int | None = None  # bully: waiting for an answer until then
        self.coord_by: int | None = None  # waiting for an announcement until then
        self.next_hb: int | None = None
        self.forwards: dict[int, tuple[dict[str, Any], list[str], int]] = {}
        self.fid = 0

    # -- what the host shows ---------------------------------------------------------
    def show(self) -> None:
        self.node.report_state(role=self.role, leader=self.leader, epoch=self.epoch)

    def higher(self, a: str, b: str, ea: int = 0, eb: int = 0) -> bool:
        """Whether a leader ``a`` (of epoch ``ea``) wins over ``b`` (of ``eb``)."""
        if self.bully:
            return self.rank.get(a, -1) > self.rank.get(b, -1)
        return (ea, self.rank.get(a, -1)) > (eb, self.rank.get(b, -1))

    # -- elections ---------------------------------------------------------------------
    def start_election(self) -> None:
        node = self.node
        self.start_at = self.coord_by = self.answer_by = self.next_hb = None
        self.role, self.leader = "candidate", None
        self.show()
        node.timer("election")
        if self.bully:
            up = [h for h in self.members if self.rank[h] > self.me]
            if not up:
                self.become_leader()
                return
            node.broadcast({"type": "el_election", "epoch": self.seen}, up, 32)
            self.answer_by = node.now + self.p.answer_timeout
        else:  # start again if no announcement comes round
            self.coord_by = node.now + self.p.timeout + len(self.members) * self.p.answer_timeout
            self.forward({"type": "el_ring", "ids": [node.id], "epoch": self.seen})

    def become_leader(self, epoch: int | None = None) -> None:
        node = self.node
        self.seen = max(self.seen, epoch if epoch is not None else self.seen + 1)
        self.epoch = self.seen
        self.role, self.leader = "leader", node.id
        self.answer_by = self.coord_by = self.start_at = None
        self.next_hb = node.now + self.p.heartbeat
        node.app("elected", leader=node.id, epoch=self.epoch)
        self.show()
        if self.bully:
            node.broadcast({"type": "el_coordinator", "leader": node.id, "epoch": self.epoch},
                           self.others, 32)

    def follow(self, leader: str, epoch: int) -> None:
        self.role, self.leader, self.epoch = "follower", leader, epoch
        self.last_hb = self.node.now
        self.answer_by = self.coord_by = self.start_at = self.next_hb = None
        self.show()

    # -- the ring ------------------------------------------------------------------------
    def successors(self) -> list[str]:
        n = len(self.members)
        return [self.members[(self.me + i) % n] for i in range(1, n)]

    def forward(self, payload: dict[str, Any], after: list[str] | None = None) -> None:
        """Pass a ring message to the first successor that acknowledges it."""
        todo = self.successors() if after is None else after
        if not todo:  # nobody else is up: the ring is this host alone
            self.ring_done(payload)
            return
        self.fid += 1
        msg = dict(payload, fid=self.fid)
        self.node.send(todo[0], msg, 32 + 8 * len(payload.get("ids", ())))
        self.forwards[self.fid] = (payload, todo[1:], self.node.now + self.p.answer_timeout)

    def ring_done(self, payload: dict[str, Any]) -> None:
        ids = [h for h in payload.get("ids", ()) if h in self.rank]
        if not ids:
            return
        winner = max(ids, key=lambda h: self.rank[h])
        epoch = max(self.seen, int(payload.get("epoch", 0))) + 1
        self.seen = epoch
        for h in ids:
            if h != self.node.id:
                self.node.send(h, {"type": "el_coordinator", "leader": winner, "epoch": epoch}, 32)
        self.announced(winner, epoch)

    def announced(self, winner: str, epoch: int) -> None:
        if winner == self.node.id:
            if self.role != "leader" or epoch > self.epoch:
                self.become_leader(epoch)
        elif self.role != "leader" or self.higher(winner, self.node.id, epoch, self.epoch):
            self.follow(winner, epoch)

    # -- messages ------------------------------------------------------------------------
    def on_message(self, src: str, k: Any, p: dict[str, Any]) -> None:
        node = self.node
        ep = p.get("epoch")
        ep = ep if isinstance(ep, int) and not isinstance(ep, bool) else 0
        self.seen = max(self.seen, ep)
        if k == "el_heartbeat":
            node.unsuspect(src)
            if self.bully and self.rank[src] < self.me:  # a lower leader: bully it
                if self.role == "leader":
                    node.send(src, {"type": "el_coordinator", "leader": node.id,
                                    "epoch": self.epoch}, 32)
                elif self.role != "candidate":
                    self.start_election()
                return
            if self.role == "leader":
                if self.higher(src, node.id, ep, self.epoch):
                    self.follow(src, ep)
            elif src == self.leader or self.leader is None or ep > self.epoch \
                    or (self.bully and self.higher(src, self.leader)):
                if src != self.leader or self.role != "follower" or ep != self.epoch:
                    self.follow(src, ep)
                self.last_hb = node.now
        elif k == "el_election" and self.bully:
            node.send(src, {"type": "el_answer", "epoch": self.seen}, 32)
            if self.role == "leader":
                node.send(src, {"type": "el_coordinator", "leader": node.id,
                                "epoch": self.epoch}, 32)
            elif self.role != "candidate":
                self.start_election()
        elif k == "el_answer" and self.bully:
            if self.role == "candidate" and self.answer_by is not None:
                self.answer_by = None
                self.coord_by = node.now + self.p.timeout
        elif k == "el_coordinator":
            winner = p.get("leader")
            if winner not in self.rank:
                return
            if self.bully and self.rank[winner] < self.me:
                if self.role != "candidate":
                    self.start_election()
                return
            self.announced(winner, ep)
        elif k == "el_ring" and not self.bully:
            node.send(src, {"type": "el_ring_ack", "fid": p.get("fid")}, 16)
            ids = p.get("ids")
            if not isinstance(ids, list):
                return
            if ids and ids[0] == node.id:
                self.ring_done(p)
            elif node.id not in ids:
                if self.role == "follower" and self.leader is None:
                    self.role, self.start_at = "candidate", None
                    self.coord_by = node.now + self.p.timeout \
                        + len(self.members) * self.p.answer_timeout
                    self.show()
                self.forward({"type": "el_ring", "ids": [*ids, node.id],
                              "epoch": max(ep, self.seen)})
        elif k == "el_ring_ack":
            fid = p.get("fid")
            if isinstance(fid, int):
                self.forwards.pop(fid, None)

    # -- the loop ------------------------------------------------------------------------
    def run(self) -> Generator:
        node = self.node
        self.show()
        while True:
            now = node.now
            dead = [t for t in (self.start_at, self.answer_by, self.coord_by, self.next_hb)
                    if t is not None]
            dead += [f[2] for f in self.forwards.values()]
            if self.role == "follower" and self.leader is not None:
                dead.append(self.last_hb + self.p.timeout + 1)
            wake = min(dead) if dead else None
            msg = yield from node.receive(timeout=None if wake is None else max(1, wake - now))
            if msg is not None and not msg.corrupted and msg.src in self.rank \
                    and isinstance(msg.payload, dict):
                self.on_message(msg.src, kind(msg), msg.payload)
            self.expire()

    def expire(self) -> None:
        node = self.node
        now = node.now
        for fid, (payload, rest, by) in sorted(self.forwards.items()):
            if by <= now:
                del self.forwards[fid]
                self.forward(payload, rest)
        if self.role == "leader" and self.next_hb is not None and self.next_hb <= now:
            node.broadcast({"type": "el_heartbeat", "epoch": self.epoch}, self.others, 32)
            self.next_hb = now + self.p.heartbeat
        if self.start_at is not None and self.start_at <= now:
            self.start_election()
        elif self.answer_by is not None and self.answer_by <= now:
            self.become_leader()
        elif self.coord_by is not None and self.coord_by <= now:
            self.start_election()
        elif self.role == "follower" and self.leader is not None \
                and now - self.last_hb > self.p.timeout:
            node.suspect(self.leader)
            self.start_election()
