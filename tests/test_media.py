"""The one format table: each name and media type means one format per kind; each row can be written."""

from __future__ import annotations

from collections import Counter

import pytest

from ppikg import media

KINDS = sorted({kind for f in media.FORMATS for kind in f.kinds})


@pytest.mark.parametrize("kind", KINDS)
def test_a_name_or_media_type_means_one_format_per_kind(kind) -> None:
    rows = media.formats(kind)
    for what in ("media", "names", "aliases"):
        values = Counter(v for f in rows for v in ((getattr(f, what),) if what == "media" else getattr(f, what)))
        assert [v for v, n in values.items() if n > 1] == [], (kind, what)
    for f in rows:
        assert media.find(kind, f.media) is f and media.find(kind, f.name) is f


def test_every_row_says_how_it_is_written() -> None:
    for f in media.formats("graph", "dataset"):
        assert f.rdf is not None and f.w3c
    for f in media.formats("results"):
        assert f.results is not None and f.w3c and f.name in ("json", "xml", "csv", "tsv")


def test_each_kind_defaults_to_its_usual_format() -> None:
    assert media.choose("results", None, None) == "application/sparql-results+json"
    assert media.choose("graph", None, "*/*") == "text/turtle"
    assert media.negotiate("text/*", ["text/html", *media.offers("graph")]) == "text/html"
    assert media.negotiate("", []) is None
