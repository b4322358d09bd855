"""Every error of the service has one shape: ``{"error": str, "status": int, "code": str}``.

CASES lists, for every route of the app (``app.routes``), the look-up lane (http/lookups.py), HEAD and paths
no route serves, the error paths to drive; a route added without an error case here fails
``test_every_route_has_error_cases``.
"""

from __future__ import annotations

import dataclasses
import logging

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route

from ppikg.errors import code_for
from ppikg.store.graph import KnowledgeGraph
from ppikg.http import create_app
from ppikg.config import Settings
from ppikg.store.graph import PROVENANCE_GRAPH

TOKEN = "s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"Accept": "application/json"}
PNG = {"Accept": "image/png"}
TTL = {"Content-Type": "text/turtle"}
SETTINGS = Settings(timeout=5, max_results=100, max_body=2000, update_enabled=True, token=TOKEN, workers=1)
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ASK = "ASK { ?s ?p ?o }"
LOOKUP = "SELECT ?o WHERE { <http://e/s1> ?p ?o }"
NOPE = "https://w3id.org/ppikg/nope/x"


@dataclasses.dataclass(frozen=True)
class Case:
    method: str
    url: str
    status: int
    params: dict | None = None
    headers: dict | None = None
    content: bytes | str | None = None
    data: dict | None = None
    settings: dict | None = None  # changes to SETTINGS for this request

    def __str__(self) -> str:
        return f"{self.method} {self.url} {self.params or ''} → {self.status}"


def C(method: str, url: str, status: int, **kw) -> Case:
    return Case(method, url, status, **kw)


def post(url: str, status: int, **kw) -> Case:
    return Case("POST", url, status, **kw)


LD_PREFIXES = ("eli", "competencias", "aspectos", "subsistemas", "autoridades", "propuestas", "graph")
#: Route key (methods and path, as in app.routes; or a lane) → its error cases.
CASES: dict[str, list[Case]] = {
    "GET /sparql": [
        C("GET", "/sparql", 400, params={"query": "SELECT WHERE {"}),
        C("GET", "/sparql", 400, params={"query": [ASK, ASK]}),
        C("GET", "/sparql", 400, params={"update": "CLEAR ALL"}),
        C("GET", "/sparql", 400, params={"query": "SELECT * WHERE { SERVICE <http://e/> { ?s ?p ?o } }"}),
        C("GET", "/sparql", 406, params={"query": ASK}, headers=PNG),
        C("GET", "/sparql", 406, params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "csv"}),
        C("GET", "/sparql", 406, headers=PNG),  # the service description
        C("GET", "/sparql", 413, params={"query": "SELECT * WHERE { ?s ?p ?o . ?s ?q ?r }"}),
        C("GET", "/sparql", 503, params={"query": EXPLOSIVE}, settings={"timeout": 0.3}),
        C("PUT", "/sparql", 405, params={"query": ASK}),
        C("DELETE", "/sparql", 405),
    ],
    "POST /sparql": [
        post("/sparql", 415, content="ASK {}", headers={"Content-Type": "text/plain"}),
        post("/sparql", 415, content="ASK {}".encode("utf-16"),
             headers={"Content-Type": "application/sparql-query; charset=UTF-16"}),
        post("/sparql", 400, content=b"\xff\xfe", headers={"Content-Type": "application/sparql-query"}),
        post("/sparql", 413, content="ASK { " + "#" * 3000 + "\n}", headers={"Content-Type": "application/sparql-query"}),
        post("/sparql", 400, data={"query": ASK, "update": "CLEAR ALL"}),
        post("/sparql", 400, data={"nothing": "here"}),
        post("/sparql", 400, content=ASK, params={"query": ASK}, headers={"Content-Type": "application/sparql-query"}),
        post("/sparql", 403, data={"update": "CLEAR ALL"}, settings={"update_enabled": False}),
        post("/sparql", 401, data={"update": "CLEAR ALL"}),
        post("/sparql", 401, data={"update": "CLEAR ALL"}, headers={"Authorization": "Bearer wrong"}),
        post("/sparql", 403, data={"update": f"CLEAR GRAPH <{PROVENANCE_GRAPH}>"}, headers=AUTH),  # a reserved graph
        post("/sparql", 400, data={"update": "INSERT DATA {"}, headers=AUTH),
        post("/sparql", 400, data={"update": "LOAD <http://e/x>"}, headers=AUTH),
    ],
    "GET,HEAD /rdf-graphs/service": [
        C("GET", "/rdf-graphs/service", 400),
        C("GET", "/rdf-graphs/service", 400, params={"graph": "not an iri"}),
        C("GET", "/rdf-graphs/service", 404, params={"graph": "http://e/none"}),
        C("GET", "/rdf-graphs/service", 406, params={"default": ""}, headers=PNG),
        C("GET", "/rdf-graphs/service", 413, params={"default": ""}),
        C("HEAD", "/rdf-graphs/service", 404, params={"graph": "http://e/none"}),
        C("PATCH", "/rdf-graphs/service", 405, params={"default": ""}),
    ],
    "DELETE,POST,PUT /rdf-graphs/service": [
        C("PUT", "/rdf-graphs/service", 403, params={"graph": "http://e/g"}, content=b"", headers=TTL,
          settings={"update_enabled": False}),
        C("PUT", "/rdf-graphs/service", 401, params={"graph": "http://e/g"}, content=b"", headers=TTL),
        C("PUT", "/rdf-graphs/service", 415, params={"graph": "http://e/g"}, content=b"x",
          headers={"Content-Type": "application/pdf", **AUTH}),
        C("PUT", "/rdf-graphs/service", 400, params={"graph": "http://e/g"}, content=b"not rdf", headers={**TTL, **AUTH}),
        C("POST", "/rdf-graphs/service", 413, params={"graph": "http://e/g"}, content=b"#" * 3000, headers={**TTL, **AUTH}),
        C("POST", "/rdf-graphs/service", 400, content=b"", headers={**TTL, **AUTH}),
        C("DELETE", "/rdf-graphs/service", 404, params={"graph": "http://e/none"}, headers=AUTH),
        C("DELETE", "/rdf-graphs/service", 401, params={"graph": "http://e/none"}),
    ],
    "POST /validate": [
        post("/validate", 415, content=b"x", headers={"Content-Type": "application/pdf"}),
        post("/validate", 400, content=b"x", params={"lang": "fr"}, headers=TTL),
        post("/validate", 406, content=b"x", headers={**TTL, **PNG}),
        post("/validate", 413, content=b"#" * 3000, headers=TTL),
        post("/validate", 400, content=b"not turtle {", headers=TTL),
        post("/validate", 406, content=b"x", params={"format": "docx"}, headers=TTL),
        post("/validate", 400, content=b"--x\r\nnot a form", headers={"Content-Type": "multipart/form-data; boundary=x"}),
        C("PUT", "/validate", 405),
    ],
    "GET /validate": [
        C("GET", "/validate", 400),
        C("GET", "/validate", 400, params={"proposal": "sin-iri"}),
        C("GET", "/validate", 404, params={"proposal": "https://w3id.org/ppikg/propuestas/nope"}),
        C("GET", "/validate", 406, params={"proposal": "https://w3id.org/ppikg/propuestas/nope", "format": "docx"}),
    ],
    "GET /health": [post("/health", 405)],
    "GET /": [post("/", 405)],
    "GET /browse": [post("/browse", 405)],
    "GET /audit": [post("/audit", 405)],
    "GET /coverage": [post("/coverage", 405)],
    "GET /buscar": [post("/buscar", 405)],
    "GET /search": [post("/search", 405)],
    "GET /api/buscar": [
        C("GET", "/api/buscar", 400, params={"q": ""}),
        C("GET", "/api/buscar", 400, params={"q": "escuela", "limit": "mil"}),
        C("GET", "/api/buscar", 400, params={"q": "escuela", "kind": "ley"}),
    ],
    "GET /api/search": [C("GET", "/api/search", 400, params={"q": "x" * 5000}), post("/api/search", 405)],
    "GET /queries": [post("/queries", 405)],
    "GET /queries/{query_id}.rq": [C("GET", "/queries/nope.rq", 404)],
    "GET /queries/{query_id}": [
        C("GET", "/queries/nope", 404),
        C("GET", "/queries/competency", 400),
        C("GET", "/queries/competency", 400, params={"competency": "not an iri"}),
        C("GET", "/queries/competency", 400, params={"competncy": "http://e/x"}),
        C("GET", "/queries/gaps", 400, params={"format": "docx"}),
        C("GET", "/queries/gaps", 406, headers=PNG),
    ],
    **{f"GET /api/{view}": [
        C("GET", f"/api/{view}", 400),
        C("GET", f"/api/{view}", 400, params={name: "not an iri"}),
        C("GET", f"/api/{view}", 404, params={name: NOPE}),
    ] for view, name in (("indicator", "iri"), ("competency", "iri"), ("provision", "iri"), ("gaps", "proposal"))},
    "GET /api/coverage": [
        C("GET", "/api/coverage", 400, params={"format": "docx"}),
        C("GET", "/api/coverage", 406, headers={"Accept": "application/pdf"}),
    ],
    "GET /api/coverage.svg": [C("GET", "/api/coverage.svg", 400, params={"lang": "fr"})],
    "GET /api/coverage.png": [C("GET", "/api/coverage.png", 400, params={"lang": "fr"})],
    "GET /api/citations.svg": [C("GET", "/api/citations.svg", 400, params={"lang": "fr"})],
    "GET /api/citations.png": [C("GET", "/api/citations.png", 400, params={"lang": "fr"})],
    "GET /coverage/indicators": [
        C("GET", "/coverage/indicators", 400, headers=JSON),
        C("GET", "/coverage/indicators", 404, params={"proposal": NOPE, "competency": "https://w3id.org/ppikg/competencias/c1"},
          headers=JSON),
        C("GET", "/coverage/indicators", 400, params={"format": "docx"}),
    ],
    **{f"GET {path}": [
        C("GET", path, 400, params={"p": "ejemplo-dgb", "format": "json"}),
        C("GET", path, 404, params={"p": ["ejemplo-dgb", "nope"], "format": "json"}),
        C("GET", path, 400, params={"format": "docx"}),
    ] for path in ("/comparar", "/compare")},
    **{f"GET {path}": [C("GET", path, 400, params={"format": "docx"}), post(path, 405)] for path in ("/citas", "/citations")},
    "GET /export": [
        C("GET", "/export", 400, params={"format": "docx"}),
        C("GET", "/export", 400, params={"which": "some"}),
        C("GET", "/export", 400, params={"graph": "bad name!"}),
        C("GET", "/export", 404, params={"graph": "https://w3id.org/ppikg/graph/nope"}),
        C("HEAD", "/export", 400, params={"format": "docx"}),
    ],
    "GET /.well-known/void": [C("GET", "/.well-known/void", 406, headers=PNG)],
    "GET /resource": [
        C("GET", "/resource", 400),
        C("GET", "/resource", 400, params={"iri": "not an iri"}),
        C("GET", "/resource", 404, params={"iri": "http://e/unknown"}),
        C("GET", "/resource", 400, params={"iri": "http://e/s1", "format": "docx"}),
        C("GET", "/resource", 406, params={"iri": "http://e/s1"}, headers=PNG),
    ],
    **{f"GET /{doc}": [
        C("GET", f"/{doc}", 404, params={"term": "NoSuchTerm"}),
        C("GET", f"/{doc}", 400, params={"term": "a b"}),
    ] for doc in ("ontology", "shapes")},
    **{f"GET /{prefix}/{{rest:path}}": [
        C("GET", f"/{prefix}/nope", 404),
        C("GET", f"/{prefix}/nope", 404, headers={"Accept": "text/turtle"}),
        C("POST", f"/{prefix}/nope", 405),
    ] for prefix in LD_PREFIXES},
    "POST /propuestas": [
        post("/propuestas", 401, content="x", headers=TTL),
        post("/propuestas", 415, content="x", headers={**AUTH, "Content-Type": "text/n3"}),
        post("/propuestas", 400, content=" ", headers={**AUTH, **TTL}),
        post("/propuestas", 400, content="<a> <b> .", headers={**AUTH, **TTL}),
        post("/propuestas", 413, content="x" * 3000, headers={**AUTH, **TTL}),
    ],
    "GET /plantillas/{name}": [
        C("GET", "/plantillas/nope.xlsx", 404),
        C("GET", "/plantillas/propuesta-ppi.docx", 404),
        C("GET", "/plantillas/..%2Fcolumns.csv", 404),
    ],
    "GET /propuestas": [
        C("GET", "/propuestas", 400, params={"orden": "nada"}),
        C("GET", "/propuestas", 400, params={"format": "xyz"}),
        C("GET", "/propuestas", 406, headers=PNG),
    ],
    "GET /propuestas/{name:path}/versiones": [
        C("GET", "/propuestas/nope/versiones", 404),
        C("GET", "/propuestas/nope/versiones", 400, params={"format": "xyz"}),
        C("GET", "/propuestas/..%2Fx/versiones", 400),
    ],
    "GET /propuestas/{name:path}/versiones/{number:int}/contenido": [
        C("GET", "/propuestas/nope/versiones/1/contenido", 404),
        C("GET", "/propuestas/nope/versiones/1/contenido", 406, headers=PNG),
    ],
    "GET /propuestas/{name:path}/versiones/{number:int}/informe": [
        C("GET", "/propuestas/nope/versiones/1/informe", 404),
        C("GET", "/propuestas/nope/versiones/1/informe", 406, headers=PNG),
    ],
    "DELETE /propuestas/{name:path}/versiones/{number:int}": [
        C("DELETE", "/propuestas/nope/versiones/1", 401),
        C("DELETE", "/propuestas/nope/versiones/1", 404, headers=AUTH),
    ],
    "POST /propuestas/{name:path}/versiones/{number:int}/decisiones": [
        post("/propuestas/nope/versiones/1/decisiones", 401, data={"estado": "autorizada", "fecha": "2014-05-15"}),
        post("/propuestas/nope/versiones/1/decisiones", 400, headers=AUTH, data={"estado": "autorizada"}),
        post("/propuestas/nope/versiones/1/decisiones", 400, headers={**AUTH, "Content-Type": "application/json"},
             content="[1"),
        post("/propuestas/nope/versiones/1/decisiones", 404, headers=AUTH,
             data={"estado": "autorizada", "fecha": "2014-05-15", "acto": "X"}),
    ],
    "GET /propuestas/{name:path}/diferencias": [
        C("GET", "/propuestas/nope/diferencias", 404),
        C("GET", "/propuestas/nope/diferencias", 400, params={"format": "xyz"}),
    ],
    "MOUNT /static": [C("GET", "/static/nope.js", 404), post("/static/ui.js", 405)],
    # FastAPI's own pages
    "GET,HEAD /openapi.json": [post("/openapi.json", 405)],
    # Not in app.routes: the look-up lane in front of the stack, HEAD for every GET, paths no route serves.
    "lane: look-ups": [
        C("GET", "/sparql", 406, params={"query": LOOKUP}, headers=PNG),
        C("GET", "/sparql", 406, params={"query": LOOKUP, "format": "ttl"}),  # a format, but not of results
        C("GET", "/sparql", 400, params={"query": "SELECT ?o WHERE { <a b> ?p ?o }"}),
        C("GET", "/sparql", 413, params={"query": "SELECT ?s WHERE { ?s <http://e/p1> ?o }"}),
    ],
    "lane: HEAD": [C("HEAD", "/nope", 404), C("HEAD", "/api/indicator", 400), C("HEAD", "/competencias/c99", 404)],
    "lane: unknown path": [C("GET", "/nope", 404), C("DELETE", "/nope", 404), C("GET", "/api", 404)],
}
LANES = {key for key in CASES if key.startswith("lane: ")}
ALL = [case for cases in CASES.values() for case in cases]


def routes(container) -> list:
    """Every route of an app or router, included routers walked (FastAPI keeps them as a lazy wrapper)."""
    found = []
    for route in container.routes:
        included = getattr(route, "original_router", None)
        found += routes(included) if included is not None else [route]
    return found


def route_keys(app: FastAPI) -> set[str]:
    keys = set()
    for route in routes(app):
        if isinstance(route, Mount):
            keys.add(f"MOUNT {route.path}")
        elif isinstance(route, (APIRoute, Route)):
            keys.add(f"{','.join(sorted(route.methods))} {route.path}")
        else:  # a kind of route this test does not know: list it
            keys.add(repr(route))
    return keys


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    kg = KnowledgeGraph(tmp_path_factory.mktemp("errors"))
    nt = "".join(f"<http://e/s{i}> <http://e/p{i % 7}> <http://e/o{i % 50}> .\n" for i in range(3000))
    kg.add_graph("demo", nt, "nt", infer=False)
    yield create_app(kg, settings=SETTINGS)
    kg.close()


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as c:
        yield c


def send(client: TestClient, case: Case):
    app = client.app
    if case.settings:
        app.state.settings = dataclasses.replace(SETTINGS, **case.settings)
    try:
        return client.request(case.method, case.url, params=case.params, content=case.content, data=case.data,
                              headers={**JSON, **(case.headers or {})})
    finally:
        app.state.settings = SETTINGS


def assert_one_shape(r, status: int) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json"), r.headers["content-type"]
    if r.request.method == "HEAD":
        assert r.content == b""
        return
    body = r.json()
    assert set(body) == {"error", "status", "code"}, body
    assert isinstance(body["error"], str) and body["error"].strip()
    assert body["status"] == status and body["code"] == code_for(status)
    assert "Traceback" not in r.text


def test_every_route_has_error_cases(app) -> None:
    listed = set(CASES) - LANES
    keys = route_keys(app)
    assert keys - listed == set(), "routes without an error case in CASES"
    assert listed - keys == set(), "CASES names routes the app no longer has"
    assert all(CASES.values())


@pytest.mark.parametrize("case", ALL, ids=str)
def test_error_has_the_one_shape(client, case: Case) -> None:
    r = send(client, case)
    assert_one_shape(r, case.status)
    if case.status == 401:
        assert r.headers["www-authenticate"] == "Bearer"
    if case.status == 405:
        assert r.headers["allow"]
    if case.status == 503:
        assert r.headers["retry-after"]


def test_pages_answer_errors_as_pages_to_browsers(client) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    for method, url in [("GET", "/competencias/c99"), ("GET", "/resource?iri=not%20an%20iri"), ("POST", "/browse")]:
        page = client.request(method, url, headers=browser)
        api = client.request(method, url, headers=JSON)
        assert page.headers["content-type"].startswith("text/html") and page.status_code == api.status_code
        assert api.json()["error"] in page.text.replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'")
    # Routes whose success answer is not a page answer JSON to browsers too; RDF clients get JSON on pages.
    assert client.get("/api/indicator", headers=browser).headers["content-type"].startswith("application/json")
    assert client.get("/nope", headers=browser).headers["content-type"].startswith("text/html")  # a page for a person
    assert client.get("/nope").headers["content-type"].startswith("application/json")
    rdf = client.get("/competencias/c99", headers={"Accept": "text/turtle"})
    assert rdf.status_code == 404 and rdf.json()["code"] == "not-found"
    assert client.get("/competencias/c99", params={"format": "ttl"}).json()["status"] == 404


@pytest.fixture(scope="module")
def broken(app):
    """The app with two routes of its own: one that fails unexpectedly, one whose parameter FastAPI checks."""
    extra = create_app(app.state.kg, settings=SETTINGS)

    @extra.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals /home/ppikg/var")

    @extra.get("/typed")
    def typed(n: int) -> dict:
        return {"n": n}

    with TestClient(extra, raise_server_exceptions=False) as c:
        yield c


def test_an_unexpected_error_is_a_500_in_the_one_shape_and_logged(broken, caplog) -> None:
    with caplog.at_level(logging.ERROR, logger="ppikg.http"):
        r = broken.get("/boom")
    assert_one_shape(r, 500)
    assert "secret internals" not in r.text and "RuntimeError" not in r.text
    assert any("secret internals" in str(rec.exc_info[1]) for rec in caplog.records if rec.exc_info)


def test_a_request_fastapi_cannot_read_is_a_400(broken) -> None:
    r = broken.get("/typed", params={"n": "three"})
    assert_one_shape(r, 400)
    assert "n" in r.json()["error"]
