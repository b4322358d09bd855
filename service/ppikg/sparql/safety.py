"""What a SPARQL request may reach, checked before it runs: no SERVICE, no LOAD, no dataset outside the store.

The text is split into tokens by a SPARQL lexer (sparql/lexer.py), so that keywords inside strings,
comments, IRIs or prefixed names are not mistaken for operations. Codepoint escapes (``\\u0053ERVICE``) are
decoded first, as SPARQL 1.1 §19.2 prescribes, so they cannot smuggle a keyword past the check.

>>> analyse("SELECT * WHERE { ?s ?p 'SERVICE <http://x/>' } # LOAD <http://y/>").form
'SELECT'
>>> analyse("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }").forbidden
['SERVICE']
>>> analyse("PREFIX e: <http://e/> ASK FROM e:g FROM NAMED <http://e/h> {}").dataset
[('FROM', 'http://e/g'), ('FROM NAMED', 'http://e/h')]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin

from ..errors import Message, msg

from ..errors import InputError, PayloadTooLarge
from .lexer import Token, decode_escapes, tokenize

#: Groups ``{…}``, ``(…)`` and ``[…]`` nested at most this deep. The query parser recurses per level and
#: overflows its stack somewhere between 1,000 and 3,000 levels (a crash, not an error); queries written by
#: people nest a handful of levels.
MAX_NESTING = 128
#: Characters of a SPARQL query or update the endpoint reads at most. The checks are linear, but at ~1 µs a
#: token a text of 20 MB of one-character tokens would take seconds; data that large goes in a file through
#: the Graph Store Protocol, whose bodies are parsed by the store, not tokenized here.
MAX_TEXT = 1 << 20
_OPEN, _CLOSE = frozenset("{(["), frozenset("})]")

@dataclass
class Analysis:
    """What a query or update names: its form, forbidden operations, datasets, graphs it mentions."""

    tokens: list[Token]
    form: str | None = None  # SELECT, ASK, CONSTRUCT, DESCRIBE for queries
    forbidden: list[str] = field(default_factory=list)  # SERVICE, LOAD
    dataset: list[tuple[str, str]] = field(default_factory=list)  # (FROM|FROM NAMED|USING|USING NAMED|WITH, IRI)
    unresolved: list[str] = field(default_factory=list)  # dataset IRIs given by an undeclared prefix
    targets: list[str] = field(default_factory=list)  # graphs an update names (GRAPH, INTO, TO, WITH, DROP/CLEAR/… GRAPH)
    wide: list[str] = field(default_factory=list)  # update operations on graphs it does not name: "CLEAR ALL", "GRAPH ?g"
    nesting: int = 0  # the deepest nesting of {…}, (…) and […]


def check_length(text: str) -> None:
    """PayloadTooLarge if ``text`` is longer than MAX_TEXT characters."""
    if len(text) > MAX_TEXT:
        raise PayloadTooLarge(msg("sparql_too_long", size=len(text), limit=MAX_TEXT))


def analyse(text: str, prefixes: dict[str, str] | None = None, base: str | None = None) -> Analysis:
    """Tokenize ``text`` and collect what the safety checks and the endpoint need; PayloadTooLarge past
    MAX_TEXT characters."""
    check_length(text)
    tokens = tokenize(decode_escapes(text))
    result = Analysis(tokens)
    known = dict(prefixes or {})
    depth = 0

    def resolve(tok: Token) -> str | None:
        if tok.kind == "iri":
            iri = tok.text[1:-1]
            return urljoin(base, iri) if base and not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", iri) else iri
        if tok.kind == "pname":
            prefix, _, local = tok.text.partition(":")
            if prefix in known:
                return known[prefix] + local
        return None

    result.nesting = nesting_of(tokens)
    for i, tok in enumerate(tokens):
        kw = tok.keyword
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok.text == "{":
            depth += 1
        elif tok.text == "}":
            depth -= 1
        if kw is None:
            continue
        if kw == "PREFIX" and nxt is not None and nxt.kind == "pname" and i + 2 < len(tokens):
            target = resolve(tokens[i + 2])
            if target is not None:
                known[nxt.text[:-1]] = target
        elif kw == "BASE" and nxt is not None and nxt.kind == "iri":
            base = resolve(nxt)
        elif kw in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE") and depth == 0 and result.form is None:
            result.form = kw
        elif kw in ("SERVICE", "LOAD"):
            result.forbidden.append(kw)
        elif kw in ("GRAPH", "INTO", "TO") and nxt is not None:
            if nxt.kind == "var":
                result.wide.append(f"{kw} {nxt.text}")
            elif (iri := resolve(nxt)) is not None:
                result.targets.append(iri)
        elif kw in ("DROP", "CLEAR", "ADD", "MOVE", "COPY") and nxt is not None:
            after = tokens[i + 2] if nxt.keyword == "SILENT" and i + 2 < len(tokens) else nxt
            if after.keyword in ("ALL", "NAMED"):
                result.wide.append(f"{kw} {after.keyword}")
            elif after.keyword != "GRAPH" and (iri := resolve(after)) is not None:  # ADD <g> TO …: GRAPH is optional
                result.targets.append(iri)
        elif kw in ("FROM", "USING", "WITH") and nxt is not None:
            clause, target_tok = kw, nxt
            if kw != "WITH" and nxt.keyword == "NAMED" and i + 2 < len(tokens):
                clause, target_tok = f"{kw} NAMED", tokens[i + 2]
            iri = resolve(target_tok)
            if iri is None:
                result.unresolved.append(f"{clause} {target_tok.text}")
            else:
                result.dataset.append((clause, iri))
                if kw == "WITH":
                    result.targets.append(iri)
    return result


def nesting_of(tokens: list[Token]) -> int:
    """The deepest nesting of ``{…}``, ``(…)`` and ``[…]`` among ``tokens`` (strings, IRIs, comments excluded).

    >>> nesting_of(tokenize("SELECT * { ?s ?p ?o FILTER((?o > 1)) } # ((((("))
    3
    """
    depth = deepest = 0
    for tok in tokens:
        if tok.kind == "punct":
            if tok.text in _OPEN:
                depth += 1
                deepest = max(deepest, depth)
            elif tok.text in _CLOSE:
                depth -= 1
    return deepest


def nesting_refusal(depth: int) -> Message | None:
    """Why a text nested ``depth`` deep must not reach the parser (None if it may)."""
    if depth > MAX_NESTING:
        return msg("sparql_too_deep", depth=depth, limit=MAX_NESTING)
    return None


def check_nesting(text: str) -> None:
    """InputError if ``text`` nests deeper than MAX_NESTING; cheap when it holds few brackets at all.

    >>> check_nesting("ASK {}")
    >>> check_nesting("ASK " + "{" * 200 + "}" * 200)
    Traceback (most recent call last):
    ...
    ppikg.errors.InputError: the text nests groups, parentheses or brackets 200 levels deep; at most 128 are accepted
    """
    text = decode_escapes(text)
    if sum(text.count(c) for c in _OPEN) <= MAX_NESTING:  # cannot nest deeper than it has openings
        return
    why = nesting_refusal(nesting_of(tokenize(text)))
    if why:
        raise InputError(why)


def update_refusal(analysis: Analysis, reserved: list[str], is_reserved=None) -> Message | None:
    """Why an update must not run on a store holding the project's own graphs ``reserved`` (None if it may):
    it names one of them, or a graph ``is_reserved(iri)`` says is the project's even before it exists (such as
    a name under ``graph/inferred/``), or it works on graphs it does not name (ALL, NAMED, a variable graph).

    >>> print(update_refusal(analyse("CLEAR ALL"), ["https://w3id.org/ppikg/graph/ontology"]))
    CLEAR ALL would change the project's own graphs (ontology, shipped data, inferences): name the graphs to change
    >>> update_refusal(analyse("CLEAR ALL"), []) is None
    True
    >>> print(update_refusal(analyse("INSERT DATA { GRAPH <urn:inferred:x> { <urn:a> <urn:b> <urn:c> } }"), [],
    ...                      lambda iri: iri.startswith("urn:inferred:")))
    graph <urn:inferred:x> is the project's own: only `ppi build-data` and a restart change it
    """
    for iri in analysis.targets:
        if iri in reserved or (is_reserved is not None and is_reserved(iri)):
            return msg("graph_reserved_iri", iri=iri)
    if reserved and analysis.wide:
        return msg("update_too_wide", operation=analysis.wide[0])
    return None


def refusal(analysis: Analysis, has_graph, protocol_graphs: Iterable[str] = ()) -> Message | None:
    """Why the request must not run (None if it may): SERVICE, LOAD, or a dataset graph the store lacks.

    ``has_graph(iri)`` tells whether the store holds a named graph ``iri``.
    """
    if (why := nesting_refusal(analysis.nesting)) is not None:
        return why
    if analysis.forbidden:
        ops = " and ".join(sorted(set(analysis.forbidden)))
        return msg("sparql_forbidden", ops=ops)
    if analysis.unresolved:
        return msg("sparql_undeclared_prefix", name=analysis.unresolved[0])
    for clause, iri in analysis.dataset:
        if clause != "WITH" and not has_graph(iri):
            return msg("sparql_clause_no_graph", clause=clause, iri=iri)
    for iri in protocol_graphs:
        if not has_graph(iri):
            return msg("sparql_no_graph", iri=iri)

    return None


def with_using(update: str, default: list[str], named: list[str]) -> str:
    """The update with ``USING``/``USING NAMED`` clauses for the protocol's using-graph-uri / using-named-graph-uri
    added to each DELETE/INSERT … WHERE operation (SPARQL 1.1 Protocol §2.2.3).

    >>> with_using("INSERT { ?s a <http://e/T> } WHERE { ?s ?p ?o }", ["http://e/g"], [])
    'INSERT { ?s a <http://e/T> }  USING <http://e/g> WHERE { ?s ?p ?o }'
    """
    clause = " ".join([f"USING <{g}>" for g in default] + [f"USING NAMED <{g}>" for g in named])
    text = decode_escapes(update)
    pieces, last, depth, prev = [], 0, 0, None
    for tok in tokenize(text):
        word = tok.keyword
        if tok.text == "{":
            depth += 1
        elif tok.text == "}":
            depth -= 1
        elif word == "WHERE" and depth == 0 and prev != "DELETE":
            pieces.append(text[last:tok.start])
            pieces.append(f" {clause} ")
            last = tok.start
        prev = word
    pieces.append(text[last:])
    return "".join(pieces)
