"""The workbook offers drop-down lists (Octavo aspects, Acuerdo 449 attributes and competencies, subsystems,
filers, sí/no, states) and date checks, generated from the same columns.csv spec as the sheets; every value a
list offers is one the importer reads, and the hidden sheet of lists is not read as a table."""

from __future__ import annotations

import openpyxl
import pytest

from ppikg.config import Project
from ppikg.proposals.importer import import_proposal
from ppikg.proposals.kinds import KINDS, shipped
from ppikg.proposals.spec import LISTS_SHEET, load_spec

PROJECT = Project.default()


@pytest.fixture(scope="module")
def book():
    return openpyxl.load_workbook(PROJECT.templates_dir / "propuesta-ppi.xlsx")


def test_each_column_of_a_kind_with_choices_has_its_list_and_each_date_column_its_check(book):
    data = shipped(PROJECT)
    for sheet in load_spec(PROJECT.spec_file):
        ws = book[sheet.name]
        checks = {str(cells).split(":")[0].rstrip("0123456789"): dv
                  for dv in ws.data_validations.dataValidation for cells in dv.sqref.ranges}
        for i, col in enumerate(sheet.columns, start=1):
            letter = openpyxl.utils.get_column_letter(i)
            kind = KINDS[col.kind]
            if kind.choices(data):
                dv = checks[letter]
                assert dv.type == "list" and dv.errorStyle == "warning", (sheet.name, col.name)
                column = dv.formula1.split("!$")[1].split("$")[0]
                listed = [c.value for c in book[LISTS_SHEET][column][1:] if c.value is not None]
                assert listed == kind.choices(data), (sheet.name, col.name)
            elif col.kind == "date":
                assert checks[letter].type == "date", (sheet.name, col.name)
            else:
                assert letter not in checks, (sheet.name, col.name)
    assert book[LISTS_SHEET].sheet_state == "hidden"


def test_every_value_a_list_offers_is_read_by_the_importer():
    data = shipped(PROJECT)
    from ppikg.proposals.kinds import Rows

    rows = Rows("https://w3id.org/ppikg/propuestas/x/", {}, data)
    offered = {kind.name: kind.choices(data) for kind in KINDS.values() if kind.choices(data)}
    assert {"aspect", "attribute", "competency", "subsystem", "authority", "boolean", "status"} <= set(offered)
    assert offered["aspect"] == ["I", "II", "III", "IV", "V", "VI"]
    assert "MX-JAL" in offered["authority"] and "subsecretaria" in offered["authority"]
    for name, values in offered.items():
        for value in values:
            KINDS[name].term(value, None, rows)  # raises BadCell for a value it does not read


def test_the_example_workbook_with_its_lists_imports_as_before():
    from rdflib.compare import isomorphic

    assert isomorphic(import_proposal(PROJECT.templates_dir / "propuesta-ejemplo-dgb.xlsx"),
                      import_proposal(PROJECT.templates_dir / "propuesta-ejemplo-dgb"))
