"""What the update token allows, and what it never does: the project's own graphs — also the names under
``graph/inferred/`` that do not exist yet — cannot be written, by SPARQL Update or the Graph Store Protocol."""

from __future__ import annotations

import httpx
import pytest

from ppikg.store.catalog import INFERRED_PREFIX

from .conftest import TOKEN

NEW_INFERRED = INFERRED_PREFIX + "not-yet-there"


@pytest.mark.parametrize("update", [
    f"INSERT DATA {{ GRAPH <{NEW_INFERRED}> {{ <urn:a> <urn:p> <urn:b> }} }}",
    f"PREFIX inf: <{INFERRED_PREFIX}> INSERT DATA {{ GRAPH inf:not-yet-there {{ <urn:a> <urn:p> <urn:b> }} }}",
    f"CREATE GRAPH <{NEW_INFERRED}>",
], ids=["insert-data", "prefixed-name", "create"])
def test_an_update_cannot_create_an_inferred_graph(served, update):
    r = httpx.post(served.url + "/sparql", content=update.encode(), timeout=30,
                   headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 403, r.text
    ask = httpx.get(served.url + "/sparql", params={"query": f"ASK {{ GRAPH <{NEW_INFERRED}> {{ ?s ?p ?o }} }}"},
                    headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert ask.json()["boolean"] is False


def test_the_graph_store_protocol_cannot_create_an_inferred_graph(served):
    r = httpx.put(served.url + "/rdf-graphs/service", params={"graph": NEW_INFERRED}, timeout=30,
                  content=b"<urn:a> <urn:p> <urn:b> .",
                  headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code in (400, 403), r.text
    assert httpx.get(served.url + "/rdf-graphs/service", params={"graph": NEW_INFERRED}, timeout=30).status_code == 404
