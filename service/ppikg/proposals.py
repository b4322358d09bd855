"""Proposals from the spreadsheet people fill in (the Anexo A format, Transitorio Cuarto), and back.

Everything about the sheets and their columns lives in one data file, ``data/templates/columns.csv``:
one row per (sheet, column) with the RDF property the column fills, the kind of value, whether it is a
``;``-separated list, whether it is required, and a description in Spanish and English. The importer,
the template writers and ``docs/template.md`` all read that file; this module only knows the *kinds*.

Spec fields: ``property`` is a CURIE; ``^ppi:hasIndicator`` means the inverse (the cell names the
subject and the row is the object). On the ``id`` column, ``property`` is the link from the proposal to
each row (empty when another column links the row) and ``class`` is the row's ``rdf:type``. A column of
kind ``class`` lists in ``class`` the types a row may take instead. ``subject`` names another column of
the same sheet whose value is the subject of the statement instead of the row. ``refers_to`` is the sheet
a ``ref`` column points into.

IRIs: the proposal is ``https://w3id.org/ppikg/propuestas/<id>``; every other row is
``<proposal IRI>/<row id>``.

Regenerate the templates and the documentation with ``python -m ppikg.proposals --write-templates``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import io
import json
import re
import sys
import warnings
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from . import paths
from .errors import InputError
from .namespaces import ASPECTS, AUTHORITIES, BASE, COMPETENCIES, LIN, PPI, SUBSYSTEMS

PROPOSALS = Namespace(BASE + "propuestas/")

TEMPLATES_DIR = paths.DATA_DIR / "templates"
SPEC_FILE = TEMPLATES_DIR / "columns.csv"
EXAMPLE_FILE = paths.DATA_DIR / "examples" / "propuesta-ejemplo-dgb.ttl"
DOCS_FILE = paths.PROJECT_ROOT / "docs" / "template.md"

#: Limits against huge or hostile files.
MAX_ROWS = 20_000  # data rows per sheet
MAX_BYTES = 20 * 1024 * 1024  # per file (xlsx, CSV directory in total, RDF)
MAX_COLUMNS = 200  # columns per sheet, header included

README_SHEET = "LEEME"
LIST_SEPARATOR = ";"

_CURIE_PREFIXES = {"ppi": PPI, "dcterms": DCTERMS, "rdfs": RDFS, "rdf": RDF}
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INT_RE = re.compile(r"^[+-]?\d+$")
_DEC_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_TRUE = {"sí", "si", "s", "true", "verdadero", "yes", "y", "1"}
_FALSE = {"no", "n", "false", "falso", "0"}
_STATUS = {
    "pending": PPI.Pending,
    "pendiente": PPI.Pending,
    "authorised": PPI.Authorised,
    "authorized": PPI.Authorised,
    "autorizada": PPI.Authorised,
    "rejected": PPI.Rejected,
    "no autorizada": PPI.Rejected,
}
_STATUS_OUT = {PPI.Pending: "pendiente", PPI.Authorised: "autorizada", PPI.Rejected: "no autorizada"}

#: The kinds of value a column may hold: (Spanish, English) explanation, for the docs and the LEEME sheet.
KINDS: dict[str, tuple[str, str]] = {
    "id": ("clave de la fila: letras, dígitos, «-», «.» o «_»; única en toda la propuesta",
           "row key: letters, digits, “-”, “.” or “_”; unique in the whole proposal"),
    "text": ("texto en español", "text in Spanish"),
    "string": ("código o palabra clave (sin idioma)", "code or keyword (no language)"),
    "date": ("fecha AAAA-MM-DD (o celda de fecha)", "date YYYY-MM-DD (or a date cell)"),
    "decimal": ("número, con punto decimal", "number, with a decimal point"),
    "integer": ("número entero", "whole number"),
    "boolean": ("sí / no (también true / false)", "sí / no (also true / false)"),
    "ref": ("id de una fila de otra hoja de la misma propuesta", "id of a row of another sheet of the same proposal"),
    "competency": ("competencia del Acuerdo 449: c1 … c6", "Acuerdo 449 competency: c1 … c6"),
    "attribute": ("atributo del Acuerdo 449: c3/a5 o 3.5", "Acuerdo 449 attribute: c3/a5 or 3.5"),
    "aspect": ("aspecto del Lineamiento Octavo: I … VI", "Octavo aspect: I … VI"),
    "subsystem": ("clave de subsistema, p. ej. dgb, dgeti, conalep", "subsystem key, e.g. dgb, dgeti, conalep"),
    "authority": ("clave de autoridad: subsecretaria, coordinacion, instituto, secretaria",
                  "authority key: subsecretaria, coordinacion, instituto, secretaria"),
    "provision": ("disposición de los Lineamientos, p. ej. lineamiento_11/fraccion_3",
                  "provision of the Lineamientos, e.g. lineamiento_11/fraccion_3"),
    "status": ("pendiente, autorizada o no autorizada (o Pending, Authorised, Rejected)",
               "pendiente, autorizada or no autorizada (or Pending, Authorised, Rejected)"),
    "class": ("tipo de la fila (nombre local en la ontología)", "type of the row (local name in the ontology)"),
}


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a template: where (sheet, spreadsheet row with the header at 1, column) and what."""

    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.sheet is not None:
            where.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class TemplateError(InputError):
    """A filled-in template that cannot be imported; ``problems`` lists every problem found in the file.

    >>> str(TemplateError([Problem("indicadores", 5, "plazo", "not a date: '31/02/2014'")]))
    "sheet 'indicadores', row 5, column 'plazo': not a date: '31/02/2014'"
    """

    def __init__(self, problems: Sequence[Problem] | str, sheet: str | None = None,
                 row: int | None = None, column: str | None = None):
        if isinstance(problems, str):
            problems = [Problem(sheet, row, column, problems)]
        self.problems: list[Problem] = list(problems) or [Problem(None, None, None, "invalid template")]
        first = self.problems[0]
        self.sheet, self.row, self.column, self.message = first.sheet, first.row, first.column, first.message
        super().__init__(str(self))

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        return f"{len(self.problems)} problems:\n" + "\n".join(f"  {p}" for p in self.problems)


# ---------------------------------------------------------------------------------------------
# The spec
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
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


def _curie(text: str, where: str) -> URIRef:
    prefix, _, local = text.partition(":")
    if prefix not in _CURIE_PREFIXES or not local:
        raise ValueError(f"{where}: unknown property or class {text!r}")
    return _CURIE_PREFIXES[prefix][local]


def _yes(text: str, where: str) -> bool:
    t = text.strip().lower()
    if t in ("sí", "si", "yes", "true"):
        return True
    if t in ("no", "false", ""):
        return False
    raise ValueError(f"{where}: expected sí/no, got {text!r}")


def load_spec(path: Path = SPEC_FILE) -> tuple[Sheet, ...]:
    """The sheets of the template, in order, each with its columns in order, read from ``columns.csv``."""
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
            prop = _curie(ptext.lstrip("^"), where) if ptext else None
            if prop is None and kind != "id":
                raise ValueError(f"{where}: no property")
            classes = tuple(_curie(c, where) for c in r["class"].split())
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


# ---------------------------------------------------------------------------------------------
# Reference data: which keys exist
# ---------------------------------------------------------------------------------------------

_REFERENCE_KINDS = {
    # kind: (namespace, rdf:type the IRI must have, or None for "is a subject in the data")
    "competency": (COMPETENCIES, PPI.Competency),
    "attribute": (COMPETENCIES, PPI.CompetencyAttribute),
    "aspect": (ASPECTS, PPI.ProfileAspect),
    "subsystem": (SUBSYSTEMS, PPI.Subsystem),
    "authority": (AUTHORITIES, None),
    "provision": (LIN, None),
}


@lru_cache(maxsize=1)
def _known_iris() -> dict[str, frozenset[str]]:
    """For each reference kind, the IRIs the shipped data defines (parsed once with pyoxigraph)."""
    import pyoxigraph

    typed: dict[str, set[str]] = {}
    subjects: set[str] = set()
    rdf_type = RDF.type.toPython()
    for path in paths.data_files():
        with path.open("rb") as f:
            for q in pyoxigraph.parse(f, format=pyoxigraph.RdfFormat.TURTLE):
                if isinstance(q.subject, pyoxigraph.NamedNode):
                    subjects.add(q.subject.value)
                    if q.predicate.value == rdf_type and isinstance(q.object, pyoxigraph.NamedNode):
                        typed.setdefault(q.object.value, set()).add(q.subject.value)
    out = {}
    for kind, (ns, cls) in _REFERENCE_KINDS.items():
        pool = typed.get(str(cls), set()) if cls is not None else subjects
        out[kind] = frozenset(i for i in pool if i.startswith(str(ns)))
    return out


# ---------------------------------------------------------------------------------------------
# Cells → RDF terms
# ---------------------------------------------------------------------------------------------


class _Bad(Exception):
    """A cell value that does not fit its column."""


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text_of(value: Any) -> str:
    """A cell as text: numbers without a spurious '.0', dates as YYYY-MM-DD."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time() else value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value).strip()


def _canonical_decimal(d: Decimal) -> str:
    """xsd:decimal canonical form: '2.0', '2.5', '-0.25'."""
    text = format(d, "f")
    if "." not in text:
        text += ".0"
    text = text.rstrip("0")
    if text.endswith("."):
        text += "0"
    if text.startswith("-") and Decimal(text) == 0:
        text = text[1:]
    return text


def _items(value: Any, is_list: bool) -> list[Any]:
    if _is_empty(value):
        return []
    if is_list and isinstance(value, str):
        return [v.strip() for v in value.split(LIST_SEPARATOR) if v.strip()]
    return [value.strip() if isinstance(value, str) else value]


def _reference(kind: str, value: Any) -> URIRef:
    text = _text_of(value)
    if kind == "competency":
        m = re.fullmatch(r"[cC]?(\d+)", text)
        iri = COMPETENCIES[f"c{int(m.group(1))}"] if m else None
        what = "competency (c1 … c6)"
    elif kind == "attribute":
        if isinstance(value, float):
            raise _Bad(f"attribute written as a number ({value!r}); write it as text, e.g. c3/a5")
        m = re.fullmatch(r"[cC]?(\d+)\s*(?:/\s*[aA]|\.)\s*(\d+)", text)
        iri = COMPETENCIES[f"c{int(m.group(1))}/a{int(m.group(2))}"] if m else None
        what = "Acuerdo 449 attribute (c3/a5 or 3.5)"
    elif kind == "aspect":
        iri = ASPECTS[text.upper()] if re.fullmatch(r"[IVXivx]+", text) else None
        what = "Octavo aspect (I … VI)"
    elif kind == "subsystem":
        iri = SUBSYSTEMS[text.lower()] if _ID_RE.match(text) else None
        what = "subsystem key"
    elif kind == "authority":
        iri = AUTHORITIES[text.lower()] if _ID_RE.match(text) else None
        what = "authority key"
    else:  # provision
        local = text[len(str(LIN)):] if text.startswith(str(LIN)) else text
        iri = LIN[local] if re.fullmatch(r"[a-z0-9_]+(/[a-z0-9_]+)*", local) else None
        what = "provision of the Lineamientos (e.g. lineamiento_11/fraccion_3)"
    if iri is None or str(iri) not in _known_iris()[kind]:
        raise _Bad(f"unknown {what}: {text!r}")
    return iri


def _term(col: Column, value: Any, ids: dict[str, str], prefix: str) -> URIRef | Literal:
    """The RDF term for one item of a cell (not the id column)."""
    kind = col.kind
    if kind == "text":
        return Literal(_text_of(value), lang="es")
    if kind == "string":
        return Literal(_text_of(value))
    if kind == "date":
        if isinstance(value, _dt.datetime):
            return Literal(value.date().isoformat(), datatype=XSD.date)
        if isinstance(value, _dt.date):
            return Literal(value.isoformat(), datatype=XSD.date)
        text = _text_of(value)
        try:
            if not _DATE_RE.match(text):
                raise ValueError
            _dt.date.fromisoformat(text)
        except ValueError:
            raise _Bad(f"not a date: {text!r}") from None
        return Literal(text, datatype=XSD.date)
    if kind == "decimal":
        if isinstance(value, bool):
            raise _Bad(f"not a number: {value!r}")
        text = _text_of(value)
        try:
            if isinstance(value, (int, float, Decimal)):
                d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
                if not d.is_finite():
                    raise InvalidOperation
            elif not _DEC_RE.match(text):
                raise InvalidOperation
            else:
                d = Decimal(text)
        except InvalidOperation:
            raise _Bad(f"not a number: {text!r}") from None
        return Literal(_canonical_decimal(d), datatype=XSD.decimal)
    if kind == "integer":
        if isinstance(value, bool):
            raise _Bad(f"not a whole number: {value!r}")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = _text_of(value)
        if not _INT_RE.match(text):
            raise _Bad(f"not a whole number: {text!r}")
        return Literal(str(int(text)), datatype=XSD.integer)
    if kind == "boolean":
        if isinstance(value, bool):
            return Literal("true" if value else "false", datatype=XSD.boolean)
        text = _text_of(value).lower()
        if text in _TRUE:
            return Literal("true", datatype=XSD.boolean)
        if text in _FALSE:
            return Literal("false", datatype=XSD.boolean)
        raise _Bad(f"not sí/no: {_text_of(value)!r}")
    if kind == "ref":
        text = _text_of(value)
        sheet = ids.get(text)
        if sheet is None:
            raise _Bad(f"no row has id {text!r}")
        if sheet != col.refers_to:
            raise _Bad(f"{text!r} is a row of sheet {sheet!r}, not of {col.refers_to!r}")
        return URIRef(prefix + text)
    if kind == "status":
        text = " ".join(_text_of(value).lower().split())
        if text not in _STATUS:
            raise _Bad(f"unknown status {_text_of(value)!r} (pendiente, autorizada, no autorizada)")
        return _STATUS[text]
    if kind == "class":
        text = _text_of(value)
        local = text.split(":", 1)[1] if text.startswith("ppi:") else text
        for c in col.classes:
            if str(c) == str(PPI) + local:
                return c
        allowed = ", ".join(str(c)[len(str(PPI)):] for c in col.classes)
        raise _Bad(f"unknown type {text!r} (one of: {allowed})")
    return _reference(kind, value)


# ---------------------------------------------------------------------------------------------
# Tables → graph
# ---------------------------------------------------------------------------------------------


@dataclass
class _Table:
    """One sheet as read: its header and its data rows as (spreadsheet row number, cell values)."""

    header: list[str]
    rows: list[tuple[int, list[Any]]]


def _build(tables: dict[str, _Table], problems: list[Problem]) -> Graph:
    """The proposal graph for the tables, or TemplateError listing every problem (with ``problems``)."""
    spec = load_spec()
    for name in tables:
        if name not in {s.name for s in spec}:
            problems.append(Problem(name, None, None, "unknown sheet"))
    # Where each column of each sheet is in the file.
    positions: dict[str, dict[str, int]] = {}
    for sheet in spec:
        table = tables.get(sheet.name)
        if table is None:
            problems.append(Problem(sheet.name, None, None, "missing sheet"))
            continue
        pos: dict[str, int] = {}
        for i, name in enumerate(table.header):
            if not name:
                problems.append(Problem(sheet.name, 1, None, f"column {i + 1} has no name"))
            elif sheet.column(name) is None:
                problems.append(Problem(sheet.name, 1, name, "unknown column"))
            elif name in pos:
                problems.append(Problem(sheet.name, 1, name, "column appears twice"))
            else:
                pos[name] = i
        for col in sheet.columns:
            if col.name not in pos and col.required:
                problems.append(Problem(sheet.name, 1, col.name, "missing required column"))
        positions[sheet.name] = pos

    def cell(sheet: Sheet, values: list[Any], name: str) -> Any:
        i = positions[sheet.name].get(name)
        return values[i] if i is not None and i < len(values) else None

    # Pass 1: the ids.
    ids: dict[str, str] = {}
    proposal_id = None
    for sheet in spec:
        if sheet.name not in positions or "id" not in positions[sheet.name]:
            continue
        n = 0
        for rownum, values in tables[sheet.name].rows:
            raw = cell(sheet, values, "id")
            if _is_empty(raw):
                continue  # reported in pass 2
            n += 1
            rid = _text_of(raw)
            if not _ID_RE.match(rid):
                problems.append(Problem(sheet.name, rownum, "id", f"not a valid id: {rid!r}"
                                        " (letters, digits, '-', '.', '_')"))
            elif rid in ids:
                problems.append(Problem(sheet.name, rownum, "id", f"id {rid!r} already used in sheet {ids[rid]!r}"))
            else:
                ids[rid] = sheet.name
                if sheet.name == "propuesta":
                    proposal_id = rid
        if sheet.name == "propuesta" and n != 1:
            problems.append(Problem(sheet.name, None, None, f"needs exactly one proposal row, found {n}"))
    if proposal_id is None:
        raise TemplateError(problems or [Problem("propuesta", None, "id", "no proposal id")])

    proposal = PROPOSALS[proposal_id]
    prefix = str(proposal) + "/"
    g = Graph()
    # Pass 2: every cell.
    for sheet in spec:
        if sheet.name not in positions:
            continue
        for rownum, values in tables[sheet.name].rows:
            rid = cell(sheet, values, "id")
            if _is_empty(rid):
                problems.append(Problem(sheet.name, rownum, "id", "empty required cell"))
                continue
            rid = _text_of(rid)
            if ids.get(rid) != sheet.name:
                continue  # bad or duplicate id, already reported
            subject = proposal if sheet.name == "propuesta" else URIRef(prefix + rid)
            if sheet.link is not None:
                g.add((proposal, sheet.link, subject))
            terms: dict[str, list] = {}
            for col in sheet.columns[1:]:
                items = _items(cell(sheet, values, col.name), col.is_list)
                if not items:
                    if col.required and col.name in positions[sheet.name]:  # a missing column is reported once
                        problems.append(Problem(sheet.name, rownum, col.name, "empty required cell"))
                    terms[col.name] = []
                    continue
                out = []
                for item in items:
                    try:
                        out.append(_term(col, item, ids, prefix))
                    except _Bad as e:
                        problems.append(Problem(sheet.name, rownum, col.name, str(e)))
                terms[col.name] = out
            cc = sheet.class_column
            for cls in (terms.get(cc.name) if cc else None) or [sheet.rdf_class]:
                g.add((subject, RDF.type, cls))
            for col in sheet.columns[1:]:
                if col.kind == "class":
                    continue
                for term in terms[col.name]:
                    if col.inverse:
                        g.add((term, col.prop, subject))
                    elif col.subject:
                        subjects = terms.get(col.subject) or []
                        if not subjects and _is_empty(cell(sheet, values, col.subject)):
                            problems.append(Problem(sheet.name, rownum, col.name,
                                                    f"needs a value in column {col.subject!r}"))
                        for s in subjects:
                            g.add((s, col.prop, term))
                    else:
                        g.add((subject, col.prop, term))
    if problems:
        raise TemplateError(problems)
    return g


# ---------------------------------------------------------------------------------------------
# Readers
# ---------------------------------------------------------------------------------------------


def _check_size(path: Path, size: int) -> None:
    if size > MAX_BYTES:
        raise TemplateError([Problem(None, None, None,
                                     f"{path.name}: file too large ({size} bytes; the limit is {MAX_BYTES})")])


def _header(values: Iterable[Any]) -> list[str]:
    header = [_text_of(v).lower() if not _is_empty(v) else "" for v in values]
    while header and not header[-1]:
        header.pop()
    return header


def _read_rows(sheet: str, rows: Iterator[Sequence[Any]], problems: list[Problem]) -> _Table:
    """Header and non-blank data rows, numbering rows as a spreadsheet does (header = 1)."""
    header: list[str] | None = None
    data: list[tuple[int, list[Any]]] = []
    for rownum, values in enumerate(rows, start=1):
        if rownum > MAX_ROWS + 1:
            raise TemplateError(problems + [Problem(sheet, rownum, None,
                                                    f"too many rows (the limit is {MAX_ROWS} per sheet)")])
        if header is None:
            header = _header(values)
            if len(header) > MAX_COLUMNS:
                problems.append(Problem(sheet, 1, None, f"too many columns (limit {MAX_COLUMNS})"))
                header = header[:MAX_COLUMNS]
            continue
        values = list(values)
        if all(_is_empty(v) for v in values):
            continue
        extra = [i for i, v in enumerate(values) if i >= len(header) and not _is_empty(v)]
        if extra:
            problems.append(Problem(sheet, rownum, None, f"a value in column {extra[0] + 1}, which has no header"))
        data.append((rownum, values[: len(header)]))
    return _Table(header or [], data)


def _import_tables(read) -> Graph:
    problems: list[Problem] = []
    tables = read(problems)
    return _build(tables, problems)


def import_workbook(path: Path) -> Graph:
    """The proposal in a filled-in ``.xlsx`` template (one sheet per spec sheet; ``LEEME`` is skipped)."""
    path = Path(path)
    try:
        _check_size(path, path.stat().st_size)
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}") from None
    return _import_tables(lambda problems: _read_workbook(path, problems))


def _read_workbook(path: Path, problems: list[Problem]) -> dict[str, _Table]:
    import zipfile

    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise InputError(f"{path.name}: not a readable .xlsx workbook ({e})") from None
    try:
        tables = {}
        for ws in wb.worksheets:
            if ws.title == README_SHEET:
                continue
            rows = ws.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
            tables[ws.title] = _read_rows(ws.title, rows, problems)
        return tables
    finally:
        wb.close()


def import_csv_dir(path: Path) -> Graph:
    """The proposal in a directory holding one ``<sheet>.csv`` (UTF-8, header on the first line) per sheet."""
    path = Path(path)
    if not path.is_dir():
        raise InputError(f"{path} is not a directory")
    files = sorted(path.glob("*.csv"))
    _check_size(path, sum(f.stat().st_size for f in files))
    return _import_tables(lambda problems: _read_csv_dir(files, problems))


def _read_csv_dir(files: list[Path], problems: list[Problem]) -> dict[str, _Table]:
    tables = {}
    for f in files:
        sheet = f.stem
        try:
            with f.open(encoding="utf-8-sig", newline="") as fh:
                tables[sheet] = _read_rows(sheet, iter(csv.reader(fh)), problems)
        except UnicodeDecodeError:
            problems.append(Problem(sheet, None, None, f"{f.name} is not UTF-8"))
            tables[sheet] = _Table([], [])
        except csv.Error as e:
            problems.append(Problem(sheet, None, None, f"{f.name}: not valid CSV ({e})"))
            tables[sheet] = _Table([], [])
    return tables


def _reject_remote_contexts(node: Any, where: str = "$") -> None:
    """Only inline JSON-LD contexts: a context given by URL (or @import) would be fetched, so refuse it."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                for ctx in value if isinstance(value, list) else [value]:
                    if isinstance(ctx, str):
                        raise InputError(f"JSON-LD remote context {ctx!r} at {where} is not accepted:"
                                         " inline the context (nothing is fetched from the network)")
                    if isinstance(ctx, dict) and "@import" in ctx:
                        raise InputError(f"JSON-LD @import in the context at {where} is not accepted:"
                                         " inline the context")
            _reject_remote_contexts(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            _reject_remote_contexts(item, f"{where}[{i}]")


def _import_rdf(path: Path, fmt: str) -> Graph:
    try:
        size = path.stat().st_size
        _check_size(path, size)
        data = path.read_bytes().decode("utf-8")
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path.name} is not UTF-8") from None
    if fmt == "json-ld":
        try:
            doc = json.loads(data)
        except json.JSONDecodeError as e:
            raise InputError(f"{path.name}: not JSON: {e}") from None
        _reject_remote_contexts(doc)
    g = Graph()
    try:
        with warnings.catch_warnings():  # rdflib's JSON-LD parser warns about its own use of ConjunctiveGraph
            warnings.simplefilter("ignore", DeprecationWarning)
            g.parse(data=data, format=fmt, publicID=str(PROPOSALS))
    except Exception as e:  # rdflib raises many types for malformed input
        raise InputError(f"{path.name}: not valid {fmt}: {e}") from None
    return g


def import_proposal(path: Path) -> Graph:
    """A proposal from a file: ``.xlsx`` template, directory of CSV files, ``.ttl`` or ``.jsonld``.

    RDF written directly against the ontology is accepted as is, provided it holds exactly one
    ``ppi:Proposal``; JSON-LD must carry its context inline (no URL is ever fetched).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_dir():
        g = import_csv_dir(path)
    elif suffix == ".xlsx":
        g = import_workbook(path)
    elif suffix == ".ttl":
        g = _import_rdf(path, "turtle")
    elif suffix in (".jsonld", ".json-ld"):
        g = _import_rdf(path, "json-ld")
    elif suffix == ".csv":
        raise InputError(f"{path.name}: a CSV proposal is a directory with one <sheet>.csv per sheet;"
                         " give the directory")
    elif not path.exists():
        raise InputError(f"{path}: no such file or directory")
    else:
        raise InputError(f"{path.name}: unsupported proposal format (use .xlsx, a directory of .csv, .ttl or .jsonld)")
    proposal_iri(g)
    return g


def proposal_iri(graph: Graph) -> URIRef:
    """The one ``ppi:Proposal`` in ``graph``; InputError when there is none or more than one."""
    found = sorted({s for s in graph.subjects(RDF.type, PPI.Proposal)}, key=str)
    if len(found) != 1:
        what = "no ppi:Proposal" if not found else f"{len(found)} ppi:Proposal ({', '.join(map(str, found[:5]))})"
        raise InputError(f"expected exactly one proposal, found {what}")
    if not isinstance(found[0], URIRef):
        raise InputError("the proposal must be named by an IRI, not a blank node")
    return found[0]


# ---------------------------------------------------------------------------------------------
# Graph → tables (the exporter, inverse of the importer)
# ---------------------------------------------------------------------------------------------


def _natural(text: str) -> list:
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", text) if p]


def _cell_item(col: Column, term: Any, prefix: str, row_sheets: dict[str, str]) -> Any | None:
    """The cell value for a term, or None when the term is not something this column can hold."""
    kind = col.kind
    if isinstance(term, Literal):
        if kind == "text":
            return str(term) if term.language == "es" and term.datatype is None else None
        if kind == "string":
            return str(term) if term.language is None and term.datatype is None else None
        if kind == "date":
            return _dt.date.fromisoformat(str(term)) if term.datatype == XSD.date and _DATE_RE.match(str(term)) else None
        if kind == "decimal":
            return Decimal(str(term)) if term.datatype == XSD.decimal and _DEC_RE.match(str(term)) else None
        if kind == "integer":
            return int(str(term)) if term.datatype == XSD.integer and _INT_RE.match(str(term)) else None
        if kind == "boolean":
            if term.datatype == XSD.boolean and str(term) in ("true", "false"):
                return "sí" if str(term) == "true" else "no"
        return None
    if not isinstance(term, URIRef):
        return None
    text = str(term)
    if kind == "ref":
        rid = text[len(prefix):] if text.startswith(prefix) else None
        return rid if rid and row_sheets.get(rid) == col.refers_to else None
    if kind == "status":
        return _STATUS_OUT.get(term)
    if kind == "class":
        return text[len(str(PPI)):] if term in col.classes else None
    if kind in _REFERENCE_KINDS:
        ns = str(_REFERENCE_KINDS[kind][0])
        if not text.startswith(ns):
            return None
        return text[len(ns):] if text in _known_iris()[kind] else None
    return None


def _export_tables(graph: Graph) -> dict[str, list[list[Any]]]:
    """The template rows (typed cell values) for the one proposal in ``graph``.

    Raises InputError when the proposal says something the template cannot hold, so that
    importing the result always gives back the same statements.
    """
    spec = load_spec()
    proposal = proposal_iri(graph)
    if not str(proposal).startswith(str(PROPOSALS)) or not _ID_RE.match(str(proposal)[len(str(PROPOSALS)):]):
        raise InputError(f"the proposal IRI must be {PROPOSALS}<id>, not {proposal}")
    prefix = str(proposal) + "/"
    # Which resources are rows of which sheet.
    row_sheets: dict[str, str] = {}
    rows_of: dict[str, list[URIRef]] = {}
    for sheet in spec:
        if sheet.name == "propuesta":
            rows_of[sheet.name] = [proposal]
            continue
        found = set()
        for cls in sheet.row_classes():
            found.update(s for s in graph.subjects(RDF.type, cls) if isinstance(s, URIRef) and str(s).startswith(prefix))
        rows_of[sheet.name] = sorted(found, key=lambda s: _natural(str(s)[len(prefix):]))
        for s in found:
            rid = str(s)[len(prefix):]
            if rid in row_sheets:
                raise InputError(f"{s} is a row of both {row_sheets[rid]!r} and {sheet.name!r}")
            if not _ID_RE.match(rid):
                raise InputError(f"{s}: {rid!r} is not a valid row id")
            row_sheets[rid] = sheet.name
    row_sheets[str(proposal)[len(str(PROPOSALS)):]] = "propuesta"

    tables: dict[str, list[list[Any]]] = {}
    for sheet in spec:
        out_rows = []
        for subject in rows_of[sheet.name]:
            rid = str(subject)[len(prefix):] if sheet.name != "propuesta" else str(subject)[len(str(PROPOSALS)):]
            cells: list[Any] = [rid]
            for col in sheet.columns[1:]:
                if col.kind == "class":
                    types = [t for t in graph.objects(subject, RDF.type) if t in col.classes]
                    terms = [t for t in types if t != sheet.rdf_class] if len(types) == 1 else types
                elif col.inverse:
                    terms = list(graph.subjects(col.prop, subject))
                elif col.subject:
                    subj_col = sheet.column(col.subject)
                    subjects = [o for o in graph.objects(subject, subj_col.prop)
                                if _cell_item(subj_col, o, prefix, row_sheets) is not None]
                    terms = [o for s in subjects for o in graph.objects(s, col.prop)]
                else:
                    terms = list(graph.objects(subject, col.prop))
                items = [i for i in (_cell_item(col, t, prefix, row_sheets) for t in terms) if i is not None]
                items = sorted(set(items), key=lambda v: _natural(str(v)))
                if not items:
                    cells.append(None)
                elif col.is_list:
                    bad = [i for i in items if LIST_SEPARATOR in str(i)]
                    if bad:
                        raise InputError(f"{subject}: a value of {col.property_text} contains "
                                         f"{LIST_SEPARATOR!r} and cannot go in a list cell: {bad[0]!r}")
                    cells.append(f"{LIST_SEPARATOR} ".join(map(str, items)) if len(items) > 1 else items[0])
                elif len(items) > 1:
                    raise InputError(f"{subject}: {len(items)} values of {col.property_text} "
                                     f"but column {sheet.name}.{col.name} holds one")
                else:
                    cells.append(items[0])
            out_rows.append(cells)
        tables[sheet.name] = out_rows

    # The round trip must be exact: what the tables say is what the graph says about the proposal.
    back = _build(_typed_tables(spec, tables), [])
    mine = Graph()
    subject_props = {c.prop for s in spec for c in s.columns if c.subject}
    back_subjects = set(back.subjects())
    for t in graph:
        s = str(t[0])
        if s == str(proposal) or s.startswith(prefix) or (t[1] in subject_props and t[0] in back_subjects):
            mine.add(t)
    missing = [t for t in mine if t not in back]
    extra = [t for t in back if t not in mine]
    if missing or extra:
        lines = [f"  not representable: {' '.join(x.n3() for x in t)}" for t in missing[:10]]
        lines += [f"  missing from the graph: {' '.join(x.n3() for x in t)}" for t in extra[:10]]
        raise InputError("the proposal does not fit the template exactly:\n" + "\n".join(lines))
    return tables


def _typed_tables(spec: Sequence[Sheet], rows: dict[str, list[list[Any]]]) -> dict[str, _Table]:
    return {s.name: _Table([c.name for c in s.columns], [(i + 2, r) for i, r in enumerate(rows.get(s.name, []))])
            for s in spec}


# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return _canonical_decimal(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def _yes_no(flag: bool) -> str:
    return "sí" if flag else "no"


def _doc_rows() -> list[list[str]]:
    rows = []
    for sheet in load_spec():
        for c in sheet.columns:
            rows.append([sheet.name, c.name, c.kind + (f" → {c.refers_to}" if c.refers_to else ""),
                         _yes_no(c.is_list), _yes_no(c.required), c.property_text or "—",
                         c.description_es, c.description_en])
    return rows


_DOC_HEADER = ["hoja / sheet", "columna / column", "tipo / kind", "lista / list", "obligatoria / required",
               "propiedad / property", "descripción", "description"]


def write_template(path: Path, graph: Graph | None = None) -> Path:
    """Write the ``.xlsx`` template: a ``LEEME`` sheet documenting every column, then one sheet per spec sheet.

    With ``graph`` (one proposal) the sheets are filled in with it; importing the file gives it back.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    spec = load_spec()
    tables = _export_tables(graph) if graph is not None else {s.name: [] for s in spec}
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    wb = Workbook()
    readme = wb.active
    readme.title = README_SHEET
    intro = [
        ["Plantilla de propuesta de parámetros e indicadores (Lineamientos 2013, Anexo A). "
         "Llene una hoja por tabla; la primera fila de cada hoja es el encabezado. "
         "Las listas se separan con «;». Las fechas, AAAA-MM-DD."],
        ["Template for a proposal of parameters and indicators (Lineamientos 2013, Anexo A). "
         "Fill in one sheet per table; the first row of each sheet is the header. "
         "Lists are separated by “;”. Dates, YYYY-MM-DD."],
        [],
    ]
    for r in intro:
        readme.append(r)
    readme.append(_DOC_HEADER)
    for c in readme[len(intro) + 1]:
        c.font, c.fill = bold, fill
    for r in _doc_rows():
        readme.append(r)
    readme.append([])
    readme.append(["tipo / kind", "descripción", "description"])
    for c in readme[readme.max_row]:
        c.font, c.fill = bold, fill
    for kind, (es, en) in KINDS.items():
        readme.append([kind, es, en])
    for i, width in enumerate([20, 28, 22, 12, 14, 36, 70, 70], start=1):
        readme.column_dimensions[get_column_letter(i)].width = width
    for row in readme.iter_rows(min_row=len(intro) + 2):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")

    for sheet in spec:
        ws = wb.create_sheet(sheet.name)
        ws.append([c.name for c in sheet.columns])
        for c in ws[1]:
            c.font, c.fill = bold, fill
        ws.freeze_panes = "A2"
        for values in tables[sheet.name]:
            ws.append(values)
        for i, col in enumerate(sheet.columns, start=1):
            letter = get_column_letter(i)
            longest = max([len(col.name)] + [len(_csv_text(r[i - 1])) for r in tables[sheet.name]])
            ws.column_dimensions[letter].width = min(max(longest + 2, 12), 60)
            # Text columns are formatted as text, so that Excel keeps what is typed (3.10 stays 3.10).
            fmt = {"date": "yyyy-mm-dd", "decimal": "0.0##", "integer": "0"}.get(col.kind, "@")
            ws.column_dimensions[letter].number_format = fmt
            for cell in ws[letter][1:]:
                cell.number_format = fmt
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_csv_template(directory: Path, graph: Graph | None = None) -> Path:
    """Write one ``<sheet>.csv`` per spec sheet into ``directory`` (created if needed), empty or filled in."""
    spec = load_spec()
    tables = _export_tables(graph) if graph is not None else {s.name: [] for s in spec}
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.csv"):
        if old.stem not in tables:
            old.unlink()
    for sheet in spec:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([c.name for c in sheet.columns])
        for values in tables[sheet.name]:
            w.writerow([_csv_text(v) for v in values])
        (directory / f"{sheet.name}.csv").write_text(buf.getvalue(), encoding="utf-8")
    return directory


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


@lru_cache(maxsize=1)
def _class_labels() -> dict[URIRef, tuple[str, str]]:
    g = Graph()
    g.parse(paths.ONTOLOGY_DIR / "ppi.ttl")
    out: dict[URIRef, tuple[str, str]] = {}
    for s in set(g.subjects(RDFS.label, None)):
        labels = {lab.language: str(lab) for lab in g.objects(s, RDFS.label) if isinstance(lab, Literal)}
        out[s] = (labels.get("es", ""), labels.get("en", ""))
    return out


def _curie_of(iri: URIRef) -> str:
    for p, ns in _CURIE_PREFIXES.items():
        if str(iri).startswith(str(ns)):
            return f"{p}:{str(iri)[len(str(ns)):]}"
    return f"<{iri}>"


def render_docs() -> str:
    """``docs/template.md``: the template sheet by sheet, column by column, in Spanish and English."""
    labels = _class_labels()
    lines = [
        "# Plantilla de propuesta / Proposal template",
        "",
        "<!-- Generated from data/templates/columns.csv by `python -m ppikg.proposals --write-templates`."
        " Do not edit by hand. -->",
        "",
        "Las propuestas de parámetros e indicadores (Lineamientos 2013, Transitorio Cuarto y Anexo A) se "
        "entregan como libro `.xlsx` (una hoja por tabla, más la hoja `LEEME`) o como carpeta con un archivo "
        "`<hoja>.csv` (UTF-8) por hoja. La primera fila de cada hoja es el encabezado; las columnas pueden ir "
        "en cualquier orden y las opcionales pueden omitirse. Las listas se separan con `;`. Las plantillas "
        "vacías están en `data/templates/propuesta-ppi.xlsx` y `data/templates/propuesta-ppi/`; el ejemplo "
        "lleno, en `data/templates/propuesta-ejemplo-dgb.xlsx` y `data/templates/propuesta-ejemplo-dgb/`.",
        "",
        "Proposals of parameters and indicators (Lineamientos 2013, Transitorio Cuarto and Anexo A) are "
        "submitted as an `.xlsx` workbook (one sheet per table, plus the `LEEME` sheet) or as a folder with "
        "one `<sheet>.csv` file (UTF-8) per sheet. The first row of each sheet is the header; columns may come "
        "in any order and optional ones may be left out. Lists are separated by `;`. The empty templates are "
        "`data/templates/propuesta-ppi.xlsx` and `data/templates/propuesta-ppi/`; the filled-in example, "
        "`data/templates/propuesta-ejemplo-dgb.xlsx` and `data/templates/propuesta-ejemplo-dgb/`.",
        "",
        f"IRIs: la propuesta es `{PROPOSALS}<id>`; cada fila de otra hoja es `<IRI de la propuesta>/<id>`. / "
        f"The proposal is `{PROPOSALS}<id>`; each row of another sheet is `<proposal IRI>/<id>`.",
        "",
        "Propiedad / property: en la columna `id`, la propiedad con la que la propuesta enlaza cada fila "
        "(vacía si otra columna la enlaza); `^p` indica que la celda nombra el sujeto y la fila es el objeto "
        "(p. ej. `indicadores.parametro`: `<parámetro> ppi:hasIndicator <indicador>`). / On the `id` column, "
        "the property by which the proposal links each row (empty when another column links it); `^p` means "
        "the cell names the subject and the row is the object (e.g. `indicadores.parametro`: "
        "`<parameter> ppi:hasIndicator <indicator>`).",
        "",
        f"Límites / limits: {MAX_ROWS} filas por hoja / rows per sheet; {MAX_BYTES // (1024 * 1024)} MB por archivo / per file.",
        "",
        "## Tipos de valor / Value kinds",
        "",
        "| tipo / kind | descripción | description |",
        "|---|---|---|",
    ]
    lines += [f"| `{k}` | {_md(es)} | {_md(en)} |" for k, (es, en) in KINDS.items()]
    for sheet in load_spec():
        es, en = labels.get(sheet.rdf_class, ("", ""))
        lines += ["", f"## `{sheet.name}`", ""]
        lines.append(f"Cada fila es un(a) *{es}* / each row is a(n) *{en}* (`{_curie_of(sheet.rdf_class)}`).")
        if sheet.link is not None:
            lines.append(f"La propuesta la enlaza con / the proposal links it with `{_curie_of(sheet.link)}`.")
        lines += [
            "",
            "| columna / column | tipo / kind | lista / list | obligatoria / required | propiedad / property "
            "| descripción | description |",
            "|---|---|---|---|---|---|---|",
        ]
        for c in sheet.columns:
            kind = f"`{c.kind}`" + (f" → `{c.refers_to}`" if c.refers_to else "")
            if c.kind == "class":
                kind += " (" + ", ".join(f"`{str(x)[len(str(PPI)):]}`" for x in c.classes) + ")"
            prop = f"`{c.property_text}`" if c.property_text else "—"
            if c.subject:
                prop += f" (de / of `{c.subject}`)"
            lines.append(f"| `{c.name}` | {kind} | {_yes_no(c.is_list)} | {_yes_no(c.required)} | {prop} "
                         f"| {_md(c.description_es)} | {_md(c.description_en)} |")
    return "\n".join(lines) + "\n"


def example_graph() -> Graph:
    """The example proposal shipped in ``data/examples``."""
    g = Graph()
    g.parse(EXAMPLE_FILE, format="turtle")
    return g


def _cell_values(path: Path) -> dict[str, list[tuple]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


def _write_template_if_changed(path: Path, graph: Graph | None) -> Path:
    """Like write_template, but leave the file alone when no cell value would change (xlsx bytes carry a
    timestamp, so rewriting would always show a diff). Delete the file to force a rewrite after a style change."""
    tmp = path.with_name(path.name + ".tmp.xlsx")
    try:
        write_template(tmp, graph)
        if not path.exists() or _cell_values(path) != _cell_values(tmp):
            tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_all(templates_dir: Path = TEMPLATES_DIR, docs_file: Path = DOCS_FILE) -> list[Path]:
    """Regenerate the empty and the example templates (xlsx and CSV) and ``docs/template.md``."""
    example = example_graph()
    written = [
        _write_template_if_changed(templates_dir / "propuesta-ppi.xlsx", None),
        write_csv_template(templates_dir / "propuesta-ppi"),
        _write_template_if_changed(templates_dir / "propuesta-ejemplo-dgb.xlsx", example),
        write_csv_template(templates_dir / "propuesta-ejemplo-dgb", example),
    ]
    docs_file.parent.mkdir(parents=True, exist_ok=True)
    docs_file.write_text(render_docs(), encoding="utf-8")
    written.append(docs_file)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ppikg.proposals", description=__doc__.splitlines()[0])
    parser.add_argument("--write-templates", action="store_true",
                        help="regenerate data/templates/*.xlsx, the CSV folders and docs/template.md")
    args = parser.parse_args(argv)
    if not args.write_templates:
        parser.print_help()
        return 2
    for p in write_all():
        print(p.relative_to(paths.PROJECT_ROOT) if p.is_relative_to(paths.PROJECT_ROOT) else p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
