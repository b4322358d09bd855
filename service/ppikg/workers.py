"""Killable worker processes: each answer awaited within a time limit and a memory limit, or until the caller
gives up; past any of them the worker is killed (and replaced by its pool). Used by the query executor
(sparql/executor.py) and the validation pool (conformance/pool.py).

>>> pool = FairPool(); pool.put("w1"); pool.get(timeout=1)
'w1'
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

_PAGE = os.sysconf("SC_PAGE_SIZE")
#: How often a running call's worker has its memory read (and its caller asked whether it still waits): a
#: query that grows ~0.5 GB/s overshoots the limit by ~25 MB at most.
POLL_S = 0.05


def resident_mb(pid: int) -> float | None:
    """The resident memory of process ``pid`` in MB (from /proc; None where there is none)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE / 2**20
    except (OSError, ValueError, IndexError):
        return None


class Worker:
    """One process running ``target(conn, *args)`` (spawned: nothing of the parent's state is shared)."""

    def __init__(self, ctx, target: Callable[..., None], args: tuple = (), name: str = "ppikg-worker") -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=target, args=(child, *args), daemon=True, name=name)
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


class _Slot:
    def __init__(self) -> None:
        self.event = threading.Event()
        self.item: Any = None


class FairPool:
    """Idle workers, handed out first come, first served: a returned worker goes straight to the longest
    waiter. (With a plain queue.Queue, the thread that returns a worker takes it back on its next request
    while threads woken for it find the queue empty again: under load some requests waited out the whole
    timeout while others were served.)"""

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


class WorkerPool:
    """``size`` workers running ``target(conn, *args)``, started in the background (a call made before one is
    up waits for it), handed out by a :class:`FairPool`; a worker that is killed or dies is replaced."""

    def __init__(self, target: Callable[..., None], args: tuple = (), size: int = 2,
                 name: str = "ppikg-worker") -> None:
        import multiprocessing

        self._ctx = multiprocessing.get_context("spawn")
        self._target, self._args, self._name, self._size = target, args, name, size
        self._idle = FairPool()
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
            cancelled: Callable[[], bool] | None = None) -> bytes:
        """Blocking: ``send(worker)`` to the first free worker, then its answer (see :func:`await_answer`),
        all within ``timeout`` seconds. queue.Empty if no worker came free in time; Stopped or Died when the
        worker was killed or ended (it is then replaced), else the worker goes back to the pool."""
        deadline = time.monotonic() + timeout
        worker = self._idle.get(timeout=timeout)
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
