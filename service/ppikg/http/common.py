"""What the routers share: the template environment, the size-limited request body, the endpoint's URL,
the query workers, and the gate and runner of updates (SPARQL Update and the Graph Store Protocol).

Everything here raises :mod:`ppikg.errors` errors; the app's one exception handler (http/failures.py)
turns them into responses.
"""

from __future__ import annotations

import asyncio
import hmac

from fastapi import Request
from fastapi.responses import Response
from jinja2 import Environment

from ..errors import (Conflict, Forbidden, InputError, PayloadTooLarge, PpikgError, QueryFailed, QueryTimeout,
                      RequestTimeout, Unauthorized, msg)
from ..sparql.executor import QueryExecutor
from ..store.graph import KnowledgeGraph
from ..store.catalog import UPDATE_ROLE
from ..store.trial import needs_trial, try_update
from ..namespaces import PREFIXES
from ..sparql.safety import analyse, update_refusal

#: The prefixes every query and update starts with, as plain strings.
PREFIX_MAP = {p: str(ns) for p, ns in PREFIXES.items()}


def templates(request: Request) -> Environment:
    """The app's Jinja environment (built once by the app factory from ppikg.templating)."""
    return request.app.state.templates


async def limited_body(request: Request) -> bytes:
    """The request body, refused with 413 past the app's max_body without reading the rest, and given up with
    408 when it stops arriving for ``Settings.body_timeout`` seconds (a client that declares more than it
    sends would otherwise hold the request for as long as it keeps the connection)."""
    settings = request.app.state.settings
    limit = settings.max_body
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(msg("body_too_large", limit=limit))
    chunks, size = [], 0
    stream = request.stream().__aiter__()
    while True:
        try:
            chunk = await asyncio.wait_for(stream.__anext__(), settings.body_timeout)
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise RequestTimeout(msg("body_stopped", seconds=f"{settings.body_timeout:g}", size=size)) from None
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(msg("body_too_large", limit=limit))
        chunks.append(chunk)
    return b"".join(chunks)


def endpoint_url(request: Request) -> str:
    """The URL of the endpoint being called, without the query string: ``Settings.public_url`` (``ppi serve
    --public-url``) and the path, else the address the server listens on and the path. Never the ``Host``
    header, which any client can set: it would become the endpoint named in the service description and the
    base IRI of queries."""
    return url_of(request.scope, request.app.state.settings.public_url)


def url_of(scope, public_url: str | None) -> str:
    """See :func:`endpoint_url` (for an ASGI ``scope``)."""
    path = f"{scope.get('root_path', '')}{scope['path']}"
    if public_url:
        return public_url.rstrip("/") + path
    host, port = scope.get("server") or ("localhost", None)
    scheme = scope.get("scheme", "http")
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}{'' if port in (None, default) else f':{port}'}{path}"


def check_update_allowed(request: Request) -> None:
    """Forbidden (403) when updates are off, Unauthorized (401) without the right bearer token."""
    settings = request.app.state.settings
    if not settings.update_enabled:
        raise Forbidden(msg("updates_disabled"))
    auth = request.headers.get("authorization", "")
    scheme, _, given = auth.partition(" ")
    if not settings.token or scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), settings.token.encode()):
        raise Unauthorized(msg("update_token"))


async def call(request: Request, fn, *args):
    """``fn(snapshot, *args)`` run in a query worker over the latest committed state, within the server's
    timeout, awaited off the event loop: the one way routes read the store (QueryTimeout, QueryFailed)."""
    return await query_executor(request.app).acall(fn, *args, timeout=request.app.state.settings.timeout,
                                                   client=client_of(request))


def client_of(request: Request) -> str | None:
    """Who sends ``request``, for fairness between clients: its address (a proxy in front makes every client
    one)."""
    return request.client.host if request.client else None


def query_executor(app) -> QueryExecutor:
    """The app's pool of query workers, started on first use (closed when the app shuts down)."""
    with app.state.executor_lock:
        if app.state.executor is None:
            settings = app.state.settings
            app.state.executor = QueryExecutor(app.state.kg, settings.workers, memory_limit_mb=settings.query_memory_mb,
                                               wait_s=settings.queue_timeout)
        return app.state.executor


async def run_update(request: Request, kg: KnowledgeGraph, update: str) -> Response:
    """Run a SPARQL update through the knowledge graph, one at a time (204), off the event loop (the safety
    analysis included); readers see it once it has committed. An update whose cost its text does not bound
    (a WHERE clause, ADD/MOVE/COPY) is first tried on a copy in a query worker, within the server's timeout
    and memory limit (ppikg.store.trial): past them it is refused with 503 and nothing is written. Forbidden
    for an update of a reserved graph, InputError for a malformed one, Conflict when the store cannot be
    written (e.g. it is open read-only)."""
    base = endpoint_url(request)
    timeout = request.app.state.settings.timeout
    executor, client = query_executor(request.app), client_of(request)

    def write() -> None:
        analysis = analyse(update, PREFIX_MAP, base)
        why = update_refusal(analysis, kg.reserved_graphs(), kg.is_reserved)
        if why:
            raise Forbidden(why)
        with request.app.state.write_lock:
            if needs_trial(analysis.tokens):
                executor.call(try_update, update, base, UPDATE_ROLE, kg.loader.choice, kg.trial_folder(),
                              timeout=timeout, client=client, label="update", cache=False)
            kg.update(update, base_iri=base, role=UPDATE_ROLE)

    try:
        await asyncio.to_thread(write)
    except QueryFailed as e:
        if e.status == 400:  # the update's own error, found by its trial
            raise InputError(e.said) from e
        raise
    except (InputError, Forbidden, QueryTimeout):
        raise
    except ValueError as e:
        raise InputError(msg("update_failed", detail=str(e))) from e
    except PpikgError as e:  # the store's own trouble (open read-only, closed), not the request's
        raise Conflict(e.said) from e

    return Response(status_code=204)
