"""Join planning (ppikg.sparql.planner): rewritten queries give exactly the solutions of the originals."""

from __future__ import annotations

import random
import re
from collections import Counter

import pyoxigraph as ox
import pytest

from ppikg.sparql import planner as planner_module
from ppikg.sparql.protocol import Job, planner_for, run_job
from ppikg.store.graph import KnowledgeGraph
from ppikg.namespaces import PREFIXES
from ppikg.sparql.planner import Planner, split

PPI = "https://w3id.org/ppikg/ontology#"
PREFIX_MAP = {p: str(ns) for p, ns in PREFIXES.items()}
OPTIONS = {"prefixes": PREFIX_MAP, "use_default_graph_as_union": True}


@pytest.fixture(scope="module")
def snapshot(shipped_store, tmp_path_factory):
    # ontology, data, the example proposal and its inferences
    with KnowledgeGraph(shipped_store(tmp_path_factory.mktemp("planner") / "store")) as kg:
        yield kg.snapshot()


@pytest.fixture(scope="module")
def store(snapshot):
    return snapshot.store


def _planner(store, **kwargs) -> Planner:
    return Planner(lambda q: int(next(iter(store.query(q, use_default_graph_as_union=True, **kwargs)))["n"].value))


def _bag(store, query: str) -> Counter:
    return Counter(tuple(str(sol[v]) if sol[v] is not None else None for v in sols.variables)
                   for sols in [store.query(query, use_default_graph_as_union=True, prefixes=PREFIX_MAP)] for sol in sols)


def _star_queries(store, n: int, seed: int) -> list[str]:
    """Seeded star queries around subjects of the store: 2-4 patterns, constants and variables mixed."""
    rng = random.Random(seed)
    subjects = sorted({q.subject.value for q in store.quads_for_pattern(None, None, None, None)
                       if isinstance(q.subject, ox.NamedNode)})
    out = []
    while len(out) < n:
        s = ox.NamedNode(rng.choice(subjects))
        edges = sorted({(q.predicate, q.object) for q in store.quads_for_pattern(s, None, None, None)}, key=str)
        if len(edges) < 2:
            continue
        patterns = []
        for k, (p, o) in enumerate(rng.sample(edges, min(len(edges), rng.randint(2, 4)))):
            obj = f"?o{k}" if rng.random() < 0.5 or isinstance(o, ox.BlankNode) else str(o)
            patterns.append(f"?s {p} {obj}")
        head = rng.choice(["SELECT *", "SELECT ?s", "SELECT (COUNT(*) AS ?n)", "SELECT DISTINCT ?s"])
        out.append(f"{head} WHERE {{ {' . '.join(patterns)} }}")
    return out


def test_split_reads_abbreviations_and_refuses_other_shapes():
    star = split("PREFIX e: <http://e/> SELECT ?x WHERE { ?x a e:T ; e:p ?y , 'z'@es ; . ?y e:q \"7\"^^e:int } ORDER BY ?x LIMIT 5")
    assert star.patterns == ["?x a e:T", "?x e:p ?y", "?x e:p 'z'@es", '?y e:q "7"^^e:int']
    assert star.tail.strip() == "} ORDER BY ?x LIMIT 5"
    for query in ["SELECT * { ?s ?p ?o OPTIONAL { ?o ?q ?r } }", "SELECT * { ?s ?p ?o . FILTER(?o) }",
                  "SELECT * { ?s <http://e/p>/<http://e/q> ?o . ?o ?a ?b }", "SELECT * { [] ?p ?o . ?o ?a ?b }",
                  "SELECT * { _:b ?p ?o . ?o ?a ?b }", "SELECT * FROM <http://e/g> { ?s ?p ?o . ?o ?a ?b }",
                  "ASK { ?s ?p ?o . ?o ?a ?b }", "SELECT * { ?s ?p ?o }", "SELECT * { { ?s ?p ?o } ?o ?a ?b }",
                  "SELECT (EXISTS { ?s ?p ?o . ?o ?a ?b } AS ?e) WHERE { ?x ?y ?z }",
                  "SELECT * WHERE { ?s ?p ?o . ?o ?a ?b } LIMIT 10"]:  # streams: the first rows come at once
        assert split(query) is None, query


def test_the_trace_query_is_hash_joined_with_the_same_answer(store):
    query = (f"SELECT ?proposal (COUNT(DISTINCT ?i) AS ?n) WHERE {{ ?i <{PPI}coversCompetency> ?c ; "
             f"<{PPI}inProposal> ?proposal }} GROUP BY ?proposal")
    rewritten = _planner(store).rewrite(query)
    assert rewritten is not None and "{ SELECT * WHERE" in rewritten
    assert _bag(store, rewritten) == _bag(store, query) != Counter()


def test_a_selective_pattern_keeps_the_nested_loop(store):
    some = next(iter(store.quads_for_pattern(None, ox.NamedNode(f"{PPI}inProposal"), None, None))).subject
    query = f"SELECT * WHERE {{ {some} a ?type . ?other a ?type }}"
    assert _planner(store).rewrite(query) is None  # a few probes beat reading every rdf:type triple


def test_a_join_that_fixes_only_predicates_is_hash_joined_past_its_smallest_pattern():
    """Proposals (150) × their indicators (45,000) × the indicators' methods: probed once per indicator, not
    once per proposal, so the large patterns are read once each."""
    counts = {"?p <http://e/forSubsystem> ?s": 150, "?i <http://e/inProposal> ?p": 45_000,
              "?i <http://e/uses> ?m": 45_000, "?m <http://e/label> ?l": 230_000}
    query = ("SELECT ?s ?l (COUNT(?i) AS ?n) { ?i <http://e/inProposal> ?p ; <http://e/uses> ?m . "
             "?m <http://e/label> ?l . ?p <http://e/forSubsystem> ?s } GROUP BY ?s ?l")
    rewritten = Planner(lambda q: next(n for pattern, n in counts.items() if pattern in q)).rewrite(query)
    assert rewritten is not None and rewritten.count("{ SELECT * WHERE") == 3
    anchored = query.replace("?p <http://e/forSubsystem> ?s", "?p <http://e/forSubsystem> <http://e/DGB>")
    counts["?p <http://e/forSubsystem> <http://e/DGB>"] = 3
    again = Planner(lambda q: next(n for pattern, n in counts.items() if pattern in q)).rewrite(anchored)
    # from 3 proposals a few probes beat reading every indicator: nothing hash-joined, the join starts there
    assert again is not None and "SELECT * WHERE" not in again and again.index("<http://e/DGB>") < again.index("?m")


#: Pattern → (matches, values of each variable): 6 attributes of a competency are covered by 85,000 indicators of
#: every proposal; the 317 indicators of one proposal cover a few of them.
COVERAGE = {"?a <http://e/of> <http://e/c2>": (6, {"a": 6}),
            "?i <http://e/covers> ?a": (85_055, {"a": 35, "i": 44_753}),
            "?i <http://e/in> <http://e/p8>": (317, {"i": 317})}
COVERAGE_WHERE = "WHERE { ?a <http://e/of> <http://e/c2> . ?i <http://e/covers> ?a . ?i <http://e/in> <http://e/p8> }"


def coverage_count(query: str) -> int:
    """The COUNT or COUNT(DISTINCT) a planner asks of COVERAGE."""
    n, values = next(c for p, c in COVERAGE.items() if p in query)
    distinct = re.search(r"COUNT\(DISTINCT \?(\w+)\)", query)
    return values[distinct.group(1)] if distinct else n


def test_a_join_starts_where_it_stays_small_not_at_its_smallest_pattern():
    """Starting at the proposal reads ~600 rows, at the competency's attributes ~15,000."""
    rewritten = Planner(coverage_count).rewrite("SELECT * " + COVERAGE_WHERE)
    assert rewritten is not None and rewritten.count("SELECT") == 1  # reordered, nothing hash-joined
    assert rewritten.index("<http://e/p8>") < rewritten.index("<http://e/covers>") < rewritten.index("<http://e/c2>")


def test_construct_where_is_run_as_written_its_pattern_being_its_template_too():
    assert Planner(coverage_count).rewrite("CONSTRUCT " + COVERAGE_WHERE) is None
    assert Planner(coverage_count).rewrite("CONSTRUCT { ?i <http://e/covers> ?a } " + COVERAGE_WHERE) is not None


def test_reordered_joins_keep_their_solutions(store):
    """Three-pattern chains of the shipped data from a constant, in every order the planner may pick."""
    some = next(iter(store.query(f"SELECT ?p {{ ?p <{PPI}hasIndicator> ?i . ?i <{PPI}coversAttribute> ?a ; "
                                 f"<{PPI}coversCompetency> ?c ; <{PPI}statement> ?l }} "
                                 "LIMIT 1", use_default_graph_as_union=True)))["p"]
    queries = [f"SELECT * {{ ?i <{PPI}coversAttribute> ?a . ?a <{PPI}attributeOf> ?c . {some} <{PPI}hasIndicator> ?i }}",
               f"SELECT ?i ?l {{ ?i <{PPI}statement> ?l . ?i <{PPI}coversCompetency> ?c . "
               f"{some} <{PPI}hasIndicator> ?i }}"]
    plan = _planner(store)
    for query in queries:
        new = plan.rewrite(query)
        assert new is not None and new.index(str(some)) < new.index("?i <"), new
        assert _bag(store, new) == _bag(store, query) != Counter()


def test_random_star_queries_keep_their_solutions(store, monkeypatch):
    monkeypatch.setattr(planner_module, "PROBE_TO_SCAN", 10**9)  # hash-join whatever may be
    plan = _planner(store, prefixes=PREFIX_MAP)
    rewritten = 0
    for query in _star_queries(store, 150, seed=7):
        new = plan.rewrite(query)
        if new is None:
            continue
        rewritten += 1
        assert _bag(store, new) == _bag(store, query), (query, new)
    assert rewritten > 100


def test_worker_jobs_use_the_plan_and_report_errors_as_written(snapshot):
    media = {"results": "application/sparql-results+json"}
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?i <{PPI}coversCompetency> ?c ; <{PPI}inProposal> ?p }}"
    job = Job(query, media, 1000, "http://e/")
    plain = run_job(snapshot, job, plan=False)
    planned = run_job(snapshot, job)
    assert plain == planned
    assert planner_for(snapshot, job) is planner_for(snapshot, job)  # counts kept for the next query
    bad = run_job(snapshot, Job("SELECT * WHERE { ?s nope:p ?o . ?o ?p ?x }", media, 1000, "http://e/"))
    assert bad[0] == "error" and bad[1] == 400


def test_the_knowledge_graph_plans_its_queries_and_forgets_counts_after_a_write(shipped_store, tmp_path):
    with KnowledgeGraph(shipped_store(tmp_path / "store")) as kg:
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?i <{PPI}coversCompetency> ?c ; <{PPI}inProposal> ?p }}"
        before = int(kg.query_rows(query)[1][0]["n"])
        first = kg.snapshot()
        assert first.planner(**OPTIONS).rewrite(query) is not None  # the query is planned (a hash join)
        kg.add_graph("otra", f"<http://e/i> <{PPI}coversCompetency> <http://e/c> ; <{PPI}inProposal> <http://e/p> .",
                     "ttl", infer=False)
        assert int(kg.query_rows(query)[1][0]["n"]) == before + 1
        assert kg.snapshot().state > first.state
        assert kg.snapshot().planner(**OPTIONS) is not first.planner(**OPTIONS)  # a new state, fresh counts


def test_counting_stops_where_it_no_longer_matters(store):
    """The pattern with the most constants is counted first; the others only up to PROBE_TO_SCAN times the
    smallest count (a pattern over the whole store is not counted to the end to find it is too big)."""
    asked: list[str] = []

    def count(q: str) -> int:
        asked.append(q)
        return int(next(iter(store.query(q, use_default_graph_as_union=True)))["n"].value)

    some = next(iter(store.quads_for_pattern(None, ox.NamedNode(f"{PPI}inProposal"), None, None))).subject
    assert Planner(count).rewrite(f"SELECT * WHERE {{ ?x ?p ?o . {some} a ?o }}") is None
    assert str(some) in asked[0] and "LIMIT" not in asked[0]
    assert f"LIMIT {planner_module.PROBE_TO_SCAN * _bag(store, f'SELECT * WHERE {{ {some} a ?o }}').total()}" in asked[1]


def test_a_walk_from_a_fixed_subject_is_run_as_written_without_counting():
    def count(_query: str) -> int:
        raise AssertionError("a look-up walking from its subject needs no count")

    walk = "SELECT ?l ?o { <http://e/i> <http://e/level> ?l . ?l <http://e/order> ?o ; <http://e/label> ?x }"
    assert Planner(count).rewrite(walk) is None
    assert Planner(count).rewrite("CONSTRUCT { ?i <http://e/p> ?l } WHERE { <http://e/p1> <http://e/has> ?i . "
                                  "?i <http://e/label> ?l }") is None
