"""Workbooks whose parts are hostile, against a real server and the command line: macros, links to other
workbooks (the server must never connect where they point), zips that are truncated, not zips, or zips of
something else, thousands of tiny parts, a zip inside the zip. Each is refused with one clear error (400, or one
line on stderr and exit 2) — except a zip carried inside a sound workbook, which is never opened: the workbook
is read as usual."""

from __future__ import annotations

import io
import select
import socket
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from ppikg.config import Project
from ppikg.proposals.importer import MAX_PARTS

from .conftest import assert_validate_refuses, assert_refused, assert_unharmed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXAMPLE = (Project.default().templates_dir / "propuesta-ejemplo-dgb.xlsx").read_bytes()
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def parts() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(EXAMPLE)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def zipped(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def with_macros(content_type_only: bool = False) -> bytes:
    """The example saved as an .xlsm: the macro-enabled workbook type, and (unless ``content_type_only``) a
    ``vbaProject.bin`` part (an OLE compound file's header) related to the workbook."""
    files = parts()
    types = files["[Content_Types].xml"].replace(b"</Types>", b'<Override PartName="/xl/workbook.xml" ContentType='
                                                 b'"application/vnd.ms-excel.sheet.macroEnabled.main+xml" /></Types>')
    files["[Content_Types].xml"] = types
    if not content_type_only:
        files["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
        files["xl/_rels/workbook.xml.rels"] = files["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>", b'<Relationship Type="http://schemas.microsoft.com/office/2006/relationships/'
            b'vbaProject" Target="vbaProject.bin" Id="rId90" /></Relationships>')
    return zipped(files)


def with_external_link(url: str) -> bytes:
    """The example with a link to another workbook at ``url`` (TargetMode="External"), as a spreadsheet program
    writes it when a cell refers to a cell of another file."""
    files = parts()
    files["xl/_rels/workbook.xml.rels"] = files["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", f'<Relationship Type="{REL}/externalLink" Target="externalLinks/externalLink1.xml" '
        'Id="rId91" /></Relationships>'.encode())
    files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/vnd.'
        b'openxmlformats-officedocument.spreadsheetml.externalLink+xml" /></Types>')
    files["xl/workbook.xml"] = files["xl/workbook.xml"].replace(
        b"</sheets>", b'</sheets><externalReferences><externalReference r:id="rId91" /></externalReferences>')
    files["xl/externalLinks/externalLink1.xml"] = (
        f'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{REL}">'
        '<externalBook r:id="rId1"><sheetNames><sheetName val="datos"/></sheetNames></externalBook>'
        "</externalLink>").encode()
    files["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/externalLinkPath" Target="{url}" TargetMode="External"/>'
        "</Relationships>").encode()
    return zipped(files)


def with_tiny_parts(n: int) -> bytes:
    return zipped({**parts(), **{f"xl/media/p{i}.bin": b"" for i in range(n)}}, zipfile.ZIP_STORED)


def with_embedded_zip() -> bytes:
    """The example carrying a zip of 100 MB of zeros (100 kB zipped) as one of its parts."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z, z.open("zeros.bin", "w", force_zip64=True) as f:
        block = b"\x00" * 2**20
        for _ in range(100):
            f.write(block)
    return zipped({**parts(), "xl/embeddings/inner.zip": inner.getvalue()}, zipfile.ZIP_STORED)


@pytest.fixture(scope="module")
def listener() -> Iterator[tuple[str, Callable[[], int]]]:
    """A socket listening on 127.0.0.1 for a link to point at; its URL, and how many connections it got."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        s.setblocking(False)
        got = [0]

        def connections() -> int:
            while select.select([s], [], [], 0.2)[0]:
                conn, _ = s.accept()
                conn.close()
                got[0] += 1
            return got[0]

        yield f"http://127.0.0.1:{s.getsockname()[1]}/otro-libro.xlsx", connections


#: name: (build it from the listener's URL, words of the message)
CASES: dict[str, tuple[Callable[[str], bytes], str]] = {
    "macros": (lambda url: with_macros(), "with macros (xl/vbaProject.bin)"),
    "macro-enabled-type-only": (lambda url: with_macros(content_type_only=True), "with macros"),
    "external-link": (with_external_link, "takes values from other workbooks"),
    "truncated": (lambda url: EXAMPLE[: len(EXAMPLE) // 2], "not a readable"),
    "not-a-zip-at-all": (lambda url: b"propuesta;nombre\n1;algo\n" * 100, "not a readable"),
    "a-zip-of-something-else": (lambda url: zipped({"notas.txt": b"no es un libro"}), "not a readable"),
    "the-workbook-zipped-again": (lambda url: zipped({"propuesta.xlsx": EXAMPLE}), "not a readable"),
    "thousands-of-tiny-parts": (lambda url: with_tiny_parts(20_000), f"at most {MAX_PARTS:,}"),
}


@pytest.fixture(scope="module")
def workbooks(listener) -> dict[str, bytes]:
    url, _ = listener
    return {name: make(url) for name, (make, _) in CASES.items()}


@pytest.mark.parametrize("case", CASES)
def test_a_workbook_with_hostile_parts_is_refused_over_http(served, workbooks, listener, case):
    _, connections = listener
    before = connections()

    def send() -> httpx.Response:
        return httpx.post(served.url + "/validate?lang=en", content=workbooks[case], headers={"Content-Type": XLSX},
                          timeout=120)

    response, slowest, peak = served.while_probing(send)
    assert_refused(response, 400, CASES[case][1])
    assert_unharmed(slowest, peak)
    assert connections() == before  # nothing was fetched from where a link points


@pytest.mark.parametrize("case", ["macros", "external-link", "the-workbook-zipped-again", "thousands-of-tiny-parts"])
def test_a_workbook_with_hostile_parts_is_one_line_and_exit_2_on_the_command_line(workbooks, listener, case,
                                                                                   tmp_path: Path):
    _, connections = listener
    before = connections()
    path = tmp_path / f"{case}.xlsx"
    path.write_bytes(workbooks[case])
    assert_validate_refuses(path, CASES[case][1])
    assert connections() == before


def test_a_macro_enabled_media_type_is_415(served):
    r = httpx.post(served.url + "/validate?lang=en", content=with_macros(), timeout=60,
                   headers={"Content-Type": "application/vnd.ms-excel.sheet.macroEnabled.12"})
    assert_refused(r, 415, "send xlsx or RDF")


def test_a_zip_inside_a_sound_workbook_is_never_opened(served):
    """A part that is itself a zip (an embedded file) is only bytes to the reader: the workbook is read as
    usual, and the 100 MB the inner zip would expand to are never made."""
    body = with_embedded_zip()

    def send() -> httpx.Response:
        return httpx.post(served.url + "/validate?lang=en", content=body, headers={"Content-Type": XLSX}, timeout=120)

    response, slowest, peak = served.while_probing(send)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["X-PPI-Conforms"] == "true"
    assert_unharmed(slowest, peak)
