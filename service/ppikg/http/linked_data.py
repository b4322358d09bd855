"""Linked data: every IRI the project mints (``https://w3id.org/ppikg/…``) dereferences at the same path here.

HTML for a browser, RDF (Turtle, JSON-LD, N-Triples, RDF/XML) for an RDF ``Accept`` (or ``?format=``), with
``Vary: Accept``. ``#`` terms: ``/ontology?term=Competency`` (likewise ``/shapes?term=…``).
Any IRI in the store: ``/resource?iri=…``. Unknown IRIs: 404 with the nearest known parent. What the graph
says about an IRI is read in a query worker (ppikg.describe), with the server's timeout.
"""

from __future__ import annotations

import asyncio

from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..describe import HASH_DOCS, describe, hash_document, local_href
from ..errors import InputError, NotAcceptable, NotFound, msg
from ..store.graph import KnowledgeGraph
from ..media import by_media, find, negotiate, offers
from ..namespaces import BASE
from ..sparql.canned import check_iri
from ..i18n import pick_lang
from .common import call
from .pages import page_response, site_html

#: What a resource is offered as: a page first (the default, and ``*/*``), then every graph format.
OFFERS = ["text/html", *offers("graph")]
#: Path prefixes of the IRIs minted under https://w3id.org/ppikg/ (one route each).
PREFIX_PATHS = ("eli", "competencias", "aspectos", "subsistemas", "autoridades", "propuestas", "graph")


def representation(request: Request) -> str:
    """``text/html`` or an RDF media type: ``?format=`` (a page or graph format name) first, then ``Accept``
    (:func:`ppikg.media.negotiate`; ``*/*`` → HTML); NotAcceptable when nothing offered fits."""
    fmt = request.query_params.get("format")
    if fmt:
        chosen = find("page", fmt) or find("graph", fmt)
        if chosen is None:
            raise InputError(msg("format_unknown", format=fmt,
                                 formats=", ".join(["html", *(f.name for f in map(by_media, OFFERS[1:]))])))
        return chosen.media
    media = negotiate(request.headers.get("accept"), OFFERS)
    if media is None:
        raise NotAcceptable(msg("resources_offered_as", media=", ".join(OFFERS)))
    return media


async def ld_page(request: Request, template: str, page: dict, headers: dict, **extra: object) -> Response:
    """A linked-data page in the site's frame, in the language of ``?lang=`` (its title the resource's label in
    that language where the data has one, else in the other, else its CURIE), rendered off the event loop."""
    lang = pick_lang(request.query_params.get("lang"))
    labels = page.get("labels") or {}
    title = labels.get(lang) or next(iter(labels.values()), None) or page.get("curie") or page.get("iri")
    context = {**page, **extra}
    html, code = await asyncio.to_thread(lambda: site_html(request, template, lang, title=title, **context))
    return page_response(html, code, headers=headers)


def router(kg: KnowledgeGraph) -> APIRouter:
    r = APIRouter()

    async def respond(request: Request, iri: str, template: str = "ld_resource.html", **extra: object) -> Response:
        media = representation(request)
        headers = {"Vary": "Accept"}
        found = await call(request, describe, iri, media)
        if found.get("missing"):
            near = found["near"]
            raise NotFound(msg("nothing_known", iri=iri), see=(local_href(near), near) if near else None)
        if "rdf" in found:
            return Response(found["rdf"], media_type=media, headers=headers)
        return await ld_page(request, template, found["page"], headers, **extra)

    def raw_iri(request: Request) -> str:
        """The requested path as the minted IRI (the raw path, so percent-escapes stay as minted)."""
        raw = request.scope.get("raw_path") or request.url.path.encode()
        return BASE + raw.decode("latin-1").split("?", 1)[0].lstrip("/")

    @r.get("/resource", response_class=HTMLResponse)
    async def resource(request: Request, iri: str | None = None) -> Response:
        """Any IRI in the store, minted here or not."""
        if not iri:
            raise InputError(msg("resource_needs_iri"))

        return await respond(request, check_iri(iri))

    for doc, ns in HASH_DOCS.items():
        async def hash_doc(request: Request, term: str | None = None, _doc: str = doc, _ns: str = ns) -> Response:
            if term:
                return await respond(request, check_iri(_ns + unquote(term)))
            return await document(request, _doc, _ns)

        r.add_api_route(f"/{doc}", hash_doc, methods=["GET"], name=f"ld_{doc}", response_class=HTMLResponse)

    async def document(request: Request, doc: str, ns: str) -> Response:
        """The hash namespace as a document: every term with its labels (anchors #Term); RDF: its graph."""
        media = representation(request)
        headers = {"Vary": "Accept"}
        found = await call(request, hash_document, doc, media)
        if found is None:
            return await respond(request, BASE + doc)
        if "rdf" in found:
            return Response(found["rdf"], media_type=media, headers=headers)
        return await ld_page(request, "ld_document.html", {"page": found["page"], "labels": found["page"]["labels"],
                                                           "curie": doc}, headers, terms=found["terms"], doc=doc, ns=ns)

    for prefix in PREFIX_PATHS:
        async def minted(request: Request, rest: str) -> Response:
            return await respond(request, raw_iri(request))

        r.add_api_route(f"/{prefix}/{{rest:path}}", minted, methods=["GET"], name=f"ld_{prefix}",
                        response_class=HTMLResponse)

    return r
