"""The template spec, ``data/templates/columns.csv``: its sheets and columns, and the IRIs a proposal's rows get.

One row per (sheet, column) with the RDF property the column fills, the kind of value, whether it is a
``;``-separated list, whether it is required, and a description in Spanish and English. The importer, the
exporter, the template writers and ``docs/template.md`` all read this one file.

Spec fields: ``property`` is a CURIE; ``^ppi:hasIndicator`` means the inverse (the cell names the subject and
the row is the object). On the ``id`` column, ``property`` is the link from the proposal to each row (empty
when another column links the row) and ``class`` is the row's ``rdf:type``. A column of kind ``class`` lists
in ``class`` the types a row may take instead. ``subject`` names another column of the same sheet whose value
is the subject of the statement instead of the row. ``refers_to`` is the sheet a ``ref`` column points into.

IRIs: the proposal is ``https://w3id.org/ppikg/propuestas/<id>``; every other row is ``<proposal IRI>/<row id>``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, DefinedNamespace

from ..errors import InputError, msg
from ..namespaces import BASE, PPI, Namespace
from .kinds import KINDS

PROPOSALS = Namespace(BASE + "propuestas/")

README_SHEET = "LEEME"
#: The workbook's hidden sheet of drop-down values (templates.py); not a table of the proposal.
LISTS_SHEET = "listas"
LIST_SEPARATOR = ";"

CURIE_PREFIXES: dict[str, Namespace | type[DefinedNamespace]] = {"ppi": PPI, "dcterms": DCTERMS, "rdfs": RDFS, "rdf": RDF}


@dataclass(frozen=True)
class Column:
    """One column of a sheet, as ``columns.csv`` describes it."""

    sheet: str
    name: str
    prop: URIRef | None
    inverse: bool
    kind: str
    is_list: bool
    required: bool
    refers_to: str
    subject: str
    classes: tuple[URIRef, ...]
    description_es: str
    description_en: str
    property_text: str  # as written in the spec, for the docs


@dataclass(frozen=True)
class Sheet:
    """One sheet of the template: the class of its rows, the proposal's link to them, its columns in order."""

    name: str
    rdf_class: URIRef
    link: URIRef | None  # proposal --link--> row
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def id_column(self) -> Column:
        return self.columns[0]

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def class_column(self) -> Column | None:
        return next((c for c in self.columns if c.kind == "class"), None)

    def row_classes(self) -> set[URIRef]:
        cc = self.class_column
        return {self.rdf_class, *(cc.classes if cc else ())}


def curie(text: str, where: str) -> URIRef:
    """The IRI of a CURIE of the spec (``ppi:…``, ``dcterms:…``, ``rdfs:…``, ``rdf:…``)."""
    prefix, _, local = text.partition(":")
    if prefix not in CURIE_PREFIXES or not local:
        raise ValueError(f"{where}: unknown property or class {text!r}")
    return CURIE_PREFIXES[prefix][local]


def curie_of(iri: URIRef) -> str:
    """The CURIE of an IRI, the inverse of :func:`curie` (``<iri>`` when no prefix fits).

    >>> curie_of(PPI.Proposal)
    'ppi:Proposal'
    """
    for p, ns in CURIE_PREFIXES.items():
        if str(iri).startswith(str(ns)):
            return f"{p}:{str(iri)[len(str(ns)):]}"
    return f"<{iri}>"


def _yes(text: str, where: str) -> bool:
    t = text.strip().lower()
    if t in ("sí", "si", "yes", "true"):
        return True
    if t in ("no", "false", ""):
        return False
    raise ValueError(f"{where}: expected sí/no, got {text!r}")


def load_spec(path: Path) -> tuple[Sheet, ...]:
    """The sheets of the template, in order, each with its columns in order, read from ``columns.csv``
    (a project's :attr:`~ppikg.config.Project.spec_file`)."""
    return _load_spec(Path(path))


@lru_cache(maxsize=4)
def _load_spec(path: Path) -> tuple[Sheet, ...]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    by_sheet: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_sheet.setdefault(r["sheet"], []).append(r)
    sheets = []
    for name, crows in by_sheet.items():
        cols = []
        for i, r in enumerate(crows):
            where = f"{path.name}: sheet {name!r}, column {r['column']!r}"
            kind = r["kind"]
            if kind not in KINDS:
                raise ValueError(f"{where}: unknown kind {kind!r}")
            if (i == 0) != (kind == "id") or (i == 0 and r["column"] != "id"):
                raise ValueError(f"{where}: the first column of a sheet, and only it, is 'id' of kind id")
            ptext = r["property"].strip()
            inverse = ptext.startswith("^")
            prop = curie(ptext.lstrip("^"), where) if ptext else None
            if prop is None and kind != "id":
                raise ValueError(f"{where}: no property")
            classes = tuple(curie(c, where) for c in r["class"].split())
            if kind in ("id", "class") and not classes:
                raise ValueError(f"{where}: kind {kind} needs a class")
            cols.append(Column(name, r["column"], prop, inverse, kind, _yes(r["list"], where),
                               _yes(r["required"], where), r["refers_to"].strip(), r["subject"].strip(),
                               classes, r["description_es"].strip(), r["description_en"].strip(), ptext))
        sheets.append(Sheet(name, cols[0].classes[0], cols[0].prop, tuple(cols)))
    names = {s.name for s in sheets}
    if not sheets or sheets[0].name != "propuesta" or sheets[0].link is not None:
        raise ValueError(f"{path.name}: the first sheet must be 'propuesta', with no link property")
    for s in sheets:
        seen = set()
        for c in s.columns:
            if c.name in seen:
                raise ValueError(f"{path.name}: sheet {s.name!r}: column {c.name!r} twice")
            seen.add(c.name)
            if (c.kind == "ref") != bool(c.refers_to) or (c.refers_to and c.refers_to not in names):
                raise ValueError(f"{path.name}: sheet {s.name!r}, column {c.name!r}: bad refers_to")
            if c.subject and (s.column(c.subject) is None or c.subject == c.name or c.inverse):
                raise ValueError(f"{path.name}: sheet {s.name!r}, column {c.name!r}: bad subject")
    return tuple(sheets)


def proposal_iri(graph: Graph) -> URIRef:
    """The one ``ppi:Proposal`` in ``graph``; InputError when there is none or more than one."""
    found = sorted({s for s in graph.subjects(RDF.type, PPI.Proposal)}, key=str)
    if len(found) != 1:
        if not found:
            raise InputError(msg("no_proposal"))
        raise InputError(msg("many_proposals", n=len(found), iris=", ".join(map(str, found[:5]))))
    if not isinstance(found[0], URIRef):
        raise InputError(msg("blank_proposal"))
    return found[0]
