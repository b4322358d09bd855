"""The importer: xlsx, CSV folders, Turtle and JSON-LD as files or bytes; every problem named; the limits."""

from __future__ import annotations

import json
import shutil

import openpyxl
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from ppikg.errors import InputError
from ppikg.namespaces import PPI
from ppikg.proposals import importer
from ppikg.proposals.importer import import_csv_dir, import_proposal, import_workbook
from ppikg.proposals.spec import README_SHEET, proposal_iri
from ppikg.proposals.tables import TemplateError

from .helpers import EXAMPLE_CSV, EXAMPLE_FILE, EXAMPLE_IRI, EXAMPLE_XLSX, problem_of, read_csv, set_cell, write_csv


# --- round trips --------------------------------------------------------------------------------


def test_example_workbook_imports_to_the_example(example):
    assert isomorphic(import_workbook(EXAMPLE_XLSX), example)


def test_example_csv_dir_imports_to_the_example(example):
    assert isomorphic(import_csv_dir(EXAMPLE_CSV), example)


def test_import_proposal_dispatches(example):
    for path in (EXAMPLE_XLSX, EXAMPLE_CSV, EXAMPLE_FILE):
        assert isomorphic(import_proposal(path), example), path
    assert proposal_iri(import_proposal(EXAMPLE_XLSX)) == EXAMPLE_IRI


# --- bad files ----------------------------------------------------------------------------------


def test_error_message_format(csv_dir):
    row = set_cell(csv_dir, "tareas", "tarea-2", "plazo", "31/02/2014")
    with pytest.raises(TemplateError) as e:
        import_csv_dir(csv_dir)
    assert str(e.value) == f"sheet 'tareas', row {row}, column 'plazo': not a date: '31/02/2014' (write AAAA-MM-DD or dd/mm/aaaa, e.g. 2014-12-31 or 31/12/2014)"
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
    with pytest.raises(TemplateError) as e:
        import_csv_dir(csv_dir)
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
    assert isomorphic(import_csv_dir(csv_dir), example)


def test_missing_sheet(csv_dir):
    (csv_dir / "consulta.csv").unlink()
    with pytest.raises(TemplateError) as e:
        import_csv_dir(csv_dir)
    p = problem_of(e)
    assert (p.sheet, p.message) == ("consulta", "missing sheet")


def test_unknown_sheet(csv_dir):
    write_csv(csv_dir, "notas", [["id"], ["x"]])
    with pytest.raises(TemplateError, match="sheet 'notas': unknown sheet"):
        import_csv_dir(csv_dir)


def test_unknown_column(csv_dir):
    rows = read_csv(csv_dir, "indicadores")
    for r in rows:
        r.append("color" if r is rows[0] else "")
    write_csv(csv_dir, "indicadores", rows)
    with pytest.raises(TemplateError) as e:
        import_csv_dir(csv_dir)
    p = problem_of(e)
    assert (p.sheet, p.row, p.column, p.message) == ("indicadores", 1, "color", "unknown column")


def test_missing_optional_column_is_fine_but_required_is_not(csv_dir, example):
    rows = read_csv(csv_dir, "parametros")
    i = rows[0].index("disposiciones")  # empty throughout the example
    write_csv(csv_dir, "parametros", [r[:i] + r[i + 1:] for r in rows])
    assert isomorphic(import_csv_dir(csv_dir), example)
    rows = read_csv(csv_dir, "tareas")
    i = rows[0].index("tarea")
    write_csv(csv_dir, "tareas", [r[:i] + r[i + 1:] for r in rows])
    with pytest.raises(TemplateError) as e:
        import_csv_dir(csv_dir)
    p = problem_of(e)
    assert (p.sheet, p.row, p.column, p.message) == ("tareas", 1, "tarea", "missing required column")


def test_all_problems_are_reported_together_and_nothing_is_returned(csv_dir):
    r1 = set_cell(csv_dir, "tareas", "tarea-1", "plazo", "mañana")
    r2 = set_cell(csv_dir, "niveles_desempeno", "P7-1-n4", "orden", "cuatro")
    r3 = set_cell(csv_dir, "indicadores", "P6-1", "parametro", "P9")
    with pytest.raises(TemplateError) as e:
        import_csv_dir(csv_dir)
    where = {(p.sheet, p.row, p.column) for p in e.value.problems}
    assert where == {("tareas", r1, "plazo"), ("niveles_desempeno", r2, "orden"), ("indicadores", r3, "parametro")}
    assert str(e.value).startswith("3 problems:")


def test_blank_rows_keep_spreadsheet_row_numbers(csv_dir):
    rows = read_csv(csv_dir, "tareas")
    write_csv(csv_dir, "tareas", [rows[0], ["", "", "", "", ""], rows[1], rows[2]])
    set_cell(csv_dir, "tareas", "tarea-2", "plazo", "2014-13-01")
    with pytest.raises(TemplateError) as e:
        import_csv_dir(csv_dir)
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
    with pytest.raises(TemplateError) as e:
        import_workbook(path)
    assert [str(p) for p in e.value.problems] == [
        "sheet 'indicadores', row 5, column 'atributos': unknown Acuerdo 449 attribute (c3/a5 or 3.5): 'c9/a1'",
        "sheet 'tareas', row 3, column 'plazo': not a date: '31/02/2014' (write AAAA-MM-DD or dd/mm/aaaa, e.g. 2014-12-31 or 31/12/2014)",
    ]


def test_workbook_missing_sheet_and_readme_is_ignored(tmp_path):
    path = tmp_path / "p.xlsx"
    shutil.copy(EXAMPLE_XLSX, path)
    wb = openpyxl.load_workbook(path)
    del wb["constancias"]
    wb[README_SHEET]["A1"] = "anything at all"
    wb.save(path)
    with pytest.raises(TemplateError) as e:
        import_workbook(path)
    p = problem_of(e)
    assert (p.sheet, p.message) == ("constancias", "missing sheet")


def test_not_a_workbook(tmp_path):
    path = tmp_path / "p.xlsx"
    path.write_text("hello")
    with pytest.raises(InputError, match="not a readable .xlsx"):
        import_workbook(path)


# --- limits -------------------------------------------------------------------------------------


def test_too_many_rows(csv_dir):
    rows = read_csv(csv_dir, "metodos")
    rows += [[f"m{i}", "Método"] for i in range(importer.MAX_ROWS + 1)]
    write_csv(csv_dir, "metodos", rows)
    with pytest.raises(TemplateError, match=r"sheet 'metodos', row \d+: too many rows"):
        import_csv_dir(csv_dir)


def test_too_many_rows_in_a_workbook(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "MAX_ROWS", 10)
    with pytest.raises(TemplateError, match="sheet 'niveles_desempeno', row 12: too many rows"):
        import_workbook(EXAMPLE_XLSX)


def test_file_too_large(csv_dir, monkeypatch, tmp_path):
    monkeypatch.setattr(importer, "MAX_BYTES", 1000)
    with pytest.raises(TemplateError, match="too large"):
        import_csv_dir(csv_dir)
    with pytest.raises(TemplateError, match="too large"):
        import_workbook(EXAMPLE_XLSX)
    with pytest.raises(InputError, match="too large"):
        import_proposal(EXAMPLE_FILE)


# --- RDF input ----------------------------------------------------------------------------------



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
        import_proposal(path)


def test_jsonld_nested_remote_context_is_refused(tmp_path, no_network):
    doc = {"@context": {"ppi": str(PPI)}, "@graph": [{"@context": "http://example.org/c", "@id": "x"}]}
    path = tmp_path / "p.json-ld"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match="remote context"):
        import_proposal(path)


def test_jsonld_with_inline_context_is_accepted(tmp_path, no_network, example):
    path = tmp_path / "p.jsonld"
    path.write_text(example.serialize(format="json-ld", context={"ppi": str(PPI)}), encoding="utf-8")
    assert isomorphic(import_proposal(path), example)


def test_rdf_must_hold_exactly_one_proposal(tmp_path, example):
    none = tmp_path / "none.ttl"
    none.write_text("<urn:x> <urn:p> <urn:y> .\n")
    with pytest.raises(InputError, match="no ppi:Proposal"):
        import_proposal(none)
    g = Graph()
    g += example
    g.add((URIRef("https://w3id.org/ppikg/propuestas/otra"), RDF.type, PPI.Proposal))
    with pytest.raises(InputError, match="2 ppi:Proposal"):
        proposal_iri(g)
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle")
    with pytest.raises(InputError, match="not valid turtle"):
        import_proposal(bad)


def test_unsupported_format(tmp_path):
    path = tmp_path / "p.docx"
    path.write_text("x")
    with pytest.raises(InputError, match="unsupported"):
        import_proposal(path)


# --- bytes with a format --------------------------------------------------------------------------


def _zip_of(folder, prefix: str = "") -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.glob("*.csv")):
            z.write(f, prefix + f.name)
    return buf.getvalue()


@pytest.fixture
def no_temporary_files(monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):
        raise AssertionError("a temporary file was made")

    for name in ("mkstemp", "mkdtemp", "NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile",
                 "TemporaryDirectory"):
        monkeypatch.setattr(tempfile, name, refuse)


def test_bytes_import_equals_the_path_import(example, no_temporary_files):
    from_path = import_proposal(EXAMPLE_XLSX)
    assert isomorphic(import_proposal(EXAMPLE_XLSX.read_bytes(), "xlsx"), from_path)
    assert isomorphic(import_proposal(EXAMPLE_XLSX.read_bytes(), name="mine.XLSX"), from_path)
    assert isomorphic(import_proposal(EXAMPLE_FILE.read_bytes(), "ttl"), import_proposal(EXAMPLE_FILE))
    jsonld = example.serialize(format="json-ld", context={"ppi": str(PPI)}).encode()
    assert isomorphic(import_proposal(jsonld, "jsonld"), example)
    # The CSV folder, zipped (flat or as the folder itself), is the folder.
    for prefix in ("", "propuesta-ejemplo-dgb/"):
        assert isomorphic(import_proposal(_zip_of(EXAMPLE_CSV, prefix), "csv-zip"), import_csv_dir(EXAMPLE_CSV))


def test_a_zip_file_is_a_csv_proposal(tmp_path, example):
    path = tmp_path / "propuesta.zip"
    path.write_bytes(_zip_of(EXAMPLE_CSV))
    assert isomorphic(import_proposal(path), example)


def test_bytes_problems_name_the_sheet_row_and_column_as_files_do(csv_dir):
    row = set_cell(csv_dir, "tareas", "tarea-2", "plazo", "31/02/2014")
    with pytest.raises(TemplateError) as e:
        import_proposal(_zip_of(csv_dir), "csv-zip")
    assert str(e.value) == f"sheet 'tareas', row {row}, column 'plazo': not a date: '31/02/2014' (write AAAA-MM-DD or dd/mm/aaaa, e.g. 2014-12-31 or 31/12/2014)"


def test_bytes_need_a_known_format():
    with pytest.raises(InputError, match="format of the proposal is needed"):
        import_proposal(EXAMPLE_XLSX.read_bytes())
    with pytest.raises(InputError, match="unsupported proposal format 'docx'"):
        import_proposal(b"x", "docx")
    with pytest.raises(InputError, match="a CSV proposal is a directory"):
        import_proposal(b"id\nx\n", "csv")
    with pytest.raises(InputError, match="not a readable .xlsx"):
        import_proposal(b"hello", "xlsx")
    with pytest.raises(InputError, match="not a readable .zip"):
        import_proposal(b"hello", "csv-zip")


def test_too_large_bytes_are_refused_unread(monkeypatch):
    with pytest.raises(TemplateError, match=r"propuesta.ttl: file too large \(20971521 bytes"):
        import_proposal(b" " * (importer.MAX_BYTES + 1), "ttl")
    monkeypatch.setattr(importer, "MAX_BYTES", 1000)
    for data, fmt in ((EXAMPLE_XLSX.read_bytes(), "xlsx"), (EXAMPLE_FILE.read_bytes(), "ttl"),
                      (b"{" + b" " * 1000 + b"}", "jsonld")):
        with pytest.raises(TemplateError, match="too large"):
            import_proposal(data, fmt)


def test_a_zip_that_inflates_past_the_limit_is_refused(monkeypatch):
    data = _zip_of(EXAMPLE_CSV)
    inflated = sum(f.stat().st_size for f in EXAMPLE_CSV.glob("*.csv"))
    limit = (len(data) + inflated) // 2
    assert len(data) < limit < inflated
    monkeypatch.setattr(importer, "MAX_BYTES", limit)  # the zip is under it; its files together are not
    with pytest.raises(TemplateError, match="too large"):
        import_proposal(data, "csv-zip")


def test_jsonld_bytes_with_a_remote_context_are_refused(no_network):
    doc = {"@context": "https://example.org/context.jsonld", "@id": str(EXAMPLE_IRI), "@type": "ppi:Proposal"}
    with pytest.raises(InputError, match="remote context"):
        import_proposal(json.dumps(doc).encode(), "jsonld")


def test_a_workbook_with_dates_typed_as_mexicans_do_and_in_general_cells(tmp_path):
    """dd/mm/aaaa text and a date in a General-format cell (a serial number) are the dates they say."""
    import openpyxl
    from rdflib import XSD, Literal, URIRef

    from ppikg.config import Project
    from ppikg.proposals.importer import import_proposal

    book = openpyxl.load_workbook(Project.default().templates_dir / "propuesta-ejemplo-dgb.xlsx")
    sheet = book["tareas"]
    header = [c.value for c in sheet[1]]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    rows["tarea-1"][header.index("plazo")].value = "31/01/2014"
    cell = rows["tarea-2"][header.index("plazo")]
    cell.value, cell.number_format = 41698, "General"  # 2014-02-28 as a serial number
    book.save(tmp_path / "fechas.xlsx")
    graph = import_proposal(tmp_path / "fechas.xlsx")
    deadline = URIRef("https://w3id.org/ppikg/ontology#deadline")
    base = "https://w3id.org/ppikg/propuestas/ejemplo-dgb/"
    assert graph.value(URIRef(base + "tarea-1"), deadline) == Literal("2014-01-31", datatype=XSD.date)
    assert graph.value(URIRef(base + "tarea-2"), deadline) == Literal("2014-02-28", datatype=XSD.date)
