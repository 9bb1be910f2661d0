"""The photo files on disk: `<media root>/<key[:2]>/<key>/web.jpg` and `thumb.jpg`.

Blocking file-system calls: callers run them in a thread. Files are written
whole or not at all (a temporary file, flushed to disk, then renamed), so a
crash never leaves half a photo where a reader could serve it.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path

from liaison.media.images import EXTENSION, Processed

VARIANTS = ("web", "thumb")
# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
_KEY = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_key() -> str:
    return secrets.token_urlsafe(32)


def valid_key(key: str) -> bool:
    return bool(_KEY.match(key))


def folder_of(root: Path, key: str) -> Path:
    if not valid_key(key):  # never a path built from something else
        raise ValueError("invalid media key")
    return root / key[:2] / key


def path_of(root: Path, key: str, variant: str) -> Path:
    if variant not in VARIANTS:
        raise ValueError("invalid media variant")
    return folder_of(root, key) / f"{variant}.{EXTENSION}"


def _write_atomically(path: Path, data: bytes) -> None:
    fd, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def write(root: Path, key: str, processed: Processed) -> None:
    """Both variants of a new photo; on any failure nothing is left behind."""
    folder = folder_of(root, key)
    folder.mkdir(parents=True, exist_ok=False)
    try:
        _write_atomically(path_of(root, key, "web"), processed.web.data)
        _write_atomically(path_of(root, key, "thumb"), processed.thumb.data)
    except BaseException:
        remove(root, key)
        raise


def remove(root: Path, key: str) -> None:
    """The photo's folder and files; nothing if already gone. (The two-letter
    folders stay: at most 4096 of them, and removing one could race with a
    new photo being written into it.)"""
    shutil.rmtree(folder_of(root, key), ignore_errors=True)


def exists(root: Path, key: str) -> bool:
    return folder_of(root, key).is_dir()
