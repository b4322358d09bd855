"""Group patterns pyoxigraph evaluates slowly, rewritten into forms it evaluates fast with the same answers.

**EXISTS / NOT EXISTS.** pyoxigraph evaluates ``FILTER NOT EXISTS { P }`` by evaluating P again for every
solution of the group, and the cost grows with P, not with what the solution binds: on the 1M-triple benchmark
graph "proposals with no indicator covering attribute 6.5" (150 proposals, P a three-step path) takes 12 s that
way and 0.15 s as a ``MINUS``, which it evaluates once and anti-joins by hashing. So in a WHERE clause that is a
basic graph pattern B (triple patterns, property paths allowed) with filters ``[NOT] EXISTS { P }`` (P of the
same kind), each filter is rewritten on its own::

    { B FILTER NOT EXISTS { P } }   →   { B . MINUS { B . P } }
    { B FILTER EXISTS { P } }       →   { B . { SELECT DISTINCT ?v1 … ?vn WHERE { B . P } } }

where ?v1 … ?vn are the variables of B. Why the answers are the same (SPARQL 1.1 §8.3, §18.6): every variable
of B is bound in every solution μ of B, so a solution of ``B . P`` compatible with μ agrees with μ on all of
B's variables, i.e. it is μ extended by a solution of P with μ substituted — exactly what EXISTS asks for; and
the domains share B's variables, so MINUS removes μ just when such a solution exists (B must have at least one
variable). The semi-join meets each μ once (DISTINCT over B's variables), so the multiplicities of B's
solutions are kept, as a filter keeps them; neither form adds a variable to the group's solutions. Repeating B
inside lets pyoxigraph start P from B's constants, instead of evaluating P over the whole store.

**VALUES of IRIs.** pyoxigraph starts a group from its inline data: ``VALUES ?c { c:c1 c:c3 c:c5 } ?i
ppi:coversCompetency ?c ; ppi:inProposal <p>`` reads every indicator covering those competencies in the store
(2.1 s at 1M) before it looks at the proposal; as ``FILTER(?c IN (c:c1, c:c3, c:c5))`` it starts from the
proposal (16 ms). The two are the same when the VALUES block has one variable, which B binds in every
solution, and distinct IRIs (a join with distinct IRIs keeps each solution whose value is one of them, once;
``=`` on IRIs is ``sameTerm``). Distinct is read from the text: all written as full IRIs, or all as prefixed
names of one prefix without escapes, none twice.

Anything else runs as written: blank nodes, other filters, ``OPTIONAL``, ``UNION``, ``GRAPH``, ``BIND``, other
``VALUES``, sub-queries or nested groups in the WHERE clause or inside the EXISTS, ``NOT EXISTS`` written inside
an expression, and a basic graph pattern without variables.

>>> q = "SELECT ?p { ?p a <http://e/P> . FILTER NOT EXISTS { ?p <http://e/has>/<http://e/covers> <http://e/a5> } }"
>>> print(rewrite(q))
SELECT ?p { ?p a <http://e/P> . MINUS { ?p a <http://e/P> . ?p <http://e/has>/<http://e/covers> <http://e/a5> } }
>>> print(rewrite("ASK { <http://e/x> <http://e/p> ?c FILTER EXISTS { ?c <http://e/q> ?d } }"))
ASK { <http://e/x> <http://e/p> ?c . { SELECT DISTINCT ?c WHERE { <http://e/x> <http://e/p> ?c . ?c <http://e/q> ?d } } }
>>> print(rewrite("PREFIX c: <http://e/c> SELECT ?i { VALUES ?c { c:1 c:3 } ?i <http://e/covers> ?c }"))
PREFIX c: <http://e/c> SELECT ?i { ?i <http://e/covers> ?c . FILTER(?c IN (c:1, c:3)) }
>>> rewrite("SELECT * { ?s ?p ?o FILTER NOT EXISTS { ?s ?p ?o FILTER(?o > 1) } }") is None
True
"""

from __future__ import annotations

from .lexer import Token, decode_escapes, tokenize

#: The only words a basic graph pattern of plain terms and paths holds (``a``, and boolean literals).
_PATTERN_WORDS = {"a", "true", "false"}


def _opening(tokens: list[Token]) -> int | None:
    """The index of the ``{`` that opens the query's WHERE clause, for SELECT, ASK, CONSTRUCT … WHERE and
    DESCRIBE … WHERE; None for anything else."""
    i, n = 0, len(tokens)
    while i < n and tokens[i].keyword in ("PREFIX", "BASE"):
        i += 3 if tokens[i].keyword == "PREFIX" else 2
    if i >= n or tokens[i].keyword not in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
        return None
    form = tokens[i].keyword
    if form == "CONSTRUCT" and (i + 1 >= n or tokens[i + 1].text != "{"):
        return None  # CONSTRUCT WHERE { … }: its pattern is its template too
    if form in ("CONSTRUCT", "DESCRIBE"):
        where = next((k for k in range(i, n - 1) if tokens[k].keyword == "WHERE"), None)
        return where + 1 if where is not None and tokens[where + 1].text == "{" else None
    opening = next((k for k in range(i, n) if tokens[k].text == "{"), None)
    if opening is None:
        return None
    before = tokens[opening - 1]
    # SELECT: not the braces of an EXISTS in the projection; ASK: after ASK, WHERE or a FROM clause's IRI.
    ok = (before.keyword == "WHERE" or before.kind == "var" or before.text in ("*", ")")) if form == "SELECT" \
        else (before.keyword in ("ASK", "WHERE") or before.kind in ("iri", "pname"))
    return opening if ok else None


def _plain(tokens: list[Token]) -> bool:
    """Whether ``tokens`` are triple patterns of plain terms and paths: no keyword, group or blank node."""
    for t in tokens:
        if t.kind == "word" and t.text not in _PATTERN_WORDS:
            return False
        if t.text in ("{", "}", "[", "]") or (t.kind == "pname" and t.text.startswith("_:")):
            return False
    return True


def _distinct_iris(tokens: list[Token]) -> bool:
    """Whether ``tokens`` are IRIs that are surely distinct: all full IRIs, or all prefixed names of one prefix
    without escapes, no text twice."""
    texts = [t.text for t in tokens]
    if len(set(texts)) != len(texts):
        return False
    if all(t.kind == "iri" for t in tokens):
        return True
    prefixes = {t.text.split(":", 1)[0] for t in tokens}
    return all(t.kind == "pname" and "\\" not in t.text for t in tokens) and len(prefixes) <= 1 and "_" not in prefixes


def rewrite(query: str) -> str | None:
    """The query with its ``[NOT] EXISTS`` filters as ``MINUS`` / semi-joins and its ``VALUES`` of IRIs as
    filters, or None when it has none this module rewrites (see the module's docstring for which, and why the
    answers are the same)."""
    text = decode_escapes(query)
    tokens = tokenize(text)
    opening = _opening(tokens)
    if opening is None:
        return None
    outer: list[tuple[int, int]] = []  # (start, end) offsets of the text of B, between the filters
    filters: list[tuple[bool, str]] = []  # (negated, the text of P)
    values: list[tuple[str, list[str]]] = []  # (variable, its IRIs as written)
    outer_tokens: list[Token] = []
    start = tokens[opening].start + 1
    k = opening + 1
    n = len(tokens)
    while k < n and tokens[k].text != "}":
        t = tokens[k]
        if t.keyword == "FILTER":
            negated = k + 1 < n and tokens[k + 1].keyword == "NOT"
            brace = k + (3 if negated else 2)
            if brace >= n or tokens[brace - 1].keyword != "EXISTS" or tokens[brace].text != "{":
                return None
            end = next((j for j in range(brace + 1, n) if tokens[j].text in ("{", "}")), None)
            if end is None or tokens[end].text != "}" or not _plain(tokens[brace + 1:end]):
                return None
            filters.append((negated, text[tokens[brace].start + 1:tokens[end].start].strip()))
        elif t.keyword == "VALUES":
            if k + 2 >= n or tokens[k + 1].kind != "var" or tokens[k + 2].text != "{":
                return None
            end = next((j for j in range(k + 3, n) if tokens[j].text == "}"), None)
            if end is None or not _distinct_iris(tokens[k + 3:end]):
                return None
            values.append(("?" + tokens[k + 1].text[1:], [v.text for v in tokens[k + 3:end]]))
        else:
            outer_tokens.append(t)
            k += 1
            continue
        outer.append((start, t.start))
        start = tokens[end].start + 1
        k = end + 1
    if k >= n or not (filters or values) or not _plain(outer_tokens):
        return None
    outer.append((start, tokens[k].start))
    variables = list(dict.fromkeys("?" + t.text[1:] for t in outer_tokens if t.kind == "var"))
    if not variables or any(v not in variables for v, _ in values):
        return None
    # B's pieces without the dots that ended or began them beside a filter (a number never ends in a dot).
    b = " ".join(piece for a, z in outer if (piece := text[a:z].strip().strip(".").strip()))
    groups = [f"MINUS {{ {b} . {p} }}" if negated
              else f"{{ SELECT DISTINCT {' '.join(variables)} WHERE {{ {b} . {p} }} }}" for negated, p in filters]
    groups += [f"FILTER({v} IN ({', '.join(iris)}))" for v, iris in values]
    return f"{text[:tokens[opening].start + 1]} {b} . {' '.join(groups)} {text[tokens[k].start:]}"
