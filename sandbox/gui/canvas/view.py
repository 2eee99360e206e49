"""The canvas view: zoom, pan, grid background, rubber-band selection and palette drops.

Gestures: the wheel zooms about the pointer, Ctrl+= / Ctrl+- / Ctrl+0 zoom in,
out and back to 100 %; the middle button, or Space held with the left button,
pans; a drag on empty canvas selects with a rubber band (Ctrl adds to the
selection). :meth:`CanvasView.fit` shows every item (the main window binds F).
Host and group kinds dragged from the palette are dropped here. An empty
canvas (no host yet) shows how to start, in the middle of the view; its
"open a preset" part is a link (:attr:`CanvasView.presets_requested`).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QCoreApplication, QLineF, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QFontMetricsF, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import QFrame, QGraphicsView

from .items import GroupItem, canvas_colours
from .items.common import mix, pixel_font
from .scene import CanvasScene

#: MIME type of a host kind dragged from the palette (the data is the kind, as text).
HOST_KIND_MIME = "application/x-dssandbox-host-kind"
#: MIME type of a group kind dragged from the palette.
GROUP_KIND_MIME = "application/x-dssandbox-group-kind"


class CanvasView(QGraphicsView):
    """A QGraphicsView of a :class:`CanvasScene` with the editor's gestures."""

    #: The zoom factor changed (1.0 is 100 %).
    zoom_changed = Signal(float)
    #: The pointer moved over the canvas (scene coordinates), for a status bar.
    cursor_moved = Signal(QPointF)
    #: The "open a preset" link of the empty canvas's hint was clicked (global position).
    presets_requested = Signal(QPoint)

    MIN_ZOOM = 0.05
    MAX_ZOOM = 4.0
    #: Largest zoom :meth:`fit` uses (small scenarios are not blown up).
    FIT_MAX_ZOOM = 1.25
    ZOOM_STEP = 1.2

    def __init__(self, scene: CanvasScene, parent=None) -> None:
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing
                            | QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.ContainsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing, True)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setToolTip("")
        self._panning = False
        self._pan_from = QPoint()
        self._space = False
        self._drop_target: GroupItem | None = None
        scene.link_tool_changed.connect(self._on_link_tool_changed)
        self._document = doc = scene.document
        for signal in (doc.host_added, doc.host_removed, doc.reset):
            signal.connect(self._on_hosts_changed)

    def canvas_scene(self) -> CanvasScene:
        """The scene shown."""
        return self.scene()

    # -- zoom ----------------------------------------------------------------------------------

    def zoom(self) -> float:
        """The zoom factor (1.0 is 100 %)."""
        return self.transform().m11()

    def set_zoom(self, factor: float) -> None:
        """Zoom to ``factor`` about the view centre, within the allowed range."""
        anchor = self.transformationAnchor()
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self._scale_to(factor)
        self.setTransformationAnchor(anchor)

    def _scale_to(self, factor: float) -> None:
        factor = max(self.MIN_ZOOM, min(self.MAX_ZOOM, factor))
        current = self.zoom()
        if not math.isclose(factor, current):
            self.scale(factor / current, factor / current)
            self.zoom_changed.emit(self.zoom())

    def zoom_in(self) -> None:
        """Zoom in one step."""
        self.set_zoom(self.zoom() * self.ZOOM_STEP)

    def zoom_out(self) -> None:
        """Zoom out one step."""
        self.set_zoom(self.zoom() / self.ZOOM_STEP)

    def reset_zoom(self) -> None:
        """Back to 100 %."""
        self.set_zoom(1.0)

    def fit(self) -> None:
        """Zoom and scroll so that every host and group is in view."""
        rect = self.canvas_scene().itemsBoundingRect()
        if rect.isNull():
            self.resetTransform()
            self.centerOn(0, 0)
            self.zoom_changed.emit(self.zoom())
            return
        rect = rect.adjusted(-40, -40, 40, 40)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > self.FIT_MAX_ZOOM:
            self.set_zoom(self.FIT_MAX_ZOOM)
        elif self.zoom() < self.MIN_ZOOM:
            self.set_zoom(self.MIN_ZOOM)
        self.centerOn(rect.center())
        self.zoom_changed.emit(self.zoom())

    #: The smallest zoom an automatic fit goes down to (host names stay readable); below it
    #: the view is centred on the scenario and scrolls.
    READABLE_ZOOM = 0.75

    def fit_if_needed(self) -> bool:
        """Fit the scenario in view, as after a run, only when the view does not show all the
        hosts and groups already, and never below :data:`READABLE_ZOOM` (unless the user was
        lower): then it is centred and scrolls. Returns whether the view changed."""
        rect = self.canvas_scene().itemsBoundingRect()
        if rect.isNull():
            return False
        shown = self.mapToScene(self.viewport().rect()).boundingRect()
        if shown.contains(rect):
            return False
        rect = rect.adjusted(-40, -40, 40, 40)
        port = self.viewport().rect()
        fitting = min(port.width() / max(1.0, rect.width()), port.height() / max(1.0, rect.height()))
        target = max(fitting, min(self.READABLE_ZOOM, self.zoom()))
        self._scale_to(min(target, self.FIT_MAX_ZOOM))
        self.centerOn(rect.center())
        self.zoom_changed.emit(self.zoom())
        return True

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Zoom about the pointer."""
        delta = event.angleDelta().y()
        if delta == 0:
            super().wheelEvent(event)
            return
        self._scale_to(self.zoom() * self.ZOOM_STEP ** (delta / 120.0))
        event.accept()

    # -- keys ------------------------------------------------------------------------------------

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Zoom keys and Space for panning; other keys go to the scene (Delete, Esc)."""
        if event.matches(QKeySequence.StandardKey.ZoomIn) or (
                event.modifiers() & Qt.KeyboardModifier.ControlModifier
                and event.key() in (Qt.Key.Key_Equal, Qt.Key.Key_Plus)):
            self.zoom_in()
            event.accept()
            return
        if event.matches(QKeySequence.StandardKey.ZoomOut) or (
                event.modifiers() & Qt.KeyboardModifier.ControlModifier
                and event.key() == Qt.Key.Key_Minus):
            self.zoom_out()
            event.accept()
            return
        if (event.modifiers() & Qt.KeyboardModifier.ControlModifier
                and event.key() == Qt.Key.Key_0):
            self.reset_zoom()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:  # noqa: N802 - Qt override
        """End Space panning."""
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            if not self._panning:
                self._restore_cursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def _restore_cursor(self) -> None:
        if self.canvas_scene().link_tool:
            self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        else:
            self.viewport().unsetCursor()

    def _on_link_tool_changed(self, on: bool) -> None:
        self._restore_cursor()

    # -- pan --------------------------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Middle button, or Space with the left button, pans; a click on the empty canvas's
        "open a preset" link asks for the presets; the rest goes to the scene."""
        if (event.button() == Qt.MouseButton.LeftButton and not self._space
                and self._hint_link_hit(event.position())):
            self.presets_requested.emit(event.globalPosition().toPoint())
            event.accept()
            return
        if event.button() == Qt.MouseButton.MiddleButton or (
                self._space and event.button() == Qt.MouseButton.LeftButton):
            self._panning = True
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Pan while panning, otherwise pass on (and report the pointer)."""
        if self._panning:
            pos = event.position().toPoint()
            delta = pos - self._pan_from
            self._pan_from = pos
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        self.cursor_moved.emit(self.mapToScene(event.position().toPoint()))
        if self.is_empty():
            on_link = self._hint_link_hit(event.position())
            if on_link:
                self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
            elif self.viewport().cursor().shape() == Qt.CursorShape.PointingHandCursor:
                self._restore_cursor()
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Stop panning."""
        if self._panning and event.button() in (Qt.MouseButton.MiddleButton,
                                                Qt.MouseButton.LeftButton):
            self._panning = False
            if self._space:
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            else:
                self._restore_cursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Adapt the scene's detail (link labels) to the zoom, then paint."""
        self.canvas_scene().set_view_zoom(self.zoom())
        super().paintEvent(event)

    # -- background --------------------------------------------------------------------------------

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        """The canvas colour with a grid: faint lines every grid step, stronger every fifth."""
        c = canvas_colours(self.scene().palette())
        painter.fillRect(rect, c.background)
        grid = self.canvas_scene().grid_size
        zoom = self.zoom()
        step = grid
        while step * zoom < 9:
            step *= 5
        major = step * 5
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for spacing, colour in ((step, c.grid_minor), (major, c.grid_major)):
            pen = QPen(colour, 0)
            pen.setCosmetic(True)
            painter.setPen(pen)
            left = math.floor(rect.left() / spacing) * spacing
            top = math.floor(rect.top() / spacing) * spacing
            lines = []
            x = left
            while x <= rect.right():
                if spacing == major or round(x / spacing) % 5:
                    lines.append(QLineF(x, rect.top(), x, rect.bottom()))
                x += spacing
            y = top
            while y <= rect.bottom():
                if spacing == major or round(y / spacing) % 5:
                    lines.append(QLineF(rect.left(), y, rect.right(), y))
                y += spacing
            painter.drawLines(lines)

    # -- the empty canvas's hint ----------------------------------------------------------------

    def is_empty(self) -> bool:
        """Whether the scenario has no host (the canvas then says how to start)."""
        return not self._document.scenario.hosts

    def hint_text(self) -> tuple[str, str, str]:
        """The hint of an empty canvas: its heading, its line, and the link part of the line
        (which opens the presets when clicked)."""
        tr = QCoreApplication.translate
        return (tr("CanvasView", "An empty scenario"),
                tr("CanvasView", "Drag a host from the palette, or open a preset:"),
                tr("CanvasView", "File › Presets"))

    def _hint_layout(self) -> tuple[QRectF, QRectF, QRectF]:
        """Where the heading, the line and the link are drawn, in viewport pixels."""
        heading, line, link = self.hint_text()
        big, small = pixel_font(20, bold=True), pixel_font(14)
        fm_big, fm_small = QFontMetricsF(big), QFontMetricsF(small)
        centre = QRectF(self.viewport().rect()).center()
        h_w = fm_big.horizontalAdvance(heading)
        line_w = fm_small.horizontalAdvance(line + " ")
        link_w = QFontMetricsF(pixel_font(14, bold=True)).horizontalAdvance(link)
        top = centre.y() - (fm_big.height() + 8 + fm_small.height()) / 2
        head_rect = QRectF(centre.x() - h_w / 2, top, h_w, fm_big.height())
        left = centre.x() - (line_w + link_w) / 2
        y = top + fm_big.height() + 8
        return (head_rect, QRectF(left, y, line_w, fm_small.height()),
                QRectF(left + line_w, y, link_w, fm_small.height()))

    def _hint_link_hit(self, pos: QPointF) -> bool:
        return self.is_empty() and self._hint_layout()[2].adjusted(-4, -4, 4, 4).contains(pos)

    def _on_hosts_changed(self, *_args: object) -> None:
        self.viewport().update()  # the hint shows or goes, whatever part was exposed

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802 - Qt override
        """Scroll; the hint stays in the middle of the view (not moved with the scene)."""
        super().scrollContentsBy(dx, dy)
        if self.is_empty():
            self.viewport().update()

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        """On an empty canvas, the hint of how to start, centred in the view."""
        super().drawForeground(painter, rect)
        if not self.is_empty():
            return
        c = canvas_colours(self.scene().palette())
        heading, line, link = self.hint_text()
        head_rect, line_rect, link_rect = self._hint_layout()
        painter.save()
        painter.resetTransform()  # viewport pixels: the hint keeps its size at any zoom
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        painter.setFont(pixel_font(20, bold=True))
        painter.setPen(c.text)
        painter.drawText(head_rect, Qt.AlignmentFlag.AlignCenter, heading)
        painter.setFont(pixel_font(14))
        painter.setPen(c.muted)
        painter.drawText(line_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         line)
        font = pixel_font(14, bold=True)
        font.setUnderline(True)
        painter.setFont(font)
        painter.setPen(mix(c.highlight, c.text, 0.3) if c.dark else c.highlight)
        painter.drawText(link_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         link)
        painter.restore()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Redraw the cached background when the palette changes."""
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self.resetCachedContent()
            self.viewport().update()

    # -- drops from the palette ---------------------------------------------------------------------

    @staticmethod
    def _kind(event) -> tuple[str, str] | None:
        mime = event.mimeData()
        for fmt in (HOST_KIND_MIME, GROUP_KIND_MIME):
            if mime.hasFormat(fmt):
                return fmt, bytes(mime.data(fmt).data()).decode("utf-8").strip()
        return None

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Accept host and group kinds from the palette."""
        if self._kind(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Highlight the group box a dropped host would join."""
        kind = self._kind(event)
        if kind is None:
            event.ignore()
            return
        event.acceptProposedAction()
        target = None
        if kind[0] == HOST_KIND_MIME:
            pos = self.mapToScene(event.position().toPoint())
            target = self.canvas_scene().group_at(pos)
        self._set_drop_target(target)

    def dragLeaveEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Clear the highlight."""
        self._set_drop_target(None)
        event.accept()

    def _set_drop_target(self, target: GroupItem | None) -> None:
        if target is not self._drop_target:
            if self._drop_target is not None and self._drop_target.scene() is not None:
                self._drop_target.set_drop_target(False)
            self._drop_target = target
            if target is not None:
                target.set_drop_target(True)

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Create the dropped host (snapped, in the group under it) or group box."""
        self._set_drop_target(None)
        kind = self._kind(event)
        if kind is None:
            event.ignore()
            return
        fmt, name = kind
        pos = self.mapToScene(event.position().toPoint())
        scene = self.canvas_scene()
        try:
            if fmt == HOST_KIND_MIME:
                scene.drop_host(name, pos)
            else:
                scene.drop_group(name, pos)
        except ValueError as exc:
            scene.message.emit(str(exc))
            event.ignore()
            return
        event.acceptProposedAction()
        self.setFocus()
