"""Renderers of a ValidationReport: text, json, turtle (sh:ValidationReport) and html, in es or en."""

from __future__ import annotations

from typing import Literal

from ..errors import InputError
from ..validate import ValidationReport

ReportFormat = Literal["text", "json", "turtle", "html"]
FORMATS: tuple[str, ...] = ("text", "json", "turtle", "html")
MEDIA_TYPES = {
    "text": "text/plain; charset=utf-8",
    "json": "application/json",
    "turtle": "text/turtle; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


def render(report: ValidationReport, format: str = "text", lang: str = "es") -> str:
    """The report as a string in ``format`` (text, json, turtle, html) and language ``lang`` (es, en)."""
    if lang not in ("es", "en"):
        raise InputError(f"unknown language {lang!r}: use es or en")
    if format == "text":
        from .text import render_text

        return render_text(report, lang)
    if format == "json":
        from .json import render_json

        return render_json(report)
    if format == "turtle":
        return report.graph.serialize(format="turtle")
    if format == "html":
        from .html import render_html

        return render_html(report, lang)
    raise InputError(f"unknown report format {format!r}: use one of {', '.join(FORMATS)}")
