"""CONSTRUCT and DESCRIBE at /sparql in N-Quads and TriG, by Accept or ``format``: the triples in the default graph."""

from __future__ import annotations

import subprocess

import pyoxigraph as ox
import pytest

from ppikg.http import create_app
from ppikg.http.testing import serving
from ppikg.store.graph import KnowledgeGraph

CONSTRUCT = "CONSTRUCT { ?s <http://e/q> ?o } WHERE { ?s <http://e/p> ?o }"


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    with KnowledgeGraph(tmp_path_factory.mktemp("datasets")) as kg:
        kg.add_graph("datasets", '<http://e/a> <http://e/p> "uno"@es .\n<http://e/b> <http://e/p> <http://e/c> .\n',
                     "nt", infer=False)
        with serving(create_app(kg)) as base:
            yield base + "/sparql"


def _curl(*args: str) -> tuple[str, bytes]:
    """curl's answer: its media type (with the status before it for an error) and body."""
    out = subprocess.run(["curl", "-s", "-w", "\\n%{http_code} %{content_type}", *args], capture_output=True,
                         timeout=60, check=True)
    body, _, last = out.stdout.rpartition(b"\n")
    status, _, media = last.decode().partition(" ")
    return media if status == "200" else f"{status} {media}", body


@pytest.mark.parametrize("media,fmt", [("application/n-quads", ox.RdfFormat.N_QUADS), ("application/trig", ox.RdfFormat.TRIG)])
def test_construct_by_accept(url, media, fmt):
    got, body = _curl("-H", f"Accept: {media}", "--data-urlencode", f"query={CONSTRUCT}", url)
    assert got.startswith(media)
    quads = list(ox.parse(body, format=fmt))
    assert len(quads) == 2 and all(q.graph_name == ox.DefaultGraph() for q in quads)
    assert {q.predicate.value for q in quads} == {"http://e/q"}


@pytest.mark.parametrize("name,media", [("nq", "application/n-quads"), ("trig", "application/trig")])
def test_construct_by_format_parameter(url, name, media):
    got, body = _curl("-G", "--data-urlencode", "query=DESCRIBE <http://e/a>", "--data-urlencode", f"format={name}", url)
    assert got.startswith(media) and b"<http://e/a>" in body


def test_select_in_a_dataset_format_is_not_acceptable(url):
    got, body = _curl("-H", "Accept: application/n-quads", "--data-urlencode", "query=SELECT * WHERE { ?s ?p ?o }", url)
    assert got.startswith("406") and b"n-quads" not in body.split(b"offers")[-1]
