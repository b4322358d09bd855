"""Walks answered on the spot (ppikg.sparql.walks, http/lookups.py): the texts accepted, the budget that bounds a
walk's work, and answers the same as the worker path's on seeded random graphs and over HTTP."""

from __future__ import annotations

import json
import random
from collections import Counter

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from ppikg.config import Settings
from ppikg.http import create_app
from ppikg.http.common import query_executor
from ppikg.http.lookups import WALK_BUDGET
from ppikg.sparql import lookups, walks
from ppikg.sparql.protocol import Job, run_job
from ppikg.store.graph import KnowledgeGraph

E = "http://e/"
JSON = "application/sparql-results+json"
NT = "application/n-triples"

ACCEPTED = [
    "PREFIX e: <http://e/> SELECT ?l ?o WHERE { e:i e:level ?l . ?l e:order ?o }",
    "PREFIX e: <http://e/> SELECT * { e:i e:level ?l ; e:label ?x , ?y . ?l e:order ?o . }",
    "SELECT DISTINCT ?p { <http://e/i> ^<http://e/has>/^<http://e/par> ?p } LIMIT 3 OFFSET 1",
    "SELECT ?a WHERE { <http://e/x> <http://e/part>* ?a }",
    "SELECT ?a WHERE { ?a <http://e/part>+ <http://e/x> }",
    "ASK { <http://e/i> <http://e/covers> <http://e/c1> }",
    "ASK WHERE { <http://e/i> a ?t . ?t <http://e/label> 'x'@es-MX }",
    'SELECT ?s { ?s <http://e/n> "7"^^<http://www.w3.org/2001/XMLSchema#integer> . ?s ?p ?o }',
    "SELECT REDUCED ?p ?o { <http://e/i> ?p ?o . ?o ?q ?r }",
    "PREFIX ppi: <https://w3id.org/ppikg/ontology#> SELECT ?i { <http://e/p> ppi:hasIndicator ?i }",
    "BASE <http://e/q/r> PREFIX : <#> SELECT ?i { <s> :p ?i }",
    'SELECT ?k ?t { { <http://e/i> <http://e/a> ?t BIND("a" AS ?k) } UNION { <http://e/i> <http://e/m> ?t BIND("m"@en AS ?k) } }',
    "SELECT * WHERE { { <http://e/i> <http://e/a> ?t . } UNION { ?x <http://e/m> <http://e/i> BIND(<http://e/k> AS ?k) . } UNION { <http://e/j> ?p ?o } }",
    "ASK { { <http://e/i> <http://e/a> ?t } UNION { <http://e/i> <http://e/b> ?t } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { <http://e/s> ?p ?o . ?o ?q ?s }",
    "PREFIX e: <http://e/> CONSTRUCT { e:p e:h ?i . ?i e:l ?l } WHERE { e:p e:h ?i . ?i e:l ?l } LIMIT 10",
    "CONSTRUCT WHERE { <http://e/s> ?p ?o }",
    "DESCRIBE <http://e/s>",
    "PREFIX e: <http://e/> DESCRIBE e:s <http://e/t>",
    "SELECT ?o WHERE { <http://e/s> ?p ?o } ORDER BY ?o",
    "SELECT (COUNT(*) AS ?n) WHERE { <http://e/s> ?p ?o }",
    "SELECT ?p (COUNT(DISTINCT ?o) AS ?n) (MIN(?o) AS ?m) { <http://e/s> ?p ?o } GROUP BY ?p ORDER BY DESC(?n) ?p LIMIT 5",
]
REFUSED = [
    "SELECT ?o WHERE { <http://e/s> ?p ?o FILTER(?o) }",
    "SELECT ?o WHERE { <http://e/s> ?p ?o OPTIONAL { ?o ?q ?r } }",
    "SELECT ?o WHERE { <http://e/s> ?p ?o } ORDER BY STR(?o)",
    "SELECT (STR(?o) AS ?n) WHERE { <http://e/s> ?p ?o }",
    "SELECT (COUNT(STR(?o)) AS ?n) WHERE { <http://e/s> ?p ?o }",
    "SELECT ?o WHERE { <http://e/s> ?p ?o } GROUP BY ?o HAVING (COUNT(*) > 1)",
    "SELECT ?o WHERE { <http://e/s> ?p ?o } GROUP BY STR(?o)",
    "SELECT (GROUP_CONCAT(?o) AS ?n) WHERE { <http://e/s> ?p ?o }",
    "SELECT ?o WHERE { <http://e/s> ?p ?o } ORDER BY",
    "SELECT ?o WHERE { GRAPH ?g { <http://e/s> ?p ?o } }",
    "SELECT ?o FROM <http://e/g> WHERE { <http://e/s> ?p ?o }",
    "SELECT ?o WHERE { SERVICE <http://e/> { <http://e/s> ?p ?o } }",
    "SELECT ?o WHERE { _:x ?p ?o }",
    "SELECT ?o WHERE { [] ?p ?o }",
    "SELECT ?s WHERE { ?s ?p 7 }",
    "SELECT ?o WHERE { <s> ?p ?o }",  # relative
    "BASE <http://e/> SELECT ?o WHERE { <../s> ?p ?o }",  # a resolution left to the store
    "BASE <e/> SELECT ?o WHERE { <s> ?p ?o }",
    "SELECT ?o WHERE { u:s ?p ?o }",  # undeclared prefix: the endpoint says so
    "SELECT ?o WHERE { <http://e/s> <http://e/p>|<http://e/q> ?o }",
    "SELECT ?o WHERE { <http://e/s> !<http://e/p> ?o }",
    "SELECT ?o WHERE { <http://e/s> (<http://e/p>/<http://e/q>)* ?o }",
    "CONSTRUCT { ?s ^<http://e/p> ?o } WHERE { <http://e/s> <http://e/p> ?o }",  # a path in the template
    "CONSTRUCT { _:b <http://e/p> ?o } WHERE { <http://e/s> <http://e/p> ?o }",
    "CONSTRUCT { <http://e/s> <http://e/p> ?o } { <http://e/s> <http://e/p> ?o }",  # no WHERE
    "CONSTRUCT WHERE { <http://e/s> <http://e/p>/<http://e/q> ?o }",  # the short form's pattern is its template
    "CONSTRUCT WHERE { { <http://e/s> <http://e/p> ?o } UNION { <http://e/s> <http://e/q> ?o } }",
    "DESCRIBE ?x WHERE { ?x <http://e/p> ?o }",
    "DESCRIBE <http://e/s> WHERE { }",
    "DESCRIBE *",
    "ASK { <http://e/s> ?p ?o } LIMIT 1",
    "SELECT ?o WHERE { <http://e/s> ?p ?o } LIMIT",
    "SELECT ?o WHERE { <http://e/s> ?p ?o } LIMIT 1 LIMIT 2",
    "SELECT ?o WHERE { <http://e/s> ?p ?o } trailing",
    "SELECT WHERE { <http://e/s> ?p ?o }",
    "SELECT * { { <http://e/i> <http://e/a> ?t } }",  # one group in braces: not a union
    "SELECT * { { <http://e/i> <http://e/a> ?t } UNION { <http://e/i> <http://e/b> ?t } <http://e/i> ?p ?o }",
    "SELECT * { { <http://e/i> <http://e/a> ?t } UNION { { <http://e/i> <http://e/b> ?t } UNION { <http://e/i> ?p ?t } } }",
    'SELECT * { { <http://e/i> <http://e/a> ?t BIND(STR(?t) AS ?k) } UNION { <http://e/i> <http://e/b> ?t } }',
    'SELECT * { { <http://e/i> <http://e/a> ?t BIND("a" AS ?k) BIND("b" AS ?j) } UNION { <http://e/i> <http://e/b> ?t } }',
    'SELECT * { { BIND("a" AS ?k) } UNION { <http://e/i> <http://e/b> ?t } }',
    "SELECT * { { <http://e/i> <http://e/a> ?t } UNION { <http://e/i> <http://e/b> ?t FILTER(?t) } }",
    "SELECT ?o WHERE { " + " . ".join(f"<http://e/s> <http://e/p{i}> ?o{i}" for i in range(9)) + " }",
]


@pytest.mark.parametrize("query", ACCEPTED)
def test_parse_accepts(query):
    assert walks.parse(query, {"ppi": "https://w3id.org/ppikg/ontology#"}) is not None


@pytest.mark.parametrize("query", REFUSED)
def test_parse_refuses(query):
    assert walks.parse(query, {}) is None


def _store(quads: list[tuple[str, str, str]]) -> ox.Store:
    store = ox.Store()
    for s, p, o in quads:
        store.add(ox.Quad(ox.NamedNode(E + s), ox.NamedNode(E + p), ox.NamedNode(E + o), ox.NamedNode(E + "g")))
    return store


def _within(store, text: str, budget: int) -> bool:
    walk = walks.parse(text, {"e": E})
    assert walk is not None, text
    return walks.within(store, walk, budget)


def test_a_walk_past_its_budget_is_not_within_it():
    hub = _store([("c", "type", f"x{i}") for i in range(2000)] + [(f"x{i}", "type", "T") for i in range(2000)])
    assert _within(hub, "SELECT * { e:x1 e:type ?t }", 10)
    assert not _within(hub, "SELECT * { e:c e:type ?x }", 1000)  # one probe, 2,000 matches
    assert _within(hub, "SELECT * { e:c e:type ?x }", 5000)
    assert not _within(hub, "SELECT * { ?x e:type e:T }", 1000)  # from the fixed object: as many
    assert not _within(hub, "SELECT * { e:x1 e:type ?t . ?x e:type ?t }", 1000)  # the second step fans out
    assert not _within(hub, "SELECT * { e:x1 e:type/^e:type ?x }", 1000)  # the same in one path
    assert not _within(hub, "SELECT * { e:c e:type* ?x }", 1000)  # a closure reaching 2,000 nodes
    assert not _within(hub, "ASK { e:c e:type ?x . ?x e:type e:nothing }", 1000)  # work the answer does not show
    assert _within(hub, "SELECT * { { e:x1 e:type ?t } UNION { e:x2 e:type ?t } }", 10)
    assert not _within(hub, "SELECT * { { e:x1 e:type ?t } UNION { e:c e:type ?t } }", 1000)  # one branch is enough


def test_a_description_counts_the_blank_nodes_it_leads_to():
    chain = ox.Store()
    node: ox.NamedNode | ox.BlankNode = ox.NamedNode(E + "a")
    for _ in range(300):  # a list of 300 blank nodes hanging from e:a: DESCRIBE gives all of it
        following = ox.BlankNode()
        chain.add(ox.Quad(node, ox.NamedNode(E + "rest"), following, ox.NamedNode(E + "g")))
        node = following
    chain.add(ox.Quad(ox.NamedNode(E + "b"), ox.NamedNode(E + "rest"), ox.NamedNode(E + "a"), ox.NamedNode(E + "g")))
    assert _within(chain, "DESCRIBE e:b", 10)  # e:a is an IRI: not part of e:b's description
    assert not _within(chain, "DESCRIBE e:a", 500)
    assert _within(chain, "DESCRIBE e:a", 1000)


def test_a_pattern_that_fixes_neither_end_is_never_within_budget():
    tiny = _store([("a", "p", "b")])
    assert not _within(tiny, "SELECT * { ?s e:p ?o }", 10**6)
    assert not _within(tiny, "SELECT * { ?o e:q ?r . e:a e:p ?o }", 10**6)  # fixed only by a later pattern
    assert _within(tiny, "SELECT * { e:a e:p ?o . ?o e:q ?r }", 100)
    assert _within(tiny, "SELECT * { e:a ?p ?o . ?x ?p ?o }", 100)  # ?x's pattern fixes its object, ?o


def _random_graph(rng: random.Random, kg: KnowledgeGraph) -> None:
    nodes = [f"n{i}" for i in range(40)]
    for g in range(3):
        lines = []
        for _ in range(rng.randint(60, 120)):
            s, o = rng.choice(nodes), rng.choice(nodes)
            obj = f'"{o}"@es' if rng.random() < 0.1 else f"_:b{o}" if rng.random() < 0.05 else f"<{E}{o}>"
            subject = f"_:b{s}" if rng.random() < 0.1 else f"<{E}{s}>"
            lines.append(f"{subject} <{E}p{rng.randint(0, 3)}> {obj} .")
        kg.add_graph(f"g{g}", "\n".join(lines), "nt", infer=False)


def _random_walk(rng: random.Random) -> str:
    """A query of the accepted form: a walk from a fixed node (sometimes backwards, through paths, closures,
    variable predicates), as SELECT (*, DISTINCT), ASK or, when its patterns are plain, CONSTRUCT."""
    bound = [f"<{E}n{rng.randint(0, 39)}>"]
    patterns, plain = [], True
    for k in range(rng.randint(1, 3)):
        start = rng.choice(bound)
        if rng.random() < 0.4:
            path = f"<{E}p{rng.randint(0, 3)}>"
        elif rng.random() < 0.3:
            path = f"?q{k}"
        else:
            path = "/".join(f"{rng.choice(['', '^'])}<{E}p{rng.randint(0, 3)}>{rng.choice(['', '', '*', '+', '?'])}"
                            for _ in range(rng.randint(1, 2)))
            plain = False
        fresh = f"?v{k}"
        patterns.append(f"{start} {path} {fresh}" if rng.random() < 0.7 else f"{fresh} {path} {start}")
        bound.append(fresh)
    body = " . ".join(patterns)
    if rng.random() < 0.25:  # a UNION of this group and another walk, each naming what it found
        body = f'{{ {body} BIND("uno" AS ?rama) }} UNION {{ <{E}n{rng.randint(0, 39)}> <{E}p{rng.randint(0, 3)}> ?v0 }}'
        plain = False
    kind = rng.random()
    if kind < 0.05:
        return f"DESCRIBE <{E}n{rng.randint(0, 39)}> <{E}n{rng.randint(0, 39)}>"
    forms = ((0.15, "ASK {{ {b} }}"),
             (0.55 if plain else 0.0, "CONSTRUCT {{ {b} }} WHERE {{ {b} }}"),  # a template of plain terms only
             (0.65, "SELECT DISTINCT * WHERE {{ {b} }}"),
             (0.75, "SELECT ?v0 (COUNT(*) AS ?n) (SAMPLE(?v0) AS ?s) {{ {b} }} GROUP BY ?v0 ORDER BY DESC(?n)"),
             (0.8, "SELECT * {{ {b} }} ORDER BY ?v0"),
             (1.0, "SELECT * {{ {b} }}"))
    return next(form for below, form in forms if kind < below).format(b=body)


def _triples(body: bytes, fmt: ox.RdfFormat) -> set:
    return {q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(body, format=fmt)}


def _rows(body: bytes, graph: bool = False) -> Counter | bool | set:
    if graph:  # N-Triples: a graph, compared as its set of triples
        return _triples(body, ox.RdfFormat.N_TRIPLES)
    answer = json.loads(body)
    if "boolean" in answer:
        return answer["boolean"]
    return Counter(tuple(sorted((k, v["type"], v["value"], v.get("xml:lang", "")) for k, v in b.items()))
                   for b in answer["results"]["bindings"])


@pytest.mark.parametrize("seed", range(6))
def test_walks_answered_on_the_spot_equal_the_worker_path(tmp_path, seed):
    rng = random.Random(seed)
    kg = KnowledgeGraph(None)
    _random_graph(rng, kg)
    within = 0
    for _ in range(60):
        text = _random_walk(rng)
        walk = walks.parse(text, {})
        assert walk is not None, text
        if not walks.within(kg.store, walk, WALK_BUDGET):
            continue
        within += 1
        media = NT if walk.form in ("CONSTRUCT", "DESCRIBE") else JSON
        body = lookups.answer(kg.store, text, media, max_results=100_000, cap=1 << 22)
        assert body is not None, text
        status, _, usual = run_job(kg.snapshot(), Job(text, {"results": JSON, "boolean": JSON, "graph": NT}, 100_000))
        assert status == "ok", text
        assert _rows(body, media == NT) == _rows(usual, media == NT), text
    assert within >= 30  # most random walks on so small a graph are within budget: the comparison ran
    kg.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    kg = KnowledgeGraph(tmp_path_factory.mktemp("walks"))
    lines = [f"<{E}i> <{E}level> <{E}l{k}> .\n<{E}l{k}> <{E}order> \"{k}\" ." for k in range(4)]
    lines += [f"<{E}c> <{E}member> <{E}m{k}> ." for k in range(WALK_BUDGET)]
    kg.add_graph("uno", "\n".join(lines), "nt", infer=False)
    yield kg
    kg.close()


def test_a_walk_over_http_never_reaches_the_workers_and_answers_as_they_do(served):
    app = create_app(served, settings=Settings())
    text = f"SELECT ?l ?o WHERE {{ <{E}i> <{E}level> ?l . ?l <{E}order> ?o }}"
    with TestClient(app) as client:
        executor = query_executor(app)
        lane = client.get("/sparql", params={"query": text}, headers={"Accept": JSON})
        ask = client.get("/sparql", params={"query": f"ASK {{ <{E}i> <{E}level>/<{E}order> \"2\" }}"})
        assert lane.status_code == ask.status_code == 200 and executor.calls_run == 0
        assert ask.json() == {"head": {}, "boolean": True}
        usual = client.get("/sparql", params={"query": text, "default-graph-uri": "https://w3id.org/ppikg/graph/uno"},
                           headers={"Accept": JSON})
        assert executor.calls_run == 1 and _rows(lane.content) == _rows(usual.content) and len(lane.json()["results"]["bindings"]) == 4
        for media in ("text/csv", "application/sparql-results+xml"):
            r = client.get("/sparql", params={"query": text}, headers={"Accept": media})
            assert r.status_code == 200 and r.headers["content-type"].startswith(media)
        assert executor.calls_run == 1
        r = client.get("/sparql", params={"query": f"ASK {{ <{E}i> <{E}level> ?l }}"}, headers={"Accept": "text/csv"})
        assert r.status_code == 406  # an ASK has no CSV: the endpoint says so


def test_a_walk_over_budget_goes_to_a_worker_and_is_not_walked_again(served, monkeypatch):
    walked = []
    within = walks.within
    monkeypatch.setattr(walks, "within", lambda *args: walked.append(1) or within(*args))
    app = create_app(served, settings=Settings())
    text = f"SELECT ?m WHERE {{ <{E}c> <{E}member> ?m . ?m <{E}order> ?o }}"  # WALK_BUDGET members, each probed
    with TestClient(app) as client:
        executor = query_executor(app)
        for n in range(3):  # the same text but for a comment and its spacing
            r = client.get("/sparql", params={"query": f"{text}  # {n}"})
            assert r.status_code == 200 and r.json()["results"]["bindings"] == [] and executor.calls_run == n + 1
        assert len(walked) == 1


@pytest.mark.parametrize("base", ["http://e/q/r", "http://e/q/r#x", "http://e/", "http://e/q/"])
@pytest.mark.parametrize("relative", ["s", "#p", "", "s#t", "p-1"])
def test_relative_iris_resolve_as_the_store_resolves_them(base, relative):
    walk = walks.parse(f"BASE <{base}> SELECT ?o {{ <{relative}> ?p ?o }}", {})
    assert walk is not None
    store_says = next(iter(ox.Store().query(f"BASE <{base}> SELECT ?x {{ BIND(<{relative}> AS ?x) }}")))["x"].value
    assert walk.patterns[0].subject.value == store_says


def test_a_construct_walk_over_http_is_answered_on_the_spot_in_graph_formats(served):
    app = create_app(served, settings=Settings())
    text = f"CONSTRUCT {{ <{E}i> <{E}level> ?l . ?l <{E}order> ?o }} WHERE {{ <{E}i> <{E}level> ?l . ?l <{E}order> ?o }}"
    with TestClient(app) as client:
        executor = query_executor(app)
        answers = {}
        for media, fmt in (("text/turtle", ox.RdfFormat.TURTLE), (NT, ox.RdfFormat.N_TRIPLES),
                           ("application/rdf+xml", ox.RdfFormat.RDF_XML)):
            r = client.get("/sparql", params={"query": text}, headers={"Accept": media})
            assert r.status_code == 200 and r.headers["content-type"].startswith(media)
            answers[media] = _triples(r.content, fmt)
        assert executor.calls_run == 0
        assert len(answers[NT]) == 8 and all(a == answers[NT] for a in answers.values())
        r = client.get("/sparql", params={"query": text}, headers={"Accept": "application/n-quads"})  # a dataset format
        assert r.status_code == 200 and executor.calls_run == 1
        assert _triples(r.content, ox.RdfFormat.N_QUADS) == answers[NT]
