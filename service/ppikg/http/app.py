"""FastAPI app factory: a read-only SPARQL endpoint and a start page over one KnowledgeGraph."""

from __future__ import annotations

import html

import pyoxigraph
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from .. import __version__
from ..errors import InputError
from ..graph import KnowledgeGraph

# Accept media type → (pyoxigraph results format, response media type).
_RESULTS = {
    "application/sparql-results+json": pyoxigraph.QueryResultsFormat.JSON,
    "application/sparql-results+xml": pyoxigraph.QueryResultsFormat.XML,
    "text/csv": pyoxigraph.QueryResultsFormat.CSV,
    "text/tab-separated-values": pyoxigraph.QueryResultsFormat.TSV,
}
_GRAPHS = {
    "text/turtle": pyoxigraph.RdfFormat.TURTLE,
    "application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES,
    "application/rdf+xml": pyoxigraph.RdfFormat.RDF_XML,
}


def _pick(accept: str, choices: dict, default: str) -> str:
    """The first media type of ``choices`` named in ``accept`` (no q-values yet), else ``default``."""
    for part in accept.split(","):
        media = part.split(";")[0].strip()
        if media in choices:
            return media
    return default


def create_app(kg: KnowledgeGraph) -> FastAPI:
    """The web application over ``kg``; the graph is opened and loaded by the caller."""
    app = FastAPI(title="ppikg", version=__version__)
    app.state.kg = kg

    def run_query(query: str, accept: str) -> Response:
        try:
            results = kg.query(query)
        except InputError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        if isinstance(results, pyoxigraph.QueryTriples):
            media = _pick(accept, _GRAPHS, "text/turtle")
            return Response(results.serialize(format=_GRAPHS[media]), media_type=media)
        media = _pick(accept, _RESULTS, "application/sparql-results+json")
        return Response(results.serialize(format=_RESULTS[media]), media_type=media)

    # Plain `def` handlers: FastAPI runs them in a worker thread, so a query never blocks the event loop.
    @app.get("/sparql")
    def sparql_get(request: Request, query: str | None = None) -> Response:
        if query is None:
            return JSONResponse({"error": "missing 'query' parameter"}, status_code=400)
        return run_query(query, request.headers.get("accept", ""))

    @app.post("/sparql")
    def sparql_post(request: Request, query: str = Form(...)) -> Response:
        return run_query(query, request.headers.get("accept", ""))

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "version": __version__}

    @app.get("/", response_class=HTMLResponse)
    def home() -> str:
        info = kg.info()
        rows = "".join(
            f"<tr><td>{html.escape(str(k))}</td><td>{v}</td></tr>" for k, v in info.get("classes", {}).items()
        )
        return (
            "<!doctype html><html lang='es'><head><meta charset='utf-8'><title>ppikg</title></head><body>"
            "<h1>ppikg</h1><p>Lineamientos PPI directores EMS (2013) — grafo de conocimiento / knowledge graph.</p>"
            "<p>SPARQL: <code>/sparql?query=…</code></p>"
            f"<table><tr><th>clase / class</th><th>n</th></tr>{rows}</table></body></html>"
        )

    return app
