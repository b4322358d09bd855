"""Traceability for analysts: the canned queries of ``queries/*.rq``, the coverage matrix and its heat-map.

A canned query is a SPARQL file whose header comments give its id, title and description in Spanish and
English, and its parameters::

    # id: competency
    # title@es: …            # title@en: …
    # description@es: …      # description@en: …
    # param: competency (IRI) es: el IRI de la competencia | en: the competency's IRI
    # param: proposal (IRI, optional) es: … | en: …
    # example: competency=https://w3id.org/ppikg/competencias/c4

A parameter is the SPARQL variable ``$name`` in the query. Its value must be an absolute IRI; it is bound
with SPARQL substitution (SEP-0007, done by the store), never spliced into the query text. An optional
parameter left out stays a free variable (the query then answers for every value).

>>> from ppikg.config import Project
>>> sorted(q.id for q in list_queries(Project.default()))
['competency', 'coverage', 'gaps', 'indicator', 'provision']
>>> check_iri("comp:c1 } DELETE")
Traceback (most recent call last):
ppikg.sparql.canned.ParameterError: not an absolute IRI: 'comp:c1 } DELETE'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..config import Project
from ..errors import InputError, NotFound, PpikgError, msg
from ..store.graph import KnowledgeGraph, plain
from ..store.snapshot import select
from ..namespaces import PREFIXES

from ..i18n import LANGS  # the languages of the titles and descriptions: the interface's
_HEADER = re.compile(r"#\s*([A-Za-z]+)(?:@(es|en))?\s*:\s*(.*)")
_PARAM = re.compile(r"(\w+)\s*\(\s*IRI\s*(,\s*optional\s*)?\)\s*(?:es:\s*(.*?)\s*\|\s*en:\s*(.*))?$")
#: RFC 3987 absolute IRI, roughly: a scheme, a colon, then no space and none of <>"{}|\^`.
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+")


class ParameterError(InputError):
    """A parameter is missing, unknown or not an absolute IRI."""


class UnknownQuery(NotFound):
    """No canned query has this id."""


@dataclass(frozen=True)
class Param:
    name: str
    required: bool
    description: dict[str, str]

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "type": "IRI", "required": self.required, "description": self.description}


@dataclass(frozen=True)
class CannedQuery:
    id: str
    title: dict[str, str]
    description: dict[str, str]
    params: tuple[Param, ...]
    sparql: str
    path: Path
    example: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "description": self.description,
                "parameters": [p.to_json() for p in self.params], "example": self.example,
                "file": f"queries/{self.path.name}"}


def parse_query_file(path: Path) -> CannedQuery:
    """A canned query from its file; PpikgError if the header lacks the id, a title or a description."""
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    params: list[Param] = []
    example: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = _HEADER.match(line)
        if not m:
            continue
        key, lang, value = m.group(1).lower(), m.group(2), m.group(3).strip()
        if key == "param":
            pm = _PARAM.match(value)
            if not pm:
                raise PpikgError(f"{path}: bad parameter line {line!r}")
            params.append(Param(pm.group(1), not pm.group(2), {"es": pm.group(3) or "", "en": pm.group(4) or ""}))
        elif key == "example":
            for pair in value.split():
                name, _, iri = pair.partition("=")
                example[name] = iri
        else:
            meta[f"{key}@{lang}" if lang else key] = value
    missing = [k for k in ("id", "title@es", "title@en", "description@es", "description@en") if k not in meta]
    if missing:
        raise PpikgError(f"{path}: header lacks {', '.join(missing)}")
    for p in params:
        if not re.search(rf"\${p.name}\b", text):
            raise PpikgError(f"{path}: parameter {p.name} is not used as ${p.name} in the query")
    return CannedQuery(
        id=meta["id"],
        title={lang: meta[f"title@{lang}"] for lang in LANGS},
        description={lang: meta[f"description@{lang}"] for lang in LANGS},
        params=tuple(params),
        sparql=text,
        path=path,
        example=example,
    )


def list_queries(project: Project) -> list[CannedQuery]:
    """Every canned query of ``project`` (its ``queries/*.rq``), by file name."""
    return [parse_query_file(f) for f in sorted(project.queries_dir.glob("*.rq"))]


def get_query(project: Project, query_id: str) -> CannedQuery:
    """The canned query ``query_id`` of ``project``; UnknownQuery when it has none."""
    for q in list_queries(project):
        if q.id == query_id:
            return q
    raise UnknownQuery(msg("no_canned_query", id=query_id))


def check_iri(value: str) -> str:
    """``value`` if it is an absolute IRI, else ParameterError (the value is never put into query text)."""
    if not isinstance(value, str) or not _IRI.fullmatch(value):
        raise ParameterError(msg("not_absolute_iri", value=value))
    try:
        ox.NamedNode(value)
    except ValueError as e:
        raise ParameterError(msg("not_absolute_iri_why", value=value, detail=str(e))) from None
    return value


def bindings(query: CannedQuery, params: dict[str, str | None]) -> dict[ox.Variable, ox.NamedNode]:
    """The substitutions for ``params``: every required one present, none unknown, each an absolute IRI."""
    known = {p.name: p for p in query.params}
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ParameterError(msg("query_unknown_parameter", id=query.id, names=", ".join(unknown),
                                 expected=", ".join(known) or msg("no_parameters")))
    out: dict[ox.Variable, ox.NamedNode] = {}
    for name, p in known.items():
        value = params.get(name)
        if value is None or value == "":
            if p.required:
                raise ParameterError(msg("query_needs_parameter", id=query.id, name=name))
            continue
        out[ox.Variable(name)] = ox.NamedNode(check_iri(value))
    return out


def _execute(kg: KnowledgeGraph, sparql: str, subs: dict[ox.Variable, ox.NamedNode]) -> ox.QuerySolutions:
    substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = dict(subs)
    try:
        return select(kg.store, sparql, use_default_graph_as_union=True, substitutions=substitutions,
                      prefixes={p: str(ns) for p, ns in PREFIXES.items()})
    except SyntaxError as e:
        raise InputError(msg("sparql_syntax", detail=str(e))) from e


def run(kg: KnowledgeGraph, query: CannedQuery, **params: str | None) -> ox.QuerySolutions:
    """Run canned query ``query`` on ``kg`` (asserted + inferred triples) with IRI parameters."""
    return _execute(kg, query.sparql, bindings(query, params))


def run_rows(kg: KnowledgeGraph, query: CannedQuery, **params: str | None) -> tuple[list[str], list[dict[str, str | None]]]:
    """Like :func:`run`, as variable names and rows of plain values."""
    result = run(kg, query, **params)
    names = [v.value for v in result.variables]
    return names, [{n: plain(sol[n]) for n in names} for sol in result]


def answer(source, project: Project, query_id: str, params: dict[str, str | None], media: str) -> bytes:
    """Canned query ``query_id`` of ``project`` with ``params``, its results serialized as ``media`` (a results
    media type of ppikg.media): what /queries/ID answers, run in a query worker over one state."""
    from ..media import by_media

    return run(source, get_query(project, query_id), **params).serialize(format=by_media(media).results) or b""


def answer_about(source, project: Project, query_id: str, param: str, iri: str, cls: str | None, media: str,
                 name: str) -> bytes:
    """:func:`answer` for the one IRI ``iri`` bound to ``param``; NotFound unless ``iri`` is in the store (and
    an instance of ``cls`` when given): what the REST views /api/… answer."""
    try:
        known = exists(source, iri, cls)
    except InputError as e:
        raise InputError(msg("labelled", label=name, detail=e.said)) from None
    if not known:
        raise NotFound(msg("not_in_store", thing=THINGS[param], iri=iri))
    return answer(source, project, query_id, {param: iri}, media)


#: What each REST view's parameter names, for its messages.
THINGS = {"indicator": msg("thing_indicator"), "competency": msg("thing_competency"),
          "provision": msg("thing_provision"), "proposal": msg("thing_proposal")}


def exists(kg: KnowledgeGraph, iri: str, cls: str | None = None) -> bool:

    """Whether ``iri`` is in the store (as subject or object), and an instance of ``cls`` when given."""
    node = ox.NamedNode(check_iri(iri))
    if cls is not None:
        return bool(kg.store.query(f"ASK {{ ?x a <{ox.NamedNode(cls).value}> }}", use_default_graph_as_union=True,
                                   substitutions={ox.Variable("x"): node}))
    return bool(kg.store.query("ASK { { ?x ?p ?o } UNION { ?s ?p ?x } }", use_default_graph_as_union=True,
                               substitutions={ox.Variable("x"): node}))
