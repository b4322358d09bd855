"""Authorisation and revision (Décimo Sexto, Décimo Séptimo): decisions recorded per version, one version in
force per filer and subsystem, LIN-16 reading the records, the next revision from the periodicity, and every
bad decision refused without a change."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ppikg.config import Settings
from ppikg.conformance.validator import Validator
from ppikg.errors import InputError, NotFound
from ppikg.http import create_app
from ppikg.lifecycle.authorisation import decide
from ppikg.lifecycle.reports import version_report
from ppikg.namespaces import PPI
from ppikg.store.graph import KnowledgeGraph

from .test_versions import AUTH, IRI, REVISED, TOKEN, text


@pytest.fixture
def kg(shipped_store, tmp_path):
    with KnowledgeGraph(shipped_store(tmp_path / "store")) as kg:
        kg.add_graph("propuestas/ciclo", text(), "ttl")
        yield kg


def status(kg, number: int) -> str:
    return kg.version("ciclo", number).status.rsplit("#", 1)[-1]


def test_a_version_goes_through_review_to_authorised_with_its_next_revision(kg):
    decide(kg, "ciclo", 1, "en-revision", when="2014-04-01")
    d = decide(kg, "ciclo", 1, "autorizada", when="15/05/2014", act="INEE/2014/017", revise_every="P1Y")
    assert (d.date, d.next_revision, d.body) == ("2014-05-15", "2015-05-15", "https://w3id.org/ppikg/autoridades/instituto")
    v1 = kg.version("ciclo", 1)
    assert status(kg, 1) == "Authorised" and v1.next_revision == "2015-05-15"
    assert v1.overdue(today="2016-01-01") and not v1.overdue(today="2015-01-01")
    _, rows = kg.query_rows(f"""SELECT ?n ?status ?act WHERE {{ <{v1.iri}> ppi:hasDecision ?d .
        ?d ppi:toStatus ?status ; dcterms:date ?date ; ppi:decidedBy aut:instituto . OPTIONAL {{ ?d ppi:actReference ?act }}
        BIND(STRAFTER(STR(?d), "/decisiones/") AS ?n) }} ORDER BY ?n""")
    assert [(r["n"], r["status"].rsplit("#")[-1], r["act"]) for r in rows] == [
        ("1", "UnderReview", None), ("2", "Authorised", "INEE/2014/017")]


def test_a_modification_links_to_the_authorised_version_and_its_authorisation_supersedes_it(kg):
    decide(kg, "ciclo", 1, "autorizada", when="2014-05-15", act="INEE/2014/017")
    kg.add_graph("propuestas/ciclo", text(**REVISED), "ttl")
    v2 = kg.version("ciclo", 2)
    _, rows = kg.query_rows(f"SELECT ?a WHERE {{ <{v2.iri}> ppi:modifiesAuthorised ?a }}")
    assert rows == [{"a": kg.version("ciclo", 1).iri}]
    d = decide(kg, "ciclo", 2, "autorizada", when="2015-05-20", act="INEE/2015/003")
    assert d.superseded == (kg.version("ciclo", 1).iri,)
    assert (status(kg, 1), status(kg, 2)) == ("Superseded", "Authorised")


def test_another_filers_authorised_version_stays_in_force(kg):
    other = text().replace("/ciclo", "/otra").replace("ppi:proposedBy aut:subsecretaria", "ppi:proposedBy aut:ael\\/mx-jal")
    kg.add_graph("propuestas/otra", other, "ttl")
    decide(kg, "otra", 1, "autorizada", when="2014-05-15", act="A")
    decide(kg, "ciclo", 1, "autorizada", when="2014-05-16", act="B")
    assert kg.version("otra", 1).status == str(PPI.Authorised)


@pytest.mark.parametrize("args, error, message", [
    ((9, "autorizada"), NotFound, "has no version 9"),
    ((1, "aprobadísima"), InputError, "unknown state"),
    ((1, "autorizada"), InputError, "needs the reference of the Instituto's act"),
])
def test_bad_decisions_are_refused_and_change_nothing(kg, args, error, message):
    with pytest.raises(error, match=message):
        decide(kg, "ciclo", *args, when="2014-05-15")
    assert status(kg, 1) == "Pending"


@pytest.mark.parametrize("kwargs, message", [
    ({"when": "15-05-2014"}, "not a date: '15-05-2014' \\(write AAAA-MM-DD or dd/mm/aaaa\\)"),
    ({"when": "2014-01-01"}, "before the proposal was issued \\(2014-03-14\\)"),
    ({"when": "2014-05-15", "body": "https://w3id.org/ppikg/autoridades/subsecretaria"}, "only the Instituto"),
    ({"when": "2014-05-15", "revise_every": "cada año"}, "not a revision periodicity"),
    ({"when": "2014-05-15", "next_revision": "2014-05-01"}, "must come after the authorisation"),
])
def test_bad_dates_bodies_and_periods_are_refused(kg, kwargs, message):
    with pytest.raises(InputError, match=message):
        decide(kg, "ciclo", 1, "autorizada", act="X", **kwargs)
    assert status(kg, 1) == "Pending"


def test_final_states_cannot_change_and_decisions_keep_their_order(kg):
    decide(kg, "ciclo", 1, "en-revision", when="2014-05-10")
    with pytest.raises(InputError, match="before the version's last decision"):
        decide(kg, "ciclo", 1, "autorizada", when="2014-05-01", act="X")
    decide(kg, "ciclo", 1, "no-autorizada", when="2014-05-20", act="INEE/NEG/1")
    with pytest.raises(InputError, match="is not authorised: it cannot become authorised"):
        decide(kg, "ciclo", 1, "autorizada", when="2014-06-01", act="X")


def test_lin_16_fails_when_a_promotion_uses_a_version_the_records_do_not_authorise(kg):
    validator = Validator()
    used = text(**{"ppi:usedInPromotionProcess false": "ppi:usedInPromotionProcess true",
                   "ppi:authorisationStatus ppi:Pending": "ppi:authorisationStatus ppi:Authorised"})
    kg.add_graph("propuestas/ciclo", used, "ttl")
    report = version_report(kg, validator, kg.version("ciclo", 2))
    assert report.outcomes["LIN-16"] == ("violation", 1)  # it says "authorised"; the records say pending
    assert [o for rid, (o, _) in report.outcomes.items() if o == "violation"] == ["violation"]
    decide(kg, "ciclo", 2, "autorizada", when="2014-05-15", act="INEE/2014/017")
    assert version_report(kg, validator, kg.version("ciclo", 2)).outcomes["LIN-16"] == ("conforms", 0)


def test_decisions_over_http_need_the_token(kg):
    with TestClient(create_app(kg, Settings(update_enabled=True, token=TOKEN))) as c:
        url = "/propuestas/ciclo/versiones/1/decisiones"
        form = {"estado": "autorizada", "fecha": "2014-05-15", "acto": "INEE/2014/017", "periodicidad": "P2Y"}
        assert c.post(url, data=form).status_code == 401
        bad = c.post(url, data={**form, "fecha": "mañana"}, headers=AUTH)
        assert bad.status_code == 400 and "no es una fecha" in bad.json()["error"]
        r = c.post(url, data=form, headers=AUTH)
        assert r.status_code == 201, r.text
        assert r.json()["next_revision"] == "2016-05-15" and status(kg, 1) == "Authorised"
        history = c.get("/propuestas/ciclo/versiones", params={"format": "json"}).json()
        assert history[0]["next_revision"] == "2016-05-15"
    assert IRI in r.json()["version"]
