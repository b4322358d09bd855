"""The compiled rules infer exactly what owlrl infers, whether run as SPARQL updates (apply_rules) or by forward
chaining over sets (ppikg.store.forward), and the property chains do their job."""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from ppikg.config import Project
from ppikg.store.forward import ForwardChainer, is_trivial_fact
from ppikg.store.inference import Reasoner, apply_rules, is_trivial, owlrl_closure, to_oxigraph, to_rdflib
from ppikg.namespaces import ELI, ONTOLOGY_GRAPH, PPI, sparql_prologue

EX = Namespace("http://example.org/test/")
DATA = "urn:test:data"
INFERRED = "urn:test:inferred"


@pytest.fixture(scope="module")
def ontology(project) -> rdflib.Graph:
    g = rdflib.Graph()
    for f in project.ontology_files():
        g.parse(f)
    return g


@pytest.fixture(scope="module")
def reasoner(ontology: rdflib.Graph) -> Reasoner:
    return Reasoner(ontology)


@pytest.fixture(scope="module")
def handmade_owlrl(reasoner: Reasoner) -> tuple[rdflib.Graph, rdflib.Graph]:
    """The handmade proposal and owlrl's useful inferences from it, computed once for the tests that read them."""
    data = handmade()
    return data, reasoner.infer(data)


ONTOLOGY_INFERRED = "urn:test:ontology-inferred"


def store_with(reasoner: Reasoner, data: rdflib.Graph) -> ox.Store:
    """A store laid out as KnowledgeGraph does: ontology, the ontology's own inferences, data."""
    store = ox.Store()
    for graph, triples in ((str(ONTOLOGY_GRAPH), reasoner.ontology), (ONTOLOGY_INFERRED, reasoner.ontology_inferences()), (DATA, data)):
        store.extend(ox.Quad(*map(to_oxigraph, t), ox.NamedNode(graph)) for t in triples)
    return store


def by_rules(reasoner: Reasoner, data: rdflib.Graph) -> set:
    store = store_with(reasoner, data)
    apply_rules(store, reasoner.rules, [DATA, ONTOLOGY_INFERRED], INFERRED)
    return {tuple(map(to_rdflib, q.triple)) for q in store.quads_for_pattern(None, None, None, ox.NamedNode(INFERRED))}


def as_oxigraph(graph: rdflib.Graph) -> list[ox.Triple]:
    return [ox.Triple(*map(to_oxigraph, t)) for t in graph]  # type: ignore[arg-type]


def by_forward(reasoner: Reasoner, data: rdflib.Graph) -> set:
    """What forward chaining infers from ``data`` against the ontology and its own inferences (the context)."""
    chainer = ForwardChainer(reasoner.rules, as_oxigraph(reasoner.ontology) + as_oxigraph(reasoner.ontology_inferences()))
    return {tuple(map(to_rdflib, (t.subject, t.predicate, t.object))) for t in chainer.infer(as_oxigraph(data))}


ENGINES = {"sparql": by_rules, "forward": by_forward}


def handmade() -> rdflib.Graph:
    """A proposal: one parameter tied to an aspect, indicators covering attributes, provisions nested."""
    g = rdflib.Graph()
    g.parse(
        format="turtle",
        data=f"""
        @prefix ppi: <{PPI}> . @prefix eli: <{ELI}> . @prefix ex: <{EX}> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:proposal a ppi:Proposal ; ppi:hasParameter ex:param1 ; ppi:proposedBy ex:authority ;
            ppi:forSubsystem ex:subsystem .
        ex:param1 a ppi:Parameter ; ppi:tiedToAspect ex:aspect1 ; ppi:hasIndicator ex:ind1 , ex:ind2 .
        ex:param2 ppi:parameterOf ex:proposal ; ppi:tiedToAspect ex:aspect2 .
        ex:ind3 ppi:indicatorOf ex:param2 ; ppi:hasPerformanceLevel [ ppi:levelOrder 1 ] .
        ex:ind1 ppi:coversAttribute ex:attr1 .
        ex:ind2 ppi:coversAttribute ex:attr2 ; ppi:usesEvaluationMethod ex:method .
        ex:attr1 ppi:attributeOf ex:comp1 .
        ex:comp2 ppi:hasAttribute ex:attr2 .
        ex:aspect1 ppi:correspondsToCompetency ex:comp3 .
        ex:comp1 ppi:correspondsToAspect ex:aspect2 .
        ex:fraction eli:is_part_of ex:guideline ; ppi:sequence 3 ; ppi:text "texto"@es ;
            ppi:textAvailable true ; ppi:inChapter ex:chapter .
        ex:guideline eli:is_part_of ex:act ; eli:cites ex:other .
        ex:item eli:is_part_of ex:fraction ; ppi:minimumYears "2.0"^^xsd:decimal .
        """,
    )
    return g


def random_graph(seed: int, size: int = 12, ns: Namespace = EX) -> rdflib.Graph:
    """A random graph of the same shape, plus random links through every object property of the ontology; its
    nodes are in ``ns`` (its blank nodes named after the seed)."""
    rnd = random.Random(seed)
    g = rdflib.Graph()
    EX = ns  # noqa: N806  (the nodes' namespace, EX unless told)
    comps = [EX[f"comp{i}"] for i in range(size // 2)]
    attrs = [EX[f"attr{i}"] for i in range(size * 2)]
    aspects = [EX[f"aspect{i}"] for i in range(size // 2)]
    proposals = [EX[f"proposal{i}"] for i in range(3)]
    params = [EX[f"param{i}"] for i in range(size)] + [BNode(f"bparam{seed}x{i}") for i in range(2)]
    inds = [EX[f"ind{i}"] for i in range(size * 2)]
    provs = [EX[f"prov{i}"] for i in range(size * 2)]
    for a in attrs:
        c = rnd.choice(comps)
        g.add((a, PPI.attributeOf, c) if rnd.random() < 0.7 else (c, PPI.hasAttribute, a))
    for a in aspects:
        c = rnd.choice(comps)
        g.add((a, PPI.correspondsToCompetency, c) if rnd.random() < 0.7 else (c, PPI.correspondsToAspect, a))
    for p in params:
        pr = rnd.choice(proposals)
        g.add((pr, PPI.hasParameter, p) if rnd.random() < 0.7 else (p, PPI.parameterOf, pr))
        for a in rnd.sample(aspects, rnd.randint(0, 2)):
            g.add((p, PPI.tiedToAspect, a))
        if rnd.random() < 0.5:
            g.add((p, RDF.type, PPI.RegionalParameter))
    for i in inds:
        p = rnd.choice(params)
        g.add((p, PPI.hasIndicator, i) if rnd.random() < 0.7 else (i, PPI.indicatorOf, p))
        for a in rnd.sample(attrs, rnd.randint(0, 2)):
            g.add((i, PPI.coversAttribute, a))
        if rnd.random() < 0.2:
            g.add((i, PPI.coversCompetency, rnd.choice(comps)))
    for n, p in enumerate(provs[1:], 1):  # a forest of provisions
        g.add((p, ELI.is_part_of, provs[rnd.randrange(n)]))
        g.add((p, PPI.sequence, Literal(n)))
        g.add((p, RDF.type, rnd.choice([PPI.Fraction, PPI.Item, PPI.Article, PPI.Paragraph])))
    nodes = comps + attrs + aspects + proposals + params + inds + provs
    object_props = sorted(set(ontology_terms(RDF.type, OWL.ObjectProperty)))
    data_props = sorted(set(ontology_terms(RDF.type, OWL.DatatypeProperty)))
    for _ in range(size * 4):
        g.add((rnd.choice(nodes), rnd.choice(object_props), rnd.choice(nodes)))
    for _ in range(size):
        g.add((rnd.choice(nodes), rnd.choice(data_props), Literal(rnd.randint(0, 9))))
    return g


def ontology_terms(p: URIRef, o: URIRef) -> list[URIRef]:
    g = rdflib.Graph().parse(Project.default().ontology_file)
    return [s for s in g.subjects(p, o) if isinstance(s, URIRef)]


def shipped() -> rdflib.Graph:
    files = Project.default().data_files()
    if not files:
        pytest.skip("no shipped data yet (data/*.ttl)")
    g = rdflib.Graph()
    for f in files:
        g.parse(f)
    return g


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("sample", ["shipped", "handmade", "random"])
def test_rules_equal_owlrl(sample: str, engine: str, ontology: rdflib.Graph, reasoner: Reasoner, request) -> None:
    data = {"shipped": shipped, "handmade": handmade, "random": lambda: random_graph(seed=449)}[sample]()
    if sample == "shipped":  # owlrl's closure of the shipped data, computed once for every test that needs it
        asserted, closure = request.getfixturevalue("shipped"), request.getfixturevalue("owlrl_shipped")
        expected = {t for t in closure if t not in asserted and t not in reasoner.closure and not is_trivial(t)}
    elif sample == "handmade":
        data, inferred = request.getfixturevalue("handmade_owlrl")
        expected = set(inferred)
    else:
        data, expected = request.getfixturevalue("random_owlrl")
    assert expected, "the sample should entail something"
    got = ENGINES[engine](reasoner, data)
    assert got == expected, (sorted(expected - got)[:10], sorted(got - expected)[:10])


SEEDS = (449, 1, 7, 2013, 27122013)


@pytest.fixture(scope="module")
def random_owlrl(reasoner: Reasoner) -> tuple[rdflib.Graph, set]:
    """Random graphs of several seeds, each on nodes of its own (so none can draw on another), as one graph, and
    owlrl's useful inferences from it, computed in one owlrl run."""
    data = rdflib.Graph()
    for seed in SEEDS:
        data += random_graph(seed, ns=Namespace(f"http://example.org/seed{seed}/"))
    return data, set(reasoner.infer(data))


@pytest.mark.parametrize("seed", SEEDS)
def test_forward_equals_owlrl_graph_by_graph(seed: int, reasoner: Reasoner, random_owlrl) -> None:
    """Each seeded graph inferred on its own gives exactly owlrl's inferences about its nodes."""
    graph = random_graph(seed, ns=Namespace(f"http://example.org/seed{seed}/"))
    nodes = {n for s, _, o in graph for n in (s, o) if not isinstance(n, Literal)}
    _, inferred = random_owlrl
    mine = {t for t in inferred if t[0] in nodes or t[2] in nodes}
    got = by_forward(reasoner, graph)
    assert mine and got == mine, (sorted(mine - got)[:10], sorted(got - mine)[:10])


def test_forward_writes_what_the_context_entails_alone(reasoner: Reasoner) -> None:
    """Against a context whose inferences are not stored with it (the ontology alone), the graph's inferences
    include what the context entails, as apply_rules writes them: the two evaluations agree on any context."""
    data = handmade()
    chainer = ForwardChainer(reasoner.rules, as_oxigraph(reasoner.ontology))
    got = {tuple(map(to_rdflib, (t.subject, t.predicate, t.object))) for t in chainer.infer(as_oxigraph(data))}
    store = ox.Store()
    store.extend(ox.Quad(*map(to_oxigraph, t), ox.NamedNode(graph))  # type: ignore[misc]
                 for graph, g in ((str(ONTOLOGY_GRAPH), reasoner.ontology), (DATA, data)) for t in g)
    apply_rules(store, reasoner.rules, [DATA], INFERRED)
    expected = {tuple(map(to_rdflib, q.triple)) for q in store.quads_for_pattern(None, None, None, ox.NamedNode(INFERRED))}
    assert got == expected
    assert got - by_forward(reasoner, data), "the ontology's own inferences should be among them"


def test_trivial_alike_for_both_term_kinds(reasoner: Reasoner, handmade_owlrl) -> None:
    """is_trivial_fact (pyoxigraph terms) says what is_trivial (rdflib terms) says, on the ontology's closure."""
    closure = reasoner.closure
    assert any(is_trivial(t) for t in closure) and not all(is_trivial(t) for t in closure)
    for t in closure:
        s, p, o = (to_oxigraph(x) for x in t)
        assert is_trivial_fact(s, p, o) == is_trivial(t), t  # type: ignore[arg-type]


def test_owlrl_closure_only_useful(reasoner: Reasoner, handmade_owlrl) -> None:
    data, useful = handmade_owlrl  # owlrl_closure(data, context_closure=reasoner.closure)
    assert not any(is_trivial(t) for t in useful)
    assert not any(t in data for t in useful)
    assert not any(t in reasoner.closure for t in useful)
    assert (EX.comp1, PPI.hasAttribute, EX.attr1) in useful
    assert (EX.fraction, PPI.isWithin, EX.act) in useful  # transitive
    assert (EX.other, PPI.citedBy, EX.guideline) in useful


def test_trivial() -> None:
    x = EX.x
    assert is_trivial((x, OWL.sameAs, x)) and not is_trivial((x, OWL.sameAs, EX.y))
    assert is_trivial((Literal(1), RDF.type, XSD.integer))
    assert is_trivial((OWL.Thing, RDFS.subClassOf, OWL.Thing))
    assert is_trivial((x, RDF.type, OWL.Thing)) and is_trivial((x, RDF.type, RDFS.Resource))
    assert is_trivial((PPI.Competency, RDFS.subClassOf, OWL.Thing))
    assert is_trivial((PPI.covers, RDF.type, OWL.ObjectProperty))
    assert not is_trivial((x, RDF.type, PPI.Competency))
    assert not is_trivial((PPI.Provision, RDFS.subClassOf, ELI.LegalResource))


def test_rules_never_duplicate_asserted(reasoner: Reasoner) -> None:
    data = handmade()
    data.add((EX.attr2, PPI.attributeOf, EX.comp2))  # would also be inferred from hasAttribute
    got = by_rules(reasoner, data)
    assert (EX.attr2, PPI.attributeOf, EX.comp2) not in got
    assert not any(is_trivial(t) for t in got)


def without_chains(ontology: rdflib.Graph) -> rdflib.Graph:
    g = rdflib.Graph()
    for t in ontology:
        if t[1] != OWL.propertyChainAxiom:
            g.add(t)
    return g


COVERAGE = sparql_prologue() + """
ASK {{ {ind} ppi:coversCompetency {comp} . {comp} ppi:coveredBy {ind} . }}
"""


@pytest.fixture(scope="module")
def bare_reasoner(ontology: rdflib.Graph) -> Reasoner:
    """Reasoning against the ontology without its property chains."""
    return Reasoner(without_chains(ontology))


def infer_into_store(reasoner: Reasoner, data: rdflib.Graph, how: str, inferred: rdflib.Graph | None = None) -> ox.Store:
    """A store with ``data`` and its inferences, by the rules or by owlrl (``inferred`` if already computed)."""
    store = store_with(reasoner, data)
    if how == "rules":
        apply_rules(store, reasoner.rules, [DATA, ONTOLOGY_INFERRED], INFERRED)
    else:
        inferred = reasoner.infer(data) if inferred is None else inferred
        store.extend(ox.Quad(*map(to_oxigraph, t), ox.NamedNode(INFERRED)) for t in inferred)
    return store


def covers(store: ox.Store, ind: URIRef, comp: URIRef) -> bool:
    return bool(store.query(COVERAGE.format(ind=ind.n3(), comp=comp.n3()), use_default_graph_as_union=True))


@pytest.mark.parametrize("how", ["rules", "owlrl"])
def test_property_chains(reasoner: Reasoner, bare_reasoner: Reasoner, handmade_owlrl, how: str) -> None:
    data, inferred = handmade_owlrl
    store = infer_into_store(reasoner, data, how, inferred)
    # ind1 is linked only to an attribute, whose competency is comp1.
    assert covers(store, EX.ind1, EX.comp1)
    # ind2's attribute is linked from the competency side (hasAttribute), so the chain needs the inverse too.
    assert covers(store, EX.ind2, EX.comp2)
    # ind1 covers no attribute of comp3, but its parameter is tied to aspect1, which corresponds to comp3.
    assert covers(store, EX.ind1, EX.comp3)
    # ind3 reaches comp1 only through param2's aspect2, stated from the competency side.
    assert covers(store, EX.ind3, EX.comp1)
    # The same checks fail once the chains are gone: the test really exercises them.
    bare = infer_into_store(bare_reasoner, data, how)
    assert not covers(bare, EX.ind1, EX.comp1)
    assert not covers(bare, EX.ind1, EX.comp3)


def test_compile_rules_generic() -> None:
    ont = rdflib.Graph().parse(
        format="turtle",
        data="""@prefix : <http://e/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        :r owl:propertyChainAxiom ( :a :b :c :d ) . :s a owl:SymmetricProperty .
        :C owl:equivalentClass :D . :p owl:equivalentProperty :q . :a rdfs:range :C .""",
    )
    data = rdflib.Graph().parse(
        format="turtle",
        data="@prefix : <http://e/> . :x0 :a :x1 . :x1 :b :x2 . :x2 :c :x3 . :x3 :d :x4 . :m :s :n . :u :p :v .",
    )
    got = by_rules(Reasoner(ont), data)
    assert got == set(owlrl_closure(data, ont))
    e = Namespace("http://e/")
    assert {(e.x0, e.r, e.x4), (e.n, e.s, e.m), (e.u, e.q, e.v), (e.x1, RDF.type, e.C), (e.x1, RDF.type, e.D)} <= got


def test_forward_keeps_literals_with_spaces_dots_and_line_separators_whole(reasoner: Reasoner) -> None:
    """The chainer reads a graph's N-Triples line by line: a literal holding « .», spaces, a carriage return or
    U+2028 (which str.splitlines would split at) is inferred on unchanged."""
    text = 'dos palabras . y\r más\u2028línea "comillas" \\ fin .'
    sub = ox.NamedNode("http://example.org/p/sub")
    ontology = (f"<{sub.value}> <http://www.w3.org/2000/01/rdf-schema#subPropertyOf> "
                f"<http://www.w3.org/2000/01/rdf-schema#label> .")
    from ppikg.store.inference import compile_rules

    chainer = ForwardChainer(compile_rules(rdflib.Graph().parse(data=ontology, format="nt")), [])
    s = ox.NamedNode("http://example.org/x")
    got = chainer.infer([ox.Triple(s, sub, ox.Literal(text, language="es"))])
    assert got == [ox.Triple(s, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal(text, language="es"))]
