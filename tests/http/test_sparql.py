"""The SPARQL 1.1 Protocol at /sparql: operations, dataset, content negotiation, status codes, Service
Description, and the Graph Store Protocol at /rdf-graphs/service (the W3C suites are in tests/w3c/)."""

from __future__ import annotations


import pyoxigraph as ox
import pytest
import rdflib
from fastapi.testclient import TestClient

from ppikg.store.graph import KnowledgeGraph
from ppikg.http import create_app
from ppikg.config import Settings

G1, G2 = "https://w3id.org/ppikg/graph/uno", "https://w3id.org/ppikg/graph/dos"
SELECT = "SELECT ?s ?o WHERE { ?s <http://e/p> ?o } ORDER BY ?s"
TOKEN = "t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def kg(tmp_path_factory):
    kg = KnowledgeGraph(tmp_path_factory.mktemp("protocol"))
    kg.add_graph("uno", '<http://e/a> <http://e/p> "uno, \\"1\\""@es .\n<http://e/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://e/T> .', "nt", infer=False)
    kg.add_graph("dos", "<http://e/b> <http://e/p> <http://e/c> .\n<http://e/b> <http://e/p> _:x .", "nt", infer=False)
    yield kg
    kg.close()


@pytest.fixture(scope="module")
def client(kg):
    with TestClient(create_app(kg, settings=Settings(update_enabled=True, token=TOKEN))) as c:
        yield c


def rows(r) -> list:
    return [[sol[v] for v in ("s", "o")] for sol in ox.parse_query_results(r.content, format=_FMT[r.headers["content-type"].split(";")[0]])]


_FMT = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
        "application/sparql-results+xml": ox.QueryResultsFormat.XML,
        "text/csv": ox.QueryResultsFormat.CSV, "text/tab-separated-values": ox.QueryResultsFormat.TSV}


@pytest.mark.parametrize("media", list(_FMT))
def test_select_in_every_results_format(client, media):
    r = client.get("/sparql", params={"query": SELECT}, headers={"Accept": media})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    if media == "text/csv":  # lossy by design (no datatypes, languages): pyoxigraph will not parse it back
        assert r.text.splitlines()[:2] == ["s,o", 'http://e/a,"uno, ""1"""']
        return
    got = rows(r)
    assert len(got) == 3 and got[0][0] == ox.NamedNode("http://e/a")
    assert got[0][1] == ox.Literal('uno, "1"', language="es")


def test_three_ways_to_send_a_query(client):
    a = client.get("/sparql", params={"query": SELECT})
    b = client.post("/sparql", data={"query": SELECT})
    c = client.post("/sparql", content=SELECT, headers={"Content-Type": "application/sparql-query; charset=utf-8"})
    assert a.status_code == b.status_code == c.status_code == 200
    assert a.json() == b.json() == c.json()


@pytest.mark.parametrize("accept,expected", [
    ("text/csv;q=0.9, application/sparql-results+xml;q=0.8", "text/csv"),
    ("application/sparql-results+xml, */*;q=0.1", "application/sparql-results+xml"),
    ("text/*", "text/csv"),
    ("*/*", "application/sparql-results+json"),
    ("application/json", "application/sparql-results+json"),
    ("text/tab-separated-values;q=1, application/sparql-results+json;q=0.5", "text/tab-separated-values"),
])
def test_accept_with_q_values(client, accept, expected):
    r = client.get("/sparql", params={"query": SELECT}, headers={"Accept": accept})
    assert r.headers["content-type"].startswith(expected)


@pytest.mark.parametrize("fmt,media", [("json", "application/ld+json"), ("xml", "application/rdf+xml"),
                                       ("ttl", "text/turtle"), ("nt", "application/n-triples")])
def test_graph_results_by_format_parameter(client, fmt, media):
    r = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s <http://e/p> ?o }", "format": fmt},
                   headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    assert len(list(ox.parse(r.content, ox.RdfFormat.from_media_type(media)))) == 3


def test_describe_and_ask(client):
    r = client.get("/sparql", params={"query": "DESCRIBE <http://e/a>"}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and "<http://e/T>" in r.text
    r = client.get("/sparql", params={"query": "ASK { ?s a <http://e/T> }"}, headers={"Accept": "application/sparql-results+xml"})
    assert r.status_code == 200 and "<boolean>true</boolean>" in r.text


def test_dataset_from_the_protocol(client):
    def ask(q, **params):
        return client.get("/sparql", params={"query": q, **params}).json()["boolean"]
    assert ask("ASK { <http://e/b> ?p ?o }") is True  # default: union of all graphs
    assert ask("ASK { <http://e/b> ?p ?o }", **{"default-graph-uri": G1}) is False
    assert ask("ASK { <http://e/a> ?p ?o }", **{"default-graph-uri": G1}) is True
    assert ask("ASK { GRAPH ?g { <http://e/b> ?p ?o } }", **{"named-graph-uri": G1}) is False
    assert ask("ASK { GRAPH ?g { <http://e/b> ?p ?o } }", **{"named-graph-uri": G2}) is True
    # The protocol's dataset replaces the query's (SPARQL 1.1 Protocol §2.1.4).
    r = client.post(f"/sparql?named-graph-uri={G1}", content=f"ASK FROM NAMED <{G2}> {{ GRAPH <{G2}> {{ ?s ?p ?o }} }}",
                    headers={"Content-Type": "application/sparql-query"})
    assert r.json()["boolean"] is False


@pytest.mark.parametrize("request_kwargs,status", [
    ({"method": "GET", "url": "/sparql?query=ASK%7B%7D&query=ASK%7B%7D"}, 400),
    ({"method": "GET", "url": "/sparql?query=ASK%20%7B"}, 400),
    ({"method": "GET", "url": "/sparql?update=CLEAR%20ALL"}, 400),
    ({"method": "POST", "url": "/sparql", "content": "ASK {}", "headers": {"Content-Type": "text/plain"}}, 415),
    ({"method": "POST", "url": "/sparql", "content": "query=ASK%20%7B%7D"}, 415),
    ({"method": "POST", "url": "/sparql", "content": "ASK {}".encode("utf-16"),
      "headers": {"Content-Type": "application/sparql-query; charset=UTF-16"}}, 415),
    ({"method": "POST", "url": "/sparql", "content": b"query=ASK%20%7B%7D&update=CLEAR%20ALL",
      "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, 400),
    ({"method": "PUT", "url": "/sparql?query=ASK%7B%7D"}, 405),
    ({"method": "DELETE", "url": "/sparql"}, 405),
    ({"method": "GET", "url": "/sparql?query=ASK%7B%7D", "headers": {"Accept": "image/png"}}, 406),
    ({"method": "GET", "url": "/sparql?query=CONSTRUCT%20WHERE%7B%3Fs%20%3Fp%20%3Fo%7D&format=csv"}, 406),
])
def test_status_codes(client, request_kwargs, status):
    r = client.request(**request_kwargs)
    assert r.status_code == status, r.text
    if status != 405:
        assert r.json()["error"]


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/rdf+xml", "xml"),
                                        ("application/ld+json", "json-ld")])
def test_service_description(client, accept, fmt):
    r = client.get("/sparql", headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    g = rdflib.Graph().parse(data=r.content, format=fmt)
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = g.value(None, rdflib.RDF.type, sd.Service)
    assert g.value(service, sd.endpoint) == rdflib.URIRef("http://testserver/sparql")
    assert sd.SPARQL11Update in set(g.objects(service, sd.supportedLanguage))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV") in set(g.objects(service, sd.resultFormat))
    names = {g.value(n, sd.name) for n in g.objects(g.value(service, sd.defaultDataset), sd.namedGraph)}
    assert {rdflib.URIRef(G1), rdflib.URIRef(G2)} <= names


def test_update_through_the_knowledge_graph_reinfers_added_graphs(client, kg):
    r = client.post("/sparql", data={"update": f"INSERT DATA {{ GRAPH <{G1}> {{ <http://e/a> <http://e/q> 2 }} }}"},
                    headers=AUTH)
    assert r.status_code == 204
    assert client.get("/sparql", params={"query": "ASK { <http://e/a> <http://e/q> 2 }"}).json()["boolean"] is True
    assert kg.graphs() and G1 in kg.added_graphs()


def test_graph_store_protocol(client, kg):
    g = "http://e/gsp"
    url = f"/rdf-graphs/service?graph={g}"
    assert client.get(url).status_code == 404
    r = client.put(url, content=b"<http://e/x> <http://e/p> 1 .", headers={"Content-Type": "text/turtle", **AUTH})
    assert r.status_code == 201
    r = client.post(url, content=b"<http://e/y> <http://e/p> \"2\" .", headers={"Content-Type": "application/n-triples", **AUTH})
    assert r.status_code == 204
    r = client.get(url, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and len(r.text.strip().splitlines()) == 2
    r = client.put(url, content=b"<http://e/z> <http://e/p> 3 .", headers={"Content-Type": "text/turtle", **AUTH})
    assert r.status_code == 204
    assert len(list(ox.parse(client.get(url).content, ox.RdfFormat.TURTLE))) == 1
    assert client.put(url, content=b"not rdf", headers={"Content-Type": "text/turtle", **AUTH}).status_code == 400
    assert client.put(url, content=b"x", headers={"Content-Type": "application/pdf", **AUTH}).status_code == 415
    assert client.delete(url).status_code == 401
    assert client.delete(url, headers=AUTH).status_code == 204
    assert client.get(url).status_code == 404
    assert client.get("/rdf-graphs/service").status_code == 400
