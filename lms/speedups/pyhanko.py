"""pyHanko: a signer that keeps its parsed key and its signed attributes from one signature to the next.

What it buys (bench/certificates.py, ms per certificate issued warm): pyHanko's SimpleSigner re-parses (and
re-checks) the private key for every signature, which made an RSA-2048 signature take 128 ms instead of 37 ms;
and asn1crypto re-encodes a structure it built every time it is read, which pyHanko does several times per
signature to the signing-certificate attribute (14 of a signature's 23 ms).

Private names touched: ``pyhanko.keys.internal.translate_pyca_cryptography_key_to_asn1``; SimpleSigner's
``sign_raw``, ``get_signature_mechanism_for_digest`` and ``signed_attr_prov_spec``, overridden.
Checked on: pyHanko 0.38.0, pyhanko-certvalidator 0.33.0.
Imported only through ``lms.speedups.device`` when a certificate is first signed: pyHanko is heavy to load.
"""

from __future__ import annotations

from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.asymmetric import ec, padding
from pyhanko.keys.internal import translate_pyca_cryptography_key_to_asn1
from pyhanko.sign import attributes, signers
from pyhanko.sign.general import as_signing_certificate_v2
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params


class FixedAttribute(attributes.CMSAttributeProvider):
    """A signed attribute whose value is the same for every signature."""

    def __init__(self, attribute_type: str, value):  # noqa: ANN001
        self.attribute_type = attribute_type
        self.value = value

    async def build_attr_value(self, dry_run: bool = False):  # noqa: ANN201
        return self.value


class PAdESSignedAttributes(attributes.SignedAttributeProviderSpec):
    """The signed attributes pyHanko gives a PAdES signature (signing-certificate-v2, beside the content type and
    message digest it always adds), with the signing-certificate value built once per key.

    A value parsed from its encoding keeps its bytes, so asn1crypto does not build it again on every read.
    """

    def __init__(self, signing_cert: asn1_x509.Certificate):
        built = as_signing_certificate_v2(signing_cert)
        self.signing_certificate = FixedAttribute("signing_certificate_v2", tsp.SigningCertificateV2.load(built.dump()))

    def signed_attr_providers(self, data_digest: bytes, digest_algorithm: str):  # noqa: ANN201
        yield self.signing_certificate


class PreparsedKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner keeping the parsed key (a cryptography private key) for the process's life."""

    def __init__(self, private_key, signing_cert, cert_registry):  # noqa: ANN001
        super().__init__(signing_cert, translate_pyca_cryptography_key_to_asn1(private_key), cert_registry)
        self._private_key = private_key
        self._mechanisms: dict[str | None, object] = {}
        self.signed_attr_prov_spec = PAdESSignedAttributes(signing_cert)

    def get_signature_mechanism_for_digest(self, digest_algorithm):  # noqa: ANN001, ANN201
        # Built once per digest: pyHanko assembles this ASN.1 object afresh several times per signature.
        if digest_algorithm not in self._mechanisms:
            self._mechanisms[digest_algorithm] = super().get_signature_mechanism_for_digest(digest_algorithm)
        return self._mechanisms[digest_algorithm]

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        algorithm = mechanism.signature_algo
        key = self._private_key
        if algorithm == "rsassa_pkcs1v15":
            return key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if algorithm == "rsassa_pss":
            pss, hash_algo = process_pss_params(mechanism["parameters"])
            return key.sign(data, pss, hash_algo)
        if algorithm == "ecdsa":
            return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        if algorithm == "ed25519":
            return key.sign(data)
        raise ValueError(f"unsupported signing key algorithm {algorithm}")
