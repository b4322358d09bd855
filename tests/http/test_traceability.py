"""Traceability for analysts: shipped shapes and examples in the store, canned queries, coverage, REST views."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ppikg import coverage
from ppikg.sparql import canned
from ppikg.config import Project
from ppikg.store.graph import PROVENANCE_GRAPH, SHAPES_GRAPH, KnowledgeGraph
from ppikg.http import create_app
from ppikg.namespaces import GRAPH

EX = "https://w3id.org/ppikg/propuestas/ejemplo-dgb"
#: The other shipped examples: an Autoridad Educativa Local's and an Organismo Descentralizado's.
EXAMPLES = {"https://w3id.org/ppikg/propuestas/ejemplo-ael-jal", "https://w3id.org/ppikg/propuestas/ejemplo-od-cecyte"}
LIN = "https://w3id.org/ppikg/eli/mx/sep/lineamientos/2013/12/27/ppi-directores-ems/"
COMP = "https://w3id.org/ppikg/competencias/"
# A proposal whose only indicator states no attribute: it covers competency 3 only through its parameter's aspect.
INDIRECT = """@prefix ppi: <https://w3id.org/ppikg/ontology#> . @prefix t: <http://example.org/trace/> .
t:prop a ppi:Proposal ; ppi:hasParameter t:par .
t:par a ppi:Parameter ; ppi:tiedToAspect <https://w3id.org/ppikg/aspectos/III> ; ppi:hasIndicator t:ind .
t:ind a ppi:Indicator ; ppi:statement "Indicador de prueba."@es .
"""


@pytest.fixture(scope="module")
def kg(shipped_store, tmp_path_factory):
    with KnowledgeGraph(shipped_store(tmp_path_factory.mktemp("trace") / "store")) as kg:
        kg.add_graph("propuestas/indirecta", INDIRECT)
        yield kg


@pytest.fixture(scope="module")
def queries(project) -> dict[str, canned.CannedQuery]:
    return {q.id: q for q in canned.list_queries(project)}


@pytest.fixture(scope="module")
def client(kg):
    return TestClient(create_app(kg))


def test_shipped_shapes_and_examples_are_loaded(kg: KnowledgeGraph) -> None:
    graphs = dict(kg.graphs())
    example = str(GRAPH["ejemplos/propuesta-ejemplo-dgb"])
    assert graphs[str(SHAPES_GRAPH)] > 500 and graphs[example] > 400
    assert graphs[str(GRAPH["inferred/ejemplos/propuesta-ejemplo-dgb"])] > 0
    assert kg.example_graphs() == [str(GRAPH[f"ejemplos/propuesta-ejemplo-{name}"]) for name in ("ael-jal", "dgb", "od-cecyte")]
    _, rows = kg.query_rows(f"SELECT ?name WHERE {{ GRAPH <{PROVENANCE_GRAPH}> {{ <{example}> prov:wasDerivedFrom ?src ; a prov:Entity . ?src dcterms:title ?name }} }}")
    assert rows == [{"name": "propuesta-ejemplo-dgb.ttl"}]  # the file's name, never a path on the server
    project = Project.default()
    assert set(project.shape_files()) | set(project.example_files()) <= set(project.input_files())
    # Which requirements encode Séptimo IV: answerable by SPARQL over the shapes graph.
    _, rows = kg.query_rows(f"SELECT ?id WHERE {{ ?s ppi:requirementId ?id ; dcterms:source <{LIN}lineamiento_7/fraccion_4> }}")
    assert [r["id"] for r in rows] == ["LIN-07-IV"]


def test_changed_shape_or_example_rebuilds(tmp_path: Path) -> None:
    for d in ("ontology", "data/examples", "shapes"):
        (tmp_path / d).mkdir(parents=True)
    shutil.copy(Project.default().ontology_dir / "ppi.ttl", tmp_path / "ontology" / "ppi.ttl")
    (tmp_path / "data" / "aspectos.ttl").write_text(
        "<https://w3id.org/ppikg/aspectos/III> <https://w3id.org/ppikg/ontology#correspondsToCompetency> <https://w3id.org/ppikg/competencias/c3> .\n")
    (tmp_path / "data" / "examples" / "mini.ttl").write_text(INDIRECT)
    (tmp_path / "shapes" / "s.ttl").write_text("<http://e/s> <https://w3id.org/ppikg/ontology#requirementId> \"X\" .\n")
    with KnowledgeGraph(tmp_path / "store", reasoner="rules", project=Project(tmp_path)) as kg:
        assert kg.load_shipped() is True
        assert kg.load_shipped() is False  # nothing changed: a no-op
        assert kg.query_rows("ASK { <http://example.org/trace/ind> ppi:coversCompetency comp:c3 }")[1] == [{"ask": "true"}]
        (tmp_path / "data" / "examples" / "mini.ttl").write_text(INDIRECT.replace("aspectos/III", "aspectos/II"))
        assert kg.load_shipped() is True
        assert kg.query_rows("ASK { <http://example.org/trace/ind> ppi:coversCompetency comp:c3 }")[1] == [{"ask": "false"}]
        (tmp_path / "shapes" / "s.ttl").write_text("<http://e/s> <https://w3id.org/ppikg/ontology#requirementId> \"Y\" .\n")
        assert kg.load_shipped() is True
        assert kg.query_rows("SELECT ?id WHERE { <http://e/s> ppi:requirementId ?id }")[1] == [{"id": "Y"}]
        assert dict(kg.graphs())[str(GRAPH["ejemplos/mini"])] == 7


def test_query_files_have_bilingual_headers(queries) -> None:
    assert set(queries) == {"indicator", "competency", "gaps", "coverage", "provision"}
    for q in queries.values():
        assert all(q.title[lang] and q.description[lang] for lang in ("es", "en"))
        for p in q.params:
            assert p.description["es"] and p.description["en"]
            assert set(q.example) == {p.name for p in q.params}
    assert [p.required for p in queries["gaps"].params] == [False]


def test_indicator_traces_to_provisions(kg: KnowledgeGraph, queries) -> None:
    _, rows = canned.run_rows(kg, queries["indicator"], indicator=f"{EX}/P1-1")
    by = {(r["relation"], r["item"]) for r in rows}
    assert ("parameter", f"{EX}/P1") in by and ("proposal", EX) in by
    assert ("competency", f"{COMP}c1") in by and ("attribute", f"{COMP}c1/a1") in by
    assert ("aspect", "https://w3id.org/ppikg/aspectos/I") in by  # inferred: attribute → competency → aspect
    sources = {r["source"] for r in rows if r["relation"] == "aspect"}
    assert f"{LIN}lineamiento_8/fraccion_1" in sources


def test_competency_found_through_the_aspect_only(kg: KnowledgeGraph, queries) -> None:
    _, rows = canned.run_rows(kg, queries["competency"], competency=f"{COMP}c3")
    found = {r["indicator"]: r for r in rows}
    indirect = found["http://example.org/trace/ind"]
    assert indirect["proposal"] == "http://example.org/trace/prop"
    assert (indirect["via_attribute"], indirect["via_aspect"]) == ("false", "true")
    assert found[f"{EX}/P3-1"]["via_attribute"] == "true"


def test_gaps(kg: KnowledgeGraph, queries) -> None:
    _, rows = canned.run_rows(kg, queries["gaps"], proposal="http://example.org/trace/prop")
    gaps = {(r["kind"], r["item"]) for r in rows}
    assert ("competency", f"{COMP}c1") in gaps and ("competency", f"{COMP}c3") not in gaps
    assert ("aspect", "https://w3id.org/ppikg/aspectos/III") not in gaps
    assert ("attribute", f"{COMP}c3/a1") in gaps  # an aspect covers the competency, not its attributes
    _, example = canned.run_rows(kg, queries["gaps"], proposal=EX)
    assert {r["kind"] for r in example} == {"attribute"}  # the example covers every competency and aspect
    _, everything = canned.run_rows(kg, queries["gaps"])  # no parameter: every proposal
    assert {r["proposal"] for r in everything} == {EX, "http://example.org/trace/prop", *EXAMPLES}


def test_coverage_matrix_and_heatmap(kg: KnowledgeGraph) -> None:
    m = coverage.coverage_matrix(kg, kg.project)
    assert [c["notation"] for c in m.competencies] == ["1", "2", "3", "4", "5", "6"]
    j = [p["iri"] for p in m.proposals].index("http://example.org/trace/prop")
    assert [row[j] for row in m.counts] == [0, 0, 1, 0, 0, 0]
    e = [p["iri"] for p in m.proposals].index(EX)
    assert [row[e] for row in m.counts] == [1, 2, 1, 2, 2, 1]
    for lang in ("es", "en"):
        svg = coverage.heatmap_svg(m, lang)
        root = ET.fromstring(svg)
        ns = "{http://www.w3.org/2000/svg}"
        assert root.find(f"{ns}title").text and root.get("role") == "img"
        assert len(root.findall(f".//{ns}rect")) >= 12  # 6 × 2 cells and the legend
    # Rows read as the competency's statement in Acuerdo 449 (the graph's skos:prefLabel), in both languages.
    statement = kg.query_rows("SELECT ?s WHERE { comp:c3 skos:prefLabel ?s }")[1][0]["s"]
    for lang in ("es", "en"):
        titles = [t.text for t in ET.fromstring(coverage.heatmap_svg(m, lang)).iter("{http://www.w3.org/2000/svg}title")]
        assert any(t.startswith(f"3. {statement} — {COMP}c3") for t in titles)
    # Columns tell the proposals apart: filer, subsystems, version; no two read the same.
    labels = [coverage.proposal_label(p, "es") for p in m.proposals]
    assert len(set(labels)) == len(labels)
    assert coverage.proposal_label(m.proposals[[p["iri"] for p in m.proposals].index(
        "https://w3id.org/ppikg/propuestas/ejemplo-ael-jal")], "en") == "MX-JAL · Subsistemas estatales · version 2"


def test_provision(kg: KnowledgeGraph, queries) -> None:
    _, rows = canned.run_rows(kg, queries["provision"], provision=f"{LIN}lineamiento_7/fraccion_4")
    rel = {(r["relation"], r["item"]) for r in rows}
    assert ("requirement", "https://w3id.org/ppikg/shapes#LIN-07-IV") in rel
    assert ("cites", "https://w3id.org/ppikg/eli/mx/lgspd/articulo_26/fraccion_2") in rel
    assert ("refers-to", "https://w3id.org/ppikg/eli/mx/lgspd/articulo_26") in rel  # inferred
    _, rows = canned.run_rows(kg, queries["provision"], provision="https://w3id.org/ppikg/eli/mx/lgspd/articulo_26")
    assert ("referred-by", f"{LIN}lineamiento_7/fraccion_4") in {(r["relation"], r["item"]) for r in rows}
    _, rows = canned.run_rows(kg, queries["provision"], provision=f"{LIN}lineamiento_8")
    assert "LIN-08" in {r["requirement"] for r in rows if r["relation"] == "requirement-of-part"} | \
        {r["requirement"] for r in rows if r["relation"] == "requirement"}


@pytest.mark.parametrize("value", ["/competencias/c1", "https://e/x> } ; DROP ALL ; <x", "", "not an iri", "http://e/a b",
                                   'http://e/"x'])
def test_parameters_must_be_absolute_iris(kg: KnowledgeGraph, queries, value: str) -> None:
    with pytest.raises(canned.ParameterError):
        canned.run(kg, queries["competency"], competency=value)


def test_unknown_and_missing_parameters(kg: KnowledgeGraph, queries) -> None:
    with pytest.raises(canned.ParameterError, match="no parameter"):
        canned.run(kg, queries["competency"], competency=f"{COMP}c1", other="http://e/x")
    with pytest.raises(canned.ParameterError, match="needs"):
        canned.run(kg, queries["indicator"])
    with pytest.raises(canned.UnknownQuery):
        canned.get_query(kg.project, "nope")


def test_http_queries(client: TestClient) -> None:
    listing = client.get("/queries").json()
    assert {q["id"] for q in listing} == {"indicator", "competency", "gaps", "coverage", "provision"}
    assert all(q["title"]["es"] and q["title"]["en"] for q in listing)
    r = client.get("/queries/competency", params={"competency": f"{COMP}c3"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/sparql-results+json")
    assert "http://example.org/trace/ind" in r.text
    r = client.get("/queries/competency", params={"competency": f"{COMP}c3"}, headers={"Accept": "text/csv"})
    assert r.headers["content-type"].startswith("text/csv") and r.text.startswith("competency,proposal")
    assert client.get("/queries/competency").status_code == 400
    bad = client.get("/queries/competency", params={"competency": "x> } DROP ALL {"})
    assert bad.status_code == 400 and "no es un IRI absoluto" in bad.json()["error"]
    assert client.get("/queries/competency", params={"competncy": f"{COMP}c3"}).status_code == 400
    assert client.get("/queries/nope").status_code == 404
    assert client.get("/queries/gaps.rq").text.startswith("# id: gaps")


def test_http_rest_views(client: TestClient) -> None:
    r = client.get("/api/indicator", params={"iri": f"{EX}/P1-1"})
    assert r.status_code == 200 and r.json()["results"]["bindings"]
    assert client.get("/api/indicator").status_code == 400
    assert client.get("/api/indicator", params={"iri": "nope"}).status_code == 400
    assert client.get("/api/indicator", params={"iri": f"{EX}/P99"}).status_code == 404
    assert client.get("/api/competency", params={"iri": f"{COMP}c4"}).status_code == 200
    assert client.get("/api/competency", params={"iri": f"{COMP}c4/a1"}).status_code == 404  # an attribute
    assert client.get("/api/gaps", params={"proposal": EX}).status_code == 200
    assert client.get("/api/gaps").status_code == 400
    assert client.get("/api/provision", params={"iri": f"{LIN}lineamiento_7/fraccion_4"}).status_code == 200
    assert client.get("/api/provision", params={"iri": f"{LIN}lineamiento_99"}).status_code == 404
    cov = client.get("/api/coverage").json()
    assert len(cov["counts"]) == 6 and len(cov["proposals"]) == 2 + len(EXAMPLES)
    csv_text = client.get("/api/coverage", params={"format": "csv"}).text
    assert csv_text.splitlines()[0].startswith("competency,notation,label_es,label_en,")
    assert client.get("/api/coverage", headers={"Accept": "text/csv"}).headers["content-type"].startswith("text/csv")
    svg = client.get("/api/coverage.svg", params={"lang": "en"})
    assert svg.headers["content-type"] == "image/svg+xml" and f"{COMP}c1" in svg.text
    assert client.get("/api/coverage.svg", params={"lang": "fr"}).status_code == 400


def readme_curls() -> list[str]:
    text = (Project.default().root / "README.md").read_text(encoding="utf-8")
    sections = [text.split(title, 1)[1].split("\n## ", 1)[0] for title in ("## For analysts", "## For researchers")]
    return re.findall(r"curl [^\n]*?'?(http://127\.0\.0\.1:8000/[^\s']+)'?", "\n".join(sections))


def test_readme_curls_answer(client: TestClient) -> None:
    urls = readme_curls()
    assert len(urls) >= 15
    for url in urls:
        path = url.removeprefix("http://127.0.0.1:8000")
        assert client.get(path).status_code == 200, path
