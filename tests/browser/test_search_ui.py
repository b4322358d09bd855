"""The search pages in chromium: the box on the home page and in the menu, the hits with their words marked,
the link to each hit's own page, the language switch to the other page, a bad search beside the form."""

from __future__ import annotations

import re

import pytest

OCTAVO_VI = "/eli/mx/sep/lineamientos/2013/12/27/ppi-directores-ems/lineamiento_8/fraccion_6"


@pytest.mark.parametrize("lang, path, box, button, kind, heading", [
    ("es", "/buscar", "Palabras que buscar", "Buscar", "Disposición", "resultados para «vinculo entorno»"),
    ("en", "/search", "Words to search for", "Search", "Provision", "results for «vinculo entorno»"),
])
def test_a_search_from_the_home_page_lists_marked_hits_that_link_to_their_pages(page, base_url, lang, path, box,
                                                                                button, kind, heading):
    page.goto(f"{base_url}/?lang={lang}")
    page.get_by_label(box).fill("vinculo entorno")
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_url(re.compile(re.escape(path) + r"\?q=vinculo\+entorno"))
    assert page.get_attribute("html", "lang") == lang
    assert heading in page.locator("#results-h").inner_text()
    hit = page.locator("li.search-hit", has=page.locator(f"a[href='{OCTAVO_VI}']"))
    assert hit.locator(".kind").inner_text() == kind
    assert hit.locator("mark").all_inner_texts() == ["vínculos", "entorno"]
    assert page.get_by_label(box).input_value() == "vinculo entorno"  # the box keeps the search
    hit.locator(f"a[href='{OCTAVO_VI}']").click()
    page.wait_for_url(re.compile(re.escape(OCTAVO_VI) + "$"))
    assert "Establece vínculos entre la escuela y su entorno." in page.locator("body").inner_text()


def test_the_menu_leads_to_search_and_the_switch_keeps_the_search_in_the_other_language(page, base_url):
    page.goto(f"{base_url}/browse?lang=es")
    page.get_by_role("navigation", name="Secciones").get_by_role("link", name="Buscar").click()
    page.wait_for_url(re.compile(r"/buscar\?lang=es$"))
    page.get_by_label("Tipo").select_option("definition")
    page.get_by_label("Palabras que buscar").fill("funciones de dirección")
    page.get_by_label("Palabras que buscar").press("Enter")
    page.wait_for_url(re.compile(r"/buscar\?q="))
    first = page.locator("li.search-hit").first
    assert first.locator("h3 a").inner_text() == "Personal con funciones de dirección"
    assert page.locator("li.search-hit .kind").all_inner_texts() == ["Definición"] * page.locator("li.search-hit").count()
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/search\?q="))
    assert page.locator("li.search-hit").first.locator("h3 a").inner_text() == "Staff with management functions (director)"
    assert page.get_by_label("Kind").input_value() == "definition"


def test_a_search_of_nothing_but_syntax_is_explained_beside_the_form(page, base_url):
    page.goto(f"{base_url}/search?q=%22%2A%28&lang=en")
    assert page.get_by_role("alert").inner_text() == "The search is empty: type at least one word (letters or digits)."
    assert page.get_by_label("Words to search for").input_value() == '"*('
    page.goto(f"{base_url}/buscar?q=zarzamoraxyz")
    assert page.locator("#results-h").inner_text() == "Ningún resultado para «zarzamoraxyz»."
