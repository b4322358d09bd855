"""The embedded store: pyoxigraph on disk (RocksDB) or in memory, with atomic writes and snapshot readers.

On disk, ``STORE/`` holds::

    lock            held (flock) by the one process that writes; others only read snapshots
    db/             the live RocksDB store, touched only by the writer
    catalog.json    the live catalogue (store/catalog.py)
    writing         present while a write is under way
    snapshots/N/    state N: db/ (a checkpoint: hard links to the live store's immutable files),
                    catalog.json and a lease file (store/snapshot.py)

A write creates ``writing``, changes ``db/`` and ``catalog.json`` as it likes (bulk loads included, which
pyoxigraph does not run in a transaction), then commits: it flushes, checkpoints the result into a new
``snapshots/N+1`` (built under a temporary name and renamed: the rename is the commit point) and removes
``writing``. Readers only ever open snapshots, so they see a write all at once or not at all. If the process
dies mid-write, the next writer to open the store finds ``writing`` and puts ``db/`` and ``catalog.json`` back
as the latest snapshot has them (the last committed state); a write that raises does the same at once.

In memory, the same holds within the process: a snapshot is a copy of the store taken at each commit, and
a write that raises puts the copy back.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ..errors import InputError, PpikgError, msg
from .backend import Backend, Writer
from .catalog import Catalog
from .snapshot import (CATALOG, DB, LEASE, QUERY_PREFIXES, Snapshot, SnapshotGone, select,
                       try_collect)
from .versions import Archive, FileArchive, MemoryArchive

if TYPE_CHECKING:
    from ..search.documents import Document

MARKER = "writing"
SNAPSHOTS = "snapshots"
_LOCK = "lock"
#: How recent a change of the snapshots folder may be for its modification time to hide a second change made
#: within the same clock tick (ext4 stamps with the kernel's coarse clock: a few milliseconds).
RACY_NS = 100_000_000
VERSIONS = "versions"
SEARCH = "search.sqlite"  # the search index (ppikg.search.index), with its -wal and -shm files
_OWN = {MARKER, SNAPSHOTS, _LOCK, DB, CATALOG, VERSIONS, SEARCH, SEARCH + "-wal", SEARCH + "-shm"}


class StoreWriter(Writer):
    """The operations of one write on a pyoxigraph store."""

    bulk_beside = True  # the store takes writes from several threads; its bulk loader releases the GIL

    def __init__(self, store: ox.Store, catalog: Catalog, state: int) -> None:
        self.store = store
        self.catalog = catalog
        self.state = state
        self.touched: set[str] | None = set()
        self._documents: dict[str, list[Document]] = {}

    def _touch(self, *graphs: str) -> None:
        if self.touched is not None:
            self.touched.update(graphs)
        for g in graphs:
            self._documents.pop(g, None)

    def keep_documents(self, graph: str, documents: list[Document]) -> None:
        self._documents[graph] = documents

    def kept_documents(self, graph: str) -> list[Document] | None:
        return self._documents.get(graph)

    def _marked(self, quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
        for q in quads:
            if isinstance(q.graph_name, ox.NamedNode):
                self._touch(q.graph_name.value)
            yield q

    def add(self, graph: str, triples: Iterable[ox.Triple | ox.Quad]) -> None:
        g = ox.NamedNode(graph)
        self._touch(graph)
        self.store.extend(ox.Quad(t.subject, t.predicate, t.object, g) for t in triples)

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        self.store.extend(self._marked(quads))

    def bulk_add(self, nquads: bytes, graphs: Iterable[str] | None = None) -> None:
        if graphs is None:  # the graphs are in the text: not worth reading it again to name them
            self.touched = None
            self._documents.clear()
        else:
            self._touch(*graphs)
        self.store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)

    def remove_quads(self, quads: Iterable[ox.Quad]) -> None:
        for q in list(self._marked(quads)):
            self.store.remove(q)

    def load_file(self, path: Path, format: ox.RdfFormat, graph: str) -> None:
        self._touch(graph)
        try:
            self.store.bulk_load(path=str(path), format=format, to_graph=ox.NamedNode(graph))
        except SyntaxError as e:
            raise InputError(msg("labelled", label=path.name, detail=str(e))) from e

    def drop(self, graph: str) -> None:
        node = ox.NamedNode(graph)
        if self.store.contains_named_graph(node):
            self._touch(graph)
            self.store.remove_graph(node)

    def update(self, sparql: str, *, base_iri: str | None = None, graphs: list[str] | None = None) -> None:
        if graphs is None:
            self.touched = None
            self._documents.clear()
        else:
            self._touch(*graphs)
        try:
            self.store.update(sparql, base_iri=base_iri, prefixes=QUERY_PREFIXES)
        except SyntaxError as e:
            raise InputError(msg("sparql_update_syntax", detail=str(e))) from e
        except RuntimeError as e:  # the update's own failure (e.g. DROP of a graph that is not there)
            raise InputError(msg("update_failed", detail=str(e))) from e

    def quads(self, graph: str | None = None, subject: ox.NamedNode | None = None,
              object: ox.NamedNode | None = None, predicate: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
        return self.store.quads_for_pattern(subject, predicate, object, ox.NamedNode(graph) if graph else None)

    def count(self, graph: str) -> int:
        rows = select(self.store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(next(iter(rows))["n"].value)

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))


def _copy(store: ox.Store) -> ox.Store:
    """A copy of ``store``: its quads and its named graphs, the empty ones too (``CREATE GRAPH``)."""
    out = ox.Store()
    out.extend(store)
    for graph in store.named_graphs():
        out.add_graph(graph)
    return out


class EmbeddedStore(Backend):
    """pyoxigraph, on disk at ``location`` or in memory (``location=None``)."""

    def __init__(self, location: str | Path | None) -> None:
        self._write_lock = threading.Lock()
        self._lock_fd: int | None = None
        self.read_only = False
        self._snapshots_seen: tuple[int, int] | None = None  # (mtime, inode) of the snapshots folder last listed
        self.location = Path(location) if location is not None else None
        self._snapshots_folder = str(self.location / SNAPSHOTS) if self.location is not None else ""  # for os.stat
        self.archive: Archive = FileArchive(self.location / VERSIONS) if self.location is not None else MemoryArchive()
        if self.location is None:
            self._live: ox.Store | None = ox.Store()
            self._catalog = Catalog()
            self._latest = Snapshot(0, ox.Store(), Catalog())
            return
        self.location.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(self.location / _LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another process writes: read its latest snapshot
            os.close(self._lock_fd)
            self._lock_fd = None
            self.read_only = True
            self._live = None
            self._latest = self._latest_on_disk()
            return
        self._open_as_writer()

    @classmethod
    def copy_of(cls, store: ox.Store, catalog: Catalog, state: int) -> EmbeddedStore:
        """A store in memory holding a copy of ``store`` (e.g. a snapshot's) with ``catalog``, at ``state``."""
        copy = cls(None)
        copy._live = _copy(store)
        copy._catalog = catalog.copy()
        copy._latest = Snapshot(state, _copy(store), catalog.copy())
        return copy

    # --- opening --------------------------------------------------------------------------------------------

    @property
    def _snapshots(self) -> Path:
        assert self.location is not None
        return self.location / SNAPSHOTS

    def _committed(self) -> list[tuple[int, Path]]:
        return committed_snapshots(self._snapshots)

    def _open_as_writer(self) -> None:
        assert self.location is not None
        migrated = _move_old_layout(self.location)
        self._snapshots.mkdir(exist_ok=True)
        for leftover in self._snapshots.iterdir():  # a snapshot being built or collected when a process died
            if not leftover.name.isdigit():
                shutil.rmtree(leftover, ignore_errors=True)
        if (self.location / MARKER).exists():
            self._recover()
        self._live = ox.Store(str(self.location / DB))
        catalog_file = self.location / CATALOG
        self._catalog = Catalog.from_json(catalog_file.read_text(encoding="utf-8")) if catalog_file.exists() else Catalog()
        committed = self._committed()
        if migrated:
            from .migration import catalog_from_meta_graph

            self._catalog = catalog_from_meta_graph(self._live)
        if migrated or not committed:
            self._commit(self._catalog, committed[-1][0] + 1 if committed else 1)
        else:
            self._latest = Snapshot.open(committed[-1][1], committed[-1][0])
        self.collect()

    def _recover(self) -> None:
        """Put ``db/`` and ``catalog.json`` back as the latest snapshot has them (a write died midway)."""
        assert self.location is not None
        committed = self._committed()
        shutil.rmtree(self.location / DB, ignore_errors=True)
        (self.location / CATALOG).unlink(missing_ok=True)
        if committed:
            link_copy(committed[-1][1] / DB, self.location / DB)
            shutil.copy2(committed[-1][1] / CATALOG, self.location / CATALOG)
        (self.location / MARKER).unlink()

    def _latest_on_disk(self) -> Snapshot:
        for _ in range(20):
            committed = self._committed()
            if not committed:
                raise PpikgError(msg("store_being_built", path=str(self.location)))
            try:
                return Snapshot.open(committed[-1][1], committed[-1][0])
            except SnapshotGone:
                continue
        raise PpikgError(msg("store_too_fast", path=str(self.location)))

    # --- the interface --------------------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        if self.read_only and self._snapshots_may_have_changed():
            committed = self._committed()
            if committed and committed[-1][0] != self._latest.state:
                self._latest = self._latest_on_disk()
        return self._latest

    def _snapshots_may_have_changed(self) -> bool:
        """Whether the snapshots folder may hold another state than when last listed: its modification time (or
        identity) moved, or is so recent that a change within the same tick of the file system's clock would not
        have moved it (git's "racy" check). A stat costs ~2 µs, a listing ~40 µs: look-ups ask at every request."""
        try:
            st = os.stat(self._snapshots_folder)
        except OSError:
            return True
        seen = (st.st_mtime_ns, st.st_ino)
        if seen != self._snapshots_seen or time.time_ns() - st.st_mtime_ns < RACY_NS:
            self._snapshots_seen = seen
            return True
        return False

    @contextmanager
    def write(self) -> Iterator[StoreWriter]:
        if self.read_only or self._live is None:
            raise PpikgError(msg("store_read_only", path=str(self.location)))

        with self._write_lock:
            if self.location is not None:
                _touch(self.location / MARKER)
            writer = StoreWriter(self._live, self._catalog.copy(), self._latest.state + 1)
            try:
                yield writer
            except BaseException:
                writer.store = None  # type: ignore[assignment]  # the live store must have no other holder to reopen
                self._rollback()
                raise
            self._commit(writer.catalog, writer.state)

    def _commit(self, catalog: Catalog, state: int) -> None:
        assert self._live is not None
        self._catalog = catalog
        if self.location is None:
            self._latest = Snapshot(state, _copy(self._live), catalog.copy(), archive=self.archive)
            return
        self._live.flush()
        _write_atomically(self.location / CATALOG, catalog.to_json())
        final = self._snapshots / f"{state:012d}"
        building = final.with_name(final.name + ".building")
        building.mkdir()
        self._live.backup(str(building / DB))
        shutil.copy2(self.location / CATALOG, building / CATALOG)
        _touch(building / LEASE)
        _fsync_dir(building)
        os.rename(building, final)  # the commit point
        _fsync_dir(self._snapshots)
        (self.location / MARKER).unlink(missing_ok=True)
        self._latest = Snapshot.open(final, state)
        self.collect()

    def _rollback(self) -> None:
        if self.location is None:
            self._live = _copy(self._latest.store)
            self._catalog = self._latest.catalog.copy()
            return
        import gc

        live, self._live = self._live, None
        del live
        gc.collect()  # pyoxigraph closes a store when its last reference goes (a traceback may hold one)
        self._recover()  # db/ is the last committed state again, on disk, whatever happens next
        try:
            self._live = ox.Store(str(self.location / DB))
        except OSError as e:
            raise PpikgError(f"the store at {self.location} could not be reopened after a failed write ({e}): "
                             "restart the process") from e
        self._catalog = Catalog.from_json((self.location / CATALOG).read_text(encoding="utf-8")) \
            if (self.location / CATALOG).exists() else Catalog()

    def oldest_state(self) -> int:
        committed = self._committed() if self.location is not None else []
        return committed[0][0] if committed else self._latest.state

    def collect(self) -> int:
        """Remove the snapshots older than the latest that no reader holds; returns how many were removed."""
        if self.location is None or self.read_only:
            return 0
        latest = self._latest.state
        return sum(try_collect(path) for state, path in self._committed() if state < latest)

    def close(self) -> None:
        if self._live is not None and self.location is not None:
            self._live.flush()
        self._live = None
        self._latest.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def committed_snapshots(folder: Path) -> list[tuple[int, Path]]:
    """The complete snapshots in ``folder`` (state, directory), oldest first; those being built or removed
    carry a suffix and are left out."""
    if not folder.is_dir():
        return []
    return sorted((int(p.name), p) for p in folder.iterdir() if p.name.isdigit())


def clone_store(source: str | Path, target: str | Path) -> Path:
    """A new store at ``target`` holding the latest committed state of the store at ``source`` (which may be in
    use meanwhile): its files hard-linked where they can be, so a copy of a large store is cheap."""
    source, target = Path(source), Path(target)
    committed = committed_snapshots(source / SNAPSHOTS)
    if not committed:
        raise PpikgError(f"no committed state in {source} to copy")
    state, directory = committed[-1]
    snapshot = Snapshot.open(directory, state)  # leased while we copy
    try:
        target.mkdir(parents=True)
        link_copy(directory / DB, target / DB)
        shutil.copy2(directory / CATALOG, target / CATALOG)
        if (source / VERSIONS).is_dir():  # each version's files are written once, never changed: linked
            (target / VERSIONS).mkdir()
            for f in (source / VERSIONS).iterdir():
                if f.name.endswith(".nt.gz"):
                    os.link(f, target / VERSIONS / f.name)
    finally:
        snapshot.close()
    return target


# --- files ----------------------------------------------------------------------------------------------------


def _touch(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def link_copy(source: Path, target: Path) -> None:
    """A RocksDB directory copied cheaply: its immutable table files hard-linked, the rest copied."""
    target.mkdir(parents=True)
    for f in source.iterdir():
        if f.suffix == ".sst":
            os.link(f, target / f.name)
        else:
            shutil.copy2(f, target / f.name)


def _move_old_layout(location: Path) -> bool:
    """A store written before snapshots existed has its RocksDB files at the top: move them into ``db/``."""
    if not (location / "CURRENT").exists() or (location / DB).exists():
        return False
    (location / DB).mkdir()
    for entry in location.iterdir():
        if entry.name not in _OWN:
            os.rename(entry, location / DB / entry.name)
    return True
