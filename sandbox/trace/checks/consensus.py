"""Checkers of the consensus protocols' guarantees (see the base module).

Raft (behaviour ``raft``; the app events are listed in
:mod:`sandbox.engine.protocols.raft`):

- ``consensus.election_safety``: at most one leader per term (``raft_leader``);
- ``consensus.log_matching``: two logs holding an entry of the same index and
  term are identical up to it. The checker rebuilds every server's log from its
  ``raft_append`` and ``raft_truncate`` events (a crash that loses the host's
  state empties it) and compares each new entry, with all the entries before
  it, to every entry of the same index and term any server has held;
- ``consensus.leader_completeness``: an entry committed in a term is in the log
  of every leader of a later term (``raft_commit``, checked at each
  ``raft_leader`` against the rebuilt log);
- ``consensus.state_machine_safety``: no two servers apply different commands
  at the same index (``raft_apply``).

They are promised when no Raft server can come back from a crash without its
state (Raft assumes currentTerm, votedFor and the log are kept on stable
storage) and no server is Byzantine.

Paxos (behaviour ``paxos``, see :mod:`sandbox.engine.protocols.paxos`):

- ``consensus.paxos_agreement``: no two hosts learn different values;
- ``consensus.paxos_validity``: a value learnt was proposed before.

Promised when no acceptor can come back from a crash without its state and no
host is Byzantine.

The hosts of one cluster are those of a behaviour's ``members`` parameter (the
host itself included), or all the scenario's hosts when it is empty; each
cluster is judged on its own.
"""

from __future__ import annotations

import json
from typing import Any

from ...scenario.registry import QT_TRANSLATE_NOOP
from ..events import TraceEvent
from .base import CheckContext, Checker, register_checker

_RAFT = ("raft",)
_PAXOS = ("paxos",)


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _key(v: Any) -> str:
    """A hashable, exact form of a JSON value (a command or a proposed value)."""
    try:
        return json.dumps(v, sort_keys=True)
    except (TypeError, ValueError):
        return repr(v)


def _app(ev: TraceEvent, *names: str) -> str | None:
    d = ev.data
    name = d.get("name") if isinstance(d, dict) else None
    return name if name in names else None


def _cluster(ctx: CheckContext, host: str) -> tuple[str, ...]:
    """The hosts of ``host``'s cluster (its ``members``, itself included; all when empty)."""
    p = ctx.params_of(host)
    members = getattr(p, "members", None)
    if isinstance(members, list) and members:
        return tuple(sorted({*members, host}))
    return tuple(ctx.hosts)


def _safe_config(ctx: CheckContext, names: tuple[str, ...]) -> bool:
    """Whether no host running one of ``names`` can return from a crash with its state lost,
    and no host at all is Byzantine."""
    faults = ctx.scenario.get("faults")
    faults = faults if isinstance(faults, list) else []
    for f in faults:
        if isinstance(f, dict) and f.get("kind") == "byzantine":
            return False
    for h in ctx.hosts:
        fs = ctx.host_spec(h).get("failures")
        fs = fs if isinstance(fs, dict) else {}
        if (fs.get("byzantine_probability") or 0) > 0:
            return False
    for h in ctx.running(*names):
        if ctx.state_kept(h):
            continue
        fs = ctx.host_spec(h).get("failures")
        fs = fs if isinstance(fs, dict) else {}
        recovers = fs.get("mttr") is not None or any(
            isinstance(f, dict) and f.get("kind") == "recover" and f.get("host") == h
            for f in faults)
        if recovers:
            return False
    return True


class _RaftChecker(Checker):
    @classmethod
    def promised(cls, ctx: CheckContext) -> bool:
        return _safe_config(ctx, _RAFT)


class _Logs:
    """Every server's log rebuilt from its append and truncate events: per host a list of
    (term, chain) where chain names the entry with all the entries before it (equal chains,
    equal prefixes); None when an entry's prefix is unknown (a gap in the events)."""

    def __init__(self) -> None:
        self.logs: dict[str, list[tuple[int, int | None]]] = {}
        self._chains: dict[tuple[int, int, str], int] = {}

    def feed(self, ev: TraceEvent) -> tuple[int, int, int | None] | None:
        """Read an event; for an append, (index, term, chain) of the new entry."""
        log = self.logs.setdefault(ev.host, [])
        if ev.kind == "crash":
            if isinstance(ev.data, dict) and ev.data.get("state") == "lost":
                log.clear()
            return None
        d = ev.data if isinstance(ev.data, dict) else {}
        index = _int(d.get("index"))
        if index is None or index < 1:
            return None
        if d.get("name") == "raft_truncate":
            del log[index - 1:]
            return None
        term = _int(d.get("term"))
        if term is None:
            return None
        del log[index - 1:]
        while len(log) < index - 1:
            log.append((-1, None))
        prev = log[-1][1] if log else 0
        chain: int | None = None
        if prev is not None:
            k = (prev, term, _key(d.get("command")))
            chain = self._chains.setdefault(k, len(self._chains) + 1)
        log.append((term, chain))
        return index, term, chain


@register_checker
class ElectionSafety(_RaftChecker):
    name = "consensus.election_safety"
    title = QT_TRANSLATE_NOOP("Check", "Election safety")
    description = QT_TRANSLATE_NOOP(
        "Check", "At most one server is elected leader in a term.")
    kinds = frozenset({"app"})

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self.leaders: dict[tuple[tuple[str, ...], int], tuple[str, int]] = {}

    def feed(self, ev: TraceEvent) -> None:
        if _app(ev, "raft_leader") is None:
            return
        term = _int((ev.data or {}).get("term"))
        if term is None:
            return
        self.checked += 1
        k = (_cluster(self.ctx, ev.host), term)
        first = self.leaders.setdefault(k, (ev.host, ev.seq))
        if first[0] != ev.host:
            self.fail(ev, QT_TRANSLATE_NOOP(
                "Check", "{host} became leader of term {term}, which {other} already leads"),
                related=(first[1],), host=ev.host, term=term, other=first[0])


@register_checker
class LogMatching(_RaftChecker):
    name = "consensus.log_matching"
    title = QT_TRANSLATE_NOOP("Check", "Log matching")
    description = QT_TRANSLATE_NOOP(
        "Check", "If two logs hold an entry with the same index and term, they are identical "
                 "in all the entries up to it.")
    kinds = frozenset({"app", "crash"})

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self.logs = _Logs()
        self.seen: dict[tuple[tuple[str, ...], int, int], tuple[int, str, int]] = {}

    def feed(self, ev: TraceEvent) -> None:
        if ev.kind == "app" and _app(ev, "raft_append", "raft_truncate") is None:
            return
        got = self.logs.feed(ev)
        if got is None:
            return
        index, term, chain = got
        if chain is None:
            return
        self.checked += 1
        k = (_cluster(self.ctx, ev.host), index, term)
        first = self.seen.setdefault(k, (chain, ev.host, ev.seq))
        if first[0] != chain:
            self.fail(ev, QT_TRANSLATE_NOOP(
                "Check", "{host} holds an entry at index {index} of term {term}, as {other} "
                         "did, but their logs differ up to it"),
                related=(first[2],), host=ev.host, index=index, term=term, other=first[1])


@register_checker
class LeaderCompleteness(_RaftChecker):
    name = "consensus.leader_completeness"
    title = QT_TRANSLATE_NOOP("Check", "Leader completeness")
    description = QT_TRANSLATE_NOOP(
        "Check", "An entry committed in a term is in the log of the leader of every later term.")
    kinds = frozenset({"app", "crash"})

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self.logs = _Logs()
        # cluster -> commit term -> (index, term of the entry, chain, seq): the highest commit
        self.commits: dict[tuple[str, ...], dict[int, tuple[int, int, int | None, int]]] = {}

    def feed(self, ev: TraceEvent) -> None:
        name = _app(ev, "raft_append", "raft_truncate", "raft_commit", "raft_leader")
        if ev.kind == "crash" or name in ("raft_append", "raft_truncate"):
            self.logs.feed(ev)
            return
        if name is None:
            return
        d = ev.data or {}
        term = _int(d.get("term"))
        if term is None:
            return
        cluster = _cluster(self.ctx, ev.host)
        log = self.logs.logs.get(ev.host, [])
        commits = self.commits.setdefault(cluster, {})
        if name == "raft_commit":
            index = _int(d.get("index"))
            if index is None or not 1 <= index <= len(log):
                return
            best = commits.get(term)
            if best is None or best[0] < index:
                commits[term] = (index, log[index - 1][0], log[index - 1][1], ev.seq)
            return
        for t in sorted(commits):
            if t >= term:
                break
            index, eterm, chain, seq = commits[t]
            self.checked += 1
            have = log[index - 1] if index <= len(log) else None
            if have is None or have[0] != eterm or (
                    chain is not None and have[1] is not None and have[1] != chain):
                self.fail(ev, QT_TRANSLATE_NOOP(
                    "Check", "{host} became leader of term {term} without the entry at index "
                             "{index} committed in term {committed}"),
                    related=(seq,), host=ev.host, term=term, index=index, committed=t)
                return


@register_checker
class StateMachineSafety(_RaftChecker):
    name = "consensus.state_machine_safety"
    title = QT_TRANSLATE_NOOP("Check", "State machine safety")
    description = QT_TRANSLATE_NOOP(
        "Check", "No two servers apply different commands at the same log index.")
    kinds = frozenset({"app"})

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self.applied: dict[tuple[tuple[str, ...], int], tuple[str, Any, str, int]] = {}

    def feed(self, ev: TraceEvent) -> None:
        if _app(ev, "raft_apply") is None:
            return
        d = ev.data or {}
        index = _int(d.get("index"))
        if index is None:
            return
        self.checked += 1
        cmd = d.get("command")
        k = (_cluster(self.ctx, ev.host), index)
        first = self.applied.setdefault(k, (_key(cmd), cmd, ev.host, ev.seq))
        if first[0] != _key(cmd):
            self.fail(ev, QT_TRANSLATE_NOOP(
                "Check", "{host} applied {command} at index {index}, where {other} applied "
                         "{other_command}"),
                related=(first[3],), host=ev.host, command=_key(cmd), index=index,
                other=first[2], other_command=first[0])


class _PaxosChecker(Checker):
    @classmethod
    def promised(cls, ctx: CheckContext) -> bool:
        return _safe_config(ctx, _PAXOS)


@register_checker
class PaxosAgreement(_PaxosChecker):
    name = "consensus.paxos_agreement"
    title = QT_TRANSLATE_NOOP("Check", "Paxos agreement")
    description = QT_TRANSLATE_NOOP("Check", "No two hosts learn different values.")
    kinds = frozenset({"app"})

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self.learnt: dict[tuple[str, ...], tuple[str, str, int]] = {}

    def feed(self, ev: TraceEvent) -> None:
        if _app(ev, "paxos_learn") is None:
            return
        self.checked += 1
        value = _key((ev.data or {}).get("value"))
        first = self.learnt.setdefault(_cluster(self.ctx, ev.host), (value, ev.host, ev.seq))
        if first[0] != value:
            self.fail(ev, QT_TRANSLATE_NOOP(
                "Check", "{host} learnt {value}, but {other} learnt {other_value}"),
                related=(first[2],), host=ev.host, value=value, other=first[1],
                other_value=first[0])


@register_checker
class PaxosValidity(_PaxosChecker):
    name = "consensus.paxos_validity"
    title = QT_TRANSLATE_NOOP("Check", "Paxos validity")
    description = QT_TRANSLATE_NOOP("Check", "A value learnt is a value some host proposed.")
    kinds = frozenset({"app"})

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self.proposed: set[tuple[tuple[str, ...], str]] = set()

    def feed(self, ev: TraceEvent) -> None:
        name = _app(ev, "paxos_propose", "paxos_learn")
        if name is None:
            return
        k = (_cluster(self.ctx, ev.host), _key((ev.data or {}).get("value")))
        if name == "paxos_propose":
            self.proposed.add(k)
            return
        self.checked += 1
        if k not in self.proposed:
            self.fail(ev, QT_TRANSLATE_NOOP(
                "Check", "{host} learnt {value}, which no host proposed"),
                host=ev.host, value=k[1])
