"""Files of sweep rows: CSV, streamed row by row, and Parquet, written whole.

A CSV file gets its header once and then each row as it comes, flushed, so
the rows of an interrupted sweep are on disk; running the sweep again appends
to it (:func:`write_rows` with ``append``). Values are written as text:
nothing for None, ``true``/``false``, numbers as Python writes them and
complex values (a dict, a list) as JSON. :func:`read_rows` reads them back
with the same types.

A Parquet file needs pandas and pyarrow (``pip install "ds-sandbox[notebook]"``);
it is written when the rows end, also when they end by an interrupt.
"""

from __future__ import annotations

import csv
import importlib
import json
import math
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["FORMATS", "NOTEBOOK_HINT", "RowWriter", "format_of", "read_columns", "read_rows",
           "write_rows"]

#: The file formats of rows, by extension.
FORMATS = {".csv": "csv", ".parquet": "parquet"}
#: How to install what Parquet files and DataFrames need.
NOTEBOOK_HINT = 'pip install "ds-sandbox[notebook]"'
#: Columns whose values stay text when read back.
TEXT_COLUMNS = ("error",)

_INT = re.compile(r"^-?\d+$")
_FLOAT = re.compile(r"^-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?$|^-?inf$|^nan$")


def format_of(path: str | os.PathLike) -> str:
    """``"csv"`` or ``"parquet"`` from the extension; ValueError for another one."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: the rows go to a .csv or a .parquet file, not "
                         f"{suffix or 'a file without extension'}")
    return FORMATS[suffix]


def _pandas() -> Any:
    try:
        pandas = importlib.import_module("pandas")
        importlib.import_module("pyarrow")  # pandas needs it for Parquet
    except ImportError:
        raise ImportError(f"Parquet files need pandas and pyarrow: {NOTEBOOK_HINT}") from None
    return pandas


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def _value(text: str, column: str) -> Any:
    if column in TEXT_COLUMNS:
        return text
    if text == "":
        return None
    if text in ("true", "false"):
        return text == "true"
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    if text[0] in "[{":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


class RowWriter:
    """Writes rows to a .csv (each row at once, flushed) or .parquet file (at :meth:`close`).

    ``columns`` fix the header (a row's other keys are left out; missing ones are
    empty); by default the first row's keys. With ``append`` the rows are added
    to those the file holds (it must have the same columns).
    """

    def __init__(self, path: str | os.PathLike, columns: list[str] | None = None,
                 append: bool = False) -> None:
        self.path = Path(path)
        self.format = format_of(path)
        self.columns = list(columns) if columns is not None else None
        self.append = append and self.path.exists() and self.path.stat().st_size > 0
        self.count = 0
        self._file: Any = None
        self._csv: Any = None
        self._rows: list[dict[str, Any]] = []
        self._closed = False
        if self.format == "parquet":
            _pandas()

    def write(self, row: dict[str, Any]) -> None:
        """Add one row."""
        if self.columns is None:
            self.columns = list(row)
        self.count += 1
        if self.format == "parquet":
            self._rows.append(row)
            return
        if self._file is None:
            self._file = open(self.path, "a" if self.append else "w",  # noqa: SIM115
                              newline="", encoding="utf-8")
            self._csv = csv.writer(self._file)
            if not self.append:
                self._csv.writerow(self.columns)
        self._csv.writerow([_text(row.get(c)) for c in self.columns])
        self._file.flush()

    def close(self) -> None:
        """Finish the file: close a CSV, write a Parquet file (also with no row, if
        its columns are known). A second call does nothing."""
        if self._closed:
            return
        self._closed = True
        if self._file is not None:
            self._file.close()
            self._file = None
        if self.format == "parquet" and (self._rows or not self.append) \
                and self.columns is not None:
            rows = (read_rows(self.path) if self.append else []) + self._rows
            _write_parquet(self.path, rows, self.columns)

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _column_values(values: list[Any]) -> list[Any]:
    """A column pyarrow can store: complex or mixed values as JSON text."""
    kinds = {type(v) for v in values if v is not None}
    if kinds <= {int, float} or kinds <= {str} or kinds <= {bool}:
        return values
    return [None if v is None else v if isinstance(v, str) else json.dumps(v, sort_keys=True)
            for v in values]


def _write_parquet(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> None:
    pandas = _pandas()
    data: dict[str, Any] = {}
    for c in columns:
        values = _column_values([r.get(c) for r in rows])
        kinds = {type(v) for v in values if v is not None}
        # whole numbers with gaps stay whole numbers (not floats with NaN)
        data[c] = pandas.array(values, dtype="Int64") if kinds == {int} else values
    frame = pandas.DataFrame(data, columns=columns)
    tmp = path.with_name(path.name + ".part")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def write_rows(path: str | os.PathLike, rows: Iterable[dict[str, Any]], append: bool = False,
               columns: list[str] | None = None) -> int:
    """Write ``rows`` (any iterable: a sweep's rows as they finish) to ``path``; return how
    many. A CSV gets each row as it comes; a Parquet file is written when the rows end,
    also when an exception (Ctrl+C) ends them."""
    with RowWriter(path, columns, append) as writer:
        for row in rows:
            writer.write(row)
    return writer.count


def read_columns(path: str | os.PathLike) -> list[str] | None:
    """The columns of a rows file; None when it does not exist or is empty."""
    p = Path(path)
    if not p.exists() or p.stat().st_size == 0:
        return None
    if format_of(p) == "parquet":
        _pandas()
        parquet = importlib.import_module("pyarrow.parquet")
        return list(parquet.read_schema(p).names)
    with open(p, newline="", encoding="utf-8") as f:
        return next(csv.reader(f), None)


def _plain(value: Any) -> Any:
    """A value of a DataFrame as plain Python: NaN is None, numpy numbers are numbers."""
    if value is None or type(value).__name__ == "NAType":
        return None
    if hasattr(value, "item") and not isinstance(value, list | dict | str):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def read_rows(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The rows of a .csv or .parquet file, with their types (see the module docstring);
    a missing or empty file has none."""
    p = Path(path)
    if not p.exists() or p.stat().st_size == 0:
        return []
    if format_of(p) == "parquet":
        frame = _pandas().read_parquet(p)
        return [{k: ("" if k in TEXT_COLUMNS and v is None else v)
                 for k, v in ((k, _plain(v)) for k, v in rec.items())}
                for rec in frame.to_dict("records")]
    with open(p, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            return []
        return [{c: _value(t, c) for c, t in zip(header, line, strict=False)}
                for line in reader if line]
