"""Reading statements from a PUT or POST body: JSON or multipart/mixed with attachments and signatures."""

from __future__ import annotations

from lms.xapi import multipart, signature, strict_json
from lms.xapi.http import XapiError, XapiRequest
from lms.xapi.validation import SIGNATURE_USAGE, Invalid, validate_statements


def _attachments_of(statement: dict) -> list[dict]:
    found = list(statement.get("attachments") or ())
    obj = statement.get("object")
    if type(obj) is dict and obj.get("objectType") == "SubStatement":
        found += obj.get("attachments") or ()
    return found


def read(xreq: XapiRequest) -> tuple[list[dict], dict[str, tuple[str, bytes]], bool]:
    """Validated statements, attachment content by SHA-2, and whether the body was a single statement."""
    mimetype = xreq.mimetype
    parts: list[tuple[dict, bytes]] = []
    if mimetype == "multipart/mixed":
        parts = multipart.parse(xreq.body, xreq.content_type_param("boundary"))
        if not parts:
            raise Invalid("body", "a multipart body needs the statements as its first part")
        first_headers, first = parts[0]
        if first_headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            raise Invalid("body", "the first part must be the statements as application/json")
        raw, parts = first, parts[1:]
    elif mimetype == "application/json":
        raw = xreq.body
    else:
        raise XapiError(400, "Content-Type must be application/json or multipart/mixed", "Content-Type",
                        "must be application/json or multipart/mixed")
    data = strict_json.loads(raw, "body")
    single = type(data) is dict
    statements = validate_statements(data, v2=xreq.v2)
    content = _attachment_parts(parts)
    _match_attachments(statements, content, single)
    return statements, {sha2: (ctype, data) for sha2, (ctype, data) in content.items()}, single


def _attachment_parts(parts: list[tuple[dict, bytes]]) -> dict[str, tuple[str, bytes]]:
    content = {}
    for index, (headers, data) in enumerate(parts, 1):
        where = f"body part {index + 1}"
        sha2 = headers.get("x-experience-api-hash")
        if not sha2:
            raise Invalid(where, "an attachment part needs an X-Experience-API-Hash header")
        encoding = headers.get("content-transfer-encoding")
        if encoding is not None and encoding.lower() != "binary":
            raise Invalid(where, "Content-Transfer-Encoding must be binary")
        if not multipart.digest_matches(sha2, data):
            raise Invalid(where, "the content does not match its X-Experience-API-Hash")
        content[sha2.lower()] = (headers.get("content-type", "application/octet-stream"), data)
    return content


def _match_attachments(statements: list[dict], content: dict, single: bool) -> None:
    """Every attachment without fileUrl has its part, every part an attachment; signatures check out."""
    declared = set()
    for index, statement in enumerate(statements):
        path = "statement" if single else f"statements[{index}]"
        for position, attachment in enumerate(_attachments_of(statement)):
            sha2 = attachment["sha2"].lower()
            declared.add(sha2)
            here = f"{path}.attachments[{position}]"
            if attachment.get("usageType") == SIGNATURE_USAGE:
                if attachment["contentType"].split(";")[0].strip() != "application/octet-stream":
                    raise Invalid(f"{here}.contentType", "a signature must be application/octet-stream")
                if sha2 not in content:
                    raise Invalid(here, "the signature's content (a JWS) must be sent as a part")
                signature.check(statement, content[sha2][1], here)
            elif "fileUrl" not in attachment and sha2 not in content:
                raise Invalid(here, "has no fileUrl, so its content must be sent as a multipart/mixed part")
    for sha2 in content:
        if sha2 not in declared:
            raise Invalid("body", f"part with hash {sha2[:16]}... matches no attachment in the statements")
