"""The findings as CSV (RFC 4180, UTF-8 with a byte-order mark, so spreadsheets read the accents)."""

from __future__ import annotations

import csv
import io

from ..validator import ValidationReport
from .rows import finding_rows

#: First characters that make a spreadsheet read a cell as a formula: such a cell is kept as text by an
#: apostrophe before it (a value from a workbook cannot run in the auditor's spreadsheet).
FORMULA_STARTS = ("=", "+", "@", "\t", "\r")


def as_text(cell: str) -> str:
    """``cell`` as a spreadsheet shows it literally.

    >>> as_text("=HYPERLINK(1)"), as_text("-3"), as_text("dato")
    ("'=HYPERLINK(1)", '-3', 'dato')
    """
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def render_csv(report: ValidationReport, lang: str) -> str:
    head, rows = finding_rows(report, lang)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(head)
    writer.writerows([as_text(c) for c in row] for row in rows)
    return out.getvalue()
