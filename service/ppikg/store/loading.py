"""Writing the graphs: the shipped inputs, added graphs and updates, each with its inferences and provenance.

Every function here works inside one write (a :class:`~ppikg.store.backend.Writer`): the caller commits, so
the data, its inferences, the catalogue and the provenance record become visible together.

Inference: owlrl is the reference semantics; the compiled rules (ppikg.store.inference), run by forward chaining
over sets against the indexed context (ppikg.store.forward), are proven by the tests to give exactly owlrl's
useful inferences, many times faster. "auto" uses owlrl over the shipped data while they are small and the
rules for every added graph (owlrl closes the whole context again per graph).
"""

from __future__ import annotations

import hashlib
import re
import sys
import weakref
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pyoxigraph as ox

from .. import __version__
from ..errors import InputError, msg
from ..media import rdf_format
from ..namespaces import GRAPH, ONTOLOGY_GRAPH
from ..sparql.safety import check_nesting
from .backend import Writer
from .versions import Written, to_ntriples
from .catalog import (BASE_INFERRED, EXAMPLES_PREFIX, ONTOLOGY_INFERRED, PROVENANCE_GRAPH, SHAPES_GRAPH,
                      inferred_of, provenance_quads)

if TYPE_CHECKING:  # the reasoners and rdflib are imported when a graph is first inferred or converted
    from concurrent.futures import Future

    from .batch import Prepared
    import rdflib

    from .forward import ForwardChainer
    from .inference import Reasoner

#: The version of the inference rules (store/inference.py, store/forward.py). Bump when the rules or the
#: trivial-triple policy change: stored inferences are then rebuilt.
RULES_VERSION = "1"
ReasonerChoice = Literal["auto", "owlrl", "rules"]
#: Above this many triples, "auto" infers over the shipped data with the compiled rules instead of owlrl.
OWLRL_LIMIT = 20_000
#: The shipped examples are marked as what they are, in the provenance graph.
EXAMPLE_COMMENT = {"es": "Ejemplo del proyecto ppikg: no es un documento oficial.",
                   "en": "An example by the ppikg project: not an official document."}

Progress = Callable[[str], None]


def fingerprint(files: Iterable[Path], root: Path) -> str:
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


def to_oxigraph_triple(s: rdflib.term.Node, p: rdflib.term.Node, o: rdflib.term.Node) -> ox.Triple:
    """The pyoxigraph triple for rdflib terms; TypeError for a literal subject or a predicate that is no IRI."""
    from .inference import to_oxigraph

    subject, predicate = to_oxigraph(s), to_oxigraph(p)
    if isinstance(subject, ox.Literal) or not isinstance(predicate, ox.NamedNode):
        raise TypeError(f"not a valid triple: {s!r} {p!r} {o!r}")
    return ox.Triple(subject, predicate, to_oxigraph(o))


def to_rdflib_graph(writer: Writer, graphs: Iterable[str]) -> rdflib.Graph:
    import rdflib

    from .inference import to_rdflib

    out = rdflib.Graph()
    for g in graphs:
        for q in writer.quads(g):
            out.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return out


def write_rdflib(writer: Writer, graph: str, triples: rdflib.Graph) -> None:
    writer.add(graph, (to_oxigraph_triple(s, p, o) for s, p, o in triples))


def record_provenance(writer: Writer, graph: str, **record) -> None:
    """Replace the public PROV record of ``graph`` (see :func:`~ppikg.store.catalog.provenance_quads`)."""
    forget_provenance(writer, graph)
    writer.add_quads(provenance_quads(graph, **record))


def forget_provenance(writer: Writer, graph: str) -> None:
    node = ox.NamedNode(graph)
    old = list(writer.quads(PROVENANCE_GRAPH, node))
    sources = [q.object for q in old if q.predicate.value.endswith("#wasDerivedFrom")]
    writer.remove_quads(old)
    for source in sources:  # the file's record goes with the last graph made from it
        if isinstance(source, ox.NamedNode) and not any(True for _ in writer.quads(PROVENANCE_GRAPH, object=source)):
            writer.remove_quads(writer.quads(PROVENANCE_GRAPH, source))


def context_graphs(catalog) -> list[str]:
    """The graphs an added graph is inferred against: the ontology, the shipped data and their inferences."""
    return [str(ONTOLOGY_GRAPH), ONTOLOGY_INFERRED, *catalog.graphs_of("shipped"), BASE_INFERRED]


def remove_graph(writer: Writer, iri: str) -> None:
    """Remove a graph, its inferences, its catalogue entry and its provenance."""
    for g in (iri, inferred_of(iri)):
        writer.drop(g)
    writer.catalog.forget(iri)
    forget_provenance(writer, iri)


class Loader:
    """Loads and infers, with one reasoner built from the ontology graph (built on first use)."""

    def __init__(self, reasoner: ReasonerChoice = "auto") -> None:
        if reasoner not in ("auto", "owlrl", "rules"):
            raise InputError(msg("reasoner_unknown", name=reasoner))
        self.choice: ReasonerChoice = reasoner
        self._reasoner: Reasoner | None = None
        # The context indexed for the rules, once per write (a write may change the context: it is built anew).
        self._chainers: weakref.WeakKeyDictionary[Writer, ForwardChainer] = weakref.WeakKeyDictionary()

    def reasoner(self, writer: Writer) -> Reasoner:
        from .inference import Reasoner

        if self._reasoner is None:
            self._reasoner = Reasoner(to_rdflib_graph(writer, [str(ONTOLOGY_GRAPH)]))
        return self._reasoner

    def chainer(self, writer: Writer) -> ForwardChainer:
        from .forward import ForwardChainer

        """The rules indexed with the context an added graph is inferred against (:func:`context_graphs`), as
        ``writer`` sees it; built on first use in each write."""
        chainer = self._chainers.get(writer)
        if chainer is None:
            chainer = ForwardChainer(self.reasoner(writer).rules,
                                     (q for g in context_graphs(writer.catalog) for q in writer.quads(g)))
            self._chainers[writer] = chainer
        return chainer

    def load_shipped(self, writer: Writer, files: dict[str, list[Path]], fp: str, say: Progress,
                     history: Callable[[Path], list[Path]] = lambda f: [],
                     loaded: Callable[[str, Path], None] = lambda graph, f: None) -> None:
        """Replace the project's own graphs by the files in ``files`` (keys: ontology, data, shapes, examples),
        infer, and re-infer every added graph against them. Each example's earlier versions (``history(f)``)
        are written to its graph first, oldest first; ``loaded(graph, file)`` is called after each version of an
        example is written and inferred (store/versions.py keeps it)."""
        catalog = writer.catalog
        old = [str(ONTOLOGY_GRAPH), ONTOLOGY_INFERRED, BASE_INFERRED, SHAPES_GRAPH,
               *catalog.graphs_of("shipped", "example", "ontology", "shapes")]
        present = [g for g in dict.fromkeys(old) if g in writer.graph_names()]
        if present:
            say(f"clearing {len(present)} old graphs")
        for g in dict.fromkeys(old):
            if catalog.kind(g) == "example":
                remove_graph(writer, g)
            else:
                writer.drop(g)
                catalog.forget(g)
                forget_provenance(writer, g)
        self._reasoner = None
        self._chainers.pop(writer, None)
        for f in files["ontology"]:
            say(f"loading {f.name} into {ONTOLOGY_GRAPH}")
            writer.load_file(f, _format_of(f), str(ONTOLOGY_GRAPH))
        catalog.set(ONTOLOGY_GRAPH, "ontology")
        shipped = []
        for f in files["data"]:
            g = GRAPH + f.stem
            say(f"loading {f.name} into {g}")
            writer.load_file(f, _format_of(f), g)
            catalog.set(g, "shipped")
            record_provenance(writer, g, file_name=f.name, content=f.read_bytes())
            shipped.append(g)
        reasoner = self.reasoner(writer)
        say("inferring what the ontology entails on its own (owlrl)")
        write_rdflib(writer, ONTOLOGY_INFERRED, reasoner.ontology_inferences())
        size = len(reasoner.closure) + sum(map(writer.count, shipped))
        how = self.choice if self.choice != "auto" else ("owlrl" if size <= OWLRL_LIMIT else "rules")
        say(f"inferring over the shipped data ({how})")
        if how == "owlrl":
            from .inference import owlrl_closure

            write_rdflib(writer, BASE_INFERRED, owlrl_closure(to_rdflib_graph(writer, shipped), context_closure=reasoner.closure))
        else:
            from .forward import ForwardChainer

            base = ForwardChainer(reasoner.rules, (q for g in (str(ONTOLOGY_GRAPH), ONTOLOGY_INFERRED) for q in writer.quads(g)))
            writer.add(BASE_INFERRED, base.infer(q for g in shipped for q in writer.quads(g)))
        for f in files["shapes"]:
            say(f"loading {f.name} into {SHAPES_GRAPH}")
            writer.load_file(f, _format_of(f), SHAPES_GRAPH)
        if files["shapes"]:
            catalog.set(SHAPES_GRAPH, "shapes")
        for f in files["examples"]:
            g = GRAPH + EXAMPLES_PREFIX + f.stem
            for version in [*history(f), f]:
                say(f"loading {version.relative_to(f.parent).as_posix()} into {g}")
                writer.drop(g)
                writer.load_file(version, _format_of(version), g)
                catalog.set(g, "example")
                record_provenance(writer, g, file_name=version.name, content=version.read_bytes(), comments=EXAMPLE_COMMENT)
                self.infer_added(writer, g, how=self.choice if self.choice != "auto" else "rules")
                loaded(g, version)
        for g in catalog.graphs_of("added"):
            say(f"re-inferring {g}")
            self.infer_added(writer, g)
        catalog.fingerprint, catalog.reasoner = fp, how

    def add_graph(self, writer: Writer, iri: str, triples: list[ox.Triple], *, infer: bool,
                  file_name: str | None, content: bytes | None, role: str | None) -> None:
        """Replace added graph ``iri`` by ``triples``, with its inferences and provenance."""
        remove_graph(writer, iri)
        writer.add(iri, triples)
        writer.catalog.set(iri, "added")
        record_provenance(writer, iri, file_name=file_name, content=content, role=role)
        if infer:
            self.infer_added(writer, iri)

    def add_graphs(self, writer: Writer, graphs: Sequence[tuple[str, bytes | str | Path, str | None, bytes | None]],
                   format: str | None, *, infer: bool, role: str | None, workers: int,
                   written: Callable[[str, Written | None, str | None, bytes | None], None] = lambda *_: None) -> None:
        """Replace each added graph of ``graphs`` (IRI, data, file name, content: as :meth:`add_graph`; content
        None: the data's bytes) by its data, with its inferences and provenance, batch by batch (ppikg.store.batch:
        prepared in ``workers`` processes when above one, each batch written in bulk). ``written(iri, what,
        file_name, content)`` is called for each graph once written (store/versions.py keeps it; ``what`` is None
        when the graph's inferences were made after, by owlrl)."""
        from concurrent.futures import ThreadPoolExecutor

        from .batch import prepared

        for iri, *_ in graphs:
            remove_graph(writer, iri)
        forward = infer and self.choice != "owlrl"
        rules = self.reasoner(writer).rules if forward else []
        context = to_ntriples(q for g in context_graphs(writer.catalog) for q in writer.quads(g)) if forward else b""
        sources = {iri: (file_name, content) for iri, _, file_name, content in graphs}
        items = [(iri, data, format) for iri, data, *_ in graphs]
        # A batch's bulk load runs in a thread (Rust, the GIL released) while this one records the batch's
        # provenance and versions, which read and write other graphs; owlrl reads the graph, so waits for it.
        beside = writer.bulk_beside and not (infer and not forward)

        def load(batch: list[Prepared], nquads: bytes) -> None:
            writer.bulk_add(nquads, [g for p in batch for g in (p.iri, inferred_of(p.iri))])
            for p in batch:  # after the load, which forgets the documents kept for the graphs it fills
                writer.keep_documents(p.iri, p.documents)

        with ThreadPoolExecutor(1, thread_name_prefix="ppikg-bulk") as loads:
            loading: Future[None] | None = None
            for batch in prepared(rules, context, items, infer=forward, workers=workers):
                nquads = b"".join(p.nquads() for p in batch)
                if loading is not None:
                    loading.result()
                loading = loads.submit(load, batch, nquads)
                if not beside:
                    loading.result()
                self._record_batch(writer, batch, sources, infer=infer, forward=forward, role=role, written=written)
            if loading is not None:
                loading.result()

    def _record_batch(self, writer: Writer, batch: list[Prepared], sources: dict[str, tuple[str | None, bytes | None]],
                      *, infer: bool, forward: bool, role: str | None,
                      written: Callable[[str, Written | None, str | None, bytes | None], None]) -> None:
        """The catalogue entries, provenance, inferences by owlrl (when not ``forward``) and versions of a batch
        of graphs written in bulk."""
        for p in batch:
            file_name, content = sources[p.iri]
            content = p.raw if content is None else content
            writer.catalog.set(p.iri, "added", reasoner="rules" if forward else None)
            record_provenance(writer, p.iri, file_name=file_name, content=content, role=role)
            if infer and not forward:
                self.infer_added(writer, p.iri)
            written(p.iri, p.written if forward or not infer else None, file_name, content)

    def infer_added(self, writer: Writer, iri: str, how: Literal["owlrl", "rules"] | None = None,
                    inferred: list[ox.Triple] | None = None) -> None:
        """(Re)compute the inferences of graph ``iri`` in the context of the ontology and the shipped data
        (``inferred``: the inferences computed already, elsewhere, by :func:`context_graphs` and this method)."""
        target = inferred_of(iri)
        writer.drop(target)
        catalog = writer.catalog
        if how is None:
            how = "rules" if self.choice == "auto" else self.choice
        if inferred is not None:
            writer.add(target, inferred)
            catalog.set(iri, catalog.kind(iri) or "added", reasoner=how)
            return
        if how == "owlrl":
            from .inference import owlrl_closure

            write_rdflib(writer, target, owlrl_closure(to_rdflib_graph(writer, [iri]),
                                                       context_closure=to_rdflib_graph(writer, context_graphs(catalog))))
        else:
            writer.add(target, self.chainer(writer).infer(writer.quads(iri)))
        catalog.set(iri, catalog.kind(iri) or "added", reasoner=how)

    def write_graph(self, writer: Writer, iri: str | None, triples: list[ox.Triple], *, replace: bool,
                    role: str | None, inferred: list[ox.Triple] | None = None,
                    source: tuple[str, bytes] | None = None) -> None:
        """The Graph Store Protocol's PUT (``replace``) or POST of ``triples`` into graph ``iri`` (None: the
        store's default graph). A named graph is an added graph from then on, inferred (or given its
        ``inferred`` triples, computed already) and with provenance."""
        if iri is None:
            if replace:
                writer.update("CLEAR DEFAULT", graphs=[])
            writer.add_quads(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
            return
        if replace:
            remove_graph(writer, iri)
        writer.update(f"CREATE SILENT GRAPH <{iri}>", graphs=[iri])  # an empty PUT still makes the graph
        writer.add(iri, triples)
        if replace or writer.catalog.kind(iri) is None:
            name, content = source or (None, None)
            record_provenance(writer, iri, role=role, file_name=name, content=content)
        writer.catalog.set(iri, "added")
        self.infer_added(writer, iri, inferred=inferred)

    def update(self, writer: Writer, sparql: str, base_iri: str | None,
               role: str | None) -> tuple[list[str], list[str]]:
        """Run a SPARQL Update; added graphs it changed get their inferences recomputed, graphs it emptied lose
        their inferences, catalogue entry and provenance. Returns the graphs changed and those emptied."""
        check_nesting(sparql)
        added = writer.catalog.graphs_of("added")
        before = {g: writer.count(g) for g in added}
        known = set(writer.graph_names())
        writer.update(sparql, base_iri=base_iri)
        emptied: list[str] = []
        redone = []
        names = set(writer.graph_names())
        for g in added:
            size = writer.count(g) if g in names else 0
            if size == 0:
                remove_graph(writer, g)
                emptied.append(g)
            elif size != before[g] or f"<{g}>" in sparql:
                self.infer_added(writer, g)
                redone.append(g)
        for g in sorted(names - known):  # graphs the update created are added graphs from now on
            if not writer.catalog.is_reserved(g) and writer.count(g):
                writer.catalog.set(g, "added")
                record_provenance(writer, g, role=role)
                self.infer_added(writer, g)
                redone.append(g)
        return redone, emptied


def _format_of(path: Path) -> ox.RdfFormat:
    return rdf_format(path.suffix)


#: Elements nested at most this deep in RDF/XML: the parser's time grows faster than the depth (10,000 levels
#: take seconds, 100,000 minutes); RDF/XML written by tools nests a few levels.
MAX_XML_DEPTH = 1000
_XML_TAG = re.compile(rb"<(/?)(?![?!])[^>]*?(/?)>")


def check_xml(raw: bytes) -> None:
    """InputError for RDF/XML with a document type (its entities can expand a few hundred bytes to gigabytes:
    "billion laughs") or with elements nested deeper than MAX_XML_DEPTH.

    >>> check_xml(b'<!DOCTYPE r [<!ENTITY a "aaaa">]><r/>')
    Traceback (most recent call last):
    ...
    ppikg.errors.InputError: RDF/XML with a document type declaration (<!DOCTYPE …>) is not accepted: its entities are not expanded here; write them out or send Turtle
    """
    if re.search(rb"<!DOCTYPE", raw, re.IGNORECASE):
        raise InputError(msg("xml_doctype"))
    depth = 0
    for m in _XML_TAG.finditer(raw):
        if m.group(1):
            depth -= 1
        elif not m.group(2):
            depth += 1
            if depth > MAX_XML_DEPTH:
                raise InputError(msg("xml_too_deep", limit=MAX_XML_DEPTH))


def parse_rdf(data: bytes | str | Path | rdflib.Graph, format: str | ox.RdfFormat | None,
              base_iri: str | None = None) -> tuple[list[ox.Triple], bytes | None]:
    """Every triple of the input, parsed to the end (quads lose their graph name), and the input's bytes;
    InputError if malformed."""
    rdflib_module = sys.modules.get("rdflib")  # never imported: the data cannot be an rdflib graph
    if rdflib_module is not None and isinstance(data, rdflib_module.Graph):
        try:
            return [to_oxigraph_triple(s, p, o) for s, p, o in data], None
        except (TypeError, ValueError) as e:
            raise InputError(msg("unsupported_term", detail=str(e))) from e
    assert isinstance(data, (bytes, str, Path)), type(data)
    if isinstance(format, ox.RdfFormat):
        fmt = format
    elif isinstance(data, Path):
        fmt = rdf_format(format or data.suffix or "ttl")
    else:
        fmt = rdf_format(format or "ttl")
    if isinstance(data, Path):
        path = data
        try:
            data = path.read_bytes()
        except OSError as e:
            raise InputError(msg("cannot_read", path=path.name, detail=e.strerror or e)) from e
    raw = data.encode() if isinstance(data, str) else data
    if fmt == ox.RdfFormat.RDF_XML:
        check_xml(raw)
    try:
        triples = [q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(raw, fmt, base_iri=base_iri, rename_blank_nodes=True)]
    except (SyntaxError, ValueError) as e:
        raise InputError(msg("malformed_rdf", format=fmt.name, detail=str(e))) from e
    check_iris(triples, raw if fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS) and base_iri is None else None)
    return triples, raw


#: Characters in one IRI of written RDF. IRIs on the web are a few hundred characters, and clients and proxies
#: refuse URLs much past 8 KB: a longer IRI could never be asked for as a page, and every page that links it
#: would repeat it whole (a literal is cut on a page; an IRI cannot be).
MAX_IRI = 8_192


#: In N-Triples and N-Quads every IRI is written whole between ``<`` and ``>`` (escapes only make it longer), so
#: input with no such run longer than MAX_IRI has no IRI longer than that.
_LONG_IRIREF = re.compile(rb"<[^>]{%d}" % (MAX_IRI + 1))


def check_iris(triples: Iterable[ox.Triple], ntriples: bytes | None = None) -> None:
    """InputError for a triple with an IRI (or a literal's datatype) longer than MAX_IRI characters.
    ``ntriples``: the N-Triples or N-Quads text the triples were parsed from (without a base IRI), read first:
    without a long ``<…>`` run in it, the triples need no look.

    >>> check_iris([ox.Triple(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.NamedNode("urn:" + "i" * MAX_IRI))])
    Traceback (most recent call last):
    ...
    ppikg.errors.InputError: an IRI of 8,196 characters (<urn:iiiiiiiiiiiiiiii…>); IRIs may be at most 8,192
    """
    if ntriples is not None and not _LONG_IRIREF.search(ntriples):
        return
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            value = term.datatype.value if isinstance(term, ox.Literal) else getattr(term, "value", "")
            if isinstance(term, (ox.NamedNode, ox.Literal)) and len(value) > MAX_IRI:
                raise InputError(msg("iri_too_long", size=len(value), start=value[:20], limit=MAX_IRI))



__all__ = ["Loader", "fingerprint", "parse_rdf", "remove_graph"]
