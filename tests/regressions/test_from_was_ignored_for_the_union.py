"""A query's FROM / FROM NAMED used to be ignored: the union default graph overrode the dataset, so a count
FROM one graph counted the whole store (SPARQL 1.1 §13.2 says the query's dataset is FROM's graphs). The union
stays the default only when neither the query nor the protocol names a dataset."""

from __future__ import annotations

import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from ppikg.config import Settings
from ppikg.http import create_app
from ppikg.store.graph import KnowledgeGraph

ASPECTS = "https://w3id.org/ppikg/graph/aspectos"
COUNT = "SELECT (COUNT(*) AS ?n) {dataset} WHERE {{ ?s ?p ?o }}"


@pytest.fixture(scope="module")
def kg(shipped_store, tmp_path_factory):
    with KnowledgeGraph(shipped_store(tmp_path_factory.mktemp("from") / "store")) as kg:
        yield kg


def count(kg, dataset: str) -> int:
    return int(kg.query_rows(COUNT.format(dataset=dataset))[1][0]["n"])


def test_from_counts_only_that_graph(kg):
    size = dict(kg.graphs())[ASPECTS]
    assert count(kg, f"FROM <{ASPECTS}>") == size < count(kg, "")
    assert count(kg, f"FROM NAMED <{ASPECTS}>") == 0  # FROM NAMED alone: an empty default graph
    _, rows = kg.query_rows(f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{ASPECTS}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g")
    assert rows == [{"g": ASPECTS, "n": str(size)}]


def test_from_over_http_and_the_protocol_dataset_wins(kg):
    size = dict(kg.graphs())[ASPECTS]
    with TestClient(create_app(kg, Settings())) as c:
        def n(**params) -> int:
            r = c.get("/sparql", params=params, headers={"Accept": "application/sparql-results+json"})
            assert r.status_code == 200, r.text
            return int(r.json()["results"]["bindings"][0]["n"]["value"])

        assert n(query=COUNT.format(dataset=f"FROM <{ASPECTS}>")) == size
        lineamientos = "https://w3id.org/ppikg/graph/lineamientos"
        assert n(query=COUNT.format(dataset=f"FROM <{ASPECTS}>"), **{"default-graph-uri": lineamientos}) == \
            dict(kg.graphs())[lineamientos]


def test_ppi_query_with_from(kg):
    out = subprocess.run([sys.executable, "-m", "ppikg", "query", COUNT.format(dataset=f"FROM <{ASPECTS}>"),
                          "--store", str(kg.store_dir), "--format", "csv"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.split() == ["n", str(dict(kg.graphs())[ASPECTS])], out.stderr
