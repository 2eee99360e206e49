"""The player: wall-clock-driven playback, seeking, stepping, speed; and its transport bar."""

from __future__ import annotations

import pytest
from conftest_playback import MS, FakeClock, preset_timeline, small_timeline
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from sandbox.gui.player import (
    SPEED_MAX,
    SPEED_MIN,
    SPEED_SLIDER_MAX,
    Player,
    PlayerBar,
    format_speed,
    slider_to_speed,
    speed_to_slider,
)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def player(qapp, clock):
    return Player(small_timeline(), wall_clock=clock)


def snapshot(tl, t):
    return tl.host_states(t), tl.messages(t), tl.index_at(t)


# -- speed -------------------------------------------------------------------------------
def test_speed_slider_is_logarithmic_from_a_hundredth_to_ten_thousand():
    assert speed_to_slider(SPEED_MIN) == 0
    assert speed_to_slider(SPEED_MAX) == SPEED_SLIDER_MAX
    assert speed_to_slider(1.0) == SPEED_SLIDER_MAX // 3       # 2 of 6 decades
    assert speed_to_slider(0.0001) == 0 and speed_to_slider(1e9) == SPEED_SLIDER_MAX
    for speed in (0.01, 0.05, 0.3, 1.0, 7.0, 120.0, 10_000.0):
        assert slider_to_speed(speed_to_slider(speed)) == pytest.approx(speed, rel=0.025)
    assert slider_to_speed(SPEED_SLIDER_MAX // 2) == pytest.approx(10.0)
    assert [format_speed(s) for s in (1.0, 0.01, 3.16, 250.0, 10_000.0)] == \
        ["1x", "0.01x", "3.2x", "250x", "10000x"]


def test_set_speed_clamps_and_signals(player, qtbot):
    with qtbot.waitSignal(player.speed_changed) as blocker:
        player.set_speed(1e6)
    assert blocker.args == [SPEED_MAX] and player.speed == SPEED_MAX
    player.set_speed(0)
    assert player.speed == SPEED_MIN


# -- playing -----------------------------------------------------------------------------
def test_tick_advances_sim_time_by_wall_time_times_speed(player, clock):
    player.play()
    assert player.is_playing
    clock.advance(0.025)
    player.tick()
    assert player.time == 25 * MS                     # 25 ms of wall at 1x
    player.set_speed(0.01)
    clock.advance(1.0)
    player.tick()
    assert player.time == 35 * MS                     # a second of wall at 0.01x: 10 ms more
    assert player.animation_time == pytest.approx(1.025)
    player.pause()
    clock.advance(5.0)
    player.tick()
    assert player.time == 35 * MS and player.animation_time == pytest.approx(1.025)


def test_play_to_the_end_with_an_injected_wall_clock(qtbot):
    tl = preset_timeline("crash_heartbeat")
    clock = FakeClock(step=0.2)                       # every reading is 0.2 s of wall later
    player = Player(tl, wall_clock=clock)
    player.set_speed(5.0)                             # 8 s run: 1.6 s of wall, 8 ticks
    seen = []
    player.time_changed.connect(seen.append)
    with qtbot.waitSignal(player.state_changed, timeout=10_000,
                          check_params_cb=lambda playing: playing is False):
        player.play()
    assert player.time == tl.end == 8_000_000_000
    assert not player.is_playing
    assert seen == sorted(seen) and seen[-1] == tl.end
    assert tl.index_at(player.time) == len(tl)        # every event has happened
    # playing again starts over
    player.play()
    assert player.time == 0 and player.is_playing
    player.pause()


def test_seek_backwards_then_forwards_gives_the_same_state(qtbot):
    tl = preset_timeline("crash_heartbeat")
    clock = FakeClock()
    player = Player(tl, wall_clock=clock)
    player.play()
    for _ in range(42):                               # play to 4.2 s, frame by frame
        clock.advance(0.1)
        player.tick()
    player.pause()
    t = player.time
    assert t == pytest.approx(4_200_000_000, abs=1000)
    before = snapshot(tl, t)
    assert before[0].status["p3"] == "crashed"
    player.seek(1_000_000_000)
    assert snapshot(tl, player.time)[0].status["p3"] == "up"
    player.seek(6_500_000_000)
    player.seek(t)
    assert player.time == t
    assert snapshot(tl, player.time) == before


def test_seek_clamps_to_the_run(player):
    player.seek(-5)
    assert player.time == 0
    player.seek(10**15)
    assert player.time == player.duration == 100 * MS


def test_step_to_next_and_previous_event(player, qtbot):
    times = []
    player.time_changed.connect(times.append)
    player.play()
    player.step_forward()
    assert not player.is_playing and player.time == 10 * MS
    player.step_forward()
    player.step_forward()
    assert player.time == 30 * MS                     # two events at 30 ms: one stop
    player.step_back()
    assert player.time == 20 * MS
    player.seek(95 * MS)
    player.step_forward()
    assert player.time == 100 * MS                    # no event left: the end
    player.seek(0)
    player.step_back()
    assert player.time == 0
    assert times[:3] == [10 * MS, 20 * MS, 30 * MS]


def test_set_timeline_resets_time_and_signals(player, qtbot):
    player.seek(50 * MS)
    with qtbot.waitSignals([player.timeline_changed, player.time_changed]):
        player.set_timeline(small_timeline())
    assert player.time == 0
    player.seek(50 * MS)
    player.set_timeline(small_timeline(), keep_time=True)
    assert player.time == 50 * MS
    player.set_timeline(None)
    assert player.duration == 0
    player.play()
    assert not player.is_playing


# -- the bar -----------------------------------------------------------------------------
@pytest.fixture
def bar(qtbot, player):
    bar = PlayerBar(player)
    qtbot.addWidget(bar)
    bar.resize(900, 40)
    return bar


def test_bar_shows_real_time_and_the_selected_hosts_local_time(bar, player):
    player.seek(40 * MS)
    assert bar.time_label.text() == "t = 0.040000 s"
    bar.set_selected_host("a")                        # +5 ms offset, 10 % fast
    assert bar.time_label.text() == "t = 0.040000 s · a local 0.049000 s"
    assert "+9.000 ms" in bar.time_label.toolTip()
    bar.set_selected_host(None)
    assert "local" not in bar.time_label.text()


def test_bar_seek_slider_and_player_stay_in_step(bar, player):
    unit = bar.seek_unit
    assert unit == 100_000                            # a 100 ms run: 0.1 ms steps
    assert bar.seek_slider.maximum() == 1000
    bar.seek_slider.setValue(250)
    assert player.time == 25 * MS
    player.seek(70 * MS)
    assert bar.seek_slider.value() == 700


def test_bar_seek_slider_uses_milliseconds_for_long_runs(qtbot):
    player = Player(preset_timeline("crash_heartbeat"))
    bar = PlayerBar(player)
    qtbot.addWidget(bar)
    assert bar.seek_unit == 1_000_000 and bar.seek_slider.maximum() == 8000
    bar.seek_slider.setValue(1234)
    assert player.time == 1_234_000_000


def test_bar_speed_slider_and_label(bar, player):
    assert bar.speed_label.text() == "1x"
    bar.speed_slider.setValue(SPEED_SLIDER_MAX)
    assert player.speed == pytest.approx(SPEED_MAX) and bar.speed_label.text() == "10000x"
    player.set_speed(0.5)
    assert bar.speed_slider.value() == speed_to_slider(0.5) and bar.speed_label.text() == "0.5x"


def test_bar_buttons_and_shortcuts(bar, player, qtbot):
    bar.show()
    qtbot.waitExposed(bar)
    bar.activateWindow()
    qtbot.waitUntil(bar.isActiveWindow)
    QTest.keyClick(bar, Qt.Key.Key_Period)
    assert player.time == 10 * MS
    QTest.keyClick(bar, Qt.Key.Key_Period)
    QTest.keyClick(bar, Qt.Key.Key_Comma)
    assert player.time == 10 * MS
    QTest.keyClick(bar, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert player.time == 20 * MS
    QTest.keyClick(bar, Qt.Key.Key_Space)
    assert player.is_playing and bar.play_action.text() == "Pause"
    QTest.keyClick(bar, Qt.Key.Key_Space)
    assert not player.is_playing and bar.play_action.text() == "Play"
    QTest.mouseClick(bar.forward_button, Qt.MouseButton.LeftButton)
    assert player.time == 30 * MS
    QTest.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)
    assert player.is_playing
    player.pause()


def test_clearing_the_timeline_resets_the_time_before_announcing_it(qtbot):
    tl = preset_timeline("crash_heartbeat")
    player = Player(tl)
    bar = PlayerBar(player)
    qtbot.addWidget(bar)
    player.seek(tl.end)                               # 8 s: 8e9 ns, beyond a 32-bit slider of ns
    seen = []
    player.timeline_changed.connect(lambda: seen.append(("timeline", player.time)))
    player.time_changed.connect(lambda t: seen.append(("time", t)))
    player.set_timeline(None)                         # the bar reads the time: it must be 0
    assert seen == [("timeline", 0), ("time", 0)]
    assert player.time == 0 and player.duration == 0
    assert bar.seek_slider.value() == 0 and bar.time_label.text() == "t = 0.000000000 s"
    assert not bar.play_action.isEnabled()
    player.set_timeline(tl)                           # and back
    assert bar.seek_slider.maximum() == 8000 and bar.play_action.isEnabled()


def test_moving_the_time_does_not_lay_the_bar_out_again(qtbot):
    from PySide6.QtCore import QEvent, QObject

    tl = preset_timeline("crash_heartbeat")
    player = Player(tl)
    bar = PlayerBar(player)
    qtbot.addWidget(bar)
    bar.resize(900, 40)
    bar.set_selected_host(tl.hosts[0])
    bar.show()
    qtbot.waitExposed(bar)

    class Counter(QObject):
        def __init__(self):
            super().__init__()
            self.layouts = 0

        def eventFilter(self, obj, event):  # noqa: N802 - Qt override
            if event.type() == QEvent.Type.LayoutRequest:
                self.layouts += 1
            return False

    QApplication.processEvents()                      # the layout of showing the bar
    counter = Counter()
    bar.installEventFilter(counter)
    geometry = bar.time_label.geometry()
    for t in (1, 12_345_678, 999_999_999, 1_000_000_000, 7_999_999_999):
        player.seek(t)
        QApplication.processEvents()
    assert counter.layouts == 0
    assert bar.time_label.geometry() == geometry      # fixed width: the text changes, not the bar
    assert bar.time_label.width() >= bar.time_label.sizeHint().width()
