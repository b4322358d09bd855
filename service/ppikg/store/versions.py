"""Versions of proposals: every write that changes what a proposal's graph holds keeps it as a new version.

A proposal (its IRI, e.g. ``propuestas/x``) is the work; each load of it — ``ppi import --load``, a Graph
Store PUT or POST, a SPARQL Update, an HTTP upload — that changes its graph makes a *version*
(``propuestas/x/versiones/N``), linked to the one before by ``prov:wasRevisionOf``, with the time, the source
file's name and SHA-256 when there is one, the role that wrote it, and the digest of its content. The records
are public, in the graph ``graph/versiones``; the proposal points to its current version
(``ppi:currentVersion``) and to all of them (``dcterms:hasVersion``).

The union default graph holds only what each proposal's graph holds now (its current version): a superseded
version shares the proposal's IRIs, so it cannot sit in the union beside the current one without mixing the
two. Each version's triples and inferences are kept, as written, in the store's version archive
(:class:`FileArchive`, ``STORE/versions/``), read back for a diff, a report or a query naming the version's
graph (``graph/versiones/x/N``). Dropping a version is an explicit act, recorded with its time and role.

>>> from ppikg.store.graph import KnowledgeGraph
>>> data = '<https://w3id.org/ppikg/propuestas/d> a <https://w3id.org/ppikg/ontology#Proposal> .'
>>> with KnowledgeGraph(None) as kg:
...     _ = kg.add_graph("propuestas/d", data, "ttl", infer=False)
...     _ = kg.add_graph("propuestas/d", data + ' <urn:a> <urn:b> "c" .', "ttl", infer=False)
...     [(v.number, v.current, v.previous) for v in kg.history("https://w3id.org/ppikg/propuestas/d")]
[(1, False, None), (2, True, 'https://w3id.org/ppikg/propuestas/d/versiones/1')]
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..errors import InputError, NotFound, msg
from ..namespaces import BASE, GRAPH, PPI
from .backend import Writer
from .catalog import VERSIONS_GRAPH, content_iri, inferred_of, now

VERSION_GRAPH_PREFIX = GRAPH + "versiones/"  # graph/versiones/x/N names version N's content in a query
PROPOSALS_BASE = BASE + "propuestas/"

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_PROV = "http://www.w3.org/ns/prov#"
_DCT = "http://purl.org/dc/terms/"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_PROPOSAL = ox.NamedNode(PPI + "Proposal")


def _p(local: str) -> ox.NamedNode:
    return ox.NamedNode(PPI + local)


TYPE, CURRENT, NUMBER, STORED_IN, DIGEST, CONTENT_GRAPH, STATUS = (
    ox.NamedNode(PPI + "ProposalVersion"), _p("currentVersion"), _p("versionNumber"), _p("storedInGraph"),
    _p("contentDigest"), _p("versionGraph"), _p("versionStatus"))
HAS_VERSION, IS_VERSION_OF = ox.NamedNode(_DCT + "hasVersion"), ox.NamedNode(_DCT + "isVersionOf")
REVISION_OF, GENERATED, DERIVED, ATTRIBUTED, INVALIDATED = (
    ox.NamedNode(_PROV + "wasRevisionOf"), ox.NamedNode(_PROV + "generatedAtTime"),
    ox.NamedNode(_PROV + "wasDerivedFrom"), ox.NamedNode(_PROV + "wasAttributedTo"),
    ox.NamedNode(_PROV + "invalidatedAtTime"))
DROPPED_BY, MODIFIES = _p("droppedBy"), _p("modifiesAuthorised")
SUBMITTED = _p("Pending")  # a new version waits for the Instituto's authorisation (Décimo Sexto)


@dataclass(frozen=True)
class Version:
    """One version of a proposal, as its record in ``graph/versiones`` describes it."""

    iri: str
    proposal: str
    number: int
    time: str
    graph: str  # the added graph it was written to
    content_graph: str  # the name that selects its content in a query (FROM, GRAPH)
    digest: str
    previous: str | None
    file_name: str | None
    sha256: str | None
    role: str | None
    status: str
    current: bool
    dropped: str | None  # when it was dropped, if it was
    next_revision: str | None = None  # set by its authorisation (Décimo Séptimo)

    def overdue(self, today: str | None = None) -> bool:
        """Whether it is in force (authorised) and its next revision date has passed."""
        from datetime import date

        return bool(self.status == PPI + "Authorised" and self.next_revision
                    and self.next_revision < (today or date.today().isoformat()))


def version_key(proposal: str) -> str:
    """The path segment of a proposal's versions: its name under ``propuestas/``, else a digest of its IRI.

    >>> version_key("https://w3id.org/ppikg/propuestas/ejemplo-dgb"), version_key("http://example.org/p")
    ('ejemplo-dgb', 'h-128c954cbe72a165')
    """
    if proposal.startswith(PROPOSALS_BASE):
        rest = proposal[len(PROPOSALS_BASE):].strip("/")
        if rest and "versiones" not in rest.split("/"):
            return rest
    return "h-" + hashlib.sha256(proposal.encode()).hexdigest()[:16]


def version_iri(proposal: str, number: int) -> str:
    """``propuestas/x`` → ``propuestas/x/versiones/N`` (other IRIs: under ``versiones/`` by digest)."""
    key = version_key(proposal)
    if proposal.startswith(PROPOSALS_BASE) and not key.startswith("h-"):
        return f"{PROPOSALS_BASE}{key}/versiones/{number}"
    return f"{BASE}versiones/{key}/{number}"


def content_graph(proposal: str, number: int) -> str:
    return f"{VERSION_GRAPH_PREFIX}{version_key(proposal)}/{number}"


def content_digest(triples: Iterable[ox.Triple]) -> str:
    """The SHA-256 of a graph's content, the same for the same triples whatever the order or blank-node labels
    (a graph with blank nodes is canonicalised first, rdflib's RGDA1)."""
    triples = list(triples)
    if any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples):
        from rdflib.compare import to_canonical_graph

        from .inference import to_rdflib
        from .loading import to_oxigraph_triple

        import rdflib

        graph = rdflib.Graph()
        for t in triples:
            graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        triples = [to_oxigraph_triple(s, p, o) for s, p, o in to_canonical_graph(graph)]
    return _digest(sorted_ntriples(triples))


def to_ntriples(triples: Iterable[ox.Triple | ox.Quad]) -> bytes:
    """The triples (a quad's graph left out) as N-Triples, written by the store's serialiser."""
    return ox.serialize([t.triple if isinstance(t, ox.Quad) else t for t in triples],
                        format=ox.RdfFormat.N_TRIPLES) or b""


def sorted_ntriples(triples: Iterable[ox.Triple], ntriples: bytes | None = None) -> bytes:
    """The triples as N-Triples, one line each, sorted (every line is ``str(triple)`` and `` .``: the order is
    that of the ``str`` of the triples, no line being a prefix of another but for its end); ``ntriples``: the
    triples serialised already."""
    text = to_ntriples(triples) if ntriples is None else ntriples
    return b"".join(sorted(text.splitlines(keepends=True)))


@dataclass(frozen=True)
class Written:
    """What a graph holds as it was just written, for :func:`record_versions` (which else reads it back): the
    proposals it asserts, its content digest, its triples as sorted N-Triples and its inferences as N-Triples."""

    proposals: list[str]
    digest: str
    asserted: bytes
    inferred: bytes

    @classmethod
    def of(cls, triples: list[ox.Triple], inferred: list[ox.Triple] | bytes, ntriples: bytes | None = None) -> Written:
        """``inferred``: the inferences, or their N-Triples; ``ntriples``: the triples as the store holds them,
        serialised (``triples`` may then be as parsed: only the proposals they assert are read off them)."""
        asserted = sorted_ntriples(triples, ntriples)
        if not isinstance(inferred, bytes):
            inferred = to_ntriples(inferred)
        if b"_:" in asserted:  # maybe a blank node: the digest is that of the canonical graph
            stored = triples if ntriples is None else \
                [q.triple for q in ox.parse(asserted, format=ox.RdfFormat.N_TRIPLES)]
            if any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in stored):
                return cls(_proposals(triples), content_digest(stored), asserted, inferred)
        return cls(_proposals(triples), _digest(asserted), asserted, inferred)


def _digest(lines: bytes) -> str:
    """The SHA-256 of each sorted triple's ``str`` followed by a line break (what content_digest hashes)."""
    return hashlib.sha256(lines.replace(b" .\n", b"\n")).hexdigest()


# --- the archive of version contents ---------------------------------------------------------------------------


class Archive(ABC):
    """Where each version's triples and inferences are kept (N-Triples), by version IRI."""

    @abstractmethod
    def put(self, version: str, asserted: bytes, inferred: bytes) -> None: ...

    @abstractmethod
    def get(self, version: str) -> tuple[bytes, bytes]:
        """The version's triples and inferences; InputError if the archive no longer holds them."""

    @abstractmethod
    def discard(self, version: str) -> None: ...


class MemoryArchive(Archive):
    def __init__(self) -> None:
        self._items: dict[str, tuple[bytes, bytes]] = {}
        self._lock = threading.Lock()

    def put(self, version: str, asserted: bytes, inferred: bytes) -> None:
        with self._lock:
            self._items[version] = (asserted, inferred)

    def get(self, version: str) -> tuple[bytes, bytes]:
        with self._lock:
            if version not in self._items:
                raise InputError(msg("version_not_kept", version=version))
            return self._items[version]

    def discard(self, version: str) -> None:
        with self._lock:
            self._items.pop(version, None)


class FileArchive(Archive):
    """``folder/KEY.nt.gz`` and ``folder/KEY.inferred.nt.gz`` per version (KEY: a digest of its IRI), written
    before the write that records the version commits (a write that fails leaves a file nobody names)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _paths(self, version: str) -> tuple[Path, Path]:
        key = hashlib.sha256(version.encode()).hexdigest()[:32]
        return self.folder / f"{key}.nt.gz", self.folder / f"{key}.inferred.nt.gz"

    def put(self, version: str, asserted: bytes, inferred: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for path, data in zip(self._paths(version), (asserted, inferred)):
            tmp = path.with_name(path.name + ".tmp")
            with open(tmp, "wb") as f:
                f.write(gzip.compress(data, compresslevel=1, mtime=0))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)

    def get(self, version: str) -> tuple[bytes, bytes]:
        try:
            a, i = (gzip.decompress(p.read_bytes()) for p in self._paths(version))
            return a, i
        except FileNotFoundError:
            raise InputError(msg("version_not_kept", version=version)) from None

    def discard(self, version: str) -> None:
        for path in self._paths(version):
            path.unlink(missing_ok=True)


# --- writing the records -------------------------------------------------------------------------------------


def _literal(value: str, datatype: str = "string") -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(_XSD + datatype))


def _one(writer: Writer, subject: ox.NamedNode, predicate: ox.NamedNode) -> ox.NamedNode | ox.Literal | None:
    for q in writer.quads(VERSIONS_GRAPH, subject):
        if q.predicate == predicate:
            return q.object  # type: ignore[return-value]
    return None


def proposals_in(writer: Writer, graph: str) -> list[str]:
    """The proposals graph ``graph`` asserts, by IRI."""
    if graph not in writer.graph_names():
        return []
    return _proposals(q.triple for q in writer.quads(graph))


def current_in(writer: Writer, graph: str) -> list[str]:
    """The proposals whose current version was written to ``graph``."""
    out = []
    for q in writer.quads(VERSIONS_GRAPH, object=ox.NamedNode(graph)):
        if q.predicate == STORED_IN:
            proposal = _one(writer, q.subject, IS_VERSION_OF)  # type: ignore[arg-type]
            if proposal is not None and _one(writer, proposal, CURRENT) == q.subject:  # type: ignore[arg-type]
                out.append(proposal.value)
    return sorted(set(out))


def _numbers(writer: Writer, proposal: ox.NamedNode) -> list[int]:
    return [int(n.value) for q in writer.quads(VERSIONS_GRAPH, proposal) if q.predicate == HAS_VERSION
            for n in [_one(writer, q.object, NUMBER)] if n is not None]  # type: ignore[arg-type]


def _authorised(writer: Writer, proposal: ox.NamedNode) -> list[ox.NamedNode]:
    """The versions of ``proposal`` authorised and in force."""
    authorised = ox.NamedNode(PPI + "Authorised")
    return [q.object for q in writer.quads(VERSIONS_GRAPH, proposal) if q.predicate == HAS_VERSION
            and isinstance(q.object, ox.NamedNode) and _one(writer, q.object, STATUS) == authorised]


def known_content(writer: Writer, graph: str) -> bool:
    """Whether every proposal in ``graph`` has a version holding exactly what the graph holds now."""
    held = proposals_in(writer, graph)
    if not held:
        return False
    digest = _literal(content_digest(q.triple for q in writer.quads(graph)))
    for proposal in held:
        versions = [q.object for q in writer.quads(VERSIONS_GRAPH, ox.NamedNode(proposal)) if q.predicate == HAS_VERSION]
        if not any(isinstance(v, ox.NamedNode) and _one(writer, v, DIGEST) == digest for v in versions):
            return False
    return True


def _proposals(triples: Iterable[ox.Triple]) -> list[str]:
    return sorted({t.subject.value for t in triples if t.predicate == _RDF_TYPE and t.object == _PROPOSAL
                   and isinstance(t.subject, ox.NamedNode)})


def record_versions(writer: Writer, archive: Archive, graphs: Iterable[str], *, file_name: str | None = None,
                    content: bytes | None = None, role: str | None = None, when: str | None = None,
                    written: Written | None = None) -> list[str]:
    """After a write that may have changed ``graphs``: a new version of each proposal whose graph now holds
    something else than its current version (its content and inferences archived), and the proposals that
    left a graph lose their current version. Returns the IRIs of the versions made. ``written``: what the one
    graph of ``graphs`` holds now, as just written (else it is read from the store)."""
    made = []
    for graph in dict.fromkeys(graphs):
        now = written
        held = proposals_in(writer, graph) if now is None else now.proposals
        for gone in set(current_in(writer, graph)) - set(held):
            writer.remove_quads(q for q in writer.quads(VERSIONS_GRAPH, ox.NamedNode(gone)) if q.predicate == CURRENT)
        if not held:
            continue
        if now is None:
            now = Written.of([q.triple for q in writer.quads(graph)], [q.triple for q in writer.quads(inferred_of(graph))])
        digest, asserted, inferred = now.digest, now.asserted, now.inferred
        for proposal in held:
            node = ox.NamedNode(proposal)
            current = _one(writer, node, CURRENT)
            if isinstance(current, ox.NamedNode) and _one(writer, current, DIGEST) == _literal(digest) \
                    and _one(writer, current, STORED_IN) == ox.NamedNode(graph):
                continue
            number = max(_numbers(writer, node), default=0) + 1
            iri = version_iri(proposal, number)
            archive.put(iri, asserted, inferred)
            writer.add_quads(_record(node, iri, number, graph, digest, current, file_name, content, role, when))
            for authorised in _authorised(writer, node):  # a modification of the version in force (Décimo Séptimo)
                writer.add_quads([ox.Quad(ox.NamedNode(iri), MODIFIES, authorised, ox.NamedNode(VERSIONS_GRAPH))])
            writer.remove_quads(q for q in writer.quads(VERSIONS_GRAPH, node) if q.predicate == CURRENT)
            writer.add_quads([ox.Quad(node, CURRENT, ox.NamedNode(iri), ox.NamedNode(VERSIONS_GRAPH))])
            made.append(iri)
    return made


def _record(proposal: ox.NamedNode, iri: str, number: int, graph: str, digest: str, previous,
            file_name: str | None, content: bytes | None, role: str | None, when: str | None) -> list[ox.Quad]:
    g = ox.NamedNode(VERSIONS_GRAPH)
    v = ox.NamedNode(iri)
    quads = [
        ox.Quad(proposal, HAS_VERSION, v, g),
        ox.Quad(v, _RDF_TYPE, TYPE, g),
        ox.Quad(v, IS_VERSION_OF, proposal, g),
        ox.Quad(v, NUMBER, _literal(str(number), "integer"), g),
        ox.Quad(v, GENERATED, _literal(when or now(), "dateTime"), g),
        ox.Quad(v, STORED_IN, ox.NamedNode(graph), g),
        ox.Quad(v, CONTENT_GRAPH, ox.NamedNode(content_graph(proposal.value, number)), g),
        ox.Quad(v, DIGEST, _literal(digest), g),
        ox.Quad(v, STATUS, SUBMITTED, g),
    ]
    if isinstance(previous, ox.NamedNode):
        quads.append(ox.Quad(v, REVISION_OF, previous, g))
    if content is not None:
        source = ox.NamedNode(content_iri(content))
        quads += [ox.Quad(v, DERIVED, source, g), ox.Quad(source, _RDF_TYPE, ox.NamedNode(_PROV + "Entity"), g),
                  ox.Quad(source, ox.NamedNode(PPI + "sha256"), _literal(hashlib.sha256(content).hexdigest()), g)]
        if file_name:
            quads.append(ox.Quad(source, ox.NamedNode(_DCT + "title"), _literal(file_name), g))
    quads.append(ox.Quad(v, ATTRIBUTED, ox.NamedNode(role or PPI + "commandLineUser"), g))
    return quads


def drop_version(writer: Writer, archive: Archive, proposal: str, number: int, role: str | None,
                 when: str | None = None) -> tuple[str, str | None]:
    """Drop version ``number`` of ``proposal``: its content leaves the archive, its record stays, marked with
    the time and role; dropping the current version puts the latest version left back into its graph (with
    its inferences). Returns the dropped version's IRI and the version current afterwards (None: none left,
    the proposal's graph is removed). NotFound for a version that does not exist, InputError for one dropped already."""
    from .loading import remove_graph

    node = ox.NamedNode(proposal)
    history: dict[int, ox.NamedNode] = {
        int(n.value): v for q in writer.quads(VERSIONS_GRAPH, node) if q.predicate == HAS_VERSION
        for v in [q.object] if isinstance(v, ox.NamedNode) for n in [_one(writer, v, NUMBER)] if n is not None}
    if not history:
        raise NotFound(msg("no_versions", iri=proposal))
    target = history.get(number)
    if target is None:
        raise NotFound(msg("no_such_version", proposal=proposal, number=number,
                           numbers=", ".join(map(str, sorted(history)))))
    if _one(writer, target, INVALIDATED) is not None:
        raise InputError(msg("version_dropped_already", number=number, proposal=proposal))
    g = ox.NamedNode(VERSIONS_GRAPH)
    current = _one(writer, node, CURRENT)
    was_current = current == target
    now_current = current.value if isinstance(current, ox.NamedNode) and not was_current else None
    stamp = _literal(when or now(), "dateTime")
    writer.add_quads([ox.Quad(target, INVALIDATED, stamp, g),
                      ox.Quad(target, DROPPED_BY, ox.NamedNode(role or PPI + "commandLineUser"), g)])
    if was_current:
        writer.remove_quads(q for q in writer.quads(VERSIONS_GRAPH, node) if q.predicate == CURRENT)
        stored = _one(writer, target, STORED_IN)
        assert stored is not None, "every version records the graph it was written to"
        graph = stored.value
        alive = [v for n, v in sorted(history.items()) if n != number and _one(writer, v, INVALIDATED) is None]
        remove_graph(writer, graph)
        if alive:
            back = alive[-1]
            asserted, inferred = archive.get(back.value)
            writer.add(graph, ox.parse(asserted, format=ox.RdfFormat.N_TRIPLES))
            writer.add(inferred_of(graph), ox.parse(inferred, format=ox.RdfFormat.N_TRIPLES))
            writer.catalog.set(graph, writer.catalog.kind(graph) or "added", reasoner="rules")
            writer.remove_quads(q for q in writer.quads(VERSIONS_GRAPH, back) if q.predicate == STORED_IN)
            writer.add_quads([ox.Quad(node, CURRENT, back, g), ox.Quad(back, STORED_IN, ox.NamedNode(graph), g)])
            now_current = back.value
    return target.value, now_current


# --- reading the records ---------------------------------------------------------------------------------------


HISTORY_QUERY = """
SELECT ?v ?n ?time ?graph ?content ?digest ?previous ?file ?sha ?role ?status ?current ?dropped ?next WHERE {
  GRAPH <%(g)s> {
    <%(p)s> dcterms:hasVersion ?v .
    ?v ppi:versionNumber ?n ; prov:generatedAtTime ?time ; ppi:storedInGraph ?graph ; ppi:versionGraph ?content ;
       ppi:contentDigest ?digest ; ppi:versionStatus ?status .
    OPTIONAL { ?v prov:wasRevisionOf ?previous }
    OPTIONAL { ?v prov:wasDerivedFrom ?src . ?src ppi:sha256 ?sha . OPTIONAL { ?src dcterms:title ?file } }
    OPTIONAL { ?v prov:wasAttributedTo ?role }
    OPTIONAL { ?v prov:invalidatedAtTime ?dropped }
    OPTIONAL { ?v ppi:hasDecision ?d . ?d ppi:nextRevisionDate ?next }
    BIND(EXISTS { <%(p)s> ppi:currentVersion ?v } AS ?current)
  }
} ORDER BY ?n
"""


def history(snapshot, proposal: str) -> list[Version]:
    """Every version of ``proposal`` in ``snapshot``, oldest first (empty if it has none)."""
    try:
        ox.NamedNode(proposal)
    except ValueError:
        raise InputError(msg("not_an_iri", value=proposal)) from None

    _, rows = snapshot.query_rows(HISTORY_QUERY % {"g": VERSIONS_GRAPH, "p": proposal}, plan=False)
    return [Version(r["v"], proposal, int(r["n"]), r["time"], r["graph"], r["content"], r["digest"], r["previous"],
                    r["file"], r["sha"], r["role"], r["status"], r["current"] == "true", r["dropped"], r["next"])
            for r in rows]
