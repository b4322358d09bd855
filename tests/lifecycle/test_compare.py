"""Proposals side by side: coverage, parameters per aspect, levels per indicator matched by template ID, and the
requirements each fails, read from the versions' kept reports."""

from __future__ import annotations

import csv
import io

import pytest

from ppikg.errors import InputError, NotFound
from ppikg.lifecycle.compare import MOST, compare
from ppikg.lifecycle.reports import shapes_version, stored_report

from . import test_diff

# The diff's store and validator: "ciclo" in two versions (the second drops level P1-1-n4 and the revision
# periodicity), "otra" holding what ciclo's first version holds.
kg, validator = test_diff.kg, test_diff.validator

ONE, TWO = "https://w3id.org/ppikg/propuestas/otra", "https://w3id.org/ppikg/propuestas/ciclo"


def test_two_proposals_side_by_side(kg, validator):
    c = compare(kg, validator, ["otra", TWO])
    assert [p["iri"] for p in c.proposals] == [ONE, TWO]
    assert [p["version"] for p in c.proposals] == [1, 2]  # each in its current version
    rows = {(r.section, r.key): r.values for r in c.rows}
    # Coverage per competency, attribute and aspect, as many rows as the graph has of each.
    n = {level: int(kg.query_rows(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?x a ppi:{cls} }}")[1][0]["n"] or 0)
         for level, cls in (("competency", "Competency"), ("attribute", "CompetencyAttribute"), ("aspect", "ProfileAspect"))}
    for level, count in n.items():
        assert len(c.section(level)) == count
    assert rows[("competency", "1")] == [1, 1]
    assert len(c.section("parameters")) == n["aspect"] and rows[("parameters", "IV")] == [2, 2]
    # The second lost level P1-1-n4: three levels against four for indicator P1-1.
    assert rows[("levels", "P1-1")] == [4, 3] and rows[("levels", "P2-1")] == [4, 4]
    # The second leaves out the revision periodicity: LIN-17 fails there only.
    failing = {r.key: r.values for r in c.section("requirement")}
    assert failing["LIN-17"][0][0] == "conforms" and failing["LIN-17"][1][0] == "warning"
    assert failing["LIN-17"][1][1] >= 1
    # Each version's report is kept: the comparison read (or made and kept) them.
    shapes = shapes_version(validator)
    assert all(stored_report(kg, kg.version(p), shapes) is not None for p in (ONE, TWO))


def test_a_version_other_than_the_current_one_is_compared_from_its_kept_content(kg, validator):
    c = compare(kg, validator, ["otra", TWO], numbers=[None, 1])
    assert [(p["version"], p["current"], p["versions"]) for p in c.proposals] == [(1, True, [1]), (1, False, [1, 2])]
    assert c.proposals[1]["current_number"] == 2
    # ciclo's first version holds what otra holds: every row reads the same on both sides
    assert c.rows and all(r.values[0] == r.values[1] for r in c.rows), [r for r in c.rows if r.values[0] != r.values[1]]
    assert not c.section("requirement")
    assert compare(kg, validator, ["otra", TWO], numbers=[1, 2]).to_json() == compare(kg, validator, ["otra", TWO]).to_json()
    with pytest.raises(NotFound, match="has no version 3"):
        compare(kg, validator, ["otra", TWO], numbers=[None, 3])


def test_a_dropped_version_is_refused_in_the_reader_s_language(kg, validator):
    kg.add_graph("propuestas/retirada", test_diff.text().replace("/ciclo", "/retirada"), "ttl")
    kg.add_graph("propuestas/retirada", test_diff.text(**test_diff.V2).replace("/ciclo", "/retirada"), "ttl")
    kg.drop_version("retirada", 2)  # version 1 is current again
    assert compare(kg, validator, ["otra", "retirada"]).proposals[1]["version"] == 1
    for lang, start in (("es", "la versión 2 de <https://w3id.org/ppikg/propuestas/retirada> fue retirada"),
                        ("en", "version 2 of <https://w3id.org/ppikg/propuestas/retirada> was dropped")):
        with pytest.raises(InputError) as e:
            compare(kg, validator, ["otra", "retirada"], lang, [None, 2])
        assert e.value.text(lang).startswith(start)


def test_json_and_csv_carry_every_row(kg, validator):
    c = compare(kg, validator, [ONE, TWO])
    j = c.to_json()
    assert len(j["rows"]) == len(c.rows) and j["proposals"][1]["iri"] == TWO
    table = list(csv.reader(io.StringIO(c.to_csv())))
    assert table[0] == ["section", "key", "iri", ONE, TWO]
    assert ["levels", "P1-1", f"{ONE}/P1-1", "4", "3"] in table
    assert any(r[0] == "requirement" and r[1] == "LIN-17" and r[4].startswith("warning (") for r in table)


@pytest.mark.parametrize("names, error", [(["ciclo"], InputError), (["ciclo", "ciclo"], InputError),
                                          (["ciclo"] * (MOST + 1), InputError), (["ciclo", "nada"], NotFound)])
def test_bad_choices_are_refused_with_the_reason(kg, validator, names, error):
    with pytest.raises(error):
        compare(kg, validator, names)
