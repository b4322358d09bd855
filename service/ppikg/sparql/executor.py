"""Queries in worker processes that can be killed: the timeout really stops the work.

pyoxigraph cannot interrupt a query running in a thread, so every query — SPARQL Protocol requests, canned
queries, REST answers, page data, VoID — runs in one of a few worker processes. A worker reads one
committed state of the store (a :class:`~ppikg.store.snapshot.Snapshot`: a read-only checkpoint on disk, a
copy for a store in memory), never the live store, so it cannot see half a write. The server awaits the
answer in a thread, so its event loop never waits on a query; past the timeout it kills the worker
(SIGKILL), answers with a timeout error and starts a fresh worker in the background.

Work is a *call*: a module-level function ``fn(snapshot, *args)`` run in a worker over the latest state
(:meth:`QueryExecutor.call`); a SPARQL Protocol request is the call :func:`answer_request` (checked and
negotiated, then :func:`run_job`). Answers are kept in a
small cache keyed by the state they were computed on and the call: a state never changes, so a repeated
call is answered without running it again, and no write can leave a stale answer behind. Workers go to
waiting requests by :class:`ppikg.workers.FairPool`: the client that used them least lately first, and
requests whose shape is new or known to be costly (ppikg.sparql.admission) never on every worker at once, so
that costly queries cannot starve cheap ones. Each worker plans large joins as hash joins (ppikg.sparql.planner)
before running a query.

This module imports nothing heavy at top level (the error classes and the protocol job), so a worker starts
fast; a call's own module is imported by the worker on first use.
"""

from __future__ import annotations

import queue
import threading
import weakref
from collections import OrderedDict


from ..errors import PpikgError, QueryFailed, QueryTimeout, msg
from ..workers import KNOWN, Died, Stopped, Ticket, WorkerPool
from .admission import CostBook, shape_of
from .protocol import Job, Request, answer_request, run_job


# --- in the worker -------------------------------------------------------------------------------------------


def _status_of(error: BaseException) -> int:
    status = getattr(error, "status", None)
    if isinstance(status, int):
        return status
    if isinstance(error, (SyntaxError, ValueError, TypeError, LookupError)):
        return 400
    return 500


def _worker_main(conn) -> None:
    import pickle

    from ..store.snapshot import open_source

    snapshot, source = None, None
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the server went away
        if message[0] == "open":
            if snapshot is not None:
                snapshot.close()  # release its lease: the writer may collect it
            snapshot, source = None, message[1]
            continue
        _, fn, args = message
        try:
            if snapshot is None:
                if source is None:
                    raise RuntimeError("no store state to read")
                snapshot = open_source(source)
            answer: tuple = ("ok", fn(snapshot, *args))
        except Exception as e:
            status = _status_of(e)
            # a Message crosses to the server as it is; a library's message about the input, inside one
            said = e.said if isinstance(e, PpikgError) else msg("bad_request", detail=str(e)) if status == 400 else str(e)
            answer = ("error", status, said or type(e).__name__)
        try:
            conn.send_bytes(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
        except Exception as e:  # an answer that does not pickle
            conn.send_bytes(pickle.dumps(("error", 500, f"the answer could not be sent: {e}")))


# --- in the server -------------------------------------------------------------------------------------------

#: What a call's ``label`` names, in its errors.
WORK = {"query": msg("work_query"), "update": msg("work_update"), "write": msg("work_write")}


class QueryExecutor:
    """A pool of ``size`` worker processes reading one knowledge graph's committed states, with an answer cache.

    ``kg`` is anything with a ``snapshot()`` method (a KnowledgeGraph). The workers start in the background;
    a call made before one is up waits for it (within its timeout). With ``memory_limit_mb``, a worker whose
    resident memory passes it is killed and its call fails with 503. With ``wait_s``, a call waits up to that
    long for a free worker and then has its whole timeout to run; without, waiting and running share the
    timeout.
    """

    CACHE_ENTRIES = 1024
    CACHE_MAX_BODY = 1 << 20  # bytes (pickled); larger answers are not kept
    CACHE_MAX_BYTES = 64 << 20  # bytes (pickled) of all the answers kept

    def __init__(self, kg, size: int = 2, memory_limit_mb: float | None = None, wait_s: float | None = None) -> None:
        self._kg = weakref.ref(kg)
        self._pool = WorkerPool(_worker_main, size=size, name="ppikg-sparql")
        self._lock = threading.Lock()
        self._answers: OrderedDict[tuple, tuple[object, int]] = OrderedDict()  # key → (answer, pickled size)
        self._cached_bytes = 0
        self._memory_limit_mb = memory_limit_mb
        self._wait_s = wait_s
        self._costs = CostBook()
        self.calls_run = 0  # calls that reached a worker (not answered from the cache)

    def _snapshot(self):
        kg = self._kg()
        if kg is None:
            raise QueryFailed(500, "the knowledge graph is gone")
        return kg.snapshot()

    def ready(self, timeout: float) -> bool:
        """Wait until every worker has started (they start in the background); False after ``timeout`` s."""
        return self._pool.ready(timeout)

    def worker_pids(self) -> set[int]:
        """The process ids of the live workers."""
        return self._pool.pids()

    def call(self, fn, *args, timeout: float, client: str | None = None, label: str = "query", cache: bool = True):
        """Blocking: ``fn(snapshot, *args)`` run in a worker over the latest committed state (or its cached
        answer for that state); QueryTimeout past ``timeout`` seconds, QueryFailed if it raised (with the
        error's ``status``, 400 for bad input, else 500). ``fn`` must be a module-level function and its
        arguments and answer picklable. ``client`` (e.g. its address) is who asks, for fairness between
        clients; a SPARQL Protocol request waits in the lane its shape's past cost gives it, any other call
        (the service's own queries) as known. ``label`` names the work in the errors ("query", "update");
        without ``cache`` the answer is neither looked up nor kept (a write's, whose arguments are large)."""
        snapshot = self._snapshot()  # held until the answer is in: its lease keeps it on disk meanwhile
        key = (snapshot.state, fn.__module__, fn.__qualname__, repr(args)) if cache else None
        if key is not None:
            with self._lock:
                if key in self._answers:
                    self._answers.move_to_end(key)
                    return self._answers[key][0]
        shape = None
        if fn is answer_request:
            request: Request = args[0]
            shape = shape_of(request.query, request.default_graph, request.named_graphs)
        if shape is not None and (wait := self._costs.refused_for(shape)):
            raise QueryFailed(503, msg("query_refused_again", seconds=f"{wait:.0f}"),
                              headers={"Retry-After": f"{wait:.0f}"})
        ticket = Ticket(KNOWN if shape is None else self._costs.lane(shape), client)
        try:
            answer, size = self._run(snapshot, fn, args, timeout, ticket, label)
        except Stopped as e:
            if shape is not None and e.reason in ("timeout", "memory"):
                self._costs.stopped(shape)
            raise self._stopped_error(e, timeout, label) from None
        finally:
            if shape is not None and ticket.held_s:
                self._costs.record(shape, ticket.cpu_s)
        if key is not None and size <= self.CACHE_MAX_BODY:
            with self._lock:
                if key not in self._answers:
                    self._answers[key] = (answer, size)
                    self._cached_bytes += size
                while len(self._answers) > self.CACHE_ENTRIES or self._cached_bytes > self.CACHE_MAX_BYTES:
                    self._cached_bytes -= self._answers.popitem(last=False)[1][1]
        return answer

    def run(self, job: Job | Request, timeout: float, client: str | None = None) -> tuple[str, bytes]:
        """Blocking: the (media type, body) of a SPARQL Protocol request (a :class:`Request` as received, or a
        :class:`Job` already checked and negotiated); QueryTimeout or QueryFailed otherwise."""
        answer = self.call(answer_request if isinstance(job, Request) else run_job, job, timeout=timeout,
                           client=client)
        if answer[0] == "error":
            raise QueryFailed(answer[1], answer[2])
        return answer[1], answer[2]

    def _run(self, snapshot, fn, args, timeout: float, ticket: Ticket, label: str) -> tuple[object, int]:
        import pickle

        def send(worker) -> None:
            if worker.state != snapshot.state:
                worker.conn.send(("open", snapshot.source()))
                worker.state = snapshot.state
            worker.conn.send(("call", fn, args))
            self.calls_run += 1

        try:
            raw = self._pool.run(send, timeout, self._memory_limit_mb, ticket=ticket, wait=self._wait_s)
        except queue.Empty:
            waited = timeout if self._wait_s is None else self._wait_s
            raise QueryTimeout(msg("no_worker_free", seconds=f"{waited:g}")) from None
        except Died as e:  # e.g. killed by the system
            raise QueryFailed(500, msg("worker_died", work=WORK[label], how=e.how)) from None
        answer = pickle.loads(raw)
        if answer[0] == "error":
            raise QueryFailed(answer[1], answer[2])
        return answer[1], len(raw)

    def _stopped_error(self, e: Stopped, timeout: float, label: str) -> QueryFailed | QueryTimeout:
        hint = msg("hint_narrow") if label == "query" else msg("hint_nothing_written")
        if e.reason == "memory":
            return QueryFailed(503, msg("work_memory", work=WORK[label], limit=f"{self._memory_limit_mb:g}", hint=hint))
        return QueryTimeout(msg("work_timeout", work=WORK[label], seconds=f"{timeout:g}", hint=hint))

    async def arun(self, job: Job | Request, timeout: float, client: str | None = None) -> tuple[str, bytes]:
        """:meth:`run` awaited in a thread: the event loop keeps serving other requests."""
        import asyncio

        return await asyncio.to_thread(self.run, job, timeout, client)

    async def acall(self, fn, *args, timeout: float, client: str | None = None):
        """:meth:`call` awaited in a thread: the event loop keeps serving other requests."""
        import asyncio

        return await asyncio.to_thread(lambda: self.call(fn, *args, timeout=timeout, client=client))

    def close(self) -> None:
        self._pool.close()
