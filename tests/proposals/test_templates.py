"""The generated templates and docs/template.md: as the spec and the example make them, checked by build-data."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from rdflib.compare import isomorphic

from ppikg.proposals import templates
from ppikg.proposals.importer import import_csv_dir, import_workbook
from ppikg.proposals.spec import LISTS_SHEET, README_SHEET, load_spec
from ppikg.proposals.tables import TemplateError
from ppikg.proposals.templates import render_docs

from .helpers import EMPTY_CSV, EMPTY_XLSX, EXAMPLE_CSV, EXAMPLE_XLSX, TEMPLATES


def test_empty_template_has_every_sheet_and_column(project):
    wb = openpyxl.load_workbook(EMPTY_XLSX, read_only=True)
    spec = load_spec(project.spec_file)
    assert wb.sheetnames == [README_SHEET] + [s.name for s in spec] + [LISTS_SHEET]  # the drop-downs' values
    for sheet in spec:
        rows = list(wb[sheet.name].iter_rows(values_only=True))
        assert [list(r) for r in rows] == [[c.name for c in sheet.columns]]
    wb.close()
    with pytest.raises(TemplateError, match="needs exactly one proposal row"):
        import_workbook(EMPTY_XLSX)


# --- checked-in artefacts are current -----------------------------------------------------------


def _sheet_values(path: Path) -> dict[str, list[list]]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


def test_checked_in_templates_are_what_the_generator_writes(tmp_path, example, project):
    written = templates.write_all(project, tmp_path / "templates", tmp_path / "template.md")
    assert len(written) == 5
    # Filled-in: same proposal when imported.
    assert isomorphic(import_workbook(EXAMPLE_XLSX), import_workbook(tmp_path / "templates" / EXAMPLE_XLSX.name))
    assert isomorphic(import_csv_dir(EXAMPLE_CSV), import_csv_dir(tmp_path / "templates" / EXAMPLE_CSV.name))
    # Every cell (LEEME included) and every CSV file is as generated now.
    for name in (EMPTY_XLSX.name, EXAMPLE_XLSX.name):
        assert _sheet_values(TEMPLATES / name) == _sheet_values(tmp_path / "templates" / name), name
    for d in (EMPTY_CSV, EXAMPLE_CSV):
        new = tmp_path / "templates" / d.name
        assert sorted(p.name for p in d.iterdir()) == sorted(p.name for p in new.iterdir())
        for f in d.iterdir():
            assert f.read_text(encoding="utf-8") == (new / f.name).read_text(encoding="utf-8"), f


def test_docs_are_generated_from_the_spec(project):
    doc = project.template_doc.read_text(encoding="utf-8")
    assert doc == render_docs(project), "docs/template.md is stale: run ppi build-data"
    for sheet in load_spec(project.spec_file):
        assert f"## `{sheet.name}`" in doc
        for col in sheet.columns:
            assert f"| `{col.name}` |" in doc


def test_stale_files_names_each_file_that_differs(tmp_path, project):
    out, doc = tmp_path / "templates", tmp_path / "template.md"
    templates.write_all(project, out, doc)
    assert templates.stale_files(project, out, doc) == []
    (out / "propuesta-ppi" / "metodos.csv").write_text("id\n", encoding="utf-8")
    (out / "propuesta-ppi" / "notas.csv").write_text("id\n", encoding="utf-8")
    (out / "propuesta-ejemplo-dgb" / "tareas.csv").unlink()
    wb = openpyxl.load_workbook(out / EMPTY_XLSX.name)
    wb[README_SHEET]["A1"] = "otra cosa"
    wb.save(out / EMPTY_XLSX.name)
    doc.write_text("# old\n", encoding="utf-8")
    assert templates.stale_files(project, out, doc) == [
        out / EMPTY_XLSX.name, out / "propuesta-ppi" / "metodos.csv", out / "propuesta-ppi" / "notas.csv",
        out / "propuesta-ejemplo-dgb" / "tareas.csv", doc]
    templates.write_all(project, out, doc)
    assert templates.stale_files(project, out, doc) == []
    assert not (out / "propuesta-ppi" / "notas.csv").exists()


def test_build_data_check_fails_when_a_template_is_stale(tmp_path, project):
    """`ppi build-data --check` checks the templates and docs/template.md too; `ppi build-data` fixes them."""
    import os
    import shutil
    import subprocess
    import sys

    home = tmp_path / "ppikg"
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(project.root / folder, home / folder)
    (home / "docs").mkdir()
    shutil.copy(project.template_doc, home / "docs")
    env = {**os.environ, "PPIKG_HOME": str(home), "PPIKG_SOURCES": str(project.sources_dir)}

    def build_data(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "ppikg", "build-data", *args], env=env,
                              capture_output=True, text=True, timeout=300)

    stale = home / "data" / "templates" / "propuesta-ejemplo-dgb" / "metodos.csv"
    stale.write_text(stale.read_text(encoding="utf-8") + "extra,Método de más\n", encoding="utf-8")
    done = build_data("--check")
    assert done.returncode == 1
    assert done.stderr == "stale: data/templates/propuesta-ejemplo-dgb/metodos.csv\n"
    assert build_data().returncode == 0
    assert stale.read_text(encoding="utf-8") == (EXAMPLE_CSV / "metodos.csv").read_text(encoding="utf-8")
    done = build_data("--check")
    assert done.returncode == 0, done.stderr
