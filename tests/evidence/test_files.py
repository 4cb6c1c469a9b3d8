"""Evidence files are judged by their content, never their name, within size limits; Word documents are opened
as bounded zips, so a zip bomb or a zip that is not a Word document is refused."""

from __future__ import annotations

import io
import zipfile

import pytest

from lms.errors import DomainError
from lms.evidence.files import DOCX, Upload, media_type, safe_name
from tests.evidence.conftest import PDF, PNG, docx

LIMIT = 5 * 1024 * 1024


@pytest.mark.parametrize(("data", "expected"), [
    (PDF, "application/pdf"), (PNG, "image/png"), (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64, "image/jpeg"),
    (docx(), DOCX)])
def test_accepted_types_are_recognised_from_their_content(data, expected) -> None:  # noqa: ANN001
    assert media_type(Upload("whatever.bin", data), LIMIT) == expected


def test_an_executable_named_pdf_is_refused() -> None:
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
    with pytest.raises(DomainError, match="must be a PDF, a Word document"):
        media_type(Upload("project-report.pdf", program), LIMIT)


def test_html_named_pdf_is_refused() -> None:
    with pytest.raises(DomainError, match="must be a PDF"):
        media_type(Upload("report.pdf", b"<html><script>alert(1)</script></html>"), LIMIT)


def test_an_empty_file_and_one_over_the_limit_are_refused() -> None:
    with pytest.raises(DomainError, match="empty"):
        media_type(Upload("empty.pdf", b""), LIMIT)
    with pytest.raises(DomainError, match="smaller than 5 MB"):
        media_type(Upload("big.pdf", PDF + b"\x00" * LIMIT), LIMIT)


def test_a_zip_bomb_dressed_as_a_word_document_is_refused() -> None:
    # 300 MB of zeros compress to a few hundred kilobytes: the declared size gives it away before any expanding.
    bomb = docx({"word/media/zeros.bin": b"\x00" * (300 * 1024 * 1024)})
    assert len(bomb) < LIMIT
    with pytest.raises(DomainError, match="not a Word document that can be opened safely"):
        media_type(Upload("cv.docx", bomb), LIMIT)


def test_a_zip_with_thousands_of_entries_is_refused() -> None:
    many = docx({f"word/part{i}.xml": b"" for i in range(1200)})
    with pytest.raises(DomainError, match="opened safely"):
        media_type(Upload("notes.docx", many), LIMIT)


def test_a_plain_zip_or_a_broken_one_is_not_a_word_document() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", b"MZ")
    with pytest.raises(DomainError, match="not a Word document"):
        media_type(Upload("notes.docx", buffer.getvalue()), LIMIT)
    with pytest.raises(DomainError, match="not a Word document"):
        media_type(Upload("notes.docx", docx()[:60]), LIMIT)


def test_file_names_lose_paths_and_control_characters() -> None:
    assert safe_name("C:\\Users\\me\\..\\report\x00.pdf") == "report.pdf"
    assert safe_name('../../etc/"passwd"') == "passwd"
    assert safe_name("\x07") == "evidence"
