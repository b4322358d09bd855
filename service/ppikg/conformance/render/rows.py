"""The findings of a report as one table, one row per finding, in the report's language (CSV and XLSX)."""

from __future__ import annotations

from ...i18n import words
from ..validator import ValidationReport
from . import outcome_word

#: The table's columns, by their key in the ``report`` words (``col_…``).
COLUMNS = ("requirement", "provision", "provision_iri", "severity", "focus", "path", "value", "message", "fix")


def finding_rows(report: ValidationReport, lang: str) -> tuple[list[str], list[list[str]]]:
    """The column headings and a row per finding: requirement ID, provision labels and IRIs, severity, focus
    node, path, value, message and fix hint, in ``lang`` (a text another language lacks falls back to any)."""
    w = words("report", lang)
    rows = []
    for r in report.results:
        req = r.requirement
        labels = "; ".join(p.label.get(lang) or p.iri for p in req.provisions)
        iris = " ".join(p.iri for p in req.provisions)
        fix = req.fix.get(lang) or next(iter(req.fix.values()), "")
        for f in r.findings:
            message = f.message.get(lang) or next(iter(f.message.values()), "")
            rows.append([req.id, labels, iris, outcome_word(f.severity, lang), f.focus, f.path or "", f.value or "",
                         message, fix])
    return [w[f"col_{c}"] for c in COLUMNS], rows
