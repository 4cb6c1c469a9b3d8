"""Files learners attach as evidence: the type read from the content, size limits, Word documents opened
safely, and storage in the instance folder under a name the platform chooses."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import filetype

from lms.errors import DomainError

# What may be attached, by the type the content shows (never the file's name), with its label.
ACCEPTED = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# A Word document is a zip: these bound what opening it could cost (a zip bomb expands a small file enormously).
DOCX_MAX_ENTRIES = 1000
DOCX_MAX_UNCOMPRESSED = 100 * 1024 * 1024
DOCX_MAX_RATIO = 200  # real documents compress text perhaps 10 to 1; a bomb, thousands to 1
FIELD = "file"


@dataclass(frozen=True)
class Upload:
    """A file as received: the name the learner gave it and its bytes."""

    name: str
    data: bytes


def media_type(upload: Upload, max_bytes: int) -> str:
    """The upload's media type, read from its content; ``DomainError`` for anything not accepted."""
    if not upload.data:
        raise DomainError("The selected file is empty", field=FIELD)
    if len(upload.data) > max_bytes:
        raise DomainError(f"The selected file must be smaller than {max_bytes // (1024 * 1024)} MB", field=FIELD)
    kind = filetype.guess(upload.data)
    found = kind.mime if kind is not None else None
    if found == "application/zip" or (found is None and upload.data[:4] == b"PK\x03\x04"):
        found = DOCX  # filetype names a Word document only by its first entry; the check below decides
    if found not in ACCEPTED:
        raise DomainError("The selected file must be a PDF, a Word document (.docx), a JPEG or a PNG", field=FIELD)
    if found == DOCX:
        check_docx(upload.data)
    return found


def check_docx(data: bytes) -> None:
    """Refuse a zip that is not a Word document, or whose contents would expand beyond the limits."""
    refused = DomainError("The selected file is not a Word document that can be opened safely", field=FIELD)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > DOCX_MAX_ENTRIES:
                raise refused
            expanded = sum(e.file_size for e in entries)  # as the directory declares it
            if expanded > DOCX_MAX_UNCOMPRESSED or expanded > DOCX_MAX_RATIO * max(len(data), 1):
                raise refused
            names = {e.filename for e in entries}
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                raise refused
            # The directory's sizes are the uploader's claim: read the content types with a hard cap.
            with archive.open("[Content_Types].xml") as part:
                types = part.read(1024 * 1024 + 1)
            if len(types) > 1024 * 1024 or b"wordprocessingml.document.main+xml" not in types:
                raise refused
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError):
        raise refused from None


def safe_name(name: str) -> str:
    """The learner's file name as shown and offered on download: its last part, printable, bounded."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c for c in base if c.isprintable() and c not in '"<>:|?*').strip(" .")
    return (cleaned or "evidence")[:200]


def store(instance_path: Path, data: bytes) -> tuple[str, str]:
    """Write the bytes under evidence/, named by their SHA-256; returns (relative path, digest)."""
    digest = hashlib.sha256(data).hexdigest()
    relative = f"evidence/{digest[:2]}/{digest}"
    target = instance_path / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(target)  # never a half-written file under the final name
    return relative, digest
