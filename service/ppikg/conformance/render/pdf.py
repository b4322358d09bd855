"""The conformance report as PDF: the HTML report the site shows, laid out for print by WeasyPrint."""

from __future__ import annotations

from jinja2 import Environment

from ..validator import ValidationReport
from .html import render_html


def render_pdf(report: ValidationReport, lang: str, templates: Environment | None = None) -> bytes:
    """The HTML report (its print styles) as PDF. Nothing is fetched: the page has no external resources,
    and any URL in it is refused rather than opened."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_html(report, lang, templates)
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()
