"""The space-time diagram: clicking events, causal highlight, axis by local clock, zoom, export."""

from __future__ import annotations

import pytest
from conftest_playback import MS, preset_timeline, small_timeline, synthetic_events
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPalette, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget

from sandbox.gui.event_log import EventLog
from sandbox.gui.spacetime import SpaceTimeView
from sandbox.gui.theme import dark_palette, light_palette
from sandbox.trace.timeline import Timeline


@pytest.fixture
def view(qtbot):
    view = SpaceTimeView()
    qtbot.addWidget(view)
    view.resize(1000, 420)
    view.set_timeline(small_timeline())
    view.show()
    qtbot.waitExposed(view)
    return view


def click(view, seq):
    pos = view.event_position(seq)
    assert pos is not None, f"event {seq} is not drawn on its own"
    QTest.mouseClick(view.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     pos.toPoint())


def test_clicking_an_event_selects_it_and_shows_its_clocks(view, qtbot):
    tl = view.timeline
    with qtbot.waitSignal(view.event_selected) as blocker:
        click(view, 4)                                # c delivers m2 (corrupted)
    assert blocker.args == [4]
    assert view.selected_event == 4
    info = view.info_label.text()
    assert f"Lamport {tl.lamport_clock(4)}" in info
    assert "vector ⟨a:1, b:2, c:2⟩" in info           # a's send, b's delivery and send, c's two
    assert tl.vector_clock(4) == {"a": 1, "b": 2, "c": 2}


def test_clicking_empty_space_clears_the_selection_silently(view, qtbot):
    view.select_event(4)
    with qtbot.assertNotEmitted(view.event_selected):
        QTest.mouseClick(view.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         QPoint(view.canvas.width() - 3, view.canvas.height() - 3))
    assert view.selected_event is None


def test_selecting_highlights_the_causal_past_and_future(view, qtbot):
    tl = view.timeline
    with qtbot.assertNotEmitted(view.event_selected):
        view.select_event(2)                          # b sends m2 after receiving m1
    assert view.selected_event == 2
    past = set(view.causal_past)
    future = set(view.causal_future)
    assert past == tl.causal_past(2) == {0, 1}
    assert future == tl.causal_future(2)
    assert {4, 5, 6, 7} <= future and 3 not in future  # c's events from the delivery on, b's crash
    view.grab()                                       # paints the highlight without error
    view.select_event(-1)
    assert view.selected_event is None
    assert not view.causal_past and not view.causal_future


def test_click_in_the_diagram_selects_the_row_in_the_log(view, qtbot):
    log = EventLog()
    qtbot.addWidget(log)
    log.set_timeline(view.timeline)
    view.event_selected.connect(log.select_event)
    with qtbot.assertNotEmitted(log.event_activated):
        click(view, 6)                                # the drop of m3
    assert log.selected_event() == 6
    row = log.table.currentIndex().row()
    assert log.model.data(log.model.index(row, log.model.KIND)) == "drop"
    # and back: a row picked in the log selects the event in the diagram
    log.event_activated.connect(lambda seq, t: view.select_event(seq))
    log.table.setFocus()
    rect = log.table.visualRect(log.model.index(log.model.row_of(9), 0))
    QTest.mouseClick(log.table.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, rect.center())
    assert view.selected_event == 9


def test_a_drop_is_drawn_between_the_lines_and_a_crash_on_its_host(view):
    lay = view.frame()
    y_c, y_a = lay.lane_y[2], lay.lane_y[0]
    drop = view.event_position(6)
    assert drop.y() == pytest.approx(y_c + (y_a - y_c) * 0.55)   # lost on the way from c to a
    crash = view.event_position(7)
    assert crash.y() == pytest.approx(lay.lane_y[1])


def test_axis_can_be_a_hosts_local_clock(view):
    view.set_window(0, 100 * MS)
    x0, x1 = view.event_position(0).x(), view.event_position(9).x()     # t = 0 and 60 ms
    view.set_axis("a")                                # +5 ms and 10 % fast
    assert view.axis == "a" and view.axis_combo.currentData() == "a"
    local0 = view.timeline.local_time("a", 0)
    view.set_window(local0, local0 + 100 * MS)        # the same span of that clock
    y0, y1 = view.event_position(0).x(), view.event_position(9).x()
    assert y0 == pytest.approx(x0, abs=0.5)
    assert (y1 - y0) == pytest.approx((x1 - x0) * 1.1, rel=1e-3)
    view.axis_combo.setCurrentIndex(0)
    assert view.axis is None
    with pytest.raises(KeyError):
        view.set_axis("nobody")


def test_the_cursor_follows_the_player(view):
    view.set_window(0, 20 * MS)
    view.set_time(10 * MS)
    assert view.window == (0, 20 * MS)
    view.set_time(75 * MS)                            # out of view: the window jumps to it
    a0, a1 = view.window
    assert a0 <= 75 * MS <= a1 and a1 - a0 == pytest.approx(20 * MS)
    view.set_follow(False)
    view.set_time(5 * MS)
    assert view.window == (a0, a1)


def test_wheel_zooms_around_the_mouse_and_drag_pans(view, qtbot):
    view.set_window(0, 100 * MS)
    lay = view.frame()
    x = lay.plot.left + lay.plot.width / 2            # at 50 ms
    ev = QWheelEvent(QPointF(x, 100), view.canvas.mapToGlobal(QPointF(x, 100)), QPoint(0, 0),
                     QPoint(0, 120), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                     Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.canvas, ev)
    a0, a1 = view.window
    assert a1 - a0 == pytest.approx(80 * MS)           # zoomed in by 1.25
    assert (a0 + a1) / 2 == pytest.approx(50 * MS)     # around the mouse
    start = QPoint(int(x), 100)
    QTest.mousePress(view.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(view.canvas, start + QPoint(100, 0))
    QTest.mouseRelease(view.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       start + QPoint(100, 0))
    b0, b1 = view.window
    assert b1 - b0 == pytest.approx(a1 - a0)
    assert b0 == pytest.approx(a0 - 100 * (a1 - a0) / lay.plot.width, rel=1e-6)
    assert view.selected_event is None                 # a drag is not a click
    view.zoom_to_fit()
    assert view.window[0] < 0 < 100 * MS < view.window[1]


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_export_image_writes_png_and_svg(view, tmp_path, suffix):
    view.select_event(4)
    path = tmp_path / f"diagram{suffix}"
    assert view.export_image(path)
    assert path.is_file() and path.stat().st_size > 1000
    if suffix == ".png":
        image = QImage(str(path))
        assert image.width() >= view.canvas.width()
    else:
        text = path.read_text(encoding="utf-8")
        assert "<svg" in text and "Space-time diagram" in text


def test_export_before_the_view_is_shown(qtbot, tmp_path):
    view = SpaceTimeView()
    qtbot.addWidget(view)
    view.set_timeline(preset_timeline("lossy_reliable_broadcast"))
    assert view.export_image(tmp_path / "d.png")
    assert QImage(str(tmp_path / "d.png")).width() == 2400     # 1200 at device pixel ratio 2


def test_light_and_dark_palettes_paint(view):
    for palette in (light_palette(), dark_palette()):
        view.setPalette(palette)
        image = view.canvas.grab().toImage()
        names = image.pixelColor(3, 40)                # the column of host names
        assert near(names, palette.window().color(), 10)
        assert names != image.pixelColor(view.canvas.width() // 2, 40)   # unlike the plot
        background = image.pixelColor(view.canvas.width() - 4, view.canvas.height() - 4)
        assert abs(background.lightness() - palette.base().color().lightness()) < 30


def test_a_large_trace_is_drawn_as_density_until_zoomed_in(qtbot):
    tl = Timeline({}, synthetic_events(100_000))
    view = SpaceTimeView()
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.set_timeline(tl)
    view.show()
    qtbot.waitExposed(view)
    view.grab()
    seq = 50_000
    assert view.event_position(seq) is None           # too many events in view
    view.reveal_event(seq)
    assert view.event_position(seq) is not None
    view.select_event(seq)
    view.grab()
    with qtbot.waitSignal(view.event_selected) as blocker:
        click(view, seq)
    near = int(tl.t[seq + 5] - tl.t[seq - 5])
    assert abs(int(tl.t[blocker.args[0]]) - int(tl.t[seq])) <= near


def test_view_inside_a_dock_layout_without_timeline(qtbot):
    holder = QWidget()
    view = SpaceTimeView()
    QHBoxLayout(holder).addWidget(view)
    qtbot.addWidget(holder)
    holder.show()
    qtbot.waitExposed(holder)
    shot = holder.grab()  # painting with no timeline must not raise
    assert not shot.isNull() and shot.size() == holder.size()
    assert view.isVisible() and view.width() > 0 and view.height() > 0


# -- the cached drawing: moving the cursor repaints little, selecting draws again ------------
def on_screen(view, x, y):
    """The colour at canvas point (x, y) as last painted on screen (partial repaints included)."""
    image = view.screen().grabWindow(view.winId()).toImage()
    at = view.canvas.mapTo(view, QPoint(int(round(x)), int(round(y))))
    return image.pixelColor(at)


def near(colour, target, tolerance=60):
    """Whether two colours are close (antialiased pixels are mixed with the background)."""
    return sum(abs(a - b) for a, b in zip(colour.getRgb()[:3], target.getRgb()[:3],
                                           strict=True)) <= tolerance


def on_cursor(colour, view):
    """Whether a pixel is painted by the time cursor (1.6 px wide: mixed with the background)."""
    return near(colour, view.colours.cursor, 100)


def painted(qtbot, view):
    """Let pending repaints happen; returns how many times the diagram has been drawn."""
    qtbot.waitUntil(lambda: view.painter.cached)
    QApplication.processEvents()
    return view.painter.drawings


def drawn_since(view, drawings):
    """Whether the diagram was drawn again (not only its cursor) since ``drawings``."""
    return not view.painter.cached or view.painter.drawings != drawings


def test_moving_the_cursor_repaints_it_from_the_cached_drawing(view, qtbot):
    view.set_follow(False)
    view.set_window(0, 100 * MS)
    view.set_time(20 * MS)
    drawings = painted(qtbot, view)
    lay = view.frame()
    y = lay.lane_y[0] + lay.lane_h * 0.3               # on a lane, away from events
    cursor_x = view.diagram_layout.cursor_x
    x20, x60 = cursor_x(lay, 20 * MS), cursor_x(lay, 60 * MS)
    assert on_cursor(on_screen(view, x20, y), view)
    assert not on_cursor(on_screen(view, x60, y), view)
    view.set_time(60 * MS)
    qtbot.waitUntil(lambda: on_cursor(on_screen(view, x60, y), view))
    assert not on_cursor(on_screen(view, x20, y), view)   # the old cursor was painted over
    assert not drawn_since(view, drawings)                 # from the cache, not drawn again
    image = view.canvas.grab().toImage()                   # a full repaint agrees
    assert on_cursor(image.pixelColor(int(round(x60)), int(y)), view)
    assert not on_cursor(image.pixelColor(int(round(x20)), int(y)), view)


def test_following_the_cursor_draws_the_new_window(view, qtbot):
    view.set_window(0, 20 * MS)
    view.set_time(10 * MS)
    drawings = painted(qtbot, view)
    view.set_time(75 * MS)                             # out of view: the window jumps
    painted(qtbot, view)
    assert drawn_since(view, drawings)
    lay = view.frame()
    x = view.diagram_layout.cursor_x(lay, 75 * MS)
    assert lay.plot.left < x < lay.plot.right
    assert on_cursor(on_screen(view, x, lay.lane_y[0] + lay.lane_h * 0.3), view)


def test_selecting_an_event_draws_the_highlight_again(view, qtbot):
    view.set_follow(False)
    view.set_window(0, 100 * MS)
    view.set_time(95 * MS)                             # the cursor away from the events looked at
    drawings = painted(qtbot, view)
    pos = view.event_position(2)                       # b sends m2
    highlight = view.palette().color(QPalette.ColorRole.Highlight)
    assert not near(on_screen(view, pos.x(), pos.y()), highlight)
    view.select_event(2)
    qtbot.waitUntil(lambda: near(on_screen(view, pos.x(), pos.y()), highlight, 30))
    assert drawn_since(view, drawings)
    # the causal past (a's send of m1) is highlighted, the unrelated drop is not
    past = view.event_position(0)
    assert near(on_screen(view, past.x(), past.y()), view.colours.past, 30)
    view.select_event(None)
    qtbot.waitUntil(lambda: not near(on_screen(view, pos.x(), pos.y()), highlight, 30))


def test_host_names_turn_red_while_crashed_without_drawing_the_diagram_again(view, qtbot):
    view.set_follow(False)
    view.set_window(0, 100 * MS)
    view.set_time(40 * MS)
    drawings = painted(qtbot, view)
    lay = view.frame()
    crash = view.colours.crash
    y = int(lay.lane_y[1])                             # b, which crashes at 50 ms

    def name_has_crash_colour():
        image = view.screen().grabWindow(view.winId()).toImage()
        for x in range(24, int(lay.plot.left) - 8):
            for dy in (-2, -1, 0, 1, 2):
                at = view.canvas.mapTo(view, QPoint(x, y + dy))
                if near(image.pixelColor(at), crash, 90):
                    return True
        return False

    assert not name_has_crash_colour()
    view.set_time(60 * MS)
    qtbot.waitUntil(name_has_crash_colour)
    view.set_time(85 * MS)                             # recovered at 80 ms
    qtbot.waitUntil(lambda: not name_has_crash_colour())
    assert not drawn_since(view, drawings)


def test_a_palette_change_draws_again_in_the_new_colours(view, qtbot):
    view.setPalette(light_palette())
    painted(qtbot, view)
    base = QColor(view.palette().color(QPalette.ColorRole.Base))
    corner = (view.canvas.width() - 4, view.canvas.height() - 4)
    assert near(on_screen(view, *corner), base, 10)
    view.setPalette(dark_palette())
    dark = view.palette().color(QPalette.ColorRole.Base)
    qtbot.waitUntil(lambda: near(on_screen(view, *corner), dark, 10))
