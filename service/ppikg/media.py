"""Formats and content negotiation: ONE table of the formats ppikg reads and writes, ONE negotiator.

Each :class:`Format` row says what it serialises (its *kinds*), its media type and the other media types
clients use for it (``aliases``), its names (``format=`` values, ``--format`` choices, file extensions; the
first is the canonical one), and the pyoxigraph format where there is one. Every route of the service and
every command of the CLI choose a format here:

- :func:`negotiate` picks among offered media types by an ``Accept`` header (q-values, wildcards, specificity);
- :func:`choose` does the same, a ``format`` parameter first;
- :func:`find` reads a name or media type (a request's ``Content-Type``, a ``--format``) for one kind.

Kinds: ``results`` (SPARQL SELECT results), ``boolean`` (ASK), ``graph`` (RDF triples), ``dataset`` (RDF
quads), ``report`` (a validation report), ``proposal`` (an uploaded proposal), ``matrix`` (the coverage
matrix), ``page`` (a web page).

>>> find("graph", "ttl").media, find("results", "application/json").media
('text/turtle', 'application/sparql-results+json')
>>> find("graph", "text/plain; charset=utf-8").name
'nt'
>>> find("report", "turtle").media
'text/turtle'
>>> find("graph", "docx") is None
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from .errors import InputError, msg


@dataclass(frozen=True)
class Format:
    """One format: what it serialises, how it is named and typed, and how pyoxigraph reads or writes it."""

    media: str
    names: tuple[str, ...]  # the first is canonical; the others are accepted too (including file extensions)
    kinds: frozenset[str]
    aliases: tuple[str, ...] = ()  # other media types clients send for it
    rdf: ox.RdfFormat | None = None
    results: ox.QueryResultsFormat | None = None
    extension: str | None = None  # of a downloaded file
    w3c: str | None = None  # its name under http://www.w3.org/ns/formats/ (a Service Description's sd:resultFormat)

    @property
    def name(self) -> str:
        return self.names[0]

    @property
    def suffix(self) -> str:
        return "." + (self.extension or self.name)


def _f(media: str, names: str, kinds: str, aliases: str = "", **kw) -> Format:
    return Format(media, tuple(names.split()), frozenset(kinds.split()), tuple(aliases.split()), **kw)


Q = ox.QueryResultsFormat
R = ox.RdfFormat
#: Every format, in the order of preference of each kind (the first offer of a kind is its default).
FORMATS: tuple[Format, ...] = (
    _f("application/sparql-results+json", "json srj", "results boolean", "application/json", results=Q.JSON,
       extension="srj", w3c="SPARQL_Results_JSON"),
    _f("application/sparql-results+xml", "xml srx", "results boolean", "application/xml text/xml", results=Q.XML,
       extension="srx", w3c="SPARQL_Results_XML"),
    _f("text/csv", "csv", "results matrix table report", results=Q.CSV, w3c="SPARQL_Results_CSV"),
    _f("text/tab-separated-values", "tsv", "results", results=Q.TSV, w3c="SPARQL_Results_TSV"),
    _f("text/turtle", "ttl turtle", "graph proposal report", "application/x-turtle", rdf=R.TURTLE, w3c="Turtle"),
    _f("application/n-triples", "nt ntriples n-triples", "graph proposal", "text/plain", rdf=R.N_TRIPLES, w3c="N-Triples"),
    _f("application/rdf+xml", "xml rdf rdfxml owl", "graph proposal", "application/xml text/xml", rdf=R.RDF_XML,
       extension="rdf", w3c="RDF_XML"),
    _f("application/ld+json", "jsonld json-ld json", "graph dataset proposal", "application/json", rdf=R.JSON_LD,
       w3c="JSON-LD"),
    _f("application/n-quads", "nq nquads n-quads", "dataset proposal", rdf=R.N_QUADS, w3c="N-Quads"),
    _f("application/trig", "trig", "dataset proposal", rdf=R.TRIG, w3c="TriG"),
    _f("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "proposal report"),
    _f("application/vnd.oasis.opendocument.spreadsheet", "ods", "proposal"),
    _f("text/html", "html", "page report table", "application/xhtml+xml"),
    _f("application/json", "json", "report matrix table"),
    _f("text/plain", "text txt", "report"),
    _f("image/svg+xml", "svg", "matrix"),
    _f("image/png", "png", "matrix"),
    _f("application/pdf", "pdf", "report"),
)
del Q, R


def formats(*kinds: str) -> list[Format]:
    """The formats of any of ``kinds``, in the table's order.

    >>> [f.name for f in formats("results")]
    ['json', 'xml', 'csv', 'tsv']
    >>> [f.name for f in formats("graph", "dataset")]
    ['ttl', 'nt', 'xml', 'jsonld', 'nq', 'trig']
    """
    return [f for f in FORMATS if f.kinds & set(kinds)]


def offers(*kinds: str) -> list[str]:
    """The media types of the formats of ``kinds``, the default first."""
    return [f.media for f in formats(*kinds)]


def names(*kinds: str) -> tuple[str, ...]:
    """The canonical names of the formats of ``kinds`` (the CLI's ``--format`` choices)."""
    return tuple(f.name for f in formats(*kinds))


def find(kind: str, name: str | None, *, media_only: bool = False) -> Format | None:
    """The format of ``kind`` a name, file extension, media type or alias (parameters ignored) stands for;
    with ``media_only`` (a ``Content-Type`` header), a media type or alias only.

    A media type is looked up before the aliases, so ``application/json`` is the JSON report for ``report``
    but JSON-LD for ``graph``.

    >>> find("proposal", "application/json; charset=utf-8").media
    'application/ld+json'
    >>> find("graph", "ttl", media_only=True) is None
    True
    """
    if not name:
        return None
    key = name.split(";")[0].strip().lower()
    key = key if media_only else key.lstrip(".")
    candidates = formats(kind)
    by_name = (lambda f: False) if media_only else (lambda f: key in f.names)
    for pick in (lambda f: key == f.media, by_name, lambda f: key in f.aliases):
        for f in candidates:
            if pick(f):
                return f
    return None


def by_media(media: str) -> Format:
    """The row of a media type (a canonical one, as negotiated)."""
    return next(f for f in FORMATS if f.media == media)


def rdf_format(name: str) -> ox.RdfFormat:
    """The RDF format for a short name, file extension or media type (``ttl``, ``.nq``, ``application/trig``).

    >>> rdf_format("TTL") == ox.RdfFormat.TURTLE
    True
    >>> rdf_format("docx")
    Traceback (most recent call last):
    ppikg.errors.InputError: unknown RDF format 'docx' (known: json, json-ld, jsonld, n-quads, n-triples, nq, nquads, nt, ntriples, owl, rdf, rdfxml, trig, ttl, turtle, xml)
    """
    f = find("graph", name) or find("dataset", name)
    if f is None or f.rdf is None:
        known = sorted({n for f in formats("graph", "dataset") for n in f.names})
        raise InputError(msg("rdf_format", name=name, known=", ".join(known)))
    return f.rdf


#: Media type → the executor's name of a SPARQL results format, and → pyoxigraph format of a graph format.
RESULT_MEDIA = {f.media: f.name for f in formats("results")}
GRAPH_MEDIA = {f.media: f.rdf for f in formats("graph")}


def _ranges(accept: str) -> list[tuple[str, float, int]]:
    ranges = []
    for index, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        if not media:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranges.append((media.lower(), q, index))
    return ranges


def negotiate(accept: str | None, offers: Sequence[str]) -> str | None:
    """The offer the ``Accept`` header prefers; the first offer when there is no header; None if nothing fits.

    Each offer also answers to its aliases in :data:`FORMATS` (``application/json`` for SPARQL JSON results or
    JSON-LD). Highest q-value wins; ties go to the more specific range (``type/subtype`` over ``type/*`` over
    ``*/*``), then to the range the client listed first, then to the earlier offer. ``q=0`` refuses.

    >>> RESULTS = offers("results")
    >>> negotiate("text/csv;q=0.5, application/sparql-results+xml", RESULTS)
    'application/sparql-results+xml'
    >>> negotiate("application/*;q=0.2, text/*", RESULTS)
    'text/csv'
    >>> negotiate("image/png", RESULTS) is None
    True
    >>> negotiate("application/json", offers("graph"))
    'application/ld+json'
    >>> negotiate("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", ["text/html", *offers("graph")])
    'text/html'
    >>> negotiate("*/*, text/csv;q=0", ["text/csv", "application/json"])
    'application/json'
    """
    if not offers:
        return None
    if not accept or not accept.strip():
        return offers[0]
    ranges = _ranges(accept)
    best: tuple | None = None
    for rank, offer in enumerate(offers):
        known = [f for f in FORMATS if f.media == offer]
        names = {offer, *(a for f in known for a in f.aliases)}
        match = None
        for media, q, index in ranges:
            if media in names:
                spec = 3
            elif media.endswith("/*") and media != "*/*" and offer.startswith(media[:-1]):
                spec = 2
            elif media == "*/*":
                spec = 1
            else:
                continue
            if match is None or (spec, -index) > (match[0], -match[2]):
                match = (spec, q, index)
        if match is not None and match[1] > 0:
            key = (-match[1], -match[0], match[2], rank)
            if best is None or key < best[0]:
                best = (key, offer)
    return best[1] if best else None


def choose(kind: str, format_param: str | None, accept: str | None,
           offered: Iterable[str] | None = None) -> str | None:
    """The media type to answer a result of ``kind`` in: the ``format`` parameter when given (a name or a
    media type of that kind), else :func:`negotiate` over ``offered`` (default: every format of ``kind``);
    None when nothing offered fits.

    >>> choose("results", "csv", "application/sparql-results+json")
    'text/csv'
    >>> choose("results", None, "application/json")
    'application/sparql-results+json'
    >>> choose("graph", "json", None), choose("boolean", "csv", None)
    ('application/ld+json', None)
    """
    offered = list(offered) if offered is not None else offers(kind)
    if format_param is not None:
        f = find(kind, format_param)
        return f.media if f is not None and f.media in offered else None
    return negotiate(accept, offered)
