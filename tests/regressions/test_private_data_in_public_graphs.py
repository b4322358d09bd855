"""The store's bookkeeping graph (graph/meta) was public: /sparql, /export and the linked-data pages showed the
server's file paths (file:///…/data/acuerdo-449.ttl, the uploader's local path) and the OS user name. The
bookkeeping is now kept beside the store; the public provenance names a file by its name and SHA-256 and a
writer by its authenticated role only; VoID counts what the dumps contain."""

from __future__ import annotations

import getpass
import hashlib
from pathlib import Path

import rdflib
from fastapi.testclient import TestClient

from ppikg.config import Project
from ppikg.store.graph import PROVENANCE_GRAPH, KnowledgeGraph
from ppikg.http import create_app
from ppikg.config import Settings
from ppikg.store.catalog import UPDATE_ROLE

TOKEN = "s3cret"
UPLOAD = b"<http://e/a> <http://e/p> <http://e/b> .\n"


def test_no_server_path_or_account_is_published(shipped_store, tmp_path: Path) -> None:
    store = shipped_store(tmp_path / "store")
    upload = tmp_path / "home" / "someone" / "mi-propuesta.nt"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(UPLOAD)
    with KnowledgeGraph(store) as kg:
        kg.add_graph("propuestas/mia", upload)
        client = TestClient(create_app(kg, settings=Settings(update_enabled=True, token=TOKEN)))
        r = client.put("/rdf-graphs/service", params={"graph": "urn:x:otra"}, content=UPLOAD,
                       headers={"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 201
        dump = client.get("/export", params={"format": "nq", "which": "all"}).text
        everything = client.get("/sparql", params={"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"},
                                headers={"Accept": "text/csv"}).text
        page = client.get("/resource", params={"iri": "https://w3id.org/ppikg/graph/propuestas/mia"}).text
        user = getpass.getuser()
        for text in (dump, everything, page):
            assert "file:" not in text
            assert str(tmp_path) not in text and str(Project.default().root) not in text
            assert f'"{user}"' not in text and f"/user/{user}" not in text
            assert "https://w3id.org/ppikg/graph/meta" not in text
        # What a reader needs is there: the file's name and digest, the time, the role of a token writer.
        _, rows = kg.query_rows(f"""SELECT ?name ?sha ?when WHERE {{ GRAPH <{PROVENANCE_GRAPH}> {{
            <https://w3id.org/ppikg/graph/propuestas/mia> prov:wasDerivedFrom ?f ; prov:generatedAtTime ?when .
            ?f dcterms:title ?name ; ppi:sha256 ?sha }} }}""")
        assert rows[0]["name"] == "mi-propuesta.nt" and rows[0]["sha"] == hashlib.sha256(UPLOAD).hexdigest()
        assert kg.query_rows(f"ASK {{ GRAPH <{PROVENANCE_GRAPH}> {{ <urn:x:otra> prov:wasAttributedTo <{UPDATE_ROLE}> }} }}")[1] \
            == [{"ask": "true"}]
        assert "mi-propuesta.nt" in page


def test_void_counts_what_the_dumps_contain(shipped_store, tmp_path: Path) -> None:
    with KnowledgeGraph(shipped_store(tmp_path / "store")) as kg:
        client = TestClient(create_app(kg))
        void = rdflib.Graph().parse(data=client.get("/.well-known/void").text, format="turtle")
        void_ns = rdflib.Namespace("http://rdfs.org/ns/void#")
        dataset = next(void.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset")))
        dump = client.get("/export", params={"format": "nq", "which": "all"}).text
        assert int(void.value(dataset, void_ns.triples)) == len(dump.splitlines())
        for subset in void.objects(dataset, void_ns.subset):
            lines = [line for line in dump.splitlines() if line.endswith(f"<{subset}> .")]
            assert int(void.value(subset, void_ns.triples)) == len(lines), subset
