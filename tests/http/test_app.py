"""The HTTP shell over the knowledge graph: start page, health, a read-only SPARQL endpoint."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ppikg.store.graph import KnowledgeGraph
from ppikg.http import create_app
from ppikg.http.testing import serving_process

ASK = "ASK { ?s a <https://w3id.org/ppikg/ontology#Competency> }"


@pytest.fixture(scope="module")
def client(shipped_store, tmp_path_factory):
    kg = KnowledgeGraph(shipped_store(tmp_path_factory.mktemp("http") / "store"))
    with TestClient(create_app(kg)) as c:
        yield c
    kg.close()


def test_sparql_get_json(client):
    r = client.get("/sparql", params={"query": ASK})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    assert r.json()["boolean"] is True


def test_sparql_post_form_csv(client):
    q = "SELECT ?c WHERE { ?c a <https://w3id.org/ppikg/ontology#Competency> } ORDER BY ?c"
    r = client.post("/sparql", data={"query": q}, headers={"Accept": "text/csv"})
    assert r.status_code == 200
    assert r.text.splitlines()[1] == "https://w3id.org/ppikg/competencias/c1"
    assert len(r.text.splitlines()) == 7


def test_malformed_query_is_400(client):
    r = client.get("/sparql", params={"query": "SELECT WHERE {"})
    assert r.status_code == 400 and "error" in r.json()


def test_start_page_lists_classes(client):
    r = client.get("/")
    assert r.status_code == 200 and "Competency" in r.text


def test_ppi_serve_answers_over_real_http(tmp_path):
    """`ppi serve` on an empty folder builds the store from the shipped data, then answers over HTTP (the one
    test that starts the command on a store not yet built)."""
    with serving_process(tmp_path) as (base, _proc):
        with urllib.request.urlopen(base + "/health", timeout=10) as r:
            assert json.load(r)["status"] == "ok"
        url = f"{base}/sparql?" + urllib.parse.urlencode({"query": ASK})
        with urllib.request.urlopen(url, timeout=10) as r:
            assert json.load(r)["boolean"] is True


EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "examples" / "propuesta-ejemplo-dgb.ttl"
WORKBOOK = Path(__file__).resolve().parents[2] / "data" / "templates" / "propuesta-ejemplo-dgb.xlsx"


def test_validate_turtle_returns_json_report(client):
    r = client.post("/validate", content=EXAMPLE.read_bytes(), headers={"Content-Type": "text/turtle"})
    assert r.status_code == 200 and r.headers["x-ppi-conforms"] == "true"
    report = r.json()
    assert report["conforms"] is True and len(report["requirements"]) == 33


def test_validate_xlsx_as_html_in_english(client):
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    r = client.post("/validate?lang=en", content=WORKBOOK.read_bytes(),
                    headers={"Content-Type": xlsx, "Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "Conformance report" in r.text and "CONFORMS" in r.text


def test_validate_broken_proposal_reports_the_violation(client):
    text = EXAMPLE.read_text(encoding="utf-8").replace("ppi:minimumYears 2.0", "ppi:minimumYears 1.0")
    r = client.post("/validate", content=text.encode(), headers={"Content-Type": "text/turtle", "Accept": "text/plain"})
    assert r.status_code == 200 and r.headers["x-ppi-conforms"] == "false"
    assert "LIN-07-IV" in r.text


@pytest.mark.parametrize("body,ctype,status", [
    (b"@prefix : <x> . :a :b", "text/turtle", 400),
    (b"hello", "application/pdf", 415),
    (b"x" * (20 * 1024 * 1024 + 1), "text/turtle", 413),
])
def test_validate_bad_input_is_a_clear_error(client, body, ctype, status):
    r = client.post("/validate", content=body, headers={"Content-Type": ctype})
    assert r.status_code == status


def test_answers_are_cached_until_the_graph_changes(client):
    """The second identical query comes from the cache; a write through the knowledge graph invalidates it."""
    kg = client.app.state.kg
    ask = "ASK { <http://example.org/cache-test> ?p ?o }"
    assert client.get("/sparql", params={"query": ask}).json()["boolean"] is False
    executor = client.app.state.executor
    ran = executor.calls_run
    assert client.get("/sparql", params={"query": ask}).json()["boolean"] is False
    assert executor.calls_run == ran  # served from the cache: no worker ran it again
    kg.add_graph("cache-test", "<http://example.org/cache-test> <http://example.org/p> \"1\" .", "nt", infer=False)
    try:
        assert client.get("/sparql", params={"query": ask}).json()["boolean"] is True
    finally:
        kg.remove_graph("cache-test")
    assert client.get("/sparql", params={"query": ask}).json()["boolean"] is False


@pytest.mark.parametrize("url", ["/", "/health", "/sparql", "/sparql?query=ASK%20%7B%7D",
                                 "/sparql?query=SELECT%20%3Fp%20%3Fo%20%7B%20%3Chttps%3A%2F%2Fw3id.org%2Fppikg%2Fcompetencias%2Fc1%3E%20%3Fp%20%3Fo%20%7D",
                                 "/competencias/c1", "/.well-known/void", "/api/coverage", "/export?format=ttl",
                                 "/export?format=nq&which=all", "/no-such-page"])
def test_head_is_get_without_the_body(client, url):
    """RFC 9110: HEAD on every GET resource, same status and headers, no body (link checkers, curl -I)."""
    import threading
    import time

    head, get = client.head(url), client.get(url)
    assert head.status_code == get.status_code != 405
    assert head.content == b""
    assert head.headers.get("content-type") == get.headers.get("content-type")
    if "content-length" in get.headers and "sparql" not in url:
        assert head.headers["content-length"] == get.headers["content-length"]
    else:
        assert head.headers.get("content-length") in (None, get.headers.get("content-length"))
    deadline = time.time() + 5  # a download answered to HEAD stops producing
    while any(t.name == "ppikg-export" for t in threading.enumerate()) and time.time() < deadline:
        time.sleep(0.05)
    assert not any(t.name == "ppikg-export" for t in threading.enumerate())
