"""POST /validate: an uploaded proposal (xlsx, or RDF in any syntax the store reads) checked against the Lineamientos, in a
validation worker (conformance/pool.py) with a time and a memory limit, stopped if the client goes away."""

from __future__ import annotations

import asyncio
import threading
from typing import cast

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..conformance.pool import Severity, Upload, ValidationPool
from ..errors import InputError, NotAcceptable, UnsupportedMediaType
from ..i18n import LANGS
from ..media import choose, find, offers
from .common import limited_body

#: A proposal is read from a body of a ``proposal`` format of ppikg.media (Turtle, JSON-LD, xlsx), and its
#: report answered in a ``report`` format (JSON when the client does not say).
REPORT_OFFERS = ["application/json", *(m for m in offers("report") if m != "application/json")]
#: How often a running validation asks whether its client is still there.
DISCONNECT_POLL_S = 0.25


def validation_pool(app) -> ValidationPool:
    """The app's validation workers, started with the first upload (closed when the app shuts down)."""
    with app.state.executor_lock:
        if app.state.validation is None:
            app.state.validation = ValidationPool(app.state.kg.project, app.state.settings)
        return app.state.validation


def router() -> APIRouter:
    r = APIRouter()

    @r.post("/validate")
    async def validate_proposal(request: Request, lang: str = "es", severity: str = "info") -> Response:
        proposal = find("proposal", request.headers.get("content-type") or "text/turtle", media_only=True)
        if proposal is None:
            sent = request.headers.get("content-type", "").split(";")[0].strip()
            raise UnsupportedMediaType(f"unsupported content type {sent!r}: send xlsx or RDF (Turtle, JSON-LD, "
                                       "N-Triples, N-Quads, TriG, RDF/XML)")
        if lang not in LANGS or severity not in ("violation", "warning", "info"):
            raise InputError("lang must be es or en; severity violation, warning or info")
        media = choose("report", None, request.headers.get("accept"), REPORT_OFFERS)
        if media is None:
            raise NotAcceptable(f"the report is offered as {', '.join(REPORT_OFFERS)}")
        body = await limited_body(request)
        if not body.strip():
            raise InputError(f"the {proposal.media} body is empty: send a proposal (xlsx or RDF)")
        upload = Upload(body, proposal.suffix, media, lang, cast(Severity, severity))
        pool = validation_pool(request.app)
        gone = threading.Event()
        work = asyncio.ensure_future(asyncio.to_thread(pool.validate, upload, gone.is_set))
        while not work.done():
            await asyncio.wait({work}, timeout=DISCONNECT_POLL_S)
            if not work.done() and await request.is_disconnected():
                gone.set()  # the worker is killed at its next poll; its slot goes to the next upload
        report, conforms = await work
        return Response(report, media_type=media, headers={"X-PPI-Conforms": "true" if conforms else "false"})

    return r
