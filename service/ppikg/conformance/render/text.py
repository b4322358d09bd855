"""The plain-text report for a terminal: failing requirements first, with the law's text and the fix."""

from __future__ import annotations

import textwrap

from ..validator import ValidationReport
from ...i18n import words
from . import counted, outcome_word

_ORDER = {"violation": 0, "warning": 1, "info": 2, "needs-attestation": 3, "conforms": 4}


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent)


def render_text(report: ValidationReport, lang: str) -> str:
    w = words("report", lang)
    s = report.summary()
    lines = [
        f"{w['title']} — {w['proposal']}: {report.proposal}",
        f"{w['conforms'] if report.conforms else w['not_conforms']}: "
        + ", ".join(counted(s[o], o, lang) for o in ("violation", "warning", "needs-attestation", "conforms")),
        "",
    ]
    for r in sorted(report.results, key=lambda r: _ORDER[r.outcome]):
        req = r.requirement
        if r.outcome == "conforms":
            continue
        labels = "; ".join(p.label.get(lang, p.iri) for p in req.provisions)
        lines.append(f"[{outcome_word(r.outcome, lang).upper()}] {req.id} — {labels}")
        if r.findings:
            for p in req.provisions:
                if p.text:
                    lines.append(_wrap(f"«{p.text}»", "    "))
            for f in r.findings:
                shown = f" ({w['value']}: {f.value})" if f.value else ""
                lines.append(_wrap(f"- {f.focus}{shown}: {f.message.get(lang, next(iter(f.message.values()), ''))}", "    "))
                if f.related:
                    lines.append(_wrap(f"{f.related.label.get(lang, f.related.iri)}: «{f.related.text}»", "      "))
            lines.append(_wrap(f"{w['fix']}: {req.fix.get(lang, '')}", "    "))
        elif r.outcome == "needs-attestation":
            lines.append(_wrap(w["attestation_note"], "    "))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
