"""One committed state of the store, immutable, with everything a reader asks of it.

Readers never see the store while it is written: they read a :class:`Snapshot`, a state that a write has
finished. On disk a snapshot is a RocksDB checkpoint (hard links to the store's immutable files, taken at the
end of each write) opened read-only, as pyoxigraph allows only for a directory nobody writes. A reader holds
a *lease* on it (a shared ``flock`` on its ``lease`` file) for as long as it is open, and the writer deletes an
old snapshot only when it can take that lock exclusively, so a snapshot is never removed under a reader, in
this process or another (query workers, a ``ppi query`` beside a running server). In memory a snapshot is a
copy of the store.

Everything derived from a state (class counts, the VoID description, join-planner counts) is remembered on
its snapshot (:meth:`Snapshot.memo`), so it is keyed on the state by construction and cannot go stale.

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.NamedNode("http://e/b"), ox.NamedNode("http://e/g")))
>>> snap = Snapshot(7, store, Catalog())
>>> snap.graphs(), snap.query_rows("SELECT ?o WHERE { <http://e/a> ?p ?o }")
([('http://e/g', 1)], (['o'], [{'o': 'http://e/b'}]))
"""

from __future__ import annotations

import fcntl
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import pyoxigraph as ox

from ..errors import InputError, PpikgError, msg
from ..namespaces import GRAPH, PREFIXES
from ..sparql.safety import check_nesting
from .catalog import INFERRED_PREFIX, Catalog, inferred_of

T = TypeVar("T")
LEASE = "lease"
CATALOG = "catalog.json"
DB = "db"
#: The prefixes every query may use without declaring them.
QUERY_PREFIXES = {p: str(ns) for p, ns in PREFIXES.items()}
PPI_VERSION_GRAPH = str(PREFIXES["ppi"]) + "versionGraph"
PROV_INVALIDATED = "http://www.w3.org/ns/prov#invalidatedAtTime"
#: A query that may name its own dataset (the lexer then says whether FROM is a keyword there).
_FROM = re.compile(r"\bfrom\b", re.IGNORECASE)
VERSION_GRAPHS = (GRAPH + "versiones/", GRAPH + "inferred/versiones/")  # content graphs of versions


def select(store: ox.Store, sparql: str, **options: Any) -> ox.QuerySolutions:
    """The solutions of SELECT query ``sparql`` over ``store``; TypeError if ``sparql`` is another form."""
    result = store.query(sparql, **options)
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError(f"not a SELECT query: {sparql}")
    return result


def plain(term: object) -> str | None:
    """A term as plain text: the IRI, the literal's value, ``_:id`` for a blank node; None when unbound.

    >>> plain(ox.NamedNode("http://e/x")), plain(ox.Literal("3")), plain(None)
    ('http://e/x', '3', None)
    """
    if term is None:
        return None
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)


class Lease:
    """A shared lock on a snapshot directory's ``lease`` file, held while the snapshot is read."""

    def __init__(self, directory: Path) -> None:
        try:
            self._fd: int | None = os.open(directory / LEASE, os.O_RDONLY)
        except FileNotFoundError:
            raise SnapshotGone(str(directory)) from None
        fcntl.flock(self._fd, fcntl.LOCK_SH)  # waits only while the collector renames a snapshot away
        if not (directory / DB).is_dir():  # it was collected between our open and our lock
            self.release()
            raise SnapshotGone(str(directory))

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the lock
            self._fd = None

    def __del__(self) -> None:
        self.release()


class SnapshotGone(PpikgError):
    """The snapshot was removed before it could be leased (a newer state exists: read that one)."""


def try_collect(directory: Path) -> bool:
    """Remove snapshot ``directory`` if no reader holds a lease on it; True if it was removed."""
    import shutil

    try:
        fd = os.open(directory / LEASE, os.O_RDONLY)
    except FileNotFoundError:
        shutil.rmtree(directory, ignore_errors=True)
        return True
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        trash = directory.with_name(directory.name + ".trash")
        os.rename(directory, trash)  # readers listing snapshots no longer see it; a late leaser finds no db/
    finally:
        os.close(fd)
    shutil.rmtree(trash, ignore_errors=True)
    return True


class Snapshot:
    """A committed state ``state`` of the store: its quads (``store``, never written) and its catalogue."""

    remote = False  # a remote SPARQL server answers its queries (store/remote.py): no local planning, no copies

    def __init__(self, state: int, store: ox.Store | None, catalog: Catalog, *,
                 directory: Path | None = None, lease: Lease | None = None, archive: Any = None) -> None:
        self.state = state
        self.catalog = catalog
        self.directory = directory
        self._archive = archive
        self._store = store
        self._lease = lease
        self._lock = threading.Lock()
        self._memo: dict[Any, Any] = {}
        self._dump: bytes | None = None
        self._graphs: list[str] = []  # the named graphs of the dump

    @classmethod
    def open(cls, directory: Path, state: int) -> Snapshot:
        """Lease and open the snapshot in ``directory`` (SnapshotGone if it was collected meanwhile)."""
        lease = Lease(directory)
        catalog = Catalog.from_json((directory / CATALOG).read_text(encoding="utf-8"))
        return cls(state, None, catalog, directory=directory, lease=lease)

    @property
    def store(self) -> ox.Store:
        """The snapshot's quads, opened read-only on first use."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    if self.directory is None:
                        raise PpikgError("the snapshot is closed")
                    self._store = ox.Store.read_only(str(self.directory / DB))
        return self._store

    def source(self) -> tuple:
        """What another process needs to open this same state (see :func:`open_source`)."""
        if self.directory is not None:
            return ("path", str(self.directory), self.state)
        with self._lock:
            if self._dump is None:
                self._dump = self.store.dump(format=ox.RdfFormat.N_QUADS) or b""
                # N-Quads holds no graph without triples: the names go beside it
                self._graphs = [g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode)]
        return ("dump", self._dump, self.state, self.catalog.to_json(), self._graphs)

    def close(self) -> None:
        """Release the lease (the snapshot may then be collected)."""
        self._store = None
        if self._lease is not None:
            self._lease.release()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """``compute()``, remembered for this state: for views derived from the whole store (class counts,
        VoID, term lists, planner counts) that cost a scan at a million triples."""
        with self._lock:
            if key in self._memo:
                return self._memo[key]
        value = compute()
        with self._lock:
            if len(self._memo) >= 256:
                self._memo.clear()
            return self._memo.setdefault(key, value)

    # --- reading --------------------------------------------------------------------------------------------

    def query(self, sparql: str, *, substitutions: dict | None = None, plan: bool = True, **dataset: Any):
        """A SPARQL query over this state: by default over the union of all graphs (asserted + inferred), the
        project prefixes predeclared, large joins run as hash joins (ppikg.sparql.planner)."""
        check_nesting(sparql)
        if not dataset and _FROM.search(sparql):  # the query's own FROM / FROM NAMED pin its dataset
            from ..sparql.safety import analyse

            clauses = [(c, iri) for c, iri in analyse(sparql, QUERY_PREFIXES).dataset if c in ("FROM", "FROM NAMED")]
            if clauses:
                graphs = [iri for _, iri in clauses]
                target = self if all(self.contains_graph(g) for g in graphs) else self.with_versions(graphs)
                return target.query(sparql, substitutions=substitutions, plan=plan,
                                    default_graph=[ox.NamedNode(i) for c, i in clauses if c == "FROM"],
                                    named_graphs=[ox.NamedNode(i) for c, i in clauses if c == "FROM NAMED"])
        options: dict[str, Any] = {"prefixes": QUERY_PREFIXES, **(dataset or {"use_default_graph_as_union": True})}
        text = sparql
        if plan and not substitutions and not self.remote:
            try:
                # The usual dataset's planner under a fixed key: building the general key costs more than an ASK.
                planner = self.memo("planner:union", lambda: self.planner(**options)) if not dataset \
                    else self.planner(**options)
                text = planner.rewrite(sparql) or sparql
            except (SyntaxError, ValueError, TypeError, StopIteration):
                text = sparql  # the query as written reports its own errors
        try:
            if substitutions:
                return self.store.query(text, substitutions=substitutions, **options)
            return self.store.query(text, **options)
        except SyntaxError as e:
            raise InputError(msg("sparql_syntax", detail=str(e))) from e

    def planner(self, **options: Any):
        """The join planner for queries with pyoxigraph ``options`` (dataset, prefixes, base IRI) over this
        state: its pattern counts are this state's, kept for as long as the snapshot is."""
        from ..sparql.planner import Planner

        key = ("planner", repr(sorted((k, repr(v)) for k, v in options.items())))
        return self.memo(key, lambda: Planner.over(self.store, **options))

    def query_rows(self, sparql: str, **kwargs: Any) -> tuple[list[str], list[dict[str, str | None]]]:
        """A query's variable names and rows of plain values (see :func:`plain`); ASK gives one ``ask`` column,
        CONSTRUCT/DESCRIBE the columns ``subject``, ``predicate``, ``object``."""
        result = self.query(sparql, **kwargs)
        if isinstance(result, ox.QueryBoolean):
            return ["ask"], [{"ask": "true" if bool(result) else "false"}]
        if isinstance(result, ox.QueryTriples):
            cols = ["subject", "predicate", "object"]
            return cols, [{"subject": plain(t.subject), "predicate": plain(t.predicate), "object": plain(t.object)} for t in result]
        names = [v.value for v in result.variables]
        return names, [{n: plain(sol[n]) for n in names} for sol in result]

    def quads(self, graph: str) -> Iterator[ox.Quad]:
        """The quads of ``graph``: a graph of this state, or a kept version's content graph (from the archive)."""
        if graph.startswith(VERSION_GRAPHS) and not self.contains_graph(graph):
            return self.with_versions([graph]).quads(graph)
        return self.store.quads_for_pattern(None, None, None, ox.NamedNode(graph))

    def ntriples(self, graph: str) -> bytes:
        """The triples of ``graph`` (as :meth:`quads` finds them) in N-Triples."""
        if graph.startswith(VERSION_GRAPHS) and not self.contains_graph(graph):
            return self.with_versions([graph]).ntriples(graph)
        store = self.store
        if isinstance(store, ox.Store):
            return store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph)) or b""
        return ox.serialize([q.triple for q in self.quads(graph)], format=ox.RdfFormat.N_TRIPLES) or b""

    def proposal_ntriples(self, proposal: str) -> tuple[bytes, bytes]:
        """The asserted graph that holds proposal ``proposal`` (its IRI) and the inferences made for it, in
        N-Triples."""
        graph = self.proposal_graph(proposal)
        return self.ntriples(graph), self.ntriples(inferred_of(graph))

    def version_graphs(self) -> list[str]:
        """The content graphs (and their inferences) of every kept version: what a dataset export adds."""
        from .versions import VERSIONS_GRAPH

        if not self.contains_graph(VERSIONS_GRAPH) or self.archive is None:
            return []
        rows = self.store.query(f"""SELECT ?g WHERE {{ GRAPH <{VERSIONS_GRAPH}> {{ ?v <{PPI_VERSION_GRAPH}> ?g
            FILTER NOT EXISTS {{ ?v <{PROV_INVALIDATED}> ?t }} }} }} ORDER BY ?g""")
        return [g for r in rows for g in (r["g"].value, inferred_of(r["g"].value))]  # type: ignore[union-attr]

    def contains_graph(self, iri: str) -> bool:
        try:
            return self.store.contains_named_graph(ox.NamedNode(iri))
        except ValueError:
            return False

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def graphs(self) -> list[tuple[str, int]]:
        """Every named graph with its number of triples, by IRI."""
        def count() -> list[tuple[str, int]]:
            counts = {g: 0 for g in self.graph_names()}
            for sol in select(self.store, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"):
                counts[sol["g"].value] = int(sol["n"].value)
            return sorted(counts.items())
        return self.memo("graphs", count)

    def entities(self, graphs: str = "GRAPH ?g") -> int:
        """Number of distinct IRIs in subject position over the named graphs (``graphs``: the pattern naming them)."""
        def count() -> int:
            rows = select(self.store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {graphs} {{ ?s ?p ?o }} FILTER(isIRI(?s)) }}")
            return int(next(iter(rows))["n"].value)
        return self.memo("entities", count)

    def counts_by_class(self) -> dict[str, int]:
        """Number of distinct instances of each class (asserted or inferred), largest first."""
        def count() -> dict[str, int]:
            rows = select(self.store, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c")
            counts = {plain(r["c"]) or "": int(r["n"].value) for r in rows}
            return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return self.memo("classes", count)

    def selected_graphs(self, which: str, graph: str | None = None, versions: bool = False) -> list[str]:
        """The graphs an export of ``which`` (asserted, inferred or all), optionally of one graph ``graph``
        (an IRI) and its inferences, covers; with ``versions`` (a dataset format), every kept version's content
        graphs too (each version under its own graph name: merged into one graph they would mix)."""
        if which not in ("asserted", "inferred", "all"):
            raise InputError(msg("export_selection", which=which))
        present = set(self.graph_names())
        if graph is not None:
            if graph.startswith(VERSION_GRAPHS) and self.has_graph(graph):
                return [graph] if (which != "asserted") == graph.startswith(INFERRED_PREFIX) or which == "all" else []
            if graph not in present:
                raise InputError(msg("no_graph_named", name=graph))
            if graph.startswith(INFERRED_PREFIX):
                chosen = [graph] if which != "asserted" else []
            else:
                counterpart = self.catalog.inferred_graph(graph) or inferred_of(graph)
                chosen = ([graph] if which != "inferred" else []) + ([counterpart] if which != "asserted" else [])
            return [g for g in chosen if g in present]
        inferred = sorted(g for g in present if g.startswith(INFERRED_PREFIX))
        asserted = sorted(g for g in present if g not in inferred)
        if versions:
            kept = self.version_graphs()
            inferred += [g for g in kept if g.startswith(INFERRED_PREFIX)]
            asserted += [g for g in kept if not g.startswith(INFERRED_PREFIX)]
        return {"asserted": asserted, "inferred": inferred, "all": asserted + inferred}[which]

    def export(self, out: BinaryIO, format: ox.RdfFormat, graphs: Iterable[str]) -> None:
        """Serialize ``graphs``: quad formats keep graph names, triple formats merge them into one graph."""
        chosen = list(graphs)
        if format.supports_datasets:
            ox.serialize((q for g in chosen for q in self.quads(g)), out, format, prefixes=QUERY_PREFIXES)
        else:
            triples = sorted({q.triple for g in chosen for q in self.quads(g)}, key=str)
            ox.serialize(triples, out, format, prefixes=QUERY_PREFIXES)

    @property
    def archive(self):
        """The store's archive of version contents (store/versions.py): beside the snapshots on disk."""
        if self._archive is None and self.directory is not None:
            from .versions import FileArchive

            self._archive = FileArchive(self.directory.parent.parent / "versions")
        return self._archive

    def version_of_graph(self, iri: str) -> tuple[str, bool] | None:
        """The version whose content graph ``iri`` names (``graph/versiones/x/N``; ``graph/inferred/versiones/x/N``
        for its inferences), if it is kept, and whether ``iri`` names its inferences."""
        from .versions import VERSION_GRAPH_PREFIX, VERSIONS_GRAPH

        inferred = iri.startswith(inferred_of(VERSION_GRAPH_PREFIX))
        if inferred:
            iri = VERSION_GRAPH_PREFIX + iri[len(inferred_of(VERSION_GRAPH_PREFIX)):]
        if not iri.startswith(VERSION_GRAPH_PREFIX) or not self.contains_graph(VERSIONS_GRAPH):
            return None
        try:
            graph = ox.NamedNode(iri)
        except ValueError:
            return None
        for q in self.store.quads_for_pattern(None, ox.NamedNode(str(PPI_VERSION_GRAPH)), graph, ox.NamedNode(VERSIONS_GRAPH)):
            dropped = self.store.quads_for_pattern(q.subject, ox.NamedNode(PROV_INVALIDATED), None, ox.NamedNode(VERSIONS_GRAPH))
            if next(iter(dropped), None) is None:
                return q.subject.value, inferred  # type: ignore[union-attr]
        return None

    def has_graph(self, iri: str) -> bool:
        """Whether a query may name graph ``iri``: a graph of this state or a kept version's content graph."""
        return self.contains_graph(iri) or (self.archive is not None and self.version_of_graph(iri) is not None)

    def with_versions(self, graphs: list[str]) -> Snapshot:
        """A scratch snapshot holding ``graphs``: those of this state copied, and each version content graph
        filled from the archive (its inferences in its ``graph/inferred/…`` counterpart)."""
        scratch = ox.Store()
        for g in dict.fromkeys(graphs):
            if self.contains_graph(g):
                scratch.extend(self.quads(g))
                continue
            found = self.version_of_graph(g)
            if found is None or self.archive is None:
                raise InputError(msg("not_a_graph", iri=g))
            version, inferences = found
            content = self.archive.get(version)[1 if inferences else 0]
            scratch.extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g))
                           for t in ox.parse(content, format=ox.RdfFormat.N_TRIPLES))
        return Snapshot(self.state, scratch, self.catalog)

    def proposal_graph(self, proposal: str) -> str:
        """The asserted graph that holds proposal ``proposal`` (its IRI); InputError if none does."""
        from ..namespaces import PPI

        rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
        try:
            node = ox.NamedNode(proposal)
        except ValueError:
            raise InputError(msg("not_an_iri", value=proposal)) from None
        holders = sorted(q.graph_name.value for q in self.store.quads_for_pattern(node, rdf_type, ox.NamedNode(PPI + "Proposal"))
                         if isinstance(q.graph_name, ox.NamedNode) and not q.graph_name.value.startswith(INFERRED_PREFIX))
        if not holders:
            raise InputError(msg("no_proposal_load", iri=proposal))

        return holders[0]


def open_source(source: tuple) -> Snapshot:
    """The snapshot that :meth:`Snapshot.source` describes, opened in this process (a query worker)."""
    if source[0] == "path":
        return Snapshot.open(Path(source[1]), source[2])
    if source[0] == "remote":
        from .remote import open_remote_source

        return open_remote_source(source)
    _, dump, state, catalog, graphs = source
    store = ox.Store()
    if dump:
        store.load(dump, format=ox.RdfFormat.N_QUADS)
    for graph in graphs:  # those without triples too
        store.add_graph(ox.NamedNode(graph))
    return Snapshot(state, store, Catalog.from_json(catalog))
