"""The one core `validate()`: a proposal against the Lineamientos' requirements (SHACL), as a structured report."""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from collections.abc import Callable, Iterator
from typing import Iterable, Literal as TypingLiteral

import pyoxigraph as ox
import pyshacl
import pyshacl_turbo
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, RDF, RDFS, SH, SKOS

from ..config import Project, Settings
from ..errors import InputError, msg
from ..store.inference import Reasoner, apply_rules, to_oxigraph, to_rdflib
from ..store.loading import to_oxigraph_triple
from ..namespaces import ELI, PPI

Severity = TypingLiteral["violation", "warning", "info"]
Outcome = TypingLiteral["conforms", "violation", "warning", "info", "needs-attestation"]
SEVERITIES: dict[URIRef, Severity] = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
_RANK = {"info": 0, "warning": 1, "violation": 2}
# Shape-graph links through which a nested shape belongs to the requirement of its parent.
_NESTING = (SH.property, SH.node, SH.qualifiedValueShape, SH["not"], SH.sparql)
_LISTS = (SH["or"], SH["and"], SH.xone)
# The shipped graphs the shapes reach: types and links of competencies, aspects, subsystems, authorities.
_CONTEXT_FILES = ("acuerdo-449.ttl", "aspectos.ttl", "subsistemas.ttl")
# The graphs of the scratch store one validation works in.
_ONTOLOGY, _ONTOLOGY_INFERRED, _CONTEXT = "urn:ppikg:ontology", "urn:ppikg:ontology-inferred", "urn:ppikg:context"
_PROPOSAL, _INFERRED = "urn:ppikg:proposal", "urn:ppikg:inferred"
# What the shapes see: the proposal, its inferences, the fixed context, and the ontology (sh:class needs its
# subclass axioms and its individuals, e.g. ppi:Pending a ppi:AuthorisationStatus).
_DATA_GRAPHS = (_PROPOSAL, _INFERRED, _CONTEXT, _ONTOLOGY)
Engine = TypingLiteral["turbo", "pyshacl"]
# A proposal or its inferences: an rdflib graph, or N-Triples as the store dumps them (no conversion needed).
Triples = Graph | bytes
_TYPED_PROPOSAL = re.compile(rb"^<([^>]*)> <%s> <%s> \.$" % (str(RDF.type).encode(), (PPI + "Proposal").encode()),
                             re.MULTILINE)


@dataclass
class Finding:
    """One failing focus node: where, what, and the message in each language."""

    focus: str
    severity: Severity
    message: dict[str, str]
    path: str | None = None
    value: str | None = None
    shape: str | None = None
    related: "CitedProvision | None" = None  # the provision the value itself comes from (e.g. Octavo VI)


@dataclass
class CitedProvision:
    """A provision as a report cites it: its IRI, labels and verbatim text, read from the shipped data."""

    iri: str
    label: dict[str, str]
    text: str | None
    chapter: str | None = None  # IRI of the chapter of the Lineamientos it belongs to


@dataclass
class Requirement:
    """A catalogue requirement as the shapes encode it."""

    id: str
    severity: Severity
    kinds: list[str]
    provisions: list[CitedProvision]
    fix: dict[str, str]
    shapes: list[str] = field(default_factory=list)


@dataclass
class RequirementResult:
    """The outcome of one requirement for one proposal."""

    requirement: Requirement
    outcome: Outcome
    findings: list[Finding]

    @property
    def needs_person(self) -> bool:
        return "attestation" in self.requirement.kinds


@dataclass
class ValidationReport:
    """What `validate()` returns: one result per requirement, the SHACL report graph, and a summary."""

    proposal: str | None
    conforms: bool
    results: list[RequirementResult]
    report_ntriples: str  # the SHACL validation report as the engine wrote it (N-Triples)
    chapters: dict[str, dict[str, str]] = field(default_factory=dict)  # chapter IRI → heading by language

    @cached_property
    def graph(self) -> Graph:
        """The SHACL validation report as an rdflib graph (parsed when first asked for: most uses never do)."""
        return Graph().parse(data=self.report_ntriples, format="nt")

    def summary(self) -> dict[str, int]:
        counts = {k: 0 for k in ("conforms", "violation", "warning", "info", "needs-attestation")}
        for r in self.results:
            counts[r.outcome] += 1
        counts["findings"] = sum(len(r.findings) for r in self.results)
        return counts

    def filtered(self, minimum: Severity) -> "ValidationReport":
        """The same report keeping only findings at ``minimum`` severity or above."""
        keep = [RequirementResult(r.requirement, r.outcome,
                                  [f for f in r.findings if _RANK[f.severity] >= _RANK[minimum]]) for r in self.results]
        return ValidationReport(self.proposal, self.conforms, keep, self.report_ntriples, self.chapters)


def _lang_map(graph: Graph, subject, predicate) -> dict[str, str]:
    return {(o.language or "und"): str(o) for o in graph.objects(subject, predicate) if isinstance(o, Literal)}


def _without_provisions(graph: Graph) -> Graph:
    """The context less the legal texts themselves: shapes reach concepts, never a provision's text."""
    provisions = set(graph.subjects(PPI.text, None))
    kept = Graph()
    kept.addN((s, p, o, kept) for s, p, o in graph if s not in provisions)
    return kept


def _read(files: Iterable[Path]) -> Graph:
    g = Graph()
    for f in files:
        g.parse(f)
    return g


class Validator:
    """Shapes, ontology and context loaded once; `validate()` then costs only the proposal's own work.

    ``project`` says where the shapes, ontology and shipped data are (and the template spec a proposal's
    tables are read with); ``settings`` the limits of validation (``max_body``: the bytes a proposal may
    have). Both default to :meth:`Project.default` and ``Settings()``. The graphs may be given instead.

    ``engine`` runs the shapes: ``"turbo"`` (pyshacl-turbo, the default: a Rust engine with pySHACL's API,
    about three times faster here) or ``"pyshacl"``. The test suite proves both give the same report on every
    shipped variant of the example.
    """

    def __init__(self, project: Project | None = None, settings: Settings | None = None, *,
                 shapes: Graph | None = None, ontology: Graph | None = None, context: Graph | None = None,
                 provisions: Graph | None = None, engine: Engine = "turbo") -> None:
        self.engine = engine
        self._related_cache: dict[str, CitedProvision | None] = {}
        self.project = project = project or Project.default()
        self.settings = settings or Settings()
        self.shapes = shapes if shapes is not None else _read(project.shape_files())
        self.ontology = ontology if ontology is not None else _read(project.ontology_files())
        self.context = context if context is not None else _without_provisions(
            _read(project.data_dir / f for f in _CONTEXT_FILES))
        self.provisions = provisions if provisions is not None else _read([project.data_dir / "lineamientos.ttl"])
        self._inherit_severity()

    def _inherit_severity(self) -> None:
        """A property shape of a targeted shape, without sh:severity, takes its requirement's severity.

        Only those report results. Operands of sh:not, sh:or, sh:node and qualified value
        shapes must keep none: pyshacl with allow_warnings would count their warnings as conforming.
        """
        targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
        top = {s for t in targets for s in self.shapes.subjects(t, None)}
        for shape in {p for s in top for p in self.shapes.objects(s, SH.property)}:
            rid = self.shape_requirements.get(shape)
            if rid is not None and (shape, SH.severity, None) not in self.shapes:
                main = self.requirements.get(rid)
                if main is not None:
                    self.shapes.add((shape, SH.severity, _SEVERITY_IRI[main.severity]))

    @cached_property
    def reasoner(self) -> Reasoner:
        return Reasoner(self.ontology)

    @cached_property
    def shape_requirements(self) -> dict:
        """Every shape node (named or nested) → the requirement ID it belongs to."""
        owner: dict = {}

        def walk(node, rid: str) -> None:
            if node in owner:
                return
            own = self.shapes.value(node, PPI.requirementId)
            owner[node] = str(own) if own is not None else rid
            for link in _NESTING:
                for child in self.shapes.objects(node, link):
                    walk(child, owner[node])
            for link in _LISTS:
                for head in self.shapes.objects(node, link):
                    for child in Collection(self.shapes, head):
                        walk(child, owner[node])

        for shape, rid in self.shapes.subject_objects(PPI.requirementId):
            walk(shape, str(rid))
        return owner

    @cached_property
    def requirements(self) -> dict[str, Requirement]:
        """The requirements, from the shape named after each ID (``ppis:LIN-07-IV``), in catalogue order."""
        found: dict[str, Requirement] = {}
        for shape, rid_term in self.shapes.subject_objects(PPI.requirementId):
            rid = str(rid_term)
            req = found.get(rid)
            kind = self.shapes.value(shape, PPI.requirementKind)
            if req is None:
                req = found[rid] = Requirement(rid, "violation", [], [], {})
            if kind is not None and str(kind) not in req.kinds:
                req.kinds.append(str(kind))
            if isinstance(shape, URIRef):
                req.shapes.append(str(shape))
            if isinstance(shape, URIRef) and str(shape).endswith("#" + rid):
                severity = self.shapes.value(shape, SH.severity)
                req.severity = SEVERITIES.get(severity, "violation") if isinstance(severity, URIRef) else "violation"
                req.fix = _lang_map(self.shapes, shape, RDFS.comment)
                req.provisions = [self._provision(iri) for iri in sorted(self.shapes.objects(shape, DCTERMS.source), key=str)]
        return dict(sorted(found.items(), key=lambda kv: _catalogue_key(kv[0])))

    def _message(self, result: "_Result", data: ox.Store) -> dict[str, str]:
        """The result's message by language. pyshacl drops the language of SPARQL message templates, so
        those are filled here again; their variables all describe ?value, shown by its notation or label."""
        if result.constraint is None:
            return result.messages
        shown = _shown(data, result.value)
        return {lang: re.sub(r"\{[?$]\w+\}", shown, template)
                for lang, template in _lang_map(self.shapes, result.constraint, SH.message).items()}

    def _related(self, value: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> CitedProvision | None:
        """For a value from the context (an aspect, a competency), the provision of the Lineamientos it comes from."""
        if not isinstance(value, ox.NamedNode):
            return None
        if value.value not in self._related_cache:
            self._related_cache[value.value] = self._related_provision(URIRef(value.value))
        return self._related_cache[value.value]

    def _related_provision(self, value: URIRef) -> CitedProvision | None:
        sources = [s for s in self.context.objects(value, DCTERMS.source) if (s, PPI.text, None) in self.provisions]
        if not sources:
            return None
        # the most specific one: an aspect comes from Octavo's fracción, not from Transitorio Tercero
        return self._provision(max(sources, key=lambda s: (str(s).count("/"), str(s))))

    def _provision(self, iri) -> CitedProvision:
        text = self.provisions.value(iri, PPI.text)
        chapter = self.provisions.value(iri, PPI.inChapter)
        return CitedProvision(str(iri), _lang_map(self.provisions, iri, RDFS.label), str(text) if text is not None else None,
                         str(chapter) if chapter is not None else None)

    @cached_property
    def chapter_titles(self) -> dict[str, dict[str, str]]:
        """Chapter IRI → its heading by language, e.g. 'Capítulo III. De los Perfiles'."""
        titles = {}
        for chapter in self.provisions.subjects(RDF.type, PPI.Chapter):
            heading = self.provisions.value(chapter, ELI.title)
            titles[str(chapter)] = {lang: f"{label}. {heading}" for lang, label in
                                    _lang_map(self.provisions, chapter, RDFS.label).items()}
        return titles

    def load(self, source: Path | str | bytes | Graph, format: str | None = None) -> Graph:
        """A proposal as a graph: an rdflib Graph as it is; bytes in ``format`` or a path (file or CSV folder)
        through the importer, with this validator's project and limits (``settings.max_body`` bytes; rows,
        columns) and its refusal of remote JSON-LD contexts."""
        if isinstance(source, Graph):
            return source
        from ..proposals.importer import import_proposal

        return import_proposal(source, format, project=self.project, max_bytes=self.settings.max_body)

    @cached_property
    def _fixed_quads(self) -> list[ox.Quad]:
        """The ontology, its own inferences and the context, as quads of the scratch store's graphs."""
        quads = []
        for name, graph in ((_ONTOLOGY, self.ontology), (_ONTOLOGY_INFERRED, self.reasoner.ontology_inferences()),
                            (_CONTEXT, self.context)):
            quads.extend(_quads(graph, name))
        return quads

    @cached_property
    def _program(self):
        """The shapes compiled once by pyshacl-turbo (SHACL-AF on: the shapes use SPARQL-based constraints)."""
        return pyshacl_turbo.compile_shapes(self.shapes, advanced=True)

    @cached_property
    def _fixed_ntriples(self) -> bytes:
        """The context and the ontology as the shapes read them, in N-Triples."""
        store = ox.Store()
        store.extend(self._fixed_quads)
        return b"".join(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(g)) or b""
                        for g in (_CONTEXT, _ONTOLOGY))

    def _scratch(self, proposal: Triples, inferred: Triples | None) -> tuple[ox.Store, bytes]:
        """An in-memory store with the fixed graphs, the proposal and its inferences (made here if not given),
        and the N-Triples the shapes are run over (the proposal, its inferences, the context, the ontology)."""
        store = ox.Store()
        store.extend(self._fixed_quads)
        text = [_put(store, proposal, _PROPOSAL)]
        if inferred is None:
            apply_rules(store, self.reasoner.rules, [_CONTEXT, _PROPOSAL, _ONTOLOGY_INFERRED], _INFERRED,
                        ontology_graph=_ONTOLOGY)
            text.append(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(_INFERRED)) or b"")
        else:
            text.append(_put(store, inferred, _INFERRED))
        return store, b"".join([*text, self._fixed_ntriples])

    def infer(self, proposal: Graph) -> Graph:
        """The proposal's own inferences (rules path, proven equal to owlrl's by the test suite)."""
        store, _ = self._scratch(proposal, None)
        inferred = Graph()
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(_INFERRED)):
            inferred.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
        return inferred

    def _shacl(self, data: bytes) -> tuple[bool, str, Callable[[str], Node]]:
        """Run the shapes over ``data`` (N-Triples): whether it conforms, the report as N-Triples, and how a
        blank node label of the report names a node of the shapes graph."""
        if self.engine == "turbo":
            # The compiled program's native call is the one CompiledShapes.validate makes, less its decoding of
            # the report into rdflib (seconds for a report of thousands of findings; pinned version, and the
            # tests compare every report with pySHACL's).
            program = self._program
            conforms, report, *_ = program._native.validate(
                data.decode("utf-8"), "nt", None, False, 100, 15, False, True, True, False, [], [], [])
            shape_nodes = program._blank_nodes
            return bool(conforms), report, lambda label: shape_nodes.get(label) or BNode(label)
        graph = Graph().parse(data=data, format="nt")
        conforms, report, _ = pyshacl.validate(graph, shacl_graph=self.shapes, inference="none", inplace=True,
                                               advanced=True, allow_warnings=True, allow_infos=True)  # no copy
        return bool(conforms), report.serialize(format="nt"), BNode

    def validate(self, proposal: Triples, *, inferred: Triples | None = None) -> ValidationReport:
        """Check one proposal graph; ``inferred`` may pass inferences already made (e.g. by the store)."""
        if isinstance(proposal, Graph):
            proposals = {str(p) for p in proposal.subjects(RDF.type, PPI.Proposal)}
        else:
            proposals = {m.decode("utf-8") for m in _TYPED_PROPOSAL.findall(proposal)}
        if not proposals:
            raise InputError(msg("validate_no_proposal"))
        if len(proposals) > 1:
            raise InputError(msg("validate_many_proposals", n=len(proposals)))
        store, data = self._scratch(proposal, inferred)
        conforms, report, shape_node = self._shacl(data)
        findings: dict[str, list[Finding]] = {rid: [] for rid in self.requirements}
        for result in _results(report, shape_node):
            rid = self.shape_requirements.get(result.shape)
            if rid is None:
                continue
            findings[rid].append(Finding(
                focus=result.focus, severity=result.severity, message=self._message(result, store),
                path=result.path, value=result.value.value if result.value is not None else None,
                shape=str(result.shape) if isinstance(result.shape, URIRef) else None,
                related=self._related(result.value),
            ))
        results = []
        for rid, req in self.requirements.items():
            found = sorted(findings[rid], key=lambda f: (-_RANK[f.severity], f.focus, f.value or ""))
            if found:
                outcome: Outcome = max((f.severity for f in found), key=_RANK.__getitem__)
            else:
                outcome = "needs-attestation" if "attestation" in req.kinds else "conforms"
            results.append(RequirementResult(req, outcome, found))
        return ValidationReport(next(iter(proposals)), conforms, results, report, self.chapter_titles)


@dataclass
class _Result:
    """What the report says of one top-level result."""

    focus: str
    severity: Severity
    shape: Node | None  # the source shape, as a node of the shapes graph
    constraint: Node | None  # the source constraint of a SPARQL-based constraint, likewise
    path: str | None
    value: ox.NamedNode | ox.BlankNode | ox.Literal | None
    messages: dict[str, str]


_SHACL = str(SH)


def _results(report: str, shape_node: Callable[[str], Node]) -> Iterator[_Result]:
    """The top-level results of a SHACL report in N-Triples (those under sh:detail explain a result: they are
    not results themselves), read with pyoxigraph."""
    by_subject: dict[object, dict[str, list]] = {}
    top = []
    for t in ox.parse(report, format=ox.RdfFormat.N_TRIPLES):
        name = t.predicate.value
        if not name.startswith(_SHACL):
            continue
        name = name[len(_SHACL):]
        if name == "result":
            top.append(t.object)
        else:
            by_subject.setdefault(t.subject, {}).setdefault(name, []).append(t.object)

    def shape(term) -> Node | None:
        if isinstance(term, ox.NamedNode):
            return URIRef(term.value)
        return shape_node(term.value) if isinstance(term, ox.BlankNode) else None

    for node in top:
        fields = by_subject.get(node, {})
        first = {k: v[0] for k, v in fields.items()}
        path, severity = first.get("resultPath"), first.get("resultSeverity")
        yield _Result(
            focus=first["focusNode"].value,
            severity=SEVERITIES.get(URIRef(severity.value), "violation") if severity is not None else "violation",
            shape=shape(first.get("sourceShape")), constraint=shape(first.get("sourceConstraint")),
            path=path.value if isinstance(path, ox.NamedNode) else None, value=first.get("value"),
            messages={(m.language or "und"): m.value for m in fields.get("resultMessage", [])
                      if isinstance(m, ox.Literal)})


def _put(store: ox.Store, data: Triples, name: str) -> bytes:
    """Add ``data`` to graph ``name`` of ``store``; its N-Triples."""
    if isinstance(data, bytes):
        store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name))
        return data if data.endswith(b"\n") or not data else data + b"\n"
    store.extend(_quads(data, name))
    return store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name)) or b""


def _quads(graph: Graph, name: str) -> list[ox.Quad]:
    """The triples of ``graph`` as quads of graph ``name`` (each distinct rdflib term converted once)."""
    g = ox.NamedNode(name)
    terms: dict = {}

    def term(t):
        found = terms.get(t)
        if found is None:
            found = terms[t] = to_oxigraph(t)
        return found

    quads = []
    for s, p, o in graph:
        subject, predicate = term(s), term(p)
        if isinstance(subject, ox.Literal) or not isinstance(predicate, ox.NamedNode):
            to_oxigraph_triple(s, p, o)  # raises the one error for a triple RDF does not allow
        quads.append(ox.Quad(subject, predicate, term(o), g))
    return quads


def _shown(store: ox.Store, value: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str:
    """How a message shows a value: its notation or label in the data, else the value itself."""
    if isinstance(value, (ox.NamedNode, ox.BlankNode)):
        for predicate in (SKOS.notation, RDFS.label):
            for q in store.quads_for_pattern(value, ox.NamedNode(str(predicate)), None, None):
                return str(q.object.value)  # type: ignore[union-attr]
    return "None" if value is None else value.value


_SEVERITY_IRI = {v: k for k, v in SEVERITIES.items()}


def _catalogue_key(rid: str) -> tuple:
    """LIN-03 < LIN-07-I < … < LIN-17 < ANEXO-A, as the catalogue lists them."""
    from ..build.legal_texts import roman_to_int

    parts = rid.split("-")
    if parts[0] != "LIN":
        return (1, rid)
    sub = parts[2] if len(parts) > 2 else ""
    return (0, int(parts[1]), roman_to_int(sub) if sub and set(sub) <= set("IVX") else (99 if sub else 0), rid)


def validate(data: Path | str | bytes | Graph, format: str | None = None, *,
             validator: Validator | None = None) -> ValidationReport:
    """Validate one proposal against every requirement of the catalogue.

    ``data`` is a graph, the bytes of a proposal in ``format`` (``xlsx``, ``csv-zip``, ``ttl``, ``jsonld``)
    or the path of a file or CSV folder (its format from its suffix, unless given). Give a ``validator`` to
    reuse its loaded shapes across calls (and to choose its project and settings).
    """
    validator = validator or Validator()
    return validator.validate(validator.load(data, format))
