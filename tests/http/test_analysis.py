"""The analysts' pages over HTTP against a real `ppi serve` (httpx): heat-map files and cells, the comparison of
proposals, the citations; HTML, JSON and CSV, es and en, and clear errors."""

from __future__ import annotations

import csv
import io
import re
import struct
import zlib

import httpx
import pytest

from ppikg.http.testing import serving_process
from ppikg.store.graph import KnowledgeGraph

from lifecycle.test_diff import V2
from lifecycle.test_versions import text

DGB = "https://w3id.org/ppikg/propuestas/ejemplo-dgb"
C4 = "https://w3id.org/ppikg/competencias/c4"
LIN = "https://w3id.org/ppikg/eli/mx/sep/lineamientos/2013/12/27/ppi-directores-ems/"


@pytest.fixture(scope="module")
def base(shipped_store, tmp_path_factory):
    store = shipped_store(tmp_path_factory.mktemp("analysis") / "store")
    with KnowledgeGraph(store) as kg:
        kg.add_graph("propuestas/ciclo", text(), "ttl")
        kg.add_graph("propuestas/otra", text().replace("/ciclo", "/otra"), "ttl")  # version 1: as ciclo
        kg.add_graph("propuestas/otra", text(**V2).replace("/ciclo", "/otra"), "ttl")  # 2, current: P1-1 has 3 levels
    with serving_process(str(store)) as (url, _):
        yield url


def test_heat_map_files(base):
    svg = httpx.get(f"{base}/api/coverage.svg", params={"lang": "en"}, timeout=30)
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert f'href="{base}/coverage/indicators?' in svg.text.replace("&amp;", "&")  # a file links to the server
    png = httpx.get(f"{base}/api/coverage.png", params={"lang": "es"}, timeout=30)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png.content[16:24])[0] > 600
    assert httpx.get(f"{base}/api/coverage", params={"format": "png"}, timeout=30).content[:4] == b"\x89PNG"
    assert httpx.get(f"{base}/api/coverage.png", params={"lang": "fr"}, timeout=30).status_code == 400
    page = httpx.get(f"{base}/coverage", params={"lang": "en"}, headers={"Accept": "text/html"}, timeout=30)
    assert 'id="coverage-svg"' in page.text and 'class="cell"' in page.text and "Download PNG" in page.text


def test_a_cell_lists_its_indicators(base):
    params = {"proposal": DGB, "competency": C4}
    page = httpx.get(f"{base}/coverage/indicators", params=params | {"lang": "en"}, timeout=30)
    assert page.status_code == 200 and 'href="/propuestas/ejemplo-dgb/P4-1?lang=en"' in page.text
    data = httpx.get(f"{base}/coverage/indicators", params=params | {"format": "json"}, timeout=30).json()
    matrix = httpx.get(f"{base}/api/coverage", timeout=30).json()
    i = [c["iri"] for c in matrix["competencies"]].index(C4)
    j = [p["iri"] for p in matrix["proposals"]].index(DGB)
    assert len(data["indicators"]) == matrix["counts"][i][j] > 0
    rows = list(csv.reader(io.StringIO(httpx.get(f"{base}/coverage/indicators", params=params | {"format": "csv"},
                                                 timeout=30).text)))
    assert rows[0][:3] == ["proposal", "competency", "indicator"] and len(rows) == 1 + len(data["indicators"])
    missing = httpx.get(f"{base}/coverage/indicators", params={"proposal": DGB + "x", "competency": C4,
                                                                                 "format": "json"}, timeout=30)
    assert missing.status_code == 404 and "no se encuentra en el almacén: propuesta" in missing.json()["error"]
    bad = httpx.get(f"{base}/coverage/indicators", params={"proposal": "x", "competency": C4},
                    headers={"Accept": "text/html"}, timeout=30)
    assert bad.status_code == 400 and "text/html" in bad.headers["content-type"]


@pytest.mark.parametrize("path, lang, word", [("/comparar", "es", "Niveles de desempeño por indicador"),
                                              ("/compare", "en", "Performance levels per indicator")])
def test_the_comparison_in_each_language(base, path, lang, word):
    q = [("p", "ciclo"), ("p", "otra")]
    page = httpx.get(base + path, params=q, headers={"Accept": "text/html"}, timeout=60)
    assert page.status_code == 200 and f'<html lang="{lang}">' in page.text and word in page.text
    assert 'data-proposal="https://w3id.org/ppikg/propuestas/ciclo"' in page.text
    assert 'data-proposal="https://w3id.org/ppikg/propuestas/otra"' in page.text and "LIN-17" in page.text
    data = httpx.get(base + path, params=q + [("format", "json")], timeout=60).json()
    assert [p["name"] for p in data["proposals"]] == ["ciclo", "otra"]
    table = httpx.get(base + path, params=q + [("format", "csv")], timeout=60).text
    assert "levels,P1-1," in table
    choice = httpx.get(base + path, headers={"Accept": "text/html"}, timeout=30)
    assert choice.status_code == 200 and 'name="p" value="ciclo"' in choice.text
    assert httpx.get(base + path, params=[("p", "ciclo"), ("format", "json")], timeout=30).status_code == 400
    assert httpx.get(base + path, params=[("p", "ciclo"), ("p", "nada"), ("format", "json")], timeout=30).status_code == 404


def test_the_comparison_takes_the_version_chosen_for_each_proposal(base):
    q = [("p", "ciclo"), ("p", "otra")]

    def levels(data: dict) -> list:
        return next(r["values"] for r in data["rows"] if r["section"] == "levels" and r["key"] == "P1-1")

    current = httpx.get(f"{base}/comparar", params=q + [("format", "json")], timeout=60).json()
    assert [(p["version"], p["current"]) for p in current["proposals"]] == [(1, True), (2, True)]
    assert levels(current) == [4, 3] and current["proposals"][1]["versions"] == [1, 2]
    earlier = httpx.get(f"{base}/comparar", params=q + [("v.otra", "1"), ("format", "json")], timeout=60).json()
    assert [(p["version"], p["current"]) for p in earlier["proposals"]] == [(1, True), (1, False)]
    assert levels(earlier) == [4, 4]
    assert earlier["proposals"][1]["version_iri"] == "https://w3id.org/ppikg/propuestas/otra/versiones/1"
    same = [r["values"] for r in earlier["rows"] if r["section"] in ("competency", "aspect", "parameters")]
    assert all(a == b for a, b in same)  # version 1 of otra is ciclo's text
    assert "levels,P1-1,https://w3id.org/ppikg/propuestas/ciclo/P1-1,4,4" in httpx.get(
        f"{base}/comparar", params=q + [("v.otra", "1"), ("format", "csv")], timeout=60).text
    page = httpx.get(f"{base}/compare", params=q + [("v.otra", "1")], headers={"Accept": "text/html"}, timeout=60).text
    assert '<select name="v.otra">' in page and '<option value="1" selected>1</option>' in page
    assert '<option value="">2 (current)</option>' in page and "v.otra=1&amp;format=json" in page
    named = httpx.get(f"{base}/comparar", params=q + [("v.otra", "2"), ("v.ciclo", ""), ("format", "json")], timeout=60)
    assert levels(named.json()) == [4, 3]
    bad = httpx.get(f"{base}/comparar", params=q + [("v.otra", "uno"), ("format", "json")], timeout=30)
    assert bad.status_code == 400 and bad.json()["error"].startswith("«uno» no es un número de versión de «otra»")
    missing = httpx.get(f"{base}/compare", params=q + [("v.otra", "9"), ("format", "json")], timeout=30)
    assert missing.status_code == 404 and "no tiene versión 9" in missing.json()["error"]


def test_the_dashboard_ticks_proposals_to_compare(base):
    page = httpx.get(f"{base}/propuestas", headers={"Accept": "text/html"}, timeout=60).text
    assert 'action="/comparar"' in page and 'name="p" value="ejemplo-dgb"' in page
    assert '<select name="v.otra">' in page and '<option value="" selected>2 (vigente)</option>' in page
    assert '<select name="v.ciclo">' not in page  # one version: nothing to choose


def png_data(data: bytes) -> tuple[int, int, int, int]:
    """A PNG's width and height, and the bytes of its pixels packed and unpacked; the format checked on the way
    (signature, chunk checksums, 8-bit RGB or RGBA, as many rows as it is high)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks = 8, {}
    while at < len(data):
        (size,), kind = struct.unpack(">I", data[at:at + 4]), data[at + 4:at + 8]
        body = data[at + 8:at + 8 + size]
        assert zlib.crc32(kind + body) == struct.unpack(">I", data[at + 8 + size:at + 12 + size])[0]
        chunks[kind] = chunks.get(kind, b"") + body
        at += 12 + size
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert depth == 8 and colour in (2, 6) and b"IEND" in chunks
    raw = zlib.decompress(chunks[b"IDAT"])
    assert len(raw) == height * (1 + width * (4 if colour == 6 else 3))
    return width, height, len(chunks[b"IDAT"]), len(raw)


@pytest.mark.parametrize("path, lang", [("/citas", "es"), ("/citations", "en")])
def test_the_citations(base, path, lang):
    page = httpx.get(base + path, headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200 and f'<html lang="{lang}">' in page.text and 'id="citations-svg"' in page.text
    assert 'href="/eli/mx/sep/lineamientos/2013/12/27/ppi-directores-ems/lineamiento_7/fraccion_4' in page.text
    data = httpx.get(base + path, params={"format": "json"}, timeout=30).json()
    lgspd = next(law for law in data["laws"] if law["law"] == "https://w3id.org/ppikg/eli/mx/lgspd")
    cited = {c["iri"]: [p["iri"] for p in c["cited_by"]] for c in lgspd["cited"]}
    assert f"{LIN}lineamiento_7/fraccion_4" in cited["https://w3id.org/ppikg/eli/mx/lgspd/articulo_26/fraccion_2"]
    rows = list(csv.reader(io.StringIO(httpx.get(base + path, params={"format": "csv"}, timeout=30).text)))
    assert len(rows) - 1 == len(data["citations"])
    svg = httpx.get(f"{base}/api/citations.svg", params={"lang": lang}, timeout=30)
    assert svg.headers["content-type"] == "image/svg+xml" and f'href="{base}/eli/mx/' in svg.text
    png = httpx.get(f"{base}/api/citations.png", params={"lang": lang}, timeout=60)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.headers["content-disposition"] == f'inline; filename="{"citas" if lang == "es" else "citations"}.png"'
    width, height, packed, raw = png_data(png.content)
    assert (width, height) == tuple(int(re.search(f' {k}="(\\d+)"', svg.text)[1]) for k in ("width", "height"))
    assert width > 600 and height > 600  # every provision and article has its row
    assert packed > raw / 200  # drawn: a blank page of this size packs a thousand times smaller
    assert f'href="/api/citations.png?lang={lang}"' in page.text
    home = httpx.get(base + "/", params={"lang": lang}, headers={"Accept": "text/html"}, timeout=30).text
    assert f'href="/citas?lang={lang}"' in home
