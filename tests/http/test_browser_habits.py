"""What a browser gets where an API client gets data: /sparql opened with no query shows the query page (not
a download of the service description), and a path nothing serves is an HTML 404 page for a browser, the
JSON error body for everyone else."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ppikg.config import Settings
from ppikg.http import create_app
from ppikg.store.graph import KnowledgeGraph

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(shipped_store, tmp_path_factory):
    with KnowledgeGraph(shipped_store(tmp_path_factory.mktemp("habits") / "store")) as kg:
        with TestClient(create_app(kg, Settings())) as c:
            yield c


def test_a_browser_opening_the_endpoint_gets_the_query_page(client):
    r = client.get("/sparql", headers={"Accept": BROWSER}, params={"lang": "en"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.url.path == "/" and 'lang="en"' in r.text and "yasgui" in r.text
    for accept in (None, "*/*", "text/turtle", "application/rdf+xml"):  # clients still get the description
        headers = {"Accept": accept} if accept else {}
        d = client.get("/sparql", headers=headers, follow_redirects=False)
        assert d.status_code == 200 and "sparql-service-description" in d.text, accept
        assert not d.headers["content-type"].startswith("text/html")


def test_an_unknown_path_is_a_page_for_a_browser_and_json_for_the_rest(client):
    page = client.get("/nada/aqui", headers={"Accept": BROWSER})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "/nada/aqui" in page.text
    for accept in (None, "*/*", "application/json"):
        headers = {"Accept": accept} if accept else {}
        body = client.get("/nada/aqui", headers=headers)
        assert body.status_code == 404 and body.json()["code"] == "not-found"
    assert client.get("/nada/aqui", headers={"Accept": BROWSER}, params={"format": "json"}).json()["status"] == 404
