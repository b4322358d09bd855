"""Linked data: minted IRIs dereference here, HTML for browsers and RDF by content negotiation."""

from __future__ import annotations

import pytest
import rdflib
from fastapi.testclient import TestClient

from ppikg.store.graph import KnowledgeGraph
from ppikg.http import create_app
from ppikg.describe import local_href
from ppikg.namespaces import PPI

BASE = "https://w3id.org/ppikg/"
FR3 = "eli/mx/sep/lineamientos/2013/12/27/ppi-directores-ems/lineamiento_8/fraccion_3"
TEXT = "Apoya a los docentes en la planeación e implementación de procesos de enseñanza y de aprendizaje por competencias;"


@pytest.fixture(scope="module")
def client(shipped_store, tmp_path_factory):
    with KnowledgeGraph(shipped_store(tmp_path_factory.mktemp("ld") / "store")) as kg:
        yield TestClient(create_app(kg))


def test_provision_as_html(client: TestClient) -> None:
    r = client.get("/" + FR3, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["vary"] == "Accept"
    page = r.text
    assert TEXT in page and "Lineamiento Octavo, fracción III" in page and "Guideline Octavo, section III" in page
    assert 'href="/eli/mx/sep/lineamientos/2013/12/27/ppi-directores-ems/lineamiento_8"' in page  # link out, local
    assert 'href="/aspectos/III"' in page  # link in: the aspect has this fracción as its source
    assert 'href="/ontology?term=Fraction"' in page
    assert "https://w3id.org/ppikg/graph/lineamientos" in page and "prov:wasDerivedFrom" in page  # provenance


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                        ("application/n-triples", "nt"), ("application/rdf+xml", "xml")])
def test_provision_as_rdf(client: TestClient, accept: str, fmt: str) -> None:
    r = client.get("/" + FR3, headers={"Accept": f"{accept}, text/html;q=0.5"})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept) and r.headers["vary"] == "Accept"
    g = rdflib.Graph().parse(data=r.content, format=fmt)
    me = rdflib.URIRef(BASE + FR3)
    assert (me, PPI.text, rdflib.Literal(TEXT, lang="es")) in g
    assert (me, rdflib.RDF.type, PPI.Provision) in g  # inferred triples too
    assert any(o == me for o in g.objects())  # links in


def test_competency_proposal_ontology_and_resource(client: TestClient) -> None:
    c3 = client.get("/competencias/c3")
    assert c3.status_code == 200 and "Competencia 3 del Acuerdo 449" in c3.text and "Acuerdo 449 competency 3" in c3.text
    p = client.get("/propuestas/ejemplo-dgb/P1-1")
    assert p.status_code == 200 and 'href="/competencias/c1"' in p.text  # inferred coversCompetency
    assert "https://w3id.org/ppikg/graph/ejemplos/propuesta-ejemplo-dgb" in p.text
    assert "propuesta-ejemplo-dgb.ttl" in p.text  # the PROV record of its graph
    onto = client.get("/ontology")
    assert onto.status_code == 200 and 'id="Competency"' in onto.text
    ttl = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert (PPI.Competency, rdflib.RDF.type, rdflib.OWL.Class) in rdflib.Graph().parse(data=ttl.text, format="turtle")
    term = client.get("/ontology", params={"term": "Competency"})
    assert term.status_code == 200 and "Director competency" in term.text
    assert client.get("/ontology", params={"term": "Competency", "format": "ttl"}).headers["content-type"].startswith("text/turtle")
    assert client.get("/shapes", params={"term": "LIN-07-IV"}).status_code == 200
    assert client.get("/graph/lineamientos").status_code == 200
    ext = client.get("/resource", params={"iri": "http://data.europa.eu/eli/ontology#cites"})
    assert ext.status_code == 200 and "cites" in ext.text
    assert client.get("/resource", params={"iri": "not an iri"}).status_code == 400
    assert client.get("/resource").status_code == 400


def test_unknown_iri_is_a_helpful_404(client: TestClient) -> None:
    r = client.get("/competencias/c3/a99")
    assert r.status_code == 404 and 'href="/competencias/c3"' in r.text
    assert client.get("/competencias/c99", headers={"Accept": "text/turtle"}).status_code == 404
    assert client.get("/ontology", params={"term": "NoSuchTerm"}).status_code == 404


def test_local_href() -> None:
    assert local_href(BASE + "ontology#Competency") == "/ontology?term=Competency"
    assert local_href(BASE + "competencias/c3") == "/competencias/c3"
    assert local_href("http://e/x") == "/resource?iri=http%3A%2F%2Fe%2Fx"


def test_a_node_with_many_links_shows_the_first_ones_labelled(shipped_store, tmp_path):
    """A page lists the first MAX_LINKS links each way, in order, with labels and inferred marks, and says how
    many more there are (labels are looked up only for those shown)."""
    from ppikg.describe import MAX_LINKS, Describer

    hub = "https://w3id.org/ppikg/competencias/c1"
    n = MAX_LINKS + 25
    lines = [f'<http://e/i{k:04d}> <{PPI}coversCompetency> <{hub}> .\n<http://e/i{k:04d}> '
             f'<http://www.w3.org/2000/01/rdf-schema#label> "ind {k}"@es .' for k in range(n)]
    with KnowledgeGraph(shipped_store(tmp_path / "store")) as kg:
        before = Describer(kg.snapshot()).page(hub)
        kg.add_graph("muchos", "\n".join(lines), "nt", infer=False)
        page = Describer(kg.snapshot()).page(hub)
        total_in = len(before["incoming"]) + before["more_in"] + n
        assert len(page["incoming"]) == MAX_LINKS and page["more_in"] == total_in - MAX_LINKS
        shown = [lk for lk in page["incoming"] if lk.value.startswith("http://e/i")]
        assert shown and all(lk.label.get("es", "").startswith("ind ") for lk in shown)
        keys = [(page["curie_of"](lk.predicate), lk.value) for lk in page["incoming"]]
        assert keys == sorted(keys)
        assert page["types"] and not page["is_graph"]
        assert Describer(kg.snapshot()).page("https://w3id.org/ppikg/graph/muchos")["is_graph"]
