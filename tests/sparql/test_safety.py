"""Safe by default: no request leaves the server, queries are stopped at the timeout, results and bodies are
bounded, the event loop keeps answering, updates are off unless enabled with a token.

Each protection has a test that fails without it; the "control" tests show that pyoxigraph on its own would
indeed reach a remote IRI, so that the refusals are what keeps the recorder silent. All traffic is to 127.0.0.1.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import psutil
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from ppikg.errors import InputError
from ppikg.store.graph import KnowledgeGraph
from ppikg.http import create_app
from ppikg.http.sparql import query_executor
from ppikg.config import Settings
from ppikg.http.testing import serving
from ppikg.sparql.safety import analyse

DEMO = "https://w3id.org/ppikg/graph/demo"
TOKEN = "s3cret"
#: Every triple joined with every other, three times over: ~2.7e10 rows for 3,000 triples.
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


class Recorder:
    """A local HTTP server that counts the requests it receives (stands for 'a remote site')."""

    def __init__(self) -> None:
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                hits.append(self.path)
                body = b"<http://e/x> <http://e/y> <http://e/z> ."
                self.send_response(200)
                self.send_header("Content-Type", "application/n-triples")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def recorder():
    r = Recorder()
    yield r
    r.server.shutdown()


@pytest.fixture(scope="module")
def kg(tmp_path_factory):
    kg = KnowledgeGraph(tmp_path_factory.mktemp("safety"))
    nt = "".join(f"<http://e/s{i}> <http://e/p{i % 7}> <http://e/o{i % 50}> .\n" for i in range(3000))
    kg.add_graph("demo", nt, "nt", infer=False)
    yield kg
    kg.close()


@pytest.fixture(scope="module")
def client(kg):
    with TestClient(create_app(kg, settings=Settings(timeout=5, max_results=100, max_body=2000))) as c:
        yield c


@pytest.fixture(scope="module")
def writer(tmp_path_factory):
    kg = KnowledgeGraph(tmp_path_factory.mktemp("safety-update"))
    kg.add_graph("demo", "<http://e/a> <http://e/p> <http://e/b> .", "nt", infer=False)
    with TestClient(create_app(kg, settings=Settings(update_enabled=True, token=TOKEN))) as c:
        yield c
    kg.close()


#: The timeout of the real server: an explosive query runs that long, and /health must answer meanwhile.
TIMEOUT = 2


@pytest.fixture(scope="module")
def served(kg):
    """The real server with a short timeout, and its app."""
    app = create_app(kg, settings=Settings(timeout=TIMEOUT, max_results=100))
    with serving(app) as url:
        yield url, app


@pytest.fixture(scope="module")
def server(served):
    return served[0]


# --- control: pyoxigraph alone would go out -------------------------------------------------------------------


def test_control_pyoxigraph_alone_fetches_service_and_load(recorder):
    store = ox.Store()
    try:
        list(store.query(f"SELECT * WHERE {{ SERVICE <{recorder.url}/service> {{ ?s ?p ?o }} }}"))
    except Exception:
        pass
    try:
        store.update(f"LOAD <{recorder.url}/load.nt>")
    except Exception:
        pass
    assert any(p.startswith("/service") for p in recorder.hits) and "/load.nt" in recorder.hits
    recorder.hits.clear()


# --- SERVICE, LOAD, datasets ------------------------------------------------------------------------------------


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <{url}/q> {{ ?s ?p ?o }} }}",
    "select * where {{ service silent <{url}/q> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE # a comment\n <{url}/q> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\u0053ERVICE <{url}/q> {{ ?s ?p ?o }} }}",
    "PREFIX r: <{url}/> SELECT * WHERE {{ SERVICE r:q {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE <{url}/q> {{ ?s ?p ?x }} }} }}",
])
def test_service_is_refused_before_running(client, recorder, template):
    r = client.get("/sparql", params={"query": template.format(url=recorder.url)})
    assert r.status_code == 400 and "SERVICE" in r.json()["error"]
    assert recorder.hits == []


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { ?s ?p 'SERVICE <http://127.0.0.1:9/> LOAD FROM' } LIMIT 1",
    "SELECT * WHERE { ?s ?p ?o } LIMIT 1 # SERVICE <http://127.0.0.1:9/>",
    "PREFIX service: <http://e/> SELECT ?service WHERE { ?service service:load ?o } LIMIT 1",
    'SELECT * WHERE { ?s ?p """multi\nline FROM <http://127.0.0.1:9/> SERVICE""" } LIMIT 1',
    "SELECT * WHERE { <http://e/SERVICE> ?p ?o } LIMIT 1",
])
def test_words_in_strings_comments_and_names_are_not_refused(client, query):
    assert client.get("/sparql", params={"query": query}).status_code == 200


def test_from_a_graph_outside_the_store_is_refused(client, recorder):
    for q in [f"SELECT * FROM <{recorder.url}/g> WHERE {{ ?s ?p ?o }}",
              f"SELECT * FROM NAMED <{recorder.url}/g> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
              f"PREFIX r: <{recorder.url}/> ASK FROM r:g {{ ?s ?p ?o }}"]:
        r = client.get("/sparql", params={"query": q})
        assert r.status_code == 400 and "no es un grafo de este almacén" in r.json()["error"], q
    ok = client.get("/sparql", params={"query": f"ASK FROM <{DEMO}> {{ <http://e/s1> ?p ?o }}"})
    assert ok.status_code == 200 and ok.json()["boolean"] is True
    assert recorder.hits == []


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
def test_protocol_dataset_outside_the_store_is_refused(client, recorder, param):
    r = client.get("/sparql", params={"query": "ASK {}", param: f"{recorder.url}/g"})
    assert r.status_code == 400 and "no es un grafo de este almacén" in r.json()["error"]
    assert client.get("/sparql", params={"query": "ASK {}", param: DEMO}).status_code == 200


def test_load_is_refused_and_using_fetches_nothing(writer, recorder):
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"}
    r = writer.post("/sparql", content=f"LOAD <{recorder.url}/load.nt>", headers=auth)
    assert r.status_code == 400 and "LOAD" in r.json()["error"]
    r = writer.post("/sparql", content=f"load silent <{recorder.url}/x> into graph <http://e/g>", headers=auth)
    assert r.status_code == 400
    # USING names a graph to read from the store, never a document to fetch.
    r = writer.post("/sparql", content=f"INSERT {{ ?s a <http://e/T> }} USING <{recorder.url}/u> WHERE {{ ?s ?p ?o }}",
                    headers=auth)
    assert r.status_code == 204
    assert recorder.hits == []


def test_analysis_reads_prefixed_and_relative_dataset_iris():
    a = analyse("BASE <http://e/> PREFIX x: <http://x/> SELECT * FROM <g> FROM NAMED x:h { }")
    assert a.dataset == [("FROM", "http://e/g"), ("FROM NAMED", "http://x/h")] and a.form == "SELECT"
    assert analyse("SELECT * FROM nope:g {}").unresolved == ["FROM nope:g"]


# --- timeout, event loop ------------------------------------------------------------------------------------------


def test_timeout_stops_the_query_and_the_server_keeps_answering(served):
    server, app = served
    executor = query_executor(app)
    assert executor.ready(timeout=60)
    pids = executor.worker_pids()
    with ThreadPoolExecutor(2) as pool:
        slow = pool.submit(httpx.get, server + "/sparql", params={"query": EXPLOSIVE}, timeout=30)
        time.sleep(0.3)  # the query is running
        health = httpx.get(server + "/health", timeout=30)
        assert health.status_code == 200 and not slow.done()  # answered while the query ran, not after it
        r = slow.result()
    # Stopped at the timeout: the query alone would run far longer.
    assert r.status_code == 503 and "límite" in r.json()["error"]
    # The worker that ran it is gone (killed, not left computing), and the pool answers again.
    gone = [pid for pid in pids if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE]
    assert gone
    ok = httpx.get(server + "/sparql", params={"query": "ASK { <http://e/s1> ?p ?o }"}, timeout=30)
    assert ok.status_code == 200 and ok.json()["boolean"] is True


def test_event_loop_serves_while_queries_run(server):
    """Two explosive queries never seen (one runs, the other waits its turn: together they may hold one worker
    of two), and `/health` still answers at once. Different texts: one just stopped at the timeout is refused
    at once when sent again."""
    texts = [EXPLOSIVE.replace("?i", f"?i{i}") for i in range(2)]
    assert texts[0] != texts[1] != EXPLOSIVE
    with ThreadPoolExecutor(3) as pool:
        slow = [pool.submit(httpx.get, server + "/sparql", params={"query": text}, timeout=60) for text in texts]
        time.sleep(0.3)  # both queries are running
        for _ in range(3):
            assert httpx.get(server + "/health", timeout=30).status_code == 200
        assert not any(f.done() for f in slow)  # health answered while both ran, without waiting for either
        assert [f.result().status_code for f in slow] == [503, 503]


# --- sizes ----------------------------------------------------------------------------------------------------


def test_result_size_limit(client):
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }", "lang": "en"})
    assert r.status_code == 413 and "100 rows" in r.json()["error"]
    r = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "lang": "en"})
    assert r.status_code == 413 and "triples" in r.json()["error"]
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 100"})
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 100


def test_request_body_limit(client):
    q = "ASK { " + "#" * 3000 + "\n}"
    r = client.post("/sparql", content=q, headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413
    r = client.post("/sparql", data={"query": q})
    assert r.status_code == 413


# --- updates --------------------------------------------------------------------------------------------------------


def test_updates_are_off_by_default(client, kg):
    before = kg.graphs()
    for r in [client.post("/sparql", content="CLEAR ALL", headers={"Content-Type": "application/sparql-update"}),
              client.post("/sparql", data={"update": "DROP ALL"}),
              client.put(f"/rdf-graphs/service?graph={DEMO}", content=b"", headers={"Content-Type": "text/turtle"}),
              client.delete(f"/rdf-graphs/service?graph={DEMO}")]:
        assert r.status_code == 403 and "desactivadas" in r.json()["error"]
    assert kg.graphs() == before


def test_updates_need_the_token(writer):
    update = "INSERT DATA { GRAPH <http://e/g> { <http://e/new> <http://e/p> 1 } }"
    for headers in [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}]:
        r = writer.post("/sparql", content=update, headers={"Content-Type": "application/sparql-update", **headers})
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    ask = {"query": "ASK { <http://e/new> ?p ?o }"}
    assert writer.get("/sparql", params=ask).json()["boolean"] is False
    r = writer.post("/sparql", content=update,
                    headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 204
    assert writer.get("/sparql", params=ask).json()["boolean"] is True


def test_serve_update_without_token_is_a_usage_error(capsys):
    from ppikg.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--update", "--memory"])
    assert exit_.value.code == 2 and "--token" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--timeout", "0"])
    assert exit_.value.code == 2


# --- RDF bodies that would reach out: remote JSON-LD contexts, XML external entities --------------------------


def _gsp_put(writer, body: bytes, media: str):
    return writer.put("/rdf-graphs/service?graph=https://w3id.org/ppikg/graph/uploaded", content=body,
                      headers={"Content-Type": media, "Authorization": f"Bearer {TOKEN}"})


def test_jsonld_remote_context_in_an_upload_is_refused(writer, recorder):
    doc = json.dumps({"@context": recorder.url + "/context.jsonld", "@id": "http://e/a", "name": "x"}).encode()
    r = _gsp_put(writer, doc, "application/ld+json")
    assert r.status_code == 400 and "context" in r.json()["error"].lower()
    assert recorder.hits == []


def test_xml_external_entity_in_an_upload_is_refused(writer, recorder):
    xml = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{recorder.url}/xxe">]>'
           '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e/">'
           '<rdf:Description rdf:about="http://e/a"><e:p>&x;</e:p></rdf:Description></rdf:RDF>').encode()
    r = _gsp_put(writer, xml, "application/rdf+xml")
    assert r.status_code == 400
    assert recorder.hits == []


def test_xml_external_entity_in_a_workbook_is_refused(tmp_path, recorder, project):
    """A workbook is XML in a zip: an entity in a sheet must not be fetched nor expanded."""
    import zipfile

    from ppikg.proposals.importer import import_proposal

    source = project.templates_dir / "propuesta-ejemplo-dgb.xlsx"
    bad = tmp_path / "xxe.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = f'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "{recorder.url}/xxe">]>'.encode() + data
            zout.writestr(item, data)
    with pytest.raises(InputError):
        import_proposal(bad)
    assert recorder.hits == []


# --- updates may not change the project's own graphs ------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped_writer(shipped_store, tmp_path_factory):
    """An update-enabled service over the shipped data (ontology, provisions, inferences, examples)."""
    kg = KnowledgeGraph(shipped_store(tmp_path_factory.mktemp("safety-shipped") / "store"))
    with TestClient(create_app(kg, settings=Settings(update_enabled=True, token=TOKEN))) as c:
        yield c, kg
    kg.close()


ONTOLOGY = "https://w3id.org/ppikg/graph/ontology"


@pytest.mark.parametrize("update", [
    f"DROP GRAPH <{ONTOLOGY}>",
    "CLEAR ALL",
    "DROP SILENT NAMED",
    "PREFIX g: <https://w3id.org/ppikg/graph/> INSERT DATA { GRAPH g:lineamientos { <http://e/x> <http://e/p> 1 } }",
    "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }",
    f"COPY <https://w3id.org/ppikg/graph/mine> TO <{ONTOLOGY}>",
])
def test_updates_cannot_touch_the_projects_own_graphs(shipped_writer, update):
    client, kg = shipped_writer
    before = dict(kg.graphs())
    r = client.post("/sparql", content=update.encode(),
                    headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 403, r.text
    assert dict(kg.graphs()) == before


def test_graph_store_cannot_replace_a_projects_graph(shipped_writer):
    client, kg = shipped_writer
    before = dict(kg.graphs())[ONTOLOGY]
    r = client.put(f"/rdf-graphs/service?graph={ONTOLOGY}", content=b"<http://e/a> <http://e/b> <http://e/c> .",
                   headers={"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 403 and dict(kg.graphs())[ONTOLOGY] == before


def test_updates_to_other_graphs_still_work(shipped_writer):
    client, kg = shipped_writer
    r = client.post("/sparql", headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
                    content=b"INSERT DATA { GRAPH <https://w3id.org/ppikg/graph/mine> { <http://e/a> <http://e/b> 1 } }")
    assert r.status_code == 204
    assert dict(kg.graphs())["https://w3id.org/ppikg/graph/mine"] == 1
