"""The national dashboard /propuestas: every proposal with its filer, subsystems, current version, report
summary, state and next revision, as a page, JSON and CSV, sortable; over the shipped examples, which show
the process (an Autoridad Educativa Local's proposal in two versions, an Organismo Descentralizado's)."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from ppikg.config import Settings
from ppikg.http import create_app
from ppikg.lifecycle.authorisation import decide
from ppikg.store.graph import KnowledgeGraph

from .test_versions import TOKEN

BASE = "https://w3id.org/ppikg/propuestas/"


@pytest.fixture(scope="module")
def client(shipped_store, tmp_path_factory):
    with KnowledgeGraph(shipped_store(tmp_path_factory.mktemp("dashboard") / "store")) as kg:
        decide(kg, "ejemplo-dgb", 1, "autorizada", when="2014-05-15", act="INEE/EJEMPLO/1", next_revision="2015-05-15")
        with TestClient(create_app(kg, Settings(update_enabled=True, token=TOKEN))) as c:
            yield c


def test_the_shipped_examples_show_every_kind_of_filer_and_a_revised_version(client):
    body = client.get("/propuestas", params={"format": "json"}).json()
    rows = {r["name"]: r for r in body["proposals"]}
    assert set(rows) == {"ejemplo-dgb", "ejemplo-ael-jal", "ejemplo-od-cecyte"}
    assert {n: r["filer_kind"] for n, r in rows.items()} == {
        "ejemplo-dgb": "subsecretaria", "ejemplo-ael-jal": "ael", "ejemplo-od-cecyte": "od"}
    assert rows["ejemplo-ael-jal"]["filer_label"] == "Autoridad Educativa Local: Jalisco"
    assert [s["iri"] for s in rows["ejemplo-ael-jal"]["subsystems"]] == ["https://w3id.org/ppikg/subsistemas/estatales"]
    assert (rows["ejemplo-ael-jal"]["version"], rows["ejemplo-ael-jal"]["versions"]) == (2, 2)
    assert all(r["example"] and r["conforms"] is True for r in rows.values())
    assert body["reports_pending"] == 0
    dgb = rows["ejemplo-dgb"]
    assert (dgb["status"].rsplit("#")[-1], dgb["in_force"], dgb["next_revision"], dgb["overdue"]) == (
        "Authorised", 1, "2015-05-15", True)  # its revision was due in 2015
    # The revised example fixes the finding of its first version.
    d = client.get("/propuestas/ejemplo-ael-jal/diferencias", params={"format": "json"}).json()
    assert [(r["id"], r["change"]) for r in d["requirements"]] == [("LIN-14-I", "fixed")]


def test_the_dashboard_sorts_and_answers_in_csv(client):
    names = lambda **p: [r["name"] for r in client.get("/propuestas", params={"format": "json", **p}).json()["proposals"]]
    assert names() == ["ejemplo-ael-jal", "ejemplo-dgb", "ejemplo-od-cecyte"]
    assert names(orden="proposal", desc="true") == ["ejemplo-od-cecyte", "ejemplo-dgb", "ejemplo-ael-jal"]
    assert names(orden="next_revision")[0] == "ejemplo-dgb"
    assert client.get("/propuestas", params={"orden": "nada"}).status_code == 400
    rows = list(csv.DictReader(io.StringIO(client.get("/propuestas", headers={"Accept": "text/csv"}).text)))
    assert {r["proposal"] for r in rows} == {BASE + n for n in ("ejemplo-dgb", "ejemplo-ael-jal", "ejemplo-od-cecyte")}


def test_each_row_links_to_its_report_history_diff_and_coverage(client):
    page = client.get("/propuestas", params={"lang": "en"})
    assert page.status_code == 200 and "Proposals: national dashboard" in page.text
    for href in ("/propuestas/ejemplo-ael-jal/versiones/2/informe?lang=en", "/propuestas/ejemplo-ael-jal/versiones?lang=en",
                 "/propuestas/ejemplo-ael-jal/diferencias?lang=en"):
        assert f'href="{href}"' in page.text
        assert client.get(href.replace("&amp;", "&")).status_code == 200
    report = client.get("/propuestas/ejemplo-ael-jal/versiones/1/informe", params={"format": "text", "lang": "en"})
    assert "DOES NOT CONFORM" in report.text and "LIN-14-I" in report.text
