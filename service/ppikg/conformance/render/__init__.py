"""Renderers of a ValidationReport: text, json, turtle (sh:ValidationReport), html, pdf, and the findings as csv
and xlsx, in es or en."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from ...errors import InputError, msg
from ...i18n import check_lang, words
from ...media import find

if TYPE_CHECKING:  # the CLI reads FORMATS without loading the validator
    from jinja2 import Environment

    from ..validator import ValidationReport

ReportFormat = Literal["text", "json", "turtle", "html", "pdf", "csv", "xlsx"]
#: The names ``ppi validate --format`` offers; any name or media type of a ``report`` format of
#: ppikg.media is rendered (``ttl``, ``text/html``, …).
FORMATS: tuple[str, ...] = ("text", "json", "turtle", "html", "pdf", "csv", "xlsx")
#: The formats a report page offers as downloads.
DOWNLOADS = ("pdf", "csv", "xlsx")
#: The media types rendered as bytes (the others are text).
BINARY = frozenset({"application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})


def render(report: ValidationReport, format: str = "text", lang: str = "es",
           templates: Environment | None = None, downloads: Sequence[tuple[str, str]] = ()) -> str | bytes:
    """The report in ``format`` (a name of FORMATS, or its media type) and language ``lang`` (es, en): a string,
    bytes for the media types of BINARY (PDF, XLSX); HTML and PDF from ``templates`` (ppikg.templating;
    default: a new environment); the HTML links ``downloads``, (format name, URL) pairs."""
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

        return render_html(report, lang, templates, downloads)
    if media == "application/pdf":
        from .pdf import render_pdf

        return render_pdf(report, lang, templates)
    if media == "text/csv":
        from .csv import render_csv

        return render_csv(report, lang)
    if media in BINARY:
        from .xlsx import render_xlsx

        return render_xlsx(report, lang)
    raise InputError(msg("report_format", format=format, formats=", ".join(FORMATS)))


def download_links(query: dict[str, str], lang: str) -> list[tuple[str, str]]:
    """(name, relative URL) of the report's downloads: the same query, less ``format``, with each of ``format``
    pdf, csv and xlsx and ``lang``.

    >>> download_links({"proposal": "http://e/p", "format": "html"}, "en")[0]
    ('PDF', '?proposal=http%3A%2F%2Fe%2Fp&lang=en&format=pdf')
    """
    from urllib.parse import urlencode

    kept = {k: v for k, v in query.items() if k not in ("format", "lang")} | {"lang": lang}
    return [(name.upper(), "?" + urlencode(kept | {"format": name})) for name in DOWNLOADS]


def counted(n: int, outcome: str, lang: str) -> str:
    """``n`` requirements of ``outcome`` in a sentence, singular or plural.

    >>> counted(2, "violation", "es"), counted(1, "warning", "es"), counted(0, "conforms", "en")
    ('2 violaciones', '1 advertencia', '0 conform')
    """
    return f"{n} {words('report', lang)[f'{outcome}_1' if n == 1 else f'{outcome}_n']}"


def outcome_word(outcome: str, lang: str) -> str:
    """The report's word for a requirement's ``outcome`` (violation, warning, info, needs-attestation, conforms)."""
    return words("report", lang)["conforms_outcome" if outcome == "conforms" else outcome]
