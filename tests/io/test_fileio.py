"""crampkg.io.files: atomic writes leave either the old or the new file, never a mix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crampkg.io import files as fileio
from crampkg.io.files import atomic_write_bytes, atomic_write_text


def _leftovers(folder: Path, name: str) -> list[Path]:
    return [p for p in folder.iterdir() if p.name != name]


def test_writes_a_new_file(tmp_path: Path) -> None:
    target = tmp_path / "out.owl"
    assert atomic_write_bytes(target, b"new") == target
    assert target.read_bytes() == b"new"
    assert _leftovers(tmp_path, "out.owl") == []


def test_replaces_an_existing_file_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.owl"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    atomic_write_text(target, "neu ü")
    assert target.read_text(encoding="utf-8") == "neu ü"
    assert target.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_failure_leaves_old_file_intact_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    target = tmp_path / "out.owl"
    target.write_bytes(b"old content")

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(f"simulated {failing} failure")

    monkeypatch.setattr(fileio.os, failing, boom)
    with pytest.raises(OSError, match="simulated"):
        atomic_write_bytes(target, b"new content")
    monkeypatch.undo()
    assert target.read_bytes() == b"old content"
    assert _leftovers(tmp_path, "out.owl") == []


def test_interrupt_mid_write_leaves_old_file_intact(tmp_path: Path) -> None:
    """An exception raised while the data are produced (here: while encoding) changes nothing."""
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        atomic_write_text(target, "caf\u00e9", encoding="ascii")
    assert target.read_text() == "old"
    assert _leftovers(tmp_path, "out.txt") == []


def test_keyboard_interrupt_during_write_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.owl"
    target.write_bytes(b"old")
    real_fdopen = fileio.os.fdopen

    class Exploding:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()
            return False

        def write(self, data):
            self.handle.write(data[:2])
            raise KeyboardInterrupt

    monkeypatch.setattr(fileio.os, "fdopen", lambda fd, mode: Exploding(real_fdopen(fd, mode)))
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(target, b"new content")
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path, "out.owl") == []


def test_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        atomic_write_bytes(tmp_path / "nope" / "out.owl", b"x")


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=2048))
def test_roundtrip(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    folder = tmp_path_factory.mktemp("rt")
    target = folder / "f.bin"
    atomic_write_bytes(target, data)
    assert target.read_bytes() == data
