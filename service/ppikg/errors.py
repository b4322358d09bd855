"""ppikg's errors: one hierarchy, where each kind of error knows how every shell reports it.

An error has a message for a person (``str(error)``), and, as class attributes, the HTTP ``status`` the
service answers, the ``exit_code`` the ``ppi`` command exits with (2: the input or the request could not be
used, as the README says; 0 and 1 stay for "done" and "the proposal does not conform"), a short machine
``code`` and the extra HTTP ``headers`` the status calls for (``WWW-Authenticate`` for 401, ``Allow`` for 405,
``Retry-After`` for 503).

The service answers every error with one JSON body (see :func:`error_body`); the CLI prints one line on
stderr and exits with ``exit_code``. Modules raise these errors; they never build error responses.

>>> e = NotFound("no graph <http://e/g> in this store")
>>> e.status, e.code, e.exit_code
(404, 'not-found', 2)
>>> error_body(e)
{'error': 'no graph <http://e/g> in this store', 'status': 404, 'code': 'not-found'}
>>> Unauthorized("send a token").headers
{'WWW-Authenticate': 'Bearer'}
>>> MethodNotAllowed("send it with POST", allow=("GET", "POST")).headers
{'Allow': 'GET, POST'}
>>> QueryFailed(413, "over 100 rows").code
'too-large'
"""

from __future__ import annotations

from collections.abc import Mapping


class PpikgError(Exception):
    """Base class of ppikg's own errors. Raised as such, it is a fault of the program or of its setup (an
    unreadable canned query, a closed store): 500 on the service."""

    status: int = 500
    exit_code: int = 2
    code: str = "internal"
    #: Extra response headers every error of the class sends (a subclass may add its own per instance).
    default_headers: Mapping[str, str] = {}

    def __init__(self, message: str = "", *, headers: Mapping[str, str] | None = None,
                 see: tuple[str, str] | None = None) -> None:
        super().__init__(message)
        self.headers = {**self.default_headers, **(headers or {})}
        #: (href, text) of what the client may have meant (the nearest known resource), for an error page.
        self.see = see


class InputError(PpikgError):
    """Malformed or unsupported input: RDF that does not parse, a bad SPARQL query, an unknown format, a
    missing or malformed parameter."""

    status = 400
    code = "bad-input"


class Unauthorized(PpikgError):
    """The request needs credentials it did not send (a bearer token)."""

    status = 401
    code = "unauthorized"
    default_headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(PpikgError):
    """The request is understood and refused: updates are off, a reserved graph would change."""

    status = 403
    code = "forbidden"


class NotFound(PpikgError):
    """What the request names does not exist: a graph, a resource, a canned query, a path."""

    status = 404
    code = "not-found"


class MethodNotAllowed(PpikgError):
    """The resource exists but does not answer this method; ``allow`` lists the ones it answers."""

    status = 405
    code = "method-not-allowed"

    def __init__(self, message: str = "", *, allow: tuple[str, ...] | list[str] = (),
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message, headers={**({"Allow": ", ".join(allow)} if allow else {}), **(headers or {})})


class NotAcceptable(PpikgError):
    """None of the formats the resource is offered in is acceptable to the client (``Accept``, ``format``)."""

    status = 406
    code = "not-acceptable"


class Conflict(PpikgError):
    """The request cannot be carried out in the store's present state (e.g. it is open read-only)."""

    status = 409
    code = "conflict"


class PayloadTooLarge(PpikgError):
    """A body, or a result, over the configured limit."""

    status = 413
    code = "too-large"


class UnsupportedMediaType(PpikgError):
    """A request body in a format the resource does not read."""

    status = 415
    code = "unsupported-media-type"


class RequestTimeout(PpikgError):
    """The client stopped sending the request's body before it ended."""

    status = 408
    code = "request-timeout"


class QueryTimeout(PpikgError):
    """The query ran past its time and its worker was killed (or no worker was free in time)."""

    status = 503
    code = "timeout"
    default_headers = {"Retry-After": "1"}


class QueryFailed(PpikgError):
    """The query could not run; ``status`` is the HTTP status that says why (400, 413, 500, …)."""

    def __init__(self, status: int, message: str, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message, headers=headers)
        self.status = status
        self.code = code_for(status)


#: Every kind of error above, by HTTP status: the machine code of a status (also for errors that come from
#: the web framework rather than from ppikg, such as a 404 for a path no route serves).
KINDS: dict[int, type[PpikgError]] = {cls.status: cls for cls in (
    InputError, Unauthorized, Forbidden, NotFound, MethodNotAllowed, NotAcceptable, Conflict, PayloadTooLarge,
    UnsupportedMediaType, RequestTimeout, QueryTimeout)}


def code_for(status: int) -> str:
    """The machine code of an HTTP status: the code of the error kind with that status, else a generic one.

    >>> code_for(415), code_for(422), code_for(500)
    ('unsupported-media-type', 'bad-input', 'internal')
    """
    kind = KINDS.get(status)
    if kind is not None:
        return kind.code
    return "bad-input" if 400 <= status < 500 else "internal"


def error_body(error: PpikgError) -> dict[str, object]:
    """The one JSON body of every error the service answers: ``{"error", "status", "code"}``."""
    return {"error": str(error), "status": error.status, "code": error.code}
