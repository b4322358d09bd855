"""The SPARQL 1.1 endpoint at /sparql: Protocol (query and update), Service Description, safe by default.

- Queries: GET ``?query=``, POST form ``query=``, POST ``application/sparql-query``; the dataset may be given
  with ``default-graph-uri`` / ``named-graph-uri`` (otherwise the default graph is the union of all graphs).
  Results by ``Accept`` (q-values) or ``format``: SPARQL JSON/XML/CSV/TSV; Turtle, N-Triples, RDF/XML, JSON-LD.
- Every query runs in a worker process that is killed past ``Settings.timeout`` (503) — its safety checks and
  content negotiation too, since they read the whole text — may return at most
  ``Settings.max_results`` rows or triples (413 otherwise), and never blocks the event loop; except
  look-ups (``GET``, one triple pattern), which http/lookups.py answers before routing, with work bounded by
  the size of their answer.
- ``SERVICE``, ``LOAD`` and datasets naming graphs the store lacks are refused with 400 before running.
- Updates (POST form ``update=``, POST ``application/sparql-update``) are off unless
  ``Settings.update_enabled``; then they need ``Authorization: Bearer <token>``.
- ``GET /sparql`` without a query: the SPARQL 1.1 Service Description (Turtle, RDF/XML or JSON-LD).
"""

from __future__ import annotations

import asyncio

from urllib.parse import parse_qsl, quote

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ..errors import InputError, NotAcceptable, UnsupportedMediaType, msg
from ..sparql.protocol import RESULT_KINDS
from ..sparql.protocol import Request as QueryRequest
from ..store.graph import KnowledgeGraph
from ..media import GRAPH_MEDIA, choose, find, formats, negotiate, offers
from ..sparql.safety import analyse, check_length, refusal, with_using
from ..store.snapshot import Snapshot
from .common import PREFIX_MAP, call, check_update_allowed, client_of, endpoint_url, limited_body, query_executor, run_update

FORM_TYPE = "application/x-www-form-urlencoded"
BODY_TYPES = (FORM_TYPE, "application/sparql-query", "application/sparql-update")


def _charset_ok(content_type: str) -> bool:
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return False
    return True


def router(kg: KnowledgeGraph) -> APIRouter:
    r = APIRouter()

    async def query(request: Request, text: str, params: list[tuple[str, str]]) -> Response:
        settings = request.app.state.settings
        base = endpoint_url(request)
        default = [v for k, v in params if k == "default-graph-uri"]
        named = [v for k, v in params if k == "named-graph-uri"]

        accept = request.headers.get("accept")
        named_format = known_format([v for k, v in params if k == "format"])
        executor = query_executor(request.app)

        check_length(text)  # before the text is sent to a worker
        job = QueryRequest(text, accept, named_format, settings.max_results, base, PREFIX_MAP,
                           tuple(default), tuple(named))
        media_type, body = await executor.arun(job, settings.timeout, client_of(request))
        return Response(body, media_type=media_type, headers={"Vary": "Accept"})

    async def update(request: Request, text: str, params: list[tuple[str, str]]) -> Response:
        check_update_allowed(request)
        using = [v for k, v in params if k == "using-graph-uri"]
        using_named = [v for k, v in params if k == "using-named-graph-uri"]
        analysis = await asyncio.to_thread(analyse, text, PREFIX_MAP, endpoint_url(request))  # off the event loop
        if (using or using_named) and any(c in ("USING", "USING NAMED", "WITH") for c, _ in analysis.dataset):
            raise InputError(msg("using_and_protocol"))
        # USING graphs are not checked against the store: an earlier operation of the same request may create
        # them, and the store never fetches them (tests/sparql/test_safety.py checks that no request leaves).
        why = refusal(analysis, lambda _iri: True)
        if why:
            raise InputError(why)
        if using or using_named:
            text = with_using(text, using, using_named)
        return await run_update(request, kg, text)

    async def service_description(request: Request) -> Response:
        media = choose("graph", None, request.headers.get("accept"))
        if media is None:
            raise NotAcceptable(msg("description_offered_as", media=", ".join(offers("graph"))))
        graphs = await call(request, Snapshot.graph_names)
        body = describe(endpoint_url(request), graphs, request.app.state.settings.update_enabled, media)
        return Response(body, media_type=media, headers={"Vary": "Accept"})

    def one(values: list[str], name: str) -> str:
        if len(values) > 1:
            raise InputError(msg("parameter_twice", name=name))
        return values[0]

    @r.get("/sparql")
    async def sparql_get(request: Request) -> Response:
        params = list(request.query_params.multi_items())
        queries = [v for k, v in params if k == "query"]
        if any(k == "update" for k, _ in params):
            raise InputError(msg("update_by_post"), headers={"Allow": "GET, POST"})
        if not queries:
            if negotiate(request.headers.get("accept"), [*offers("graph"), "text/html"]) == "text/html":
                # A browser opening the endpoint: the query page, not a download of the service description.
                lang = request.query_params.get("lang")
                return RedirectResponse("/" + (f"?lang={quote(lang)}" if lang else ""), status_code=303,
                                        headers={"Vary": "Accept"})
            return await service_description(request)
        return await query(request, one(queries, "query"), params)

    @r.post("/sparql")
    async def sparql_post(request: Request) -> Response:
        content_type = request.headers.get("content-type", "")
        media = content_type.split(";")[0].strip().lower()
        if media not in BODY_TYPES:
            raise UnsupportedMediaType(msg("gsp_content_type", type=media or msg("no_media"), media=", ".join(BODY_TYPES)))
        if not _charset_ok(content_type):
            raise UnsupportedMediaType(msg("body_charset"))
        try:
            body = (await limited_body(request)).decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(msg("body_not_utf8")) from None
        params = list(request.query_params.multi_items())
        if media == FORM_TYPE:
            params += parse_qsl(body, keep_blank_values=True)
            queries = [v for k, v in params if k == "query"]
            updates = [v for k, v in params if k == "update"]
            if queries and updates:
                raise InputError(msg("query_and_update"))
            if not queries and not updates:
                raise InputError(msg("no_query_or_update"))
            text = one(queries or updates, "query" if queries else "update")
            return await (query if queries else update)(request, text, params)
        if any(k in ("query", "update") for k, _ in params):
            raise InputError(msg("operation_twice"))

        if media == "application/sparql-query":
            return await query(request, body, params)
        return await update(request, body, params)

    return r


SD = "http://www.w3.org/ns/sparql-service-description#"
def known_format(values: list[str]) -> str | None:
    """The last ``format`` value (or media type of a comma-separated list in one) that names a format of some
    kind of result; None when none does, so that an unknown name (``n3``, a client's private alias) never
    overrides an ``Accept`` the server can satisfy. SPARQLWrapper sends ``format=json-ld`` and then
    ``format=application/ld+json,application/x-json+ld`` for JSON-LD.

    >>> known_format(["json-ld", "application/ld+json,application/x-json+ld"]), known_format(["n3"])
    ('application/ld+json', None)
    """
    found = None
    for value in values:
        for part in value.split(","):
            if any(find(kind, part.strip()) for kind in (*RESULT_KINDS, "dataset")):
                found = part.strip()
    return found


FORMATS_NS = "http://www.w3.org/ns/formats/"


def describe(endpoint: str, graphs: list[str], update_enabled: bool, media: str) -> bytes:
    """The SPARQL 1.1 Service Description of the endpoint, serialized as ``media``."""
    sd = lambda local: ox.NamedNode(SD + local)  # noqa: E731
    a = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    service, dataset, default = ox.BlankNode("service"), ox.BlankNode("dataset"), ox.BlankNode("default")
    triples = [
        ox.Triple(service, a, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("defaultEntailmentRegime"), ox.NamedNode("http://www.w3.org/ns/entailment/Simple")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, a, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, a, sd("Graph")),
    ]
    if update_enabled:
        triples.append(ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")))
    for fmt in formats(*RESULT_KINDS, "dataset"):  # a CONSTRUCT is answered in N-Quads and TriG too
        if fmt.w3c is not None:
            triples.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS_NS + fmt.w3c)))
    for i, g in enumerate(graphs):
        node, graph = ox.BlankNode(f"ng{i}"), ox.BlankNode(f"g{i}")
        triples += [
            ox.Triple(dataset, sd("namedGraph"), node),
            ox.Triple(node, a, sd("NamedGraph")),
            ox.Triple(node, sd("name"), ox.NamedNode(g)),
            ox.Triple(node, sd("graph"), graph),
            ox.Triple(graph, a, sd("Graph")),
        ]
    return ox.serialize(triples, format=GRAPH_MEDIA[media],
                        prefixes={"sd": SD, "formats": FORMATS_NS}) or b""
