"""What changed between two versions of one proposal: what a reviewer reads between a submitted and a revised one.

Items — the proposal itself, its parameters, indicators, performance levels and every other row (programme,
tasks, profile, …) — are matched by their
template IDs (the part of their IRI after the proposal's, ``P1``, ``P1-1``, ``P1-1-n2``): each is added,
removed or changed, and a changed text is shown word by word. Coverage is counted per Acuerdo 449 competency
and attribute and per Octavo aspect (indicators reaching each, inferences included), and the findings per
requirement ID of both versions' reports (ppikg.lifecycle.reports): fixed, new or unchanged.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import asdict, dataclass, field

import pyoxigraph as ox
import rdflib
from rdflib import URIRef
from rdflib.namespace import RDF

from ..conformance.validator import Validator
from ..errors import InputError, msg
from ..namespaces import PPI
from ..store.graph import KnowledgeGraph
from ..store.inference import to_oxigraph
from ..store.versions import Version
from .reports import StoredReport, version_report

#: The kinds of items a diff compares, by class.
KINDS = {PPI.Proposal: "proposal", PPI.Parameter: "parameter", PPI.RegionalParameter: "parameter",
         PPI.Indicator: "indicator", PPI.PerformanceLevel: "level"}
_ORDER = {"proposal": 0, "parameter": 1, "indicator": 2, "level": 3, "other": 4}


@dataclass
class FieldChange:
    """One property of an item whose values differ: those removed and added, and for one text replaced by
    another, its words (``=`` kept, ``-`` removed, ``+`` added)."""

    property: str
    removed: list[str]
    added: list[str]
    words: list[tuple[str, str]] | None = None


@dataclass
class ItemChange:
    kind: str  # proposal, parameter, indicator, level, other
    id: str  # the template ID (the IRI after the proposal's), or the IRI
    iri: str
    change: str  # added, removed, changed
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class CoverageChange:
    level: str  # competency, attribute, aspect
    iri: str
    notation: str
    before: int
    after: int


@dataclass
class RequirementChange:
    id: str
    before: str  # outcome in the earlier version
    after: str
    findings_before: int
    findings_after: int
    change: str  # fixed, new, better, worse, same


@dataclass
class Diff:
    proposal: str
    before: Version
    after: Version
    items: list[ItemChange]
    coverage: list[CoverageChange]
    requirements: list[RequirementChange]

    def to_json(self) -> dict[str, object]:
        return {"proposal": self.proposal,
                "from": {"version": self.before.iri, "number": self.before.number, "time": self.before.time},
                "to": {"version": self.after.iri, "number": self.after.number, "time": self.after.time},
                "items": [asdict(i) for i in self.items],
                "coverage": [asdict(c) for c in self.coverage if c.before != c.after],
                "requirements": [asdict(r) for r in self.requirements if r.change != "same"]}

    def to_csv(self) -> str:
        """One row per change: ``section, kind, id, change, property, before, after``."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\r\n")
        w.writerow(["section", "kind", "id", "change", "property", "before", "after"])
        for i in self.items:
            if not i.fields:
                w.writerow(["item", i.kind, i.id, i.change, "", "", ""])
            for f in i.fields:
                w.writerow(["item", i.kind, i.id, i.change, f.property, " | ".join(f.removed), " | ".join(f.added)])
        for c in self.coverage:
            if c.before != c.after:
                w.writerow(["coverage", c.level, c.notation or c.iri, "more" if c.after > c.before else "less", "",
                            c.before, c.after])
        for r in self.requirements:
            if r.change != "same":
                w.writerow(["requirement", "", r.id, r.change, "", f"{r.before} ({r.findings_before})",
                            f"{r.after} ({r.findings_after})"])
        return out.getvalue()

    def summary(self) -> dict[str, int]:
        counts = {"added": 0, "removed": 0, "changed": 0}
        for i in self.items:
            counts[i.change] += 1
        counts["fixed"] = sum(r.change == "fixed" for r in self.requirements)
        counts["new"] = sum(r.change == "new" for r in self.requirements)
        return counts


_WORD = re.compile(r"\s*\S+|\s+$")  # each word with the spaces before it


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """The words of ``after`` against ``before``: runs kept (``=``), removed (``-``) and added (``+``).

    >>> word_diff("Plan de mejora del plantel.", "Plan anual de mejora.")
    [('=', 'Plan'), ('+', ' anual'), ('=', ' de'), ('-', ' mejora del plantel.'), ('+', ' mejora.')]
    """
    a, b = _WORD.findall(before), _WORD.findall(after)
    out: list[tuple[str, str]] = []

    def put(op: str, words: list[str]) -> None:
        text = "".join(words)
        if not text:
            return
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))

    keys_a, keys_b = [t.strip() for t in a], [t.strip() for t in b]
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=keys_a, b=keys_b, autojunk=False).get_opcodes():
        if tag == "equal":
            put("=", a[i1:i2])
        else:
            put("-", a[i1:i2])
            put("+", b[j1:j2])
    return out


def _shown(term, base: str) -> str:
    if isinstance(term, URIRef):
        value = str(term)
        return value[len(base):] if value.startswith(base) else value
    return str(term)


def _items(graph: rdflib.Graph, proposal: str) -> dict[str, tuple[str, URIRef]]:
    base = proposal.rstrip("/") + "/"
    items: dict[str, tuple[str, URIRef]] = {}
    for cls, kind in KINDS.items():
        for s in graph.subjects(RDF.type, cls):
            if isinstance(s, URIRef):
                key = "" if str(s) == proposal else _shown(s, base)
                items.setdefault(key, (kind, s))
    for s in set(graph.subjects()):  # everything else the proposal's rows name: programme, tasks, profile, …
        if isinstance(s, URIRef) and str(s).startswith(base):
            items.setdefault(_shown(s, base), ("other", s))
    return items


def _values(graph: rdflib.Graph, subject: URIRef, base: str) -> dict[str, set[str]]:
    values: dict[str, set[str]] = {}
    for p, o in graph.predicate_objects(subject):
        values.setdefault(str(p), set()).add(_shown(o, base))
    return values


def item_changes(before: rdflib.Graph, after: rdflib.Graph, proposal: str) -> list[ItemChange]:
    """The items added, removed and changed from ``before`` to ``after`` (asserted triples only)."""
    base = proposal.rstrip("/") + "/"
    old, new = _items(before, proposal), _items(after, proposal)
    changes = []
    for key in sorted(old.keys() | new.keys(), key=lambda k: (_ORDER[(new.get(k) or old[k])[0]], _natural(k))):
        kind, iri = new.get(key) or old[key]
        if key not in old:
            changes.append(ItemChange(kind, key or proposal, str(iri), "added"))
            continue
        if key not in new:
            changes.append(ItemChange(kind, key or proposal, str(iri), "removed"))
            continue
        a, b = _values(before, old[key][1], base), _values(after, iri, base)
        fields = []
        for prop in sorted(a.keys() | b.keys()):
            removed, added = sorted(a.get(prop, set()) - b.get(prop, set())), sorted(b.get(prop, set()) - a.get(prop, set()))
            if not removed and not added:
                continue
            words = word_diff(removed[0], added[0]) if len(removed) == len(added) == 1 and " " in removed[0] + added[0] else None
            fields.append(FieldChange(prop, removed, added, words))
        if fields:
            changes.append(ItemChange(kind, key or proposal, str(iri), "changed", fields))
    return changes


def _natural(key: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", key)]


COVERAGE_QUERIES = {
    "competency": """SELECT ?x ?notation (COUNT(DISTINCT ?i) AS ?n) WHERE {
        ?x a ppi:Competency . OPTIONAL { ?x skos:notation ?notation }
        OPTIONAL { ?i ppi:coversCompetency ?x ; ppi:inProposal <%(p)s> } } GROUP BY ?x ?notation""",
    "attribute": """SELECT ?x ?notation (COUNT(DISTINCT ?i) AS ?n) WHERE {
        ?x a ppi:CompetencyAttribute . OPTIONAL { ?x skos:notation ?notation }
        OPTIONAL { ?i ppi:coversAttribute ?x ; ppi:inProposal <%(p)s> } } GROUP BY ?x ?notation""",
    "aspect": """SELECT ?x ?notation (COUNT(DISTINCT ?i) AS ?n) WHERE {
        ?x a ppi:ProfileAspect . OPTIONAL { ?x skos:notation ?notation }
        OPTIONAL { ?param ppi:tiedToAspect ?x ; ppi:hasIndicator ?i . ?i ppi:inProposal <%(p)s> } }
        GROUP BY ?x ?notation""",
}


def version_store(kg: KnowledgeGraph, graphs: tuple[rdflib.Graph, rdflib.Graph]) -> ox.Store:
    """A store of one version alone (its triples and inferences) with the shipped data and their inferences:
    what the queries of the current state see of a proposal, for a version that may not be current."""
    store = ox.Store()
    snapshot = kg.snapshot()
    for g in snapshot.catalog.graphs_of("shipped"):
        store.extend(snapshot.quads(g))
    store.extend(snapshot.quads(str(kg.graph_iri("inferred/base"))))
    scratch = ox.NamedNode("urn:ppikg:version")
    for graph in graphs:
        store.extend(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), scratch) for s, p, o in graph)  # type: ignore[arg-type]
    return store


def store_rows(store: ox.Store, query: str) -> list[dict[str, str | None]]:
    """The rows of a SELECT over :func:`version_store` (the project's prefixes, the union as default graph)."""
    from ..store.snapshot import QUERY_PREFIXES, plain

    result = store.query(query, prefixes=QUERY_PREFIXES, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]  # type: ignore[union-attr]
    return [{n: plain(row[n]) for n in names} for row in result]  # type: ignore[union-attr]


def coverage(kg: KnowledgeGraph, graphs: tuple[rdflib.Graph, rdflib.Graph], proposal: str) -> dict[tuple[str, str], tuple[str, int]]:
    """Indicators of the version (its triples and inferences) reaching each competency, attribute and aspect."""
    store = version_store(kg, graphs)
    counts = {}
    for level, query in COVERAGE_QUERIES.items():
        for row in store_rows(store, query % {"p": proposal}):
            counts[(level, row["x"] or "")] = (row["notation"] or "", int(row["n"] or 0))
    return counts


def _number(versions: list[Version], which: int | str | None) -> int | None:
    """A version number from a number, its text or a version IRI of the same proposal."""
    if which is None or isinstance(which, int):
        return which
    if which.strip().isdigit():
        return int(which)
    for v in versions:
        if v.iri == which:
            return v.number
    raise InputError(msg("not_a_version", value=which, proposal=versions[0].proposal,
                         numbers=", ".join(str(v.number) for v in versions)))


def _requirement_change(before: tuple[str, int], after: tuple[str, int]) -> str:
    good = ("conforms", "needs-attestation")
    (a, na), (b, nb) = before, after
    if a not in good and b in good:
        return "fixed"
    if a in good and b not in good:
        return "new"
    if (a, na) == (b, nb):
        return "same"
    return "better" if nb < na else "worse" if nb > na else "same"


def requirement_changes(before: StoredReport, after: StoredReport) -> list[RequirementChange]:
    out = []
    for rid in sorted(before.outcomes.keys() | after.outcomes.keys(), key=_natural):
        a, b = before.outcomes.get(rid, ("conforms", 0)), after.outcomes.get(rid, ("conforms", 0))
        out.append(RequirementChange(rid, a[0], b[0], a[1], b[1], _requirement_change(a, b)))
    return out


def diff(kg: KnowledgeGraph, validator: Validator, proposal: str, before: int | str | None = None,
         after: int | str | None = None) -> Diff:
    """The diff of ``proposal`` (IRI or name) from version ``before`` (default: the one before ``after``) to
    ``after`` (default: the current one), each a number or a version IRI. InputError for versions that do not
    exist, were dropped, belong to another proposal, or are the same."""
    versions = kg.history(proposal)
    to = kg.version(proposal, _number(versions, after))
    if before is None:
        earlier = [v for v in versions if v.number < to.number and not v.dropped]
        if not earlier:
            raise InputError(msg("no_version_before", proposal=to.proposal, number=to.number))
        frm = earlier[-1]
    else:
        frm = kg.version(proposal, _number(versions, before))
    if frm.number == to.number:
        raise InputError(msg("same_version", number=to.number))
    old, new = kg.version_graphs(frm), kg.version_graphs(to)
    items = item_changes(old[0], new[0], to.proposal)
    c_old, c_new = coverage(kg, old, to.proposal), coverage(kg, new, to.proposal)
    cover = [CoverageChange(level, iri, (c_new.get((level, iri)) or c_old[(level, iri)])[0],
                            c_old.get((level, iri), ("", 0))[1], c_new.get((level, iri), ("", 0))[1])
             for level, iri in sorted(c_old.keys() | c_new.keys(),
                                      key=lambda k: (list(COVERAGE_QUERIES).index(k[0]), _natural((c_new.get(k) or c_old[k])[0] or k[1])))]
    reqs = requirement_changes(version_report(kg, validator, frm), version_report(kg, validator, to))
    return Diff(to.proposal, frm, to, items, cover, reqs)


__all__ = ["Diff", "diff", "word_diff", "item_changes"]
