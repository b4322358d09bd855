"""Stores written before the catalogue existed kept their bookkeeping in a graph ``graph/meta``: read it once.

Only what says which graph is which survives (added graphs are the users' data and stay added); the old
records, which held server paths and account names, are dropped with the graph. The fingerprint is not
carried over, so the shipped data are loaded again on the next start.
"""

from __future__ import annotations

import pyoxigraph as ox

from ..namespaces import GRAPH, META, ONTOLOGY_GRAPH
from .catalog import SHAPES_GRAPH, Catalog, GraphKind

OLD_META_GRAPH = GRAPH + "meta"
_KINDS: dict[str, GraphKind] = {META + "AddedGraph": "added", META + "ShippedGraph": "shipped",
                                META + "ExampleGraph": "example", META + "ShapesGraph": "shapes"}


def catalog_from_meta_graph(store: ox.Store) -> Catalog:
    """The catalogue the old bookkeeping graph describes; the graph itself is removed from ``store``."""
    catalog = Catalog()
    meta = ox.NamedNode(OLD_META_GRAPH)
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    for q in store.quads_for_pattern(None, rdf_type, None, meta):
        kind = _KINDS.get(q.object.value) if isinstance(q.object, ox.NamedNode) else None
        if kind and isinstance(q.subject, ox.NamedNode):
            catalog.set(q.subject.value, kind)
    for iri, kind in ((str(ONTOLOGY_GRAPH), "ontology"), (SHAPES_GRAPH, "shapes")):
        if store.contains_named_graph(ox.NamedNode(iri)):
            catalog.set(iri, kind)  # type: ignore[arg-type]
    if store.contains_named_graph(meta):
        store.remove_graph(meta)
    return catalog
