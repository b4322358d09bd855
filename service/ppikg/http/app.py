"""FastAPI app factory: one application over one KnowledgeGraph, assembled from one router per concern."""

from __future__ import annotations

from fastapi import FastAPI

from .. import __version__
from ..graph import KnowledgeGraph
from ..validate import Validator
from . import pages, sparql, validation
from . import export, linked_data, trace
from .settings import Settings


def create_app(kg: KnowledgeGraph, validator: Validator | None = None, settings: Settings | None = None) -> FastAPI:
    """The web application over ``kg`` (opened and loaded by the caller)."""
    app = FastAPI(title="ppikg", version=__version__)
    app.state.kg = kg
    app.state.settings = settings or Settings()
    app.state.validator = validator or Validator()
    app.include_router(sparql.router(kg))
    app.include_router(sparql.graph_store_router(kg))
    app.include_router(validation.router(app.state.validator))
    app.include_router(pages.router(kg))
    app.include_router(trace.router(kg))
    app.include_router(export.router(kg))
    app.include_router(linked_data.router(kg))  # last: its routes are the minted IRIs' path prefixes
    app.mount("/static", pages.static_files(), name="static")
    return app
