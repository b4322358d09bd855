"""Input errors were worded in English only, also with ``--lang es`` and in the Spanish interface: a bad date in
a workbook cell, an unknown sheet, RDF that does not parse. They follow the language asked now."""

from __future__ import annotations

import shutil

from ppikg import cli
from ppikg.config import Project

EXAMPLE_CSV = Project.default().templates_dir / "propuesta-ejemplo-dgb"


def test_a_bad_cell_and_an_unknown_sheet_in_spanish_and_english(tmp_path, capsys):
    folder = tmp_path / "propuesta"
    shutil.copytree(EXAMPLE_CSV, folder)
    tasks = folder / "tareas.csv"
    tasks.write_text(tasks.read_text(encoding="utf-8").replace("2014-01-31", "31/02/2014"), encoding="utf-8")
    (folder / "colores.csv").write_text("id\nx\n", encoding="utf-8")
    assert cli.main(["import", str(folder), "--lang", "es"]) == 2
    es = capsys.readouterr().err
    assert "hoja «colores»: hoja desconocida" in es and "no es una fecha: «31/02/2014»" in es
    assert "unknown sheet" not in es and "not a date" not in es
    assert cli.main(["import", str(folder), "--lang", "en"]) == 2
    en = capsys.readouterr().err
    assert "sheet 'colores': unknown sheet" in en and "not a date: '31/02/2014'" in en


def test_rdf_that_does_not_parse_in_spanish_by_default(tmp_path, capsys):
    bad = tmp_path / "rota.ttl"
    bad.write_text("@prefix : <x> . :a :b", encoding="utf-8")
    assert cli.main(["import", str(bad)]) == 2
    assert capsys.readouterr().err.startswith("ppi: error: rota.ttl: no es turtle válido (no se pudo leer)")
