"""`ppi serve` and the other commands on a remote store (--store-endpoint …): the SPARQL endpoint with its safety
checks, canned queries, REST views, VoID, export, updates, and import, validation by IRI and versions."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx
import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from ppikg.http.testing import serving_process
from ppikg.sparql import canned
from ppikg.store.remote import REFRESH

SELECT = "SELECT ?c ?n WHERE { ?c a ppi:Competency ; skos:notation ?n } ORDER BY ?c"


@pytest.fixture
def served(remote, tmp_path):
    server, kg = remote
    with serving_process(str(tmp_path / "unused"), *server.cli_args(), "--update", "--token", "t0k3n",
                         env=server.env()) as (url, _):
        yield server, kg, url


def test_the_endpoint_answers_from_the_remote_store(served, embedded_kg):
    _, kg, url = served
    client = SPARQLWrapper(url + "/sparql")
    client.setQuery(SELECT)
    client.setReturnFormat(JSON)
    rows = [(b["c"]["value"], b["n"]["value"]) for b in client.query().convert()["results"]["bindings"]]
    assert rows == [(r["c"], r["n"]) for r in embedded_kg.query_rows(SELECT)[1]] and len(rows) == 6
    refused = httpx.post(url + "/sparql", data={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"})
    assert refused.status_code == 400 and "SERVICE" in refused.text
    coverage = httpx.get(url + "/queries/coverage", headers={"Accept": "application/sparql-results+json"})
    assert coverage.status_code == 200
    expected = canned.run_rows(embedded_kg, canned.get_query(kg.project, "coverage"))[1]
    got = [{k: v["value"] for k, v in b.items()} for b in coverage.json()["results"]["bindings"]]
    assert got == [{k: v for k, v in r.items() if v is not None} for r in expected]
    view = httpx.get(url + "/api/competency", params={"iri": "https://w3id.org/ppikg/competencias/c4"},
                     headers={"Accept": "application/sparql-results+json"})
    assert view.status_code == 200 and view.json()["results"]["bindings"], view.text
    report = httpx.get(url + "/validate", params={"proposal": "https://w3id.org/ppikg/propuestas/ejemplo-dgb", "format": "json"})
    assert report.status_code == 200 and report.json()["conforms"] is True, report.text
    assert httpx.get(url + "/.well-known/void", headers={"Accept": "text/turtle"}).status_code == 200
    dump = httpx.get(url + "/export", params={"format": "nq", "which": "asserted"})
    assert dump.status_code == 200 and b"/graph/lineamientos>" in dump.content


def test_updates_go_to_the_remote_store(served):
    server, kg, url = served
    graph = "https://w3id.org/ppikg/graph/prueba-remota"
    update = f'INSERT DATA {{ GRAPH <{graph}> {{ <http://e/a> <http://e/p> "uno"@es }} }}'
    response = httpx.post(url + "/sparql", data={"update": update}, headers={"Authorization": "Bearer t0k3n"})
    assert response.status_code in (200, 204), response.text
    ask = httpx.post(url + "/sparql", data={"query": 'ASK { <http://e/a> <http://e/p> "uno"@es }'},
                     headers={"Accept": "application/sparql-results+json"})
    assert ask.json()["boolean"] is True
    time.sleep(REFRESH)  # another process wrote: this one reads the state again past REFRESH
    assert graph in kg.added_graphs() and graph in kg.snapshot().graph_names()
    put = httpx.put(url + "/rdf-graphs/service", params={"graph": graph}, content=b"<http://e/b> <http://e/p> <http://e/c> .",
                    headers={"Content-Type": "application/n-triples", "Authorization": "Bearer t0k3n"})
    assert put.status_code in (200, 201, 204), put.text
    read = httpx.get(url + "/rdf-graphs/service", params={"graph": graph}, headers={"Accept": "application/n-triples"})
    assert read.status_code == 200 and read.text.strip() == "<http://e/b> <http://e/p> <http://e/c> ."
    dropped = httpx.post(url + "/sparql", data={"update": f"DROP GRAPH <{graph}>"}, headers={"Authorization": "Bearer t0k3n"})
    assert dropped.status_code in (200, 204), dropped.text
    time.sleep(REFRESH)
    assert graph not in kg.added_graphs() and graph not in kg.snapshot().graph_names()
    assert not bool(kg.query('ASK { <http://e/a> <http://e/p> "uno"@es }'))
    everything = httpx.post(url + "/sparql", data={"update": "DROP ALL"}, headers={"Authorization": "Bearer t0k3n"})
    assert everything.status_code in (400, 403) and kg.graphs(), everything.text


def _ppi(server, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ppikg", *args, *server.cli_args()], capture_output=True, text=True,
                          env=server.env(), timeout=120)


def test_commands_read_and_write_the_remote_store(oxigraph, embedded_kg, project, tmp_path):
    server, kg = oxigraph
    out = _ppi(server, "query", SELECT, "--format", "json")
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)["results"]["bindings"]) == 6
    info = _ppi(server, "info", "--json")
    assert info.returncode == 0 and json.loads(info.stdout)["graphs"] == dict(embedded_kg.graphs())
    workbook = project.root / "data" / "templates" / "propuesta-ejemplo-dgb.xlsx"
    loaded = _ppi(server, "import", str(workbook), "--load")
    assert loaded.returncode == 0, loaded.stderr
    proposal = "https://w3id.org/ppikg/propuestas/ejemplo-dgb"
    checked = _ppi(server, "validate", proposal, "--format", "json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert json.loads(checked.stdout)["conforms"] is True
    history = _ppi(server, "history", proposal)
    assert history.returncode == 0 and "1" in history.stdout, history.stderr
    added = kg.added_graphs()
    assert added, "the import added no graph"
    assert any(g.startswith("https://w3id.org/ppikg/graph/inferred/") for g in kg.snapshot().graph_names()
               if g.endswith(added[0].rsplit("/", 1)[-1]))


def test_the_password_comes_only_from_a_file_or_the_environment(oxigraph, tmp_path):
    server, _ = oxigraph
    usage = subprocess.run([sys.executable, "-m", "ppikg", "info", "--help"], capture_output=True, text=True, timeout=60)
    assert "--store-password-file" in usage.stdout and "--store-password " not in usage.stdout
    empty = tmp_path / "password"
    empty.write_text("secreto\n", encoding="utf-8")
    needs_user = subprocess.run([sys.executable, "-m", "ppikg", "info", *server.cli_args(), "--store-password-file",
                                 str(empty)], capture_output=True, text=True, timeout=60)
    assert needs_user.returncode == 2 and "--store-user" in needs_user.stderr and "secreto" not in needs_user.stderr


def test_a_wrong_password_is_refused_and_never_shown(virtuoso, project):
    server, _ = virtuoso
    workbook = project.root / "data" / "templates" / "propuesta-ejemplo-dgb.xlsx"
    out = subprocess.run([sys.executable, "-m", "ppikg", "import", str(workbook), "--load", *server.cli_args()],
                         capture_output=True, text=True, timeout=120,
                         env={**server.env(), "PPIKG_STORE_PASSWORD": "no-es-la-clave"})
    assert out.returncode != 0 and "401" in out.stderr, out.stderr
    assert "no-es-la-clave" not in out.stderr + out.stdout and "Traceback" not in out.stderr
