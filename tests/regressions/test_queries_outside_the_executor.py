"""Canned queries, the REST views, /browse, the start page, the term lists, VoID, the linked-data pages and the
Service Description ran their queries in the server process, with no timeout, although every query is meant
to be killable. They now all go through the query workers: a timeout applies to each of them."""

from __future__ import annotations


import pytest
from fastapi.testclient import TestClient

from ppikg.store.graph import KnowledgeGraph
from ppikg.http import create_app
from ppikg.http.common import query_executor
from ppikg.config import Settings

EX = "https://w3id.org/ppikg/propuestas/ejemplo-dgb"
LIN = "https://w3id.org/ppikg/eli/mx/sep/lineamientos/2013/12/27/ppi-directores-ems/"
READS = [
    ("/queries/gaps", {}),
    ("/api/indicator", {"iri": f"{EX}/P1-1"}),
    ("/api/competency", {"iri": "https://w3id.org/ppikg/competencias/c4"}),
    ("/api/provision", {"iri": f"{LIN}lineamiento_7/fraccion_4"}),
    ("/api/gaps", {"proposal": EX}),
    ("/api/coverage", {}),
    ("/api/coverage.svg", {}),
    ("/browse", {}),
    ("/", {}),
    ("/.well-known/void", {}),
    ("/ontology", {}),
    ("/resource", {"iri": "http://www.w3.org/ns/prov#Entity"}),
    ("/competencias/c1", {}),
    ("/sparql", {}),
]


@pytest.fixture(scope="module")
def kg(shipped_store, tmp_path_factory):
    with KnowledgeGraph(shipped_store(tmp_path_factory.mktemp("reads") / "store")) as kg:
        yield kg


@pytest.mark.parametrize("path,params", READS, ids=[p for p, _ in READS])
def test_every_read_runs_in_a_worker_within_the_timeout(kg: KnowledgeGraph, path: str, params: dict) -> None:
    app = create_app(kg, settings=Settings(timeout=30))
    with TestClient(app) as client:
        executor = query_executor(app)
        before = executor.calls_run
        assert client.get(path, params=params).status_code == 200
        assert executor.calls_run > before  # it reached a worker
    hurried = create_app(kg, settings=Settings(timeout=1e-4))
    with TestClient(hurried) as client:
        r = client.get(path, params=params, headers={"Accept": "application/json"})
        assert r.status_code == 503, (r.status_code, r.text[:200])
