"""The coverage matrix (competencies × proposals, from the canned query ``coverage``) and its SVG heat-map.

>>> m = CoverageMatrix([{"iri": "c1", "notation": "1", "label_es": "Competencia 1", "label_en": "Competency 1"}],
...                    [{"iri": "p", "title": "P"}], [[0]])
>>> m.to_csv().splitlines()[1]
'c1,1,Competencia 1,Competency 1,0'
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass

from .config import Project
from .i18n import check_lang, words
from .sparql.canned import get_query, run_rows


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


def coverage_matrix(kg, project: Project) -> CoverageMatrix:
    """The coverage matrix from the canned query ``coverage`` of ``project`` (every competency × every
    proposal) over ``kg`` (a snapshot, or anything with a ``store``)."""
    _, rows = run_rows(kg, get_query(project, "coverage"))
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
    t = words("heatmap", check_lang(lang))
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
