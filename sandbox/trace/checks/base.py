"""Guarantees checked on a trace: the checker interface, the registry and the run of checks.

A protocol's record names its guarantees (``BehaviourInfo.guarantees``); each
name is a :class:`Checker` registered here. A checker reads the events of a
trace in order (``feed``) and gives a :class:`Verdict` at the end
(``finish``): whether the guarantee held and, if not, the first event that
broke it, why, and the other events that explain it. Checkers are Qt-free and
read only the trace (its header's scenario and its events), so they check a
run from the engine, a trace file opened later, or a hand-made trace alike.

A guarantee is *promised* when the run's configuration claims it (causal order
is promised only when the causal layer is on); a guarantee that is not promised
is still checked, so a user who switches a layer off sees it break, but its
failure is not counted as a failure of the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ValidationError

from ...scenario.registry import QT_TRANSLATE_NOOP, behaviour, is_registered
from ..events import TraceEvent

__all__ = [
    "CheckContext",
    "CheckRun",
    "CheckSink",
    "Checker",
    "Verdict",
    "checker",
    "checker_names",
    "checkers",
    "format_verdict",
    "guarantees_of",
    "register_checker",
    "run_checks",
    "unregister_checker",
]

Translate = Callable[[str], str]


def _same(text: str) -> str:
    return text


def _n(text: str) -> str:
    return QT_TRANSLATE_NOOP("Check", text)


@dataclass(frozen=True)
class Verdict:
    """What a checker found.

    ``seq`` and ``t`` are those of the first event that broke the guarantee
    (None when it held); ``reason`` is a template (translatable in context
    "Check") filled with ``args``; ``related`` are the seqs of other events that
    explain the failure (the earlier event it conflicts with, say); ``checked``
    counts what was checked (deliveries, terms, reads...), so a PASS over
    nothing can be told from a PASS over a thousand cases.
    """

    name: str
    title: str
    ok: bool
    promised: bool = True
    seq: int | None = None
    t: int | None = None
    template: str = ""
    args: Mapping[str, Any] = field(default_factory=dict)
    related: tuple[int, ...] = ()
    checked: int = 0
    #: The checker itself failed (raised): the guarantee is not known to be broken.
    error: bool = False

    def reason(self, tr: Translate = _same) -> str:
        """Why it failed, in words (empty when it held); ``tr`` translates the template."""
        if not self.template:
            return ""
        try:
            return tr(self.template).format(**self.args)
        except (KeyError, IndexError, ValueError):
            return self.template.format(**self.args)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for ``--json`` output and sweeps)."""
        return {"name": self.name, "ok": self.ok, "promised": self.promised, "seq": self.seq,
                "t": self.t, "reason": self.reason(), "related": list(self.related),
                "checked": self.checked, "error": self.error}


class CheckContext:
    """What checkers know of the run besides its events: the scenario, and which hosts are
    down, crashed or ever crashed so far (kept up to date before each event is fed)."""

    def __init__(self, header: Mapping[str, Any] | None) -> None:
        header = header or {}
        scenario = header.get("scenario") if isinstance(header, Mapping) else None
        self.scenario: dict[str, Any] = scenario if isinstance(scenario, dict) else {}
        hosts = self.scenario.get("hosts")
        self._hosts: list[dict[str, Any]] = [h for h in hosts if isinstance(h, dict)] \
            if isinstance(hosts, list) else []
        #: Host ids in scenario order.
        self.hosts: list[str] = [str(h.get("id")) for h in self._hosts]
        self._spec = {str(h.get("id")): h for h in self._hosts}
        self._params: dict[str, BaseModel | None] = {}
        run = self.scenario.get("run")
        duration = run.get("duration") if isinstance(run, dict) else None
        #: The run's duration (ns; 0 when the header does not say).
        self.duration: int = duration if isinstance(duration, int) else 0
        #: Hosts down (crashed, not yet recovered) at the last event fed.
        self.down: set[str] = set()
        #: Hosts that crashed at least once so far.
        self.ever_crashed: set[str] = set()
        #: The time of the last event fed.
        self.now: int = 0

    def behaviour_of(self, host: str) -> str | None:
        """The name of the behaviour ``host`` runs (None for an unknown host)."""
        spec = self._spec.get(host)
        b = spec.get("behaviour") if spec else None
        name = b.get("name") if isinstance(b, dict) else None
        return name if isinstance(name, str) else None

    def params_of(self, host: str) -> Any:
        """The validated parameters of ``host``'s behaviour, defaults filled in (None when the
        behaviour is unknown or its parameters are not valid)."""
        if host not in self._params:
            model: BaseModel | None = None
            name = self.behaviour_of(host)
            if name is not None and is_registered(name):
                b = self._spec[host].get("behaviour") or {}
                raw = b.get("params") if isinstance(b.get("params"), dict) else {}
                try:
                    model = behaviour(name).params.model_validate(raw)
                except ValidationError:
                    model = None
            self._params[host] = model
        return self._params[host]

    def running(self, *names: str) -> list[str]:
        """The hosts whose behaviour is one of ``names``, in scenario order."""
        return [h for h in self.hosts if self.behaviour_of(h) in names]

    def host_spec(self, host: str) -> dict[str, Any]:
        """The scenario's dict of ``host`` (empty for an unknown host)."""
        return self._spec.get(host, {})

    def state_kept(self, host: str) -> bool:
        """Whether ``host`` keeps its state across a crash (``failures.state_on_crash``)."""
        f = self.host_spec(host).get("failures")
        return isinstance(f, dict) and f.get("state_on_crash") == "kept"

    def correct(self, host: str) -> bool:
        """Whether ``host`` has not crashed so far (correct, in the crash-stop sense)."""
        return host not in self.ever_crashed

    def _see(self, ev: TraceEvent) -> None:
        self.now = ev.t
        if ev.kind == "crash":
            self.down.add(ev.host)
            self.ever_crashed.add(ev.host)
        elif ev.kind == "recover":
            self.down.discard(ev.host)


class Checker:
    """A guarantee checked on a trace. Subclasses set the class attributes and override
    :meth:`feed` (and :meth:`finish` for what can only be judged at the end).

    ``kinds`` are the event kinds :meth:`feed` is given (None: every event);
    ``behaviours`` the behaviours whose hosts it concerns (its run is skipped
    when no host runs one). Call :meth:`fail` at the first violation: later
    calls are ignored, and :attr:`failed` says whether it has failed.
    """

    #: The guarantee's name, ``family.guarantee``, as records name it.
    name: ClassVar[str] = ""
    #: Its title, as a reader sees it (translatable in context "Check").
    title: ClassVar[str] = ""
    #: One or two sentences on what it asserts (translatable in context "Check").
    description: ClassVar[str] = ""
    kinds: ClassVar[frozenset[str] | None] = None

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.checked = 0
        #: (seq or None, text) when the checker raised and was stopped.
        self.error: tuple[int | None, str] | None = None
        self._failure: tuple[int, int, str, dict[str, Any], tuple[int, ...]] | None = None

    @classmethod
    def promised(cls, ctx: CheckContext) -> bool:
        """Whether the run's configuration promises this guarantee (default: yes)."""
        return True

    @property
    def failed(self) -> bool:
        """Whether a violation has been found."""
        return self._failure is not None

    def fail(self, ev: TraceEvent | tuple[int, int], template: str,
             related: Iterable[int] = (), **args: Any) -> None:
        """Record a violation at ``ev`` (an event, or its ``(seq, t)``): ``template`` (mark
        it with ``_n``/QT_TRANSLATE_NOOP in context "Check") is filled with ``args``."""
        if self._failure is not None:
            return
        seq, t = (ev.seq, ev.t) if isinstance(ev, TraceEvent) else ev
        self._failure = (int(seq), int(t), template, args, tuple(int(s) for s in related))

    def feed(self, ev: TraceEvent) -> None:
        """Read one event (of :attr:`kinds`), in trace order."""

    def finish(self) -> None:
        """Called after the last event: judge what only the whole trace can tell."""

    def verdict(self, promised: bool) -> Verdict:
        """The verdict after :meth:`finish`."""
        title = self.title or self.name
        if self.error is not None:
            seq, text = self.error
            return Verdict(self.name, title, False, promised, seq, None, _FORMAT["error"],
                           {"error": text}, (), self.checked, error=True)
        if self._failure is None:
            return Verdict(self.name, title, True, promised, checked=self.checked)
        seq, t, template, args, related = self._failure
        return Verdict(self.name, title, False, promised, seq, t, template, dict(args),
                       related, self.checked)


_CHECKERS: dict[str, type[Checker]] = {}


def register_checker(cls: type[Checker]) -> type[Checker]:
    """Add a checker class (a class decorator); a second one of the same name is refused."""
    if not cls.name or "." not in cls.name:
        raise ValueError(f"checker {cls.__name__}: its name must look like 'family.guarantee'")
    if cls.name in _CHECKERS:
        raise ValueError(f"checker {cls.name!r} is registered twice")
    _CHECKERS[cls.name] = cls
    return cls


def unregister_checker(name: str) -> None:
    """Take a checker out (a user's, before its file is loaded again); unknown: ignored."""
    _CHECKERS.pop(name, None)


def checker(name: str) -> type[Checker]:
    """The checker class of guarantee ``name`` (KeyError naming the known ones)."""
    try:
        return _CHECKERS[name]
    except KeyError:
        raise KeyError(f"no checker named {name!r} (known: {', '.join(_CHECKERS)})") from None


def checker_names() -> tuple[str, ...]:
    """Every registered guarantee, in registration order."""
    return tuple(_CHECKERS)


def checkers() -> tuple[type[Checker], ...]:
    """Every registered checker class, in registration order."""
    return tuple(_CHECKERS.values())


class CheckRun:
    """The checks of one trace, fed event by event (a sink can feed it while a run goes).

    Which guarantees are checked: those the behaviours of the scenario's hosts
    name in their records, in the order of the hosts and then of the records,
    each once. ``only`` narrows them to some names; ``classes`` gives the checker
    classes outright instead. A checker that raises (a bug, or a trace no engine
    wrote) is stopped and its verdict says so, the others go on.
    """

    def __init__(self, header: Mapping[str, Any] | None,
                 only: Iterable[str] | None = None,
                 classes: Iterable[type[Checker]] | None = None) -> None:
        self.ctx = CheckContext(header)
        wanted = None if only is None else set(only)
        chosen: dict[str, type[Checker]] = {}
        if classes is not None:  # given outright (tests, or a caller that knows)
            chosen = {c.name: c for c in classes}
        else:
            for host in self.ctx.hosts:
                b = self.ctx.behaviour_of(host)
                if b is not None and is_registered(b):
                    for g in behaviour(b).guarantees:
                        if g in _CHECKERS and (wanted is None or g in wanted):
                            chosen.setdefault(g, _CHECKERS[g])
        self.checkers: list[Checker] = [cls(self.ctx) for cls in chosen.values()]
        self._promised = [type(c).promised(self.ctx) for c in self.checkers]
        self._all = [c for c in self.checkers if c.kinds is None]
        self._by_kind: dict[str, list[Checker]] = {}
        for c in self.checkers:
            for k in c.kinds or ():
                self._by_kind.setdefault(k, []).append(c)
        self._done: list[Verdict] | None = None

    def __bool__(self) -> bool:
        return bool(self.checkers)

    def feed(self, ev: TraceEvent) -> None:
        """Give one event to every checker that reads its kind."""
        self.ctx._see(ev)
        for c in self._by_kind.get(ev.kind, ()):
            try:
                c.feed(ev)
            except Exception as exc:  # noqa: BLE001 - one checker's bug must not stop the rest
                self._broken(c, ev, exc)
        for c in self._all:
            try:
                c.feed(ev)
            except Exception as exc:  # noqa: BLE001
                self._broken(c, ev, exc)

    def _broken(self, c: Checker, ev: TraceEvent | None, exc: Exception) -> None:
        """Stop a checker that raised; its verdict will carry the error."""
        c.error = (None if ev is None else ev.seq, f"{type(exc).__name__}: {exc}")
        for group in self._by_kind.values():
            if c in group:
                group.remove(c)
        if c in self._all:
            self._all.remove(c)

    def finish(self) -> list[Verdict]:
        """End the run: the verdicts, one per guarantee, in order (computed once)."""
        if self._done is None:
            for c in self.checkers:
                if c.error is None:
                    try:
                        c.finish()
                    except Exception as exc:  # noqa: BLE001
                        self._broken(c, None, exc)
            self._done = [c.verdict(p) for c, p in zip(self.checkers, self._promised, strict=True)]
        return list(self._done)


def run_checks(header: Mapping[str, Any] | None, events: Iterable[TraceEvent],
               only: Iterable[str] | None = None) -> list[Verdict]:
    """Check a whole trace: the verdict of every guarantee its scenario's behaviours name."""
    run = CheckRun(header, only)
    if run:
        for ev in events:
            run.feed(ev)
    return run.finish()


_FORMAT = {
    "pass": _n("PASS {name}"),
    "fail": _n("FAIL {name} at event {seq}: {reason}"),
    "not_promised": _n("{line} (not promised by this configuration)"),
    "error": _n("the checker could not go on: {error}"),
    "error_line": _n("ERROR {name}: {reason}"),
    "error_at": _n("ERROR {name} at event {seq}: {reason}"),
}


def format_verdict(v: Verdict, tr: Translate = _same) -> str:
    """``PASS name`` or ``FAIL name at event SEQ: reason`` (``ERROR name ...`` when the checker
    itself failed); a guarantee the configuration does not promise says so at the end."""
    if v.error:
        key = "error_line" if v.seq is None else "error_at"
        line = tr(_FORMAT[key]).format(name=v.name, seq=v.seq, reason=v.reason(tr))
    elif v.ok:
        line = tr(_FORMAT["pass"]).format(name=v.name)
    else:
        line = tr(_FORMAT["fail"]).format(name=v.name, seq=v.seq, reason=v.reason(tr))
    if not v.promised:
        line = tr(_FORMAT["not_promised"]).format(line=line)
    return line


class CheckSink:
    """A trace sink that checks the run as it goes (the engine's sink protocol: open, write,
    close); :attr:`verdicts` after close. Use it beside the sink that keeps the trace."""

    def __init__(self, only: Iterable[str] | None = None) -> None:
        self._only = None if only is None else tuple(only)
        self.run: CheckRun | None = None
        self.verdicts: list[Verdict] = []

    def open(self, header: dict[str, Any]) -> None:
        self.run = CheckRun(header, self._only)
        if self.run:
            self.write = self.run.feed  # type: ignore[method-assign]

    def write(self, ev: TraceEvent, /) -> None:
        """Ignore the event (replaced by the check run's feed when there is something to check)."""

    def close(self) -> None:
        if self.run is not None:
            self.verdicts = self.run.finish()


def guarantees_of(scenario: Mapping[str, Any]) -> list[str]:
    """The guarantees a run of ``scenario`` (a scenario dict) would check, in order."""
    return [c.name for c in CheckRun({"scenario": dict(scenario)}).checkers]
