"""The exporter: proposal graph → template rows, and back to the same graph."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from ppikg.errors import InputError
from ppikg.namespaces import PPI
from ppikg.proposals.importer import import_csv_dir, import_workbook
from ppikg.proposals.templates import write_csv_template, write_template

from .helpers import EXAMPLE_IRI


def test_export_then_import_is_identity(example, tmp_path, project):
    xlsx = write_template(tmp_path / "p.xlsx", project, example)
    assert isomorphic(import_workbook(xlsx), example)
    d = write_csv_template(tmp_path / "p", project, example)
    assert isomorphic(import_csv_dir(d), example)


def test_exporter_refuses_what_the_template_cannot_hold(example, tmp_path, project):
    g = Graph()
    g += example
    g.add((URIRef(str(EXAMPLE_IRI) + "/P1"), PPI.region, Literal("Norte", lang="en")))
    with pytest.raises(InputError, match="not representable"):
        write_template(tmp_path / "p.xlsx", project, g)
