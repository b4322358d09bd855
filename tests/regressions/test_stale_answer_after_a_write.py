"""A query repeated after a write returned the answer cached before it: the cache was keyed on a write counter
read at another moment than the state the answer came from. Answers are now keyed on the committed state
they were computed on, which every write path moves. One test per write path, each repeated to catch races."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from ppikg.store.graph import KnowledgeGraph
from ppikg.http import create_app
from ppikg.config import Settings
from ppikg.http.testing import serving

TOKEN = "s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
G = "urn:x:g"
#: The reproduction's query: the same text every time, so only a correct cache key gives the right rows.
QUERY = "SELECT ?a ?v (STR(?v) AS ?s) WHERE { ?a <urn:p> ?v }"
ROUNDS = 6


@pytest.fixture
def server(shipped_store, tmp_path: Path):
    kg = KnowledgeGraph(shipped_store(tmp_path / "store"), reasoner="rules")  # a forced rebuild in seconds
    with serving(create_app(kg, settings=Settings(update_enabled=True, token=TOKEN))) as url:
        with httpx.Client(base_url=url, timeout=30) as client:
            yield client, kg
    kg.close()


def rows(client: httpx.Client, **dataset) -> list[str]:
    r = client.get("/sparql", params={"query": QUERY, **dataset}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return sorted(b["s"]["value"] for b in r.json()["results"]["bindings"])


def put(client: httpx.Client, body: str, method: str = "PUT") -> int:
    r = client.request(method, "/rdf-graphs/service", params={"graph": G}, content=body.encode(),
                       headers={"Content-Type": "application/n-triples", **AUTH})
    assert r.status_code in (200, 201, 204), r.text
    return r.status_code


def test_graph_store_put_then_the_same_query(server) -> None:
    client, _ = server
    assert put(client, "<urn:a> <urn:q> <urn:b> .") == 201
    assert rows(client, **{"default-graph-uri": G}) == []
    for n in range(ROUNDS):
        put(client, f'<urn:a> <urn:p> "v{n}" .')
        assert rows(client, **{"default-graph-uri": G}) == [f"v{n}"]
        put(client, "<urn:a> <urn:q> <urn:b> .")
        assert rows(client, **{"default-graph-uri": G}) == []


def test_graph_store_post_then_the_same_query(server) -> None:
    client, _ = server
    expected: list[str] = []
    for n in range(ROUNDS):
        put(client, f'<urn:a> <urn:p> "v{n}" .', method="POST")
        expected.append(f"v{n}")
        assert rows(client) == sorted(expected)


def test_graph_store_delete_then_the_same_query(server) -> None:
    client, _ = server
    for n in range(ROUNDS):
        put(client, f'<urn:a> <urn:p> "v{n}" .')
        assert rows(client) == [f"v{n}"]
        r = client.delete("/rdf-graphs/service", params={"graph": G}, headers=AUTH)
        assert r.status_code == 204
        assert rows(client) == []


def test_sparql_update_then_the_same_query(server) -> None:
    client, _ = server
    for n in range(ROUNDS):
        r = client.post("/sparql", data={"update": f'INSERT DATA {{ GRAPH <{G}> {{ <urn:a> <urn:p> "u{n}" }} }}'}, headers=AUTH)
        assert r.status_code == 204
        assert rows(client) == sorted(f"u{i}" for i in range(n + 1))


def test_adding_and_removing_a_graph_then_the_same_query(server) -> None:
    """What `ppi import --load` does (KnowledgeGraph.add_graph) and its removal, seen by the running server."""
    client, kg = server
    for n in range(ROUNDS):
        kg.add_graph("propuestas/otra", f'<urn:a> <urn:p> "k{n}" .', "nt")
        assert rows(client) == [f"k{n}"]
        kg.remove_graph("propuestas/otra")
        assert rows(client) == []


def test_rebuilding_the_shipped_data_then_the_same_query(server) -> None:
    client, kg = server
    kg.add_graph("propuestas/otra", '<urn:a> <urn:p> "kept" .', "nt")
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = client.get("/sparql", params={"query": count}).json()
    kg.update(f'INSERT DATA {{ GRAPH <{G}> {{ <urn:a> <urn:p> "more" }} }}')
    kg.load_shipped(force=True)
    after = client.get("/sparql", params={"query": count}).json()
    assert after != before
    assert rows(client) == ["kept", "more"]
