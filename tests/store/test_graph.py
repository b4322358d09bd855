"""KnowledgeGraph: loading, warm restarts, added graphs, queries and exports."""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path

import pytest
import rdflib

from ppikg.config import Project
from ppikg.errors import InputError, PpikgError
from ppikg.store.inference import owlrl_closure
from ppikg.store.graph import BASE_INFERRED, ONTOLOGY_INFERRED, PROVENANCE_GRAPH, KnowledgeGraph
from ppikg.namespaces import GRAPH, ONTOLOGY_GRAPH, PPI

DATA = """@prefix ppi: <https://w3id.org/ppikg/ontology#> . @prefix ex: <http://example.org/t/> .
ex:att1 a ppi:CompetencyAttribute ; ppi:attributeOf ex:comp1 .
ex:asp1 ppi:correspondsToCompetency ex:comp2 .
"""

PROPOSAL = """@prefix ppi: <https://w3id.org/ppikg/ontology#> . @prefix ex: <http://example.org/t/> .
ex:prop a ppi:Proposal ; ppi:hasParameter ex:par .
ex:par ppi:tiedToAspect ex:asp1 ; ppi:hasIndicator ex:ind , [ ppi:coversAttribute ex:att1 ] .
ex:ind ppi:coversAttribute ex:att1 .
"""

COVERED = "SELECT ?comp WHERE { <http://example.org/t/ind> ppi:coversCompetency ?comp } ORDER BY ?comp"


def make_inputs(root: Path) -> Project:
    """A project holding a private copy of the ontology plus a tiny data file (no shapes, no examples)."""
    (root / "ontology").mkdir(parents=True)
    (root / "data").mkdir()
    shutil.copy(Project.default().ontology_dir / "ppi.ttl", root / "ontology" / "ppi.ttl")
    (root / "data" / "sample.ttl").write_text(DATA)
    return Project(root)


@pytest.fixture
def inputs(tmp_path: Path) -> Project:
    return make_inputs(tmp_path / "inputs")


@pytest.fixture(scope="module")
def kg(tmp_path_factory: pytest.TempPathFactory):
    """A graph built from the private inputs, shared by the tests that leave it as it is."""
    with KnowledgeGraph(None, reasoner="rules", project=make_inputs(tmp_path_factory.mktemp("inputs"))) as kg:
        kg.load_shipped()
        yield kg


def parse(data: bytes, fmt: str = "nt") -> rdflib.Graph:
    return rdflib.Graph().parse(data=data, format=fmt)


def named(g: rdflib.Graph) -> set:
    """The triples without blank nodes (whose labels change with every parse)."""
    return {t for t in g if not any(isinstance(x, rdflib.BNode) for x in t)}


def export(kg: KnowledgeGraph, fmt: str = "nt", **kw) -> bytes:
    out = io.BytesIO()
    kg.export(out, fmt, **kw)
    return out.getvalue()


def test_load_in_memory(kg: KnowledgeGraph) -> None:
    graphs = dict(kg.graphs())
    assert graphs[str(ONTOLOGY_GRAPH)] > 400
    assert graphs[str(GRAPH["sample"])] == 3
    assert graphs[str(ONTOLOGY_INFERRED)] > 0 and graphs[str(BASE_INFERRED)] > 0
    # The union sees asserted and inferred triples alike.
    _, rows = kg.query_rows("SELECT ?a WHERE { <http://example.org/t/comp1> ppi:hasAttribute ?a }")
    assert rows == [{"a": "http://example.org/t/att1"}]
    assert kg.counts_by_class()[str(PPI.Competency)] == 2
    info = kg.info()
    assert info["versions"]["pyoxigraph"] and info["reasoner"]["shipped"] == "rules"


def test_warm_restart(inputs: Project, tmp_path: Path) -> None:
    store = tmp_path / "store"
    with KnowledgeGraph(store, reasoner="rules", project=inputs) as kg:
        assert kg.load_shipped() is True
        before = kg.graphs()
    said: list[str] = []
    with KnowledgeGraph(store, project=inputs) as kg:
        assert kg.load_shipped(progress=said.append) is False
        assert kg.graphs() == before
    assert said == []  # nothing loaded, nothing inferred: the store is used as it is


def test_changed_input_rebuilds(inputs: Project, tmp_path: Path) -> None:
    progress: list[str] = []
    with KnowledgeGraph(tmp_path / "store", reasoner="rules", project=inputs) as kg:
        kg.load_shipped()
        fp = kg.fingerprint()
        kg.add_graph("p", PROPOSAL)
        (inputs.data_dir / "sample.ttl").write_text(DATA.replace("ex:comp2", "ex:comp3"))
        assert kg.load_shipped(progress=progress.append) is True
        assert kg.fingerprint() != fp and progress
        assert dict(kg.graphs())[str(GRAPH["sample"])] == 3
        # The added proposal was re-inferred against the new data.
        _, rows = kg.query_rows(COVERED)
        assert [r["comp"] for r in rows] == ["http://example.org/t/comp1", "http://example.org/t/comp3"]
        assert kg.load_shipped() is False
        assert kg.load_shipped(force=True) is True


def test_export_keeps_asserted_and_inferred_apart(kg: KnowledgeGraph) -> None:
    asserted, inferred, everything = (parse(export(kg, which=w)) for w in ("asserted", "inferred", "all"))
    stated = (rdflib.URIRef("http://example.org/t/att1"), PPI.attributeOf, rdflib.URIRef("http://example.org/t/comp1"))
    entailed = (stated[2], PPI.hasAttribute, stated[0])
    assert stated in asserted and stated not in inferred
    assert entailed in inferred and entailed not in asserted
    assert named(everything) == named(asserted) | named(inferred)
    assert len(everything) == len(asserted) + len(inferred)
    assert not any(str(s).startswith(str(GRAPH["meta"])) for s in everything.subjects())
    nq = export(kg, "nq", which="inferred").decode()
    assert f"<{BASE_INFERRED}>" in nq and f"<{GRAPH['sample']}>" not in nq
    one = parse(export(kg, graph="sample", which="asserted"))
    assert len(one) == 3


@pytest.mark.parametrize("fmt,rdflib_fmt", [("ttl", "turtle"), ("nt", "nt"), ("xml", "xml"), ("jsonld", "json-ld"),
                                           ("nq", "nquads"), ("trig", "trig")])
def test_export_formats(kg: KnowledgeGraph, fmt: str, rdflib_fmt: str) -> None:
    data = export(kg, fmt, graph="sample")
    g = rdflib.Dataset().parse(data=data, format=rdflib_fmt)
    assert len(g) >= 3


def test_unknown_export_format(kg: KnowledgeGraph) -> None:
    with pytest.raises(InputError):
        export(kg, "docx")


@pytest.mark.parametrize("reasoner", ["owlrl", "rules"])
def test_add_and_remove_graph(inputs: Project, reasoner: str) -> None:
    with KnowledgeGraph(None, reasoner=reasoner, project=inputs) as kg:
        kg.load_shipped()
        iri = kg.add_graph("proposals/p1", PROPOSAL, "ttl", source=("p1.ttl", PROPOSAL.encode()))
        assert iri == str(GRAPH["proposals/p1"]) and iri in kg.added_graphs()
        # Through the attribute and through the parameter's aspect.
        _, rows = kg.query_rows(COVERED)
        assert [r["comp"] for r in rows] == ["http://example.org/t/comp1", "http://example.org/t/comp2"]
        _, rows = kg.query_rows(f"SELECT ?name ?sha ?who WHERE {{ GRAPH <{PROVENANCE_GRAPH}> {{ <{iri}> prov:wasDerivedFrom ?src . "
                                f"?src dcterms:title ?name ; ppi:sha256 ?sha . OPTIONAL {{ <{iri}> prov:wasAttributedTo ?who }} }} }}")
        assert rows == [{"name": "p1.ttl", "sha": hashlib.sha256(PROPOSAL.encode()).hexdigest(), "who": None}]
        inferred = parse(export(kg, graph="proposals/p1", which="inferred"))
        assert (rdflib.URIRef("http://example.org/t/ind"), PPI.inProposal, rdflib.URIRef("http://example.org/t/prop")) in inferred
        kg.remove_graph("proposals/p1")
        assert iri not in dict(kg.graphs()) and str(GRAPH["inferred/proposals/p1"]) not in dict(kg.graphs())
        assert kg.query_rows(COVERED)[1] == []
        assert kg.query_rows(f"ASK {{ GRAPH <{PROVENANCE_GRAPH}> {{ <{iri}> ?p ?o }} }}")[1] == [{"ask": "false"}]


def test_owlrl_and_rules_agree_on_added_graph(inputs: Project) -> None:
    results = []
    for reasoner in ("owlrl", "rules"):
        with KnowledgeGraph(None, reasoner=reasoner, project=inputs) as kg:
            kg.load_shipped()
            kg.add_graph("p", rdflib.Graph().parse(data=PROPOSAL, format="turtle"))
            results.append(export(kg, "nq", which="inferred"))
    # Blank node labels differ per store; compare the IRI-only triples.
    lines = [{l for l in r.decode().splitlines() if "_:" not in l} for r in results]
    assert lines[0] == lines[1] and lines[0]


def test_malformed_input_changes_nothing(kg: KnowledgeGraph) -> None:
    before = kg.graphs()
    with pytest.raises(InputError):
        kg.add_graph("bad", "@prefix ex: <http://e/> . ex:a ex:b ex:c . ex:broken ex:b ", "ttl")
    with pytest.raises(InputError):
        kg.add_graph("bad", b"<http://e/a> <http://e/b> .", "nt")
    with pytest.raises(InputError):
        kg.add_graph("ontology", "<http://e/a> <http://e/b> <http://e/c> .", "nt")
    assert kg.graphs() == before


def test_query_syntax_error(kg: KnowledgeGraph) -> None:
    with pytest.raises(InputError, match="SPARQL"):
        kg.query("SELEC ?x WHERE { ?x ?p ?o }")


def test_query_rows_ask_and_construct(kg: KnowledgeGraph) -> None:
    assert kg.query_rows("ASK { ?x a ppi:Competency }") == (["ask"], [{"ask": "true"}])
    cols, rows = kg.query_rows("CONSTRUCT { ?x a ppi:Competency } WHERE { ?x a ppi:Competency }")
    assert cols == ["subject", "predicate", "object"] and len(rows) == 2


def test_busy_store_opens_read_only(inputs: Project, tmp_path: Path) -> None:
    store = tmp_path / "store"
    with KnowledgeGraph(store, reasoner="rules", project=inputs) as writer:
        writer.load_shipped()
        with KnowledgeGraph(store, project=inputs) as reader:
            assert reader.read_only
            assert reader.load_shipped() is False  # up to date: nothing to write
            assert reader.graphs() == writer.graphs()
            with pytest.raises(PpikgError):
                reader.add_graph("x", "<http://e/a> <http://e/b> <http://e/c> .", "nt")


def test_a_read_only_store_sees_every_write_at_once_even_several_in_one_clock_tick(inputs: Project,
                                                                                   tmp_path: Path) -> None:
    """The reader lists the snapshots only when their folder may have changed: writes made faster than the file
    system's clock ticks must still each be seen by the next read."""
    import time

    store = tmp_path / "store"
    with KnowledgeGraph(store, reasoner="rules", project=inputs) as writer:
        writer.load_shipped()
        with KnowledgeGraph(store, project=inputs) as reader:
            time.sleep(0.3)  # past the racy window: the reader now trusts the folder's time
            assert reader.snapshot().state == writer.snapshot().state
            for i in range(12):
                writer.update(f'INSERT DATA {{ GRAPH <urn:x:g> {{ <urn:x:s> <urn:x:p> "{i}" }} }}')
                assert reader.snapshot().state == writer.snapshot().state, i
                assert reader.query_rows("ASK { <urn:x:s> <urn:x:p> \"%d\" }" % i)[1] == [{"ask": "true"}]
            time.sleep(0.3)
            writer.update('INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> "late" } }')
            assert reader.snapshot().state == writer.snapshot().state


def test_closed_graph_raises() -> None:
    kg = KnowledgeGraph(None)
    kg.close()
    with pytest.raises(PpikgError):
        kg.graphs()


def test_shipped_data_both_reasoners_agree(shipped_store, owlrl_shipped, tmp_path: Path) -> None:
    """On the shipped data the compiled rules infer what owlrl infers. "auto" gives the data to owlrl (the shared
    store is built so) and "rules" to the rules; the example proposal, which both give to the rules, is checked
    against owlrl's closure of it in the context of the shipped data."""
    with KnowledgeGraph(shipped_store(tmp_path / "store")) as auto, KnowledgeGraph(None, reasoner="rules") as rules:
        assert auto.info()["reasoner"]["shipped"] == "owlrl"
        assert rules.load_shipped() is True
        inferred = [parse(export(kg, which="inferred")) for kg in (auto, rules)]
        assert (named(inferred[0]), len(inferred[0])) == (named(inferred[1]), len(inferred[1]))
        example = str(GRAPH["ejemplos/propuesta-ejemplo-dgb"])
        assert example in rules.example_graphs()
        by_rules = parse(export(rules, graph=example, which="inferred"))
        asserted = parse(export(rules, graph=example, which="asserted"))
    by_owlrl = owlrl_closure(asserted, context_closure=owlrl_shipped)
    assert len(by_rules) > 0 and (named(by_rules), len(by_rules)) == (named(by_owlrl), len(by_owlrl))
