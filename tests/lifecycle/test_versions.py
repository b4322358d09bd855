"""Versions: every write path that changes a proposal's graph makes a new version, linked to the one before,
with its time, source file, SHA-256 and role; all stay readable after a restart; dropping one is explicit,
authenticated and recorded."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys

import pytest
import rdflib
from fastapi.testclient import TestClient

from ppikg.config import Project, Settings
from ppikg.errors import InputError, NotFound
from ppikg.http import create_app
from ppikg.store.catalog import UPDATE_ROLE, VERSIONS_GRAPH
from ppikg.store.graph import KnowledgeGraph

TOKEN = "versions"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXAMPLE = (Project.default().examples_dir / "propuesta-ejemplo-dgb.ttl").read_text(encoding="utf-8")
IRI = "https://w3id.org/ppikg/propuestas/ciclo"
GRAPH = "https://w3id.org/ppikg/graph/propuestas/ciclo"


def text(**changes: str) -> str:
    """The example as proposal ``ciclo``, with ``changes`` (old text → new) applied."""
    out = EXAMPLE.replace("ejemplo-dgb", "ciclo")
    for old, new in changes.items():
        assert old in out, old
        out = out.replace(old, new)
    return out


REVISED = {"Plan de mejora del plantel.": "Plan anual de mejora del plantel, con metas."}


@pytest.fixture
def store(shipped_store, tmp_path):
    return shipped_store(tmp_path / "store")


def test_a_second_load_makes_version_2_linked_to_version_1_and_keeps_both(store, tmp_path):
    first, second = tmp_path / "ciclo-v1.ttl", tmp_path / "ciclo-v2.ttl"
    first.write_text(text(), encoding="utf-8")
    second.write_text(text(**REVISED), encoding="utf-8")
    with KnowledgeGraph(store) as kg:
        kg.add_graph("propuestas/ciclo", first)
        kg.add_graph("propuestas/ciclo", second)
        v1, v2 = kg.history("ciclo")
        assert (v1.number, v2.number, v2.previous, v1.current, v2.current) == (1, 2, v1.iri, False, True)
        assert v1.file_name == "ciclo-v1.ttl" and v1.sha256 == hashlib.sha256(first.read_bytes()).hexdigest()
        assert v2.file_name == "ciclo-v2.ttl" and v2.graph == GRAPH
        assert v1.iri == IRI + "/versiones/1" and v1.role.endswith("#commandLineUser")
        old, _ = kg.version_graphs(v1)
        assert rdflib.Literal("Plan de mejora del plantel.", lang="es") in set(old.objects())
        _, rows = kg.query_rows(f"SELECT ?v WHERE {{ <{IRI}> ppi:currentVersion ?v }}")
        assert rows == [{"v": v2.iri}]
        # The union holds the current version only: one statement for P2, the revised one.
        _, rows = kg.query_rows(f"SELECT ?s WHERE {{ <{IRI}/P2> ppi:statement ?s }}")
        assert [r["s"] for r in rows] == ["Plan anual de mejora del plantel, con metas."]


def test_the_same_content_loaded_again_makes_no_new_version(store):
    with KnowledgeGraph(store) as kg:
        kg.add_graph("propuestas/ciclo", text(), "ttl")
        kg.add_graph("propuestas/ciclo", text(), "ttl")
        assert [v.number for v in kg.history("ciclo")] == [1]


def test_versions_and_their_content_survive_a_restart_and_are_exported(store):
    from ppikg.conformance.validator import Validator
    from ppikg.lifecycle.reports import shapes_version, stored_report, version_report

    validator = Validator()
    with KnowledgeGraph(store) as kg:
        kg.add_graph("propuestas/ciclo", text(), "ttl")
        kg.add_graph("propuestas/ciclo", text(**REVISED), "ttl")
        made = version_report(kg, validator, kg.version("ciclo", 1))
    with KnowledgeGraph(store) as kg:
        versions = kg.history("ciclo")
        assert [v.number for v in versions] == [1, 2]
        assert stored_report(kg, versions[0], shapes_version(validator)) == made  # the validation history too
        assert len(kg.version_graphs(versions[0])[0]) > 400
        out = io.BytesIO()
        kg.export(out, "nq")
    exported = rdflib.Dataset()
    exported.parse(data=out.getvalue(), format="nquads")
    records = exported.graph(rdflib.URIRef(VERSIONS_GRAPH))
    assert (rdflib.URIRef(versions[1].iri), rdflib.URIRef("http://www.w3.org/ns/prov#wasRevisionOf"),
            rdflib.URIRef(versions[0].iri)) in records


def test_every_http_write_path_makes_a_version_attributed_to_the_token_holder(store):
    with KnowledgeGraph(store) as kg, TestClient(create_app(kg, Settings(update_enabled=True, token=TOKEN))) as c:
        r = c.put("/rdf-graphs/service", params={"graph": GRAPH}, content=text(), headers={"Content-Type": "text/turtle", **AUTH})
        assert r.status_code == 201, r.text
        r = c.post("/rdf-graphs/service", params={"graph": GRAPH}, headers={"Content-Type": "text/turtle", **AUTH},
                   content=f'<{IRI}/P1> <https://w3id.org/ppikg/ontology#note> "nota"@es .')
        assert r.status_code == 204, r.text
        r = c.post("/sparql", data={"update": f'DELETE DATA {{ GRAPH <{GRAPH}> {{ <{IRI}/P1> ppi:note "nota"@es }} }}'},
                   headers=AUTH)
        assert r.status_code == 204, r.text
        versions = kg.history("ciclo")
        assert [v.number for v in versions] == [1, 2, 3]
        assert {v.role for v in versions} == {UPDATE_ROLE}
        assert versions[0].sha256 == hashlib.sha256(text().encode()).hexdigest()  # the body PUT
        assert versions[0].digest == versions[2].digest != versions[1].digest  # v3 holds what v1 held
        body = c.get("/propuestas/ciclo/versiones", params={"format": "json"}).json()
        assert [v["number"] for v in body] == [1, 2, 3] and body[2]["current"] is True
        assert body[0]["report"]["conforms"] is True


def test_dropping_a_version_needs_the_token_is_recorded_and_puts_the_one_before_back(store):
    with KnowledgeGraph(store) as kg, TestClient(create_app(kg, Settings(update_enabled=True, token=TOKEN))) as c:
        kg.add_graph("propuestas/ciclo", text(), "ttl")
        kg.add_graph("propuestas/ciclo", text(**REVISED), "ttl")
        assert c.delete("/propuestas/ciclo/versiones/2").status_code == 401
        assert c.delete("/propuestas/ciclo/versiones/7", headers=AUTH).status_code == 404
        r = c.delete("/propuestas/ciclo/versiones/2", headers=AUTH)
        assert r.status_code == 200 and r.json() == {"dropped": IRI + "/versiones/2", "current": IRI + "/versiones/1"}
        v1, v2 = kg.history("ciclo")
        assert v1.current and v2.dropped and not v2.current
        _, rows = kg.query_rows(f"SELECT ?s WHERE {{ <{IRI}/P2> ppi:statement ?s }}")
        assert [r["s"] for r in rows] == ["Plan de mejora del plantel."]
        _, rows = kg.query_rows(f"SELECT ?by WHERE {{ <{v2.iri}> ppi:droppedBy ?by ; prov:invalidatedAtTime ?t }}")
        assert rows == [{"by": UPDATE_ROLE}]
        # Its inferences came back with it: the gaps question answers as before the revision.
        _, rows = kg.query_rows(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?i ppi:inProposal <{IRI}> ; ppi:coversCompetency ?c }}")
        assert int(rows[0]["n"]) > 0
        assert c.delete("/propuestas/ciclo/versiones/2", headers=AUTH).status_code == 400  # dropped already
        with pytest.raises(InputError, match="dropped"):
            kg.version_graphs(kg.version("ciclo", 2))


def test_bad_requests_about_versions_get_clear_errors(store):
    with KnowledgeGraph(store) as kg:
        with pytest.raises(NotFound, match="no proposal"):
            kg.history("no-existe")
        kg.add_graph("propuestas/ciclo", text(), "ttl")
        with pytest.raises(NotFound, match="has no version 9"):
            kg.version("ciclo", 9)
        with pytest.raises(InputError, match="bad proposal name"):
            kg.history("../x")


def test_ppi_history_and_drop_version_on_the_command_line(store, tmp_path):
    source = tmp_path / "ciclo.ttl"
    source.write_text(text(), encoding="utf-8")
    revised = tmp_path / "ciclo-revisada.ttl"
    revised.write_text(text(**REVISED), encoding="utf-8")

    def ppi(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "ppikg", *args, "--store", str(store)], capture_output=True,
                              text=True, timeout=120)

    for f in (source, revised):
        assert ppi("import", str(f), "--load").returncode == 0
    out = ppi("history", "ciclo", "--lang", "en")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == f"<{IRI}>" and "ciclo.ttl" in lines[3] and "2 (current)" in lines[4] and "conforms" in lines[4]
    assert ppi("drop-version", "ciclo", "2").returncode == 0
    out = ppi("history", "ciclo", "--format", "csv")
    assert "1 (vigente)" in out.stdout and "2 (eliminada" in out.stdout
    missing = ppi("history", "otra")
    assert missing.returncode == 2 and "ninguna propuesta <https://w3id.org/ppikg/propuestas/otra>" in missing.stderr


def test_every_kept_version_is_queryable_by_its_graph_and_exported_under_it(store):
    with KnowledgeGraph(store) as kg, TestClient(create_app(kg, Settings(update_enabled=True, token=TOKEN))) as c:
        kg.add_graph("propuestas/ciclo", text(), "ttl")
        kg.add_graph("propuestas/ciclo", text(**REVISED), "ttl")
        v1, v2 = kg.history("ciclo")
        query = f"SELECT ?s FROM <{v1.content_graph}> WHERE {{ <{IRI}/P2> ppi:statement ?s }}"
        assert [r["s"] for r in kg.query_rows(query)[1]] == ["Plan de mejora del plantel."]
        ask = {"Accept": "application/sparql-results+json"}
        r = c.get("/sparql", params={"query": f"SELECT ?s WHERE {{ <{IRI}/P2> ppi:statement ?s }}",
                                     "default-graph-uri": v1.content_graph}, headers=ask)
        assert r.status_code == 200 and r.json()["results"]["bindings"][0]["s"]["value"] == "Plan de mejora del plantel."
        inferred = v1.content_graph.replace("/graph/versiones/", "/graph/inferred/versiones/")
        r = c.get("/sparql", headers=ask, params={"query": f"ASK FROM <{inferred}> {{ ?i ppi:inProposal <{IRI}> }}"})
        assert r.status_code == 200 and r.json()["boolean"] is True
        out = io.BytesIO()
        kg.export(out, "nq")
        dataset = rdflib.Dataset()
        dataset.parse(data=out.getvalue(), format="nquads")
        assert len(dataset.graph(rdflib.URIRef(v1.content_graph))) == len(kg.version_graphs(v1)[0])
        merged = io.BytesIO()
        kg.export(merged, "ttl")  # one graph: versions would mix, so only the current content is in it
        old = (rdflib.URIRef(f"{IRI}/P2"), rdflib.URIRef("https://w3id.org/ppikg/ontology#statement"),
               rdflib.Literal("Plan de mejora del plantel.", lang="es"))
        assert old in dataset.graph(rdflib.URIRef(v1.content_graph))
        assert old not in rdflib.Graph().parse(data=merged.getvalue(), format="turtle")
        kg.drop_version("ciclo", 1)
        r = c.get("/sparql", params={"query": query}, headers=ask)
        assert r.status_code == 400 and "no es un grafo de este almacén" in r.json()["error"]


def test_an_uploaded_workbook_becomes_a_version_with_its_file_name_and_sha256(store):
    workbook = Project.default().templates_dir / "propuesta-ejemplo-dgb.xlsx"
    body = workbook.read_bytes()
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    with KnowledgeGraph(store) as kg, TestClient(create_app(kg, Settings(update_enabled=True, token=TOKEN))) as c:
        headers = {**AUTH, "Content-Type": xlsx, "Content-Disposition": 'attachment; filename="C:\\\\tmp\\\\mi dgb.xlsx"'}
        r = c.post("/propuestas", content=body, headers=headers)
        assert r.status_code == 201, r.text
        made = r.json()
        assert made["proposal"] == "https://w3id.org/ppikg/propuestas/ejemplo-dgb" and made["new"] is True
        version = kg.version("ejemplo-dgb")
        assert (version.iri, version.file_name, version.sha256, version.role) == (
            made["version"], "mi dgb.xlsx", hashlib.sha256(body).hexdigest(), UPDATE_ROLE)
        assert version.graph == "https://w3id.org/ppikg/graph/propuestas/ejemplo-dgb"
        assert c.post("/propuestas", content=body, headers=headers).status_code == 200  # nothing new
        assert c.post("/propuestas", content=body[:100], headers=headers).status_code == 400  # not a workbook


def test_every_term_the_lifecycle_writes_is_in_the_ontology_in_both_languages_with_its_provision(store):
    """The records of versions, reports and decisions use only terms the ontology documents (labels in es and
    en); each ppi: term but the project's own bookkeeping cites the provision it comes from."""
    ontology = rdflib.Graph().parse(Project.default().root / "ontology" / "ppi.ttl")
    with KnowledgeGraph(store) as kg, TestClient(create_app(kg, Settings(update_enabled=True, token=TOKEN))) as c:
        kg.add_graph("propuestas/ciclo", text(), "ttl")
        kg.add_graph("propuestas/ciclo", text(**REVISED), "ttl")
        assert c.get("/propuestas/ciclo/diferencias").status_code == 200  # both versions' reports
        from ppikg.lifecycle.authorisation import decide

        decide(kg, "ciclo", 2, "autorizada", when="2014-05-15", act="X", revise_every="P1Y")
        _, rows = kg.query_rows(f"SELECT DISTINCT ?t WHERE {{ GRAPH <{VERSIONS_GRAPH}> {{ {{ ?s ?t ?o }} UNION {{ ?s a ?t }} "
                                "UNION { ?s ?p ?t FILTER(STRSTARTS(STR(?t), STR(ppi:))) } } }")
    terms = {rdflib.URIRef(r["t"]) for r in rows if r["t"].startswith(("https://w3id.org/ppikg/ontology#",
                                                                        "http://www.w3.org/ns/prov#", "http://purl.org/dc/terms/"))}
    # The project's own bookkeeping, not the law: who wrote, a file's digest, the catalogue's requirement IDs.
    own = {rdflib.URIRef("https://w3id.org/ppikg/ontology#" + a)
           for a in ("commandLineUser", "updateTokenHolder", "ppikgProject", "sha256", "requirementId")}
    for term in terms:
        langs = {label.language for label in ontology.objects(term, rdflib.RDFS.label)}
        assert langs == {"es", "en"}, term
        if str(term).startswith("https://w3id.org/ppikg/ontology#") and term not in own:
            assert (term, rdflib.URIRef("http://purl.org/dc/terms/source"), None) in ontology, term
