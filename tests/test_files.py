"""Reading and writing user files: regular files only, limits, encodings, safe saves."""

from __future__ import annotations

import os
import stat

import pytest

from sandbox.scenario.files import FileRefused, atomic_write_text, read_text


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(FileRefused, match="pipe"):
        read_text(fifo)


def test_a_device_is_refused():
    with pytest.raises(FileRefused, match="device"):
        read_text("/dev/zero")


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(FileRefused, match="folder"):
        read_text(tmp_path)


def test_the_size_limit_names_how_to_raise_it(tmp_path, monkeypatch):
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (2 << 20))
    monkeypatch.setenv("DS_SANDBOX_MAX_SCENARIO_MB", "1")
    with pytest.raises(FileRefused, match="DS_SANDBOX_MAX_SCENARIO_MB"):
        read_text(big)
    monkeypatch.setenv("DS_SANDBOX_MAX_SCENARIO_MB", "3")
    assert len(read_text(big)) == 2 << 20


def test_a_byte_order_mark_is_accepted_and_bad_utf8_named(tmp_path):
    f = tmp_path / "bom.json"
    f.write_bytes(b"\xef\xbb\xbf{}")
    assert read_text(f) == "{}"
    f.write_bytes(b'{"title": "caf\xe9"}')
    with pytest.raises(FileRefused, match="byte 14"):
        read_text(f)


def test_a_save_through_a_symlink_writes_its_target(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    atomic_write_text(link, "new")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"


def test_a_save_keeps_the_mode_and_a_new_file_follows_the_umask(tmp_path):
    f = tmp_path / "shared.json"
    f.write_text("old", encoding="utf-8")
    f.chmod(0o664)
    atomic_write_text(f, "new")
    assert stat.S_IMODE(f.stat().st_mode) == 0o664
    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "fresh.json", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "fresh.json").stat().st_mode) == 0o644


def test_a_non_regular_target_is_not_replaced(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(FileRefused, match="not replaced"):
        atomic_write_text(fifo, "x")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_text_that_is_not_unicode_is_refused_before_anything_is_touched(tmp_path):
    f = tmp_path / "s.json"
    f.write_text("kept", encoding="utf-8")
    with pytest.raises(FileRefused, match="not valid Unicode"):
        atomic_write_text(f, "bad \ud800")
    assert f.read_text(encoding="utf-8") == "kept"
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]  # no temporary file left
