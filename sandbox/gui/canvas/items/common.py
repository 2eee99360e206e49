"""What the canvas items share: card sizes, stacking order, kind and state colours, palette mixing.

Colours come from the scene's QPalette (window, base, text, highlight) mixed
with a few kind colours, so items read well in light and dark palettes.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette, QPen
from PySide6.QtWidgets import QGraphicsItem

#: Width and height of a host card, in scene units.
HOST_WIDTH = 156.0
HOST_HEIGHT = 52.0

#: Accent colour of each host kind.
HOST_KIND_COLOURS = {"machine": "#4f6bed", "vm": "#9b5de5", "container": "#0f9d8a"}
#: Colour of each group kind.
GROUP_KIND_COLOURS = {"rack": "#0284c7", "datacenter": "#16a34a", "region": "#d97706"}
#: Stacking order: regions behind data centres behind racks behind links behind hosts.
Z_GROUP = {"region": -30.0, "datacenter": -20.0, "rack": -10.0}
Z_LINK = -1.0
Z_HOST = 1.0
Z_OVERLAY = 10.0

#: Host states the run animation may set.
HOST_STATES = ("up", "crashed", "paused", "suspected", "byzantine")

CRASH_COLOUR = QColor("#e5484d")
SUSPECT_COLOUR = QColor("#f59e0b")
BYZANTINE_COLOUR = QColor("#c2255c")
CLOCK_COLOUR = QColor("#f5a524")


def tr(text: str) -> str:
    """``text`` translated in the canvas's context ("Canvas")."""
    return QCoreApplication.translate("Canvas", text)


def host_kind_name(kind: str) -> str:
    """The translated name of a host kind."""
    return {"machine": tr("Machine"), "vm": tr("Virtual machine"),
            "container": tr("Container")}.get(kind, kind)


def group_kind_name(kind: str) -> str:
    """The translated name of a group kind."""
    return {"rack": tr("Rack"), "datacenter": tr("Data centre"),
            "region": tr("Region")}.get(kind, kind)


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """The colour ``t`` of the way from ``a`` to ``b`` (0 is ``a``, 1 is ``b``)."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
        a.alphaF() + (b.alphaF() - a.alphaF()) * t,
    )


def with_alpha(colour: QColor, alpha: int) -> QColor:
    """A copy of ``colour`` with alpha ``alpha`` (0..255)."""
    c = QColor(colour)
    c.setAlpha(alpha)
    return c


@dataclass(frozen=True)
class CanvasColours:
    """The colours of the canvas, derived from a palette."""

    dark: bool
    background: QColor
    grid_minor: QColor
    grid_major: QColor
    card: QColor
    card_border: QColor
    text: QColor
    muted: QColor
    highlight: QColor
    link: QColor
    label_background: QColor
    shadow: QColor


_COLOUR_CACHE: dict[int, CanvasColours] = {}


def _colours(key: int, palette: QPalette) -> CanvasColours:
    cached = _COLOUR_CACHE.get(key)
    if cached is not None:
        return cached
    if len(_COLOUR_CACHE) > 16:
        _COLOUR_CACHE.clear()
    _COLOUR_CACHE[key] = out = _make_colours(palette)
    return out


def _make_colours(palette: QPalette) -> CanvasColours:
    window = palette.color(QPalette.ColorRole.Window)
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    highlight = palette.color(QPalette.ColorRole.Highlight)
    dark = window.lightness() < 128
    if dark:
        background = mix(base, window, 0.35)
        card = mix(base, text, 0.09)
    else:
        background = mix(window, base, 0.35)
        card = base
    return CanvasColours(
        dark=dark,
        background=background,
        grid_minor=mix(background, text, 0.05 if dark else 0.06),
        grid_major=mix(background, text, 0.10 if dark else 0.12),
        card=card,
        card_border=mix(card, text, 0.22 if dark else 0.20),
        text=text,
        muted=mix(text, background, 0.45),
        highlight=highlight,
        link=mix(background, text, 0.42 if dark else 0.45),
        label_background=mix(card, background, 0.15),
        shadow=QColor(0, 0, 0, 110 if dark else 30),
    )


def canvas_colours(palette: QPalette | None = None) -> CanvasColours:
    """The canvas colours for ``palette`` (the application's by default)."""
    if palette is None:
        palette = QGuiApplication.palette()
    return _colours(palette.cacheKey(), palette)


def item_colours(item: QGraphicsItem) -> CanvasColours:
    """The canvas colours for the palette of the scene ``item`` is in."""
    scene = item.scene()
    return canvas_colours(scene.palette() if scene is not None else None)


def round_pen(colour: QColor, width: float,
              style: Qt.PenStyle = Qt.PenStyle.SolidLine,
              cap: Qt.PenCapStyle = Qt.PenCapStyle.RoundCap) -> QPen:
    """A pen with round caps (by default)."""
    pen = QPen(colour, width, style)
    pen.setCapStyle(cap)
    return pen


def pixel_font(pixel_size: int, bold: bool = False) -> QFont:
    """The application font at ``pixel_size`` pixels, bold if asked."""
    font = QFont(QGuiApplication.font())
    font.setPixelSize(pixel_size)
    font.setBold(bold)
    return font


