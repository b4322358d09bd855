"""Queries cheap enough to answer on the spot: a SELECT over one triple pattern, answered from the store itself.

Most requests an endpoint sees are look-ups (``SELECT ?p ?o WHERE { <x> ?p ?o }``). Sending each through a
worker process costs more than the query (a pipe round trip and a thread hop). A query whose whole algebra is
one triple pattern (no FILTER, no join, no ORDER BY/GROUP BY/DISTINCT/OFFSET, no repeated variable, every
projected variable in the pattern) is evaluated by a plain index scan in which every match is one output
row, so its work is bounded by the size of its answer. Such a query is run here, and abandoned as soon as
its answer grows past ``cap`` bytes or could hold more than ``max_results`` rows; the caller then sends it
the usual way, to a killable worker. Anything this module is unsure about goes the usual way too.

>>> single_pattern("SELECT ?p ?o WHERE { <http://e/x> ?p ?o }")
True
>>> single_pattern("PREFIX e: <http://e/> SELECT * { ?s a e:T . } LIMIT 10")
True
>>> single_pattern("SELECT ?s WHERE { ?s ?p ?s }")  # a repeated variable filters: work is not output-bound
False
>>> single_pattern("SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o")
False
"""

from __future__ import annotations

import pyoxigraph as ox

from ..media import GRAPH_MEDIA
from .lexer import Token, decode_escapes, term_end, tokenize

FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
#: Bytes that occur at least once per row of each format (over-counting only sends a query the usual way).
_ROW_MARK = {
    ox.QueryResultsFormat.JSON: (b"},{", 1),  # between rows; +1 for the first
    ox.QueryResultsFormat.XML: (b"<result>", 0),
    ox.QueryResultsFormat.CSV: (b"\r\n", -1),  # one per row, minus the header line
    ox.QueryResultsFormat.TSV: (b"\n", -1),
}


class _TooLarge(Exception):
    """The answer grew past the inline budget."""


class _CappedBuffer:
    """A write-only buffer that refuses to grow past ``cap`` bytes."""

    def __init__(self, cap: int) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.cap = cap

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.cap:
            raise _TooLarge
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


#: Characters of query text the look-up lane reads at most; a one-pattern look-up is far shorter.
MAX_LOOKUP_TEXT = 4096


def single_pattern(text: str, tokens: list[Token] | None = None) -> bool:
    """Whether ``text`` is ``[PREFIX/BASE…] SELECT (vars|*) [WHERE] { s p o [.] } [LIMIT n]`` with distinct
    variables in the pattern, every projected variable among them, and nothing else. Texts longer than
    ``MAX_LOOKUP_TEXT`` are not look-ups (the lane runs on the event loop: its work must stay small).
    ``tokens``: the text's tokens, if the caller has them already."""
    if len(text) > MAX_LOOKUP_TEXT:
        return False
    if tokens is None:
        tokens = tokenize(decode_escapes(text))
    i, n = 0, len(tokens)
    while i < n and tokens[i].keyword in ("PREFIX", "BASE"):
        i += 3 if tokens[i].keyword == "PREFIX" else 2
    if i >= n or tokens[i].keyword != "SELECT":
        return False
    i += 1
    projected: list[str] = []
    if i < n and tokens[i].text == "*":
        i += 1
    else:
        while i < n and tokens[i].kind == "var":
            projected.append(tokens[i].text[1:])
            i += 1
        if not projected:
            return False
    if i < n and tokens[i].keyword == "WHERE":
        i += 1
    if i >= n or tokens[i].text != "{":
        return False
    start = i + 1
    i = start
    for position in range(3):
        end = term_end(tokens, i, allow_literal=position == 2)
        if end is None:
            return False
        i = end
    pattern_vars = [t.text[1:] for t in tokens[start:i] if t.kind == "var"]
    if i < n and tokens[i].text == ".":
        i += 1
    if i >= n or tokens[i].text != "}":
        return False
    i += 1
    if i < n and tokens[i].keyword == "LIMIT":
        i += 1
        digits = i
        while i < n and tokens[i].text.isdigit():  # the lexer yields one token per digit
            i += 1
        if i == digits:
            return False
    if i != n:
        return False
    return len(set(pattern_vars)) == len(pattern_vars) and set(projected) <= set(pattern_vars)


def answer(store: ox.Store, text: str, media: str, *, max_results: int, cap: int, base_iri: str | None = None,
           prefixes: dict[str, str] | None = None) -> bytes | None:
    """The answer to a :func:`single_pattern` query (or another query whose cost is bounded, such as a walk of
    ppikg.sparql.walks; an ASK's in JSON or XML, a CONSTRUCT's in a graph format) over the union of the store's
    graphs, serialized as ``media``; None when it must go the usual way (larger than ``cap`` bytes, possibly
    more than ``max_results`` rows or triples, or not parsable: the usual way reports the error)."""
    if (rdf := GRAPH_MEDIA.get(media)) is not None:
        return _graph(store, text, rdf, max_results=max_results, cap=cap, base_iri=base_iri, prefixes=prefixes)
    fmt = FORMATS.get(media)
    if fmt is None:
        return None
    try:
        results = store.query(text, base_iri=base_iri, prefixes=prefixes, use_default_graph_as_union=True)
        if isinstance(results, ox.QueryBoolean) and fmt in (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML):
            return results.serialize(format=fmt)
        if not isinstance(results, ox.QuerySolutions):
            return None
        out = _CappedBuffer(cap)
        # pyoxigraph writes to any object with write(); its stub asks for IO[bytes]
        results.serialize(out, format=fmt)  # type: ignore[arg-type]
    except (_TooLarge, SyntaxError, ValueError, TypeError, OSError):
        return None
    body = b"".join(out.parts)
    mark, extra = _ROW_MARK[fmt]
    if body.count(mark) + extra > max_results:
        return None
    return body


def _graph(store: ox.Store, text: str, fmt: ox.RdfFormat, *, max_results: int, cap: int, base_iri: str | None,
           prefixes: dict[str, str] | None) -> bytes | None:
    """A CONSTRUCT's triples serialized as ``fmt``, as the worker path writes them; None past the limits."""
    try:
        results = store.query(text, base_iri=base_iri, prefixes=prefixes, use_default_graph_as_union=True)
        if not isinstance(results, ox.QueryTriples):
            return None
        triples = []
        for t in results:
            triples.append(t)
            if len(triples) > max_results:
                return None
        body = ox.serialize(triples, format=fmt) or b""
    except (SyntaxError, ValueError, TypeError, OSError):
        return None
    return body if len(body) <= cap else None
