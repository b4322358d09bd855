"""The national dashboard: every proposal in the store with its filer, subsystems, current version, the summary
of that version's report, its authorisation state, the version in force and the next revision."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from datetime import date

from ..conformance.validator import Validator
from ..store.catalog import VERSIONS_GRAPH
from ..store.graph import KnowledgeGraph
from ..store.versions import PROPOSALS_BASE, Version, history, version_key
from .reports import StoredReport, shapes_version, stored_report

_PROPOSALS = """
SELECT ?p (SAMPLE(?t) AS ?title) (SAMPLE(?x) AS ?example) (SAMPLE(?a) AS ?filer) (SAMPLE(?al) AS ?filer_label)
       (SAMPLE(?kind) AS ?filer_kind) (GROUP_CONCAT(DISTINCT STR(?s); SEPARATOR=" ") AS ?subsystems) WHERE {
  ?p a ppi:Proposal .
  OPTIONAL { ?p dcterms:title ?t }
  OPTIONAL { ?p ppi:isExample ?x }
  OPTIONAL { ?p ppi:proposedBy ?a . OPTIONAL { ?a rdfs:label ?al FILTER(langMatches(lang(?al), "%(lang)s")) }
             OPTIONAL { ?a a ?kind FILTER(?kind IN (ppi:LocalEducationAuthority, ppi:DecentralisedBody)) } }
  OPTIONAL { ?p ppi:forSubsystem ?s }
} GROUP BY ?p ORDER BY ?p
"""
_LABELS = """
SELECT ?s ?l WHERE { ?s a ppi:Subsystem ; rdfs:label ?l FILTER(langMatches(lang(?l), "%(lang)s")) }
"""
_IN_FORCE = """
SELECT ?p ?n ?next WHERE { GRAPH <%(g)s> { ?v ppi:versionStatus ppi:Authorised ; dcterms:isVersionOf ?p ;
  ppi:versionNumber ?n . OPTIONAL { ?v ppi:hasDecision ?d . ?d ppi:nextRevisionDate ?next } } }
"""
#: The columns a dashboard can be sorted by.
SORT_KEYS = ("proposal", "filer", "subsystems", "version", "conformance", "status", "next_revision")


@dataclass
class Row:
    proposal: str
    name: str  # its name under propuestas/ (links: /propuestas/NAME/…)
    title: str
    example: bool
    filer: str | None
    filer_label: str | None
    filer_kind: str  # subsecretaria, ael, od, other
    subsystems: list[tuple[str, str]] = field(default_factory=list)  # (IRI, label)
    version: int | None = None
    versions: int = 0
    kept: list[int] = field(default_factory=list)  # the numbers of its versions not dropped
    version_time: str | None = None
    status: str | None = None  # IRI of the current version's state
    conforms: bool | None = None  # None: no report yet
    violations: int = 0
    warnings: int = 0
    in_force: int | None = None  # the authorised version's number
    next_revision: str | None = None
    overdue: bool = False

    @property
    def conformance_key(self) -> tuple:
        return (self.conforms is None, not self.conforms, -self.violations, -self.warnings)


def _kind(filer: str | None, kind: str | None) -> str:
    if kind and kind.endswith("LocalEducationAuthority"):
        return "ael"
    if kind and kind.endswith("DecentralisedBody"):
        return "od"
    if filer and filer.endswith("/subsecretaria"):
        return "subsecretaria"
    return "other"


def proposal_rows(snapshot, lang: str = "es") -> list[Row]:
    """Every proposal of ``snapshot`` with its title, filer (label in ``lang``), subsystems and current version,
    in IRI order: the dashboard's rows before their reports (``/browse`` lists them so, without validating)."""
    return [row for row, _ in proposals_with_current(snapshot, lang)]


def proposals_with_current(snapshot, lang: str) -> list[tuple[Row, Version | None]]:
    """:func:`proposal_rows` each with its current version (None for a proposal loaded without one)."""
    _, proposals = snapshot.query_rows(_PROPOSALS % {"lang": lang})
    labels = {r["s"]: r["l"] for r in snapshot.query_rows(_LABELS % {"lang": lang})[1]}
    rows = []
    for p in proposals:
        iri = p["p"] or ""
        subsystems = sorted((s, labels.get(s) or s.rsplit("/", 1)[-1]) for s in (p["subsystems"] or "").split())
        row = Row(iri, version_key(iri) if iri.startswith(PROPOSALS_BASE) else iri, p["title"] or iri,
                  p["example"] == "true", p["filer"], p["filer_label"], _kind(p["filer"], p["filer_kind"]), subsystems)
        versions = history(snapshot, iri)
        current = next((v for v in versions if v.current), None)
        row.versions = len(versions)
        row.kept = [v.number for v in versions if not v.dropped]
        if current is not None:
            row.version, row.version_time, row.status = current.number, current.time, current.status
        rows.append((row, current))
    return rows


def dashboard(kg: KnowledgeGraph, validator: Validator, lang: str = "es", *, today: str | None = None,
              sort: str = "proposal", descending: bool = False) -> tuple[list[Row], list[Version]]:
    """The rows, sorted by ``sort`` (one of :data:`SORT_KEYS`), and the current versions that have no report
    yet under the validator's shapes (the caller makes them: a report costs a validation)."""
    if sort not in SORT_KEYS:
        from ..errors import InputError, msg

        raise InputError(msg("sort_column", column=sort, columns=", ".join(SORT_KEYS)))

    snapshot = kg.snapshot()
    in_force = {r["p"]: (int(r["n"] or 0), r["next"]) for r in snapshot.query_rows(_IN_FORCE % {"g": VERSIONS_GRAPH})[1]}
    shapes = shapes_version(validator)
    today = today or date.today().isoformat()
    rows, missing = [], []
    for row, current in proposals_with_current(snapshot, lang):
        rows.append(row)
        if current is not None:
            report: StoredReport | None = stored_report(snapshot, current, shapes)
            if report is None:
                missing.append(current)
            else:
                row.conforms = report.conforms
                row.violations = sum(o == "violation" for o, _ in report.outcomes.values())
                row.warnings = sum(o == "warning" for o, _ in report.outcomes.values())
        if row.proposal in in_force:
            row.in_force, row.next_revision = in_force[row.proposal]
            row.overdue = bool(row.next_revision and row.next_revision < today)
    keys = {"proposal": lambda r: r.name, "filer": lambda r: (r.filer_label or r.filer or ""),
            "subsystems": lambda r: [label for _, label in r.subsystems], "version": lambda r: r.version or 0,
            "conformance": lambda r: r.conformance_key, "status": lambda r: r.status or "",
            "next_revision": lambda r: (r.next_revision is None, r.next_revision or "")}
    rows.sort(key=keys[sort], reverse=descending)
    return rows, missing


def to_json(rows: list[Row]) -> list[dict]:
    return [asdict(r) | {"subsystems": [{"iri": s, "label": label} for s, label in r.subsystems]} for r in rows]


def to_csv(rows: list[Row]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["proposal", "title", "example", "filer", "filer_label", "filer_kind", "subsystems", "version",
                "versions", "status", "conforms", "violations", "warnings", "in_force", "next_revision", "overdue"])
    for r in rows:
        w.writerow([r.proposal, r.title, r.example, r.filer or "", r.filer_label or "", r.filer_kind,
                    " ".join(s for s, _ in r.subsystems), r.version or "", r.versions,
                    (r.status or "").rsplit("#", 1)[-1], "" if r.conforms is None else r.conforms, r.violations,
                    r.warnings, r.in_force or "", r.next_revision or "", r.overdue])
    return out.getvalue()
