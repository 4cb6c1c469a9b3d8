"""WeasyPrint: a certificate styled by the certificates' own user-agent stylesheet in place of WeasyPrint's.

What it buys (bench/certificates.py, ms per certificate issued warm): WeasyPrint's user-agent stylesheet also
styles forms, bidirectional attributes, legacy elements and sixteen page-margin boxes, and matching those
rules against every element took a seventh of a certificate's render time. The certificates' one holds HTML's
usual defaults for the elements a certificate uses; without the device it is applied after WeasyPrint's.

Private names touched: ``HTML._ua_stylesheets`` (the method WeasyPrint asks for its user-agent stylesheets).
Checked on: WeasyPrint 70.0.
Imported only through ``lms.speedups.device`` when a certificate is first rendered: WeasyPrint is heavy to load.
"""

from __future__ import annotations

from typing import Any

from weasyprint import CSS, HTML


class OwnUserAgentHTML(HTML):
    """WeasyPrint's HTML, styled by the user-agent stylesheet given instead of WeasyPrint's."""

    def __init__(self, user_agent: CSS, **source: Any):
        super().__init__(**source)
        self.user_agent = user_agent

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        return [self.user_agent]
