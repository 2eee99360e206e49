"""The palette: host kinds and group boxes to drag onto the canvas, and the Link tool.

Each host kind (machine, VM, container) and group kind (rack, data centre,
region) is a button one drags onto the canvas (MIME types
:data:`~.view.HOST_KIND_MIME` and :data:`~.view.GROUP_KIND_MIME`, the kind as
text); a click asks for one at the centre of the view instead
(``host_kind_activated`` / ``group_kind_activated``). The Link tool button is
checkable: connect ``link_tool_toggled`` to ``CanvasScene.set_link_tool`` and
``CanvasScene.link_tool_changed`` to :meth:`Palette.set_link_tool`.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QMimeData, QPoint, QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QDrag, QIcon, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..theme import painted_icon
from .items import kind_icon
from .view import GROUP_KIND_MIME, HOST_KIND_MIME

#: Host kinds in palette order.
HOST_KINDS = ("machine", "vm", "container")
#: Group kinds in palette order.
GROUP_KINDS = ("rack", "datacenter", "region")


def link_tool_icon(size: int = 32, colour: QColor | None = None) -> QIcon:
    """The icon of the Link tool: two nodes joined by a line."""
    colour = colour or QApplication.palette().color(QPalette.ColorRole.ButtonText)
    def paint(p: QPainter, s: float, col: QColor) -> None:
        p.setPen(QPen(col, size / 14))
        a, b = QPointF(size * 0.25, size * 0.72), QPointF(size * 0.75, size * 0.28)
        p.drawLine(a, b)
        p.setBrush(col)
        p.drawEllipse(a, size * 0.12, size * 0.12)
        p.drawEllipse(b, size * 0.12, size * 0.12)

    return painted_icon(size, paint, ((QIcon.Mode.Normal, colour),))


class _KindButton(QToolButton):
    """A palette button that starts a drag carrying its kind."""

    activated = Signal(str)

    def __init__(self, mime: str, kind: str, text: str, tip: str, parent=None) -> None:
        super().__init__(parent)
        self.mime = mime
        self.kind = kind
        self.setText(text)
        self.setToolTip(tip)
        self.refresh_icon()
        self.setIconSize(QSize(28, 28))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setAutoRaise(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self._press: QPoint | None = None
        self.clicked.connect(lambda: self.activated.emit(self.kind))

    def refresh_icon(self) -> None:
        """Draw the icon for the current palette (lighter on a dark one)."""
        window = self.palette().color(QPalette.ColorRole.Window)
        self.setIcon(kind_icon(self.kind, 32, dark=window.lightness() < 128))

    def mime_data(self) -> QMimeData:
        """The drag payload: the kind under this button's MIME type."""
        data = QMimeData()
        data.setData(self.mime, QByteArray(self.kind.encode("utf-8")))
        data.setText(self.kind)
        return data

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Remember where a possible drag starts."""
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Start the drag once the pointer has moved far enough."""
        if (self._press is not None and event.buttons() & Qt.MouseButton.LeftButton
                and (event.position().toPoint() - self._press).manhattanLength()
                >= QApplication.startDragDistance()):
            self._press = None
            self.setDown(False)
            drag = QDrag(self)
            drag.setMimeData(self.mime_data())
            drag.setPixmap(self.icon().pixmap(QSize(40, 40)))
            drag.setHotSpot(QPoint(20, 20))
            drag.exec(Qt.DropAction.CopyAction)
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt override
        """A press and release without a drag is a click."""
        self._press = None
        super().mouseReleaseEvent(event)


class Palette(QWidget):
    """The palette widget: host kinds, the Link tool and group boxes."""

    #: The Link tool button was toggled.
    link_tool_toggled = Signal(bool)
    #: A host kind was clicked (add one at the centre of the view).
    host_kind_activated = Signal(str)
    #: A group kind was clicked.
    group_kind_activated = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("Palette")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(2)
        host_names = {"machine": self.tr("Machine"), "vm": self.tr("VM"),
                      "container": self.tr("Container")}
        host_tips = {
            "machine": self.tr("A physical machine. Drag onto the canvas to add one."),
            "vm": self.tr("A virtual machine. Drag onto the canvas to add one."),
            "container": self.tr("A container. Drag onto the canvas to add one."),
        }
        group_names = {"rack": self.tr("Rack"), "datacenter": self.tr("Data centre"),
                       "region": self.tr("Region")}
        group_tips = {
            "rack": self.tr("A rack box: hosts dropped in it share a rack. Drag onto the canvas."),
            "datacenter": self.tr("A data centre box: holds racks and hosts. Drag onto the "
                                  "canvas."),
            "region": self.tr("A region box: holds data centres. Drag onto the canvas."),
        }
        #: The host kind buttons by kind.
        self.host_buttons: dict[str, _KindButton] = {}
        #: The group kind buttons by kind.
        self.group_buttons: dict[str, _KindButton] = {}
        layout.addWidget(self._heading(self.tr("Hosts")))
        for kind in HOST_KINDS:
            button = _KindButton(HOST_KIND_MIME, kind, host_names[kind], host_tips[kind], self)
            button.activated.connect(self.host_kind_activated)
            self.host_buttons[kind] = button
            layout.addWidget(button)
        layout.addSpacing(8)
        layout.addWidget(self._heading(self.tr("Connect")))
        #: The checkable Link tool button.
        self.link_button = QToolButton(self)
        self.link_button.setText(self.tr("Link"))
        self.link_button.setToolTip(self.tr(
            "Link tool: drag from one host to another to connect them. Without the tool, "
            "Shift+drag from a host does the same. Esc leaves the tool."))
        self.link_button.setIcon(link_tool_icon(
            colour=self.palette().color(QPalette.ColorRole.ButtonText)))
        self.link_button.setIconSize(QSize(28, 28))
        self.link_button.setCheckable(True)
        self.link_button.setAutoRaise(True)
        self.link_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.link_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.link_button.toggled.connect(self.link_tool_toggled)
        layout.addWidget(self.link_button)
        layout.addSpacing(8)
        layout.addWidget(self._heading(self.tr("Groups")))
        for kind in GROUP_KINDS:
            button = _KindButton(GROUP_KIND_MIME, kind, group_names[kind], group_tips[kind], self)
            button.activated.connect(self.group_kind_activated)
            self.group_buttons[kind] = button
            layout.addWidget(button)
        layout.addStretch(1)

    def _heading(self, text: str) -> QLabel:
        label = QLabel(text, self)
        font = label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 0.85)
        label.setFont(font)
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        label.setContentsMargins(4, 4, 0, 2)
        return label

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Redraw the icons when the palette (light or dark theme) changes."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            for button in (*self.host_buttons.values(), *self.group_buttons.values()):
                button.refresh_icon()
            self.link_button.setIcon(link_tool_icon(
                colour=self.palette().color(QPalette.ColorRole.ButtonText)))

    def set_link_tool(self, on: bool) -> None:
        """Show the Link tool as on or off (without emitting ``link_tool_toggled`` again)."""
        if self.link_button.isChecked() != on:
            blocked = self.link_button.blockSignals(True)
            self.link_button.setChecked(on)
            self.link_button.blockSignals(blocked)
