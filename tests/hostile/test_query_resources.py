"""Queries that would exhaust the server: one that needs gigabytes is stopped at the workers' memory limit
with a clear 503, the server keeps answering meanwhile, and the next query is answered as usual."""

from __future__ import annotations

import httpx

from .conftest import QUERY_MEMORY_MB, assert_refused, assert_unharmed

#: Every pair of quads, sorted: ~36 million rows on the shipped data, gigabytes before the first answer.
CARTESIAN = "SELECT ?a ?b WHERE { ?a ?p ?o . ?b ?q ?r } ORDER BY ?o ?r LIMIT 1"


def test_a_query_past_the_memory_limit_is_stopped_with_503(served):
    def send() -> httpx.Response:
        return httpx.get(served.url + "/sparql", params={"query": CARTESIAN}, timeout=60,
                         headers={"Accept": "application/sparql-results+json"})

    response, slowest, peak = served.while_probing(send)
    assert_refused(response, 503, f"más de {QUERY_MEMORY_MB} MB de memoria")
    assert_unharmed(slowest, peak)
    after = httpx.get(served.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30,
                      headers={"Accept": "application/sparql-results+json"})
    assert after.status_code == 200 and after.json()["boolean"] is True
