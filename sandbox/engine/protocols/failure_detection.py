"""Failure detection: a heartbeat detector with a fixed timeout, and an adaptive one.

``adaptive_heartbeat`` sends heartbeats like ``heartbeat`` and keeps, per peer,
the last ``window`` intervals between that peer's heartbeats. The silence it
allows before suspecting is learnt from them: with ``estimator: phi`` (phi
accrual), the suspicion level of a silence s is phi(s) = -log10 P(interval > s)
for a normal law of the intervals' mean and standard deviation (at least
``min_std``), and the peer is suspected when phi passes ``threshold``; with
``estimator: chen``, when the silence passes the mean interval plus
``margin`` (the expected arrival plus a safety margin). Until two intervals are
known, and as a cap, the silence allowed is ``max_timeout``. A heartbeat
clears the suspicion; a crash notice (fail-stop) suspects at once.

App events (adaptive_heartbeat):

- ``fd_suspect``: ``target``, ``silence`` (ns since its last heartbeat),
  ``timeout`` (the silence allowed, ns), ``samples`` (intervals known).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from statistics import NormalDist

from sandbox.scenario import behaviours as P
from sandbox.scenario.builtin import failure_detection as F

from ..node import Node
from ._common import crash_notice, kind


def heartbeat(node: Node, params: P.HeartbeatParams) -> Generator:
    """Send heartbeats every interval; suspect a peer silent for longer than the timeout."""
    peers = [p for p in (params.peers or node.peers) if p != node.id]
    last = {p: node.now for p in peers}

    def beat() -> Generator:
        while True:
            node.broadcast({"type": "heartbeat"}, peers, 32)
            yield from node.sleep(params.interval)

    node.spawn(beat())
    check = max(1, params.interval // 2)
    while True:
        msg = yield from node.receive(timeout=check)
        now = node.now
        if msg is not None and not msg.corrupted:
            k = kind(msg)
            if k == "heartbeat" and msg.src in last:
                last[msg.src] = now
                node.unsuspect(msg.src)
            elif crash_notice(msg) in last:
                node.suspect(msg.payload["host"])
                last[msg.payload["host"]] = -(10**18)
        for p in peers:
            if now - last[p] > params.timeout:
                node.suspect(p)


_NORMAL = NormalDist()


def _estimate(samples: deque[int], params: F.AdaptiveHeartbeatParams) -> int | None:
    """How long a silence may last before suspicion, learnt from ``samples`` (None: too few)."""
    if len(samples) < 2:
        return None
    mean = sum(samples) / len(samples)
    if params.estimator == "chen":
        return int(mean + params.margin)
    var = sum((s - mean) ** 2 for s in samples) / (len(samples) - 1)
    std = max(var ** 0.5, params.min_std)
    # phi(silence) = -log10(P(an interval longer than silence)); it passes the threshold at
    # mean + z * std, where P(X > mean + z * std) = 10 ** -threshold for a normal X.
    z = -_NORMAL.inv_cdf(10.0 ** -params.threshold)
    return int(mean + z * std)


def adaptive_heartbeat(node: Node, params: F.AdaptiveHeartbeatParams) -> Generator:
    """Send heartbeats every interval; suspect a peer silent for longer than a timeout learnt
    from the intervals between its heartbeats (phi accrual, or Chen's estimate plus margin)."""
    peers = [p for p in (params.peers or node.peers) if p != node.id]
    last = {p: node.now for p in peers}
    samples: dict[str, deque[int]] = {p: deque(maxlen=params.window) for p in peers}
    allowed: dict[str, int] = {p: params.max_timeout for p in peers}
    suspects: set[str] = set()

    def beat() -> Generator:
        while True:
            node.broadcast({"type": "heartbeat"}, peers, 32)
            yield from node.sleep(params.interval)

    def show() -> None:
        node.report_state(suspects=sorted(suspects))

    def suspect(p: str, silence: int) -> None:
        if p not in suspects:
            suspects.add(p)
            node.app("fd_suspect", target=p, silence=silence, timeout=allowed[p],
                     samples=len(samples[p]))
            node.suspect(p)
            show()

    show()
    node.spawn(beat())
    while True:
        now = node.now
        waits = [last[p] + allowed[p] - now for p in peers if p not in suspects]
        wait = max(1, min(waits)) if waits else params.interval
        msg = yield from node.receive(timeout=wait)
        now = node.now
        if msg is not None and not msg.corrupted:
            k = kind(msg)
            if k == "heartbeat" and msg.src in last:
                p = msg.src
                gap = now - last[p]
                last[p] = now
                if gap <= params.max_timeout:  # a gap of a crash or a partition is no sample
                    samples[p].append(gap)
                learnt = _estimate(samples[p], params)
                allowed[p] = params.max_timeout if learnt is None else \
                    max(1, min(learnt, params.max_timeout))
                if p in suspects:
                    suspects.discard(p)
                    node.unsuspect(p)
                    show()
            elif crash_notice(msg) in last:
                suspect(msg.payload["host"], now - last[msg.payload["host"]])
        for p in peers:
            if p not in suspects and now - last[p] >= allowed[p]:
                suspect(p, now - last[p])
