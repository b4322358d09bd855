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
def store(shipped_store, tmp_path_factory) -> Path:
    """A store as `ppi` leaves it on first use, with the shipped data (a copy of the shared one)."""
    return shipped_store(tmp_path_factory.mktemp("cli") / "store")


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
    (["query", "@/nonexistent/file.rq"], "no existe el archivo"),
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


EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"
TEMPLATES = Path(__file__).resolve().parents[1] / "data" / "templates"


def test_validate_exit_codes_and_languages(tmp_path):
    ok = run("validate", str(EXAMPLES / "propuesta-ejemplo-dgb.ttl"), "--lang", "en")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("Conformance report") and "CONFORMS" in ok.stdout
    broken = tmp_path / "rota.ttl"
    broken.write_text((EXAMPLES / "propuesta-ejemplo-dgb.ttl").read_text(encoding="utf-8")
                      .replace("ppi:minimumYears 2.0", "ppi:minimumYears 1.0"), encoding="utf-8")
    es = run("validate", str(broken))
    assert es.returncode == 1
    assert "NO CONFORME" in es.stdout and "[VIOLACIÓN] LIN-07-IV" in es.stdout
    assert "«Acreditación por parte de los aspirantes de un mínimo de dos años" in es.stdout
    en = run("validate", str(broken), "--lang", "en", "--severity", "violation")
    assert en.returncode == 1 and "[VIOLATION] LIN-07-IV" in en.stdout and "teaching experience" in en.stdout
    bad = tmp_path / "mala.ttl"
    bad.write_text("@prefix : <x> . :a :b", encoding="utf-8")
    assert run("validate", str(bad)).returncode == 2


@pytest.mark.parametrize("fmt,check", [
    ("json", lambda out: json.loads(out)["conforms"] is True),
    ("turtle", lambda out: "sh:ValidationReport" in out),
    ("html", lambda out: out.lstrip().startswith("<!doctype html>") and "Informe de conformidad" in out),
])
def test_validate_formats(fmt, check):
    done = run("validate", str(TEMPLATES / "propuesta-ejemplo-dgb"), "--format", fmt)
    assert done.returncode == 0, done.stderr
    assert check(done.stdout)


@pytest.mark.parametrize("fmt,lang,check", [
    ("csv", "es", lambda data: data.decode("utf-8-sig").startswith("requisito,disposición,IRI de la disposición")
     and "LIN-07-IV" in data.decode("utf-8-sig")),
    ("xlsx", "en", lambda data: data.startswith(b"PK")),
    ("pdf", "en", lambda data: data.startswith(b"%PDF")),
])
def test_validate_writes_the_downloads(tmp_path, fmt, lang, check):
    broken = tmp_path / "rota.ttl"
    broken.write_text((EXAMPLES / "propuesta-ejemplo-dgb.ttl").read_text(encoding="utf-8")
                      .replace("ppi:minimumYears 2.0", "ppi:minimumYears 1.0"), encoding="utf-8")
    out = tmp_path / f"informe.{fmt}"
    done = run("validate", str(broken), "--format", fmt, "--lang", lang, "-o", str(out))
    assert done.returncode == 1 and done.stdout == "", done.stderr
    assert check(out.read_bytes())


def test_import_template_round_trips_to_the_turtle_example(tmp_path):
    from rdflib.compare import isomorphic

    out = tmp_path / "importada.ttl"
    done = run("import", str(TEMPLATES / "propuesta-ejemplo-dgb.xlsx"), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert isomorphic(Graph().parse(out), Graph().parse(EXAMPLES / "propuesta-ejemplo-dgb.ttl"))


def test_import_load_then_validate_by_iri(store):
    done = run("import", str(TEMPLATES / "propuesta-ejemplo-dgb"), "--load", "--store", str(store))
    assert done.returncode == 0, done.stderr
    by_iri = run("validate", "https://w3id.org/ppikg/propuestas/ejemplo-dgb", "--store", str(store), "--format", "json")
    assert by_iri.returncode == 0, by_iri.stderr
    assert json.loads(by_iri.stdout)["conforms"] is True
    missing = run("validate", "https://w3id.org/ppikg/propuestas/no-existe", "--store", str(store))
    assert missing.returncode == 2 and "ninguna propuesta" in missing.stderr


def test_serve_limits_from_the_command_line(shipped_store, tmp_path):
    """`ppi serve --max-results N --workers N` reach the running server; bad values are usage errors."""
    import httpx

    from ppikg.http.testing import serving_process

    for bad in (["--workers", "0"], ["--max-results", "-3"], ["--max-results", "many"]):
        r = run("serve", "--store", str(tmp_path / "unused"), *bad)
        assert r.returncode == 2 and "ppi serve: error: argument" in r.stderr
    with serving_process(shipped_store(tmp_path / "store"), "--max-results", "3", "--workers", "1") as (base, proc):
        three = httpx.get(base + "/sparql", params={"query": "SELECT ?c WHERE { ?c a ppi:Competency } ORDER BY ?c LIMIT 3"})
        four = httpx.get(base + "/sparql", params={"query": "SELECT ?c WHERE { ?c a ppi:Competency } ORDER BY ?c LIMIT 4"})
        lookup = httpx.get(base + "/sparql", params={"query": "SELECT ?c WHERE { ?c a ppi:Competency }"})  # the look-up lane
        assert three.status_code == 200 and four.status_code == 413 and lookup.status_code == 413
        import psutil
        workers = [c for c in psutil.Process(proc.pid).children(recursive=True) if "spawn_main" in " ".join(c.cmdline())]
        assert len(workers) == 1


def test_validate_all_reports_every_proposal_of_the_store(shipped_store, tmp_path):
    """`ppi validate --all`: one summary row and one report per proposal; exit 1 as soon as one does not conform."""
    store = shipped_store(tmp_path / "store")
    broken = Graph().parse(EXAMPLES / "propuesta-ejemplo-dgb.ttl")
    broken.update((EXAMPLES / "variantes" / "LIN-07-IV.ru").read_text(encoding="utf-8"))
    renamed = broken.serialize(format="nt").replace("/propuestas/ejemplo-dgb", "/propuestas/rota")
    (tmp_path / "rota.nt").write_text(renamed, encoding="utf-8")
    loaded = run("import", str(tmp_path / "rota.nt"), "--load", "--store", str(store))
    assert loaded.returncode == 0, loaded.stderr

    # two worker processes share the proposals (the table below: one, in the command's own process)
    done = run("validate", "--all", "--store", str(store), "--format", "json", "--reports", str(tmp_path / "informes"),
               "--jobs", "2")
    assert done.returncode == 1, done.stderr
    summary = {row["name"]: row for row in json.loads(done.stdout)}
    assert set(summary) == {"ejemplo-dgb", "ejemplo-ael-jal", "ejemplo-od-cecyte", "rota"}
    assert [n for n, row in summary.items() if not row["conforms"]] == ["rota"]
    assert summary["rota"]["violation"] == 1 and summary["ejemplo-dgb"]["violation"] == 0
    reports = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "informes").iterdir()}
    assert set(reports) == set(summary)
    assert {r["id"] for r in reports["rota"]["requirements"] if r["findings"]} == {"LIN-07-IV"}

    table = run("validate", "--all", "--store", str(store), "--lang", "en", "--jobs", "1")
    assert table.returncode == 1
    head, rule, *rows = table.stdout.splitlines()
    assert head.startswith("proposal") and "violations" in head and len(rows) == 4
    assert next(r for r in rows if r.startswith("rota ")).count("does not conform") == 1

    both = run("validate", "--all", "https://w3id.org/ppikg/propuestas/rota", "--store", str(store))
    neither = run("validate", "--store", str(store))
    assert both.returncode == 2 and "--all" in both.stderr
    assert neither.returncode == 2 and "--all" in neither.stderr
