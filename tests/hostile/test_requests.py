"""Hostile request lines, headers and paths against a real server: thousands of parameters, repeated ones,
percent-encodings that are not UTF-8, headers of megabytes and by the thousand, absurd ``Accept`` headers,
Content-Lengths that lie, chunked bodies past the limit, methods no route answers, and paths that climb out of
their route (``..``, ``%2e%2e``, NUL) or run for megabytes on every route family. Each is a 4xx with the one JSON
error body — the parser's refusals included — never a 500 nor a file from outside the package."""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest

from ppikg.http.wire import MAX_HEAD, MAX_URL

from .conftest import BODY_TIMEOUT_S, TOKEN, assert_refused, assert_unharmed

ASK = {"query": "ASK { ?s ?p ?o }"}
JSON_RESULTS = {"Accept": "application/sparql-results+json"}


def raw(url: str, request: bytes, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` bytes as they are on a new connection; the status, headers and body of the first
    answer (the connection closed after it)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as s:
        try:
            s.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before all of it was read: the answer is waiting
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            assert chunk, f"the connection closed without an answer: {data[:200]!r}"
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
        while len(body) < int(headers.get("content-length", 0)):
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
    return int(status_line.split()[1]), headers, body


def assert_raw_refused(answer: tuple[int, dict[str, str], bytes], status: int, words: str) -> None:
    got, headers, body = answer
    assert got == status, (got, body[:300])
    assert headers.get("content-type", "").startswith("application/json"), headers
    error = json.loads(body)
    assert set(error) == {"error", "status", "code"} and error["status"] == status, error
    assert words in error["error"], error


def get(url: str, path: str, **kw) -> httpx.Response:
    return httpx.get(url + path, timeout=60, **kw)


# Parameters


def test_thousands_of_parameters_are_ignored_and_the_query_answered(served):
    query = "query=ASK%20%7B%7D&" + "&".join(f"p{i}=x" for i in range(6_000))  # 48 kB
    request = f"GET /sparql?{query} HTTP/1.1\r\nHost: x\r\nAccept: application/sparql-results+json\r\n\r\n"
    (status, _, body), slowest, peak = served.while_probing(lambda: raw(served.url, request.encode()))
    assert status == 200 and json.loads(body)["boolean"] is True
    assert_unharmed(slowest, peak)


@pytest.mark.parametrize("path, query, words", [
    ("/sparql", "query=ASK%7B%7D&query=ASK%7B%7D", "más de un parámetro «query»"),
    ("/rdf-graphs/service", "&".join(f"graph=urn:x:g{i}" for i in range(3_000)), "exactamente un grafo"),
], ids=["query", "graph-3000-times"])
def test_a_repeated_parameter_is_refused(served, path, query, words):
    request = f"GET {path}?{query} HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n"
    assert_raw_refused(raw(served.url, request.encode()), 400, words)


@pytest.mark.parametrize("target, status, words", [
    ("/sparql?lang=en&query=ASK%20%7B%ff%fe%7D", 400, "syntax"),
    ("/rdf-graphs/service?graph=urn:x:%ff%c3", 400, "no es un IRI absoluto"),
    ("/queries/%ff%fe", 404, "ninguna consulta predefinida"),
    ("/propuestas/%ff%fe", 404, "no se sabe nada de"),
    ("/static/%ff%fe.css?lang=en", 404, "nothing is served"),
], ids=["sparql-query", "graph-iri", "canned-query", "linked-data-page", "static"])
def test_percent_encoding_that_is_not_utf8_is_a_clear_4xx(served, target, status, words):
    assert_refused(get(served.url, target, headers={"Accept": "application/json"}), status, words)


# Headers


def test_a_header_of_64_kb_and_hundreds_of_headers_are_answered(served):
    big = {"X-Big": "a" * 65_536, **{f"X-H{i}": "v" * 20 for i in range(500)}, **JSON_RESULTS}
    response, slowest, peak = served.while_probing(lambda: get(served.url, "/sparql", params=ASK, headers=big))
    assert response.status_code == 200
    assert_unharmed(slowest, peak)


@pytest.mark.parametrize("headers", [
    b"X-Big: " + b"a" * (4 * MAX_HEAD) + b"\r\n",
    b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 1000) for i in range(2 * MAX_HEAD // 1000)),
], ids=["one-header-of-4-mb", "two-thousand-headers-of-1-kb"])
def test_a_request_head_over_the_limit_is_431_and_the_server_holds_none_of_it(served, headers):
    """httptools kept every byte of a request's headers, without a limit: a 100 MB header cost the server
    100 MB, read for as long as the client sent it."""
    request = b"GET /health HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n"
    answer, slowest, peak = served.while_probing(lambda: raw(served.url, request))
    assert_raw_refused(answer, 431, "los encabezados superan los")
    assert_unharmed(slowest, peak)


@pytest.mark.parametrize("accept, status", [
    (", ".join(f"type{i}/sub{i};q=0.{i % 10}" for i in range(5_000)), 406),
    ("text/csv;q=" + "9" * 5_000, 406),
    ("application/sparql-results+xml;q=1e999, application/sparql-results+json;q=nan", 200),
    ("application/sparql-results+json;q=-1", 406),
    (";;;,,,*/*;;", 200),
], ids=["5000-media-ranges", "q-of-5000-digits", "q-1e999-and-nan", "negative-q", "empty-ranges"])
def test_an_absurd_accept_is_answered_or_406(served, accept, status):
    response, slowest, peak = served.while_probing(lambda: get(served.url, "/sparql", params=ASK,
                                                               headers={"Accept": accept}))
    if status == 406:
        assert_refused(response, 406, "ofrece")
    else:
        assert response.status_code == 200
    assert_unharmed(slowest, peak)


# Bodies


def test_a_content_length_shorter_than_the_body_is_read_as_declared_and_the_rest_refused(served):
    """The declared five bytes are the request's body (a syntax error); what follows is no request at all."""
    body = b"ASK { ?s ?p ?o }"
    request = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
               b"Content-Length: 5\r\nAccept: application/sparql-results+json\r\n\r\n" + body)
    assert_raw_refused(raw(served.url, request), 400, "")


def test_a_body_that_stops_arriving_is_given_up_with_408_and_writes_nothing(served):
    """A Content-Length longer than what is sent: before, the request was held for as long as the client kept
    the connection open."""
    iri = "urn:x:hostile-short-body"
    body = b"<urn:a> <urn:b> <urn:c> ."
    request = (f"PUT /rdf-graphs/service?graph={iri} HTTP/1.1\r\nHost: x\r\nContent-Type: text/turtle\r\n"
               f"Authorization: Bearer {TOKEN}\r\nContent-Length: {len(body) + 1000}\r\n\r\n").encode() + body
    started = time.monotonic()
    answer, slowest, peak = served.while_probing(lambda: raw(served.url, request, timeout=4 * BODY_TIMEOUT_S))
    assert BODY_TIMEOUT_S <= time.monotonic() - started < 3 * BODY_TIMEOUT_S
    assert_raw_refused(answer, 408, "el cuerpo dejó de llegar")
    assert_unharmed(slowest, peak)
    assert get(served.url, "/rdf-graphs/service", params={"graph": iri}).status_code == 404


@pytest.mark.parametrize("content_length", [b"abc", b"-1", b"99999999999999999999999"])
def test_a_malformed_content_length_is_a_json_400(served, content_length):
    request = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
               b"Content-Length: " + content_length + b"\r\n\r\nASK {}")
    assert_raw_refused(raw(served.url, request), 400, "no es una petición HTTP/1.1 válida")


@pytest.mark.parametrize("path, media", [
    ("/sparql", "application/sparql-query"),
    ("/validate", "text/turtle"),
    ("/rdf-graphs/service?graph=urn:x:hostile-chunked", "text/turtle"),
], ids=["sparql", "validate", "graph-store"])
def test_a_chunked_body_past_the_limit_is_413_and_nothing_is_written(served, path, media):
    def chunks():
        for _ in range(24):
            yield b"<urn:a> <urn:b> <urn:c> .\n" * 40_000  # 1 MB

    def send() -> httpx.Response:
        method = "PUT" if "graph=" in path else "POST"
        return httpx.request(method, served.url + path, content=chunks(), timeout=60,
                             headers={"Content-Type": media, "Authorization": f"Bearer {TOKEN}"})

    response, slowest, peak = served.while_probing(send)
    assert_refused(response, 413, "el cuerpo supera los")
    assert_unharmed(slowest, peak)
    assert get(served.url, "/rdf-graphs/service", params={"graph": "urn:x:hostile-chunked"}).status_code == 404


# Methods


@pytest.mark.parametrize("method", ["PATCH", "PROPFIND", "PUT", "DELETE", "OPTIONS"])
def test_a_405_on_sparql_allows_get_and_post(served, method):
    """The Allow header once named only GET — the first of the two routes of /sparql — though POST is
    how queries over the URL's length and every update are sent."""
    r = httpx.request(method, served.url + "/sparql", timeout=30)
    assert_refused(r, 405, "use GET, HEAD, POST")
    assert r.headers["Allow"] == "GET, HEAD, POST"


def test_a_405_on_the_graph_store_allows_every_method_it_answers(served):
    r = httpx.request("PATCH", served.url + "/rdf-graphs/service", params={"graph": "urn:x:g", "lang": "en"}, timeout=30)
    assert_refused(r, 405, "PATCH is not allowed")
    assert r.headers["Allow"] == "GET, HEAD, POST, PUT, DELETE"


def test_a_method_the_parser_does_not_know_is_a_json_400(served):
    assert_raw_refused(raw(served.url, b"FROBNICATE /sparql HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "Invalid method")


# Paths

FAMILIES = ["/propuestas/", "/static/", "/queries/", "/api/"]
CLIMBS = ["../../../../etc/passwd", "..%2f..%2f..%2f..%2fetc%2fpasswd", "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
          "%2e%2e%2f%2e%2e%2fpyproject.toml", "..%5c..%5cpyproject.toml", "%00", "a%00b", "..%00/etc/passwd",
          "....//....//etc/passwd", "%252e%252e/%252e%252e/etc/passwd"]
#: What a file outside the package would show: /etc/passwd, the project's pyproject.toml, a module's source.
LEAKS = (b"root:", b"[project]", b"def create_app")


@pytest.mark.parametrize("family", FAMILIES)
def test_a_path_that_climbs_out_of_its_route_is_a_404(served, family):
    for climb in CLIMBS:
        status, headers, body = raw(served.url, f"GET {family}{climb} HTTP/1.1\r\nHost: x\r\n"
                                                 "Accept: application/json\r\nConnection: close\r\n\r\n".encode())
        assert status in (400, 404), (climb, status, body[:200])
        assert not any(leak in body for leak in LEAKS), (climb, body[:200])
        assert set(json.loads(body)) == {"error", "status", "code"}, (climb, body[:200])


@pytest.mark.parametrize("family", FAMILIES)
def test_a_nul_byte_in_the_request_line_is_a_json_400(served, family):
    assert_raw_refused(raw(served.url, f"GET {family}a\0b HTTP/1.1\r\nHost: x\r\n\r\n".encode()), 400,
                       "no es una petición HTTP/1.1 válida")


@pytest.mark.parametrize("family", FAMILIES)
def test_a_very_long_path_is_a_404_or_a_414(served, family):
    """A path just under the URL limit is looked up (404); one over it, of 200 kB or megabytes, is a 414 (it
    once got the parser's "User callback error", in plain text)."""
    def ask(path: str) -> tuple[int, dict[str, str], bytes]:
        return raw(served.url, f"GET {path} HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n".encode())

    status, _, body = ask(family + "a" * (MAX_URL - 100))
    assert status == 404 and set(json.loads(body)) == {"error", "status", "code"}, (status, body[:200])
    assert_raw_refused(ask(family + "a" * 200_000), 414, f"la URL supera los {MAX_URL:,} bytes")
    assert_raw_refused(ask(family + "a" * 2 * MAX_HEAD), 414, f"la URL supera los {MAX_URL:,} bytes")
