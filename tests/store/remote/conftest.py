"""The servers, started once per test session, each holding the shipped data loaded through ppikg: Oxigraph's
server and Virtuoso Open Source 7 (store/servers.py); and the embedded store they are compared with."""

from __future__ import annotations

import pytest

from ppikg.store.graph import KnowledgeGraph
from ppikg.store.remote import Endpoint, RemoteStore
from ppikg.store.servers import Server, oxigraph_server, virtuoso_server


def endpoint_of(server: Server) -> Endpoint:
    return Endpoint(server.endpoint, server.update, server.gsp, server.user, server.password)


@pytest.fixture(scope="session")
def embedded_kg():
    with KnowledgeGraph(None) as kg:
        kg.load_shipped()
        yield kg


@pytest.fixture(scope="session")
def oxigraph():
    """Oxigraph's server holding the shipped data: (server, knowledge graph over it)."""
    with oxigraph_server() as server:
        with KnowledgeGraph(None, backend=RemoteStore(endpoint_of(server))) as kg:
            kg.load_shipped()
            yield server, kg


@pytest.fixture(scope="session")
def virtuoso():
    """Virtuoso holding the shipped data: (server, knowledge graph over it)."""
    with virtuoso_server() as server:
        with KnowledgeGraph(None, backend=RemoteStore(endpoint_of(server))) as kg:
            kg.load_shipped()
            yield server, kg


@pytest.fixture(params=["oxigraph", "virtuoso"])
def remote(request):
    """Each server in turn."""
    return request.getfixturevalue(request.param)
