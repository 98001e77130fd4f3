"""Atomic file writes and bounded reads of user-named files.

A file written by crampkg (the release, benchmark results, ...) is either the
old version or the complete new one, never a half-written mix: the data go to
a temporary file in the same folder, are flushed and fsync'ed, and the temporary
file then replaces the target with :func:`os.replace` (atomic on POSIX and on
Windows within one file system). On any error the temporary file is removed
and the old file is left as it was. Only a regular file or a new path is ever
replaced: a FIFO, a device node (``/dev/full``), a symlink (``/proc/self/fd/1``)
or a directory is refused with :class:`UnsafePathError`, as is a missing folder.

:func:`read_regular_file` reads a user-named input (``--case``, ``sparql @file``)
only when it is a regular file (a symlink to one is fine; ``/dev/zero``,
``/dev/urandom``, FIFOs and other special files are refused without blocking) and
reads at most its cap, whatever ``st_size`` says.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from ..errors import CrampkgError

__all__ = ["UnsafePathError", "atomic_write_bytes", "atomic_write_text", "read_regular_file"]


class UnsafePathError(CrampkgError, OSError):
    """A path crampkg will not write to or read from (not a regular file, missing folder, ...): exit 2."""

    def __init__(self, verb: str, path: object, reason: str):
        CrampkgError.__init__(self, f"cannot {verb} {path}: {reason}")
        self.strerror = reason  # what a caller that prints "cannot write PATH: {strerror}" adds
        self.filename = str(path)

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class MissingFolderError(UnsafePathError, FileNotFoundError):
    """The folder of an output path does not exist."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """``path`` if crampkg may (atomically) write it: a regular file or a new name in an existing folder."""
    target = Path(path)
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise UnsafePathError("write", target, exc.strerror or str(exc)) from None
    if mode is not None and not stat.S_ISREG(mode):
        raise UnsafePathError("write", target, f"it is {_kind(mode)}; give a regular file or a new path")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise MissingFolderError("write", target, f"the folder {folder} does not exist")
    return target


def read_regular_file(path: str | os.PathLike[str], cap: int, what: str = "file") -> bytes:
    """The bytes of the regular file ``path`` (at most ``cap``; more is refused), else :class:`UnsafePathError`."""
    file = Path(path)
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise UnsafePathError("read", f"{what} {file}", exc.strerror or str(exc)) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise UnsafePathError("read", f"{what} {file}", f"it is {_kind(mode)}, not a regular file")
        chunks: list[bytes] = []
        size = 0
        while size <= cap:
            chunk = os.read(fd, min(1 << 20, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise UnsafePathError("read", f"{what} {file}", exc.strerror or str(exc)) from None
    finally:
        os.close(fd)
    if size > cap:
        raise UnsafePathError("read", f"{what} {file}", f"larger than the limit of {cap} bytes")
    return b"".join(chunks)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path.

    The parent folder must exist. File permissions of an existing target are
    kept; a new file gets ``0o644``. Anything but a regular file or a new path
    is refused (:class:`UnsafePathError`, see the module doc).
    """
    target = check_output_path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UnsafePathError("write", target, exc.strerror or str(exc)) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _copy_mode(target, tmp)
        check_output_path(target)  # again, right before the swap: still a regular file or new
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_dir(folder)
    return target


def atomic_write_text(
    path: str | os.PathLike[str], text: str, encoding: str = "utf-8"
) -> Path:
    """Write ``text`` to ``path`` atomically (encoded with ``encoding``, no newline translation)."""
    return atomic_write_bytes(path, text.encode(encoding))


def _copy_mode(target: Path, tmp: Path) -> None:
    try:
        mode = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644  # mkstemp creates 0o600; reading the umask would mean changing it
    os.chmod(tmp, mode)


def _fsync_dir(folder: Path) -> None:
    """Persist the rename itself (best effort; not possible on every platform)."""
    if os.name != "posix":
        return
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
