"""Queries in worker processes that can be killed: the timeout really stops the work.

pyoxigraph cannot interrupt a query running in a thread, so every query runs in one of a few worker
processes, each with its own read-only view of the store (``Store.read_only(path)`` for a store on disk,
a copy loaded from an N-Quads dump for a store in memory). The server awaits the answer in a thread, so
its event loop never waits on a query; past the timeout it kills the worker (SIGKILL), answers with a
timeout error and starts a fresh worker in the background. After a write (the knowledge graph's
``generation`` moved) every worker reopens its view before its next query. Answers are kept in a small
cache keyed by the request and the generation: the store is read-only between writes, so a repeated
query is answered without running it again. Workers go to waiting requests first come, first served
(:class:`FairPool`), and each plans large joins as hash joins (ppikg.planner) before running a query.

This module imports only pyoxigraph at top level, so a worker starts fast.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
import weakref
from collections import OrderedDict, deque
from dataclasses import astuple, dataclass
from pathlib import Path
from xml.sax.saxutils import escape as _xml_escape

import pyoxigraph as ox

from .errors import QueryFailed, QueryTimeout
from .media import GRAPH_MEDIA, RESULT_MEDIA


@dataclass
class Job:
    query: str
    media: dict[str, str]  # query form group ("results"/"graph") → chosen media type
    max_results: int
    base_iri: str | None = None
    prefixes: dict[str, str] | None = None
    default_graph: list[str] | None = None  # protocol dataset (None: the union of all graphs)
    named_graphs: list[str] | None = None


# --- in the worker -------------------------------------------------------------------------------------------


def _open(source: tuple[str, object]) -> ox.Store:
    kind, value = source
    if kind == "path":
        # Opening races with the writer's compactions (a listed file may vanish meanwhile): retry a little.
        for attempt in range(20):
            try:
                return ox.Store.read_only(str(value))
            except (OSError, RuntimeError):
                if attempt == 19:
                    raise
                time.sleep(0.02 * (attempt + 1))
    store = ox.Store()
    if value:
        store.load(value, format=ox.RdfFormat.N_QUADS)
    return store


def _term_json(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}


def _xml_text(value: str) -> str:
    """``value`` as XML character data that survives parsing: CR (which XML parsers turn into LF) and
    whitespace at either end (which some SPARQL clients trim) written as character references.

    >>> _xml_text(" a <b> \\r\\n")
    '&#32;a &lt;b&gt;&#32;&#13;&#10;'
    """
    text = _xml_escape(value)
    body = text.strip(" \t\n\r")
    start = text.index(body) if body else len(text)
    ref = lambda ws: "".join(f"&#{ord(c)};" for c in ws)  # noqa: E731
    return ref(text[:start]) + body.replace("\r", "&#13;") + ref(text[start + len(body):])


def _term_xml(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{_xml_escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_xml_escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        attr = ""
        if term.language:
            attr = f' xml:lang="{_xml_escape(term.language)}"'
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            attr = f' datatype="{_xml_escape(term.datatype.value)}"'
        return f"<literal{attr}>{_xml_text(term.value)}</literal>"
    return f"<literal>{_xml_escape(str(term))}</literal>"


def _csv_cell(term) -> str:
    if term is None:
        return ""
    text = f"_:{term.value}" if isinstance(term, ox.BlankNode) else getattr(term, "value", str(term))
    if any(c in text for c in ',"\r\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def serialize_solutions(variables: list[str], rows: list[list], fmt: str) -> bytes:
    """SPARQL results (JSON, XML, CSV or TSV) for solutions already collected (so that they could be counted)."""
    import json

    if fmt == "json":
        bindings = [{v: _term_json(t) for v, t in zip(variables, row) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}}, ensure_ascii=False).encode()
    if fmt == "xml":
        head = "".join(f'<variable name="{_xml_escape(v)}"/>' for v in variables)
        body = "".join(
            "<result>" + "".join(f'<binding name="{_xml_escape(v)}">{_term_xml(t)}</binding>'
                                 for v, t in zip(variables, row) if t is not None) + "</result>"
            for row in rows)
        return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head>{head}</head><results>{body}</results></sparql>\n").encode()
    if fmt == "csv":
        lines = [",".join(variables)] + [",".join(_csv_cell(t) for t in row) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode()
    lines = ["\t".join("?" + v for v in variables)] + ["\t".join("" if t is None else str(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def _dataset(job: Job) -> dict:
    """pyoxigraph's keyword arguments for the job's dataset (by default, the union of all graphs)."""
    if job.default_graph is None and job.named_graphs is None:
        return {"use_default_graph_as_union": True}
    kwargs: dict = {"default_graph": [ox.NamedNode(g) for g in job.default_graph or []]}
    if job.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    return kwargs


def planner_for(store: ox.Store, job: Job, planners: dict):
    """The :class:`~ppikg.planner.Planner` for the job's dataset over ``store`` (kept in ``planners``)."""
    from .planner import Planner

    key = repr((job.default_graph, job.named_graphs, job.base_iri, sorted((job.prefixes or {}).items())))
    planner = planners.get(key)
    if planner is None:
        planner = planners[key] = Planner.over(store, base_iri=job.base_iri, prefixes=job.prefixes, **_dataset(job))
    return planner


def run_job(store: ox.Store, job: Job, planners: dict | None = None) -> tuple:
    """("ok", media type, bytes) or ("error", status, message). With ``planners`` (a dict kept for as long
    as ``store`` does not change), large joins run as hash joins (ppikg.planner)."""
    kwargs: dict = {"base_iri": job.base_iri, "prefixes": job.prefixes, **_dataset(job)}
    try:
        text = job.query
        if planners is not None:
            try:
                text = planner_for(store, job, planners).rewrite(text) or text
            except (SyntaxError, ValueError, TypeError, StopIteration):
                text = job.query  # the query as written reports its own errors
        results = store.query(text, **kwargs)
        if isinstance(results, ox.QueryBoolean):
            media = job.media["boolean"]
            fmt = RESULT_MEDIA[media]
            return "ok", media, results.serialize(format={"json": ox.QueryResultsFormat.JSON,
                                                          "xml": ox.QueryResultsFormat.XML}[fmt])
        if isinstance(results, ox.QueryTriples):
            media = job.media["graph"]
            triples = []
            for t in results:
                triples.append(t)
                if len(triples) > job.max_results:
                    return _too_many(job.max_results, "triples")
            return "ok", media, ox.serialize(triples, format=GRAPH_MEDIA[media]) or b""
        media = job.media["results"]
        variables = [v.value for v in results.variables]
        rows = []
        for sol in results:
            rows.append([sol[v] for v in variables])
            if len(rows) > job.max_results:
                return _too_many(job.max_results, "rows")
        return "ok", media, serialize_solutions(variables, rows, RESULT_MEDIA[media])
    except SyntaxError as e:
        return "error", 400, f"SPARQL syntax error: {e}"
    except (ValueError, TypeError) as e:
        return "error", 400, f"query error: {e}"


def _too_many(limit: int, what: str) -> tuple:
    return ("error", 413, f"the result has more than {limit} {what} (the server's max_results): "
                          "add a LIMIT or narrow the query")


def _worker_main(conn, source) -> None:
    store: ox.Store | None = None
    planners: dict = {}  # join plans' pattern counts, valid while `store` is
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the server went away
        if message[0] == "reopen":
            source, store, planners = message[1], None, {}
            continue
        answer = None
        for attempt in range(2):
            try:
                if store is None:
                    store, planners = _open(source), {}
                if len(planners) > 64:
                    planners.clear()
                answer = run_job(store, message[1], planners)
                break
            except (OSError, RuntimeError) as e:  # e.g. the writer compacted files away: reopen once and retry
                store = None
                answer = ("error", 500, f"query failed: {e}")
            except Exception as e:
                answer = ("error", 500, f"query failed: {e}")
                break
        conn.send(answer)


# --- in the server -------------------------------------------------------------------------------------------


class _Worker:
    def __init__(self, ctx, source: tuple[str, object], generation: int) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, source), daemon=True, name="ppikg-sparql")
        self.proc.start()
        child.close()
        self.generation = generation

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(timeout=5)
        self.conn.close()


class _Slot:
    def __init__(self) -> None:
        self.event = threading.Event()
        self.item = None


class FairPool:
    """Idle workers, handed out first come, first served: a returned worker goes straight to the longest
    waiter. (With a plain queue.Queue, the thread that returns a worker takes it back on its next request
    while threads woken for it find the queue empty again: under load some requests waited out the whole
    timeout while others were served.)

    >>> pool = FairPool(); pool.put("w1"); pool.get(timeout=1)
    'w1'
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: deque = deque()
        self._waiters: deque[_Slot] = deque()

    def put(self, item) -> None:
        with self._lock:
            if self._waiters:
                slot = self._waiters.popleft()
                slot.item = item
                slot.event.set()
            else:
                self._idle.append(item)

    def get(self, timeout: float):
        """The first idle item, or the next one returned if the caller is first in line; queue.Empty
        after ``timeout`` seconds."""
        with self._lock:
            if self._idle:
                return self._idle.popleft()
            slot = _Slot()
            self._waiters.append(slot)
        slot.event.wait(timeout)
        with self._lock:
            if slot.item is None:
                self._waiters.remove(slot)
                raise queue.Empty
        return slot.item


class QueryExecutor:
    """A pool of ``size`` worker processes over one knowledge graph's store, with an answer cache."""

    CACHE_ENTRIES = 1024
    CACHE_MAX_BODY = 1 << 20  # bytes; larger answers are not kept

    def __init__(self, kg, size: int = 2) -> None:
        self._kg = weakref.ref(kg)
        self._ctx = multiprocessing.get_context("spawn")
        self._size = size
        self._idle = FairPool()
        self._lock = threading.Lock()
        self._source_cache: tuple[int, tuple[str, object]] | None = None
        self._answers: OrderedDict[tuple, tuple[str, bytes]] = OrderedDict()
        self._workers: set[_Worker] = set()
        self._closed = False
        for _ in range(size):
            self._spawn()

    @property
    def _generation(self) -> int:
        kg = self._kg()
        if kg is None:
            raise QueryFailed(500, "the knowledge graph is gone")
        return kg.generation

    def _source(self) -> tuple[str, object]:
        gen = self._generation
        with self._lock:
            if self._source_cache is not None and self._source_cache[0] == gen:
                return self._source_cache[1]
        kg = self._kg()
        if kg.store_dir is not None:
            source: tuple[str, object] = ("path", str(Path(kg.store_dir)))
        else:
            source = ("dump", kg.store.dump(format=ox.RdfFormat.N_QUADS) or b"")
        with self._lock:
            self._source_cache = (gen, source)
        return source

    def _spawn(self) -> None:
        worker = _Worker(self._ctx, self._source(), self._generation)
        with self._lock:
            if self._closed:
                worker.kill()
                return
            self._workers.add(worker)
        self._idle.put(worker)

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._workers.discard(worker)
            closed = self._closed
        if not closed:
            threading.Thread(target=self._spawn, daemon=True).start()

    def run(self, job: Job, timeout: float) -> tuple[str, bytes]:
        """Blocking: the (media type, body) of the answer; QueryTimeout or QueryFailed otherwise."""
        generation = self._generation
        key = (generation, repr(astuple(job)))
        with self._lock:
            cached = self._answers.get(key)
            if cached is not None:
                self._answers.move_to_end(key)
                return cached
        media, body = self._run(job, timeout, generation)
        if len(body) <= self.CACHE_MAX_BODY:
            with self._lock:
                self._answers[key] = (media, body)
                while len(self._answers) > self.CACHE_ENTRIES:
                    self._answers.popitem(last=False)
        return media, body

    def _run(self, job: Job, timeout: float, generation: int) -> tuple[str, bytes]:
        deadline = time.monotonic() + timeout
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise QueryTimeout(f"no worker free within {timeout:g} s (the server is busy)") from None
        try:
            if worker.generation != generation:
                worker.generation = generation
                worker.conn.send(("reopen", self._source()))
            worker.conn.send(("query", job))
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                self._retire(worker)
                worker = None
                raise QueryTimeout(f"the query ran past the {timeout:g} s limit and was stopped")
            answer = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError) as e:  # the worker died (e.g. out of memory)
            if worker is not None:
                self._retire(worker)
                worker = None
            raise QueryFailed(500, f"the query worker died: {e}") from None
        finally:
            if worker is not None:
                self._idle.put(worker)
        if answer[0] == "error":
            raise QueryFailed(answer[1], answer[2])
        return answer[1], answer[2]

    async def arun(self, job: Job, timeout: float) -> tuple[str, bytes]:
        """:meth:`run` awaited in a thread: the event loop keeps serving other requests."""
        import asyncio

        return await asyncio.to_thread(self.run, job, timeout)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
        for w in workers:
            w.kill()
