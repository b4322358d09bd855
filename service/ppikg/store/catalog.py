"""The graph catalogue: which named graph holds what (ontology, shipped data, shapes, examples, added graphs,
inferences), kept beside the store as internal bookkeeping, never in the public dataset.

The catalogue is a small JSON document written with the store's data in the same atomic write
(store/embedded.py), so a reader always sees the catalogue of the state it reads. What a *reader* of the data
needs to know about a graph's origin (file name, SHA-256, time, the authenticated role) is public instead:
the provenance graph (:func:`provenance_quads`).

>>> c = Catalog()
>>> c.set(ONTOLOGY_GRAPH, "ontology")
>>> c.set("https://w3id.org/ppikg/graph/propuestas/x", "added", reasoner="rules")
>>> c.graphs_of("added"), c.is_reserved(str(ONTOLOGY_GRAPH)), c.is_reserved(inferred_of(str(ONTOLOGY_GRAPH)))
(['https://w3id.org/ppikg/graph/propuestas/x'], True, True)
>>> Catalog.from_json(c.to_json()) == c
True
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal

import pyoxigraph as ox

from ..namespaces import GRAPH, ONTOLOGY_GRAPH, PPI

GraphKind = Literal["ontology", "shipped", "shapes", "example", "added"]
KINDS: tuple[GraphKind, ...] = ("ontology", "shipped", "shapes", "example", "added")

INFERRED_PREFIX = GRAPH + "inferred/"
ONTOLOGY_INFERRED = GRAPH + "inferred/ontology"  # what the ontology entails on its own
BASE_INFERRED = GRAPH + "inferred/base"  # what the ontology + shipped data entail beyond that
SHAPES_GRAPH = GRAPH + "shapes"  # shapes/*.ttl: the requirements as SHACL shapes (not inferred over)
PROVENANCE_GRAPH = GRAPH + "provenance"  # public PROV records of every loaded graph
VERSIONS_GRAPH = GRAPH + "versiones"  # public records of every version of every proposal (store/versions.py)
EXAMPLES_PREFIX = "ejemplos/"  # data/examples/NAME.ttl is loaded as graph/ejemplos/NAME

#: The role recorded for writes made with the update token (the only authenticated role there is).
UPDATE_ROLE = PPI + "updateTokenHolder"

#: Graph names the project keeps for itself whether or not they are in the store yet.
_OWN_NAMES = frozenset({str(ONTOLOGY_GRAPH), SHAPES_GRAPH, PROVENANCE_GRAPH, VERSIONS_GRAPH})

_PROV = "http://www.w3.org/ns/prov#"
_DCT = "http://purl.org/dc/terms/"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD = "http://www.w3.org/2001/XMLSchema#"


def inferred_of(iri: str) -> str:
    """The graph holding the inferences made for graph ``iri`` (shipped data share ``inferred/base``).

    >>> inferred_of("https://w3id.org/ppikg/graph/propuestas/x")
    'https://w3id.org/ppikg/graph/inferred/propuestas/x'
    """
    if iri == str(ONTOLOGY_GRAPH):
        return ONTOLOGY_INFERRED
    return str(GRAPH["inferred/" + iri.removeprefix(str(GRAPH))])


@dataclass
class GraphEntry:
    kind: GraphKind
    reasoner: str | None = None  # how its inferences were made (added and example graphs)


@dataclass
class Catalog:
    """The store's bookkeeping: the fingerprint of the shipped inputs, the reasoner used, every graph's kind."""

    fingerprint: str | None = None
    reasoner: str | None = None  # the reasoner used over the shipped data
    graphs: dict[str, GraphEntry] = field(default_factory=dict)

    def set(self, iri: str | ox.NamedNode, kind: GraphKind, *, reasoner: str | None = None) -> None:
        self.graphs[str(iri) if not isinstance(iri, ox.NamedNode) else iri.value] = GraphEntry(kind, reasoner)

    def forget(self, iri: str) -> None:
        self.graphs.pop(iri, None)

    def graphs_of(self, *kinds: GraphKind) -> list[str]:
        """The graphs of the given kinds, by IRI."""
        return sorted(g for g, e in self.graphs.items() if e.kind in kinds)

    def kind(self, iri: str) -> GraphKind | None:
        entry = self.graphs.get(iri)
        return entry.kind if entry else None

    def is_reserved(self, iri: str) -> bool:
        """Whether graph ``iri`` is the project's own (ontology, shapes, shipped data, examples, inferences,
        provenance): only the loading of the shipped data writes those."""
        kind = self.kind(iri)
        return (kind is not None and kind != "added") or iri.startswith((INFERRED_PREFIX, VERSIONS_GRAPH)) \
            or iri in _OWN_NAMES

    def inferred_graph(self, iri: str) -> str | None:
        """Where the inferences for ``iri`` are (None for graphs that get none: shapes, unknown graphs)."""
        kind = self.kind(iri)
        if kind == "shipped":
            return BASE_INFERRED
        if kind in ("ontology", "example", "added"):
            return inferred_of(iri)
        return None

    def copy(self) -> Catalog:
        return Catalog.from_json(self.to_json())

    def to_json(self) -> str:
        return json.dumps({"fingerprint": self.fingerprint, "reasoner": self.reasoner,
                           "graphs": {g: {"kind": e.kind, "reasoner": e.reasoner} for g, e in sorted(self.graphs.items())}},
                          indent=1, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Catalog:
        data = json.loads(text)
        return cls(data.get("fingerprint"), data.get("reasoner"),
                   {g: GraphEntry(e["kind"], e.get("reasoner")) for g, e in data.get("graphs", {}).items()})


def content_iri(data: bytes) -> str:
    """A name for exactly these bytes: an RFC 6920 ``ni:`` IRI of their SHA-256.

    >>> content_iri(b"")
    'ni:///sha-256;47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU'
    """
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode().rstrip("=")
    return f"ni:///sha-256;{digest}"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def provenance_quads(graph: str, *, file_name: str | None = None, content: bytes | None = None,
                     role: str | None = None, when: str | None = None,
                     comments: dict[str, str] | None = None) -> list[ox.Quad]:
    """The public PROV record of graph ``graph``: when it was loaded, from which file (its name and SHA-256,
    never a path on the server), by which authenticated role if any.

    >>> [q.predicate.value.rsplit("#")[-1].rsplit("/")[-1] for q in provenance_quads("urn:g", file_name="a.ttl", content=b"", when="2026-01-01T00:00:00+00:00")]
    ['type', 'generatedAtTime', 'wasDerivedFrom', 'type', 'title', 'sha256']
    """
    g = ox.NamedNode(PROVENANCE_GRAPH)
    s = ox.NamedNode(graph)
    quads = [
        ox.Quad(s, ox.NamedNode(_RDF_TYPE), ox.NamedNode(_PROV + "Entity"), g),
        ox.Quad(s, ox.NamedNode(_PROV + "generatedAtTime"), ox.Literal(when or now(), datatype=ox.NamedNode(_XSD + "dateTime")), g),
    ]
    if content is not None:
        source = ox.NamedNode(content_iri(content))
        quads += [
            ox.Quad(s, ox.NamedNode(_PROV + "wasDerivedFrom"), source, g),
            ox.Quad(source, ox.NamedNode(_RDF_TYPE), ox.NamedNode(_PROV + "Entity"), g),
        ]
        if file_name:
            quads.append(ox.Quad(source, ox.NamedNode(_DCT + "title"), ox.Literal(file_name), g))
        quads.append(ox.Quad(source, ox.NamedNode(PPI + "sha256"), ox.Literal(hashlib.sha256(content).hexdigest()), g))
    if role:
        quads.append(ox.Quad(s, ox.NamedNode(_PROV + "wasAttributedTo"), ox.NamedNode(role), g))
    for lang, text in (comments or {}).items():
        quads.append(ox.Quad(s, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"), ox.Literal(text, language=lang), g))
    return quads
