"""/export chose 404 when an InputError's message started with "no graph": reworded, the 404 became a 400,
and any other InputError so worded became a 404. The status now comes from the kind of error raised."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ppikg.errors import InputError
from ppikg.store.graph import KnowledgeGraph
from ppikg.http import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    kg = KnowledgeGraph(tmp_path_factory.mktemp("wording"))
    kg.add_graph("uno", "<http://e/a> <http://e/p> <http://e/b> .", "nt", infer=False)
    with TestClient(create_app(kg)) as c:
        yield c
    kg.close()


def test_a_missing_graph_is_404_whatever_the_store_says(client, monkeypatch) -> None:
    def reworded(self, which, graph=None):
        raise InputError(f"the store holds nothing called {graph!r}")

    monkeypatch.setattr(KnowledgeGraph, "selected_graphs", reworded)
    r = client.get("/export", params={"graph": "https://w3id.org/ppikg/graph/nope"})
    assert r.status_code == 404 and r.json()["code"] == "not-found"


def test_bad_input_worded_like_a_missing_graph_stays_400(client, monkeypatch) -> None:
    def worded(self, which, graph=None):
        raise InputError("no graph selection called 'some': use asserted, inferred or all")

    monkeypatch.setattr(KnowledgeGraph, "selected_graphs", worded)
    r = client.get("/export", params={"which": "some"})
    assert r.status_code == 400 and r.json()["code"] == "bad-input"
