"""An update tried first on a private copy of the latest committed state, in a query worker that is killed
past the time or memory limit: what the update costs is known before the store is touched.

pyoxigraph cannot interrupt an update, and the store is written by the server process itself, so an update
run there directly has no limit (a cartesian ``INSERT … WHERE`` once grew 45 MB/s for 90 s, held every other
write back and ended in an abort). The trial runs the same write — SPARQL update, inferences and provenance
of the graphs it changes — on a copy (the snapshot's table files hard-linked: cheap, and never changed in
place), then the copy is thrown away. Only an update whose trial finished within the limits is run for real,
on the same state (the trial runs under the write lock), so it costs what its trial cost.

Updates that only carry their data (``INSERT DATA``, ``DELETE DATA``, ``CLEAR``, ``DROP``, ``CREATE``) cost
what their text holds and skip the trial (:func:`needs_trial`).

A Graph Store write of a named graph is *prepared* in a worker instead (:func:`prepare_graph`): its body
parsed and the graph's inferences computed there, within a time and memory limit; the server then only
writes the triples it gets back. (Inferring over a 4 MB graph took the server process 19 s, during which
`/health` waited up to 0.8 s.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox

from .catalog import inferred_of
from .embedded import EmbeddedStore, StoreWriter, link_copy
from .loading import Loader, context_graphs, parse_rdf
from .snapshot import CATALOG, DB, Snapshot

#: Words of operations whose cost is not bounded by the text: a WHERE clause, or graphs copied whole.
_UNBOUNDED = {"WHERE", "ADD", "MOVE", "COPY"}


def needs_trial(tokens) -> bool:
    """Whether an update (its tokens, see ppikg.sparql.lexer) may cost more than its text holds."""
    return any(t.kind == "word" and t.text.upper() in _UNBOUNDED for t in tokens)


def try_update(snapshot: Snapshot, sparql: str, base_iri: str | None, role: str | None, reasoner: str,
               scratch: str | None) -> None:
    """Run the update ``sparql`` as KnowledgeGraph.update would, on a copy of ``snapshot`` made in the folder
    ``scratch`` (in memory for a store in memory), then drop the copy. Raises what the update raises.
    A remote store is not copied (it may hold millions of triples): its server's own limits bound the update."""
    from .graph import KnowledgeGraph

    if snapshot.remote:
        return
    backend = _copy_of(snapshot, Path(scratch) if scratch else None)
    try:
        with KnowledgeGraph(None, backend=backend, reasoner=reasoner) as kg:  # type: ignore[arg-type]
            kg.update(sparql, base_iri=base_iri, role=role)
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def _copy_of(snapshot: Snapshot, scratch: Path | None) -> EmbeddedStore:
    if snapshot.directory is None or scratch is None:
        return EmbeddedStore.copy_of(snapshot.store, snapshot.catalog, snapshot.state)
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    link_copy(snapshot.directory / DB, scratch / DB)
    shutil.copy2(snapshot.directory / CATALOG, scratch / CATALOG)
    return EmbeddedStore(scratch)


def prepare_graph(snapshot: Snapshot, iri: str, data: bytes, media_type: str, replace: bool,
                  reasoner: str) -> tuple[bytes, bytes]:
    """The triples of a Graph Store write of ``data`` into graph ``iri`` (PUT when ``replace``, else POST:
    added to what ``snapshot`` holds in it), and the graph's inferences then, both as N-Triples: computed on
    a scratch store holding only the graph and what it is inferred against. InputError if ``data`` does not
    parse."""
    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None:
        raise ValueError(f"no RDF format for {media_type!r}")
    triples, _ = parse_rdf(data, fmt, base_iri=iri)
    scratch = ox.Store()
    for g in context_graphs(snapshot.catalog):
        scratch.extend(snapshot.store.quads_for_pattern(None, None, None, ox.NamedNode(g)))
    writer = StoreWriter(scratch, snapshot.catalog.copy(), snapshot.state + 1)
    if not replace:
        writer.add(iri, [q.triple for q in snapshot.store.quads_for_pattern(None, None, None, ox.NamedNode(iri))])
    writer.add(iri, triples)
    Loader(reasoner).infer_added(writer, iri)  # type: ignore[arg-type]
    inferred = [q.triple for q in scratch.quads_for_pattern(None, None, None, ox.NamedNode(inferred_of(iri)))]
    return (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"",
            ox.serialize(inferred, format=ox.RdfFormat.N_TRIPLES) or b"")
