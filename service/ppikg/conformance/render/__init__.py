"""Renderers of a ValidationReport: text, json, turtle (sh:ValidationReport) and html, in es or en."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from ...errors import InputError
from ...i18n import check_lang, words
from ...media import find

if TYPE_CHECKING:  # the CLI reads FORMATS without loading the validator
    from jinja2 import Environment

    from ..validator import ValidationReport

ReportFormat = Literal["text", "json", "turtle", "html"]
#: The names ``ppi validate --format`` offers; any name or media type of a ``report`` format of
#: ppikg.media is rendered (``ttl``, ``text/html``, …).
FORMATS: tuple[str, ...] = ("text", "json", "turtle", "html")


def render(report: ValidationReport, format: str = "text", lang: str = "es",
           templates: Environment | None = None) -> str:
    """The report as a string in ``format`` (a name: text, json, turtle, html; or its media type) and
    language ``lang`` (es, en); HTML from ``templates`` (ppikg.templating; default: a new environment)."""
    check_lang(lang)
    fmt = find("report", format)
    media = fmt.media if fmt else None
    if media == "text/plain":
        from .text import render_text

        return render_text(report, lang)
    if media == "application/json":
        from .json import render_json

        return render_json(report)
    if media == "text/turtle":
        return report.graph.serialize(format="turtle")
    if media == "text/html":
        from .html import render_html

        return render_html(report, lang, templates)
    raise InputError(f"unknown report format {format!r}: use one of {', '.join(FORMATS)}")


def counted(n: int, outcome: str, lang: str) -> str:
    """``n`` requirements of ``outcome`` in a sentence, singular or plural.

    >>> counted(2, "violation", "es"), counted(1, "warning", "es"), counted(0, "conforms", "en")
    ('2 violaciones', '1 advertencia', '0 conform')
    """
    return f"{n} {words('report', lang)[f'{outcome}_1' if n == 1 else f'{outcome}_n']}"


def outcome_word(outcome: str, lang: str) -> str:
    """The report's word for a requirement's ``outcome`` (violation, warning, info, needs-attestation, conforms)."""
    return words("report", lang)["conforms_outcome" if outcome == "conforms" else outcome]
