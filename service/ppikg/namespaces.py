"""IRIs minted by the project and the vocabularies it reuses, in one place.

rdflib is imported only when a term is asked for (``PPI.Indicator``): opening a store, serving and
querying read these IRIs as strings, and a process that never builds an rdflib graph never pays rdflib's
import (a tenth of a second, most of a warm restart).

>>> PPI + "Indicator", str(GRAPH)
('https://w3id.org/ppikg/ontology#Indicator', 'https://w3id.org/ppikg/graph/')
>>> type(PPI.Indicator).__name__, PPI["Indicator"] == PPI.Indicator, "https://w3id.org/ppikg/ontology#x" in PPI
('URIRef', True, True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rdflib import URIRef


class Namespace(str):
    """An IRI prefix, a string; ``NS.term`` and ``NS["term"]`` are rdflib ``URIRef`` terms, as with
    ``rdflib.Namespace``."""

    __slots__ = ()

    def term(self, name: str) -> URIRef:
        from rdflib import URIRef

        return URIRef(str(self) + name)

    def __getitem__(self, name: str) -> URIRef:  # type: ignore[override]
        return self.term(name)

    def __getattr__(self, name: str) -> URIRef:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.term(name)

    @property
    def title(self) -> URIRef:  # type: ignore[override]
        """``NS.title`` is the term, not ``str.title`` (as rdflib's Namespace has it: ``dcterms:title``, ``eli:title``)."""
        return self.term("title")

    def __contains__(self, ref: object) -> bool:
        return isinstance(ref, str) and ref.startswith(self)

    def __repr__(self) -> str:
        return f"Namespace({str(self)!r})"


BASE = "https://w3id.org/ppikg/"
PPI = Namespace(BASE + "ontology#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
META = Namespace(BASE + "meta#")  # the bookkeeping terms of stores written before the catalogue (store/migration.py)

#: The Lineamientos (27 Dec 2013) and, under it, every provision: ``LIN["lineamiento_8/fraccion_3"]``.
LIN = Namespace(BASE + "eli/mx/sep/lineamientos/2013/12/27/ppi-directores-ems/")
LINEAMIENTOS = str(LIN)[:-1]  # the act itself, without the trailing slash
#: Acuerdo 449 (DOF 2 Dec 2008) and its subdivisions.
A449 = Namespace(BASE + "eli/mx/sep/acuerdo/2008/12/02/449/")
ACUERDO_449 = str(A449)[:-1]
#: Other legal instruments the Lineamientos cite (no text of theirs is in the sources).
CITED = Namespace(BASE + "eli/mx/")
COMPETENCIES = Namespace(BASE + "competencias/")
ASPECTS = Namespace(BASE + "aspectos/")
SUBSYSTEMS = Namespace(BASE + "subsistemas/")
AUTHORITIES = Namespace(BASE + "autoridades/")

#: Named graphs of the store.
GRAPH = Namespace(BASE + "graph/")
ONTOLOGY_GRAPH = GRAPH + "ontology"

PREFIXES = {
    "ppi": PPI,
    "eli": ELI,
    "lin": LIN,
    "a449": A449,
    "comp": COMPETENCIES,
    "asp": ASPECTS,
    "sub": SUBSYSTEMS,
    "aut": AUTHORITIES,
    "skos": Namespace("http://www.w3.org/2004/02/skos/core#"),
    "dcterms": Namespace("http://purl.org/dc/terms/"),
    "prov": Namespace("http://www.w3.org/ns/prov#"),
    "owl": Namespace("http://www.w3.org/2002/07/owl#"),
    "rdf": Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    "rdfs": Namespace("http://www.w3.org/2000/01/rdf-schema#"),
    "xsd": Namespace("http://www.w3.org/2001/XMLSchema#"),
}


def sparql_prologue() -> str:
    """PREFIX declarations for every prefix above, for queries written by hand.

    >>> "PREFIX ppi: <https://w3id.org/ppikg/ontology#>" in sparql_prologue()
    True
    """
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


_RDFLIB_VOCABULARIES = frozenset({"DCTERMS", "OWL", "PROV", "RDF", "RDFS", "SKOS", "XSD"})


def __getattr__(name: str):
    """rdflib's own namespaces of the vocabularies above (``from ppikg.namespaces import RDFS``), imported
    when first asked for."""
    if name in _RDFLIB_VOCABULARIES:
        import rdflib.namespace

        return getattr(rdflib.namespace, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
