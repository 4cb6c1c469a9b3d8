"""The one CSV writer: a cell that a spreadsheet would run as a formula is written as text, and nothing else in
the product writes CSV. The CSVs it writes are each checked in tests/orgs/test_csv_downloads.py (compliance,
join links) and tests/certificates/test_lifecycle.py (the certificates zip's index.csv)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from lms.csvfile import FORMULA_STARTS, csv_text, safe_cell

ROOT = Path(__file__).parent.parent
# Written in a spreadsheet's cell, each of these would run (or, for tab and CR, hide a formula after them).
HOSTILE = ["=HYPERLINK(\"http://x.example\",\"open\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("value", HOSTILE)
def test_a_cell_that_would_run_as_a_formula_is_written_as_text(value):
    assert value.startswith(FORMULA_STARTS)
    assert read(csv_text(["name"], [[value]]))[1] == ["'" + value]


def test_other_cells_are_written_as_they_are():
    rows = read(csv_text(["name", "count", "none"], [["Ann O'Neill, RN", 3, None], ["a=b", -1, "x-y"]]))
    assert rows == [["name", "count", "none"], ["Ann O'Neill, RN", "3", ""], ["a=b", "'-1", "x-y"]]
    assert safe_cell("2026-03-07") == "2026-03-07"


def test_the_header_is_made_safe_too():
    assert read(csv_text(["=cmd"], []))[0] == ["'=cmd"]


def test_nothing_else_in_the_product_writes_csv():
    writers = re.compile(r"csv\.(writer|DictWriter)\(|text/csv\"|mimetype=\"text/csv")
    found = [str(path.relative_to(ROOT)) for folder in ("lms", "certificates", "bundles", "modules")
             for path in (ROOT / folder).rglob("*.py") if writers.search(path.read_text(encoding="utf-8"))]
    assert found == ["lms/csvfile.py"]
