"""The report's downloads over HTTP, from the service on a real uvicorn server with httpx: POST /validate answers PDF, CSV and
XLSX by ``format=`` or ``Accept`` as files to save, and a stored version's report page links them."""

from __future__ import annotations

import csv
import html
import io
import re

import httpx
import pytest
from openpyxl import load_workbook

from ppikg.config import Project
from ppikg.http import create_app
from ppikg.http.testing import serving
from ppikg.store.graph import KnowledgeGraph

EXAMPLE = Project.default().examples_dir / "propuesta-ejemplo-dgb.ttl"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
VERSION_REPORT = "/propuestas/ejemplo-ael-jal/versiones/1/informe"


@pytest.fixture(scope="module")
def server(shipped_store, tmp_path_factory):
    with KnowledgeGraph(shipped_store(tmp_path_factory.mktemp("downloads") / "store")) as kg:
        with serving(create_app(kg)) as url, httpx.Client(base_url=url, timeout=120) as client:
            yield client


@pytest.fixture(scope="module")
def broken() -> bytes:
    return EXAMPLE.read_text(encoding="utf-8").replace("ppi:minimumYears 2.0", "ppi:minimumYears 1.0").encode()


def post(client: httpx.Client, body: bytes, **kw) -> httpx.Response:
    return client.post("/validate", content=body, headers={"Content-Type": "text/turtle", **kw.pop("headers", {})},
                       **kw)


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_csv_and_xlsx_of_an_upload_hold_the_findings_of_its_json_report(server, broken):
    report = post(server, broken, params={"lang": "en"}).json()
    findings = [(r["id"], f["focus"], f["message"]["en"]) for r in report["requirements"] for f in r["findings"]]
    assert findings and report["conforms"] is False
    as_csv = post(server, broken, params={"lang": "en", "format": "csv"})
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["content-disposition"] == 'attachment; filename="report.csv"'
    assert as_csv.headers["x-ppi-conforms"] == "false"
    rows = csv_rows(as_csv.text)
    assert rows[0][:2] == ["requirement", "provision"]
    assert [(r[0], r[4], r[7]) for r in rows[1:]] == findings
    as_xlsx = post(server, broken, params={"lang": "en"}, headers={"Accept": XLSX})
    assert as_xlsx.status_code == 200 and as_xlsx.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)] == rows


def test_pdf_of_an_upload_by_accept_in_spanish(server, broken):
    r = post(server, broken, headers={"Accept": "application/pdf"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == 'attachment; filename="informe.pdf"'
    assert r.content.startswith(b"%PDF")


def test_the_406_names_the_downloads(server, broken):
    r = post(server, broken, params={"format": "docx"})
    assert r.status_code == 406
    assert all(name in r.json()["error"] for name in ("pdf", "csv", "xlsx"))
    stored = server.get(VERSION_REPORT, headers={"Accept": "image/png"})
    assert stored.status_code == 406 and "pdf" in stored.json()["error"]


@pytest.mark.parametrize("lang,label", [("es", "Descargar"), ("en", "Download")])
def test_a_version_report_page_links_its_downloads(server, lang, label):
    page = server.get(VERSION_REPORT, params={"lang": lang})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    links = {text: html.unescape(href) for href, text in
             re.findall(r'<a href="([^"]+)" download>([^<]+)</a>', page.text)}
    assert set(links) == {f"{label} PDF", f"{label} CSV", f"{label} XLSX"}
    types = {"PDF": "application/pdf", "CSV": "text/csv", "XLSX": XLSX}
    for text, href in links.items():
        assert href.startswith("?") and f"lang={lang}" in href
        got = server.get(VERSION_REPORT + href)
        assert got.status_code == 200 and got.headers["content-type"].startswith(types[text.split()[-1]]), href
        assert got.headers["content-disposition"].startswith("attachment")


def test_a_stored_proposal_by_its_iri_as_csv(server):
    r = server.get("/validate", params={"proposal": "https://w3id.org/ppikg/propuestas/ejemplo-ael-jal",
                                        "format": "csv", "lang": "es"})
    assert r.status_code == 200 and csv_rows(r.text)[0][0] == "requisito"
