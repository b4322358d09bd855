"""The one table of interface words (ppikg.i18n, words.toml): every word in every language, none missing."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest

from ppikg import i18n


def test_every_word_is_in_every_language():
    assert i18n.gaps() == []


def test_a_word_in_one_language_only_is_a_gap():
    table = {"report": {"title": {"es": "Informe", "en": "Report"}, "fix": {"en": "How to fix"}}}
    assert i18n.gaps(table) == ["report.fix: ['en']"]


@pytest.mark.parametrize("template, area", [("report.html", "report"), ("ui_base.html", "ui"), ("ui_home.html", "ui"),
                                            ("ui_browse.html", "ui"), ("ui_audit.html", "ui"),
                                            ("ui_coverage.html", "ui"), ("ui_coverage_cell.html", "ui"),
                                            ("ui_citations.html", "ui"), ("ui_compare.html", "ui")])
def test_every_word_a_template_shows_is_in_the_table(template, area):
    text = files("ppikg").joinpath("templates", template).read_text(encoding="utf-8")
    used = set(re.findall(r"\bw\.([a-z_]+)", text)) | set(re.findall(r"\bw\['([a-z_-]+)'\]", text))
    assert used and used <= set(i18n.words(area, "es")), used - set(i18n.words(area, "es"))


#: English translations of Mexican law render a *fracción* as "section" (an *apartado* as "part"): no English
#: text of the interface, the reports or the graph calls it a "fraction".
FRACTION = re.compile(r"\bfractions?\b", re.I)


def test_no_english_word_of_the_interface_says_fraction():
    table = i18n._table()
    said = [f"{area}.{key}" for area, keys in table.items() for key, by_lang in keys.items()
            if FRACTION.search(by_lang["en"])]
    assert said == []
    templates = files("ppikg").joinpath("templates")
    assert [t.name for t in templates.iterdir() if FRACTION.search(t.read_text(encoding="utf-8"))] == []


def test_no_english_label_or_message_of_the_graph_says_fraction(shipped):
    from rdflib import Graph, Literal

    from ppikg.config import Project

    shapes = Graph()
    for path in Project.default().shape_files():
        shapes.parse(path)
    english = [o for g in (shipped, shapes) for o in g.objects() if isinstance(o, Literal) and o.language == "en"]
    assert len(english) > 500
    assert [str(o) for o in english if FRACTION.search(o)] == []
    assert any(str(o) == "Guideline Octavo, section III" for o in english)
