"""Hostile workbooks against a real server and the command line: parts that expand to gigabytes, damaged
parts, malformed sheet XML and cells longer than a spreadsheet allows are refused with one clear error (400,
or one line and exit 2), before any reader walks them, while `/health` keeps answering."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import httpx
import pytest

from ppikg.config import Project
from ppikg.proposals.importer import MAX_CELL, MAX_EXPANDED

from .conftest import assert_validate_refuses, assert_refused, assert_unharmed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXAMPLE = Project.default().templates_dir / "propuesta-ejemplo-dgb.xlsx"


def rezip(replace: dict[str, bytes], stored: bool = False) -> bytes:
    """The example workbook with some parts replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(EXAMPLE) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
    return out.getvalue()


def expanding_sheet() -> bytes:
    """A data sheet of empty rows formatted across every column: a few hundred kB zipped, MAX_EXPANDED + 1 MB
    of XML."""
    row = b'<row r="%d">' + b'<c s="0"/>' * 2000 + b"</row>"
    rows = b"".join(row % i for i in range(2, 2 + (MAX_EXPANDED + 2**20) // len(row)))
    return (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<dimension ref="A1:XFD19001"/><sheetData>' + rows + b"</sheetData></worksheet>")


def damaged() -> bytes:
    """The example with one byte of a stored sheet changed: its checksum no longer holds."""
    data = bytearray(rezip({}, stored=True))
    at = data.index(b"<sheetData>", data.index(b"xl/worksheets/sheet2.xml")) + 20
    data[at] = ord("Z") if data[at] != ord("Z") else ord("Y")
    return bytes(data)


def long_cell() -> bytes:
    """The example with one cell of the proposal sheet longer than a spreadsheet program lets a cell be
    (written by hand: openpyxl itself cuts longer text when it saves)."""
    with zipfile.ZipFile(EXAMPLE) as src:
        sheet = src.read("xl/worksheets/sheet2.xml")
    start = sheet.index(b'<c r="B2"')
    end = sheet.index(b"</c>", start) + 4
    cell = b'<c r="B2" t="inlineStr"><is><t>' + b"y" * (MAX_CELL + 1) + b"</t></is></c>"
    return rezip({"xl/worksheets/sheet2.xml": sheet[:start] + cell + sheet[end:]})


CASES = {
    "expands-too-far": (lambda: rezip({"xl/worksheets/sheet2.xml": expanding_sheet()}), "expands to"),
    "damaged-part": (damaged, "checksum"),
    "malformed-sheet-xml": (lambda: rezip({"xl/worksheets/sheet2.xml": b"<worksheet><sheetData><row><c"}),
                            "not a readable"),
    "cell-too-long": (long_cell, "characters"),
    "not-a-zip": (lambda: b"PK\x03\x04" + b"\x00" * 200, "not a readable"),
}


@pytest.fixture(scope="module")
def workbooks() -> dict[str, bytes]:
    return {name: make() for name, (make, _) in CASES.items()}


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_workbook_is_refused_over_http(served, workbooks, case):
    body = workbooks[case]

    def send() -> httpx.Response:
        return httpx.post(served.url + "/validate?lang=en", content=body, headers={"Content-Type": XLSX}, timeout=120)

    response, slowest, peak = served.while_probing(send)
    assert_refused(response, 400, CASES[case][1])
    assert_unharmed(slowest, peak)


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_workbook_is_one_line_and_exit_2_on_the_command_line(workbooks, case, tmp_path: Path):
    path = tmp_path / f"{case}.xlsx"
    path.write_bytes(workbooks[case])
    assert_validate_refuses(path, CASES[case][1])


def test_the_example_workbook_still_validates(served):
    response = httpx.post(served.url + "/validate?lang=en", content=EXAMPLE.read_bytes(), headers={"Content-Type": XLSX},
                          timeout=120)
    assert response.status_code == 200 and response.headers["X-PPI-Conforms"] == "true"
