"""What a SPARQL request is likely to cost, learnt from the requests of the same shape before it: the lane it
waits in for a query worker (see :class:`ppikg.workers.FairPool`).

A request's *shape* is its text without comments and with runs of white space made one space, with its
protocol dataset: requests that differ only there (a client adding a counter in a comment to dodge a cache)
cost the same. A shape never seen waits as ``NEW``; one whose last run cost its worker ``HEAVY_S`` of CPU or
more (or was stopped at a limit, or refused after a long analysis) as ``HEAVY``; any other as ``KNOWN``. CPU
time, not the time the worker was held: on a loaded machine a cheap query holds its worker longer. A shape just
stopped at the time or memory limit is not run again for ``REFUSED_S`` seconds: the same text would only
hold a worker to the same limit again.

>>> book = CostBook()
>>> shape = shape_of("ASK { ?s ?p ?o }  # 1")
>>> shape == shape_of("ASK {  ?s ?p ?o }\\n# 2"), book.lane(shape)
(True, 'new')
>>> book.record(shape, 0.01); book.lane(shape)
'known'
>>> book.record(shape, 12.0); book.lane(shape)
'heavy'
>>> book.stopped(shape); 0 < book.refused_for(shape) <= REFUSED_S
True
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict

from ..workers import HEAVY, KNOWN, NEW

#: A run that costs its worker this much CPU (s) makes its shape costly.
HEAVY_S = 1.0
#: Shapes remembered (the least recently seen go first).
MAX_SHAPES = 4096
#: How long a shape stopped at a limit is refused (s).
REFUSED_S = 30.0

# A comment starts with '#' at the start of a line or after white space (a '#' inside an IRI or a prefixed
# name follows no white space). A '#' inside a string may be taken for one: the shape is only a guess of cost.
_COMMENT = re.compile(r"(?:^|(?<=\s))#[^\n]*", re.MULTILINE)
_SPACE = re.compile(r"\s+")


def shape_of(text: str, default: tuple[str, ...] = (), named: tuple[str, ...] = ()) -> bytes:
    """The shape of a request: a digest of its text without comments and extra white space, and its dataset."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(_SPACE.sub(" ", _COMMENT.sub("", text)).strip().encode("utf-8", "surrogatepass"))
    for iri in (*default, "\0", *named):
        digest.update(b"\0" + iri.encode("utf-8", "surrogatepass"))
    return digest.digest()


class CostBook:
    """The last cost (CPU seconds of its worker) of each recent request shape."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._costs: OrderedDict[bytes, float] = OrderedDict()
        self._stopped: OrderedDict[bytes, float] = OrderedDict()  # shape → when it was last stopped

    def lane(self, shape: bytes) -> str:
        with self._lock:
            cost = self._costs.get(shape)
        return NEW if cost is None else HEAVY if cost >= HEAVY_S else KNOWN

    def record(self, shape: bytes, seconds: float) -> None:
        with self._lock:
            self._costs[shape] = seconds
            self._costs.move_to_end(shape)
            while len(self._costs) > MAX_SHAPES:
                self._costs.popitem(last=False)

    def stopped(self, shape: bytes) -> None:
        """A run of ``shape`` was stopped at the time or memory limit."""
        with self._lock:
            self._stopped[shape] = time.monotonic()
            self._stopped.move_to_end(shape)
            while len(self._stopped) > MAX_SHAPES:
                self._stopped.popitem(last=False)

    def refused_for(self, shape: bytes) -> float:
        """Seconds ``shape`` is still refused for (0: it may run)."""
        with self._lock:
            when = self._stopped.get(shape)
        return 0.0 if when is None else max(0.0, REFUSED_S - (time.monotonic() - when))
