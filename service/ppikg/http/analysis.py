"""Analysts' pages: the coverage heat-map (and its SVG and PNG files), the indicators behind each of its cells,
proposals compared side by side (``/comparar`` es, ``/compare`` en) and the citations of the Lineamientos
(``/citas`` es, ``/citations`` en, their graph as SVG and PNG); each page's table as JSON and CSV too."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from .. import citations, coverage
from ..errors import InputError, msg
from ..i18n import check_lang, pick_lang, words
from ..lifecycle.compare import MOST, compare
from ..store.graph import KnowledgeGraph
from .common import call
from .lifecycle import Reviewer, table_media
from .pages import render_page


def _csv(text: str, name: str) -> Response:
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'inline; filename="{name}.csv"'})


def _json(data: object) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), media_type="application/json")


async def _picture(svg: str, lang: str, page: str, png: bool = False) -> Response:
    """A picture to download: ``svg``, or it rendered as PNG by resvg (off the event loop); named after the menu
    entry ``page`` in ``lang``."""
    name = words("ui", lang)[page].lower()
    if png:
        return Response(await asyncio.to_thread(coverage.svg_png, svg), media_type="image/png",
                        headers={"Content-Disposition": f'inline; filename="{name}.png"'})
    return Response(svg, media_type="image/svg+xml", headers={"Content-Disposition": f'inline; filename="{name}.svg"'})


def _picture_route(name: str, draw: Callable[[Request, str, str], Awaitable[str]], page: str, png: bool):
    """The route of picture ``name``, drawn by ``draw(request, lang, base)``, as SVG or PNG."""
    async def picture(request: Request) -> Response:
        lang = check_lang(request.query_params.get("lang", "es"))
        return await _picture(await draw(request, lang, "" if png else str(request.base_url)), lang, page, png)

    picture.__doc__ = f"The {name} picture as {'PNG' if png else 'a standalone SVG'}, labels in ?lang=es or en."
    return picture


def _lang(request: Request, default: str) -> str:
    """``?lang=`` if the interface speaks it, else the language of the path (``/compare``: English)."""
    asked = request.query_params.get("lang")
    return pick_lang(asked) if asked else default


def _version_number(value: str | None, proposal: str) -> int | None:
    """The version asked for ``proposal`` (``?v.NAME=N``): None when absent or empty (the current one)."""
    if value is None or not value.strip():
        return None
    if not value.strip().isdigit():
        raise InputError(msg("compare_bad_version", value=value, proposal=proposal))
    return int(value)


def _at(page, default: str):
    """``page`` as a route answering in ``default`` unless the request's ``?lang=`` says otherwise."""
    async def route(request: Request) -> Response:
        return await page(request, default)

    route.__doc__ = page.__doc__
    return route


def router(kg: KnowledgeGraph, reviewer: Reviewer) -> APIRouter:
    r = APIRouter()
    project = kg.project

    @r.get("/coverage", response_class=HTMLResponse)
    async def coverage_page(request: Request, lang: str | None = None) -> HTMLResponse:
        """The heat-map in the page (each cell a link), with its files to download."""
        code = pick_lang(lang)
        matrix = await call(request, coverage.coverage_matrix, project)
        return render_page(request, "ui_coverage.html", lang, title_key="coverage_title", current="nav_coverage",
                           svg=coverage.heatmap_svg(matrix, code))

    @r.get("/coverage/indicators", response_class=HTMLResponse)
    async def cell(request: Request, proposal: str = "", competency: str = "", lang: str | None = None) -> Response:
        """The indicators of one proposal covering one competency: a cell of the heat-map (HTML, JSON, CSV)."""
        media = table_media(request)
        found = await call(request, coverage.covering_indicators, project, proposal, competency)
        if media == "application/json":
            return _json(found)
        if media == "text/csv":
            return _csv(coverage.indicators_csv(found), "indicators")
        code = pick_lang(lang)
        return render_page(request, "ui_coverage_cell.html", lang, title_key="cell_title", current="nav_coverage",
                           cell=found, proposal_label=coverage.proposal_label(found["proposal"], code),
                           competency_label=coverage.competency_label(found["competency"], code))

    async def comparison(request: Request, default: str) -> Response:
        """Proposals side by side: ?p=NAME&p=NAME… (names under propuestas/ or IRIs), each in its current version
        unless ``v.NAME=N`` names another; without two, the choice."""
        media, code = table_media(request), _lang(request, default)
        chosen = request.query_params.getlist("p")
        if len(chosen) < 2 and media == "text/html":  # the choice of proposals to compare
            matrix = await call(request, coverage.coverage_matrix, project)
            choices = [(p["iri"].rstrip("/").rsplit("/", 1)[-1], coverage.proposal_label(p, code), p["title"])
                       for p in matrix.proposals]
            return render_page(request, "ui_compare.html", code, title_key="compare_title", current="nav_dashboard",
                               c=None, choices=choices, chosen=chosen, most=MOST, lw=words("lifecycle", code))
        numbers = [_version_number(request.query_params.get(f"v.{p}"), p) for p in chosen]
        c = await asyncio.to_thread(reviewer.run, lambda kg, v: compare(kg, v, chosen, code, numbers))
        if media == "application/json":
            return _json(c.to_json())
        if media == "text/csv":
            return _csv(c.to_csv(), "comparison")
        asked = [("p", p) for p in chosen] + [(f"v.{p}", str(n)) for p, n in zip(chosen, numbers) if n is not None]
        return render_page(request, "ui_compare.html", code, title_key="compare_title", current="nav_dashboard",
                           c=c, choices=[], chosen=chosen, asked=asked, most=MOST, lw=words("lifecycle", code),
                           outcome=words("report", code))

    async def citation_page(request: Request, default: str) -> Response:
        """Every law and article the Lineamientos cite, with the provisions citing it, and the graph of it."""
        media, code = table_media(request), _lang(request, default)
        found = await call(request, citations.citations, code)
        if media == "application/json":
            return _json(found.to_json())
        if media == "text/csv":
            return _csv(found.to_csv(), "citations")
        return render_page(request, "ui_citations.html", code, title_key="citations_title", current="nav_citations",
                           laws=found.by_law(), svg=citations.graph_svg(found, code))

    # Each page at its Spanish and its English path, in that language unless ?lang= says otherwise.
    for paths, page in ((("/comparar", "/compare"), comparison), (("/citas", "/citations"), citation_page)):
        for path, default in zip(paths, ("es", "en")):
            r.add_api_route(path, _at(page, default), methods=["GET"], response_class=HTMLResponse)

    async def heatmap(request: Request, lang: str, base: str) -> str:
        return coverage.heatmap_svg(await call(request, coverage.coverage_matrix, project), lang, base)

    async def cited(request: Request, lang: str, base: str) -> str:
        return citations.graph_svg(await call(request, citations.citations, lang), lang, base)

    # The pictures as files: SVG (links to this server) and PNG (the SVG rendered by resvg, off the event loop).
    for name, draw, entry in (("coverage", heatmap, "nav_coverage"), ("citations", cited, "nav_citations")):
        for png in (False, True):
            r.add_api_route(f"/api/{name}.{'png' if png else 'svg'}", _picture_route(name, draw, entry, png),
                            methods=["GET"])

    return r

