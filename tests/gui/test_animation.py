"""Canvas animation: dots along links, drops, host states, cut links, clocks, memory, seeking."""

from __future__ import annotations

import math

import pytest
from handmade_trace import EVENTS, US, ev
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from sandbox.engine import Simulation
from sandbox.gui.canvas.animation import (
    ARRIVAL_AT,
    BLOCKED_AT,
    LOSS_AT,
    CanvasAnimator,
    format_clock,
    format_skew,
)
from sandbox.gui.canvas.items import HOST_HEIGHT, HOST_WIDTH, canvas_colours
from sandbox.gui.document import Document
from sandbox.presets import preset_path
from sandbox.scenario.io import load
from sandbox.trace import MemorySink
from sandbox.trace.timeline import Timeline


def header(document) -> dict:
    """The canvas fixture's scenario, with h2's clock 4.1 ms ahead and drifting."""
    scenario = document.scenario.model_dump(mode="json")
    scenario["hosts"][1]["clock"] = {"offset": 4_100_000, "drift_ppm": 0.0, "resolution": 1}
    scenario["run"] = {"duration": 1000 * US}
    return {"scenario": scenario}




@pytest.fixture
def anim(canvas):
    """An animator of the hand-made trace on the canvas fixture; effects last 30 µs."""
    tl = Timeline(header(canvas.document), EVENTS)
    animator = CanvasAnimator(canvas.scene, tl)
    animator.set_effect_window(30 * US)
    return animator


def dots(animator) -> dict[int, tuple[QPointF, str]]:
    return {m: (pos, style) for m, pos, style in animator.dot_positions()}


def crosses(animator) -> dict[int, tuple[QPointF, str]]:
    return {m: (pos, reason) for m, pos, reason in animator.crosses()}


def edge_points(a: tuple[float, float], b: tuple[float, float]) -> tuple[QPointF, QPointF]:
    """Where the line from card a's centre to card b's leaves a and enters b."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    s = min(HOST_WIDTH / 2 / abs(dx) if dx else math.inf,
            HOST_HEIGHT / 2 / abs(dy) if dy else math.inf)
    return QPointF(a[0] + dx * s, a[1] + dy * s), QPointF(b[0] - dx * s, b[1] - dy * s)


def near(p: QPointF, q: QPointF, tol: float) -> bool:
    return math.hypot(p.x() - q.x(), p.y() - q.y()) <= tol


def test_dot_travels_along_its_link_at_its_latency(anim):
    start, end = edge_points((0, 0), (300, 0))
    anim.set_time(25 * US)
    quarter = dots(anim)[1][0]
    anim.set_time(50 * US)
    half, style = dots(anim)[1]
    assert style == "normal"
    expected = start + (end - start) * 0.5
    assert abs(half.x() - expected.x()) < 0.5
    assert 0 < abs(half.y()) < 6  # on its lane, a few pixels beside the line
    assert start.x() < quarter.x() < half.x() < end.x()
    assert abs(quarter.x() - (start.x() + (end.x() - start.x()) * 0.25)) < 0.5
    anim.set_time(100 * US)  # delivered: no longer in flight
    assert 1 not in dots(anim)


def test_crash_greys_the_host_and_recovery_brings_it_back(anim, canvas):
    h3 = canvas.scene.host_item("h3")
    anim.set_time(10 * US)
    assert h3.state == "up"
    anim.set_time(20 * US)
    assert h3.state == "crashed"
    assert any(kind == "crash" for _, kind in anim.flashes())
    anim.set_time(150 * US)
    assert h3.state == "crashed"
    anim.set_time(200 * US)
    assert h3.state == "suspected"  # up again, but h1 still suspects it
    assert any(kind == "recover" for _, kind in anim.flashes())
    anim.set_time(210 * US)
    assert h3.state == "up"
    anim.set_time(360 * US)
    assert canvas.scene.host_item("h2").state == "paused"
    anim.set_time(450 * US)
    assert canvas.scene.host_item("h2").state == "up"


def test_suspected_hosts_are_flagged_with_who_suspects_them(anim, canvas):
    anim.set_time(75 * US)
    labels = anim.suspect_labels()
    assert len(labels) == 1
    (xy, text), = labels
    assert xy == canvas.scene.host_item("h3").xy and "h1" in text


def test_a_lost_message_ends_in_a_cross_where_it_was_lost(anim):
    anim.set_time(40 * US)
    assert 2 in dots(anim)
    anim.set_time(60 * US)
    assert 2 not in dots(anim)
    pos, reason = crosses(anim)[2]
    assert reason == "loss"
    start, end = edge_points((0, 0), (0, 200))
    expected = start + (end - start) * LOSS_AT
    assert near(pos, expected, 0.5)
    anim.set_time(85 * US)  # the cross lingers a while (here the 50 µs flight) ...
    assert 2 in crosses(anim)
    anim.set_time(111 * US)  # ... then it is gone
    assert 2 not in crosses(anim)


def test_a_message_to_a_crashed_host_ends_next_to_it(anim):
    anim.set_time(80 * US)
    pos, reason = crosses(anim)[3]
    assert reason == "crashed"
    start, end = edge_points((300, 0), (0, 200))
    assert near(pos, start + (end - start) * ARRIVAL_AT, 0.5)
    assert math.hypot(pos.x() - end.x(), pos.y() - end.y()) < 0.15 * math.hypot(
        end.x() - start.x(), end.y() - start.y())


def test_link_cut_and_partition_show_cut_links(anim, canvas):
    h1h2, h2h3, h1h3 = (canvas.scene.link_item(i) for i in range(3))
    anim.set_time(39 * US)
    assert not h1h2.is_cut
    anim.set_time(40 * US)
    assert h1h2.is_cut and not h2h3.is_cut and not h1h3.is_cut
    anim.set_time(120 * US)
    assert not h1h2.is_cut
    anim.set_time(300 * US)  # h1 alone on one side
    assert h1h2.is_cut and h1h3.is_cut and not h2h3.is_cut
    anim.set_time(400 * US)
    assert not any(it.is_cut for it in (h1h2, h2h3, h1h3))


def test_colours_mark_corrupted_byzantine_late_and_duplicate_messages(anim):
    anim.set_time(60 * US)
    d = dots(anim)
    assert d[4][1] == "byzantine"
    assert d[5][1] == "normal"  # not corrupted yet: it happens on the way
    assert d[6][1] == "normal+late"
    assert d[7][1] == "normal+dup"
    anim.set_time(100 * US)
    d = dots(anim)
    assert d[5][1] == "corrupted"
    # The duplicate travels beside its original, a few pixels to the side.
    orig, dup = d[6][0], d[7][0]
    gap = math.hypot(orig.x() - dup.x(), orig.y() - dup.y())
    assert 5 < gap < 12


def test_message_at_finds_the_dot_under_a_point(anim):
    anim.set_time(50 * US)
    pos = dots(anim)[1][0]
    assert anim.message_at(pos) == 1
    assert anim.message_at(pos + QPointF(2, -2)) == 1
    assert anim.message_at(QPointF(150, -150)) is None


def test_seeking_backwards_restores_the_earlier_state(anim, canvas):
    def snapshot():
        scene = canvas.scene
        return (sorted((m, round(p.x(), 3), round(p.y(), 3), s) for m, p, s in
                       anim.dot_positions()),
                sorted((m, r) for m, _, r in anim.crosses()),
                [it.state for it in scene.host_items()],
                [it.is_cut for it in scene.link_items()],
                [anim.clock_text(h) for h in ("h1", "h2", "h3")])

    anim.set_time(65 * US)
    before = snapshot()
    for t in (90, 130, 250, 310, 500, 65):
        anim.set_time(t * US)
    assert snapshot() == before
    fresh = CanvasAnimator(canvas.scene, anim.timeline)
    fresh.set_effect_window(30 * US)
    fresh.set_time(65 * US)
    assert [(m, s) for m, _, s in fresh.dot_positions()] == \
        [(m, s) for m, _, s in anim.dot_positions()]


def test_clock_readouts_show_local_time_and_skew(anim, canvas):
    anim.set_time(50 * US)
    assert anim.clock_text("h1") == "0.000050 s"  # a 1 ms run: microseconds
    assert anim.clock_text("h2") == "0.004150 s (+4.1 ms)"
    anim.selected_host = "h2"  # the selected host's readout has more digits
    assert anim.selected_host == "h2"
    assert anim.clock_text("h2") == "0.004150000 s (+4.1 ms)"
    assert anim.badge_rect("h2").contains(
        QPointF(300 + HOST_WIDTH / 2 - 20, -HOST_HEIGHT / 2))
    # The host cards leave their badge to the overlay while a run is shown ...
    assert canvas.scene.host_item("h2").clock_text() == ""
    anim.clear()
    # ... and get it back afterwards.
    assert canvas.scene.host_item("h2").clock_text() is not None
    assert anim.clock_text("h2") == ""


def test_format_clock_and_skew():
    assert format_clock(1_204_000_000, 4_100_000) == "1.204 s (+4.1 ms)"
    assert format_clock(1_204_000_000, 0) == "1.204 s"
    assert format_skew(-350_000) == "-350 µs"
    assert format_skew(12) == "+12 ns"
    assert format_skew(2_500_000_000) == "+2.5 s"
    assert format_skew(0) == "±0"


def test_memory_accesses_pulse_travel_and_heat_pages(anim, canvas):
    anim.set_time(330 * US)
    pulses = anim.pulses()
    assert len(pulses) == 1
    centre, age = pulses[0]
    h1 = canvas.scene.host_item("h1")
    assert h1.sceneBoundingRect().contains(centre) and 0 < age < 1
    anim.set_time(380 * US)
    pos, style = dots(anim)[8]
    assert style == "memory"
    # Remote: coloured by the cost of the access it serves (400 µs: expensive).
    assert anim.cost_colour(400_000).red() > anim.cost_colour(100).red()
    heat = anim.memory_heat(330 * US)
    assert set(heat) == {3} and 0 < heat[3] <= 1
    assert anim.memory_heat(0) == {}


def test_clear_and_no_timeline_restore_the_editor_look(anim, canvas):
    anim.set_time(300 * US)
    layer = anim.layer
    assert layer is not None and layer.scene() is canvas.scene
    anim.set_timeline(None)
    assert anim.layer is None and layer not in canvas.scene.items()
    assert all(it.state == "up" for it in canvas.scene.host_items())
    assert not any(it.is_cut for it in canvas.scene.link_items())
    assert anim.dot_positions() == [] and anim.message_at(QPointF(0, 0)) is None
    anim.set_time(50 * US)  # idle: nothing happens
    assert anim.layer is None


def test_dots_are_drawn_where_they_are(anim, canvas, qtbot):
    """The stamped sprites land on the dots' positions, on screen and in an export."""
    anim.set_time(50 * US)
    canvas.view.viewport().repaint()
    image = canvas.view.viewport().grab().toImage()
    highlight = canvas_colours(canvas.scene.palette()).highlight
    pos = dots(anim)[1][0]
    p = canvas.view.mapFromScene(pos)
    colour = QColor(image.pixel(p.x(), p.y()))
    assert abs(colour.hue() - highlight.hue()) < 20 and colour.saturation() > 100
    # The next frame is drawn afresh, not from the image of the previous one.
    anim.set_time(80 * US)
    canvas.view.viewport().repaint()
    image = canvas.view.viewport().grab().toImage()
    moved = canvas.view.mapFromScene(dots(anim)[1][0])
    assert abs(moved.x() - p.x()) > 20
    colour = QColor(image.pixel(moved.x(), moved.y()))
    assert abs(colour.hue() - highlight.hue()) < 20 and colour.saturation() > 100
    assert QColor(image.pixel(p.x(), p.y())).saturation() < 60  # gone from where it was
    anim.set_time(50 * US)
    # An export renders the scene without a widget: dots are drawn as shapes.
    area = canvas.view.viewport().rect()
    export = QImage(area.size(), QImage.Format.Format_ARGB32)
    export.fill(0)
    painter = QPainter(export)
    canvas.scene.render(painter, QRectF(area), canvas.view.mapToScene(area).boundingRect())
    painter.end()
    colour = QColor(export.pixel(p.x(), p.y()))
    assert abs(colour.hue() - highlight.hue()) < 20 and colour.saturation() > 100


def test_a_document_reset_gets_a_new_overlay(anim, canvas):
    anim.set_time(50 * US)
    canvas.document.reset.emit()
    anim.set_time(60 * US)
    assert anim.layer is not None and anim.layer.scene() is canvas.scene
    assert 1 in dots(anim)


def test_effects_follow_the_playback_speed(anim):
    anim.set_effect_window(None)
    anim.set_speed(2.0)
    assert anim.effect_window == int(0.6 * 2.0 * 1e9)
    anim.set_speed(0.001)
    assert anim.effect_window == int(0.6 * 0.001 * 1e9)


def test_a_preset_run_animates(qtbot):
    """crash_heartbeat: messages fly, p1 crashes at 2 s, its incoming heartbeats end in crosses."""
    from sandbox.gui.canvas import CanvasScene, CanvasView

    scenario = load(preset_path("crash_heartbeat"))
    sink = MemorySink()
    Simulation(scenario, sink).run()
    tl = Timeline(sink.header, sink.events)
    scene = CanvasScene(Document(scenario))
    view = CanvasView(scene)
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    animator = CanvasAnimator(scene, tl)
    animator.set_speed(0.01)
    crash = next(e for e in tl.events if e.kind == "crash")
    drop = next(e for e in tl.events if e.kind == "drop" and e.t > crash.t)
    animator.set_time(crash.t - 1)
    assert scene.host_item(crash.host).state == "up"
    animator.set_time(drop.t)
    assert scene.host_item(crash.host).state == "crashed"
    assert drop.msg in {m for m, _, _ in animator.crosses()}
    assert animator.dot_positions()
    view.viewport().repaint()


def test_routed_messages_follow_their_path_and_blocked_ones_stop_at_the_cut(canvas):
    events = [
        ev(0, 0, "send", "h1", 1, "h3", {"size": 64, "path": ["h1", "h2", "h3"]}),
        ev(1, 10, "link_cut", "", data={"link": ["h2", "h3"]}),
        ev(2, 20, "send", "h2", 2, "h3", {"size": 64}),
        ev(3, 20, "drop", "h2", 2, "h3", {"reason": "link_cut", "link": ["h2", "h3"]}),
        ev(4, 200, "deliver", "h3", 1, "h1", {"latency": 200 * US}),
    ]
    animator = CanvasAnimator(canvas.scene, Timeline(header(canvas.document), events))
    animator.set_effect_window(30 * US)
    a, b = edge_points((0, 0), (300, 0))
    c, d = edge_points((300, 0), (0, 200))
    first = math.hypot(b.x() - a.x(), b.y() - a.y())
    second = math.hypot(d.x() - c.x(), d.y() - c.y())
    animator.set_time(20 * US)  # 10 % of the way: on the first hop
    pos = dots(animator)[1][0]
    assert abs(pos.y()) < 6 and a.x() < pos.x() < b.x()
    animator.set_time(190 * US)  # 95 %: on the second hop, near h3
    pos = dots(animator)[1][0]
    along = 0.95 * (first + second) - first
    expected = c + (d - c) * (along / second)
    assert near(pos, expected, 6)
    # Stopped as it was sent, at the start of the cut link.
    pos, reason = crosses(animator)[2] if 2 in crosses(animator) else (None, None)
    assert pos is None  # long gone at 190 µs
    animator.set_time(20 * US)
    pos, reason = crosses(animator)[2]
    assert reason == "link_cut"
    assert near(pos, c + (d - c) * BLOCKED_AT, 0.5)


def test_a_byzantine_host_is_marked(canvas):
    events = [ev(0, 10, "byzantine", "h2", data={"behaviour": "equivocate", "probability": 1.0}),
              ev(1, 20, "byzantine", "h2", data={"behaviour": "equivocate", "probability": 0.0})]
    animator = CanvasAnimator(canvas.scene, Timeline(header(canvas.document), events))
    item = canvas.scene.host_item("h2")
    assert item.state == "up"
    animator.set_time(15 * US)
    assert item.state == "byzantine"
    animator.set_time(25 * US)
    assert item.state == "up"
