"""The DCAT + VoID description of the dataset: what it holds, how much of it, where its dumps are.

Computed from one committed state in a query worker (:func:`void_body`), and remembered for that state:
counting every graph and class is a scan of the store.
"""

from __future__ import annotations

import importlib.metadata as md
from urllib.parse import quote, urlencode

import rdflib
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, RDFS, VOID, XSD

from . import __version__
from .media import formats
from .namespaces import BASE, LINEAMIENTOS, PPI, PREFIXES
from .store.catalog import INFERRED_PREFIX

#: The dumps VoID points to: every graph and dataset format.
EXPORT_KINDS = ("graph", "dataset")


def _licence() -> str:
    try:
        return next(iter(md.metadata("ppikg").get_all("License") or []), None) or "MIT"
    except md.PackageNotFoundError:
        return "MIT"


def void_graph(snapshot, base: str) -> rdflib.Graph:
    """DCAT + VoID description of the dataset served at ``base`` (the server's root URL, ending in /)."""
    g = rdflib.Graph()
    for p, ns in PREFIXES.items():
        g.bind(p, ns)
    g.bind("void", VOID)
    g.bind("dcat", DCAT)
    ds = rdflib.URIRef(base + ".well-known/void#dataset")
    graphs = dict(snapshot.graphs())
    # Each kept version's content is in the dataset dumps under its own graph name (store/versions.py).
    graphs.update({g: sum(1 for _ in snapshot.quads(g)) for g in snapshot.version_graphs()})
    total = sum(graphs.values())
    entities = snapshot.entities()
    lit = rdflib.Literal
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.title, lit("ppikg: Lineamientos PPI para directores de EMS (2013) como grafo de conocimiento", lang="es")))
    g.add((ds, DCTERMS.title, lit("ppikg: the 2013 Lineamientos on PPI for directors (EMS, Mexico) as a knowledge graph", lang="en")))
    g.add((ds, DCTERMS.description, lit(
        "Disposiciones de los Lineamientos y del Acuerdo 449, competencias, aspectos, formas SHACL de los requisitos y "
        "propuestas de ejemplo (no oficiales), con las inferencias OWL 2 RL en grafos aparte.", lang="es")))
    g.add((ds, DCTERMS.description, lit(
        "Provisions of the Lineamientos and Acuerdo 449, competencies, aspects, the requirements as SHACL shapes and "
        "example (unofficial) proposals, with OWL 2 RL inferences in graphs of their own.", lang="en")))
    licence = _licence()
    g.add((ds, DCTERMS.license, rdflib.URIRef(f"https://spdx.org/licenses/{quote(licence)}.html")))
    g.add((ds, DCTERMS.rights, lit(f"{licence} (pyproject.toml of ppikg)")))
    g.add((ds, DCTERMS.source, rdflib.URIRef(str(LINEAMIENTOS))))
    g.add((ds, rdflib.URIRef(str(DCAT) + "version"), lit(__version__)))
    g.add((ds, OWL.versionInfo, lit(f"ppikg {__version__}")))
    fingerprint = snapshot.catalog.fingerprint
    if fingerprint:
        g.add((ds, DCTERMS.hasVersion, lit(f"data sha256:{fingerprint}")))
    g.add((ds, VOID.triples, lit(total, datatype=XSD.integer)))
    g.add((ds, VOID.entities, lit(int(entities), datatype=XSD.integer)))
    g.add((ds, VOID.uriSpace, lit(BASE)))
    g.add((ds, VOID.sparqlEndpoint, rdflib.URIRef(base + "sparql")))
    for vocab in ("ppi", "eli", "skos", "dcterms", "prov"):
        g.add((ds, VOID.vocabulary, rdflib.URIRef(str(PREFIXES[vocab]))))
    g.add((ds, VOID.rootResource, rdflib.URIRef(str(LINEAMIENTOS))))
    for fmt in formats(*EXPORT_KINDS):
        media = fmt.media
        url = rdflib.URIRef(base + "export?" + urlencode({"format": fmt.name, "which": "all"}))
        g.add((ds, VOID.dataDump, url))
        dist = rdflib.BNode()
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCAT.mediaType, rdflib.URIRef(f"https://www.iana.org/assignments/media-types/{media}")))
        g.add((dist, DCTERMS.format, lit(media)))
    classes = snapshot.counts_by_class()
    g.add((ds, VOID.classes, lit(len(classes), datatype=XSD.integer)))
    for cls, n in classes.items():
        part = rdflib.BNode()
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], rdflib.URIRef(cls)))
        g.add((part, VOID.entities, lit(n, datatype=XSD.integer)))
    for iri, n in graphs.items():
        sub = rdflib.URIRef(iri)
        g.add((ds, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, VOID.triples, lit(n, datatype=XSD.integer)))
        inferred = iri.startswith(INFERRED_PREFIX)
        which = "all" if inferred else "asserted"
        g.add((sub, VOID.dataDump, rdflib.URIRef(base + "export?" + urlencode({"format": "nq", "which": which, "graph": iri}))))
        g.add((sub, RDFS.comment, lit("inferido (OWL 2 RL)" if iri.startswith(INFERRED_PREFIX) else
                                       "afirmado", lang="es")))
    g.add((ds, DCTERMS.conformsTo, rdflib.URIRef(str(PPI)[:-1])))
    return g




def void_body(snapshot, base: str, media: str) -> bytes:
    """:func:`void_graph` serialized as ``media``, remembered for the snapshot's state."""
    def build() -> bytes:
        data = void_graph(snapshot, base).serialize(format=media)
        return data.encode() if isinstance(data, str) else data
    return snapshot.memo(("void", base, media), build)
