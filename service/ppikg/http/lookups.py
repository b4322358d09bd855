"""The fast lane for look-ups: ``GET /sparql?query=`` with a look-up whose cost is bounded, answered before routing.

A plain ASGI middleware, so that a look-up pays neither FastAPI's routing nor the worker round trip. It
answers only what :mod:`ppikg.sparql.lookups` accepts (one pattern: work bounded by the size of the answer, a
few kilobytes) and what :mod:`ppikg.sparql.walks` walks within ``WALK_BUDGET`` (a few patterns from a fixed
node), for a request with nothing but ``query`` (and ``format``) in its URL, the default dataset, and an
acceptable results format; everything else, including every error, goes on to the endpoint in
http/sparql.py, which answers it the usual way.
"""

from __future__ import annotations

from collections import OrderedDict
from urllib.parse import parse_qsl, unquote_plus

from ..sparql import lookups, walks
from ..sparql.lexer import decode_escapes, tokenize
from ..media import choose
from ..namespaces import PREFIXES
from .common import url_of

#: Bytes of answer a look-up may produce on the spot; a larger answer goes to a worker.
INLINE_CAP = 64 * 1024
#: Probes and matches a walk may take to be answered on the spot (on disk a probe costs ~5 µs and a match ~1 µs:
#: a few hundred microseconds on the event loop at most, about as much again for pyoxigraph's own run). The
#: look-ups of a few patterns analysts send take 10–100 (an indicator's levels ~20, a parameter's indicators
#: with their labels ~80).
WALK_BUDGET = 150
#: Walks over budget remembered (by their tokens), so that the same query is not walked again to learn it.
OVER_BUDGET_KEPT = 1024
_PREFIXES = {p: str(ns) for p, ns in PREFIXES.items()}


def _header(scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


class LookupLane:
    """ASGI middleware over the app: answers inline look-ups, passes every other request on unchanged."""

    def __init__(self, app, state=None) -> None:
        self.app = app
        self.state = state  # the knowledge graph and settings (None: those of the app the request reaches)
        self._media: dict[tuple, str | None] = {}  # (format, Accept) → negotiated media type; clients repeat theirs
        self._over_budget: OrderedDict[tuple[str, ...], None] = OrderedDict()  # walks seen to go over budget

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == "/sparql" and scope["query_string"]:
            try:
                answered = self._answer(scope)
            except Exception:  # whatever went wrong, the endpoint answers it the usual way (and reports errors)
                answered = None
            if answered is not None:
                media, body = answered
                content_type = f"{media}; charset=utf-8" if media.startswith("text/") else media
                await send({"type": "http.response.start", "status": 200,
                            "headers": [(b"content-type", content_type.encode()),
                                        (b"content-length", str(len(body)).encode()), (b"vary", b"Accept")]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    def _within_budget(self, store, walk: walks.Walk, tokens: list) -> bool:
        """Whether ``walk`` is within WALK_BUDGET; a walk found over it is remembered and not walked again (the
        same text but for comments and spacing: a walk's cost changes little between writes)."""
        key = tuple(t.text for t in tokens)
        if key in self._over_budget:
            self._over_budget.move_to_end(key)
            return False
        if walks.within(store, walk, WALK_BUDGET):
            return True
        self._over_budget[key] = None
        if len(self._over_budget) > OVER_BUDGET_KEPT:
            self._over_budget.popitem(last=False)
        return False

    def _answer(self, scope) -> tuple[str, bytes] | None:
        raw = scope["query_string"].decode("latin-1")
        if "&" in raw:
            params = parse_qsl(raw, keep_blank_values=True)
        else:  # one parameter, as parse_qsl would read it (the common case, without its generality)
            key, _, value = raw.partition("=")
            params = [(unquote_plus(key), unquote_plus(value))]
        queries = [v for k, v in params if k == "query"]
        formats = [v for k, v in params if k == "format"]
        if len(queries) != 1 or len(formats) > 1 or len(queries) + len(formats) != len(params):
            return None
        state = self.state or scope["app"].state
        if state.kg.snapshot().remote:
            return None  # a remote store's answer comes over the network: never on the event loop
        query, walk = queries[0], None
        if len(query) > lookups.MAX_LOOKUP_TEXT:
            return None
        tokens = tokenize(decode_escapes(query))
        if not lookups.single_pattern(query, tokens):
            walk = walks.parse(query, _PREFIXES, tokens)
            if walk is None:
                return None
        kind = "results" if walk is None else {"ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph"}.get(walk.form, "results")
        key = (kind, formats[0] if formats else None, _header(scope, b"accept"))
        try:
            media = self._media[key]
        except KeyError:
            media = choose(*key)
            if len(self._media) > 1024:
                self._media.clear()
            self._media[key] = media
        if media is None or (walk is not None and not self._within_budget(state.kg.store, walk, tokens)):
            return None
        # On the event loop: the work is bounded by INLINE_CAP bytes of answer and, for a walk, by WALK_BUDGET
        # (~0.1–1 ms); measured, handing it to a thread costs more CPU than the look-up itself (docs/benchmarks.md).
        body = lookups.answer(state.kg.store, query, media, max_results=state.settings.max_results,
                             cap=INLINE_CAP, base_iri=url_of(scope, state.settings.public_url), prefixes=_PREFIXES)
        return None if body is None else (media, body)
