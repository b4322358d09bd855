"""KnowledgeGraph.add_graphs: many graphs in one write, prepared in worker processes, written in bulk — with the
same triples, inferences (owlrl's), provenance and versions as add_graph gives them one by one."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

import ppikg.store.batch as batch
from ppikg.errors import InputError, NotFound
from ppikg.store.catalog import inferred_of
from ppikg.store.graph import PROVENANCE_GRAPH, KnowledgeGraph
from ppikg.store.versions import content_digest

from .test_graph import PROPOSAL, make_inputs
from .test_inference import handmade, random_graph

NAMES = ("propuesta-a", "propuesta-b", "azar")


def sources() -> list[tuple[str, bytes]]:
    """Three graphs: a proposal in Turtle with a blank node, the hand-made proposal and a random graph (N-Triples)."""
    return [(NAMES[0], PROPOSAL.encode()), (NAMES[1], handmade().serialize(format="nt", encoding="utf-8")),
            (NAMES[2], random_graph(seed=2013).serialize(format="nt", encoding="utf-8"))]


def graph_of(kg: KnowledgeGraph, iri: str) -> rdflib.Graph:
    g = rdflib.Graph()
    for q in kg.snapshot().quads(iri):
        g.add(tuple(rdflib.util.from_n3(str(t)) for t in (q.subject, q.predicate, q.object)))  # type: ignore[arg-type]
    return g


@pytest.fixture(scope="module")
def one_by_one(tmp_path_factory) -> dict[str, tuple[rdflib.Graph, rdflib.Graph]]:
    """Each graph added with add_graph, its inferences made by owlrl (the reference semantics)."""
    root = tmp_path_factory.mktemp("one-by-one")
    with KnowledgeGraph(root / "store", reasoner="owlrl", project=make_inputs(root / "inputs")) as kg:
        kg.load_shipped()
        out = {}
        for name, data in sources():
            iri = kg.add_graph(name, data, "ttl" if name == NAMES[0] else "nt")
            out[name] = (graph_of(kg, iri), graph_of(kg, inferred_of(iri)))
        return out


def add_all(kg: KnowledgeGraph, workers: int) -> list[str]:
    """The three graphs by add_graphs (the Turtle one alone: one format per call)."""
    first, *rest = sources()
    return kg.add_graphs([first], "ttl", workers=workers) + kg.add_graphs(rest, "nt", workers=workers)


@pytest.mark.parametrize("workers", [1, 2])
def test_add_graphs_as_one_by_one_with_owlrl(workers: int, one_by_one, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(batch, "BATCH_GRAPHS", 1)  # one graph a batch: with two workers, every graph goes to one
    with KnowledgeGraph(tmp_path / "store", reasoner="rules", project=make_inputs(tmp_path / "inputs")) as kg:
        kg.load_shipped()
        iris = add_all(kg, workers)
        assert set(kg.added_graphs()) == set(iris)
        for name, iri in zip(NAMES, iris):
            asserted, inferred = one_by_one[name]
            got_asserted, got_inferred = graph_of(kg, iri), graph_of(kg, inferred_of(iri))
            assert len(got_inferred) == len(inferred) > 0, name
            assert isomorphic(got_asserted, asserted) and isomorphic(got_asserted + got_inferred, asserted + inferred), name
            provenance = kg.store.quads_for_pattern(ox.NamedNode(iri), None, None, ox.NamedNode(PROVENANCE_GRAPH))
            assert {"wasDerivedFrom", "generatedAtTime"} <= {q.predicate.value.rsplit("#", 1)[-1] for q in provenance}
        # Each proposal got its one version, its digest that of what its graph holds, its content archived.
        for proposal, name in (("http://example.org/t/prop", NAMES[0]), ("http://example.org/test/proposal", NAMES[1])):
            [version] = kg.history(proposal)
            assert version.current
            assert version.digest == content_digest(q.triple for q in kg.snapshot().quads(kg.graph_iri(name)))
            asserted, inferred = kg.version_graphs(version)
            assert isomorphic(asserted, one_by_one[name][0])


def test_malformed_graph_changes_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(batch, "BATCH_GRAPHS", 1)
    with KnowledgeGraph(tmp_path / "store", reasoner="rules", project=make_inputs(tmp_path / "inputs")) as kg:
        kg.load_shipped()
        before = kg.graphs()
        good = sources()[1:]
        for workers in (2, 1):  # found in a worker process, or in the thread preparing ahead: raised here
            with pytest.raises(InputError, match="graph/roto"):
                kg.add_graphs([*good, ("roto", b"<http://e/a> <http://e/b> .")], "nt", workers=workers)
        with pytest.raises(InputError, match="more than once"):
            kg.add_graphs([good[0], good[0]], "nt")
        with pytest.raises(InputError, match="reserved"):
            kg.add_graphs([("ontology", good[0][1])], "nt")
        with pytest.raises(InputError, match="8,192"):  # an IRI too long, in N-Triples (read from the bytes first)
            kg.add_graphs([("largo", f"<urn:a> <urn:b> <urn:{'i' * 9000}> .\n".encode())], "nt")
        assert kg.graphs() == before and not kg.added_graphs()
        # A long literal starting with "<" is no IRI: the bytes look suspect, the triples say it is fine.
        kg.add_graphs([("texto", f'<urn:a> <urn:b> "<{"x" * 9000}" .\n'.encode())], "nt")
        assert kg.added_graphs() == [kg.graph_iri("texto")]


def test_digest_is_the_sorted_str_of_the_triples() -> None:
    """The version digest is what it always was: SHA-256 over each triple's str, sorted, one per line."""
    data = ('<http://a/x> <http://a/p> "a\\"b\\n c \u00e9 \\u0001"@es .\n<http://a/x> <http://a/p> "x" .\n'
            '<http://a/x> <http://a/p> "x"@en .\n<http://a/x> <http://a/p> "x"^^<http://a/t> .\n'
            '<http://a/x> <http://a/p> "3"^^<http://www.w3.org/2001/XMLSchema#integer> .\n<http://a/y> <http://a/q> <http://a/x> .\n')
    triples = list(ox.parse(data.encode(), format=ox.RdfFormat.N_TRIPLES))
    expected = hashlib.sha256("".join(f"{line}\n" for line in sorted(str(t) for t in triples)).encode()).hexdigest()
    assert content_digest(triples) == expected == content_digest(list(reversed(triples)))


def test_preparing_ahead_gives_every_batch_in_order_and_raises_where_it_failed() -> None:
    def batches(fail_at: int | None):
        for k in range(5):
            if k == fail_at:
                raise InputError("roto")
            yield k

    assert list(batch.ahead(batches(None))) == [0, 1, 2, 3, 4]
    got = []
    with pytest.raises(InputError, match="roto"):
        for item in batch.ahead(batches(3)):
            got.append(item)
    assert got == [0, 1, 2]


def test_preparing_ahead_stops_when_the_writer_stops() -> None:
    import threading

    made = []

    def endless():
        while True:
            made.append(len(made))
            yield made[-1]

    lane = batch.ahead(endless())
    assert next(lane) == 0
    lane.close()  # the writer failed: nothing more is prepared
    assert not any(t.name == "ppikg-prepare" for t in threading.enumerate())
    assert len(made) <= 3  # the one handed over, the one waiting, the one being made


def test_a_blank_node_with_a_typed_literal_keeps_one_label_in_the_stored_form() -> None:
    """Only the lines with a typed literal go through a store to take their canonical form: a blank node on
    such a line keeps the label it has on the others, so the graph's structure is the one parsed."""
    from ppikg.store.versions import to_ntriples
    from ppikg.store.loading import parse_rdf

    ttl = (b'@prefix x: <urn:x:> . x:a x:p [ x:q "2.0"^^<http://www.w3.org/2001/XMLSchema#decimal> ; x:r x:b ] .\n'
           b'x:a x:n "3"^^<http://www.w3.org/2001/XMLSchema#integer>, "03"^^<http://www.w3.org/2001/XMLSchema#integer> .')
    parsed, _ = parse_rdf(ttl, "ttl")
    stored = batch.as_stored(parsed)
    store = ox.Store()
    store.load(ttl, format=ox.RdfFormat.TURTLE)
    expected = rdflib.Graph().parse(data=to_ntriples(store).decode(), format="nt")
    got = rdflib.Graph().parse(data=stored.decode(), format="nt")
    assert len(got) == 4 and isomorphic(got, expected)  # "3" and "03" are one integer


def test_a_bulk_load_failing_in_its_thread_fails_the_write_and_changes_nothing(tmp_path: Path, monkeypatch) -> None:
    """The bulk loads run in a thread beside the write's records: one that fails there fails add_graphs, and
    the store (its graphs, versions and provenance among them) and its search index stay as they were."""
    from ppikg.search.query import search
    from ppikg.store.embedded import StoreWriter

    monkeypatch.setattr(batch, "BATCH_GRAPHS", 1)
    real, loads = StoreWriter.bulk_add, []

    def second_fails(self, nquads, graphs=None):
        loads.append(graphs)
        if len(loads) == 2:
            raise OSError("disk full")
        real(self, nquads, graphs)

    monkeypatch.setattr(StoreWriter, "bulk_add", second_fails)
    with KnowledgeGraph(tmp_path / "store", reasoner="rules", project=make_inputs(tmp_path / "inputs")) as kg:
        kg.load_shipped()
        before, state = kg.graphs(), kg.snapshot().state
        found = search(kg.snapshot(), "proposal")["total"]
        with pytest.raises(OSError, match="disk full"):
            kg.add_graphs([*sources()[1:], ("otra", sources()[1][1])], "nt")
        assert len(loads) == 2  # the third batch was never loaded
        assert kg.graphs() == before and not kg.added_graphs() and kg.snapshot().state == state
        with pytest.raises(NotFound):  # no version of the proposal was kept
            kg.history("http://example.org/test/proposal")
        assert search(kg.snapshot(), "proposal")["total"] == found
