"""Interactive fault menus: each action hands the right fault, at the player's time, to the callback."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMenu, QWidget

from sandbox.gui.faults_menu import (
    BYZANTINE_BEHAVIOURS,
    active_cut,
    add_host_actions,
    host_menu,
    link_menu,
    message_menu,
)
from sandbox.gui.run_controller import recompute_with_fault, run_scenario
from sandbox.presets import preset_path
from sandbox.scenario import load
from sandbox.scenario.model import (
    ByzantineFault,
    CrashFault,
    DropMessageFault,
    Host,
    Link,
    LinkCutFault,
    LossBurstFault,
    PartitionFault,
    PauseFault,
    RecoverFault,
    Scenario,
)
from sandbox.trace.timeline import Timeline

MS = 1_000_000
T = 1234 * MS


@pytest.fixture
def parent(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    return w


@pytest.fixture
def scenario():
    return Scenario(hosts=[Host(id="a"), Host(id="b"), Host(id="c")],
                    links=[Link(a="a", b="b"), Link(a="b", b="c")])


def act(menu: QMenu, name: str):
    action = menu.findChild(type(menu.menuAction()), name)
    assert action is not None, name
    return action


def trigger(menu: QMenu, name: str) -> None:
    action = act(menu, name)
    assert action.isEnabled(), name
    action.trigger()


def test_host_menu_crash_recover_pause_byzantine(parent):
    got = []
    menu = host_menu(parent, "a", T, got.append)
    trigger(menu, "fault_crash")
    trigger(menu, "fault_recover")
    trigger(menu, "fault_pause_100ms")
    trigger(menu, "fault_pause_5s")
    for behaviour in BYZANTINE_BEHAVIOURS:
        trigger(menu, f"fault_byzantine_{behaviour}")
    assert got == [
        CrashFault(host="a", at=T),
        RecoverFault(host="a", at=T),
        PauseFault(host="a", at=T, duration=100 * MS),
        PauseFault(host="a", at=T, duration=5000 * MS),
        *[ByzantineFault(host="a", at=T, behaviour=b) for b in BYZANTINE_BEHAVIOURS],
    ]
    assert set(BYZANTINE_BEHAVIOURS) == {"corrupt", "equivocate", "forge_clock", "replay"}


def test_pause_for_other_asks_for_the_duration(parent):
    got = []
    answers = iter([250 * MS, None])
    menu = host_menu(parent, "b", T, got.append, ask_duration=lambda p: next(answers))
    trigger(menu, "fault_pause_other")
    trigger(menu, "fault_pause_other")      # cancelled: nothing applied
    assert got == [PauseFault(host="b", at=T, duration=250 * MS)]


def test_host_menu_follows_the_host_state():
    scenario = load(preset_path("crash_heartbeat"))   # p1 crashes at 2s, recovers at 5s
    result = run_scenario(scenario)
    timeline = Timeline(result.header, result.events)
    got = []
    down = host_menu(None, "p1", 3_000 * MS, got.append, states=timeline.host_states(3_000 * MS))
    assert not act(down, "fault_crash").isEnabled()
    assert act(down, "fault_recover").isEnabled()
    assert not down.findChild(QMenu, "fault_pause_menu").isEnabled()
    assert not down.findChild(QMenu, "fault_byzantine_menu").isEnabled()
    up = host_menu(None, "p1", 1_000 * MS, got.append, states=timeline.host_states(1_000 * MS))
    assert act(up, "fault_crash").isEnabled()
    assert not act(up, "fault_recover").isEnabled()
    assert up.findChild(QMenu, "fault_pause_menu").isEnabled()


def test_host_actions_can_join_an_existing_menu(parent):
    menu = QMenu(parent)
    menu.addAction("Edit…")
    actions = add_host_actions(menu, "c", T, lambda f: None)
    assert len(menu.actions()) == 5      # Edit, Crash, Recover, Pause for, Make Byzantine
    assert actions


def test_link_cut_now(parent, scenario):
    got = []
    trigger(link_menu(parent, scenario, "a", "b", T, got.append), "fault_cut")
    assert got == [LinkCutFault(a="a", b="b", start=T)]


def test_link_heal_now_ends_the_cut_in_force(parent, scenario):
    scenario.faults = [CrashFault(host="c", at=0), LinkCutFault(a="b", b="a", start=T - 10 * MS)]
    added, replaced = [], []
    menu = link_menu(parent, scenario, "a", "b", T, added.append,
                     lambda i, f: replaced.append((i, f)))
    trigger(menu, "fault_heal")
    assert added == []
    assert replaced == [(1, LinkCutFault(a="b", b="a", start=T - 10 * MS, end=T))]
    # applied to the scenario, the recomputed run cuts and then heals the link
    healed = recompute_with_fault(scenario, replaced[0][1], replace=1)
    assert active_cut(healed, "a", "b", T) is None


def test_heal_at_the_instant_a_cut_starts_ends_it_just_after(parent, scenario):
    scenario.faults = [LinkCutFault(a="a", b="b", start=T)]
    replaced = []
    trigger(link_menu(parent, scenario, "a", "b", T, lambda f: None,
                      lambda i, f: replaced.append(f)), "fault_heal")
    assert replaced == [LinkCutFault(a="a", b="b", start=T, end=T + 1)]


def test_heal_is_greyed_out_without_a_cut_in_force(parent, scenario):
    scenario.faults = [LinkCutFault(a="a", b="b", start=0, end=T - 1),       # over already
                       LinkCutFault(a="b", b="c", start=0),                   # another link
                       LinkCutFault(a="a", b="b", start=T + 1),               # not yet
                       PartitionFault(sides=[["a"], ["b"]], start=0)]         # not a link cut
    menu = link_menu(parent, scenario, "a", "b", T, lambda f: None, lambda i, f: None)
    assert not act(menu, "fault_heal").isEnabled()
    assert act(menu, "fault_cut").isEnabled()
    no_replace = link_menu(parent, scenario, "b", "c", T, lambda f: None)
    assert not act(no_replace, "fault_heal").isEnabled()


def test_active_cut_picks_the_latest_and_counts_total_loss_bursts(scenario):
    scenario.faults = [LinkCutFault(a="a", b="b", start=0),
                       LossBurstFault(a="a", b="b", start=5, end=50, loss=1.0),
                       LossBurstFault(a="b", b="c", start=5, end=50, loss=0.5)]
    assert active_cut(scenario, "a", "b", 10)[0] == 1
    assert active_cut(scenario, "a", "b", 60)[0] == 0
    assert active_cut(scenario, "b", "c", 10) is None


def test_heal_a_loss_burst_keeps_it_valid(parent, scenario):
    scenario.faults = [LossBurstFault(a="a", b="b", start=T, end=T + 50 * MS, loss=1.0)]
    replaced = []
    trigger(link_menu(parent, scenario, "a", "b", T, lambda f: None,
                      lambda i, f: replaced.append(f)), "fault_heal")
    assert replaced == [LossBurstFault(a="a", b="b", start=T, end=T + 1, loss=1.0)]


def test_cut_is_greyed_out_on_a_cut_link(parent, scenario):
    scenario.faults = [LinkCutFault(a="a", b="b", start=0)]

    class States:
        status = {}

        @staticmethod
        def is_cut(a, b):
            return {a, b} == {"a", "b"}

    menu = link_menu(parent, scenario, "a", "b", T, lambda f: None, lambda i, f: None, States())
    assert not act(menu, "fault_cut").isEnabled()
    assert act(menu, "fault_heal").isEnabled()


def test_message_drop_it(parent):
    got = []
    trigger(message_menu(parent, 42, T, got.append), "fault_drop")
    assert got == [DropMessageFault(msg=42, at=T)]


def test_drop_it_drops_the_message_in_the_recomputed_run():
    scenario = load(preset_path("message_passing_basics"))
    before = run_scenario(scenario)
    timeline = Timeline(before.header, before.events)
    t = 1_000 * MS
    flying = [m for m in timeline.messages(t) if m.end_kind == "deliver"]
    assert flying
    got = []
    trigger(message_menu(None, flying[0].msg, t, got.append), "fault_drop")
    after = run_scenario(recompute_with_fault(scenario, got[0]))
    assert [e for e in after.events if e.t < t] == [e for e in before.events if e.t < t]
    drops = [e for e in after.events if e.kind == "drop" and e.msg == flying[0].msg]
    assert drops and drops[0].data["reason"] == "injected"
