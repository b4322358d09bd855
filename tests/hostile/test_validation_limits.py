"""Uploads cannot exhaust the server: validation runs in worker processes with a time and a memory limit, is
stopped when the client goes away, and concurrent uploads right after a start all get their report (they once
broke rdflib's SPARQL parser for good, and every later upload answered 500)."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
import pytest

from ppikg.config import Project, Settings
from ppikg.http.app import create_app
from ppikg.http.testing import serving, serving_process
from ppikg.store.graph import KnowledgeGraph

from .conftest import assert_refused

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXAMPLE = (Project.default().templates_dir / "propuesta-ejemplo-dgb.xlsx").read_bytes()


def upload(url: str, body: bytes = EXAMPLE, timeout: float = 180) -> httpx.Response:
    return httpx.post(url + "/validate", content=body, headers={"Content-Type": XLSX}, timeout=timeout)


def test_concurrent_uploads_right_after_a_start_all_get_their_report(shipped_store, tmp_path):
    store = shipped_store(tmp_path / "store")
    with serving_process(str(store)) as (url, _):
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: upload(url), range(8)))
        assert [r.status_code for r in answers] == [200] * 8
        assert {r.headers["X-PPI-Conforms"] for r in answers} == {"true"}
        later = upload(url)
        assert later.status_code == 200 and later.headers["X-PPI-Conforms"] == "true"


@pytest.fixture()
def app_with(shipped_store, tmp_path):
    """An app over a copy of the shipped store with the given settings, served for real; closed after."""
    opened = []

    def make(**settings):
        kg = KnowledgeGraph(shipped_store(tmp_path / f"store{len(opened)}"))
        app = create_app(kg, settings=Settings(**settings))
        opened.append(kg)
        return app

    yield make
    for kg in opened:
        kg.close()


def test_an_upload_past_the_time_limit_is_stopped(app_with):
    app = app_with(validation_timeout=0.3, validation_workers=1)
    with serving(app) as url:
        assert_refused(upload(url), 503, "tardó más de 0.3 s")
        assert httpx.get(url + "/health", timeout=5).status_code == 200


def test_an_upload_past_the_memory_limit_is_stopped(app_with):
    app = app_with(validation_memory_mb=40, validation_workers=1)  # less than a worker needs to start
    with serving(app) as url:
        assert_refused(upload(url), 503, "más de 40 MB de memoria")


def slow_proposal(indicators: int = 1500) -> bytes:
    """The example proposal in Turtle with copies of one indicator until validating it takes a while."""
    from rdflib import Graph, URIRef

    from ppikg.namespaces import PPI

    g = Graph().parse(Project.default().example_file)
    base = "https://w3id.org/ppikg/propuestas/ejemplo-dgb/"
    template, parameter = URIRef(base + "P5-1"), URIRef(base + "P5")
    for i in range(indicators):
        copy = URIRef(f"{base}X{i}")
        g.add((parameter, PPI.hasIndicator, copy))
        for p, o in list(g.predicate_objects(template)):
            if p != PPI.hasPerformanceLevel:
                g.add((copy, p, o))
    return g.serialize(format="nt", encoding="utf-8")


def test_validation_stops_when_the_client_goes_away(app_with):
    app = app_with(validation_workers=1)
    with serving(app) as url:
        assert upload(url).status_code == 200  # the worker is up
        pool = app.state.validation
        (before,) = pool.pids()
        host, port = urlsplit(url).hostname, urlsplit(url).port
        slow = slow_proposal()  # long enough to validate that the client is gone before its report
        head = (f"POST /validate HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/n-triples\r\n"
                f"Content-Length: {len(slow)}\r\n\r\n").encode()
        for _ in range(3):  # a client that sends a proposal and leaves before the report
            with socket.create_connection((host, port)) as s:
                s.sendall(head + slow)
                time.sleep(0.1)
        deadline = time.monotonic() + 30
        while before in pool.pids() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert before not in pool.pids()  # the worker validating for nobody was stopped
        assert upload(url).status_code == 200
