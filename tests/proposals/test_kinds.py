"""The registry of cell kinds: one entry per kind, each explaining itself and reading back what it writes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from ppikg.namespaces import COMPETENCIES, LIN, PPI
from ppikg.proposals.exporter import export_tables
from ppikg.proposals.kinds import KINDS, BadCell, Kind, Rows, shipped
from ppikg.proposals.spec import load_spec
from ppikg.proposals.templates import render_docs

from .helpers import EXAMPLE_IRI


@pytest.fixture(scope="module")
def no_rows(project) -> Rows:
    """A proposal of no rows: what the reference kinds read is the shipped data."""
    return Rows("", {}, shipped(project))


def test_every_kind_of_the_spec_is_registered_once_and_explained_in_both_languages(project):
    used = {c.kind for s in load_spec(project.spec_file) for c in s.columns}
    assert used <= set(KINDS)
    assert set(KINDS) == {"id", "text", "string", "date", "decimal", "integer", "boolean", "ref", "competency",
                          "attribute", "aspect", "subsystem", "authority", "provision", "status", "class"}
    docs = render_docs(project)
    for name, kind in KINDS.items():
        assert isinstance(kind, Kind) and kind.name == name
        assert kind.es and kind.en and kind.es != kind.en, name
        assert f"| `{name}` |" in docs


def test_an_unknown_kind_in_the_spec_is_refused(tmp_path, project):
    text = project.spec_file.read_text(encoding="utf-8").replace(",titulo,dcterms:title,text,", ",titulo,dcterms:title,colour,")
    path = tmp_path / "columns.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="unknown kind 'colour'"):
        load_spec(path)


@pytest.mark.parametrize("kind, cell, term, back", [
    ("text", "  Norte ", Literal("Norte", lang="es"), "Norte"),
    ("string", 7.0, Literal("7"), "7"),
    ("date", dt.datetime(2014, 1, 31), Literal("2014-01-31", datatype=XSD.date), dt.date(2014, 1, 31)),
    ("date", "2014-01-31", Literal("2014-01-31", datatype=XSD.date), dt.date(2014, 1, 31)),
    ("decimal", 2.5, Literal("2.5", datatype=XSD.decimal), Decimal("2.5")),
    ("decimal", "2", Literal("2.0", datatype=XSD.decimal), Decimal("2.0")),
    ("integer", 3.0, Literal("3", datatype=XSD.integer), 3),
    ("boolean", "Verdadero", Literal("true", datatype=XSD.boolean), "sí"),
    ("boolean", False, Literal("false", datatype=XSD.boolean), "no"),
    ("competency", "C3", COMPETENCIES["c3"], "c3"),
    ("attribute", "3.5", COMPETENCIES["c3/a5"], "c3/a5"),
    ("provision", str(LIN) + "lineamiento_11/fraccion_3", LIN["lineamiento_11/fraccion_3"],
     "lineamiento_11/fraccion_3"),
    ("status", "No  Autorizada", PPI.Rejected, "no autorizada"),
])
def test_a_cell_becomes_a_term_and_the_term_the_cell(kind, cell, term, back, no_rows):
    assert KINDS[kind].term(cell, None, no_rows) == term
    assert KINDS[kind].cell(term, None, no_rows) == back


@pytest.mark.parametrize("cell, day", [("31/12/2014", "2014-12-31"), ("1/2/2014", "2014-02-01"),
                                       ("2014-03-14", "2014-03-14"), (41712, "2014-03-14"), (41712.0, "2014-03-14")])
def test_dates_as_mexicans_type_them_and_serial_numbers_of_general_cells_are_dates(cell, day, no_rows):
    """31/12/2014 (día/mes/año) and a date typed in a General-format cell (its serial number) are read."""
    from rdflib import XSD, Literal

    assert KINDS["date"].term(cell, None, no_rows) == Literal(day, datatype=XSD.date)


@pytest.mark.parametrize("kind, cell, message", [
    ("date", "2014-02-31", "not a date"),
    ("date", "12/31/2014", "write AAAA-MM-DD or dd/mm/aaaa"),  # month/day/year: no month 31
    ("date", 41712.5, r"not a date: 41712.5 \(a date cell, or write AAAA-MM-DD or dd/mm/aaaa\)"),
    ("date", True, "not a date"),
    ("decimal", True, "not a number"),
    ("decimal", "1,5", "not a number"),
    ("integer", "1.5", "not a whole number"),
    ("boolean", "quizá", "not sí/no"),
    ("attribute", 3.5, "attribute written as a number"),
    ("competency", "c9", "unknown competency"),
    ("status", "quizá", "unknown status"),
])
def test_a_cell_that_does_not_fit_its_kind(kind, cell, message, no_rows):
    with pytest.raises(BadCell, match=message):
        KINDS[kind].term(cell, None, no_rows)


def test_a_term_of_another_kind_is_no_cell(no_rows):
    assert KINDS["text"].cell(Literal("Norte", lang="en"), None, None) is None
    assert KINDS["integer"].cell(Literal("3", datatype=XSD.decimal), None, None) is None
    assert KINDS["competency"].cell(COMPETENCIES["c99"], None, no_rows) is None
    assert KINDS["status"].cell(Literal("pendiente"), None, None) is None


def test_refs_and_classes_read_the_column_and_the_rows(project):
    spec = {s.name: s for s in load_spec(project.spec_file)}
    parametro = spec["indicadores"].column("parametro")
    rows = Rows(str(EXAMPLE_IRI) + "/", {"P1": "parametros", "P1-1": "indicadores"}, shipped(project))
    assert KINDS["ref"].term("P1", parametro, rows) == URIRef(str(EXAMPLE_IRI) + "/P1")
    assert KINDS["ref"].cell(URIRef(str(EXAMPLE_IRI) + "/P1"), parametro, rows) == "P1"
    with pytest.raises(BadCell, match="is a row of sheet 'indicadores', not of 'parametros'"):
        KINDS["ref"].term("P1-1", parametro, rows)
    tipo = spec["parametros"].class_column
    for cls in tipo.classes:
        local = str(cls)[len(str(PPI)):]
        assert KINDS["class"].term("ppi:" + local, tipo, rows) == cls
        assert KINDS["class"].cell(cls, tipo, rows) == local


def test_every_cell_of_the_example_reads_back_through_its_kind(example, project):
    """What the exporter writes, each kind turns into a term that it writes again as the same cell."""
    tables = export_tables(example, project)
    rows = Rows(str(EXAMPLE_IRI) + "/", {r[0]: s for s, t in tables.items() for r in t}, shipped(project))
    checked = 0
    for sheet in load_spec(project.spec_file):
        for values in tables[sheet.name]:
            for col, value in zip(sheet.columns[1:], values[1:]):
                if value is None or col.is_list:
                    continue
                kind = KINDS[col.kind]
                assert kind.cell(kind.term(value, col, rows), col, rows) == value, (sheet.name, col.name)
                checked += 1
    assert checked > 100
