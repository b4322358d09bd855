"""A store in memory (``ppi serve --memory``) used to lose its empty named graphs from what readers see: its
snapshots were copies of the quads, and the query workers' copies an N-Quads dump, neither of which holds a
graph without triples. After ``CREATE GRAPH <g>`` the store held <g>, but a query naming it (``FROM <g>``,
``default-graph-uri=g``) was refused as naming a graph the store lacks, and the service description did not
list it — while a store on disk, whose snapshots are checkpoints, kept it. A snapshot now holds the same graphs
as the state it copies, empty ones included."""

from __future__ import annotations

import httpx
import pyoxigraph as ox

from ppikg.config import Settings
from ppikg.http import create_app
from ppikg.http.testing import serving
from ppikg.store.graph import KnowledgeGraph
from ppikg.store.snapshot import open_source

EMPTY = "http://example.org/empty"
FULL = "http://example.org/full"


def _store() -> KnowledgeGraph:
    kg = KnowledgeGraph(None)
    with kg.backend.write() as writer:
        writer.update(f"CREATE GRAPH <{EMPTY}> ; INSERT DATA {{ GRAPH <{FULL}> {{ <urn:a> <urn:b> <urn:c> }} }}")
    return kg


def test_a_snapshot_in_memory_keeps_empty_graphs():
    with _store() as kg:
        snapshot = kg.snapshot()
        assert snapshot.graph_names() == [EMPTY, FULL]
        assert open_source(snapshot.source()).graph_names() == [EMPTY, FULL]  # the query workers' copy
        assert snapshot.graphs() == [(EMPTY, 0), (FULL, 1)]


def test_a_rolled_back_write_keeps_empty_graphs():
    with _store() as kg:
        try:
            with kg.backend.write() as writer:
                writer.update(f"DROP GRAPH <{EMPTY}>")
                raise RuntimeError("the write fails")
        except RuntimeError:
            pass
        assert kg.snapshot().contains_graph(EMPTY)
        with kg.backend.write() as writer:  # the live store after the rollback holds it too
            assert ox.NamedNode(EMPTY) in set(writer.store.named_graphs())  # type: ignore[attr-defined]


def test_an_empty_graph_can_be_queried_over_http():
    with _store() as kg, serving(create_app(kg, Settings())) as url:
        accept = {"Accept": "application/sparql-results+json"}
        r = httpx.get(url + "/sparql", params={"query": "ASK { ?s ?p ?o }", "default-graph-uri": EMPTY},
                      headers=accept, timeout=30)
        assert r.status_code == 200, r.text
        assert r.json()["boolean"] is False
        r = httpx.get(url + "/sparql", params={"query": f"SELECT (COUNT(*) AS ?n) FROM <{EMPTY}> {{ ?s ?p ?o }}"},
                      headers=accept, timeout=30)
        assert r.status_code == 200, r.text
        assert r.json()["results"]["bindings"][0]["n"]["value"] == "0"
