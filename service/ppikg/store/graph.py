"""The knowledge graph: one façade over the store (store/), its catalogue, loading and inference.

Named graphs: the ontology in ``graph/ontology``; each shipped ``data/NAME.ttl`` in ``graph/NAME``; the
shapes in ``graph/shapes``; each example proposal in ``graph/ejemplos/NAME``; a graph added later in
``graph/NAME``; inferences apart, in ``graph/inferred/…``; the public provenance of every loaded graph in
``graph/provenance``. Queries see the union of all of them. Which graph is which is the store's internal
catalogue (store/catalog.py), not part of the public dataset.

Every write (loading the shipped data, adding or removing a graph, an update) is one atomic write of the
store; every read goes to the latest committed :class:`~ppikg.store.snapshot.Snapshot`.

>>> with KnowledgeGraph(None) as kg:
...     kg.add_graph("demo", "<http://e/a> <http://e/p> <http://e/b> .", "nt", infer=False)
...     kg.query_rows("SELECT ?o WHERE { <http://e/a> ?p ?o }")
'https://w3id.org/ppikg/graph/demo'
(['o'], [{'o': 'http://e/b'}])
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal

import pyoxigraph as ox

from .. import __version__
from ..config import Project
from ..errors import InputError, NotFound, PpikgError, msg
from ..namespaces import GRAPH, PPI
from .backend import Backend, Writer
from ..search.index import SearchIndex
from ..search.sync import follow, open_index
from .catalog import (VERSIONS_GRAPH, BASE_INFERRED, EXAMPLES_PREFIX, INFERRED_PREFIX, ONTOLOGY_INFERRED, PROVENANCE_GRAPH,
                            SHAPES_GRAPH, inferred_of)
from .embedded import EmbeddedStore
from .loading import RULES_VERSION, Loader, ReasonerChoice, fingerprint, parse_rdf, remove_graph
from .snapshot import Snapshot, plain
from .versions import PROPOSALS_BASE, Version, Written, drop_version, history, known_content, record_versions
from ..media import rdf_format

if TYPE_CHECKING:  # rdflib is imported where an rdflib graph is made, not to open or query the store
    import rdflib

__all__ = ["KnowledgeGraph", "rdf_format", "plain", "BASE_INFERRED", "ONTOLOGY_INFERRED", "SHAPES_GRAPH",
           "PROVENANCE_GRAPH", "INFERRED_PREFIX", "EXAMPLES_PREFIX", "inferred_of"]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*")




class KnowledgeGraph:
    """The project's RDF store; every read and write of the graph goes through here."""

    def __init__(self, store_dir: str | Path | None, *, reasoner: ReasonerChoice = "auto",
                 project: Project | None = None, backend: Backend | None = None) -> None:
        self.project = project or Project.default()
        self.loader = Loader(reasoner)
        self.store_dir = Path(store_dir) if store_dir is not None else None
        self.backend: Backend = backend or EmbeddedStore(self.store_dir)
        self.read_only = self.backend.read_only
        self.search_index: SearchIndex | None = None  # the store's own file; a store in memory: none (see _write)
        location = self.backend.location
        if location is not None and not self.read_only:
            self.search_index = open_index(location, self.snapshot())

    # --- lifecycle ---------------------------------------------------------------------------------------

    def close(self) -> None:
        """Release the store (and its lock on disk)."""
        if self.search_index is not None:
            self.search_index.close()
            self.search_index = None
        self.backend.close()

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading -----------------------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The latest committed state: what every reader reads."""
        return self.backend.snapshot()

    @property
    def state(self) -> int:
        """The number of the latest committed state; every write moves it (caches are keyed on it)."""
        return self.snapshot().state

    @property
    def store(self) -> ox.Store:
        """The latest committed state's quads (read-only)."""
        return self.snapshot().store

    def query(self, sparql: str, **kwargs) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """A SPARQL query over the union of all graphs (asserted + inferred) of the latest state; the project
        prefixes are predeclared; large joins run as hash joins (ppikg.sparql.planner)."""
        return self.snapshot().query(sparql, **kwargs)

    def query_rows(self, sparql: str, **kwargs) -> tuple[list[str], list[dict[str, str | None]]]:
        """See :meth:`Snapshot.query_rows`."""
        return self.snapshot().query_rows(sparql, **kwargs)

    def graphs(self) -> list[tuple[str, int]]:
        """Every named graph with its number of triples, by IRI."""
        return self.snapshot().graphs()

    def counts_by_class(self) -> dict[str, int]:
        return self.snapshot().counts_by_class()

    def selected_graphs(self, which: str, graph: str | None = None) -> list[str]:
        """The graphs an export of ``which`` (asserted, inferred or all), optionally of one ``graph``, covers."""
        return self.snapshot().selected_graphs(which, self.graph_iri(graph) if graph is not None else None)

    def export(self, out: BinaryIO, format: str, which: Literal["asserted", "inferred", "all"] = "all",
               graph: str | None = None) -> None:
        """Serialize the asserted graphs, the inferred ones, or both, optionally only one graph and its
        inferences. Triple formats (ttl, nt, xml, jsonld) merge the chosen graphs into one; quad formats
        (nq, trig) keep graph names."""
        fmt = rdf_format(format)
        snapshot = self.snapshot()
        iri = self.graph_iri(graph) if graph is not None else None
        snapshot.export(out, fmt, snapshot.selected_graphs(which, iri, versions=fmt.supports_datasets and iri is None))

    def proposal_ntriples(self, proposal: str) -> tuple[bytes, bytes]:
        """The asserted graph that holds proposal ``proposal`` (its IRI) and the inferences made for it, as
        N-Triples dumped by the store (what validation by IRI reads, with no conversion)."""
        return self.snapshot().proposal_ntriples(proposal)

    def proposal_graphs(self, proposal: str) -> tuple[rdflib.Graph, rdflib.Graph]:
        """:meth:`proposal_ntriples` as rdflib graphs."""
        return _as_rdflib(self.proposal_ntriples(proposal))

    def shipped_graphs(self) -> list[str]:
        """IRIs of the graphs holding shipped data files."""
        return self.snapshot().catalog.graphs_of("shipped")

    def example_graphs(self) -> list[str]:
        """IRIs of the graphs holding the shipped example proposals (``graph/ejemplos/NAME``)."""
        return self.snapshot().catalog.graphs_of("example")

    def added_graphs(self) -> list[str]:
        """IRIs of the graphs added with :meth:`add_graph` (or created by an update)."""
        return self.snapshot().catalog.graphs_of("added")

    def is_reserved(self, iri: str) -> bool:
        """Whether graph ``iri`` is the project's own: only :meth:`load_shipped` writes those."""
        return self.snapshot().catalog.is_reserved(iri)

    def reserved_graphs(self) -> list[str]:
        """The project's own graphs present in the store."""
        snapshot = self.snapshot()
        return [g for g in snapshot.graph_names() if snapshot.catalog.is_reserved(g)]

    def fingerprint(self) -> str | None:
        """The fingerprint of the inputs the store was last built from (None if never built)."""
        return self.snapshot().catalog.fingerprint

    def graph_iri(self, name: str) -> str:
        """The IRI of a graph given its short name (``ontology``, ``inferred/base``, ``my-proposal``) or IRI."""
        if name.startswith(str(GRAPH)):
            return name
        if not _NAME.fullmatch(name):
            raise InputError(msg("graph_name_chars", name=name))
        return GRAPH + name

    # --- writing -----------------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Writer]:
        """One atomic write of the store, the one way every write goes: the search index follows it, committed
        just before the store commits and taken out again if the store's commit fails (ppikg.search.index).
        A store in memory has no index file: each state's index is built from its snapshot when searched."""
        index, followed = self.search_index, False
        try:
            with self.backend.write() as writer:
                yield writer
                if index is not None:
                    follow(index, writer, self.backend.oldest_state())
                    followed = True
        except BaseException:
            if index is not None and followed:
                index.undo(self.backend.snapshot().state)
            raise

    def search(self, text: str, lang: str = "es", kind: str | None = None, limit: int = 20,
               offset: int = 0) -> dict:
        """Full-text search over the latest state (see :func:`ppikg.search.query.search`)."""
        from ..search.query import search

        return search(self.snapshot(), text, lang, kind, limit, offset)

    def load_shipped(self, force: bool = False, progress: Callable[[str], None] | None = None) -> bool:
        """Load the ontology and shipped data and infer, unless the store already holds exactly these inputs.

        Also loads the shapes into ``graph/shapes`` (no inference) and each example proposal
        ``data/examples/NAME.ttl`` into ``graph/ejemplos/NAME``, inferred like an added graph. Returns True if
        it rebuilt, False if the store was up to date. Added graphs are kept, and their inferences recomputed
        against the new inputs. One atomic write: readers see the old build or the new one.
        """
        say = progress or (lambda _msg: None)
        p = self.project
        if not p.ontology_files() or not p.data_files():
            raise PpikgError(msg("project_files", path=str(p.root)))

        fp = fingerprint(p.input_files(), p.root)
        if not force and self.fingerprint() == fp:
            return False
        if self.read_only:
            raise PpikgError(msg("store_read_only_stale", path=str(self.store_dir)))
        t0 = time.perf_counter()
        files = {"ontology": p.ontology_files(), "data": p.data_files(), "shapes": p.shape_files(),
                 "examples": p.example_files()}
        def keep(writer, graph: str, f: Path) -> None:
            """An example's version, unless the store has one with its content already (a rebuild replays the
            earlier versions of each example before its current one)."""
            if f.parent.name != p.examples_dir.name and known_content(writer, graph):
                return
            record_versions(writer, self.backend.archive, [graph], file_name=f.relative_to(p.examples_dir).as_posix(),
                            content=f.read_bytes(), role=PPI + "ppikgProject")

        with self._write() as writer:
            before = writer.catalog.graphs_of("example")
            self.loader.load_shipped(writer, files, fp, say, history=p.example_history,
                                     loaded=lambda graph, f: keep(writer, graph, f))
            record_versions(writer, self.backend.archive, [g for g in before if g not in writer.catalog.graphs])
            inferred = writer.count(BASE_INFERRED)
        say(f"built in {time.perf_counter() - t0:.1f} s: {inferred} inferred triples")
        return True

    def add_graph(
        self,
        name: str,
        data: bytes | str | Path | rdflib.Graph,
        format: str | None = None,
        *,
        infer: bool = True,
        source: str | Path | tuple[str, bytes] | None = None,
        role: str | None = None,
    ) -> str:
        """Load ``data`` (RDF text or bytes, a file path or an rdflib graph) into graph ``name``, replacing it;
        returns its IRI.

        The input is parsed completely before anything is written: malformed input raises InputError and
        leaves the store as it was. Inferences go to ``inferred/NAME``; the provenance graph records the
        source file's name and SHA-256 (``source``: the file, or its name and bytes; by default ``data`` when it
        is a file), the time, and ``role``, the authenticated role that wrote it, if any.
        """
        iri = self.graph_iri(name)
        if self.is_reserved(iri):
            raise InputError(msg("graph_reserved", name=name))
        triples, raw = parse_rdf(data, format)
        if source is None and isinstance(data, Path):
            source = data
        file_name, content = _source_record(source, raw)
        with self._write() as writer:
            self.loader.add_graph(writer, iri, triples, infer=infer, file_name=file_name, content=content, role=role)
            record_versions(writer, self.backend.archive, [iri], file_name=file_name, content=content, role=role)
        return iri

    def add_graphs(self, graphs: Iterable[tuple[str, bytes | str | Path]], format: str | None = None, *,
                   infer: bool = True, role: str | None = None, workers: int = 1) -> list[str]:
        """Load many graphs at once: each ``(name, data)`` as :meth:`add_graph` loads it (its inferences,
        provenance and versions alike), all in one atomic write; returns their IRIs.

        Faster than one :meth:`add_graph` per graph: the context is indexed once for every graph's inferences,
        the triples are bulk-loaded, the store commits once. With ``workers`` > 1 the graphs are parsed and
        inferred in that many processes while this one writes (ppikg.store.batch): it pays only with idle cores
        (on 2 busy cores it was twice as slow as in one process, docs/benchmarks.md).
        Malformed data in any graph raises InputError naming it and leaves the store as it was.
        """
        items = []
        for name, data in graphs:
            iri = self.graph_iri(name)
            if self.is_reserved(iri):
                raise InputError(msg("graph_reserved", name=name))
            try:
                ox.NamedNode(iri)
            except ValueError:
                raise InputError(msg("graph_name_not_iri", name=name)) from None
            file_name, content = _source_record(data, None) if isinstance(data, Path) else (None, None)
            items.append((iri, data, file_name, content))
        iris = [iri for iri, *_ in items]
        if len(set(iris)) != len(iris):
            twice = sorted({i for i in iris if iris.count(i) > 1})
            raise InputError(msg("graph_twice", iri=twice[0]))
        with self._write() as writer:
            def keep(iri: str, written: Written | None, file_name: str | None, content: bytes | None) -> None:
                record_versions(writer, self.backend.archive, [iri], file_name=file_name, content=content, role=role,
                                written=written)

            self.loader.add_graphs(writer, items, format, infer=infer, role=role, workers=workers, written=keep)
        return iris

    def remove_graph(self, name: str) -> None:
        """Remove an added graph, its inferences and its provenance."""
        iri = self.graph_iri(name)
        if iri not in self.added_graphs():
            raise InputError(msg("no_added_graph", name=name))
        with self._write() as writer:
            remove_graph(writer, iri)
            record_versions(writer, self.backend.archive, [iri])

    def write_graph(self, iri: str | None, data: bytes, format: ox.RdfFormat, *, replace: bool,
                    role: str | None = None, prepared: tuple[bytes, bytes] | None = None,
                    source: tuple[str, bytes] | None = None) -> bool:
        """Put (``replace``) or post RDF ``data`` into graph ``iri`` (None: the store's default graph), parsed
        first (InputError if malformed; relative IRIs resolved against ``iri``); Forbidden for one of the
        project's own graphs. ``prepared``: the triples and their inferences as N-Triples, computed from
        ``data`` already by :func:`ppikg.store.trial.prepare_graph` on the latest state. Returns whether
        the graph was created. ``source``: the name and bytes of the file ``data`` was read from (an uploaded
        workbook), recorded instead of ``data`` itself."""
        from ..errors import Forbidden

        if iri is not None and self.is_reserved(iri):
            raise Forbidden(msg("graph_reserved_iri", iri=iri))
        inferred = None
        if prepared is None:
            triples, _ = parse_rdf(data, format, base_iri=iri)
        else:
            triples, inferred = (list(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)) for nt in prepared)
        created = iri is not None and not self.snapshot().contains_graph(iri)
        with self._write() as writer:
            self.loader.write_graph(writer, iri, triples, replace=replace, role=role, inferred=inferred,
                                    source=source)
            if iri is not None:
                name, content = source or (None, data)
                record_versions(writer, self.backend.archive, [iri], file_name=name, content=content, role=role)
        return created

    def update(self, sparql: str, base_iri: str | None = None, role: str | None = None) -> list[str]:
        """Run a SPARQL 1.1 Update (all or nothing: a malformed or failing update writes nothing), the project
        prefixes predeclared; returns the added graphs whose inferences it recomputed.

        An added graph the update changed (its size moved, or the update names it) gets its inferences
        recomputed; one it emptied or dropped loses its inferences and provenance; a graph it created is an
        added graph from then on. The inferences over the shipped data are only recomputed by
        ``load_shipped(force=True)``.
        """
        with self._write() as writer:
            redone, emptied = self.loader.update(writer, sparql, base_iri, role)
            record_versions(writer, self.backend.archive, redone + emptied, role=role)
            return redone

    # --- versions (store/versions.py) ---------------------------------------------------------------------

    def proposal_iri(self, proposal: str) -> str:
        """A proposal's IRI from its IRI or its name under ``propuestas/`` (``ejemplo-dgb``)."""
        if "://" in proposal:
            return proposal
        if not _NAME.fullmatch(proposal):
            raise InputError(msg("proposal_name", name=proposal, base=PROPOSALS_BASE))
        return PROPOSALS_BASE + proposal

    def history(self, proposal: str) -> list[Version]:
        """Every version of ``proposal`` (IRI or name), oldest first; InputError if it has none."""
        iri = self.proposal_iri(proposal)
        versions = history(self.snapshot(), iri)
        if not versions:
            raise NotFound(msg("no_versions_load", iri=iri))

        return versions

    def version(self, proposal: str, number: int | None = None) -> Version:
        """Version ``number`` of ``proposal`` (None: the current one); InputError if there is none."""
        versions = self.history(proposal)
        if number is None:
            current = [v for v in versions if v.current]
            if not current:
                raise NotFound(msg("no_current_version", proposal=versions[0].proposal))
            return current[0]
        for v in versions:
            if v.number == number:
                return v
        raise NotFound(msg("no_such_version", proposal=versions[0].proposal, number=number,
                           numbers=", ".join(str(v.number) for v in versions)))

    def version_ntriples(self, version: Version) -> tuple[bytes, bytes]:
        """The triples of ``version`` and the inferences made for it, in N-Triples as the archive keeps them
        (InputError once dropped)."""
        if version.dropped:
            raise InputError(msg("version_dropped_on", number=version.number, proposal=version.proposal,
                                 date=version.dropped))
        return self.backend.archive.get(version.iri)

    def version_graphs(self, version: Version) -> tuple[rdflib.Graph, rdflib.Graph]:
        """:meth:`version_ntriples` as rdflib graphs."""
        return _as_rdflib(self.version_ntriples(version))

    def drop_version(self, proposal: str, number: int, role: str | None = None) -> tuple[str, str | None]:
        """Drop version ``number`` of ``proposal``, recorded with the time and ``role`` (see
        :func:`ppikg.store.versions.drop_version`); returns the dropped IRI and the version current after."""
        iri = self.proposal_iri(proposal)
        with self._write() as writer:
            dropped, current = drop_version(writer, self.backend.archive, iri, number, role)
        self.backend.archive.discard(dropped)
        return dropped, current

    def add_records(self, quads: list[ox.Quad]) -> None:
        """Add lifecycle records (reports, decisions) to ``graph/versiones``, the only graph they may name."""
        self._check_records(quads)
        with self._write() as writer:
            writer.add_quads(quads)

    def set_statuses(self, statuses: dict[str, str], records: list[ox.Quad]) -> None:
        """In one write: each version of ``statuses`` (IRI → status IRI) takes its new ``ppi:versionStatus``,
        and the decision ``records`` are added (ppikg.lifecycle.authorisation)."""
        graph = ox.NamedNode(VERSIONS_GRAPH)
        status = ox.NamedNode(PPI + "versionStatus")
        with self._write() as writer:
            for version, value in statuses.items():
                node = ox.NamedNode(version)
                writer.remove_quads(q for q in writer.quads(VERSIONS_GRAPH, node) if q.predicate == status)
                writer.add_quads([ox.Quad(node, status, ox.NamedNode(value), graph)])
            self._check_records(records)
            writer.add_quads(records)

    @staticmethod
    def _check_records(quads: list[ox.Quad]) -> None:
        if any(q.graph_name != ox.NamedNode(VERSIONS_GRAPH) for q in quads):
            raise InputError(f"lifecycle records go to <{VERSIONS_GRAPH}> only")

    def trial_folder(self) -> str | None:
        """Where an update is tried before it runs (ppikg.store.trial): beside the snapshots, on the same
        disk (their files are hard-linked); None for a store in memory."""
        location = getattr(self.backend, "location", None)
        return str(location / "snapshots" / "trial") if location is not None else None

    def info(self) -> dict[str, object]:
        """Versions, store location, input fingerprint, graphs and class counts, reasoners used."""
        import importlib.metadata as md

        def version(dist: str) -> str | None:
            try:
                return md.version(dist)
            except md.PackageNotFoundError:
                return None

        snapshot = self.snapshot()
        catalog = snapshot.catalog
        return {
            "versions": {
                "ppikg": __version__,
                "rules": RULES_VERSION,
                "pyoxigraph": ox.__version__,
                "rdflib": version("rdflib"),
                "owlrl": version("owlrl"),
            },
            "store": str(self.store_dir) if self.store_dir else getattr(getattr(self.backend, "endpoint", None), "query", None),
            "read_only": self.read_only,
            "state": snapshot.state,
            "fingerprint": catalog.fingerprint,
            "reasoner": {
                "setting": self.loader.choice,
                "shipped": catalog.reasoner,
                **{g: catalog.graphs[g].reasoner for g in catalog.graphs_of("added")},
            },
            "graphs": dict(snapshot.graphs()),
            "classes": snapshot.counts_by_class(),
        }


def _as_rdflib(parts: tuple[bytes, bytes]) -> tuple[rdflib.Graph, rdflib.Graph]:
    import rdflib

    from .inference import to_rdflib

    asserted, inferred = (rdflib.Graph() for _ in range(2))
    for graph, data in ((asserted, parts[0]), (inferred, parts[1])):
        graph.addN((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object), graph)
                   for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    return asserted, inferred


def _source_record(source: str | Path | tuple[str, bytes] | None, raw: bytes | None) -> tuple[str | None, bytes | None]:
    """The name and bytes the provenance record names: a file's, or a folder's name and its files (a CSV template)."""
    if source is None:
        return None, raw
    if isinstance(source, tuple):
        return source
    path = Path(source)
    if path.is_dir():  # a folder of CSV files: its name, and the bytes of its files in name order
        try:
            return path.name, b"".join(f.name.encode() + b"\0" + f.read_bytes() + b"\0"
                                       for f in sorted(path.iterdir()) if f.is_file())
        except OSError as e:
            raise InputError(msg("cannot_read", path=path.name, detail=e.strerror or e)) from e
    try:
        return path.name, path.read_bytes()
    except OSError as e:
        raise InputError(msg("cannot_read", path=path.name, detail=e.strerror or e)) from e

