"""The SPARQL 1.1 endpoint at /sparql: Protocol (query and update), Service Description, safe by default.

- Queries: GET ``?query=``, POST form ``query=``, POST ``application/sparql-query``; the dataset may be given
  with ``default-graph-uri`` / ``named-graph-uri`` (otherwise the default graph is the union of all graphs).
  Results by ``Accept`` (q-values) or ``format``: SPARQL JSON/XML/CSV/TSV; Turtle, N-Triples, RDF/XML, JSON-LD.
- Every query runs in a worker process that is killed past ``Settings.timeout`` (503), may return at most
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
import hmac
from urllib.parse import parse_qsl

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from ..errors import InputError, PpikgError
from ..executor import GRAPH_MEDIA, Job, QueryExecutor, QueryFailed, QueryTimeout
from ..graph import KnowledgeGraph
from ..store.catalog import UPDATE_ROLE
from ..namespaces import PREFIXES
from ..sparql_safety import analyse, refusal, update_refusal, with_using
from .common import limited_body

RESULTS = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values"]
BOOLEAN = ["application/sparql-results+json", "application/sparql-results+xml"]
GRAPHS = list(GRAPH_MEDIA)
#: Other names clients use for the same formats.
ALIASES = {
    "application/json": {"results": RESULTS[0], "boolean": BOOLEAN[0], "graph": "application/ld+json"},
    "application/xml": {"results": RESULTS[1], "boolean": BOOLEAN[1], "graph": "application/rdf+xml"},
    "text/xml": {"results": RESULTS[1], "boolean": BOOLEAN[1], "graph": "application/rdf+xml"},
    "application/x-turtle": {"graph": "text/turtle"},
    "text/plain": {"graph": "application/n-triples"},
}
#: Values of the ``format`` parameter.
FORMAT_NAMES = {
    "json": {"results": RESULTS[0], "boolean": BOOLEAN[0], "graph": "application/ld+json"},
    "xml": {"results": RESULTS[1], "boolean": BOOLEAN[1], "graph": "application/rdf+xml"},
    "csv": {"results": "text/csv"},
    "tsv": {"results": "text/tab-separated-values"},
    "turtle": {"graph": "text/turtle"},
    "ttl": {"graph": "text/turtle"},
    "nt": {"graph": "application/n-triples"},
    "ntriples": {"graph": "application/n-triples"},
    "n-triples": {"graph": "application/n-triples"},
    "rdfxml": {"graph": "application/rdf+xml"},
    "rdf": {"graph": "application/rdf+xml"},
    "jsonld": {"graph": "application/ld+json"},
    "json-ld": {"graph": "application/ld+json"},
}
OFFERS = {"results": RESULTS, "boolean": BOOLEAN, "graph": GRAPHS}
_GROUP_ALIASES = {g: {a: t[g] for a, t in ALIASES.items() if g in t} for g in OFFERS}
FORM_GROUP = {"SELECT": "results", "ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
SD_MEDIA = ["text/turtle", "application/rdf+xml", "application/ld+json", "application/n-triples"]
FORM_TYPE = "application/x-www-form-urlencoded"


def negotiate(accept: str | None, offers: list[str], aliases: dict[str, str] | None = None) -> str | None:
    """The offer the ``Accept`` header prefers (q-values, wildcards; ties by specificity, then the client's
    order, then the order of ``offers``); the first offer when there is no header; None if nothing fits.

    >>> negotiate("text/csv;q=0.5, application/sparql-results+xml", RESULTS)
    'application/sparql-results+xml'
    >>> negotiate("application/*;q=0.2, text/*", RESULTS)
    'text/csv'
    >>> negotiate("image/png", RESULTS) is None
    True
    """
    if not accept or not accept.strip():
        return offers[0]
    aliases = aliases or {}
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
    best: tuple | None = None
    for rank, offer in enumerate(offers):
        names = [offer] + [a for a, target in aliases.items() if target == offer]
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


def choose_media(group: str, format_param: str | None, accept: str | None) -> str | None:
    """The media type for a result of ``group`` ("results", "boolean", "graph"): the ``format`` parameter
    when given, else the ``Accept`` header; None when nothing offered fits.

    >>> choose_media("results", "csv", "application/sparql-results+json")
    'text/csv'
    >>> choose_media("results", None, "application/json")
    'application/sparql-results+json'
    """
    if format_param is not None:
        name = format_param.strip().lower()
        chosen = FORMAT_NAMES.get(name, {}).get(group) or (name if name in OFFERS[group] else None)
        return chosen or ALIASES.get(name, {}).get(group)
    return negotiate(accept, OFFERS[group], _GROUP_ALIASES[group])


def _error(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def endpoint_url(request: Request) -> str:
    """The URL of the endpoint as the client called it, without the query string."""
    return str(request.url.replace(query="", fragment="")).rstrip("?")


def check_update_allowed(request: Request) -> JSONResponse | None:
    """403 when updates are off, 401 without the right bearer token; None when the request may write."""
    settings = request.app.state.settings
    if not settings.update_enabled:
        return _error(403, "updates are disabled on this server (start it with `ppi serve --update --token TOKEN`)")
    auth = request.headers.get("authorization", "")
    scheme, _, given = auth.partition(" ")
    if not settings.token or scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), settings.token.encode()):
        return _error(401, "updates need the header 'Authorization: Bearer <token>'", {"WWW-Authenticate": "Bearer"})
    return None


def _has_graph(kg: KnowledgeGraph):
    def has(iri: str) -> bool:
        try:
            return kg.store.contains_named_graph(ox.NamedNode(iri))
        except ValueError:
            return False
    return has


def _charset_ok(content_type: str) -> bool:
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return False
    return True


def query_executor(app) -> QueryExecutor:
    """The app's pool of query workers, started on first use (closed when the app shuts down)."""
    with app.state.executor_lock:
        if app.state.executor is None:
            app.state.executor = QueryExecutor(app.state.kg, app.state.settings.workers)
        return app.state.executor


async def run_update(request: Request, kg: KnowledgeGraph, update: str) -> Response:
    """Run a SPARQL update through the knowledge graph, one at a time; the workers see it on their next
    query (the knowledge graph's generation moves)."""

    why = update_refusal(analyse(update, {p: str(ns) for p, ns in PREFIXES.items()}, endpoint_url(request)),
                         kg.reserved_graphs())
    if why:
        return _error(403, why)

    def write() -> None:
        with request.app.state.write_lock:
            kg.update(update, base_iri=endpoint_url(request), role=UPDATE_ROLE)

    try:
        await asyncio.to_thread(write)
    except (InputError, ValueError) as e:
        return _error(400, str(e))
    except PpikgError as e:  # e.g. the store is open read-only
        return _error(409, str(e))
    return Response(status_code=204)


def router(kg: KnowledgeGraph) -> APIRouter:
    r = APIRouter()
    has_graph = _has_graph(kg)

    async def query(request: Request, text: str, params: list[tuple[str, str]]) -> Response:
        settings = request.app.state.settings
        base = endpoint_url(request)
        default = [v for k, v in params if k == "default-graph-uri"]
        named = [v for k, v in params if k == "named-graph-uri"]
        analysis = analyse(text, {p: str(ns) for p, ns in PREFIXES.items()}, base)
        why = refusal(analysis, has_graph, default + named)
        if why:
            return _error(400, why)
        groups = [FORM_GROUP[analysis.form]] if analysis.form else list(OFFERS)
        media = {g: OFFERS[g][0] for g in OFFERS}
        formats = [v for k, v in params if k == "format"]
        for group in groups:
            chosen = choose_media(group, formats[-1] if formats else None, request.headers.get("accept"))
            if chosen is None:
                if analysis.form:
                    offered = ", ".join(OFFERS[group])
                    return _error(406, f"no acceptable format for a {analysis.form} result; this endpoint offers {offered}")
                continue
            media[group] = chosen
        job = Job(text, media, settings.max_results, base, {p: str(ns) for p, ns in PREFIXES.items()},
                  default if (default or named) else None, named if (default or named) else None)
        ex = query_executor(request.app)
        try:
            media_type, body = await ex.arun(job, settings.timeout)
        except QueryTimeout as e:
            return _error(503, str(e), {"Retry-After": "1"})
        except QueryFailed as e:
            return _error(e.status, str(e))
        return Response(body, media_type=media_type, headers={"Vary": "Accept"})

    async def update(request: Request, text: str, params: list[tuple[str, str]]) -> Response:
        denied = check_update_allowed(request)
        if denied:
            return denied
        using = [v for k, v in params if k == "using-graph-uri"]
        using_named = [v for k, v in params if k == "using-named-graph-uri"]
        analysis = analyse(text, {p: str(ns) for p, ns in PREFIXES.items()}, endpoint_url(request))
        if (using or using_named) and any(c in ("USING", "USING NAMED", "WITH") for c, _ in analysis.dataset):
            return _error(400, "using-graph-uri/using-named-graph-uri cannot be combined with USING or WITH in the update")
        # USING graphs are not checked against the store: an earlier operation of the same request may create
        # them, and the store never fetches them (tests/test_sparql_safety.py checks that no request leaves).
        why = refusal(analysis, lambda _iri: True)
        if why:
            return _error(400, why)
        if using or using_named:
            text = with_using(text, using, using_named)
        return await run_update(request, kg, text)

    def service_description(request: Request) -> Response:
        media = negotiate(request.headers.get("accept"), SD_MEDIA,
                          {"application/x-turtle": "text/turtle", "application/json": "application/ld+json",
                           "application/xml": "application/rdf+xml", "text/xml": "application/rdf+xml"})
        if media is None:
            return _error(406, f"the service description is offered as {', '.join(SD_MEDIA)}")
        body = describe(endpoint_url(request), sorted(g.value for g in kg.store.named_graphs() if isinstance(g, ox.NamedNode)),
                        request.app.state.settings.update_enabled, media)
        return Response(body, media_type=media, headers={"Vary": "Accept"})

    def one(values: list[str], name: str) -> str | JSONResponse:
        if len(values) > 1:
            return _error(400, f"more than one '{name}' parameter")
        return values[0]

    @r.get("/sparql")
    async def sparql_get(request: Request) -> Response:
        params = list(request.query_params.multi_items())
        queries = [v for k, v in params if k == "query"]
        if any(k == "update" for k, _ in params):
            return _error(400, "a SPARQL update must be sent with POST", {"Allow": "GET, POST"})
        if not queries:
            return service_description(request)
        text = one(queries, "query")
        if isinstance(text, Response):
            return text
        return await query(request, text, params)

    @r.post("/sparql")
    async def sparql_post(request: Request) -> Response:
        content_type = request.headers.get("content-type", "")
        media = content_type.split(";")[0].strip().lower()
        if media not in (FORM_TYPE, "application/sparql-query", "application/sparql-update"):
            return _error(415, f"unsupported content type {media or '(none)'!r}: send {FORM_TYPE}, "
                               "application/sparql-query or application/sparql-update")
        if not _charset_ok(content_type):
            return _error(415, "the body must be UTF-8")
        try:
            body = (await limited_body(request)).decode("utf-8")
        except UnicodeDecodeError:
            return _error(400, "the body is not valid UTF-8")
        except HTTPException as e:
            return _error(e.status_code, str(e.detail))
        params = list(request.query_params.multi_items())
        if media == FORM_TYPE:
            params += parse_qsl(body, keep_blank_values=True)
            queries = [v for k, v in params if k == "query"]
            updates = [v for k, v in params if k == "update"]
            if queries and updates:
                return _error(400, "send either 'query' or 'update', not both")
            if not queries and not updates:
                return _error(400, "missing 'query' or 'update' parameter")
            text = one(queries or updates, "query" if queries else "update")
            if isinstance(text, Response):
                return text
            return await (query if queries else update)(request, text, params)
        if any(k in ("query", "update") for k, _ in params):
            return _error(400, "the operation is in the body: do not also pass 'query' or 'update' in the URL")
        if media == "application/sparql-query":
            return await query(request, body, params)
        return await update(request, body, params)

    return r


def graph_store_router(kg: KnowledgeGraph) -> APIRouter:
    """The Graph Store Protocol router (http/gsp.py), reached from here so that app.py needs one line."""
    from .gsp import router as gsp_router

    return gsp_router(kg)


SD = "http://www.w3.org/ns/sparql-service-description#"
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
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                 "Turtle", "N-Triples", "RDF_XML", "JSON-LD"):
        triples.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS_NS + name)))
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
