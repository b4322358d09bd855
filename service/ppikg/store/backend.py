"""The store interface: what the knowledge graph needs from a store, whatever holds the quads.

A backend keeps named graphs and a :class:`~ppikg.store.catalog.Catalog` and offers two things:

- :meth:`Backend.snapshot`: the latest committed state, for reading (a :class:`~ppikg.store.snapshot.Snapshot`,
  never changed while it is read);
- :meth:`Backend.write`: one write, as a context manager yielding a :class:`Writer`. Everything done through
  the writer — data, inferences, catalogue, provenance — becomes visible all at once when the block ends,
  or not at all if it raises (also across a crash: the backend finishes or rolls back at its next open).

The embedded pyoxigraph store (store/embedded.py) is the first implementation; another backend is one new
module with these methods.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .catalog import Catalog
from .snapshot import Snapshot

if TYPE_CHECKING:
    from ..search.documents import Document
    from .versions import Archive


class Writer(ABC):
    """The operations of one write; reads through a writer see the write's own changes."""

    catalog: Catalog  # the catalogue as this write leaves it (a copy until the write commits)
    state: int  # the number of the state this write commits as
    touched: set[str] | None  # the graphs this write changed so far (None: it cannot tell, e.g. a SPARQL Update)
    #: Whether :meth:`bulk_add` may run in a thread beside the write's other operations on other graphs.
    bulk_beside: bool = False

    @abstractmethod
    def add(self, graph: str, triples: Iterable[ox.Triple | ox.Quad]) -> None:
        """Add triples to ``graph`` (a quad's own graph name is ignored)."""

    @abstractmethod
    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads, each to its own graph."""

    @abstractmethod
    def bulk_add(self, nquads: bytes, graphs: Iterable[str] | None = None) -> None:
        """Add the quads of an N-Quads text, each to its own graph, with the store's bulk loader (fast for large
        loads; readers still see them only when the write commits); ``graphs``: the graphs the text names,
        when the caller knows them."""

    @abstractmethod
    def remove_quads(self, quads: Iterable[ox.Quad]) -> None:
        """Remove these quads."""

    @abstractmethod
    def load_file(self, path: Path, format: ox.RdfFormat, graph: str) -> None:
        """Load an RDF file into ``graph`` (bulk: fast for large files)."""

    @abstractmethod
    def drop(self, graph: str) -> None:
        """Remove ``graph`` if present."""

    @abstractmethod
    def update(self, sparql: str, *, base_iri: str | None = None, graphs: list[str] | None = None) -> None:
        """Run a SPARQL 1.1 Update (the project prefixes predeclared); ``graphs``: the only graphs it can
        change, when the caller knows them."""

    @abstractmethod
    def quads(self, graph: str | None = None, subject: ox.NamedNode | None = None,
              object: ox.NamedNode | None = None, predicate: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
        """The quads of ``graph`` (all graphs when None), optionally with one subject, object or predicate, as
        this write sees them."""

    @abstractmethod
    def count(self, graph: str) -> int:
        """Triples in ``graph`` as this write sees them."""

    @abstractmethod
    def graph_names(self) -> list[str]:
        """The named graphs as this write sees them."""

    def keep_documents(self, graph: str, documents: list[Document]) -> None:
        """Hold the search documents of ``graph``, computed from the triples this write has just given it whole
        (:func:`ppikg.search.documents.reader_of`), for the search index to take instead of reading the graph
        back. A backend that cannot tell when the write changes the graph again keeps none."""

    def kept_documents(self, graph: str) -> list[Document] | None:
        """The documents :meth:`keep_documents` holds for ``graph``, if the write has not changed it since."""
        return None


class Backend(ABC):
    """A store of named graphs with atomic writes and immutable snapshots for readers."""

    location: Path | None  # where it lives (None: in memory)
    archive: Archive  # the content of every version of every proposal (store/versions.py)
    read_only: bool  # another process writes it: this one only reads the latest snapshot

    @abstractmethod
    def snapshot(self) -> Snapshot:
        """The latest committed state (shared by every caller until the next write commits)."""

    @abstractmethod
    def write(self) -> AbstractContextManager[Writer]:
        """One atomic write (one at a time: a second caller waits)."""

    def oldest_state(self) -> int:
        """The oldest state a reader may still hold (its snapshot not yet removed)."""
        return self.snapshot().state

    @abstractmethod
    def close(self) -> None:
        """Release the store (and its lock on disk)."""
