"""/validate as people and their tools use it: an unknown report format is a 406 that lists the formats (it
used to answer JSON silently), a browser form's multipart upload is read (it used to be 415), and a proposal
already in the store is validated by its IRI over HTTP."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ppikg.config import Project, Settings
from ppikg.http import create_app
from ppikg.store.graph import KnowledgeGraph

EXAMPLE = Project.default().examples_dir / "propuesta-ejemplo-dgb.ttl"
WORKBOOK = Project.default().templates_dir / "propuesta-ejemplo-dgb.xlsx"


@pytest.fixture(scope="module")
def client(shipped_store, tmp_path_factory):
    with KnowledgeGraph(shipped_store(tmp_path_factory.mktemp("validate") / "store")) as kg:
        with TestClient(create_app(kg, Settings())) as c:
            yield c


@pytest.mark.parametrize("fmt", ["docx", "xyz"])
def test_an_unknown_report_format_is_406_with_the_formats(client, fmt):
    r = client.post("/validate", params={"format": fmt, "lang": "en"}, content=EXAMPLE.read_bytes(),
                    headers={"Content-Type": "text/turtle"})
    message = r.json()["error"]
    assert r.status_code == 406 and all(name in message for name in ("json", "html", "text", "ttl", "pdf", "csv",
                                                                      "xlsx"))
    assert f"not {fmt!r}" in message


def test_a_multipart_form_upload_is_read(client):
    with WORKBOOK.open("rb") as f:
        r = client.post("/validate", params={"lang": "en", "format": "text"}, files={"proposal": (WORKBOOK.name, f)})
    assert r.status_code == 200, r.text
    assert r.text.startswith("Conformance report") and r.headers["x-ppi-conforms"] == "true"
    with EXAMPLE.open("rb") as f:
        odd = client.post("/validate", params={"lang": "en"}, files={"proposal": ("propuesta.docx", f)})
    assert odd.status_code == 415 and "not a proposal" in odd.json()["error"]
    assert client.post("/validate", data={"lang": "es"}, files={}).status_code in (400, 415)


def test_a_proposal_in_the_store_is_validated_by_its_iri(client):
    r = client.get("/validate", params={"proposal": "https://w3id.org/ppikg/propuestas/ejemplo-ael-jal",
                                        "format": "text", "lang": "en"})
    assert r.status_code == 200 and "CONFORMS" in r.text.splitlines()[1]
    page = client.get("/validate", params={"proposal": "https://w3id.org/ppikg/propuestas/ejemplo-ael-jal"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
