"""Full-text search: the pages /buscar (Spanish) and /search (English), and /api/buscar (JSON), each search
run in a query worker over the latest state (ppikg.search.query)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..errors import PpikgError
from ..i18n import check_lang, pick_lang, words
from ..search.documents import KINDS
from ..search.query import MAX_CHARS, MAX_LIMIT, MAX_OFFSET, check_kind, check_number, parse, search
from .common import call
from .pages import SEARCH_PAGES as PAGES, render_page

PAGE_SIZE = 20


def _number(name: str, value: str | None, default: int, low: int, high: int, lang: str) -> int:
    """A whole number from the query string, within ``low..high``; InputError (in ``lang``) otherwise."""
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    return check_number(name, number, low, high, lang)


def parts(hit: dict) -> list[tuple[str, bool]]:
    """A hit's snippet as pieces (text, matched) for the page to mark up.

    >>> parts({"snippet": "Establece vínculos con", "highlights": [(10, 18)]})
    [('Establece ', False), ('vínculos', True), (' con', False)]
    """
    text, at, out = hit["snippet"], 0, []
    for a, b in hit["highlights"]:
        out += [(text[at:a], False), (text[a:b], True)]
        at = b
    out.append((text[at:], False))
    return [(t, m) for t, m in out if t]


def router() -> APIRouter:
    r = APIRouter()

    async def answer(request: Request, q: str | None, lang: str, kind: str | None, limit: str | None,
                     offset: str | None) -> dict:
        if kind == "":
            kind = None
        n = _number("limit", limit, PAGE_SIZE, 1, MAX_LIMIT, lang)
        skip = _number("offset", offset, 0, 0, MAX_OFFSET, lang)
        check_kind(kind, lang)
        parse(q or "", lang)  # a bad search is refused here, before it takes a worker
        return await call(request, search, q or "", lang, kind, n, skip)

    @r.get("/api/buscar")
    @r.get("/api/search")
    async def api(request: Request, q: str | None = None, lang: str | None = None, kind: str | None = None,
                  limit: str | None = None, offset: str | None = None) -> dict:
        """``{"query", "state", "total", "total_exact", "match", "hits": [{"rank", "iri", "kind", "kind_label",
        "label", "snippet", "highlights", "link", "score"}]}``, best first (BM25); ``total_exact`` False: more
        hits than ``total``."""
        default = "en" if request.url.path == "/api/search" else "es"
        return await answer(request, q, check_lang(lang or default), kind, limit, offset)

    for page_lang, path in PAGES.items():
        async def page(request: Request, q: str | None = None, lang: str | None = None, kind: str | None = None,
                       limit: str | None = None, offset: str | None = None,
                       _default: str = page_lang) -> HTMLResponse:
            code = pick_lang(lang or _default)
            found, error = None, None
            if q is not None:
                try:
                    found = await answer(request, q, code, kind, limit, offset)
                except PpikgError as e:  # InputError here; the same from the worker comes as QueryFailed(400)
                    if e.status != 400:
                        raise
                    error = e.text(code)
            params = {k: v for k, v in request.query_params.items() if k != "lang"}
            other = words("ui", code)["switch_lang"]
            pages = {}
            if found:
                first, size = found["hits"][0]["rank"] - 1 if found["hits"] else 0, len(found["hits"])
                for key, at in (("previous", first - PAGE_SIZE), ("more", first + size)):
                    if (0 <= at <= MAX_OFFSET and (at < found["total"] or not found["total_exact"])
                            and (key == "previous" or size == PAGE_SIZE) and at != first):
                        pages[key] = f"{PAGES[code]}?{urlencode(params | {'offset': at})}"
            response = render_page(
                request, "ui_search.html", code, title=words("search", code)["title"], current="nav_search",
                switch_href=f"{PAGES[other]}?{urlencode(params)}", s=words("search", code), q=q or "",
                kind=kind or "", kinds=KINDS, found=found, error=error, parts=parts, pages=pages,
                max_chars=MAX_CHARS, action=PAGES[code])
            if error:
                response.status_code = 400
            return response

        r.add_api_route(path, page, methods=["GET"], name=f"search_{page_lang}", response_class=HTMLResponse)
    return r
