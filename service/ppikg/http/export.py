"""Researchers' access: streaming dumps at /export and the DCAT + VoID description at /.well-known/void.

A dump streams one committed state (a snapshot, leased until the download ends) from a thread of its own,
and stops when the client leaves; the VoID description is computed in a query worker (ppikg.void)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from ..errors import InputError, NotAcceptable, NotFound, msg
from ..store.graph import KnowledgeGraph
from ..store.snapshot import Snapshot
from ..void import EXPORT_KINDS, void_body
from ..media import choose, find, formats, offers, rdf_format
from ..namespaces import GRAPH, PREFIXES
from .common import call
from .head import HEAD_KEY

BATCH = 500  # quads serialized at a time for N-Triples / N-Quads
CHUNK = 64 * 1024  # bytes per chunk sent
_END = object()


def _quads(snapshot: Snapshot, graphs: list[str]) -> Generator[ox.Quad, None, None]:
    for g in graphs:
        yield from snapshot.quads(g)


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


def _line_chunks(snapshot: Snapshot, graphs: list[str], fmt: ox.RdfFormat, batch: int):
    """N-Triples / N-Quads, serialized ``batch`` statements at a time: line formats, so pieces concatenate."""

    def produce(pipe: _Pipe) -> None:
        quads = _quads(snapshot, graphs)
        try:
            buf: list = []
            for q in quads:
                buf.append(q if fmt.supports_datasets else q.triple)
                if len(buf) >= batch:
                    pipe.write(ox.serialize(buf, format=fmt) or b"")
                    buf = []
            if buf:
                pipe.write(ox.serialize(buf, format=fmt) or b"")
        finally:
            quads.close()  # here, on the thread that opened the store iterator

    return produce


def _serialized(snapshot: Snapshot, graphs: list[str], fmt: ox.RdfFormat):
    """Any format: pyoxigraph's serializer reads the store lazily and writes into the pipe."""
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()}

    def produce(pipe: _Pipe) -> None:
        quads = _quads(snapshot, graphs)
        try:
            # pyoxigraph writes to any object with write(); its stub asks for IO[bytes]
            ox.serialize(quads if fmt.supports_datasets else (q.triple for q in quads), pipe, fmt,  # type: ignore[arg-type]
                         prefixes=prefixes)
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
    snapshot = kg.snapshot()  # the whole download reads this one state (its lease held while it runs)
    graphs = snapshot.selected_graphs(which, kg.graph_iri(graph) if graph is not None else None,
                                      versions=fmt.supports_datasets and graph is None)
    if fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS):
        return Download(_line_chunks(snapshot, graphs, fmt, batch), chunk)
    return Download(_serialized(snapshot, graphs, fmt), chunk)


def _filename(which: str, graph: str | None, ext: str) -> str:
    name = f"ppikg-{which}"
    if graph:
        short = graph.removeprefix(str(GRAPH)).strip("/") or "graph"
        name += "-" + "".join(c if c.isalnum() or c in "-_." else "-" for c in short)
    return f"{name}.{ext}"


def router(kg: KnowledgeGraph) -> APIRouter:
    r = APIRouter()

    @r.get("/export")
    def export(request: Request, format: str = "ttl", which: str = "all", graph: str | None = None) -> Response:
        """The dataset (or one graph and its inferences) as RDF, streamed in chunks."""
        fmt = find("graph", format) or find("dataset", format)
        if fmt is None:
            raise InputError(msg("format_unknown", format=format,
                                 formats=", ".join(f.name for f in formats(*EXPORT_KINDS))))
        if graph is not None and not kg.snapshot().has_graph(kg.graph_iri(graph)):
            raise NotFound(msg("no_graph_named", name=graph))
        chunks = export_chunks(kg, fmt.name, which, graph)
        headers = {"Content-Disposition": f'attachment; filename="{_filename(which, graph, fmt.suffix[1:])}"'}
        if request.scope.get(HEAD_KEY):  # HEAD: the headers only; the export's thread never starts
            chunks.close()
        return _DownloadResponse(chunks, media_type=fmt.media, headers=headers)

    @r.get("/.well-known/void")
    async def void(request: Request) -> Response:
        """DCAT + VoID description of the dataset: Turtle, or N-Triples, RDF/XML, JSON-LD by Accept."""
        base = str(request.base_url)
        media = choose("graph", None, request.headers.get("accept"))
        if media is None:
            raise NotAcceptable(msg("description_offered_as", media=", ".join(offers("graph"))))

        body = await call(request, void_body, base, media)
        return Response(body, media_type=media, headers={"Vary": "Accept"})

    return r
