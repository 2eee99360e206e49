"""Playback of a trace: the simulation-time cursor, driven by wall time at a chosen speed.

Three clocks are kept apart, as in OMNeT++'s Qtenv:

* **simulation time** (:attr:`Player.time`, integer ns): the cursor every
  view follows; it only changes by playing, seeking or stepping;
* **wall time** (seconds from an injectable callable, ``time.monotonic`` by
  default): what the user waits; a frame advances simulation time by
  ``wall_elapsed * speed`` seconds;
* **animation time** (:attr:`Player.animation_time`, seconds): advances with
  wall time while playing, whatever the speed, so effects that must last
  long enough to be seen (a flash on a crash, a fading cross) are timed in
  it, not in simulation time.

:class:`Player` is the model; :class:`PlayerBar` the widget with play/pause,
step, seek and speed controls and the current time readout. Its seek slider
(:class:`FaultSlider`) draws the faults of the run shown as ticks at their
times, coloured by kind, with a band for those that last; the readout shows
more decimals when the cursor rests on an event whose time would otherwise
read like its neighbour's (stepping within one millisecond), or when asked to
resolve finer times (:meth:`PlayerBar.set_time_resolution`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QHelpEvent, QKeySequence, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QStyle,
    QStyleOptionSlider,
    QToolButton,
    QToolTip,
    QWidget,
)

from sandbox.scenario.units import distinct_digits, format_seconds, format_speed, time_digits
from sandbox.trace.timeline import Timeline

from .faults_menu import (
    fault_colour,
    fault_end,
    fault_summary,
    fault_target,
    fault_time,
    kind_label,
    run_faults,
)
from .theme import is_dark

__all__ = [
    "SPEED_MAX",
    "SPEED_MIN",
    "SPEED_SLIDER_MAX",
    "FaultSlider",
    "Player",
    "PlayerBar",
    "format_seconds",
    "format_speed",
    "slider_to_speed",
    "speed_to_slider",
    "time_digits",
]

#: The slowest and fastest playback speeds (simulated seconds per wall second).
SPEED_MIN = 0.01
SPEED_MAX = 10_000.0
#: The speed slider runs from 0 (SPEED_MIN) to this value (SPEED_MAX) on a log scale.
SPEED_SLIDER_MAX = 600

_LOG_MIN = math.log10(SPEED_MIN)
_LOG_SPAN = math.log10(SPEED_MAX) - _LOG_MIN


def speed_to_slider(speed: float) -> int:
    """The speed slider position (0..SPEED_SLIDER_MAX) of a speed, on a log scale."""
    speed = min(max(float(speed), SPEED_MIN), SPEED_MAX)
    return round((math.log10(speed) - _LOG_MIN) / _LOG_SPAN * SPEED_SLIDER_MAX)


def slider_to_speed(value: int) -> float:
    """The speed at a speed slider position (the inverse of :func:`speed_to_slider`)."""
    value = min(max(int(value), 0), SPEED_SLIDER_MAX)
    return 10 ** (_LOG_MIN + _LOG_SPAN * value / SPEED_SLIDER_MAX)


class Player(QObject):
    """Plays a :class:`~sandbox.trace.timeline.Timeline`: a time cursor moved by wall time.

    ``speed`` is in simulated seconds per wall second (1.0 is real time),
    between SPEED_MIN and SPEED_MAX. A QTimer ticks about 60 times a second
    while playing; each tick advances the cursor by the wall time elapsed
    since the previous one times the speed, and playback stops at the end.
    ``wall_clock`` (a callable returning seconds) replaces ``time.monotonic``
    in tests, which can then call :meth:`tick` or let the timer run.

    Signals: ``time_changed(t)`` (ns, 64-bit), ``state_changed(playing)``,
    ``speed_changed(speed)``, ``timeline_changed()``.
    """

    time_changed = Signal("qint64")
    state_changed = Signal(bool)
    speed_changed = Signal(float)
    timeline_changed = Signal()

    #: Milliseconds between two frames while playing.
    FRAME_MS = 16

    def __init__(self, timeline: Timeline | None = None, parent: QObject | None = None, *,
                 wall_clock: Callable[[], float] | None = None) -> None:
        super().__init__(parent)
        self._wall = wall_clock or time.monotonic
        self._timeline: Timeline | None = None
        self._pos = 0.0  # simulation time in ns, kept fractional between frames
        self._time = 0
        self._speed = 1.0
        self._playing = False
        self._last_wall = 0.0
        self._anim = 0.0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(self.FRAME_MS)
        self._timer.timeout.connect(self.tick)
        if timeline is not None:
            self.set_timeline(timeline)

    # -- the timeline ------------------------------------------------------------------
    @property
    def timeline(self) -> Timeline | None:
        """The timeline being played (None before one is set)."""
        return self._timeline

    def set_timeline(self, timeline: Timeline | None, keep_time: bool = False) -> None:
        """Play ``timeline`` from the start (or from the current time with ``keep_time``).

        The time is within the new run before ``timeline_changed`` is
        emitted, so that its receivers read a consistent player; then
        ``time_changed`` is emitted with the new time.
        """
        self.pause()
        self._timeline = timeline
        target = min(self._time, self.duration) if keep_time else 0
        self._pos = float(target)
        self._time = target
        self.timeline_changed.emit()
        self.time_changed.emit(target)

    @property
    def duration(self) -> int:
        """The length of the run in ns (0 without a timeline)."""
        return self._timeline.end if self._timeline is not None else 0

    # -- the clocks --------------------------------------------------------------------
    @property
    def time(self) -> int:
        """The simulation time of the cursor in ns."""
        return self._time

    @property
    def animation_time(self) -> float:
        """Seconds of animation: wall time spent playing, whatever the speed."""
        return self._anim

    @property
    def speed(self) -> float:
        """Simulated seconds per wall second."""
        return self._speed

    @property
    def is_playing(self) -> bool:
        """Whether the cursor is moving."""
        return self._playing

    def set_speed(self, speed: float) -> None:
        """Set the playback speed (clamped to SPEED_MIN..SPEED_MAX)."""
        speed = min(max(float(speed), SPEED_MIN), SPEED_MAX)
        if speed != self._speed:
            self._speed = speed
            self.speed_changed.emit(speed)

    # -- transport ---------------------------------------------------------------------
    def play(self) -> None:
        """Start playing (from the start again when the cursor is at the end)."""
        if self._playing or self._timeline is None or self.duration <= 0:
            return
        if self._time >= self.duration:
            self._set(0)
        self._last_wall = self._wall()
        self._playing = True
        self._timer.start()
        self.state_changed.emit(True)

    def pause(self) -> None:
        """Stop playing; the cursor stays where it is."""
        if not self._playing:
            return
        self._playing = False
        self._timer.stop()
        self.state_changed.emit(False)

    def toggle(self) -> None:
        """Play if paused, pause if playing."""
        if self._playing:
            self.pause()
        else:
            self.play()

    def seek(self, t: int) -> None:
        """Move the cursor to ``t`` ns (clamped to the run); playback goes on from there."""
        self._set(min(max(int(t), 0), self.duration))
        if self._playing:
            self._last_wall = self._wall()

    def step_forward(self) -> None:
        """Pause and move to the time of the next event (or the end)."""
        self.pause()
        if self._timeline is None:
            return
        t = self._timeline.next_event_time(self._time)
        self._set(self.duration if t is None else min(t, self.duration))

    def step_back(self) -> None:
        """Pause and move to the time of the previous event (or the start)."""
        self.pause()
        if self._timeline is None:
            return
        t = self._timeline.prev_event_time(self._time)
        self._set(0 if t is None else max(t, 0))

    def tick(self) -> None:
        """Advance by the wall time elapsed since the last frame (the timer calls this)."""
        if not self._playing:
            return
        now = self._wall()
        elapsed = max(0.0, now - self._last_wall)
        self._last_wall = now
        self._anim += elapsed
        pos = self._pos + elapsed * self._speed * 1e9
        end = self.duration
        if pos >= end:
            self._set(end)
            self.pause()
            return
        self._pos = pos
        t = int(pos)
        if t != self._time:
            self._time = t
            self.time_changed.emit(t)

    def _set(self, t: int) -> None:
        self._pos = float(t)
        if t != self._time:
            self._time = t
            self.time_changed.emit(t)


class FaultSlider(QSlider):
    """The seek slider, with the faults of the run drawn on it.

    Each fault is a short tick under the groove at its time, in its kind's
    colour (:func:`~sandbox.gui.faults_menu.fault_colour`); a fault that
    lasts (a pause, a partition, a loss burst, a cut) also gets a faint band
    to its end. Hovering a tick shows what the fault is and when.
    """

    #: How close (pixels) the pointer must be to a tick for its tooltip.
    HIT_PX = 4

    def __init__(self, orientation: Qt.Orientation, parent: QWidget | None = None) -> None:
        super().__init__(orientation, parent)
        self._faults: list[Any] = []
        self._duration = 0

    @property
    def faults(self) -> list[Any]:
        """The faults drawn, in schedule order."""
        return list(self._faults)

    def set_faults(self, faults: Sequence[Any], duration: int) -> None:
        """Draw ``faults`` on a run ``duration`` ns long (no faults: none drawn)."""
        self._faults = list(faults)
        self._duration = max(0, int(duration))
        self.update()

    def x_of(self, t: int) -> float:
        """The x (widget pixels) of the centre of the handle at simulated time ``t``."""
        opt = QStyleOptionSlider()
        self.initStyleOption(opt)
        style = self.style()
        groove = style.subControlRect(QStyle.ComplexControl.CC_Slider, opt,
                                      QStyle.SubControl.SC_SliderGroove, self)
        handle = style.subControlRect(QStyle.ComplexControl.CC_Slider, opt,
                                      QStyle.SubControl.SC_SliderHandle, self)
        half = handle.width() / 2
        span = max(1.0, groove.width() - handle.width())
        frac = min(max(t / self._duration, 0.0), 1.0) if self._duration > 0 else 0.0
        return groove.left() + half + frac * span

    def faults_at(self, x: float) -> list[Any]:
        """The faults whose tick is within :attr:`HIT_PX` pixels of ``x``, by time."""
        hits = [f for f in self._faults if abs(self.x_of(fault_time(f)) - x) <= self.HIT_PX]
        return sorted(hits, key=fault_time)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        """The slider, then the faults' bands and ticks along its lower edge."""
        super().paintEvent(event)
        if not self._faults or self._duration <= 0:
            return
        dark = is_dark(self.palette())
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            h = self.height()
            for fault in self._faults:
                colour = fault_colour(fault.kind, dark)
                x = self.x_of(fault_time(fault))
                end = fault_end(fault)
                if end is not None or fault.kind in ("partition", "link_cut"):
                    xe = self.x_of(self._duration if end is None else end)
                    band = QColor(colour)
                    band.setAlphaF(0.35)
                    p.fillRect(QRectF(x, h - 3, max(1.0, xe - x), 2), band)
                p.setPen(QPen(colour, 2))
                p.drawLine(QPointF(x, h - 7), QPointF(x, h - 1))
        finally:
            p.end()

    def tooltip_at(self, x: float) -> str:
        """The tooltip of the ticks near ``x``: a line per fault ("" where there is none)."""
        lines = []
        for f in self.faults_at(x):
            line = self.tr("{kind} {target} at {time}").format(
                kind=kind_label(f.kind), target=fault_target(f),
                time=format_seconds(fault_time(f), 6))
            summary = fault_summary(f)
            lines.append(f"{line} \u00b7 {summary}" if summary else line)
        return "\n".join(lines)

    def event(self, event: QEvent) -> bool:  # noqa: D102 - Qt override: the ticks' tooltips
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.tooltip_at(event.pos().x())
            if text:
                QToolTip.showText(event.globalPos(), text, self)
                return True
        return super().event(event)


class PlayerBar(QWidget):
    """Transport controls of a :class:`Player`.

    Step back, play/pause and step forward buttons, a seek slider over the
    run, a log-scale speed slider with its label (``1x``) and a readout of
    the current real time and the selected host's local time
    (``t = 1.234 s · p1 local 1.240 s``). Shortcuts, active in the whole
    window: Space plays or pauses, ``,`` and ``.`` (or Alt+Left / Alt+Right)
    step to the previous or next event. The actions are public
    (``play_action``, ``step_back_action``, ``step_forward_action``) so a
    main window can put them in its menus.
    """

    def __init__(self, player: Player, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.player = player
        self._host: str | None = None
        self._unit = 1_000_000  # ns per seek slider step
        self._digits = 3  # decimals of a second for this run's length
        self._resolution = 0  # finer times to resolve (ns), asked for by a zoomed view
        self._shown_digits = 3  # decimals the readout shows now
        style = self.style()
        self._icon_play = style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
        self._icon_pause = style.standardIcon(QStyle.StandardPixmap.SP_MediaPause)

        self.play_action = QAction(self._icon_play, self.tr("Play"), self)
        self.play_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.play_action.triggered.connect(player.toggle)
        self.step_back_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaSeekBackward),
            self.tr("Previous event"), self)
        self.step_back_action.setShortcuts([QKeySequence(Qt.Key.Key_Comma),
                                            QKeySequence("Alt+Left")])
        self.step_back_action.triggered.connect(player.step_back)
        self.step_forward_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaSeekForward),
            self.tr("Next event"), self)
        self.step_forward_action.setShortcuts([QKeySequence(Qt.Key.Key_Period),
                                               QKeySequence("Alt+Right")])
        self.step_forward_action.triggered.connect(player.step_forward)
        for action, tip in ((self.play_action, self.tr("Play or pause (Space)")),
                            (self.step_back_action,
                             self.tr("Step back to the previous event (, or Alt+Left)")),
                            (self.step_forward_action,
                             self.tr("Step to the next event (. or Alt+Right)"))):
            action.setToolTip(tip)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)

        self.back_button = self._button(self.step_back_action)
        self.play_button = self._button(self.play_action)
        self.forward_button = self._button(self.step_forward_action)

        self.seek_slider = FaultSlider(Qt.Orientation.Horizontal, self)
        self.seek_slider.setObjectName("seekSlider")
        self.seek_slider.setToolTip(self.tr("Simulation time: drag to seek"))
        self.seek_slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.seek_slider.setMinimumWidth(80)
        self.seek_slider.valueChanged.connect(self._on_seek_slider)

        # the readouts have a fixed size (fitted to the longest text they may show), so
        # that new text on every frame repaints them without laying the bar out again
        self.time_label = QLabel(self)
        self.time_label.setObjectName("timeLabel")
        self.time_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.speed_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.speed_slider.setObjectName("speedSlider")
        self.speed_slider.setRange(0, SPEED_SLIDER_MAX)
        self.speed_slider.setPageStep(SPEED_SLIDER_MAX // 6)
        self.speed_slider.setFixedWidth(96)
        self.speed_slider.setToolTip(
            self.tr("Playback speed: simulated seconds per second, from 0.01x to 10000x"))
        self.speed_slider.valueChanged.connect(self._on_speed_slider)
        self.speed_label = QLabel(self)
        self.speed_label.setObjectName("speedLabel")
        self._fix_size(self.speed_label, [format_speed(SPEED_MAX), format_speed(0.25)])
        speed_caption = QLabel(self.tr("Speed"), self)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.setSpacing(4)
        layout.addWidget(self.back_button)
        layout.addWidget(self.play_button)
        layout.addWidget(self.forward_button)
        layout.addSpacing(6)
        layout.addWidget(self.seek_slider, 1)
        layout.addSpacing(8)
        layout.addWidget(self.time_label)
        layout.addSpacing(12)
        layout.addWidget(speed_caption)
        layout.addWidget(self.speed_slider)
        layout.addWidget(self.speed_label)

        player.time_changed.connect(self._on_time_changed)
        player.state_changed.connect(self._on_state_changed)
        player.speed_changed.connect(self._on_speed_changed)
        player.timeline_changed.connect(self._on_timeline_changed)
        self._on_timeline_changed()
        self._on_speed_changed(player.speed)
        self._on_state_changed(player.is_playing)

    def _button(self, action: QAction) -> QToolButton:
        button = QToolButton(self)
        button.setDefaultAction(action)
        button.setAutoRaise(True)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return button

    # -- public ------------------------------------------------------------------------
    def set_selected_host(self, host_id: str | None) -> None:
        """Show ``host_id``'s local time beside the real time (None: real time only)."""
        self._host = host_id or None
        self._fit_time_label()
        self._update_label()

    @property
    def selected_host(self) -> str | None:
        """The host whose local time is shown."""
        return self._host

    @property
    def seek_unit(self) -> int:
        """Nanoseconds per step of the seek slider: 1 ms, finer for runs under a second."""
        return self._unit

    # -- reactions ---------------------------------------------------------------------
    def _on_timeline_changed(self) -> None:
        duration = self.player.duration
        self._digits = time_digits(duration)
        unit = 1_000_000
        while unit > 1 and duration // unit < 1_000:
            unit //= 10
        unit = max(unit, -(-duration // 2_000_000_000))  # stay within a 32-bit slider
        self._unit = max(1, unit)
        with QSignalBlocker(self.seek_slider):
            self.seek_slider.setRange(0, -(-duration // self._unit))
            self.seek_slider.setPageStep(max(1, self.seek_slider.maximum() // 20))
            self.seek_slider.setSingleStep(max(1, self.seek_slider.maximum() // 1000))
            self.seek_slider.setValue(self.player.time // self._unit)
        enabled = self.player.timeline is not None and duration > 0
        for w in (self.play_action, self.step_back_action, self.step_forward_action):
            w.setEnabled(enabled)
        self.seek_slider.setEnabled(enabled)
        self.seek_slider.setToolTip(self.tr("Simulation time: drag to seek (run length {0})")
                                    .format(format_seconds(duration, self._digits)))
        tl = self.player.timeline
        self.seek_slider.set_faults(run_faults(tl.scenario) if tl is not None else [], duration)
        self._shown_digits = self._digits_now()
        self._fit_time_label()
        self._update_label()

    def _fix_size(self, label: QLabel, texts: list[str]) -> None:
        """Give ``label`` a fixed size that fits each of ``texts`` (no relayout when it changes)."""
        fm = label.fontMetrics()
        margins = label.contentsMargins()
        width = max(fm.horizontalAdvance(text) for text in texts) + 4 + \
            margins.left() + margins.right()
        if label.width() != width or label.minimumWidth() != label.maximumWidth():
            label.setFixedSize(width, max(fm.height(), label.sizeHint().height()))

    def _fit_time_label(self) -> None:
        """Fit the time readout to the longest text this run and host can give."""
        tl = self.player.timeline
        duration = self.player.duration
        seconds = [duration]
        host = self._host if tl is not None and self._host in tl.host_index else None
        if host is not None:
            seconds += [-abs(int(tl.local_time(host, t))) for t in (0, duration)]
        widest = []
        for ns in seconds:
            # every digit drawn as the widest one, for any time up to this one
            digits = format_seconds(ns, self._shown_digits)
            widest.append("".join("8" if ch.isdigit() else ch for ch in digits))
        text = self.tr("t = {0}").format(widest[0])
        if host is not None:
            text += self.tr(" · {0} local {1}").format(host, max(widest[1:], key=len))
        self._fix_size(self.time_label, [text])

    def _on_time_changed(self, t: int) -> None:
        if not self.seek_slider.isSliderDown():
            with QSignalBlocker(self.seek_slider):
                self.seek_slider.setValue(t // self._unit)
        self._update_label()

    def _on_seek_slider(self, value: int) -> None:
        self.player.seek(value * self._unit)

    def _on_speed_slider(self, value: int) -> None:
        self.player.set_speed(slider_to_speed(value))

    def _on_speed_changed(self, speed: float) -> None:
        if speed_to_slider(speed) != self.speed_slider.value():
            with QSignalBlocker(self.speed_slider):
                self.speed_slider.setValue(speed_to_slider(speed))
        self.speed_label.setText(format_speed(speed))

    def _on_state_changed(self, playing: bool) -> None:
        self.play_action.setIcon(self._icon_pause if playing else self._icon_play)
        self.play_action.setText(self.tr("Pause") if playing else self.tr("Play"))
        self._update_label()

    def set_time_resolution(self, ns: int) -> None:
        """Show enough decimals in the readout to resolve ``ns`` nanoseconds (a zoomed-in view
        asks for what one of its pixels spans; 0 goes back to the run's own precision)."""
        self._resolution = max(0, int(ns))
        self._update_label()

    @property
    def time_decimals(self) -> int:
        """How many decimals of a second the time readout shows now."""
        return self._shown_digits

    def _digits_now(self) -> int:
        """The decimals for the cursor now: the run's, more to resolve what a zoomed view asks,
        and, while paused on an event, enough that it does not read like its neighbours."""
        digits = self._digits
        if self._resolution > 0:
            digits = max(digits, min(9, math.ceil(9 - math.log10(self._resolution))))
        tl = self.player.timeline
        if tl is not None and not self.player.is_playing and len(tl):
            t = self.player.time
            if tl.next_event_time(t - 1) == t:  # an event happens at the cursor
                digits = distinct_digits(t, [tl.prev_event_time(t), tl.next_event_time(t)],
                                         digits)
        return digits

    def _update_label(self) -> None:
        t = self.player.time
        digits = self._digits_now()
        if digits != self._shown_digits:
            self._shown_digits = digits
            self._fit_time_label()
        text = self.tr("t = {0}").format(format_seconds(t, digits))
        tip = ""
        tl = self.player.timeline
        if self._host and tl is not None and self._host in tl.host_index:
            local = tl.local_time(self._host, t)
            text += self.tr(" · {0} local {1}").format(self._host, format_seconds(local, digits))
            tip = self.tr("{0}'s clock is {1} ms ahead of real time").format(
                self._host, f"{(local - t) / 1e6:+.3f}")
        self.time_label.setText(text)
        self.time_label.setToolTip(tip)
