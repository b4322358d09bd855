"""The kinds of value a template cell holds: one registry, each kind one class with its es/en explanation,
how a cell becomes an RDF term and how a term becomes a cell again.

>>> KINDS["decimal"].term("2.50", None, None)
rdflib.term.Literal('2.5', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#decimal'))
>>> KINDS["boolean"].cell(KINDS["boolean"].term("Sí", None, None), None, None)
'sí'
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from ..config import Project
from ..errors import Message, msg
from ..namespaces import ASPECTS, AUTHORITIES, COMPETENCIES, LIN, PPI, SUBSYSTEMS, Namespace
from .cells import canonical_decimal, text_of

if TYPE_CHECKING:
    from .spec import Column

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: A date as Mexicans write it: day/month/year (31/12/2014; 1/2/2014 too).
DMY_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def read_day(text: str) -> _dt.date:
    """A date written AAAA-MM-DD or dd/mm/aaaa; ValueError otherwise.

    >>> read_day("31/12/2014"), read_day("2015-01-02")
    (datetime.date(2014, 12, 31), datetime.date(2015, 1, 2))
    """
    text = text.strip()
    if (m := DMY_RE.match(text)) is not None:
        return _dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    if not DATE_RE.match(text):
        raise ValueError(text)
    return _dt.date.fromisoformat(text)


#: Day 0 of a spreadsheet's date serial numbers (1900 system, as Excel and LibreOffice write them).
SERIAL_EPOCH = _dt.date(1899, 12, 30)
INT_RE = re.compile(r"^[+-]?\d+$")
DEC_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


class BadCell(Exception):
    """A cell value that does not fit its column: ``said``, a Message in the ``errors`` table."""

    def __init__(self, said: Message) -> None:
        super().__init__(str(said))
        self.said = said


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: lru_cache keys on it
class Shipped:
    """The IRIs the shipped data describes: by ``rdf:type``, and all of them. What a reference cell may name."""

    typed: dict[str, frozenset[str]]
    subjects: frozenset[str]

    @lru_cache(maxsize=None)
    def known(self, rdf_class: URIRef | None, namespace: str) -> frozenset[str]:
        """The IRIs in ``namespace`` of type ``rdf_class`` (None: described at all)."""
        pool = self.typed.get(str(rdf_class), frozenset()) if rdf_class is not None else self.subjects
        return frozenset(i for i in pool if i.startswith(namespace))


@dataclass(frozen=True)
class Rows:
    """What a cell may name: the proposal's prefix for row IRIs and the sheet each row id is on (``ref``
    cells), and what the shipped data describes (competencies, aspects, subsystems, …)."""

    prefix: str
    sheet_of: dict[str, str]
    shipped: Shipped


#: Every kind by name, in the order the docs and the LEEME sheet list them.
KINDS: dict[str, "Kind"] = {}


class Kind:
    """A kind of cell value. Subclasses set ``name``, ``es`` and ``en`` and are registered by defining them."""

    name: ClassVar[str]
    es: ClassVar[str]  # the explanation in the docs and on the LEEME sheet
    en: ClassVar[str]
    number_format: ClassVar[str] = "@"  # the workbook column's format: text unless the kind is a number or date

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            KINDS[cls.name] = cls()

    def term(self, value: Any, col: Column | None, rows: Rows | None) -> URIRef | Literal:
        """The RDF term for one item of a cell; BadCell when the value does not fit."""
        raise NotImplementedError

    def cell(self, term: Any, col: Column | None, rows: Rows | None) -> Any | None:
        """The cell value for a term, or None when the term is not something a column of this kind holds."""
        raise NotImplementedError

    def facts(self, term: Any) -> Iterator[tuple[Any, Any, Any]]:
        """What a term of this kind says of itself, beyond the cell's statement (none for most kinds)."""
        return iter(())

    def choices(self, data: Shipped) -> list[str]:
        """What a cell of this kind may hold, for a workbook's drop-down list (empty: free text)."""
        return []


class IdKind(Kind):
    name = "id"
    es = "clave de la fila: letras, dígitos, «-», «.» o «_»; única en toda la propuesta"
    en = "row key: letters, digits, “-”, “.” or “_”; unique in the whole proposal"

    def check(self, text: str) -> str:
        if not ID_RE.match(text):
            raise BadCell(msg("cell_bad_id", value=text))
        return text

    def term(self, value, col, rows):
        return URIRef(rows.prefix + self.check(text_of(value)))

    def cell(self, term, col, rows):
        text = str(term)
        return text[len(rows.prefix):] if isinstance(term, URIRef) and text.startswith(rows.prefix) else None


class LiteralKind(Kind):
    """A kind whose terms are literals: ``literal_cell`` reads one back."""

    def cell(self, term, col, rows):
        return self.literal_cell(term) if isinstance(term, Literal) else None

    def literal_cell(self, term: Literal) -> Any | None:
        raise NotImplementedError


class TextKind(LiteralKind):
    name = "text"
    es, en = "texto en español", "text in Spanish"

    def term(self, value, col, rows):
        return Literal(text_of(value), lang="es")

    def literal_cell(self, term):
        return str(term) if term.language == "es" and term.datatype is None else None


class StringKind(LiteralKind):
    name = "string"
    es, en = "código o palabra clave (sin idioma)", "code or keyword (no language)"

    def term(self, value, col, rows):
        return Literal(text_of(value))

    def literal_cell(self, term):
        return str(term) if term.language is None and term.datatype is None else None


class DateKind(LiteralKind):
    name = "date"
    es, en = "fecha AAAA-MM-DD o dd/mm/aaaa (o celda de fecha)", "date YYYY-MM-DD or dd/mm/yyyy (or a date cell)"
    number_format = "yyyy-mm-dd"

    def term(self, value, col, rows):
        if isinstance(value, _dt.datetime):
            return Literal(value.date().isoformat(), datatype=XSD.date)
        if isinstance(value, _dt.date):
            return Literal(value.isoformat(), datatype=XSD.date)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            # A date typed in a cell of General format keeps its serial number (days since 1899-12-30).
            if value != int(value) or not 1 <= value <= 2_958_465:
                raise BadCell(msg("cell_bad_date_serial", value=value))
            return Literal((SERIAL_EPOCH + _dt.timedelta(days=int(value))).isoformat(), datatype=XSD.date)
        text = text_of(value)
        try:
            return Literal(read_day(text).isoformat(), datatype=XSD.date)
        except ValueError:
            raise BadCell(msg("cell_bad_date", value=text)) from None

    def literal_cell(self, term):
        return _dt.date.fromisoformat(str(term)) if term.datatype == XSD.date and DATE_RE.match(str(term)) else None


class DecimalKind(LiteralKind):
    name = "decimal"
    es, en = "número, con punto decimal", "number, with a decimal point"
    number_format = "0.0##"

    def term(self, value, col, rows):
        if isinstance(value, bool):
            raise BadCell(msg("cell_bad_number", value=value))
        text = text_of(value)
        try:
            if isinstance(value, (int, float, Decimal)):
                d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
                if not d.is_finite():
                    raise InvalidOperation
            elif not DEC_RE.match(text):
                raise InvalidOperation
            else:
                d = Decimal(text)
        except InvalidOperation:
            raise BadCell(msg("cell_bad_number", value=text)) from None
        return Literal(canonical_decimal(d), datatype=XSD.decimal)

    def literal_cell(self, term):
        return Decimal(str(term)) if term.datatype == XSD.decimal and DEC_RE.match(str(term)) else None


class IntegerKind(LiteralKind):
    name = "integer"
    es, en = "número entero", "whole number"
    number_format = "0"

    def term(self, value, col, rows):
        if isinstance(value, bool):
            raise BadCell(msg("cell_bad_integer", value=value))
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = text_of(value)
        if not INT_RE.match(text):
            raise BadCell(msg("cell_bad_integer", value=text))
        return Literal(str(int(text)), datatype=XSD.integer)

    def literal_cell(self, term):
        return int(str(term)) if term.datatype == XSD.integer and INT_RE.match(str(term)) else None


class BooleanKind(LiteralKind):
    name = "boolean"
    es, en = "sí / no (también true / false)", "sí / no (also true / false)"
    true = {"sí", "si", "s", "true", "verdadero", "yes", "y", "1"}
    false = {"no", "n", "false", "falso", "0"}

    def term(self, value, col, rows):
        if isinstance(value, bool):
            return Literal("true" if value else "false", datatype=XSD.boolean)
        text = text_of(value).lower()
        if text in self.true:
            return Literal("true", datatype=XSD.boolean)
        if text in self.false:
            return Literal("false", datatype=XSD.boolean)
        raise BadCell(msg("cell_bad_boolean", value=text_of(value)))

    def literal_cell(self, term):
        if term.datatype == XSD.boolean and str(term) in ("true", "false"):
            return "sí" if str(term) == "true" else "no"
        return None

    def choices(self, data):
        return ["sí", "no"]


class IriKind(Kind):
    """A kind whose terms are IRIs: ``iri_cell`` reads one back."""

    def cell(self, term, col, rows):
        return self.iri_cell(term, col, rows) if isinstance(term, URIRef) else None

    def iri_cell(self, term: URIRef, col: Column, rows: Rows) -> Any | None:
        raise NotImplementedError


class RefKind(IriKind):
    name = "ref"
    es, en = "id de una fila de otra hoja de la misma propuesta", "id of a row of another sheet of the same proposal"

    def term(self, value, col, rows):
        text = text_of(value)
        sheet = rows.sheet_of.get(text)
        if sheet is None:
            raise BadCell(msg("cell_no_such_row", value=text))
        if sheet != col.refers_to:
            raise BadCell(msg("cell_row_of_another_sheet", value=text, sheet=sheet, wanted=col.refers_to))
        return URIRef(rows.prefix + text)

    def iri_cell(self, term, col, rows):
        rid = KINDS["id"].cell(term, col, rows)
        return rid if rid and rows.sheet_of.get(rid) == col.refers_to else None


@lru_cache(maxsize=4)
def shipped(project: Project) -> Shipped:
    """What the shipped data of ``project`` describes (parsed once per project, with pyoxigraph)."""
    import pyoxigraph

    typed: dict[str, set[str]] = {}
    subjects: set[str] = set()
    rdf_type = RDF.type.toPython()
    for path in project.data_files():
        with path.open("rb") as f:
            for q in pyoxigraph.parse(f, format=pyoxigraph.RdfFormat.TURTLE):
                if isinstance(q.subject, pyoxigraph.NamedNode):
                    subjects.add(q.subject.value)
                    if q.predicate.value == rdf_type and isinstance(q.object, pyoxigraph.NamedNode):
                        typed.setdefault(q.object.value, set()).add(q.subject.value)
    return Shipped({k: frozenset(v) for k, v in typed.items()}, frozenset(subjects))


class ReferenceKind(IriKind):
    """A key of something the shipped data defines, written as the local part of its IRI in ``namespace``."""

    namespace: ClassVar[Namespace]
    rdf_class: ClassVar[URIRef | None] = None  # the type its IRIs have, or None for "described at all"
    what: ClassVar[str]  # the key, in the errors table, of what the error message calls it

    def local(self, value: Any, text: str) -> str | None:
        """The local name the cell means, or None when it is not written as this kind is: here a key, any case."""
        return text.lower() if ID_RE.match(text) else None

    def known(self, rows: Rows) -> frozenset[str]:
        """The IRIs of this kind the shipped data defines."""
        return rows.shipped.known(self.rdf_class, str(self.namespace))

    def term(self, value, col, rows):
        text = text_of(value)
        local = self.local(value, text)
        iri = self.namespace[local] if local is not None else None
        if iri is None or str(iri) not in self.known(rows):
            raise BadCell(msg("cell_unknown", what=msg(self.what), value=text))
        return iri

    def iri_cell(self, term, col, rows):
        text, ns = str(term), str(self.namespace)
        return text[len(ns):] if text.startswith(ns) and text in self.known(rows) else None

    def choices(self, data):
        ns = str(self.namespace)
        return sorted((i[len(ns):] for i in data.known(self.rdf_class, ns)), key=_natural)


def _natural(key: str) -> list:
    """c2/a10 after c2/a9; II after I."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", key)]


class CompetencyKind(ReferenceKind):
    name = "competency"
    es, en = "competencia del Acuerdo 449: c1 … c6", "Acuerdo 449 competency: c1 … c6"
    namespace, rdf_class, what = COMPETENCIES, PPI.Competency, "what_competency"

    def local(self, value, text):
        m = re.fullmatch(r"[cC]?(\d+)", text)
        return f"c{int(m.group(1))}" if m else None


class AttributeKind(ReferenceKind):
    name = "attribute"
    es, en = "atributo del Acuerdo 449: c3/a5 o 3.5", "Acuerdo 449 attribute: c3/a5 or 3.5"
    namespace, rdf_class, what = COMPETENCIES, PPI.CompetencyAttribute, "what_attribute"

    def local(self, value, text):
        if isinstance(value, float):
            raise BadCell(msg("cell_attribute_as_number", value=value))
        m = re.fullmatch(r"[cC]?(\d+)\s*(?:/\s*[aA]|\.)\s*(\d+)", text)
        return f"c{int(m.group(1))}/a{int(m.group(2))}" if m else None


class AspectKind(ReferenceKind):
    name = "aspect"
    es, en = "aspecto del Lineamiento Octavo: I … VI", "Octavo aspect: I … VI"
    namespace, rdf_class, what = ASPECTS, PPI.ProfileAspect, "what_aspect"

    def local(self, value, text):
        return text.upper() if re.fullmatch(r"[IVXivx]+", text) else None

    def choices(self, data):
        order = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8}
        return sorted(super().choices(data), key=lambda a: order.get(a, 99))


class SubsystemKind(ReferenceKind):
    name = "subsystem"
    es, en = "clave de subsistema, p. ej. dgb, dgeti, conalep", "subsystem key, e.g. dgb, dgeti, conalep"
    namespace, rdf_class, what = SUBSYSTEMS, PPI.Subsystem, "what_subsystem"


#: The key of an Organismo Descentralizado its filer names: od/ and a slug of its name.
_BODY = re.compile(r"od/[a-z0-9][a-z0-9-]{0,99}")


class AuthorityKind(ReferenceKind):
    """An authority by its key (subsecretaria, coordinacion, instituto, secretaria), an Autoridad Educativa
    Local by the ISO 3166-2 code of its state (MX-JAL, or ael/mx-jal as in its IRI), or an Organismo
    Descentralizado by a key od/… of its filer's choosing (its name in the column «nombre_de_la_autoridad»):
    an IRI under od/ is a ppi:DecentralisedBody."""

    name = "authority"
    es = ("clave de autoridad: subsecretaria, coordinacion, instituto, secretaria; la clave ISO 3166-2 del "
          "estado de una Autoridad Educativa Local, p. ej. MX-JAL (MX-CMX: Distrito Federal); od/ y una clave "
          "para un Organismo Descentralizado, p. ej. od/cecyte-jalisco")
    en = ("authority key: subsecretaria, coordinacion, instituto, secretaria; the ISO 3166-2 code of the state "
          "of a local education authority, e.g. MX-JAL (MX-CMX: Distrito Federal); od/ and a key for a "
          "decentralised body, e.g. od/cecyte-jalisco")
    namespace, what = AUTHORITIES, "what_authority"

    def local(self, value, text):
        key = text.strip().lower()
        if re.fullmatch(r"mx-[a-z]{3}", key):
            return f"ael/{key}"
        if re.fullmatch(r"ael/mx-[a-z]{3}", key) or _BODY.fullmatch(key):
            return key
        return key if ID_RE.match(key) else None

    def term(self, value, col, rows):
        local = self.local(value, text_of(value))
        if local is not None and _BODY.fullmatch(local):  # named by its filer, not by the shipped data
            return self.namespace[local]
        return super().term(value, col, rows)

    def iri_cell(self, term, col, rows):
        text, ns = str(term), str(self.namespace)
        if text.startswith(ns) and _BODY.fullmatch(text[len(ns):]):
            return text[len(ns):]
        return super().iri_cell(term, col, rows)

    def facts(self, term):
        if _BODY.fullmatch(str(term)[len(str(self.namespace)):]):
            yield term, RDF.type, PPI.DecentralisedBody

    def choices(self, data):
        """The filers: the Subsecretaría and each state's code (an Organismo Descentralizado writes its od/ key)."""
        ns = str(self.namespace)
        states = sorted(i[len(ns) + len("ael/"):].upper() for i in data.known(PPI.LocalEducationAuthority, ns))
        return ["subsecretaria", *states]


class ProvisionKind(ReferenceKind):
    name = "provision"
    es = "disposición de los Lineamientos, p. ej. lineamiento_11/fraccion_3"
    en = "provision of the Lineamientos, e.g. lineamiento_11/fraccion_3"
    namespace, what = LIN, "what_provision"

    def local(self, value, text):
        local = text[len(str(LIN)):] if text.startswith(str(LIN)) else text
        return local if re.fullmatch(r"[a-z0-9_]+(/[a-z0-9_]+)*", local) else None


class StatusKind(IriKind):
    name = "status"
    es = "pendiente, autorizada o no autorizada (o Pending, Authorised, Rejected)"
    en = "pendiente, autorizada or no autorizada (or Pending, Authorised, Rejected)"
    spellings = {
        "pending": PPI.Pending,
        "pendiente": PPI.Pending,
        "authorised": PPI.Authorised,
        "authorized": PPI.Authorised,
        "autorizada": PPI.Authorised,
        "rejected": PPI.Rejected,
        "no autorizada": PPI.Rejected,
    }
    written = {PPI.Pending: "pendiente", PPI.Authorised: "autorizada", PPI.Rejected: "no autorizada"}

    def term(self, value, col, rows):
        text = " ".join(text_of(value).lower().split())
        if text not in self.spellings:
            raise BadCell(msg("cell_unknown_status", value=text_of(value)))
        return self.spellings[text]

    def iri_cell(self, term, col, rows):
        return self.written.get(term)

    def choices(self, data):
        return list(self.written.values())


class ClassKind(IriKind):
    name = "class"
    es, en = "tipo de la fila (nombre local en la ontología)", "type of the row (local name in the ontology)"

    def term(self, value, col, rows):
        text = text_of(value)
        local = text.split(":", 1)[1] if text.startswith("ppi:") else text
        for c in col.classes:
            if str(c) == str(PPI) + local:
                return c
        allowed = ", ".join(str(c)[len(str(PPI)):] for c in col.classes)
        raise BadCell(msg("cell_unknown_type", value=text, allowed=allowed))

    def iri_cell(self, term, col, rows):
        return str(term)[len(str(PPI)):] if term in col.classes else None
