"""Join planning pyoxigraph leaves out: a basic graph pattern's large joins as hash joins, its patterns in order.

pyoxigraph evaluates the triple patterns of a basic graph pattern as nested loops: for each solution of
the most selective pattern it probes the store for the others. When that pattern matches thousands of
triples, the probes cost far more than reading the other pattern once: on the 1M-triple benchmark graph,
"indicators covering competency c1, per proposal" (12,510 probes of ``?i ppi:inProposal ?p``) takes 73 ms
that way and 17 ms when ``?i ppi:inProposal ?p`` is read once into a hash join. pyoxigraph hash-joins a
group with a sub-SELECT, so the rewrite is::

    SELECT … WHERE { ?i ppi:coversCompetency c:c1 ; ppi:inProposal ?p } …
    SELECT … WHERE { ?i ppi:coversCompetency c:c1 . { SELECT * WHERE { ?i ppi:inProposal ?p } } } …

The two have the same solutions, multiplicities included: a basic graph pattern without blank nodes is the
join of its triple patterns, and ``{ SELECT * WHERE { P } }`` is P. Only SELECT (and CONSTRUCT) queries whose WHERE clause
is one basic graph pattern of plain terms (no blank nodes, paths, FILTER, OPTIONAL, nested groups) and that
name no FROM clause are considered, and not those with a LIMIT but no ORDER BY, GROUP BY or aggregate (nested
loops give their first rows at once; a hash join reads its whole side first); any other query runs as written.

pyoxigraph also runs the remaining nested loops in the order the patterns are written, so the patterns are
put in the order that keeps the intermediate rows fewest (estimated from their matches and the values each
variable takes: "the competency's attributes, the indicators covering them, those of this proposal" reads
15,000 rows at 1M, "this proposal's indicators, what they cover, which are the competency's" 600). A
CONSTRUCT … WHERE with a template is planned like a SELECT.

The choice is made from the number of triples each pattern matches, counted once per pattern and store
state (:class:`Planner` lives as long as one read-only view of the store): a pattern is hash-joined when
reading it costs less than probing it once per match of the most selective pattern.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import permutations
from typing import Callable

from . import groups
from .lexer import Token, decode_escapes, term_end, tokenize

#: Probing a pattern once costs about this many times reading one of its matches in a scan (RocksDB: ~6 µs
#: per probe, ~0.2 µs per scanned match; bench/bench_endpoint.py --queries trace-nc).
PROBE_TO_SCAN = 30
#: Longer texts run as written: the star queries worth planning are short, and the split reads every token.
MAX_PLANNED_TEXT = 64 * 1024


#: rdf:type, whose object (a class) does not anchor a pattern: its matches span the store like the predicate's.
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: Words after which every solution of the pattern is computed anyway, LIMIT or not.
_EVALUATES_ALL = {"ORDER", "GROUP", "HAVING", "COUNT", "SUM", "AVG", "MIN", "MAX", "SAMPLE", "GROUP_CONCAT"}


@dataclass
class Star:
    """A query split around its basic graph pattern."""

    prologue: str  # PREFIX/BASE declarations
    head: str  # the text up to and including the WHERE clause's "{"
    patterns: list[str]  # one "s p o" per triple pattern (";" and "," abbreviations expanded)
    variables: list[set[str]]
    tail: str  # from the WHERE clause's "}" to the end


def _text(tokens: list[Token]) -> str:
    return "".join(t.text for t in tokens) if tokens[0].kind == "string" else tokens[0].text


def split(query: str) -> Star | None:
    """The query's basic graph pattern, if it is a SELECT or a CONSTRUCT … WHERE whose WHERE clause is only that.

    >>> s = split("PREFIX e: <http://e/> SELECT ?x (COUNT(*) AS ?n) { ?x a e:T ; e:p 'v'@es, ?y } GROUP BY ?x")
    >>> s.patterns
    ['?x a e:T', "?x e:p 'v'@es", '?x e:p ?y']
    >>> split("SELECT * { ?x ?p ?o FILTER(?o) }") is None
    True
    """
    text = decode_escapes(query)
    tokens = tokenize(text)
    i, n = 0, len(tokens)
    while i < n and tokens[i].keyword in ("PREFIX", "BASE"):
        i += 3 if tokens[i].keyword == "PREFIX" else 2
    if i >= n or tokens[i].keyword not in ("SELECT", "CONSTRUCT"):
        return None
    select = i
    if tokens[i].keyword == "CONSTRUCT":  # past the template, to its WHERE clause (CONSTRUCT WHERE has none)
        if i + 1 >= n or tokens[i + 1].text != "{":
            return None
        i = next((k for k in range(i, n - 1) if tokens[k].keyword == "WHERE" and tokens[k + 1].text == "{"), n) + 1
    while i < n and tokens[i].text != "{":
        if tokens[i].keyword == "FROM":
            return None
        i += 1
    if i >= n:
        return None
    opening = i
    before = tokens[opening - 1]
    if not (before.keyword == "WHERE" or before.kind == "var" or before.text in ("*", ")")):
        return None  # e.g. the braces of an EXISTS in the projection, not the WHERE clause
    closing = next((k for k in range(opening + 1, n) if tokens[k].text in ("{", "}")), None)
    if closing is None or tokens[closing].text != "}":
        return None
    body = tokens[opening + 1:closing]
    patterns: list[str] = []
    variables: list[set[str]] = []
    k = 0
    while k < len(body):
        s_end = term_end(body, k, allow_literal=False)
        if s_end is None:
            return None
        subject = body[k:s_end]
        k = s_end
        while True:  # predicate-object list
            p_end = term_end(body, k, allow_literal=False)
            if p_end is None:
                return None
            predicate = body[k:p_end]
            k = p_end
            while True:  # object list
                o_end = term_end(body, k, allow_literal=True)
                if o_end is None:
                    return None
                terms = [subject, predicate, body[k:o_end]]
                patterns.append(" ".join(_text(t) for t in terms))
                variables.append({t[0].text[1:] for t in terms if t[0].kind == "var"})
                k = o_end
                if k < len(body) and body[k].text == ",":
                    k += 1
                    continue
                break
            if k < len(body) and body[k].text == ";":
                k += 1
                if k < len(body) and body[k].text != ".":
                    continue
            break
        if k < len(body):
            if body[k].text != ".":
                return None
            k += 1
    if len(patterns) < 2:
        return None
    words = {t.keyword for t in tokens if t.keyword}
    if "LIMIT" in words and not words & _EVALUATES_ALL:
        return None  # nested loops stream: the first rows come at once, a hash join would read everything first
    return Star(text[:tokens[select].start], text[:tokens[opening].start + 1], patterns, variables,
                text[tokens[closing].start:])


def _anchored(pattern: str) -> bool:
    """Whether ``pattern`` fixes a subject or an object, other than the class of an ``a`` / ``rdf:type`` pattern.

    >>> _anchored("?i <http://e/p> ?o"), _anchored("?i a <http://e/T>"), _anchored("<http://e/x> <http://e/p> ?o")
    (False, False, True)
    """
    tokens = tokenize(pattern)
    s, p, o = tokens[0], tokens[1:-1], tokens[-1]
    typed = len(p) == 1 and (p[0].text == "a" or p[0].text in ("rdf:type", f"<{_RDF_TYPE}>"))
    return s.kind != "var" or (o.kind != "var" and not typed)


def _walks_from_a_subject(patterns: list[str]) -> bool:
    """Whether the patterns, as written, walk forward from a fixed subject along fixed predicates: each one's
    subject fixed or an object of an earlier one. Nested loops in that order probe each node's own triples
    only, the cheapest plan there is; counting to confirm it would cost more than the look-up.

    >>> _walks_from_a_subject(["<http://e/i> <http://e/level> ?l", "?l <http://e/order> ?o"])
    True
    >>> _walks_from_a_subject(["?l <http://e/order> ?o", "<http://e/i> <http://e/level> ?l"])
    False
    """
    reached: set[str] = set()
    for pattern in patterns:
        tokens = tokenize(pattern)
        subject, predicate, obj = tokens[0], tokens[1:-1], tokens[-1]
        if any(t.kind == "var" for t in predicate) or (subject.kind == "var" and subject.text[1:] not in reached):
            return False
        if obj.kind == "var":
            reached.add(obj.text[1:])
    return True


def _shape(pattern: str, counted: str | None = None) -> str:
    """The pattern with its variables numbered in order (what a count depends on), ``counted`` marked."""
    names: dict[str, str] = {}
    out = []
    for tok in tokenize(pattern):
        if tok.kind != "var":
            out.append(tok.text)
        else:
            out.append("?*" if tok.text[1:] == counted else names.setdefault(tok.text[1:], f"?v{len(names)}"))
    return " ".join(out)


class Planner:
    """Rewrites queries for one read-only state of a store, counting pattern matches with ``count``
    (a function of a COUNT query's text) and remembering the counts."""

    MAX_COUNTS = 10_000

    def __init__(self, count: Callable[[str], int]) -> None:
        self._count = count
        self._counts: dict[str, tuple[int, bool]] = {}  # (count, exact)
        self._distinct: dict[str, int] = {}

    @classmethod
    def over(cls, store, **query_kwargs) -> Planner:
        """A planner counting with ``store.query(…, **query_kwargs)`` (the dataset and prefixes of the
        queries it will rewrite)."""
        return cls(lambda q: int(next(iter(store.query(q, **query_kwargs)))["n"].value))

    def matches(self, prologue: str, pattern: str, cap: int | None = None) -> int:
        """How many triples ``pattern`` matches, or ``cap`` if that many or more (counting stops there)."""
        key = prologue + "\x00" + _shape(pattern)
        known = self._counts.get(key)  # (count, exact)
        if known is not None and (known[1] or (cap is not None and known[0] >= cap)):
            return known[0] if cap is None else min(known[0], cap)
        if len(self._counts) >= self.MAX_COUNTS:
            self._counts.clear()
        where = pattern if cap is None else f"{{ SELECT * WHERE {{ {pattern} }} LIMIT {cap} }}"
        n = self._count(f"{prologue} SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
        self._counts[key] = (n, cap is None or n < cap)
        return n

    def distinct(self, prologue: str, pattern: str, variable: str) -> int:
        """How many values ``variable`` takes in the matches of ``pattern`` (at least 1)."""
        key = prologue + "\x00" + _shape(pattern, variable)
        known = self._distinct.get(key)
        if known is None:
            if len(self._distinct) >= self.MAX_COUNTS:
                self._distinct.clear()
            known = self._distinct[key] = max(1, self._count(
                f"{prologue} SELECT (COUNT(DISTINCT ?{variable}) AS ?n) WHERE {{ {pattern} }}"))
        return known

    def order(self, star: Star, kept: list[int]) -> list[int]:
        """The order of the patterns ``kept`` (indices into ``star``) that pyoxigraph's nested loops run fastest,
        as it runs them in the order written: of every order in which each pattern after the first shares a
        variable with those before it, the one with the fewest estimated probes and rows. Only for joins of
        2 to 6 patterns with fixed predicates that fix a subject or an object somewhere (a join over everything
        is hash-joined)."""
        anchored = [_anchored(star.patterns[i]) for i in kept]
        if len(kept) > 6 or not any(anchored) or (len(kept) == 2 and anchored[0]) or len(kept) < 2:
            return kept  # two patterns starting at a constant: that is where to start
        if any(tokenize(star.patterns[i])[1].kind == "var" for i in kept):
            return kept  # counting ?s ?p ?o to the end would cost more than most joins
        exact = {i: self.matches(star.prologue, star.patterns[i]) for i in kept}  # sizes may be capped counts
        best, best_cost = kept, float("inf")
        for candidate in permutations(kept):
            values: dict[str, float] = {}  # bound variable → the values it takes in the rows so far, estimated
            rows, cost = 1.0, 0.0
            for step, i in enumerate(candidate):
                pattern, variables = star.patterns[i], star.variables[i]
                shared = variables & values.keys()
                if step and not shared:
                    break  # a cross product: never better
                # The textbook estimate of an equi-join: |R ⋈ P| = |R| |P| / max(V(R, v), V(P, v)).
                cost += rows  # one probe per row so far
                rows = rows * exact[i] / max((max(values[v], self.distinct(star.prologue, pattern, v)) for v in shared),
                                             default=1)
                cost += rows
                for v in variables - shared:
                    values[v] = min(rows, self.distinct(star.prologue, pattern, v))
                for v in shared:
                    values[v] = min(values[v], rows)
            else:
                if cost < best_cost:
                    best, best_cost = list(candidate), cost
        return best

    def rewrite(self, query: str) -> str | None:
        """The query with its large joins as hash joins, or with its ``[NOT] EXISTS`` filters as semi-joins
        and ``MINUS`` (ppikg.sparql.groups), or None when it is best run as written.

        >>> counts = {"?i <http://e/c> <http://e/c1>": 12_000, "?i <http://e/in> ?p": 45_000}
        >>> count = lambda q: next(n for pattern, n in counts.items() if pattern in q)
        >>> planner = Planner(count)
        >>> print(planner.rewrite("SELECT * { ?i <http://e/c> <http://e/c1> ; <http://e/in> ?p }"))
        SELECT * { ?i <http://e/c> <http://e/c1> . { SELECT * WHERE { ?i <http://e/in> ?p } } }
        >>> counts["?i <http://e/c> <http://e/c1>"] = 3  # three probes are cheaper than a scan
        >>> planner = Planner(count)
        >>> planner.rewrite("SELECT * { ?i <http://e/c> <http://e/c1> ; <http://e/in> ?p }") is None
        True
        """
        if len(query) > MAX_PLANNED_TEXT:
            return None
        negations = groups.rewrite(query)
        if negations is not None:
            return negations
        star = split(query)
        if star is None or _walks_from_a_subject(star.patterns):
            return None
        # Count the pattern with the most constants first (likely the smallest), then each other one only up
        # to the size that could still matter: PROBE_TO_SCAN times the smallest so far.
        order = sorted(range(len(star.patterns)), key=lambda i: len(star.variables[i]))
        sizes = [0] * len(star.patterns)
        smallest: int | None = None
        for i in order:
            sizes[i] = self.matches(star.prologue, star.patterns[i],
                                    None if smallest is None else PROBE_TO_SCAN * smallest)
            smallest = sizes[i] if smallest is None else min(smallest, sizes[i])
            if smallest == 0:
                return None  # no solution at all: nothing to plan
        first = min(order, key=sizes.__getitem__)
        if any(_anchored(p) for p in star.patterns):
            # The nested loop starts at a constant: about as many probes of each pattern as the first matches.
            hashed = [i for i, size in enumerate(sizes)
                      if i != first and size < PROBE_TO_SCAN * sizes[first] and star.variables[i] & star.variables[first]]
        else:
            # Nothing but predicates and classes is fixed: the join spans the store, and a pattern is probed about
            # as often as the largest pattern it joins with matches, not the first (152 subsystems of proposals
            # lead to 44,753 indicators); the counts of patterns counted only up to a cap are lower bounds.
            hashed = [i for i, size in enumerate(sizes) if i != first and size < PROBE_TO_SCAN * max(
                (sizes[j] for j in range(len(sizes)) if j != i and star.variables[j] & star.variables[i]), default=0)]
        kept = [i for i in range(len(star.patterns)) if i not in hashed]
        ordered = self.order(star, kept)
        if not hashed and ordered == kept:
            return None
        subqueries = [f"{{ SELECT * WHERE {{ {star.patterns[i]} }} }}" for i in hashed]
        return f"{star.head} {' . '.join(star.patterns[i] for i in ordered)} . {' '.join(subqueries)} {star.tail}"
