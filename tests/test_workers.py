"""The worker pools (ppikg.workers): a free worker goes to the longest waiter, to the client that used the
workers least, and never to costly calls when it is the last one; and the cost of a request's shape is learnt
from its last run (ppikg.sparql.admission)."""

from __future__ import annotations

import itertools
import queue
import threading
import time

import pytest

from ppikg.sparql.admission import HEAVY_S, CostBook, shape_of
from ppikg.workers import HEAVY, KNOWN, NEW, FairPool, Ticket, WorkerPool


def waiting(pool: FairPool, ticket: Ticket, timeout: float = 10) -> tuple[threading.Thread, list]:
    """A thread asking ``pool`` for an item with ``ticket``; what it got ends up in the list."""
    got: list = []

    def ask() -> None:
        try:
            got.append(pool.get(timeout=timeout, ticket=ticket))
        except queue.Empty:
            got.append(None)

    thread = threading.Thread(target=ask)
    thread.start()
    time.sleep(0.2)  # in line
    return thread, got


def test_a_returned_worker_goes_to_the_longest_waiter():
    pool = FairPool()
    pool.put("w")
    worker = pool.get(timeout=1)
    got = []
    waiter = threading.Thread(target=lambda: got.append(pool.get(timeout=5)))
    waiter.start()
    time.sleep(0.2)  # the waiter is in line
    pool.put(worker)
    with pytest.raises(queue.Empty):  # the thread that gave it back cannot take it again before the waiter
        pool.get(timeout=0.2)
    waiter.join()
    assert got == ["w"]


def test_no_request_waits_out_the_timeout_under_load():
    """Six threads share two workers, each taking one back as soon as it returned it (a client with the next
    request ready): requests are served in the order they came, so none is passed over again and again. (With a
    plain queue.Queue the thread that returned a worker took it straight back: some requests were passed over by
    most of the 89 others, and under real load waited out the whole timeout.)"""
    pool = FairPool()
    for w in ("a", "b"):
        pool.put(w)
    lock = threading.Lock()
    asked = itertools.count()
    served: list[int] = []  # each request's place in the order asked, in the order served

    def client() -> None:
        for _ in range(15):
            with lock:
                ticket = next(asked)
            w = pool.get(timeout=30)
            with lock:
                served.append(ticket)
            time.sleep(0.01)  # the query
            pool.put(w)

    threads = [threading.Thread(target=client) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(served) == list(range(90))  # every request was served
    place = {ticket: n for n, ticket in enumerate(served)}
    passed_over = max(sum(place[later] < place[t] for later in range(t + 1, 90)) for t in range(90))
    # Only requests racing one into line (between taking a ticket and reaching the pool) can pass it.
    assert passed_over < 2 * len(threads), passed_over


def test_costly_and_new_calls_never_hold_the_last_worker():
    pool = FairPool(size=2)
    for w in ("a", "b"):
        pool.put(w)
    heavy = Ticket(HEAVY)
    first = pool.get(timeout=1, ticket=heavy)
    for lane in (HEAVY, NEW):  # the one free worker is kept for calls known to be cheap
        with pytest.raises(queue.Empty):
            pool.get(timeout=0.2, ticket=Ticket(lane))
    known = Ticket(KNOWN)
    second = pool.get(timeout=1, ticket=known)
    assert {first, second} == {"a", "b"}
    # A costly call waiting in line starts once the costly one before it is over.
    thread, got = waiting(pool, Ticket(NEW))
    pool.done(known, 0.01)
    pool.put(second)
    assert got == []  # the freed worker is still the last one free
    pool.done(heavy, 5.0)
    pool.put(first)
    thread.join(5)
    assert got and got[0] in ("a", "b")


def test_a_pool_of_one_worker_lets_every_call_use_it():
    pool = FairPool(size=1)
    pool.put("only")
    ticket = Ticket(HEAVY)
    assert pool.get(timeout=1, ticket=ticket) == "only"
    pool.done(ticket, 3.0)
    pool.put("only")
    assert pool.get(timeout=1, ticket=Ticket(NEW)) == "only"


def test_a_free_worker_goes_to_the_client_that_used_the_workers_least():
    pool = FairPool(size=1)
    pool.put("w")
    for client, seconds in (("greedy", 9.0), ("modest", 0.5)):
        ticket = Ticket(KNOWN, client)
        pool.get(timeout=1, ticket=ticket)
        pool.done(ticket, seconds)
        pool.put("w")
    assert pool.used("greedy") > pool.used("modest") > 0
    held = Ticket(KNOWN, "third")
    pool.get(timeout=1, ticket=held)
    greedy, greedy_got = waiting(pool, Ticket(KNOWN, "greedy"))  # first in line
    modest, modest_got = waiting(pool, Ticket(KNOWN, "modest"))
    pool.done(held, 0.1)
    pool.put("w")
    modest.join(5)
    assert modest_got == ["w"] and greedy_got == []
    pool.done(Ticket(KNOWN, "modest"), 0.1)
    pool.put("w")
    greedy.join(5)
    assert greedy_got == ["w"]


def test_a_shape_is_costly_after_a_costly_run_and_cheap_again_after_a_cheap_one():
    book = CostBook()
    noisy = [f"SELECT * {{ ?s ?p ?o }} # request {i}" for i in range(3)]
    shapes = {shape_of(text) for text in noisy}
    assert len(shapes) == 1  # comments and spacing do not make another shape
    shape = shapes.pop()
    assert shape != shape_of("SELECT * { ?s ?p ?o }", default=("urn:g",))  # the dataset does
    assert shape_of("SELECT * { <urn:a#b> ?p ?o }") != shape_of("SELECT * { <urn:a#c> ?p ?o }")  # '#' in an IRI
    assert book.lane(shape) == NEW
    book.record(shape, HEAVY_S * 3)
    assert book.lane(shape) == HEAVY
    book.record(shape, HEAVY_S / 10)
    assert book.lane(shape) == KNOWN


def test_a_costly_call_is_not_passed_over_by_cheap_ones_that_came_later():
    """Lanes only cap how many workers costly calls hold: the traceability query, costly right after a write,
    once waited behind every cheap request that came after it, and was refused after 30 s."""
    pool = FairPool(size=2)
    for w in ("a", "b"):
        pool.put(w)
    known = Ticket(KNOWN)
    pool.get(timeout=1, ticket=known)
    pool.get(timeout=1, ticket=Ticket(KNOWN))
    costly, costly_got = waiting(pool, Ticket(HEAVY))  # in line first
    cheap, cheap_got = waiting(pool, Ticket(KNOWN))
    pool.done(known, 0.1)
    pool.put("a")
    costly.join(5)
    assert costly_got == ["a"] and cheap_got == []
    pool.done(Ticket(HEAVY), 2.0)
    pool.put("a")
    cheap.join(5)
    assert cheap_got == ["a"]


def answer_slowly(conn, delay: float) -> None:
    """A worker that answers each message after ``delay`` seconds."""
    while True:
        try:
            conn.recv()
        except (EOFError, OSError):
            return
        time.sleep(delay)
        conn.send_bytes(b"done")


def test_a_call_that_waited_for_a_worker_still_has_its_whole_timeout_to_run():
    """Waiting and running have limits of their own: under load a cheap query queued behind others was refused
    with 503 once its wait and its run together passed the query timeout."""
    pool = WorkerPool(answer_slowly, (1.5,), size=1, name="ppikg-test")
    try:
        assert pool.ready(60)
        send = lambda worker: worker.conn.send("go")  # noqa: E731
        first = threading.Thread(target=lambda: pool.run(send, timeout=5, wait=10))
        first.start()
        time.sleep(0.3)  # the first call holds the only worker for 1.5 s
        started = time.monotonic()
        assert pool.run(send, timeout=2.0, wait=10) == b"done"
        assert time.monotonic() - started > 2.0  # waited, then ran: longer than the timeout, and answered
        first.join(10)
        holder = threading.Thread(target=lambda: pool.run(send, timeout=5, wait=10))
        holder.start()
        time.sleep(0.3)
        with pytest.raises(queue.Empty):  # past the wait: refused, whatever the timeout
            pool.run(send, timeout=30, wait=0.3)
        holder.join(10)
    finally:
        pool.close()
