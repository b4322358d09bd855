"""Killable worker processes: each answer awaited within a time limit and a memory limit, or until the caller
gives up; past any of them the worker is killed (and replaced by its pool). Used by the query executor
(sparql/executor.py) and the validation pool (conformance/pool.py).

>>> pool = FairPool(size=2); pool.put("w1"); pool.get(timeout=1, ticket=Ticket(HEAVY))
'w1'
>>> pool.put("w2"); pool.get(timeout=0.1, ticket=Ticket(NEW))  # the last worker is kept for known calls
Traceback (most recent call last):
_queue.Empty
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any

_PAGE = os.sysconf("SC_PAGE_SIZE")
#: How often a running call's worker has its memory read (and its caller asked whether it still waits): a
#: query that grows ~0.5 GB/s overshoots the limit by ~25 MB at most.
POLL_S = 0.05
#: Workers run at a lower priority than the server process (os.nice): however busy they are, the event loop
#: that answers `/health`, look-ups and pages gets a core first.
WORKER_NICE = 10


def resident_mb(pid: int) -> float | None:
    """The resident memory of process ``pid`` in MB (from /proc; None where there is none)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE / 2**20
    except (OSError, ValueError, IndexError):
        return None


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """The CPU time (user and system) process ``pid`` has used, in seconds (from /proc; None where none)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()  # after the command name, which may hold spaces
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, ValueError, IndexError):
        return None


class Worker:
    """One process running ``target(conn, *args)`` (spawned: nothing of the parent's state is shared)."""

    def __init__(self, ctx, target: Callable[..., None], args: tuple = (), name: str = "ppikg-worker") -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_niced, args=(target, child, *args), daemon=True, name=name)
        self.proc.start()
        child.close()
        self.state: Any = None  # what the worker has open, for its pool to know

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(timeout=5)
        self.conn.close()

    def how_it_stopped(self) -> str:
        """`` (signal N)`` or `` (exit N)`` once the process has ended, else ''."""
        code = self.proc.exitcode
        return f" (signal {-code})" if code is not None and code < 0 else f" (exit {code})" if code else ""


def _niced(target: Callable[..., None], *args: Any) -> None:
    try:
        os.nice(WORKER_NICE)
    except OSError:  # not allowed here: run at the server's priority
        pass
    target(*args)


class Died(Exception):
    """The worker ended before it answered; ``how`` says how (`` (signal 9)``), if known."""

    def __init__(self, how: str) -> None:
        super().__init__(how)
        self.how = how


class Stopped(Exception):
    """A call given up: ``reason`` is "timeout", "memory" or "cancelled"; the worker has been killed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def await_answer(worker: Worker, deadline: float, memory_limit_mb: float | None = None,
                 cancelled: Callable[[], bool] | None = None) -> bytes:
    """The worker's next answer (bytes as sent). Stopped (the worker killed) past ``deadline`` (a
    time.monotonic() value), past ``memory_limit_mb`` of resident memory, or once ``cancelled()`` is true;
    EOFError or OSError if the worker died."""
    while not worker.conn.poll(min(POLL_S, max(0.0, deadline - time.monotonic()))):
        reason = None
        if time.monotonic() >= deadline:
            reason = "timeout"
        elif memory_limit_mb and (used := resident_mb(worker.proc.pid)) is not None and used > memory_limit_mb:
            reason = "memory"
        elif cancelled is not None and cancelled():
            reason = "cancelled"
        if reason:
            worker.kill()
            raise Stopped(reason)
    return worker.conn.recv_bytes()


#: The lanes of :class:`Ticket`: calls known to be cheap, calls never seen, calls known to be costly.
KNOWN, NEW, HEAVY = "known", "new", "heavy"
#: How fast a client's recorded use of the workers is forgotten (its half-life, s).
USAGE_HALF_LIFE_S = 30.0
#: Clients whose use is remembered (the least recently seen go first).
MAX_CLIENTS = 10_000


class Ticket:
    """What a caller tells the pool about a call: its ``lane`` (``KNOWN``, ``NEW`` or ``HEAVY``) and the
    ``client`` asking (e.g. its address; None: nobody in particular). The pool writes ``held_s``, the seconds
    a worker was held, and ``cpu_s``, the CPU seconds the worker used meanwhile (what the call cost, however
    loaded the machine), once the call is over."""

    __slots__ = ("lane", "client", "held_s", "cpu_s")

    def __init__(self, lane: str = KNOWN, client: str | None = None) -> None:
        self.lane, self.client, self.held_s, self.cpu_s = lane, client, 0.0, 0.0


class _Slot:
    def __init__(self, ticket: Ticket, order: int) -> None:
        self.event = threading.Event()
        self.item: Any = None
        self.ticket = ticket
        self.order = order


class FairPool:
    """Idle workers handed out to waiting calls: fairly, and never all to calls that may be costly.

    * Among the calls that may start, a free worker goes to the one whose client has used the workers least
      lately (decayed worker-seconds), then to the longest waiter — whatever its lane: ranking costly calls
      last starved the traceability query (costly right after a write) behind a steady stream of cheap ones. A returned worker goes straight to a waiter:
      with a plain queue.Queue the thread that returned a worker took it back on its next request while threads
      woken for it found the queue empty again, and under load some requests waited out the whole timeout.
    * Calls that are ``HEAVY`` or ``NEW`` hold at most ``size - 1`` workers together, and ``HEAVY`` ones at
      most ``size // 2``: one worker stays free for calls known to be cheap, so a client sending costly
      queries, however many at once, delays the others by at most its share. (A pool of one worker lets every
      call use it.)
    """

    def __init__(self, size: int = 2) -> None:
        self._lock = threading.Lock()
        self._idle: deque = deque()
        self._waiters: list[_Slot] = []
        self._arrivals = 0
        self._busy = {KNOWN: 0, NEW: 0, HEAVY: 0}
        self._suspect_cap = max(1, size - 1)
        self._heavy_cap = max(1, size // 2)
        self._usage: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client → (worker-s, when)

    def _may_start(self, lane: str) -> bool:
        if lane == KNOWN:
            return True
        suspect = self._busy[NEW] + self._busy[HEAVY]
        return suspect < self._suspect_cap and (lane == NEW or self._busy[HEAVY] < self._heavy_cap)

    def _used(self, client: str | None, now: float) -> float:
        if client is None or client not in self._usage:
            return 0.0
        seconds, when = self._usage[client]
        return seconds * 0.5 ** ((now - when) / USAGE_HALF_LIFE_S)

    def _dispatch(self) -> None:
        """Hand idle items to the waiters that may start (the lock held)."""
        now = time.monotonic()
        while self._idle and self._waiters:
            ready = [w for w in self._waiters if self._may_start(w.ticket.lane)]
            if not ready:
                return
            slot = min(ready, key=lambda w: (self._used(w.ticket.client, now), w.order))
            self._waiters.remove(slot)
            self._busy[slot.ticket.lane] += 1
            slot.item = self._idle.popleft()
            slot.event.set()

    def put(self, item) -> None:
        with self._lock:
            self._idle.append(item)
            self._dispatch()

    def get(self, timeout: float, ticket: Ticket | None = None):
        """An idle item as soon as this call may have one (see the class); queue.Empty after ``timeout`` s.
        A call given an item must end with :meth:`done`."""
        ticket = ticket or Ticket()
        with self._lock:
            self._arrivals += 1
            slot = _Slot(ticket, self._arrivals)
            self._waiters.append(slot)
            self._dispatch()
        slot.event.wait(timeout)
        with self._lock:
            if slot.item is None:
                self._waiters.remove(slot)
                raise queue.Empty
        return slot.item

    def done(self, ticket: Ticket | None = None, held_s: float = 0.0) -> None:
        """A call given an item is over (its item returned with :meth:`put` or retired); it held it
        ``held_s`` seconds, counted against its client."""
        ticket = ticket or Ticket()
        ticket.held_s = held_s
        with self._lock:
            self._busy[ticket.lane] -= 1
            if ticket.client is not None:
                now = time.monotonic()
                self._usage[ticket.client] = (self._used(ticket.client, now) + held_s, now)
                self._usage.move_to_end(ticket.client)
                while len(self._usage) > MAX_CLIENTS:
                    self._usage.popitem(last=False)
            self._dispatch()

    def used(self, client: str) -> float:
        """The decayed worker-seconds ``client`` has used lately."""
        with self._lock:
            return self._used(client, time.monotonic())


class WorkerPool:
    """``size`` workers running ``target(conn, *args)``, started in the background (a call made before one is
    up waits for it), handed out by a :class:`FairPool`; a worker that is killed or dies is replaced."""

    def __init__(self, target: Callable[..., None], args: tuple = (), size: int = 2,
                 name: str = "ppikg-worker") -> None:
        import multiprocessing

        self._ctx = multiprocessing.get_context("spawn")
        self._target, self._args, self._name, self._size = target, args, name, size
        self._idle = FairPool(size)
        self._lock = threading.Lock()
        self._started = threading.Condition(self._lock)
        self._workers: set[Worker] = set()
        self._closed = False
        for _ in range(size):
            self._spawn_later()

    def _spawn_later(self) -> None:
        threading.Thread(target=self._spawn, daemon=True, name=f"{self._name}-spawn").start()

    def _spawn(self) -> None:
        worker = Worker(self._ctx, self._target, self._args, self._name)
        with self._lock:
            if self._closed:
                worker.kill()
                return
            self._workers.add(worker)
            self._started.notify_all()
        self._idle.put(worker)

    def run(self, send: Callable[[Worker], None], timeout: float, memory_limit_mb: float | None = None,
            cancelled: Callable[[], bool] | None = None, ticket: Ticket | None = None,
            wait: float | None = None) -> bytes:
        """Blocking: ``send(worker)`` to the first worker free for ``ticket`` (see :class:`FairPool`) within
        ``wait`` seconds, then its answer (see :func:`await_answer`) within ``timeout`` seconds of the start
        (without ``wait``: the wait and the run together within ``timeout``). queue.Empty if no worker came
        free in time; Stopped or Died when the worker was killed or ended (it is then replaced), else the worker
        goes back to the pool. ``ticket.held_s`` then says how long the call held the worker."""
        deadline = time.monotonic() + timeout
        worker = self._idle.get(timeout=timeout if wait is None else wait, ticket=ticket)
        started, cpu = time.monotonic(), cpu_seconds(worker.proc.pid)
        if wait is not None:
            deadline = started + timeout
        keep = True  # give the worker back (False once it is retired)
        try:
            send(worker)
            return await_answer(worker, deadline, memory_limit_mb, cancelled)
        except Stopped:
            keep = False
            self.retire(worker)
            raise
        except (EOFError, OSError):
            keep = False
            self.retire(worker)
            raise Died(worker.how_it_stopped()) from None
        finally:
            if ticket is not None:
                now_cpu = cpu_seconds(worker.proc.pid) if keep else None
                ticket.cpu_s = now_cpu - cpu if now_cpu is not None and cpu is not None else time.monotonic() - started
            self._idle.done(ticket, time.monotonic() - started)
            if keep:
                self._idle.put(worker)

    def retire(self, worker: Worker) -> None:
        """Kill ``worker`` (if it still runs) and start another in its place."""
        worker.kill()
        with self._lock:
            self._workers.discard(worker)
            closed = self._closed
        if not closed:
            self._spawn_later()

    def ready(self, timeout: float) -> bool:
        """Wait until every worker has started; False after ``timeout`` s."""
        with self._started:
            return self._started.wait_for(lambda: len(self._workers) >= self._size or self._closed, timeout)

    def pids(self) -> set[int]:
        """The process ids of the live workers."""
        with self._lock:
            return {w.proc.pid for w in self._workers if w.proc.pid is not None}

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
        for w in workers:
            w.kill()
