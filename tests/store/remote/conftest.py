"""The servers, started once per test run, each holding the shipped data loaded through ppikg: Oxigraph's
server and Virtuoso Open Source 7 (store/servers.py); and the embedded store they are compared with."""

from __future__ import annotations

import pytest

from ppikg.store.graph import KnowledgeGraph
from ppikg.store.remote import Endpoint, RemoteStore, copy_into
from ppikg.store.servers import Server, oxigraph_server, virtuoso_server


def endpoint_of(server: Server) -> Endpoint:
    return Endpoint(server.endpoint, server.update, server.gsp, server.user, server.password)


@pytest.fixture(scope="session")
def embedded_kg(shipped_store, tmp_path_factory):
    """The embedded store holding the shipped data (a copy of the one the whole run shares)."""
    with KnowledgeGraph(shipped_store(tmp_path_factory.mktemp("embedded") / "store")) as kg:
        kg.load_shipped()  # up to date: a no-op
        yield kg


@pytest.fixture(scope="session")
def oxigraph():
    """Oxigraph's server holding the shipped data: (server, knowledge graph over it)."""
    with oxigraph_server() as server:
        with KnowledgeGraph(None, backend=RemoteStore(endpoint_of(server))) as kg:
            kg.load_shipped()
            yield server, kg


@pytest.fixture(scope="session")
def virtuoso(embedded_kg):
    """Virtuoso holding the shipped data: (server, knowledge graph over it). The data are copied from the
    embedded store (copy_into) rather than inferred a third time; loading them is the Oxigraph fixture's part."""
    with virtuoso_server() as server:
        with KnowledgeGraph(None, backend=RemoteStore(endpoint_of(server))) as kg:
            copy_into(kg.backend, embedded_kg.snapshot())  # type: ignore[arg-type]
            assert kg.load_shipped() is False  # the copy is up to date
            yield server, kg


@pytest.fixture(params=["oxigraph", "virtuoso"])
def remote(request):
    """Each server in turn."""
    return request.getfixturevalue(request.param)
