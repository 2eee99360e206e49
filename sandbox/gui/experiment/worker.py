"""The Experiment dialog's worker: a QThread that runs a sweep in worker processes and hands
each row to the window by a signal as it finishes."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from ...sweep.execute import iter_rows

__all__ = ["SweepThread"]


class SweepThread(QThread):
    """Runs ``iter_rows(spec, workers=workers, cancel=...)`` off the UI thread.

    ``row_done`` carries each row (a dict) as it finishes, ``failed`` a sentence when the
    sweep itself cannot go on (a run that fails is a row with its error, not this).
    :meth:`cancel` asks the sweep to stop: the runs under way are dropped, the rows already
    delivered stay. The thread's ``finished`` comes last, whatever happened.
    """

    row_done = Signal(object)
    failed = Signal(str)

    def __init__(self, spec: Any, workers: int = 1, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.workers = workers
        self.cancel_event = threading.Event()
        self.rows_done = 0

    def cancel(self) -> None:
        """Stop the sweep as soon as it can (rows delivered so far stay)."""
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self.cancel_event.is_set()

    def run(self) -> None:  # noqa: D102 - QThread override, runs in the worker thread
        rows: Any = None
        try:
            rows = iter_rows(self.spec, workers=self.workers, cancel=self.cancel_event)
            for row in rows:
                self.rows_done += 1
                self.row_done.emit(row)  # a run that finished is kept, even after a cancel
                if self.cancel_event.is_set():
                    break
        except Exception as exc:  # noqa: BLE001 - shown to the user as a sentence, never raised
            if not self.cancel_event.is_set():
                self.failed.emit(str(exc) or type(exc).__name__)
        finally:
            if rows is not None:
                rows.close()  # the sweep stops its workers now, not when collected
