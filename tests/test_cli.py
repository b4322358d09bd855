"""The `ppi` command as a user runs it: a real process, a real store folder."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

from ppikg.namespaces import LIN, sparql_prologue


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("store")
    done = run("info", "--store", str(path))
    assert done.returncode == 0, done.stderr
    return path


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ppikg", *args], capture_output=True, text=True, input=stdin,
                          timeout=300)


def query(store: Path, sparql: str, fmt: str = "json") -> subprocess.CompletedProcess:
    return run("query", sparql, "--store", str(store), "--format", fmt)


CITES_LGSPD_26 = sparql_prologue() + """
SELECT ?provision ?label WHERE {
  ?provision ppi:refersTo <https://w3id.org/ppikg/eli/mx/lgspd/articulo_26> ; rdfs:label ?label .
  FILTER(lang(?label) = "es")
}"""

OCTAVO_III_COMPETENCY = sparql_prologue() + """
SELECT ?competency ?statement WHERE {
  ?aspect a ppi:ProfileAspect ; dcterms:source lin:lineamiento_8\\/fraccion_3 ;
          ppi:correspondsToCompetency ?competency .
  ?competency skos:prefLabel ?statement .
}"""


def test_which_provisions_cite_lgspd_article_26(store):
    done = query(store, CITES_LGSPD_26)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["results"]["bindings"]
    assert [r["provision"]["value"] for r in rows] == [str(LIN["lineamiento_7/fraccion_4"])]
    assert rows[0]["label"]["value"] == "Lineamiento Séptimo, fracción IV"


def test_which_competency_octavo_iii_corresponds_to(store):
    done = query(store, OCTAVO_III_COMPETENCY, "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["competency"] for r in rows] == ["https://w3id.org/ppikg/competencias/c3"]
    assert rows[0]["statement"].startswith("Apoya a los docentes en la planeación")


def test_table_and_tsv_formats(store):
    table = query(store, OCTAVO_III_COMPETENCY, "table")
    assert table.returncode == 0 and "competencias/c3" in table.stdout and "competency" in table.stdout.splitlines()[0]
    tsv = query(store, OCTAVO_III_COMPETENCY, "tsv")
    assert tsv.stdout.splitlines()[0].split("\t") == ["?competency", "?statement"]


def test_query_from_stdin_and_ask(store):
    done = run("query", "-", "--store", str(store), stdin="ASK { ?s a <https://w3id.org/ppikg/ontology#Competency> }")
    assert done.returncode == 0 and done.stdout.strip() == "true"


@pytest.mark.parametrize("args,message", [
    (["query", "SELECT WHERE {"], "error"),
    (["query", "SELECT * WHERE { ?s ?p ?o }", "--format", "yaml"], "invalid choice"),
    (["export", "--format", "docx"], "invalid choice"),
    (["query", "@/nonexistent/file.rq"], "No such file"),
])
def test_bad_input_is_one_line_on_stderr_and_exit_2(store, args, message):
    done = run(*args, "--store", str(store))
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_export_asserted_inferred_all(store, tmp_path):
    sizes = {}
    for which in ("asserted", "inferred", "all"):
        out = tmp_path / f"{which}.nq"
        done = run("export", "--format", "nq", f"--{which}", "-o", str(out), "--store", str(store))
        assert done.returncode == 0, done.stderr
        ds = Dataset()
        ds.parse(out, format="nquads")
        sizes[which] = len(ds)
    assert sizes["asserted"] > 2000 and sizes["inferred"] > 100
    assert sizes["all"] == sizes["asserted"] + sizes["inferred"]


@pytest.mark.parametrize("fmt,rdflib_format", [("ttl", "turtle"), ("nt", "nt"), ("xml", "xml"), ("jsonld", "json-ld")])
def test_export_formats_parse_back(store, tmp_path, fmt, rdflib_format):
    out = tmp_path / f"g.{fmt}"
    done = run("export", "--format", fmt, "--asserted", "-o", str(out), "--store", str(store))
    assert done.returncode == 0, done.stderr
    # JSON-LD keeps the named graphs (it can); the triple formats merge them into one graph.
    g = Dataset() if fmt == "jsonld" else Graph()
    g.parse(out, format=rdflib_format)
    triples = g.quads((LIN["lineamiento_8/fraccion_3"], None, None, None)) if fmt == "jsonld" else \
        g.triples((LIN["lineamiento_8/fraccion_3"], None, None))
    assert len(list(triples)) >= 5


def test_info_reports_graphs_classes_and_versions(store):
    done = run("info", "--json", "--store", str(store))
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    text = json.dumps(info)
    assert "pyoxigraph" in text and "Competency" in text and "graph/ontology" in text


def test_build_data_check_passes_on_the_checked_in_data():
    done = run("build-data", "--check")
    assert done.returncode == 0, done.stderr
