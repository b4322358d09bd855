"""``ppi serve --processes N``: look-ups answered by N processes on one port, everything else by the one that writes.

One process (the *primary*) is the server it always was: it holds the store as its writer, runs the query and
validation workers and answers every kind of request. Beside it, N − 1 *look-up processes* listen on the same
address (``SO_REUSEPORT``: the kernel spreads the connections over the processes) with the store open
read-only. Each one answers in its own process what the look-up lane answers (http/lookups.py: look-ups whose
work is bounded), over the latest committed state, which it checks at every request (a write the primary has
acknowledged is seen by the next look-up wherever it lands); any other request it forwards to the primary over
a loopback connection, unchanged, with the client's address, so that limits, errors and pages are the
primary's own. A look-up is CPU work in Python: on a machine of C cores, C processes answer up to C times as
many at once (docs/benchmarks.md).

The primary trusts the client's address, scheme and the address it was reached at, sent in a header by a
look-up process, only on its loopback address and with the secret it gave them at start; the header is taken
out of every other request.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import secrets
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from ..errors import (Conflict, PayloadTooLarge, PpikgError, RequestTimeout, Unavailable, error_body,
                      msg)
from ..i18n import pick_lang

#: The header a look-up process sends the primary: the secret, then the client's host and port, the scheme and
#: the host and port the client reached (space-separated).
HOP = b"x-ppikg-hop"
#: Headers that belong to one connection, not to the request or answer forwarded (RFC 9110 §7.6.1), and those
#: the forwarding server sets itself.
HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"transfer-encoding",
                        b"upgrade", b"expect", HOP})
ANSWER_SET_HERE = frozenset({b"connection", b"keep-alive", b"transfer-encoding", b"date", b"server"})
#: How often a look-up process checks that the primary is still there (it stops when the primary is gone).
WATCH_S = 0.5
#: How often the primary checks that its look-up processes live (one that died is started again).
KEEP_S = 1.0


def listen(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """A socket bound to ``host``:``port`` and listening; Conflict (exit 2) when the address is taken or not
    this machine's. ``reuse_port``: other sockets of this user may listen on the same address (the look-up
    processes), the kernel spreading the connections over them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as e:
        sock.close()
        raise Conflict(msg("cannot_listen", address=f"{host}:{port}", detail=e.strerror or e)) from None
    return sock


class FromLookupProcesses:
    """ASGI middleware of the primary: a request forwarded by a look-up process (on ``address``, with ``secret``)
    gets back the client, scheme and server it had there; the hop header is taken out of every request."""

    def __init__(self, app, address: tuple[str, int], secret: str) -> None:
        self.app = app
        self.address = address
        self.secret = secret

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and any(k == HOP for k, _ in scope["headers"]):
            hop = next(v for k, v in scope["headers"] if k == HOP).decode("latin-1").split(" ")
            scope = dict(scope, headers=[(k, v) for k, v in scope["headers"] if k != HOP])
            here = scope.get("server")
            if here is not None and (here[0], here[1]) == self.address and len(hop) == 6 and \
                    secrets.compare_digest(hop[0], self.secret):
                _, client_host, client_port, scheme, server_host, server_port = hop
                scope["client"] = (client_host, int(client_port))
                scope["scheme"] = scheme
                scope["server"] = (server_host, int(server_port))
        await self.app(scope, receive, send)


class _ClientGone(Exception):
    """The client closed its connection before its request's body ended."""


class _Refused(Exception):
    """The request's body broke one of the primary's limits: ``error`` says which."""

    def __init__(self, error: PpikgError) -> None:
        super().__init__(error)
        self.error = error


class ForwardToPrimary:
    """ASGI app of a look-up process: every request, as it came, to the primary at ``target`` (host, port); its
    answer, as it comes, to the client. A body past the primary's limits (``settings.max_body``,
    ``settings.body_timeout``) is refused here as the primary refuses it (a primary that stopped reading it could
    not be heard answering); a primary that cannot be reached is a 503; both in the client's language."""

    def __init__(self, target: tuple[str, int], secret: str, settings) -> None:
        self.base = f"http://{target[0]}:{target[1]}"
        self.secret = secret
        self.settings = settings  # the primary's body limits
        self._client: Any = None  # an httpx.AsyncClient, made in the server's event loop at the first request

    def _http(self):
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(base_url=self.base, timeout=httpx.Timeout(None, connect=5.0),
                                             limits=httpx.Limits(max_connections=256, max_keepalive_connections=64))
        return self._client

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        import httpx

        client = scope.get("client") or ("", 0)
        server = scope.get("server") or ("", 0)
        hop = f"{self.secret} {client[0]} {client[1]} {scope.get('scheme', 'http')} {server[0]} {server[1]}"
        headers = [(k, v) for k, v in scope["headers"] if k not in HOP_BY_HOP] + [(HOP, hop.encode("latin-1"))]
        target = scope.get("raw_path") or scope["path"].encode()
        if scope["query_string"]:
            target += b"?" + scope["query_string"]

        async def body():  # the primary's own limits (common.limited_body), so that it never sees a body past them
            size = 0
            while True:
                try:
                    message = await asyncio.wait_for(receive(), self.settings.body_timeout)
                except TimeoutError:
                    raise _Refused(RequestTimeout(msg("body_stopped", seconds=f"{self.settings.body_timeout:g}",
                                                      size=size))) from None
                if message["type"] == "http.disconnect":
                    raise _ClientGone
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.settings.max_body:
                    raise _Refused(PayloadTooLarge(msg("body_too_large", limit=self.settings.max_body)))
                yield chunk
                if not message.get("more_body"):
                    return

        declared = next((v for k, v in scope["headers"] if k == b"content-length"), b"")
        if declared.isdigit() and int(declared) > self.settings.max_body:
            await _answer_error(scope, send, PayloadTooLarge(msg("body_too_large", limit=self.settings.max_body)))
            return
        has_body = bool(declared) or any(k == b"transfer-encoding" for k, _ in scope["headers"])
        http = self._http()
        request = http.build_request(scope["method"], target.decode("latin-1"), headers=headers,
                                     content=body() if has_body else None)
        try:
            answer = await http.send(request, stream=True)
        except _ClientGone:
            return
        except _Refused as refused:
            await _answer_error(scope, send, refused.error)
            return
        except httpx.HTTPError:
            await _answer_error(scope, send, Unavailable(msg("primary_unreachable")))
            return
        try:
            await send({"type": "http.response.start", "status": answer.status_code,
                        "headers": [(k, v) for k, v in answer.headers.raw if k.lower() not in ANSWER_SET_HERE]})
            async for chunk in answer.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        except httpx.HTTPError:  # the primary went away halfway: the client sees its connection end
            return
        finally:
            await answer.aclose()


async def _answer_error(scope, send, error: PpikgError) -> None:
    """``error`` as the primary words it: its JSON body in the language of ``?lang=``, its headers."""
    import json

    lang = pick_lang(dict(parse_qsl(scope["query_string"].decode("latin-1"))).get("lang"))
    body = json.dumps(error_body(error, lang), ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]  # the rest of a refused body is not read
    headers += [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def lookup_app(kg, settings, target: tuple[str, int], secret: str):
    """What a look-up process serves: the look-up lane over ``kg`` (read-only), with the primary's CORS policy,
    in front of the forwarding of everything else to ``target``."""
    from types import SimpleNamespace

    from .app import with_cors
    from .lookups import LookupLane

    return with_cors(LookupLane(ForwardToPrimary(target, secret, settings), state=SimpleNamespace(kg=kg, settings=settings)),
                     settings.cors_origins)


def _lookup_process(store: str, host: str, port: int, target: tuple[str, int], secret: str, settings,
                    parent: int) -> None:
    """The body of one look-up process (spawned: it shares nothing with the primary but the arguments)."""
    import uvicorn

    from ..store.graph import KnowledgeGraph
    from .wire import BoundedHttpToolsProtocol

    kg = KnowledgeGraph(Path(store))
    sock = listen(host, port, reuse_port=True)
    server = uvicorn.Server(uvicorn.Config(lookup_app(kg, settings, target, secret), log_level="warning",
                                           lifespan="off", http=BoundedHttpToolsProtocol))

    def watch() -> None:  # the primary gone (even killed), this process stops too
        while os.getppid() == parent:
            time.sleep(WATCH_S)
        server.should_exit = True

    threading.Thread(target=watch, daemon=True, name="ppikg-watch-primary").start()
    try:
        server.run(sockets=[sock])
    finally:
        kg.close()
        sock.close()


class LookupProcesses:
    """The look-up processes of a primary serving on ``host``:``port``, forwarding to ``target`` with ``secret`` (for
    :class:`FromLookupProcesses`, made here for this run): started, one that dies started again, and all stopped
    with :meth:`stop`."""

    def __init__(self, count: int, *, store: Path, host: str, port: int, target: tuple[str, int], settings) -> None:
        self.secret = secrets.token_hex(16)
        self._ctx = multiprocessing.get_context("spawn")
        self._args = (str(store), host, port, target, self.secret, settings, os.getpid())
        self._stopping = threading.Event()
        self.procs = [self._start(k) for k in range(count)]
        self._keeper = threading.Thread(target=self._keep, daemon=True, name="ppikg-keep-lookups")
        self._keeper.start()

    def _start(self, k: int):
        p = self._ctx.Process(target=_lookup_process, name=f"ppikg-lookups-{k}", daemon=True, args=self._args)
        p.start()
        return p

    def _keep(self) -> None:
        while not self._stopping.wait(KEEP_S):
            for k, p in enumerate(self.procs):
                if not p.is_alive() and not self._stopping.is_set():
                    p.join(0)
                    self.procs[k] = self._start(k)

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._keeper.join(timeout)
        for p in self.procs:
            if p.is_alive() and p.pid is not None:
                os.kill(p.pid, signal.SIGTERM)  # uvicorn's graceful stop: answers in flight end first
        deadline = time.monotonic() + timeout
        for p in self.procs:
            p.join(max(0.0, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()
                p.join(5)


__all__ = ["FromLookupProcesses", "ForwardToPrimary", "LookupProcesses", "listen", "lookup_app"]
