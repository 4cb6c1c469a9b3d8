"""The public PDF upload reads only what a certificate holds: a small file that unpacks to a huge one (a
decompression bomb) gets a clear 4xx and costs the server little memory, signed or not."""

from __future__ import annotations

import io
import tracemalloc
import zlib
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.embed import EmbeddedFileObject, FileSpec, embed_file
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter
from pyhanko.sign import signers
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from certificates import signing
from certificates.forms import UPLOAD_MAX_BYTES
from certificates.template_rules import DATA_FILE_NAME

MIB = 1024 * 1024
PEAK_LIMIT = 20 * MIB  # what one such request may cost; the same files took 139 MB and 1.5 GB before the limits


def deflated_zeros(mib: int, prefix: bytes = b"") -> bytes:
    """prefix followed by mib MiB of zero bytes, deflated (about a thousandth of the size)."""
    squeeze = zlib.compressobj(9)
    zeros = bytes(MIB)
    return b"".join([squeeze.compress(prefix), *(squeeze.compress(zeros) for _ in range(mib)), squeeze.flush()])


def with_huge_attachment(mib: int) -> bytes:
    """A one-page PDF whose certificate.json attachment unpacks to mib MiB."""
    writer = PdfFileWriter()
    writer.insert_page(PageObject(contents=[], media_box=(0, 0, 595, 842)))
    attachment = EmbeddedFileObject(writer, encoded_data=deflated_zeros(mib), dict_data=generic.DictionaryObject(
        {generic.pdf_name("/Filter"): generic.pdf_name("/FlateDecode")}))
    embed_file(writer, FileSpec(DATA_FILE_NAME, embedded_data=attachment))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def signed_by(pdf: bytes, p12: Path) -> bytes:
    """pdf signed with p12's key; through the project's coroutine runner, as pyHanko's synchronous sign_pdf
    refuses to run where an event loop already runs (Playwright's, when a browser test ran in this worker)."""
    out = io.BytesIO()
    signer = signers.PdfSigner(signers.PdfSignatureMetadata(field_name="Signature"),
                               signers.SimpleSigner.load_pkcs12(str(p12)))
    signing.run_coroutine(lambda: signer.async_sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out))
    return out.getvalue()


def with_huge_cross_reference_stream(mib: int) -> bytes:
    """A PDF whose cross-reference stream claims mib MiB of entries (read before anything else in the file)."""
    head = b"%PDF-1.7\n"
    objects = [b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n",
               b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"]
    offsets = [len(head), len(head) + len(objects[0])]
    xref_at = offsets[1] + len(objects[1])
    entries = b"\x00" + bytes(4) + b"\xff\xff" + b"".join(b"\x01" + o.to_bytes(4, "big") + bytes(2)
                                                        for o in (*offsets, xref_at))
    data = deflated_zeros(mib, prefix=entries)
    xref = (b"3 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n"
            % ((mib * MIB) // 7, len(data)) + data + b"\nendstream\nendobj\n")
    return head + b"".join(objects) + xref + b"startxref\n%d\n%%%%EOF\n" % xref_at


@pytest.fixture(scope="module")
def forger_p12(tmp_path_factory) -> Path:
    p12, _ = signing.keygen(tmp_path_factory.mktemp("forger"), "Forged Body")
    return p12


def upload(client, pdf: bytes):  # noqa: ANN001, ANN201
    return client.post("/verify/upload", data={"pdf": (io.BytesIO(pdf), "certificate.pdf")},
                       content_type="multipart/form-data")


def peak_of_upload(client, pdf: bytes):  # noqa: ANN001, ANN201
    """The answer, and the most memory Python held at once while the request ran."""
    upload(client, with_huge_attachment(1))  # first load pyHanko's validation modules, outside the measurement
    tracemalloc.start()
    try:
        response = upload(client, pdf)
        return response, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("signer", ["unsigned", "an untrusted key"])
def test_a_bomb_in_the_embedded_data_is_never_unpacked(client, forger_p12, signer):
    pdf = with_huge_attachment(64)
    if signer != "unsigned":
        pdf = signed_by(pdf, forger_p12)
    assert len(pdf) < 100_000
    response, peak = peak_of_upload(client, pdf)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "We cannot confirm this certificate" in page
    expected = ("does not carry the issuer&#39;s signature" if signer == "unsigned"
                else "not signed by this service&#39;s certificate authority")
    assert expected in page
    assert peak < PEAK_LIMIT, f"{peak / MIB:.0f} MiB"


def test_a_bomb_in_the_files_structure_is_refused_unread(client):
    pdf = with_huge_cross_reference_stream(8)
    response, peak = peak_of_upload(client, pdf)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in page
    assert "The file unpacks to far more data than a certificate holds" in page
    assert peak < PEAK_LIMIT, f"{peak / MIB:.0f} MiB"


def test_a_file_larger_than_any_certificate_is_refused_on_its_field(client):
    # Encoded here: the test client spools a large multipart body to a temporary file it never closes.
    boundary, body = encode_multipart({"pdf": FileStorage(io.BytesIO(b"%PDF-1.7\n" + bytes(UPLOAD_MAX_BYTES)),
                                                          "certificate.pdf")})
    response = client.post("/verify/upload", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400
    assert "The file must be 1 MB or smaller" in response.get_data(as_text=True)


def with_objects(count: int) -> bytes:
    """A PDF whose cross-reference table lists count objects: a catalog, its pages, and the catalog again."""
    head = b"%PDF-1.7\n"
    catalog = b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    pages = b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    again = b"%010d 00000 n \n" % len(head)
    rows = [b"0000000000 65535 f \n", again, b"%010d 00000 n \n" % (len(head) + len(catalog)), *[again] * (count - 3)]
    return (head + catalog + pages + b"xref\n0 %d\n" % count + b"".join(rows)
            + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count, len(head + catalog + pages)))


def test_a_file_of_more_parts_than_any_certificate_is_refused_unread(client):
    assert "does not carry the issuer&#39;s signature" in upload(client, with_objects(10_000)).get_data(as_text=True)
    response = upload(client, with_objects(10_001))
    assert response.status_code == 400 and "more than 10,000 parts" in response.get_data(as_text=True)
