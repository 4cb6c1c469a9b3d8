"""What a certificate PDF alone proves: a trusted, intact signature over the whole file, and its embedded data.

The file comes from anyone (the public upload page, or a file handed to `lms certificates verify`), so
reading it is bounded: every stream pyHanko unpacks counts against the limits below, and the embedded
data is read only once the signature is known to be the issuer's and intact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from functools import cache
from typing import Any

from certificates import codes
from certificates.render import DATA_FILE_NAME
from certificates.signing import run_coroutine

KIB, MIB = 1024, 1024 * 1024


# Checking a certificate unpacks only its cross-reference and object streams and its certificate.json: about
# 10 kB for an issued one (its fonts and images are never read). Left to pyHanko's general defaults, a 335 kB
# upload could unpack to 354 MB, and a 65 kB cross-reference stream to 1.5 GB of entries; nothing near these
# limits is a certificate.
@cache
def untrusted_limits():  # noqa: ANN201  (pyHanko's DecodeLimits)
    """The limits, made on first use: pyHanko loads only in the processes that check a PDF."""
    from pyhanko.pdf_utils.decode_limits import DecodeLimits, DecodePurpose, DocumentDecodeBudget, StreamDecodeLimits

    return DecodeLimits(
        per_stream=StreamDecodeLimits(max_ratio=None, max_output_size=1 * MIB),
        per_purpose={
            DecodePurpose.XREF_STREAM: StreamDecodeLimits(max_ratio=None, max_output_size=128 * KIB),  # ~18,000 objects
            DecodePurpose.OBJECT_STREAM: StreamDecodeLimits(max_ratio=None, max_output_size=1 * MIB),
        },
        document_budget=DocumentDecodeBudget(base_allowance=4 * MIB, max_ratio=2),
    )


# The embedded certificate.json is about 1 kB; the issuer never signs one anywhere near this.
DATA_MAX_BYTES = 64 * KIB
# An issued certificate has about 110 objects; every further step (the signature's checks, comparing
# revisions) works through them. Pages are never read, so their number needs no limit.
MAX_OBJECTS = 10_000
UNREADABLE = "The file is not a PDF that can be read"
TOO_LARGE = "The file unpacks to far more data than a certificate holds, so it was not checked"
TOO_MANY = f"The file has more than {MAX_OBJECTS:,} parts, far more than a certificate, so it was not checked"


@dataclass
class PdfCheck:
    """The findings; ``readable`` is False when the file could not be examined at all."""

    readable: bool = True
    signed: bool = False
    intact: bool = False
    trusted: bool = False
    whole_file: bool = False
    signer: str | None = None
    signer_urls: tuple[str, ...] = ()  # the URIs in the signing certificate's subjectAltName
    signed_at: datetime | None = None
    data: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def genuine(self) -> bool:
        return self.signed and self.intact and self.trusted and self.whole_file and self.data is not None

    def unreadable(self, problem: str) -> PdfCheck:
        self.readable = False
        self.problems.append(problem)
        return self


def check_pdf(pdf: bytes, trust_roots: list) -> PdfCheck:
    """Check a PDF's signature against the issuer's roots (no network), then read its embedded data."""
    # Imported here: pyHanko is slow to import and large, and most processes never verify a PDF.
    from pyhanko.pdf_utils.misc import PdfDecodeLimitError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    check = PdfCheck()
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False, decode_limits=untrusted_limits())
        if int(reader.trailer["/Size"]) > MAX_OBJECTS:
            return check.unreadable(TOO_MANY)
        signatures = reader.embedded_signatures
    except PdfDecodeLimitError:
        return check.unreadable(TOO_LARGE)
    except Exception:  # noqa: BLE001  (any parse failure means the same thing to a verifier)
        return check.unreadable(UNREADABLE)
    if len(signatures) != 1:
        check.problems.append("The file does not carry the issuer's signature" if not signatures
                              else "The file carries more than one signature")
        return check
    check.signed = True
    try:
        context = ValidationContext(trust_roots=trust_roots, allow_fetching=False)  # offline: no CRL/OCSP fetches
        status = run_coroutine(lambda: async_validate_pdf_signature(signatures[0], signer_validation_context=context))
    except PdfDecodeLimitError:  # comparing revisions unpacks objects too
        return check.unreadable(TOO_LARGE)
    except Exception as exc:  # noqa: BLE001
        check.problems.append(f"The signature cannot be checked ({type(exc).__name__})")
        return check
    check.intact = status.intact and status.valid
    check.trusted = status.trusted
    check.whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    check.signer = status.signing_cert.subject.human_friendly
    check.signer_urls = _subject_uris(status.signing_cert)
    check.signed_at = status.signer_reported_dt
    if not check.intact:
        check.problems.append("The file has been changed since it was signed")
    elif not check.whole_file:
        check.problems.append("Something was added to the file after it was signed")
    if not check.trusted:
        check.problems.append("The file was not signed by this service's certificate authority")
    if check.intact and check.whole_file and check.trusted:  # only then is the embedded data the issuer's own
        check.data = _embedded_data(reader)
    if check.data is None:
        check.problems.append("The file does not contain the certificate's details")
    return check


def _subject_uris(certificate) -> tuple[str, ...]:  # noqa: ANN001  (an asn1crypto certificate)
    names = certificate.subject_alt_name_value
    return tuple(n.native for n in names or () if n.name == "uniform_resource_identifier")


def _embedded_data(reader) -> dict[str, Any] | None:  # noqa: ANN001
    """The certificate.json attachment, if present, small and well formed (pyHanko's dictionaries resolve
    references on [], not on .get)."""
    try:
        root = reader.root
        if "/Names" not in root or "/EmbeddedFiles" not in root["/Names"]:
            return None
        files = root["/Names"]["/EmbeddedFiles"]
        entries = [entry.get_object() for entry in files["/Names"]] if "/Names" in files else []
        for name, spec in zip(entries[::2], entries[1::2]):
            if str(name) != DATA_FILE_NAME:
                continue
            stream = spec["/EF"]["/F"]
            if len(stream.encoded_data) > DATA_MAX_BYTES or len(stream.data) > DATA_MAX_BYTES:
                return None
            data = json.loads(stream.data)
            codes.parse(data.get("code", ""))
            return data
    except Exception:  # noqa: BLE001  (missing, malformed or oversized: the file does not carry the details)
        return None
    return None
