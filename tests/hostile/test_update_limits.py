"""Updates have the limits of queries: an update that would run past the memory limit or the timeout is
stopped with 503 before it touches the store — nothing of it is written — while `/health` keeps answering and
other writes go on after it. (Before, a cartesian ``INSERT … WHERE`` grew ~45 MB/s for 90 s in the server
process, held the write lock and ended in an abort.)"""

from __future__ import annotations

import threading

import httpx

from ppikg.store.catalog import inferred_of

from .conftest import QUERY_MEMORY_MB, TOKEN, WRITE_TIMEOUT_S, assert_refused, assert_unharmed

UPDATE = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}
JSON = {"Accept": "application/sparql-results+json"}
#: The shipped graphs an update reads (its WHERE reads the store's default graph, not the union of the
#: graphs): ~5,000 triples.
USING = " ".join(f"USING <https://w3id.org/ppikg/graph/{g}>"
                 for g in ("inferred/base", "lineamientos", "shapes", "acuerdo-449", "ontology"))
#: Every pair of those triples sorted before the first is inserted: ~25 million rows of long strings, gigabytes
#: held at once, the memory limit reached within seconds even on a busy machine.
CARTESIAN = (f"INSERT {{ GRAPH <urn:trial:pairs> {{ ?a <urn:trial:with> ?pair }} }} {USING} WHERE "
             "{ SELECT ?a ?pair WHERE { ?a ?p ?o . ?b ?q ?r "
             "BIND(CONCAT(STR(?o), STR(?r), STR(?a), STR(?b), STR(?p), STR(?q), STR(?o), STR(?r)) AS ?pair) } "
             "ORDER BY ?pair LIMIT 1 }")
#: Counts ~10^11 rows before it inserts one triple: runs until the timeout with little memory.
ENDLESS = (f"INSERT {{ GRAPH <urn:trial:count> {{ <urn:trial:n> <urn:trial:is> ?n }} }} {USING} WHERE "
           "{ SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?o . ?b ?q ?r . ?c ?x ?y } }")


def count(url: str, graph: str) -> int:
    r = httpx.get(url + "/sparql", params={"query": f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
                  headers=JSON, timeout=30)
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_an_update_past_the_memory_limit_is_stopped_and_writes_nothing(served):
    def send() -> httpx.Response:
        return httpx.post(served.url + "/sparql", content=CARTESIAN.encode(), headers=UPDATE, timeout=120)

    response, slowest, peak = served.while_probing(send)
    assert_refused(response, 503, f"más de {QUERY_MEMORY_MB} MB de memoria")
    assert "no se escribió nada" in response.json()["error"]
    assert_unharmed(slowest, peak)
    assert count(served.url, "urn:trial:pairs") == 0


def test_an_update_past_the_timeout_is_stopped_and_the_next_write_goes_on(served):
    put: list[httpx.Response] = []

    def send() -> httpx.Response:
        writer = threading.Timer(1.0, lambda: put.append(httpx.put(
            served.url + "/rdf-graphs/service", params={"graph": "urn:trial:after"}, timeout=120,
            content=b"<urn:trial:s> <urn:trial:p> 1 .",
            headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"})))
        writer.start()  # waits for the write lock while the update is tried
        try:
            return httpx.post(served.url + "/sparql", content=ENDLESS.encode(), headers=UPDATE, timeout=120)
        finally:
            writer.join(120)

    response, slowest, peak = served.while_probing(send)
    assert_refused(response, 503, "y se detuvo; no se escribió nada")
    assert_unharmed(slowest, peak)
    assert count(served.url, "urn:trial:count") == 0
    assert put and put[0].status_code == 201, put
    assert count(served.url, "urn:trial:after") == 1


def test_an_update_within_the_limits_is_written_once(served):
    update = (f"INSERT {{ GRAPH <urn:trial:copy> {{ ?s <urn:trial:label> ?l }} }} {USING} WHERE "
              "{ ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }")
    r = httpx.post(served.url + "/sparql", content=update.encode(), headers=UPDATE, timeout=120)
    assert r.status_code == 204, r.text
    labels = httpx.get(served.url + "/sparql", headers=JSON, timeout=30, params={
        "query": "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?l { VALUES ?g { "
                 + USING.replace("USING ", "") + " } GRAPH ?g { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } } }"})
    assert count(served.url, "urn:trial:copy") == int(labels.json()["results"]["bindings"][0]["n"]["value"]) > 0
    bad = httpx.post(served.url + "/sparql", content=b"INSERT { ?s ?p ?o } WHERE { ?s ?p }", headers=UPDATE,
                     timeout=30)
    assert_refused(bad, 400, "sintaxis")


def indicators(n: int) -> bytes:
    """A graph of ``n`` indicators covering competency 1: each gets inferences (~5 s per 10,000 here)."""
    return "\n".join(f"<urn:big:i{i}> a <https://w3id.org/ppikg/ontology#Indicator> ; "
                     f"<http://www.w3.org/2004/02/skos/core#prefLabel> \"indicador {i}\"@es ; "
                     "<https://w3id.org/ppikg/ontology#coversCompetency> <https://w3id.org/ppikg/competencias/c1> ."
                     for i in range(n)).encode()


def put(url: str, graph: str, body: bytes) -> httpx.Response:
    return httpx.put(url + "/rdf-graphs/service", params={"graph": graph}, content=body, timeout=120,
                     headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"})


def test_a_large_graph_is_parsed_and_inferred_outside_the_server(served):
    """Parsing and inference run in a worker: before, a 4 MB graph kept the server process busy for 19 s and
    `/health` waited up to 0.8 s."""
    response, slowest, peak = served.while_probing(lambda: put(served.url, "urn:big:some", indicators(4000)))
    assert response.status_code == 201, response.text
    assert_unharmed(slowest, peak)
    assert count(served.url, "urn:big:some") == 3 * 4000
    assert count(served.url, inferred_of("urn:big:some")) >= 4000  # each indicator's inferences at least


def test_a_graph_write_past_the_limits_is_stopped_and_writes_nothing(served):
    """60,000 indicators: past the memory limit (400 MB) or the write timeout, whichever comes first."""
    response, slowest, peak = served.while_probing(lambda: put(served.url, "urn:big:too-much", indicators(60_000)))
    assert_refused(response, 503, "se detuvo; no se escribió nada")
    assert f"{QUERY_MEMORY_MB} MB" in response.text or f"{WRITE_TIMEOUT_S} s" in response.text
    assert_unharmed(slowest, peak)
    assert count(served.url, "urn:big:too-much") == 0
