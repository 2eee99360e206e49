"""The desktop editor and viewer: the only package that imports PySide6 or pyqtgraph."""

import atexit

_registered = False


def _release_clipboard() -> None:
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is not None:
        clipboard = QGuiApplication.clipboard()
        clipboard.blockSignals(True)
        clipboard.clear()


def release_clipboard_at_exit() -> None:
    """Make sure clipboard data set from Python is freed while Python still runs.

    The clipboard owns the QMimeData it is given; left there, Qt deletes it
    from a static destructor after the interpreter has gone, and the process
    crashes on exit. Call this after the QApplication exists (PySide6 deletes
    the application in an exit handler of its own, and exit handlers run last
    registered first), e.g. right after setting the clipboard.
    """
    global _registered
    if not _registered:
        _registered = True
        atexit.register(_release_clipboard)
