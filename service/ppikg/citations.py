"""The citations the Lineamientos make (``eli:cites``): which provision cites which law and article, as a table
grouped by cited law and as a clickable SVG graph (provisions on the left, cited laws and articles on the right).

>>> c = Citations([Citation("p1", "Primero", 1, "a1", "Ley, artículo 1", "l", "Ley")])
>>> [(law, [(item, [p for p, _ in provisions]) for item, _, provisions in items]) for law, _, items in c.by_law()]
[('l', [('a1', ['p1'])])]
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass

from .coverage import esc, lines, text_lines
from .describe import local_href
from .i18n import check_lang, words

#: Every citation, with the law each cited item belongs to (the top of its ``eli:is_part_of`` chain).
_CITATIONS = """
SELECT ?provision (SAMPLE(?pl) AS ?provision_label) (SAMPLE(?seq) AS ?sequence) ?cited (SAMPLE(?cl) AS ?cited_label)
       ?law (SAMPLE(?ll) AS ?law_label) WHERE {
  ?provision eli:cites ?cited .
  ?cited eli:is_part_of* ?law . FILTER NOT EXISTS { ?law eli:is_part_of ?whole }
  OPTIONAL { ?provision rdfs:label ?pl FILTER(langMatches(lang(?pl), "%(lang)s")) }
  OPTIONAL { ?provision ppi:sequence ?seq }
  OPTIONAL { ?cited rdfs:label ?cl FILTER(langMatches(lang(?cl), "%(lang)s")) }
  OPTIONAL { ?law rdfs:label ?ll FILTER(langMatches(lang(?ll), "%(lang)s")) }
} GROUP BY ?provision ?cited ?law
"""


@dataclass(frozen=True)
class Citation:
    provision: str
    provision_label: str
    sequence: int  # the provision's place in the text
    cited: str
    cited_label: str
    law: str
    law_label: str


def natural(key: str) -> list:
    """A sort key that reads the numbers in ``key`` as numbers (``articulo_9`` before ``articulo_10``)."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", key)]


@dataclass
class Citations:
    items: list[Citation]

    def provisions(self) -> list[tuple[str, str]]:
        """The citing provisions in the order of the text: (IRI, label)."""
        seen = {c.provision: (c.sequence, c.provision_label) for c in self.items}
        return [(p, label) for p, (_, label) in sorted(seen.items(), key=lambda kv: (kv[1][0], natural(kv[0])))]

    def by_law(self) -> list[tuple[str, str, list[tuple[str, str, list[tuple[str, str]]]]]]:
        """(law, label, [(cited item, label, [(citing provision, label)])]), laws by label, items in their order."""
        laws: dict[str, tuple[str, dict[str, tuple[str, dict[str, tuple[int, str]]]]]] = {}
        for c in self.items:
            law = laws.setdefault(c.law, (c.law_label, {}))
            item = law[1].setdefault(c.cited, (c.cited_label, {}))
            item[1][c.provision] = (c.sequence, c.provision_label)
        return [(law, label, [(item, ilabel, [(p, pl) for p, (_, pl) in sorted(ps.items(), key=lambda kv: kv[1][0])])
                              for item, (ilabel, ps) in sorted(items.items(), key=lambda kv: natural(kv[0]))])
                for law, (label, items) in sorted(laws.items(), key=lambda kv: (kv[1][0].casefold(), kv[0]))]

    def to_json(self) -> dict[str, object]:
        return {"citations": [asdict(c) for c in self.items],
                "laws": [{"law": law, "label": label,
                          "cited": [{"iri": i, "label": il, "cited_by": [{"iri": p, "label": pl} for p, pl in ps]}
                                    for i, il, ps in items]} for law, label, items in self.by_law()]}

    def to_csv(self) -> str:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\r\n")
        w.writerow(["law", "law_label", "cited", "cited_label", "provision", "provision_label"])
        for law, label, items in self.by_law():
            for item, ilabel, provisions in items:
                for p, pl in provisions:
                    w.writerow([law, label, item, ilabel, p, pl])
        return out.getvalue()


def citations(kg, lang: str = "es") -> Citations:
    """Every ``eli:cites`` of the store over ``kg`` (a snapshot or a KnowledgeGraph), labels in ``lang``."""
    _, rows = kg.query_rows(_CITATIONS % {"lang": check_lang(lang)})
    tail = lambda iri: iri.rstrip("/").rsplit("/", 1)[-1]  # noqa: E731
    return Citations(sorted(
        (Citation(r["provision"] or "", r["provision_label"] or tail(r["provision"] or ""),
                  int(r["sequence"]) if (r["sequence"] or "").isdigit() else 0, r["cited"] or "",
                  r["cited_label"] or tail(r["cited"] or ""), r["law"] or "", r["law_label"] or tail(r["law"] or ""))
         for r in rows), key=lambda c: (c.sequence, natural(c.provision), natural(c.cited))))


def graph_svg(c: Citations, lang: str = "es", base: str = "") -> str:
    """The citations as a layered SVG graph: citing provisions (left) joined by a line to each law or article
    they cite (right, grouped under their law); every node links to its page (``base``: the server, for a file).

    >>> svg = graph_svg(Citations([Citation("https://w3id.org/ppikg/p", "Primero", 1, "https://w3id.org/ppikg/a",
    ...                                     "Ley, artículo 1", "https://w3id.org/ppikg/l", "Ley")]), "en")
    >>> svg.count('class="node') == 3 and 'href="/p?lang=en"' in svg
    True
    """
    t = words("citations", check_lang(lang))
    row, left_w, gap, right_x0 = 22, 250, 220, 0
    right_x0 = 10 + left_w + gap
    provisions, laws = c.provisions(), c.by_law()
    right: list[tuple[str, str, str, float]] = []  # kind, iri, label, y
    y = 70.0
    for law, label, items in laws:
        right.append(("law", law, label, y))
        y += row
        for item, ilabel, _ in items:
            if item != law:  # under its law's name, the item without it: "artículo 3"
                right.append(("cited", item, ilabel[len(label) + 2:] if ilabel.startswith(label + ", ") else ilabel, y))
                y += row
        y += row / 2
    left_y = {p: 70.0 + i * row for i, (p, _) in enumerate(provisions)}
    right_y = {iri: yy for kind, iri, _, yy in right}
    height = int(max(y, 70 + len(provisions) * row) + 20)
    width = right_x0 + 380
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" id="citations-svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="cg-title cg-desc" font-family="sans-serif" '
           f'font-size="12" lang="{lang}">',
           f'<title id="cg-title">{esc(t["graph_title"])}</title><desc id="cg-desc">{esc(t["graph_desc"])}</desc>',
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
           f'<text x="10" y="24" font-size="16" font-weight="bold">{esc(t["graph_title"])}</text>',
           f'<text x="10" y="52" font-weight="bold">{esc(t["provisions"])}</text>',
           f'<text x="{right_x0}" y="52" font-weight="bold">{esc(t["cited"])}</text>', '<g class="edges">']
    for cit in c.items:
        y1, y2 = left_y[cit.provision], right_y[cit.cited]
        out.append(f'<path d="M{10 + left_w} {y1} C{10 + left_w + gap / 2} {y1} {right_x0 - gap / 2} {y2} {right_x0} {y2}" '
                   f'fill="none" stroke="#6baed6" stroke-width="1.2"><title>{esc(cit.provision_label)} → '
                   f'{esc(cit.cited_label)}</title></path>')
    out.append("</g>")

    def node(kind: str, iri: str, label: str, x: float, yy: float, w: float, anchor: str) -> str:
        fill = {"provision": "#deebf7", "law": "#fdd0a2", "cited": "#fff5eb"}[kind]
        tx = x + 6 if anchor == "start" else x + w - 6
        return (f'<a href="{esc(base.rstrip("/") + local_href(iri, known=False))}?lang={lang}" class="node {kind}" data-iri="{esc(iri)}">'
                f'<title>{esc(label)} — {esc(iri)}</title>'
                f'<rect x="{x}" y="{yy - row / 2 + 2}" width="{w}" height="{row - 4}" rx="4" fill="{fill}" stroke="#999"/>'
                + text_lines(tx, yy + 4, lines(label, int(w / (7.4 if kind == "law" else 6.6)), 1), 0, text_anchor=anchor,
                             font_weight="bold" if kind == "law" else "normal") + "</a>")

    for p, label in provisions:
        out.append(node("provision", p, label, 10, left_y[p], left_w, "end"))
    for kind, iri, label, yy in right:
        indent = 0 if kind == "law" else 16
        out.append(node(kind, iri, label, right_x0 + indent, yy, 360 - indent, "start"))
    out.append("</svg>")
    return "\n".join(out)
