"""A query with a syntax error showed the server's JSON body as one raw line running off the page: the message is
now shown wrapped inside the page, with its line and column, in the page's language."""

from __future__ import annotations

import pytest

from browser.test_ui import open_editor

from .query_page import VIEWPORT_WIDTH, set_query


@pytest.mark.parametrize("lang,heading,position", [("es", "Error de sintaxis en la consulta", "línea 3, columna 17"),
                                                   ("en", "Syntax error in the query", "line 3, column 17")])
def test_a_syntax_error_is_shown_wrapped_inside_the_page(page, base_url, lang, heading, position):
    open_editor(page, base_url, lang)
    set_query(page, "SELECT ?x WHERE {\n ?x a ppi:Competency .\n FILTER(?x = ) }")
    with page.expect_response(lambda r: r.url.split("?")[0].endswith("/sparql")) as answer:
        page.click(".yasqe_queryButton")
    assert answer.value.status == 400
    box = page.locator(".query-error")
    box.wait_for()
    assert box.locator("h3").inner_text().startswith(heading)
    assert box.locator(".position").inner_text() == position
    message = box.locator("pre.message")
    assert "expected one of" in message.inner_text() and not message.inner_text().startswith("{")
    right = page.evaluate("document.querySelector('.query-error').getBoundingClientRect().right")
    assert right <= VIEWPORT_WIDTH
    assert page.evaluate("(e => e.scrollWidth <= e.clientWidth)(document.querySelector('.query-error pre'))")
    assert message.bounding_box()["height"] > 30  # the long message runs on more than one line
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT_WIDTH
