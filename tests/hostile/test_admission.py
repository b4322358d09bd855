"""Costly queries cannot starve cheap ones: queries never seen (and those known to be costly), however many
at once, hold at most one of the two query workers, so queries known to be cheap, canned queries and REST
answers are answered meanwhile; a query just stopped at a limit is refused at once. (Before, four clients repeating such a query held both
workers for seconds at a time: legitimate queries waited up to 16 s or timed out.)"""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from ppikg.http.testing import serving_process

TIMEOUT_S = 6
#: Runs until the timeout on the shipped data (~2·10^11 rows to count) while holding little memory.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?o . ?b ?q ?r . ?c ?x ?y }"
CHEAP = "SELECT ?label WHERE { <https://w3id.org/ppikg/competencias/c1> ?p ?label } LIMIT 3"
JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def server(shipped_store, tmp_path_factory):
    store = shipped_store(tmp_path_factory.mktemp("admission") / "store")
    with serving_process(str(store), "--timeout", str(TIMEOUT_S), "--queue-timeout", "3", "--workers", "2") as (url, _proc):
        yield url


def sparql(url: str, text: str, comment: str = "") -> httpx.Response:
    return httpx.get(url + "/sparql", params={"query": f"{text}\n# {comment}"}, headers=JSON, timeout=60)


def test_costly_queries_never_seen_leave_a_worker_for_cheap_ones(server):
    assert sparql(server, CHEAP).status_code == 200  # a cheap shape, now known

    # Variants, not copies: a text just stopped at a limit is refused at once for a while.
    variants = [ENDLESS.replace("?y", f"?y{i}") for i in range(4)]
    answers: list[httpx.Response] = []
    copies = [threading.Thread(target=lambda v=v: answers.append(sparql(server, v))) for v in variants]
    for t in copies:
        t.start()
    time.sleep(1.0)  # the copies hold what they may
    slowest = 0.0
    try:
        for i in range(5):
            for path, params, accept in (("/sparql", {"query": f"{CHEAP}\n# {i}"}, JSON["Accept"]),
                                         ("/api/coverage", {}, "application/json")):
                started = time.perf_counter()
                response = httpx.get(server + path, params=params, headers={"Accept": accept}, timeout=60)
                slowest = max(slowest, time.perf_counter() - started)
                assert response.status_code == 200, response.text[:300]
    finally:
        for t in copies:
            t.join(4 * TIMEOUT_S)
    # Without the reserved worker each cheap request waited for a copy to reach the timeout (~6 s).
    assert slowest < TIMEOUT_S / 2, f"a cheap request waited {slowest:.1f} s behind the costly copies"
    assert len(answers) == 4 and all(r.status_code == 503 for r in answers)
    assert all(set(r.json()) == {"error", "status", "code"} for r in answers)


def test_a_query_just_stopped_at_a_limit_is_refused_at_once_for_a_while(server):
    """Sending again a text that ran to the timeout would only hold a worker to the timeout again."""
    first = sparql(server, ENDLESS.replace("?x", "?again"), "first")
    assert first.status_code == 503 and "y se detuvo" in first.json()["error"]
    started = time.perf_counter()
    again = sparql(server, ENDLESS.replace("?x", "?again"), "a comment makes no other query")
    assert time.perf_counter() - started < TIMEOUT_S / 2
    assert again.status_code == 503 and "no se vuelve a ejecutar durante" in again.json()["error"]
    assert 0 < int(again.headers["Retry-After"]) <= 30
