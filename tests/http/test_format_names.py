"""An unknown ``format`` never overrides an ``Accept`` the endpoint can satisfy (SPARQLWrapper's JSON-LD and N3
on CONSTRUCT used to get 406), and the names rdflib users type (turtle, json-ld, nquads, …) work wherever
formats are named."""

from __future__ import annotations

import pytest
import rdflib
from SPARQLWrapper import JSONLD, N3, SPARQLWrapper, TURTLE
from fastapi.testclient import TestClient

from ppikg.config import Settings
from ppikg.http import create_app
from ppikg.http.testing import serving
from ppikg.store.graph import KnowledgeGraph

CONSTRUCT = "CONSTRUCT WHERE { <https://w3id.org/ppikg/competencias/c1> ?p ?o }"


@pytest.fixture(scope="module")
def kg(shipped_store, tmp_path_factory):
    with KnowledgeGraph(shipped_store(tmp_path_factory.mktemp("formats") / "store")) as kg:
        yield kg


@pytest.mark.parametrize("wanted, parse", [(JSONLD, "json-ld"), (N3, "turtle"), (TURTLE, "turtle")])
def test_sparqlwrapper_gets_every_return_format_it_asks_for_on_construct(kg, wanted, parse):
    with serving(create_app(kg, Settings())) as url:
        client = SPARQLWrapper(url + "/sparql")
        client.setQuery(CONSTRUCT)
        client.setReturnFormat(wanted)
        answer = client.query()
        body = answer.response.read()
    graph = rdflib.Graph().parse(data=body, format=parse)
    assert len(graph) > 5


def test_an_unknown_format_leaves_the_choice_to_accept(kg):
    with TestClient(create_app(kg, Settings())) as c:
        r = c.get("/sparql", params={"query": CONSTRUCT, "format": "n3"}, headers={"Accept": "text/turtle"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
        r = c.get("/sparql", params={"query": CONSTRUCT, "format": "csv"})  # a format, but not of graphs
        assert r.status_code == 406


@pytest.mark.parametrize("name, media", [("turtle", "text/turtle"), ("json-ld", "application/ld+json"),
                                         ("nquads", "application/n-quads"), ("n-triples", "application/n-triples"),
                                         ("ttl", "text/turtle"), ("trig", "application/trig")])
def test_rdflib_format_names_work_for_export(kg, name, media):
    with TestClient(create_app(kg, Settings())) as c:
        r = c.get("/export", params={"format": name, "which": "asserted", "graph": "https://w3id.org/ppikg/graph/aspectos"})
        assert r.status_code == 200 and r.headers["content-type"].startswith(media), r.text
