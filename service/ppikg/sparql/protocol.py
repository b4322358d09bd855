"""A SPARQL Protocol request over one committed state: the :class:`Request` as received (checked and
negotiated in the worker, where the timeout applies), the :class:`Job` it becomes, its dataset, its planned
query and its answer serialized in the chosen format (SPARQL JSON/XML/CSV/TSV results, or an RDF graph)."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape as _xml_escape

import pyoxigraph as ox

from ..errors import InputError, NotAcceptable, msg
from ..media import GRAPH_MEDIA, RESULT_MEDIA, by_media, choose, offers
from .safety import analyse, refusal

#: The kind of result (a row of ppikg.media.FORMATS) of each query form.
FORM_KIND = {"SELECT": "results", "ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
RESULT_KINDS = ("results", "boolean", "graph")


@dataclass
class Job:
    query: str
    media: dict[str, str]  # query form group ("results"/"graph") → chosen media type
    max_results: int
    base_iri: str | None = None
    prefixes: dict[str, str] | None = None
    default_graph: list[str] | None = None  # protocol dataset (None: the union of all graphs)
    named_graphs: list[str] | None = None


@dataclass
class Request:
    """A SPARQL Protocol query as the endpoint received it: the text, what the client accepts, the dataset."""

    query: str
    accept: str | None
    format: str | None  # the ``format`` parameter, if any
    max_results: int
    base_iri: str | None = None
    prefixes: dict[str, str] | None = None
    default_graph: tuple[str, ...] = ()  # default-graph-uri
    named_graphs: tuple[str, ...] = ()  # named-graph-uri


def negotiate(form: str | None, fmt: str | None, accept: str | None) -> dict[str, str]:
    """The media type for each kind of result the query form can give; NotAcceptable if none suits its form.
    Without a known form (a malformed query, answered with its syntax error) every kind keeps its first offer."""
    media = {kind: offers(kind)[0] for kind in RESULT_KINDS}
    for kind in [FORM_KIND[form]] if form else RESULT_KINDS:
        chosen = choose(kind, fmt, accept)
        if chosen is None and kind == "graph":  # a graph in a dataset format: its triples in the default graph
            chosen = choose("dataset", fmt, accept)
        if chosen is None:
            if form:
                kinds = ("graph", "dataset") if kind == "graph" else (kind,)
                raise NotAcceptable(msg("result_not_acceptable", form=form,
                                        media=", ".join(dict.fromkeys(offers(*kinds)))))

            continue
        media[kind] = chosen
    return media


def answer_request(snapshot, request: Request) -> tuple:
    """A request checked (SERVICE, LOAD, datasets outside the store, nesting), negotiated and run over
    ``snapshot``: what :func:`run_job` gives. Run in a query worker, so that the checks, which read the whole
    text, are bounded by the timeout like the query itself; InputError or NotAcceptable when refused."""
    analysis = analyse(request.query, request.prefixes, request.base_iri)
    why = refusal(analysis, snapshot.has_graph, [*request.default_graph, *request.named_graphs])
    if why:
        raise InputError(why)
    default, named = dataset_of(request, analysis.dataset)
    job = Job(request.query, negotiate(analysis.form, request.format, request.accept), request.max_results,
              request.base_iri, request.prefixes, default, named)
    return run_job(snapshot, job)


def dataset_of(request: Request, clauses: list[tuple[str, str]]) -> tuple[list[str] | None, list[str] | None]:
    """The RDF dataset a query runs over (SPARQL 1.1 §13.2, Protocol §2.1.4): the protocol's
    ``default-graph-uri`` / ``named-graph-uri`` if given, else the query's own ``FROM`` / ``FROM NAMED`` (either
    way, naming only one kind gives none of the other), else (None, None): the union of every graph.

    >>> dataset_of(Request("", None, None, 1), [("FROM", "http://e/g")])
    (['http://e/g'], [])
    >>> dataset_of(Request("", None, None, 1, default_graph=("http://e/h",)), [("FROM", "http://e/g")])
    (['http://e/h'], [])
    >>> dataset_of(Request("", None, None, 1), [])
    (None, None)
    """
    if request.default_graph or request.named_graphs:
        return list(request.default_graph), list(request.named_graphs)
    default = [iri for clause, iri in clauses if clause == "FROM"]
    named = [iri for clause, iri in clauses if clause == "FROM NAMED"]
    if default or named:
        return default, named
    return None, None


def _term_json(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}


def _xml_text(value: str) -> str:
    """``value`` as XML character data that survives parsing: CR (which XML parsers turn into LF) and
    whitespace at either end (which some SPARQL clients trim) written as character references.

    >>> _xml_text(" a <b> \\r\\n")
    '&#32;a &lt;b&gt;&#32;&#13;&#10;'
    """
    text = _xml_escape(value)
    body = text.strip(" \t\n\r")
    start = text.index(body) if body else len(text)
    ref = lambda ws: "".join(f"&#{ord(c)};" for c in ws)  # noqa: E731
    return ref(text[:start]) + body.replace("\r", "&#13;") + ref(text[start + len(body):])


def _term_xml(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{_xml_escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_xml_escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        attr = ""
        if term.language:
            attr = f' xml:lang="{_xml_escape(term.language)}"'
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            attr = f' datatype="{_xml_escape(term.datatype.value)}"'
        return f"<literal{attr}>{_xml_text(term.value)}</literal>"
    return f"<literal>{_xml_escape(str(term))}</literal>"


def _csv_cell(term) -> str:
    if term is None:
        return ""
    text = f"_:{term.value}" if isinstance(term, ox.BlankNode) else getattr(term, "value", str(term))
    if any(c in text for c in ',"\r\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def serialize_solutions(variables: list[str], rows: list[list], fmt: str) -> bytes:
    """SPARQL results (JSON, XML, CSV or TSV) for solutions already collected (so that they could be counted)."""
    import json

    if fmt == "json":
        bindings = [{v: _term_json(t) for v, t in zip(variables, row) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}}, ensure_ascii=False).encode()
    if fmt == "xml":
        head = "".join(f'<variable name="{_xml_escape(v)}"/>' for v in variables)
        body = "".join(
            "<result>" + "".join(f'<binding name="{_xml_escape(v)}">{_term_xml(t)}</binding>'
                                 for v, t in zip(variables, row) if t is not None) + "</result>"
            for row in rows)
        return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head>{head}</head><results>{body}</results></sparql>\n").encode()
    if fmt == "csv":
        lines = [",".join(variables)] + [",".join(_csv_cell(t) for t in row) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode()
    lines = ["\t".join("?" + v for v in variables)] + ["\t".join("" if t is None else str(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def _dataset(job: Job) -> dict:
    """pyoxigraph's keyword arguments for the job's dataset (by default, the union of all graphs)."""
    if job.default_graph is None and job.named_graphs is None:
        return {"use_default_graph_as_union": True}
    kwargs: dict = {"default_graph": [ox.NamedNode(g) for g in job.default_graph or []]}
    if job.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    return kwargs


def planner_for(snapshot, job: Job):
    """The :class:`~ppikg.sparql.planner.Planner` for the job's dataset over ``snapshot`` (kept with the snapshot)."""
    return snapshot.planner(base_iri=job.base_iri, prefixes=job.prefixes, **_dataset(job))


def run_job(snapshot, job: Job, plan: bool = True) -> tuple:
    """A SPARQL Protocol request over ``snapshot``: ("ok", media type, bytes) or ("error", status, message).
    With ``plan``, large joins run as hash joins (ppikg.sparql.planner). A dataset naming the graph of an
    earlier version of a proposal runs over a scratch store holding the graphs it names (store/versions.py)."""
    named = [*(job.default_graph or []), *(job.named_graphs or [])]
    if any(not snapshot.contains_graph(g) for g in named):
        snapshot = snapshot.with_versions(named)
    store = snapshot.store
    kwargs: dict = {"base_iri": job.base_iri, "prefixes": job.prefixes, **_dataset(job)}
    try:
        text = job.query
        if plan and not snapshot.remote:
            try:
                text = planner_for(snapshot, job).rewrite(text) or text
            except (SyntaxError, ValueError, TypeError, StopIteration):
                text = job.query  # the query as written reports its own errors
        results = store.query(text, **kwargs)
        if isinstance(results, ox.QueryBoolean):
            media = job.media["boolean"]
            fmt = RESULT_MEDIA[media]
            return "ok", media, results.serialize(format={"json": ox.QueryResultsFormat.JSON,
                                                          "xml": ox.QueryResultsFormat.XML}[fmt])
        if isinstance(results, ox.QueryTriples):
            media = job.media["graph"]
            triples = []
            for t in results:
                triples.append(t)
                if len(triples) > job.max_results:
                    return _too_many(job.max_results, "triples")
            if media in GRAPH_MEDIA:
                return "ok", media, ox.serialize(triples, format=GRAPH_MEDIA[media]) or b""
            dataset = by_media(media).rdf
            assert dataset is not None
            return "ok", media, ox.serialize([ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples],
                                             format=dataset) or b""
        media = job.media["results"]
        variables = [v.value for v in results.variables]
        rows = []
        for sol in results:
            rows.append([sol[v] for v in variables])
            if len(rows) > job.max_results:
                return _too_many(job.max_results, "rows")
        return "ok", media, serialize_solutions(variables, rows, RESULT_MEDIA[media])
    except SyntaxError as e:
        return "error", 400, msg("sparql_syntax", detail=str(e))
    except (ValueError, TypeError) as e:
        return "error", 400, msg("query_error", detail=str(e))


def _too_many(limit: int, what: str) -> tuple:
    return ("error", 413, msg("too_many_results", limit=limit, what=msg(f"results_{what}")))
