"""Every write path infers the same: one proposal written by a Graph Store PUT, a Graph Store POST, a SPARQL
Update or `ppi import --load` (KnowledgeGraph.add_graph) gets the same inferences, so `/api/gaps` answers the
same for each."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from ppikg.config import Project, Settings
from ppikg.http import create_app
from ppikg.store.graph import KnowledgeGraph

TOKEN = "write-paths"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXAMPLE = (Project.default().examples_dir / "propuesta-ejemplo-dgb.ttl").read_text(encoding="utf-8")
PATHS = ("import", "gsp-put", "gsp-post", "update")


def proposal(path: str) -> tuple[str, str]:
    """The example under another name: its Turtle and its proposal IRI."""
    return EXAMPLE.replace("ejemplo-dgb", f"ruta-{path}"), f"https://w3id.org/ppikg/propuestas/ruta-{path}"


@pytest.fixture(scope="module")
def client(shipped_store, tmp_path_factory):
    store = shipped_store(tmp_path_factory.mktemp("write-paths") / "store")
    with KnowledgeGraph(store) as kg:
        kg.add_graph("propuestas/ruta-import", Graph().parse(data=proposal("import")[0], format="turtle"))
        app = create_app(kg, Settings(update_enabled=True, token=TOKEN))
        with TestClient(app) as c:
            graph = "https://w3id.org/ppikg/graph/propuestas/ruta-"
            r = c.put("/rdf-graphs/service", params={"graph": graph + "gsp-put"}, content=proposal("gsp-put")[0],
                      headers={"Content-Type": "text/turtle", **AUTH})
            assert r.status_code == 201, r.text
            r = c.post("/rdf-graphs/service", params={"graph": graph + "gsp-post"}, content=proposal("gsp-post")[0],
                       headers={"Content-Type": "text/turtle", **AUTH})
            assert r.status_code in (201, 204), r.text
            triples = Graph().parse(data=proposal("update")[0], format="turtle").serialize(format="nt")
            r = c.post("/sparql", content=f"INSERT DATA {{ GRAPH <{graph}update> {{ {triples} }} }}",
                       headers={"Content-Type": "application/sparql-update", **AUTH})
            assert r.status_code == 204, r.text
            yield c


def gaps(client: TestClient, path: str) -> object:
    iri = proposal(path)[1]
    r = client.get("/api/gaps", params={"proposal": iri})
    assert r.status_code == 200, r.text
    return json.loads(r.text.replace(f"ruta-{path}", "ruta"))


@pytest.mark.parametrize("path", PATHS[1:])
def test_gaps_are_the_same_whichever_path_wrote_the_proposal(client, path):
    assert gaps(client, path) == gaps(client, "import")


def test_a_proposal_written_by_the_graph_store_is_not_all_gaps(client):
    """A proposal written through the Graph Store Protocol gets its inferences: without them every competency
    would be a gap for it, and its gaps would differ from the shipped example's."""
    every = gaps(client, "gsp-put")
    assert every == gaps(client, "import")
    example = client.get("/api/gaps", params={"proposal": "https://w3id.org/ppikg/propuestas/ejemplo-dgb"})
    assert json.loads(example.text.replace("ejemplo-dgb", "ruta")) == every


def test_the_gaps_compared_are_those_a_proposal_leaves_not_every_item(client):
    """A proposal without indicators has every competency and attribute as a gap; the example, whichever path
    wrote it, covers about half of them: the gaps compared are its own."""
    bare = "https://w3id.org/ppikg/propuestas/sin-indicadores"
    r = client.put("/rdf-graphs/service", params={"graph": "https://w3id.org/ppikg/graph/propuestas/sin-indicadores"},
                   content=f"<{bare}> a <https://w3id.org/ppikg/ontology#Proposal> .",
                   headers={"Content-Type": "text/turtle", **AUTH})
    assert r.status_code == 201, r.text
    every = client.get("/api/gaps", params={"proposal": bare}).json()["results"]["bindings"]
    own = gaps(client, "gsp-put")["results"]["bindings"]  # type: ignore[index]
    assert 0 < len(own) < len(every), (len(own), len(every))
