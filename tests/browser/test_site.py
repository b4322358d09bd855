"""The pages as one site, in a real browser: YASGUI's labels (its settings and popups too) in the page's language,
the linked-data pages in the same frame and language as the others, /browse a page of proposals at a time. (What
the query page drew wrong before — prefixes marked as errors, a raw error line, results wider than the page — is in
tests/regressions/.)"""

from __future__ import annotations

import re

import pytest

from ppikg.i18n import words

from .test_ui import RESULT_ROWS, open_editor

VIEWPORT_WIDTH = 1280
#: Every label YASGUI draws (texts, and the attributes a screen reader says), the query and results left out.
LABELS_JS = """() => {
  const out = [], root = document.getElementById('yasgui');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const e = n.parentElement;
    if (e.closest('.CodeMirror-line') || e.closest('tbody td:not(.dt-empty)') || e.closest('thead th')) continue;
    if (n.textContent.trim()) out.push(n.textContent.trim());
  }
  root.querySelectorAll('[title],[placeholder],[aria-label]').forEach(e => {
    if (e.closest('.CodeMirror-line')) return;
    for (const a of ['title', 'placeholder', 'aria-label']) if (e.getAttribute(a)) out.push(e.getAttribute(a));
  });
  return out;
}"""


def english_label(text: str) -> str | None:
    """The YASGUI label ``text`` is, in English (where Spanish words it otherwise), if it is one."""
    es, en = words("yasgui", "es"), words("yasgui", "en")
    for key, label in en.items():
        if label == es[key]:
            continue
        pattern = "^" + re.sub(r"\\\{\d\\\}", ".+?", re.escape(label)) + "$"
        if re.match(pattern, text):
            return label
    return None


def run_default_query(page, base_url: str, lang: str) -> None:
    open_editor(page, base_url, lang)
    page.click(".yasqe_queryButton")
    page.wait_for_selector(RESULT_ROWS)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_yasgui_speaks_the_pages_language(page, base_url, lang):
    run_default_query(page, base_url, lang)
    page.click(".yasr_btn.select_response")  # the other view draws its own labels
    page.click(".yasr_btn.select_table")
    page.wait_for_selector(RESULT_ROWS)
    labels = page.evaluate(LABELS_JS)
    english = sorted({english_label(t) for t in labels} - {None})
    if lang == "es":
        assert english == [], english
        for label in ("Tabla", "Respuesta", "Vista simple", "Abreviar", "Filas por página:", "Filas 1 a 6 de 6",
                      "Filtrar los resultados", "Ejecutar la consulta"):
            assert label in labels, label
        assert any(re.fullmatch(r"6 resultados en [\d.]+ segundos", t) for t in labels), labels
    else:
        for label in ("Table", "Response", "Simple view", "Ellipse", "Showing 1 to 6 of 6 entries",
                      "Filter query results", "Run query"):
            assert label in labels, label
        assert not {"Tabla", "Respuesta", "Vista simple"} & set(labels)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_yasgui_s_settings_and_popups_speak_the_pages_language(page, base_url, lang):
    said = words("yasgui", lang)
    run_default_query(page, base_url, lang)
    page.click(".tabContextButton")  # the settings open: the button now closes them
    page.wait_for_function("l => document.querySelector('.tabContextButton').getAttribute('aria-label') === l",
                           arg=said["close_settings"])
    shown = page.evaluate(LABELS_JS)
    for key in ("settings", "request_method", "accept_headers", "arguments", "header_arguments", "default_graphs",
                "named_graphs"):
        assert said[key] in shown, key
    page.click(".tabContextButton")
    page.wait_for_function("l => document.querySelector('.tabContextButton').getAttribute('aria-label') === l",
                           arg=said["open_settings"])
    page.click(".yasqe_share")  # the popup with the link to share
    page.wait_for_selector(".yasqe_sharePopup button.curl")
    endpoint = page.locator(".autocompleteWrapper input")
    endpoint.fill("zzz")  # no endpoint known by that name: the hint to add it
    page.wait_for_selector(".autocompleteList .noResults")
    assert page.locator(".autocompleteList .noResults").inner_text() == said["add_endpoint"]
    if lang == "es":
        english = sorted({english_label(t) for t in page.evaluate(LABELS_JS)} - {None})
        assert english == [], english


def nav_of(page) -> list[tuple[str, str]]:
    """The site's menu on this page (the language switch left out): (label, link)."""
    return [(a.inner_text(), a.get_attribute("href")) for a in page.locator("header.site nav li:not(.switch) a").all()]


@pytest.mark.parametrize("lang,title,other_title,kind", [
    ("en", "Acuerdo 449 competency 3", "Competencia 3 del Acuerdo 449", "Director competency"),
    ("es", "Competencia 3 del Acuerdo 449", "Acuerdo 449 competency 3", "Competencia del director")])
def test_linked_data_pages_share_the_sites_frame_and_language(page, base_url, lang, title, other_title, kind):
    page.goto(f"{base_url}/browse?lang={lang}")
    menu = nav_of(page)
    page.goto(f"{base_url}/competencias/c3?lang={lang}")
    assert page.get_attribute("html", "lang") == lang
    assert page.locator("h1").inner_text() == title
    assert page.locator(".other-lang").inner_text() == other_title
    assert nav_of(page) == menu and len(menu) >= 5
    assert page.locator("main").get_by_role("link", name=kind).count() >= 1
    # Links to other resources keep the language; the switch goes to the same resource in the other one.
    hrefs = page.locator("table.links a[href^='/competencias/c3/']").evaluate_all("a => a.map(x => x.getAttribute('href'))")
    assert hrefs and all(h.endswith("?lang=en") == (lang == "en") for h in hrefs)
    page.locator("header.site .switch a").click()
    assert page.locator("h1").inner_text() == other_title
    # The ontology's document and an error page are in the same frame.
    page.goto(f"{base_url}/ontology?lang={lang}")
    assert nav_of(page) == menu
    page.goto(f"{base_url}/competencias/c99?lang={lang}")
    assert page.locator("h1").inner_text() == ("Not found" if lang == "en" else "No encontrado")
    assert nav_of(page) == menu


@pytest.mark.parametrize("lang", ["es", "en"])
def test_browse_shows_each_proposals_filer_subsystems_and_version_a_page_at_a_time(page, base_url, lang):
    page.goto(f"{base_url}/browse?lang={lang}")
    rows = page.locator("table.proposals tbody tr")
    assert rows.count() == 3  # the shipped examples, one page
    assert page.locator("section.filer-kind").evaluate_all("s => s.map(x => x.dataset.kind)") == ["subsecretaria", "ael", "od"]
    jal = page.locator("tr[data-proposal$='/ejemplo-ael-jal']")
    assert jal.locator("td.version").inner_text().startswith("2 de 2" if lang == "es" else "2 of 2")
    assert "Jalisco" in page.locator(".filer", has=jal).locator("h4").inner_text()
    dgb = page.locator("tr[data-proposal$='/ejemplo-dgb']")
    assert "(DGB)" in dgb.locator("td.subsystems").inner_text()
    assert dgb.locator("td.version").inner_text().startswith("1 de 1" if lang == "es" else "1 of 1")
    # A page at a time: one proposal a page, the next page through the pager.
    page.goto(f"{base_url}/browse?lang={lang}&por_pagina=1")
    assert rows.count() == 1 and rows.first.get_attribute("data-proposal").endswith("/ejemplo-dgb")
    page.locator(".pager a[rel='next']").first.click()
    page.wait_for_url(re.compile(r"pagina=2"))
    assert rows.count() == 1 and rows.first.get_attribute("data-proposal").endswith("/ejemplo-ael-jal")
    assert page.locator("#proposals-count").inner_text().startswith("2–2")
    assert page.evaluate("document.documentElement.scrollHeight") < 4000  # the provisions fold under their first level
