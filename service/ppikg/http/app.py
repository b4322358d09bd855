"""FastAPI app factory: a read-only SPARQL endpoint and a start page over one KnowledgeGraph."""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

import pyoxigraph
from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from .. import __version__
from ..errors import InputError
from ..graph import KnowledgeGraph
from ..proposals import import_proposal
from ..reports import MEDIA_TYPES, render
from ..validate import Validator

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


MAX_BODY = 20 * 1024 * 1024  # bytes accepted in a proposal upload
# Content type of an uploaded proposal → file suffix the importer understands.
_PROPOSAL_TYPES = {
    "text/turtle": ".ttl",
    "application/x-turtle": ".ttl",
    "application/ld+json": ".jsonld",
    "application/json": ".jsonld",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}
_REPORT_TYPES = {
    "text/html": "html",
    "application/json": "json",
    "text/turtle": "turtle",
    "text/plain": "text",
}


def _validate_upload(validator: Validator, body: bytes, suffix: str):
    """Import an uploaded proposal (through a temporary file, as the importer reads files) and validate it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"propuesta{suffix}"
        path.write_bytes(body)
        return validator.validate(import_proposal(path))


async def _limited_body(request: Request) -> bytes:
    """The request body, refused with 413 past MAX_BODY without reading the rest."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise HTTPException(413, f"body over {MAX_BODY} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise HTTPException(413, f"body over {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(kg: KnowledgeGraph, validator: Validator | None = None) -> FastAPI:
    """The web application over ``kg``; the graph is opened and loaded by the caller."""
    app = FastAPI(title="ppikg", version=__version__)
    app.state.kg = kg
    app.state.validator = validator or Validator()

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

    @app.post("/validate")
    def validate_proposal(request: Request, lang: str = "es", severity: str = "info",
                          body: bytes = Depends(_limited_body)) -> Response:
        media = request.headers.get("content-type", "text/turtle").split(";")[0].strip()
        suffix = _PROPOSAL_TYPES.get(media)
        if suffix is None:
            return JSONResponse({"error": f"unsupported content type {media!r}: send Turtle, JSON-LD or xlsx"},
                                status_code=415)
        if lang not in ("es", "en") or severity not in ("violation", "warning", "info"):
            return JSONResponse({"error": "lang must be es or en; severity violation, warning or info"}, status_code=400)
        fmt = _REPORT_TYPES[_pick(request.headers.get("accept", ""), _REPORT_TYPES, "application/json")]
        try:
            report = _validate_upload(app.state.validator, body, suffix)
        except InputError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return Response(render(report.filtered(severity), fmt, lang), media_type=MEDIA_TYPES[fmt],
                        headers={"X-PPI-Conforms": "true" if report.conforms else "false"})

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
