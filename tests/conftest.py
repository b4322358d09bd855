"""Shared fixtures: the parsed sources, the shipped graphs, their OWL RL closure and a store holding them, built
once per test run."""

from __future__ import annotations

import socket
import urllib.request
from pathlib import Path

import pytest
from rdflib import Graph

from ppikg.build.data import Sources
from ppikg.config import Project


def pytest_report_header(config):
    return f"ppikg sources: {Project.default().sources_dir}"


@pytest.fixture(scope="session")
def project() -> Project:
    """The project under test: $PPIKG_HOME (else the checkout) and its sources."""
    return Project.default()


@pytest.fixture(scope="session")
def sources(project) -> Sources:
    return Sources.load(project)


@pytest.fixture(scope="session")
def shipped(project) -> Graph:
    """Ontology and shipped data as one rdflib graph (asserted only)."""
    g = Graph()
    for path in project.ontology_files() + project.data_files():
        g.parse(path)
    return g


@pytest.fixture(scope="session")
def owlrl_shipped(shipped) -> Graph:
    """The ontology and shipped data closed under OWL RL by owlrl, the reference semantics (computed once: the
    slowest step of every build)."""
    import owlrl

    closure = Graph()
    for t in shipped:
        closure.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    return closure


@pytest.fixture(scope="session")
def shipped_store(tmp_path_factory):
    """A factory of stores on disk holding the shipped data: the data are loaded once per test session, and each
    store asked for is a copy of that one (hard links: milliseconds), free to be written."""
    from ppikg.store.graph import KnowledgeGraph
    from ppikg.store.embedded import clone_store

    template = tmp_path_factory.mktemp("shipped") / "store"
    with KnowledgeGraph(template) as kg:
        kg.load_shipped()

    def make(target: Path) -> Path:
        return clone_store(template, target)

    return make


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)


@pytest.fixture(scope="module")
def shipped_kg(shipped_store, tmp_path_factory):
    """The shipped data in a KnowledgeGraph of its own, for the tests of one module that only read it."""
    from ppikg.store.graph import KnowledgeGraph

    with KnowledgeGraph(shipped_store(tmp_path_factory.mktemp("shipped-kg") / "store")) as kg:
        yield kg


# ---- the browser tests' fixtures (tests/browser/, and the regressions of the pages): one server, one chromium.

@pytest.fixture(scope="session")
def base_url(shipped_store, tmp_path_factory):
    """A server on 127.0.0.1 over a copy of the shipped store (tests/browser/conftest.py: ``start_server``)."""
    from browser.conftest import start_server

    url, stop = start_server(shipped_store(tmp_path_factory.mktemp("browser") / "store"))
    yield url
    stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium with the network closed, through Playwright."""
    from browser.conftest import launch

    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed: run `make test`")
    with sync_api.sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page whose every request is recorded; the test fails if one was not to 127.0.0.1."""
    from browser.conftest import is_local

    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.requests = []
    page.errors = []
    context.on("request", lambda r: page.requests.append(r.url))  # popups' requests too
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and "Content Security Policy" in m.text
            and page.errors.append(m.text))
    yield page
    context.close()
    outside = [u for u in page.requests if not is_local(u)]
    assert not outside, f"requests left 127.0.0.1: {outside}"
    assert not page.errors, f"errors in the page: {page.errors}"
