"""The Experiment dialog's tables: the rows of the runs as they finish, and the summary per
combination of parameter values (mean and 95% interval of the metric shown)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush

from ..theme import error_colour
from .plot import value_text

__all__ = ["ROW_ROLE", "RowsModel", "SummaryModel"]

#: The item data role that gives a row's whole dict (of a run, or of a combination).
ROW_ROLE = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex


def _tr(text: str) -> str:
    return QCoreApplication.translate("ExperimentTable", text)


class _DictRows(QAbstractTableModel):
    """Rows of dicts under named columns; ``kinds`` says how a column's values read."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns: list[str] = []
        self.headers: list[str] = []
        self.kinds: dict[str, str] = {}
        self.rows: list[dict[str, Any]] = []
        self.tooltips: dict[str, str] = {}

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt override
        """Rows (none below an item)."""
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt override
        """Columns."""
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt override
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Column names (row numbers down the side)."""
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.headers[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return self.tooltips.get(self.columns[section]) or self.columns[section]
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """A cell's text, raw value (EditRole), the row's dict (:data:`ROW_ROLE`)."""
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        name = self.columns[index.column()]
        value = row.get(name)
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(name, value, row)
        if role == Qt.ItemDataRole.EditRole:
            return value
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ToolTipRole and name == "error" and value:
            return str(value)
        if role == Qt.ItemDataRole.ForegroundRole and self.is_error(row):
            return QBrush(error_colour())
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, (int, float)):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def text(self, name: str, value: Any, row: dict[str, Any]) -> str:
        """The text of a cell."""
        if name == "error":
            return str(value or "")
        return value_text(value, self.kinds.get(name, ""))

    def is_error(self, row: dict[str, Any]) -> bool:
        """Whether the row is drawn as an error."""
        return bool(row.get("error"))


class RowsModel(_DictRows):
    """One row per run, as the sweep yields them: ``run``, the parameter values, ``seed``,
    ``error`` and the metrics (read through the one formatter by their kinds)."""

    def set_columns(self, parameters: Sequence[str], metrics: Sequence[str],
                    kinds: dict[str, str], titles: dict[str, str] | None = None,
                    descriptions: dict[str, str] | None = None) -> None:
        """Start over with these columns (no rows)."""
        self.beginResetModel()
        self.columns = ["run", *parameters, "seed", "error", *metrics]
        titles = titles or {}
        self.headers = [{"run": _tr("run"), "seed": _tr("seed"), "error": _tr("error")}.get(
            c, titles.get(c, c)) for c in self.columns]
        self.kinds = dict(kinds)
        self.tooltips = dict(descriptions or {})
        self.rows = []
        self.endResetModel()

    def append_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        """Add rows at the end."""
        if not rows:
            return
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self.rows.extend(rows)
        self.endInsertRows()


class SummaryModel(_DictRows):
    """One row per combination: its parameter values, runs, errors, and the metric's mean
    with the low and high ends of its 95% interval."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.metric = ""

    def set_summary(self, parameters: Sequence[str], metric: str, kind: str,
                    rows: Sequence[dict[str, Any]], title: Callable[[str], str] = str,
                    kinds: dict[str, str] | None = None) -> None:
        """Show ``rows`` (from :func:`sandbox.sweep.aggregate.summarize`) for ``metric``."""
        self.beginResetModel()
        self.metric = metric
        self.columns = [*parameters, "n", "errors", f"{metric}.mean", f"{metric}.low",
                        f"{metric}.high"]
        name = title(metric)
        self.headers = [*(title(p) for p in parameters), _tr("runs"), _tr("errors"),
                        _tr("{metric}: mean").format(metric=name),
                        _tr("95% low"), _tr("95% high")]
        self.kinds = {**(kinds or {}), f"{metric}.mean": kind, f"{metric}.low": kind,
                      f"{metric}.high": kind}
        self.rows = list(rows)
        self.endResetModel()

    def is_error(self, row: dict[str, Any]) -> bool:
        """A combination is drawn as an error when every run of it failed."""
        return bool(row.get("errors")) and row.get("errors") == row.get("n")
