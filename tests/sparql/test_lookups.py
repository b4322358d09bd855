"""The look-up lane: one-pattern SELECTs answered on the spot (ppikg.sparql.lookups, http/lookups.py), with the same
answers, limits and errors as the worker path, and everything else left to the endpoint."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from ppikg.sparql import lookups
from ppikg.sparql.protocol import Job, run_job
from ppikg.store.graph import KnowledgeGraph
from ppikg.http import create_app
from ppikg.config import Settings
from ppikg.http.common import query_executor

TOKEN = "t0ken"
FORMATS = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
           "application/sparql-results+xml": ox.QueryResultsFormat.XML,
           "text/tab-separated-values": ox.QueryResultsFormat.TSV}
DATA = "\n".join(
    [f'<http://e/s> <http://e/p> "valor {i}"@es .' for i in range(12)]
    + ['<http://e/s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://e/T> .',
       '<http://e/t> <http://e/q> "}},{ <result> \\r\\n" .',  # row marks inside a value: over-counted, never under
       '<http://e/t> <http://e/n> "7"^^<http://www.w3.org/2001/XMLSchema#integer> .',
       '<http://e/t> <http://e/r> _:b .'])


@pytest.fixture(scope="module")
def kg(tmp_path_factory):
    kg = KnowledgeGraph(tmp_path_factory.mktemp("lookups"))
    kg.add_graph("uno", DATA, "nt", infer=False)
    kg.add_graph("dos", '<http://e/s> <http://e/p> "valor 0"@es .', "nt", infer=False)  # the same triple twice
    yield kg
    kg.close()


def _app(kg, **settings):
    return create_app(kg, settings=Settings(**settings))


ACCEPTED = [
    "SELECT ?p ?o WHERE { <http://e/s> ?p ?o }",
    "select * { ?s ?p ?o . }",
    "PREFIX e: <http://e/> SELECT ?s WHERE { ?s a e:T } LIMIT 10",
    "BASE <http://e/> SELECT ?o WHERE { <s> <p> ?o } # a comment { with braces }",
    'SELECT ?s { ?s <http://e/p> "valor 1"@es }',
    'SELECT ?s { ?s <http://e/n> "7"^^<http://www.w3.org/2001/XMLSchema#integer> }',
    "SELECT $s { $s ?p <http://e/T> }",
]
REFUSED = [
    "SELECT ?s WHERE { ?s ?p ?s }",  # repeated variable: a filter, work not bounded by the answer
    "SELECT ?z WHERE { ?s ?p ?o }",  # projected variable outside the pattern: empty rows, one per match
    "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o",
    "SELECT DISTINCT ?o WHERE { ?s ?p ?o }",
    "SELECT ?o WHERE { ?s ?p ?o } OFFSET 5",
    "SELECT ?o WHERE { ?s ?p ?o FILTER(?o = 1) }",
    "SELECT ?o WHERE { ?s ?p ?o . ?o ?q ?r }",
    "SELECT ?o WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?r } }",
    "SELECT ?o WHERE { ?s <http://e/p>+ ?o }",
    "SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT ?o FROM <http://e/g> WHERE { ?s ?p ?o }",
    "SELECT ?o WHERE { SERVICE <http://e/> { ?s ?p ?o } }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?o WHERE { _:x ?p ?o }",
    "SELECT ?s WHERE { ?s ?p 7 }",
    "ASK { ?s ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "SELECT ?s WHERE { ?s ?p ?o } LIMIT",
    "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1 trailing",
]


@pytest.mark.parametrize("query", ACCEPTED)
def test_single_pattern_accepts(query):
    assert lookups.single_pattern(query)


@pytest.mark.parametrize("query", REFUSED)
def test_single_pattern_refuses(query):
    assert not lookups.single_pattern(query)


def _solutions(body: bytes, fmt) -> list:
    return sorted(tuple(sorted((k, str(v)) for k, v in zip([v.value for v in sols.variables], sol) if v is not None))
                  for sols in [ox.parse_query_results(body, format=fmt)] for sol in sols)


@pytest.mark.parametrize("media", list(FORMATS))
@pytest.mark.parametrize("query", ACCEPTED)
def test_inline_answer_equals_the_worker_answer(kg, query, media):
    job = Job(query, {"results": media}, 100_000, "http://e/sparql")
    status, worker_media, worker_body = run_job(kg.snapshot(), job)
    assert status == "ok"
    body = lookups.answer(kg.store, query, media, max_results=100_000, cap=1 << 16, base_iri="http://e/sparql")
    assert body is not None
    assert _solutions(body, FORMATS[media]) == _solutions(worker_body, FORMATS[media])


@pytest.mark.parametrize("media", list(FORMATS) + ["text/csv"])
def test_inline_gives_up_past_max_results_or_cap(kg, media):
    query = "SELECT ?o WHERE { <http://e/s> <http://e/p> ?o }"  # 13 rows (one triple is in two graphs)
    assert lookups.answer(kg.store, query, media, max_results=13, cap=1 << 16) is not None
    assert lookups.answer(kg.store, query, media, max_results=12, cap=1 << 16) is None
    assert lookups.answer(kg.store, query, media, max_results=100, cap=64) is None


def test_inline_leaves_errors_to_the_endpoint(kg):
    assert lookups.answer(kg.store, "SELECT ?o WHERE { <a b> ?p ?o }", "application/sparql-results+json",
                         max_results=10, cap=1 << 16) is None
    assert lookups.answer(kg.store, "SELECT ?o WHERE { ?s ?p ?o }", "image/png", max_results=10, cap=1 << 16) is None


def test_a_lookup_never_reaches_the_workers(kg):
    app = _app(kg)
    with TestClient(app) as client:
        r = client.get("/sparql", params={"query": ACCEPTED[0]}, headers={"Accept": "application/sparql-results+json"})
        assert r.status_code == 200 and r.headers["vary"] == "Accept"
        assert r.headers["content-type"] == "application/sparql-results+json"
        assert len(r.json()["results"]["bindings"]) == 14
        executor = query_executor(app)
        assert executor.calls_run == 0
        r = client.get("/sparql", params={"query": "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o"})
        assert r.status_code == 200 and executor.calls_run == 1


def test_the_lane_and_the_workers_answer_alike_over_http(kg):
    with TestClient(_app(kg)) as client:
        for media in ("text/csv", "text/tab-separated-values", "application/sparql-results+xml"):
            lane = client.get("/sparql", params={"query": ACCEPTED[0]}, headers={"Accept": media})
            usual = client.get("/sparql", params={"query": ACCEPTED[0], "default-graph-uri": ["https://w3id.org/ppikg/graph/uno", "https://w3id.org/ppikg/graph/dos"]},
                               headers={"Accept": media})
            assert lane.status_code == usual.status_code == 200
            assert lane.headers["content-type"] == usual.headers["content-type"]
            if media in FORMATS:  # the same rows (XML: not byte for byte, the two serialisers differ)
                assert _solutions(lane.content, FORMATS[media]) == _solutions(usual.content, FORMATS[media])
            else:  # CSV: the same lines, in any order, under the same header
                assert sorted(lane.text.splitlines()) == sorted(usual.text.splitlines())
        lane = client.get("/sparql", params={"query": ACCEPTED[0], "format": "csv"})
        assert lane.headers["content-type"].startswith("text/csv")


def test_limits_and_errors_are_the_endpoints(kg):
    with TestClient(_app(kg, max_results=5)) as client:
        r = client.get("/sparql", params={"query": ACCEPTED[0]})
        assert r.status_code == 413 and "max_results" in r.json()["error"]
        r = client.get("/sparql", params={"query": "SELECT ?s WHERE { <http://e/t> <http://e/n> ?s }"})
        assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 1
        assert client.get("/sparql", params={"query": "SELECT ?o WHERE { <a b> ?p ?o }"}).status_code == 400
        assert client.get("/sparql", params={"query": ACCEPTED[0]}, headers={"Accept": "image/png"}).status_code == 406
        two = client.get("/sparql", params=[("query", ACCEPTED[0]), ("query", ACCEPTED[1])])
        assert two.status_code == 400


def test_a_lookup_sees_the_latest_write(kg, tmp_path):
    own = KnowledgeGraph(tmp_path / "store")
    own.add_graph("uno", DATA, "nt", infer=False)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(_app(own, update_enabled=True, token=TOKEN)) as client:
        q = {"query": "SELECT ?o WHERE { <http://e/nuevo> <http://e/p> ?o }"}
        assert client.get("/sparql", params=q).json()["results"]["bindings"] == []
        r = client.post("/sparql", data={"update": 'INSERT DATA { GRAPH <http://e/g> { <http://e/nuevo> <http://e/p> "sí" } }'},
                        headers=auth)
        assert r.status_code == 204
        assert client.get("/sparql", params=q).json()["results"]["bindings"][0]["o"]["value"] == "sí"
    own.close()
