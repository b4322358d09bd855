"""The analysts' pages in chromium, es and en: a heat-map cell leads to its indicators, the heat-map and the
citations graph download as SVG and PNG, the dashboard's ticks open the comparison, a citation node leads to its
provision, and no page is wider than the window."""

from __future__ import annotations

import re
import struct

import pytest

DGB = "https://w3id.org/ppikg/propuestas/ejemplo-dgb"
JAL = "https://w3id.org/ppikg/propuestas/ejemplo-ael-jal"
C4 = "https://w3id.org/ppikg/competencias/c4"
SEPTIMO_IV = "https://w3id.org/ppikg/eli/mx/sep/lineamientos/2013/12/27/ppi-directores-ems/lineamiento_7/fraccion_4"


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_heat_map_cell_leads_to_the_indicators_behind_its_number(page, base_url, lang):
    page.goto(f"{base_url}/coverage?lang={lang}")
    fits(page)
    cell = page.locator(f"#coverage-svg a.cell[data-proposal='{DGB}'][data-competency='{C4}']")
    count = int(cell.locator("text").text_content())
    assert count > 0
    cell.click()
    page.wait_for_url(re.compile(r"/coverage/indicators\?"))
    assert page.get_attribute("html", "lang") == lang
    fits(page)
    links = page.locator("table.indicators a.indicator")
    assert links.count() == count
    first = links.first.inner_text()
    links.first.click()
    page.wait_for_url(re.compile(rf"/propuestas/ejemplo-dgb/{re.escape(first)}(\?|$)"))


@pytest.mark.parametrize("path, mark", [("/coverage", b'class="cell"'), ("/citas", b'class="node')])
@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_heat_map_and_the_citations_download_as_svg_and_png(page, base_url, lang, path, mark):
    page.goto(f"{base_url}{path}?lang={lang}")
    with page.expect_download() as got:
        page.click("#download-svg")
    svg = open(got.value.path(), "rb").read()
    assert got.value.suggested_filename.endswith(".svg") and svg.startswith(b"<svg") and mark in svg
    with page.expect_download() as got:
        page.click("#download-png")
    png = open(got.value.path(), "rb").read()
    assert got.value.suggested_filename.endswith(".png") and png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 600 and height > 300


@pytest.mark.parametrize("lang, button", [("es", "Comparar las marcadas"), ("en", "Compare the ones ticked")])
def test_the_dashboard_ticks_open_the_comparison_of_both(page, base_url, lang, button):
    page.goto(f"{base_url}/propuestas?lang={lang}")
    for iri in (DGB, JAL):
        page.locator(f"tr[data-proposal='{iri}'] input[name='p']").check()
    page.get_by_role("button", name=button).click()
    page.wait_for_url(re.compile(r"/comparar\?"))
    assert page.get_attribute("html", "lang") == lang
    shown = page.locator("ol.compared li").evaluate_all("ls => ls.map(l => l.dataset.proposal)")
    assert sorted(shown) == sorted([DGB, JAL])
    heads = page.locator("table.compare.competency thead th")
    assert heads.count() == 3  # the row heading and one column per proposal
    fits(page)


def test_compare_in_english_by_its_path(page, base_url):
    page.goto(f"{base_url}/compare?p=ejemplo-dgb&p=ejemplo-ael-jal")
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("h1").inner_text() == "Compare proposals"
    assert page.locator("ol.compared li").count() == 2


@pytest.mark.parametrize("path, lang", [("/citas", "es"), ("/citations", "en")])
def test_a_citation_node_leads_to_its_provision(page, base_url, path, lang):
    page.goto(base_url + path)
    assert page.get_attribute("html", "lang") == lang
    fits(page)
    node = page.locator(f"#citations-svg a.node.provision[data-iri='{SEPTIMO_IV}']")
    label = node.locator("title").text_content().split(" — ")[0]
    node.click()
    page.wait_for_url(re.compile(r"/lineamiento_7/fraccion_4(\?|$)"))
    assert label in page.locator("body").inner_text()  # the linked-data page shows both languages


def test_the_nav_and_home_link_to_the_citations(page, base_url):
    page.goto(f"{base_url}/?lang=en")
    page.locator("header.site nav").get_by_role("link", name="Citations").click()
    page.wait_for_url(re.compile(r"/citas\?lang=en"))
    assert page.locator("ul.citations > li.law").count() > 3
