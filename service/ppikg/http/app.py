"""FastAPI app factory: one application over one KnowledgeGraph, assembled from one router per concern."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from .. import __version__, templating
from ..store.graph import KnowledgeGraph
from . import (analysis, common, export, failures, gsp, lifecycle, linked_data, pages, search, sparql, traceability,
               validation)
from .head import HeadAsGet
from .lookups import LookupLane
from ..config import Settings


#: What a browser on another origin may send, once ``ppi serve --cors`` allows that origin (SPARQL Protocol,
#: Graph Store Protocol, uploads).
CORS_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE")
CORS_HEADERS = ("Accept", "Accept-Language", "Authorization", "Content-Type", "Content-Disposition")

#: Threads for blocking work (waits for workers, writes, page rendering): enough for every request a
#: server on a few cores holds at once.
THREADS = 64


class PpikgApp(FastAPI):
    """FastAPI with two plain ASGI layers in front of its whole middleware stack: HEAD for every GET resource
    (http/head.py), and the look-up lane (http/lookups.py), which answers a look-up before Starlette's error
    and exception layers (they cost a look-up a third of its time)."""

    def build_middleware_stack(self):
        return with_cors(HeadAsGet(LookupLane(super().build_middleware_stack())), self.state.settings.cors_origins)


def with_cors(stack, origins: tuple[str, ...]):
    """``stack`` behind the CORS policy of ``ppi serve --cors`` (``origins``; none: ``stack`` as it is).

    Outermost, so that look-ups answered by the lane and every error carry the CORS headers too; it answers the
    preflight (OPTIONS with Access-Control-Request-Method) of an allowed origin itself."""
    if not origins:
        return stack
    return CORSMiddleware(stack, allow_origins=list(origins), allow_methods=list(CORS_METHODS),
                          allow_headers=list(CORS_HEADERS), expose_headers=["Content-Disposition", "Location",
                                                                           "Retry-After", "X-PPI-Conforms"],
                          max_age=600)


def create_app(kg: KnowledgeGraph, settings: Settings | None = None) -> FastAPI:
    """The web application over ``kg`` (opened and loaded by the caller), with these ``settings``; uploads are
    validated against the project of ``kg``."""
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Every request waiting for a worker waits in a thread (the default pool has cpu_count + 4 of them):
        # with too few, requests queue for a thread before they reach the workers' fair admission.
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(THREADS, thread_name_prefix="ppikg"))
        common.query_executor(app)  # workers start now, in the background, not with the first query
        yield
        for pool in (app.state.executor, app.state.validation):
            if pool is not None:
                pool.close()

    # No /docs or /redoc: FastAPI serves them with scripts from a CDN, and no page here loads anything remote.
    app = PpikgApp(title="ppikg", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.kg = kg
    app.state.settings = settings or Settings()
    app.state.executor = None  # query workers, started with the app (or by the first query without a lifespan)
    app.state.executor_lock = threading.Lock()
    app.state.write_lock = threading.Lock()  # updates run one at a time
    app.state.validation = None  # validation workers, started by the first upload
    app.state.templates = templating.environment()  # pages, error pages and HTML reports
    app.include_router(sparql.router(kg))
    app.include_router(gsp.router(kg))
    app.include_router(validation.router())
    app.include_router(pages.router(kg))
    reviewer = lifecycle.Reviewer(kg)  # one validator for the lifecycle's reports, whichever page asks
    app.include_router(analysis.router(kg, reviewer))
    app.include_router(search.router())
    app.include_router(traceability.router(kg))
    app.include_router(export.router(kg))
    app.include_router(lifecycle.router(kg, reviewer))
    app.include_router(linked_data.router(kg))  # last: its routes are the minted IRIs' path prefixes
    app.mount("/static", pages.static_files(), name="static")
    failures.install(app)  # one JSON body for every error (html pages: a page when the client prefers it)
    return app
