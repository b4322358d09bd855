"""The template can be downloaded from the site: the blank workbook, the complete example, and each as its CSV
folder zipped; /audit and / link them, and each download is read back by the importer."""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient

from ppikg.config import Project, Settings
from ppikg.http import create_app
from ppikg.proposals.importer import import_proposal
from ppikg.store.graph import KnowledgeGraph

FOLDER = Project.default().templates_dir


@pytest.fixture(scope="module")
def client(shipped_store, tmp_path_factory):
    with KnowledgeGraph(shipped_store(tmp_path_factory.mktemp("downloads") / "store")) as kg:
        with TestClient(create_app(kg, Settings())) as c:
            yield c


@pytest.mark.parametrize("page", ["/audit", "/"])
@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_pages_link_every_download(client, page, lang):
    html = client.get(page, params={"lang": lang}).text
    for name in ("propuesta-ppi.xlsx", "propuesta-ppi.zip", "propuesta-ejemplo-dgb.xlsx", "propuesta-ejemplo-dgb.zip"):
        assert f'href="/plantillas/{name}" download' in html


def test_the_workbooks_are_the_shipped_files(client):
    for name in ("propuesta-ppi.xlsx", "propuesta-ejemplo-dgb.xlsx"):
        r = client.get(f"/plantillas/{name}")
        assert r.status_code == 200 and r.content == (FOLDER / name).read_bytes()
        assert r.headers["content-disposition"] == f'attachment; filename="{name}"'


def test_the_zips_hold_the_csv_folders_and_import_as_the_workbook_does(client):
    r = client.get("/plantillas/propuesta-ejemplo-dgb.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert names == sorted(f.name for f in (FOLDER / "propuesta-ejemplo-dgb").glob("*.csv"))
    from rdflib.compare import isomorphic

    assert isomorphic(import_proposal(r.content, "csv-zip"), import_proposal(FOLDER / "propuesta-ejemplo-dgb.xlsx"))
    assert client.get("/plantillas/propuesta-ejemplo-dgb.zip").content == r.content  # the same bytes every time
