"""The query page drew a query using the prefixes the server declares (ppi:, comp:, …) without PREFIX lines as a
parse error (YASQE's error marker in the gutter), though the endpoint answers it: YASQE is now told of the
server's prefix map."""

from __future__ import annotations

from browser.test_ui import RESULT_ROWS, open_editor

from .query_page import set_query


def test_the_servers_prefixes_are_not_parse_errors_in_the_editor(page, base_url):
    open_editor(page, base_url, "es")
    page.click(".yasqe .CodeMirror")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    # Typed, as a person does: no PREFIX line, prefixes only the server declares.
    page.keyboard.type("SELECT ?c ?a WHERE { ?c a ppi:Competency ; skos:notation ?n ; ppi:correspondsToAspect ?a . "
                       "FILTER(?c = comp:c3 && ?a = asp:III) }")
    page.keyboard.press("Escape")
    assert page.locator(".yasqe .parseErrorIcon, .CodeMirror-lint-marker-error").count() == 0
    assert page.locator(".yasqe .cm-error").count() == 0
    assert "PREFIX" not in page.evaluate("document.querySelector('.yasqe .CodeMirror').CodeMirror.getValue()")
    page.click(".yasqe_queryButton")
    page.wait_for_selector(RESULT_ROWS)
    assert page.locator(RESULT_ROWS).count() == 1
    # A prefix nobody declared is still an error.
    set_query(page, "SELECT * WHERE { ?c a nadie:Competency }")
    page.wait_for_selector(".yasqe .parseErrorIcon")
