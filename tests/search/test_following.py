"""The index follows every write of the store, is consistent per state, and is rebuilt when stale."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from ppikg.search.index import FILE, SearchIndex
from ppikg.search.query import search
from ppikg.search.sync import reader
from ppikg.store.graph import KnowledgeGraph

P = "https://w3id.org/ppikg/propuestas/prueba-busqueda/"


def proposal(*statements: str) -> str:
    """A proposal graph with one indicator per statement (Turtle)."""
    lines = ["@prefix ppi: <https://w3id.org/ppikg/ontology#> .", f"<{P.rstrip('/')}> a ppi:Proposal ."]
    for n, text in enumerate(statements, 1):
        lines.append(f'<{P}I{n}> a ppi:Indicator ; ppi:statement "{text}"@es .')
    return "\n".join(lines)


def found(kg_or_snapshot, text: str) -> list[str]:
    snapshot = kg_or_snapshot.snapshot() if isinstance(kg_or_snapshot, KnowledgeGraph) else kg_or_snapshot
    return [h["iri"] for h in search(snapshot, text)["hits"] if h["iri"].startswith(P)]


@pytest.fixture
def store(shipped_store, tmp_path):
    return shipped_store(tmp_path / "store")


@pytest.fixture
def kg(store):
    with KnowledgeGraph(store) as kg:
        yield kg


def test_an_added_graph_is_found_and_forgotten_with_its_graph(kg):
    kg.add_graph("propuestas/prueba-busqueda", proposal("El director cultiva zarzamoras en el huerto escolar."), infer=False)
    assert found(kg, "zarzamora") == [P + "I1"]
    kg.add_graph("propuestas/prueba-busqueda", proposal("El director riega los arándanos."), infer=False)  # replaced
    assert found(kg, "zarzamora") == [] and found(kg, "arandano") == [P + "I1"]
    kg.remove_graph("propuestas/prueba-busqueda")
    assert found(kg, "arandano") == []


def test_dropping_the_current_version_brings_back_the_text_of_the_one_before(kg):
    kg.add_graph("propuestas/prueba-busqueda", proposal("Huerto de zarzamoras."), infer=False)
    kg.add_graph("propuestas/prueba-busqueda", proposal("Huerto de arándanos."), infer=False)
    kg.drop_version("prueba-busqueda", 2)
    assert found(kg, "arandanos") == [] and found(kg, "zarzamoras") == [P + "I1"]


def test_sparql_update_and_graph_store_writes_are_followed(kg):
    graph = "https://w3id.org/ppikg/graph/propuestas/prueba-busqueda"
    kg.update(f'INSERT DATA {{ GRAPH <{graph}> {{ <{P}I1> a ppi:Indicator ; ppi:statement "Cuida las abejas."@es }} }}')
    assert found(kg, "abeja") == [P + "I1"]
    kg.update(f'DELETE {{ GRAPH ?g {{ ?i ppi:statement ?s }} }} INSERT {{ GRAPH ?g {{ ?i ppi:statement "Cuida las hormigas."@es }} }} '
              f'WHERE {{ GRAPH ?g {{ ?i ppi:statement ?s }} FILTER(?g = <{graph}>) }}')
    assert found(kg, "abeja") == [] and found(kg, "hormiga") == [P + "I1"]
    kg.write_graph(graph, proposal("Observa las mariposas.").encode(), ox.RdfFormat.TURTLE, replace=True)
    assert found(kg, "hormiga") == [] and found(kg, "mariposa") == [P + "I1"]
    kg.write_graph(graph, f'<{P}I9> a <https://w3id.org/ppikg/ontology#Indicator> ; '
                          f'<https://w3id.org/ppikg/ontology#statement> "Las libélulas."@es .'.encode(),
                   ox.RdfFormat.TURTLE, replace=False)
    assert found(kg, "mariposa") == [P + "I1"] and found(kg, "libelula") == [P + "I9"]
    kg.update(f"DROP GRAPH <{graph}>")
    assert found(kg, "mariposa") == [] and found(kg, "libelula") == []


def test_a_reader_of_an_older_state_sees_that_state(kg):
    before = kg.snapshot()
    kg.add_graph("propuestas/prueba-busqueda", proposal("Huerto de zarzamoras."), infer=False)
    after = kg.snapshot()
    kg.add_graph("propuestas/prueba-busqueda", proposal("Huerto de arándanos."), infer=False)
    assert found(before, "zarzamoras") == [] and found(after, "zarzamoras") == [P + "I1"]
    assert found(after, "arandanos") == [] and found(kg, "arandanos") == [P + "I1"]
    # they read the store's file, not an index of their own
    assert search(after, "zarzamoras")["state"] == after.state


def test_a_write_whose_store_commit_fails_leaves_nothing_in_the_index(kg, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(kg.backend, "_commit", fail)
    with pytest.raises(OSError):
        kg.add_graph("propuestas/prueba-busqueda", proposal("Huerto de zarzamoras."), infer=False)
    monkeypatch.undo()
    index = SearchIndex(kg.store_dir / FILE)
    assert int(index.meta()["state"]) == kg.state
    assert found(kg, "zarzamoras") == []
    kg.add_graph("propuestas/prueba-busqueda", proposal("Huerto de arándanos."), infer=False)
    assert found(kg, "arandanos") == [P + "I1"] and found(kg, "zarzamoras") == []


def test_rows_of_a_write_that_never_committed_are_taken_out_when_the_store_opens(store):
    with KnowledgeGraph(store) as kg:
        state = kg.state
    data = ox.Store()
    data.add(ox.Quad(ox.NamedNode(P + "I1"), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                     ox.NamedNode("https://w3id.org/ppikg/ontology#Indicator"), ox.NamedNode("urn:g")))
    data.add(ox.Quad(ox.NamedNode(P + "I1"), ox.NamedNode("https://w3id.org/ppikg/ontology#statement"),
                     ox.Literal("Huerto de zarzamoras.", language="es"), ox.NamedNode("urn:g")))
    index = SearchIndex(store / FILE)  # a process that died after the index committed, before the store did
    index.follow(reader(lambda g, p: data.quads_for_pattern(None, p, None, g), ["urn:g"]), ["urn:g"], state + 1, state)
    index.close()
    with KnowledgeGraph(store) as kg:
        assert kg.state == state and found(kg, "zarzamoras") == []
        kg.add_graph("propuestas/prueba-busqueda", proposal("Huerto de arándanos."), infer=False)
        assert found(kg, "arandanos") == [P + "I1"] and found(kg, "zarzamoras") == []


@pytest.mark.parametrize("damage", ["missing", "garbage", "stale"])
def test_a_missing_damaged_or_stale_index_is_rebuilt_from_the_graph(store, damage):
    with KnowledgeGraph(store) as kg:
        kg.add_graph("propuestas/prueba-busqueda", proposal("Huerto de zarzamoras."), infer=False)
    path = store / FILE
    if damage == "missing":
        path.unlink()
    elif damage == "garbage":
        for f in store.glob(FILE + "*"):
            f.unlink()
        path.write_bytes(b"not a database " * 100)
    else:
        index = SearchIndex(path)
        index.db.execute("UPDATE meta SET value = '1' WHERE key = 'state'")
        index.close()
    with KnowledgeGraph(store) as kg:
        assert found(kg, "zarzamoras") == [P + "I1"]
        assert int(SearchIndex(path).meta()["state"]) == kg.state


def test_a_reader_beside_the_writer_reads_the_writer_s_index(kg):
    with KnowledgeGraph(kg.store_dir) as reader_kg:
        assert reader_kg.read_only and reader_kg.search_index is None
        kg.add_graph("propuestas/prueba-busqueda", proposal("Huerto de zarzamoras."), infer=False)
        assert found(reader_kg, "zarzamoras") == [P + "I1"]


def test_a_store_in_memory_is_searched_at_every_state():
    with KnowledgeGraph(None) as kg:
        kg.add_graph("propuestas/prueba-busqueda", proposal("Huerto de zarzamoras."), infer=False)
        assert found(kg, "zarzamoras") == [P + "I1"]
        kg.add_graph("propuestas/prueba-busqueda", proposal("Huerto de arándanos."), infer=False)
        assert found(kg, "zarzamoras") == [] and found(kg, "arandanos") == [P + "I1"]


def test_only_the_graphs_a_write_changed_are_indexed_again(kg):
    index = kg.search_index
    assert index is not None
    rows = lambda: index.db.execute("SELECT COUNT(*) FROM docs").fetchone()[0]  # noqa: E731
    before = rows()
    kg.add_graph("propuestas/prueba-busqueda", proposal("Huerto de zarzamoras."), infer=False)
    assert rows() == before + 1  # the shipped documents were not written again
    kg.update('INSERT DATA { GRAPH <https://w3id.org/ppikg/graph/otro> { <urn:a> <urn:b> "c" } }')  # any graph may have changed
    assert rows() == before + 1


def index_rows(index: SearchIndex) -> list[tuple]:
    return index.db.execute("SELECT d.graph, d.iri, d.kind, d.text, d.label_es, d.label_en FROM docs d "
                            "WHERE d.died IS NULL ORDER BY d.graph, d.iri").fetchall()


def test_graphs_loaded_in_bulk_are_indexed_as_reading_them_back_would_index_them(kg, tmp_path):
    """add_graphs gives the index each graph's documents read off the triples it writes: the rows are those a
    rebuild from the store makes, also for a subject with two Spanish labels (the store lists them in another
    order than the file)."""
    labels = " ; ".join(f'<http://www.w3.org/2000/01/rdf-schema#label> "{w}"@es' for w in ("zeta", "alfa", "mu"))
    second = proposal("Huerto de arándanos.").replace(f"<{P}I1> a", f"<{P}I1> {labels} ; a")
    kg.add_graphs([("propuestas/prueba-busqueda", proposal("Huerto de zarzamoras.", "Riego por goteo.")),
                   ("propuestas/prueba-busqueda-2", second.replace(P, P.rstrip("/") + "-2/"))], "ttl")
    assert found(kg, "zarzamoras") == [P + "I1"]
    rebuilt = SearchIndex(tmp_path / "rebuilt.sqlite")
    from ppikg.search.sync import build

    build(rebuilt, kg.snapshot())
    assert index_rows(kg.search_index) == index_rows(rebuilt)
    assert any(r[1] == P.rstrip("/") + "-2/I1" for r in index_rows(rebuilt))
    kg.add_graphs([("propuestas/prueba-busqueda", proposal("Huerto de frambuesas."))], "ttl")  # replaced in bulk
    assert found(kg, "zarzamoras") == [] and found(kg, "frambuesas") == [P + "I1"]


def test_documents_kept_for_a_graph_are_dropped_when_the_write_changes_it_again(kg):
    """A write that changes a graph after its documents were handed over has them read back from the graph."""
    graph = "https://w3id.org/ppikg/graph/propuestas/prueba-busqueda"
    with kg.backend.write() as writer:
        writer.keep_documents(graph, [])
        assert writer.kept_documents(graph) == []
        writer.add(graph, [ox.Triple(ox.NamedNode(P + "I1"), ox.NamedNode("urn:p"), ox.Literal("x"))])
        assert writer.kept_documents(graph) is None
        writer.keep_documents(graph, [])
        writer.update("CLEAR ALL")  # the graphs an update changes are not known: every kept one goes
        assert writer.kept_documents(graph) is None
