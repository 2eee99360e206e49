"""Light and dark palettes for the Fusion style, and the colours that stand for hosts."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
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


def current_theme(app: QApplication | None = None) -> str:
    """The theme last applied to ``app`` with apply_theme (``light`` if none)."""
    app = app or QApplication.instance()
    theme = app.property("sandbox_theme") if app is not None else None
    return theme if theme in THEMES else "light"
