"""Statements with attachments (multipart/mixed, SHA-2 checks) and signed statements (JWS)."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from lms.xapi import multipart
from lms.xapi.validation import SIGNATURE_USAGE
from tests.xapi.conftest import new_id, statement

TEXT = b"here is a simple attachment"
BOUNDARY = "-------314159265358979323846"


def attachment(content: bytes, **fields) -> dict:  # noqa: ANN003
    return {"usageType": "https://example.org/attachment-usage/test", "display": {"en-GB": "A test attachment"},
            "contentType": "text/plain", "length": len(content), "sha2": hashlib.sha256(content).hexdigest(), **fields}


def body(statements, *parts: tuple[dict, bytes]) -> bytes:  # noqa: ANN001
    out = [f"--{BOUNDARY}\r\nContent-Type: application/json\r\n\r\n".encode(), json.dumps(statements).encode()]
    for headers, content in parts:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        out += [f"\r\n--{BOUNDARY}\r\n{head}\r\n".encode(), content]
    out.append(f"\r\n--{BOUNDARY}--\r\n".encode())
    return b"".join(out)


def part(content: bytes, sha2: str | None = None, **headers) -> tuple[dict, bytes]:  # noqa: ANN003
    return ({"Content-Type": "text/plain", "Content-Transfer-Encoding": "binary",
             "X-Experience-API-Hash": sha2 or hashlib.sha256(content).hexdigest(), **headers}, content)


def post_multipart(lrs, data: bytes, boundary: str = BOUNDARY):  # noqa: ANN001, ANN201
    return lrs.request("POST", "/statements", data=data,
                       headers={"Content-Type": f"multipart/mixed; boundary={boundary}"})


def test_attachment_content_is_stored_and_returned(lrs):  # noqa: ANN001
    sent = statement(attachments=[attachment(TEXT)])
    response = post_multipart(lrs, body(sent, part(TEXT)))
    assert response.status_code == 200, response.get_json()
    (statement_id,) = response.get_json()
    fetched = lrs.get(statementId=statement_id, attachments="true")
    assert fetched.mimetype == "multipart/mixed"
    parts = multipart.parse(fetched.data, fetched.mimetype_params["boundary"])
    assert json.loads(parts[0][1])["id"] == statement_id
    assert parts[1][0]["x-experience-api-hash"] == hashlib.sha256(TEXT).hexdigest()
    assert parts[1][0]["content-transfer-encoding"] == "binary"
    assert parts[1][1] == TEXT
    listed = lrs.get(attachments="true")
    assert multipart.parse(listed.data, listed.mimetype_params["boundary"])[1][1] == TEXT
    assert lrs.get(statementId=statement_id).mimetype == "application/json"


def test_file_url_attachments_need_no_part(lrs):  # noqa: ANN001
    sent = statement(attachments=[attachment(TEXT, fileUrl="https://example.org/file.txt")])
    assert lrs.post(sent).status_code == 200


@pytest.mark.parametrize("make, field", [
    (lambda: body(statement(attachments=[attachment(TEXT)])), "statement.attachments[0]"),
    (lambda: body(statement(attachments=[attachment(TEXT)]), part(TEXT), part(b"extra")), "body"),
    (lambda: body(statement(attachments=[attachment(TEXT)]), part(b"tampered", hashlib.sha256(TEXT).hexdigest())),
     "body part 2"),
    (lambda: body(statement(attachments=[attachment(TEXT)]), ({"Content-Type": "text/plain"}, TEXT)), "body part 2"),
    (lambda: body(statement(attachments=[attachment(TEXT)]), part(TEXT, **{"Content-Transfer-Encoding": "base64"})),
     "body part 2"),
    (lambda: body(statement(attachments=[attachment(TEXT)]), part(TEXT)).replace(b"application/json", b"text/plain", 1),
     "body"),
])
def test_malformed_attachments_are_refused(lrs, make, field):  # noqa: ANN001
    response = post_multipart(lrs, make())
    assert (response.status_code, response.get_json()["field"]) == (400, field)
    assert lrs.get().get_json()["statements"] == []


def test_raw_attachments_need_multipart(lrs):  # noqa: ANN001
    response = lrs.post(statement(attachments=[attachment(TEXT)]))
    assert (response.status_code, response.get_json()["field"]) == (400, "statement.attachments[0]")


def test_multipart_needs_a_boundary(lrs):  # noqa: ANN001
    response = lrs.request("POST", "/statements", data=body(statement()), headers={"Content-Type": "multipart/mixed"})
    assert (response.status_code, response.get_json()["field"]) == (400, "Content-Type")


@pytest.fixture(scope="module")
def signer():  # noqa: ANN201
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "xAPI test signer")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return key, base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jws(payload: dict, key, alg: str = "RS256", x5c: str | None = None) -> bytes:  # noqa: ANN001
    header = {"alg": alg, **({"x5c": [x5c]} if x5c else {})}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    digest = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(), "RS512": hashes.SHA512()}.get(alg, hashes.SHA256())
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), digest)
    return f"{signing_input}.{b64(signature)}".encode()


def signed(payload: dict, token: bytes, content_type: str = "application/octet-stream") -> bytes:
    sent = dict(payload, attachments=[attachment(token, usageType=SIGNATURE_USAGE, contentType=content_type)])
    return body(sent, part(token, **{"Content-Type": content_type}))


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_signed_statements_are_accepted(lrs, signer, alg):  # noqa: ANN001
    key, cert = signer
    payload = statement(id=new_id(), result={"duration": "PT1.12S"})
    assert post_multipart(lrs, signed(payload, jws(payload, key, alg, cert))).status_code == 200


def test_a_signature_over_a_longer_duration_still_matches(lrs, signer):  # noqa: ANN001
    key, _ = signer
    payload = statement(id=new_id(), result={"duration": "P1DT12H36M0.12S"})
    token = jws(dict(payload, result={"duration": "P1DT12H36M0.1237S"}), key)
    assert post_multipart(lrs, signed(payload, token)).status_code == 200


@pytest.mark.parametrize("case", ["hs256", "other payload", "not a jws", "bad content type", "bad signature"])
def test_bad_signatures_are_refused(lrs, signer, case):  # noqa: ANN001
    key, cert = signer
    payload = statement(id=new_id())
    token = jws(payload, key, x5c=cert)
    content_type = "application/octet-stream"
    if case == "hs256":
        token = jws(payload, key, alg="HS256")
    elif case == "other payload":
        token = jws(statement(verb={"id": "https://example.org/other"}), key)
    elif case == "not a jws":
        token = b"this.is not.a-jws"
    elif case == "bad content type":
        content_type = "text/plain"
    elif case == "bad signature":
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        token = jws(payload, other, x5c=cert)
    response = post_multipart(lrs, signed(payload, token, content_type))
    assert response.status_code == 400, case
    assert response.get_json()["field"].startswith("statement.attachments[0]")
