"""Analysts' traceability: the canned queries at /queries and the REST views at /api/… (JSON, CSV, SVG)."""

from __future__ import annotations

import pyoxigraph
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from .. import trace
from ..errors import InputError
from ..graph import KnowledgeGraph
from ..namespaces import PPI

RESULTS = {
    "application/sparql-results+json": pyoxigraph.QueryResultsFormat.JSON,
    "application/json": pyoxigraph.QueryResultsFormat.JSON,
    "text/csv": pyoxigraph.QueryResultsFormat.CSV,
    "text/tab-separated-values": pyoxigraph.QueryResultsFormat.TSV,
    "application/sparql-results+xml": pyoxigraph.QueryResultsFormat.XML,
}
_SHORT = {"json": "application/sparql-results+json", "csv": "text/csv", "tsv": "text/tab-separated-values",
          "xml": "application/sparql-results+xml"}
#: Query-string names that choose the representation rather than bind a parameter.
_RESERVED = {"format", "lang"}


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _media(request: Request, default: str = "application/sparql-results+json") -> str | None:
    """The results media type: ?format=json|csv|tsv|xml first, then Accept (first listed match); None if unknown."""
    fmt = request.query_params.get("format")
    if fmt:
        return _SHORT.get(fmt.lower())
    for part in request.headers.get("accept", "").split(","):
        media = part.split(";")[0].strip().lower()
        if media in RESULTS:
            return media
    return default


def router(kg: KnowledgeGraph) -> APIRouter:
    r = APIRouter()

    def results(request: Request, query_id: str, params: dict[str, str | None]) -> Response:
        media = _media(request)
        if media is None:
            return _error(400, f"unknown format {request.query_params.get('format')!r}: use json, csv, tsv or xml")
        try:
            solutions = trace.run(kg, query_id, **params)
        except trace.UnknownQuery as e:
            return _error(404, str(e))
        except InputError as e:
            return _error(400, str(e))
        body = solutions.serialize(format=RESULTS[media])
        if media == "application/json":
            media = "application/sparql-results+json"
        headers = {"Content-Disposition": f'inline; filename="{query_id}.{_ext(media)}"'}
        return Response(body, media_type=media, headers=headers)

    @r.get("/queries")
    def list_queries() -> list[dict]:
        """The canned analyst queries: ids, titles and descriptions (es, en), parameters, an example."""
        return [q.to_json() | {"url": f"/queries/{q.id}"} for q in trace.list_queries()]

    @r.get("/queries/{query_id}.rq")
    def query_text(query_id: str) -> Response:
        try:
            q = trace.get_query(query_id)
        except trace.UnknownQuery as e:
            return _error(404, str(e))
        return Response(q.sparql, media_type="application/sparql-query")

    @r.get("/queries/{query_id}")
    def run_query(query_id: str, request: Request) -> Response:
        """Run a canned query: SPARQL JSON results, or CSV/TSV/XML by Accept or ?format=."""
        params = {k: v for k, v in request.query_params.items() if k not in _RESERVED}
        return results(request, query_id, params)

    def about(request: Request, name: str, cls: str | None, query_id: str, param: str) -> Response:
        iri = request.query_params.get(name)
        if not iri:
            return _error(400, f"missing parameter {name!r}: the IRI of the {param}, e.g. ?{name}=https://w3id.org/ppikg/…")
        try:
            known = trace.exists(kg, iri, cls)
        except InputError as e:
            return _error(400, f"{name}: {e}")
        if not known:
            return _error(404, f"no {param} {iri} in the store")
        return results(request, query_id, {param: iri})

    # REST views of the canned queries: one IRI in, SPARQL JSON results (or CSV by Accept / ?format=csv) out.
    @r.get("/api/indicator")
    def indicator(request: Request) -> Response:
        return about(request, "iri", str(PPI.Indicator), "indicator", "indicator")

    @r.get("/api/competency")
    def competency(request: Request) -> Response:
        return about(request, "iri", str(PPI.Competency), "competency", "competency")

    @r.get("/api/provision")
    def provision(request: Request) -> Response:
        return about(request, "iri", None, "provision", "provision")

    @r.get("/api/gaps")
    def gaps(request: Request) -> Response:
        return about(request, "proposal", str(PPI.Proposal), "gaps", "proposal")

    @r.get("/api/coverage")
    def coverage(request: Request) -> Response:
        """The coverage matrix: JSON (competencies, proposals, counts), or CSV by ?format=csv / Accept text/csv."""
        fmt = (request.query_params.get("format") or "").lower()
        if fmt not in ("", "json", "csv", "svg"):
            return _error(400, f"unknown format {fmt!r}: use json, csv or svg")
        if fmt == "svg":
            return coverage_svg(request)
        matrix = trace.coverage_matrix(kg)
        if fmt == "csv" or (not fmt and "text/csv" in request.headers.get("accept", "")):
            return Response(matrix.to_csv(), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'inline; filename="coverage.csv"'})
        return JSONResponse(matrix.to_json())

    @r.get("/api/coverage.svg")
    def coverage_svg(request: Request) -> Response:
        """The coverage matrix as an SVG heat-map, labels in ?lang=es (default) or en."""
        lang = request.query_params.get("lang", "es")
        if lang not in trace.LANGS:
            return _error(400, f"unknown language {lang!r}: use es or en")
        return Response(trace.heatmap_svg(trace.coverage_matrix(kg), lang), media_type="image/svg+xml")

    return r


def _ext(media: str) -> str:
    return {"text/csv": "csv", "text/tab-separated-values": "tsv", "application/sparql-results+xml": "srx"}.get(media, "srj")
