"""Words as the index sees them: folded (lower case, no accents), Spanish-stemmed (Snowball), and the
snippet of a text with the words a query matched marked.

A word is stemmed after folding, so «vínculos», «Vinculos» and «vinculo» have one stem, whatever accents
the person typing left out.

>>> terms("Los vínculos entre la Escuela y su entorno")
['los', 'vincul', 'entre', 'la', 'escuel', 'y', 'su', 'entorn']
>>> terms("VINCULO") == terms("vínculo")
True
>>> snippet("La escuela mantiene vínculos con su entorno.", {"vincul"}).marked("[", "]")
'La escuela mantiene [vínculos] con su entorno.'
>>> snippet("La escuela mantiene vínculos con su entorno.", {"vincul"}, width=20).marked("[", "]")
'…mantiene [vínculos] con…'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

#: A word: letters and digits (Unicode), as FTS5's own tokenizers split.
WORD = re.compile(r"\w+", re.UNICODE)


def fold(word: str) -> str:
    """Lower case, without accents or other combining marks (ñ → n, ü → u).

    >>> fold("Ñandú ÉXITO")
    'nandu exito'
    """
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer  # type: ignore[import-untyped]  # on first use: opening a store stems nothing

    return snowballstemmer.stemmer("spanish")


@lru_cache(maxsize=200_000)  # a corpus has tens of thousands of distinct words; each is stemmed once
def stem(word: str) -> str:
    """The Spanish Snowball stem of ``word`` as written, folded first (``_`` dropped: FTS5's tokenizer
    would split there)."""
    return _stemmer().stemWord(fold(word)).replace("_", "")


def terms(text: str) -> list[str]:
    """The stems of the words of ``text``, in order."""
    return [s for s in map(stem, WORD.findall(text)) if s]


@dataclass
class Snippet:
    """A passage of a text (``text``; ``before``/``after``: whether it was cut there) and the spans of the
    words the query matched in it (``marks``: start and end offsets in ``text``)."""

    text: str
    marks: list[tuple[int, int]] = field(default_factory=list)
    before: bool = False
    after: bool = False

    def parts(self) -> list[tuple[str, bool]]:
        """The passage as pieces (text, matched), in order: what a page marks up."""
        out, at = [], 0
        for a, b in self.marks:
            out += [(self.text[at:a], False), (self.text[a:b], True)]
            at = b
        out.append((self.text[at:], False))
        return [(t, m) for t, m in out if t]

    def marked(self, start: str, end: str) -> str:
        """The passage with each matched word between ``start`` and ``end``, «…» where it was cut."""
        body = "".join(start + t + end if m else t for t, m in self.parts())
        return ("…" if self.before else "") + body + ("…" if self.after else "")


def snippet(text: str, stems: set[str], width: int = 240) -> Snippet:
    """About ``width`` characters of ``text`` around the densest run of words whose stem is in ``stems``
    (the whole text when it is short), with those words marked; cut at word boundaries."""
    words = [(m.start(), m.end()) for m in WORD.finditer(text)]
    hits = [(a, b) for a, b in words if stem(text[a:b]) in stems]
    if len(text) <= width:
        return Snippet(text, hits)
    start = 0
    if hits:  # the window of ``width`` characters that holds the most hits, started a little before the first
        best = max(range(len(hits)), key=lambda i: sum(1 for a, _ in hits[i:] if a - hits[i][0] < width))
        start = max(0, hits[best][0] - width // 6)
        while start > 0 and not text[start - 1].isspace():
            start -= 1
    end = min(len(text), start + width)
    while end < len(text) and not text[end].isspace():
        end += 1
    kept = [(a - start, b - start) for a, b in hits if a >= start and b <= end]
    return Snippet(text[start:end], kept, before=start > 0, after=end < len(text))
