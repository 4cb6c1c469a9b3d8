"""A certificate's PDF/A typeset by WeasyPrint: the part of rendering that loads it, imported on first render."""

from __future__ import annotations

import threading
from importlib.resources import files
from io import BytesIO
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from weasyprint import CSS, HTML, Attachment
from weasyprint.css import ColorProfile
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from certificates.render import DATA_FILE_NAME, OUTPUT_INTENT, PDF_VARIANT, USER_AGENT_CSS, RefusedFetch, plain


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


class Renderer:
    """One template folder, parsed once per process: the Jinja template, the CSS and the embedded fonts."""

    def __init__(self, folder: Path, device: ModuleType | None = None):
        self.folder = folder.resolve()
        self.device = device  # lms.speedups.weasyprint, or None for WeasyPrint's own user-agent stylesheet
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
        source = {"string": html, "base_url": self.base_url, "url_fetcher": self.fetcher}
        if self.device is not None:  # the certificates' user-agent stylesheet in place of WeasyPrint's
            document, stylesheets = self.device.OwnUserAgentHTML(self.user_agent, **source), self.stylesheets
        else:  # WeasyPrint's, then the certificates' as the first author stylesheet: the same page, more rules
            document, stylesheets = HTML(**source), [self.user_agent, *self.stylesheets]
        with self._lock:
            return document.write_pdf(
                stylesheets=stylesheets, font_config=self.fonts, color_profiles=dict(self.color_profiles),
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
