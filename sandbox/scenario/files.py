"""Reading and writing the user's files safely: regular files only, a size limit, text that is
valid UTF-8, and saves that never damage what is at the target.

Every reader of user files (scenarios, traces) opens them through
:func:`open_regular` or :func:`read_text`, so a FIFO never blocks the program,
``/dev/zero`` is never read until memory runs out, and a huge file is refused
with a message that says how to raise the limit. Every writer goes through
:func:`atomic_write_text`: a save through a symbolic link writes the link's
target, the existing file keeps its permissions, a new file gets the usual
ones (0666 less the umask), a target that is not a regular file is refused,
and nothing is replaced unless the whole text could be written.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "DEFAULT_LIMITS",
    "FileRefused",
    "atomic_write_text",
    "file_limit",
    "open_regular",
    "read_bytes",
    "read_text",
]

#: Default size limits in MiB, by kind of file; each can be raised with an environment
#: variable ``DS_SANDBOX_MAX_<KIND>_MB`` (for example ``DS_SANDBOX_MAX_TRACE_MB=4096``).
DEFAULT_LIMITS: dict[str, int] = {"scenario": 64, "trace": 2048, "behaviour": 16}

_MIB = 1 << 20


class FileRefused(OSError):
    """A file that is not read or written: not a regular file, too large, or not text.

    The message is complete and meant for the user (it names the file and, for a
    size limit, how to raise it).
    """

    def __init__(self, path: str | os.PathLike, reason: str) -> None:
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def file_limit(kind: str) -> int:
    """The size limit in bytes for files of ``kind`` ("scenario", "trace", "behaviour")."""
    name = f"DS_SANDBOX_MAX_{kind.upper()}_MB"
    raw = os.environ.get(name, "")
    try:
        mib = int(raw) if raw.strip() else DEFAULT_LIMITS[kind]
    except ValueError:
        mib = DEFAULT_LIMITS[kind]
    return max(1, mib) * _MIB


def _kind_name(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_regular(path: str | os.PathLike, kind: str = "scenario") -> BinaryIO:
    """Open ``path`` for reading in binary, after checking that it is a regular file within
    the size limit of ``kind``.

    Raises :class:`FileRefused` for a folder, pipe, device or socket (checked
    before opening, so a FIFO never blocks) and for a file over the limit;
    FileNotFoundError and other OSErrors pass through.
    """
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise FileRefused(path, f"is {_kind_name(st.st_mode)}; only regular files are read")
    limit = file_limit(kind)
    if st.st_size > limit:
        raise FileRefused(
            path, f"is {st.st_size / _MIB:.0f} MiB, over the {limit // _MIB} MiB limit for a "
                  f"{kind} file (set DS_SANDBOX_MAX_{kind.upper()}_MB to raise it)")
    # O_NONBLOCK: should the file be swapped for a FIFO after the check, opening it does not
    # wait for a writer.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileRefused(path, f"is {_kind_name(st.st_mode)}; only regular files are read")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bytes(path: str | os.PathLike, kind: str = "scenario") -> bytes:
    """The whole content of a regular file within the size limit of ``kind`` (FileRefused
    otherwise)."""
    limit = file_limit(kind)
    with open_regular(path, kind) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:  # it grew after the check
        raise FileRefused(path, f"is over the {limit // _MIB} MiB limit for a {kind} file "
                                f"(set DS_SANDBOX_MAX_{kind.upper()}_MB to raise it)")
    return data


def read_text(path: str | os.PathLike, kind: str = "scenario") -> str:
    """The whole text of a regular UTF-8 file (a leading byte-order mark is dropped).

    Raises :class:`FileRefused` for a file that is not regular, too large, or
    not valid UTF-8 (the message gives the byte offset).
    """
    data = read_bytes(path, kind)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRefused(path, f"not a UTF-8 text file (byte {exc.start} cannot be read as "
                                "UTF-8)") from None


def _umask() -> int:
    """The process's umask. Linux tells it in /proc without changing it; elsewhere it is set
    and put back at once (for a moment the umask is 0o077, never looser, should another
    thread create a file meanwhile)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` safely; return the path actually written.

    The text is encoded first, so a string that is not valid Unicode (a lone
    surrogate) raises :class:`FileRefused` before anything is touched. A
    symbolic link is followed and its target written. An existing target
    must be a regular file and keeps its permission bits; a new file gets
    0666 less the umask. The bytes go to a temporary file in the same folder,
    are flushed to disk, and the temporary file then replaces the target.
    """
    target = Path(os.path.realpath(path))
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FileRefused(path, f"cannot be saved: the text holds a character that is not "
                                f"valid Unicode (at position {exc.start})") from None
    try:
        st = os.stat(target)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    else:
        if not stat.S_ISREG(st.st_mode):
            raise FileRefused(path, f"is {_kind_name(st.st_mode)}; it is not replaced")
        mode = stat.S_IMODE(st.st_mode)
    folder = target.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target
