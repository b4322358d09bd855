"""What a client sets in its headers does not become what the server says about itself: the service
description names the endpoint by the server's own address (or ``--public-url``), never by the ``Host``
header; and no page of the service loads scripts from elsewhere (FastAPI's /docs would, from a CDN)."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import rdflib

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")


def endpoints(url: str, **headers: str) -> set[str]:
    r = httpx.get(url + "/sparql", headers={"Accept": "text/turtle", **headers}, timeout=30)
    assert r.status_code == 200
    return {str(o) for o in rdflib.Graph().parse(data=r.text, format="turtle").objects(None, SD.endpoint)}


def test_the_service_description_does_not_echo_the_host_header(served):
    own = f"http://127.0.0.1:{urlsplit(served.url).port}/sparql"
    assert endpoints(served.url) == {own}
    assert endpoints(served.url, Host="evil.example") == {own}


def test_a_query_base_is_not_the_host_header(served):
    r = httpx.get(served.url + "/sparql", params={"query": "SELECT (<x> AS ?base) {}"}, timeout=30,
                  headers={"Host": "evil.example", "Accept": "application/sparql-results+json"})
    (row,) = r.json()["results"]["bindings"]
    assert "evil.example" not in row["base"]["value"]


def test_no_page_loads_swagger_from_a_cdn(served):
    for path in ("/docs", "/redoc"):
        assert httpx.get(served.url + path, timeout=30).status_code == 404


def test_behind_a_proxy_the_public_url_names_the_endpoint(shipped_store, tmp_path):
    from fastapi.testclient import TestClient

    from ppikg.config import Settings
    from ppikg.http.app import create_app
    from ppikg.store.graph import KnowledgeGraph

    with KnowledgeGraph(shipped_store(tmp_path / "store")) as kg:
        app = create_app(kg, settings=Settings(public_url="https://ppikg.example.org/base/"))
        with TestClient(app) as client:
            r = client.get("/sparql", headers={"Accept": "text/turtle", "Host": "evil.example"})
    named = {str(o) for o in rdflib.Graph().parse(data=r.text, format="turtle").objects(None, SD.endpoint)}
    assert named == {"https://ppikg.example.org/base/sparql"}
