"""The report's downloads: the findings as CSV and XLSX hold, row for row, the findings of the JSON report in
the report's language; the PDF is the HTML report, with every requirement ID in its text."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from rdflib import Graph

from ppikg.config import Project
from ppikg.conformance.render import outcome_word, render
from ppikg.conformance.validator import Validator
from ppikg.i18n import words

PROJECT = Project.default()
BROKEN = ("LIN-07-IV", "LIN-08", "LIN-14-I")


@pytest.fixture(scope="module")
def report():
    """The example proposal with three requirements broken."""
    g = Graph().parse(PROJECT.example_file)
    for rid in BROKEN:
        g.update((PROJECT.examples_dir / "variantes" / f"{rid}.ru").read_text(encoding="utf-8"))
    return Validator(PROJECT).validate(g)


def expected_rows(report, lang: str) -> list[list[str]]:
    """The findings as the JSON report has them, one row per finding, in the columns' order."""
    rows = []
    for r in json.loads(render(report, "json"))["requirements"]:
        for f in r["findings"]:
            rows.append([r["id"], "; ".join(p["label"][lang] for p in r["provisions"]),
                         " ".join(p["iri"] for p in r["provisions"]), outcome_word(f["severity"], lang), f["focus"],
                         f["path"] or "", f["value"] or "", f["message"][lang], r["fix"][lang]])
    return rows


def headings(lang: str) -> list[str]:
    w = words("report", lang)
    return [w[f"col_{c}"] for c in ("requirement", "provision", "provision_iri", "severity", "focus", "path",
                                    "value", "message", "fix")]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_csv_holds_every_finding_of_the_json_report(report, lang):
    text = render(report, "csv", lang)
    assert isinstance(text, str) and text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == headings(lang)
    assert rows[1:] == expected_rows(report, lang)
    assert {row[0] for row in rows[1:]} == set(BROKEN)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_xlsx_holds_every_finding_of_the_json_report(report, lang):
    data = render(report, "xlsx", lang)
    assert isinstance(data, bytes) and data.startswith(b"PK")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == words("report", lang)["findings"] and sheet.freeze_panes == "A2"
    rows = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == headings(lang)
    assert rows[1:] == expected_rows(report, lang)


def test_a_value_that_looks_like_a_formula_stays_text(report):
    """A cell of the proposal written as a formula is shown, not computed, by the auditor's spreadsheet."""
    first = next(r for r in report.results if r.findings)
    sly = replace(first, findings=[replace(first.findings[0], value='=HYPERLINK("http://e.invalid","x")')])
    tampered = replace(report, results=[sly])
    cell = load_workbook(io.BytesIO(render(tampered, "xlsx", "en"))).active["G2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    row = list(csv.reader(io.StringIO(render(tampered, "csv", "en").removeprefix("\ufeff"))))[1]
    assert row[6] == "'" + cell.value


@pytest.mark.parametrize("lang,title", [("es", "Informe de conformidad"), ("en", "Conformance report")])
def test_pdf_is_the_report_with_every_requirement_id(report, lang, title):
    data = render(report, "pdf", lang)
    assert isinstance(data, bytes) and data.startswith(b"%PDF")
    pdf = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert title in text and len(pdf.pages) > 1
    ids = {r.requirement.id for r in report.results}
    assert len(ids) == 33 and {i for i in ids if i in text} == ids
    assert re.search(rf"1\s*/\s*{len(pdf.pages)}", text)  # the page numbers of the print styles
