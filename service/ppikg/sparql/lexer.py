"""A small SPARQL lexer: the text split into tokens the way the grammar does (strings, comments, IRIs,
prefixed names, variables, words, punctuation), codepoint escapes decoded first (SPARQL 1.1 §19.2).

>>> [t.kind for t in tokenize("SELECT ?s WHERE { ?s a <http://e/T> } # comment")]
['word', 'var', 'word', 'punct', 'var', 'word', 'iri', 'punct']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

_TERM_KINDS = ("var", "iri", "pname")
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

# Order matters: long strings before short ones, IRIs before the '<' operator. A prefixed name does not start
# inside a run of name characters (after one, or after one and a dot): tried there, its prefix would rescan the
# rest of the run at each token in it (``a.a.a.…`` is words and dots), quadratic in the text.
_TOKEN_SYNTAX = (
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
  | (?P<pname>(?<![\w\-\u00B7\u00C0-\uFFFF])(?<![\w\-\u00B7\u00C0-\uFFFF]\.)(?:[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*)?:(?:[\w\u00C0-\uFFFF:%\-.\\]|%[0-9A-Fa-f]{2})*)
  | (?P<word>[A-Za-z_][\w\-]*)
  | (?P<punct>\^\^|&&|\|\||!=|<=|>=|[{}()\[\];,.*+/!=<>|^@-]|[^\s])
    """
)


@cache
def _token_pattern() -> re.Pattern[str]:
    """The lexer's expression, compiled on first use (~10 ms: a process that tokenizes nothing, such as a
    store being opened, does not pay it)."""
    return re.compile(_TOKEN_SYNTAX, re.VERBOSE)


@dataclass(slots=True)
class Token:
    kind: str
    text: str
    start: int = 0  # offset in the text with codepoint escapes decoded

    @property
    def keyword(self) -> str | None:
        return self.text.upper() if self.kind == "word" else None


def decode_escapes(text: str) -> str:
    r"""Decode ``\uXXXX`` and ``\UXXXXXXXX`` everywhere, as SPARQL does before parsing.

    >>> decode_escapes(r"\u0053ERVICE")
    'SERVICE'
    """
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def tokenize(text: str) -> list[Token]:
    """The significant tokens (no whitespace, no comments) of a SPARQL text."""
    out = []
    for m in _token_pattern().finditer(text):
        kind = m.lastgroup or "punct"
        if kind in ("ws", "comment"):
            continue
        out.append(Token(kind, m.group(), m.start()))
    return out


def term_end(tokens: list[Token], i: int, allow_literal: bool) -> int | None:
    """The index after the RDF term starting at ``tokens[i]``: a variable, an IRI, a prefixed name, ``a``, or
    (if ``allow_literal``) a string with its language or datatype; None for anything else (blank nodes,
    numbers, collections, paths).

    >>> term_end(tokenize('"7"^^xsd:int .'), 0, allow_literal=True)
    3
    >>> term_end(tokenize('_:b ?p ?o'), 0, allow_literal=False) is None
    True
    """
    if i >= len(tokens):
        return None
    tok = tokens[i]
    if tok.kind in _TERM_KINDS and not tok.text.startswith("_:"):
        return i + 1
    if tok.kind == "word" and tok.text == "a":
        return i + 1
    if allow_literal and tok.kind == "string":
        if i + 2 < len(tokens) and tokens[i + 1].text == "^^" and tokens[i + 2].kind in ("iri", "pname"):
            return i + 3
        if i + 2 < len(tokens) and tokens[i + 1].text == "@" and tokens[i + 2].kind == "word":
            return i + 3
        return i + 1
    return None
