"""ppikg's errors: one hierarchy, where each kind of error knows how every shell reports it.

An error has a message for a person, in Spanish or English: a :class:`Message` (a key of the ``errors`` table
of ``words.toml`` and its parameters) that ``error.text(lang)`` words in either language, ``str(error)`` in
English; or, for the faults of the program, a plain English string. As class attributes it has the HTTP ``status`` the
service answers, the ``exit_code`` the ``ppi`` command exits with (2: the input or the request could not be
used, as the README says; 0 and 1 stay for "done" and "the proposal does not conform"), a short machine
``code`` and the extra HTTP ``headers`` the status calls for (``WWW-Authenticate`` for 401, ``Allow`` for 405,
``Retry-After`` for 503).

The service answers every error with one JSON body (see :func:`error_body`) in the request's language
(``?lang=``, Spanish by default); the CLI prints one line on stderr in the language of ``--lang`` (Spanish by
default) and exits with ``exit_code``. Modules raise these errors; they never build error responses.

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
>>> e = InputError(msg("lang_unknown", lang="fr", langs="es, en"))
>>> str(e), e.text("es")
("unknown language 'fr': use es, en", 'idioma desconocido «fr»: use es, en')
>>> error_body(e, "es")["error"]
'idioma desconocido «fr»: use es, en'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, eq=False)
class Message:
    """A message for a person as data: ``key`` in the ``errors`` table of ``words.toml``, and the parameters
    its text names (``{value!r}``, ``{size:,}``). A parameter that is a Message itself is worded in the same
    language; a list of them, one per line. Picklable: a worker process sends it to the server as it is."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        from .i18n import words

        return words("errors", lang)[self.key].format(**{k: wording(v, lang) for k, v in self.params.items()})

    def __str__(self) -> str:
        return self.text("en")


def msg(key: str, **params: object) -> Message:
    """The message ``key`` with ``params``."""
    return Message(key, params)


def wording(value: object, lang: str) -> object:
    """``value`` in ``lang`` when it is a message (or an error), a list of them one per line, else as it is."""
    if isinstance(value, list):
        return "\n".join(str(wording(v, lang)) for v in value)
    return value.text(lang) if isinstance(value, (Message, PpikgError)) else value



class PpikgError(Exception):
    """Base class of ppikg's own errors. Raised as such, it is a fault of the program or of its setup (an
    unreadable canned query, a closed store): 500 on the service."""

    status: int = 500
    exit_code: int = 2
    code: str = "internal"
    #: Extra response headers every error of the class sends (a subclass may add its own per instance).
    default_headers: Mapping[str, str] = {}

    def __init__(self, message: str | Message = "", *, headers: Mapping[str, str] | None = None,
                 see: tuple[str, str] | None = None) -> None:
        super().__init__(str(message))
        #: What the error says: a Message (worded in either language), or a plain string.
        self.said = message
        self.headers = {**self.default_headers, **(headers or {})}
        #: (href, text) of what the client may have meant (the nearest known resource), for an error page.
        self.see = see

    def text(self, lang: str) -> str:
        """The message in ``lang`` (es, en); a plain string as it is."""
        return self.said.text(lang) if isinstance(self.said, Message) else str(self)


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

    def __init__(self, message: str | Message = "", *, allow: tuple[str, ...] | list[str] = (),
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


class Unavailable(PpikgError):
    """The part of the server that answers this request cannot be reached for now (it is starting or stopping)."""

    status = 503
    code = "unavailable"
    default_headers = {"Retry-After": "1"}


class QueryFailed(PpikgError):
    """The query could not run; ``status`` is the HTTP status that says why (400, 413, 500, …)."""

    def __init__(self, status: int, message: str | Message, *, headers: Mapping[str, str] | None = None) -> None:
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


def error_body(error: PpikgError, lang: str | None = None) -> dict[str, object]:
    """The one JSON body of every error the service answers: ``{"error", "status", "code"}``, the message in
    ``lang`` (default: English)."""
    return {"error": error.text(lang or "en"), "status": error.status, "code": error.code}
