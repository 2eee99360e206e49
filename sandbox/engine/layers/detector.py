"""A heartbeat failure detector a behaviour can run beside its own work.

``HeartbeatDetector(node, peers=None, interval=100 ms, timeout=300 ms)`` sends a
heartbeat (``{"type": "fd_heartbeat"}``) to each peer every ``interval`` and
suspects a peer from which nothing came for longer than ``timeout``
(``node.suspect``); a heartbeat from a suspected peer clears the suspicion
(``node.unsuspect``), a crash notice (fail-stop) suspects at once. It takes its
messages with ``node.on_message``, so the behaviour's own receives never see
them; :attr:`suspects` is the set suspected now, and ``on_change(suspects)`` is
called after each change. Time is read on the host's local clock, as a real
detector would::

    fd = HeartbeatDetector(node, interval=50 * MS, timeout=200 * MS,
                           on_change=lambda s: node.report_state(suspects=s))
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from typing import Any

from ..network import Message
from ..protocols._common import crash_notice

__all__ = ["HEARTBEAT", "HeartbeatDetector"]

#: The payload type of the detector's heartbeats.
HEARTBEAT = "fd_heartbeat"


class HeartbeatDetector:
    """Heartbeats with a fixed timeout (see the module docstring)."""

    def __init__(self, node: Any, peers: Iterable[str] | None = None,
                 interval: int = 100_000_000, timeout: int = 300_000_000, *, size: int = 32,
                 on_change: Callable[[set[str]], None] | None = None) -> None:
        if interval < 1 or timeout < 1:
            raise ValueError("HeartbeatDetector: interval and timeout must be at least 1 ns")
        self.node = node
        self.peers: list[str] = [p for p in (node.peers if peers is None else peers)
                                 if p != node.id]
        self.interval = int(interval)
        self.timeout = int(timeout)
        self.size = size
        self.on_change = on_change
        #: The peers suspected now.
        self.suspects: set[str] = set()
        start = node.clock()
        self._last: dict[str, int] = {p: start for p in self.peers}
        node.on_message(HEARTBEAT, self._heard)
        node.on_message("crash_notice", self._notice)
        node.spawn(self._beat())
        node.spawn(self._watch())

    def _heard(self, msg: Message) -> None:
        if msg.corrupted or msg.src not in self._last:
            return
        self._last[msg.src] = self.node.clock()
        if msg.src in self.suspects:
            self.suspects.discard(msg.src)
            self.node.unsuspect(msg.src)
            self._changed()

    def _notice(self, msg: Message) -> None:
        host = crash_notice(msg)  # the engine's notices only: an app message is a forgery
        if host in self._last:
            self._suspect(host)

    def _suspect(self, host: str) -> None:
        if host not in self.suspects:
            self.suspects.add(host)
            self.node.suspect(host)
            self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(set(self.suspects))

    def _beat(self) -> Generator:
        while True:
            self.node.broadcast({"type": HEARTBEAT}, self.peers, self.size)
            yield from self.node.sleep(self.interval)

    def _watch(self) -> Generator:
        step = max(1, self.interval // 2)
        while True:
            yield from self.node.sleep(step)
            now = self.node.clock()
            for p in self.peers:
                if p not in self.suspects and now - self._last[p] > self.timeout:
                    self._suspect(p)
