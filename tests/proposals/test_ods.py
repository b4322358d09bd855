"""LibreOffice's own format (.ods) is read as the workbook is: the same proposal from the same cells, the
same messages for a bad cell, and a spreadsheet with macros refused. The .ods files are written here, as
OpenDocument 1.2 spreadsheets (a zip of mimetype, manifest and content.xml), from the template's CSV folder."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from rdflib.compare import isomorphic

from ppikg.errors import InputError
from ppikg.proposals.importer import TemplateError, import_proposal

from .helpers import EXAMPLE_CSV

NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
DATE = re.compile(r"\d{4}-\d{2}-\d{2}$")


def cell(value: str) -> str:
    if value == "":
        return "<table:table-cell/>"
    if DATE.match(value):  # a date cell, as LibreOffice writes one
        return f'<table:table-cell office:value-type="date" office:date-value="{value}"><text:p>{value}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p></table:table-cell>'


def ods(folder: Path, extra: dict[str, bytes] | None = None, change=None) -> bytes:
    """The CSV folder as an .ods spreadsheet, one sheet per file; ``change(sheet, rows)`` may edit the rows."""
    sheets = []
    for f in sorted(folder.glob("*.csv")):
        rows = list(csv.reader(io.StringIO(f.read_text(encoding="utf-8"))))
        if change:
            change(f.stem, rows)
        body = "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows)
        sheets.append(f"<table:table table:name={quoteattr(f.stem)}>{body}</table:table>")
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS} office:version="1.2">'
               f"<office:body><office:spreadsheet>{''.join(sheets)}</office:spreadsheet></office:body>"
               "</office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        for part, data in (extra or {}).items():
            z.writestr(part, data)
    return out.getvalue()


def test_an_ods_gives_the_proposal_its_csv_folder_gives(tmp_path):
    path = tmp_path / "propuesta.ods"
    path.write_bytes(ods(EXAMPLE_CSV))
    assert isomorphic(import_proposal(path), import_proposal(EXAMPLE_CSV))
    done = subprocess.run([sys.executable, "-m", "ppikg", "validate", str(path), "--lang", "en"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "CONFORMS" in done.stdout, done.stderr


def test_a_bad_cell_of_an_ods_names_its_sheet_row_and_column():
    def wrong(sheet, rows):
        if sheet == "tareas":
            rows[2][rows[0].index("plazo")] = "31/02/2014"

    with pytest.raises(TemplateError) as e:
        import_proposal(ods(EXAMPLE_CSV, change=wrong), "ods")
    assert str(e.value).startswith("sheet 'tareas', row 3, column 'plazo': not a date: '31/02/2014'")


def test_an_ods_with_macros_or_that_is_not_one_is_refused():
    with pytest.raises(InputError, match="with macros"):
        import_proposal(ods(EXAMPLE_CSV, extra={"Basic/Standard/Module1.xml": b"<x/>"}), "ods")
    with pytest.raises(InputError, match="not a readable .ods spreadsheet"):
        import_proposal(b"PK\x03\x04 nothing", "ods")
