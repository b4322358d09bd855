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
