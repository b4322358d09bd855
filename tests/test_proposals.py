"""Proposals from the spreadsheet template: import (xlsx, CSV, RDF), export, checked-in templates and docs."""

from __future__ import annotations

import csv
import json
import shutil
import socket
import urllib.request
from pathlib import Path

import openpyxl
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from ppikg import paths
from ppikg import proposals as P
from ppikg.errors import InputError
from ppikg.namespaces import PPI

TEMPLATES = paths.DATA_DIR / "templates"
EXAMPLE_XLSX = TEMPLATES / "propuesta-ejemplo-dgb.xlsx"
EXAMPLE_CSV = TEMPLATES / "propuesta-ejemplo-dgb"
EMPTY_XLSX = TEMPLATES / "propuesta-ppi.xlsx"
EMPTY_CSV = TEMPLATES / "propuesta-ppi"
EXAMPLE_IRI = URIRef("https://w3id.org/ppikg/propuestas/ejemplo-dgb")


@pytest.fixture(scope="module")
def example() -> Graph:
    return P.example_graph()


# --- helpers to build bad files from the example ------------------------------------------------


@pytest.fixture
def csv_dir(tmp_path) -> Path:
    d = tmp_path / "propuesta"
    shutil.copytree(EXAMPLE_CSV, d)
    return d


def read_csv(d: Path, sheet: str) -> list[list[str]]:
    with (d / f"{sheet}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write_csv(d: Path, sheet: str, rows: list[list[str]]) -> None:
    with (d / f"{sheet}.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def set_cell(d: Path, sheet: str, row_id: str, column: str, value: str) -> int:
    """Set one cell of the CSV sheet; returns the spreadsheet row number (header = 1) of that row."""
    rows = read_csv(d, sheet)
    col = rows[0].index(column)
    for i, r in enumerate(rows):
        if r[0] == row_id:
            r[col] = value
            write_csv(d, sheet, rows)
            return i + 1
    raise AssertionError(f"no row {row_id} in {sheet}")


def problem_of(excinfo) -> P.Problem:
    assert isinstance(excinfo.value, P.TemplateError)
    assert isinstance(excinfo.value, InputError)
    assert len(excinfo.value.problems) == 1, str(excinfo.value)
    return excinfo.value.problems[0]


# --- the spec -----------------------------------------------------------------------------------


def test_spec_sheets_and_properties_exist_in_ontology(shipped):
    spec = P.load_spec()
    names = [s.name for s in spec]
    assert names[0] == "propuesta"
    for needed in ("parametros", "indicadores", "niveles_desempeno", "anexo_a", "constancias"):
        assert needed in names
    defined = set(shipped.subjects())
    for sheet in spec:
        assert sheet.rdf_class in defined, sheet.rdf_class
        for col in sheet.columns:
            if col.prop is not None and str(col.prop).startswith(str(PPI)):
                assert col.prop in defined, f"{sheet.name}.{col.name}: {col.prop}"
            assert col.description_es and col.description_en, f"{sheet.name}.{col.name}"


# --- round trips --------------------------------------------------------------------------------


def test_example_workbook_imports_to_the_example(example):
    assert isomorphic(P.import_workbook(EXAMPLE_XLSX), example)


def test_example_csv_dir_imports_to_the_example(example):
    assert isomorphic(P.import_csv_dir(EXAMPLE_CSV), example)


def test_import_proposal_dispatches(example):
    for path in (EXAMPLE_XLSX, EXAMPLE_CSV, P.EXAMPLE_FILE):
        assert isomorphic(P.import_proposal(path), example), path
    assert P.proposal_iri(P.import_proposal(EXAMPLE_XLSX)) == EXAMPLE_IRI


def test_export_then_import_is_identity(example, tmp_path):
    xlsx = P.write_template(tmp_path / "p.xlsx", example)
    assert isomorphic(P.import_workbook(xlsx), example)
    d = P.write_csv_template(tmp_path / "p", example)
    assert isomorphic(P.import_csv_dir(d), example)


def test_exporter_refuses_what_the_template_cannot_hold(example, tmp_path):
    g = Graph()
    g += example
    g.add((URIRef(str(EXAMPLE_IRI) + "/P1"), PPI.region, Literal("Norte", lang="en")))
    with pytest.raises(InputError, match="not representable"):
        P.write_template(tmp_path / "p.xlsx", g)


def test_empty_template_has_every_sheet_and_column():
    wb = openpyxl.load_workbook(EMPTY_XLSX, read_only=True)
    spec = P.load_spec()
    assert wb.sheetnames == [P.README_SHEET] + [s.name for s in spec]
    for sheet in spec:
        rows = list(wb[sheet.name].iter_rows(values_only=True))
        assert [list(r) for r in rows] == [[c.name for c in sheet.columns]]
    wb.close()
    with pytest.raises(P.TemplateError, match="needs exactly one proposal row"):
        P.import_workbook(EMPTY_XLSX)


# --- checked-in artefacts are current -----------------------------------------------------------


def _sheet_values(path: Path) -> dict[str, list[list]]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


def test_checked_in_templates_are_what_the_generator_writes(tmp_path, example):
    written = P.write_all(tmp_path / "templates", tmp_path / "template.md")
    assert len(written) == 5
    # Filled-in: same proposal when imported.
    assert isomorphic(P.import_workbook(EXAMPLE_XLSX), P.import_workbook(tmp_path / "templates" / EXAMPLE_XLSX.name))
    assert isomorphic(P.import_csv_dir(EXAMPLE_CSV), P.import_csv_dir(tmp_path / "templates" / EXAMPLE_CSV.name))
    # Every cell (LEEME included) and every CSV file is as generated now.
    for name in (EMPTY_XLSX.name, EXAMPLE_XLSX.name):
        assert _sheet_values(TEMPLATES / name) == _sheet_values(tmp_path / "templates" / name), name
    for d in (EMPTY_CSV, EXAMPLE_CSV):
        new = tmp_path / "templates" / d.name
        assert sorted(p.name for p in d.iterdir()) == sorted(p.name for p in new.iterdir())
        for f in d.iterdir():
            assert f.read_text(encoding="utf-8") == (new / f.name).read_text(encoding="utf-8"), f


def test_docs_are_generated_from_the_spec():
    doc = (paths.PROJECT_ROOT / "docs" / "template.md").read_text(encoding="utf-8")
    assert doc == P.render_docs(), "docs/template.md is stale: run python -m ppikg.proposals --write-templates"
    for sheet in P.load_spec():
        assert f"## `{sheet.name}`" in doc
        for col in sheet.columns:
            assert f"| `{col.name}` |" in doc


# --- bad files ----------------------------------------------------------------------------------


def test_error_message_format(csv_dir):
    row = set_cell(csv_dir, "tareas", "tarea-2", "plazo", "31/02/2014")
    with pytest.raises(P.TemplateError) as e:
        P.import_csv_dir(csv_dir)
    assert str(e.value) == f"sheet 'tareas', row {row}, column 'plazo': not a date: '31/02/2014'"
    assert (e.value.sheet, e.value.row, e.value.column) == ("tareas", row, "plazo")


@pytest.mark.parametrize(
    "sheet, row_id, column, value, message",
    [
        ("tareas", "tarea-1", "plazo", "2014-02-31", "not a date"),
        ("experiencia_docente", "experiencia-docente", "años_minimos", "dos", "not a number"),
        ("niveles_desempeno", "P2-1-n3", "orden", "1.5", "not a whole number"),
        ("propuesta", "ejemplo-dgb", "es_ejemplo", "quizá", "not sí/no"),
        ("indicadores", "P2-2", "enunciado", "", "empty required cell"),
        ("indicadores", "P3-1", "metodos", "observacion; video", "no row has id 'video'"),
        ("indicadores", "P3-1", "parametro", "P1-1", "is a row of sheet 'indicadores'"),
        ("categorias", "director-plantel", "competencias", "c1; c9", "unknown competency"),
        ("indicadores", "P4-1", "atributos", "c4/a99", "unknown Acuerdo 449 attribute"),
        ("parametros", "P5", "aspecto", "VII", "unknown Octavo aspect"),
        ("propuesta", "ejemplo-dgb", "subsistema", "xyz", "unknown subsystem"),
        ("propuesta", "ejemplo-dgb", "autoridad", "rectoria", "unknown authority"),
        ("indicadores", "P1-1", "disposiciones", "lineamiento_99/fraccion_1", "unknown provision"),
        ("propuesta", "ejemplo-dgb", "estado", "quizá", "unknown status"),
        ("parametros", "P2", "tipo", "Widget", "unknown type"),
        ("metodos", "portafolio", "id", "entrevista", "already used"),
    ],
)
def test_bad_cell_names_sheet_row_and_column(csv_dir, sheet, row_id, column, value, message):
    row = set_cell(csv_dir, sheet, row_id, column, value)
    with pytest.raises(P.TemplateError) as e:
        P.import_csv_dir(csv_dir)
    problems = e.value.problems
    # A duplicate id also leaves the refs to it ambiguous; the first problem is the cell itself.
    assert (problems[0].sheet, problems[0].row, problems[0].column) == (sheet, row, column), str(e.value)
    assert message in problems[0].message


def test_alternative_spellings_are_accepted(csv_dir, example):
    set_cell(csv_dir, "indicadores", "P1-1", "atributos", "1.1;C1/A5")
    set_cell(csv_dir, "propuesta", "ejemplo-dgb", "estado", "Pending")
    set_cell(csv_dir, "propuesta", "ejemplo-dgb", "es_ejemplo", "true")
    set_cell(csv_dir, "experiencia_docente", "experiencia-docente", "años_minimos", "2")
    set_cell(csv_dir, "categorias", "director-plantel", "competencias", "c1;c2;c3;c4;c5;6")
    assert isomorphic(P.import_csv_dir(csv_dir), example)


def test_missing_sheet(csv_dir):
    (csv_dir / "consulta.csv").unlink()
    with pytest.raises(P.TemplateError) as e:
        P.import_csv_dir(csv_dir)
    p = problem_of(e)
    assert (p.sheet, p.message) == ("consulta", "missing sheet")


def test_unknown_sheet(csv_dir):
    write_csv(csv_dir, "notas", [["id"], ["x"]])
    with pytest.raises(P.TemplateError, match="sheet 'notas': unknown sheet"):
        P.import_csv_dir(csv_dir)


def test_unknown_column(csv_dir):
    rows = read_csv(csv_dir, "indicadores")
    for r in rows:
        r.append("color" if r is rows[0] else "")
    write_csv(csv_dir, "indicadores", rows)
    with pytest.raises(P.TemplateError) as e:
        P.import_csv_dir(csv_dir)
    p = problem_of(e)
    assert (p.sheet, p.row, p.column, p.message) == ("indicadores", 1, "color", "unknown column")


def test_missing_optional_column_is_fine_but_required_is_not(csv_dir, example):
    rows = read_csv(csv_dir, "parametros")
    i = rows[0].index("disposiciones")  # empty throughout the example
    write_csv(csv_dir, "parametros", [r[:i] + r[i + 1:] for r in rows])
    assert isomorphic(P.import_csv_dir(csv_dir), example)
    rows = read_csv(csv_dir, "tareas")
    i = rows[0].index("tarea")
    write_csv(csv_dir, "tareas", [r[:i] + r[i + 1:] for r in rows])
    with pytest.raises(P.TemplateError) as e:
        P.import_csv_dir(csv_dir)
    p = problem_of(e)
    assert (p.sheet, p.row, p.column, p.message) == ("tareas", 1, "tarea", "missing required column")


def test_all_problems_are_reported_together_and_nothing_is_returned(csv_dir):
    r1 = set_cell(csv_dir, "tareas", "tarea-1", "plazo", "mañana")
    r2 = set_cell(csv_dir, "niveles_desempeno", "P7-1-n4", "orden", "cuatro")
    r3 = set_cell(csv_dir, "indicadores", "P6-1", "parametro", "P9")
    with pytest.raises(P.TemplateError) as e:
        P.import_csv_dir(csv_dir)
    where = {(p.sheet, p.row, p.column) for p in e.value.problems}
    assert where == {("tareas", r1, "plazo"), ("niveles_desempeno", r2, "orden"), ("indicadores", r3, "parametro")}
    assert str(e.value).startswith("3 problems:")


def test_blank_rows_keep_spreadsheet_row_numbers(csv_dir):
    rows = read_csv(csv_dir, "tareas")
    write_csv(csv_dir, "tareas", [rows[0], ["", "", "", "", ""], rows[1], rows[2]])
    set_cell(csv_dir, "tareas", "tarea-2", "plazo", "2014-13-01")
    with pytest.raises(P.TemplateError) as e:
        P.import_csv_dir(csv_dir)
    assert problem_of(e).row == 4


def test_bad_workbook_cells(tmp_path):
    path = tmp_path / "p.xlsx"
    shutil.copy(EXAMPLE_XLSX, path)
    wb = openpyxl.load_workbook(path)
    ws = wb["tareas"]
    header = [c.value for c in ws[1]]
    plazo = header.index("plazo") + 1
    ws.cell(row=2, column=plazo).value = "2014-01-31"  # a date as text is fine
    ws.cell(row=3, column=plazo).value = "31/02/2014"
    ws = wb["indicadores"]
    ws.insert_rows(3)  # a blank row: the rows below keep their spreadsheet numbers
    header = [c.value for c in ws[1]]
    ws.cell(row=5, column=header.index("atributos") + 1).value = "c9/a1"
    wb.save(path)
    with pytest.raises(P.TemplateError) as e:
        P.import_workbook(path)
    assert [str(p) for p in e.value.problems] == [
        "sheet 'indicadores', row 5, column 'atributos': unknown Acuerdo 449 attribute (c3/a5 or 3.5): 'c9/a1'",
        "sheet 'tareas', row 3, column 'plazo': not a date: '31/02/2014'",
    ]


def test_workbook_missing_sheet_and_readme_is_ignored(tmp_path):
    path = tmp_path / "p.xlsx"
    shutil.copy(EXAMPLE_XLSX, path)
    wb = openpyxl.load_workbook(path)
    del wb["constancias"]
    wb[P.README_SHEET]["A1"] = "anything at all"
    wb.save(path)
    with pytest.raises(P.TemplateError) as e:
        P.import_workbook(path)
    p = problem_of(e)
    assert (p.sheet, p.message) == ("constancias", "missing sheet")


def test_not_a_workbook(tmp_path):
    path = tmp_path / "p.xlsx"
    path.write_text("hello")
    with pytest.raises(InputError, match="not a readable .xlsx"):
        P.import_workbook(path)


# --- limits -------------------------------------------------------------------------------------


def test_too_many_rows(csv_dir):
    rows = read_csv(csv_dir, "metodos")
    rows += [[f"m{i}", "Método"] for i in range(P.MAX_ROWS + 1)]
    write_csv(csv_dir, "metodos", rows)
    with pytest.raises(P.TemplateError, match=r"sheet 'metodos', row \d+: too many rows"):
        P.import_csv_dir(csv_dir)


def test_too_many_rows_in_a_workbook(tmp_path, monkeypatch):
    monkeypatch.setattr(P, "MAX_ROWS", 10)
    with pytest.raises(P.TemplateError, match="sheet 'niveles_desempeno', row 12: too many rows"):
        P.import_workbook(EXAMPLE_XLSX)


def test_file_too_large(csv_dir, monkeypatch, tmp_path):
    monkeypatch.setattr(P, "MAX_BYTES", 1000)
    with pytest.raises(P.TemplateError, match="too large"):
        P.import_csv_dir(csv_dir)
    with pytest.raises(P.TemplateError, match="too large"):
        P.import_workbook(EXAMPLE_XLSX)
    with pytest.raises(InputError, match="too large"):
        P.import_proposal(P.EXAMPLE_FILE)


# --- RDF input ----------------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)


@pytest.mark.parametrize(
    "context",
    [
        "https://example.org/context.jsonld",
        [{"ppi": "https://w3id.org/ppikg/ontology#"}, "https://example.org/context.jsonld"],
        {"@import": "https://example.org/context.jsonld"},
    ],
)
def test_jsonld_remote_context_is_refused_without_network(tmp_path, no_network, context):
    path = tmp_path / "p.jsonld"
    path.write_text(json.dumps({"@context": context, "@id": str(EXAMPLE_IRI), "@type": "ppi:Proposal"}))
    with pytest.raises(InputError, match="context"):
        P.import_proposal(path)


def test_jsonld_nested_remote_context_is_refused(tmp_path, no_network):
    doc = {"@context": {"ppi": str(PPI)}, "@graph": [{"@context": "http://example.org/c", "@id": "x"}]}
    path = tmp_path / "p.json-ld"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match="remote context"):
        P.import_proposal(path)


def test_jsonld_with_inline_context_is_accepted(tmp_path, no_network, example):
    path = tmp_path / "p.jsonld"
    path.write_text(example.serialize(format="json-ld", context={"ppi": str(PPI)}), encoding="utf-8")
    assert isomorphic(P.import_proposal(path), example)


def test_rdf_must_hold_exactly_one_proposal(tmp_path, example):
    none = tmp_path / "none.ttl"
    none.write_text("<urn:x> <urn:p> <urn:y> .\n")
    with pytest.raises(InputError, match="no ppi:Proposal"):
        P.import_proposal(none)
    g = Graph()
    g += example
    g.add((URIRef("https://w3id.org/ppikg/propuestas/otra"), RDF.type, PPI.Proposal))
    with pytest.raises(InputError, match="2 ppi:Proposal"):
        P.proposal_iri(g)
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle")
    with pytest.raises(InputError, match="not valid turtle"):
        P.import_proposal(bad)


def test_unsupported_format(tmp_path):
    path = tmp_path / "p.docx"
    path.write_text("x")
    with pytest.raises(InputError, match="unsupported"):
        P.import_proposal(path)
