"""Checkers of the coordination protocols' guarantees (see the base module): mutual
exclusion, leader election and two-phase commit.

Each reads the app events its protocol module documents
(:mod:`sandbox.engine.protocols.mutex`, ``election``, ``commit``) and the
crash events; what a configuration promises is read from the scenario in the
trace header (the faults, the hosts' failures, the links).
"""

from __future__ import annotations

from typing import Any, ClassVar

from ...scenario.registry import QT_TRANSLATE_NOOP
from ..events import TraceEvent
from .base import CheckContext, Checker, register_checker

__all__ = ["hazards"]


def _n(text: str) -> str:
    return QT_TRANSLATE_NOOP("Check", text)


def _num(value: Any) -> float:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def hazards(ctx: CheckContext) -> set[str]:
    """What the scenario can do to a protocol: ``crash``, ``recover``, ``pause``, ``loss``
    (lossy or corrupting links, omissions, loss bursts, dropped messages), ``partition``
    (partitions, link cuts), ``byzantine``; read from its faults, hosts and links."""
    out: set[str] = set()
    sc = ctx.scenario
    for h in ctx._hosts:
        f = h.get("failures")
        if not isinstance(f, dict):
            continue
        if _num(f.get("crash_probability")) > 0 or f.get("mttf") is not None:
            out.add("crash")
            if f.get("mttr") is not None:
                out.add("recover")
        if _num(f.get("send_omission")) > 0 or _num(f.get("receive_omission")) > 0:
            out.add("loss")
        if _num(f.get("byzantine_probability")) > 0:
            out.add("byzantine")
    links = sc.get("links")
    for ln in links if isinstance(links, list) else []:
        if isinstance(ln, dict) and (_num(ln.get("loss")) > 0 or _num(ln.get("corruption")) > 0):
            out.add("loss")
    faults = sc.get("faults")
    kinds = {"crash": "crash", "recover": "recover", "pause": "pause", "byzantine": "byzantine",
             "loss_burst": "loss", "drop_message": "loss", "partition": "partition",
             "link_cut": "partition"}
    for f in faults if isinstance(faults, list) else []:
        k = f.get("kind") if isinstance(f, dict) else None
        if k in kinds:
            out.add(kinds[k])
    return out


def _members(ctx: CheckContext, host: str) -> list[str]:
    p = ctx.params_of(host)
    given = getattr(p, "members", None) or []
    out: list[str] = []
    for h in given or ctx.hosts:
        if h not in out:
            out.append(h)
    return out


def _group(ctx: CheckContext, host: str) -> tuple:
    """The hosts a mutex or election host coordinates with (its algorithm and members)."""
    p = ctx.params_of(host)
    return (getattr(p, "algorithm", None), tuple(sorted(_members(ctx, host))))


def _name(ev: TraceEvent) -> Any:
    return ev.data.get("name") if ev.data else None


# -- mutual exclusion ----------------------------------------------------------------------


@register_checker
class MutualExclusion(Checker):
    """Never two hosts of a group in the critical section at once."""

    name = "coordination.mutual_exclusion"
    title = _n("Mutual exclusion")
    description = _n(
        "No two hosts of a group are in the critical section at the same time: between a "
        "host's cs_enter and its cs_exit (or its crash, which ends its section) no other host "
        "of the group enters. Promised unless hosts can be Byzantine; for the central and "
        "token-ring algorithms also only in the crash-stop model (a coordinator or first "
        "member that recovers without its state hands out a second lock or token).")
    kinds: ClassVar[frozenset[str] | None] = frozenset({"app", "crash"})

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self.inside: dict[tuple, dict[str, TraceEvent]] = {}

    @classmethod
    def promised(cls, ctx: CheckContext) -> bool:
        hz = hazards(ctx)
        if "byzantine" in hz:
            return False
        algos = {getattr(ctx.params_of(h), "algorithm", None) for h in ctx.running("mutex")}
        return not ("recover" in hz and algos & {"central", "token_ring"})

    def feed(self, ev: TraceEvent) -> None:
        if ev.kind == "crash":
            for inside in self.inside.values():
                inside.pop(ev.host, None)
            return
        name = _name(ev)
        if name not in ("cs_enter", "cs_exit") or self.ctx.behaviour_of(ev.host) != "mutex":
            return
        inside = self.inside.setdefault(_group(self.ctx, ev.host), {})
        if name == "cs_exit":
            inside.pop(ev.host, None)
            return
        self.checked += 1
        others = [h for h in inside if h != ev.host]
        if others:
            first = inside[others[0]]
            self.fail(ev, _n("{host} entered the critical section (request {req}) while {other} "
                             "was in it (since event {since})"),
                      related=(first.seq,), host=ev.host, req=(ev.data or {}).get("req"),
                      other=others[0], since=first.seq)
        inside[ev.host] = ev


@register_checker
class NoStarvation(Checker):
    """Every request made well before the end, by a host that stays up, is granted."""

    name = "coordination.no_starvation"
    title = _n("No starvation")
    description = _n(
        "Every cs_request made well before the end of the run (before its last fifth, or "
        "longer for a large group or a long hold) by a host that does not crash afterwards is "
        "followed by that host's cs_enter. Promised when the scenario has no crashes, pauses, "
        "message loss, partitions or Byzantine hosts and every member runs mutex with the same "
        "algorithm (a crash loses the ring's token or the coordinator; in Ricart-Agrawala one "
        "silent member blocks everyone).")
    kinds: ClassVar[frozenset[str] | None] = frozenset({"app", "crash"})

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self.pending: dict[tuple[str, Any], TraceEvent] = {}
        self.requests: list[TraceEvent] = []
        self.excused: set[int] = set()  # the seqs of requests whose host crashed afterwards

    @classmethod
    def promised(cls, ctx: CheckContext) -> bool:
        if hazards(ctx) & {"crash", "pause", "loss", "partition", "byzantine"}:
            return False
        for h in ctx.running("mutex"):
            algo = getattr(ctx.params_of(h), "algorithm", None)
            group = _members(ctx, h)
            if h not in group:
                continue
            for m in group:
                p = ctx.params_of(m)
                if ctx.behaviour_of(m) != "mutex" or getattr(p, "algorithm", None) != algo \
                        or sorted(_members(ctx, m)) != sorted(group):
                    return False
            coord = getattr(ctx.params_of(h), "coordinator", None)
            if algo == "central" and coord and coord[0] not in group:
                return False
        return True

    def feed(self, ev: TraceEvent) -> None:
        if ev.kind == "crash":
            for key in [k for k in self.pending if k[0] == ev.host]:
                self.excused.add(self.pending.pop(key).seq)
            return
        name = _name(ev)
        if name not in ("cs_request", "cs_enter") or self.ctx.behaviour_of(ev.host) != "mutex":
            return
        key = (ev.host, (ev.data or {}).get("req"))
        if name == "cs_request":
            self.pending[key] = ev
            self.requests.append(ev)
        else:
            self.pending.pop(key, None)

    def _grace(self, host: str) -> int:
        p = self.ctx.params_of(host)
        n = len(_members(self.ctx, host))
        step = int(getattr(p, "hold", 0) or 0) + int(getattr(p, "pass_delay", 0) or 0)
        return max(self.ctx.duration // 5, 2 * n * step)

    def finish(self) -> None:
        late = []
        for ev in self.requests:
            if ev.t <= self.ctx.duration - self._grace(ev.host) and ev.seq not in self.excused:
                self.checked += 1
                if self.pending.get((ev.host, (ev.data or {}).get("req"))) is ev:
                    late.append(ev)
        if late:
            ev = late[0]
            self.fail(ev, _n("{host}'s request {req} was never granted (the host stayed up to "
                             "the end)"), host=ev.host, req=(ev.data or {}).get("req"))


# -- leader election -----------------------------------------------------------------------


@register_checker
class OneLeader(Checker):
    """At most one host of a group considers itself leader at a time, among the hosts up."""

    name = "coordination.one_leader"
    title = _n("One leader")
    description = _n(
        "At no time do two hosts of an election group that are up both consider themselves "
        "leader (their role state is leader; a crash ends it). Judged in time, not per epoch: "
        "two leaders of different epochs at once also break it. Promised when the scenario has "
        "no partitions, message loss, pauses, recoveries or Byzantine hosts, in the synchronous "
        "model with a delivery bound well under the timeouts (twice the bound under the answer "
        "timeout, a heartbeat plus the bound under the leader timeout): the bully and ring "
        "algorithms take a silent host for a crashed one, so a late message, or a partition, "
        "makes a second leader, and a recovered higher host leads before the old leader hears "
        "of it.")
    kinds: ClassVar[frozenset[str] | None] = frozenset({"state", "crash"})

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self.leaders: dict[tuple, dict[str, TraceEvent]] = {}

    @classmethod
    def promised(cls, ctx: CheckContext) -> bool:
        if hazards(ctx) & {"partition", "loss", "pause", "recover", "byzantine"}:
            return False
        model = ctx.scenario.get("model")
        model = model if isinstance(model, dict) else {}
        if model.get("synchrony") != "synchronous":
            return False
        bound = _num(model.get("delivery_bound", 10_000_000)) + _num(model.get("step_bound", 0))
        for h in ctx.running("election"):
            p = ctx.params_of(h)
            if p is None or 2 * bound >= p.answer_timeout or p.heartbeat + bound >= p.timeout:
                return False
        return True

    def feed(self, ev: TraceEvent) -> None:
        if ev.kind == "crash":
            for leaders in self.leaders.values():
                leaders.pop(ev.host, None)
            return
        data = ev.data or {}
        if "role" not in data or self.ctx.behaviour_of(ev.host) != "election":
            return
        leaders = self.leaders.setdefault(_group(self.ctx, ev.host), {})
        if data["role"] != "leader":
            leaders.pop(ev.host, None)
            return
        self.checked += 1
        others = [h for h in leaders if h != ev.host]
        if others:
            first = leaders[others[0]]
            self.fail(ev, _n("{host} became leader (epoch {epoch}) while {other} was still "
                             "leader (since event {since})"), related=(first.seq,),
                      host=ev.host, epoch=data.get("epoch"), other=others[0], since=first.seq)
        leaders[ev.host] = ev


# -- two-phase commit ----------------------------------------------------------------------

_TPC = ("tpc_coordinator", "tpc_participant")


@register_checker
class Atomicity(Checker):
    """No transaction commits at one participant and aborts at another; commit needs all yes."""

    name = "coordination.atomicity"
    title = _n("Atomic commitment")
    description = _n(
        "No transaction has a commit outcome at one participant and an abort at another (or at "
        "the coordinator), and a transaction is committed only if every participant named in "
        "its tpc_begin voted yes before the decision. Promised unless a participant can "
        "recover without its state (it would forget its yes vote) or hosts can be Byzantine.")
    kinds: ClassVar[frozenset[str] | None] = frozenset({"app"})

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self.begun: dict[str, TraceEvent] = {}
        self.votes: dict[str, dict[str, TraceEvent]] = {}
        self.nos: dict[str, TraceEvent] = {}
        self.results: dict[str, TraceEvent] = {}  # txid -> the first decision or outcome

    @classmethod
    def promised(cls, ctx: CheckContext) -> bool:
        hz = hazards(ctx)
        if "byzantine" in hz:
            return False
        if "recover" not in hz:
            return True
        return all(ctx.state_kept(h) for h in ctx.running("tpc_participant"))

    def feed(self, ev: TraceEvent) -> None:
        d = ev.data or {}
        name, txid = d.get("name"), d.get("txid")
        if name not in ("tpc_begin", "tpc_vote", "tpc_decide", "tpc_outcome") \
                or not isinstance(txid, str) or self.ctx.behaviour_of(ev.host) not in _TPC:
            return
        if name == "tpc_begin":
            self.begun.setdefault(txid, ev)
            return
        if name == "tpc_vote":
            self.votes.setdefault(txid, {}).setdefault(ev.host, ev)
            if d.get("vote") != "yes":
                self.nos.setdefault(txid, ev)
            return
        result = d.get("decision") if name == "tpc_decide" else d.get("outcome")
        self.checked += 1
        if result == "commit":
            begin = self.begun.get(txid)
            parts = begin.data.get("participants") if begin and begin.data else None
            votes = self.votes.get(txid, {})
            missing = [p for p in parts if p not in votes] if isinstance(parts, list) else []
            if txid in self.nos:
                no = self.nos[txid]
                self.fail(ev, _n("transaction {txid} commits at {host} although {voter} voted "
                                 "no"), related=(no.seq,), txid=txid, host=ev.host,
                          voter=no.host)
            elif missing:
                self.fail(ev, _n("transaction {txid} commits at {host} without a vote from "
                                 "{voter}"), related=(begin.seq,) if begin else (),
                          txid=txid, host=ev.host, voter=missing[0])
        first = self.results.setdefault(txid, ev)
        other = (first.data or {}).get("decision") or (first.data or {}).get("outcome")
        if other != result:
            self.fail(ev, _n("transaction {txid}: {result} at {host} but {other} at {first_host}"),
                      related=(first.seq,), txid=txid, result=result, host=ev.host,
                      other=other, first_host=first.host)


@register_checker
class CommitTermination(Checker):
    """Every participant that voted yes learns the outcome, within a grace window."""

    name = "coordination.commit_termination"
    title = _n("Commit termination")
    description = _n(
        "Every participant that voted yes well before the end of the run (before its last "
        "fifth, or three ask intervals) and is up at the end reaches an outcome. Never "
        "promised: two-phase commit is a blocking protocol, and a participant that voted yes "
        "may neither commit nor abort on its own, so a coordinator crash after the votes "
        "leaves it prepared until the coordinator returns.")
    kinds: ClassVar[frozenset[str] | None] = frozenset({"app", "crash"})

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self.waiting: dict[tuple[str, str], TraceEvent] = {}
        self.yes: list[TraceEvent] = []
        self.excused: set[int] = set()

    @classmethod
    def promised(cls, ctx: CheckContext) -> bool:
        return False

    def feed(self, ev: TraceEvent) -> None:
        if ev.kind == "crash":
            if not self.ctx.state_kept(ev.host):  # it forgot its vote
                for key in [k for k in self.waiting if k[0] == ev.host]:
                    self.excused.add(self.waiting.pop(key).seq)
            return
        d = ev.data or {}
        name, txid = d.get("name"), d.get("txid")
        if not isinstance(txid, str) or self.ctx.behaviour_of(ev.host) != "tpc_participant":
            return
        if name == "tpc_vote" and d.get("vote") == "yes":
            self.waiting.setdefault((ev.host, txid), ev)
            self.yes.append(ev)
        elif name == "tpc_outcome":
            self.waiting.pop((ev.host, txid), None)

    def finish(self) -> None:
        blocked = []
        for ev in self.yes:
            p = self.ctx.params_of(ev.host)
            grace = max(self.ctx.duration // 5, 3 * int(getattr(p, "ask_interval", 0) or 0))
            if ev.t > self.ctx.duration - grace or ev.seq in self.excused \
                    or ev.host in self.ctx.down:
                continue
            self.checked += 1
            if self.waiting.get((ev.host, str((ev.data or {}).get("txid")))) is ev:
                blocked.append(ev)
        if blocked:
            ev = blocked[0]
            d = ev.data or {}
            self.fail(ev, _n("{host} voted yes on transaction {txid} and never learnt its "
                             "outcome (blocked, prepared, to the end)"),
                      host=ev.host, txid=d.get("txid"))
