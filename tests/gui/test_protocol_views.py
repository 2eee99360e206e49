"""Protocol state and guarantees in the window: badges on the canvas, role bands on the
diagram, the Protocol plot page, the log's Protocol state filter, and the Checks panel that
follows the player and shows the event that broke a guarantee."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt

from sandbox.gui.checks_panel import ChecksPanel, row_status
from sandbox.gui.event_log import KIND_GROUPS
from sandbox.gui.main_window import MainWindow
from sandbox.presets import preset_path
from sandbox.scenario import io
from sandbox.trace.checks import Verdict

PRESET = "raft_leader_crash"
MS = 1_000_000


@pytest.fixture
def window(qtbot, tmp_path):
    """The main window on the Raft preset, shown, with no autoplay."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(io.load(preset_path(PRESET)), None, settings=settings,
                     autosave_dir=tmp_path / "autosave")
    win._ask_save_changes = lambda: "discard"
    win.autosave_timer.stop()
    win.autoplay = False
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.run_controller.shutdown()


def _run(qtbot, win):
    with qtbot.waitSignal(win.run_controller.finished, timeout=120_000):
        assert win.run()
    qtbot.waitUntil(lambda: win.timeline is not None and not win.run_controller.is_running())
    return win.timeline


def _leader_at(tl, t):
    """The hosts whose reported role is leader at ``t`` (read from the trace's own events)."""
    roles = {}
    for ev in tl.events:
        if ev.t > t:
            break
        if ev.kind == "crash":
            roles.pop(ev.host, None)
        elif ev.kind == "state" and "role" in (ev.data or {}):
            roles[ev.host] = ev.data["role"]
    return sorted(h for h, r in roles.items() if r == "leader")


def test_badges_show_each_hosts_role_and_term_at_the_players_time(qtbot, window):
    tl = _run(qtbot, window)
    crash = next(e for e in tl.events if e.kind == "crash")
    before, after = crash.t - 100 * MS, crash.t + 10 * MS
    window.player.seek(before)
    leaders = _leader_at(tl, before)
    assert leaders == [crash.host]  # the preset crashes the first leader
    anim = window.animator
    badge = anim.protocol_badge(crash.host)
    assert badge.startswith("leader") and "term" in badge
    followers = [h for h in tl.hosts if h != crash.host]
    assert all(anim.protocol_badge(h).startswith(("follower", "candidate")) for h in followers)
    window.player.seek(after)
    assert anim.protocol_badge(crash.host) == ""  # a crashed host has no protocol state
    window.player.seek(tl.end)
    (leader,) = _leader_at(tl, tl.end)
    assert anim.protocol_badge(leader).startswith("leader")


def test_the_diagram_colours_each_line_by_role_and_the_log_filters_state(qtbot, window):
    tl = _run(qtbot, window)
    painter = window.spacetime.painter
    assert all(painter.band_of(h) == "role" for h in tl.hosts)
    spans = tl.state_intervals("s1", "role")
    assert {v for _, _, v, _ in spans} <= {"follower", "candidate", "leader"}
    log = window.event_log
    i = log.kind_combo.findData("protocol")
    assert i >= 0
    log.kind_combo.setCurrentIndex(i)
    qtbot.waitUntil(lambda: log.model.rowCount() > 0)
    kinds = {tl.events[log.model.seq_at(r)].kind for r in range(log.model.rowCount())}
    assert kinds == set(KIND_GROUPS["protocol"]) == {"state"}


def test_the_protocol_page_plots_a_numeric_field_per_host(qtbot, window):
    tl = _run(qtbot, window)
    page = window.plots.page("protocol")
    assert {"term", "commit_index", "log_length"} <= set(page.fields)
    assert "role" not in page.fields  # text is not plotted
    assert page.show_field("term") and not page.show_field("role")
    series = {s.name: s for s in page.series()}
    assert set(series) == {f"term {h}" for h in tl.hosts}
    last = {e.host: e.data["term"] for e in tl.events
            if e.kind == "state" and "term" in (e.data or {})}
    for h, term in last.items():
        assert series[f"term {h}"].y[-1] == term


def test_the_checks_panel_lists_the_raft_guarantees_and_follows_the_player(qtbot, window):
    tl = _run(qtbot, window)
    panel = window.checks
    names = [v.name for v in panel.verdicts]
    assert names == ["consensus.election_safety", "consensus.log_matching",
                     "consensus.leader_completeness", "consensus.state_machine_safety"]
    window.player.seek(0)
    assert all(panel.status(n) == "holds" for n in names)
    window.player.seek(tl.end)
    assert all(panel.status(n) == "held" for n in names)
    assert "checked" in panel.row_text(names[0])


def test_a_broken_guarantee_shows_the_event_that_broke_it_everywhere(qtbot, window):
    tl = _run(qtbot, window)
    crash = next(e for e in tl.events if e.kind == "crash")
    first = next(e for e in tl.events if e.kind == "app" and e.data["name"] == "raft_leader")
    broken = Verdict("consensus.election_safety", "Election safety", False, True,
                     crash.seq, crash.t, "two leaders in term {term}", {"term": 9},
                     related=(first.seq,))
    window.shown_run.load_run(tl.header, tl.events, timeline=tl, verdicts=[broken])
    panel = window.checks
    window.player.seek(crash.t - 1)
    assert panel.status(broken.name) == "holds"  # the break is still ahead
    window.player.seek(0)
    assert panel.activate(broken.name)
    assert window.player.time == crash.t
    assert panel.status(broken.name) == "broken"
    assert "two leaders in term 9" in panel.row_text(broken.name)
    detail = panel.detail_label.text()  # the whole text, with what the guarantee asserts
    assert "consensus.election_safety" in detail and "two leaders in term 9" in detail
    assert window.spacetime.selected_event == crash.seq
    assert window.event_log.selected_event() == crash.seq
    assert window.scene.selected_host_ids() == [crash.host]
    assert window.spacetime.causal_past  # the diagram highlights the events that explain it
    assert window.spacetime.related_events == (first.seq,)
    # a click on the row does the same
    window.checks_dock.raise_()
    qtbot.waitUntil(panel.tree.isVisible)
    window.player.seek(0)
    item = panel.tree.topLevelItem(0)
    rect = panel.tree.visualItemRect(item)
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.player.time == crash.t


def test_row_states_and_the_empty_panel():
    ok = Verdict("a.b", "A", True, checked=3)
    bad = Verdict("a.c", "C", False, True, 5, 100, "x")
    err = Verdict("a.d", "D", False, True, None, None, "y", error=True)
    assert row_status(ok, 0, 50) == "holds" and row_status(ok, 50, 50) == "held"
    assert row_status(bad, 99, 200) == "holds" and row_status(bad, 100, 200) == "broken"
    assert row_status(err, 0, 10) == "error"


def test_the_panel_says_what_to_do_without_a_run_and_without_guarantees(qtbot):
    panel = ChecksPanel()
    qtbot.addWidget(panel)
    assert "Run the scenario" in panel.summary_label.text()
    panel.set_verdicts([], 100)
    assert "No guarantee to check" in panel.summary_label.text()
    panel.set_verdicts([Verdict("a.b", "A", True, False)], 100)
    assert "not promised" in panel.row_text("a.b")
    assert not panel.activate("a.b")  # nothing broke: nothing to show
