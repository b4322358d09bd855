"""The heat-map's columns all read «Propuesta de parámetros e i…» (every shipped proposal's title begins so, and
the label was the title cut at 28 characters) and its rows «Competencia N del Acuerdo 449»: no reader could
tell the columns apart, nor what a row's competency asks. Columns now read the filer, the subsystems and the
current version, rows the competency's statement from Acuerdo 449 (the graph's skos:prefLabel)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ppikg import coverage
from ppikg.store.graph import KnowledgeGraph

SVG = "{http://www.w3.org/2000/svg}"


def test_columns_and_rows_of_the_shipped_examples_read_apart(shipped_store, tmp_path):
    with KnowledgeGraph(shipped_store(tmp_path / "store")) as kg:
        matrix = coverage.coverage_matrix(kg, kg.project)
    assert len(matrix.proposals) >= 3
    for lang in ("es", "en"):
        root = ET.fromstring(coverage.heatmap_svg(matrix, lang))
        heads = ["".join(g.find(f"{SVG}text").itertext()) for g in root.iter(f"{SVG}g") if g.get("class") == "proposal"]
        rows = ["".join(g.find(f"{SVG}text").itertext()) for g in root.iter(f"{SVG}g") if g.get("class") == "competency"]
        assert len(heads) == len(set(heads)) == len(matrix.proposals)
        assert len(rows) == len(set(rows)) == len(matrix.competencies)
        assert not any("Acuerdo 449" in r for r in rows)
        for c, r in zip(matrix.competencies, rows):
            assert r.startswith(c["statement"][:20]) or r.startswith(f"{c['notation']}. {c['statement'][:20]}")
