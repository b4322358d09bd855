"""Validation history: each version's conformance report, kept in the store as an ``sh:ValidationReport``.

A report is made once per version, shapes version (the digest of ``shapes/*.ttl``) and recorded state of the
version (LIN-16 reads it), from the version's own triples and inferences, and written to ``graph/versiones`` with its time: the outcome of every
requirement (``ppi:RequirementOutcome``) and every finding (``sh:ValidationResult``, with its requirement ID,
focus node, severity and messages). So an auditor sees, per requirement, when it started or stopped
conforming, and a report stays what it was when the shapes change (a new report is made beside it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pyoxigraph as ox

from ..conformance.validator import ValidationReport, Validator
from ..errors import InputError, msg
from ..namespaces import PPI
from ..store.catalog import VERSIONS_GRAPH, Catalog, now
from ..store.graph import KnowledgeGraph
from ..store.snapshot import Snapshot
from ..store.versions import Version

_SH = "http://www.w3.org/ns/shacl#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_SEVERITY = {"violation": "Violation", "warning": "Warning", "info": "Info"}


def shapes_version(validator: Validator) -> str:
    """The digest of the shapes files a validator reads: reports made with the same shapes share it."""
    h = hashlib.sha256()
    for f in validator.project.shape_files():
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class StoredReport:
    """A version's report as the store keeps it: per requirement ID its outcome and number of findings."""

    iri: str
    version: str
    time: str
    shapes: str
    conforms: bool
    outcomes: dict[str, tuple[str, int]]  # requirement ID → (outcome, findings)
    findings: list[dict[str, str | None]]  # requirement, severity, focus, message_es, message_en


def report_iri(version: Version, shapes: str) -> str:
    """A report is made from the version's content, the shapes and the version's recorded state (LIN-16)."""
    return f"{version.iri}/informe/{shapes}/{version.status.rsplit('#', 1)[-1]}"


def recorded_facts(version: Version) -> bytes:
    """What the records say about the version that its validation needs, in N-Triples: its state
    (``ppi:recordedStatus``)."""
    return f"<{version.proposal}> <{PPI.recordedStatus}> <{version.status}> .\n".encode()


def report_quads(version: Version, report: ValidationReport, shapes: str, when: str | None = None) -> list[ox.Quad]:
    """The report of ``version`` as quads of ``graph/versiones``."""
    g = ox.NamedNode(VERSIONS_GRAPH)
    r = ox.NamedNode(report_iri(version, shapes))

    def lit(value: str, datatype: str = "string") -> ox.Literal:
        return ox.Literal(value, datatype=ox.NamedNode(_XSD + datatype))

    quads = [ox.Quad(r, _RDF_TYPE, ox.NamedNode(_SH + "ValidationReport"), g),
             ox.Quad(r, ox.NamedNode(PPI + "reportOf"), ox.NamedNode(version.iri), g),
             ox.Quad(ox.NamedNode(version.iri), ox.NamedNode(PPI + "hasReport"), r, g),
             ox.Quad(r, ox.NamedNode("http://www.w3.org/ns/prov#generatedAtTime"), lit(when or now(), "dateTime"), g),
             ox.Quad(r, ox.NamedNode(PPI + "shapesVersion"), lit(shapes), g),
             ox.Quad(r, ox.NamedNode(PPI + "statusAtReport"), ox.NamedNode(version.status), g),
             ox.Quad(r, ox.NamedNode(_SH + "conforms"), lit("true" if report.conforms else "false", "boolean"), g)]
    k = 0
    for result in report.results:
        o = ox.NamedNode(f"{r.value}/{result.requirement.id}")
        quads += [ox.Quad(r, ox.NamedNode(PPI + "hasOutcome"), o, g),
                  ox.Quad(o, _RDF_TYPE, ox.NamedNode(PPI + "RequirementOutcome"), g),
                  ox.Quad(o, ox.NamedNode(PPI + "requirementId"), lit(result.requirement.id), g),
                  ox.Quad(o, ox.NamedNode(PPI + "outcome"), lit(result.outcome), g),
                  ox.Quad(o, ox.NamedNode(PPI + "findingCount"), lit(str(len(result.findings)), "integer"), g)]
        for finding in result.findings:
            k += 1
            f = ox.NamedNode(f"{r.value}/resultado/{k}")
            quads += [ox.Quad(r, ox.NamedNode(_SH + "result"), f, g),
                      ox.Quad(f, _RDF_TYPE, ox.NamedNode(_SH + "ValidationResult"), g),
                      ox.Quad(f, ox.NamedNode(PPI + "requirementId"), lit(result.requirement.id), g),
                      ox.Quad(f, ox.NamedNode(_SH + "resultSeverity"), ox.NamedNode(_SH + _SEVERITY[finding.severity]), g),
                      ox.Quad(f, ox.NamedNode(_SH + "focusNode"), _term(finding.focus), g)]
            quads += [ox.Quad(f, ox.NamedNode(_SH + "resultMessage"), ox.Literal(text, language=lang), g)
                      for lang, text in sorted(finding.message.items())]
            if finding.shape:
                quads.append(ox.Quad(f, ox.NamedNode(_SH + "sourceShape"), ox.NamedNode(finding.shape), g))
    return quads


def _term(value: str) -> ox.NamedNode | ox.Literal:
    try:
        return ox.NamedNode(value) if "://" in value or value.startswith("urn:") else ox.Literal(value)
    except ValueError:
        return ox.Literal(value)


_READ = """
SELECT ?r ?time ?conforms ?id ?outcome ?n WHERE { GRAPH <%(g)s> {
  ?r ppi:reportOf <%(v)s> ; ppi:shapesVersion "%(s)s" ; ppi:statusAtReport <%(st)s> ;
     prov:generatedAtTime ?time ; sh:conforms ?conforms ;
     ppi:hasOutcome ?o . ?o ppi:requirementId ?id ; ppi:outcome ?outcome ; ppi:findingCount ?n } }
"""
_FINDINGS = """
SELECT ?id ?severity ?focus ?es ?en WHERE { GRAPH <%(g)s> {
  <%(r)s> sh:result ?f . ?f ppi:requirementId ?id ; sh:resultSeverity ?severity ; sh:focusNode ?focus .
  OPTIONAL { ?f sh:resultMessage ?es FILTER(lang(?es) = "es") }
  OPTIONAL { ?f sh:resultMessage ?en FILTER(lang(?en) = "en") } } } ORDER BY ?id ?focus ?es
"""
_PREFIX = "PREFIX sh: <http://www.w3.org/ns/shacl#>\n"


def stored_report(kg: KnowledgeGraph | Snapshot, version: Version, shapes: str) -> StoredReport | None:
    """The report ``kg`` keeps for ``version`` under shapes version ``shapes`` (None if none)."""
    _, rows = kg.query_rows(_PREFIX + _READ % {"g": VERSIONS_GRAPH, "v": version.iri, "s": shapes, "st": version.status},
                            plan=False)
    if not rows:
        return None
    iri = rows[0]["r"] or ""
    _, found = kg.query_rows(_PREFIX + _FINDINGS % {"g": VERSIONS_GRAPH, "r": iri}, plan=False)
    return StoredReport(iri, version.iri, rows[0]["time"] or "", shapes, rows[0]["conforms"] == "true",
                        {r["id"] or "": (r["outcome"] or "", int(r["n"] or 0)) for r in rows},
                        [{"requirement": f["id"], "severity": (f["severity"] or "").rsplit("#", 1)[-1].lower(),
                          "focus": f["focus"], "es": f["es"], "en": f["en"]} for f in found])


def version_report(kg: KnowledgeGraph, validator: Validator, version: Version) -> StoredReport:
    """The report of ``version`` under the validator's shapes: the kept one, else made now from the version's
    own triples and inferences and kept (unless the store is read-only here, e.g. beside a running server)."""
    shapes = shapes_version(validator)
    kept = stored_report(kg, version, shapes)
    if kept is not None:
        return kept
    if version.dropped:
        raise InputError(msg("dropped_no_report", number=version.number, proposal=version.proposal))

    asserted, inferred = kg.version_ntriples(version)
    report = validator.validate(asserted, inferred=inferred + recorded_facts(version))
    quads = report_quads(version, report, shapes)
    if not kg.read_only:
        kg.add_records(quads)
        kept = stored_report(kg, version, shapes)
        if kept is not None:
            return kept
    store = ox.Store()
    store.extend(quads)
    made = stored_report(Snapshot(0, store, Catalog()), version, shapes)
    assert made is not None
    return made


def status_labels(kg: KnowledgeGraph | Snapshot, lang: str) -> dict[str, str]:
    """Each authorisation status (ppi:AuthorisationStatus) → its label in ``lang``."""
    _, rows = kg.query_rows(f"""SELECT ?s ?l WHERE {{ ?s a ppi:AuthorisationStatus ; rdfs:label ?l
                                FILTER(langMatches(lang(?l), "{lang}")) }}""", plan=False)
    return {r["s"] or "": r["l"] or "" for r in rows}
