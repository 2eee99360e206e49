"""What a space-time layout computes, without Qt: rectangles, frames, the selection, helpers.

A :class:`Frame` is the window of the axis placed on a canvas of some size:
the plot, a lane per host and where each event and message in view is
drawn (or a density image when too many are). :class:`Selection` is a
selected event with its causal past and future.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from sandbox.trace.timeline import Timeline

__all__ = ["DETAIL_LIMIT", "DROP_AT", "PER_PIXEL", "Frame", "HBar", "Rect", "Selection",
           "clip_segments", "nice_step", "state_change_times"]

#: Above this many events in view, events are drawn as a density strip per host.
DETAIL_LIMIT = 20_000
#: Above this many events per pixel of width, events are drawn as a density strip too.
PER_PIXEL = 6

#: Where between the sender's line (0) and the receiver's (1) a dropped message ends.
DROP_AT = {"crashed": 0.85, "omission": 0.85, "no_route": 0.0, "partition": 0.35,
           "link_cut": 0.35, "loss": 0.55, "injected": 0.55}


@dataclass(frozen=True)
class Rect:
    """A rectangle in pixels: left, top, width and height (what a QRectF holds)."""

    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        """The x of the right edge."""
        return self.left + self.width

    @property
    def bottom(self) -> float:
        """The y of the bottom edge."""
        return self.top + self.height

    @property
    def centre_y(self) -> float:
        """The y of the middle."""
        return self.top + self.height / 2


def _empty_int() -> np.ndarray:
    return np.empty(0, dtype=np.int64)


def _empty() -> np.ndarray:
    return np.empty(0)


@dataclass
class Frame:
    """What is in view for one window, size and axis (the cursor is not part of it).

    ``plot`` is the rectangle of the lanes; ``lane_y`` the y of each host's
    line (``lane_h`` apart). In ``detail`` mode, ``pos`` are the positions
    in the timeline of the events in view, drawn at ``x``, ``y``, and
    ``msgs`` the messages crossing the window with their (clipped) segments
    ``mx0, my0 -> mx1, my1`` (``mend``: the segment still ends where the
    message does). Otherwise ``density_alpha`` is an image (rows x columns
    of the plot) of how many events each pixel column of a host holds,
    painted on the rows in ``density_rows``.
    """

    key: tuple
    plot: Rect
    lane_h: float
    lane_y: np.ndarray
    t0: int
    t1: int
    i0: int
    i1: int
    detail: bool
    a0: float
    a1: float
    content: float
    pos: np.ndarray = field(default_factory=_empty_int)
    x: np.ndarray = field(default_factory=_empty)
    y: np.ndarray = field(default_factory=_empty)
    msgs: np.ndarray = field(default_factory=_empty_int)
    mx0: np.ndarray = field(default_factory=_empty)
    my0: np.ndarray = field(default_factory=_empty)
    mx1: np.ndarray = field(default_factory=_empty)
    my1: np.ndarray = field(default_factory=_empty)
    mend: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    density_alpha: np.ndarray | None = None
    density_rows: np.ndarray | None = None

    @property
    def scale(self) -> float:
        """Pixels per ns of the axis."""
        return self.plot.width / (self.a1 - self.a0)

    def x_of_value(self, value: float) -> float:
        """The x of the axis value ``value``."""
        return self.plot.left + (value - self.a0) * self.scale

    def x_of_values(self, values: np.ndarray) -> np.ndarray:
        """The x of each axis value in ``values``."""
        return self.plot.left + (values - self.a0) * self.scale


class HBar(NamedTuple):
    """The settings of the horizontal scroll bar for a window (units of :meth:`DiagramLayout.hbar_unit`)."""

    minimum: int
    maximum: int
    page_step: int
    single_step: int
    value: int


@dataclass
class Selection:
    """A selected event and its causal past and future (a flag per event of the timeline), and
    the events marked as related to it (those that explain a broken guarantee)."""

    seq: int
    past: np.ndarray
    future: np.ndarray
    related: tuple[int, ...] = ()

    @classmethod
    def of(cls, tl: Timeline, seq: int, related: tuple[int, ...] = ()) -> Selection:
        """The selection of event ``seq`` of ``tl`` (``related``: positions marked with it)."""
        n = len(tl)
        past = np.zeros(n, dtype=bool)
        future = np.zeros(n, dtype=bool)
        p = tl.causal_past(seq)
        f = tl.causal_future(seq)
        if p:
            past[np.fromiter(p, np.int64, len(p))] = True
        if f:
            future[np.fromiter(f, np.int64, len(f))] = True
        return cls(seq, past, future, tuple(r for r in related if 0 <= r < n and r != seq))


def nice_step(raw: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten not below ``raw`` (ruler ticks)."""
    if raw <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * mag >= raw:
            return float(m * mag)
    return float(10 * mag)


def clip_segments(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray, xmin: float,
                  xmax: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut segments to ``xmin <= x <= xmax``; also says which ends were kept."""
    dx, dy = x1 - x0, y1 - y0
    with np.errstate(divide="ignore", invalid="ignore"):
        ta = np.where(dx != 0, (xmin - x0) / dx, -np.inf)
        tb = np.where(dx != 0, (xmax - x0) / dx, np.inf)
    enter = np.clip(np.minimum(ta, tb), 0.0, 1.0)
    leave = np.clip(np.maximum(ta, tb), 0.0, 1.0)
    leave = np.maximum(leave, enter)
    kept = leave >= 1.0
    return (x0 + enter * dx, y0 + enter * dy, x0 + leave * dx, y0 + leave * dy, kept)


def state_change_times(tl: Timeline | None) -> np.ndarray:
    """The sorted times at which some host crashes, recovers, pauses or resumes."""
    if tl is None:
        return np.empty(0, dtype=np.int64)
    times = [t for h in tl.hosts for a, b, _status in tl.status_intervals(h) for t in (a, b)]
    return np.unique(np.asarray(times, dtype=np.int64))
