"""Every es/en word of the UI, the reports and the pictures: one table, ``words.toml`` beside this module.

The table is grouped by area: ``ui`` (the web pages and their script), ``report`` (the conformance report, as
text, HTML and PDF, and its findings as CSV and XLSX), ``heatmap`` (the coverage SVG), ``lifecycle``, ``errors``
(every error message, ppikg.errors.Message). Legal text is not here: it comes from the graph.

>>> words("report", "en")["title"], pick_lang("fr"), check_lang("en")
('Conformance report', 'es', 'en')
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files

from .errors import InputError, msg

#: The languages of the interface, the default first.
LANGS = ("es", "en")


@cache
def _table() -> dict[str, dict[str, dict[str, str]]]:
    """area → key → language → word, read once: the file is part of the installed package, and nothing
    writes to the parsed table (:func:`words` hands out copies)."""
    return tomllib.loads(files(__package__).joinpath("words.toml").read_text(encoding="utf-8"))


def words(area: str, lang: str) -> dict[str, str]:
    """The words of ``area`` in ``lang``: key → word, a new dict the caller may keep or change."""
    return {key: by_lang[lang] for key, by_lang in _table()[area].items()}


def gaps(table: dict[str, dict[str, dict[str, str]]] | None = None) -> list[str]:
    """``area.key`` of every word of ``table`` (default: the shipped one) not in exactly the languages LANGS,
    with what it has.

    >>> gaps({"ui": {"ok": {"es": "sí", "en": "yes"}, "half": {"es": "medio"}}})
    ["ui.half: ['es']"]
    """
    table = _table() if table is None else table
    return [f"{area}.{key}: {sorted(by_lang)}" for area, keys in table.items() for key, by_lang in keys.items()
            if sorted(by_lang) != sorted(LANGS)]


def pick_lang(lang: str | None) -> str:
    """``lang`` if the interface speaks it, else the default (Spanish).

    >>> pick_lang("en"), pick_lang("fr"), pick_lang(None)
    ('en', 'es', 'es')
    """
    return lang if lang in LANGS else LANGS[0]


def check_lang(lang: str) -> str:
    """``lang`` if the interface speaks it; InputError otherwise."""
    if lang not in LANGS:
        raise InputError(msg("lang_unknown", lang=lang, langs=", ".join(LANGS)))
    return lang
