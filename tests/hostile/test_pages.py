"""A resource with a huge literal (written with the token) does not make a huge page: the page shows the first
MAX_LITERAL characters, the RDF representation keeps the whole value, and the server keeps answering while
several clients ask for it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from ppikg.describe import MAX_LITERAL

from .conftest import TOKEN, assert_unharmed

BIG = 5_000_000
SUBJECT = "https://w3id.org/ppikg/propuestas/hostile-big-literal"


def test_a_huge_literal_makes_a_bounded_page(served):
    body = f'<{SUBJECT}> <http://www.w3.org/2000/01/rdf-schema#comment> "{"z" * BIG}" .'.encode()
    put = httpx.put(served.url + "/rdf-graphs/service", params={"graph": "urn:x:hostile-big"}, content=body,
                    headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"}, timeout=120)
    assert put.status_code in (201, 204), put.text

    def page(_: int) -> httpx.Response:
        return httpx.get(served.url + "/propuestas/hostile-big-literal", headers={"Accept": "text/html"}, timeout=60)

    def four_at_once() -> list[httpx.Response]:
        with ThreadPoolExecutor(4) as pool:
            return list(pool.map(page, range(4)))

    pages, slowest, peak = served.while_probing(four_at_once)
    assert all(r.status_code == 200 for r in pages)
    assert all(MAX_LITERAL <= len(r.content) < MAX_LITERAL + 200_000 for r in pages)
    assert_unharmed(slowest, peak)
    rdf = httpx.get(served.url + "/propuestas/hostile-big-literal", headers={"Accept": "application/n-triples"},
                    timeout=60)
    assert rdf.status_code == 200 and rdf.text.count("z") >= BIG
