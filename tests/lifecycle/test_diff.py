"""The diff a reviewer reads between two versions: items matched by template ID, changed texts word by word,
coverage per competency, attribute and aspect, findings fixed and new per requirement; and each version's
report kept as its validation history."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from ppikg.conformance.validator import Validator
from ppikg.config import Settings
from ppikg.errors import InputError
from ppikg.http import create_app
from ppikg.lifecycle.diff import diff, word_diff
from ppikg.lifecycle.reports import shapes_version, stored_report, version_report
from ppikg.store.graph import KnowledgeGraph

from .test_versions import IRI, REVISED, text

# Version 2: P2 reworded, level P1-1-n4 gone, and the revision periodicity left out (LIN-17 then warns).
V2 = {**REVISED,
      "p:P1-1-n1 , p:P1-1-n2 , p:P1-1-n3 , p:P1-1-n4": "p:P1-1-n1 , p:P1-1-n2 , p:P1-1-n3",
      'p:P1-1-n4 a ppi:PerformanceLevel ; ppi:levelOrder 4 ; rdfs:label "Excelente"@es ; ppi:statement "Los planes mejoran la práctica del plantel."@es .': "",
      'ppi:revisionPeriodicity "Anual, según defina el Instituto"@es ;\n': ""}


@pytest.fixture(scope="module")
def validator():
    return Validator()


@pytest.fixture(scope="module")
def kg(shipped_store, tmp_path_factory):
    with KnowledgeGraph(shipped_store(tmp_path_factory.mktemp("diff") / "store")) as kg:
        kg.add_graph("propuestas/ciclo", text(), "ttl")
        kg.add_graph("propuestas/ciclo", text(**V2), "ttl")
        kg.add_graph("propuestas/otra", text().replace("/ciclo", "/otra"), "ttl")
        yield kg


def test_word_diff_keeps_the_words_in_common():
    assert word_diff("uno dos tres", "uno tres cuatro") == [("=", "uno"), ("-", " dos"), ("=", " tres"),
                                                            ("+", " cuatro")]


def test_the_diff_shows_items_word_by_word_and_the_requirement_that_started_failing(kg, validator):
    d = diff(kg, validator, "ciclo")
    assert (d.before.number, d.after.number) == (1, 2)
    changes = {(i.kind, i.id): i for i in d.items}
    p2 = changes[("parameter", "P2")]
    assert p2.change == "changed"
    (statement,) = p2.fields
    assert statement.property.endswith("#statement")
    assert statement.words == [("=", "Plan"), ("+", " anual"), ("=", " de mejora del"), ("-", " plantel."),
                               ("+", " plantel, con metas.")]
    assert changes[("level", "P1-1-n4")].change == "removed"
    proposal = changes[("proposal", IRI)]
    assert [f.property.rsplit("#")[-1] for f in proposal.fields] == ["revisionPeriodicity"]
    lin17 = {r.id: r for r in d.requirements}["LIN-17"]
    assert (lin17.before, lin17.after, lin17.change) == ("conforms", "warning", "new")
    assert all(r.change == "same" for r in d.requirements if r.id != "LIN-17")
    assert changes[("other", "renglon-2")].change == "changed"  # the Anexo A row quotes the parameter
    assert d.summary() == {"added": 0, "removed": 1, "changed": 4, "fixed": 0, "new": 1}


def test_the_reverse_diff_fixes_it_and_counts_coverage(kg, validator):
    d = diff(kg, validator, "ciclo", before=2, after=1)
    assert {r.id: r.change for r in d.requirements}["LIN-17"] == "fixed"
    assert {(i.kind, i.id): i.change for i in d.items}[("level", "P1-1-n4")] == "added"
    levels = {c.level for c in d.coverage}
    assert levels == {"competency", "attribute", "aspect"}
    assert len([c for c in d.coverage if c.level == "competency"]) == 6
    assert len([c for c in d.coverage if c.level == "aspect"]) == 6
    assert all(c.before == c.after for c in d.coverage)  # a level and a wording do not move coverage


def test_coverage_changes_when_an_indicator_reaches_another_attribute(kg, validator):
    moved = text(**{"ppi:coversAttribute comp:c2\\/a6 ;": "ppi:coversAttribute comp:c1\\/a1 ;"})
    kg.add_graph("propuestas/movida", moved.replace("/ciclo", "/movida"), "ttl")
    kg.add_graph("propuestas/movida", text().replace("/ciclo", "/movida"), "ttl")
    d = diff(kg, validator, "movida")
    by = {(c.level, c.notation): c for c in d.coverage}
    assert by[("attribute", "1.1")].before == by[("attribute", "1.1")].after + 1
    assert by[("attribute", "2.6")].before + 1 == by[("attribute", "2.6")].after


def test_bad_diffs_are_refused_clearly(kg, validator):
    with pytest.raises(InputError, match="both sides are version 2"):
        diff(kg, validator, "ciclo", before=2, after=2)
    with pytest.raises(InputError, match="is not a version of <https://w3id.org/ppikg/propuestas/ciclo>"):
        diff(kg, validator, "ciclo", before="https://w3id.org/ppikg/propuestas/otra/versiones/1")
    with pytest.raises(InputError, match="no version before 1"):
        diff(kg, validator, "otra")


def test_each_versions_report_is_kept_once_with_its_shapes_version(kg, validator):
    v1, v2 = kg.history("ciclo")
    version_report(kg, validator, v1)  # kept by the diff too, when that test runs first
    first = version_report(kg, validator, v2)
    again = version_report(kg, validator, v2)
    assert first == again and first.iri == f"{v2.iri}/informe/{shapes_version(validator)}/Pending"
    assert first.outcomes["LIN-17"] == ("warning", 1) and first.conforms  # a warning does not break conformance
    assert stored_report(kg, v1, shapes_version(validator)).outcomes["LIN-17"] == ("conforms", 0)
    # When did LIN-17 stop conforming? The records answer in SPARQL.
    _, rows = kg.query_rows(f"""PREFIX sh: <http://www.w3.org/ns/shacl#>
        SELECT ?n ?outcome WHERE {{ <{IRI}> dcterms:hasVersion ?v . ?v ppi:versionNumber ?n ; ppi:hasReport ?r .
          ?r a sh:ValidationReport ; ppi:hasOutcome ?o . ?o ppi:requirementId "LIN-17" ; ppi:outcome ?outcome }}
        ORDER BY ?n""")
    assert [(r["n"], r["outcome"]) for r in rows] == [("1", "conforms"), ("2", "warning")]


def test_the_diff_over_http_as_a_page_json_and_csv(kg):
    with TestClient(create_app(kg, Settings())) as c:
        page = c.get("/propuestas/ciclo/diferencias", params={"lang": "en"})
        assert page.status_code == 200 and "<ins> anual</ins>" in page.text and "LIN-17" in page.text
        body = c.get("/propuestas/ciclo/diferencias", params={"format": "json"}).json()
        assert body["to"]["number"] == 2 and {r["id"] for r in body["requirements"]} == {"LIN-17"}
        rows = list(csv.reader(io.StringIO(c.get("/propuestas/ciclo/diferencias", headers={"Accept": "text/csv"}).text)))
        assert rows[0] == ["section", "kind", "id", "change", "property", "before", "after"]
        assert ["requirement", "", "LIN-17", "new", "", "conforms (0)", "warning (1)"] in rows
        assert c.get("/propuestas/ciclo/diferencias", params={"format": "xyz"}).status_code == 400
        assert c.get("/propuestas/ciclo/diferencias", params={"de": "2", "a": "2"}).status_code == 400
        history = c.get("/propuestas/ciclo/versiones")
        assert history.status_code == 200 and 'href="/propuestas/ciclo/diferencias?a=2' in history.text
