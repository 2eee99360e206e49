"""Checkers of the replication protocols' guarantees (see the base module).

- ``replication.read_latest`` (key-value clients): a read that began after a
  write to the same key had completed returns that write's version or a newer
  one. Promised when no replica can come back from a crash having lost its
  store (or turn Byzantine) and, for quorum clients, R + W > N; for
  primary-backup clients, where the failure detector is exact (below: a
  falsely suspected primary goes on answering reads from its old view).
- ``replication.single_primary`` (primary-backup): at most one replica is the
  primary of a view, ever. Promised always (a view's primary is fixed by its
  number).
- ``replication.one_primary_at_a_time`` (primary-backup): at no moment are two
  running replicas of a group primary at once. Promised only where the failure
  detector is exact: the synchronous model, a timeout above the heartbeat
  interval plus the delivery and step bounds, and no partition, cut link, loss,
  omission, pause or timing fault; elsewhere it shows split brain.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ...scenario.registry import QT_TRANSLATE_NOOP
from ..events import TraceEvent
from .base import CheckContext, Checker, register_checker

__all__ = ["OnePrimaryAtATime", "ReadLatest", "SinglePrimary"]


def _order(v: Any) -> tuple | None:
    """A comparable form of a version ``[counter, tie-break]`` (None if ``v`` is not one)."""
    if isinstance(v, list) and len(v) == 2:
        a, b = v
        if isinstance(a, int) and not isinstance(a, bool):
            if isinstance(b, str):
                return (a, 1, 0, b)
            if isinstance(b, int) and not isinstance(b, bool):
                return (a, 0, b, "")
    return None


def _show(v: Any) -> str:
    return "none" if v is None else "/".join(str(x) for x in v) if isinstance(v, list) else str(v)


def _faults(ctx: CheckContext) -> list[dict[str, Any]]:
    f = ctx.scenario.get("faults")
    return [x for x in f if isinstance(x, dict)] if isinstance(f, list) else []


def _group(ctx: CheckContext, host: str) -> tuple[str, ...] | None:
    p = ctx.params_of(host)
    reps = getattr(p, "replicas", None)
    return tuple(dict.fromkeys(reps)) if isinstance(reps, list) else None


def _exact_detector(ctx: CheckContext) -> bool:
    """Whether the primary-backup replicas' failure detector never suspects a running replica:
    the synchronous model, a timeout above the heartbeat interval plus the delivery and step
    bounds, and no fault that silences a running host or link."""
    model = ctx.scenario.get("model")
    model = model if isinstance(model, dict) else {}
    if model.get("synchrony") != "synchronous":
        return False
    bound = model.get("delivery_bound")
    step = model.get("step_bound")
    if not isinstance(bound, int) or not isinstance(step, int):
        return False
    unsafe = {"partition", "link_cut", "loss_burst", "pause", "drop_message", "byzantine"}
    if any(f.get("kind") in unsafe for f in _faults(ctx)):
        return False
    links = ctx.scenario.get("links")
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict):
            continue
        if (link.get("loss") or 0) > 0 or (link.get("timing_probability") or 0) > 0:
            return False
    for h in ctx.running("primary_backup"):
        failures = ctx.host_spec(h).get("failures")
        failures = failures if isinstance(failures, dict) else {}
        for k in ("send_omission", "receive_omission", "timing_probability",
                  "byzantine_probability"):
            if (failures.get(k) or 0) > 0:
                return False
        p = ctx.params_of(h)
        if p is None or p.timeout <= p.interval + bound + step:
            return False
    return True


def _stores_survive(ctx: CheckContext, replicas: set[str]) -> bool:
    """Whether no replica can come back from a crash without its store, or turn Byzantine."""
    faults = _faults(ctx)
    recovered = {f.get("host") for f in faults if f.get("kind") == "recover"}
    byzantine = {f.get("host") for f in faults if f.get("kind") == "byzantine"}
    for h in sorted(replicas):
        failures = ctx.host_spec(h).get("failures")
        failures = failures if isinstance(failures, dict) else {}
        comes_back = h in recovered or failures.get("mttr") is not None
        if comes_back and not ctx.state_kept(h):
            return False
        if h in byzantine or (failures.get("byzantine_probability") or 0) > 0:
            return False
    return True


@register_checker
class ReadLatest(Checker):
    """A read returns the newest completed write's version, or a newer one."""

    name = "replication.read_latest"
    title = QT_TRANSLATE_NOOP("Check", "Reads return the latest write")
    description = QT_TRANSLATE_NOOP(
        "Check", "A read that began after a write to the same key had completed returns that "
                 "write's version or a newer one (quorum: promised when R + W > N).")
    kinds: ClassVar[frozenset[str] | None] = frozenset({"app", "crash"})

    _STALE = QT_TRANSLATE_NOOP(
        "Check", "read {read} of key {key} at {host} returned version {got}, older than "
                 "version {want} of write {write}, which had completed before the read began")

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self._groups: dict[str, tuple[str, ...] | None] = {}
        #: (group, key) -> (the newest completed write's order, version, id, return seq)
        self._latest: dict[tuple, tuple[tuple, Any, str, int]] = {}
        #: (host, op id) -> (group, key, what the read must reach: _latest's entry or None)
        self._reads: dict[tuple[str, str], tuple[tuple, str, Any]] = {}
        self._writes: dict[tuple[str, str], tuple[tuple, str]] = {}

    def _group_of(self, host: str) -> tuple[str, ...] | None:
        if host not in self._groups:
            p = self.ctx.params_of(host)
            ok = self.ctx.behaviour_of(host) == "kv_client" and p is not None
            group = _group(self.ctx, host) if ok else None
            # The two protocols' stores are apart even on the same hosts.
            self._groups[host] = (getattr(p, "protocol", ""), *group) if group else None
        return self._groups[host]

    @classmethod
    def promised(cls, ctx: CheckContext) -> bool:
        replicas: set[str] = set()
        for h in ctx.running("kv_client"):
            p = ctx.params_of(h)
            if p is None:
                continue
            group = _group(ctx, h) or ()
            n = len(group)
            if p.protocol == "quorum" and min(p.r, n) + min(p.w, n) <= n:
                return False
            if p.protocol == "primary_backup" and not _exact_detector(ctx):
                return False
            replicas.update(group)
        return _stores_survive(ctx, replicas)

    def feed(self, ev: TraceEvent) -> None:
        if ev.kind == "crash":
            for pend in (self._reads, self._writes):
                for k in [k for k in pend if k[0] == ev.host]:
                    del pend[k]
            return
        d = ev.data or {}
        name = d.get("name")
        if name not in ("kv_invoke", "kv_return"):
            return
        group = self._group_of(ev.host)
        oid, key = d.get("id"), d.get("key")
        if group is None or not isinstance(oid, str) or not isinstance(key, str):
            return
        op = d.get("op")
        slot = (ev.host, oid)
        if name == "kv_invoke":
            if op == "read":
                self._reads[slot] = (group, key, self._latest.get((group, key)))
            elif op == "write":
                self._writes[slot] = (group, key)
            return
        if op == "write":
            began = self._writes.pop(slot, None)
            order = _order(d.get("version"))
            if began is None or not d.get("ok") or order is None:
                return
            cur = self._latest.get(began)
            if cur is None or order > cur[0]:
                self._latest[began] = (order, d.get("version"), oid, ev.seq)
        elif op == "read":
            read = self._reads.pop(slot, None)
            if read is None or not d.get("ok"):
                return
            self.checked += 1
            _group_key, key, want = read[0], read[1], read[2]
            if want is None:
                return
            got = _order(d.get("version"))
            if got is None or got < want[0]:
                self.fail(ev, self._STALE, related=(want[3],), read=oid, key=key,
                          host=ev.host, got=_show(d.get("version")), want=_show(want[1]),
                          write=want[2])


class _Roles(Checker):
    """Follows the role and view each primary-backup replica reports."""

    kinds: ClassVar[frozenset[str] | None] = frozenset({"state", "crash"})

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self._shown: dict[str, dict[str, Any]] = {}
        self._groups: dict[str, tuple[str, ...] | None] = {}

    def group_of(self, host: str) -> tuple[str, ...] | None:
        if host not in self._groups:
            ok = self.ctx.behaviour_of(host) == "primary_backup"
            self._groups[host] = _group(self.ctx, host) if ok else None
        return self._groups[host]

    def primaries(self, group: tuple[str, ...]) -> list[str]:
        """The running hosts of ``group`` that now say they are primary, in scenario order."""
        return [h for h in self.ctx.hosts if self.group_of(h) == group
                and self._shown.get(h, {}).get("role") == "primary" and h not in self.ctx.down]

    def feed(self, ev: TraceEvent) -> None:
        if ev.kind == "crash":
            self._shown.pop(ev.host, None)
            return
        group = self.group_of(ev.host)
        if group is None or not isinstance(ev.data, dict):
            return
        shown = self._shown.setdefault(ev.host, {})
        for k, v in ev.data.items():
            if v is None:
                shown.pop(k, None)
            else:
                shown[k] = v
        view = shown.get("view")
        if shown.get("role") == "primary" and isinstance(view, int):
            self.claim(ev, group, view)

    def claim(self, ev: TraceEvent, group: tuple[str, ...], view: int) -> None:
        """``ev.host`` reports it is the primary of ``view``."""


@register_checker
class SinglePrimary(_Roles):
    """At most one primary per view."""

    name = "replication.single_primary"
    title = QT_TRANSLATE_NOOP("Check", "One primary per view")
    description = QT_TRANSLATE_NOOP(
        "Check", "No two replicas of a primary-backup group are ever the primary of the same "
                 "view.")

    _TWO = QT_TRANSLATE_NOOP(
        "Check", "{host} became primary of view {view}, whose primary was already {other}")

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self._owner: dict[tuple[tuple[str, ...], int], tuple[str, int]] = {}

    def claim(self, ev: TraceEvent, group: tuple[str, ...], view: int) -> None:
        owner = self._owner.get((group, view))
        if owner is None:
            self._owner[(group, view)] = (ev.host, ev.seq)
            self.checked += 1
        elif owner[0] != ev.host:
            self.checked += 1
            self.fail(ev, self._TWO, related=(owner[1],), host=ev.host, view=view,
                      other=owner[0])


@register_checker
class OnePrimaryAtATime(_Roles):
    """No two running replicas are primary at the same moment."""

    name = "replication.one_primary_at_a_time"
    title = QT_TRANSLATE_NOOP("Check", "One primary at a time")
    description = QT_TRANSLATE_NOOP(
        "Check", "At no moment are two running replicas of a primary-backup group both primary "
                 "(promised only with an exact failure detector: no split brain).")

    _BOTH = QT_TRANSLATE_NOOP(
        "Check", "{host} became primary (view {view}) while {other} was still primary "
                 "(view {other_view})")

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self._since: dict[str, int] = {}

    @classmethod
    def promised(cls, ctx: CheckContext) -> bool:
        return _exact_detector(ctx)

    def claim(self, ev: TraceEvent, group: tuple[str, ...], view: int) -> None:
        if ev.host in self._since:
            return
        self._since[ev.host] = ev.seq
        self.checked += 1
        others = [h for h in self.primaries(group) if h != ev.host]
        if others:
            other = others[0]
            self.fail(ev, self._BOTH, related=(self._since.get(other, ev.seq),), host=ev.host,
                      view=view, other=other,
                      other_view=self._shown.get(other, {}).get("view"))

    def feed(self, ev: TraceEvent) -> None:
        super().feed(ev)
        if ev.kind == "crash" or self._shown.get(ev.host, {}).get("role") != "primary":
            self._since.pop(ev.host, None)
