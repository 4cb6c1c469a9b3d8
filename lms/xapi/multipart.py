"""multipart/mixed bodies (RFC 2046) for statements with attachments: parsing requests, building responses."""

from __future__ import annotations

import hashlib
import secrets

from lms.xapi.validation import Invalid
from lms.xapi.values import has_control

_HASHES = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


def parse(body: bytes, boundary: str | None) -> list[tuple[dict[str, str], bytes]]:
    """The parts of a multipart body as (lower-cased headers, content); Invalid when malformed."""
    if not boundary:
        raise Invalid("Content-Type", "multipart/mixed needs a boundary parameter")
    delimiter = b"--" + boundary.encode("latin-1")
    start = body.find(delimiter)
    if start < 0 or (start > 0 and body[start - 2:start] != b"\r\n"):
        raise Invalid("body", "does not start with the boundary given in Content-Type")
    parts = []
    position = start + len(delimiter)
    separator = b"\r\n" + delimiter
    while True:
        if body.startswith(b"--", position):
            return parts
        line_end = body.find(b"\r\n", position)
        if line_end < 0 or body[position:line_end].strip(b" \t"):
            raise Invalid("body", "a boundary line must end with CRLF")
        head_end = body.find(b"\r\n\r\n", line_end)
        if head_end < 0:
            raise Invalid("body", "a part has no blank line after its headers")
        headers = {}
        for line in body[line_end + 2:head_end].split(b"\r\n"):
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon or has_control(line.decode("latin-1")):
                raise Invalid("body", f"malformed part header {line[:40]!r}")
            headers[name.strip().lower()] = value.strip()
        next_part = body.find(separator, head_end + 4)
        if next_part < 0:
            raise Invalid("body", "the last part is not closed by the boundary")
        parts.append((headers, body[head_end + 4:next_part]))
        position = next_part + len(separator)


def digest_matches(sha2: str, content: bytes) -> bool:
    algorithm = _HASHES.get(len(sha2))
    return algorithm is not None and algorithm(content).hexdigest() == sha2.lower()


def build(first: tuple[str, bytes], attachments: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/mixed body: the JSON part, then (sha2, content type, content) parts."""
    boundary = "xapi-" + secrets.token_hex(16)
    crlf = b"\r\n"
    out = [b"--" + boundary.encode(), crlf, b"Content-Type: " + first[0].encode(), crlf, crlf, first[1]]
    for sha2, content_type, content in attachments:
        out += [crlf, b"--" + boundary.encode(), crlf,
                b"Content-Type: " + content_type.encode(), crlf,
                b"Content-Transfer-Encoding: binary", crlf,
                b"X-Experience-API-Hash: " + sha2.encode(), crlf, crlf, content]
    out += [crlf, b"--" + boundary.encode() + b"--", crlf]
    return b"".join(out), boundary
