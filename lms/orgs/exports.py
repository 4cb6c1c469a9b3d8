"""CSV downloads that are safe to open in a spreadsheet, and the absolute links admins pass on."""

from __future__ import annotations

import csv
import io
from typing import Iterable, Sequence

from flask import Response, current_app, request

# A cell starting with one of these runs as a formula in spreadsheet software (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Response:
    """A CSV attachment with a byte-order mark, so spreadsheet software reads it as UTF-8."""
    body = "\ufeff" + csv_text(header, rows)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def public_url(path: str) -> str:
    """An absolute link for someone outside this request: the configured base URL, else this host."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return base.rstrip("/") + path


def join_link(token: str) -> str:
    return public_url(f"/join/{token}")


def reset_link(token: str) -> str:
    return public_url(f"/reset-password/{token}")
