"""Where things go in the space-time diagram, without Qt: time to pixels, lanes, zoom, follow.

The axis is real time or one host's local clock (an event is then placed at
that host's reading of the clock at the event's real time). A
:class:`DiagramLayout` holds the visible window of that axis, the time
cursor and the follow mode, and changes them the way zoom, pan, the scroll
bars and the player do. For a size in pixels it computes a :class:`Frame`:
the plot rectangle, a lane per host, the events and message segments of
the window placed on it, or a density strip per host when too many events
are in view. Hit-testing and the positions of events are read off a frame.
Nothing here imports Qt, so all of it is tested without a display.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sandbox.trace.timeline import END_DROP, END_NONE, Timeline

from .frame import (
    DETAIL_LIMIT,
    DROP_AT,
    PER_PIXEL,
    Frame,
    HBar,
    Rect,
    Selection,
    clip_segments,
    nice_step,
    state_change_times,
)

__all__ = ["DETAIL_LIMIT", "HIT_RADIUS", "MIN_SPAN", "RULER_H", "DiagramLayout", "Frame",
           "HBar", "Rect", "Selection", "state_change_times"]

#: The height of the time ruler above the plot, in pixels.
RULER_H = 26
#: The smallest and largest height of a host's lane, in pixels.
MIN_LANE = 18
MAX_LANE = 120
#: How far from an event (in pixels) a click still hits it.
HIT_RADIUS = 8.0
#: The narrowest window, in ns of the axis.
MIN_SPAN = 200.0


class DiagramLayout:
    """The window of the axis in view, the time cursor and the follow mode, mapped to pixels.

    ``set_timeline`` shows a trace (whole run, real-time axis);
    ``move_cursor`` moves the cursor and, with follow on, the window;
    ``set_axis``, ``set_window``, ``zoom``, ``fit`` and the scroll bar
    methods change what is in view (``dragged`` and ``wheel_panned`` say
    where a pan leads); ``frame(width, height, label_width)`` places the
    window on a canvas of that size (the last one is kept until the window,
    size or axis changes, or :meth:`forget_frame` is called).
    """

    def __init__(self) -> None:
        self._tl: Timeline | None = None
        self._time = 0
        self._axis: str | None = None
        self._a0 = 0.0
        self._a1 = 1.0
        self._full = (0.0, 1.0)
        self._vscroll = 0.0
        self.follow = True
        self._frame: Frame | None = None

    # -- state ---------------------------------------------------------------------------
    @property
    def timeline(self) -> Timeline | None:
        """The timeline laid out."""
        return self._tl

    @property
    def time(self) -> int:
        """The real time of the cursor (ns)."""
        return self._time

    @property
    def axis(self) -> str | None:
        """The host whose local clock is the axis (None: real time)."""
        return self._axis

    @property
    def window(self) -> tuple[float, float]:
        """The visible range of the axis (ns of real time or of the axis host's clock)."""
        return self._a0, self._a1

    @property
    def full(self) -> tuple[float, float]:
        """The range of the axis that the whole run covers."""
        return self._full

    @property
    def vscroll(self) -> float:
        """How many pixels the lanes are scrolled up (when they do not all fit)."""
        return self._vscroll

    def set_timeline(self, tl: Timeline | None) -> None:
        """Lay out ``tl``: real-time axis, cursor at 0, the whole run in view."""
        self._tl = tl
        self._axis = None
        self._time = 0
        self._frame = None
        self._update_full()
        self.fit()

    # -- the axis ------------------------------------------------------------------------
    def axis_value(self, t: int) -> float:
        """The axis value at real time ``t``."""
        if self._axis is None or self._tl is None:
            return float(t)
        return float(self._tl.local_time(self._axis, int(t)))

    def axis_values(self, ts: np.ndarray) -> np.ndarray:
        """The axis values at the real times ``ts``."""
        if self._axis is None or self._tl is None:
            return ts.astype(np.float64)
        return self._tl.local_time(self._axis, ts).astype(np.float64)

    def real_of_axis(self, a: float) -> int:
        """A real time at which the axis reads about ``a``."""
        if self._axis is None or self._tl is None:
            return int(a)
        span = self._tl.real_span_for_local(self._axis, int(a), int(a))
        if span is None:
            return int(a)
        return (span[0] + span[1]) // 2

    def real_span(self, a0: float, a1: float) -> tuple[int, int] | None:
        """The real times during which the axis reads between ``a0`` and ``a1`` (None: never)."""
        if self._axis is None or self._tl is None:
            return int(math.floor(a0)), int(math.ceil(a1))
        return self._tl.real_span_for_local(self._axis, int(math.floor(a0)), int(math.ceil(a1)))

    def _update_full(self) -> None:
        tl = self._tl
        end = tl.end if tl is not None else 1_000_000_000
        end = max(end, 1)
        if self._axis is None or tl is None:
            self._full = (0.0, float(end))
        else:
            ts = np.linspace(0, end, 513).astype(np.int64)
            values = self.axis_values(ts)
            self._full = (float(values.min()), float(values.max()))
            if self._full[1] <= self._full[0]:
                self._full = (self._full[0], self._full[0] + 1.0)

    def set_axis(self, host: str | None) -> bool:
        """Use ``host``'s clock as the axis (None: real time), keeping the same moment in view.

        Returns whether the axis changed; raises ``KeyError`` for a host not in the timeline.
        """
        if self._tl is not None and host is not None and host not in self._tl.host_index:
            raise KeyError(host)
        if host == self._axis:
            return False
        centre_t = self.real_of_axis((self._a0 + self._a1) / 2)
        span = self._a1 - self._a0
        self._axis = host
        self._update_full()
        centre = self.axis_value(centre_t)
        self.set_window(centre - span / 2, centre + span / 2)
        return True

    # -- the window ----------------------------------------------------------------------
    def set_window(self, a0: float, a1: float) -> None:
        """Show the range ``[a0, a1]`` of the axis (at least :data:`MIN_SPAN` wide)."""
        span = max(a1 - a0, MIN_SPAN)
        self._a0, self._a1 = float(a0), float(a0 + span)
        self._frame = None

    def zoom(self, factor: float, anchor: float | None = None) -> None:
        """Zoom in (``factor`` > 1) or out around the axis value ``anchor``.

        Without an anchor (the toolbar's buttons) the zoom is about the time
        cursor when following it, which stays where it is on screen (or comes
        to the centre when it was out of view); else about the centre of the
        window. The window stays between :data:`MIN_SPAN` and a little more
        than the whole run.
        """
        if anchor is None:
            following = self.follow and self._tl is not None
            anchor = self.axis_value(self._time) if following else (self._a0 + self._a1) / 2
        span = (self._a1 - self._a0) / factor
        full = self._full[1] - self._full[0]
        span = min(max(span, MIN_SPAN), max(full * 1.02, MIN_SPAN))
        frac = (anchor - self._a0) / (self._a1 - self._a0) if self._a1 > self._a0 else 0.5
        if not 0.0 <= frac <= 1.0:
            frac = 0.5  # an anchor out of view (the cursor was): it comes to the centre
        a0 = anchor - frac * span
        self.set_window(a0, a0 + span)

    def keep_window(self, window: tuple[float, float]) -> bool:
        """Show ``window`` of the axis again (after a new run of the same scenario) when it is
        a zoomed-in part of the run that still lies within it (at most half a window out, as
        the scroll bar allows); returns whether it did (else the window is left as it is)."""
        if self._tl is None:
            return False
        lo, hi = self._full
        a0, a1 = window
        span = a1 - a0
        if not 0 < span < (hi - lo) or a0 < lo - span / 2 or a1 > hi + span / 2:
            return False
        self.set_window(a0, a1)
        return True

    def fit(self) -> None:
        """Show the whole run (and 1 % more on each side)."""
        lo, hi = self._full
        pad = (hi - lo) * 0.01
        self.set_window(lo - pad, hi + pad)

    def wheel_panned(self, steps: float) -> tuple[float, float]:
        """The window moved back by a tenth of its width per wheel step (``steps`` < 0: forward)."""
        span = self._a1 - self._a0
        shift = -steps * span * 0.1
        return self._a0 + shift, self._a1 + shift

    @staticmethod
    def dragged(start: tuple[float, float], dx: float, width: float) -> tuple[float, float]:
        """The window ``start`` panned by a drag of ``dx`` pixels over a plot ``width`` wide."""
        a0, a1 = start
        shift = -dx * (a1 - a0) / width
        return a0 + shift, a1 + shift

    def value_at(self, frame: Frame, x: float) -> float:
        """The axis value at pixel column ``x`` of ``frame``."""
        plot = frame.plot
        return self._a0 + (x - plot.left) / plot.width * (self._a1 - self._a0)

    def move_cursor(self, t: int) -> bool:
        """Move the cursor to real time ``t``; with follow on, jump the window to keep it in view.

        Returns whether the window moved.
        """
        self._time = int(t)
        if self.follow and self._tl is not None:
            a = self.axis_value(self._time)
            span = self._a1 - self._a0
            if a < self._a0 or a > self._a1:
                start = a - 0.1 * span if a > self._a1 else a - 0.9 * span
                self.set_window(start, start + span)
                return True
        return False

    # -- scroll bars ---------------------------------------------------------------------
    def hbar_unit(self) -> float:
        """The ns of the axis per unit of the horizontal scroll bar."""
        lo, hi = self._full
        return max(1.0, (hi - lo) * 1.1 / 1_000_000)

    def hbar(self) -> HBar:
        """The horizontal scroll bar for the window: the run, and half a window either side."""
        lo, hi = self._full
        unit = self.hbar_unit()
        span = self._a1 - self._a0
        margin = span * 0.5
        minimum = int((lo - margin) / unit)
        return HBar(minimum, max(minimum, int((hi + margin - span) / unit)),
                    max(1, int(span / unit)), max(1, int(span / unit / 10)), int(self._a0 / unit))

    def scroll_to(self, value: int) -> None:
        """Start the window at the horizontal scroll bar's ``value``, keeping its width."""
        span = self._a1 - self._a0
        a0 = value * self.hbar_unit()
        self._a0, self._a1 = a0, a0 + span
        self._frame = None

    def set_vscroll(self, value: float) -> None:
        """Scroll the lanes up by ``value`` pixels."""
        self._vscroll = float(value)
        self._frame = None

    # -- frames --------------------------------------------------------------------------
    def forget_frame(self) -> None:
        """Compute the next frame again (the fonts or the label width changed)."""
        self._frame = None

    def _key(self, width: int, height: int) -> tuple:
        return (id(self._tl), self._a0, self._a1, width, height, self._vscroll, self._axis)

    def cached_frame(self, width: int, height: int) -> Frame | None:
        """The kept frame if it is still the one for a canvas of this size (else None)."""
        frame = self._frame
        return frame if frame is not None and frame.key == self._key(width, height) else None

    def frame(self, width: int, height: int, label_width: int,
              screen: bool = True) -> Frame | None:
        """The frame of the window on a canvas ``width`` x ``height`` (None without a timeline).

        The host names take ``label_width`` pixels on the left. A ``screen``
        frame is kept for the next call and keeps :attr:`vscroll` within
        the lanes; an off-screen one (an export at another size) is not.
        """
        tl = self._tl
        if tl is None:
            return None
        key = self._key(width, height)
        if self._frame is not None and self._frame.key == key:
            return self._frame
        n_hosts = max(1, len(tl.hosts))
        plot = Rect(float(label_width), float(RULER_H), float(max(10, width - label_width - 12)),
                    float(max(10, height - RULER_H - 4)))
        lane_h = min(MAX_LANE, max(MIN_LANE, plot.height / n_hosts))
        content = lane_h * n_hosts
        if screen:
            if content > plot.height + 1:
                self._vscroll = min(self._vscroll, float(content - plot.height))
            else:
                self._vscroll = 0.0
        vscroll = self._vscroll if content > plot.height + 1 else 0.0
        top = plot.top + max(0.0, (plot.height - content) / 2) if content < plot.height \
            else plot.top
        lane_y = top + (np.arange(n_hosts) + 0.5) * lane_h - vscroll
        span = self.real_span(self._a0, self._a1)
        if span is None:
            frame = Frame(key, plot, lane_h, lane_y, 0, -1, 0, 0, True, self._a0, self._a1,
                          content)
        else:
            frame = self._place(key, plot, lane_h, lane_y, content, span)
        if screen:
            self._frame = frame
        return frame

    def _place(self, key: tuple, plot: Rect, lane_h: float, lane_y: np.ndarray, content: float,
               span: tuple[int, int]) -> Frame:
        """The frame of the events in the real times ``span``: one by one, or as densities."""
        tl = self._tl
        assert tl is not None
        t0, t1 = span
        i0 = int(np.searchsorted(tl.t, t0, side="left"))
        i1 = int(np.searchsorted(tl.t, t1, side="right"))
        detail = (i1 - i0) <= min(DETAIL_LIMIT, PER_PIXEL * plot.width)
        frame = Frame(key, plot, lane_h, lane_y, t0, t1, i0, i1, detail, self._a0, self._a1,
                      content)
        scale = plot.width / (self._a1 - self._a0)
        if not detail:
            self._density(frame, tl, scale)
            return frame
        pos = np.arange(i0, i1, dtype=np.int64)
        x = plot.left + (self.axis_values(tl.t[i0:i1]) - self._a0) * scale
        codes = tl.host_code[i0:i1]
        y = np.where(codes >= 0, lane_y[np.maximum(codes, 0)], plot.top)
        msgs = tl.messages_overlapping(t0, t1)
        src, dst = tl.msg_src[msgs], tl.msg_dst[msgs]
        ok = (src >= 0) & (dst >= 0)
        msgs, src, dst = msgs[ok], src[ok], dst[ok]
        ts, te = tl.msg_t_send[msgs], tl.msg_t_end[msgs]
        ending = tl.msg_end_kind[msgs]
        te_draw = np.where(ending == END_NONE, max(tl.end, int(tl.t[-1]) if len(tl) else 0), te)
        mx0 = plot.left + (self.axis_values(ts) - self._a0) * scale
        mx1 = plot.left + (self.axis_values(te_draw) - self._a0) * scale
        ys, yd = lane_y[src], lane_y[dst]
        frac = np.ones(len(msgs))
        dropped = ending == END_DROP
        if dropped.any():
            reasons = tl.msg_reason[msgs[dropped]]
            table = np.array([DROP_AT.get(r, 0.55) for r in tl.drop_reasons] + [0.55])
            f = table[np.where(reasons >= 0, reasons, len(tl.drop_reasons))]
            f = np.where(te[dropped] == ts[dropped], 0.0, f)
            frac[dropped] = f
        frac[ending == END_NONE] = 0.5
        my1 = ys + (yd - ys) * frac
        # a drop is drawn where its cross is
        ends = tl.msg_end_pos[msgs]
        here = dropped & (ends >= i0) & (ends < i1)
        y[ends[here] - i0] = my1[here]
        frame.pos, frame.x, frame.y = pos, x, y
        # clip to the view: long off-screen lines (dashed above all) are slow to stroke
        mx0, my0, mx1, my1, frame.mend = clip_segments(mx0, ys.astype(np.float64), mx1, my1,
                                                       plot.left - 30, plot.right + 30)
        frame.msgs, frame.mx0, frame.my0, frame.mx1, frame.my1 = msgs, mx0, my0, mx1, my1
        return frame

    def _density(self, frame: Frame, tl: Timeline, scale: float) -> None:
        """Events per pixel column and host, as the opacity of a strip along each host's line."""
        plot = frame.plot
        w = max(1, int(plot.width))
        h = max(1, int(plot.height))
        codes = tl.host_code[frame.i0:frame.i1]
        x = ((self.axis_values(tl.t[frame.i0:frame.i1]) - self._a0) * scale).astype(np.int64)
        ok = (codes >= 0) & (x >= 0) & (x < w)
        n_hosts = len(frame.lane_y)
        counts = np.bincount(codes[ok].astype(np.int64) * w + x[ok],
                             minlength=n_hosts * w).reshape(n_hosts, w)
        top = int(plot.top)
        alpha_image = np.zeros((h, w), dtype=np.uint8)
        rows = np.zeros(h, dtype=bool)
        cmax = counts.max() if counts.size else 0
        if cmax > 0:
            alpha = np.where(counts > 0, 60 + 195 * np.log1p(counts) / math.log1p(cmax), 0)
            band = max(2, int(frame.lane_h * 0.55) // 2)
            for i in range(n_hosts):
                yc = int(frame.lane_y[i]) - top
                y0, y1 = max(0, yc - band), min(h, yc + band + 1)
                if y1 <= y0:
                    continue
                rows[y0:y1] = True
                alpha_image[y0:y1, :] = alpha[i].astype(np.uint8)[None, :]
        frame.density_alpha, frame.density_rows = alpha_image, rows

    # -- reading a frame -----------------------------------------------------------------
    def cursor_x(self, frame: Frame, t: int | None = None) -> float:
        """The x of real time ``t`` (the cursor's by default) on ``frame``."""
        return frame.x_of_value(self.axis_value(self._time if t is None else t))

    def ticks(self, frame: Frame) -> list[tuple[float, float]]:
        """The ruler's ticks in view, about 90 pixels apart: (axis value, x) pairs, at most 400."""
        step = nice_step(90 / frame.scale)
        out: list[tuple[float, float]] = []
        v = math.ceil(self._a0 / step) * step
        while v <= self._a1 and len(out) < 400:
            out.append((v, frame.x_of_value(v)))
            v += step
        return out

    def tick_format(self, frame: Frame) -> tuple[float, str, int]:
        """How the ruler writes its values: the unit in ns, its name and the decimals."""
        step = nice_step(90 / frame.scale)
        reach = max(abs(self._a0), abs(self._a1))
        unit, name = next(((u, n) for u, n in ((1e9, "s"), (1e6, "ms"), (1e3, "µs"))
                           if reach >= u), (1.0, "ns"))
        decimals = min(9, max(0, int(round(math.log10(unit)))
                              - int(math.floor(math.log10(step)))))
        return unit, name, decimals

    def hit(self, frame: Frame | None, x: float, y: float) -> int | None:
        """The event drawn within :data:`HIT_RADIUS` of ``(x, y)`` (None if none)."""
        if frame is None or not frame.detail or not len(frame.pos):
            return None
        d2 = (frame.x - x) ** 2 + (frame.y - y) ** 2
        j = int(np.argmin(d2))
        if d2[j] > HIT_RADIUS ** 2:
            return None
        # among events drawn at the same spot, prefer the one that is not a plain send/deliver
        close = np.flatnonzero(d2 <= d2[j] + 1e-6)
        return int(frame.pos[close[-1]])

    @staticmethod
    def event_position(frame: Frame | None, seq: int) -> tuple[float, float] | None:
        """Where event ``seq`` is drawn on ``frame`` (None if not in view one by one)."""
        if frame is None or not frame.detail:
            return None
        j = int(np.searchsorted(frame.pos, seq))
        if j >= len(frame.pos) or frame.pos[j] != seq:
            return None
        return float(frame.x[j]), float(frame.y[j])

    def reveal(self, seq: int, frame_of: Callable[[], Frame | None]) -> float | None:
        """Scroll (and zoom in if needed) so that event ``seq`` is drawn on its own.

        ``frame_of()`` gives the frame of the current window on the canvas.
        Returns the :attr:`vscroll` that brings the event's lane into view
        when it is out of it (None when it is in view, or has no host).
        """
        tl = self._tl
        if tl is None or not 0 <= seq < len(tl):
            return None
        a = self.axis_value(int(tl.t[seq]))
        span = self._a1 - self._a0
        if not self._a0 <= a <= self._a1:
            self.set_window(a - span / 2, a + span / 2)
        for _ in range(12):
            frame = frame_of()
            if frame is None or frame.detail:
                break
            span = (self._a1 - self._a0) / 4
            self.set_window(a - span / 2, a + span / 2)
        h = tl.host_code[seq]
        frame = frame_of()
        if h < 0 or frame is None:
            return None
        y = frame.lane_y[h]
        if frame.plot.top <= y <= frame.plot.bottom:
            return None
        return float(self._vscroll + y - frame.plot.centre_y)
