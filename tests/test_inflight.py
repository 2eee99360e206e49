"""What is in flight at time t, without Qt: positions, styles, drops, host marks, clocks, memory."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from handmade_trace import EVENTS, US, ev

from sandbox.scenario import Host, Link, Scenario
from sandbox.trace.inflight import (
    ARRIVAL_AT,
    BLOCKED_AT,
    LATE_OFFSET,
    LOSS_AT,
    STYLE_BYZANTINE,
    STYLE_CORRUPTED,
    STYLE_MEMORY,
    STYLE_NAMES,
    STYLE_NORMAL,
    InFlight,
    clip_ends,
    clock_digits,
)
from sandbox.trace.timeline import Timeline

CARD = (156.0, 52.0)  # the canvas's host card
PLACES = {"h1": (0.0, 0.0), "h2": (300.0, 0.0), "h3": (0.0, 200.0)}
WINDOW = 30 * US


def header() -> dict:
    """Three hosts in a triangle, h2's clock 4.1 ms ahead; a 1 ms run."""
    hosts = [Host(id=h, x=x, y=y) for h, (x, y) in PLACES.items()]
    links = [Link(a="h1", b="h2"), Link(a="h2", b="h3"), Link(a="h1", b="h3")]
    scenario = Scenario(title="Test", hosts=hosts, links=links).model_dump(mode="json")
    scenario["hosts"][1]["clock"] = {"offset": 4_100_000, "drift_ppm": 0.0, "resolution": 1}
    scenario["run"] = {"duration": 1000 * US}
    return {"scenario": scenario}




def centres(tl: Timeline, places=PLACES) -> tuple[np.ndarray, np.ndarray]:
    """The hosts' centres by host code, NaN for a host not placed and for code -1."""
    hx = np.array([places.get(h, (math.nan, math.nan))[0] for h in tl.hosts] + [math.nan])
    hy = np.array([places.get(h, (math.nan, math.nan))[1] for h in tl.hosts] + [math.nan])
    return hx, hy


@pytest.fixture
def flight() -> InFlight:
    return InFlight(Timeline(header(), EVENTS), CARD)


def at(flight: InFlight, t_us: int, places=PLACES):
    return flight.frame(t_us * US, WINDOW, *centres(flight.timeline, places))


def dots(frame) -> dict[int, tuple[float, float, int, bool]]:
    return {i: (x, y, s, d) for i, x, y, s, d in zip(
        frame.ids.tolist(), frame.x.tolist(), frame.y.tolist(), frame.style.tolist(),
        frame.dup.tolist(), strict=True)}


def crosses(frame) -> dict[int, tuple[float, float, str]]:
    return {i: (x, y, r) for i, x, y, r in zip(
        frame.cross_ids.tolist(), frame.cross_x.tolist(), frame.cross_y.tolist(),
        frame.cross_reason, strict=True)}


def edge(a: str, b: str, s: float) -> tuple[float, float]:
    """The point ``s`` of the way from where a's card is left to where b's is entered."""
    (ax, ay), (bx, by) = PLACES[a], PLACES[b]
    dx, dy = bx - ax, by - ay
    k = min(CARD[0] / 2 / abs(dx) if dx else math.inf, CARD[1] / 2 / abs(dy) if dy else math.inf)
    x0, y0, x1, y1 = ax + dx * k, ay + dy * k, bx - dx * k, by - dy * k
    return x0 + (x1 - x0) * s, y0 + (y1 - y0) * s


def close(p: tuple[float, float], q: tuple[float, float], tol: float = 1e-6) -> bool:
    return math.hypot(p[0] - q[0], p[1] - q[1]) <= tol


def test_importing_it_loads_no_qt():
    code = ("import sys, sandbox.trace.inflight; "
            "bad = [m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'shiboken6', 'pyqtgraph') or m.startswith('sandbox.gui')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_message_moves_along_its_link_at_its_latency(flight):
    quarter = dots(at(flight, 25))[1]
    frame = at(flight, 50)
    half = dots(frame)[1]
    assert close(quarter[:2], edge("h1", "h2", 0.25))
    assert close(half[:2], edge("h1", "h2", 0.5))
    assert half[2] == STYLE_NORMAL and not half[3]
    # Its lane is on the right-hand side of its direction (h1 -> h2 goes +x: lane +y).
    k = frame.ids.tolist().index(1)
    assert (frame.nx[k], frame.ny[k]) == (pytest.approx(0.0), pytest.approx(1.0))
    assert 1 not in dots(at(flight, 100))  # delivered: no longer in flight


def test_styles_say_corrupted_byzantine_late_and_duplicate(flight):
    d = dots(at(flight, 60))
    assert d[4][2] == STYLE_BYZANTINE
    assert d[5][2] == STYLE_NORMAL  # not corrupted yet: it happens on the way
    assert d[6][2] == STYLE_NORMAL + LATE_OFFSET and not d[6][3]
    assert d[7][2] == STYLE_NORMAL and d[7][3]  # the duplicate
    assert dots(at(flight, 100))[5][2] == STYLE_CORRUPTED
    assert STYLE_NAMES[STYLE_CORRUPTED] == "corrupted"


def test_a_lost_message_ends_where_it_was_lost_and_lingers_a_while(flight):
    assert 2 in dots(at(flight, 40))
    frame = at(flight, 60)
    assert 2 not in dots(frame)
    x, y, reason = crosses(frame)[2]
    assert reason == "loss"
    assert close((x, y), edge("h1", "h3", LOSS_AT))
    k = frame.cross_ids.tolist().index(2)
    assert frame.cross_alpha[k] == pytest.approx(1.0)
    assert (frame.cross_ux[k], frame.cross_uy[k]) == (pytest.approx(0.0), pytest.approx(1.0))
    later = at(flight, 85)  # the cross lingers for the 50 µs flight, fading ...
    assert 0 < later.cross_alpha[later.cross_ids.tolist().index(2)] < 1
    assert 2 not in crosses(at(flight, 111))  # ... then it is gone


def test_a_message_to_a_host_that_is_down_ends_next_to_it(flight):
    x, y, reason = crosses(at(flight, 80))[3]
    assert reason == "crashed"
    assert close((x, y), edge("h2", "h3", ARRIVAL_AT))


def test_routed_messages_follow_their_path_and_blocked_ones_stop_at_the_cut():
    events = [
        ev(0, 0, "send", "h1", 1, "h3", {"size": 64, "path": ["h1", "h2", "h3"]}),
        ev(1, 10, "link_cut", "", data={"link": ["h2", "h3"]}),
        ev(2, 20, "send", "h2", 2, "h3", {"size": 64}),
        ev(3, 20, "drop", "h2", 2, "h3", {"reason": "link_cut", "link": ["h2", "h3"]}),
        ev(4, 200, "deliver", "h3", 1, "h1", {"latency": 200 * US}),
    ]
    flight = InFlight(Timeline(header(), events), CARD)
    first = math.dist(edge("h1", "h2", 0), edge("h1", "h2", 1))
    second = math.dist(edge("h2", "h3", 0), edge("h2", "h3", 1))
    frame = at(flight, 20)  # 10 % of the way: on the first hop
    assert close(dots(frame)[1][:2], edge("h1", "h2", 0.1 * (first + second) / first))
    x, y, reason = crosses(frame)[2]
    assert reason == "link_cut" and close((x, y), edge("h2", "h3", BLOCKED_AT))
    late = at(flight, 190)  # 95 %: on the second hop
    along = (0.95 * (first + second) - first) / second
    assert close(dots(late)[1][:2], edge("h2", "h3", along))
    assert 2 not in crosses(late)  # long gone


def test_messages_of_a_host_not_shown_are_left_out(flight):
    shown = {h: p for h, p in PLACES.items() if h != "h3"}
    frame = at(flight, 60, shown)
    assert set(dots(frame)) == {1, 4}  # h1 <-> h2; every other one involves h3
    assert not len(frame.cross_ids)


def test_host_marks_crashed_suspected_paused_and_cut_links(flight):
    def marks(t_us):
        return flight.host_marks(t_us * US)

    assert marks(10).status == {"h1": "up", "h2": "up", "h3": "up"}
    assert marks(20).status["h3"] == "crashed"
    assert marks(75).suspecters == {"h3": ["h1"]}
    assert marks(200).status["h3"] == "suspected"  # up again, but h1 still suspects it
    assert marks(210).status["h3"] == "up" and marks(210).suspecters == {}
    assert marks(360).status["h2"] == "paused" and marks(450).status["h2"] == "up"
    assert not marks(39).link_cut("h1", "h2")
    m = marks(40)
    assert m.link_cut("h1", "h2") and m.link_cut("h2", "h1") and not m.link_cut("h1", "h3")
    assert not marks(120).link_cut("h1", "h2")
    m = marks(300)  # h1 alone on one side
    assert m.link_cut("h1", "h2") and m.link_cut("h1", "h3") and not m.link_cut("h2", "h3")
    assert not m.link_cut("h1", "nowhere")
    assert flight.state_epoch(39 * US) < flight.state_epoch(40 * US)
    assert flight.state_epoch(41 * US) == flight.state_epoch(45 * US)


def test_flashes_mark_a_crash_and_a_recovery(flight):
    assert [(x, y, kind) for x, y, _, kind in at(flight, 20).flashes] == [(0.0, 200.0, "crash")]
    (_, _, age, kind), = at(flight, 215).flashes
    assert kind == "recover" and age == pytest.approx(0.5)
    assert at(flight, 260).flashes == []


def test_clock_readings_and_their_digits(flight):
    assert flight.clock_reading("h1", 50 * US) == (50 * US, 0)
    assert flight.clock_reading("h2", 50 * US) == (50 * US + 4_100_000, 4_100_000)
    assert flight.clock_reading("nowhere", 50 * US) is None
    assert clock_digits(1_000_000) == 6  # a 1 ms run: microseconds
    assert clock_digits(10_000_000_000) == 3
    assert clock_digits(10_000_000_000, speed=0.001) == 5  # slow playback: more digits


def test_memory_accesses_pulse_travel_by_cost_and_heat_pages(flight):
    (x, y, age, cost), = at(flight, 330).pulses
    assert (x, y, cost) == (0.0, 0.0, 100.0) and 0 < age < 1
    (_, _, style, _), = [d for i, d in dots(at(flight, 380)).items() if i == 8]
    # Remote: binned by the cost of the access it serves (400 µs: the dearest bin).
    assert STYLE_NAMES[style] == "memory" and style > STYLE_MEMORY
    assert flight.cost_fraction(400_000) > flight.cost_fraction(100) == 0.0
    heat = flight.memory_heat(330 * US, WINDOW)
    assert set(heat) == {3} and 0 < heat[3] <= 1
    assert flight.memory_heat(0, WINDOW) == {}


def test_a_frame_depends_only_on_its_time(flight):
    def snapshot(frame):
        return (sorted((i, round(x, 6), round(y, 6), s, d) for i, (x, y, s, d)
                       in dots(frame).items()),
                sorted((i, r) for i, (_, _, r) in crosses(frame).items()))

    before = snapshot(at(flight, 65))
    for t in (90, 130, 250, 310, 500, 65):
        frame = at(flight, t)
    assert snapshot(frame) == before
    assert snapshot(at(InFlight(flight.timeline, CARD), 65)) == before
    assert at(flight, 65).serial != frame.serial


def test_clip_ends_meets_the_card_edges_and_half_way_when_cards_overlap():
    ax, ay, bx, by = clip_ends(np.array([0.0, 0.0]), np.array([0.0, 0.0]),
                               np.array([300.0, 10.0]), np.array([0.0, 0.0]), 78.0, 26.0)
    assert (ax[0], bx[0]) == (78.0, 222.0) and (ay[0], by[0]) == (0.0, 0.0)
    assert ax[1] == bx[1] == 5.0
