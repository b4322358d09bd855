"""The SPARQL 1.1 Graph Store HTTP Protocol at /rdf-graphs/service (indirect graph identification).

``?graph=IRI`` names a graph, ``?default`` the default graph (read: the union of all graphs, as in queries;
write: the store's own default graph). GET reads through the query workers (timeout and result limit apply);
PUT (replace) and POST (merge) write through ``KnowledgeGraph.write_graph`` (the body parsed off the event
loop; a named graph written here is an added graph, inferred like a loaded proposal), DELETE through
``KnowledgeGraph.update``; like SPARQL Update they are off unless the server allows updates, and then need
the bearer token.
"""

from __future__ import annotations

import asyncio

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..errors import InputError, NotAcceptable, NotFound, QueryFailed, UnsupportedMediaType, msg
from ..sparql.protocol import Job
from ..store.graph import KnowledgeGraph
from ..store.trial import prepare_graph
from ..media import choose, find, offers
from ..store.catalog import UPDATE_ROLE
from .common import check_update_allowed, client_of, limited_body, query_executor, run_update

PATH = "/rdf-graphs/service"


def router(kg: KnowledgeGraph) -> APIRouter:
    r = APIRouter()

    def target(request: Request) -> str | None:
        """The graph IRI, or None for the default graph; InputError unless exactly one is named."""
        params = request.query_params
        graphs = params.getlist("graph")
        if ("default" in params) == bool(graphs) or len(graphs) > 1:
            raise InputError(msg("gsp_one_graph"))
        if not graphs:
            return None
        try:
            ox.NamedNode(graphs[0])
        except ValueError:
            raise InputError(msg("not_absolute_iri", value=graphs[0])) from None
        return graphs[0]

    def existing(iri: str | None) -> str | None:
        if iri is not None and not kg.snapshot().contains_graph(iri):
            raise NotFound(msg("no_graph_iri", iri=iri))
        return iri

    @r.api_route(PATH, methods=["GET", "HEAD"])
    async def read(request: Request) -> Response:
        iri = existing(target(request))
        media = choose("graph", None, request.headers.get("accept"))
        if media is None:
            raise NotAcceptable(msg("graphs_offered_as", media=", ".join(offers("graph"))))
        query = "CONSTRUCT WHERE { ?s ?p ?o }" if iri is None else f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
        settings = request.app.state.settings
        job = Job(query, {"graph": media}, settings.max_results)
        media_type, body = await query_executor(request.app).arun(job, settings.timeout, client_of(request))
        if request.method == "HEAD":
            return Response(media_type=media_type, headers={"Content-Length": str(len(body))})
        return Response(body, media_type=media_type, headers={"Vary": "Accept"})

    @r.api_route(PATH, methods=["PUT", "POST", "DELETE"])
    async def write(request: Request) -> Response:
        check_update_allowed(request)
        iri = target(request)
        where = "DEFAULT" if iri is None else f"GRAPH <{iri}>"
        if request.method == "DELETE":
            existing(iri)
            return await run_update(request, kg, f"DROP {where}" if iri else "CLEAR DEFAULT")
        content_type = request.headers.get("content-type", "")
        body_format = find("graph", content_type, media_only=True)
        if body_format is None or body_format.rdf is None:
            media = content_type.split(";")[0].strip().lower()
            raise UnsupportedMediaType(msg("gsp_content_type", type=media or msg("no_media"), media=", ".join(offers("graph"))))
        rdf = body_format.rdf
        body = await limited_body(request)
        if not body.strip():
            raise InputError(msg("gsp_empty_body", media=body_format.media))
        replace = request.method == "PUT"
        settings, executor, client = request.app.state.settings, query_executor(request.app), client_of(request)

        def write() -> bool:
            """Off the event loop, one write at a time; a named graph's parsing and inference in a worker, within
            the write timeout and the workers' memory limit, on the state it is then written to."""
            with request.app.state.write_lock:
                prepared = None
                if iri is not None and not kg.is_reserved(iri):
                    prepared = executor.call(prepare_graph, iri, body, body_format.media, replace, kg.loader.choice,
                                             timeout=settings.write_timeout, client=client, label="write",
                                             cache=False)
                return kg.write_graph(iri, body, rdf, replace=replace, role=UPDATE_ROLE, prepared=prepared)

        try:
            created = await asyncio.to_thread(write)
        except QueryFailed as e:
            if e.status != 400:
                raise
            raise InputError(msg("gsp_malformed_body", media=body_format.media, detail=e.said)) from None
        except InputError as e:
            raise InputError(msg("gsp_malformed_body", media=body_format.media, detail=e.said)) from None

        if created:
            return Response(status_code=201, headers={"Location": str(request.url)})
        return Response(status_code=204)

    return r
