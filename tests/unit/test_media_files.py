"""The photo files on disk: names from the key only, written whole, removed whole."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from liaison.media import files, images
from tests import photos


def test_keys_are_random_and_the_only_names(tmp_path: Path) -> None:
    keys = {files.new_key() for _ in range(100)}
    assert len(keys) == 100 and all(files.valid_key(k) for k in keys)
    key = keys.pop()
    assert files.path_of(tmp_path, key, "web") == tmp_path / key[:2] / key / "web.jpg"
    for bad_key in ("../../etc", "a" * 42, "a" * 44, "a/" + "b" * 41, ""):
        with pytest.raises(ValueError):
            files.path_of(tmp_path, bad_key, "web")
    with pytest.raises(ValueError):
        files.path_of(tmp_path, key, "../web")


def test_write_and_remove(tmp_path: Path) -> None:
    processed = images.process(photos.jpeg())
    key = files.new_key()
    files.write(tmp_path, key, processed)
    assert files.path_of(tmp_path, key, "web").read_bytes() == processed.web.data
    assert files.path_of(tmp_path, key, "thumb").read_bytes() == processed.thumb.data
    assert stat.S_IMODE(files.path_of(tmp_path, key, "web").stat().st_mode) == 0o600
    assert sorted(p.name for p in (tmp_path / key[:2] / key).iterdir()) == ["thumb.jpg", "web.jpg"]
    with pytest.raises(FileExistsError):  # a key is never reused
        files.write(tmp_path, key, processed)
    files.remove(tmp_path, key)
    files.remove(tmp_path, key)  # already gone: nothing to do
    assert not files.exists(tmp_path, key)
