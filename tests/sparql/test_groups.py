"""EXISTS / NOT EXISTS as semi-joins and MINUS, VALUES of IRIs as filters (ppikg.sparql.groups): the rewritten
query has exactly the solutions of the original, multiplicities included, on seeded random graphs."""

from __future__ import annotations

import random
from collections import Counter

import pyoxigraph as ox
import pytest

from ppikg.sparql.groups import rewrite
from ppikg.sparql.planner import Planner

E = "http://e/"
PREDICATES = ["p", "q", "r"]


def random_store(seed: int) -> ox.Store:
    """About 120 triples over 25 nodes, 3 predicates and a few literals, in two named graphs."""
    rng = random.Random(seed)
    store = ox.Store()
    nodes = [ox.NamedNode(f"{E}n{i}") for i in range(25)]
    literals = [ox.Literal(str(i), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")) for i in range(4)]
    for _ in range(120):
        obj = rng.choice(literals) if rng.random() < 0.15 else rng.choice(nodes)
        graph = ox.NamedNode(f"{E}g{rng.randint(1, 2)}")
        store.add(ox.Quad(rng.choice(nodes), ox.NamedNode(E + rng.choice(PREDICATES)), obj, graph))
    return store


def term(rng: random.Random, variables: list[str]) -> str:
    if rng.random() < 0.2:
        return f"<{E}n{rng.randrange(25)}>"
    return rng.choice(variables)


def path(rng: random.Random) -> str:
    steps = [f"<{E}{rng.choice(PREDICATES)}>" for _ in range(rng.randint(1, 3))]
    kind = rng.random()
    if kind < 0.5:
        return "/".join(steps)
    if kind < 0.65:
        return f"^{steps[0]}"
    if kind < 0.8:
        return f"{steps[0]}+"
    if kind < 0.9:
        return f"({'|'.join(steps)})*"
    return f"<{E}{rng.choice(PREDICATES)}>"


def patterns(rng: random.Random, variables: list[str], count: int) -> str:
    return " . ".join(f"{term(rng, variables)} {path(rng)} {term(rng, variables)}" for _ in range(count))


def random_query(rng: random.Random) -> tuple[str, str]:
    """A query with 1–2 filters or a VALUES block beside a basic graph pattern, and that pattern."""
    outer = patterns(rng, ["?a", "?b", "?c"], rng.randint(1, 2))
    filters = []
    if rng.random() < 0.3:
        filters.append(f"VALUES ?a {{ {' '.join(f'<{E}n{i}>' for i in rng.sample(range(25), rng.randint(0, 6)))} }}")
    for _ in range(rng.randint(0 if filters else 1, 2)):
        inner = patterns(rng, ["?a", "?b", "?x", "?y"], rng.randint(1, 2))
        filters.append(f"FILTER {'NOT ' if rng.random() < 0.6 else ''}EXISTS {{ {inner} }}")
    where = f"{outer} . {' '.join(filters)}" if rng.random() < 0.5 else f"{filters[0]} {outer} {' '.join(filters[1:])}"
    head = rng.choice(["SELECT *", "SELECT ?a", "SELECT (COUNT(*) AS ?n)", "ASK"])
    return f"{head} WHERE {{ {where} }}", outer


def answers(store: ox.Store, query: str, **options) -> object:
    result = store.query(query, **options)
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    return Counter(tuple(str(v) if v is not None else None for v in row) for row in result)


@pytest.mark.parametrize("seed", range(6))
def test_rewritten_negations_give_the_originals_solutions_on_random_graphs(seed):
    rng = random.Random(seed)
    store = random_store(seed)
    rewritten = 0
    for _ in range(40):
        query, outer = random_query(rng)
        text = rewrite(query)
        if text is None:
            # only a pattern without variables, or a VALUES of a variable it does not bind, is left as written
            assert "?" not in outer or ("VALUES" in query and "?a" not in outer), query
            continue
        rewritten += 1
        for options in ({"use_default_graph_as_union": True}, {"default_graph": [ox.NamedNode(E + "g1")]}):
            assert answers(store, text, **options) == answers(store, query, **options), (query, text)
    assert rewritten >= 30


def test_the_union_default_graph_and_from_give_the_same_answers_after_the_rewrite():
    store = random_store(99)
    query = (f"SELECT ?a ?b FROM <{E}g2> WHERE {{ ?a <{E}p> ?b FILTER NOT EXISTS {{ ?b <{E}q>/<{E}r> ?x }} "
             f"FILTER EXISTS {{ ?a <{E}r>* ?b }} }}")
    text = rewrite(query)
    assert text is not None and "MINUS" in text and "FROM" in text
    assert answers(store, text) == answers(store, query)


@pytest.mark.parametrize("query", [
    "SELECT * { ?s ?p ?o FILTER NOT EXISTS { ?s ?p ?o FILTER(?o > 1) } }",  # a filter inside
    "SELECT * { ?s ?p ?o FILTER(?o > 1) FILTER NOT EXISTS { ?s ?p 1 } }",  # another filter beside
    "SELECT * { ?s ?p ?o OPTIONAL { ?o ?p ?x } FILTER NOT EXISTS { ?s ?p 1 } }",
    "SELECT * { ?s ?p [] FILTER NOT EXISTS { ?s ?p 1 } }",  # a blank node
    "SELECT * { ?s ?p _:b FILTER NOT EXISTS { ?s ?p 1 } }",
    "SELECT * { GRAPH ?g { ?s ?p ?o } FILTER NOT EXISTS { ?s ?p 1 } }",
    "SELECT * { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?g { ?s ?p 1 } } }",
    "SELECT * { ?s ?p ?o FILTER (NOT EXISTS { ?s ?p 1 }) }",  # inside an expression
    "SELECT * { <http://e/s> <http://e/p> 1 FILTER NOT EXISTS { ?s ?p 1 } }",  # no variable in B
    "SELECT * { ?s ?p ?o }",
    "SELECT * { VALUES ?x { <http://e/1> } ?s ?p ?o }",  # a variable the pattern does not bind
    "SELECT * { VALUES ?s { <http://e/1> <http://e/1> } ?s ?p ?o }",  # twice: the join gives the rows twice
    "SELECT * { VALUES ?s { <http://e/1> UNDEF } ?s ?p ?o }",
    "SELECT * { VALUES ?s { 1 2 } ?s ?p ?o }",  # literals: = is not sameTerm
    "PREFIX a: <http://e/> PREFIX b: <http://e/> SELECT * { VALUES ?s { a:x b:x } ?s ?p ?o }",  # one IRI twice
    "PREFIX a: <http://e/> SELECT * { VALUES ?s { a:x <http://e/x> } ?s ?p ?o }",
    "SELECT * { VALUES (?s ?o) { (<http://e/1> <http://e/2>) } ?s ?p ?o }",
    "SELECT (EXISTS { ?s ?p ?o } AS ?e) { ?s ?p 1 FILTER EXISTS { ?s ?p 2 } }",
    "CONSTRUCT { ?s ?p ?o } { ?s ?p ?o FILTER NOT EXISTS { ?s ?p 1 } }",  # the short form has no WHERE clause
])
def test_what_is_not_rewritten(query):
    assert rewrite(query) is None


def test_construct_and_describe_with_a_where_clause_are_rewritten():
    store = random_store(7)
    construct = f"CONSTRUCT {{ ?a <{E}p> ?b }} WHERE {{ ?a <{E}p> ?b FILTER NOT EXISTS {{ ?b <{E}q> ?x }} }}"
    text = rewrite(construct)
    assert text is not None and "MINUS" in text
    assert set(store.query(text, use_default_graph_as_union=True)) == \
        set(store.query(construct, use_default_graph_as_union=True))
    assert "MINUS" in (rewrite(f"DESCRIBE ?a WHERE {{ ?a <{E}p> ?b FILTER NOT EXISTS {{ ?b <{E}q> ?x }} }}") or "")


def test_the_planner_hands_negations_to_the_rewrite_without_counting():
    def count(_query: str) -> int:
        raise AssertionError("a negation needs no pattern count")

    query = "SELECT ?p { ?p a <http://e/P> FILTER NOT EXISTS { ?p <http://e/has> ?i } }"
    assert Planner(count).rewrite(query) == rewrite(query)


def test_prefixed_names_and_escapes_survive_the_rewrite():
    store = random_store(3)
    query = ("PREFIX e: <http://e/> SELECT ?a WHERE { ?a e:p ?b . FILTER NOT EXISTS { ?b <http://e/\\u0071> ?x } } "
             "ORDER BY ?a")
    text = rewrite(query)
    assert text is not None and text.startswith("PREFIX e: <http://e/>") and text.endswith("ORDER BY ?a")
    assert answers(store, text, use_default_graph_as_union=True) == answers(store, query, use_default_graph_as_union=True)
