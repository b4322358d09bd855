"""The results of a canned query made the query page about 2,600 px wide: the results now stay inside the page,
a wide table scrolling in its own box."""

from __future__ import annotations

from browser.conftest import needs
from browser.test_ui import RESULT_ROWS, open_editor

from .query_page import VIEWPORT_WIDTH


def test_the_page_keeps_its_width_after_each_canned_query(page, base_url):
    needs(base_url, "/queries")
    open_editor(page, base_url, "es")
    forms = page.locator("#canned-list form")
    forms.first.wait_for()
    for i in range(forms.count()):
        form = forms.nth(i)
        with page.expect_response(lambda r: ("/queries/" in r.url and ".rq" not in r.url) or r.url.split("?")[0].endswith("/sparql")):
            form.locator("button.run").click()
        page.wait_for_selector(RESULT_ROWS)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORT_WIDTH, (form.get_attribute("data-query-id"), width)
