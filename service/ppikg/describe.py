"""What the graph says about one IRI, read from one committed state: for the linked-data pages.

Every function here takes a :class:`~ppikg.store.snapshot.Snapshot` first, so that it runs in a query worker
(:meth:`ppikg.sparql.executor.QueryExecutor.call`) with the server's timeout, like every other read.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote

import pyoxigraph as ox

from .media import GRAPH_MEDIA
from .namespaces import BASE, ONTOLOGY_GRAPH, PREFIXES
from .store.catalog import INFERRED_PREFIX, PROVENANCE_GRAPH, SHAPES_GRAPH

#: Hash namespaces: document path → namespace.
HASH_DOCS = {"ontology": BASE + "ontology#", "shapes": BASE + "shapes#"}
MAX_LINKS = 300
#: Characters of one literal a page shows (the whole value is in the RDF representations): a 19 MB literal once
#: made a 19 MB page. The longest provision of the Lineamientos is far shorter.
MAX_LITERAL = 20_000
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABELS = ("http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel",
          "http://purl.org/dc/terms/title")


def local_href(iri: str, known: bool = True) -> str:
    """Where a browser goes for ``iri`` on this server: the same path for minted IRIs, else /resource or the IRI."""
    if iri.startswith(BASE):
        rest = iri[len(BASE):]
        for doc, ns in HASH_DOCS.items():
            if iri.startswith(ns):
                return f"/{doc}?term={quote(iri[len(ns):], safe='')}"
        return "/" + rest
    if known:
        return "/resource?iri=" + quote(iri, safe="")
    return iri


@lru_cache(maxsize=4096)  # pages call it per link: tens of thousands of times, for a few predicates
def curie(iri: str) -> str:
    for p, ns in PREFIXES.items():
        if iri.startswith(str(ns)) and len(iri) > len(str(ns)):
            return f"{p}:{iri[len(str(ns)):]}"
    return iri


@dataclass
class Link:
    predicate: str
    predicate_label: dict[str, str]
    value: str  # IRI or literal text
    is_iri: bool
    href: str | None = None
    label: dict[str, str] = field(default_factory=dict)
    lang: str | None = None
    datatype: str | None = None
    inferred: bool = False

    @property
    def predicate_href(self) -> str:
        return local_href(self.predicate)


def _first_links(pairs: list[tuple[ox.Quad, object]]) -> tuple[list[tuple[ox.Quad, object]], int]:
    """The (quad, linked node) pairs of the first MAX_LINKS distinct links in page order (predicate, value),
    every quad of those links kept (their graphs tell asserted from inferred); and how many links are left."""
    groups: dict[tuple, list] = {}
    for q, node in pairs:
        value = node.value if isinstance(node, (ox.NamedNode, ox.Literal)) else f"_:{getattr(node, 'value', node)}"
        key = (curie(q.predicate.value), value, isinstance(node, ox.NamedNode),
               node.language if isinstance(node, ox.Literal) else None)
        groups.setdefault(key, []).append((q, node))
    first = heapq.nsmallest(MAX_LINKS, groups, key=lambda k: (k[0], k[1]))  # not a sort of every link
    shown = [pair for key in first for pair in groups[key]]
    return shown, max(0, len(groups) - MAX_LINKS)


class Describer:
    """Reads what the store says about one IRI: outgoing and incoming triples, labels, provenance."""

    def __init__(self, snapshot) -> None:
        self.snapshot = snapshot

    def exists(self, iri: str) -> bool:
        node = ox.NamedNode(iri)
        return any(True for _ in self.snapshot.store.quads_for_pattern(node, None, None, None)) or \
            any(True for _ in self.snapshot.store.quads_for_pattern(None, None, node, None))

    def quads(self, iri: str) -> tuple[list[ox.Quad], list[ox.Quad]]:
        node = ox.NamedNode(iri)
        return (list(self.snapshot.store.quads_for_pattern(node, None, None, None)),
                list(self.snapshot.store.quads_for_pattern(None, None, node, None)))

    def labels(self, iris: set[str]) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for iri in iris:
            node = ox.NamedNode(iri)
            for pred in LABELS:
                for q in self.snapshot.store.quads_for_pattern(node, ox.NamedNode(pred), None, None):
                    o = q.object
                    if isinstance(o, ox.Literal):
                        lang = o.language or "es"
                        out.setdefault(iri, {}).setdefault(lang, o.value)
        return out

    def provenance(self, graphs: set[str]) -> list[dict[str, object]]:
        rows = []
        for g in sorted(graphs):
            record: dict[str, list[str]] = {}
            provenance = ox.NamedNode(PROVENANCE_GRAPH)
            for q in self.snapshot.store.quads_for_pattern(ox.NamedNode(g), None, None, provenance):
                record.setdefault(curie(q.predicate.value), []).append(q.object.value)
                if isinstance(q.object, ox.NamedNode) and q.predicate.value.endswith("#wasDerivedFrom"):
                    for about in self.snapshot.store.quads_for_pattern(q.object, None, None, provenance):
                        if isinstance(about.object, ox.Literal):  # the file's name and SHA-256
                            record.setdefault(curie(about.predicate.value), []).append(about.object.value)
            rows.append({"graph": g, "href": local_href(g), "inferred": g.startswith(INFERRED_PREFIX),
                         "record": sorted(record.items())})
        return rows

    def rdf(self, iri: str, media: str) -> bytes:
        out_q, in_q = self.quads(iri)
        triples = list(dict.fromkeys(q.triple for q in [*out_q, *in_q]))
        return ox.serialize(triples, format=GRAPH_MEDIA[media], prefixes={p: str(ns) for p, ns in PREFIXES.items()}) or b""

    def page(self, iri: str) -> dict[str, object]:
        out_q, in_q = self.quads(iri)
        # Labels and existence are looked up only for what the page shows (MAX_LINKS each way): a competency
        # has tens of thousands of incoming links at 1M triples.
        shown_out, more_out = _first_links([(q, q.object) for q in out_q])
        shown_in, more_in = _first_links([(q, q.subject) for q in in_q])
        iris = {iri} | {q.predicate.value for q, _ in [*shown_out, *shown_in]}
        iris |= {node.value for _, node in [*shown_out, *shown_in] if isinstance(node, ox.NamedNode)}
        iris |= {q.object.value for q in out_q if q.predicate.value in (RDF_TYPE, "http://purl.org/dc/terms/source")
                 and not isinstance(q.object, ox.Triple)}
        labels = self.labels(iris)
        known = {i for i in iris if i.startswith(BASE) or self.exists(i)}

        def link(q: ox.Quad, node: object) -> Link:
            inferred = isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value.startswith(INFERRED_PREFIX)
            pl = labels.get(q.predicate.value, {})
            if isinstance(node, ox.NamedNode):
                return Link(q.predicate.value, pl, node.value, True, local_href(node.value, node.value in known),
                            labels.get(node.value, {}), inferred=inferred)
            if isinstance(node, ox.Literal):
                dt = node.datatype.value if node.datatype and not node.language else None
                text = node.value if len(node.value) <= MAX_LITERAL else node.value[:MAX_LITERAL] + " […]"
                return Link(q.predicate.value, pl, text, False, lang=node.language,
                            datatype=curie(dt) if dt and not dt.endswith("#string") else None, inferred=inferred)
            return Link(q.predicate.value, pl, f"_:{getattr(node, 'value', node)}", False, inferred=inferred)

        def unique(links: list[Link]) -> list[Link]:
            seen: dict[tuple, Link] = {}
            for lk in links:
                key = (lk.predicate, lk.value, lk.is_iri, lk.lang)
                if key in seen:
                    seen[key].inferred = seen[key].inferred and lk.inferred
                else:
                    seen[key] = lk
            return sorted(seen.values(), key=lambda lk: (curie(lk.predicate), lk.value))

        outgoing = unique([link(q, node) for q, node in shown_out])
        incoming = unique([link(q, node) for q, node in shown_in])
        every_out = outgoing if not more_out else unique([link(q, q.object) for q in out_q])
        texts = [lk for lk in every_out if lk.predicate == BASE + "ontology#text"]
        types = [lk for lk in every_out if lk.predicate == RDF_TYPE]
        sources = [lk for lk in every_out if lk.predicate == "http://purl.org/dc/terms/source"]
        graphs = {q.graph_name.value for q in out_q if isinstance(q.graph_name, ox.NamedNode)}
        if iri != PROVENANCE_GRAPH:
            graphs.discard(PROVENANCE_GRAPH)
        return {
            "iri": iri, "curie": curie(iri), "labels": labels.get(iri, {}), "texts": texts, "types": types,
            "sources": sources, "outgoing": outgoing, "incoming": incoming, "more_out": more_out, "more_in": more_in,
            "provenance": self.provenance(graphs), "curie_of": curie,
            "is_graph": self.snapshot.store.contains_named_graph(ox.NamedNode(iri)),
            "export_href": "/export?" + "format=ttl&which=all&graph=" + quote(iri, safe=""),
        }

    def nearest(self, iri: str) -> str | None:
        """The closest known IRI above ``iri`` (strip path segments), for a helpful 404."""
        rest = iri
        while "/" in rest[len(BASE):].rstrip("/"):
            rest = rest.rstrip("/").rsplit("/", 1)[0]
            if self.exists(rest):
                return rest
        return None


def describe(snapshot, iri: str, media: str) -> dict[str, object]:
    """What a request for ``iri`` answers: ``{"rdf": bytes}`` for an RDF ``media``, ``{"page": …}`` for
    ``text/html``, or ``{"missing": True, "near": IRI or None}`` when nothing is known about it."""
    d = Describer(snapshot)
    if not d.exists(iri):
        return {"missing": True, "near": d.nearest(iri) if iri.startswith(BASE) else None}
    if media != "text/html":
        return {"rdf": d.rdf(iri, media)}
    return {"page": d.page(iri)}


def hash_document(snapshot, doc: str, media: str) -> dict[str, object] | None:
    """The hash namespace ``doc`` (ontology, shapes) as a document: its terms with their labels and, for an
    RDF ``media``, the statements of its graph; None if it has no term. Remembered per state: finding the
    terms scans every subject of the store (5 s at 1M)."""
    ns = HASH_DOCS[doc]

    def terms() -> list[dict[str, str | None]]:
        return snapshot.query_rows(
            "SELECT ?t (SAMPLE(?les) AS ?es) (SAMPLE(?len) AS ?en) (SAMPLE(?ty) AS ?type) WHERE { "
            "{ ?t ?p ?o } FILTER(isIRI(?t) && STRSTARTS(STR(?t), \"%s\")) "
            "OPTIONAL { ?t rdfs:label ?les FILTER(lang(?les) = \"es\") } "
            "OPTIONAL { ?t rdfs:label ?len FILTER(lang(?len) = \"en\") } "
            "OPTIONAL { GRAPH ?g { ?t a ?ty } FILTER(!STRSTARTS(STR(?g), \"%s\")) } "
            "} GROUP BY ?t ORDER BY ?t" % (ns, INFERRED_PREFIX), plan=False)[1]

    rows = snapshot.memo(("terms", ns), terms)
    if not rows:
        return None
    if media != "text/html":
        graph = str(ONTOLOGY_GRAPH) if doc == "ontology" else SHAPES_GRAPH
        statements = [q.triple for q in snapshot.quads(graph)]
        return {"rdf": ox.serialize(statements, format=GRAPH_MEDIA[media], prefixes={p: str(n) for p, n in PREFIXES.items()})}
    found = [{"name": row["t"][len(ns):], "iri": row["t"], "href": local_href(row["t"]), "es": row["es"],
              "en": row["en"], "type": curie(row["type"]) if row["type"] else ""} for row in rows]
    doc_iri = BASE + doc
    d = Describer(snapshot)
    page = d.page(doc_iri) if d.exists(doc_iri) else {"iri": doc_iri, "labels": {}}
    return {"terms": found, "page": page}
