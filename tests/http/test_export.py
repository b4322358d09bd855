"""Researchers' access: streamed exports (/export) and the DCAT + VoID description (/.well-known/void)."""

from __future__ import annotations

import threading
import time
import tracemalloc

import httpx
import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.namespace import DCTERMS, VOID

from ppikg.store.graph import KnowledgeGraph
from ppikg.http import create_app
from ppikg.http.export import export_chunks
from ppikg.http.testing import serving_process
from ppikg.namespaces import GRAPH, LINEAMIENTOS

ASPECTOS = str(GRAPH["aspectos"])


@pytest.fixture(scope="module")
def kg(shipped_store, tmp_path_factory):
    with KnowledgeGraph(shipped_store(tmp_path_factory.mktemp("export") / "store")) as kg:
        yield kg


@pytest.fixture(scope="module")
def client(kg):
    return TestClient(create_app(kg))


@pytest.mark.parametrize("fmt,rdflib_fmt", [("ttl", "turtle"), ("nt", "nt"), ("nq", "nquads"), ("trig", "trig"),
                                           ("jsonld", "json-ld"), ("xml", "xml")])
def test_export_of_a_graph_parses_back(client: TestClient, kg: KnowledgeGraph, fmt: str, rdflib_fmt: str) -> None:
    r = client.get("/export", params={"format": fmt, "which": "asserted", "graph": ASPECTOS})
    assert r.status_code == 200
    assert r.headers["content-disposition"].startswith("attachment; filename=\"ppikg-asserted-aspectos.")
    ds = rdflib.Dataset()
    ds.parse(data=r.content, format=rdflib_fmt)
    assert len(set((s, p, o) for s, p, o, _ in ds.quads())) == dict(kg.graphs())[ASPECTOS]


def test_export_selection_and_errors(client: TestClient, kg: KnowledgeGraph) -> None:
    inferred = client.get("/export", params={"format": "nq", "which": "inferred"}).text
    assert f"<{GRAPH['inferred/base']}>" in inferred and f"<{ASPECTOS}>" not in inferred
    everything = client.get("/export", params={"format": "nq"}).text
    snapshot = kg.snapshot()  # every graph, and each kept version's content under its own graph name
    versions = sum(len(list(snapshot.quads(g))) for g in snapshot.version_graphs())
    assert versions > 0 and len(everything.splitlines()) == sum(n for g, n in kg.graphs()) + versions
    assert client.get("/export", params={"format": "docx"}).status_code == 400
    assert client.get("/export", params={"which": "some"}).status_code == 400
    assert client.get("/export", params={"graph": "https://w3id.org/ppikg/graph/nope"}).status_code == 404


@pytest.fixture(scope="module")
def big():
    """An in-memory graph of 100 000 triples (no inference)."""
    with KnowledgeGraph(None, reasoner="rules") as kg:
        lines = "".join(f"<http://example.org/big/s{i}> <http://example.org/big/p{i % 7}> \"value number {i}\" .\n"
                        for i in range(100_000))
        kg.add_graph("big", lines, "nt", infer=False)
        yield kg


@pytest.mark.parametrize("fmt", ["nt", "ttl"])
def test_export_streams_in_flat_memory(big: KnowledgeGraph, fmt: str) -> None:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        chunks = total = 0
        for chunk in export_chunks(big, fmt, "asserted", "big"):
            chunks += 1
            total += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert chunks > 10 and total > 5_000_000
    assert peak < total / 10, (peak, total)  # never the whole serialization at once


def test_abandoned_stream_stops_the_serializer(big: KnowledgeGraph) -> None:
    stream = export_chunks(big, "xml", "asserted", "big")
    assert next(stream)
    stream.close()  # the client went away: the worker thread must not block forever
    deadline = time.time() + 5
    while any(t.name == "ppikg-export" for t in threading.enumerate()) and time.time() < deadline:
        time.sleep(0.05)
    assert not any(t.name == "ppikg-export" for t in threading.enumerate())


def test_void(client: TestClient, kg: KnowledgeGraph) -> None:
    r = client.get("/.well-known/void")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    ds = rdflib.URIRef("http://testserver/.well-known/void#dataset")
    snapshot = kg.snapshot()
    versions = {g: sum(1 for _ in snapshot.quads(g)) for g in snapshot.version_graphs()}  # dumped under their names
    assert versions and int(g.value(ds, VOID.triples)) == sum(n for _, n in kg.graphs()) + sum(versions.values())
    assert int(g.value(ds, VOID.entities)) > 500
    assert g.value(ds, DCTERMS.license) == rdflib.URIRef("https://spdx.org/licenses/MIT.html")
    assert g.value(ds, DCTERMS.source) == rdflib.URIRef(str(LINEAMIENTOS))
    assert g.value(ds, VOID.sparqlEndpoint) == rdflib.URIRef("http://testserver/sparql")
    subsets = set(g.objects(ds, VOID.subset))
    assert subsets == {rdflib.URIRef(iri) for iri in [*dict(kg.graphs()), *versions]}
    for iri, n in versions.items():
        assert int(g.value(rdflib.URIRef(iri), VOID.triples)) == n
        for dump in g.objects(rdflib.URIRef(iri), VOID.dataDump):
            assert len(client.get(str(dump).removeprefix("http://testserver")).text.splitlines()) == n
    assert int(g.value(rdflib.URIRef(ASPECTOS), VOID.triples)) == dict(kg.graphs())[ASPECTOS]
    assert len(list(g.objects(ds, VOID.classPartition))) == len(kg.counts_by_class())
    dumps = {str(u) for u in g.objects(ds, VOID.dataDump)}
    assert "http://testserver/export?format=nq&which=all" in dumps
    assert g.value(ds, DCTERMS.hasVersion).value == f"data sha256:{kg.fingerprint()}"
    for dump in g.objects(rdflib.URIRef(ASPECTOS), VOID.dataDump):
        assert client.get(str(dump).removeprefix("http://testserver")).status_code == 200
    j = client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert j.headers["content-type"].startswith("application/ld+json")
    assert len(rdflib.Graph().parse(data=j.text, format="json-ld")) == len(g)


def test_void_and_term_lists_follow_writes(shipped_store, tmp_path) -> None:
    """The VoID description and a namespace's term list are computed once per store state (a scan at 1M):
    after a write they are computed again."""
    with KnowledgeGraph(shipped_store(tmp_path / "store")) as kg:
        client = TestClient(create_app(kg))
        ds = rdflib.URIRef("http://testserver/.well-known/void#dataset")

        def triples() -> int:
            g = rdflib.Graph().parse(data=client.get("/.well-known/void").text, format="turtle")
            return int(g.value(ds, VOID.triples))

        before = triples()
        assert triples() == before and "nuevoTermino" not in client.get("/ontology").text
        kg.add_graph("extra", "<https://w3id.org/ppikg/ontology#nuevoTermino> <http://www.w3.org/2000/01/rdf-schema#label> \"nuevo\"@es .",
                     "nt", infer=False)
        snapshot = kg.snapshot()
        kept = sum(sum(1 for _ in snapshot.quads(g)) for g in snapshot.version_graphs())
        assert triples() == sum(n for _, n in kg.graphs()) + kept > before
        assert "nuevoTermino" in client.get("/ontology").text


def test_concurrent_downloads_keep_the_server_up(shipped_store, tmp_path) -> None:
    """Regression: Starlette pulls each chunk of a download on whichever worker thread is free; a store
    iterator pulled from another thread than its own made pyo3 abort the whole server process. Eight clients
    download N-Quads (several chunks each) at once; every download is complete and the server stays up."""
    with KnowledgeGraph(shipped_store(tmp_path / "store")) as kg:
        kg.add_graph("grande", "\n".join(f"<http://e/s{i}> <http://e/p> \"{i}\" ." for i in range(12_000)), "nt",
                     infer=False)
        snapshot = kg.snapshot()  # the graphs, and the kept versions' contents under their own names
        expected = sum(n for _, n in kg.graphs()) + sum(len(list(snapshot.quads(g))) for g in snapshot.version_graphs())
    counts: list[int] = []
    errors: list[str] = []

    def download(base: str) -> None:
        for _ in range(3):
            try:
                with httpx.stream("GET", base + "/export", params={"format": "nq", "which": "all"}, timeout=60) as r:
                    body = b"".join(r.iter_bytes())
                counts.append(sum(1 for line in body.splitlines() if line.strip()))
            except httpx.HTTPError as e:
                errors.append(repr(e))
                return

    with serving_process(tmp_path / "store") as (base, proc):
        threads = [threading.Thread(target=download, args=(base,)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert proc.poll() is None, "the server exited"
        assert httpx.get(base + "/health").status_code == 200
    assert not errors and counts == [expected] * 24


def test_a_client_leaving_mid_download_stops_the_export(big: KnowledgeGraph) -> None:
    """The export's producer thread stops when the client goes away mid-download, not at some later garbage
    collection: it holds a store iterator and up to four chunks."""
    import gc

    from ppikg.http.testing import serving

    gc.disable()  # what is checked is that the response stops the export itself
    try:
        with serving(create_app(big)) as base:
            with httpx.stream("GET", base + "/export", params={"format": "ttl", "which": "asserted", "graph": "big"},
                              timeout=30) as r:
                assert r.status_code == 200
                next(r.iter_bytes())
            deadline = time.time() + 10
            while any(t.name == "ppikg-export" for t in threading.enumerate()) and time.time() < deadline:
                time.sleep(0.05)
            assert not any(t.name == "ppikg-export" for t in threading.enumerate())
    finally:
        gc.enable()
