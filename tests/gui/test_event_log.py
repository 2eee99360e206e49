"""The event log: virtual model, numpy filters by host, kind and text, row clicks, following."""

from __future__ import annotations

import pytest
from conftest_playback import MS, preset_timeline, small_timeline, synthetic_events
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from sandbox.gui.event_log import KIND_GROUPS, EventLog, EventTableModel, event_details
from sandbox.trace.timeline import Timeline


@pytest.fixture
def log(qtbot):
    log = EventLog()
    qtbot.addWidget(log)
    log.resize(900, 400)
    log.set_timeline(small_timeline())
    return log


def cell(model, row, col):
    return model.data(model.index(row, col))


def test_rows_are_formatted_lazily_from_the_timeline(log):
    m = log.model
    assert m.rowCount() == 13 and m.columnCount() == 7
    assert [cell(m, 1, c) for c in range(6)] == \
        ["0.010000000", "b", "0.010000000", "deliver", "m1", "a"]
    assert cell(m, 1, m.DETAILS) == "latency 10.000 ms"
    assert cell(m, 4, m.DETAILS) == "latency 10.000 ms, corrupted"
    assert cell(m, 6, m.DETAILS) == "reason: loss, on link c–a"
    assert cell(m, 7, m.DETAILS) == "fail-silent, state lost, cause: scheduled"
    assert cell(m, 8, m.DETAILS) == "suspects b"
    assert cell(m, 0, m.LOCAL) == "0.005000000"       # a's clock is 5 ms ahead
    assert m.headerData(0, Qt.Orientation.Horizontal) == "Time (s)"
    assert m.data(m.index(3, 0), EventTableModel.SeqRole) == 3
    assert m.data(m.index(3, 0), EventTableModel.TimeRole) == 30 * MS
    assert "latency" in m.data(m.index(1, m.DETAILS), Qt.ItemDataRole.ToolTipRole)
    assert log.count_label.text() == "13 events"


def test_filter_by_host_kind_and_text(log):
    m = log.model
    log.set_filter(host="c")
    assert m.rows.tolist() == [3, 4, 5, 6, 10, 12]
    log.set_filter(host="c", kind="messages")
    assert m.rows.tolist() == [3, 4, 5, 6, 10]
    log.set_filter(kind="deliver")
    assert m.rows.tolist() == [1, 4, 10]
    log.set_filter(kind="failures")
    assert m.rows.tolist() == [7, 8, 11]
    log.set_filter(text="LOSS")
    assert m.rows.tolist() == [6]
    log.set_filter(text="m2")
    assert m.rows.tolist() == [2, 3, 4]
    log.set_filter(host="a", text="m")                # the events of a that name a message
    assert m.rows.tolist() == [0, 9]
    assert log.count_label.text() == "2 of 13"
    log.set_filter()
    assert len(m.rows) == 13


def test_filter_widgets_drive_the_model(log, qtbot):
    kinds = [log.kind_combo.itemData(i) for i in range(log.kind_combo.count())]
    assert kinds[:4] == [None, "messages", "failures", "application"]
    assert "crash" in kinds and "mem" not in kinds   # only kinds of this trace
    log.host_combo.setCurrentIndex(log.host_combo.findData("b"))
    assert log.model.rows.tolist() == [1, 2, 7, 11]
    log.kind_combo.setCurrentIndex(log.kind_combo.findData("crash"))
    assert log.model.rows.tolist() == [7]
    log.host_combo.setCurrentIndex(0)
    log.kind_combo.setCurrentIndex(0)
    log.search_edit.setText("tick")                  # applied after a short pause
    qtbot.waitUntil(lambda: log.model.rows.tolist() == [12], timeout=2000)


def test_filters_match_a_python_scan_on_a_real_trace(qtbot):
    tl = preset_timeline("lossy_reliable_broadcast")
    model = EventTableModel()
    model.set_timeline(tl)
    model.set_filter(host="r3", kinds=KIND_GROUPS["messages"], text="retry")
    expected = [i for i, e in enumerate(tl.events)
                if e.host == "r3" and e.kind in KIND_GROUPS["messages"]
                and "retry" in str(e.data).lower()]
    assert expected and model.rows.tolist() == expected
    model.set_filter(kinds=("drop",))
    assert model.rowCount() == sum(e.kind == "drop" for e in tl.events)
    assert all(cell(model, r, model.KIND) == "drop" for r in range(model.rowCount()))


def test_clicking_a_row_emits_the_event_and_its_time(log, qtbot):
    log.show()
    qtbot.waitExposed(log)
    rect = log.table.visualRect(log.model.index(5, 2))
    with qtbot.waitSignal(log.event_activated) as blocker:
        QTest.mouseClick(log.table.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, rect.center())
    assert blocker.args == [5, 40 * MS]
    # a second click on the same row seeks there again
    with qtbot.waitSignal(log.event_activated) as blocker:
        QTest.mouseClick(log.table.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, rect.center())
    assert blocker.args == [5, 40 * MS]
    # keyboard: the next row
    with qtbot.waitSignal(log.event_activated) as blocker:
        QTest.keyClick(log.table, Qt.Key.Key_Down)
    assert blocker.args == [6, 45 * MS]


def test_select_event_selects_and_scrolls_without_emitting(qtbot):
    tl = Timeline({}, synthetic_events(20_000))
    log = EventLog()
    qtbot.addWidget(log)
    log.resize(800, 300)
    log.set_timeline(tl)
    log.show()
    qtbot.waitExposed(log)
    log.follow_check.setChecked(False)
    with qtbot.assertNotEmitted(log.event_activated):
        log.select_event(15_000)
    assert log.selected_event() == 15_000
    row_rect = log.table.visualRect(log.model.index(15_000, 0))
    assert log.table.viewport().rect().intersects(row_rect)
    log.set_filter(kind="deliver")                   # the selection survives a filter it passes
    if tl.events[15_000].kind == "deliver":
        assert log.selected_event() == 15_000
    else:
        assert log.selected_event() is None
    log.select_event(-5)
    assert log.selected_event() is None


def test_events_after_the_cursor_are_dimmed_and_followed(log, qtbot):
    log.show()
    qtbot.waitExposed(log)
    m = log.model
    log.set_time(35 * MS)
    disabled = QApplication.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert m.data(m.index(6, 0), Qt.ItemDataRole.ForegroundRole) == disabled   # 45 ms
    assert m.data(m.index(4, 0), Qt.ItemDataRole.ForegroundRole) is None       # 30 ms
    assert m.row_at_time(35 * MS) == 4
    assert m.row_at_time(-1) == -1
    log.set_filter(host="a")
    assert m.row_at_time(35 * MS) == 0               # a's events: 0, 8 (55 ms), 9 (60 ms)


def test_details_of_every_kind_in_real_traces_are_text(qapp):
    for name in ("crash_heartbeat", "dsm_numa", "clock_sync_cristian", "message_passing_basics"):
        tl = preset_timeline(name)
        seen = set()
        for i, e in enumerate(tl.events):
            if e.kind not in seen:
                seen.add(e.kind)
                assert isinstance(event_details(tl, i), str)
    tl = preset_timeline("dsm_numa")
    i = next(i for i, e in enumerate(tl.events) if e.kind == "mem" and e.data["remote"])
    assert "remote" in event_details(tl, i) and "page" in event_details(tl, i)


def test_a_large_log_filters_with_masks(qtbot):
    tl = Timeline({}, synthetic_events(200_000))
    model = EventTableModel()
    model.set_timeline(tl)
    assert model.rowCount() == len(tl)
    model.set_filter(host="h3", kinds=("send",))
    expected = int(((tl.host_code == tl.host_index["h3"])
                    & (tl.kind_code == tl.kinds.index("send"))).sum())
    assert model.rowCount() == expected
    model.set_filter(text="m12345\t")
    assert [tl.events[i].msg for i in model.rows.tolist()] == [12345, 12345]
