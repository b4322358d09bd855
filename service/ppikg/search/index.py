"""The search index: SQLite FTS5 over the stemmed words of every document (its text and its Spanish label),
kept per state of the store.

Every row carries the state that wrote it (``born``) and the one that replaced it (``died``), so a reader of
state S sees exactly the documents of S (``born <= S < died``) even while a write adds state S+1: readers in
other processes (query workers, a ``ppi search`` beside a running server) never see half a write. The write
that makes state S+1 indexes its changes (only the graphs it touched, and of those only the ones whose
documents changed) and commits them to SQLite just *before* the store commits S+1; if the store's commit then
fails, or the process dies in between, the rows of S+1 are taken out again (:meth:`SearchIndex.undo`, also
when the store is next opened). Rows no reader can need any more (replaced before the oldest snapshot still
held) are removed at each write.

A search ranks in FTS5 itself (``ORDER BY rank LIMIT``: no row is joined before the cut), counts its hits
only up to :data:`COUNT_CAP`, and filters by kind with the ``kind`` column of the FTS table (weight 0 in the
rank), so a common word costs little more than a rare one.

``meta`` holds ``state`` (the latest state indexed) and ``since`` (the oldest state the rows describe
completely): a reader of a state outside ``since..state`` does not use the file (the index is missing, stale
or was rebuilt later) and builds one in memory from its snapshot instead.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .documents import Document, Reader, digest, documents
from .text import terms

#: The layout of the tables below; a file of another layout is rebuilt.
LAYOUT = "3"
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE graphs (graph TEXT NOT NULL, digest TEXT NOT NULL, born INTEGER NOT NULL, died INTEGER);
CREATE TABLE docs (id INTEGER PRIMARY KEY, graph TEXT NOT NULL, iri TEXT NOT NULL, kind TEXT NOT NULL,
                   text TEXT NOT NULL, label_es TEXT NOT NULL, label_en TEXT NOT NULL,
                   born INTEGER NOT NULL, died INTEGER);
CREATE INDEX docs_live ON docs (graph) WHERE died IS NULL;
CREATE INDEX docs_died ON docs (died) WHERE died IS NOT NULL;
CREATE VIRTUAL TABLE fts USING fts5 (terms, label, kind, tokenize = 'unicode61 remove_diacritics 0');
INSERT INTO fts (fts, rank) VALUES ('rank', 'bm25(1.0, 1.0, 0.0)');
"""
#: Hits are counted up to this many; a search with more says "more than" this.
COUNT_CAP = 1000
#: Rows fetched beyond those asked for, so that a tie at the cut is usually whole in one pass.
TIE_ROOM = 256
FILE = "search.sqlite"


class SearchIndex:
    """One index: a SQLite file (``path``) or a database in memory (``path=None``)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.db = sqlite3.connect(":memory:" if path is None else str(path), isolation_level=None,
                                  check_same_thread=False, timeout=30)
        if path is not None:
            self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.lock = threading.Lock()  # one transaction at a time on the connection (threads share it)

    def close(self) -> None:
        self.db.close()

    # --- what it holds --------------------------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        try:
            return dict(self.db.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError:  # no tables yet, or not an index at all
            return {}

    def covers(self, state: int) -> bool:
        """Whether the rows describe state ``state`` completely."""
        m = self.meta()
        return m.get("layout") == LAYOUT and int(m.get("since", -1)) <= state <= int(m.get("state", -1))

    def live_graphs(self) -> list[str]:
        """The graphs the latest state indexed has documents of."""
        return [g for (g,) in self.db.execute("SELECT graph FROM graphs WHERE died IS NULL ORDER BY graph")]

    # --- writing --------------------------------------------------------------------------------------------

    def rebuild(self, read: Reader, graphs: Iterable[str], state: int) -> None:
        """Replace everything by the documents of ``graphs`` at ``state``."""
        with self._transaction():
            for table in ("meta", "graphs", "docs", "fts"):
                self.db.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in filter(str.strip, SCHEMA.split(";")):
                self.db.execute(statement)
            for g in graphs:
                self._index_graph(read, g, state, None)
            self._set(layout=LAYOUT, since=state, state=state)

    def follow(self, read: Reader, graphs: Iterable[str], state: int, oldest: int,
               known: Callable[[str], list[Document] | None] = lambda graph: None) -> None:
        """Index, as state ``state``, the graphs a write touched (``graphs``: each one searchable or not, present
        or gone) whose documents changed; forget the rows replaced before state ``oldest``. ``known(graph)``:
        the graph's documents when the write has them in hand (None: read them)."""
        with self._transaction():
            current = dict(self.db.execute("SELECT graph, digest FROM graphs WHERE died IS NULL"))
            for g in dict.fromkeys(graphs):
                self._index_graph(read, g, state, current.get(g), known(g))
            gone = [r for (r,) in self.db.execute("SELECT id FROM docs WHERE died <= ?", (oldest,))]
            self.db.executemany("DELETE FROM fts WHERE rowid = ?", ((r,) for r in gone))
            self.db.execute("DELETE FROM docs WHERE died <= ?", (oldest,))
            self.db.execute("DELETE FROM graphs WHERE died <= ?", (oldest,))
            since = int(self.meta()["since"])
            self._set(state=state, since=max(since, oldest))

    def undo(self, state: int) -> None:
        """Take out every row written after state ``state`` (a write whose store commit did not happen)."""
        if int(self.meta().get("state", -1)) <= state:
            return
        with self._transaction():
            born = [r for (r,) in self.db.execute("SELECT id FROM docs WHERE born > ?", (state,))]
            self.db.executemany("DELETE FROM fts WHERE rowid = ?", ((r,) for r in born))
            for table in ("docs", "graphs"):
                self.db.execute(f"DELETE FROM {table} WHERE born > ?", (state,))
                self.db.execute(f"UPDATE {table} SET died = NULL WHERE died > ?", (state,))
            self._set(state=state)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def _index_graph(self, read: Reader, graph: str, state: int, old_digest: str | None,
                     docs: list[Document] | None = None) -> None:
        if docs is None:
            docs = list(documents(read, graph))
        new_digest = digest(docs) if docs else None
        if new_digest == old_digest:
            return
        if old_digest is not None:
            self.db.execute("UPDATE docs SET died = ? WHERE graph = ? AND died IS NULL", (state, graph))
            self.db.execute("UPDATE graphs SET died = ? WHERE graph = ? AND died IS NULL", (state, graph))
        if new_digest is not None:
            self.db.execute("INSERT INTO graphs VALUES (?, ?, ?, NULL)", (graph, new_digest, state))
            self._insert(docs, state)

    def _insert(self, docs: list[Document], state: int) -> None:
        for d in docs:
            cur = self.db.execute("INSERT INTO docs (graph, iri, kind, text, label_es, label_en, born) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?)",
                                  (d.graph, d.iri, d.kind, d.text, d.label_es, d.label_en, state))
            self.db.execute("INSERT INTO fts (rowid, terms, label, kind) VALUES (?, ?, ?, ?)",
                            (cur.lastrowid, " ".join(terms(d.text)), " ".join(terms(d.label_es)), d.kind))

    def _set(self, **values: object) -> None:
        self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", ((k, str(v)) for k, v in values.items()))

    # --- reading --------------------------------------------------------------------------------------------

    def search(self, match: str, state: int, *, kind: str | None = None, limit: int = 20,
               offset: int = 0) -> tuple[int, bool, list[dict[str, object]]]:
        """The documents of state ``state`` that FTS5 expression ``match`` finds (of ``kind`` if given), best
        first by BM25 then by IRI; how many there are, up to :data:`COUNT_CAP`; and whether that is all of them
        (False: more than that many)."""
        match = "{terms label} : (" + match + ")"
        if kind is not None:
            match = f'kind : "{kind}" AND {match}'
        with self.lock:
            self.db.execute("BEGIN")
            try:
                (count,) = self.db.execute(
                    f"SELECT COUNT(*) FROM (SELECT 1 {_LIVE} LIMIT ?)", (match, state, state, COUNT_CAP + 1)).fetchone()
                rows = self._ranked(match, state, offset + limit)[offset:] if count else []
            finally:
                self.db.execute("COMMIT")
        keys = ("score", "iri", "kind", "text", "label_es", "label_en", "graph")
        return min(count, COUNT_CAP), count <= COUNT_CAP, [dict(zip(keys, row)) for row in rows]

    def _ranked(self, match: str, state: int, need: int) -> list[tuple]:
        """The best ``need`` live documents by (rank, IRI). FTS5 ranks and cuts, with room for ties; rows of
        other states, and ties with the last row fetched, are sorted out here, fetching more when they cross
        the cut."""
        fetch = need + TIE_ROOM
        while True:
            rows = self.db.execute(f"SELECT t.score, d.iri, d.kind, d.text, d.label_es, d.label_en, d.graph, d.born, "
                                   f"d.died FROM ({_RANKED}) t JOIN docs d ON d.id = t.rowid", (match, fetch)).fetchall()
            live = _live(rows, state)
            if len(rows) < fetch:  # every hit is in hand
                return live[:need]
            before = [r for r in live if r[0] < rows[-1][0]]  # all that rank above the last row fetched
            if len(before) >= need:
                return before[:need]
            fetch *= 8


#: The hits of a match (``?``) in a state (``?``, ``?``), in no order.
_LIVE = "FROM fts JOIN docs d ON d.id = fts.rowid WHERE fts MATCH ? AND d.born <= ? AND (d.died IS NULL OR d.died > ?)"
#: The best hits of a match (``?``), as many as asked for (``?``), ranked and cut by FTS5 alone.
_RANKED = "SELECT rowid, rank AS score FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT ?"


def _live(rows: list[tuple], state: int) -> list[tuple]:
    """The rows of ``state`` (born at or before it, not replaced by then), by (rank, IRI), without born/died."""
    return sorted((r[:7] for r in rows if r[7] <= state and (r[8] is None or r[8] > state)), key=lambda r: r[:2])
