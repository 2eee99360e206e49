"""The painted area of the space-time diagram: paints it, and turns the mouse into pan, zoom and clicks.

A drag pans (and scrolls the hosts), the wheel zooms around the mouse
(Shift+wheel pans, Alt+wheel scrolls the hosts), a click that is not a
drag reports the event under the mouse, and hovering an event shows its
tooltip. The canvas works through the public API of its
:class:`~.widget.SpaceTimeView` and reports clicks and resizes by signals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPointF, QSize, Qt, Signal
from PySide6.QtGui import QHelpEvent, QMouseEvent, QPainter, QPaintEvent, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from .readout import tooltip_text

if TYPE_CHECKING:
    from .widget import SpaceTimeView

__all__ = ["DiagramCanvas"]


class DiagramCanvas(QWidget):
    """The diagram of a :class:`~.widget.SpaceTimeView`, painted by the view's painter.

    ``clicked(seq | None)`` is emitted when the user clicks (without
    dragging): the event under the mouse, or None for empty space;
    ``resized()`` when the canvas changes size.
    """

    clicked = Signal(object)
    resized = Signal()

    def __init__(self, view: SpaceTimeView) -> None:
        super().__init__(view)
        self._view = view
        self._press: QPointF | None = None
        self._press_state: tuple[float, float, float] = (0.0, 0.0, 0.0)
        self._dragging = False
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def sizeHint(self) -> QSize:
        return QSize(640, 240)

    def minimumSizeHint(self) -> QSize:
        return QSize(240, 90)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self._view.painter.paint_screen(painter, self.rect(), self._view.frame())
        finally:
            painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()

    def hit(self, pos: QPointF) -> int | None:
        """The event drawn under ``pos`` (None if none)."""
        return self._view.diagram_layout.hit(self._view.frame(), pos.x(), pos.y())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position()
            layout = self._view.diagram_layout
            a0, a1 = layout.window
            self._press_state = (a0, a1, layout.vscroll)
            self._dragging = False

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        delta = event.position() - self._press
        if not self._dragging and abs(delta.x()) + abs(delta.y()) < 4:
            return
        self._dragging = True
        self.setCursor(Qt.CursorShape.ClosedHandCursor)
        a0, a1, vs = self._press_state
        lay = self._view.frame()
        width = lay.plot.width if lay is not None else max(1, self.width())
        vbar = self._view.vbar
        if vbar.isVisible():
            vbar.setValue(int(vs - delta.y()))
        self._view.set_window(*self._view.diagram_layout.dragged((a0, a1), delta.x(), width))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._press is None:
            return
        was_drag = self._dragging
        self._press = None
        self._dragging = False
        self.unsetCursor()
        if was_drag:
            return
        self.clicked.emit(self.hit(event.position()))

    def wheelEvent(self, event: QWheelEvent) -> None:
        view = self._view
        delta = event.angleDelta()
        mods = event.modifiers()
        dy = delta.y() or delta.x()
        if mods & Qt.KeyboardModifier.AltModifier:
            if view.vbar.isVisible():
                view.vbar.setValue(view.vbar.value() - dy // 2)
            event.accept()
            return
        if mods & Qt.KeyboardModifier.ShiftModifier or (delta.x() and not delta.y()):
            view.set_window(*view.diagram_layout.wheel_panned(dy / 120))
            event.accept()
            return
        lay = view.frame()
        if lay is None:
            return
        anchor = view.diagram_layout.value_at(lay, event.position().x())
        view.zoom(1.25 ** (dy / 120), anchor)
        event.accept()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            self._tooltip(event)  # type: ignore[arg-type]
            return True
        return super().event(event)

    def _tooltip(self, event: QHelpEvent) -> None:
        tl = self._view.timeline
        hit = self.hit(QPointF(event.pos()))
        if tl is None or hit is None:
            QToolTip.hideText()
            event.ignore()
            return
        QToolTip.showText(event.globalPos(), tooltip_text(tl, hit), self)
