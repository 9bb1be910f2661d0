"""The chart library the web app serves (static/vendor/) is the very file of
the version pinned in tests/browser/package.json, as npm installs it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BROWSER = ROOT / "tests" / "browser"
VENDORED = {"chart.js": ("dist/chart.umd.min.js", ROOT / "static" / "vendor" / "chart.umd.min.js")}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_vendored_files_are_the_pinned_ones() -> None:
    pinned = json.loads((BROWSER / "package.json").read_text())["devDependencies"]
    locked = json.loads((BROWSER / "package-lock.json").read_text())["packages"]
    for package, (inside, vendored) in VENDORED.items():
        version = pinned[package]
        assert version[0].isdigit(), f"{package}: an exact version, not a range ({version})"
        assert locked[f"node_modules/{package}"]["version"] == version
        installed = BROWSER / "node_modules" / package
        assert installed.is_dir(), f"{package} is not installed: run tests/browser/install"
        assert json.loads((installed / "package.json").read_text())["version"] == version, (
            f"{package}: node_modules is stale, run tests/browser/install"
        )
        assert f"v{version}" in vendored.read_text(encoding="utf-8")[:200]
        assert sha256(vendored) == sha256(installed / inside), (
            f"static/vendor/{vendored.name} is not {package} {version}'s {inside}: copy it again"
        )
