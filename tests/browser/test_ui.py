"""The web UI in a real browser: the editor, a canned query, upload-and-validate, the heat-map, browsing,
and not one request leaving 127.0.0.1 (the conftest's `page` checks that after every test)."""

from __future__ import annotations

import re

import pytest

from .conftest import EXAMPLE_TTL, EXAMPLE_XLSX, needs, status_of

RESULT_ROWS = ".yasr table tbody tr"


def open_editor(page, base_url: str, lang: str = "es"):
    page.goto(f"{base_url}/?lang={lang}")
    page.wait_for_selector(".yasqe .CodeMirror")


def test_editor_loads_runs_a_query_and_shows_results(page, base_url):
    open_editor(page, base_url, "en")
    assert page.get_attribute("html", "lang") == "en"
    page.click(".yasqe .CodeMirror")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type("SELECT ?c WHERE { ?c a ppi:Competency } ORDER BY ?c")
    page.keyboard.press("Escape")  # closes an autocompletion list if one opened
    with page.expect_response(lambda r: r.url.endswith("/sparql?lang=en") and r.request.method == "POST") as answer:
        page.click(".yasqe_queryButton")

    assert answer.value.status == 200
    page.wait_for_selector(RESULT_ROWS)
    rows = page.locator(RESULT_ROWS)
    assert rows.count() == 6
    # IRIs are shown with the server's prefixes (comp: is one), linking to the full IRI.
    assert "comp:c3" in rows.nth(2).inner_text()
    assert rows.nth(2).locator("a[href='https://w3id.org/ppikg/competencias/c3']").count() == 1
    # A minted IRI in the results opens its linked-data page here (in a new tab), not on w3id.org.
    with page.context.expect_page() as opened:
        page.locator(RESULT_ROWS + " a", has_text="comp:c1").first.click()
    assert opened.value.url.startswith(base_url + "/competencias/c1")


def test_canned_queries_load_into_the_editor_and_run(page, base_url):
    needs(base_url, "/queries")
    open_editor(page, base_url)
    forms = page.locator("#canned-list form")
    forms.first.wait_for()
    listed = page.evaluate("fetch('/queries').then(r => r.json())")
    assert forms.count() == len(listed)
    # One with a parameter (filled in from the query's example: run by /queries/{id}) and, if there is one,
    # one without (run in the editor against /sparql).
    with_params = [q for q in listed if q.get("parameters")]
    without = [q for q in listed if not q.get("parameters")]
    for query in with_params[:1] + without[:1]:
        form = page.locator(f"#canned-list form[data-query-id='{query['id']}']")
        path = f"/queries/{query['id']}" if query in with_params else "/sparql"
        with page.expect_response(lambda r: path in r.url and ".rq" not in r.url) as answer:
            form.locator("button.run").click()
        assert answer.value.status == 200
        page.wait_for_selector(RESULT_ROWS)
        assert page.locator("#editor-status").inner_text() == ""
        assert "SELECT" in page.evaluate("Yasgui.Yasqe ? document.querySelector('.yasqe .CodeMirror')"
                                         ".CodeMirror.getValue() : ''")
        assert page.locator(RESULT_ROWS).count() >= 1


@pytest.mark.parametrize("lang,file,word", [("es", EXAMPLE_TTL, "CONFORME"), ("en", EXAMPLE_XLSX, "CONFORMS")])
def test_upload_and_validate_shows_the_report(page, base_url, lang, file, word):
    page.goto(f"{base_url}/audit?lang={lang}")
    page.set_input_files("#proposal-file", str(file))
    with page.expect_response(lambda r: "/validate" in r.url) as answer:
        page.get_by_role("button", name=re.compile("Verificar|Check")).click()
    assert answer.value.status == 200
    assert answer.value.request.headers["content-type"] in (
        "text/turtle", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    page.wait_for_selector("#report-section:not([hidden])")
    report = page.frame_locator("#report-frame")
    assert report.locator("#verdict").inner_text().startswith(word)
    assert report.locator("section.req").count() == 33
    assert "ok" in page.get_attribute("#verdict", "class")


def test_upload_of_a_broken_file_shows_the_servers_message(page, base_url, tmp_path):
    bad = tmp_path / "rota.ttl"
    bad.write_text("@prefix : <x> . :a :b", encoding="utf-8")
    page.goto(f"{base_url}/audit?lang=en")
    page.set_input_files("#proposal-file", str(bad))
    page.get_by_role("button", name="Check").click()
    alert = page.locator("#audit-status.error")
    alert.wait_for()
    assert "HTTP 400" in alert.inner_text()
    assert page.locator("#report-section").is_hidden()


def test_coverage_heat_map_shows(page, base_url):
    needs(base_url, "/api/coverage.svg")
    page.goto(f"{base_url}/coverage?lang=en")
    heatmap = page.locator("#coverage-svg")
    heatmap.wait_for()
    box = heatmap.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 50
    assert page.locator("#coverage-status").inner_text() == ""


def test_browse_lists_link_to_linked_data_pages_and_the_language_switches(page, base_url):
    page.goto(f"{base_url}/browse")
    assert page.get_attribute("html", "lang") == "es"
    assert page.locator("ol.competencies > li").count() == 6
    assert page.locator("ul.provisions a[href$='/lineamiento_8/fraccion_3']").count() == 1
    assert page.locator("table.proposals a[href='/propuestas/ejemplo-dgb']").count() == 1
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/browse\?lang=en$"))
    assert page.get_attribute("html", "lang") == "en"
    assert page.get_by_role("heading", name="Director competencies (Acuerdo 449)").is_visible()
    # Keyboard: the first Tab reaches the skip link, which moves focus to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    # A proposal's gaps: the canned query `gaps` opened in the editor with the proposal filled in, and run.
    if status_of(base_url + "/queries/gaps") == 200:
        with page.expect_response(lambda r: "/queries/gaps?proposal=" in r.url) as answer:
            example = page.locator("table.proposals tr", has=page.locator("a[href='/propuestas/ejemplo-dgb?lang=en']"))
            example.get_by_role("link", name="coverage gaps").click()
        assert answer.value.status == 200
        page.wait_for_selector(RESULT_ROWS)


def test_no_request_leaves_127_0_0_1_even_while_typing(page, base_url):
    """Every page, and typing where YASQE would autocomplete classes, properties and prefixes remotely.
    (The page's Content Security Policy would block such a request before it is sent; the `page` fixture
    fails the test on a CSP violation as well as on a request to another host.)"""
    for path in ("/browse", "/audit", "/coverage"):
        page.goto(base_url + path)
    open_editor(page, base_url)
    page.click(".yasqe .CodeMirror")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    # With YASQE's defaults these would ask lov.linkeddata.es for classes and properties.
    page.keyboard.type("PREFIX foaf: <http://xmlns.com/foaf/0.1/>\nSELECT * WHERE { ?s a foaf:Pers", delay=20)
    page.keyboard.press("Control+Space")
    page.keyboard.type("on ; foaf:nam", delay=20)
    page.keyboard.press("Control+Space")
    page.keyboard.type("e ?n }\n# PREFIX sch", delay=20)
    page.wait_for_timeout(500)
    hosts = {re.sub(r"^(\w+://[^/]+).*", r"\1", u) for u in page.requests}
    assert hosts == {base_url}, hosts


@pytest.mark.parametrize("lang, heading, proposals", [("es", "Propuestas: panel nacional", "propuesta"),
                                                      ("en", "Proposals: national dashboard", "proposal")])
def test_the_national_dashboard_sorts_and_links_to_each_proposals_history(page, base_url, lang, heading, proposals):
    page.goto(f"{base_url}/propuestas?lang={lang}")
    assert page.locator("h1").inner_text() == heading
    rows = page.locator("table.dashboard tbody tr")
    rows.first.wait_for()
    names = lambda: [r.split("/")[-1] for r in rows.evaluate_all("rs => rs.map(r => r.dataset.proposal)")]
    assert names() == sorted(names()) and "ejemplo-ael-jal" in names()
    page.click("th a[data-sort='proposal']")  # the active column: a second click reverses it
    page.wait_for_url(re.compile(r"desc=true"))
    assert names() == sorted(names(), reverse=True)
    assert page.locator("th[aria-sort='descending']").count() == 1
    row = page.locator("tr[data-proposal$='/ejemplo-ael-jal']")
    row.locator("a", has_text=re.compile("^(Versiones de la propuesta|Versions of the proposal)$")).click()
    page.wait_for_url(re.compile(r"/propuestas/ejemplo-ael-jal/versiones"))
    assert page.locator("table.history tbody tr").count() == 2
    page.locator("table.history a", has_text=re.compile("^(Diferencias|Differences)$")).click()
    page.wait_for_url(re.compile(r"/diferencias"))
    assert "LIN-14-I" in page.locator("table.requirements-diff").inner_text()
    assert proposals in page.locator("main").inner_text().lower()


@pytest.mark.parametrize("lang", ["es", "en"])
def test_each_template_downloads_from_the_audit_page(page, base_url, lang):
    page.goto(f"{base_url}/audit?lang={lang}")
    links = page.locator("ul.downloads a")
    assert links.count() == 4
    for i in range(4):
        with page.expect_download() as got:
            links.nth(i).click()
        download = got.value
        assert download.suggested_filename == links.nth(i).get_attribute("href").rsplit("/", 1)[-1]
        assert download.failure() is None and len(open(download.path(), "rb").read()) > 1000


def test_an_ods_spreadsheet_uploads_and_validates(page, base_url, tmp_path):
    """LibreOffice's own format, written from the template's CSV folder, is checked like the workbook."""
    from tests.proposals.helpers import EXAMPLE_CSV
    from tests.proposals.test_ods import ods

    path = tmp_path / "mi-propuesta.ods"
    path.write_bytes(ods(EXAMPLE_CSV))
    page.goto(f"{base_url}/audit?lang=es")
    page.set_input_files("#proposal-file", str(path))
    with page.expect_response(lambda r: "/validate" in r.url) as answer:
        page.get_by_role("button", name="Verificar").click()
    assert answer.value.status == 200
    assert answer.value.request.headers["content-type"] == "application/vnd.oasis.opendocument.spreadsheet"
    page.wait_for_selector("#report-section:not([hidden])")
    assert page.frame_locator("#report-frame").locator("#verdict").inner_text().startswith("CONFORME")


@pytest.mark.parametrize("lang,label,name", [("es", "Descargar", "informe"), ("en", "Download", "report")])
def test_the_report_offers_its_downloads_and_the_pdf_downloads(page, base_url, lang, label, name):
    page.goto(f"{base_url}/audit?lang={lang}")
    page.set_input_files("#proposal-file", str(EXAMPLE_TTL))
    page.get_by_role("button", name=re.compile("Verificar|Check")).click()
    page.wait_for_selector("#report-section:not([hidden])")
    for fmt in ("PDF", "CSV", "XLSX"):
        assert page.get_by_role("button", name=f"{label} {fmt}").is_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name=f"{label} PDF").click()
    assert download.value.suggested_filename == f"{name}.pdf"
    with open(download.value.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"


def test_a_version_report_page_links_its_downloads(page, base_url):
    page.goto(f"{base_url}/propuestas/ejemplo-ael-jal/versiones/1/informe?lang=en")
    links = page.locator("nav.downloads a")
    assert links.all_inner_texts() == ["Download PDF", "Download CSV", "Download XLSX"]
    with page.expect_download() as download:
        links.first.click()
    assert download.value.suggested_filename == "report.pdf"
    with open(download.value.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"
