"""The remote store: any SPARQL 1.1 server (Protocol, Update, optionally the Graph Store Protocol) as a backend.

The knowledge graph reads and writes through the same interface as with the embedded store (store/backend.py):
:class:`RemoteQuads` answers the reading calls of a pyoxigraph store (``query``, ``quads_for_pattern``,
``contains_named_graph``, ``named_graphs``) over HTTP, so snapshots, canned queries, pages, VoID, export and
versions work unchanged; :class:`RemoteWriter` sends each write operation as a SPARQL Update (RDF files and
large graphs through the Graph Store Protocol when it is given). Queries go to the server as written, with
the project prefixes declared before them; the server's default graph must be the union of its graphs
(Virtuoso's is; Oxigraph's server needs ``--union-default-graph``).

What a remote server cannot give, and what stands in for it:

- **State**: a counter and the catalogue (store/catalog.py) are kept in the bookkeeping graph
  ``urn:ppikg:store``; every write moves the counter when it ends, so every cache keyed on the state
  (answers, VoID, class counts) is dropped. A thread of each process reads the counter again every
  :data:`REFRESH` seconds, so another process's write is seen within that time.
- **Snapshots**: a reader reads the live remote store; a query that runs while a write is under way may see
  part of it.
- **Atomic writes**: each operation of a write is its own request; writes of one process are serialised (a
  lock), but a write that fails midway leaves what it had sent (the counter still moves, the catalogue
  stays as it was). Run one writing process per remote store.
- **Version contents** (store/versions.py) are kept in the graph ``urn:ppikg:archive`` of the same store
  (gzip, base64), so every process reading it has them.
- **Graphs of the server's own** (Virtuoso's system graphs) are not the project's: a graph is the project's
  when its IRI is under ``https://w3id.org/ppikg/graph/``, the catalogue names it, or a write of this process
  created it. Empty graphs do not exist for a remote store (SPARQL cannot list them).
- **Blank nodes** get new labels from the server; removing a triple with a blank node removes every triple
  with the same subject and predicate in that position's place (``DELETE WHERE`` with a variable).
"""

from __future__ import annotations

import base64
import gzip
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox

from ..errors import InputError, PpikgError, msg
from ..namespaces import GRAPH
from .backend import Backend, Writer
from .catalog import Catalog
from .snapshot import QUERY_PREFIXES, Snapshot
from .versions import Archive

#: Seconds between two readings of the remote state counter by one process.
REFRESH = 1.0
STORE_GRAPH = "urn:ppikg:store"
ARCHIVE_GRAPH = "urn:ppikg:archive"
_HIDDEN = frozenset({STORE_GRAPH, ARCHIVE_GRAPH})
_STATE = ox.NamedNode("urn:ppikg:store#state")
_CATALOG = ox.NamedNode("urn:ppikg:store#catalog")
_ASSERTED = ox.NamedNode("urn:ppikg:archive#asserted")
_INFERRED = ox.NamedNode("urn:ppikg:archive#inferred")
_OWN_PREFIX = str(GRAPH)
_CHUNK = 2000  # triples per INSERT DATA / DELETE DATA request
_XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_JSON = "application/sparql-results+json"
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.8"


@dataclass(frozen=True)
class Endpoint:
    """Where a SPARQL 1.1 server answers: its query URL, its update URL (default: the query URL), its Graph
    Store Protocol URL (optional) and the account for updates (Basic or Digest, as the server asks)."""

    query: str
    update: str | None = None
    gsp: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)  # never shown, never logged
    timeout: float = 300.0


class _Auth(httpx.Auth):
    """Basic or Digest authentication, whichever the server's challenge names."""

    requires_response_body = True

    def __init__(self, user: str, password: str) -> None:
        self._digest = httpx.DigestAuth(user, password)
        self._basic = httpx.BasicAuth(user, password)
        self._scheme: str | None = None

    def auth_flow(self, request: httpx.Request):
        if self._scheme == "basic":
            yield from self._basic.auth_flow(request)
            return
        if self._scheme == "digest":
            yield from self._digest.auth_flow(request)
            return
        response = yield request
        if response.status_code != 401:
            return
        challenge = response.headers.get("www-authenticate", "").lower()
        self._scheme = "digest" if challenge.startswith("digest") else "basic"
        response.read()
        flow = (self._digest if self._scheme == "digest" else self._basic).auth_flow(request)
        if self._scheme == "digest":  # replay the challenge into the digest flow
            next(flow)
            yield flow.send(response)
        else:
            yield next(flow)


def _form(text: str) -> str:
    """The query form: SELECT, ASK, CONSTRUCT or DESCRIBE (the first of them after the prologue)."""
    from ..sparql.lexer import decode_escapes, tokenize

    for t in tokenize(decode_escapes(text)):
        if t.keyword in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return t.keyword
    raise SyntaxError("no SELECT, ASK, CONSTRUCT or DESCRIBE in the query")


def _boolean_variables(text: str) -> set[str]:
    """The variables a query binds to ``EXISTS {…}`` or ``NOT EXISTS {…}`` (``BIND(EXISTS {…} AS ?v)`` or
    ``(EXISTS {…} AS ?v)``): some servers (Virtuoso) answer them as the integers 1 and 0."""
    from ..sparql.lexer import decode_escapes, tokenize

    tokens = tokenize(decode_escapes(text))
    out = set()
    for i, t in enumerate(tokens):
        if t.text != "(":
            continue
        j = i + 1
        if j < len(tokens) and tokens[j].keyword == "NOT":
            j += 1
        if j >= len(tokens) or tokens[j].keyword != "EXISTS":
            continue
        depth = 0
        for k in range(i, len(tokens)):
            depth += {"(": 1, ")": -1}.get(tokens[k].text, 0)
            if depth == 0:
                if k >= 2 and tokens[k - 2].keyword == "AS":
                    out.add(tokens[k - 1].text.lstrip("?$"))
                break
    return out


def with_values(text: str, substitutions: dict) -> str:
    """``text`` with ``substitutions`` (variable → term) bound first thing in its WHERE clause, as a ``VALUES``
    block: what pyoxigraph's substitutions do, for a server that has none.

    >>> with_values("SELECT ?x WHERE { ?x ?p ?o }", {ox.Variable("x"): ox.NamedNode("http://e/a")})
    'SELECT ?x WHERE { VALUES (?x) { (<http://e/a>) } ?x ?p ?o }'
    """
    from ..sparql.lexer import decode_escapes, tokenize

    if not substitutions:
        return text
    text = decode_escapes(text)
    tokens = tokenize(text)
    start = 0
    form = next((t for t in tokens if t.keyword in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")), None)
    if form is not None and form.keyword == "CONSTRUCT":
        index = tokens.index(form)
        if index + 1 < len(tokens) and tokens[index + 1].text == "{":  # skip the template
            depth = 0
            for k in range(index + 1, len(tokens)):
                depth += {"{": 1, "}": -1}.get(tokens[k].text, 0)
                if depth == 0:
                    start = tokens[k].start + 1
                    break
    brace = next((t for t in tokens if t.text == "{" and t.start >= start), None)
    if brace is None:
        raise SyntaxError("no WHERE clause to bind the parameters in")
    names = " ".join(f"?{v.value}" for v in substitutions)
    terms = " ".join(str(term) for term in substitutions.values())
    at = brace.start + 1
    return f"{text[:at]} VALUES ({names}) {{ ({terms}) }}{text[at:]}"


def _prologue(prefixes: dict[str, str] | None, base_iri: str | None) -> str:
    lines = [f"BASE <{base_iri}>"] if base_iri else []
    lines += [f"PREFIX {p}: <{ns}>" for p, ns in (prefixes or {}).items()]
    return "\n".join(lines) + "\n" if lines else ""


def _boolean(value: bool):
    return ox.parse_query_results(json.dumps({"head": {}, "boolean": value}).encode(), format=ox.QueryResultsFormat.JSON)


def _triples_result(triples: list[ox.Triple]):
    """A pyoxigraph ``QueryTriples`` holding ``triples``, as a CONSTRUCT on the embedded store gives."""
    scratch = ox.Store()
    scratch.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")


def _data_block(quads: Iterable[ox.Quad]) -> str:
    """The quads as the body of ``INSERT DATA`` / ``DELETE DATA``, by graph."""
    by_graph: dict[str | None, list[str]] = {}
    for q in quads:
        g = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else None
        by_graph.setdefault(g, []).append(f"{q.subject} {q.predicate} {q.object} .")
    parts = []
    for g, lines in by_graph.items():
        body = "\n".join(lines)
        parts.append(f"GRAPH <{g}> {{\n{body}\n}}" if g else body)
    return "\n".join(parts)


def _has_blank(q: ox.Quad | ox.Triple) -> bool:
    return isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)


class SparqlClient:
    """HTTP calls to one SPARQL 1.1 server (a client per process: it holds a connection pool)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        auth = _Auth(endpoint.user, endpoint.password or "") if endpoint.user else None
        self._http = httpx.Client(timeout=endpoint.timeout, auth=auth, follow_redirects=False)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    def _send(self, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.post(url, **kwargs)
        except httpx.HTTPError as e:
            raise PpikgError(msg("remote_silent", url=url, detail=str(e))) from None
        return response

    def request(self, text: str, accept: str, dataset: dict[str, Any]) -> httpx.Response:
        data: dict[str, str | list[str]] = {"query": text}
        if dataset.get("default_graph"):
            data["default-graph-uri"] = [g.value for g in dataset["default_graph"]]
        if dataset.get("named_graphs"):
            data["named-graph-uri"] = [g.value for g in dataset["named_graphs"]]
        response = self._send(self.endpoint.query, data=data, headers={"Accept": accept})
        if response.status_code == 400:
            raise SyntaxError(_message(response))
        if response.status_code != 200:
            raise PpikgError(msg("remote_answered", url=self.endpoint.query, status=response.status_code,
                                 detail=_message(response)))
        return response

    def update(self, text: str) -> None:
        url = self.endpoint.update or self.endpoint.query
        response = self._send(url, data={"update": text})
        if response.status_code == 400:
            raise InputError(msg("update_failed", detail=_message(response)))
        if response.status_code >= 300:
            raise PpikgError(msg("remote_refused_update", url=url, status=response.status_code,
                                 detail=_message(response)))

    def post_graph(self, graph: str, ntriples: bytes) -> None:
        """Add N-Triples to ``graph`` through the Graph Store Protocol."""
        assert self.endpoint.gsp is not None
        response = self._send(self.endpoint.gsp, params={"graph": graph}, content=ntriples,
                              headers={"Content-Type": "application/n-triples"})
        if response.status_code >= 300:
            raise PpikgError(msg("remote_refused_graph", url=self.endpoint.gsp, graph=graph,
                                 status=response.status_code, detail=_message(response)))



def _message(response: httpx.Response) -> str:
    text = response.text.strip()
    return " ".join(text.split())[:500] or response.reason_phrase


class RemoteQuads:
    """The reading calls of a pyoxigraph store, answered by a SPARQL server; ``visible`` says which of its named
    graphs are the project's."""

    def __init__(self, client: SparqlClient, visible: Callable[[str], bool]) -> None:
        self.client = client
        self.visible = visible

    def query(self, sparql: str, *, prefixes: dict[str, str] | None = None, base_iri: str | None = None,
              substitutions: dict | None = None, use_default_graph_as_union: bool = False,
              default_graph: Any = None, named_graphs: Any = None, **_: Any):
        form = _form(sparql)
        text = _prologue(prefixes, base_iri) + with_values(sparql, substitutions or {})
        dataset = {"default_graph": default_graph if isinstance(default_graph, list) else None,
                   "named_graphs": named_graphs}
        if form in ("CONSTRUCT", "DESCRIBE"):
            response = self.client.request(text, _GRAPH_ACCEPT, dataset)
            media = response.headers.get("content-type", "").split(";")[0].strip()
            fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
            return _triples_result(list(ox.parse(response.content, format=fmt)))
        response = self.client.request(text, _JSON, dataset)
        data = json.loads(response.content)
        if form == "ASK":
            if "boolean" in data:
                return _boolean(bool(data["boolean"]))
            bindings = data.get("results", {}).get("bindings", [])  # Virtuoso: one row, one integer
            cells: list[dict[str, str]] = list(bindings[0].values()) if bindings else []
            value = cells[0].get("value") if cells else None
            return _boolean(value in ("1", "true"))
        for name in _boolean_variables(sparql):
            for row in data.get("results", {}).get("bindings", []):
                cell = row.get(name)
                if cell and cell.get("datatype", "").endswith("#integer") and cell.get("value") in ("0", "1"):
                    row[name] = {"type": "literal", "datatype": _XSD_BOOLEAN,
                                 "value": "true" if cell["value"] == "1" else "false"}
        for row in data.get("results", {}).get("bindings", []):
            for cell in row.values():
                if cell.get("type") == "typed-literal":
                    cell["type"] = "literal"
        return ox.parse_query_results(json.dumps(data).encode(), format=ox.QueryResultsFormat.JSON)

    def quads_for_pattern(self, subject=None, predicate=None, object=None, graph_name=None) -> list[ox.Quad]:
        if graph_name is not None and not isinstance(graph_name, ox.NamedNode):
            return []  # the default graph of a remote store is the union: it holds no triples of its own
        if graph_name is not None and not self.visible(graph_name.value):
            return []
        if graph_name is not None and subject is None and predicate is None and object is None:
            result = self.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph_name} {{ ?s ?p ?o }} }}")
            return [ox.Quad(t.subject, t.predicate, t.object, graph_name) for t in result]
        s, p, o = (str(t) if t is not None else f"?{n}" for t, n in ((subject, "s"), (predicate, "p"), (object, "o")))
        g = str(graph_name) if graph_name is not None else "?g"
        rows = self.query(f"SELECT * WHERE {{ GRAPH {g} {{ {s} {p} {o} }} }}")
        out = []
        for row in rows:
            graph = graph_name or row["g"]
            if isinstance(graph, ox.NamedNode) and self.visible(graph.value):
                out.append(ox.Quad(subject or row["s"], predicate or row["p"], object or row["o"], graph))
        return out

    def all_named_graphs(self) -> list[str]:
        # GROUP BY, not DISTINCT: Virtuoso answers DISTINCT ?g by a scan (5 s on 20,000 triples), GROUP BY at once
        rows = self.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return sorted(r["g"].value for r in rows if isinstance(r["g"], ox.NamedNode))

    def named_graphs(self) -> list[ox.NamedNode]:
        return [ox.NamedNode(g) for g in self.all_named_graphs() if self.visible(g)]

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        if not self.visible(graph.value):
            return False
        return bool(self.query(f"ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}"))

    def __iter__(self) -> Iterator[ox.Quad]:
        for g in self.named_graphs():
            yield from self.quads_for_pattern(graph_name=g)


def _visible_in(catalog: Catalog, extra: Iterable[str] = ()) -> Callable[[str], bool]:
    known = set(catalog.graphs) | set(extra)
    return lambda g: g not in _HIDDEN and (g.startswith(_OWN_PREFIX) or g in known)


class RemoteSnapshot(Snapshot):
    """The remote store as it stands at state ``state`` (the live store: see the module's notes)."""

    remote = True

    def __init__(self, state: int, client: SparqlClient, catalog: Catalog, archive: Archive) -> None:
        # RemoteQuads answers the reading calls of a pyoxigraph store that snapshots make
        super().__init__(state, RemoteQuads(client, _visible_in(catalog)), catalog, archive=archive)  # type: ignore[arg-type]
        self.client = client

    @property
    def quads_store(self) -> RemoteQuads:
        return self._store  # type: ignore[return-value]

    def source(self) -> tuple:
        return ("remote", self.client.endpoint, self.state, self.catalog.to_json())

    def close(self) -> None:  # the client belongs to the backend (or to the worker that opened it)
        pass

    def graph_names(self) -> list[str]:
        return self.memo("graph-names", lambda: [g.value for g in self.quads_store.named_graphs()])

    def contains_graph(self, iri: str) -> bool:
        return iri in self.memo("graph-set", lambda: frozenset(self.graph_names()))

    def graphs(self) -> list[tuple[str, int]]:
        def count() -> list[tuple[str, int]]:
            names = self.graph_names()
            counts = {g: 0 for g in names}
            for row in self.quads_store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"):
                if row["g"].value in counts:
                    counts[row["g"].value] = int(row["n"].value)
            return sorted(counts.items())
        return self.memo("graphs", count)

    def _own_graphs(self) -> str:
        """A pattern over the project's graphs only (not the server's own, not the bookkeeping)."""
        return "VALUES ?g { " + " ".join(f"<{g}>" for g in self.graph_names()) + " } GRAPH ?g"

    def entities(self, graphs: str = "") -> int:
        return super().entities(self._own_graphs())

    def counts_by_class(self) -> dict[str, int]:
        def count() -> dict[str, int]:
            rows = self.quads_store.query(f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {self._own_graphs()} "
                                          "{ ?s a ?c } } GROUP BY ?c")
            counts = {r["c"].value: int(r["n"].value) for r in rows if r["c"] is not None}
            return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return self.memo("classes", count)


class RemoteArchive(Archive):
    """Version contents in the graph ``urn:ppikg:archive`` of the remote store (gzip, base64)."""

    def __init__(self, client: SparqlClient) -> None:
        self.client = client

    def put(self, version: str, asserted: bytes, inferred: bytes) -> None:
        node = ox.NamedNode(version)
        self.discard(version)
        quads = [ox.Quad(node, p, ox.Literal(base64.b64encode(gzip.compress(data, mtime=0)).decode()),
                         ox.NamedNode(ARCHIVE_GRAPH)) for p, data in ((_ASSERTED, asserted), (_INFERRED, inferred))]
        self.client.update(f"INSERT DATA {{ {_data_block(quads)} }}")

    def get(self, version: str) -> tuple[bytes, bytes]:
        quads = RemoteQuads(self.client, lambda g: True)
        rows = list(quads.query(f"SELECT ?a ?i WHERE {{ GRAPH <{ARCHIVE_GRAPH}> {{ {ox.NamedNode(version)} "
                                f"{_ASSERTED} ?a ; {_INFERRED} ?i }} }}"))
        if not rows:
            raise InputError(msg("version_not_kept", version=version))
        return (gzip.decompress(base64.b64decode(rows[0]["a"].value)),
                gzip.decompress(base64.b64decode(rows[0]["i"].value)))

    def discard(self, version: str) -> None:
        self.client.update(f"DELETE WHERE {{ GRAPH <{ARCHIVE_GRAPH}> {{ {ox.NamedNode(version)} ?p ?o }} }}")


class RemoteWriter(Writer):
    """The operations of one write, each sent to the server as it is made (reads see them at once)."""

    def __init__(self, client: SparqlClient, catalog: Catalog, foreign: set[str], state: int) -> None:
        self.client = client
        self.catalog = catalog
        self.state = state
        self.touched: set[str] | None = None  # which graphs a write changed is not tracked on a remote store
        self._foreign = foreign  # the server's graphs that are not the project's, when the write began

    def _quads(self) -> RemoteQuads:
        return RemoteQuads(self.client, self._visible)

    def _visible(self, g: str) -> bool:
        return g not in _HIDDEN and (g.startswith(_OWN_PREFIX) or g in self.catalog.graphs or g not in self._foreign)

    def _insert(self, quads: list[ox.Quad]) -> None:
        plain = [q for q in quads if not _has_blank(q)]
        # One request for those with blank nodes (a label names one node per request), as a template: INSERT
        # DATA may not hold blank nodes on every server (Virtuoso).
        blank = [q for q in quads if _has_blank(q)]
        for i in range(0, len(plain), _CHUNK):
            self.client.update(f"INSERT DATA {{ {_data_block(plain[i:i + _CHUNK])} }}")
        if blank:
            self.client.update(f"INSERT {{ {_data_block(blank)} }} WHERE {{ }}")

    def add(self, graph: str, triples: Iterable[ox.Triple | ox.Quad]) -> None:
        g = ox.NamedNode(graph)
        quads = [ox.Quad(t.subject, t.predicate, t.object, g) for t in triples]
        if self.client.endpoint.gsp and len(quads) > _CHUNK:
            self.client.post_graph(graph, ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES) or b"")
            return
        self._insert(quads)

    def bulk_add(self, nquads: bytes, graphs: Iterable[str] | None = None) -> None:
        self.add_quads(list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS)))

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        self._insert(list(quads))

    def remove_quads(self, quads: Iterable[ox.Quad]) -> None:
        chosen = list(quads)
        plain = [q for q in chosen if not _has_blank(q)]
        for i in range(0, len(plain), _CHUNK):
            self.client.update(f"DELETE DATA {{ {_data_block(plain[i:i + _CHUNK])} }}")
        for q in chosen:
            if _has_blank(q):
                s = "?s" if isinstance(q.subject, ox.BlankNode) else str(q.subject)
                o = "?o" if isinstance(q.object, ox.BlankNode) else str(q.object)
                self.client.update(f"DELETE WHERE {{ GRAPH {q.graph_name} {{ {s} {q.predicate} {o} }} }}")

    def load_file(self, path: Path, format: ox.RdfFormat, graph: str) -> None:
        try:
            triples = list(ox.parse(path=str(path), format=format))
        except SyntaxError as e:
            raise InputError(msg("labelled", label=path.name, detail=str(e))) from e
        self.add(graph, triples)

    def drop(self, graph: str) -> None:
        self.client.update(f"CLEAR SILENT GRAPH <{graph}>")  # Virtuoso drops only graphs made by CREATE

    def update(self, sparql: str, *, base_iri: str | None = None, graphs: list[str] | None = None) -> None:
        from ..sparql.lexer import decode_escapes, tokenize

        text = decode_escapes(sparql)
        tokens = tokenize(text)
        drops = []
        for i, a in enumerate(tokens[:-1]):
            if a.keyword not in ("CLEAR", "DROP"):
                continue
            target = tokens[i + 2] if tokens[i + 1].keyword == "SILENT" and i + 2 < len(tokens) else tokens[i + 1]
            if target.keyword in ("DEFAULT", "ALL"):
                raise InputError(msg("remote_clear_all", operation=f"{a.keyword} {target.keyword}"))

            if a.keyword == "DROP":
                drops.append(a.start)
        # DROP as CLEAR: a remote store lists no empty graph anyway, and Virtuoso drops only graphs made by CREATE
        for at in reversed(drops):
            text = text[:at] + "CLEAR" + text[at + 4:]
        self.client.update(_prologue(QUERY_PREFIXES, base_iri) + text)

    def quads(self, graph: str | None = None, subject: ox.NamedNode | None = None,
              object: ox.NamedNode | None = None, predicate: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
        return iter(self._quads().quads_for_pattern(subject, predicate, object,
                                                    ox.NamedNode(graph) if graph else None))

    def count(self, graph: str) -> int:
        rows = self._quads().query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(next(iter(rows))["n"].value)

    def graph_names(self) -> list[str]:
        return [g.value for g in self._quads().named_graphs()]


class RemoteStore(Backend):
    """A SPARQL 1.1 server at ``endpoint`` as the knowledge graph's store."""

    location = None

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.client = SparqlClient(endpoint)
        self.read_only = False
        self.archive = RemoteArchive(self.client)
        self._write_lock = threading.Lock()
        self._lock = threading.Lock()
        state, catalog = read_state(self.client)
        self._latest = RemoteSnapshot(state, self.client, catalog, self.archive)
        # The state is read again in a thread of its own, so that snapshot() never waits on the network (it is
        # called on the web server's event loop).
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="ppikg-remote-state", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        while not self._stop.wait(REFRESH):
            try:
                state, catalog = read_state(self.client)
            except Exception:  # the server is away for now: keep the last state, try again
                continue
            with self._lock:
                if state != self._latest.state:
                    self._latest = RemoteSnapshot(state, self.client, catalog, self.archive)

    def snapshot(self) -> Snapshot:
        with self._lock:
            return self._latest

    @contextmanager
    def write(self) -> Iterator[RemoteWriter]:
        with self._write_lock:
            state, catalog = read_state(self.client)
            quads = RemoteQuads(self.client, lambda g: True)
            foreign = {g for g in quads.all_named_graphs() if not _visible_in(catalog)(g)}
            writer = RemoteWriter(self.client, catalog.copy(), foreign, state + 1)
            try:
                yield writer
            except BaseException:
                self._commit(state + 1, catalog)  # what was sent stays: the state moves all the same
                raise
            self._commit(state + 1, writer.catalog)

    def _commit(self, state: int, catalog: Catalog) -> None:
        node = ox.NamedNode(STORE_GRAPH)
        record = [ox.Quad(node, _STATE, ox.Literal(str(state), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")), node),
                  ox.Quad(node, _CATALOG, ox.Literal(catalog.to_json()), node)]
        self.client.update(f"DELETE WHERE {{ GRAPH <{STORE_GRAPH}> {{ ?s ?p ?o }} }} ;\n"
                           f"INSERT DATA {{ {_data_block(record)} }}")
        with self._lock:
            self._latest = RemoteSnapshot(state, self.client, catalog, self.archive)

    def close(self) -> None:
        self._stop.set()
        self._watcher.join(timeout=REFRESH + 5)
        self.client.close()


def read_state(client: SparqlClient) -> tuple[int, Catalog]:
    """The state counter and catalogue kept in ``urn:ppikg:store`` (0 and an empty catalogue at first)."""
    rows = list(RemoteQuads(client, lambda g: True).query(
        f"SELECT ?state ?catalog WHERE {{ GRAPH <{STORE_GRAPH}> {{ <{STORE_GRAPH}> {_STATE} ?state ; {_CATALOG} ?catalog }} }}"))
    if not rows:
        return 0, Catalog()
    return int(rows[0]["state"].value), Catalog.from_json(rows[0]["catalog"].value)


def open_remote_source(source: tuple) -> Snapshot:
    """The snapshot a query worker reads for :meth:`RemoteSnapshot.source` (its own HTTP client)."""
    _, endpoint, state, catalog = source
    client = SparqlClient(endpoint)
    return RemoteSnapshot(state, client, Catalog.from_json(catalog), RemoteArchive(client))


def copy_into(backend: RemoteStore, snapshot: Snapshot) -> None:
    """Make the remote store hold what ``snapshot`` (of any store) holds: its graphs, catalogue and kept
    version contents, in one write (the project's graphs already there are dropped first). Moves a store to a
    server without inferring it again."""
    from .snapshot import PPI_VERSION_GRAPH
    from .versions import VERSIONS_GRAPH

    with backend.write() as writer:
        for g in writer.graph_names():
            writer.drop(g)
        for g in snapshot.graph_names():
            writer.add(g, [q.triple for q in snapshot.quads(g)])
        if snapshot.contains_graph(VERSIONS_GRAPH) and snapshot.archive is not None:
            rows = snapshot.query(f"SELECT DISTINCT ?v WHERE {{ GRAPH <{VERSIONS_GRAPH}> {{ ?v <{PPI_VERSION_GRAPH}> ?g }} }}")
            for row in rows:
                try:
                    backend.archive.put(row["v"].value, *snapshot.archive.get(row["v"].value))
                except InputError:  # a dropped version: its content is gone
                    continue
        writer.catalog = snapshot.catalog.copy()
