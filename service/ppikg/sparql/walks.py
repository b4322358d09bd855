"""Queries whose cost a capped walk bounds: a SELECT, ASK or CONSTRUCT over a few triple patterns walking from a
fixed node, or a DESCRIBE of named IRIs.

The look-up lane (ppikg.sparql.lookups) answers one triple pattern on the spot, its work bounded by its
answer. A query of a few patterns — "this indicator's levels and their order", "the proposal this indicator
is in" — is as cheap when each pattern, in the order written, fixes its subject or its object (a constant, or
a variable an earlier pattern bound): pyoxigraph runs such a join as nested loops in that order, one index
probe per row reached. Its work is then the walk itself, which can still be large (a walk from a class to
its 100,000 instances), so the walk is first made here, probe by probe, over the store's indexes, each probe
and each match counted, and given up past ``budget``; only a walk within budget is answered on the spot.

Accepted: ``[PREFIX…] SELECT [DISTINCT|REDUCED] (vars|*) [WHERE] { triples } [GROUP BY …] [ORDER BY …] [LIMIT n]
[OFFSET n]`` (the projection may hold aggregates ``(COUNT([DISTINCT] ?v) AS ?n)``; the keys are variables) and
``ASK [WHERE] { triples }`` and ``CONSTRUCT { template } WHERE { triples } [LIMIT n] [OFFSET n]`` (or
``CONSTRUCT WHERE { triples }``; a template of plain terms) and ``DESCRIBE <iri> …`` — or, for ``{ triples }``, a UNION of such groups, each ending in at most one
``BIND`` of a constant (``{ { … BIND("a" AS ?k) } UNION { … } }``) —, where the triples use ``;`` and ``,``, plain terms (variables, IRIs, prefixed
names, ``a``, literals as objects) and, as predicates, variables or paths of IRIs joined by ``/``, each
step optionally inverse (``^``) and optionally ``*``, ``+`` or ``?``. Anything else — FILTER, OPTIONAL,
GRAPH, FROM, blank nodes, IRIs relative to the endpoint's address — goes the usual way, as does anything this module is unsure of.

>>> walk = parse("PREFIX e: <http://e/> SELECT ?l ?o { e:i e:level ?l . ?l e:order ?o }", {})
>>> walk.form, [str(p) for p in walk.patterns]
('SELECT', ['<http://e/i> <http://e/level> ?l', '?l <http://e/order> ?o'])
>>> parse("SELECT ?o { ?s ?p ?o FILTER(?o) }", {}) is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice

import pyoxigraph as ox

from .lexer import Token, decode_escapes, tokenize

#: Triple patterns a walk may have; longer queries go the usual way.
MAX_PATTERNS = 8
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


@dataclass(frozen=True)
class Node:
    """A pattern's subject or object: a variable (``var``), an IRI, or a literal whose value the walk does
    not read (it matches as a variable would, which can only over-count)."""

    kind: str  # "var", "iri" or "literal"
    value: str = ""

    def __str__(self) -> str:
        return {"var": f"?{self.value}", "iri": f"<{self.value}>", "literal": "«literal»"}[self.kind]


@dataclass(frozen=True)
class Step:
    """One IRI of a property path (or a variable predicate, ``var``), read backwards if ``inverse``, repeated
    as ``repeat`` says (``""``, ``"*"``, ``"+"`` or ``"?"``)."""

    iri: str
    inverse: bool = False
    repeat: str = ""
    var: bool = False

    def __str__(self) -> str:
        return f"?{self.iri}" if self.var else f"{'^' if self.inverse else ''}<{self.iri}>{self.repeat}"


@dataclass(frozen=True)
class Pattern:
    subject: Node
    path: tuple[Step, ...]
    object: Node

    def __str__(self) -> str:
        return f"{self.subject} {'/'.join(map(str, self.path))} {self.object}"


@dataclass(frozen=True)
class Walk:
    form: str  # "SELECT", "ASK", "CONSTRUCT" or "DESCRIBE"
    branches: tuple[tuple[Pattern, ...], ...]  # one group, or the groups of a UNION, each walked from the start

    @property
    def patterns(self) -> tuple[Pattern, ...]:
        return tuple(p for branch in self.branches for p in branch)


class _Unsure(Exception):
    """The text is not one this module accepts."""


class _Reader:
    """A cursor over a query's tokens, resolving prefixed names with the query's and the server's prefixes."""

    def __init__(self, tokens: list[Token], prefixes: dict[str, str]) -> None:
        self.tokens, self.i, self.prefixes = tokens, 0, dict(prefixes)
        self.base: str | None = None

    def resolved(self, value: str) -> str:
        """``value`` made absolute against the query's BASE; _Unsure for a relative IRI without a BASE (it
        is resolved against the endpoint's address) or one whose resolution this reader might get wrong."""
        if _ABSOLUTE.match(value):
            return value
        if self.base is None or any(c in value for c in "./:?\\"):
            raise _Unsure
        document = self.base.split("#")[0]
        if value.startswith("#") or not value:  # a fragment of the base document, or the document
            return document + value
        if "#" in value.partition("#")[2] or "#" in document.rpartition("/")[0]:
            raise _Unsure
        return document.rpartition("/")[0] + "/" + value  # one segment, beside the base's last

    def peek(self, ahead: int = 0) -> Token | None:
        k = self.i + ahead
        return self.tokens[k] if k < len(self.tokens) else None

    def text(self) -> str | None:
        tok = self.peek()
        return tok.text if tok else None

    def keyword(self) -> str | None:
        tok = self.peek()
        return tok.keyword if tok else None

    def take(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise _Unsure
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        if self.take().text != text:
            raise _Unsure

    def iri(self) -> str:
        tok = self.take()
        if tok.kind == "iri":
            value = tok.text[1:-1]
        elif tok.kind == "pname" and "\\" not in tok.text:
            prefix, _, local = tok.text.partition(":")
            if prefix not in self.prefixes:
                raise _Unsure
            value = self.prefixes[prefix] + local
        elif tok.kind == "word" and tok.text == "a":
            return _RDF_TYPE
        else:
            raise _Unsure
        return self.resolved(value)

    def node(self, allow_literal: bool) -> Node:
        tok = self.peek()
        if tok is None:
            raise _Unsure
        if tok.kind == "var":
            self.i += 1
            return Node("var", tok.text[1:])
        if tok.kind == "string" and allow_literal:
            self.i += 1
            if self.text() == "@" and (lang := self.peek(1)) is not None and lang.kind == "word":
                self.i += 2
                while self.text() == "-" and (part := self.peek(1)) is not None and part.kind == "word":
                    self.i += 2  # a tag such as es-MX
            elif self.text() == "^^":
                self.i += 1
                self.iri()
            return Node("literal")
        if tok.text == "a":
            raise _Unsure  # «a» is a predicate only
        return Node("iri", self.iri())

    def path(self) -> tuple[Step, ...]:
        tok = self.peek()
        if tok is not None and tok.kind == "var":
            self.i += 1
            return (Step(tok.text[1:], var=True),)
        steps = []
        while True:
            inverse = self.text() == "^"
            if inverse:
                self.i += 1
            iri = self.iri()
            repeat = self.text() or ""
            if repeat not in ("*", "+", "?"):
                repeat = ""
            if repeat:
                self.i += 1
            steps.append(Step(iri, inverse, repeat))
            if self.text() != "/":
                return tuple(steps)
            self.i += 1


def _prologue(reader: _Reader) -> None:
    while reader.keyword() in ("PREFIX", "BASE"):
        if reader.take().keyword == "BASE":
            iri = reader.take()
            if iri.kind != "iri" or not _ABSOLUTE.match(iri.text[1:-1]):
                raise _Unsure
            reader.base = iri.text[1:-1]
            continue
        name = reader.take()
        iri = reader.take()
        if name.kind != "pname" or not name.text.endswith(":") or iri.kind != "iri":
            raise _Unsure
        reader.prefixes[name.text[:-1]] = reader.resolved(iri.text[1:-1])


def _triples(reader: _Reader) -> list[Pattern]:
    """The triple patterns up to the group's ``}`` or a ``BIND``, which are not read."""
    patterns: list[Pattern] = []
    while reader.text() != "}" and reader.keyword() != "BIND":
        subject = reader.node(allow_literal=False)
        while True:  # predicate-object list
            path = reader.path()
            while True:  # object list
                patterns.append(Pattern(subject, path, reader.node(allow_literal=True)))
                if reader.text() != ",":
                    break
                reader.i += 1
            if reader.text() != ";":
                break
            while reader.text() == ";":
                reader.i += 1
            if reader.text() in (".", "}"):
                break
        if reader.text() == ".":
            reader.i += 1
        elif reader.text() != "}" and reader.keyword() != "BIND":
            raise _Unsure
        if len(patterns) > MAX_PATTERNS:
            raise _Unsure
    return patterns


def _describe(reader: _Reader) -> Walk:
    """``DESCRIBE`` of IRIs named in the text (no WHERE clause): each one's triples, walked from it."""
    resources: list[str] = []
    while reader.peek() is not None:
        tok = reader.peek()
        if tok is None or tok.kind not in ("iri", "pname") or len(resources) >= MAX_PATTERNS:
            raise _Unsure
        resources.append(reader.iri())
    if not resources:
        raise _Unsure
    return Walk("DESCRIBE", tuple((Pattern(Node("iri", r), (Step("p", var=True),), Node("var", "o")),)
                                  for r in resources))


def _plain(template: list[Pattern]) -> None:
    """A CONSTRUCT template: triples of plain terms, no paths."""
    if not template or any(len(t.path) != 1 or t.path[0].inverse or t.path[0].repeat for t in template):
        raise _Unsure


def _constant_bind(reader: _Reader) -> None:
    """``BIND(constant AS ?v)`` with a string (with its language or datatype) or an IRI: no work to speak of."""
    reader.take()
    reader.expect("(")
    if (tok := reader.peek()) is not None and tok.kind == "string":
        reader.node(allow_literal=True)
    else:
        reader.iri()
    if reader.take().keyword != "AS" or reader.take().kind != "var":
        raise _Unsure
    reader.expect(")")
    if reader.text() == ".":
        reader.i += 1


def _branch(reader: _Reader) -> tuple[Pattern, ...]:
    """A group ``{ triples [BIND(constant AS ?v)] }``, its braces read."""
    reader.expect("{")
    patterns = _triples(reader)
    if reader.keyword() == "BIND":
        _constant_bind(reader)
    reader.expect("}")
    if not patterns:
        raise _Unsure
    return tuple(patterns)


def _where(reader: _Reader) -> tuple[tuple[Pattern, ...], ...]:
    """The WHERE clause: one group of triples, or a UNION of groups (``{ { … } UNION { … } }``)."""
    reader.expect("{")
    if reader.text() != "{":
        patterns = _triples(reader)
        reader.expect("}")
        if not patterns:
            raise _Unsure
        return (tuple(patterns),)
    branches = [_branch(reader)]
    while reader.keyword() == "UNION":
        reader.i += 1
        branches.append(_branch(reader))
    reader.expect("}")
    if len(branches) < 2 or sum(map(len, branches)) > MAX_PATTERNS:
        raise _Unsure
    return tuple(branches)


def _number(reader: _Reader) -> None:
    digits = reader.i
    while (text := reader.text()) is not None and text.isdigit():  # the lexer yields one token per digit
        reader.i += 1
    if reader.i == digits:
        raise _Unsure


#: Aggregates a walk's projection may use: over the rows of a walk within budget, each is cheap.
_AGGREGATES = frozenset({"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE"})


def _projection(reader: _Reader) -> None:
    """Variables and ``(AGG([DISTINCT] ?v|*) AS ?n)``, at least one."""
    projected = 0
    while (tok := reader.peek()) is not None and (tok.kind == "var" or tok.text == "("):
        reader.i += 1
        projected += 1
        if tok.kind == "var":
            continue
        if reader.take().keyword not in _AGGREGATES:
            raise _Unsure
        reader.expect("(")
        if reader.keyword() == "DISTINCT":
            reader.i += 1
        argument = reader.take()
        if argument.kind != "var" and argument.text != "*":
            raise _Unsure
        reader.expect(")")
        if reader.take().keyword != "AS" or reader.take().kind != "var":
            raise _Unsure
        reader.expect(")")
    if not projected:
        raise _Unsure


def _grouping_and_order(reader: _Reader) -> None:
    """``GROUP BY ?v…`` and ``ORDER BY (?v | ASC(?v) | DESC(?v))…``, each optional: over the rows of a walk within
    budget, grouping and sorting are cheap."""
    for clause in ("GROUP", "ORDER"):
        if reader.keyword() != clause:
            continue
        reader.i += 1
        if reader.take().keyword != "BY":
            raise _Unsure
        keys = 0
        while (tok := reader.peek()) is not None:
            if tok.kind == "var":
                reader.i += 1
            elif clause == "ORDER" and tok.keyword in ("ASC", "DESC"):
                reader.i += 1
                reader.expect("(")
                if reader.take().kind != "var":
                    raise _Unsure
                reader.expect(")")
            else:
                break
            keys += 1
        if not keys:
            raise _Unsure


def parse(text: str, prefixes: dict[str, str], tokens: list[Token] | None = None) -> Walk | None:
    """The walk of a query of the accepted form (module docstring), with ``prefixes`` predeclared; None for
    any other text. ``tokens``: the text's tokens, if the caller has them already.

    >>> parse("SELECT ?p WHERE { <http://e/i> ^<http://e/has>/^<http://e/par> ?p }", {}).patterns[0].path[1]
    Step(iri='http://e/par', inverse=True, repeat='', var=False)
    >>> parse("ASK { <http://e/i> <http://e/covers> <http://e/c1> }", {}).form
    'ASK'
    >>> parse("SELECT * { <s> ?p ?o }", {}) is None  # relative IRI
    True
    """
    reader = _Reader(tokenize(decode_escapes(text)) if tokens is None else tokens, prefixes)
    try:
        _prologue(reader)
        form = reader.take().keyword
        if form == "SELECT":
            if reader.keyword() in ("DISTINCT", "REDUCED"):
                reader.i += 1
            if reader.text() == "*":
                reader.i += 1
            else:
                _projection(reader)
        elif form == "DESCRIBE":
            return _describe(reader)
        elif form == "CONSTRUCT" and reader.text() == "{":
            reader.i += 1
            _plain(_triples(reader))
            reader.expect("}")
            if reader.keyword() != "WHERE":
                raise _Unsure
        elif form != "ASK" and not (form == "CONSTRUCT" and reader.keyword() == "WHERE"):
            raise _Unsure
        short = form == "CONSTRUCT" and reader.tokens[reader.i - 1].keyword == "CONSTRUCT"
        if reader.keyword() == "WHERE":
            reader.i += 1
        branches = _where(reader)
        if short:  # CONSTRUCT WHERE { … }: the pattern is the template
            if len(branches) > 1:
                raise _Unsure
            _plain(list(branches[0]))
        if form == "SELECT":
            _grouping_and_order(reader)
        seen: set[str] = set()
        while form in ("SELECT", "CONSTRUCT") and reader.keyword() in ("LIMIT", "OFFSET") and reader.keyword() not in seen:
            seen.add(reader.take().keyword or "")
            _number(reader)
        if reader.peek() is not None:
            raise _Unsure
    except _Unsure:
        return None
    return Walk(form, branches)


class _Spent(Exception):
    """The walk reached its budget."""


class _Meter:
    """Counts the probes and matches of a walk and stops it at ``budget``."""

    def __init__(self, store: ox.Store, budget: int) -> None:
        self.store, self.left = store, budget

    def spend(self, units: int = 1) -> None:
        self.left -= units
        if self.left < 0:
            raise _Spent

    def match(self, s, p, o) -> list[ox.Quad]:
        self.spend()
        if s is not None and not isinstance(s, (ox.NamedNode, ox.BlankNode)):
            return []  # a literal bound as a subject: no triple has it
        quads = list(islice(self.store.quads_for_pattern(s, p, o, None), self.left + 1))
        self.spend(len(quads))
        return quads


def _step(meter: _Meter, nodes: list, step: Step, predicate, forward: bool) -> list:
    """The nodes one step of a path reaches from each of ``nodes`` (as many times as it reaches them)."""
    ahead = forward != step.inverse

    def once(node) -> list:
        quads = meter.match(node, predicate, None) if ahead else meter.match(None, predicate, node)
        return [q.object if ahead else q.subject for q in quads]

    if not step.repeat:
        return [n for node in nodes for n in once(node)]
    out: list = []
    for node in nodes:  # each start's closure, as a set of nodes (paths with * + ? give each node once)
        reached = {node} if step.repeat in ("*", "?") else set()
        frontier = [node]
        while frontier:
            following = []
            for n in frontier:
                for m in once(n):
                    if m not in reached:
                        reached.add(m)
                        following.append(m)
            frontier = following if step.repeat != "?" else []
            meter.spend(len(following))
        out.extend(reached)
    return out


def _term(node: Node, row: dict):
    if node.kind == "iri":
        return ox.NamedNode(node.value)
    if node.kind == "var":
        return row.get(node.value)
    return None  # a literal: matched as any object


def within(store: ox.Store, walk: Walk, budget: int) -> bool:
    """Whether walking ``walk``'s patterns in order — each one from whichever end it fixes — takes at most
    ``budget`` probes and matches of the store's union of graphs. A pattern that fixes neither end (a scan of
    the store) never does."""
    meter = _Meter(store, budget)
    if walk.form == "DESCRIBE":
        return _described_within(meter, [ox.NamedNode(b[0].subject.value) for b in walk.branches])
    try:
        for branch in walk.branches:
            rows: list[dict] = [{}]
            for pattern in branch:
                following: list[dict] = []
                for row in rows:
                    start, end = _term(pattern.subject, row), _term(pattern.object, row)
                    if start is None and end is None:
                        return False
                    following.extend(_grown(row, pattern, _ends(meter, pattern, row, start, end)))
                rows = following
                meter.spend(len(rows))
    except _Spent:
        return False
    return True


def _described_within(meter: _Meter, resources: list[ox.NamedNode]) -> bool:
    """Whether the description of ``resources`` — their triples and, as pyoxigraph's DESCRIBE gives them,
    those of every blank node they lead to — stays within the meter's budget."""
    seen: set = set(resources)
    frontier: list = list(resources)
    try:
        while frontier:
            following = []
            for node in frontier:
                for q in meter.match(node, None, None):
                    if isinstance(q.object, ox.BlankNode) and q.object not in seen:
                        seen.add(q.object)
                        following.append(q.object)
            frontier = following
    except _Spent:
        return False
    return True


def _ends(meter: _Meter, pattern: Pattern, row: dict, start, end) -> list[tuple]:
    """The (subject, predicate, object) of each match of ``pattern`` with the row's bindings (predicate None
    unless it is a variable the pattern binds)."""
    first = pattern.path[0]
    if len(pattern.path) == 1 and not first.repeat:  # one index probe with both ends
        if first.var:
            bound = row.get(first.iri)
            if bound is not None and not isinstance(bound, ox.NamedNode):
                return []  # a variable predicate bound to a non-IRI matches nothing
            return [(q.subject, None if bound is not None else q.predicate, q.object)
                    for q in meter.match(start, bound, end)]
        predicate = ox.NamedNode(first.iri)
        if first.inverse:
            return [(q.object, None, q.subject) for q in meter.match(end, predicate, start)]
        return [(q.subject, None, q.object) for q in meter.match(start, predicate, end)]
    forward = start is not None
    nodes = [start if forward else end]
    for step in pattern.path if forward else reversed(pattern.path):
        nodes = _step(meter, nodes, step, ox.NamedNode(step.iri), forward)
    if forward:
        return [(start, None, n) for n in nodes if end is None or n == end]
    return [(n, None, end) for n in nodes]


def _grown(row: dict, pattern: Pattern, matches: list[tuple]) -> list[dict]:
    out = []
    for subject, predicate, obj in matches:
        grown = dict(row)
        if predicate is not None:
            grown[pattern.path[0].iri] = predicate
        _bind(grown, pattern, subject, obj)
        out.append(grown)
    return out


def _bind(row: dict, pattern: Pattern, subject, obj) -> None:
    for node, term in ((pattern.subject, subject), (pattern.object, obj)):
        if node.kind == "var" and node.value not in row:
            row[node.value] = term
