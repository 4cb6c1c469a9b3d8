"""Copy the NHS.UK frontend's compiled CSS, JavaScript and images from npm into lms/static/nhsuk/."""

# The app serves that folder at /assets/ (lms.web). The copy is not kept in git: `lms assets`
# makes it after `npm ci`, and again after nhsuk-frontend is upgraded.

from __future__ import annotations

import re
import shutil
from pathlib import Path

from lms.web import ASSETS

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIST = Path("node_modules") / "nhsuk-frontend" / "dist" / "nhsuk"
# The compiled files the layout links; the version-less names keep the layout stable across upgrades.
BUNDLES = ("nhsuk-frontend.min.css", "nhsuk-frontend.min.js")
# Source maps are not copied, so the comments pointing at them are removed too (no 404s in devtools).
_SOURCE_MAP_COMMENT = re.compile(rb"\n?(/\*# sourceMappingURL=[^*]*\*/|//# sourceMappingURL=\S*)\s*$")
# The compiled CSS loads the Frutiger font from assets.nhs.uk. The service fetches nothing from other
# hosts (its CSP forbids it, and the font is licensed for NHS.UK's own services), so those rules are
# dropped and the design system's fallback font stack (Arial, sans-serif) is used.
_REMOTE_FONT_FACE = re.compile(rb"@font-face\{[^}]*url\(https?://[^}]*\}")


class AssetsMissing(Exception):
    """The npm package is not installed where it was looked for."""


def find_source(root: Path | None = None) -> Path:
    """nhsuk-frontend's dist/nhsuk folder under root (the current folder, then the project's own)."""
    candidates = [root / PACKAGE_DIST] if root else [Path.cwd() / PACKAGE_DIST, PROJECT_ROOT / PACKAGE_DIST]
    for candidate in candidates:
        if all((candidate / name).is_file() for name in BUNDLES):
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    raise AssetsMissing(f"nhsuk-frontend is not installed (looked in {looked}): run `npm ci` first")


def copy_assets(source: Path | None = None, target: Path = ASSETS) -> list[Path]:
    """Replace target with a fresh copy of the bundles, images and web manifest; returns what was written."""
    source = source if source is not None else find_source()
    if not all((source / name).is_file() for name in BUNDLES):
        raise AssetsMissing(f"{source} does not hold {' and '.join(BUNDLES)}")
    staging = target.with_name(target.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in BUNDLES:
        content = _SOURCE_MAP_COMMENT.sub(b"\n", (source / name).read_bytes())
        (staging / name).write_bytes(_REMOTE_FONT_FACE.sub(b"", content))
    shutil.copytree(source / "assets" / "images", staging / "images")
    shutil.copy2(source / "assets" / "manifest.json", staging / "manifest.json")
    # Swap in the finished copy, so a running server never serves a half-written folder for long.
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return sorted(path for path in target.rglob("*") if path.is_file())


def ensure_assets(target: Path = ASSETS) -> None:
    """Copy the assets if they are not there yet (for the demo and the browser tests)."""
    if not all((target / name).is_file() for name in BUNDLES):
        copy_assets(target=target)
