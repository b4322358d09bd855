"""Web pages: the start page (the UI grows here)."""

from __future__ import annotations

import html

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from .. import __version__
from ..graph import KnowledgeGraph


def router(kg: KnowledgeGraph) -> APIRouter:
    r = APIRouter()

    @r.get("/health")
    def health() -> dict:
        return {"status": "ok", "version": __version__}

    @r.get("/", response_class=HTMLResponse)
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

    return r
