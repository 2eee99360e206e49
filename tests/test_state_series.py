"""Numeric protocol state over time (trace.series.state_series), Qt-free."""

from __future__ import annotations

import math

from sandbox.trace import TraceEvent
from sandbox.trace.series import state_series


def ev(seq, t, kind, host, data=None):
    return TraceEvent(seq, t, kind, host, t, None, None, data)


def test_numbers_become_steps_per_host_and_a_crash_is_a_gap():
    events = [
        ev(0, 10, "state", "a", {"role": "follower", "term": 1}),
        ev(1, 20, "state", "b", {"term": 1, "flag": True}),
        ev(2, 30, "state", "a", {"term": 2}),
        ev(3, 30, "state", "a", {"term": 3}),  # the last report of an instant stands
        ev(4, 40, "crash", "a", {}),
        ev(5, 50, "state", "a", {"term": 3, "commit": 1.5}),
        ev(6, 60, "state", "b", {"term": None}),
    ]
    s = state_series(events)
    assert s.fields == ["term", "commit"]  # text and flags are not plotted
    t, y = s.values["term"]["a"]
    assert t.tolist() == [10, 30, 40, 50]
    assert y[:2].tolist() == [1, 3] and math.isnan(y[2]) and y[3] == 3
    t, y = s.values["term"]["b"]
    assert t.tolist() == [20, 60] and y[0] == 1 and math.isnan(y[1])  # cleared
    assert s.values["commit"]["a"][1].tolist() == [1.5]


def test_a_field_that_is_sometimes_text_is_not_plotted_and_no_state_is_empty():
    events = [ev(0, 1, "state", "a", {"leader": 3}), ev(1, 2, "state", "a", {"leader": "b"})]
    assert state_series(events).fields == []
    assert state_series([]).fields == [] and state_series([ev(0, 1, "send", "a")]).values == {}


def test_a_value_beyond_what_an_axis_can_show_is_not_drawn():
    events = [ev(0, 1, "state", "a", {"term": 1}), ev(1, 2, "state", "a", {"term": 1e300}),
              ev(2, 3, "state", "a", {"term": 10**30}), ev(3, 4, "state", "a", {"term": 5})]
    y = state_series(events).values["term"]["a"][1]
    assert y[0] == 1 and math.isnan(y[1]) and math.isnan(y[2]) and y[3] == 5
