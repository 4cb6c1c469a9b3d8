"""Signed statements (xAPI 1.0.3 section 2.6): a JWS over the statement, sent as an attachment."""

from __future__ import annotations

import base64

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from lms.xapi import strict_json
from lms.xapi.compare import same_statement
from lms.xapi.validation import SIGNATURE_USAGE, Invalid

ALGORITHMS = {"RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512}


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def check(statement: dict, jws: bytes, path: str) -> None:
    """Raise Invalid unless jws is a well-formed RS256/384/512 JWS whose payload is this statement.

    When the JWS header carries a certificate chain (x5c), the signature is verified with it.
    """
    try:
        header_b64, payload_b64, signature_b64 = jws.decode("ascii").strip().split(".")
        header_json, payload_json, signature = _b64(header_b64), _b64(payload_b64), _b64(signature_b64)
    except (ValueError, UnicodeDecodeError):  # binascii.Error is a ValueError
        raise Invalid(path, "the signature is not a JWS compact serialization with a JSON payload") from None
    header = strict_json.loads(header_json, f"{path} (the JWS header)")
    payload = strict_json.loads(payload_json, f"{path} (the JWS payload)")
    if type(header) is not dict or type(header.get("alg")) is not str or header["alg"] not in ALGORITHMS:
        raise Invalid(path, "the signature's header must name its algorithm (alg) as RS256, RS384 or RS512")
    original = {k: v for k, v in statement.items() if k != "attachments"}
    remaining = [a for a in statement.get("attachments") or () if a.get("usageType") != SIGNATURE_USAGE]
    if remaining:
        original["attachments"] = remaining
    if type(payload) is not dict or not same_statement(payload, original) or (
            "id" in payload and "id" in statement and str(payload["id"]).lower() != statement["id"].lower()):
        raise Invalid(path, "the signature's payload is not this statement")
    chain = header.get("x5c")
    if chain is not None and (type(chain) is not list or any(type(item) is not str for item in chain)):
        raise Invalid(path, "the signature's header x5c must be an array of base64 certificates")
    if chain:
        try:
            public_key = x509.load_der_x509_certificate(base64.b64decode(chain[0])).public_key()
        except ValueError:
            raise Invalid(path, "the signature's x5c certificate cannot be read") from None
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise Invalid(path, "the signature's certificate must hold an RSA key")
        try:
            public_key.verify(signature, f"{header_b64}.{payload_b64}".encode(), padding.PKCS1v15(),
                              ALGORITHMS[header["alg"]]())
        except InvalidSignature:
            raise Invalid(path, "the signature does not verify with its x5c certificate") from None
