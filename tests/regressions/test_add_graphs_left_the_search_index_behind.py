"""Graphs loaded together (``KnowledgeGraph.add_graphs``, the bulk path of ``ppi import`` and the benchmarks)
were written past the search index: the index kept the state before, so the next open of the store rebuilt the
whole index (~10 s at a million triples) and, until then, the new graphs' text was not found."""

from __future__ import annotations

import ppikg.search.sync as sync
from ppikg.search.query import search
from ppikg.store.graph import KnowledgeGraph

P = "https://w3id.org/ppikg/propuestas/juntas/"


def graph(n: int) -> str:
    return (f"@prefix ppi: <https://w3id.org/ppikg/ontology#> . <{P}{n}> a ppi:Proposal . "
            f'<{P}{n}/I1> a ppi:Indicator ; ppi:statement "Zarzaparrilla número {n} del plantel"@es .')


def test_graphs_added_together_are_searched_at_once_and_not_indexed_again_on_open(shipped_store, tmp_path,
                                                                                    monkeypatch):
    store = shipped_store(tmp_path / "store")
    with KnowledgeGraph(store) as kg:
        kg.add_graphs([(f"propuestas/juntas-{n}", graph(n)) for n in range(3)], "ttl")
        hits = [h["iri"] for h in search(kg.snapshot(), "zarzaparrilla")["hits"]]
        assert sorted(hits) == [f"{P}{n}/I1" for n in range(3)]
    rebuilt: list[int] = []
    original = sync.build
    monkeypatch.setattr(sync, "build", lambda index, snapshot: (rebuilt.append(snapshot.state), original(index, snapshot)))
    with KnowledgeGraph(store) as kg:
        assert len(search(kg.snapshot(), "zarzaparrilla")["hits"]) == 3
    assert rebuilt == []
