"""Analysts' traceability: the canned queries at /queries and the REST views at /api/… (JSON, CSV, SVG)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from .. import coverage
from ..sparql import canned
from ..errors import InputError, NotAcceptable, msg
from ..i18n import check_lang
from ..store.graph import KnowledgeGraph
from ..media import by_media, choose, find, offers
from ..namespaces import PPI
from .common import call

#: Query-string names that choose the representation rather than bind a parameter.
_RESERVED = {"format", "lang"}
#: The coverage matrix: JSON (the default), CSV, or the heat-map as SVG or PNG.
MATRIX_OFFERS = ["application/json", "text/csv", "image/svg+xml", "image/png"]


def _chosen(request: Request, kind: str, offered: list[str]) -> str:
    """The media type of the answer: ``?format=`` (a name of ``kind``) first, then ``Accept``; InputError for
    an unknown format name, NotAcceptable when ``Accept`` allows none of ``offered``."""
    fmt = request.query_params.get("format")
    if fmt is not None and ((named := find(kind, fmt)) is None or named.media not in offered):
        names = ", ".join(by_media(m).name for m in offered)
        raise InputError(msg("format_unknown", format=fmt, formats=names))
    media = choose(kind, fmt, request.headers.get("accept"), offered)
    if media is None:
        raise NotAcceptable(msg("offered_as", media=", ".join(offered)))
    return media


def router(kg: KnowledgeGraph) -> APIRouter:
    """The routes; every answer is computed in a query worker (ppikg.sparql.canned, with the server's timeout)."""
    r = APIRouter()
    project = kg.project

    def headers(query_id: str, media: str) -> dict[str, str]:
        return {"Content-Disposition": f'inline; filename="{query_id}{by_media(media).suffix}"'}

    @r.get("/queries")
    def list_queries() -> list[dict]:
        """The canned analyst queries: ids, titles and descriptions (es, en), parameters, an example."""
        return [q.to_json() | {"url": f"/queries/{q.id}"} for q in canned.list_queries(project)]

    @r.get("/queries/{query_id}.rq")
    def query_text(query_id: str) -> Response:
        q = canned.get_query(project, query_id)
        return Response(q.sparql, media_type="application/sparql-query")

    @r.get("/queries/{query_id}")
    async def run_query(query_id: str, request: Request) -> Response:
        """Run a canned query: SPARQL JSON results, or CSV/TSV/XML by Accept or ?format=."""
        params = {k: v for k, v in request.query_params.items() if k not in _RESERVED}
        media = _chosen(request, "results", offers("results"))
        body = await call(request, canned.answer, project, query_id, params, media)
        return Response(body, media_type=media, headers=headers(query_id, media))

    async def about(request: Request, name: str, cls: str | None, query_id: str, param: str) -> Response:
        iri = request.query_params.get(name)
        if not iri:
            raise InputError(msg("missing_iri_parameter", name=name, thing=canned.THINGS[param]))

        media = _chosen(request, "results", offers("results"))
        body = await call(request, canned.answer_about, project, query_id, param, iri, cls, media, name)
        return Response(body, media_type=media, headers=headers(query_id, media))

    # REST views of the canned queries: one IRI in, SPARQL JSON results (or CSV by Accept / ?format=csv) out.
    @r.get("/api/indicator")
    async def indicator(request: Request) -> Response:
        return await about(request, "iri", PPI + "Indicator", "indicator", "indicator")

    @r.get("/api/competency")
    async def competency(request: Request) -> Response:
        return await about(request, "iri", PPI + "Competency", "competency", "competency")

    @r.get("/api/provision")
    async def provision(request: Request) -> Response:
        return await about(request, "iri", None, "provision", "provision")

    @r.get("/api/gaps")
    async def gaps(request: Request) -> Response:
        return await about(request, "proposal", PPI + "Proposal", "gaps", "proposal")

    @r.get("/api/coverage")
    async def coverage_matrix(request: Request) -> Response:
        """The coverage matrix: JSON (competencies, proposals, counts), or CSV, SVG or PNG by ?format= / Accept
        (the pictures are those of /api/coverage.svg and /api/coverage.png, http/analysis.py)."""
        media = _chosen(request, "matrix", MATRIX_OFFERS)
        matrix = await call(request, coverage.coverage_matrix, project)
        if media == "text/csv":
            return Response(matrix.to_csv(), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'inline; filename="coverage.csv"'})
        if media == "image/svg+xml":
            lang = check_lang(request.query_params.get("lang", "es"))
            return Response(coverage.heatmap_svg(matrix, lang, str(request.base_url)), media_type=media)
        if media == "image/png":
            lang = check_lang(request.query_params.get("lang", "es"))
            return Response(await asyncio.to_thread(coverage.svg_png, coverage.heatmap_svg(matrix, lang)), media_type=media)
        return JSONResponse(matrix.to_json())

    return r
