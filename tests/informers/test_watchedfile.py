"""The one reload rule for configuration files: read on change, keep the last good content."""

from __future__ import annotations

import os
from pathlib import Path

from informers.watchedfile import WatchedFile


def _parse(text: str) -> list[str]:
    if "bad" in text:
        raise ValueError("line 1: bad word")
    return text.split()


def _write(path: Path, text: str, bump: int) -> None:
    path.write_text(text)
    os.utime(path, ns=(bump * 10**9, bump * 10**9))  # a distinct mtime without sleeping


def test_reads_rejects_and_keeps_the_error_until_fixed(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    _write(path, "a b", bump=1)
    watched = WatchedFile(str(path), _parse, what="test", reload_seconds=0)
    assert watched.load() == ["a", "b"] and watched.version == 1 and watched.error is None

    _write(path, "a bad b", bump=2)
    assert watched.changed(now=1.0)
    assert watched.load() is None
    assert watched.error == f"{path}: line 1: bad word" and watched.version == 1

    _write(path, "c", bump=3)
    assert watched.changed(now=2.0)
    assert watched.load() == ["c"] and watched.error is None and watched.version == 2


def test_an_unchanged_file_is_not_read_again_and_checks_are_spaced(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    _write(path, "a", bump=1)
    watched = WatchedFile(str(path), _parse, what="test", reload_seconds=10)
    watched.load()
    assert not watched.changed(now=100.0)  # looked, nothing moved
    _write(path, "b", bump=2)
    assert not watched.changed(now=105.0)  # too soon to look again
    assert watched.changed(now=111.0)


def test_too_large_missing_and_unset_files(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("x" * 11)
    watched = WatchedFile(str(path), _parse, what="test", max_bytes=10)
    assert watched.load() is None and watched.error == f"{path}: larger than 10 bytes"

    gone = WatchedFile(str(tmp_path / "missing.yaml"), _parse, what="test")
    assert gone.load() is None and gone.error is not None and "cannot read" in gone.error

    unset = WatchedFile("", _parse, what="test")
    assert unset.load() is None and unset.error is None and not unset.changed(now=1e9)
