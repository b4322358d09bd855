"""The English report called a *fracción* a "fraction"; English translations of Mexican law say "section"."""

from __future__ import annotations

from rdflib import Graph

from ppikg.config import Project
from ppikg.conformance.render import render
from ppikg.conformance.validator import Validator


def test_the_english_report_says_section():
    project = Project.default()
    g = Graph().parse(project.example_file)
    g.update((project.examples_dir / "variantes" / "LIN-14-I.ru").read_text(encoding="utf-8"))
    text = render(Validator(project).validate(g), "text", "en")
    assert "[VIOLATION] LIN-14-I — Guideline Décimo Cuarto, section I" in text
    assert "fraction" not in text.lower()
