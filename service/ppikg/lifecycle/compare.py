"""Two or more proposals side by side, each in the version chosen (by default its current one): coverage per
Acuerdo 449 competency and attribute and per Octavo aspect, parameters per aspect, performance levels per
indicator (indicators matched by their template ID, as a diff matches them) and the requirements each fails
(from the versions' kept reports)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from ..conformance.validator import Validator
from ..coverage import coverage_matrix, proposal_label
from ..errors import InputError, msg
from ..store.graph import KnowledgeGraph
from .diff import COVERAGE_QUERIES, _natural, store_rows, version_store
from .reports import version_report

#: At most this many proposals side by side (a page stays readable, a request bounded).
MOST = 8
#: Outcomes that are not a failure.
PASSING = ("conforms", "needs-attestation")

_PARAMETERS = """SELECT ?x ?notation (COUNT(DISTINCT ?param) AS ?n) WHERE {
  ?x a ppi:ProfileAspect . OPTIONAL { ?x skos:notation ?notation }
  OPTIONAL { <%(p)s> ppi:hasParameter ?param . ?param ppi:tiedToAspect ?x } } GROUP BY ?x ?notation"""
_LEVELS = """SELECT ?i (SAMPLE(?st) AS ?statement) (COUNT(DISTINCT ?l) AS ?n) WHERE {
  ?i ppi:inProposal <%(p)s> ; a ppi:Indicator . OPTIONAL { ?i ppi:statement ?st }
  OPTIONAL { ?i ppi:hasPerformanceLevel ?l } } GROUP BY ?i"""


@dataclass
class Row:
    """One line of a comparison: what is counted (``section``, ``key``, its IRI) and one value per proposal."""

    section: str  # competency, attribute, aspect, parameters, levels, requirement
    key: str  # notation, template ID or requirement ID
    iri: str
    values: list[object]  # per proposal: a count, None (no such item), or (outcome, findings)
    label: str = ""


@dataclass
class Comparison:
    proposals: list[dict[str, object]]  # iri, name, title, label, version, version_iri, current, versions, conforms
    rows: list[Row]

    def section(self, name: str) -> list[Row]:
        return [r for r in self.rows if r.section == name]

    def to_json(self) -> dict[str, object]:
        return {"proposals": self.proposals, "rows": [asdict(r) for r in self.rows]}

    def to_csv(self) -> str:
        """One row per line of the comparison: ``section, key, iri`` and one column per proposal (its IRI)."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\r\n")
        w.writerow(["section", "key", "iri", *(p["iri"] for p in self.proposals)])
        for r in self.rows:
            w.writerow([r.section, r.key, r.iri, *("" if v is None else f"{v[0]} ({v[1]})" if isinstance(v, tuple) else v
                                                  for v in r.values)])
        return out.getvalue()


def _counts(rows: list[dict[str, str | None]]) -> dict[str, tuple[str, int]]:
    return {r["x"] or "": (r["notation"] or "", int(r["n"] or 0)) for r in rows}


def compare(kg: KnowledgeGraph, validator: Validator, proposals: list[str], lang: str = "es",
            numbers: Sequence[int | None] | None = None) -> Comparison:
    """The comparison of ``proposals`` (IRIs or names under ``propuestas/``), in the order given, each in version
    ``numbers[i]`` (None or no ``numbers``: its current version); InputError for fewer than two, more than
    :data:`MOST`, one named twice or a dropped version, NotFound for a proposal or version the store does not
    hold."""
    if len(proposals) < 2:
        raise InputError(msg("compare_two"))
    if len(proposals) > MOST:
        raise InputError(msg("compare_most", limit=MOST, n=len(proposals)))
    chosen = list(numbers or [])[:len(proposals)]
    chosen += [None] * (len(proposals) - len(chosen))
    versions = [kg.version(p, n) for p, n in zip(proposals, chosen)]
    iris = [v.proposal for v in versions]
    if len(set(iris)) < len(iris):
        raise InputError(msg("compare_twice"))
    for v in versions:
        if v.dropped:
            raise InputError(msg("compare_dropped", n=v.number, proposal=v.proposal))
    snapshot = kg.snapshot()
    labels = {p["iri"]: p for p in coverage_matrix(snapshot, kg.project).proposals}
    reports = [version_report(kg, validator, v) for v in versions]
    head: list[dict[str, object]] = []
    for v, r in zip(versions, reports):
        kept = [k for k in kg.history(v.proposal) if not k.dropped]
        p = labels.get(v.proposal, {"iri": v.proposal, "title": v.proposal})
        head.append({"iri": v.proposal, "name": v.proposal.rstrip("/").rsplit("/", 1)[-1], "title": p["title"],
                     "label": proposal_label(p, lang), "version": v.number, "version_iri": v.iri,
                     "current": v.current, "current_number": next((k.number for k in kept if k.current), None),
                     "versions": [k.number for k in kept],
                     "conforms": r.conforms})
    # a current version is read in the store as it is; another one in a store of its own kept content
    sources = [snapshot.query_rows if v.current else _rows_of(version_store(kg, kg.version_graphs(v)))
               for v in versions]

    def select(j: int, query: str) -> list[dict[str, str | None]]:
        return sources[j](query % {"p": iris[j]})[1]

    rows: list[Row] = []
    for section, query in [*COVERAGE_QUERIES.items(), ("parameters", _PARAMETERS)]:
        per = [_counts(select(j, query)) for j in range(len(iris))]
        keys = sorted(set().union(*per), key=lambda k: _natural(next(c[k][0] for c in per if k in c) or k))
        rows += [Row(section, next(c[k][0] for c in per if k in c) or k, k, [c.get(k, ("", 0))[1] for c in per])
                 for k in keys]
    levels: dict[str, dict[int, tuple[str, int]]] = {}
    for j, proposal in enumerate(iris):
        base = proposal.rstrip("/") + "/"
        for level in select(j, _LEVELS):
            iri = level["i"] or ""
            key = iri[len(base):] if iri.startswith(base) else iri
            levels.setdefault(key, {})[j] = (level["statement"] or "", int(level["n"] or 0))
    for key in sorted(levels, key=_natural):
        found = levels[key]
        first = min(found)
        rows.append(Row("levels", key, f"{iris[first].rstrip('/')}/{key}", [found[j][1] if j in found else None
                                                                            for j in range(len(iris))],
                        found[first][0]))
    failing = sorted({rid for r in reports for rid, (o, _) in r.outcomes.items() if o not in PASSING}, key=_natural)
    rows += [Row("requirement", rid, "", [r.outcomes.get(rid, ("conforms", 0)) for r in reports]) for rid in failing]
    return Comparison(head, rows)


def _rows_of(store):
    """``query_rows`` (names left out) over a store of one version."""
    return lambda query: ([], store_rows(store, query))
