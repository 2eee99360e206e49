"""The space-time diagram's layout without Qt: time to pixels, lanes, zoom, pan, follow, hits."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from sandbox.gui.spacetime.frame import DETAIL_LIMIT, Rect, Selection, nice_step
from sandbox.gui.spacetime.layout import (
    HIT_RADIUS,
    MIN_SPAN,
    RULER_H,
    DiagramLayout,
    state_change_times,
)
from sandbox.trace import TraceEvent
from sandbox.trace.timeline import Timeline

MS = 1_000_000
WIDTH, HEIGHT, LABELS = 1000, 420, 80


def small_timeline() -> Timeline:
    """Three hosts over 100 ms; host a's clock is 5 ms ahead and 10 % fast (local = t + 5 ms + t / 10)."""
    def ev(t_ms, kind, host, msg=None, peer=None, data=None):
        t = t_ms * MS
        local = t + (5 * MS + t // 10 if host == "a" else 0)
        return TraceEvent(0, t, kind, host, local, msg, peer, data)

    events = [
        ev(0, "send", "a", 1, "b", {"size": 64}),
        ev(10, "deliver", "b", 1, "a", {"latency": 10 * MS}),
        ev(20, "send", "b", 2, "c", {"size": 64}),
        ev(30, "corrupt", "c", 2, "b"),
        ev(30, "deliver", "c", 2, "b", {"latency": 10 * MS, "corrupted": True}),
        ev(40, "send", "c", 3, "a", {"size": 64}),
        ev(45, "drop", "c", 3, "a", {"reason": "loss", "link": ["c", "a"]}),
        ev(50, "crash", "b", data={"mode": "fail_silent", "state": "lost", "cause": "scheduled"}),
        ev(60, "send", "a", 4, "c", {"size": 64}),
        ev(70, "deliver", "c", 4, "a", {"latency": 10 * MS}),
        ev(80, "recover", "b", data={"cause": "scheduled"}),
    ]
    header = {"scenario": {
        "hosts": [{"id": "a", "clock": {"offset": 5 * MS, "drift_ppm": 100_000.0, "resolution": 1}},
                  {"id": "b"}, {"id": "c"}],
        "run": {"duration": 100 * MS}}}
    return Timeline(header, [e._replace(seq=i) for i, e in enumerate(events)])


def many_events(n: int, hosts: int = 8) -> Timeline:
    """``n`` sends and deliveries between ``hosts`` hosts, 1 µs apart (too many to draw one by one)."""
    names = [f"h{i}" for i in range(hosts)]
    events = []
    for k in range(n // 2):
        src, dst = names[k % hosts], names[(k + 1) % hosts]
        t = 2 * k * 1000
        events.append(TraceEvent(len(events), t, "send", src, t, k + 1, dst, {"size": 64}))
        events.append(TraceEvent(len(events), t + 1000, "deliver", dst, t + 1000, k + 1, src,
                                 {"latency": 1000}))
    return Timeline({}, events)


@pytest.fixture
def layout() -> DiagramLayout:
    lay = DiagramLayout()
    lay.set_timeline(small_timeline())
    return lay


def test_the_layout_imports_no_qt():
    code = ("import sys\n"
            "import sandbox.gui.spacetime\n"
            "import sandbox.gui.spacetime.layout, sandbox.gui.spacetime.frame\n"
            "qt = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph')]\n"
            "print(','.join(qt))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_a_new_timeline_shows_the_whole_run_on_real_time(layout):
    assert layout.axis is None and layout.time == 0 and layout.follow
    assert layout.full == (0.0, 100 * MS)
    assert layout.window == (-1 * MS, 101 * MS)          # 1 % more on each side
    frame = layout.frame(WIDTH, HEIGHT, LABELS)
    assert frame.plot == Rect(LABELS, RULER_H, WIDTH - LABELS - 12, HEIGHT - RULER_H - 4)
    assert frame.detail and frame.pos.tolist() == list(range(11))


def test_real_time_maps_linearly_to_pixels(layout):
    layout.set_window(0, 100 * MS)
    frame = layout.frame(WIDTH, HEIGHT, LABELS)
    assert layout.cursor_x(frame, 0) == pytest.approx(frame.plot.left)
    assert layout.cursor_x(frame, 100 * MS) == pytest.approx(frame.plot.right)
    assert layout.cursor_x(frame, 25 * MS) == pytest.approx(frame.plot.left + frame.plot.width / 4)
    assert frame.scale == pytest.approx(frame.plot.width / (100 * MS))
    assert layout.value_at(frame, layout.cursor_x(frame, 37 * MS)) == pytest.approx(37 * MS)
    x, _y = layout.event_position(frame, 2)             # b sends m2 at 20 ms
    assert x == pytest.approx(layout.cursor_x(frame, 20 * MS))
    assert layout.event_position(frame, 99) is None


def test_a_hosts_local_clock_as_the_axis(layout):
    layout.set_window(0, 100 * MS)
    centre = layout.real_of_axis(sum(layout.window) / 2)
    assert layout.set_axis("a")
    assert layout.axis == "a"
    assert layout.real_of_axis(sum(layout.window) / 2) == pytest.approx(centre, abs=2)
    assert layout.axis_value(0) == 5 * MS and layout.axis_value(60 * MS) == 71 * MS
    assert layout.full == (5 * MS, 115 * MS)
    layout.set_window(5 * MS, 105 * MS)                 # the same span of a's clock
    frame = layout.frame(WIDTH, HEIGHT, LABELS)
    x0 = layout.event_position(frame, 0)[0]
    x8 = layout.event_position(frame, 8)[0]             # 60 ms of real time: 66 ms of a's clock
    assert x0 == pytest.approx(frame.plot.left)
    assert x8 - x0 == pytest.approx(0.66 * frame.plot.width)
    assert not layout.set_axis("a")                     # no change
    with pytest.raises(KeyError):
        layout.set_axis("nobody")
    assert layout.set_axis(None) and layout.axis_value(60 * MS) == 60 * MS


def test_lanes_are_spread_evenly_and_centred(layout):
    frame = layout.frame(WIDTH, HEIGHT, LABELS)
    assert frame.lane_h == 120                          # at most MAX_LANE pixels each
    assert np.diff(frame.lane_y).tolist() == [120, 120]
    middle = (frame.lane_y[0] + frame.lane_y[-1]) / 2
    assert middle == pytest.approx(frame.plot.centre_y)
    assert frame.content == 3 * 120
    y_a, y_b, y_c = frame.lane_y
    assert layout.event_position(frame, 1)[1] == y_b    # b's delivery on b's line
    assert layout.event_position(frame, 7)[1] == y_b    # b's crash
    drop = layout.event_position(frame, 6)[1]           # lost from c to a: 55 % of the way
    assert drop == pytest.approx(y_c + (y_a - y_c) * 0.55)


def test_lanes_that_do_not_fit_scroll_within_their_height():
    layout = DiagramLayout()
    layout.set_timeline(many_events(200, hosts=40))
    frame = layout.frame(WIDTH, 300, LABELS)
    assert frame.lane_h == 18 and frame.content == 40 * 18 > frame.plot.height
    assert frame.lane_y[0] == pytest.approx(frame.plot.top + 9)
    layout.set_vscroll(10_000)                          # beyond the end: kept to the last lane
    frame = layout.frame(WIDTH, 300, LABELS)
    assert layout.vscroll == frame.content - frame.plot.height
    assert frame.lane_y[-1] == pytest.approx(frame.plot.bottom - 9)
    tall = layout.frame(WIDTH, 2000, LABELS)            # everything fits: no scrolling
    assert layout.vscroll == 0 and tall.lane_y[0] > tall.plot.top


def test_zoom_keeps_the_anchor_in_place_and_stays_within_bounds(layout):
    layout.set_window(0, 100 * MS)
    layout.zoom(2.0, 20 * MS)
    a0, a1 = layout.window
    assert a1 - a0 == pytest.approx(50 * MS)
    assert (20 * MS - a0) / (a1 - a0) == pytest.approx(0.2)   # the anchor stays at 20 %
    layout.follow = False                               # (following, it is about the cursor)
    layout.zoom(0.5)                                    # around the centre
    assert sum(layout.window) / 2 == pytest.approx((a0 + a1) / 2)
    assert layout.window[1] - layout.window[0] == pytest.approx(100 * MS)
    layout.zoom(1e12)
    assert layout.window[1] - layout.window[0] == MIN_SPAN
    layout.zoom(1e-12)
    assert layout.window[1] - layout.window[0] == pytest.approx(102 * MS)  # the run and 2 %
    layout.set_window(10, 20)                           # narrower than the narrowest
    assert layout.window == (10, 10 + MIN_SPAN)
    layout.fit()
    assert layout.window == (-1 * MS, 101 * MS)


def test_pans_move_the_window_without_changing_its_width(layout):
    layout.set_window(0, 100 * MS)
    assert layout.dragged((0, 100 * MS), 100, 1000) == (-10 * MS, 90 * MS)   # drag right: back
    assert layout.wheel_panned(1) == pytest.approx((-10 * MS, 90 * MS))     # a tenth per step
    assert layout.wheel_panned(-2) == pytest.approx((20 * MS, 120 * MS))
    assert layout.window == (0, 100 * MS)               # only said, not done


def test_follow_jumps_the_window_when_the_cursor_leaves_it(layout):
    layout.set_window(0, 20 * MS)
    assert not layout.move_cursor(10 * MS) and layout.window == (0, 20 * MS)
    assert layout.move_cursor(75 * MS)                  # ahead: the cursor 10 % into the window
    a0, a1 = layout.window
    assert a1 - a0 == pytest.approx(20 * MS) and a0 == pytest.approx(73 * MS)
    assert layout.move_cursor(5 * MS)                   # behind: 90 % into it
    assert layout.window[0] == pytest.approx(-13 * MS)
    layout.follow = False
    assert not layout.move_cursor(90 * MS) and layout.time == 90 * MS
    assert layout.window[0] == pytest.approx(-13 * MS)


def test_the_scroll_bar_covers_the_run_and_half_a_window_either_side(layout):
    layout.set_window(0, 20 * MS)
    unit = layout.hbar_unit()
    bar = layout.hbar()
    assert bar.value == 0 and bar.page_step == int(20 * MS / unit)
    assert bar.minimum == int(-10 * MS / unit) and bar.maximum == int(90 * MS / unit)
    layout.scroll_to(bar.value + bar.page_step)
    a0, a1 = layout.window
    assert a0 == pytest.approx(20 * MS, rel=1e-6) and a1 - a0 == pytest.approx(20 * MS)


def test_a_click_hits_the_nearest_event_within_the_radius(layout):
    frame = layout.frame(WIDTH, HEIGHT, LABELS)
    x, y = layout.event_position(frame, 5)
    assert layout.hit(frame, x + 2, y - 2) == 5
    assert layout.hit(frame, x + HIT_RADIUS + 1, y) is None
    x, y = layout.event_position(frame, 4)              # c's corrupt and delivery share a spot
    assert layout.event_position(frame, 3) == (x, y)
    assert layout.hit(frame, x, y) == 4                 # the later one wins
    assert layout.hit(None, x, y) is None


def test_frames_are_kept_until_the_window_or_size_changes(layout):
    frame = layout.frame(WIDTH, HEIGHT, LABELS)
    assert layout.frame(WIDTH, HEIGHT, LABELS) is frame
    assert layout.cached_frame(WIDTH, HEIGHT) is frame
    assert layout.cached_frame(WIDTH + 1, HEIGHT) is None
    other = layout.frame(1200, 300, LABELS, screen=False)   # an export: not kept
    assert other is not frame and layout.cached_frame(WIDTH, HEIGHT) is frame
    layout.zoom(2.0)
    assert layout.cached_frame(WIDTH, HEIGHT) is None
    assert DiagramLayout().frame(WIDTH, HEIGHT, LABELS) is None   # no timeline


def test_too_many_events_are_a_density_strip_until_revealed():
    layout = DiagramLayout()
    tl = many_events(2 * DETAIL_LIMIT + 2)
    layout.set_timeline(tl)
    frame = layout.frame(WIDTH, HEIGHT, LABELS)
    assert not frame.detail and frame.i1 - frame.i0 == len(tl)
    assert frame.density_alpha.shape == (int(frame.plot.height), int(frame.plot.width))
    assert frame.density_rows.any() and frame.density_alpha[frame.density_rows].max() == 255
    assert not frame.density_alpha[~frame.density_rows].any()
    assert layout.event_position(frame, 1000) is None and layout.hit(frame, 100, 100) is None
    layout.reveal(1000, lambda: layout.frame(WIDTH, HEIGHT, LABELS))
    frame = layout.frame(WIDTH, HEIGHT, LABELS)
    assert frame.detail and layout.event_position(frame, 1000) is not None


def test_ruler_ticks_are_round_values_about_90_pixels_apart(layout):
    assert [nice_step(v) for v in (0.7, 1, 1.5, 3, 7, 40, -1)] == [1, 1, 2, 5, 10, 50, 1]
    layout.set_window(0, 100 * MS)
    frame = layout.frame(WIDTH, HEIGHT, LABELS)
    ticks = layout.ticks(frame)
    values = [v for v, _x in ticks]
    assert values[:3] == [0, 10 * MS, 20 * MS] and values[-1] == 100 * MS
    gaps = np.diff([x for _v, x in ticks])
    assert (gaps >= 90).all() and (gaps < 2.5 * 90).all()
    assert layout.tick_format(frame) == (1e6, "ms", 0)
    layout.set_window(0, 900)
    frame = layout.frame(WIDTH, HEIGHT, LABELS)
    assert layout.tick_format(frame) == (1.0, "ns", 0)
    assert math.isclose(layout.ticks(frame)[1][0], 100)


def test_selection_and_state_changes():
    tl = small_timeline()
    sel = Selection.of(tl, 2)                           # b sends m2 after receiving m1
    assert set(np.flatnonzero(sel.past).tolist()) == tl.causal_past(2) == {0, 1}
    assert set(np.flatnonzero(sel.future).tolist()) == tl.causal_future(2)
    assert state_change_times(tl).tolist() == [50 * MS, 80 * MS]   # b crashes and recovers
    assert state_change_times(None).tolist() == []
