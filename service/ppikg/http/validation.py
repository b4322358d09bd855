"""POST /validate: an uploaded proposal (Turtle, JSON-LD or xlsx) checked against the Lineamientos."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from ..errors import InputError
from ..proposals.importer import import_proposal
from ..reports import MEDIA_TYPES, render
from ..validate import Validator
from .common import limited_body, pick

# Content type of an uploaded proposal → file suffix, which the importer takes as the format.
PROPOSAL_TYPES = {
    "text/turtle": ".ttl",
    "application/x-turtle": ".ttl",
    "application/ld+json": ".jsonld",
    "application/json": ".jsonld",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}
REPORT_TYPES = {
    "text/html": "html",
    "application/json": "json",
    "text/turtle": "turtle",
    "text/plain": "text",
}


def validate_upload(validator: Validator, body: bytes, suffix: str):
    """Import an uploaded proposal from its bytes (in memory, within the importer's limits) and validate it."""
    return validator.validate(import_proposal(body, suffix))


def router(validator: Validator) -> APIRouter:
    r = APIRouter()

    @r.post("/validate")
    def validate_proposal(request: Request, lang: str = "es", severity: str = "info",
                          body: bytes = Depends(limited_body)) -> Response:
        media = request.headers.get("content-type", "text/turtle").split(";")[0].strip()
        suffix = PROPOSAL_TYPES.get(media)
        if suffix is None:
            return JSONResponse({"error": f"unsupported content type {media!r}: send Turtle, JSON-LD or xlsx"},
                                status_code=415)
        if lang not in ("es", "en") or severity not in ("violation", "warning", "info"):
            return JSONResponse({"error": "lang must be es or en; severity violation, warning or info"},
                                status_code=400)
        fmt = REPORT_TYPES[pick(request.headers.get("accept", ""), REPORT_TYPES, "application/json")]
        try:
            report = validate_upload(validator, body, suffix)
        except InputError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return Response(render(report.filtered(severity), fmt, lang), media_type=MEDIA_TYPES[fmt],
                        headers={"X-PPI-Conforms": "true" if report.conforms else "false"})

    return r
