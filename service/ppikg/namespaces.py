"""IRIs minted by the project and the vocabularies it reuses, in one place."""

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/ppikg/"
PPI = Namespace(BASE + "ontology#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
META = Namespace(BASE + "meta#")  # the bookkeeping terms of stores written before the catalogue (store/migration.py)

#: The Lineamientos (27 Dec 2013) and, under it, every provision: ``LIN["lineamiento_8/fraccion_3"]``.
LIN = Namespace(BASE + "eli/mx/sep/lineamientos/2013/12/27/ppi-directores-ems/")
LINEAMIENTOS = URIRef(str(LIN)[:-1])  # the act itself, without the trailing slash
#: Acuerdo 449 (DOF 2 Dec 2008) and its subdivisions.
A449 = Namespace(BASE + "eli/mx/sep/acuerdo/2008/12/02/449/")
ACUERDO_449 = URIRef(str(A449)[:-1])
#: Other legal instruments the Lineamientos cite (no text of theirs is in the sources).
CITED = Namespace(BASE + "eli/mx/")
COMPETENCIES = Namespace(BASE + "competencias/")
ASPECTS = Namespace(BASE + "aspectos/")
SUBSYSTEMS = Namespace(BASE + "subsistemas/")
AUTHORITIES = Namespace(BASE + "autoridades/")

#: Named graphs of the store.
GRAPH = Namespace(BASE + "graph/")
ONTOLOGY_GRAPH = GRAPH["ontology"]

PREFIXES = {
    "ppi": PPI,
    "eli": ELI,
    "lin": LIN,
    "a449": A449,
    "comp": COMPETENCIES,
    "asp": ASPECTS,
    "sub": SUBSYSTEMS,
    "aut": AUTHORITIES,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
}


def sparql_prologue() -> str:
    """PREFIX declarations for every prefix above, for queries written by hand.

    >>> "PREFIX ppi: <https://w3id.org/ppikg/ontology#>" in sparql_prologue()
    True
    """
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
