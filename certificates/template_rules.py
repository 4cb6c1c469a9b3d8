"""What every certificate template obeys: its folder, the PDF/A variant, the embedded data file, plain values."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).parent / "templates"
USER_AGENT_CSS = TEMPLATES / "user-agent.css"
# PDF/A-3 level A: archival, tagged for accessibility (level A requires the structure tree), and the one
# PDF/A part that allows the embedded certificate.json that offline verification reads.
PDF_VARIANT = "pdf/a-3a"
DATA_FILE_NAME = "certificate.json"
OUTPUT_INTENT = "certificate-srgb"
_PLAIN_SCALARS = (str, int, float, bool, type(None))


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
