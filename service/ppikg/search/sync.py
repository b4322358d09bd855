"""The search index kept in step with the store: built from a state, brought up to date when the store is
opened, and following each write from inside it (store/graph.py calls :func:`follow` before the commit)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox

from ..store.backend import Writer
from ..store.catalog import Catalog, GraphKind
from ..store.snapshot import Snapshot
from .documents import Reader
from .index import FILE, SearchIndex

#: The graphs whose documents are searched, by catalogue kind: the ontology (its definitions), the shipped
#: data, the example proposals and every added graph.
SEARCHED: tuple[GraphKind, ...] = ("ontology", "shipped", "example", "added")


def searched(catalog: Catalog, present: set[str]) -> list[str]:
    return [g for g in catalog.graphs_of(*SEARCHED) if g in present]


def reader(quads: Callable[[ox.NamedNode, ox.NamedNode], Iterable[ox.Quad]], graphs: list[str]) -> Reader:
    """Reads one predicate of one of ``graphs`` with ``quads(graph, predicate)``; any other graph reads as
    empty (a graph no longer searched loses its documents)."""
    allowed = set(graphs)

    def read(graph: str, predicate: str) -> Iterable[ox.Quad]:
        return quads(ox.NamedNode(graph), ox.NamedNode(predicate)) if graph in allowed else ()

    return read


def build(index: SearchIndex, snapshot: Snapshot) -> None:
    """Rebuild ``index`` from every searched graph of ``snapshot``."""
    graphs = searched(snapshot.catalog, set(snapshot.graph_names()))
    store = snapshot.store
    index.rebuild(reader(lambda g, p: store.quads_for_pattern(None, p, None, g), graphs), graphs, snapshot.state)


def open_index(location: Path, snapshot: Snapshot) -> SearchIndex:
    """The index file of the store at ``location``, holding ``snapshot`` (its latest state): rows of a write
    that never committed are taken out, and an index missing, stale or of another layout is rebuilt."""
    path = location / FILE
    index = None
    try:
        index = SearchIndex(path)
        index.undo(snapshot.state)
    except sqlite3.DatabaseError:  # not an index (a damaged file): made again
        if index is not None:
            index.close()
        for f in (path, path.with_name(FILE + "-wal"), path.with_name(FILE + "-shm")):
            f.unlink(missing_ok=True)
        index = SearchIndex(path)
    if not index.covers(snapshot.state) or int(index.meta()["state"]) != snapshot.state:
        build(index, snapshot)
    return index


def follow(index: SearchIndex, writer: Writer, oldest: int) -> None:
    """Index the graphs ``writer`` changed (every searched graph when it cannot tell) as its state, with the
    documents the write holds in hand where it has them (:meth:`~ppikg.store.backend.Writer.kept_documents`);
    rows only states before ``oldest`` need are dropped."""
    graphs = searched(writer.catalog, set(writer.graph_names()))
    read = reader(lambda g, p: writer.quads(g.value, predicate=p), graphs)
    changed = [*graphs, *index.live_graphs()] if writer.touched is None else sorted(writer.touched)
    allowed = set(graphs)
    index.follow(read, changed, writer.state, oldest,
                 known=lambda g: writer.kept_documents(g) if g in allowed else None)
