"""The coverage matrix (competencies × proposals, from the canned query ``coverage``), its SVG and PNG heat-map,
and the indicators behind each of its cells.

Rows are labelled by each competency's statement (``skos:prefLabel``, from Acuerdo 449), columns by each
proposal's filer, subsystems and current version; every cell links to the indicators it counts.

>>> m = CoverageMatrix([{"iri": "c1", "notation": "1", "label_es": "Competencia 1", "label_en": "Competency 1",
...                      "statement": "Organiza"}], [{"iri": "p", "title": "P"}], [[0]])
>>> m.to_csv().splitlines()[1]
'c1,1,Competencia 1,Competency 1,Organiza,0'
"""

from __future__ import annotations

import csv
import html
import io
import textwrap
from dataclasses import dataclass
from urllib.parse import urlencode

from .config import Project
from .errors import NotFound, msg
from .i18n import check_lang, words
from .sparql.canned import check_iri, get_query, run_rows

#: Where a cell of the heat-map leads: the indicators of one proposal covering one competency.
CELL_PATH = "/coverage/indicators"

_PROPOSAL_LABELS = """
SELECT ?p (SAMPLE(?code) AS ?filer_code) (SAMPLE(?les) AS ?filer_es) (SAMPLE(?len) AS ?filer_en)
       (GROUP_CONCAT(DISTINCT ?short; SEPARATOR=", ") AS ?subsystems) (MAX(?n) AS ?version) WHERE {
  ?p a ppi:Proposal .
  OPTIONAL { ?p ppi:proposedBy ?a . OPTIONAL { ?a skos:notation ?code }
             OPTIONAL { ?a rdfs:label ?les FILTER(langMatches(lang(?les), "es")) }
             OPTIONAL { ?a rdfs:label ?len FILTER(langMatches(lang(?len), "en")) } }
  OPTIONAL { ?p ppi:forSubsystem ?s . OPTIONAL { ?s ppi:acronym ?acr }
             OPTIONAL { ?s rdfs:label ?sl FILTER(langMatches(lang(?sl), "es")) }
             BIND(COALESCE(?acr, ?sl, STR(?s)) AS ?short) }
  OPTIONAL { ?p ppi:currentVersion ?v . ?v ppi:versionNumber ?n }
} GROUP BY ?p
"""


@dataclass
class CoverageMatrix:
    """Competencies (rows) × proposals (columns): how many indicators of the proposal cover the competency."""

    competencies: list[dict[str, str]]  # iri, notation, label_es, label_en, statement
    proposals: list[dict[str, str]]  # iri, title, filer_es, filer_en, subsystems, version
    counts: list[list[int]]  # counts[i][j]: competency i, proposal j

    def to_json(self) -> dict[str, object]:
        return {"competencies": self.competencies, "proposals": self.proposals, "counts": self.counts}

    def to_csv(self) -> str:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\r\n")
        w.writerow(["competency", "notation", "label_es", "label_en", "statement", *(p["iri"] for p in self.proposals)])
        for c, row in zip(self.competencies, self.counts):
            w.writerow([c["iri"], c["notation"], c["label_es"], c["label_en"], c.get("statement", ""), *row])
        return out.getvalue()


def coverage_matrix(kg, project: Project) -> CoverageMatrix:
    """The coverage matrix from the canned query ``coverage`` of ``project`` (every competency × every
    proposal) over ``kg`` (a snapshot, or anything with a ``store``), each proposal with what tells it apart."""
    _, rows = run_rows(kg, get_query(project, "coverage"))
    comps: dict[str, dict[str, str]] = {}
    props: dict[str, dict[str, str]] = {}
    cell: dict[tuple[str, str], int] = {}
    for r in rows:
        c, p = r["competency"] or "", r["proposal"] or ""
        comps.setdefault(c, {"iri": c, "notation": r["notation"] or "", "label_es": r["label_es"] or c,
                             "label_en": r["label_en"] or r["label_es"] or c, "statement": r["statement"] or ""})
        props.setdefault(p, {"iri": p, "title": r["proposal_title"] or p.rstrip("/").rsplit("/", 1)[-1]})
        cell[(c, p)] = int(r["indicators"] or 0)
    if props:
        for r in kg.query_rows(_PROPOSAL_LABELS)[1]:
            if (p := r["p"] or "") in props:
                code = r["filer_code"]
                props[p] |= {"filer_es": code or r["filer_es"] or "", "filer_en": code or r["filer_en"] or r["filer_es"] or "",
                             "subsystems": r["subsystems"] or "", "version": r["version"] or ""}

    def order(c: dict[str, str]) -> tuple:
        n = c["notation"]
        return (0, int(n), c["iri"]) if n.isdigit() else (1, 0, n or c["iri"])

    competencies = sorted(comps.values(), key=order)
    proposals = sorted(props.values(), key=lambda p: p["iri"])
    counts = [[cell.get((c["iri"], p["iri"]), 0) for p in proposals] for c in competencies]
    return CoverageMatrix(competencies, proposals, counts)


def proposal_label(p: dict[str, str], lang: str) -> str:
    """What tells a proposal apart in a column: its filer, subsystems and current version (else its title).

    >>> proposal_label({"iri": "x", "title": "T", "filer_es": "MX-JAL", "subsystems": "Subsistemas estatales",
    ...                 "version": "2"}, "es")
    'MX-JAL · Subsistemas estatales · versión 2'
    """
    parts = [p.get(f"filer_{lang}", ""), p.get("subsystems", "")]
    if p.get("version"):
        parts.append(f"{words('heatmap', lang)['version']} {p['version']}")
    parts = [x for x in parts if x]
    return " · ".join(parts) if parts else p["title"]


def column_head(p: dict[str, str], lang: str) -> list[str]:
    """A column's heading, line by line: the filer (two lines at most), the subsystems, the version.

    >>> column_head({"iri": "x", "title": "T", "filer_es": "MX-JAL", "subsystems": "DGB", "version": "2"}, "es")
    ['MX-JAL', 'DGB', 'versión 2']
    """
    if not p.get(f"filer_{lang}") and not p.get("subsystems"):
        return lines(p["title"], 18, 4)
    head = lines(p.get(f"filer_{lang}", ""), 18, 2) + lines(p.get("subsystems", ""), 18, 2)
    if p.get("version"):
        head.append(f"{words('heatmap', lang)['version']} {p['version']}")
    return [h for h in head if h]


def competency_label(c: dict[str, str], lang: str) -> str:
    """A row's label: the competency's number and statement (Acuerdo 449), else its label."""
    return f"{c['notation']}. {c['statement']}" if c.get("statement") else c[f"label_{lang}"]


def cell_href(proposal: str, competency: str, lang: str, base: str = "") -> str:
    """The page of the indicators of ``proposal`` covering ``competency`` (``base``: the server, for a file)."""
    return f"{base.rstrip('/')}{CELL_PATH}?{urlencode({'proposal': proposal, 'competency': competency, 'lang': lang})}"


_GAP = "#f4c7c3"
_SCALE = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]


def _colour(n: int, top: int) -> str:
    if n <= 0:
        return _GAP
    if top <= 1:
        return _SCALE[-1]
    return _SCALE[min(len(_SCALE) - 1, round((n - 1) * (len(_SCALE) - 1) / (top - 1)))]


def lines(text: str, width: int, most: int) -> list[str]:
    """``text`` wrapped at ``width`` characters, at most ``most`` lines (the last cut with an ellipsis).

    >>> lines("Ejerce el liderazgo del plantel", 12, 2)
    ['Ejerce el', 'liderazgo…']
    """
    out = textwrap.wrap(text, width) or [""]
    if len(out) > most:
        out = out[:most]
        out[-1] = out[-1][: width - 1] + "…"
    return out


def esc(s: object) -> str:
    return html.escape(str(s), quote=True)


def text_lines(x: float, y: float, rows: list[str], step: int, **attrs: str) -> str:
    """An SVG ``<text>`` of several lines (``<tspan>`` each), the first at ``y``."""
    extra = "".join(f' {k.replace("_", "-")}="{esc(v)}"' for k, v in attrs.items())
    spans = "".join(f'<tspan x="{x}" dy="{0 if i == 0 else step}">{esc(r)}</tspan>' for i, r in enumerate(rows))
    return f'<text x="{x}" y="{y}"{extra}>{spans}</text>'


def heatmap_svg(matrix: CoverageMatrix, lang: str = "es", base: str = "") -> str:
    """A self-contained SVG heat-map of ``matrix``: labels, a legend, a <title> for the chart and every cell,
    each cell a link to the indicators it counts (``base``: the server's URL, for a file saved elsewhere).

    >>> m = CoverageMatrix([{"iri": "c1", "notation": "1", "label_es": "Competencia 1", "label_en": "Competency 1"}],
    ...                    [{"iri": "p", "title": "P"}], [[0]])
    >>> svg = heatmap_svg(m, "en"); svg.startswith("<svg") and "Competency 1 in “P”: 0 indicator(s)" in svg
    True
    """
    t = words("heatmap", check_lang(lang))
    cell_w, cell_h, left, top_margin = 124, 54, 340, 110
    cols, rows = len(matrix.proposals), len(matrix.competencies)
    top = max((n for row in matrix.counts for n in row), default=0)
    legend_y = top_margin + rows * cell_h + 24
    width, height = max(left + max(cols, 1) * cell_w + 20, 640), legend_y + 44
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="coverage-svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="hm-title hm-desc" font-family="sans-serif" '
        f'font-size="13" lang="{lang}">',
        f'<title id="hm-title">{esc(t["title"])}</title>',
        f'<desc id="hm-desc">{esc(t["desc"])}</desc>',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="10" y="24" font-size="16" font-weight="bold">{esc(t["title"])}</text>',
    ]
    if not cols:
        out.append(f'<text x="10" y="{top_margin}">{esc(t["none"])}</text>')
    labels = [proposal_label(p, lang) for p in matrix.proposals]
    for j, p in enumerate(matrix.proposals):
        x = left + j * cell_w + cell_w / 2
        head = column_head(p, lang)
        out.append(f'<g class="proposal"><title>{esc(labels[j])} — {esc(p["title"])} — {esc(p["iri"])}</title>'
                   + text_lines(x, top_margin - 8 - 15 * (len(head) - 1), head, 15, text_anchor="middle",
                                font_size="12") + '</g>')
    for i, c in enumerate(matrix.competencies):
        y = top_margin + i * cell_h
        label = competency_label(c, lang)
        row = lines(label, 46, 3)
        out.append(f'<g class="competency"><title>{esc(label)} — {esc(c["iri"])}</title>'
                   + text_lines(left - 8, y + cell_h / 2 + 4 - 7 * (len(row) - 1), row, 14, text_anchor="end",
                                font_size="12") + '</g>')
        for j, p in enumerate(matrix.proposals):
            n = matrix.counts[i][j]
            x = left + j * cell_w
            ink = "#ffffff" if n > 0 and _colour(n, top) in _SCALE[3:] else "#111111"
            out.append(
                f'<a href="{esc(cell_href(p["iri"], c["iri"], lang, base))}" class="cell" '
                f'data-proposal="{esc(p["iri"])}" data-competency="{esc(c["iri"])}">'
                f'<title>{esc(t["cell"].format(comp=label, prop=labels[j], n=n))}</title>'
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{_colour(n, top)}"/>'
                f'<text x="{x + cell_w / 2}" y="{y + cell_h / 2 + 5}" text-anchor="middle" fill="{ink}" '
                f'font-size="15">{n}</text></a>'
            )
    # Legend: the gap colour, then the scale from 1 to the largest count.
    steps = [(_GAP, f"0 ({t['gap']})")]
    if top >= 1:
        values = sorted({1, top, *(round(1 + k * (top - 1) / (len(_SCALE) - 1)) for k in range(len(_SCALE)))})
        steps += [(_colour(v, top), str(v)) for v in values]
    out.append(f'<g class="legend"><title>{esc(t["legend"])}</title><text x="10" y="{legend_y + 14}">{esc(t["legend"])}:</text>')
    x = 110
    for colour, text in steps:
        out.append(f'<rect x="{x}" y="{legend_y}" width="18" height="18" fill="{colour}" stroke="#999"/>'
                   f'<text x="{x + 24}" y="{legend_y + 14}">{esc(text)}</text>')
        x += 24 + 8 * len(text) + 24  # swatch, label (~8 px a character at 13 px), gap
    out.append("</g></svg>")
    return "\n".join(out)


def svg_png(svg: str) -> bytes:
    """An SVG picture as PNG (resvg, with the system's fonts), on white."""
    import resvg_py

    return bytes(resvg_py.svg_to_bytes(svg_string=svg, background="#ffffff"))


def covering_indicators(kg, project: Project, proposal: str, competency: str) -> dict[str, object]:
    """The indicators of ``proposal`` that cover ``competency`` (a cell of the matrix), with their statement,
    parameter and whether through an attribute or the parameter's Octavo aspect; NotFound for a proposal or a
    competency the store does not hold, InputError for a value that is not an absolute IRI."""
    proposal, competency = check_iri(proposal), check_iri(competency)
    matrix = coverage_matrix(kg, project)
    comp = next((c for c in matrix.competencies if c["iri"] == competency), None)
    prop = next((p for p in matrix.proposals if p["iri"] == proposal), None)
    if comp is None:
        raise NotFound(msg("not_in_store", thing=msg("thing_competency"), iri=f"<{competency}>"))
    if prop is None:
        raise NotFound(msg("not_in_store", thing=msg("thing_proposal"), iri=f"<{proposal}>"))

    _, rows = run_rows(kg, get_query(project, "competency"), competency=competency)
    found = [{"indicator": r["indicator"], "statement": r["statement"], "parameter": r["parameter"],
              "via_attribute": r["via_attribute"] == "true", "via_aspect": r["via_aspect"] == "true"}
             for r in rows if r["proposal"] == proposal]
    return {"proposal": prop, "competency": comp, "indicators": found}


def indicators_csv(cell: dict) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["proposal", "competency", "indicator", "statement", "parameter", "via_attribute", "via_aspect"])
    for r in cell["indicators"]:
        w.writerow([cell["proposal"]["iri"], cell["competency"]["iri"], r["indicator"], r["statement"] or "",
                    r["parameter"] or "", r["via_attribute"], r["via_aspect"]])
    return out.getvalue()
