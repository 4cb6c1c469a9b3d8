"""The issued PDF, read back: text, metadata, PDF/A and tags, embedded data, the QR code, the signature; and the
sandbox the template renders in."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import date
from pathlib import Path

import pypdf
import pytest
from PIL import Image
import zxingcpp
from jinja2.exceptions import SecurityError, UndefinedError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from certificates import codes, render, typesetting, verification
from certificates.plugin import settings
from certificates.signing import run_coroutine

from .conftest import ISSUER


@pytest.fixture
def issued(complete, make_user, instance):  # noqa: ANN001
    certificate = complete(make_user(name="Zoë Ålander-Nwosu"))
    return certificate, (instance / certificate.pdf_path).read_bytes()


def test_the_pdf_states_what_was_certified(issued):
    certificate, pdf = issued
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    awarded, expires = certificate.awarded_at, certificate.expires_at
    for expected in ("Zoë Ålander-Nwosu", "Certified management bundle", "Bundle certified, version 1.4.0",
                     "S-ONE", "Standard one", "S-TWO", "Standard two", f"{awarded.day} {awarded:%B %Y}",
                     f"{expires.day} {expires:%B %Y}", codes.display(certificate.code), certificate.verify_url, ISSUER):
        assert expected in text


def test_the_pdf_is_one_a4_landscape_page_with_its_metadata(issued):
    certificate, pdf = issued
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    assert reader.metadata.title == "Certificate: Zoë Ålander-Nwosu, Certified management bundle"
    assert reader.metadata.author == ISSUER
    assert codes.display(certificate.code) in reader.metadata.subject


def test_the_pdf_identifies_as_pdf_a_3a_tagged_with_embedded_fonts(issued):
    _, pdf = issued
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="A"' in xmp
    assert root["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"
    assert root["/MarkInfo"]["/Marked"] == True and "/StructTreeRoot" in root  # noqa: E712  (a PDF boolean)
    assert root["/Lang"] == "en-GB"
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert fonts and all("/FontFile2" in f.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                         for f in fonts.values())
    assert {f.get_object()["/BaseFont"].split("+")[-1] for f in fonts.values()} == {"Certificate-Sans", "Certificate-Sans-Bold"}


def test_the_pdf_outline_lists_the_headings_at_their_levels(issued):
    """The certificates' user-agent stylesheet gives headings their bookmark levels, as HTML's default does."""
    _, pdf = issued

    def titles(entries, depth=0):  # noqa: ANN001, ANN202
        for entry in entries:
            yield from titles(entry, depth + 1) if isinstance(entry, list) else [(depth, entry.title)]

    assert list(titles(pypdf.PdfReader(io.BytesIO(pdf)).outline)) == [
        (0, "Certificate of completion"), (1, "Certified management bundle"),
        (2, "Standards met"), (2, "Details"), (2, "Check this certificate")]


def test_the_pdf_embeds_its_details_as_associated_data(issued):
    certificate, pdf = issued
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    data = json.loads(reader.attachments["certificate.json"][0])
    assert data == {
        "format": "lms-certificate/1", "issuer": ISSUER, "code": codes.display(certificate.code),
        "holder_name": "Zoë Ålander-Nwosu",
        "bundle": {"id": "certified", "title": "Certified management bundle", "version": "1.4.0"},
        "standards": [{"id": "S-ONE", "title": "Standard one"}, {"id": "S-TWO", "title": "Standard two"}],
        "awarded_on": certificate.awarded_at.date().isoformat(), "issued_on": certificate.issued_at.date().isoformat(),
        "expires_on": certificate.expires_at.date().isoformat(), "replaces": None, "verify_url": certificate.verify_url,
    }
    associated = reader.trailer["/Root"]["/AF"]
    assert len(associated) == 1 and associated[0].get_object()["/AFRelationship"] == "/Data"


def test_the_qr_code_encodes_the_verification_address(issued):
    """A QR reader (ZXing) decodes the image embedded in the PDF to the certificate's verification address."""
    certificate, pdf = issued
    image = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images[0].image.convert("L")
    # The PDF holds one pixel per module, scaled by the page's CSS; a camera sees it larger.
    enlarged = image.resize((image.width * 8, image.height * 8), Image.Resampling.NEAREST)
    assert [code.text for code in zxingcpp.read_barcodes(enlarged)] == [certificate.verify_url]


def test_the_signature_validates_with_pyhanko_and_embeds_the_chain(issued):
    _, pdf = issued
    signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert len(signatures) == 1
    context = ValidationContext(trust_roots=settings().trust_roots())
    # pyHanko's own validation, through the coroutine runner: a browser test's event loop may be running.
    status = run_coroutine(lambda: async_validate_pdf_signature(signatures[0], context))
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert signatures[0].sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    embedded = {c.chosen.subject.human_friendly for c in signatures[0].signed_data["certificates"]}
    assert any("issuer authority" in name for name in embedded) and any("certificate signing" in name for name in embedded)


def test_the_signature_carries_the_pades_baseline_signed_attributes(issued):
    """Content type, message digest and the signing certificate's SHA-256 (signing-certificate-v2), with no
    signing time, which PAdES forbids; the signing-certificate value is built once per key and reused."""
    _, pdf = issued
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    attributes = {a["type"].native: a["values"][0] for a in signature.signer_info["signed_attrs"]}
    assert set(attributes) == {"content_type", "message_digest", "signing_certificate_v2"}
    signing_cert = signature.signer_cert
    (identifier,) = attributes["signing_certificate_v2"]["certs"]
    assert identifier["cert_hash"].native == hashlib.sha256(signing_cert.dump()).digest()
    assert identifier["issuer_serial"]["serial_number"].native == signing_cert.serial_number
    assert attributes["message_digest"].native == signature.compute_digest()


def test_without_the_issuers_authority_the_signature_is_intact_but_not_trusted(issued):
    _, pdf = issued
    check = verification.check_pdf(pdf, trust_roots=[])
    assert check.intact and not check.trusted and not check.genuine


def test_changing_one_byte_fails_verification(issued):
    _, pdf = issued
    assert verification.check_pdf(pdf, settings().trust_roots()).genuine
    # A byte inside the signed content (the page text stream), and one in the signed header comment.
    for offset in (pdf.index(b"stream\n") + 20, 12):
        tampered = bytearray(pdf)
        tampered[offset] ^= 0x01
        check = verification.check_pdf(bytes(tampered), settings().trust_roots())
        assert not check.genuine
        assert check.problems


def test_a_file_that_is_not_a_pdf_is_reported_plainly(app):
    check = verification.check_pdf(b"hello, not a pdf", [])
    assert check.problems == ["The file is not a PDF that can be read"] and not check.genuine


# The template sandbox: plain values only, nothing fetched from outside the template folder.

def test_templates_get_plain_values_only():
    assert render.plain({"a": [1, "x", None], "when": date(2026, 3, 7)}) == {"a": [1, "x", None], "when": "2026-03-07"}
    with pytest.raises(TypeError, match=r"context.user: certificate templates get plain values only, not object"):
        render.plain({"user": object()})


@pytest.fixture
def template_dir(tmp_path) -> Path:  # noqa: ANN001
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "certificate.css").write_text("@page { size: A4 landscape }")
    return folder


@pytest.mark.parametrize("source", [
    "<p>{{ holder.__class__.__mro__ }}</p>",  # no dunder attributes: the way out to Python's objects
    "<p>{{ holder.upper.__globals__ }}</p>",
    "<p>{{ standards.append('forged') }}</p>",  # and values cannot be changed
])
def test_the_sandbox_refuses_to_reach_into_python_objects(template_dir, source):
    (template_dir / "certificate.html").write_text(source)
    with pytest.raises((SecurityError, UndefinedError)):
        typesetting.Renderer(template_dir).render({"holder": "Ann", "standards": []}, b"{}")


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/tracker.png", "file:///etc/passwd", "../outside.png"])
def test_the_renderer_fetches_nothing_outside_the_template_folder(template_dir, url):
    (template_dir.parent / "outside.png").write_bytes(b"not really")
    (template_dir / "certificate.html").write_text(f'<img src="{url}" alt="x">')
    with pytest.raises(BaseException, match="Error fetching") as caught:
        typesetting.Renderer(template_dir).render({}, b"{}")
    assert isinstance(caught.value.__cause__, render.RefusedFetch)


def test_the_fetcher_serves_its_own_folder_and_data_uris(template_dir):
    fetcher = typesetting.FencedFetcher(template_dir)
    assert fetcher.fetch((template_dir / "certificate.css").as_uri()).read().startswith(b"@page")
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    with pytest.raises(render.RefusedFetch):
        fetcher.fetch("https://example.org/font.ttf")


def test_the_widest_codes_long_names_and_many_standards_still_fit_one_page():
    wide = "MWMW-WMWM-MWMW-WMWM"
    values = {
        "issuer_name": ISSUER, "holder_name": "Oluwaseun Adebayo-Fitzgerald Montgomery-Wójcik", "bundle_id": "b",
        "bundle_title": "Senior leadership across integrated care systems and place", "bundle_version": "10.12.3",
        "standards": [{"id": f"LM-STANDARD-{n}", "title": "Leading compassionately across boundaries"}
                      for n in range(12)],
        "awarded_on": "30 September 2026", "issued_on": "30 September 2026", "expires_on": "30 September 2029",
        "issued_iso": "2026-09-30T00:00:00+00:00", "code": wide, "replaces_code": wide,
        "verify_url": f"https://certificates.leadership.example.org/verify/{wide}",
        "qr_data_uri": render.qr_data_uri(f"https://certificates.leadership.example.org/verify/{wide}"),
    }
    pdf = render.renderer("standard").render(values, b"{}")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    lines = reader.pages[0].extract_text().splitlines()
    # The code and the code it replaces each stay on one line, however wide their characters.
    assert lines[lines.index("Replaces") + 1] == wide and lines[lines.index("Verification code") + 1] == wide


def test_a_list_of_standards_too_long_for_one_page_runs_onto_a_second_instead_of_over_the_footer():
    values = {
        "issuer_name": ISSUER, "holder_name": "Ann Lee", "bundle_id": "b", "bundle_title": "Everything",
        "bundle_version": "1.0.0", "awarded_on": "1 May 2026", "issued_on": "1 May 2026", "expires_on": None,
        "standards": [{"id": f"S-{n}", "title": f"Standard {n} about leading people and services well"} for n in range(40)],
        "issued_iso": "2026-05-01T00:00:00+00:00", "code": "0000-0000-0000-0000", "replaces_code": None,
        "verify_url": "https://x.example.org/verify/0000-0000-0000-0000",
        "qr_data_uri": render.qr_data_uri("https://x.example.org/verify/0000-0000-0000-0000"),
    }
    reader = pypdf.PdfReader(io.BytesIO(render.renderer("standard").render(values, b"{}")))
    first, second = (page.extract_text() for page in reader.pages)
    assert len(reader.pages) == 2
    assert "S-39" in second and "with no account" in second and "with no account" not in first
