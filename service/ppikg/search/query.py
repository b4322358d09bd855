"""A search over one state of the store: the words asked for, the index that holds that state, the hits
ranked (BM25) with their snippets, labels and links.

What a person types is never handed to FTS5 as syntax: it is cut into words (a passage in double quotes is
a phrase), each word folded and stemmed, and every stem quoted, so ``"``, ``*``, ``NEAR(``, ``OR`` or
``-`` are plain text. Every document must hold every word; when none does, those holding any word are
given instead (``match: "any"``).

>>> parse('vínculos "la escuela" NEAR(entorno*', "es")
[['vincul'], ['la', 'escuel'], ['near'], ['entorn']]
>>> expression([['vincul'], ['la', 'escuel']], "AND")
'"vincul" AND "la escuel"'
"""

from __future__ import annotations

import re
from typing import Any

from ..describe import local_href
from ..errors import InputError
from ..i18n import check_lang, words
from ..store.snapshot import Snapshot
from .documents import KINDS
from .index import FILE, SearchIndex
from .sync import build
from .text import Snippet, snippet, terms

#: Characters and words a search may have: enough for a sentence of the law, not a document.
MAX_CHARS = 500
MAX_WORDS = 32
MAX_LIMIT = 100
MAX_OFFSET = 10_000
_PHRASE = re.compile(r'"([^"]*)"?')


def parse(text: str, lang: str) -> list[list[str]]:
    """The phrases of ``text`` as lists of stems (a word outside quotes is a phrase of one); InputError (in
    ``lang``) when it is empty, too long or has too many words."""
    w = words("search", lang)
    if len(text) > MAX_CHARS:
        raise InputError(w["too_long"].format(n=f"{len(text):,}", max=MAX_CHARS))
    phrases: list[list[str]] = []
    at = 0
    for m in _PHRASE.finditer(text):
        phrases += [[s] for s in terms(text[at:m.start()])]
        if quoted := terms(m.group(1)):
            phrases.append(quoted)
        at = m.end()
    phrases += [[s] for s in terms(text[at:])]
    count = sum(map(len, phrases))
    if count == 0:
        raise InputError(w["empty"])
    if count > MAX_WORDS:
        raise InputError(w["too_many"].format(n=count, max=MAX_WORDS))
    return phrases


def expression(phrases: list[list[str]], operator: str) -> str:
    """The FTS5 expression: each phrase quoted (stems are letters and digits only), joined by ``operator``."""
    return f" {operator} ".join('"' + " ".join(p) + '"' for p in phrases)


def check_kind(kind: str | None, lang: str) -> None:
    """InputError (in ``lang``) unless ``kind`` is None or a kind of document."""
    if kind is not None and kind not in KINDS:
        raise InputError(words("search", lang)["bad_kind"].format(kind=kind, kinds=", ".join(KINDS)))


def check_number(name: str, value: int, low: int, high: int, lang: str) -> int:
    """``value`` if it is within ``low..high``; InputError (in ``lang``) otherwise."""
    if not low <= value <= high:
        raise InputError(words("search", lang)["bad_number"].format(name=name, low=low, high=high))
    return value


def index_of(snapshot: Snapshot) -> SearchIndex:
    """The index that holds ``snapshot``'s state: the store's file when it covers that state, else one built
    in memory from the snapshot (a store in memory; a file missing, stale or rebuilt later); kept per state."""
    def open_index() -> SearchIndex:
        if snapshot.directory is not None:
            path = snapshot.directory.parent.parent / FILE
            if path.exists():
                index = SearchIndex(path)
                if index.covers(snapshot.state):
                    return index
                index.close()
        index = SearchIndex(None)
        build(index, snapshot)
        return index

    return snapshot.memo("search-index", open_index)


def search(snapshot: Snapshot, text: str, lang: str = "es", kind: str | None = None, limit: int = 20,
           offset: int = 0) -> dict[str, Any]:
    """The documents of ``snapshot`` that ``text`` finds, best first: ``{"query", "state", "total",
    "total_exact", "match", "hits": [{"rank", "iri", "kind", "kind_label", "label", "snippet", "highlights",
    "link"}]}``; labels and errors in ``lang``. ``total`` counts the hits up to :data:`.index.COUNT_CAP`;
    ``total_exact`` is False when there are more. ``highlights``: the spans (start, end) of the matched words
    in ``snippet``."""
    lang = check_lang(lang)
    w = words("search", lang)
    check_kind(kind, lang)
    check_number("limit", limit, 1, MAX_LIMIT, lang)
    check_number("offset", offset, 0, MAX_OFFSET, lang)
    phrases = parse(text, lang)
    index = index_of(snapshot)
    match = "all"
    total, exact, rows = index.search(expression(phrases, "AND"), snapshot.state, kind=kind, limit=limit,
                                      offset=offset)
    if total == 0 and len(phrases) > 1:
        match = "any"
        total, exact, rows = index.search(expression(phrases, "OR"), snapshot.state, kind=kind, limit=limit,
                                          offset=offset)
    stems = {s for p in phrases for s in p}
    hits = []
    for rank, row in enumerate(rows, start=offset + 1):
        passage = snippet(str(row["text"]), stems)
        hits.append({"rank": rank, "iri": row["iri"], "kind": row["kind"], "kind_label": w[f"kind_{row['kind']}"],
                     "label": row[f"label_{lang}"], "snippet": passage.marked("", ""),
                     "highlights": _spans(passage), "link": local_href(str(row["iri"])),
                     "score": round(-float(row["score"]), 4)})  # type: ignore[arg-type]
    return {"query": text, "state": snapshot.state, "total": total, "total_exact": exact, "match": match,
            "hits": hits}


def _spans(passage: Snippet) -> list[tuple[int, int]]:
    """The marks of ``passage`` as offsets into ``passage.marked("", "")`` (which starts with «…» if cut)."""
    shift = 1 if passage.before else 0
    return [(a + shift, b + shift) for a, b in passage.marks]


