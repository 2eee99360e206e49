"""Light and dark palettes for the Fusion style, and the colours that stand for hosts."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QApplication

#: The themes the View menu offers.
THEMES = ("light", "dark")

#: Distinct, friendly colours for hosts (memory map, legends); more are made by hue steps.
_HOST_COLOURS = (
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948",
    "#b07aa1", "#ff9da7", "#9c755f", "#86bcb6", "#d37295", "#8cd17d",
)


def host_colour(index: int) -> QColor:
    """The colour of the host at ``index`` in the scenario (stable for a given index)."""
    if index < len(_HOST_COLOURS):
        return QColor(_HOST_COLOURS[index])
    hue = int((index * 137.508) % 360)
    return QColor.fromHsv(hue, 140, 210)


def host_colours(host_ids: Sequence[str]) -> dict[str, QColor]:
    """The colour of each host, by its place in the scenario's (or trace's) list of hosts: the
    one mapping the memory map, the space-time diagram's chips and the plots share."""
    return {h: host_colour(i) for i, h in enumerate(host_ids)}


#: Colours of protocol roles by tone (see sandbox.trace.state_view.role_tone): light, dark.
_TONES = {
    "lead": ("#8430ce", "#c58af9"), "contend": ("#b07d00", "#e3b341"),
    "follow": ("#5b7f86", "#86b5bd"), "done": ("#1e8e3e", "#6fdd8b"),
    "bad": ("#d93025", "#ff7b72"),
}
_OTHER_STATES = (("#1f77b4", "#6fa8dc"), ("#c2185b", "#f48fb1"), ("#00838f", "#4dd0e1"),
                 ("#6d4c41", "#bcaaa4"), ("#558b2f", "#aed581"), ("#3949ab", "#9fa8da"))


def state_colour(value: object, dark: bool) -> QColor:
    """The colour of a protocol state value (a role): by its tone for known words (leader,
    candidate, follower, ...), else a stable colour of its text; the same in every view."""
    from ..trace.state_view import role_tone

    tone = role_tone(value)
    if tone is not None:
        pair = _TONES[tone]
    else:
        pair = _OTHER_STATES[zlib.crc32(str(value).encode("utf-8")) % len(_OTHER_STATES)]
    return QColor(pair[1] if dark else pair[0])


def light_palette() -> QPalette:
    """The light palette: Fusion's own, with a calmer highlight."""
    palette = QPalette()
    window = QColor("#f3f4f6")
    palette.setColor(QPalette.ColorRole.Window, window)
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#1f2328"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#eef0f3"))
    palette.setColor(QPalette.ColorRole.ToolTipBase, QColor("#ffffe8"))
    palette.setColor(QPalette.ColorRole.ToolTipText, QColor("#1f2328"))
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor("#8a9099"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#1f2328"))
    palette.setColor(QPalette.ColorRole.Button, QColor("#e9ebef"))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor("#1f2328"))
    palette.setColor(QPalette.ColorRole.BrightText, QColor("#d1242f"))
    palette.setColor(QPalette.ColorRole.Light, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.Midlight, QColor("#e1e4e8"))
    palette.setColor(QPalette.ColorRole.Mid, QColor("#b8bec6"))
    palette.setColor(QPalette.ColorRole.Dark, QColor("#8c949e"))
    palette.setColor(QPalette.ColorRole.Shadow, QColor("#5a6169"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#2f6fde"))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.Link, QColor("#2f6fde"))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#9aa0a8"))
    return palette


def dark_palette() -> QPalette:
    """The dark palette for the Fusion style."""
    palette = QPalette()
    window = QColor("#25272b")
    base = QColor("#1b1d20")
    text = QColor("#e6e8eb")
    palette.setColor(QPalette.ColorRole.Window, window)
    palette.setColor(QPalette.ColorRole.WindowText, text)
    palette.setColor(QPalette.ColorRole.Base, base)
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#2a2d31"))
    palette.setColor(QPalette.ColorRole.ToolTipBase, QColor("#33363b"))
    palette.setColor(QPalette.ColorRole.ToolTipText, text)
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor("#7d838c"))
    palette.setColor(QPalette.ColorRole.Text, text)
    palette.setColor(QPalette.ColorRole.Button, QColor("#31343a"))
    palette.setColor(QPalette.ColorRole.ButtonText, text)
    palette.setColor(QPalette.ColorRole.BrightText, QColor("#ff6b6b"))
    palette.setColor(QPalette.ColorRole.Light, QColor("#43474e"))
    palette.setColor(QPalette.ColorRole.Midlight, QColor("#383b41"))
    palette.setColor(QPalette.ColorRole.Mid, QColor("#2c2f34"))
    palette.setColor(QPalette.ColorRole.Dark, QColor("#16181a"))
    palette.setColor(QPalette.ColorRole.Shadow, QColor("#0c0d0e"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#3d7be0"))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.Link, QColor("#7aa7f5"))
    disabled = QColor("#6b7079")
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Base, window)
    return palette


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether ``palette`` (the application's by default) has light text on a dark window."""
    if palette is None:
        app = QApplication.instance()
        palette = app.palette() if isinstance(app, QApplication) else QPalette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def error_colour(palette: QPalette | None = None) -> QColor:
    """The red of inline error messages, readable on the palette's window colour."""
    return QColor("#ff7b72") if is_dark(palette) else QColor("#c62828")


def apply_theme(app: QApplication, theme: str) -> None:
    """Set the Fusion style and the ``light`` or ``dark`` palette on ``app``."""
    if theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r} (known: {', '.join(THEMES)})")
    app.setStyle("Fusion")
    app.setPalette(dark_palette() if theme == "dark" else light_palette())
    app.setProperty("sandbox_theme", theme)
    repolish_styled(app)


def repolish_styled(app: QApplication) -> None:
    """Give the widgets with a style sheet of their own the application's new palette.

    A widget styled by a style sheet keeps the palette it was polished with
    when the application's palette changes (a form's section headers kept
    dark text on the dark theme, light text after switching back); setting
    its style sheet again polishes it with the palette now in force.
    """
    for widget in app.allWidgets():
        sheet = widget.styleSheet()
        if sheet:
            widget.setStyleSheet("")
            widget.setStyleSheet(sheet)


def current_theme(app: QApplication | None = None) -> str:
    """The theme last applied to ``app`` with apply_theme (``light`` if none)."""
    app = app or QApplication.instance()
    theme = app.property("sandbox_theme") if app is not None else None
    return theme if theme in THEMES else "light"


def _glyph(p: QPainter, name: str, s: float) -> None:
    """Draw the line glyph ``name`` in a square of side ``s`` (pen already set)."""
    if name == "new":
        path = QPainterPath()
        path.moveTo(s * 0.24, s * 0.1)
        path.lineTo(s * 0.58, s * 0.1)
        path.lineTo(s * 0.78, s * 0.3)
        path.lineTo(s * 0.78, s * 0.9)
        path.lineTo(s * 0.24, s * 0.9)
        path.closeSubpath()
        path.moveTo(s * 0.58, s * 0.1)
        path.lineTo(s * 0.58, s * 0.3)
        path.lineTo(s * 0.78, s * 0.3)
        p.drawPath(path)
    elif name == "open":
        path = QPainterPath()
        path.moveTo(s * 0.1, s * 0.8)
        path.lineTo(s * 0.1, s * 0.2)
        path.lineTo(s * 0.38, s * 0.2)
        path.lineTo(s * 0.46, s * 0.3)
        path.lineTo(s * 0.8, s * 0.3)
        path.lineTo(s * 0.8, s * 0.42)
        path.moveTo(s * 0.1, s * 0.8)
        path.lineTo(s * 0.24, s * 0.44)
        path.lineTo(s * 0.94, s * 0.44)
        path.lineTo(s * 0.8, s * 0.8)
        path.closeSubpath()
        p.drawPath(path)
    elif name == "save":
        path = QPainterPath()
        path.moveTo(s * 0.14, s * 0.14)
        path.lineTo(s * 0.7, s * 0.14)
        path.lineTo(s * 0.86, s * 0.3)
        path.lineTo(s * 0.86, s * 0.86)
        path.lineTo(s * 0.14, s * 0.86)
        path.closeSubpath()
        p.drawPath(path)
        p.drawRect(QRectF(s * 0.3, s * 0.14, s * 0.34, s * 0.2))
        p.drawRect(QRectF(s * 0.28, s * 0.56, s * 0.44, s * 0.3))
    elif name in ("undo", "redo"):
        if name == "redo":
            p.translate(s, 0)
            p.scale(-1, 1)
        path = QPainterPath()
        path.moveTo(s * 0.3, s * 0.36)
        path.lineTo(s * 0.62, s * 0.36)
        path.cubicTo(s * 0.98, s * 0.36, s * 0.98, s * 0.84, s * 0.62, s * 0.84)
        path.lineTo(s * 0.4, s * 0.84)
        p.drawPath(path)
        head = QPainterPath()
        head.moveTo(s * 0.42, s * 0.18)
        head.lineTo(s * 0.22, s * 0.36)
        head.lineTo(s * 0.42, s * 0.54)
        p.drawPath(head)
    elif name == "fit":
        a, b = s * 0.14, s * 0.86
        k = s * 0.24
        for x, y, dx, dy in ((a, a, 1, 1), (b, a, -1, 1), (a, b, 1, -1), (b, b, -1, -1)):
            path = QPainterPath()
            path.moveTo(x + dx * k, y)
            path.lineTo(x, y)
            path.lineTo(x, y + dy * k)
            p.drawPath(path)
        p.drawRect(QRectF(s * 0.36, s * 0.36, s * 0.28, s * 0.28))
    elif name in ("zoom_in", "zoom_out"):
        p.drawEllipse(QRectF(s * 0.12, s * 0.12, s * 0.54, s * 0.54))
        p.drawLine(QPointF(s * 0.6, s * 0.6), QPointF(s * 0.88, s * 0.88))
        p.drawLine(QPointF(s * 0.27, s * 0.39), QPointF(s * 0.51, s * 0.39))
        if name == "zoom_in":
            p.drawLine(QPointF(s * 0.39, s * 0.27), QPointF(s * 0.39, s * 0.51))


#: The names :func:`line_icon` draws.
ICON_NAMES = ("new", "open", "save", "undo", "redo", "fit", "zoom_in", "zoom_out")


def painted_icon(size: int, paint: Callable[[QPainter, float, QColor], None],
                 colours: Sequence[tuple[QIcon.Mode, QColor]]) -> QIcon:
    """An icon drawn by ``paint(painter, size, colour)`` at 1x and 2x, once per (mode, colour)."""
    icon = QIcon()
    for mode, colour in colours:
        for scale in (1, 2):
            pix = QPixmap(size * scale, size * scale)
            pix.setDevicePixelRatio(scale)
            pix.fill(Qt.GlobalColor.transparent)
            p = QPainter(pix)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            paint(p, float(size), colour)
            p.end()
            icon.addPixmap(pix, mode)
    return icon


def line_icon(name: str, colour: QColor | None = None, size: int = 20) -> QIcon:
    """A simple line icon (``new``, ``open``, ``save``, ``undo``, ``redo``, ``fit`` ...).

    Drawn in ``colour`` (the palette's button text by default), with a greyed
    variant for disabled actions, so it suits both themes.
    """
    if name not in ICON_NAMES:
        raise ValueError(f"unknown icon {name!r}")
    app = QApplication.instance()
    palette = app.palette() if isinstance(app, QApplication) else QPalette()
    if colour is None:
        colour = palette.color(QPalette.ColorRole.ButtonText)
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText)
    def paint(p: QPainter, s: float, col: QColor) -> None:
        pen = QPen(col, max(1.4, size / 12))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        _glyph(p, name, s)

    return painted_icon(size, paint, ((QIcon.Mode.Normal, colour), (QIcon.Mode.Disabled, disabled)))
