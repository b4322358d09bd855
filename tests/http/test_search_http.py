"""Search over HTTP against a real `ppi serve` (httpx): /api/buscar as JSON, /buscar and /search as pages, bad
searches answered 400 in the reader's language, and every write path of the server followed by the index."""

from __future__ import annotations

import httpx
import pytest

from ppikg.http.testing import serving_process
from ppikg.search.index import COUNT_CAP

TOKEN = "busqueda"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
GRAPH = "https://w3id.org/ppikg/graph/propuestas/http-busqueda"
P = "https://w3id.org/ppikg/propuestas/http-busqueda"
OCTAVO_VI = "https://w3id.org/ppikg/eli/mx/sep/lineamientos/2013/12/27/ppi-directores-ems/lineamiento_8/fraccion_6"


def proposal(*statements: str) -> str:
    lines = ["@prefix ppi: <https://w3id.org/ppikg/ontology#> .", f"<{P}> a ppi:Proposal ."]
    lines += [f'<{P}/I{n}> a ppi:Indicator ; ppi:statement "{text}"@es .' for n, text in enumerate(statements, 1)]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def client(shipped_store, tmp_path_factory):
    store = shipped_store(tmp_path_factory.mktemp("search-http") / "store")
    with serving_process(str(store), "--update", "--token", TOKEN, "--workers", "1") as (url, _proc):
        with httpx.Client(base_url=url, timeout=60) as c:
            yield c


def hits(client: httpx.Client, q: str, **params: str) -> list[str]:
    r = client.get("/api/buscar", params={"q": q, **params})
    assert r.status_code == 200, r.text
    return [h["iri"] for h in r.json()["hits"]]


def test_the_api_answers_json_ranked_with_snippets_and_links(client):
    r = client.get("/api/buscar", params={"q": "vinculo escuela", "kind": "provision"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    found = r.json()
    assert found["match"] == "all" and found["total"] == len(found["hits"]) > 0
    hit = next(h for h in found["hits"] if h["iri"] == OCTAVO_VI)
    assert hit["kind_label"] == "Disposición" and hit["label"] == "Lineamiento Octavo, fracción VI"
    assert [hit["snippet"][a:b] for a, b in hit["highlights"]] == ["vínculos", "escuela"]
    page = client.get(hit["link"], headers={"Accept": "text/html"})  # the hit's own linked-data page
    assert page.status_code == 200 and "Lineamiento Octavo, fracción VI" in page.text
    english = client.get("/api/search", params={"q": "vinculo escuela", "kind": "provision"}).json()
    assert next(h for h in english["hits"] if h["iri"] == OCTAVO_VI)["label"] == "Guideline Octavo, section VI"


@pytest.mark.parametrize("path, params, message", [
    ("/api/buscar", {"q": '"'}, "La búsqueda está vacía"),
    ("/api/search", {"q": "NEAR(*"}, None),
    ("/api/search", {"q": ""}, "The search is empty"),
    ("/api/buscar", {"q": "x" * 5000}, "La búsqueda tiene 5,000 caracteres"),
    ("/api/buscar", {"q": "escuela", "limit": "mil"}, "«limit» debe ser un número entero entre 1 y 100."),
    ("/api/buscar", {"q": "escuela", "kind": "ley", "lang": "en"}, "Unknown kind «ley»"),
    ("/api/buscar", {"q": "escuela", "lang": "fr"}, "idioma desconocido «fr»"),  # the error: Spanish, the default
])
def test_bad_searches_are_400_with_a_clear_message(client, path, params, message):
    r = client.get(path, params=params)
    if message is None:  # «near» is a word like any other
        assert r.status_code == 200 and r.json()["total"] == 0
        return
    assert r.status_code == 400 and r.json()["code"] == "bad-input"
    assert r.json()["error"].startswith(message)


def test_the_pages_mark_the_words_and_link_each_hit(client):
    r = client.get("/buscar", params={"q": "vínculos entre la escuela y su entorno"}, headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-language"] == "es"
    assert '<h1>Buscar en el texto</h1>' in r.text and "<mark>vínculos</mark>" in r.text
    assert '<a href="/eli/mx/sep/lineamientos/2013/12/27/ppi-directores-ems/lineamiento_8/fraccion_6">' in r.text
    assert '<a href="/search?q=' in r.text  # the language switch goes to the English page, same search
    en = client.get("/search", params={"q": "vínculos"}, headers={"Accept": "text/html"})
    assert en.status_code == 200 and en.headers["content-language"] == "en" and "<h1>Search the text</h1>" in en.text
    bad = client.get("/search", params={"q": "*"}, headers={"Accept": "text/html"})
    assert bad.status_code == 400 and "The search is empty" in bad.text and 'role="search"' in bad.text
    home = client.get("/", headers={"Accept": "text/html"})
    assert 'role="search" action="/buscar"' in home.text and 'href="/buscar?lang=es"' in home.text


def test_every_write_path_of_the_server_is_followed(client):
    put = client.put("/rdf-graphs/service", params={"graph": GRAPH}, content=proposal("Huerto de zarzamoras."),
                     headers={"Content-Type": "text/turtle", **AUTH})
    assert put.status_code == 201, put.text
    assert hits(client, "zarzamora") == [P + "/I1"]
    post = client.post("/rdf-graphs/service", params={"graph": GRAPH},
                       content=f'<{P}/I2> a <https://w3id.org/ppikg/ontology#Indicator> ; '
                               f'<https://w3id.org/ppikg/ontology#statement> "Colmena de abejas."@es .',
                       headers={"Content-Type": "text/turtle", **AUTH})
    assert post.status_code == 204, post.text
    assert hits(client, "abejas") == [P + "/I2"] and hits(client, "zarzamora") == [P + "/I1"]
    put = client.put("/rdf-graphs/service", params={"graph": GRAPH}, content=proposal("Huerto de arándanos."),
                     headers={"Content-Type": "text/turtle", **AUTH})  # version 3 of the proposal
    assert hits(client, "arandano") == [P + "/I1"] and hits(client, "zarzamora") == []
    versions = client.get("/propuestas/http-busqueda/versiones", headers={"Accept": "application/json"}).json()
    drop = client.delete(f"/propuestas/http-busqueda/versiones/{len(versions)}", headers=AUTH)
    assert drop.status_code == 200, drop.text
    assert hits(client, "arandano") == [] and hits(client, "abejas") == [P + "/I2"]
    update = client.post("/sparql", content=f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{P}/I3> a ppi:Indicator ; '
                                            f'ppi:statement "Vuelo de mariposas."@es }} }}',
                         headers={"Content-Type": "application/sparql-update", **AUTH})
    assert update.status_code == 204, update.text
    assert hits(client, "mariposa") == [P + "/I3"]
    delete = client.delete("/rdf-graphs/service", params={"graph": GRAPH}, headers=AUTH)
    assert delete.status_code == 204, delete.text
    assert hits(client, "mariposa") == [] and hits(client, "abejas") == []


def test_a_word_in_more_documents_than_are_counted_says_more_than(client):
    many = "https://w3id.org/ppikg/graph/propuestas/http-madronos"
    statements = [f"Madroño número {n}." for n in range(COUNT_CAP + 1)]
    put = client.put("/rdf-graphs/service", params={"graph": many}, content=proposal(*statements),
                     headers={"Content-Type": "text/turtle", **AUTH})
    assert put.status_code == 201, put.text
    try:
        found = client.get("/api/buscar", params={"q": "madroños"}).json()
        assert found["total"] == COUNT_CAP and found["total_exact"] is False and len(found["hits"]) == 20
        es = client.get("/buscar", params={"q": "madroño"}, headers={"Accept": "text/html"}).text
        assert f"Más de {COUNT_CAP} resultados para «madroño»" in es and 'rel="next"' in es
        en = client.get("/search", params={"q": "madroño", "offset": "980"}, headers={"Accept": "text/html"}).text
        assert f"More than {COUNT_CAP} results for «madroño»" in en
        assert 'rel="next" href="/search?q=madro%C3%B1o&amp;offset=1000"' in en  # past the counted hits
        last = client.get("/api/buscar", params={"q": "madroño", "offset": str(COUNT_CAP)}).json()
        assert [h["rank"] for h in last["hits"]] == [COUNT_CAP + 1]
        exact = client.get("/api/buscar", params={"q": "madroño número 7"}).json()
        assert exact["total_exact"] is True and exact["total"] == len(exact["hits"]) >= 1
    finally:
        client.delete("/rdf-graphs/service", params={"graph": many}, headers=AUTH)


@pytest.mark.parametrize("lang,href", [("es", "/buscar?lang=es"), ("en", "/search?lang=en")])
def test_the_menu_entry_for_search_is_the_search_page_of_the_page_language(client, lang, href):
    page = client.get("/browse", params={"lang": lang}).text
    assert f'<a href="{href}"' in page
