"""POST /validate: an uploaded proposal (Turtle, JSON-LD or xlsx) checked against the Lineamientos."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ..errors import InputError, NotAcceptable, UnsupportedMediaType
from ..media import choose, find, offers
from ..conformance.render import render
from ..conformance.validator import Validator
from .common import limited_body

#: A proposal is read from a body of a ``proposal`` format of ppikg.media (Turtle, JSON-LD, xlsx), and its
#: report answered in a ``report`` format (JSON when the client does not say).
REPORT_OFFERS = ["application/json", *(m for m in offers("report") if m != "application/json")]


def validate_upload(validator: Validator, body: bytes, suffix: str):
    """Import an uploaded proposal from its bytes (in memory, within the validator's limits) and validate it."""
    return validator.validate(validator.load(body, suffix))


def router(validator: Validator) -> APIRouter:
    r = APIRouter()

    @r.post("/validate")
    def validate_proposal(request: Request, lang: str = "es", severity: str = "info",
                          body: bytes = Depends(limited_body)) -> Response:
        proposal = find("proposal", request.headers.get("content-type") or "text/turtle", media_only=True)
        if proposal is None:
            sent = request.headers.get("content-type", "").split(";")[0].strip()
            raise UnsupportedMediaType(f"unsupported content type {sent!r}: send Turtle, JSON-LD or xlsx")
        if lang not in ("es", "en") or severity not in ("violation", "warning", "info"):
            raise InputError("lang must be es or en; severity violation, warning or info")
        media = choose("report", None, request.headers.get("accept"), REPORT_OFFERS)
        if media is None:
            raise NotAcceptable(f"the report is offered as {', '.join(REPORT_OFFERS)}")
        report = validate_upload(validator, body, proposal.suffix)
        return Response(render(report.filtered(severity), media, lang), media_type=media,
                        headers={"X-PPI-Conforms": "true" if report.conforms else "false"})

    return r
