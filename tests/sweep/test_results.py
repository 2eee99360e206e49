"""Rows in CSV and Parquet files: the same rows come back, with their types."""

import pytest

from sandbox.sweep.results import RowWriter, read_columns, read_rows, write_rows

ROWS = [
    {"run": 0, "links[a-b].loss": 0.1, "seed": 1, "error": "", "sent": 10, "latency_mean": 5,
     "availability": 1.0, "mode": "fail_stop", "flag": True, "peers": ["a", "b"],
     "by_reason": {"loss": 2}},
    {"run": 1, "links[a-b].loss": 0.5, "seed": 2, "error": "links[0].loss: too high",
     "sent": None, "latency_mean": None, "availability": None, "mode": "fail_silent",
     "flag": False, "peers": [], "by_reason": {}},
]


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_rows_make_the_round_trip(tmp_path, ext):
    path = tmp_path / f"rows.{ext}"
    assert write_rows(path, iter(ROWS)) == 2
    assert read_rows(path) == ROWS
    assert read_columns(path) == list(ROWS[0])


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_appending_adds_to_the_rows_already_there(tmp_path, ext):
    path = tmp_path / f"rows.{ext}"
    write_rows(path, ROWS[:1])
    write_rows(path, ROWS[1:], append=True)
    assert read_rows(path) == ROWS


def test_a_csv_row_is_on_disk_as_soon_as_it_is_written(tmp_path):
    path = tmp_path / "rows.csv"
    writer = RowWriter(path, list(ROWS[0]))
    writer.write(ROWS[0])
    assert read_rows(path) == ROWS[:1]  # before close: an interrupted sweep keeps it
    writer.close()
    writer.close()
    assert read_rows(path) == ROWS[:1]


def test_a_parquet_file_is_written_when_the_rows_end_by_an_exception(tmp_path):
    path = tmp_path / "rows.parquet"

    def rows():
        yield ROWS[0]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_rows(path, rows())
    assert read_rows(path) == ROWS[:1]


def test_another_extension_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"\.csv or a \.parquet"):
        write_rows(tmp_path / "rows.xlsx", ROWS)
