"""POST /validate: an uploaded proposal (xlsx, or RDF in any syntax the store reads) checked against the Lineamientos, in a
validation worker (conformance/pool.py) with a time and a memory limit, stopped if the client goes away."""

from __future__ import annotations

import asyncio
import threading
from typing import cast

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..conformance.render import DOWNLOADS
from ..conformance.pool import Severity, Upload, ValidationPool
from ..errors import InputError, NotAcceptable, UnsupportedMediaType, msg
from ..i18n import LANGS, words
from ..media import Format, by_media, choose, find, formats, offers
from .common import limited_body

#: A proposal is read from a body of a ``proposal`` format of ppikg.media (Turtle, JSON-LD, xlsx), and its
#: report answered in a ``report`` format (JSON when the client does not say).
REPORT_OFFERS = ["application/json", *(m for m in offers("report") if m != "application/json")]
#: The report's formats answered as a file to save rather than a page to show.
DOWNLOAD_MEDIA = frozenset(f.media for f in formats("report") if f.name in DOWNLOADS)
#: How often a running validation asks whether its client is still there.
DISCONNECT_POLL_S = 0.25


def report_response(report: str | bytes, media: str, lang: str, headers: dict[str, str] | None = None) -> Response:
    """A rendered report; a download (``Content-Disposition: attachment``, ``informe.pdf`` or ``report.pdf``) in
    the formats a browser does not show (PDF, CSV, XLSX)."""
    headers = dict(headers or {})
    if media in DOWNLOAD_MEDIA:
        headers["Content-Disposition"] = f'attachment; filename="{words("report", lang)["file_name"]}{by_media(media).suffix}"'
    return Response(report, media_type=media, headers=headers)


def validation_pool(app) -> ValidationPool:
    """The app's validation workers, started with the first upload (closed when the app shuts down)."""
    with app.state.executor_lock:
        if app.state.validation is None:
            app.state.validation = ValidationPool(app.state.kg.project, app.state.settings)
        return app.state.validation


async def form_file(request: Request, body: bytes) -> tuple[bytes, Format]:
    """The one file of a ``multipart/form-data`` upload (a browser form's), and its format from its name."""
    from starlette.datastructures import UploadFile

    async def replay() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=1, max_fields=20)
    except Exception as e:  # the multipart parser's own errors for a malformed body
        raise InputError(msg("form_unreadable", detail=str(e))) from None
    files = [v for v in form.values() if isinstance(v, UploadFile)]
    if not files:
        raise InputError(msg("form_without_file"))
    upload = files[0]
    name = upload.filename or ""
    proposal = find("proposal", name.rsplit(".", 1)[-1]) if "." in name else None
    if proposal is None:
        raise UnsupportedMediaType(msg("not_a_proposal", name=name))
    return await upload.read(), proposal


def router() -> APIRouter:
    r = APIRouter()

    @r.post("/validate")
    async def validate_proposal(request: Request, lang: str = "es", severity: str = "info") -> Response:
        content_type = request.headers.get("content-type") or "text/turtle"
        multipart = content_type.split(";")[0].strip().lower() == "multipart/form-data"
        proposal = None if multipart else find("proposal", content_type, media_only=True)
        if proposal is None and not multipart:
            sent = content_type.split(";")[0].strip()
            raise UnsupportedMediaType(msg("content_type", type=sent))
        if lang not in LANGS or severity not in ("violation", "warning", "info"):
            raise InputError(msg("lang_or_severity"))
        fmt = request.query_params.get("format")
        media = choose("report", fmt, request.headers.get("accept"), REPORT_OFFERS)
        if media is None:
            names = ", ".join(f.name for f in formats("report"))
            offered = ", ".join(REPORT_OFFERS)
            raise NotAcceptable(msg("report_offers_not", names=names, media=offered, format=fmt) if fmt
                                else msg("report_offers", names=names, media=offered))
        body = await limited_body(request)
        if multipart:
            body, proposal = await form_file(request, body)
        assert proposal is not None  # the content type named one, or the form's file did
        if not body.strip():
            raise InputError(msg("empty_body", media=proposal.media))
        upload = Upload(body, proposal.suffix, media, lang, cast(Severity, severity))
        pool = validation_pool(request.app)
        gone = threading.Event()
        work = asyncio.ensure_future(asyncio.to_thread(pool.validate, upload, gone.is_set))
        while not work.done():
            await asyncio.wait({work}, timeout=DISCONNECT_POLL_S)
            if not work.done() and await request.is_disconnected():
                gone.set()  # the worker is killed at its next poll; its slot goes to the next upload
        report, conforms = await work
        return report_response(report, media, lang, {"X-PPI-Conforms": "true" if conforms else "false"})

    return r
