"""Context menus for interactive faults while watching a run: crash, pause, cut, drop "now".

Each action builds a fault of the scenario model at the player's current
time ``t`` and hands it to a callback; the main window connects the callback
to an undoable edit of the document followed by a recompute of the run, so
the fault becomes part of the scenario and everything before ``t`` stays
identical.

* a host: Crash now, Recover now, Pause for (a few durations, or any),
  Make Byzantine now (one entry per behaviour);
* a link: Cut now, Heal now;
* a message in flight: Drop it.

New faults go to ``apply_fault(fault)``. Healing a link ends the cut that is
in force: the :class:`~sandbox.scenario.model.LinkCutFault` (or total loss
burst) of the scenario that cuts it gets ``end = t``, and the changed fault
goes to ``replace_fault(index, fault)`` with its index in
``scenario.faults`` (a cut healed at the instant it starts ends 1 ns later,
since a cut must end after it starts). The ``add_*_actions`` functions add the entries to an
existing menu (the canvas's own context menu); the ``*_menu`` functions make
a menu of their own.

What a fault is, for every view that lists or draws one (the Faults panel,
the player's time bar, the space-time diagram), is said here once:
:data:`FAULT_KINDS` (in menu order), :func:`kind_label`, :func:`fault_colour`,
:func:`fault_time`, :func:`fault_end`, :func:`fault_hosts`,
:func:`fault_target`, :func:`fault_summary` and :func:`run_faults` (the
faults a run was computed with, read from its trace header).

:class:`FaultController` is the main window's fault handling: a right-click
on the canvas while a run is shown opens the menu for what is under the
pointer, and the chosen fault becomes an undoable edit of the document's
fault schedule followed by a recompute of the run from the same seed, the
player staying at its time. Undo and redo go through the document's undo
stack like any edit; the run shown recomputes on any change of the fault
schedule (:class:`~sandbox.gui.shown_run.ShownRun` follows the document), so
an undone fault disappears from the run as an injected one appears.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, get_args

from pydantic import TypeAdapter, ValidationError
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QObject, QPoint, QPointF
from PySide6.QtGui import QAction, QColor, QContextMenuEvent
from PySide6.QtWidgets import QInputDialog, QMenu, QWidget

from sandbox.scenario.units import format_seconds

from ..scenario.model import (
    ByzantineBehaviour,
    ByzantineFault,
    ClockJumpFault,
    CrashFault,
    DropMessageFault,
    Fault,
    LinkCutFault,
    LossBurstFault,
    PartitionFault,
    PauseFault,
    RecoverFault,
    Scenario,
)
from ..scenario.units import (
    format_duration,
    format_number,
    format_percent,
    format_skew,
    parse_duration,
)
from .canvas.interactions import item_at
from .canvas.items import HostItem, LinkItem

__all__ = [
    "BYZANTINE_BEHAVIOURS",
    "FAULT_KINDS",
    "PAUSE_DURATIONS",
    "FaultController",
    "active_cut",
    "add_host_actions",
    "add_link_actions",
    "add_message_actions",
    "ask_pause_duration",
    "fault_colour",
    "fault_end",
    "fault_hosts",
    "fault_summary",
    "fault_target",
    "fault_time",
    "host_menu",
    "kind_label",
    "link_menu",
    "message_menu",
    "new_fault",
    "run_faults",
]

#: The pause lengths offered in the "Pause for" submenu (ns).
PAUSE_DURATIONS: tuple[int, ...] = (10_000_000, 100_000_000, 1_000_000_000, 5_000_000_000)

#: The Byzantine behaviours, in the order of the submenu.
BYZANTINE_BEHAVIOURS: tuple[str, ...] = get_args(ByzantineBehaviour)

ApplyFault = Callable[[Any], None]
ReplaceFault = Callable[[int, Any], None]
AskDuration = Callable[[QWidget | None], int | None]


translate = QCoreApplication.translate


def _tr(text: str) -> str:
    return QCoreApplication.translate("FaultsMenu", text)


def _behaviour_labels() -> dict[str, str]:
    return {
        "corrupt": _tr("Corrupt its messages"),
        "equivocate": _tr("Equivocate (different values to different peers)"),
        "forge_clock": _tr("Forge clock values"),
        "replay": _tr("Replay old messages"),
    }


# -- what a fault is, for every view that lists or draws one ------------------------------------

#: Every kind of fault of the scenario model, in the order menus and legends list them.
FAULT_KINDS: tuple[str, ...] = ("crash", "recover", "pause", "byzantine", "partition",
                                "clock_jump", "loss_burst", "link_cut", "drop_message")

_KIND_LABELS = {
    "crash": QT_TRANSLATE_NOOP("FaultsMenu", "Crash"),
    "recover": QT_TRANSLATE_NOOP("FaultsMenu", "Recover"),
    "pause": QT_TRANSLATE_NOOP("FaultsMenu", "Pause"),
    "byzantine": QT_TRANSLATE_NOOP("FaultsMenu", "Byzantine"),
    "partition": QT_TRANSLATE_NOOP("FaultsMenu", "Partition"),
    "clock_jump": QT_TRANSLATE_NOOP("FaultsMenu", "Clock jump"),
    "loss_burst": QT_TRANSLATE_NOOP("FaultsMenu", "Loss burst"),
    "link_cut": QT_TRANSLATE_NOOP("FaultsMenu", "Link cut"),
    "drop_message": QT_TRANSLATE_NOOP("FaultsMenu", "Dropped message"),
}

# (light, dark) per kind: crash red, recover green, pause amber, Byzantine purple, network
# faults blue to teal, clock jumps brown, a dropped message grey
_KIND_COLOURS = {
    "crash": ("#d1242f", "#ff7b72"), "recover": ("#1a7f37", "#56d364"),
    "pause": ("#b07d00", "#e3b341"), "byzantine": ("#8250df", "#c297ff"),
    "partition": ("#0969da", "#58a6ff"), "clock_jump": ("#8b5a2b", "#d2a679"),
    "loss_burst": ("#00838f", "#4dd0e1"), "link_cut": ("#cf222e", "#f47067"),
    "drop_message": ("#57606a", "#adbac7"),
}

_FAULTS = TypeAdapter(Fault)


def kind_label(kind: str) -> str:
    """The name of a kind of fault, translated ("Crash", "Loss burst" ...)."""
    return _tr(_KIND_LABELS[kind]) if kind in _KIND_LABELS else kind


def fault_colour(kind: str, dark: bool) -> QColor:
    """The colour that stands for a kind of fault in every view (light or dark theme)."""
    pair = _KIND_COLOURS.get(kind, ("#57606a", "#adbac7"))
    return QColor(pair[1] if dark else pair[0])


def fault_time(fault: Any) -> int:
    """When a fault happens or begins (ns): its ``at`` or its ``start``."""
    at = getattr(fault, "at", None)
    return int(at if at is not None else fault.start)


def fault_end(fault: Any) -> int | None:
    """When a fault with a duration ends (pause, partition, loss burst, cut with an end);
    None for an instant fault or one that lasts until the end of the run."""
    if isinstance(fault, PauseFault):
        return fault.at + fault.duration
    return getattr(fault, "end", None)


def fault_hosts(fault: Any) -> list[str]:
    """The hosts a fault touches: its host, the two ends of its link, the hosts of every side
    of a partition (a dropped message names none)."""
    if isinstance(fault, PartitionFault):
        return [h for side in fault.sides for h in side]
    if isinstance(fault, LinkCutFault | LossBurstFault):
        return [fault.a, fault.b]
    host = getattr(fault, "host", None)
    return [host] if host else []


def fault_target(fault: Any) -> str:
    """What a fault is aimed at, as short text: ``h1``, ``h1–h2``, ``{a, b} | {c}``, ``m12``."""
    if isinstance(fault, PartitionFault):
        arrow = " \u2192 " if fault.one_way else " | "
        return arrow.join("{" + ", ".join(side) + "}" for side in fault.sides)
    if isinstance(fault, LinkCutFault | LossBurstFault):
        return f"{fault.a}\u2013{fault.b}"
    if isinstance(fault, DropMessageFault):
        return f"m{fault.msg}"
    return str(getattr(fault, "host", ""))


def fault_summary(fault: Any) -> str:
    """One line that says what a fault does beyond its kind, time and target ("" if nothing):
    a pause's length, a Byzantine behaviour, a clock jump's step, a burst's loss, an end."""
    end = fault_end(fault)
    if isinstance(fault, PauseFault):
        return _tr("for {0}").format(format_duration(fault.duration))
    if isinstance(fault, ByzantineFault):
        text = _behaviour_labels().get(fault.behaviour, fault.behaviour)
        if fault.probability < 1:
            text += _tr(" (probability {0})").format(format_number(fault.probability))
        return text
    if isinstance(fault, ClockJumpFault):
        return _tr("by {0}").format(format_skew(fault.delta))
    if isinstance(fault, LossBurstFault):
        return _tr("loss {0} until {1}").format(format_percent(fault.loss), format_seconds(end or 0, 6))
    if end is not None:
        return _tr("until {0}").format(format_seconds(end, 6))
    if isinstance(fault, LinkCutFault | PartitionFault):
        return _tr("until the end of the run")
    return ""


def run_faults(scenario: Any) -> list[Any]:
    """The faults of a scenario given as a model or as the plain data of a trace header
    (a fault that does not read as one is left out), in schedule order."""
    if isinstance(scenario, Scenario):
        return list(scenario.faults)
    raw = scenario.get("faults") if isinstance(scenario, dict) else None
    out = []
    for item in raw if isinstance(raw, list) else []:
        try:
            out.append(_FAULTS.validate_python(item))
        except ValidationError:
            continue
    return out


#: What a fault added from a list starts with: a pause's length, a burst's, a clock's jump.
NEW_PAUSE = 500_000_000
NEW_BURST = 1_000_000_000
NEW_JUMP = 10_000_000


def new_fault(kind: str, scenario: Scenario, t: int, host: str | None = None,
              link: tuple[str, str] | None = None, msg: int | None = None) -> Any:
    """A fault of ``kind`` at ``t`` with the first targets that make sense, or None.

    ``host`` and ``link`` (the selection on the canvas, say) are used when
    given, else the scenario's first host or link; a partition splits the
    hosts in two halves; a dropped message needs ``msg`` (a message of the
    run shown). None when the scenario has nothing to aim the fault at.
    """
    hosts = [h.id for h in scenario.hosts]
    target = host if host in hosts else (hosts[0] if hosts else None)
    links = [(lk.a, lk.b) for lk in scenario.links]
    pair = link if link is not None else (links[0] if links else None)
    if kind in ("crash", "recover", "pause", "byzantine", "clock_jump"):
        if target is None:
            return None
        if kind == "crash":
            return CrashFault(host=target, at=t)
        if kind == "recover":
            return RecoverFault(host=target, at=t)
        if kind == "pause":
            return PauseFault(host=target, at=t, duration=NEW_PAUSE)
        if kind == "byzantine":
            return ByzantineFault(host=target, at=t)
        return ClockJumpFault(host=target, at=t, delta=NEW_JUMP)
    if kind in ("link_cut", "loss_burst"):
        if pair is None:
            return None
        if kind == "link_cut":
            return LinkCutFault(a=pair[0], b=pair[1], start=t)
        return LossBurstFault(a=pair[0], b=pair[1], start=t, end=t + NEW_BURST)
    if kind == "partition":
        if len(hosts) < 2:
            return None
        half = (len(hosts) + 1) // 2
        return PartitionFault(sides=[hosts[:half], hosts[half:]], start=t)
    if kind == "drop_message":
        return None if msg is None else DropMessageFault(msg=msg, at=t)
    return None


def ask_pause_duration(parent: QWidget | None) -> int | None:
    """Ask how long to pause (a duration with a unit); None if cancelled or invalid."""
    text, ok = QInputDialog.getText(
        parent, _tr("Pause host"),
        _tr("Pause for how long? (for example 250ms, 2s)"), text="500ms")
    if not ok:
        return None
    try:
        ns = parse_duration(text.strip(), default_unit="ms")
    except ValueError:
        return None
    return ns if ns >= 1 else None


def _status(states: Any, host: str) -> str | None:
    if states is None:
        return None
    return getattr(states, "status", {}).get(host)


def _action(menu: QMenu, text: str, name: str, slot: Callable[[], None],
            enabled: bool = True, tip: str = "") -> QAction:
    action = menu.addAction(text)
    action.setObjectName(name)
    action.setEnabled(enabled)
    if tip:
        action.setToolTip(tip)
        action.setStatusTip(tip)
    action.triggered.connect(lambda _checked=False: slot())
    return action


# -- hosts ------------------------------------------------------------------------------------


def add_host_actions(menu: QMenu, host: str, t: int, apply_fault: ApplyFault,
                     states: Any = None,
                     ask_duration: AskDuration = ask_pause_duration) -> list[QAction]:
    """Add Crash now, Recover now, Pause for and Make Byzantine now for ``host`` to ``menu``.

    ``states`` (a :class:`~sandbox.trace.timeline.HostStates` at ``t``, or
    None when unknown) greys out what makes no sense: crashing a crashed
    host, recovering one that is up. ``ask_duration(parent)`` asks for the
    "Other" pause length (a dialog by default; tests pass a function).
    """
    status = _status(states, host)
    crashed = status == "crashed"
    up_tip = _tr("{0} is crashed at this time").format(host)
    actions = [
        _action(menu, _tr("Crash now"), "fault_crash",
                lambda: apply_fault(CrashFault(host=host, at=t)),
                enabled=not crashed, tip=up_tip if crashed else
                _tr("Crash {0} at {1}; the run is recomputed").format(host, format_duration(t))),
        _action(menu, _tr("Recover now"), "fault_recover",
                lambda: apply_fault(RecoverFault(host=host, at=t)),
                enabled=status in (None, "crashed"),
                tip=_tr("Restart {0} at {1}").format(host, format_duration(t))),
    ]
    pause = menu.addMenu(_tr("Pause for"))
    pause.setObjectName("fault_pause_menu")
    pause.setEnabled(status in (None, "up"))
    for duration in PAUSE_DURATIONS:
        actions.append(_action(pause, format_duration(duration),
                               f"fault_pause_{format_duration(duration)}",
                               lambda d=duration: apply_fault(
                                   PauseFault(host=host, at=t, duration=d))))

    def other() -> None:
        duration = ask_duration(menu.parentWidget())
        if duration:
            apply_fault(PauseFault(host=host, at=t, duration=duration))

    actions.append(_action(pause, _tr("Other…"), "fault_pause_other", other))
    actions.append(pause.menuAction())
    byz = menu.addMenu(_tr("Make Byzantine now"))
    byz.setObjectName("fault_byzantine_menu")
    byz.setEnabled(not crashed)
    labels = _behaviour_labels()
    for behaviour in BYZANTINE_BEHAVIOURS:
        actions.append(_action(byz, labels.get(behaviour, behaviour),
                               f"fault_byzantine_{behaviour}",
                               lambda b=behaviour: apply_fault(
                                   ByzantineFault(host=host, at=t, behaviour=b))))
    actions.append(byz.menuAction())
    return actions


def host_menu(parent: QWidget | None, host: str, t: int, apply_fault: ApplyFault,
              states: Any = None,
              ask_duration: AskDuration = ask_pause_duration) -> QMenu:
    """A context menu of interactive faults for ``host`` at time ``t`` (see :func:`add_host_actions`)."""
    menu = QMenu(parent)
    menu.setTitle(_tr("Host {0}").format(host))
    menu.setToolTipsVisible(True)
    add_host_actions(menu, host, t, apply_fault, states, ask_duration)
    return menu


# -- links ------------------------------------------------------------------------------------


def _same_link(fault: Any, a: str, b: str) -> bool:
    return {fault.a, fault.b} == {a, b}


def active_cut(scenario: Scenario, a: str, b: str, t: int) -> tuple[int, Any] | None:
    """The fault of ``scenario`` that cuts the link a-b at ``t``, as (index, fault), or None.

    A :class:`LinkCutFault` cuts from ``start`` until ``end`` (forever if
    None); a :class:`LossBurstFault` with loss 1 cuts from ``start`` to
    ``end``. When several do, the one that started last is returned.
    """
    found: tuple[int, Any] | None = None
    for i, fault in enumerate(scenario.faults):
        if isinstance(fault, LinkCutFault):
            live = fault.start <= t and (fault.end is None or t < fault.end)
        elif isinstance(fault, LossBurstFault):
            live = fault.loss >= 1.0 and fault.start <= t < fault.end
        else:
            continue
        if live and _same_link(fault, a, b) and (found is None or fault.start >= found[1].start):
            found = (i, fault)
    return found


def add_link_actions(menu: QMenu, scenario: Scenario, a: str, b: str, t: int,
                     apply_fault: ApplyFault, replace_fault: ReplaceFault | None = None,
                     states: Any = None) -> list[QAction]:
    """Add Cut now and Heal now for the link between ``a`` and ``b`` to ``menu``.

    Cut now makes ``LinkCutFault(a, b, start=t)``. Heal now ends the cut in
    force (see :func:`active_cut`) at ``t`` through ``replace_fault``; it is
    greyed out when no fault of the scenario cuts the link at ``t`` (for
    example when a partition does) or when there is no ``replace_fault``.
    ``states`` (HostStates at ``t``) greys out Cut now on a link already cut.
    """
    cut_now = states.is_cut(a, b) if states is not None and hasattr(states, "is_cut") else False
    found = active_cut(scenario, a, b, t)
    actions = [_action(menu, _tr("Cut now"), "fault_cut",
                       lambda: apply_fault(LinkCutFault(a=a, b=b, start=t)),
                       enabled=not cut_now,
                       tip=_tr("Cut the link {0}–{1} from {2} on").format(a, b, format_duration(t)))]

    def heal() -> None:
        if found is None or replace_fault is None:
            return
        index, fault = found
        # a cut must end after it starts: healing at its very start ends it 1 ns later
        end = max(t, fault.start + 1)
        replace_fault(index, type(fault).model_validate({**fault.model_dump(), "end": end}))

    if found is None:
        tip = _tr("No scheduled cut of this link is in force at this time")
    elif replace_fault is None:
        tip = _tr("Healing is not available here")
    else:
        tip = _tr("End the cut of {0}–{1} at {2}").format(a, b, format_duration(t))
    actions.append(_action(menu, _tr("Heal now"), "fault_heal", heal,
                           enabled=found is not None and replace_fault is not None, tip=tip))
    return actions


def link_menu(parent: QWidget | None, scenario: Scenario, a: str, b: str, t: int,
              apply_fault: ApplyFault, replace_fault: ReplaceFault | None = None,
              states: Any = None) -> QMenu:
    """A context menu of interactive faults for the link a-b at time ``t`` (see :func:`add_link_actions`)."""
    menu = QMenu(parent)
    menu.setTitle(_tr("Link {0}–{1}").format(a, b))
    menu.setToolTipsVisible(True)
    add_link_actions(menu, scenario, a, b, t, apply_fault, replace_fault, states)
    return menu


# -- messages ---------------------------------------------------------------------------------


def add_message_actions(menu: QMenu, msg: int, t: int,
                        apply_fault: ApplyFault) -> Sequence[QAction]:
    """Add Drop it for the message ``msg`` in flight at ``t``: ``DropMessageFault(msg, at=t)``."""
    return [_action(menu, _tr("Drop it"), "fault_drop",
                    lambda: apply_fault(DropMessageFault(msg=msg, at=t)),
                    tip=_tr("Drop message m{0} while in flight; the run is recomputed").format(msg))]


def message_menu(parent: QWidget | None, msg: int, t: int, apply_fault: ApplyFault) -> QMenu:
    """A context menu for a message in flight at time ``t`` (see :func:`add_message_actions`)."""
    menu = QMenu(parent)
    menu.setTitle(_tr("Message m{0}").format(msg))
    menu.setToolTipsVisible(True)
    add_message_actions(menu, msg, t, apply_fault)
    return menu


# -- the main window's fault handling ------------------------------------------------------------


def _first_line(exc: ValueError) -> str:
    return str(exc).splitlines()[0] if str(exc) else translate("MainWindow", "Refused")


class FaultController(QObject):
    """Faults injected from the canvas while a run is shown, as undoable edits and a recompute.

    ``shown_run`` is the window's :class:`~sandbox.gui.shown_run.ShownRun`;
    ``exec_menu(menu, global_pos)`` pops a menu up and waits (tests replace
    it); ``show_message(text, timeout)`` reports. The menus are children of
    ``parent``, the window.
    """

    def __init__(self, document: Any, scene: Any, view: Any, shown_run: Any,
                 show_message: Callable[..., None],
                 exec_menu: Callable[[QMenu, QPoint], None], parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self.document = document
        self.scene = scene
        self.view = view
        self.shown_run = shown_run
        self._show_message = show_message
        self._exec_menu = exec_menu
        self._viewport = view.viewport()
        self._viewport.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """A right-click on the canvas while a run is shown opens the fault menus."""
        if event.type() == QEvent.Type.ContextMenu and self.shown_run.timeline is not None \
                and watched is self._viewport and isinstance(event, QContextMenuEvent):
            menu = self.fault_menu_at(self.view.mapToScene(event.pos()))
            if menu is not None:
                self._exec_menu(menu, event.globalPos())
                menu.deleteLater()
                return True
        return super().eventFilter(watched, event)

    def _canvas_item_at(self, pos: QPointF) -> HostItem | LinkItem | None:
        """The host or link under a point, as a click finds it (a thin link within a few
        screen pixels, a label standing for its link: :func:`canvas.interactions.item_at`)."""
        item = item_at(self.scene, pos)
        return item if isinstance(item, (HostItem, LinkItem)) else None

    def fault_menu_at(self, scene_pos: QPointF) -> QMenu | None:
        """The fault menu for what is at a canvas point at the player's time, or None.

        A message dot in flight offers to drop it; a host to crash, recover,
        pause or make it Byzantine; a link to cut or heal it. The chosen fault
        goes to :meth:`apply_fault` (or :meth:`replace_fault`).
        """
        tl = self.shown_run.timeline
        if tl is None:
            return None
        t = self.shown_run.player.time
        when = translate("MainWindow", "at {time}").format(time=format_seconds(t, 6))
        msg = None
        animator = self.shown_run.animator
        if animator is not None and hasattr(animator, "message_at"):
            msg = animator.message_at(scene_pos)
        if msg is not None:
            menu = message_menu(self._parent, int(msg), t, self.apply_fault)
            title = translate("MainWindow", "Message m{msg} {when}").format(msg=msg, when=when)
        else:
            item = self._canvas_item_at(scene_pos)
            states = tl.host_states(t)
            if isinstance(item, HostItem):
                self.scene.select(host_ids=[item.host_id])
                menu = host_menu(self._parent, item.host_id, t, self.apply_fault, states)
                title = translate("MainWindow", "{host} {when}").format(host=item.host_id,
                                                                        when=when)
            elif isinstance(item, LinkItem):
                a, b = item.link.a, item.link.b
                menu = link_menu(self._parent, self.document.scenario, a, b, t,
                                 self.apply_fault, self.replace_fault, states)
                title = translate("MainWindow", "Link {a}\u2013{b} {when}").format(
                    a=a, b=b, when=when)
            else:
                return None
        actions = menu.actions()
        if actions:
            menu.insertSection(actions[0], title)
        return menu

    def apply_fault(self, fault: Any) -> bool:
        """Add ``fault`` to the scenario's fault schedule (undoable) and recompute the run."""
        try:
            self.document.add_fault(fault)
        except ValueError as exc:
            self._show_message(_first_line(exc))
            return False
        self._after_fault_edit()
        return True

    def replace_fault(self, index: int, fault: Any) -> bool:
        """Put ``fault`` at ``index`` of the fault schedule (undoable) and recompute the run."""
        faults = list(self.document.scenario.faults)
        if not 0 <= index < len(faults):
            return False
        faults[index] = fault
        try:
            self.document.set_setting("faults", faults)
        except ValueError as exc:
            self._show_message(_first_line(exc))
            return False
        self._after_fault_edit()
        return True

    def _after_fault_edit(self) -> None:
        # the shown run recomputes itself on any change of the fault schedule
        if self.shown_run.timeline is not None:
            self._show_message(translate(
                "MainWindow", "Fault added at {time}; recomputing the run (Ctrl+Z "
                              "undoes it)\u2026").format(
                time=format_seconds(self.shown_run.player.time, 6)), 6000)
