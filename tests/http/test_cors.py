"""CORS for browser clients on another origin (a public YASGUI, Comunica's web client): off by default; with
``ppi serve --cors ORIGINS`` the preflight of OPTIONS /sparql is answered and every answer to an allowed
origin carries Access-Control-Allow-Origin, look-ups and errors included; other origins get none."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from ppikg.config import Settings
from ppikg.http import create_app
from ppikg.http.testing import serving
from ppikg.store.graph import KnowledgeGraph

YASGUI = "https://yasgui.example"
PREFLIGHT = {"Origin": YASGUI, "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "content-type, authorization"}
LOOKUP = "SELECT ?o WHERE { <https://w3id.org/ppikg/competencias/c1> ?p ?o }"


@pytest.fixture(scope="module")
def kg(shipped_store, tmp_path_factory):
    with KnowledgeGraph(shipped_store(tmp_path_factory.mktemp("cors") / "store")) as kg:
        yield kg


def test_cors_is_off_by_default(kg):
    with serving(create_app(kg, Settings())) as url:
        r = httpx.get(url + "/sparql", params={"query": LOOKUP}, headers={"Origin": YASGUI})
        assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
        assert "access-control-allow-origin" not in httpx.options(url + "/sparql", headers=PREFLIGHT).headers


def test_an_allowed_origin_gets_the_preflight_and_the_headers_on_every_answer(kg):
    with serving(create_app(kg, Settings(cors_origins=(YASGUI,)))) as url:
        pre = httpx.options(url + "/sparql", headers=PREFLIGHT)
        assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == YASGUI
        assert "POST" in pre.headers["access-control-allow-methods"]
        assert "authorization" in pre.headers["access-control-allow-headers"].lower()
        looked = httpx.get(url + "/sparql", params={"query": LOOKUP}, headers={"Origin": YASGUI})  # the look-up lane
        posted = httpx.post(url + "/sparql", data={"query": "ASK { ?s ?p ?o }"}, headers={"Origin": YASGUI})
        failed = httpx.get(url + "/sparql", params={"query": "SELECT WHERE {"}, headers={"Origin": YASGUI})
        assert (looked.status_code, posted.status_code, failed.status_code) == (200, 200, 400)
        assert all(r.headers.get("access-control-allow-origin") == YASGUI for r in (looked, posted, failed))
        other = httpx.get(url + "/sparql", params={"query": LOOKUP}, headers={"Origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers
        assert httpx.options(url + "/sparql", headers={**PREFLIGHT, "Origin": "https://elsewhere.example"}).status_code == 400


def test_the_cors_option_checks_its_origins():
    done = subprocess.run([sys.executable, "-m", "ppikg", "serve", "--memory", "--cors", "yasgui.example"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "no es un origen web: «yasgui.example»" in done.stderr
