"""Canvas animation of a run: messages in flight, drops, host states, clocks, cut links, memory.

A :class:`CanvasAnimator` shows a :class:`~sandbox.trace.timeline.Timeline`
on a :class:`~sandbox.gui.canvas.scene.CanvasScene` at the time the player
gives it (:meth:`CanvasAnimator.set_time`). It changes the scene's items
only through their small run-state methods (``HostItem.set_state``,
``HostItem.set_clock_text``, ``LinkItem.set_cut``) and draws everything else
in one overlay item of its own, :class:`AnimationLayer`:

* every message in flight is a dot moving along its link (or its routed
  path) at its latency, on the right-hand lane of its direction; its colour
  says what it is: normal (the palette's highlight), corrupted (orange, from a
  third of its way on), Byzantine (magenta), a system notice (grey), and a
  memory-channel message of the DSM (a diamond coloured by the cost of the
  access it serves, cheap green to expensive red). A late message (timing
  failure) wears a red ring; a duplicate travels a little to the side;
* a dropped message travels to where it was lost and ends in a red cross
  that fades out, labelled with the reason when there are few; one dropped
  because its destination was down ends next to that destination;
* hosts are up, crashed, paused, suspected (tagged with who suspects them)
  or Byzantine; a crash and a recovery flash around the card;
* every host shows its local clock and skew (``1.204 s (+4.1 ms)``) in a
  badge where the card has its own; the selected host's has more digits and
  a highlight ring. The overlay draws these readouts (the cards' own badges
  are blanked with ``set_clock_text("")`` while a run is shown): a readout
  changes every frame, and a changed card re-renders its cached pixmap;
* links cut by a fault or crossing an active partition are shown cut;
* a local memory access pulses inside its host, coloured by its cost;
  :meth:`CanvasAnimator.memory_heat` gives the page heat the memory map shows.

What is in flight at a time (where each message is along which link or
route, its style, the drops, the host marks, the clock readings) is worked
out without Qt by :class:`~sandbox.trace.inflight.InFlight`; the overlay and
its sprites are in :mod:`.sprites`; this module keeps the animator, which
reads the hosts' places from the scene and applies the marks to the items.

Effects that must last long enough to be seen (a cross, a pulse, a flash) are
timed by the *effect window*, a span of simulated time worth
:data:`EFFECT_SECONDS` of wall time at the player's speed
(:meth:`CanvasAnimator.set_speed`); a drop cross lingers for its message's
flight time, at least one window and at most four.

Performance: a frame finds the messages in flight with the timeline's
interval index and places them with numpy; the overlay stamps pre-rendered
sprites into one image with numpy and draws that image once, so 2,000 dots
cost a few milliseconds. Host items are touched only when a state changes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shiboken6
from PySide6.QtCore import QObject, QPointF, QRectF, Signal
from PySide6.QtGui import QColor, QFontMetricsF

from ...scenario.units import format_clock, format_skew
from ...trace.inflight import (
    ARRIVAL_AT,
    BLOCKED_AT,
    CORRUPT_FROM,
    COST_BINS,
    LATE_OFFSET,
    LOSS_AT,
    PULSES_PER_HOST,
    SOURCE_AT,
    STYLE_NAMES,
    Frame,
    InFlight,
    clock_digits,
    cost_fraction,
)
from ...trace.state_view import badge_parts, band_field, host_fields
from ...trace.timeline import Timeline
from .items import HOST_HEIGHT, HOST_WIDTH, CanvasColours
from .sprites import (
    BADGE_MIN_ZOOM,
    CROSS_ARM,
    CROSS_STEPS,
    DIAMOND_RADIUS,
    DOT_RADIUS,
    DUP_PX,
    LANE_PX,
    LATE_RADIUS,
    MAX_LABELLED_CROSSES,
    SMALL_MARKS,
    SMALL_MARKS_ZOOM,
    AnimationLayer,
    badge_font,
    badge_rect,
    pulse_centre,
    ramp,
    style_colours,
)

__all__ = [
    "ARRIVAL_AT", "BADGE_MIN_ZOOM", "BLOCKED_AT", "CORRUPT_FROM", "COST_BINS", "CROSS_ARM",
    "CROSS_STEPS", "DIAMOND_RADIUS", "DOT_RADIUS", "DUP_PX", "EFFECT_SECONDS", "LANE_PX",
    "LATE_OFFSET", "LATE_RADIUS", "LOSS_AT", "MAX_LABELLED_CROSSES", "PULSES_PER_HOST",
    "SMALL_MARKS", "SMALL_MARKS_ZOOM", "SOURCE_AT", "STYLE_NAMES", "AnimationLayer",
    "CanvasAnimator", "format_clock", "format_skew",
]

#: Wall-clock seconds an effect (a drop cross, a pulse, a flash) lasts at any speed.
EFFECT_SECONDS = 0.6



class CanvasAnimator(QObject):
    """Shows a run's timeline on a canvas scene at the player's time.

    ``CanvasAnimator(scene, timeline)``; then :meth:`set_time` for every
    frame (connect the player's ``time_changed``) and :meth:`set_speed` when
    the playback speed changes. :meth:`set_timeline` with None, or
    :meth:`clear`, removes every mark and gives the hosts and links back
    their editor look. :meth:`message_at` finds the message dot under a
    point (for the "drop this message" menu); :meth:`memory_heat` gives the
    page heat for the memory map.
    """

    #: The frame shown changed (after :meth:`set_time` or :meth:`set_timeline`).
    frame_changed = Signal()

    def __init__(self, scene, timeline: Timeline | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._scene = scene
        self._tl: Timeline | None = None
        self._time = 0
        self._speed = 1.0
        self._window_override: int | None = None
        self._flight: InFlight | None = None
        self._frame: Frame | None = None
        self._off = np.empty(0)
        self._xy_cache: tuple[float, np.ndarray, np.ndarray] | None = None
        self._selected: str | None = None
        self._state_key = -1
        self._states_applied = False
        self._suspecters: dict[str, list[str]] = {}
        #: Host -> (badge text, the value of its band field) of its protocol state now.
        self._protocol: dict[str, tuple[str, Any]] = {}
        self._fields: dict[str, tuple[Any, ...]] = {}
        self._clock_cache: dict[tuple[str, bool], str] = {}
        self._layer: AnimationLayer | None = None
        # After a drag on the canvas the dots follow the hosts to their new places.
        scene.interaction_ended.connect(self._refresh)
        self._reason_text = {
            "loss": self.tr("lost"), "partition": self.tr("partitioned"),
            "crashed": self.tr("host down"), "link_cut": self.tr("link cut"),
            "no_route": self.tr("no route"), "omission": self.tr("omitted"),
            "injected": self.tr("dropped"),
        }
        if timeline is not None:
            self.set_timeline(timeline)

    # -- public API ----------------------------------------------------------------------
    @property
    def scene(self):
        """The canvas scene animated."""
        return self._scene

    @property
    def timeline(self) -> Timeline | None:
        """The timeline shown (None when idle)."""
        return self._tl

    @property
    def time(self) -> int:
        """The real time shown (ns)."""
        return self._time

    @property
    def frame(self) -> Frame | None:
        """The frame shown (None when idle); the overlay draws it."""
        return self._frame

    @property
    def layer(self) -> AnimationLayer | None:
        """The overlay item (None when idle)."""
        return self._layer

    @property
    def selected_host(self) -> str | None:
        """The host whose clock readout is emphasised (more digits, a highlight ring)."""
        return self._selected

    @selected_host.setter
    def selected_host(self, host_id: str | None) -> None:
        self.set_selected_host(host_id)

    def set_selected_host(self, host_id: str | None) -> None:
        """Emphasise ``host_id``'s clock readout (None: no emphasis)."""
        host_id = host_id or None
        if host_id == self._selected:
            return
        self._selected = host_id
        if self._tl is not None:
            self._clock_cache = {}
            self._repaint()

    @property
    def speed(self) -> float:
        """The playback speed the effect window follows (simulated s per wall s)."""
        return self._speed

    def set_speed(self, speed: float) -> None:
        """Follow the player's speed: effects last about :data:`EFFECT_SECONDS` of wall time."""
        speed = float(speed)
        if speed > 0 and speed != self._speed:
            self._speed = speed
            self._refresh()

    @property
    def effect_window(self) -> int:
        """How long (simulated ns) an effect (cross, pulse, flash) lasts."""
        if self._window_override is not None:
            return self._window_override
        return max(1, int(EFFECT_SECONDS * self._speed * 1e9))

    def set_effect_window(self, ns: int | None) -> None:
        """Fix the effect window to ``ns`` (None: follow the speed again)."""
        self._window_override = None if ns is None else max(1, int(ns))
        self._refresh()

    def set_timeline(self, timeline: Timeline | None) -> None:
        """Show ``timeline`` from time 0; None clears every mark and restores the hosts."""
        if timeline is None:
            self.clear()
            return
        self._restore_items()
        self._tl = timeline
        self._fields = host_fields(timeline.scenario)
        self._protocol = {}
        self._flight = InFlight(timeline, (HOST_WIDTH, HOST_HEIGHT))
        self._time = 0
        self._state_key = -1
        self._clock_cache = {}
        self.set_time(0)

    def clear(self) -> None:
        """Forget the timeline: remove the overlay, hosts up with their own clock badge, links whole."""
        self._restore_items()
        self._tl = None
        self._flight = None
        self._frame = None
        self._xy_cache = None
        self._state_key = -1
        self._suspecters = {}
        self._protocol = {}
        self._clock_cache = {}
        if self._layer is not None and shiboken6.isValid(self._layer):
            scene = self._layer.scene()
            if scene is not None:
                scene.removeItem(self._layer)
        self._layer = None
        self.frame_changed.emit()

    def set_time(self, t_ns: int) -> None:
        """Show the run at real time ``t_ns``."""
        tl = self._tl
        self._time = int(t_ns)
        if tl is None:
            return
        self._ensure_layer()
        self._blank_badges()
        self._update_states()
        self._clock_cache = {}
        self._frame = self._build_frame(self._time)
        self._off = np.where(self._frame.dup, LANE_PX + DUP_PX, LANE_PX)
        self._xy_cache = None
        self._repaint()
        self.frame_changed.emit()

    def message_at(self, scene_pos: QPointF, tolerance: float | None = None) -> int | None:
        """The id of the message dot under ``scene_pos`` (the nearest within reach), or None.

        ``tolerance`` is in scene units; by default a few pixels at the zoom
        of the scene's first view.
        """
        f = self._frame
        if f is None or not len(f.ids):
            return None
        zoom = self._view_zoom()
        reach = tolerance if tolerance is not None else (DOT_RADIUS + 3.0) / zoom
        x, y = self.dot_xy(zoom)
        d2 = (x - scene_pos.x()) ** 2 + (y - scene_pos.y()) ** 2
        k = int(np.argmin(d2))
        if d2[k] > reach * reach:
            return None
        return int(f.ids[k])

    def dot_positions(self) -> list[tuple[int, QPointF, str]]:
        """Every message dot shown: (message id, scene position, style).

        The style is a name of :data:`STYLE_NAMES` with ``+late`` for a late
        message and ``+dup`` for a duplicate: ``"corrupted+late"``.
        """
        f = self._frame
        if f is None:
            return []
        x, y = self.dot_xy(self._view_zoom())
        out = []
        for i, xi, yi, st, dup in zip(f.ids.tolist(), x.tolist(), y.tolist(), f.style.tolist(),
                                      f.dup.tolist(), strict=True):
            late = st >= LATE_OFFSET
            name = STYLE_NAMES[st - LATE_OFFSET if late else st]
            if late:
                name += "+late"
            if dup:
                name += "+dup"
            out.append((i, QPointF(xi, yi), name))
        return out

    def crosses(self) -> list[tuple[int, QPointF, str]]:
        """Every drop cross shown: (message id, scene position, reason)."""
        f = self._frame
        if f is None:
            return []
        reasons = self._tl.drop_reasons if self._tl is not None else []
        out = []
        for k, (i, x, y) in enumerate(zip(f.cross_ids.tolist(), f.cross_x.tolist(),
                                          f.cross_y.tolist(), strict=True)):
            r = int(self._tl.msg_reason[self._tl.message_index(i)]) if self._tl else -1
            out.append((i, QPointF(x, y), reasons[r] if r >= 0 else f.cross_reason[k]))
        return out

    def pulses(self) -> list[tuple[QPointF, float]]:
        """The local memory-access pulses shown: (scene centre, age 0..1)."""
        f = self._frame
        return [] if f is None else [(QPointF(*pulse_centre(x, y)), age)
                                     for x, y, age, _ in f.pulses]

    def flashes(self) -> list[tuple[QPointF, str]]:
        """The state flashes shown: (host centre, event kind)."""
        f = self._frame
        return [] if f is None else [(QPointF(x, y), kind) for x, y, _, kind in f.flashes]

    def memory_heat(self, t: int | None = None) -> dict[int, float]:
        """Heat of the DSM pages at ``t`` (default: the time shown): page -> 0..1.

        Every access (local or remote) heats its page; heat decays with the
        effect window and is relative to the hottest page at that time.
        """
        flight = self._flight
        if flight is None:
            return {}
        return flight.memory_heat(self._time if t is None else int(t), self.effect_window)

    def cost_colour(self, cost: float) -> QColor:
        """The colour of a memory access of ``cost`` ns (log scale, local cost green)."""
        flight = self._flight
        return ramp(flight.cost_fraction(cost) if flight is not None else cost_fraction(cost))

    def style_colours(self, c: CanvasColours) -> list[QColor]:
        """The fill colour of each base style, for the palette ``c``."""
        return style_colours(c)

    def reason_text(self, reason: str) -> str:
        """The label of a drop cross for a drop reason (``loss``: "lost"); empty for none."""
        return self._reason_text.get(reason, reason) if reason else ""

    def suspect_labels(self) -> list[tuple[tuple[float, float], str]]:
        """(host centre, "suspected by …") for every host a failure detector suspects."""
        out = []
        for target, who in self._suspecters.items():
            item = self._scene.host_item(target)
            if item is None or item.state == "crashed" and not who:
                continue
            shown = ", ".join(who[:3]) + ("…" if len(who) > 3 else "")
            out.append((item.xy, self.tr("suspected by {0}").format(shown)))
        return out

    def _update_protocol(self) -> None:
        """The protocol badges at the time shown, from the hosts' reported state."""
        tl = self._tl
        self._protocol = {}
        if tl is None or not tl.state_fields:
            return
        for h, values in tl.host_states(self._time).protocol.items():
            fields = self._fields.get(h, ())
            text = " · ".join(t for _, t in badge_parts(fields, values, self.tr))
            if text:
                band = band_field(fields)
                self._protocol[h] = (text, values.get(band) if band else None)

    def protocol_badge(self, host_id: str) -> str:
        """The protocol badge of ``host_id`` at the time shown (``leader · term 3``; empty:
        none), from the badge fields its behaviour declares."""
        entry = self._protocol.get(host_id)
        return entry[0] if entry else ""

    def protocol_badges(self) -> list[tuple[tuple[float, float], str, Any]]:
        """(host centre, badge text, role value) for every host with a protocol badge now."""
        out = []
        for h, (text, role) in self._protocol.items():
            item = self._scene.host_item(h)
            if item is not None:
                out.append((item.xy, text, role))
        return out

    def badge_rect(self, host_id: str) -> QRectF | None:
        """Where ``host_id``'s clock readout is drawn, in scene coordinates (None: nowhere)."""
        item = self._scene.host_item(host_id)
        text = self.clock_text(host_id)
        if item is None or not text:
            return None
        return badge_rect(item.xy, QFontMetricsF(badge_font()).horizontalAdvance(text))

    # -- a frame -------------------------------------------------------------------------
    def host_positions(self) -> tuple[np.ndarray, np.ndarray]:
        """Centres (x, y arrays) of the trace's hosts on the canvas now, by host code.

        A host missing from the canvas reads NaN, and so does code -1.
        """
        return self._host_xy()

    def _host_xy(self) -> tuple[np.ndarray, np.ndarray]:
        tl = self._tl
        xs = np.full(len(tl.hosts) + 1, np.nan)
        ys = np.full(len(tl.hosts) + 1, np.nan)
        scene = self._scene
        for k, h in enumerate(tl.hosts):
            item = scene.host_item(h)
            if item is not None:
                xs[k], ys[k] = item.xy
        return xs, ys  # index -1 (no host) reads NaN

    def _build_frame(self, t: int) -> Frame:
        hx, hy = self._host_xy()
        return self._flight.frame(t, self.effect_window, hx, hy)

    def dot_xy(self, zoom: float) -> tuple[np.ndarray, np.ndarray]:
        """Scene positions of the dots drawn at ``zoom`` (lanes are a few pixels wide)."""
        f = self._frame
        if f is None:
            return np.empty(0), np.empty(0)
        cache = self._xy_cache
        if cache is not None and cache[0] == zoom:
            return cache[1], cache[2]
        off = self._off / zoom
        x = f.x + f.nx * off
        y = f.y + f.ny * off
        self._xy_cache = (zoom, x, y)
        return x, y

    # -- hosts and links -----------------------------------------------------------------
    def _update_states(self) -> None:
        tl = self._tl
        key = self._flight.state_epoch(self._time)
        if key == self._state_key:
            return
        self._state_key = key
        marks = self._flight.host_marks(self._time)
        scene = self._scene
        for h in tl.hosts:
            item = scene.host_item(h)
            if item is None:
                continue
            item.set_state(marks.status[h])
        self._suspecters = marks.suspecters
        self._update_protocol()
        for item in scene.link_items():
            item.set_cut(marks.link_cut(item.link.a, item.link.b))
        self._states_applied = True

    def clock_text(self, host_id: str) -> str:
        """The clock readout of ``host_id`` at the time shown: ``1.204 s (+4.1 ms)``.

        The selected host's readout has three more digits. Empty when idle
        or for a host the trace does not know.
        """
        tl = self._tl
        if tl is None or host_id not in tl.host_index:
            return ""
        key = (host_id, host_id == self._selected)
        text = self._clock_cache.get(key)
        if text is None:
            local, skew = self._flight.clock_reading(host_id, self._time)
            digits = clock_digits(tl.end, self._speed)
            if host_id == self._selected:
                digits = min(9, digits + 3)
            text = self._clock_cache[key] = format_clock(local, skew, digits)
        return text

    def _blank_badges(self) -> None:
        """Hide the hosts' own clock badges: the overlay draws the running readouts.

        A readout changes every frame; drawn by the host item it would
        re-render the item's cached card each time (about half a millisecond
        a card), drawn by the overlay it costs a few dozen microseconds.
        """
        scene = self._scene
        for h in self._tl.hosts:
            item = scene.host_item(h)
            if item is not None:
                item.set_clock_text("")

    def _restore_items(self) -> None:
        """Give the hosts and links their editor look back."""
        tl = self._tl
        scene = self._scene
        if tl is None:
            return
        for h in tl.hosts:
            item = scene.host_item(h)
            if item is not None:
                item.set_state("up")
                item.set_clock_text(None)
        if self._states_applied:
            for item in scene.link_items():
                item.set_cut(False)
        self._states_applied = False

    # -- plumbing ------------------------------------------------------------------------
    def _ensure_layer(self) -> None:
        layer = self._layer
        if layer is None or not shiboken6.isValid(layer) or layer.scene() is not self._scene:
            layer = self._layer = AnimationLayer(self)
            self._scene.addItem(layer)
            # A scene reset (a new document) clears every item; the next frame makes a new one.
            self._state_key = -1
        layer.set_bounds(self._scene.sceneRect())

    def _view_zoom(self) -> float:
        views = self._scene.views()
        if not views:
            return 1.0
        t = views[0].transform()
        return math.hypot(t.m11(), t.m12()) or 1.0

    def _repaint(self) -> None:
        if self._layer is not None and shiboken6.isValid(self._layer):
            self._layer.update()

    def _refresh(self) -> None:
        if self._tl is not None:
            self.set_time(self._time)
