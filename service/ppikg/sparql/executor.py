"""Queries in worker processes that can be killed: the timeout really stops the work.

pyoxigraph cannot interrupt a query running in a thread, so every query — SPARQL Protocol requests, canned
queries, REST answers, page data, VoID — runs in one of a few worker processes. A worker reads one
committed state of the store (a :class:`~ppikg.store.snapshot.Snapshot`: a read-only checkpoint on disk, a
copy for a store in memory), never the live store, so it cannot see half a write. The server awaits the
answer in a thread, so its event loop never waits on a query; past the timeout it kills the worker
(SIGKILL), answers with a timeout error and starts a fresh worker in the background.

Work is a *call*: a module-level function ``fn(snapshot, *args)`` run in a worker over the latest state
(:meth:`QueryExecutor.call`); a SPARQL Protocol request is the call :func:`run_job`. Answers are kept in a
small cache keyed by the state they were computed on and the call: a state never changes, so a repeated
call is answered without running it again, and no write can leave a stale answer behind. Workers go to
waiting requests first come, first served (:class:`FairPool`), and each plans large joins as hash joins
(ppikg.sparql.planner) before running a query.

This module imports nothing heavy at top level (the error classes and the protocol job), so a worker starts
fast; a call's own module is imported by the worker on first use.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
import weakref
from collections import OrderedDict, deque


from ..errors import QueryFailed, QueryTimeout
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
            answer = ("error", _status_of(e), str(e) or type(e).__name__)
        try:
            conn.send_bytes(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
        except Exception as e:  # an answer that does not pickle
            conn.send_bytes(pickle.dumps(("error", 500, f"the answer could not be sent: {e}")))


# --- in the server -------------------------------------------------------------------------------------------


class _Worker:
    def __init__(self, ctx) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child,), daemon=True, name="ppikg-sparql")
        self.proc.start()
        child.close()
        self.state: int | None = None  # the store state it has open

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
    """A pool of ``size`` worker processes reading one knowledge graph's committed states, with an answer cache.

    ``kg`` is anything with a ``snapshot()`` method (a KnowledgeGraph). The workers start in the background;
    a call made before one is up waits for it (within its timeout).
    """

    CACHE_ENTRIES = 1024
    CACHE_MAX_BODY = 1 << 20  # bytes (pickled); larger answers are not kept

    def __init__(self, kg, size: int = 2) -> None:
        self._kg = weakref.ref(kg)
        self._ctx = multiprocessing.get_context("spawn")
        self._idle = FairPool()
        self._lock = threading.Lock()
        self._answers: OrderedDict[tuple, object] = OrderedDict()
        self._workers: set[_Worker] = set()
        self._closed = False
        self._size = size
        self._started = threading.Condition(self._lock)
        self.calls_run = 0  # calls that reached a worker (not answered from the cache)
        for _ in range(size):
            threading.Thread(target=self._spawn, daemon=True, name="ppikg-spawn").start()

    def _snapshot(self):
        kg = self._kg()
        if kg is None:
            raise QueryFailed(500, "the knowledge graph is gone")
        return kg.snapshot()

    def _spawn(self) -> None:
        worker = _Worker(self._ctx)
        with self._lock:
            if self._closed:
                worker.kill()
                return
            self._workers.add(worker)
            self._started.notify_all()
        self._idle.put(worker)

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._workers.discard(worker)
            closed = self._closed
        if not closed:
            threading.Thread(target=self._spawn, daemon=True, name="ppikg-spawn").start()

    def ready(self, timeout: float) -> bool:
        """Wait until every worker has started (they start in the background); False after ``timeout`` s."""
        with self._started:
            return self._started.wait_for(lambda: len(self._workers) >= self._size or self._closed, timeout)

    def worker_pids(self) -> set[int]:
        """The process ids of the live workers."""
        with self._lock:
            return {w.proc.pid for w in self._workers if w.proc.pid is not None}

    def call(self, fn, *args, timeout: float):
        """Blocking: ``fn(snapshot, *args)`` run in a worker over the latest committed state (or its cached
        answer for that state); QueryTimeout past ``timeout`` seconds, QueryFailed if it raised (with the
        error's ``status``, 400 for bad input, else 500). ``fn`` must be a module-level function and its
        arguments and answer picklable."""
        snapshot = self._snapshot()  # held until the answer is in: its lease keeps it on disk meanwhile
        key = (snapshot.state, fn.__module__, fn.__qualname__, repr(args))
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        answer, size = self._run(snapshot, fn, args, timeout)
        if size <= self.CACHE_MAX_BODY:
            with self._lock:
                self._answers[key] = answer
                while len(self._answers) > self.CACHE_ENTRIES:
                    self._answers.popitem(last=False)
        return answer

    def run(self, job: Job | Request, timeout: float) -> tuple[str, bytes]:
        """Blocking: the (media type, body) of a SPARQL Protocol request (a :class:`Request` as received, or a
        :class:`Job` already checked and negotiated); QueryTimeout or QueryFailed otherwise."""
        answer = self.call(answer_request if isinstance(job, Request) else run_job, job, timeout=timeout)
        if answer[0] == "error":
            raise QueryFailed(answer[1], answer[2])
        return answer[1], answer[2]

    def _run(self, snapshot, fn, args, timeout: float) -> tuple[object, int]:
        import pickle

        deadline = time.monotonic() + timeout
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise QueryTimeout(f"no worker free within {timeout:g} s (the server is busy)") from None
        try:
            if worker.state != snapshot.state:
                worker.conn.send(("open", snapshot.source()))
                worker.state = snapshot.state
            worker.conn.send(("call", fn, args))
            self.calls_run += 1
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                self._retire(worker)
                worker = None
                raise QueryTimeout(f"the query ran past the {timeout:g} s limit and was stopped")
            raw = worker.conn.recv_bytes()
        except (EOFError, OSError, BrokenPipeError) as e:  # the worker died (e.g. out of memory)
            if worker is not None:
                self._retire(worker)
                worker = None
            raise QueryFailed(500, f"the query worker died: {e}") from None
        finally:
            if worker is not None:
                self._idle.put(worker)
        answer = pickle.loads(raw)
        if answer[0] == "error":
            raise QueryFailed(answer[1], answer[2])
        return answer[1], len(raw)

    async def arun(self, job: Job | Request, timeout: float) -> tuple[str, bytes]:
        """:meth:`run` awaited in a thread: the event loop keeps serving other requests."""
        import asyncio

        return await asyncio.to_thread(self.run, job, timeout)

    async def acall(self, fn, *args, timeout: float):
        """:meth:`call` awaited in a thread: the event loop keeps serving other requests."""
        import asyncio

        return await asyncio.to_thread(lambda: self.call(fn, *args, timeout=timeout))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
        for w in workers:
            w.kill()
