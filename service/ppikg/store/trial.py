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
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .embedded import EmbeddedStore, link_copy
from .snapshot import CATALOG, DB, Snapshot

#: Words of operations whose cost is not bounded by the text: a WHERE clause, or graphs copied whole.
_UNBOUNDED = {"WHERE", "ADD", "MOVE", "COPY"}


def needs_trial(tokens) -> bool:
    """Whether an update (its tokens, see ppikg.sparql.lexer) may cost more than its text holds."""
    return any(t.kind == "word" and t.text.upper() in _UNBOUNDED for t in tokens)


def try_update(snapshot: Snapshot, sparql: str, base_iri: str | None, role: str | None, reasoner: str,
               scratch: str | None) -> None:
    """Run the update ``sparql`` as KnowledgeGraph.update would, on a copy of ``snapshot`` made in the folder
    ``scratch`` (in memory for a store in memory), then drop the copy. Raises what the update raises."""
    from .graph import KnowledgeGraph

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
