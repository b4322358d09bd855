"""A request giving only ``default-graph-uri`` used to leave every graph of the store as a named graph of its
dataset: ``GRAPH ?g { … }`` matched all of them, the default graph's own included. The SPARQL 1.1 Protocol
(§2.1.4) builds the dataset from the parameters alone — ``default-graph-uri`` without ``named-graph-uri``
means no named graphs, as ``FROM`` without ``FROM NAMED`` does in a query (SPARQL 1.1 §13.2), and as this
endpoint already did for ``named-graph-uri`` alone (an empty default graph). Found by the W3C SPARQL 1.0 test
``graph/dawg-graph-04`` (tests/w3c/test_query_evaluation.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ppikg.config import Settings
from ppikg.http import create_app
from ppikg.sparql.protocol import Request, dataset_of
from ppikg.store.graph import KnowledgeGraph

G1, G2 = "http://example.org/g1", "http://example.org/g2"


@pytest.fixture(scope="module")
def client():
    with KnowledgeGraph(None) as kg:
        with kg.backend.write() as writer:
            writer.update(f"INSERT DATA {{ GRAPH <{G1}> {{ <urn:a> <urn:p> 1 }} GRAPH <{G2}> {{ <urn:b> <urn:p> 2 }} }}")
        with TestClient(create_app(kg, Settings())) as c:
            yield c


def ask(client, query: str, **params) -> bool:
    r = client.get("/sparql", params={"query": query, **params}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return r.json()["boolean"]


def test_default_graph_uri_alone_names_no_graphs(client):
    assert ask(client, "ASK { GRAPH ?g { ?s ?p ?o } }", **{"default-graph-uri": G1}) is False
    assert ask(client, "ASK { ?s ?p 1 }", **{"default-graph-uri": G1}) is True  # its default graph is G1


def test_both_parameters_give_both_parts(client):
    params = {"default-graph-uri": G1, "named-graph-uri": G2}
    assert ask(client, f"ASK {{ GRAPH <{G2}> {{ ?s ?p 2 }} }}", **params) is True
    assert ask(client, f"ASK {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}", **params) is False  # G1 is not named


def test_without_parameters_every_graph_is_named(client):
    assert ask(client, f"ASK {{ GRAPH <{G1}> {{ ?s ?p 1 }} GRAPH <{G2}> {{ ?t ?q 2 }} }}") is True


def test_the_dataset_of_a_request():
    assert dataset_of(Request("", None, None, 1, default_graph=(G1,)), []) == ([G1], [])
    assert dataset_of(Request("", None, None, 1, named_graphs=(G2,)), []) == ([], [G2])
