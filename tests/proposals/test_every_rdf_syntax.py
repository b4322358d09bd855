"""`ppi validate` and `ppi import` read a proposal in every RDF syntax the store reads — N-Triples, N-Quads,
TriG, RDF/XML — as well as Turtle and JSON-LD, and get the same graph from each."""

from __future__ import annotations

import subprocess
import sys

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from ppikg.config import Project
from ppikg.errors import InputError
from ppikg.proposals.importer import import_proposal

EXAMPLE = Project.default().examples_dir / "propuesta-ejemplo-dgb.ttl"
SYNTAXES = {".nt": "nt", ".nq": "nquads", ".trig": "trig", ".rdf": "xml", ".jsonld": "json-ld"}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The example written in each syntax (the dataset ones with the proposal in a named graph)."""
    folder = tmp_path_factory.mktemp("syntaxes")
    graph = Graph().parse(EXAMPLE)
    files = {}
    for suffix, fmt in SYNTAXES.items():
        path = folder / f"propuesta{suffix}"
        if fmt in ("nquads", "trig"):
            dataset = Dataset()
            named = dataset.graph(URIRef("urn:x:una-grafica"))
            for t in graph:
                named.add(t)
            path.write_text(dataset.serialize(format=fmt), encoding="utf-8")
        else:
            path.write_text(graph.serialize(format=fmt), encoding="utf-8")
        files[suffix] = path
    return graph, files


@pytest.mark.parametrize("suffix", SYNTAXES)
def test_each_syntax_gives_the_same_graph(written, suffix):
    graph, files = written
    assert isomorphic(import_proposal(files[suffix]), graph)


@pytest.mark.parametrize("suffix", [".nt", ".rdf", ".nq"])
def test_ppi_validate_and_import_take_the_file(written, suffix, tmp_path):
    _, files = written
    done = subprocess.run([sys.executable, "-m", "ppikg", "validate", str(files[suffix]), "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and '"conforms": true' in done.stdout, done.stderr
    loaded = subprocess.run([sys.executable, "-m", "ppikg", "import", str(files[suffix]), "--load", "--memory"],
                            capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0 and "loaded https://w3id.org/ppikg/propuestas/ejemplo-dgb" in loaded.stderr


def test_an_unknown_suffix_names_every_syntax_read(tmp_path):
    odd = tmp_path / "propuesta.n3"
    odd.write_text("<urn:a> <urn:b> <urn:c> .", encoding="utf-8")
    with pytest.raises(InputError, match=r"\.ttl, \.jsonld, \.nt, \.nq, \.trig, \.rdf"):
        import_proposal(odd)
