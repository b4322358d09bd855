"""The fix hints of LIN-10-IV and LIN-10-V named a column «atiende» that the template does not have (it is
«disposiciones»): every sheet or column a shape's message or hint names in «…» is one of the template's."""

from __future__ import annotations

import csv
import re

from rdflib import Graph, Literal

from ppikg.config import Project

PROJECT = Project.default()


def test_every_name_in_guillemets_is_a_sheet_or_a_column_of_the_template():
    with (PROJECT.templates_dir / "columns.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    known = {r["sheet"] for r in rows} | {r["column"] for r in rows}
    shapes = Graph()
    for path in PROJECT.shape_files():
        shapes.parse(path)
    named = {(name, str(text)[:60]) for _, _, text in shapes if isinstance(text, Literal)
             for name in re.findall(r"«([^»]+)»", str(text)) if re.fullmatch(r"[a-z_ñ]+", name)}
    assert named, "the shapes name sheets and columns in «…»"
    assert [(name, where) for name, where in sorted(named) if name not in known] == []


def test_the_summary_counts_in_words_that_agree_with_the_number():
    """The Spanish summary said "2 violación, 0 advertencia": each count now takes its singular or plural."""
    from ppikg.conformance.render import render
    from ppikg.conformance.validator import validate

    report = validate(PROJECT.examples_dir / "propuesta-ejemplo-dgb.ttl")
    es = render(report, "text", "es").splitlines()[1]
    en = render(report, "text", "en").splitlines()[1]
    assert es == "CONFORME: 0 violaciones, 0 advertencias, 5 requieren juicio de una persona, 28 cumplen"
    assert en == "CONFORMS: 0 violations, 0 warnings, 5 need a person's judgement, 28 conform"
