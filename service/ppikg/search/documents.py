"""The documents a graph holds for search: one per provision, definition, competency, attribute, aspect,
parameter or indicator, with its text and its labels, read from that graph's own triples.

What a subject is comes from its asserted type in the graph (``ppi:Competency``, ``ppi:Indicator``, …) or,
for the legal text, from the property that carries it: a subject with ``ppi:text`` is a provision, one with
``skos:definition`` a definition (Lineamiento Segundo's, on the ontology's classes). The text searched is
that property's value in Spanish (or without a language); the label shown is ``rdfs:label`` in each
language, else the last segments of its IRI (``ejemplo-dgb/P6``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from ..namespaces import PPI

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"

#: Asserted classes → kind of document.
CLASS_KINDS = {PPI + "Competency": "competency", PPI + "CompetencyAttribute": "attribute",
               PPI + "ProfileAspect": "aspect", PPI + "Parameter": "parameter",
               PPI + "RegionalParameter": "parameter", PPI + "Indicator": "indicator"}
#: Properties that make a subject a document of their own kind when its type does not.
PROPERTY_KINDS = {PPI + "text": "provision", SKOS + "definition": "definition"}
#: Per kind, the properties whose value is the searched text, the first present winning.
TEXT_OF = {
    "provision": (PPI + "text",),
    "definition": (SKOS + "definition",),
    "competency": (SKOS + "prefLabel", SKOS + "definition"),
    "attribute": (SKOS + "prefLabel",),
    "aspect": (SKOS + "prefLabel",),
    "parameter": (PPI + "statement", RDFS_LABEL),
    "indicator": (PPI + "statement", RDFS_LABEL),
}
KINDS = tuple(TEXT_OF)
READ = tuple(dict.fromkeys([RDF_TYPE, RDFS_LABEL, *(p for props in TEXT_OF.values() for p in props)]))

#: ``reader(graph, predicate)``: the quads of one graph with one predicate.
Reader = Callable[[str, str], Iterable[ox.Quad | ox.Triple]]


@dataclass(frozen=True)
class Document:
    """One searchable thing: its IRI, the graph that states it, its kind, its text and labels."""

    iri: str
    graph: str
    kind: str
    text: str
    label_es: str
    label_en: str


def _spanish(values: list[ox.Literal]) -> str | None:
    """The Spanish value, else one without a language, else none (English text is not stemmed as Spanish)."""
    for wanted in ("es", None):
        for v in values:
            if (v.language.split("-")[0] if v.language else None) == wanted:
                return v.value
    return None


def documents(read: Reader, graph: str) -> Iterator[Document]:
    """The documents of ``graph``, in IRI order."""
    values: dict[str, dict[str, list]] = {}
    for predicate in READ:
        for q in read(graph, predicate):
            subject = q.subject
            if isinstance(subject, ox.NamedNode):
                values.setdefault(subject.value, {}).setdefault(predicate, []).append(q.object)
    for iri in sorted(values):
        # in the terms' order, not the reader's: a store and the triples it was given list them differently
        props = {p: sorted(vs, key=str) if len(vs) > 1 else vs for p, vs in values[iri].items()}
        types = [t.value for t in props.get(RDF_TYPE, []) if isinstance(t, ox.NamedNode)]
        kind = next((CLASS_KINDS[t] for t in types if t in CLASS_KINDS), None)
        kind = kind or next((k for p, k in PROPERTY_KINDS.items() if p in props), None)
        if kind is None:
            continue
        literals = {p: [v for v in vs if isinstance(v, ox.Literal)] for p, vs in props.items()}
        text = next((t for p in TEXT_OF[kind] if (t := _spanish(literals.get(p, [])))), None)
        if not text:
            continue
        labels = {v.language: v.value for v in literals.get(RDFS_LABEL, []) if v.language}
        plain = next((v.value for v in literals.get(RDFS_LABEL, []) if not v.language), None)
        label_es = labels.get("es") or plain or _short(iri)
        yield Document(iri, graph, kind, text, label_es, labels.get("en") or label_es)


def reader_of(triples: Iterable[ox.Triple], graph: str) -> Reader:
    """A :data:`Reader` over the triples of ``graph`` in hand (as a write is given them): what reading that
    graph back from the store would give, without the round trip (~10 µs a quad in pyoxigraph).

    >>> t = ox.Triple(ox.NamedNode("urn:i"), ox.NamedNode(RDFS_LABEL), ox.Literal("uno", language="es"))
    >>> read = reader_of([t], "urn:g")
    >>> [str(q.object) for q in read("urn:g", RDFS_LABEL)], list(read("urn:h", RDFS_LABEL))
    (['"uno"@es'], [])
    """
    wanted = {ox.NamedNode(p): p for p in READ}
    by_predicate: dict[str, list[ox.Triple]] = {p: [] for p in READ}
    for t in triples:
        p = wanted.get(t.predicate)
        if p is not None:
            by_predicate[p].append(t)
    return lambda g, predicate: by_predicate.get(predicate, ()) if g == graph else ()


def _short(iri: str) -> str:
    """An IRI's last two path segments (``ejemplo-dgb/P6`` for a proposal's parameter): its label when it
    has none."""
    return "/".join(iri.rstrip("/").rsplit("/", 2)[-2:])


def digest(docs: Iterable[Document]) -> str:
    """A fingerprint of a graph's documents: equal when re-indexing the graph would change nothing."""
    h = hashlib.sha256()
    for d in docs:
        for part in (d.iri, d.kind, d.text, d.label_es, d.label_en):
            h.update(part.encode())
            h.update(b"\0")
    return h.hexdigest()
