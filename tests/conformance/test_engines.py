"""The default SHACL engine (pyshacl-turbo) gives pySHACL's report on the example and on every shipped variant."""

from __future__ import annotations

import pytest
from rdflib import Graph

from ppikg.config import Project
from ppikg.conformance.validator import ValidationReport, Validator

from .test_validator import variant

EXAMPLES = Project.default().examples_dir
VARIANTS = sorted((EXAMPLES / "variantes").glob("*.ru"))


@pytest.fixture(scope="module")
def engines() -> tuple[Validator, Validator]:
    turbo = Validator()
    return turbo, Validator(turbo.project, shapes=turbo.shapes, ontology=turbo.ontology, context=turbo.context,
                            provisions=turbo.provisions, engine="pyshacl")


def essence(report: ValidationReport) -> tuple:
    """Everything a report says: whether it conforms, and each requirement's outcome and findings."""
    return report.conforms, [
        (r.requirement.id, r.outcome,
         sorted((f.focus, f.severity, sorted(f.message.items()), f.path, f.value, f.shape,
                 f.related.iri if f.related else None) for f in r.findings))
        for r in report.results]


def proposal(name: str) -> Graph:
    """A shipped example (``*.ttl``) or a variant of the example (``*.ru``)."""
    return Graph().parse(EXAMPLES / name) if name.endswith(".ttl") else variant(EXAMPLES / "variantes" / name)


@pytest.mark.parametrize("name", [p.name for p in sorted(EXAMPLES.glob("*.ttl"))] + [p.name for p in VARIANTS])
def test_turbo_and_pyshacl_give_the_same_report(engines, name):
    turbo, reference = engines
    data = proposal(name)
    inferred = turbo.infer(data)
    assert essence(turbo.validate(data, inferred=inferred)) == essence(reference.validate(data, inferred=inferred))


def test_the_engines_are_really_different_and_both_find_the_broken_requirement(engines):
    turbo, reference = engines
    assert turbo.engine == "turbo" and reference.engine == "pyshacl"
    broken = proposal("LIN-07-IV.ru")
    for validator in engines:
        failing = {r.requirement.id for r in validator.validate(broken).results if r.findings}
        assert failing == {"LIN-07-IV"}


def test_triples_from_the_store_and_an_rdflib_graph_give_the_same_report(engines):
    """Validation by IRI hands the store's N-Triples over unconverted; the report must not depend on it."""
    from ppikg.store.graph import KnowledgeGraph

    turbo, _ = engines
    # the variant under its own IRIs: the shipped example, loaded beside it, keeps its own
    text = proposal("LIN-12-I.ru").serialize(format="nt")
    data = Graph().parse(data=text.replace("/propuestas/ejemplo-dgb", "/propuestas/variante"), format="nt")
    with KnowledgeGraph(None) as kg:
        kg.load_shipped()  # the ontology and context the store's inferences come from
        kg.add_graph("propuestas/variante", data)
        asserted, inferred = kg.proposal_ntriples("https://w3id.org/ppikg/propuestas/variante")
    assert isinstance(asserted, bytes) and asserted
    from_store, from_file = turbo.validate(asserted, inferred=inferred), turbo.validate(data)
    assert {r.requirement.id for r in from_store.results if r.findings} == {"LIN-12-I"}
    assert essence(from_store) == essence(from_file)
