"""What the proposals tests share: where the templates are, and how to break a copy of the example."""

from __future__ import annotations

import csv
from pathlib import Path

from rdflib import URIRef

from ppikg.config import Project
from ppikg.errors import InputError
from ppikg.proposals.tables import Problem, TemplateError

TEMPLATES = Project.default().templates_dir
EXAMPLE_XLSX = TEMPLATES / "propuesta-ejemplo-dgb.xlsx"
EXAMPLE_CSV = TEMPLATES / "propuesta-ejemplo-dgb"
EMPTY_XLSX = TEMPLATES / "propuesta-ppi.xlsx"
EMPTY_CSV = TEMPLATES / "propuesta-ppi"
EXAMPLE_FILE = Project.default().example_file
EXAMPLE_IRI = URIRef("https://w3id.org/ppikg/propuestas/ejemplo-dgb")


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


def problem_of(excinfo) -> Problem:
    assert isinstance(excinfo.value, TemplateError)
    assert isinstance(excinfo.value, InputError)
    assert len(excinfo.value.problems) == 1, str(excinfo.value)
    return excinfo.value.problems[0]

