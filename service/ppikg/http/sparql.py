"""The SPARQL endpoint at /sparql (read-only here; the full 1.1 Protocol is built on this router)."""

from __future__ import annotations

import pyoxigraph
from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response

from ..errors import InputError
from ..graph import KnowledgeGraph
from .common import pick

RESULTS = {
    "application/sparql-results+json": pyoxigraph.QueryResultsFormat.JSON,
    "application/sparql-results+xml": pyoxigraph.QueryResultsFormat.XML,
    "text/csv": pyoxigraph.QueryResultsFormat.CSV,
    "text/tab-separated-values": pyoxigraph.QueryResultsFormat.TSV,
}
GRAPHS = {
    "text/turtle": pyoxigraph.RdfFormat.TURTLE,
    "application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES,
    "application/rdf+xml": pyoxigraph.RdfFormat.RDF_XML,
}


def router(kg: KnowledgeGraph) -> APIRouter:
    r = APIRouter()

    def run_query(query: str, accept: str) -> Response:
        try:
            results = kg.query(query)
        except InputError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        if isinstance(results, pyoxigraph.QueryTriples):
            media = pick(accept, GRAPHS, "text/turtle")
            return Response(results.serialize(format=GRAPHS[media]), media_type=media)
        media = pick(accept, RESULTS, "application/sparql-results+json")
        return Response(results.serialize(format=RESULTS[media]), media_type=media)

    # Plain `def` handlers: FastAPI runs them in a worker thread, so a query never blocks the event loop.
    @r.get("/sparql")
    def sparql_get(request: Request, query: str | None = None) -> Response:
        if query is None:
            return JSONResponse({"error": "missing 'query' parameter"}, status_code=400)
        return run_query(query, request.headers.get("accept", ""))

    @r.post("/sparql")
    def sparql_post(request: Request, query: str = Form(...)) -> Response:
        return run_query(query, request.headers.get("accept", ""))

    return r
