"""Atomic file writes.

A file written by crampkg (the release, benchmark results, ...) is either the
old version or the complete new one, never a half-written mix: the data go to
a temporary file in the same folder, are flushed and fsync'ed, and the temporary
file then replaces the target with :func:`os.replace` (atomic on POSIX and on
Windows within one file system). On any error the temporary file is removed
and the old file is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write_bytes", "atomic_write_text"]


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path.

    The parent folder must exist. File permissions of an existing target are
    kept; a new file gets ``0o644``.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _copy_mode(target, tmp)
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
