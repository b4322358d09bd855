"""The knowledge graph: a pyoxigraph store holding ontology, data, added graphs and their inferences apart."""

from __future__ import annotations

import functools
import getpass
import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, Literal
from urllib.parse import quote

import pyoxigraph as ox
import rdflib
from rdflib.namespace import PROV, RDF, RDFS, XSD

from . import __version__, paths
from .errors import InputError, PpikgError
from .media import rdf_format
from .inference import RULES_VERSION, Reasoner, apply_rules, owlrl_closure, to_oxigraph, to_rdflib
from .namespaces import GRAPH, META, META_GRAPH, ONTOLOGY_GRAPH, PPI, PREFIXES
from .planner import Planner

ReasonerChoice = Literal["auto", "owlrl", "rules"]

INFERRED_PREFIX = str(GRAPH["inferred/"])
ONTOLOGY_INFERRED = GRAPH["inferred/ontology"]  # what the ontology entails on its own
BASE_INFERRED = GRAPH["inferred/base"]  # what the ontology + shipped data entail beyond that
SHAPES_GRAPH = GRAPH["shapes"]  # shapes/*.ttl: the requirements as SHACL shapes (not inferred over)
EXAMPLES_PREFIX = "ejemplos/"  # data/examples/NAME.ttl is loaded as graph/ejemplos/NAME (apart from graphs added under propuestas/)
#: Above this many triples, "auto" infers over the shipped data with the compiled rules instead of owlrl.
OWLRL_LIMIT = 20_000

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")


def plain(term: object) -> str | None:
    """A term as plain text: the IRI, the literal's value, ``_:id`` for a blank node; None when unbound.

    >>> plain(ox.NamedNode("http://e/x")), plain(ox.Literal("3", datatype=ox.NamedNode(str(XSD.integer)))), plain(None)
    ('http://e/x', '3', None)
    """
    if term is None:
        return None
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)


def fingerprint(files: Iterable[Path], root: Path = paths.PROJECT_ROOT) -> str:
    """sha256 over each file's path (relative to ``root``) and bytes, the package version and the rules version."""
    h = hashlib.sha256(f"ppikg {__version__} rules {RULES_VERSION}\n".encode())
    for f in files:
        try:
            rel = f.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            rel = f.name
        data = f.read_bytes()
        h.update(f"{rel}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def shape_files() -> list[Path]:
    """``shapes/*.ttl`` beside the ontology folder being loaded (the SHACL shapes of the requirements)."""
    roots = sorted({f.parent.parent for f in paths.ontology_files()})
    return sorted(f for root in roots for f in (root / "shapes").glob("*.ttl"))


def example_files() -> list[Path]:
    """``examples/*.ttl`` under the data folder being loaded (the shipped example proposals)."""
    folders = sorted({f.parent for f in paths.data_files()})
    return sorted(f for folder in folders for f in (folder / "examples").glob("*.ttl"))


def _nn(iri: str | rdflib.URIRef) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def _lit(value: str) -> ox.Literal:
    return ox.Literal(value)


def _writes(method):
    """Marks a method that changes the store: :attr:`KnowledgeGraph.generation` moves once it is done, so
    readers holding a view of the store (query workers, caches) know to refresh it."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        finally:
            self.generation += 1

    return wrapper


class KnowledgeGraph:
    """The project's RDF store; every read and write of the graph goes through here.

    Named graphs: the ontology in ``graph/ontology``; each shipped ``data/NAME.ttl`` in ``graph/NAME``;
    a graph added later in ``graph/NAME``; inferences apart, in ``graph/inferred/ontology``,
    ``graph/inferred/base`` (ontology + shipped data) and ``graph/inferred/NAME``; bookkeeping in ``graph/meta``.
    Queries see the union of all of them.

    >>> with KnowledgeGraph(None) as kg:
    ...     kg.add_graph("demo", "<http://e/a> <http://e/p> <http://e/b> .", "nt", infer=False)
    ...     kg.query_rows("SELECT ?o WHERE { <http://e/a> ?p ?o }")
    'https://w3id.org/ppikg/graph/demo'
    (['o'], [{'o': 'http://e/b'}])
    """

    def __init__(self, store_dir: str | Path | None, *, reasoner: ReasonerChoice = "auto") -> None:
        if reasoner not in ("auto", "owlrl", "rules"):
            raise PpikgError(f"unknown reasoner {reasoner!r}: use auto, owlrl or rules")
        self.reasoner: ReasonerChoice = reasoner
        self.store_dir = Path(store_dir) if store_dir is not None else None
        self.read_only = False
        self.generation = 0  # completed writes so far (see _writes)
        self._derived: dict = {}  # per_state(): key → value, for the store state `_derived_generation`
        self._derived_generation = 0
        self._derived_lock = threading.Lock()
        self._reasoner: Reasoner | None = None
        if self.store_dir is None:
            self._store: ox.Store | None = ox.Store()
            return
        self.store_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._store = ox.Store(str(self.store_dir))
        except OSError as busy:
            # Another process (e.g. a running server) holds the lock: read what it has written.
            self._store = _open_read_only(self.store_dir, busy)
            self.read_only = True

    def per_state(self, key, compute):
        """``compute()``, remembered until the store changes: for views derived from the whole store (class
        counts, the VoID description, term lists) that cost a scan each time at a million triples.

        >>> with KnowledgeGraph(None) as kg:
        ...     count = lambda: len(list(kg.store.quads_for_pattern(ox.NamedNode("http://e/a"), None, None, None)))
        ...     first = kg.per_state("n", count)
        ...     kg.add_graph("demo", "<http://e/a> <http://e/p> <http://e/b> .", "nt", infer=False)
        ...     (first, kg.per_state("n", count))
        'https://w3id.org/ppikg/graph/demo'
        (0, 1)
        """
        generation = self.generation
        with self._derived_lock:
            if self._derived_generation != generation:
                self._derived, self._derived_generation = {}, generation
            if key in self._derived:
                return self._derived[key]
        value = compute()
        with self._derived_lock:
            if self._derived_generation == generation == self.generation:  # no write meanwhile
                if len(self._derived) >= 64:
                    self._derived.clear()
                self._derived[key] = value
        return value

    # --- lifecycle ---------------------------------------------------------------------------------------

    def close(self) -> None:
        """Release the store (and its lock on disk). Further use raises PpikgError."""
        if self._store is not None:
            if not self.read_only:
                self._store.flush()
            self._store = None

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def store(self) -> ox.Store:
        if self._store is None:
            raise PpikgError("the knowledge graph is closed")
        return self._store

    def _writable(self) -> ox.Store:
        if self.read_only:
            raise PpikgError(f"the store at {self.store_dir} is open read-only (another process holds it)")
        return self.store

    # --- small store helpers -----------------------------------------------------------------------------

    def _triples(self, graphs: Iterable[str | rdflib.URIRef]) -> Iterator[ox.Triple]:
        for g in graphs:
            for q in self.store.quads_for_pattern(None, None, None, _nn(g)):
                yield q.triple

    def _rdflib(self, graphs: Iterable[str | rdflib.URIRef]) -> rdflib.Graph:
        out = rdflib.Graph()
        for t in self._triples(graphs):
            out.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        return out

    def _count(self, graph: str | rdflib.URIRef) -> int:
        rows = self.store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(next(iter(rows))["n"].value)

    def _drop(self, graph: str | rdflib.URIRef) -> None:
        if self.store.contains_named_graph(_nn(graph)):
            self.store.remove_graph(_nn(graph))

    def _meta(self, subject: str, predicate: str) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
        return [q.object for q in self.store.quads_for_pattern(_nn(subject), _nn(predicate), None, _nn(META_GRAPH))]

    def _meta_value(self, subject: str, predicate: str) -> str | None:
        values = self._meta(subject, predicate)
        return values[0].value if values else None

    def _forget(self, subject: str) -> None:
        for q in list(self.store.quads_for_pattern(_nn(subject), None, None, _nn(META_GRAPH))):
            self.store.remove(q)

    def _set_meta(self, subject: str, pairs: Iterable[tuple[str, ox.NamedNode | ox.Literal]]) -> None:
        self.store.extend(ox.Quad(_nn(subject), _nn(p), o, _nn(META_GRAPH)) for p, o in pairs)

    def _graphs_of_kind(self, kind: rdflib.URIRef) -> list[str]:
        return sorted(q.subject.value for q in self.store.quads_for_pattern(None, _nn(RDF.type), _nn(kind), _nn(META_GRAPH)))

    def shipped_graphs(self) -> list[str]:
        """IRIs of the graphs holding shipped data files."""
        return self._graphs_of_kind(META.ShippedGraph)

    def example_graphs(self) -> list[str]:
        """IRIs of the graphs holding the shipped example proposals (``graph/ejemplos/NAME``)."""
        return self._graphs_of_kind(META.ExampleGraph)

    def added_graphs(self) -> list[str]:
        """IRIs of the graphs added with :meth:`add_graph`."""
        return self._graphs_of_kind(META.AddedGraph)

    def _get_reasoner(self) -> Reasoner:
        if self._reasoner is None:
            self._reasoner = Reasoner(self._rdflib([ONTOLOGY_GRAPH]))
        return self._reasoner

    def _choose(self, size: int) -> Literal["owlrl", "rules"]:
        if self.reasoner != "auto":
            return self.reasoner
        return "owlrl" if size <= OWLRL_LIMIT else "rules"

    def _write(self, graph: str | rdflib.URIRef, triples: rdflib.Graph) -> None:
        g = _nn(graph)
        self.store.extend(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), g) for s, p, o in triples)

    # --- shipped data ------------------------------------------------------------------------------------

    @staticmethod
    def input_files() -> list[Path]:
        """The files :meth:`load_shipped` loads: ontology files, shipped data files, shapes, example proposals."""
        return [*paths.ontology_files(), *paths.data_files(), *shape_files(), *example_files()]

    def fingerprint(self) -> str | None:
        """The fingerprint of the inputs the store was last built from (None if never built)."""
        return self._meta_value(str(META.shipped), str(META.fingerprint))

    @_writes
    def load_shipped(self, force: bool = False, progress: Callable[[str], None] | None = None) -> bool:
        """Load the ontology and shipped data and infer, unless the store already holds exactly these inputs.

        Also loads the shapes into ``graph/shapes`` (no inference) and each example proposal
        ``data/examples/NAME.ttl`` into ``graph/ejemplos/NAME``, inferred like an added graph and with a
        PROV record. Returns True if it rebuilt, False if the store was up to date. Graphs added with :meth:`add_graph`
        are kept, and their inferences recomputed against the new inputs.
        """
        say = progress or (lambda _msg: None)
        files = self.input_files()
        fp = fingerprint(files)
        if not force and self.fingerprint() == fp:
            return False
        store = self._writable()
        t0 = time.perf_counter()
        # Forget the fingerprint first: if anything below fails, the next start rebuilds.
        self._forget(str(META.shipped))
        old = [ONTOLOGY_GRAPH, ONTOLOGY_INFERRED, BASE_INFERRED, SHAPES_GRAPH, *self.shipped_graphs()]
        examples = self.example_graphs()
        present = [g for g in [*old, *examples] if store.contains_named_graph(_nn(g))]
        if present:
            say(f"clearing {len(present)} old graphs")
        for g in old:
            self._drop(g)
            self._forget(str(g))
        for g in examples:
            self._remove(g)
        self._reasoner = None
        for f in paths.ontology_files():
            say(f"loading {f.name} into {ONTOLOGY_GRAPH}")
            self._bulk_load(f, ONTOLOGY_GRAPH)
        shipped = []
        for f in paths.data_files():
            g = GRAPH[f.stem]
            say(f"loading {f.name} into {g}")
            self._bulk_load(f, g)
            self._set_meta(str(g), [(str(RDF.type), _nn(META.ShippedGraph)), (str(PROV.wasDerivedFrom), _nn(f.resolve().as_uri()))])
            shipped.append(str(g))
        store.flush()
        reasoner = self._get_reasoner()
        say("inferring what the ontology entails on its own (owlrl)")
        self._write(ONTOLOGY_INFERRED, reasoner.ontology_inferences())
        size = len(reasoner.closure) + sum(map(self._count, shipped))
        how = self._choose(size)
        say(f"inferring over the shipped data ({how})")
        if how == "owlrl":
            self._write(BASE_INFERRED, owlrl_closure(self._rdflib(shipped), context_closure=reasoner.closure))
        else:
            apply_rules(store, reasoner.rules, [*shipped, str(ONTOLOGY_INFERRED)], str(BASE_INFERRED))
        shapes = shape_files()
        for f in shapes:
            say(f"loading {f.name} into {SHAPES_GRAPH}")
            self._bulk_load(f, SHAPES_GRAPH)
        if shapes:
            self._set_meta(str(SHAPES_GRAPH), [(str(RDF.type), _nn(META.ShapesGraph)),
                                               *((str(PROV.wasDerivedFrom), _nn(f.resolve().as_uri())) for f in shapes)])
        for f in example_files():
            g = str(GRAPH[EXAMPLES_PREFIX + f.stem])
            say(f"loading {f.name} into {g}")
            self._bulk_load(f, rdflib.URIRef(g))
            self._set_meta(g, [
                (str(RDF.type), _nn(META.ExampleGraph)),
                (str(RDF.type), _nn(PROV.Entity)),
                (str(PROV.wasDerivedFrom), _nn(f.resolve().as_uri())),
                (str(PROV.generatedAtTime), ox.Literal(_now(), datatype=_nn(XSD.dateTime))),
                (str(RDFS.comment), ox.Literal("Ejemplo del proyecto ppikg: no es un documento oficial.", language="es")),
                (str(RDFS.comment), ox.Literal("An example by the ppikg project: not an official document.", language="en")),
            ])
            # The compiled rules give the same triples as owlrl (tested) in a fraction of the time.
            self._infer_added(g, how=self.reasoner if self.reasoner != "auto" else "rules")
        for g in self.added_graphs():
            say(f"re-inferring {g}")
            self._infer_added(g)
        self._set_meta(
            str(META.shipped),
            [
                (str(META.fingerprint), _lit(fp)),
                (str(META.reasoner), _lit(how)),
                (str(PROV.generatedAtTime), ox.Literal(_now(), datatype=_nn(XSD.dateTime))),
            ],
        )
        store.flush()
        if self.store_dir is not None:
            store.optimize()  # compact now, so that readers opened meanwhile do not lose files to a later compaction
        say(f"built in {time.perf_counter() - t0:.1f} s: {self._count(BASE_INFERRED)} inferred triples")
        return True

    def _bulk_load(self, file: Path, graph: rdflib.URIRef) -> None:
        try:
            self.store.bulk_load(path=str(file), format=rdf_format(file.suffix), to_graph=_nn(graph))
        except SyntaxError as e:
            raise InputError(f"{file}: {e}") from e

    # --- added graphs ------------------------------------------------------------------------------------

    def graph_iri(self, name: str) -> str:
        """The IRI of a graph given its short name (``ontology``, ``inferred/base``, ``my-proposal``) or IRI."""
        if name.startswith(str(GRAPH)):
            return name
        if not _NAME.fullmatch(name):
            raise InputError(f"bad graph name {name!r}: use letters, digits, '.', '_', '-' and '/'")
        return str(GRAPH[name])

    @_writes
    def add_graph(
        self,
        name: str,
        data: bytes | str | Path | rdflib.Graph,
        format: str | None = None,
        *,
        infer: bool = True,
        source: str | None = None,
    ) -> str:
        """Load ``data`` (RDF text, a file path or an rdflib graph) into graph ``name``, replacing it; returns its IRI.

        The input is parsed completely before anything is written: malformed input raises InputError and
        leaves the store as it was. Inferences go to ``inferred/NAME``; a PROV record goes to the meta graph.
        """
        iri = self._addable(name)
        triples = _parse(data, format)
        store = self._writable()
        self._remove(iri)
        g = _nn(iri)
        store.extend(ox.Quad(t.subject, t.predicate, t.object, g) for t in triples)
        self._record_added(iri, source if source is not None or not isinstance(data, Path) else str(data))
        if infer:
            try:
                self._infer_added(iri)
            except BaseException:
                self._remove(iri)
                raise
        if self.store_dir is not None:
            store.flush()  # write memtables out now: otherwise memory grows with every graph added
        return iri

    def is_reserved(self, iri: str) -> bool:
        """Whether graph ``iri`` is the project's own (ontology, shapes, shipped data, examples, inferences,
        bookkeeping): only ``load_shipped`` writes those."""
        reserved = {str(META_GRAPH), str(ONTOLOGY_GRAPH), str(SHAPES_GRAPH), *self.shipped_graphs(), *self.example_graphs()}
        return iri in reserved or iri.startswith(INFERRED_PREFIX)

    def reserved_graphs(self) -> list[str]:
        """The project's own graphs present in the store."""
        return [g for g, _ in self.graphs() if self.is_reserved(g)]

    def _addable(self, name: str) -> str:
        """The IRI for a graph to add under ``name``; InputError if the name is reserved."""
        iri = self.graph_iri(name)
        if self.is_reserved(iri):
            raise InputError(f"graph {name!r} is reserved; choose another name")
        return iri

    def _record_added(self, iri: str, source: str | None) -> None:
        """The PROV record of an added graph: when, from which file, by whom."""
        record: list[tuple[str, ox.NamedNode | ox.Literal]] = [
            (str(RDF.type), _nn(META.AddedGraph)),
            (str(RDF.type), _nn(PROV.Entity)),
            (str(PROV.generatedAtTime), ox.Literal(_now(), datatype=_nn(XSD.dateTime))),
        ]
        if source:
            record.append((str(PROV.wasDerivedFrom), _nn(_source_iri(source))))
        user = _user()
        if user:
            agent = str(META["user/" + quote(user, safe="")])
            record.append((str(PROV.wasAttributedTo), _nn(agent)))
            self._set_meta(agent, [(str(RDF.type), _nn(PROV.Agent)), (str(RDFS.label), _lit(user))])
        self._set_meta(iri, record)

    def _infer_added(self, iri: str, how: Literal["owlrl", "rules"] | None = None) -> None:
        target = _inferred_of(iri)
        self._drop(target)
        self._forget(target)
        reasoner = self._get_reasoner()
        context = [str(ONTOLOGY_GRAPH), str(ONTOLOGY_INFERRED), *self.shipped_graphs(), str(BASE_INFERRED)]
        if how is None:
            # "auto": owlrl closes the whole context again for every graph (seconds per proposal), so added
            # graphs take the compiled rules, which the tests prove give exactly owlrl's useful inferences.
            how = "rules" if self.reasoner == "auto" else self.reasoner
        if how == "owlrl":
            self._write(target, owlrl_closure(self._rdflib([iri]), context_closure=self._rdflib(context)))
        else:
            self._infer_in_memory(reasoner, iri, context, target)
        self._set_meta(iri, [(str(META.reasoner), _lit(how)), (str(META.inferredGraph), _nn(target))])

    def _infer_in_memory(self, reasoner: Reasoner, iri: str, context: list[str], target: str) -> None:
        """Run the rules in a scratch in-memory store holding only the graph and its context, then write
        the result: the same triples as running them in place, several times faster than on disk."""
        scratch = ox.Store()
        for g in [iri, *context]:
            scratch.extend(self.store.quads_for_pattern(None, None, None, _nn(g)))
        apply_rules(scratch, reasoner.rules, [iri, *context], target)
        self.store.extend(scratch.quads_for_pattern(None, None, None, _nn(target)))

    def _remove(self, iri: str) -> None:
        for g in (iri, _inferred_of(iri)):
            self._drop(g)
            self._forget(g)

    @_writes
    def remove_graph(self, name: str) -> None:
        """Remove a graph added with :meth:`add_graph`, its inferences and its PROV record."""
        iri = self.graph_iri(name)
        if iri not in self.added_graphs():
            raise InputError(f"no added graph {name!r}")
        self._writable()
        self._remove(iri)

    @_writes
    def update(self, sparql: str, base_iri: str | None = None) -> list[str]:
        """Run a SPARQL 1.1 Update (all or nothing: a malformed or failing update writes nothing), the project
        prefixes predeclared; returns the added graphs whose inferences it recomputed.

        An added graph the update changed (its size moved, or the update names it) gets its inferences
        recomputed; one it emptied or dropped loses its inferences and PROV record. Other graphs are written
        as asked; the inferences over the shipped data are only recomputed by ``load_shipped(force=True)``.
        """
        store = self._writable()
        added = self.added_graphs()
        before = {g: self._count(g) for g in added}
        try:
            store.update(sparql, base_iri=base_iri, prefixes={p: str(ns) for p, ns in PREFIXES.items()})
        except SyntaxError as e:
            raise InputError(f"SPARQL update syntax error: {e}") from e
        redone = []
        for g in added:
            size = self._count(g) if store.contains_named_graph(_nn(g)) else 0
            if size == 0:
                self._remove(g)
            elif size != before[g] or f"<{g}>" in sparql:
                self._infer_added(g)
                redone.append(g)
        if self.store_dir is not None:
            store.flush()
        return redone

    # --- reading -----------------------------------------------------------------------------------------

    def proposal_graphs(self, proposal: str) -> tuple[rdflib.Graph, rdflib.Graph]:
        """The asserted graph that holds proposal ``proposal`` (its IRI) and the inferences made for it."""
        holders = [q.graph_name for q in self.store.quads_for_pattern(_nn(proposal), _nn(RDF.type), _nn(PPI.Proposal))
                   if isinstance(q.graph_name, ox.NamedNode) and not q.graph_name.value.startswith(INFERRED_PREFIX)]
        if not holders:
            raise InputError(f"no proposal {proposal} in the store (load it with `ppi import FILE --load`)")
        graph = holders[0].value
        return self._rdflib([graph]), self._rdflib([_inferred_of(graph)])

    def query(self, sparql: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Run a SPARQL query over the union of all graphs (asserted + inferred); the project prefixes are
        predeclared; large joins run as hash joins (ppikg.planner)."""
        options = {"use_default_graph_as_union": True, "prefixes": {p: str(ns) for p, ns in PREFIXES.items()}}
        planner = self.per_state("planner", lambda: Planner.over(self.store, **options))
        try:
            try:
                text = planner.rewrite(sparql) or sparql
            except (SyntaxError, ValueError, TypeError, StopIteration):
                text = sparql  # the query as written reports its own errors
            return self.store.query(text, **options)
        except SyntaxError as e:
            raise InputError(f"SPARQL syntax error: {e}") from e

    def query_rows(self, sparql: str) -> tuple[list[str], list[dict[str, str | None]]]:
        """A query's variable names and rows of plain values (see :func:`plain`); ASK gives one ``ask`` column,
        CONSTRUCT/DESCRIBE the columns ``subject``, ``predicate``, ``object``."""
        result = self.query(sparql)
        if isinstance(result, ox.QueryBoolean):
            return ["ask"], [{"ask": "true" if bool(result) else "false"}]
        if isinstance(result, ox.QueryTriples):
            cols = ["subject", "predicate", "object"]
            return cols, [{"subject": plain(t.subject), "predicate": plain(t.predicate), "object": plain(t.object)} for t in result]
        names = [v.value for v in result.variables]
        return names, [{n: plain(sol[n]) for n in names} for sol in result]

    def graphs(self) -> list[tuple[str, int]]:
        """Every named graph with its number of triples, by IRI."""
        counts = {g.value: 0 for g in self.store.named_graphs() if isinstance(g, ox.NamedNode)}
        for sol in self.store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"):
            counts[sol["g"].value] = int(sol["n"].value)
        return sorted(counts.items())

    def counts_by_class(self) -> dict[str, int]:
        """Number of distinct instances of each class (asserted or inferred, meta graph excluded), largest first."""
        rows = self.store.query(
            f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a ?c }} FILTER(?g != <{META_GRAPH}>) }} GROUP BY ?c"
        )
        counts = {plain(r["c"]) or "": int(r["n"].value) for r in rows}
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def selected_graphs(self, which: str, graph: str | None = None) -> list[str]:
        """The graphs an export of ``which`` (asserted, inferred or all), optionally of one ``graph``, covers."""
        if which not in ("asserted", "inferred", "all"):
            raise InputError(f"unknown selection {which!r}: use asserted, inferred or all")
        present = {g for g, _ in self.graphs()}
        if graph is not None:
            iri = self.graph_iri(graph)
            if iri not in present:
                raise InputError(f"no graph {graph!r}")
            if iri.startswith(INFERRED_PREFIX) or iri == str(META_GRAPH):
                chosen = [iri] if which != "asserted" else []
            else:
                counterpart = {str(ONTOLOGY_GRAPH): str(ONTOLOGY_INFERRED)}.get(iri)
                if counterpart is None:
                    counterpart = str(BASE_INFERRED) if iri in self.shipped_graphs() else _inferred_of(iri)
                chosen = ([iri] if which != "inferred" else []) + ([counterpart] if which != "asserted" else [])
            return [g for g in chosen if g in present]
        inferred = sorted(g for g in present if g.startswith(INFERRED_PREFIX))
        asserted = sorted(g for g in present if g not in inferred and g != str(META_GRAPH))
        return {"asserted": asserted, "inferred": inferred, "all": asserted + inferred}[which]

    def export(
        self,
        out: BinaryIO,
        format: str,
        which: Literal["asserted", "inferred", "all"] = "all",
        graph: str | None = None,
    ) -> None:
        """Serialize the asserted graphs, the inferred ones, or both, optionally only one graph and its inferences.

        Triple formats (ttl, nt, xml, jsonld) merge the chosen graphs into one; quad formats (nq, trig) keep
        graph names. The meta graph is only exported when asked for by name (``graph="meta"``).
        """
        fmt = rdf_format(format)
        chosen = self.selected_graphs(which, graph)
        prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
        if fmt.supports_datasets:
            quads = [q for g in chosen for q in self.store.quads_for_pattern(None, None, None, _nn(g))]
            ox.serialize(quads, out, fmt, prefixes=prefixes)
        else:
            triples = sorted(set(self._triples(chosen)), key=str)
            ox.serialize(triples, out, fmt, prefixes=prefixes)

    def info(self) -> dict[str, object]:
        """Versions, store location, input fingerprint, graphs and class counts, reasoners used."""
        import importlib.metadata as md

        def version(dist: str) -> str | None:
            try:
                return md.version(dist)
            except md.PackageNotFoundError:
                return None

        return {
            "versions": {
                "ppikg": __version__,
                "rules": RULES_VERSION,
                "pyoxigraph": ox.__version__,
                "rdflib": rdflib.__version__,
                "owlrl": version("owlrl"),
            },
            "store": str(self.store_dir) if self.store_dir else None,
            "read_only": self.read_only,
            "fingerprint": self.fingerprint(),
            "reasoner": {
                "setting": self.reasoner,
                "shipped": self._meta_value(str(META.shipped), str(META.reasoner)),
                **{g: self._meta_value(g, str(META.reasoner)) for g in self.added_graphs()},
            },
            "graphs": dict(self.graphs()),
            "classes": self.counts_by_class(),
        }


def _open_read_only(store_dir: Path, busy: OSError) -> ox.Store:
    error: Exception = busy
    for attempt in range(3):
        try:
            return ox.Store.read_only(str(store_dir))
        except (OSError, RuntimeError) as e:  # RuntimeError: the writer compacted files away meanwhile
            error = e
            time.sleep(0.05 * (attempt + 1))
    raise PpikgError(f"the store at {store_dir} is in use by another process ({busy}) and cannot be read: {error}")


def _inferred_of(iri: str) -> str:
    return str(GRAPH["inferred/" + iri.removeprefix(str(GRAPH))])


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return None


def _source_iri(source: str) -> str:
    if _SCHEME.fullmatch(source) and not re.match(r"[A-Za-z]:\\", source):
        return source
    return Path(source).resolve().as_uri()


def _parse(data: bytes | str | Path | rdflib.Graph, format: str | None) -> list[ox.Triple]:
    """Every triple of the input, parsed to the end (quads lose their graph name); InputError if malformed."""
    if isinstance(data, rdflib.Graph):
        try:
            return [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in data]
        except (TypeError, ValueError) as e:
            raise InputError(f"unsupported term in graph: {e}") from e
    if isinstance(data, Path):
        fmt = rdf_format(format or data.suffix or "ttl")
        try:
            data = data.read_bytes()
        except OSError as e:
            raise InputError(f"cannot read {data}: {e}") from e
    else:
        fmt = rdf_format(format or "ttl")
    try:
        return [q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(data, fmt, rename_blank_nodes=True)]
    except (SyntaxError, ValueError) as e:
        raise InputError(f"malformed {fmt.name} input: {e}") from e
