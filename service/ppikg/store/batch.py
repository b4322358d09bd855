"""Many graphs made ready for one bulk write: parsed, inferred and serialised, in worker processes when many.

:meth:`~ppikg.store.loading.Loader.add_graphs` writes graphs in batches of :data:`BATCH_GRAPHS`. Each batch is
:func:`prepare` d — every graph parsed (:func:`~ppikg.store.loading.parse_rdf`), its inferences computed by
forward chaining against the context (ppikg.store.forward), both serialised as N-Triples with what the
version records need (:class:`~ppikg.store.versions.Written`), and its search documents read off its triples
— in a thread of this process one batch ahead of the writes or, with ``workers`` > 1, in that many spawned
processes. Either way the next batches are prepared while this one writes the batch before (the store's bulk
loader parses N-Quads in Rust and releases the GIL, so the two cores both work). At most ``workers + 1`` batches wait to be written at a time.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from ..errors import InputError, msg
from ..search.documents import Document, documents, reader_of
from .catalog import inferred_of
from .forward import ForwardChainer
from .inference import Rule
from .versions import Written, to_ntriples

#: Graphs prepared and written together: bounds what a bulk load holds in memory (~40 MB for proposals of
#: ~7,000 triples) while keeping the bulk writes few.
BATCH_GRAPHS = 16

T = TypeVar("T")
Item = tuple[str, "bytes | str | Path", "str | None"]  # the graph's IRI, its data, their format


@dataclass(frozen=True)
class Prepared:
    """One graph ready to write: its IRI, its content and inferences (:class:`Written`), its input's bytes and
    its search documents."""

    iri: str
    written: Written
    raw: bytes | None
    documents: list[Document]  # what the search index holds of the graph (ppikg.search.documents)

    def nquads(self) -> bytes:
        """The graph's triples in its graph and its inferences in its inferred graph, as N-Quads (every line of
        the N-Triples serialiser ends in `` .``, so the graph name goes just before it)."""
        own, inferred = (f" <{g}> .\n".encode() for g in (self.iri, inferred_of(self.iri)))
        return self.written.asserted.replace(b" .\n", own) + self.written.inferred.replace(b" .\n", inferred)


def as_stored(triples: list[ox.Triple]) -> bytes:
    """The triples as N-Triples in the form the store gives them back, so that their inferences and digest are
    those of what it holds: each once, and typed literals in their canonical form (the store keeps numbers,
    booleans and dates by value: ``"2.0"^^xsd:decimal`` comes back as ``"2"``). Only the lines with a typed
    literal (``"^^<``: the serialiser writes no ``xsd:string``) go through a store.

    >>> decimal = b'<urn:a> <urn:p> "2.0"^^<http://www.w3.org/2001/XMLSchema#decimal> .'
    >>> as_stored(list(ox.parse(decimal, format=ox.RdfFormat.N_TRIPLES)))
    b'<urn:a> <urn:p> "2"^^<http://www.w3.org/2001/XMLSchema#decimal> .\\n'
    """
    lines = dict.fromkeys(to_ntriples(triples).split(b"\n"))
    lines.pop(b"", None)
    typed = [line for line in lines if b'"^^<' in line]
    if typed:
        store = ox.Store()
        store.extend(ox.parse(b"\n".join(typed), format=ox.RdfFormat.N_TRIPLES))
        for line in typed:
            del lines[line]
        canonical = to_ntriples(store)
        lines.update(dict.fromkeys(canonical.split(b"\n")))
        lines.pop(b"", None)
    return b"".join(line + b"\n" for line in lines)


def prepare(rules: Sequence[Rule], context: bytes, items: Sequence[Item], infer: bool) -> list[Prepared]:
    """Parse, infer (against ``context``, N-Triples, when ``infer``) and serialise each graph of ``items``;
    InputError naming the graph if its data are malformed."""
    from .loading import parse_rdf

    chainer = ForwardChainer(rules, context) if infer else None
    out = []
    for iri, data, fmt in items:
        try:
            parsed, raw = parse_rdf(data, fmt)
        except InputError as e:
            raise InputError(msg("labelled", label=f"<{iri}>", detail=e.said)) from None

        ntriples = as_stored(parsed)
        inferred = chainer.infer_ntriples(ntriples) if chainer is not None else b""
        # Canonical literals change no document nor proposal: those are read off the triples as parsed.
        out.append(Prepared(iri, Written.of(parsed, inferred, ntriples), raw,
                            list(documents(reader_of(parsed, iri), iri))))
    return out


def ahead(items: Iterator[T]) -> Iterator[T]:
    """``items``, each computed in a thread while the caller works on the one before: the store's bulk loader
    releases the GIL, so preparing batch k+1 in Python and writing batch k in Rust use both cores. An error
    of ``items`` is raised here, where its item would have come; the thread stops when the caller does.

    >>> list(ahead(iter(range(3))))
    [0, 1, 2]
    """
    handoff: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        handoff.put(("item", item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            handoff.put(("end", done))
        except BaseException as e:  # the caller raises it
            handoff.put(("error", e))

    thread = threading.Thread(target=produce, name="ppikg-prepare", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = handoff.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting to hand over its item
            try:
                handoff.get(timeout=0.1)
            except queue.Empty:
                pass
        thread.join()


def prepared(rules: Sequence[Rule], context: bytes, items: Sequence[Item], *, infer: bool,
             workers: int) -> Iterator[list[Prepared]]:
    """The batches of ``items``, prepared, in order: here when ``workers`` ≤ 1 or there is one batch, else in
    ``workers`` processes."""
    batches = [items[i:i + BATCH_GRAPHS] for i in range(0, len(items), BATCH_GRAPHS)]
    if len(batches) <= 1:
        for batch in batches:
            yield prepare(rules, context, batch, infer)
        return
    if workers <= 1:
        yield from ahead(prepare(rules, context, batch, infer) for batch in batches)
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending: deque[Future[list[Prepared]]] = deque()
        try:
            for batch in batches:
                pending.append(pool.submit(prepare, list(rules), context, batch, infer))
                if len(pending) > workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


__all__ = ["BATCH_GRAPHS", "Prepared", "prepare", "prepared"]
