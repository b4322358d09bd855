"""The JSON report: per requirement ID its provisions (IRI, verbatim text), result, findings and fix."""

from __future__ import annotations

import json
from dataclasses import asdict

from ..validator import ValidationReport


def report_dict(report: ValidationReport) -> dict:
    return {
        "proposal": report.proposal,
        "conforms": report.conforms,
        "summary": report.summary(),
        "requirements": [
            {
                "id": r.requirement.id,
                "severity": r.requirement.severity,
                "kinds": r.requirement.kinds,
                "result": r.outcome,
                "needs_person": r.needs_person,
                "provisions": [asdict(p) for p in r.requirement.provisions],
                "fix": r.requirement.fix,
                "findings": [asdict(f) for f in r.findings],
            }
            for r in report.results
        ],
    }


def render_json(report: ValidationReport) -> str:
    return json.dumps(report_dict(report), ensure_ascii=False, indent=2)
