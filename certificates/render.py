"""Render a certificate as tagged PDF/A from its template folder, in a sandbox that fetches nothing outside it."""

from __future__ import annotations

import threading
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lms.api import speedup

if TYPE_CHECKING:
    from certificates.typesetting import Renderer

TEMPLATES = Path(__file__).parent / "templates"
USER_AGENT_CSS = TEMPLATES / "user-agent.css"
# PDF/A-3 level A: archival, tagged for accessibility (level A requires the structure tree), and the one
# PDF/A part that allows the embedded certificate.json that offline verification reads.
PDF_VARIANT = "pdf/a-3a"
DATA_FILE_NAME = "certificate.json"
OUTPUT_INTENT = "certificate-srgb"
_PLAIN_SCALARS = (str, int, float, bool, type(None))
QR_MASK = 0


class RefusedFetch(ValueError):
    """A template asked for a resource outside its own folder."""


def plain(value: Any, where: str = "context") -> Any:
    """Check a template value is plain data (text, numbers, lists, mappings); dates become ISO text."""
    if isinstance(value, _PLAIN_SCALARS):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError(f"{where}: mapping keys must be text")
        return {k: plain(v, f"{where}.{k}") for k, v in value.items()}
    raise TypeError(f"{where}: certificate templates get plain values only, not {type(value).__name__}")


def qr_data_uri(url: str) -> str:
    """The QR code as a PNG of one pixel per module (the CSS scales it without smoothing)."""
    # Imported here: only processes that issue certificates need segno.
    import segno

    # A fixed mask pattern (any of the eight is valid) skips scoring all eight for the "best" one:
    # a third of the time spent on a QR code, and readers decode every mask alike.
    return segno.make(url, error="m", micro=False, mask=QR_MASK).png_data_uri(scale=1, border=4)


_renderers: dict[tuple[Path, bool], Renderer] = {}
_renderers_lock = threading.Lock()


def template_folder(template_id: str) -> Path:
    return TEMPLATES / template_id


def template_exists(template_id: str) -> bool:
    folder = template_folder(template_id)
    return (folder / "certificate.html").is_file() and (folder / "certificate.css").is_file()


def renderer(template_id: str) -> Renderer:
    """The process's renderer for a template, built on first use (about 0.5 s) and reused."""
    # Imported here: WeasyPrint is large and slow to load, and only processes that issue certificates need it.
    from certificates.typesetting import Renderer

    device = speedup("weasyprint")
    key = (template_folder(template_id), device is not None)
    with _renderers_lock:
        if key not in _renderers:
            _renderers[key] = Renderer(key[0], device)
        return _renderers[key]
