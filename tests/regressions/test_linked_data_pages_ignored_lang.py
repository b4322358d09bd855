"""The linked-data pages (the resources under the project's IRIs, /ontology, the error pages) had a header and menu
of their own, bilingual labels side by side, and ignored ``?lang``; /browse listed proposals by title only, so two
proposals with the same title looked the same. Now every page is drawn in the site's frame (ui_base.html), in
the language asked for, and /browse shows each proposal's filer, subsystems and current version, a page at a
time. Checked with httpx against a real server."""

from __future__ import annotations

import re

import httpx
import pytest

from ppikg.http import create_app
from ppikg.http.pages import PAGES, SEARCH_PAGES
from ppikg.http.testing import serving
from ppikg.i18n import words
from ppikg.store.graph import KnowledgeGraph

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture(scope="module")
def http(shipped_store, tmp_path_factory):
    with KnowledgeGraph(shipped_store(tmp_path_factory.mktemp("ld-lang") / "store")) as kg:
        with serving(create_app(kg)) as url, httpx.Client(base_url=url, headers=BROWSER, timeout=30) as client:
            yield client


def menu(html: str) -> list[str]:
    """The site's menu of a page: the links of its header's menu, the language switch left out."""
    header = html.split('<header class="site">', 1)[1].split("</header>", 1)[0]
    return re.findall(r'<li><a href="([^"]+)"', header)


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("path", ["/competencias/c3", "/ontology", "/aspectos/III", "/competencias/c99"])
def test_linked_data_pages_are_in_the_sites_frame_and_language(http, path, lang):
    r = http.get(path, params={"lang": lang})
    assert r.status_code == (404 if path.endswith("c99") else 200)
    assert f'<html lang="{lang}">' in r.text and r.headers["content-language"] == lang
    assert menu(r.text) == [f"{SEARCH_PAGES[lang] if p == '/buscar' else p}?lang={lang}" for p in PAGES] == menu(http.get("/browse", params={"lang": lang}).text)
    assert words("ui", lang)["footer"] in r.text


def test_a_resource_is_titled_in_the_language_asked_for(http):
    en, es = http.get("/competencias/c3?lang=en").text, http.get("/competencias/c3").text
    assert "<h1>Acuerdo 449 competency 3</h1>" in en and "<h1>Competencia 3 del Acuerdo 449</h1>" in es
    assert ">Director competency<" in en and ">Competencia del director<" in es  # its type's label
    assert 'href="/competencias/c3/a1?lang=en"' in en and 'href="/competencias/c3/a1"' in es
    assert "<h1>Not found</h1>" in http.get("/competencias/c99?lang=en").text


def test_browse_tells_proposals_apart_and_pages_them(http):
    html = http.get("/browse", params={"lang": "en"}).text
    rows = re.findall(r'<tr data-proposal="([^"]+)">', html)
    assert len(rows) == 3
    assert "Dirección General de Bachillerato (DGB)" in html and "2 of 2" in html and "1 of 1" in html
    one = http.get("/browse", params={"lang": "en", "por_pagina": 1, "pagina": 3}).text
    assert re.findall(r'<tr data-proposal="([^"]+)">', one) == [r for r in rows if r.endswith("/ejemplo-od-cecyte")]
    assert "Page 3 of 3" in one and 'rel="prev"' in one and 'rel="next"' not in one
    bad = http.get("/browse", params={"por_pagina": 0})
    assert bad.status_code == 400 and "por_pagina" in bad.text
