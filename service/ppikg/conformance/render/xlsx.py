"""The findings as an Excel workbook: one sheet, a row per finding, headings frozen and filterable."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ...i18n import words
from ..validator import ValidationReport
from .rows import finding_rows

#: Column widths (characters), in the order of rows.COLUMNS: the long texts wide and wrapped.
WIDTHS = (12, 30, 40, 14, 40, 30, 24, 60, 60)


def render_xlsx(report: ValidationReport, lang: str) -> bytes:
    head, rows = finding_rows(report, lang)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(words("report", lang)["findings"])
    for i, width in enumerate(WIDTHS):
        sheet.column_dimensions[get_column_letter(i + 1)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(head))}{len(rows) + 1}"
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")

    def cell(value: str, font: Font | None = None) -> WriteOnlyCell:
        c = WriteOnlyCell(sheet, value)
        c.data_type = "s"  # text, never a formula, whatever it starts with
        c.alignment = wrap
        if font is not None:
            c.font = font
        return c

    sheet.append([cell(h, bold) for h in head])
    for row in rows:
        sheet.append([cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
