"""The HTTP/1.1 connection of ``ppi serve``: uvicorn's httptools protocol with a bound on the request head and
the one JSON error body for requests the parser refuses.

httptools keeps every byte of a request line and its headers until the head ends, without a limit: a client
that sends a 100 MB header costs the server 100 MB, and the server reads as long as it sends. Here the head
(request line and headers) is refused with 431 past :data:`MAX_HEAD` bytes, a URL with 414 past
:data:`MAX_URL` (where httptools stops), and the connection closed. A
request the parser cannot read (an unknown method, a malformed Content-Length, a body longer than its
Content-Length followed by garbage) is answered 400 with the parser's reason, in the same body every other
error has (http/failures.py), instead of uvicorn's plain text: in Spanish, in English when the URL read so far
asks ``lang=en``.
"""

from __future__ import annotations

import json
import logging
import re

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ..errors import Message, msg

#: Bytes of a request line and its headers: browsers send a few kilobytes of headers.
MAX_HEAD = 1024 * 1024
#: Bytes of a URL: the most httptools reads (a GET query travels in the URL; a longer one goes in a POST body).
MAX_URL = 65_535

log = logging.getLogger("ppikg.http")


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """See the module's docstring."""

    _head = 0
    _in_head = True

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head, self._in_head = 0, True

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > MAX_URL:
            raise ValueError("URL too long")  # the parser stops here: refused in data_received

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head += len(data)
            if self._head > MAX_HEAD:
                self.refuse(431, msg("head_too_large", limit=MAX_HEAD))
                return
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        except httptools.HttpParserError as e:
            if len(getattr(self, "url", b"")) > MAX_URL:
                self.refuse(414, msg("url_too_long", limit=MAX_URL))
            else:
                self.refuse(400, msg("not_http", detail=str(e)))

    def send_400_response(self, message: str) -> None:  # uvicorn's own reason, in English
        self.refuse(400, msg("not_http", detail=message))


    def refuse(self, status: int, message: str | Message) -> None:
        """Answer ``status`` with the one JSON error body and close the connection."""
        log.warning("refused a request before reading it: %s", message)
        url = getattr(self, "url", None) or b""
        lang = "en" if re.search(rb"[?&]lang=en(&|$)", url[:MAX_URL]) else "es"
        said = message.text(lang) if isinstance(message, Message) else message
        body = json.dumps({"error": said, "status": status, "code": "bad-input"}).encode()

        reason = {400: b"Bad Request", 414: b"URI Too Long", 431: b"Request Header Fields Too Large"}[status]
        head = [b"HTTP/1.1 %d %s\r\n" % (status, reason)]
        head += [name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers]
        head += [b"content-type: application/json\r\n", b"content-length: %d\r\n" % len(body),
                 b"connection: close\r\n\r\n"]
        self.transport.write(b"".join(head) + body)
        self.transport.close()
