"""The coverage matrix and its heat-map (ppikg.coverage): labels from the graph, a link per cell to the
indicators it counts, SVG and PNG."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest

from ppikg import coverage
from ppikg.errors import InputError, NotFound

SVG = "{http://www.w3.org/2000/svg}"
COMP = "https://w3id.org/ppikg/competencias/"
JAL = "https://w3id.org/ppikg/propuestas/ejemplo-ael-jal"



@pytest.fixture(scope="module")
def matrix(shipped_kg):
    return coverage.coverage_matrix(shipped_kg, shipped_kg.project)


def test_rows_are_the_statements_of_acuerdo_449_and_columns_filer_subsystems_version(shipped_kg, matrix):
    _, rows = shipped_kg.query_rows("SELECT ?c ?s WHERE { ?c a ppi:Competency ; skos:prefLabel ?s }")
    assert {c["iri"]: c["statement"] for c in matrix.competencies} == {r["c"]: r["s"] for r in rows}
    jal = next(p for p in matrix.proposals if p["iri"] == JAL)
    _, (state,) = shipped_kg.query_rows(f"SELECT ?code ?n WHERE {{ <{JAL}> ppi:proposedBy/skos:notation ?code ; "
                                "ppi:currentVersion/ppi:versionNumber ?n }")
    assert jal["filer_es"] == state["code"] and jal["version"] == state["n"] == "2"
    assert coverage.column_head(jal, "en")[-1] == "version 2"
    heads = [tuple(coverage.column_head(p, "es")) for p in matrix.proposals]
    assert len(set(heads)) == len(heads)  # no two columns read the same


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_cell_links_to_the_indicators_it_counts(shipped_kg, matrix, lang):
    root = ET.fromstring(coverage.heatmap_svg(matrix, lang))
    cells = root.findall(f".//{SVG}a[@class='cell']")
    assert len(cells) == len(matrix.competencies) * len(matrix.proposals)
    for a in cells:
        url = urlsplit(a.get("href"))
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        assert url.path == coverage.CELL_PATH and q["lang"] == lang
        i = [c["iri"] for c in matrix.competencies].index(q["competency"])
        j = [p["iri"] for p in matrix.proposals].index(q["proposal"])
        assert a.findtext(f"{SVG}text") == str(matrix.counts[i][j])
        found = coverage.covering_indicators(shipped_kg, shipped_kg.project, q["proposal"], q["competency"])
        assert len(found["indicators"]) == matrix.counts[i][j]
        assert all(r["indicator"].startswith(q["proposal"] + "/") for r in found["indicators"])
    standalone = ET.fromstring(coverage.heatmap_svg(matrix, lang, "http://127.0.0.1:9/"))
    assert all(a.get("href").startswith("http://127.0.0.1:9/coverage/indicators?")
               for a in standalone.iter(f"{SVG}a"))


def test_the_png_is_the_svg_rendered(matrix):
    svg = coverage.heatmap_svg(matrix, "es")
    png = coverage.svg_png(svg)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    root = ET.fromstring(svg)
    assert (width, height) == (int(root.get("width")), int(root.get("height")))


def test_a_cell_of_an_unknown_proposal_or_competency_is_refused(shipped_kg):
    with pytest.raises(NotFound):
        coverage.covering_indicators(shipped_kg, shipped_kg.project, "https://w3id.org/ppikg/propuestas/nada", f"{COMP}c1")
    with pytest.raises(NotFound):
        coverage.covering_indicators(shipped_kg, shipped_kg.project, JAL, f"{COMP}c9")
    with pytest.raises(InputError):
        coverage.covering_indicators(shipped_kg, shipped_kg.project, "nada", f"{COMP}c1")
