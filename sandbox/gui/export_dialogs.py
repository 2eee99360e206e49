"""Export dialogs of the main window: the trace in every format, plots, the space-time diagram.

Each function asks for a file name (a save dialog with one filter per
format), writes the file and shows any error in a message box; it returns
the path written, or None when the user cancelled or writing failed. For
tests and scripts the dialogs are injectable: give ``path`` (and optionally
``fmt``) to skip the question, ``ask_path`` to replace the file dialog
(same arguments and result as :meth:`QFileDialog.getSaveFileName`) and
``show_error(parent, title, text)`` to replace the message box.

A trace is first written to a ``.part`` file beside the target and then
renamed, so a failed export never leaves a half-written file behind. No
export writes over something that is not a regular file (a folder, a pipe,
a device): it is refused with a message, so a FIFO never blocks the window;
an export through a symbolic link writes its target, and an existing trace
file keeps its permissions. Every failure, whatever raised it, is a message
naming the file and the reason; the run shown is kept.

:class:`ExportController` is the main window's export handling: the run
shown (trace, plot, space-time diagram) through the functions above, and
pictures of the whole canvas (PNG, SVG).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget

from ..scenario.files import FileRefused
from ..trace.events import TraceEvent
from ..trace.export import export as export_trace_file
from .canvas.items import canvas_colours
from .file_controller import failure_reason

__all__ = [
    "PLOT_FORMATS",
    "SPACETIME_FORMATS",
    "TRACE_FORMATS",
    "ExportController",
    "export_plot",
    "export_spacetime",
    "export_trace",
    "format_for_path",
    "writable_target",
]

AskPath = Callable[[QWidget | None, str, str, str], tuple[str, str]]
ShowError = Callable[[QWidget | None, str, str], Any]

#: Trace formats: name -> file suffix (names as :func:`sandbox.trace.export.export` takes).
TRACE_FORMATS: dict[str, str] = {"jsonl": ".jsonl", "csv": ".csv", "shiviz": ".log",
                                 "chrome": ".json"}
#: Plot formats: ``csv`` is the shown plot's series, ``csv_all`` every plot's.
PLOT_FORMATS: dict[str, str] = {"png": ".png", "svg": ".svg", "csv": ".csv", "csv_all": ".csv"}
#: Space-time diagram formats.
SPACETIME_FORMATS: dict[str, str] = {"png": ".png", "svg": ".svg"}

#: Suffixes that name a trace format when a file name is typed with one.
_TRACE_SUFFIXES = {".jsonl": "jsonl", ".csv": "csv", ".log": "shiviz", ".txt": "shiviz",
                   ".json": "chrome"}

#: The folder of the last export, where the next dialog opens.
_last_dir: Path | None = None


translate = QCoreApplication.translate


def _tr(text: str) -> str:
    return QCoreApplication.translate("ExportDialogs", text)


def _trace_filters() -> dict[str, str]:
    return {
        "jsonl": _tr("DS Sandbox trace, JSONL (*.jsonl)"),
        "csv": _tr("CSV table (*.csv)"),
        "shiviz": _tr("ShiViz log (*.log)"),
        "chrome": _tr("Chrome / Perfetto trace JSON (*.json)"),
    }


def _plot_filters() -> dict[str, str]:
    return {
        "png": _tr("PNG image (*.png)"),
        "svg": _tr("SVG drawing (*.svg)"),
        "csv": _tr("CSV, the series of this plot (*.csv)"),
        "csv_all": _tr("CSV, the series of every plot (*.csv)"),
    }


def _image_filters() -> dict[str, str]:
    return {"png": _tr("PNG image (*.png)"), "svg": _tr("SVG drawing (*.svg)")}


#: The space-time formats that keep the highlight of the selected event (offered with one).
_HIGHLIGHT_FORMATS: dict[str, str] = {"png_highlight": ".png", "svg_highlight": ".svg"}


def _highlight_filters() -> dict[str, str]:
    return {"png_highlight": _tr("PNG image, the selected event highlighted (*.png)"),
            "svg_highlight": _tr("SVG drawing, the selected event highlighted (*.svg)")}


def format_for_path(path: str | os.PathLike, formats: dict[str, str]) -> str | None:
    """The format a file name asks for by its suffix (None when it names none of ``formats``)."""
    suffix = Path(path).suffix.lower()
    if formats is TRACE_FORMATS:
        return _TRACE_SUFFIXES.get(suffix)
    for name, ext in formats.items():
        if ext == suffix:
            return name
    return None


def _show_error_box(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.critical(parent, title, text)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text.strip()).strip("-").lower()


def _default_name(header: dict[str, Any] | None, what: str = "") -> str:
    scenario = (header or {}).get("scenario") or {}
    title = scenario.get("title") if isinstance(scenario, dict) else ""
    stem = _slug(title or "") or "run"
    seed = (header or {}).get("seed")
    if seed is not None:
        stem += f"-seed{seed}"
    return f"{stem}-{what}" if what else stem


def _choose(parent: QWidget | None, caption: str, stem: str, filters: dict[str, str],
            formats: dict[str, str], path: str | os.PathLike | None, fmt: str | None,
            ask_path: AskPath | None) -> tuple[Path, str] | None:
    """The file and format to write: as given, or asked with a save dialog (None if cancelled)."""
    global _last_dir
    if fmt is not None and fmt not in formats:
        raise ValueError(f"unknown format {fmt!r} (use one of {', '.join(formats)})")
    if path is None:
        ask = ask_path or QFileDialog.getSaveFileName
        first = fmt or next(iter(formats))
        folder = _last_dir or Path.home()
        order = [first] + [f for f in formats if f != first]
        chosen, selected = ask(parent, caption, str(folder / f"{stem}{formats[first]}"),
                               ";;".join(filters[f] for f in order))
        if not chosen:
            return None
        by_filter = {v: k for k, v in filters.items()}
        fmt = by_filter.get(selected, fmt)
        target = Path(chosen)
        typed = format_for_path(target, formats)
        if fmt is None:
            fmt = typed or first
        elif typed is not None and formats[typed] != formats[fmt]:
            fmt = typed  # a suffix typed on purpose wins over the filter left selected
        if not target.suffix:
            target = target.with_name(target.name + formats[fmt])
    else:
        target = Path(path)
        fmt = fmt or format_for_path(target, formats) or next(iter(formats))
    _last_dir = target.parent
    return target, fmt


@contextmanager
def _busy():
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


def writable_target(path: str | os.PathLike) -> tuple[Path, int | None]:
    """Where an export to ``path`` writes (a symbolic link's target) and the permission bits
    to keep (None for a new file); something that is not a regular file raises FileRefused."""
    real = Path(os.path.realpath(path))
    try:
        st = os.stat(real)
    except FileNotFoundError:
        return real, None
    if not stat.S_ISREG(st.st_mode):
        what = _tr("a folder") if stat.S_ISDIR(st.st_mode) else _tr("not a regular file")
        raise FileRefused(path, _tr("is {what}; it is not replaced").format(what=what))
    return real, stat.S_IMODE(st.st_mode)


def _failed(parent: QWidget | None, show_error: ShowError | None, target: Path,
            exc: BaseException) -> None:
    reason = failure_reason(exc)
    (show_error or _show_error_box)(
        parent, _tr("Cannot export"),
        _tr("{path} could not be written: {error}").format(path=str(target), error=reason))


def export_trace(parent: QWidget | None, header: dict[str, Any],
                 events: Iterable[TraceEvent] | Sequence[TraceEvent],
                 path: str | os.PathLike | None = None, fmt: str | None = None, *,
                 ask_path: AskPath | None = None,
                 show_error: ShowError | None = None) -> Path | None:
    """Save the trace as JSONL, CSV, a ShiViz log or Chrome trace JSON (see :data:`TRACE_FORMATS`).

    With no ``path`` a save dialog asks, with one filter per format. Without
    ``fmt`` the format follows the chosen filter, or the suffix of the name.
    Returns the file written, or None.
    """
    chosen = _choose(parent, _tr("Export Trace"), _default_name(header), _trace_filters(),
                     TRACE_FORMATS, path, fmt, ask_path)
    if chosen is None:
        return None
    target, fmt = chosen
    part: Path | None = None
    try:
        real, mode = writable_target(target)
        part = real.with_name(real.name + ".part")
        with _busy():
            export_trace_file(header, events, fmt, part)
            if mode is not None:
                os.chmod(part, mode)
            os.replace(part, real)
    except Exception as exc:  # noqa: BLE001 - whatever stops an export is a message
        if part is not None:
            try:
                part.unlink()
            except OSError:
                pass
        _failed(parent, show_error, target, exc)
        return None
    return target


def export_plot(parent: QWidget | None, plots_panel: Any,
                path: str | os.PathLike | None = None, fmt: str | None = None, *,
                ask_path: AskPath | None = None,
                show_error: ShowError | None = None) -> Path | None:
    """Save the plot shown in the plots panel as PNG or SVG, or plot series as CSV.

    Formats (:data:`PLOT_FORMATS`): ``png`` (twice the size on screen, for
    sharp slides), ``svg``, ``csv`` (the shown plot's series) and
    ``csv_all`` (every plot's). Returns the file written, or None.
    """
    current = plots_panel.current_plot()
    chosen = _choose(parent, _tr("Export Plot"), _default_name(
        getattr(plots_panel, "header", None), current), _plot_filters(), PLOT_FORMATS,
        path, fmt, ask_path)
    if chosen is None:
        return None
    target, fmt = chosen
    try:
        writable_target(target)
        with _busy():
            if fmt == "png":
                width = plots_panel.page_widget(current).width()
                plots_panel.export_png(target, width=max(1200, 2 * width))
            elif fmt == "svg":
                plots_panel.export_svg(target)
            else:
                plots_panel.export_csv(target, which="all" if fmt == "csv_all" else "current")
    except Exception as exc:  # noqa: BLE001 - whatever stops an export is a message
        _failed(parent, show_error, target, exc)
        return None
    if not target.is_file():
        _failed(parent, show_error, target, OSError(_tr("nothing was written")))
        return None
    return target


def export_spacetime(parent: QWidget | None, view: Any,
                     path: str | os.PathLike | None = None, fmt: str | None = None, *,
                     ask_path: AskPath | None = None,
                     show_error: ShowError | None = None,
                     with_selection: bool = False) -> Path | None:
    """Save the space-time diagram as PNG or SVG with ``view.export_image(path)``.

    The format follows the suffix of the file, which this function sets
    from the chosen filter. The picture leaves out the highlight of the
    selected event unless ``with_selection``, or a filter that keeps it is
    chosen in the dialog (offered when an event is selected; the formats
    ``png_highlight`` and ``svg_highlight`` name them). ``export_image`` may
    return False or raise ``OSError`` to report a failure. Returns the file
    written, or None.
    """
    header = getattr(view, "header", None)
    formats = dict(SPACETIME_FORMATS)
    filters = _image_filters()
    if getattr(view, "selected_event", None) is not None or (fmt in _HIGHLIGHT_FORMATS):
        formats.update(_HIGHLIGHT_FORMATS)
        filters.update(_highlight_filters())
    chosen = _choose(parent, _tr("Export Space-Time Diagram"),
                     _default_name(header if isinstance(header, dict) else None, "spacetime"),
                     filters, formats, path, fmt, ask_path)
    if chosen is None:
        return None
    target, fmt = chosen
    if fmt in _HIGHLIGHT_FORMATS:
        with_selection = True
    if target.suffix.lower() != formats[fmt]:
        target = target.with_name(target.name + formats[fmt])
    try:
        writable_target(target)
        with _busy():
            ok = view.export_image(str(target), with_selection=True) if with_selection \
                else view.export_image(str(target))
    except Exception as exc:  # noqa: BLE001 - whatever stops an export is a message
        _failed(parent, show_error, target, exc)
        return None
    if ok is False or not target.is_file():
        _failed(parent, show_error, target, OSError(_tr("nothing was written")))
        return None
    return target


# -- the main window's export handling --------------------------------------------------------


class ExportController:
    """File > Export: the run shown (trace, plot, space-time diagram) and the whole canvas.

    ``shown_run`` is the window's :class:`~sandbox.gui.shown_run.ShownRun`
    (nothing of a run is exported without one). ``ask_save_path(title,
    suffix, filters)``, ``show_error(title, text)`` and
    ``show_message(text, timeout)`` are the window's; ``display_name()``
    titles an SVG drawing.
    """

    def __init__(self, parent: QWidget, scene: Any, spacetime: Any, plots: Any, shown_run: Any,
                 ask_save_path: Callable[..., str | None], show_error: Callable[[str, str], None],
                 show_message: Callable[..., None], display_name: Callable[[], str]) -> None:
        self._parent = parent
        self.scene = scene
        self.spacetime = spacetime
        self.plots = plots
        self.shown_run = shown_run
        self._ask_save_path = ask_save_path
        self._show_error = show_error
        self._show_message = show_message
        self._display_name = display_name

    def _export_error(self, _parent: Any, title: str, text: str) -> None:
        self._show_error(title, text)

    def _exported(self, target: Path | None) -> Path | None:
        if target is not None:
            self._show_message(translate("MainWindow", "Exported {name}").format(
                name=target.name), 4000)
        return target

    def export_trace(self, path: str | Path | None = None, fmt: str | None = None) -> Path | None:
        """Save the trace of the run shown (asking where when ``path`` is None)."""
        tl = self.shown_run.timeline
        if tl is None:
            return None
        return self._exported(export_trace(self._parent, tl.header, tl.events, path, fmt,
                                           show_error=self._export_error))

    def export_plot(self, path: str | Path | None = None, fmt: str | None = None) -> Path | None:
        """Save the plot shown (PNG, SVG) or plot series (CSV)."""
        if self.shown_run.timeline is None:
            return None
        return self._exported(export_plot(self._parent, self.plots, path, fmt,
                                          show_error=self._export_error))

    def export_spacetime(self, path: str | Path | None = None,
                         fmt: str | None = None) -> Path | None:
        """Save the space-time diagram as PNG or SVG."""
        if self.shown_run.timeline is None:
            return None
        return self._exported(export_spacetime(self._parent, self.spacetime, path, fmt,
                                               show_error=self._export_error))

    # -- the canvas -------------------------------------------------------------------------

    def _export_rect(self) -> QRectF:
        rect = self.scene.itemsBoundingRect()
        if rect.isNull():
            rect = QRectF(-200, -150, 400, 300)
        return rect.adjusted(-30, -30, 30, 30)

    def _render_scene(self, painter: QPainter, target: QRectF, source: QRectF) -> None:
        selected = (self.scene.selected_host_ids(), self.scene.selected_link_indices(),
                    self.scene.selected_group_ids())
        blocked = self.scene.blockSignals(True)
        try:
            self.scene.clearSelection()
            painter.fillRect(target, canvas_colours(self.scene.palette()).background)
            self.scene.render(painter, target, source)
        finally:
            self.scene.blockSignals(blocked)
            self.scene.select(*selected)

    def _cannot_write(self, path: Any, reason: str = "") -> None:
        text = translate("MainWindow", "{path} could not be written: {reason}").format(
            path=path, reason=reason) if reason else \
            translate("MainWindow", "{path} could not be written").format(path=path)
        self._show_error(translate("MainWindow", "Cannot export"), text)

    def _refused(self, path: Any) -> bool:
        """Whether ``path`` is no place to write a picture (said in a message)."""
        try:
            writable_target(path)
        except OSError as exc:
            self._cannot_write(path, failure_reason(exc))
            return True
        return False

    def export_png(self, path: str | Path | None = None, scale: float = 2.0) -> bool:
        """Save a picture of the whole canvas (``scale`` pixels per scene unit)."""
        if path is None:
            path = self._ask_save_path(translate("MainWindow", "Export Canvas as PNG"), ".png",
                                       translate("MainWindow", "PNG images (*.png)"))
            if path is None:
                return False
        if self._refused(path):
            return False
        source = self._export_rect()
        size = QSize(max(1, int(source.width() * scale)), max(1, int(source.height() * scale)))
        image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self._render_scene(painter, QRectF(0, 0, size.width(), size.height()), source)
        painter.end()
        if not image.save(str(path), "PNG"):
            self._cannot_write(path)
            return False
        self._exported(Path(path))
        return True

    def export_svg(self, path: str | Path | None = None) -> bool:
        """Save the whole canvas as an SVG drawing."""
        if path is None:
            path = self._ask_save_path(translate("MainWindow", "Export Canvas as SVG"), ".svg",
                                       translate("MainWindow", "SVG drawings (*.svg)"))
            if path is None:
                return False
        if self._refused(path):
            return False
        source = self._export_rect()
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(QSize(int(source.width()), int(source.height())))
        generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
        generator.setTitle(self._display_name())
        generator.setDescription(translate("MainWindow", "A DS Sandbox scenario"))
        painter = QPainter()
        if not painter.begin(generator):
            self._cannot_write(path)
            return False
        self._render_scene(painter, QRectF(0, 0, source.width(), source.height()), source)
        painter.end()
        self._exported(Path(path))
        return True
