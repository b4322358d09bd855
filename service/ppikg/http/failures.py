"""The service's one error contract, installed by the app factory (http/app.py).

Every error answers ONE JSON body, whatever raised it::

    {"error": "<message for a person>", "status": <HTTP status>, "code": "<machine code>"}

- a :class:`ppikg.errors.PpikgError` raised by a route or a shared helper: its ``status``, ``code`` and
  ``headers`` (``WWW-Authenticate`` for 401, ``Allow`` for 405, ``Retry-After`` for 503);
- the framework's own HTTP errors (a path no route serves: 404; a method a route does not answer: 405 with
  ``Allow``): the kind of error with that status;
- a request FastAPI could not read into a route's parameters (its 422): 400, ``bad-input``;
- anything unexpected: 500, ``internal``, logged with its traceback, which the body never shows.

HTML pages: on a route whose success answer is HTML (declared with ``response_class=HTMLResponse``: the
linked-data pages and the UI's pages), a client that prefers ``text/html`` to ``application/json`` (a browser;
``*/*``) gets the same status and message as a page (``templates/error.html``) instead of the JSON body; an
explicit ``?format=`` other than ``html`` asks for the JSON body. A path no route serves answers its 404 as a page
to a client that prefers ``text/html`` (a browser), JSON otherwise (``*/*`` included). Every other route answers
JSON always.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from ..errors import KINDS, InputError, MethodNotAllowed, NotFound, PpikgError, code_for, error_body, msg
from ..media import find, negotiate
from ..i18n import pick_lang, words
from .pages import page_response, site_html

log = logging.getLogger("ppikg.http")
#: The methods a route may answer, in the order an ``Allow`` header names them.
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")
#: What an error page or body is offered as, on a route whose success answer is HTML.
PAGE_ERROR_OFFERS = ["text/html", "application/json"]
#: What the 404 of a path no route serves is offered as: JSON unless the client prefers HTML (``*/*``: JSON).
UNKNOWN_PATH_OFFERS = ["application/json", "text/html"]


def as_error(request: Request, exc: Exception) -> PpikgError:
    """``exc`` as a ppikg error (the framework's and unexpected exceptions become the kind with their status)."""
    if isinstance(exc, PpikgError):
        return exc
    if isinstance(exc, HTTPException):
        headers = dict(exc.headers or {})
        if exc.status_code == 404:
            return NotFound(msg("nothing_here", path=request.url.path), headers=headers)
        if exc.status_code == 405:
            given = headers.pop("Allow", None) or headers.pop("allow", None)  # the first route matched: not all
            allow = ", ".join(allowed_methods(request)) or given or "GET, HEAD"
            return MethodNotAllowed(msg("method", method=request.method, path=request.url.path, allow=allow),
                                    allow=allow.split(", "), headers=headers)
        kind = KINDS.get(exc.status_code)
        said = msg("bad_request", detail=str(exc.detail)) if 400 <= exc.status_code < 500 else msg("internal_error")
        error = (kind or PpikgError)(said, headers=headers)
        if kind is None:
            error.status, error.code = exc.status_code, code_for(exc.status_code)
        return error
    if isinstance(exc, RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors())
        return InputError(msg("bad_request", detail=problems))
    return PpikgError(msg("internal_error"))



def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app answers at the request's path: a path served by several routes
    (GET and POST /sparql) allows the methods of all of them, not only those of the first one matched. None
    for a path under a mount (/static), which matches every method and answers 405 with its own ``Allow``."""
    from starlette.routing import Match, Mount

    routes = [r for r in request.app.router.routes if not isinstance(r, Mount)]
    methods = {m for m in METHODS if any(r.matches({**request.scope, "method": m})[0] == Match.FULL for r in routes)}
    if "GET" in methods:
        methods.add("HEAD")  # answered for every GET resource (http/head.py)
    return [m for m in METHODS if m in methods]


def wants_page(request: Request) -> bool:
    """Whether an error of this request is answered as an HTML page (see the module's docstring)."""
    route = request.scope.get("route")
    page = getattr(route, "response_class", None)
    fmt = request.query_params.get("format")
    if fmt is not None and getattr(find("page", fmt), "media", None) != "text/html":
        return False
    if route is None:  # a path no route serves: a page only for a client that prefers HTML to JSON (a browser)
        return negotiate(request.headers.get("accept"), UNKNOWN_PATH_OFFERS) == "text/html"
    if not (isinstance(page, type) and issubclass(page, HTMLResponse)):
        return False
    return negotiate(request.headers.get("accept"), PAGE_ERROR_OFFERS) == "text/html"


async def respond(request: Request, exc: Exception) -> Response:
    """The one answer to every error."""
    error = as_error(request, exc)
    if error.status >= 500 and error is not exc:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    elif error.status >= 500 and error.status != 503:
        log.error("%s %s: %s", request.method, request.url.path, error)
    headers = {**error.headers, "Vary": "Accept"}
    lang = pick_lang(request.query_params.get("lang"))
    if wants_page(request):
        w = words("ui", lang)
        html, code = site_html(request, "error.html", lang, title=w.get(f"error_{error.status}", w["error_title"]),
                               status=error.status, code=error.code, message=error.text(lang), see=error.see)
        return page_response(html, code, error.status, headers)
    return JSONResponse(error_body(error, lang), status_code=error.status, headers=headers)


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` with :func:`respond`."""
    for kind in (PpikgError, HTTPException, RequestValidationError, Exception):
        app.add_exception_handler(kind, respond)
