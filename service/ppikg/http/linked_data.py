"""Linked data: every IRI the project mints (``https://w3id.org/ppikg/…``) dereferences at the same path here.

HTML for a browser, RDF (Turtle, JSON-LD, N-Triples, RDF/XML) for an RDF ``Accept`` (or ``?format=``), with
``Vary: Accept``. ``#`` terms: ``/ontology?term=Competency`` (likewise ``/shapes?term=…``, ``/meta?term=…``).
Any IRI in the store: ``/resource?iri=…``. Unknown IRIs: 404 with the nearest known parent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, unquote

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from .. import __version__
from ..errors import InputError, NotAcceptable, NotFound
from ..graph import INFERRED_PREFIX, KnowledgeGraph
from ..media import GRAPH_MEDIA, by_media, find, negotiate, offers
from ..namespaces import BASE, META_GRAPH, ONTOLOGY_GRAPH, PREFIXES
from ..trace import check_iri
from .common import TEMPLATES

#: What a resource is offered as: a page first (the default, and ``*/*``), then every graph format.
OFFERS = ["text/html", *offers("graph")]
#: Path prefixes of the IRIs minted under https://w3id.org/ppikg/ (one route each).
PREFIX_PATHS = ("eli", "competencias", "aspectos", "subsistemas", "autoridades", "propuestas", "graph")
#: Hash namespaces: document path → namespace.
HASH_DOCS = {"ontology": BASE + "ontology#", "shapes": BASE + "shapes#", "meta": BASE + "meta#"}
MAX_LINKS = 300
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABELS = ("http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel",
          "http://purl.org/dc/terms/title")


def representation(request: Request) -> str:
    """``text/html`` or an RDF media type: ``?format=`` (a page or graph format name) first, then ``Accept``
    (:func:`ppikg.media.negotiate`; ``*/*`` → HTML); NotAcceptable when nothing offered fits."""
    fmt = request.query_params.get("format")
    if fmt:
        chosen = find("page", fmt) or find("graph", fmt)
        if chosen is None:
            raise InputError(f"unknown format {fmt!r}: use html, {', '.join(f.name for f in map(by_media, OFFERS[1:]))}")
        return chosen.media
    media = negotiate(request.headers.get("accept"), OFFERS)
    if media is None:
        raise NotAcceptable(f"resources are offered as {', '.join(OFFERS)}")
    return media


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
    order = sorted(groups, key=lambda k: (k[0], k[1]))
    shown = [pair for key in order[:MAX_LINKS] for pair in groups[key]]
    return shown, max(0, len(order) - MAX_LINKS)


class Describer:
    """Reads what the store says about one IRI: outgoing and incoming triples, labels, provenance."""

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg

    def exists(self, iri: str) -> bool:
        node = ox.NamedNode(iri)
        return any(True for _ in self.kg.store.quads_for_pattern(node, None, None, None)) or \
            any(True for _ in self.kg.store.quads_for_pattern(None, None, node, None))

    def quads(self, iri: str) -> tuple[list[ox.Quad], list[ox.Quad]]:
        node = ox.NamedNode(iri)
        return (list(self.kg.store.quads_for_pattern(node, None, None, None)),
                list(self.kg.store.quads_for_pattern(None, None, node, None)))

    def labels(self, iris: set[str]) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for iri in iris:
            node = ox.NamedNode(iri)
            for pred in LABELS:
                for q in self.kg.store.quads_for_pattern(node, ox.NamedNode(pred), None, None):
                    o = q.object
                    if isinstance(o, ox.Literal):
                        lang = o.language or "es"
                        out.setdefault(iri, {}).setdefault(lang, o.value)
        return out

    def provenance(self, graphs: set[str]) -> list[dict[str, object]]:
        rows = []
        for g in sorted(graphs):
            record: dict[str, list[str]] = {}
            for q in self.kg.store.quads_for_pattern(ox.NamedNode(g), None, None, ox.NamedNode(str(META_GRAPH))):
                record.setdefault(curie(q.predicate.value), []).append(q.object.value)
            rows.append({"graph": g, "href": local_href(g), "inferred": g.startswith(INFERRED_PREFIX),
                         "record": sorted(record.items())})
        return rows

    def rdf(self, iri: str, media: str) -> bytes:
        out_q, in_q = self.quads(iri)
        triples = list(dict.fromkeys(q.triple for q in [*out_q, *in_q]))
        return ox.serialize(triples, format=GRAPH_MEDIA[media], prefixes={p: str(ns) for p, ns in PREFIXES.items()})

    def page(self, iri: str) -> dict[str, object]:
        out_q, in_q = self.quads(iri)
        # Labels and existence are looked up only for what the page shows (MAX_LINKS each way): a competency
        # has tens of thousands of incoming links at 1M triples.
        shown_out, more_out = _first_links([(q, q.object) for q in out_q])
        shown_in, more_in = _first_links([(q, q.subject) for q in in_q])
        iris = {iri} | {q.predicate.value for q, _ in [*shown_out, *shown_in]}
        iris |= {node.value for _, node in [*shown_out, *shown_in] if isinstance(node, ox.NamedNode)}
        iris |= {q.object.value for q in out_q if q.predicate.value in (RDF_TYPE, "http://purl.org/dc/terms/source")}
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
                return Link(q.predicate.value, pl, node.value, False, lang=node.language,
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
        if any(q.graph_name == ox.NamedNode(str(META_GRAPH)) for q in out_q) and iri != str(META_GRAPH):
            graphs.discard(str(META_GRAPH))
        return {
            "iri": iri, "curie": curie(iri), "labels": labels.get(iri, {}), "texts": texts, "types": types,
            "sources": sources, "outgoing": outgoing, "incoming": incoming, "more_out": more_out, "more_in": more_in,
            "provenance": self.provenance(graphs), "curie_of": curie,
            "is_graph": self.kg.store.contains_named_graph(ox.NamedNode(iri)),
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


def router(kg: KnowledgeGraph) -> APIRouter:
    r = APIRouter()
    d = Describer(kg)

    def respond(request: Request, iri: str, template: str = "ld_resource.html", **extra: object) -> Response:
        media = representation(request)
        headers = {"Vary": "Accept"}
        if not d.exists(iri):
            near = d.nearest(iri) if iri.startswith(BASE) else None
            raise NotFound(f"nothing is known about <{iri}>", see=(local_href(near), near) if near else None)
        if media != "text/html":
            return Response(d.rdf(iri, media), media_type=media, headers=headers)
        html = TEMPLATES.get_template(template).render(**d.page(iri), version=__version__, **extra)
        return HTMLResponse(html, headers=headers)

    def raw_iri(request: Request) -> str:
        """The requested path as the minted IRI (the raw path, so percent-escapes stay as minted)."""
        raw = request.scope.get("raw_path") or request.url.path.encode()
        return BASE + raw.decode("latin-1").split("?", 1)[0].lstrip("/")

    @r.get("/resource", response_class=HTMLResponse)
    def resource(request: Request, iri: str | None = None) -> Response:
        """Any IRI in the store, minted here or not."""
        if not iri:
            raise InputError("missing parameter 'iri' (an absolute IRI)")
        return respond(request, check_iri(iri))

    for doc, ns in HASH_DOCS.items():
        def hash_doc(request: Request, term: str | None = None, _doc: str = doc, _ns: str = ns) -> Response:
            if term:
                return respond(request, check_iri(_ns + unquote(term)))
            return document(request, _doc, _ns)

        r.add_api_route(f"/{doc}", hash_doc, methods=["GET"], name=f"ld_{doc}", response_class=HTMLResponse)

    def document(request: Request, doc: str, ns: str) -> Response:
        """The hash namespace as a document: every term with its labels (anchors #Term); RDF: its graph."""
        media = representation(request)
        headers = {"Vary": "Accept"}
        # Finding the namespace's terms scans every subject of the store (5 s at 1M): once per store state.
        rows = kg.per_state(("terms", ns), lambda: kg.query_rows(
            "SELECT ?t (SAMPLE(?les) AS ?es) (SAMPLE(?len) AS ?en) (SAMPLE(?ty) AS ?type) WHERE { "
            "{ ?t ?p ?o } FILTER(isIRI(?t) && STRSTARTS(STR(?t), \"%s\")) "
            "OPTIONAL { ?t rdfs:label ?les FILTER(lang(?les) = \"es\") } "
            "OPTIONAL { ?t rdfs:label ?len FILTER(lang(?len) = \"en\") } "
            "OPTIONAL { GRAPH ?g { ?t a ?ty } FILTER(!STRSTARTS(STR(?g), \"%s\")) } "
            "} GROUP BY ?t ORDER BY ?t" % (ns, INFERRED_PREFIX))[1])
        if not rows:
            return respond(request, BASE + doc)
        if media != "text/html":
            graph = {"ontology": str(ONTOLOGY_GRAPH), "meta": str(META_GRAPH)}.get(doc, BASE + "graph/shapes")
            statements = [q.triple for q in kg.store.quads_for_pattern(None, None, None, ox.NamedNode(graph))]
            if doc == "meta":  # only the terms, not the store's bookkeeping about graphs
                statements = [t for t in statements if t.subject.value.startswith(ns)]
            body = ox.serialize(statements, format=GRAPH_MEDIA[media], prefixes={p: str(n) for p, n in PREFIXES.items()})
            return Response(body, media_type=media, headers=headers)
        terms = [{"name": row["t"][len(ns):], "iri": row["t"], "href": local_href(row["t"]), "es": row["es"],
                  "en": row["en"], "type": curie(row["type"]) if row["type"] else ""} for row in rows]
        doc_iri = BASE + doc
        page = d.page(doc_iri) if d.exists(doc_iri) else {"iri": doc_iri, "labels": {}}
        html = TEMPLATES.get_template("ld_document.html").render(page=page, terms=terms, doc=doc, ns=ns, version=__version__)
        return HTMLResponse(html, headers=headers)

    for prefix in PREFIX_PATHS:
        def minted(request: Request, rest: str) -> Response:
            return respond(request, raw_iri(request))

        r.add_api_route(f"/{prefix}/{{rest:path}}", minted, methods=["GET"], name=f"ld_{prefix}",
                        response_class=HTMLResponse)

    return r
