"""What a timeline answers with: a message's record, and the state of the hosts and network
at an instant (replayed from the trace's state-changing events)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..scenario.model import partition_blocks
from .events import TraceEvent

__all__ = ["HostStates", "MessageRecord", "Partition", "StateReplay"]


class MessageRecord(NamedTuple):
    """One message of the trace, from its creation (send or duplicate) to its end.

    ``t_end`` and ``end_kind`` are None for a message still in flight when
    the trace ends; ``end_kind`` is ``"deliver"`` or ``"drop"``. ``byz`` is
    the Byzantine behaviour that made it (or None); ``dup_of`` the id of the
    message it is a duplicate of; ``reason`` and ``link`` describe a drop;
    ``channel`` is ``"app"``, ``"mem"`` or ``"sys"``; ``path`` the hosts of
    a routed message. ``send_seq`` and ``end_seq`` are event positions.
    """

    msg: int
    src: str
    dst: str
    t_send: int
    t_end: int | None
    end_kind: str | None
    corrupted: bool
    byz: str | None
    late: bool
    dup_of: int | None
    reason: str | None
    link: tuple[str, str] | None
    channel: str
    path: tuple[str, ...] | None
    send_seq: int
    end_seq: int | None


class Partition(NamedTuple):
    """An active network partition: its sides and whether it blocks one way only."""

    sides: tuple[tuple[str, ...], ...]
    one_way: bool


@dataclass(frozen=True)
class HostStates:
    """The state of every host and of the network at one time.

    ``status`` maps every host to ``"up"``, ``"crashed"`` or ``"paused"``;
    ``suspects`` maps a host to the hosts its failure detector suspects
    (hosts that suspect nobody are left out); ``byzantine`` holds the hosts
    that may send malicious messages; ``partitions`` the active partitions
    in the order they started; ``cut_links`` the cut links as sorted pairs;
    ``protocol`` maps a host to the protocol state it last reported (field ->
    value; hosts that reported nothing, or crashed since, are left out).
    """

    status: dict[str, str]
    suspects: dict[str, frozenset[str]] = field(default_factory=dict)
    byzantine: frozenset[str] = frozenset()
    partitions: tuple[Partition, ...] = ()
    cut_links: frozenset[tuple[str, str]] = frozenset()
    protocol: dict[str, dict[str, Any]] = field(default_factory=dict)

    def suspected(self) -> set[str]:
        """Every host that at least one host suspects."""
        out: set[str] = set()
        for targets in self.suspects.values():
            out |= targets
        return out

    def is_cut(self, a: str, b: str) -> bool:
        """Whether the link between ``a`` and ``b`` is cut."""
        return (min(a, b), max(a, b)) in self.cut_links

    def blocked(self, a: str, b: str) -> bool:
        """Whether an active partition blocks messages from ``a`` to ``b``."""
        return any(partition_blocks(sides, one_way, a, b) for sides, one_way in self.partitions)


class StateReplay:
    """Mutable state replayed from state-changing events (see :class:`HostStates`)."""

    __slots__ = ("status", "suspects", "byzantine", "partitions", "cuts", "protocol")

    def __init__(self, hosts: Iterable[str], byzantine: Iterable[str]) -> None:
        self.status: dict[str, str] = {h: "up" for h in hosts}
        self.suspects: dict[str, set[str]] = {}
        self.byzantine: set[str] = set(byzantine)
        self.partitions: list[Partition] = []
        self.cuts: Counter[tuple[str, str]] = Counter()
        self.protocol: dict[str, dict[str, Any]] = {}

    def apply(self, ev: TraceEvent) -> None:
        """Apply one state-changing event (other kinds change nothing)."""
        kind = ev.kind
        host = ev.host
        d = ev.data or {}
        if kind == "crash":
            self.status[host] = "crashed"
            self.suspects.pop(host, None)  # a crashed detector forgets its suspicions
            self.protocol.pop(host, None)  # and its protocol stops (it reports again on recovery)
        elif kind in ("recover", "resume"):
            self.status[host] = "up"
        elif kind == "pause":
            if self.status.get(host, "up") == "up":
                self.status[host] = "paused"
        elif kind == "byzantine":
            if d.get("probability", 1.0):
                self.byzantine.add(host)
            else:
                self.byzantine.discard(host)
        elif kind == "suspect":
            target = d.get("target")
            if target is not None:
                self.suspects.setdefault(host, set()).add(target)
        elif kind == "unsuspect":
            targets = self.suspects.get(host)
            if targets is not None:
                targets.discard(d.get("target"))
                if not targets:
                    del self.suspects[host]
        elif kind == "state":
            shown = self.protocol.setdefault(host, {})
            for name, value in d.items():
                if value is None:
                    shown.pop(name, None)
                else:
                    shown[name] = value
            if not shown:
                del self.protocol[host]
        elif kind in ("partition", "heal"):
            sides = tuple(tuple(side) for side in d.get("sides") or ())
            part = Partition(sides, bool(d.get("one_way", False)))
            if kind == "partition":
                self.partitions.append(part)
            elif part in self.partitions:
                self.partitions.remove(part)
        elif kind in ("link_cut", "link_heal"):
            link = d.get("link")
            if link and len(link) == 2:
                pair = (min(link[0], link[1]), max(link[0], link[1]))
                if kind == "link_cut":
                    self.cuts[pair] += 1
                elif self.cuts[pair] > 1:
                    self.cuts[pair] -= 1
                else:
                    self.cuts.pop(pair, None)

    def frozen(self) -> HostStates:
        """An immutable copy for callers."""
        return HostStates(
            status=dict(self.status),
            suspects={h: frozenset(s) for h, s in self.suspects.items() if s},
            byzantine=frozenset(self.byzantine),
            partitions=tuple(self.partitions),
            cut_links=frozenset(p for p, c in self.cuts.items() if c > 0),
            protocol={h: dict(f) for h, f in self.protocol.items()},
        )
