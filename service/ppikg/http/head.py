"""HEAD for every GET resource (RFC 9110 §9.3.2): the GET response's status and headers, without its body.

FastAPI routes answer only the methods they declare, so link checkers and ``curl -I`` got 405 for every page,
IRI and download. This ASGI layer runs a HEAD request as a GET and stops the response at its headers: the
body is never sent; a handler that streams looks at ``scope[HEAD_KEY]`` and does not start producing one.
"""

from __future__ import annotations


#: Set in the scope of a HEAD request run as GET: a handler that streams (an export) can skip making the body.
HEAD_KEY = "ppikg.head"


class _HeadersSent(Exception):
    """Raised into the application once the headers are out: nothing more is needed."""


class HeadAsGet:
    """ASGI middleware: HEAD is GET without the body; other requests pass unchanged."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        started = False

        async def headers_only(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                await send(message)
            elif message["type"] == "http.response.body":
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                raise _HeadersSent

        try:
            await self.app(dict(scope, method="GET", **{HEAD_KEY: True}), receive, headers_only)
        except _HeadersSent:
            pass
        except Exception:
            if started:  # the headers are out; the body that failed was not going to be sent anyway
                return
            raise
