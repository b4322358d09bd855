"""The HTML report for a non-technical auditor: grouped by chapter, the law's text beside each finding."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from jinja2 import Environment

from ...i18n import words
from ...templating import environment
from ..validator import RequirementResult, ValidationReport
from . import outcome_word


def group_by_chapter(results: list[RequirementResult], titles: dict[str, dict[str, str]], lang: str):
    """[(chapter heading, [results])] in the order of the Lineamientos; Transitorios and Anexo A last."""
    groups: dict[str, list[RequirementResult]] = {}
    for r in results:
        chapter = next((p.chapter for p in r.requirement.provisions if p.chapter), None)
        groups.setdefault(chapter or "", []).append(r)
    ordered = sorted(groups, key=lambda c: (c == "", int(c.rsplit("_", 1)[1]) if c else 0))
    other = words("report", lang)["other"]
    return [(titles.get(c, {}).get(lang, other), groups[c]) for c in ordered]


def render_html(report: ValidationReport, lang: str, templates: Environment | None = None,
                downloads: Sequence[tuple[str, str]] = ()) -> str:
    """The report as an HTML page, from ``templates`` (default: a new environment); ``downloads`` are the
    (format name, URL) of the same report in other formats, linked from its head (never printed)."""
    return (environment() if templates is None else templates).get_template("report.html").render(
        downloads=downloads,
        report=report, summary=report.summary(), lang=lang, w=words("report", lang), outcome_word=outcome_word,
        chapters=group_by_chapter(report.results, report.chapters, lang),
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )
