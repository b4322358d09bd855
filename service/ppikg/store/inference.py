"""OWL 2 RL inference: owlrl on small graphs, compiled SPARQL rules run in pyoxigraph on large ones."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD

from ..namespaces import ONTOLOGY_GRAPH
from .snapshot import select

#: Placeholder for the target graph in compiled rules; :func:`apply_rules` substitutes it.
INFERRED_PLACEHOLDER = "urn:ppikg:inferred"

_BUILTIN_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))
_REFLEXIVE_PREDICATES = frozenset(
    {OWL.sameAs, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty}
)
_TOP_CLASSES = frozenset({OWL.Thing, RDFS.Resource, OWL.NamedIndividual, RDFS.Literal})
#: (predicate, object) pairs that hold of everything, so say nothing.
_TRIVIAL_OBJECTS: dict[rdflib.term.Node, frozenset[URIRef]] = {
    RDF.type: _TOP_CLASSES,
    RDFS.subClassOf: frozenset({OWL.Thing, RDFS.Resource}),
    RDFS.domain: frozenset({OWL.Thing, RDFS.Resource}),
    RDFS.range: frozenset({OWL.Thing, RDFS.Resource}),
    RDFS.subPropertyOf: frozenset({OWL.topObjectProperty, OWL.topDataProperty}),
}

Triple = tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]


def _builtin(term: rdflib.term.Node) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(_BUILTIN_NAMESPACES)


def is_trivial(triple: Triple) -> bool:
    """Whether an inferred triple holds of everything (or of the vocabularies themselves), so is not worth storing.

    Trivial are:

    * triples whose subject is a literal (owlrl types literals: ``"3"^^xsd:integer a xsd:decimal``);
    * triples whose subject is in the RDF, RDFS, OWL or XSD namespace (``owl:Thing rdfs:subClassOf owl:Thing``);
    * reflexive ``owl:sameAs``, ``rdfs:subClassOf``, ``rdfs:subPropertyOf``, ``owl:equivalentClass``,
      ``owl:equivalentProperty``;
    * ``rdf:type`` to ``owl:Thing``, ``rdfs:Resource``, ``owl:NamedIndividual``, ``rdfs:Literal`` or to any
      class of the RDF, RDFS, OWL or XSD namespace (``ppi:covers a owl:ObjectProperty``, ``x a xsd:integer``);
    * ``rdfs:subClassOf``, ``rdfs:domain`` or ``rdfs:range`` ``owl:Thing`` / ``rdfs:Resource``, and
      ``rdfs:subPropertyOf owl:topObjectProperty`` / ``owl:topDataProperty``.

    >>> from rdflib import Literal, URIRef
    >>> x = URIRef("http://example.org/x")
    >>> is_trivial((x, OWL.sameAs, x)), is_trivial((x, RDF.type, OWL.Thing)), is_trivial((x, RDF.type, OWL.Class))
    (True, True, True)
    >>> is_trivial((Literal(3), RDF.type, XSD.decimal)), is_trivial((x, RDF.type, URIRef("http://example.org/C")))
    (True, False)
    """
    s, p, o = triple
    if isinstance(s, Literal) or _builtin(s):
        return True
    if p in _REFLEXIVE_PREDICATES and s == o:
        return True
    if p == RDF.type and _builtin(o):
        return True
    return o in _TRIVIAL_OBJECTS.get(p, ())


# --- term conversion between rdflib (owlrl's world) and pyoxigraph (the store's) ---------------------------


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> rdflib.term.Node:
    """The rdflib term for a pyoxigraph term; blank node ids and literal lexical forms are kept as they are.

    >>> to_rdflib(ox.Literal("a")) == Literal("a"), to_rdflib(ox.NamedNode("http://x/")) == URIRef("http://x/")
    (True, True)
    """
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    raise TypeError(f"unsupported term {term!r}")


def to_oxigraph(term: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The pyoxigraph term for an rdflib term (the inverse of :func:`to_rdflib`).

    >>> to_oxigraph(Literal("hola", lang="es"))
    <Literal value=hola language=es>
    """
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported term {term!r}")


# --- owlrl path ----------------------------------------------------------------------------------------------


def _expand(graph: rdflib.Graph) -> rdflib.Graph:
    import owlrl  # imported lazily: it is only needed when owlrl reasoning actually runs

    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(graph)
    return graph


def _union(*graphs: rdflib.Graph | None) -> rdflib.Graph:
    out = rdflib.Graph()
    for g in graphs:
        if g is not None:
            for t in g:
                out.add(t)
    return out


def owlrl_closure(
    graph: rdflib.Graph,
    context: rdflib.Graph | None = None,
    *,
    context_closure: rdflib.Graph | None = None,
) -> rdflib.Graph:
    """The useful OWL RL inferences of ``graph`` against ``context`` (typically the ontology).

    Useful means: not already in ``graph``, not already entailed by the context alone, and not
    :func:`is_trivial`. Pass ``context_closure`` (the context together with its own closure, trivial
    triples may be left out) to skip recomputing it; it then replaces ``context``.

    >>> from rdflib import Graph
    >>> ont = Graph().parse(data="@prefix : <http://e/> . :p <http://www.w3.org/2002/07/owl#inverseOf> :q .", format="turtle")
    >>> g = Graph().parse(data="@prefix : <http://e/> . :a :p :b .", format="turtle")
    >>> [t.n3() for t in sorted(owlrl_closure(g, ont))[0]]
    ['<http://e/b>', '<http://e/q>', '<http://e/a>']
    """
    if context_closure is None:
        context_closure = _expand(_union(context)) if context is not None else rdflib.Graph()
    full = _expand(_union(context_closure, graph))
    out = rdflib.Graph()
    for t in full:
        if t not in graph and t not in context_closure and not is_trivial(t):
            out.add(t)
    return out


class Reasoner:
    """OWL RL reasoning against one ontology, keeping the ontology's closure and compiled rules once computed."""

    def __init__(self, ontology: rdflib.Graph) -> None:
        self.ontology = ontology
        self._closure: rdflib.Graph | None = None
        self._rules: list[Rule] | None = None

    @property
    def closure(self) -> rdflib.Graph:
        """The ontology together with everything it entails (trivial triples included)."""
        if self._closure is None:
            self._closure = _expand(_union(self.ontology))
        return self._closure

    def ontology_inferences(self) -> rdflib.Graph:
        """The useful triples the ontology entails on its own (e.g. transitive subclass links)."""
        out = rdflib.Graph()
        for t in self.closure:
            if t not in self.ontology and not is_trivial(t):
                out.add(t)
        return out

    @property
    def rules(self) -> list[Rule]:
        """The ontology compiled by :func:`compile_rules`."""
        if self._rules is None:
            self._rules = compile_rules(self.ontology)
        return self._rules

    def infer(self, graph: rdflib.Graph, context: rdflib.Graph | None = None) -> rdflib.Graph:
        """:func:`owlrl_closure` of ``graph`` against the ontology plus ``context`` (e.g. shipped data)."""
        if context is None or len(context) == 0:
            return owlrl_closure(graph, context_closure=self.closure)
        return owlrl_closure(graph, self.ontology + context)


# --- rules path ----------------------------------------------------------------------------------------------


def _n3(term: rdflib.term.Node) -> str:
    return term.n3()


def _head_filter(s: str, p: URIRef, o: str | URIRef) -> str:
    """SPARQL FILTERs dropping a head triple ``s p o`` that is trivial (mirrors :func:`is_trivial`)."""
    def outside_builtins(v: str) -> str:  # STR() of a blank node is an error, so guard it
        return f"(isBlank({v}) || (" + " && ".join(f'!STRSTARTS(STR({v}), "{ns}")' for ns in _BUILTIN_NAMESPACES) + "))"

    conds = [f"!isLiteral({s})", outside_builtins(s)]
    if not isinstance(o, URIRef):  # a variable (URIRef is a str too)
        if p in _REFLEXIVE_PREDICATES:
            conds.append(f"!sameTerm({s}, {o})")
        trivial = sorted(_TRIVIAL_OBJECTS.get(p, ()))
        if trivial:
            conds.append(f"{o} NOT IN ({', '.join(map(_n3, trivial))})")
        if p == RDF.type:
            conds.append(outside_builtins(o))
    return "FILTER(" + " && ".join(conds) + ")"


@dataclass(frozen=True)
class Atom:
    """One triple pattern of a rule: the subject a variable (``?s``), the predicate an IRI, the object a variable
    (a plain ``str``) or a constant IRI (a ``URIRef``)."""

    s: str
    p: URIRef
    o: str | URIRef

    def sparql(self) -> str:
        p = "a" if self.p == RDF.type else self.p.n3()
        return f"{self.s} {p} {self.o.n3() if isinstance(self.o, URIRef) else self.o}"


class Rule(str):
    """A compiled rule: the text of a SPARQL update (so a plain ``str``), plus its parts for semi-naive runs and
    as atoms (``atoms`` ⇒ ``conclusion``) for ppikg.store.forward."""

    head: str
    body: tuple[str, ...]
    filters: str
    atoms: tuple[Atom, ...]
    conclusion: Atom

    def __new__(cls, atoms: tuple[Atom, ...], conclusion: Atom) -> Rule:
        s, p, o = conclusion.s, conclusion.p, conclusion.o
        head = f"{s} {p.n3()} {o.n3() if isinstance(o, URIRef) else o}"
        body = tuple(a.sparql() for a in atoms)
        filters = _head_filter(s, p, o)
        rule = super().__new__(cls, _update(head, " . ".join(body) + " .", filters))
        rule.head, rule.body, rule.filters, rule.atoms, rule.conclusion = head, body, filters, atoms, conclusion
        return rule

    def __getnewargs__(self) -> tuple[tuple[Atom, ...], Atom]:  # type: ignore[override]  # pickled by its parts
        return self.atoms, self.conclusion

    def variants(self, delta: str, also_into: str) -> list[str]:
        """One update per body atom, that atom read from graph ``delta``; heads also go to ``also_into``."""
        out = []
        for i, atom in enumerate(self.body):
            atoms = [f"GRAPH <{delta}> {{ {a} }}" if j == i else a + " ." for j, a in enumerate(self.body)]
            out.append(_update(self.head, " ".join(atoms), self.filters, also_into))
        return out


def _update(head: str, where: str, filters: str, also_into: str | None = None) -> str:
    extra = f" GRAPH <{also_into}> {{ {head} }}" if also_into else ""
    return (
        f"INSERT {{ GRAPH <{INFERRED_PLACEHOLDER}> {{ {head} }}{extra} }}\n"
        f"WHERE {{ {where} {filters} FILTER NOT EXISTS {{ {head} }} }}"
    )


def _rule(body: list[Atom], p: URIRef, o: URIRef | str = "?o", s: str = "?s") -> Rule | None:
    """The rule deriving ``s p o`` from the triple patterns ``body``, or None if its head is always trivial.

    ``s`` and a ``str`` ``o`` are SPARQL variables; a ``URIRef`` ``o`` is a constant.
    """
    if isinstance(o, URIRef) and is_trivial((URIRef("urn:x"), p, o)):
        return None
    return Rule(tuple(body), Atom(s, p, o))


def _iris(values: Iterable[rdflib.term.Node]) -> list[URIRef]:
    return sorted(v for v in values if isinstance(v, URIRef))


def _iri_pairs(ontology: rdflib.Graph, predicate: URIRef) -> list[tuple[URIRef, URIRef]]:
    """The (subject, object) pairs of ``predicate`` where both are IRIs, sorted."""
    return sorted((a, b) for a, b in ontology.subject_objects(predicate)
                  if isinstance(a, URIRef) and isinstance(b, URIRef))


def compile_rules(ontology: rdflib.Graph) -> list[Rule]:
    """Compile the ontology's OWL RL axioms into SPARQL updates writing to the placeholder inferred graph.

    Handled, read generically from the ontology: ``rdfs:subPropertyOf``, ``owl:equivalentProperty``,
    ``owl:inverseOf``, ``owl:propertyChainAxiom`` (any length), ``owl:TransitiveProperty``,
    ``owl:SymmetricProperty``, ``rdfs:subClassOf`` and ``owl:equivalentClass`` between named classes,
    ``rdfs:domain`` and ``rdfs:range``. Other axioms (restrictions, functional properties, …) are ignored;
    ``tests/store/test_inference.py`` checks that the result still equals owlrl on this ontology.

    >>> from rdflib import Graph
    >>> g = Graph().parse(data="@prefix : <http://e/> . :p <http://www.w3.org/2000/01/rdf-schema#subPropertyOf> :q .", format="turtle")
    >>> print(compile_rules(g)[0].splitlines()[0])
    INSERT { GRAPH <urn:ppikg:inferred> { ?s <http://e/q> ?o } }
    """
    rules: list[Rule | None] = []

    def subprop(p: URIRef, q: URIRef) -> None:
        if p != q:
            rules.append(_rule([Atom("?s", p, "?o")], q))

    def subclass(c: URIRef, d: URIRef) -> None:
        if c != d:
            rules.append(_rule([Atom("?s", RDF.type, c)], RDF.type, d))

    for p, q in _iri_pairs(ontology, RDFS.subPropertyOf):
        subprop(p, q)
    for p, q in _iri_pairs(ontology, OWL.equivalentProperty):
        subprop(p, q)
        subprop(q, p)
    for p, q in _iri_pairs(ontology, OWL.inverseOf):
        rules.append(_rule([Atom("?o", p, "?s")], q))
        rules.append(_rule([Atom("?o", q, "?s")], p))
    for chained, head in sorted(ontology.subject_objects(OWL.propertyChainAxiom)):
        chain = list(Collection(ontology, head))
        if isinstance(chained, URIRef) and chain and all(isinstance(c, URIRef) for c in chain):
            hops = [Atom(f"?x{i}", URIRef(str(c)), f"?x{i + 1}") for i, c in enumerate(chain)]
            rules.append(_rule(hops, chained, f"?x{len(chain)}", s="?x0"))
    for p in _iris(ontology.subjects(RDF.type, OWL.TransitiveProperty)):
        rules.append(_rule([Atom("?s", p, "?m"), Atom("?m", p, "?o")], p))
    for p in _iris(ontology.subjects(RDF.type, OWL.SymmetricProperty)):
        rules.append(_rule([Atom("?o", p, "?s")], p))
    for c, d in _iri_pairs(ontology, RDFS.subClassOf):
        subclass(c, d)
    for c, d in _iri_pairs(ontology, OWL.equivalentClass):
        subclass(c, d)
        subclass(d, c)
    for p, c in _iri_pairs(ontology, RDFS.domain):
        rules.append(_rule([Atom("?s", p, "?x")], RDF.type, c))
    for p, c in _iri_pairs(ontology, RDFS.range):
        rules.append(_rule([Atom("?x", p, "?s")], RDF.type, c))
    unique: dict[str, Rule] = {}
    for r in rules:
        if r is not None:
            unique.setdefault(str(r), r)
    return list(unique.values())


def _iri(g: str | ox.NamedNode) -> str:
    return g.value if isinstance(g, ox.NamedNode) else str(g)


def _count(store: ox.Store, graph: str) -> int:
    return int(next(iter(select(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")))["n"].value)


def _bind(update: str, using: Iterable[str], inferred_graph: str, using_named: str | None = None) -> str:
    clauses = "".join(f"USING <{g}>\n" for g in using) + (f"USING NAMED <{using_named}>\n" if using_named else "")
    return update.replace(f"<{INFERRED_PLACEHOLDER}>", f"<{inferred_graph}>").replace("\nWHERE", "\n" + clauses + "WHERE", 1)


def apply_rules(
    store: ox.Store,
    rules: Iterable[str],
    source_graphs: Iterable[str | ox.NamedNode],
    inferred_graph: str | ox.NamedNode,
    *,
    ontology_graph: str | ox.NamedNode = str(ONTOLOGY_GRAPH),
    max_rounds: int = 1000,
) -> int:
    """Run compiled rules to a fixpoint; returns the number of triples in ``inferred_graph`` afterwards.

    The rules read the union of ``source_graphs``, ``inferred_graph`` and ``ontology_graph`` and insert
    only triples that are neither in that union already nor trivial. To get exactly :func:`owlrl_closure`'s
    result, include among the sources a graph holding the ontology's own inferences
    (:meth:`Reasoner.ontology_inferences`), else those are re-derived wherever the ontology is read.
    :class:`Rule` s are run semi-naively: after the first round, only against the triples the previous round
    added (kept meanwhile in two scratch graphs beside ``inferred_graph``, removed at the end).

    >>> from rdflib import Graph
    >>> ont = Graph().parse(data="@prefix : <http://e/> . :p a <http://www.w3.org/2002/07/owl#TransitiveProperty> .", format="turtle")
    >>> st = ox.Store()
    >>> st.load(b"<http://e/a> <http://e/p> <http://e/b> .\\n<http://e/b> <http://e/p> <http://e/c> .",
    ...         ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode("http://e/g"))
    >>> apply_rules(st, compile_rules(ont), ["http://e/g"], "http://e/inf")
    1
    """
    rules = list(rules)
    target = _iri(inferred_graph)
    using = list(dict.fromkeys([*map(_iri, source_graphs), target, _iri(ontology_graph)]))
    delta, fresh = target + "#ppikg-delta", target + "#ppikg-fresh"
    semi_naive = all(isinstance(r, Rule) for r in rules)
    # One request per round: its operations run in order, so later rules already see earlier ones' output.
    first = [_update(r.head, " . ".join(r.body) + " .", r.filters, fresh) if semi_naive else r for r in rules]  # type: ignore[attr-defined]
    later = [v for r in rules for v in r.variants(delta, fresh)] if semi_naive else first  # type: ignore[attr-defined]
    first_round = " ;\n".join(_bind(u, using, target) for u in first)
    next_rounds = " ;\n".join(_bind(u, using, target, delta) for u in later)
    if not rules:
        return _count(store, target)
    size = _count(store, target)
    try:
        for n in range(max_rounds):
            store.update(first_round if n == 0 or not semi_naive else next_rounds)
            if semi_naive:
                store.update(f"DROP SILENT GRAPH <{delta}> ; MOVE SILENT GRAPH <{fresh}> TO GRAPH <{delta}>")
            new_size = _count(store, target)
            if new_size == size:
                return size
            size = new_size
    finally:
        store.update(f"DROP SILENT GRAPH <{delta}> ; DROP SILENT GRAPH <{fresh}>")
    raise RuntimeError(f"inference did not reach a fixpoint in {max_rounds} rounds")
