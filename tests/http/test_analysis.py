"""The analysts' pages over HTTP against a real `ppi serve` (httpx): heat-map files and cells, the comparison of
proposals, the citations; HTML, JSON and CSV, es and en, and clear errors."""

from __future__ import annotations

import csv
import io
import struct

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
        kg.add_graph("propuestas/otra", text(**V2).replace("/ciclo", "/otra"), "ttl")
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


def test_the_dashboard_ticks_proposals_to_compare(base):
    page = httpx.get(f"{base}/propuestas", headers={"Accept": "text/html"}, timeout=60).text
    assert 'action="/comparar"' in page and 'name="p" value="ejemplo-dgb"' in page


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
    home = httpx.get(base + "/", params={"lang": lang}, headers={"Accept": "text/html"}, timeout=30).text
    assert f'href="/citas?lang={lang}"' in home
