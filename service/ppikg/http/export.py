"""Researchers' access: streaming dumps at /export and the DCAT + VoID description at /.well-known/void."""

from __future__ import annotations

import importlib.metadata as md
import queue
import threading
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pyoxigraph as ox
import rdflib
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, RDFS, VOID, XSD

from .. import __version__
from ..errors import InputError, NotAcceptable, NotFound
from ..graph import INFERRED_PREFIX, KnowledgeGraph
from ..media import choose, find, formats, offers, rdf_format
from ..namespaces import BASE, GRAPH, LINEAMIENTOS, META, META_GRAPH, PPI, PREFIXES
from .head import HEAD_KEY

#: What a dump is offered in: every graph and dataset format of ppikg.media.FORMATS.
EXPORT_KINDS = ("graph", "dataset")
BATCH = 500  # quads serialized at a time for N-Triples / N-Quads
CHUNK = 64 * 1024  # bytes per chunk sent
_END = object()


def _quads(kg: KnowledgeGraph, graphs: list[str]) -> Iterator[ox.Quad]:
    for g in graphs:
        yield from kg.store.quads_for_pattern(None, None, None, ox.NamedNode(g))


class _Pipe:
    """A file-like object the serializer writes into, read as chunks of about CHUNK bytes through a bounded queue."""

    def __init__(self, chunk: int) -> None:
        self.queue: queue.Queue = queue.Queue(maxsize=4)
        self.buf = bytearray()
        self.chunk = chunk
        self.closed = threading.Event()  # the reader went away: stop writing

    def _put(self, item: object) -> None:
        while not self.closed.is_set():
            try:
                self.queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue
        raise BrokenPipeError("export cancelled")

    def write(self, data: bytes) -> int:
        self.buf += data
        if len(self.buf) >= self.chunk:
            self._put(bytes(self.buf))
            self.buf.clear()
        return len(data)

    def flush(self) -> None:
        pass

    def finish(self) -> None:
        if self.buf:
            self._put(bytes(self.buf))
            self.buf.clear()


class Download:
    """An export's chunks, made by ``produce(pipe)`` in a thread of its own; iterate it, and ``close()`` it
    from any thread when the reader goes away (the thread then stops within half a second).

    pyoxigraph's store iterators must stay on the thread that made them (used from another one, pyo3 aborts
    the whole process), and Starlette pulls each chunk of a streamed response on whichever worker thread is
    free: with several downloads at once, an iterator pulled that way moved and the server died. Here the
    store is read, and its iterator closed, only by the producer thread; other threads just take bytes.
    """

    def __init__(self, produce, chunk: int) -> None:
        self._produce = produce
        self._pipe = _Pipe(chunk)
        self._worker: threading.Thread | None = None
        self._done = False

    def _work(self) -> None:
        pipe = self._pipe
        try:
            self._produce(pipe)
            pipe.finish()
            pipe._put(_END)
        except BaseException as e:  # noqa: BLE001 - handed to the reader
            if not pipe.closed.is_set():
                try:
                    pipe._put(e)
                except BrokenPipeError:
                    pass

    def __iter__(self) -> Download:
        return self

    def __next__(self) -> bytes:
        if self._done:
            raise StopIteration
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="ppikg-export", daemon=True)
            self._worker.start()
        while True:
            try:
                item = self._pipe.queue.get(timeout=0.5)
                break
            except queue.Empty:
                if self._pipe.closed.is_set():
                    item = _END
                    break
        if item is _END:
            self.close()
            raise StopIteration
        if isinstance(item, BaseException):
            self.close()
            raise item
        return item

    def close(self) -> None:
        self._done = True
        self._pipe.closed.set()


class _DownloadResponse(StreamingResponse):
    """A streamed export that stops its producer however the response ends (done, error, client gone)."""

    def __init__(self, download: Download, **kwargs) -> None:
        super().__init__(download, **kwargs)
        self._download = download

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._download.close()


def _line_chunks(kg: KnowledgeGraph, graphs: list[str], fmt: ox.RdfFormat, batch: int):
    """N-Triples / N-Quads, serialized ``batch`` statements at a time: line formats, so pieces concatenate."""

    def produce(pipe: _Pipe) -> None:
        quads = _quads(kg, graphs)
        try:
            buf: list = []
            for q in quads:
                buf.append(q if fmt.supports_datasets else q.triple)
                if len(buf) >= batch:
                    pipe.write(ox.serialize(buf, format=fmt))
                    buf = []
            if buf:
                pipe.write(ox.serialize(buf, format=fmt))
        finally:
            quads.close()  # here, on the thread that opened the store iterator

    return produce


def _serialized(kg: KnowledgeGraph, graphs: list[str], fmt: ox.RdfFormat):
    """Any format: pyoxigraph's serializer reads the store lazily and writes into the pipe."""
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()}

    def produce(pipe: _Pipe) -> None:
        quads = _quads(kg, graphs)
        try:
            ox.serialize(quads if fmt.supports_datasets else (q.triple for q in quads), pipe, fmt, prefixes=prefixes)
        finally:
            quads.close()

    return produce


def export_chunks(kg: KnowledgeGraph, format: str, which: str = "all", graph: str | None = None,
                  *, batch: int = BATCH, chunk: int = CHUNK) -> Download:
    """The export as a stream of byte chunks; memory stays flat however large the dataset.

    Triple formats merge the chosen graphs (a triple in two graphs is written twice, which parsers merge);
    quad formats keep graph names. InputError (raised before the first chunk) for a bad format or graph.
    """
    fmt = rdf_format(format)
    graphs = kg.selected_graphs(which, graph)
    if fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS):
        return Download(_line_chunks(kg, graphs, fmt, batch), chunk)
    return Download(_serialized(kg, graphs, fmt), chunk)


def _filename(which: str, graph: str | None, ext: str) -> str:
    name = f"ppikg-{which}"
    if graph:
        short = graph.removeprefix(str(GRAPH)).strip("/") or "graph"
        name += "-" + "".join(c if c.isalnum() or c in "-_." else "-" for c in short)
    return f"{name}.{ext}"


def _licence() -> str:
    try:
        return md.metadata("ppikg").get("License") or "MIT"
    except md.PackageNotFoundError:
        return "MIT"


def void_graph(kg: KnowledgeGraph, base: str) -> rdflib.Graph:
    """DCAT + VoID description of the dataset served at ``base`` (the server's root URL, ending in /)."""
    g = rdflib.Graph()
    for p, ns in PREFIXES.items():
        g.bind(p, ns)
    g.bind("void", VOID)
    g.bind("dcat", DCAT)
    ds = rdflib.URIRef(base + ".well-known/void#dataset")
    graphs = dict(kg.graphs())
    total = sum(graphs.values())
    entities = next(iter(kg.store.query(
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s)) }")))["n"].value
    lit = rdflib.Literal
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.title, lit("ppikg: Lineamientos PPI para directores de EMS (2013) como grafo de conocimiento", lang="es")))
    g.add((ds, DCTERMS.title, lit("ppikg: the 2013 Lineamientos on PPI for directors (EMS, Mexico) as a knowledge graph", lang="en")))
    g.add((ds, DCTERMS.description, lit(
        "Disposiciones de los Lineamientos y del Acuerdo 449, competencias, aspectos, formas SHACL de los requisitos y "
        "propuestas de ejemplo (no oficiales), con las inferencias OWL 2 RL en grafos aparte.", lang="es")))
    g.add((ds, DCTERMS.description, lit(
        "Provisions of the Lineamientos and Acuerdo 449, competencies, aspects, the requirements as SHACL shapes and "
        "example (unofficial) proposals, with OWL 2 RL inferences in graphs of their own.", lang="en")))
    licence = _licence()
    g.add((ds, DCTERMS.license, rdflib.URIRef(f"https://spdx.org/licenses/{quote(licence)}.html")))
    g.add((ds, DCTERMS.rights, lit(f"{licence} (pyproject.toml of ppikg)")))
    g.add((ds, DCTERMS.source, rdflib.URIRef(str(LINEAMIENTOS))))
    g.add((ds, rdflib.URIRef(str(DCAT) + "version"), lit(__version__)))
    g.add((ds, OWL.versionInfo, lit(f"ppikg {__version__}")))
    fingerprint = kg.fingerprint()
    if fingerprint:
        g.add((ds, META.fingerprint, lit(fingerprint)))
        g.add((ds, DCTERMS.hasVersion, lit(f"data sha256:{fingerprint}")))
    g.add((ds, VOID.triples, lit(total, datatype=XSD.integer)))
    g.add((ds, VOID.entities, lit(int(entities), datatype=XSD.integer)))
    g.add((ds, VOID.uriSpace, lit(BASE)))
    g.add((ds, VOID.sparqlEndpoint, rdflib.URIRef(base + "sparql")))
    for vocab in ("ppi", "eli", "skos", "dcterms", "prov"):
        g.add((ds, VOID.vocabulary, rdflib.URIRef(str(PREFIXES[vocab]))))
    g.add((ds, VOID.rootResource, rdflib.URIRef(str(LINEAMIENTOS))))
    for fmt in formats(*EXPORT_KINDS):
        media = fmt.media
        url = rdflib.URIRef(base + "export?" + urlencode({"format": fmt.name, "which": "all"}))
        g.add((ds, VOID.dataDump, url))
        dist = rdflib.BNode()
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCAT.mediaType, rdflib.URIRef(f"https://www.iana.org/assignments/media-types/{media}")))
        g.add((dist, DCTERMS.format, lit(media)))
    classes = kg.counts_by_class()
    g.add((ds, VOID.classes, lit(len(classes), datatype=XSD.integer)))
    for cls, n in classes.items():
        part = rdflib.BNode()
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], rdflib.URIRef(cls)))
        g.add((part, VOID.entities, lit(n, datatype=XSD.integer)))
    for iri, n in graphs.items():
        sub = rdflib.URIRef(iri)
        g.add((ds, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, VOID.triples, lit(n, datatype=XSD.integer)))
        inferred = iri.startswith(INFERRED_PREFIX) or iri == str(META_GRAPH)
        which = "all" if inferred else "asserted"
        g.add((sub, VOID.dataDump, rdflib.URIRef(base + "export?" + urlencode({"format": "nq", "which": which, "graph": iri}))))
        g.add((sub, RDFS.comment, lit("inferido (OWL 2 RL)" if iri.startswith(INFERRED_PREFIX) else
                                       "registro del almacén" if iri == str(META_GRAPH) else "afirmado", lang="es")))
    g.add((ds, DCTERMS.conformsTo, rdflib.URIRef(str(PPI)[:-1])))
    return g


def router(kg: KnowledgeGraph) -> APIRouter:
    r = APIRouter()

    @r.get("/export")
    def export(request: Request, format: str = "ttl", which: str = "all", graph: str | None = None) -> Response:
        """The dataset (or one graph and its inferences) as RDF, streamed in chunks."""
        fmt = find("graph", format) or find("dataset", format)
        if fmt is None:
            raise InputError(f"unknown format {format!r}: use {', '.join(f.name for f in formats(*EXPORT_KINDS))}")
        if graph is not None and not kg.store.contains_named_graph(ox.NamedNode(kg.graph_iri(graph))):
            raise NotFound(f"no graph {graph!r} in this store")
        chunks = export_chunks(kg, fmt.name, which, graph)
        headers = {"Content-Disposition": f'attachment; filename="{_filename(which, graph, fmt.suffix[1:])}"'}
        if request.scope.get(HEAD_KEY):  # HEAD: the headers only; the export's thread never starts
            chunks.close()
        return _DownloadResponse(chunks, media_type=fmt.media, headers=headers)

    @r.get("/.well-known/void")
    def void(request: Request) -> Response:
        """DCAT + VoID description of the dataset: Turtle, or N-Triples, RDF/XML, JSON-LD by Accept."""
        base = str(request.base_url)
        media = choose("graph", None, request.headers.get("accept"))
        if media is None:
            raise NotAcceptable(f"the description is offered as {', '.join(offers('graph'))}")
        # Counting every graph and class is a scan of the store: once per store state, base URL and format.
        body = kg.per_state(("void", base, media), lambda: void_graph(kg, base).serialize(format=media))
        return Response(body, media_type=media, headers={"Vary": "Accept"})

    return r
