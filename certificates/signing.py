"""The issuer's signing key: a demo authority made by keygen, or a PKCS#12 file; PAdES signing through pyHanko, loaded on first use."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from lms.api import speedup

T = TypeVar("T")
DEMO_FOLDER = "certificate-keys"  # inside the instance folder
DEMO_P12 = "demo-signing.p12"
DEMO_CA = "demo-issuer-ca.pem"
# Room for the CMS signature: a 2-certificate RSA chain and signed attributes take about 3.5 kB.
SIGNATURE_BYTES = 12 * 1024
# The document-signing extended key usage (RFC 9336); PDF readers accept it for signatures.
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")


class SigningKeyMissing(RuntimeError):
    """No signing key is configured (run ``lms certificates keygen`` or set CERTIFICATE_SIGNING_P12)."""


@dataclass(frozen=True)
class Issuer:
    """The loaded signing identity: the signer and the certificates verifiers should trust."""

    signer: Any  # a pyHanko Signer
    name: str
    trust_roots: tuple[asn1_x509.Certificate, ...]


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _is_self_signed(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject


def load_issuer(p12_path: Path, password: str | None) -> Issuer:
    """Parse a PKCS#12 file once: key, signing certificate and chain; the chain's self-signed roots are trusted."""
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(p12_path.read_bytes(), password.encode() if password else None)
    except FileNotFoundError:
        raise SigningKeyMissing(f"no signing key at {p12_path}: run `lms certificates keygen` "
                                "or set CERTIFICATE_SIGNING_P12") from None
    except ValueError as exc:
        raise SigningKeyMissing(f"cannot read {p12_path}: wrong CERTIFICATE_SIGNING_PASSWORD or not PKCS#12 ({exc})") from None
    if key is None or cert is None:
        raise SigningKeyMissing(f"{p12_path} holds no private key and certificate")
    # Imported here, like every use of pyHanko: it is heavy to load, and most processes never sign.
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    registry = SimpleCertificateStore()
    registry.register_multiple([_asn1(c) for c in chain])
    roots = tuple(_asn1(c) for c in chain if _is_self_signed(c)) or tuple(_asn1(c) for c in chain[-1:])
    names = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME) or cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    device = speedup("pyhanko")
    if device is not None:
        signer = device.PreparsedKeySigner(key, _asn1(cert), registry)
    else:
        der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        signer = signers.SimpleSigner(_asn1(cert), asn1_keys.PrivateKeyInfo.load(der), registry)
    return Issuer(signer, str(names[0].value) if names else "the issuer", roots)


_issuers: dict[tuple[Path, float, str | None, bool], Issuer] = {}
_issuers_lock = threading.Lock()


def issuer(p12_path: Path, password: str | None) -> Issuer:
    """The process's issuer for this file, parsed on first use; a replaced file is read again."""
    stamp = p12_path.stat().st_mtime if p12_path.exists() else 0.0
    cache_key = (p12_path.resolve(), stamp, password, speedup("pyhanko") is not None)
    with _issuers_lock:
        if cache_key not in _issuers:
            _issuers[cache_key] = load_issuer(p12_path, password)
        return _issuers[cache_key]


def sign_pdf(pdf: bytes, signing: Issuer, *, reason: str, location: str) -> bytes:
    """Add a PAdES baseline B signature (an invisible signature field) with the certificate chain embedded."""
    # Imported here, like every use of pyHanko: it is heavy to load, and most processes never sign.
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(
        field_name="Certificate-Signature", subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=reason, location=location, name=signing.name,
    )
    out = BytesIO()
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    signer = signers.PdfSigner(meta, signing.signer)
    # Reserving the space up front skips pyHanko's trial signature that only measures the CMS size.
    run_coroutine(lambda: signer.async_sign_pdf(writer, bytes_reserved=SIGNATURE_BYTES, output=out))
    return out.getvalue()


def run_coroutine(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run one of pyHanko's coroutines from synchronous code.

    pyHanko's own synchronous wrappers call asyncio.run, which refuses to work in a thread that already
    runs an event loop (an async server, or Playwright's sync API in tests); there a helper thread runs it.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _certificate(subject: x509.Name, issuer_name: x509.Name, public_key, signing_key, *, days: int, ca: bool,  # noqa: ANN001
                 service_url: str | None = None):
    now = datetime.now(UTC) - timedelta(minutes=5)
    builder = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name).public_key(public_key)
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if ca:
        builder = builder.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    else:
        builder = builder.add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        builder = builder.add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()), critical=False)
        if service_url:  # the authority vouches for the service's address: verifiers may ask it for live status
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.UniformResourceIdentifier(service_url)]), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def keygen(folder: Path, organisation: str, *, password: str | None = None, replace: bool = False,
           service_url: str | None = None) -> tuple[Path, Path]:
    """Create a demo issuer authority and a signing certificate it issued; returns (PKCS#12, CA PEM).

    The signing certificate names service_url (a subjectAltName URI), if given, as the service whose live
    status `lms certificates verify` may ask about the certificates it signs.

    The files are created atomically and never overwritten unless replace is set, so two processes starting at
    once end up sharing one key.
    """
    folder.mkdir(parents=True, exist_ok=True)
    p12_path, ca_path = folder / DEMO_P12, folder / DEMO_CA
    if p12_path.exists() and not replace:
        return p12_path, ca_path
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    ca_name = _name(f"{organisation} demo issuer authority", organisation)
    ca_cert = _certificate(ca_name, ca_name, ca_key.public_key(), ca_key, days=365 * 20, ca=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _certificate(_name(f"{organisation} certificate signing (demo)", organisation), ca_name, key.public_key(),
                        ca_key, days=365 * 10, ca=False, service_url=service_url)
    encryption = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    p12 = pkcs12.serialize_key_and_certificates(b"certificate-signing", key, cert, [ca_cert], encryption)
    _write_atomically(p12_path, p12, replace)
    # The authority file comes from whichever key file won a race, so the two always match.
    _, _, chain = pkcs12.load_key_and_certificates(p12_path.read_bytes(), password.encode() if password else None)
    _write_atomically(ca_path, b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain), True)
    return p12_path, ca_path


def _write_atomically(path: Path, data: bytes, replace: bool) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    with open(temporary, "wb", opener=lambda p, flags: os.open(p, flags, 0o600)) as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    try:
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)  # fails if another process got there first; theirs stands
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)

