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

>>> sorted(q.id for q in list_queries())
['competency', 'coverage', 'gaps', 'indicator', 'provision']
>>> check_iri("comp:c1 } DELETE")
Traceback (most recent call last):
ppikg.trace.ParameterError: not an absolute IRI: 'comp:c1 } DELETE'
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import paths
from .errors import InputError, NotFound, PpikgError
from .graph import KnowledgeGraph, plain
from .namespaces import PREFIXES

LANGS = ("es", "en")
_HEADER = re.compile(r"#\s*([A-Za-z]+)(?:@(es|en))?\s*:\s*(.*)")
_PARAM = re.compile(r"(\w+)\s*\(\s*IRI\s*(,\s*optional\s*)?\)\s*(?:es:\s*(.*?)\s*\|\s*en:\s*(.*))?$")
#: RFC 3987 absolute IRI, roughly: a scheme, a colon, then no space and none of <>"{}|\^`.
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+")


class ParameterError(InputError):
    """A parameter is missing, unknown or not an absolute IRI."""


class UnknownQuery(NotFound):
    """No canned query has this id."""


def queries_dir() -> Path:
    """The folder of canned queries: ``queries/`` in the checkout (or PPIKG_HOME)."""
    return paths.PROJECT_ROOT / "queries"


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
            p = _PARAM.match(value)
            if not p:
                raise PpikgError(f"{path}: bad parameter line {line!r}")
            params.append(Param(p.group(1), not p.group(2), {"es": p.group(3) or "", "en": p.group(4) or ""}))
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


def list_queries(folder: Path | None = None) -> list[CannedQuery]:
    """Every canned query, by file name."""
    return [parse_query_file(f) for f in sorted((folder or queries_dir()).glob("*.rq"))]


def get_query(query_id: str, folder: Path | None = None) -> CannedQuery:
    for q in list_queries(folder):
        if q.id == query_id:
            return q
    raise UnknownQuery(f"no canned query {query_id!r}")


def check_iri(value: str) -> str:
    """``value`` if it is an absolute IRI, else ParameterError (the value is never put into query text)."""
    if not isinstance(value, str) or not _IRI.fullmatch(value):
        raise ParameterError(f"not an absolute IRI: {value!r}")
    try:
        ox.NamedNode(value)
    except ValueError as e:
        raise ParameterError(f"not an absolute IRI: {value!r} ({e})") from None
    return value


def bindings(query: CannedQuery, params: dict[str, str | None]) -> dict[ox.Variable, ox.NamedNode]:
    """The substitutions for ``params``: every required one present, none unknown, each an absolute IRI."""
    known = {p.name: p for p in query.params}
    unknown = sorted(set(params) - set(known))
    if unknown:
        expected = ", ".join(known) or "none"
        raise ParameterError(f"query {query.id!r} has no parameter {', '.join(unknown)} (parameters: {expected})")
    out: dict[ox.Variable, ox.NamedNode] = {}
    for name, p in known.items():
        value = params.get(name)
        if value is None or value == "":
            if p.required:
                raise ParameterError(f"query {query.id!r} needs the parameter {name!r} (an IRI)")
            continue
        out[ox.Variable(name)] = ox.NamedNode(check_iri(value))
    return out


def _execute(kg: KnowledgeGraph, sparql: str, subs: dict[ox.Variable, ox.NamedNode]) -> ox.QuerySolutions:
    try:
        return kg.store.query(sparql, use_default_graph_as_union=True, substitutions=subs,
                              prefixes={p: str(ns) for p, ns in PREFIXES.items()})
    except SyntaxError as e:
        raise InputError(f"SPARQL syntax error: {e}") from e


def run(kg: KnowledgeGraph, query_id: str, **params: str | None) -> ox.QuerySolutions:
    """Run canned query ``query_id`` on ``kg`` (asserted + inferred triples) with IRI parameters."""
    query = get_query(query_id)
    return _execute(kg, query.sparql, bindings(query, params))


def run_rows(kg: KnowledgeGraph, query_id: str, **params: str | None) -> tuple[list[str], list[dict[str, str | None]]]:
    """Like :func:`run`, as variable names and rows of plain values."""
    result = run(kg, query_id, **params)
    names = [v.value for v in result.variables]
    return names, [{n: plain(sol[n]) for n in names} for sol in result]


def answer(source, query_id: str, params: dict[str, str | None], media: str) -> bytes:
    """Canned query ``query_id`` with ``params``, its results serialized as ``media`` (a results media type of
    ppikg.media): what /queries/ID answers, run in a query worker over one state."""
    from .media import by_media

    return run(source, query_id, **params).serialize(format=by_media(media).results)


def answer_about(source, query_id: str, param: str, iri: str, cls: str | None, media: str, name: str) -> bytes:
    """:func:`answer` for the one IRI ``iri`` bound to ``param``; NotFound unless ``iri`` is in the store (and
    an instance of ``cls`` when given): what the REST views /api/… answer."""
    try:
        known = exists(source, iri, cls)
    except InputError as e:
        raise InputError(f"{name}: {e}") from None
    if not known:
        raise NotFound(f"no {param} {iri} in the store")
    return answer(source, query_id, {param: iri}, media)


def exists(kg: KnowledgeGraph, iri: str, cls: str | None = None) -> bool:
    """Whether ``iri`` is in the store (as subject or object), and an instance of ``cls`` when given."""
    node = ox.NamedNode(check_iri(iri))
    if cls is not None:
        return bool(kg.store.query(f"ASK {{ ?x a <{ox.NamedNode(cls).value}> }}", use_default_graph_as_union=True,
                                   substitutions={ox.Variable("x"): node}))
    return bool(kg.store.query("ASK { { ?x ?p ?o } UNION { ?s ?p ?x } }", use_default_graph_as_union=True,
                               substitutions={ox.Variable("x"): node}))


# --- coverage matrix ---------------------------------------------------------------------------------------


@dataclass
class CoverageMatrix:
    """Competencies (rows) × proposals (columns): how many indicators of the proposal cover the competency."""

    competencies: list[dict[str, str]]  # iri, notation, label_es, label_en
    proposals: list[dict[str, str]]  # iri, title
    counts: list[list[int]]  # counts[i][j]: competency i, proposal j

    def to_json(self) -> dict[str, object]:
        return {"competencies": self.competencies, "proposals": self.proposals, "counts": self.counts}

    def to_csv(self) -> str:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\r\n")
        w.writerow(["competency", "notation", "label_es", "label_en", *(p["iri"] for p in self.proposals)])
        for c, row in zip(self.competencies, self.counts):
            w.writerow([c["iri"], c["notation"], c["label_es"], c["label_en"], *row])
        return out.getvalue()


def coverage_matrix(kg: KnowledgeGraph) -> CoverageMatrix:
    """The coverage matrix from the canned query ``coverage`` (every competency × every proposal)."""
    _, rows = run_rows(kg, "coverage")
    comps: dict[str, dict[str, str]] = {}
    props: dict[str, dict[str, str]] = {}
    cell: dict[tuple[str, str], int] = {}
    for r in rows:
        c, p = r["competency"] or "", r["proposal"] or ""
        comps.setdefault(c, {"iri": c, "notation": r["notation"] or "", "label_es": r["label_es"] or c,
                             "label_en": r["label_en"] or r["label_es"] or c})
        props.setdefault(p, {"iri": p, "title": r["proposal_title"] or p.rstrip("/").rsplit("/", 1)[-1]})
        cell[(c, p)] = int(r["indicators"] or 0)

    def order(c: dict[str, str]) -> tuple:
        n = c["notation"]
        return (0, int(n), c["iri"]) if n.isdigit() else (1, 0, n or c["iri"])

    competencies = sorted(comps.values(), key=order)
    proposals = sorted(props.values(), key=lambda p: p["iri"])
    counts = [[cell.get((c["iri"], p["iri"]), 0) for p in proposals] for c in competencies]
    return CoverageMatrix(competencies, proposals, counts)


_TEXT = {
    "es": {"title": "Cobertura de las competencias del Acuerdo 449 por propuesta",
           "desc": "Mapa de calor: una fila por competencia, una columna por propuesta; el número y el color dicen "
                   "cuántos indicadores de la propuesta cubren la competencia. 0 es una brecha.",
           "cell": "{comp} en «{prop}»: {n} indicador(es)", "legend": "indicadores", "gap": "brecha",
           "none": "No hay propuestas cargadas."},
    "en": {"title": "Coverage of the Acuerdo 449 competencies by proposal",
           "desc": "Heat-map: one row per competency, one column per proposal; the number and colour say how many "
                   "indicators of the proposal cover the competency. 0 is a gap.",
           "cell": "{comp} in “{prop}”: {n} indicator(s)", "legend": "indicators", "gap": "gap",
           "none": "No proposals loaded."},
}
_GAP = "#f4c7c3"
_SCALE = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]


def _colour(n: int, top: int) -> str:
    if n <= 0:
        return _GAP
    if top <= 1:
        return _SCALE[-1]
    return _SCALE[min(len(_SCALE) - 1, round((n - 1) * (len(_SCALE) - 1) / (top - 1)))]


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def heatmap_svg(matrix: CoverageMatrix, lang: str = "es") -> str:
    """A self-contained SVG heat-map of ``matrix``: labels, a legend, a <title> for the chart and every cell.

    >>> m = CoverageMatrix([{"iri": "c1", "notation": "1", "label_es": "Competencia 1", "label_en": "Competency 1"}],
    ...                    [{"iri": "p", "title": "P"}], [[0]])
    >>> svg = heatmap_svg(m, "en"); svg.startswith("<svg") and "Competency 1 in “P”: 0 indicator(s)" in svg
    True
    """
    if lang not in _TEXT:
        raise InputError(f"unknown language {lang!r}: use es or en")
    t = _TEXT[lang]
    esc = lambda s: html.escape(str(s), quote=True)  # noqa: E731
    cell_w, cell_h, left, top_margin = 96, 34, 260, 150
    cols, rows = len(matrix.proposals), len(matrix.competencies)
    top = max((n for row in matrix.counts for n in row), default=0)
    # Room for the last column's label, which is rotated up and to the right (~0.8 of its length in x).
    width = left + max(cols, 1) * cell_w + 40 + 200
    legend_y = top_margin + rows * cell_h + 24
    height = legend_y + 60
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="hm-title hm-desc" font-family="sans-serif" font-size="13" lang="{lang}">',
        f'<title id="hm-title">{esc(t["title"])}</title>',
        f'<desc id="hm-desc">{esc(t["desc"])}</desc>',
        f'<text x="10" y="24" font-size="16" font-weight="bold">{esc(t["title"])}</text>',
    ]
    if not cols:
        out.append(f'<text x="10" y="{top_margin}">{esc(t["none"])}</text>')
    for j, p in enumerate(matrix.proposals):
        x = left + j * cell_w + cell_w / 2
        out.append(f'<g><title>{esc(p["title"])} — {esc(p["iri"])}</title>'
                   f'<text x="{x}" y="{top_margin - 8}" transform="rotate(-35 {x} {top_margin - 8})">'
                   f'{esc(_short(p["title"], 28))}</text></g>')
    for i, c in enumerate(matrix.competencies):
        y = top_margin + i * cell_h
        label = c[f"label_{lang}"]
        out.append(f'<g><title>{esc(label)} — {esc(c["iri"])}</title>'
                   f'<text x="{left - 8}" y="{y + cell_h / 2 + 4}" text-anchor="end">{esc(_short(label, 36))}</text></g>')
        for j, p in enumerate(matrix.proposals):
            n = matrix.counts[i][j]
            x = left + j * cell_w
            ink = "#ffffff" if n > 0 and _colour(n, top) in _SCALE[3:] else "#111111"
            out.append(
                f'<g><title>{esc(t["cell"].format(comp=label, prop=p["title"], n=n))}</title>'
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{_colour(n, top)}"/>'
                f'<text x="{x + cell_w / 2}" y="{y + cell_h / 2 + 4}" text-anchor="middle" fill="{ink}">{n}</text></g>'
            )
    # Legend: the gap colour, then the scale from 1 to the largest count.
    steps = [(0, _GAP, f"0 ({t['gap']})")]
    if top >= 1:
        values = sorted({1, top, *(round(1 + k * (top - 1) / (len(_SCALE) - 1)) for k in range(len(_SCALE)))})
        steps += [(v, _colour(v, top), str(v)) for v in values]
    out.append(f'<g><title>{esc(t["legend"])}</title><text x="10" y="{legend_y + 14}">{esc(t["legend"])}:</text>')
    x = 110
    for _, colour, text in steps:
        out.append(f'<rect x="{x}" y="{legend_y}" width="18" height="18" fill="{colour}" stroke="#999"/>'
                   f'<text x="{x + 24}" y="{legend_y + 14}">{esc(text)}</text>')
        x += 24 + 8 * len(text) + 24  # swatch, label (~8 px a character at 13 px), gap
    width = max(width, x + 10)
    out[0] = out[0].replace(f'width="{left + max(cols, 1) * cell_w + 240}"', f'width="{width}"', 1) \
        .replace(f'viewBox="0 0 {left + max(cols, 1) * cell_w + 240} ', f'viewBox="0 0 {width} ', 1)
    out.append("</g></svg>")
    return "\n".join(out)
