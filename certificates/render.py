"""Render a certificate as tagged PDF/A from its template folder, in a sandbox that fetches nothing outside it."""

from __future__ import annotations

import threading
from datetime import date, datetime
from importlib.resources import files
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import segno
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from weasyprint import CSS, HTML, Attachment
from weasyprint.css import ColorProfile
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

TEMPLATES = Path(__file__).parent / "templates"
USER_AGENT_CSS = TEMPLATES / "user-agent.css"
# PDF/A-3 level A: archival, tagged for accessibility (level A requires the structure tree), and the one
# PDF/A part that allows the embedded certificate.json that offline verification reads.
PDF_VARIANT = "pdf/a-3a"
DATA_FILE_NAME = "certificate.json"
OUTPUT_INTENT = "certificate-srgb"
_PLAIN_SCALARS = (str, int, float, bool, type(None))
QR_MASK = 0


class RefusedFetch(ValueError):
    """A template asked for a resource outside its own folder."""


class FencedFetcher(URLFetcher):
    """Serve files inside one folder and data: URIs (the QR code); refuse everything else, loudly."""

    def __init__(self, folder: Path):
        super().__init__(fail_on_errors=True, allowed_protocols={"file", "data"})
        self.folder = folder.resolve()

    def fetch(self, url, headers=None):  # noqa: ANN001, ANN201
        scheme = url.split(":", 1)[0].lower()
        if scheme == "file":
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if not path.is_relative_to(self.folder) or not path.is_file():
                raise RefusedFetch(f"certificate templates may only use files in their own folder, not {url}")
        elif scheme != "data":
            raise RefusedFetch(f"certificate templates may not fetch {url}")
        return super().fetch(url, headers)


def plain(value: Any, where: str = "context") -> Any:
    """Check a template value is plain data (text, numbers, lists, mappings); dates become ISO text."""
    if isinstance(value, _PLAIN_SCALARS):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError(f"{where}: mapping keys must be text")
        return {k: plain(v, f"{where}.{k}") for k, v in value.items()}
    raise TypeError(f"{where}: certificate templates get plain values only, not {type(value).__name__}")


def qr_data_uri(url: str) -> str:
    """The QR code as a PNG of one pixel per module (the CSS scales it without smoothing)."""
    # A fixed mask pattern (any of the eight is valid) skips scoring all eight for the "best" one:
    # a third of the time spent on a QR code, and readers decode every mask alike.
    return segno.make(url, error="m", micro=False, mask=QR_MASK).png_data_uri(scale=1, border=4)


class CertificateHTML(HTML):
    """A certificate's HTML, styled by the certificates' own user-agent stylesheet instead of WeasyPrint's."""

    def __init__(self, user_agent: CSS, **source: Any):
        super().__init__(**source)
        self.user_agent = user_agent

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        # WeasyPrint's hook for its user-agent stylesheet (pinned version; test_pdf checks the result).
        return [self.user_agent]


class Renderer:
    """One template folder, parsed once per process: the Jinja template, the CSS and the embedded fonts."""

    def __init__(self, folder: Path):
        self.folder = folder.resolve()
        self.fetcher = FencedFetcher(self.folder)
        env = ImmutableSandboxedEnvironment(
            loader=FileSystemLoader(self.folder), autoescape=True, undefined=StrictUndefined,
        )
        self.template = env.get_template("certificate.html")
        self.fonts = FontConfiguration()
        self.stylesheets = [CSS(filename=str(self.folder / "certificate.css"), url_fetcher=self.fetcher,
                                font_config=self.fonts)]
        self.base_url = self.folder.as_uri() + "/"
        self.user_agent = CSS(filename=str(USER_AGENT_CSS), url_fetcher=self.fetcher, font_config=self.fonts)
        # PDF/A needs an output intent. WeasyPrint's own sRGB one opens its ICC file on every render and never
        # closes it (a ResourceWarning per certificate), so the same profile is read once and named here.
        icc = (files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()
        self.color_profiles = {OUTPUT_INTENT: ColorProfile(BytesIO(icc), "sRGB2014.icc", "relative-colorimetric",
                                                           (["r"], ["g"], ["b"]))}
        # WeasyPrint shares the font configuration between renders; one render at a time per process.
        self._lock = threading.Lock()

    def render(self, values: dict[str, Any], data_file: bytes) -> bytes:
        """The unsigned PDF/A for these values, with data_file embedded as certificate.json."""
        html = self.template.render(plain(values))
        attachment = Attachment(string=data_file, name=DATA_FILE_NAME, relationship="Data",
                                description="The certificate's details, covered by the signature",
                                url_fetcher=self.fetcher)
        with self._lock:
            document = CertificateHTML(self.user_agent, string=html, base_url=self.base_url, url_fetcher=self.fetcher)
            return document.write_pdf(
                stylesheets=self.stylesheets, font_config=self.fonts, color_profiles=dict(self.color_profiles),
                output_intent=OUTPUT_INTENT, pdf_variant=PDF_VARIANT, attachments=[attachment],
                finisher=_distinct_associated_files,
            )


def _distinct_associated_files(document, pdf) -> None:  # noqa: ANN001
    """WeasyPrint 70 lists each PDF/A-3 attachment twice in the catalogue's /AF array; list it once."""
    associated = pdf.catalog.get("AF")
    if associated:
        unique = list(dict.fromkeys(associated))
        associated.clear()
        associated.extend(unique)


_renderers: dict[Path, Renderer] = {}
_renderers_lock = threading.Lock()


def template_folder(template_id: str) -> Path:
    return TEMPLATES / template_id


def template_exists(template_id: str) -> bool:
    folder = template_folder(template_id)
    return (folder / "certificate.html").is_file() and (folder / "certificate.css").is_file()


def renderer(template_id: str) -> Renderer:
    """The process's renderer for a template, built on first use (about 0.5 s) and reused."""
    folder = template_folder(template_id)
    with _renderers_lock:
        if folder not in _renderers:
            _renderers[folder] = Renderer(folder)
        return _renderers[folder]
