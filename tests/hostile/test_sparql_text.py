"""Hostile SPARQL texts against a real server: long texts that once made the safety checks quadratic, texts
nested deep enough to overflow the parser's stack, texts over the size limit. Each is refused (or answered)
with the one error body while `/health` keeps answering and memory stays bounded."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from ppikg.sparql.lexer import tokenize
from ppikg.sparql.safety import MAX_NESTING, MAX_TEXT

from .conftest import TOKEN, assert_refused, assert_unharmed

HEAD = "SELECT * WHERE { ?s ?p ?o } LIMIT 1 "


def post_query(url: str, text: str) -> httpx.Response:
    return httpx.post(url + "/sparql?lang=en", content=text.encode(), timeout=60,
                      headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})


def post_update(url: str, text: str) -> httpx.Response:
    return httpx.post(url + "/sparql?lang=en", content=text.encode(), timeout=60,
                      headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})


def test_the_lexer_is_linear_on_dotted_name_runs():
    """``a.a.a.…`` once cost a rescan of the rest of the run at every token: 4× the text took ~16× the time
    (40,000 pairs: about a minute). CPU time, best of three, so that other work on the machine counts less, and
    without the garbage collector, whose full passes over the growing token list are not the lexer's work."""
    import gc
    import time

    def cost(n: int) -> float:
        text = HEAD + "a." * n
        best = float("inf")
        for _ in range(3):
            gc.disable()
            try:
                t = time.process_time()
                tokenize(text)
                best = min(best, time.process_time() - t)
            finally:
                gc.enable()
        return best

    small, large = cost(10_000), cost(40_000)
    assert large / small < 9, (small, large)  # linear: ~4; quadratic: ~16


def test_a_long_dotted_query_does_not_stall_the_server(served):
    text = HEAD + "a." * (MAX_TEXT // 8)  # 256 K tokens: once 20 s of the event loop, now a syntax error
    response, slowest, peak = served.while_probing(lambda: post_query(served.url, text))
    assert_refused(response, 400, "syntax")
    assert_unharmed(slowest, peak)


@pytest.mark.parametrize("size, words", [(5 * MAX_TEXT, "at most"), (21 * 1024 * 1024, "body over")],
                         ids=["over-the-text-limit", "over-the-body-limit"])
def test_a_text_over_the_limit_is_refused_unread(served, size, words):
    text = HEAD + "a." * (size // 2)
    response, slowest, peak = served.while_probing(lambda: post_query(served.url, text))
    assert_refused(response, 413, words)
    assert_unharmed(slowest, peak)


DEEP = 10_000


@pytest.mark.parametrize("text", [
    "SELECT * WHERE " + "{" * DEEP + " ?s ?p ?o " + "}" * DEEP,
    "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * DEEP + "?o" + ")" * DEEP + ") }",
    "SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o " * DEEP + "}" * DEEP + " }",
    "SELECT * WHERE { ?s ?p " + "[ <urn:p> " * DEEP + "?o" + " ]" * DEEP + " }",
    "SELECT * WHERE " + r"\u007B" * DEEP + " ?s ?p ?o " + r"\u007D" * DEEP,  # the braces as codepoint escapes
], ids=["braces", "filter-parentheses", "optionals", "blank-node-brackets", "escaped-braces"])
def test_deep_nesting_is_refused_before_the_parser(served, text):
    response, slowest, peak = served.while_probing(lambda: post_query(served.url, text))
    assert_refused(response, 400, f"at most {MAX_NESTING}")
    assert_unharmed(slowest, peak)
    ok = post_query(served.url, "ASK { ?s ?p ?o }")
    assert ok.status_code == 200 and ok.json()["boolean"] is True


def test_nesting_people_write_is_accepted(served):
    text = "SELECT * WHERE " + "{" * 40 + " ?s ?p ?o " + "}" * 40 + " LIMIT 1"
    assert post_query(served.url, text).status_code == 200


def test_a_deeply_nested_update_is_refused_and_the_server_lives(served):
    text = "INSERT DATA " + "{" * DEEP + "}" * DEEP
    response, slowest, peak = served.while_probing(lambda: post_update(served.url, text))
    assert_refused(response, 400, f"at most {MAX_NESTING}")
    assert_unharmed(slowest, peak)
    assert post_update(served.url, "INSERT DATA { GRAPH <urn:x:hostile> { <urn:a> <urn:p> <urn:b> } }").status_code == 204


def test_the_command_line_refuses_deep_nesting_with_one_line(shipped_store, tmp_path):
    store = shipped_store(tmp_path / "store")
    text = "SELECT * WHERE " + "{" * DEEP + " ?s ?p ?o " + "}" * DEEP
    done = subprocess.run([sys.executable, "-m", "ppikg", "query", "--store", str(store), text],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr[-500:]
    assert len(done.stderr.strip().splitlines()) == 1 and f"se aceptan {MAX_NESTING} como máximo" in done.stderr
